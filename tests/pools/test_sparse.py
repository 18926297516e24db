"""Sparse pools (scipy CSR, e.g. a HashingVectorizer's output) for random, uncertainty with a
sparse-capable proxy, and k-centers or forgetting on a torch proxy (issue 12, item 5)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from svpkit import CoresetSelector, ProxySelector
from svpkit.pools import SparsePool, make_pool
from tests.helpers import logreg, small_proxy

WORDS = {0: ["goal", "match", "team", "score"], 1: ["vote", "party", "law", "court"]}


@pytest.fixture(scope="module")
def text_pool():
    """A two-topic text corpus, hashed into a sparse matrix."""
    rng = np.random.RandomState(0)
    y = rng.randint(2, size=300)
    docs = [" ".join(rng.choice(WORDS[c] + WORDS[1 - c][:1], size=6)) for c in y]
    X = HashingVectorizer(n_features=2**10, alternate_sign=False).transform(docs)
    return X, y


def test_make_pool_picks_the_sparse_strategy(text_pool):
    X, _ = text_pool
    assert isinstance(make_pool(X, CoresetSelector(), reset=True), SparsePool)
    assert isinstance(make_pool(X.tocoo(), CoresetSelector(), reset=True), SparsePool)


@pytest.mark.parametrize(
    ("method", "proxy"),
    [("random", None), ("least_confidence", "logreg"), ("margin", "mlp"), ("kcenters", "mlp")],
)
def test_sparse_pool_selects_like_the_dense_one(text_pool, method, proxy):
    X, y = text_pool

    def select(pool):
        model = {"logreg": logreg(), "mlp": small_proxy(), None: None}[proxy]
        sel = CoresetSelector(model, method=method, fraction=0.2, random_state=0)
        return sel.fit(pool, y)

    sparse, dense = select(X), select(X.toarray())
    np.testing.assert_array_equal(sparse.sample_indices_, dense.sample_indices_)
    taken = sparse.transform(X)
    assert sp.issparse(taken) and taken.shape == (60, X.shape[1])


def test_forgetting_on_a_sparse_pool_equals_dense(text_pool):
    X, y = text_pool
    sel = CoresetSelector(small_proxy(), method="forgetting", fraction=0.3, random_state=0)
    np.testing.assert_array_equal(
        sel.fit(X, y).sample_indices_, sel.fit(X.toarray(), y).sample_indices_
    )


def test_active_learning_on_a_sparse_pool(text_pool):
    X, y = text_pool
    y_partial = np.where(np.arange(len(y)) % 4 == 0, y, -1)
    q = ProxySelector(logreg(), method="entropy", n_select=15, random_state=0).fit(X, y_partial)
    assert (y_partial[q.sample_indices_] == -1).all()
    X_sel, y_sel = q.fit_resample(X, y_partial)
    assert sp.issparse(X_sel) and X_sel.shape[0] == 15


@pytest.mark.parametrize("proxy", [logreg(), None])
def test_kcenters_on_sparse_input_features_is_refused_with_the_fix(text_pool, proxy):
    X, y = text_pool
    y_unlabeled = np.full(len(y), -1)  # proxy=None and no labels: embeddings = input features
    target = y if proxy is not None else y_unlabeled
    with pytest.raises(ValueError, match="sparse pool: k-centers needs dense.*TruncatedSVD"):
        ProxySelector(proxy, method="kcenters", n_select=5).fit(X, target)


def test_nan_in_a_sparse_pool_is_refused(text_pool):
    X, y = text_pool
    X = X.copy()
    X.data[3] = np.nan
    with pytest.raises(ValueError, match="NaN or inf in 1 of 300 rows"):
        CoresetSelector(method="random").fit(X, y)


def test_sparse_tag_follows_the_method_and_proxy():
    assert CoresetSelector(logreg(), method="margin").__sklearn_tags__().input_tags.sparse
    # auto reads probabilities (and a ProxyNet's forgetting counts), no features: sparse is fine
    assert CoresetSelector(logreg()).__sklearn_tags__().input_tags.sparse
    assert CoresetSelector(method="kcenters").__sklearn_tags__().input_tags.sparse
    assert not CoresetSelector(logreg(), method="kcenters").__sklearn_tags__().input_tags.sparse


def test_auto_selects_from_a_sparse_pool_with_a_scikit_learn_proxy():
    import scipy.sparse as sp
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = sp.csr_matrix(X[:300] / 16), y[:300]
    sel = CoresetSelector(logreg(), fraction=0.3, random_state=0).fit(X, y)
    assert sel.method_ == "random" and sel.n_selected_ == 90
    plain = CoresetSelector(method="random", fraction=0.3, random_state=0).fit(X, y)
    assert (sel.sample_indices_ == plain.sample_indices_).all()
