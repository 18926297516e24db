"""Lists of strings as pools: every method, the default text proxy, clear errors."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from svpkit import CoresetSelector, ProxySelector, available_methods, make_text_proxy
from svpkit.nn import TextProxyNet
from tests.nn.test_text import _sentiment


@pytest.fixture(scope="module")
def corpus():
    return _sentiment(120, seed=1)


# targeted needs a query (ProxySelector's query=): tests/methods/test_targeted.py.
# variance and residual read a regression proxy's outputs: tests/selectors/test_regression.py;
# mean_entropy and max_entropy a multi-label one's (below, and tests/selectors/test_multilabel.py).
ONE_LABEL_PER_ROW_ONLY = ("targeted", "variance", "residual", "mean_entropy", "max_entropy")


@pytest.mark.parametrize(
    "method", [m for m in available_methods() if m not in ONE_LABEL_PER_ROW_ONLY]
)
def test_every_method_selects_from_a_list_of_strings(corpus, method):
    texts, y = corpus
    # given_scores ranks by scores passed to fit (tests/selectors/test_user_proxies.py)
    given = {"scores": np.arange(len(texts), dtype=float)} if method == "given_scores" else {}
    sel = CoresetSelector(
        make_text_proxy(max_epochs=3), method=method, fraction=0.5, random_state=0
    )
    kept = sel.fit_transform(texts, y, **given)
    assert isinstance(kept, list) and len(kept) == 60
    assert kept == [texts[i] for i in sel.sample_indices_]
    again = CoresetSelector(
        make_text_proxy(max_epochs=3), method=method, fraction=0.5, random_state=0
    ).fit(texts, y, **given)
    np.testing.assert_array_equal(sel.sample_indices_, again.sample_indices_)


@pytest.mark.parametrize("method", ["mean_entropy", "max_entropy", "random"])
def test_a_label_set_per_text_trains_the_one_versus_rest_tfidf_probe(corpus, method):
    texts, y = corpus
    Y = np.column_stack([y, 1 - y, np.arange(len(y)) % 3 == 0]).astype(int)
    sel = CoresetSelector(method=method, fraction=0.5, random_state=0).fit(texts, Y)
    assert sel.task_ == "multilabel" and len(sel.sample_indices_) == 60
    if method != "random":
        steps = [type(step).__name__ for _, step in sel.proxy_.steps]
        assert steps == ["TfidfVectorizer", "OneVsRestClassifier"]


def test_least_confidence_on_text_ranks_the_least_confident_first(corpus):
    texts, y = corpus
    sel = CoresetSelector(
        make_text_proxy(max_epochs=3),
        method="least_confidence",
        fraction=0.25,
        class_balance=False,
        random_state=0,
    ).fit(texts, y)
    confidence = sel.proxy_.predict_proba(texts).max(axis=1)
    chosen = sel.sample_indices_
    others = np.setdiff1d(np.arange(len(texts)), chosen)
    assert confidence[chosen].max() <= confidence[others].min() + 1e-6


def test_text_pools_default_to_the_text_proxy_and_accept_series_and_arrays(corpus):
    pd = pytest.importorskip("pandas")
    texts, y = corpus
    for pool in (np.array(texts), pd.Series(texts), tuple(texts)):
        sel = CoresetSelector(method="margin", fraction=0.5, random_state=0).fit(pool, y)
        assert isinstance(sel.proxy_, TextProxyNet)


def test_a_scikit_learn_text_pipeline_is_a_proxy_for_probabilities(corpus):
    texts, y = corpus
    proxy = make_pipeline(TfidfVectorizer(), LogisticRegression())
    sel = CoresetSelector(proxy, method="entropy", fraction=0.5, random_state=0).fit(texts, y)
    assert sel.n_selected_ == 60
    with pytest.raises(ValueError, match="raw strings of a text pool"):
        CoresetSelector(proxy, method="kcenters", fraction=0.5).fit(texts, y)


def test_active_learning_on_text(corpus):
    texts, y = corpus
    y = y.copy()
    y[20:] = -1
    sel = ProxySelector(method="margin", n_select=10, random_state=0).fit(texts, y)
    assert (y[sel.sample_indices_] == -1).all() and sel.n_selected_ == 10
    with pytest.raises(ValueError, match="raw strings"):
        ProxySelector(method="kcenters", n_select=5).fit(texts, np.full(len(texts), -1))


def test_rows_that_are_not_strings_are_named(corpus):
    texts, y = corpus
    broken = list(texts)
    broken[7] = None
    with pytest.raises(ValueError, match="first: row 7"):
        CoresetSelector(method="margin", fraction=0.5).fit(np.array(broken, dtype=object), y)


def test_cold_start_methods_read_an_lsa_embedding_of_the_texts(corpus):
    texts, y = corpus
    y_none = np.full(len(texts), -1)
    sel = ProxySelector(method="typiclust", n_select=10, random_state=0).fit(texts, y_none)
    assert sel.proxy_ is None and sel.n_selected_ == 10
    from svpkit.pools.text import TEXT_FEATURE_DIMS, TextPool

    pool = TextPool(texts, sel, reset=True)
    Z = pool.input_features()
    assert Z.shape == (len(texts), min(TEXT_FEATURE_DIMS, Z.shape[1]))
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), 1.0, rtol=1e-5)
    assert pool.input_features() is Z  # computed once per pool
