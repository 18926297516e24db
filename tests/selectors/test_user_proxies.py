"""Proxies the user already has: a fitted estimator used as it is (FrozenEstimator), and
outputs computed elsewhere passed to fit (proba=, embedding=, scores=)."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.naive_bayes import GaussianNB

from svpkit import CoresetSelector, ProxySelector, SelectThenFit
from svpkit.active import ActiveLearningLoop
from svpkit.nn import make_default_proxy
from svpkit.nn.net import predict_outputs


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600].astype(np.float32), y[:600]


class CountingLR(LogisticRegression):
    """A LogisticRegression that counts every fit (of any instance)."""

    fits = 0

    def fit(self, X, y, sample_weight=None):
        type(self).fits += 1
        return super().fit(X, y, sample_weight=sample_weight)


def _partial(y, n_labeled):
    y_partial = y.copy()
    y_partial[n_labeled:] = -1
    return y_partial


# -- frozen proxies ----------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["margin", "entropy", "least_confidence"])
@pytest.mark.parametrize("class_balance", [False, True])
def test_a_frozen_proxy_selects_as_the_retrained_one_that_equals_it(digits, method, class_balance):
    X, y = digits
    y_partial = _partial(y, 200)
    # lbfgs is deterministic: trained on the same rows it is the proxy the selector would train
    lr = LogisticRegression(max_iter=500).fit(X[:200], y[:200])
    params = dict(method=method, fraction=0.1, class_balance=class_balance, random_state=0)
    frozen = ProxySelector(proxy=FrozenEstimator(lr), **params).fit(X, y_partial)
    retrained = ProxySelector(proxy=LogisticRegression(max_iter=500), **params).fit(X, y_partial)
    np.testing.assert_array_equal(frozen.sample_indices_, retrained.sample_indices_)
    np.testing.assert_allclose(frozen.scores_, retrained.scores_, equal_nan=True)
    assert frozen.proxy_.estimator is lr


def test_a_frozen_proxy_is_never_refitted(digits, tmp_path):
    X, y = digits
    lr = CountingLR(max_iter=500).fit(X[:200], y[:200])
    CountingLR.fits = 0
    frozen = FrozenEstimator(lr)
    coef = lr.coef_.copy()
    ProxySelector(proxy=frozen, method="margin", fraction=0.1).fit(X, _partial(y, 200))
    CoresetSelector(proxy=frozen, method="margin", fraction=0.5).fit(X, y)
    CoresetSelector(proxy=frozen, fraction=0.5).fit(X, y)  # auto
    CoresetSelector(proxy=frozen, method="margin", fraction=0.5, memory=str(tmp_path)).fit(X, y)
    loop = ActiveLearningLoop(
        ProxySelector(proxy=frozen, method="margin"),
        initial_size=50,
        round_sizes=[50, 50],
        verbose=False,
    )
    loop.run(X, y)
    assert CountingLR.fits == 0
    np.testing.assert_array_equal(lr.coef_, coef)


def test_a_frozen_proxy_needs_no_labeled_row_and_keeps_its_own_classes(digits):
    X, y = digits
    names = np.array(list("abcdefghij"), dtype=object)[y]
    lr = LogisticRegression(max_iter=500).fit(X[:300], names[:300])
    unlabeled = np.full(len(y), None, dtype=object)
    selector = ProxySelector(proxy=FrozenEstimator(lr), method="margin", n_select=30)
    selector.set_params(missing_label=None).fit(X, unlabeled)
    np.testing.assert_array_equal(selector.classes_, np.array(list("abcdefghij"), dtype=object))
    proba = np.sort(lr.predict_proba(X), axis=1)
    margins = proba[:, -1] - proba[:, -2]  # the 30 most uncertain rows: the smallest margins
    assert margins[selector.sample_indices_].max() <= np.sort(margins)[29] + 1e-9


def test_a_frozen_proxy_refuses_labels_it_does_not_know(digits):
    X, y = digits
    lr = LogisticRegression(max_iter=300).fit(X[:300], np.where(y[:300] < 5, 0, 1))
    with pytest.raises(ValueError, match=r"labels the frozen proxy was not trained on \(2, 3"):
        CoresetSelector(proxy=FrozenEstimator(lr), method="margin", fraction=0.5).fit(X, y)


def test_an_unfitted_frozen_proxy_is_refused(digits):
    X, y = digits
    with pytest.raises(ValueError, match=r"has no classes_: fit it before wrapping"):
        CoresetSelector(proxy=FrozenEstimator(GaussianNB()), method="margin").fit(X, y)


@pytest.mark.parametrize("method", ["forgetting", "el2n", "aum"])
def test_a_frozen_proxy_refuses_methods_that_read_training_dynamics(digits, method):
    X, y = digits
    lr = LogisticRegression(max_iter=300).fit(X, y)
    with pytest.raises(ValueError, match=r"the proxy is frozen .* or use method='badge'"):
        CoresetSelector(proxy=FrozenEstimator(lr), method=method, fraction=0.5).fit(X, y)


def test_coreset_auto_with_a_frozen_proxy_keeps_class_balanced_random(digits):
    X, y = digits
    lr = LogisticRegression(max_iter=300).fit(X, y)
    selector = CoresetSelector(proxy=FrozenEstimator(lr), fraction=0.5, random_state=0)
    selector.fit(X, y)
    assert selector.method_ == "random"
    assert "used as it is (frozen" in selector.method_reason_
    counts = np.bincount(y[selector.sample_indices_], minlength=10)
    assert (np.abs(counts - np.bincount(y) / 2) <= 1).all()


def test_a_frozen_net_gives_its_embeddings_to_kcenters(digits):
    X, y = digits
    net = make_default_proxy(max_epochs=2, random_state=0).fit(X[:300], y[:300])
    frozen = CoresetSelector(
        proxy=FrozenEstimator(net), method="kcenters", fraction=0.1, random_state=0
    ).fit(X, y)
    _, embedding, _ = predict_outputs(net, X, predict=False)
    given = CoresetSelector(method="kcenters", fraction=0.1, random_state=0)
    given.fit(X, y, embedding=embedding)
    np.testing.assert_array_equal(frozen.sample_indices_, given.sample_indices_)
    assert not np.array_equal(embedding[:, :5], X[:, :5])  # not the input features


def test_a_frozen_net_in_the_loop_is_not_warm_started(digits):
    X, y = digits
    net = make_default_proxy(max_epochs=2, random_state=0).fit(X, y)
    before = {k: p.detach().clone() for k, p in net.module_.state_dict().items()}
    loop = ActiveLearningLoop(
        ProxySelector(proxy=FrozenEstimator(net), method="margin"),
        initial_size=50,
        round_sizes=[50] * 2,
        verbose=False,
        warm_start=True,
    )
    loop.run(X, y)
    assert len(loop.history_) == 3
    for key, value in net.module_.state_dict().items():
        assert bool((value == before[key]).all())


# -- precomputed outputs -----------------------------------------------------------------------
@pytest.mark.parametrize("method", ["margin", "entropy", "least_confidence", "badge"])
def test_precomputed_outputs_select_as_the_proxy_that_produced_them(digits, method):
    X, y = digits
    net = make_default_proxy(max_epochs=2, random_state=0)
    y_partial = _partial(y, 200)
    trained = ProxySelector(proxy=net, method=method, fraction=0.1, random_state=3).fit(
        X, y_partial
    )
    proba, embedding, _ = predict_outputs(trained.proxy_, X)
    given = ProxySelector(method=method, fraction=0.1, random_state=3)
    outputs = {"proba": proba, "embedding": embedding}
    given.fit(X, y_partial, **outputs)
    np.testing.assert_array_equal(given.sample_indices_, trained.sample_indices_)
    assert given.proxy_ is None
    assert given.precomputed_ == ("proba", "embedding")
    assert given.fit_seconds_["proxy_fit"] == 0.0


def test_precomputed_probabilities_serve_class_balance_over_predicted_classes(digits):
    X, y = digits
    lr = LogisticRegression(max_iter=500).fit(X[:200], y[:200])
    params = dict(method="margin", fraction=0.2, class_balance=True, random_state=0)
    y_partial = _partial(y, 200)
    frozen = ProxySelector(proxy=FrozenEstimator(lr), **params).fit(X, y_partial)
    given = ProxySelector(**params).fit(X, y_partial, proba=lr.predict_proba(X))
    np.testing.assert_array_equal(frozen.sample_indices_, given.sample_indices_)


def test_method_scores_keeps_the_largest_given_scores(digits):
    X, y = digits
    scores = np.random.default_rng(0).normal(size=len(y))
    selector = CoresetSelector(method="given_scores", n_select=50, class_balance=False)
    selector.fit(X, y, scores=scores)
    np.testing.assert_array_equal(selector.sample_indices_, np.sort(np.argsort(-scores)[:50]))
    np.testing.assert_allclose(selector.scores_, scores)
    balanced = CoresetSelector(method="given_scores", fraction=0.1, class_balance=True)
    balanced.fit(X, y, scores=scores)
    for label in range(10):  # the top of each class
        members = np.flatnonzero(y == label)
        kept = np.intersect1d(balanced.sample_indices_, members)
        assert scores[kept].min() >= np.sort(scores[members])[::-1][len(kept) - 1]


def test_precomputed_embeddings_with_existing_centers_follow_the_labeled_rows(digits):
    X, y = digits
    embedding = np.random.default_rng(1).normal(size=(len(y), 8)).astype(np.float32)
    y_partial = _partial(y, 100)
    selector = ProxySelector(method="kcenters", n_select=20, random_state=0)
    selector.fit(X, y_partial, embedding=embedding)
    # brute force: farthest-first from the labeled rows, on the given embedding
    distance = ((embedding[:, None, :] - embedding[None, :100, :]) ** 2).sum(-1).min(axis=1)
    picked = []
    for _ in range(20):
        row = int(np.argmax(np.where(np.arange(len(y)) < 100, -1, distance)))
        picked.append(row)
        distance = np.minimum(distance, ((embedding - embedding[row]) ** 2).sum(-1))
    np.testing.assert_array_equal(selector.sample_indices_, np.sort(picked))


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ({"scores": np.ones(5)}, r"scores= has 5 rows but X has 600"),
        ({"scores": np.ones((600, 2))}, r"scores= must be scores \(n_rows,\)"),
        ({"scores": np.r_[np.nan, np.ones(599)]}, r"scores= holds NaN or inf \(first at row 0\)"),
        ({"embedding": np.ones(600)}, r"embedding= must be embeddings \(n_rows, n_features\)"),
        ({"embedding": np.full((600, 2), np.inf)}, r"embedding= \(passed to fit\) returned NaN"),
        ({"proba": np.full((600, 10), 0.5)}, r"rows do not sum to 1"),
        ({"proba": np.full((600, 4), 0.25)}, r"proba= has 4 columns but the labeled rows"),
        ({"proba": np.array([["a"] * 10] * 600)}, r"proba= must be numeric"),
    ],
)
def test_bad_precomputed_outputs_are_refused_naming_the_fault(digits, outputs, message):
    X, y = digits
    method = (
        "given_scores"
        if "scores" in outputs
        else "kcenters"
        if "embedding" in outputs
        else "margin"
    )
    selector = CoresetSelector(method=method, fraction=0.5)
    with pytest.raises(ValueError, match=message):
        selector.fit(X, y, **outputs)
    assert not hasattr(selector, "sample_indices_")


@pytest.mark.parametrize(
    ("method", "outputs", "message"),
    [
        (
            "margin",
            {"embedding": 1},
            r"reads proba, but fit was given only embedding=.*Pass proba=",
        ),
        ("kcenters", {"proba": 1}, r"reads embedding, .* or use method='entropy'"),
        ("forgetting", {"proba": 1}, r"recorded while a proxy trains"),
        ("given_scores", {}, r"pass them to fit, fit\(X, y, scores=\.\.\.\)"),
    ],
)
def test_a_method_that_reads_what_was_not_given_is_refused(digits, method, outputs, message):
    X, y = digits
    rng = np.random.default_rng(0)
    arrays = {
        "proba": rng.dirichlet(np.ones(10), size=len(y)),
        "embedding": rng.normal(size=(len(y), 4)),
    }
    given = {name: arrays[name] for name in outputs}
    with pytest.raises(ValueError, match=message):
        CoresetSelector(method=method, fraction=0.5).fit(X, y, **given)


def test_a_selector_fitted_on_given_outputs_refuses_a_new_pool(digits):
    X, y = digits
    scores = np.arange(len(y), dtype=float)
    selector = CoresetSelector(method="given_scores", fraction=0.5).fit(X, y, scores=scores)
    np.testing.assert_array_equal(selector.transform(X), X[selector.sample_indices_])
    with pytest.raises(ValueError, match=r"ranked the pool seen in fit by the scores= passed"):
        selector.transform(X[:100] + 1)


def test_fit_resample_and_fit_transform_take_the_outputs(digits):
    X, y = digits
    scores = np.arange(len(y), dtype=float)
    top = CoresetSelector(method="given_scores", n_select=10, class_balance=False)
    X_sel, y_sel = top.fit_resample(X, y, scores=scores)
    np.testing.assert_array_equal(y_sel, y[-10:])
    X_t = clone(top).fit_transform(X, y, scores=scores)
    np.testing.assert_array_equal(X_t, X[-10:])
    with pytest.raises(TypeError, match=r"no fit parameter groups"):
        CoresetSelector(method="given_scores").fit_transform(X, y, groups=y)


def test_cross_validation_routes_each_fold_its_rows_of_the_outputs(digits):
    X, y = digits
    scores = np.arange(len(y), dtype=float)  # the last rows of each fold score highest
    seen = []

    class Recording(CoresetSelector):
        def fit(self, X, y=None, *, proba=None, embedding=None, scores=None):
            seen.append((len(X), None if scores is None else scores.copy()))
            return super().fit(X, y, proba=proba, embedding=embedding, scores=scores)

    with sklearn.config_context(enable_metadata_routing=True):
        selector = Recording(method="given_scores", fraction=0.5).set_fit_request(scores=True)
        model = SelectThenFit(selector, LogisticRegression(max_iter=200))
        search = GridSearchCV(
            model, {"selector__fraction": [0.5, 1.0]}, cv=KFold(3), error_score="raise"
        )
        search.fit(X, y, scores=scores)
    folds = [fold for fold in seen if fold[0] == 400]
    assert len(folds) == 6  # 3 folds x 2 fractions
    for n, fold_scores in folds:
        assert len(fold_scores) == n and set(fold_scores) < set(scores)


def test_the_loop_ranks_every_round_by_the_given_outputs(digits, tmp_path):
    X, y = digits
    scores = np.arange(len(y), dtype=float)
    loop = ActiveLearningLoop(
        ProxySelector(method="given_scores"),
        initial_size=20,
        round_sizes=[20] * 2,
        verbose=False,
        random_state=0,
        checkpoint_dir=tmp_path,
    )
    loop.run(X, y, scores=scores)
    # every round, the initial one too (the method needs no label), keeps the top scores
    np.testing.assert_array_equal(np.sort(loop.labeled_indices_), np.arange(len(y) - 60, len(y)))
    assert [record["strategy"] for record in loop.history_] == ["given_scores"] * 3
    other = clone(loop)  # the same parameters: only the outputs differ
    with pytest.raises(ValueError, match=r"other precomputed outputs"):
        other.run(X, y, scores=-scores, resume=True)
