"""EmbeddingProxy: a frozen encoder's features (computed once per pool) and a cheap head; its
``embed`` protocol; the WordLlama text encoder."""

import copy
import logging
import pickle
import socket

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from svpkit import CoresetSelector, ProxySelector
from svpkit.nn import EmbeddingProxy, make_embedding_proxy
from svpkit.nn.embedding import MAX_CACHED_POOLS, default_head


class CountingEncoder:
    """A fixed nonlinear map of array rows (or hashed texts) that counts the rows it encodes."""

    def __init__(self, n_features=8, seed=0):
        self.W = np.random.RandomState(seed).randn(64, n_features)
        self.rows = 0
        self.calls = 0
        self.seen = []  # each batch's first column (row ids, where a test puts them there)

    def __call__(self, rows):
        self.calls += 1
        self.rows += len(rows)
        if isinstance(rows, list):  # texts
            rows = HashingVectorizer(n_features=64, alternate_sign=False).transform(rows)
            rows = rows.toarray()
        else:
            self.seen.append(np.asarray(rows)[:, 0].copy())
        return np.tanh(np.asarray(rows)[:, :64] @ self.W[: np.shape(rows)[1]])


@pytest.fixture
def data(digits):
    X, y = digits
    return X[:300], y[:300]


def _identity(rows):
    return rows


class _Identity:
    """The identity encoder with a stable repr: pytest-xdist workers must collect the same
    test ids, and a function's repr holds its address."""

    def __call__(self, rows):
        return rows

    def __repr__(self) -> str:
        return "identity"


# -- features once per pool ---------------------------------------------------------------------


def test_features_are_computed_once_per_pool(data):
    X, y = data
    X = X.astype(np.float32)  # what selectors hand a proxy (a float64 pool is another key)
    encoder = CountingEncoder()
    proxy = make_embedding_proxy(encoder, batch_size=64).fit(X, y)
    assert encoder.rows == len(X) and encoder.calls == 5  # 300 rows in batches of 64
    proxy.predict_proba(X), proxy.predict(X), proxy.embed(X), proxy.decision_function(X)
    proxy.fit(X.copy(), y)  # the same content in another array
    clone(proxy).fit(X, y).predict_proba(X)  # clones share the cache
    ProxySelector(proxy, method="margin", n_select=10, random_state=0).fit(X, y)
    assert encoder.rows == len(X)
    proxy.predict(X[:50])  # a new pool is encoded
    assert encoder.rows == len(X) + 50


def test_a_selector_encodes_the_pool_once(data):
    X, y = data
    encoder = CountingEncoder()
    sel = CoresetSelector(make_embedding_proxy(encoder), method="margin", fraction=0.5)
    sel.fit(X, y)  # fits a clone on the pool, then reads its probabilities on it
    assert encoder.rows == len(X)


def test_cache_false_encodes_every_call(data):
    X, y = data
    encoder = CountingEncoder()
    proxy = make_embedding_proxy(encoder, cache=False).fit(X, y)
    proxy.predict_proba(X)
    assert encoder.rows == 2 * len(X)
    assert not hasattr(proxy, "_feature_cache")


def test_the_cache_is_bounded(data):
    X, y = data
    proxy = make_embedding_proxy(CountingEncoder()).fit(X, y)
    for k in range(2 * MAX_CACHED_POOLS):
        proxy.embed(X[k : k + 20])
    assert len(proxy._feature_cache.entries) == MAX_CACHED_POOLS


def test_changing_a_module_s_weights_invalidates_its_features(data):
    X, y = data
    torch.manual_seed(0)
    module = torch.nn.Linear(64, 4)
    proxy = make_embedding_proxy(module).fit(X, y)
    before = proxy.embed(X)
    with torch.no_grad():
        module.weight.mul_(2.0)  # in place: what an optimizer step or load_state_dict does
    after = proxy.embed(X)
    np.testing.assert_allclose(
        after, module(torch.as_tensor(X, dtype=torch.float32)).detach(), rtol=1e-5
    )
    assert not np.allclose(before, after)


def test_an_active_learning_loop_encodes_each_pool_row_once(data):
    from svpkit.active import ActiveLearningLoop

    X, y = data
    X = X.copy()
    X[:, 0] = np.arange(len(X))  # the encoder sees row ids in column 0
    encoder = CountingEncoder()
    loop = ActiveLearningLoop(
        ProxySelector(make_embedding_proxy(encoder), method="margin"),
        initial_size=20,
        round_sizes=[20, 20, 20],
        random_state=0,
        verbose=False,
    ).run(X, y)
    seen = np.bincount(np.concatenate(encoder.seen).astype(int), minlength=len(X))
    never_labeled = np.setdiff1d(np.arange(len(X)), loop.labeled_indices_)
    # the pool once; only the labeled rows again, as each round's new training set
    assert (seen[never_labeled] == 1).all()
    assert encoder.rows < 2 * len(X)


# -- what it computes ---------------------------------------------------------------------------


def test_embed_is_the_encoder_s_output_as_float32(data):
    X, y = data
    encoder = CountingEncoder()
    proxy = make_embedding_proxy(encoder, batch_size=7)
    embedding = proxy.embed(X)  # no fit needed: the encoder is frozen
    assert embedding.dtype == np.float32 and embedding.shape == (len(X), 8)
    np.testing.assert_allclose(embedding, encoder(X), rtol=1e-6)
    embedding[:] = 0  # a copy: the cached features are untouched
    assert proxy.embed(X).any()
    assert proxy.fit(X, y).embedding_dim_ == 8


def test_predict_proba_is_the_head_fitted_on_the_encoder_s_features(data):
    X, y = data
    encoder = CountingEncoder()
    features = encoder(X).astype(np.float32)
    proxy = make_embedding_proxy(encoder).fit(X, y)
    by_hand = default_head().fit(features, y)
    np.testing.assert_allclose(proxy.predict_proba(X), by_hand.predict_proba(features))
    np.testing.assert_array_equal(proxy.predict(X), by_hand.predict(features))
    np.testing.assert_array_equal(proxy.classes_, np.unique(y))
    assert proxy.score(X, y) == by_hand.score(features, y)


def test_a_head_of_the_user_s_and_string_labels(blobs):
    X, y = blobs
    head = LogisticRegression(C=3.0)
    proxy = make_embedding_proxy(_identity, head).fit(X, y)
    assert proxy.head_ is not head and proxy.head_.C == 3.0
    assert not hasattr(head, "coef_")  # the head given is never fitted
    assert proxy.classes_.tolist() == ["cat", "dog"]
    assert set(proxy.predict(X)) == {"cat", "dog"}


def test_predict_proba_exists_only_where_the_head_has_it(blobs):
    X, y = blobs
    proxy = make_embedding_proxy(_identity, LinearSVC())
    assert not hasattr(proxy, "predict_proba")
    assert proxy.fit(X, y).decision_function(X).shape == (len(X),)
    assert hasattr(make_embedding_proxy(_identity), "predict_proba")


def test_random_state_is_forwarded_to_the_head_and_makes_fits_repeat(data):
    X, y = data
    forest = RandomForestClassifier(n_estimators=5)
    a = make_embedding_proxy(CountingEncoder(), forest, random_state=3).fit(X, y)
    b = make_embedding_proxy(CountingEncoder(), forest, random_state=3).fit(X, y)
    c = make_embedding_proxy(CountingEncoder(), forest, random_state=4).fit(X, y)
    assert a.head_.random_state == 3 and forest.random_state is None
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))
    # a head's own random_state is kept; the default head's (a pipeline) is reached by name
    mine = make_embedding_proxy(_identity, RandomForestClassifier(random_state=7), random_state=3)
    assert mine.fit(X, y).head_.random_state == 7
    default = make_embedding_proxy(_identity, random_state=np.random.RandomState(0)).fit(X, y)
    assert isinstance(default.head_[-1].random_state, int)


def test_clone_keeps_the_encoder_and_clones_the_head(data):
    X, y = data
    torch.manual_seed(0)
    module = torch.nn.Linear(64, 4)
    head = LogisticRegression()
    proxy = EmbeddingProxy(module, head, batch_size=32, cache=True, random_state=1)
    twin = clone(proxy)
    assert twin.encoder is module  # a pretrained model is not deep-copied
    assert twin.head is not head and twin.head.get_params() == head.get_params()
    assert twin.get_params(deep=False).keys() == proxy.get_params(deep=False).keys()
    rebuilt = EmbeddingProxy(**proxy.get_params(deep=False))
    assert rebuilt.get_params() == proxy.get_params()
    assert proxy.set_params(head__C=0.5, batch_size=8).head.C == 0.5
    assert clone(proxy.fit(X, y)).__dict__.keys() - {"_feature_cache"} == set(
        EmbeddingProxy(module).get_params(deep=False)
    )


def test_pickle_and_deepcopy_leave_the_cache_out(data):
    X, y = data
    encoder = CountingEncoder()
    proxy = make_embedding_proxy(encoder).fit(X, y)
    assert "_feature_cache" not in proxy.__getstate__()
    assert "_feature_cache" in proxy.__dict__  # __getstate__ returned a copy
    restored = pickle.loads(pickle.dumps(proxy))
    np.testing.assert_allclose(restored.predict_proba(X), proxy.predict_proba(X))
    assert restored.encoder.rows == 2 * len(X)  # its own copy of the encoder encoded again
    assert copy.deepcopy(proxy).encoder is not encoder


# -- encoders -----------------------------------------------------------------------------------


class Images(torch.nn.Module):
    """A fixed convolution and a global average pool: images -> 4 features."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.drop = torch.nn.Dropout(0.5)  # random in train mode: eval must be used

    def forward(self, x):
        return self.drop(self.conv(x)).mean(dim=(2, 3))


def test_a_torch_module_encodes_images_in_eval_mode_and_keeps_its_mode():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(40, 3, 8, 8)).astype(np.uint8)
    y = np.arange(40) % 2
    module = Images().train()
    proxy = make_embedding_proxy(module, batch_size=16).fit(X, y)
    assert module.training  # restored after encoding
    with torch.no_grad():  # uint8 pixels are scaled to [0, 1], as svpkit's nets read them
        expected = module.eval()(torch.as_tensor(X, dtype=torch.float32) / 255.0).numpy()
    np.testing.assert_allclose(proxy.embed(X), expected, rtol=1e-5, atol=1e-6)
    assert proxy.predict_proba(X).shape == (40, 2)
    assert not hasattr(proxy, "n_features_in_") or proxy.n_features_in_ == 3


def test_a_module_gets_batches_in_the_dtype_of_its_parameters(data):
    X, y = data
    module = torch.nn.Linear(64, 4).double()  # the batch is cast to the module's dtype
    embedding = make_embedding_proxy(module).embed(X)
    assert embedding.dtype == np.float32
    with torch.no_grad():
        np.testing.assert_allclose(embedding, module(torch.as_tensor(X)).numpy(), rtol=1e-5)


def test_a_module_that_returns_logits_and_embedding(data):
    from svpkit.nn import MLP

    X, y = data
    torch.manual_seed(0)
    module = MLP(n_features=64, n_classes=10, hidden_units=(16,))
    assert module.returns_embedding
    embedding = make_embedding_proxy(module).embed(X)
    with torch.no_grad():
        np.testing.assert_allclose(
            embedding, module.eval()(torch.as_tensor(X, dtype=torch.float32))[1], rtol=1e-5
        )


def test_texts_in_any_container_are_one_pool():
    pd = pytest.importorskip("pandas")
    texts = ["a gem of a film", "loved it", "dull and far too long", "a tedious mess"] * 10
    y = [1, 1, 0, 0] * 10
    encoder = CountingEncoder()
    proxy = make_embedding_proxy(encoder).fit(texts, y)
    as_array = np.array(texts, dtype=object)
    proxy.predict_proba(as_array), proxy.embed(pd.Series(texts)), proxy.predict(tuple(texts))
    assert encoder.rows == len(texts)
    assert not hasattr(proxy, "n_features_in_")
    assert proxy.predict(["a gem", "tedious"]).tolist() == [1, 0]


# -- errors -------------------------------------------------------------------------------------


def _bad(output):
    return lambda rows: output(np.asarray(rows, dtype=float))


@pytest.mark.parametrize(
    ("encoder", "error", "match"),
    [
        (_bad(lambda r: r[:-1]), ValueError, r"returned 299 rows of features for a batch of 300"),
        (_bad(lambda r: r[:, 0]), ValueError, r"shape \(300,\).*must return a 2-D array"),
        (_bad(lambda r: r.reshape(len(r), 8, 8)), ValueError, "2-D array"),
        (_bad(lambda r: np.where(r > 0.99, np.nan, r)), ValueError, r"non-finite features"),
        (_bad(lambda r: r + np.inf), ValueError, r"non-finite .* \(first: row 0\)"),
        (lambda rows: [["a", "b"]] * len(rows), ValueError, "not an array of numbers"),
    ],
)
def test_bad_encoder_output_is_refused_with_the_fix(data, encoder, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        make_embedding_proxy(encoder, batch_size=512).fit(X, y)


def test_rows_of_varying_width_are_refused(data):
    X, y = data
    widths = iter([5, 6])
    with pytest.raises(ValueError, match="6 features for rows 100-199 but 5 for the rows before"):
        make_embedding_proxy(lambda rows: rows[:, : next(widths)], batch_size=100).fit(X, y)


def test_an_encoder_that_is_not_callable_is_refused(data):
    X, y = data
    with pytest.raises(InvalidParameterError, match="'encoder' parameter"):
        EmbeddingProxy(encoder="resnet18").fit(X, y)
    with pytest.raises(TypeError, match="encoder must be a torch.nn.Module or a callable"):
        EmbeddingProxy(encoder=3).embed(X)


def test_a_module_returning_a_tuple_says_how_to_wrap_it(data):
    class Pair(torch.nn.Module):
        def forward(self, x):
            return x, x

    X, y = data
    with pytest.raises(ValueError, match=r"returned a tuple of 2 items.*returns_embedding"):
        make_embedding_proxy(Pair()).fit(X, y)


def test_input_errors(data):
    X, y = data
    proxy = make_embedding_proxy(_identity).fit(X, y)
    with pytest.raises(ValueError, match="X has 10 features, but EmbeddingProxy is expecting 64"):
        proxy.predict(X[:, :10])
    with pytest.raises(ValueError, match=r"2 of its 3 rows are not strings \(first: row 1"):
        proxy.fit(["a", None, 3], [0, 1, 0])
    with pytest.raises(ValueError, match="requires y"):
        proxy.fit(X, None)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        proxy.fit(X, y[:-1])


# -- scikit-learn's checks and svpkit's selectors -----------------------------------------------


@parametrize_with_checks([EmbeddingProxy(_Identity()), EmbeddingProxy(_Identity(), cache=False)])
def test_sklearn_compatible_estimator(estimator, check):
    # With the identity as its encoder, the proxy is its head on the raw columns: every check
    # applies, and passes.
    check(estimator)


def test_margin_selection_reads_the_head_s_probabilities(data):
    X, y = data
    encoder = CountingEncoder()
    y_partial = np.full(len(y), -1)
    labeled = np.arange(0, len(y), 3)
    y_partial[labeled] = y[labeled]
    sel = ProxySelector(make_embedding_proxy(encoder), method="margin", n_select=20)
    sel.set_params(random_state=0).fit(X, y_partial)
    features = encoder(X).astype(np.float32)
    proba = default_head().fit(features[labeled], y[labeled]).predict_proba(features)
    top2 = np.sort(proba, axis=1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]
    candidates = np.setdiff1d(np.arange(len(y)), labeled)
    expected = candidates[np.argsort(margin[candidates], kind="stable")[:20]]
    assert set(sel.sample_indices_) == set(expected)


def test_kcenters_reads_the_embed_protocol():
    """k-centers spreads over the *encoder's* space (needs svpkit.pools.outputs.read_outputs to
    read a proxy's ``embed``: the embedding protocol)."""
    rng = np.random.RandomState(0)
    cluster = np.repeat(np.arange(6), 30)
    X = np.column_stack([cluster, 100 * rng.randn(len(cluster), 5)])  # inputs: mostly noise
    y = rng.randint(0, 2, len(cluster))

    def encoder(rows):  # the clusters, apart; the noise, nearly gone
        centers = 10.0 * np.eye(6)[rows[:, 0].astype(int)]
        return centers + 1e-3 * rows[:, 1:2]

    sel = CoresetSelector(
        make_embedding_proxy(encoder),
        method="kcenters",
        n_select=6,
        class_balance=False,
        random_state=0,
    ).fit(X, y)
    assert sorted(cluster[sel.sample_indices_]) == list(range(6))  # one row per cluster
    # k-centers on the raw, noisy inputs (a proxy with no embeddings of its own) misses some
    raw = CoresetSelector(
        LogisticRegression(), method="kcenters", n_select=6, class_balance=False, random_state=0
    ).fit(X, y)
    assert sorted(cluster[raw.sample_indices_]) != list(range(6))


# -- WordLlama ----------------------------------------------------------------------------------

TEXTS = [
    "a gem of a film, moving and funny",
    "one of the best films of the year",
    "loved every minute of it",
    "dull, tedious and far too long",
    "a mess from start to finish",
    "the worst film i have seen this year",
]
LABELS = [1, 1, 1, 0, 0, 0]


@pytest.fixture
def wordllama():
    pytest.importorskip(
        "wordllama", reason='needs the text-encoder extra: pip install -e ".[text-encoder]"'
    )
    from svpkit.nn import wordllama_encoder

    return wordllama_encoder


def test_wordllama_loads_offline_and_leaves_logging_alone(wordllama, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    vectors = wordllama()(TEXTS)
    assert (root.handlers, root.level) == (handlers, level)  # wordllama's basicConfig undone
    assert vectors.shape == (6, 256) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(vectors, wordllama()(list(TEXTS)))  # deterministic


def test_wordllama_dims_are_prefixes_and_empty_texts_are_zero(wordllama):
    full = wordllama(normalize=False)(TEXTS + [""])
    short = wordllama(64, normalize=False)(TEXTS + [""])
    np.testing.assert_allclose(short, full[:, :64], rtol=1e-6)
    assert not full[-1].any()
    assert not wordllama()([""]).any()  # normalising the zero vector leaves it zero
    with pytest.raises(ValueError, match="dim must be one of"):
        wordllama(100)
    with pytest.raises(TypeError, match="every row must be a str"):
        wordllama()(["a", 1])


def test_wordllama_encoder_pickles_as_its_settings(wordllama):
    encoder = wordllama(128)
    encoder(TEXTS)  # loaded
    data = pickle.dumps(encoder)
    assert len(data) < 1000  # not the 16 MB table
    restored = pickle.loads(data)
    assert repr(restored) == "WordLlamaEncoder(dim=128, normalize=True)"
    np.testing.assert_array_equal(restored(TEXTS), encoder(TEXTS))


def test_wordllama_proxy_selects_text(wordllama):
    texts = TEXTS * 5
    y = np.array(LABELS * 5)
    proxy = make_embedding_proxy(wordllama())
    assert proxy.fit(texts, y).score(texts, y) == 1.0
    y_partial = y.copy()
    y_partial[6:] = -1
    sel = ProxySelector(proxy, method="margin", n_select=4, random_state=0).fit(texts, y_partial)
    assert len(sel.sample_indices_) == 4 and (sel.sample_indices_ >= 6).all()


def test_kcenters_on_texts_reads_the_embed_protocol(wordllama):
    """Needs svpkit.pools.outputs.read_outputs (and the text pool) to read a proxy's ``embed``:
    without it a text pool has no embeddings for k-centers."""
    texts = TEXTS + ["an average film", "the plot is about a family", "i left early"]
    labeled = [0, 3]  # one of each class: the existing centers
    y = np.full(len(texts), -1)
    y[labeled] = [1, 0]
    proxy = make_embedding_proxy(wordllama())
    sel = ProxySelector(proxy, method="kcenters", n_select=1, random_state=0).fit(texts, y)
    # the text farthest from the labeled ones in the encoder's space
    Z = wordllama()(texts)
    nearest = np.linalg.norm(Z[:, None] - Z[None, labeled], axis=2).min(axis=1)
    assert sel.sample_indices_.tolist() == [int(np.argmax(nearest))]


def test_a_missing_wordllama_names_the_extra(monkeypatch):
    from svpkit.nn import wordllama_encoder

    monkeypatch.setitem(__import__("sys").modules, "wordllama", None)
    with pytest.raises(ImportError, match=r'needs wordllama: pip install -e "\.\[text-encoder\]"'):
        wordllama_encoder()(["a text"])
