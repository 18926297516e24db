"""SelectThenFit's metadata: scikit-learn routing (SLEP006) and the legacy path without it."""

import numpy as np
import pytest
import scipy.sparse
from sklearn import config_context
from sklearn.datasets import load_digits
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from svpkit import CoresetSelector, SelectThenFit


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300], y[:300]


class Consumer(LogisticRegression):
    """Records the metadata its fit, predict and score received."""

    def fit(self, X, y, sample_weight=None, groups=None, eval_set=None, tol_scale=None):
        self.seen_fit_ = {
            "sample_weight": sample_weight,
            "groups": groups,
            "eval_set": eval_set,
            "tol_scale": tol_scale,
        }
        return super().fit(X, y, sample_weight=sample_weight)

    def predict(self, X, shift=None):
        self.seen_shift_ = shift
        return super().predict(X)

    def score(self, X, y, sample_weight=None):
        self.seen_score_weight_ = sample_weight
        return super().score(X, y, sample_weight=sample_weight)


class GroupsSelector(CoresetSelector):
    """A selector whose fit takes ``groups`` (today's selectors take no metadata)."""

    def fit(self, X, y, groups=None):
        self.seen_groups_ = groups
        return super().fit(X, y)


def _selector(cls=CoresetSelector):
    return cls(method="random", fraction=0.4, class_balance=False, random_state=0)


def test_routing_sends_requested_sample_weight_cut_to_the_selection(digits):
    X, y = digits
    weights = np.arange(len(X), dtype=float)
    with config_context(enable_metadata_routing=True):
        estimator = Consumer(max_iter=300).set_fit_request(sample_weight=True)
        model = SelectThenFit(_selector(), estimator).fit(X, y, sample_weight=weights)
    idx = model.selector_.sample_indices_
    np.testing.assert_array_equal(model.estimator_.seen_fit_["sample_weight"], weights[idx])


def test_routing_refuses_or_drops_sample_weight_the_estimator_did_not_request(digits):
    X, y = digits
    weights = np.ones(len(X))
    with config_context(enable_metadata_routing=True):
        unset = SelectThenFit(_selector(), Consumer(max_iter=300))
        with pytest.raises(UnsetMetadataPassedError, match="sample_weight"):
            unset.fit(X, y, sample_weight=weights)
        # declined, and nobody else requested it: scikit-learn raises rather than drop it
        declined = Consumer(max_iter=300).set_fit_request(sample_weight=False)
        with pytest.raises(TypeError, match="not routed to any object"):
            SelectThenFit(_selector(), declined).fit(X, y, sample_weight=weights)
        # an estimator whose fit has no such parameter: the same
        plain = SelectThenFit(_selector(), LogisticRegression(max_iter=300))
        with pytest.raises(TypeError, match="groups"):
            plain.fit(X, y, groups=np.zeros(len(X)))


def test_routing_cuts_per_row_metadata_for_the_estimator_not_for_the_selector(digits):
    """``groups`` (per-row, not sample_weight) reaches the selector whole, the estimator cut;
    values that are not one per row (a scalar, an eval set of 1) pass as they are."""
    X, y = digits
    groups = np.arange(len(X)) % 7
    eval_set = [(X[:10], y[:10])]
    with config_context(enable_metadata_routing=True):
        selector = _selector(GroupsSelector).set_fit_request(groups=True)
        estimator = Consumer(max_iter=300).set_fit_request(
            groups=True, eval_set=True, tol_scale=True
        )
        model = SelectThenFit(selector, estimator).fit(
            X, y, groups=groups, eval_set=eval_set, tol_scale=2.0
        )
    idx = model.selector_.sample_indices_
    assert len(idx) < len(X)
    np.testing.assert_array_equal(model.selector_.seen_groups_, groups)
    seen = model.estimator_.seen_fit_
    np.testing.assert_array_equal(seen["groups"], groups[idx])
    assert seen["eval_set"] is eval_set
    assert seen["tol_scale"] == 2.0
    assert seen["sample_weight"] is None


def test_routing_keeps_each_request_apart(digits):
    """Metadata only the selector requested is dropped for an estimator that declined it."""
    X, y = digits
    groups = np.arange(len(X)) % 7
    with config_context(enable_metadata_routing=True):
        selector = _selector(GroupsSelector).set_fit_request(groups=True)
        estimator = Consumer(max_iter=300).set_fit_request(groups=False, sample_weight=True)
        model = SelectThenFit(selector, estimator).fit(X, y, groups=groups)
    np.testing.assert_array_equal(model.selector_.seen_groups_, groups)
    assert model.estimator_.seen_fit_["groups"] is None


def test_grid_search_routes_sample_weight_to_fit_and_score(digits):
    X, y = digits
    weights = 1.0 + (np.arange(len(X)) % 3)

    def consumer():
        estimator = Consumer(max_iter=300).set_fit_request(sample_weight=True)
        return estimator.set_score_request(sample_weight=True)

    with config_context(enable_metadata_routing=True):
        grid = GridSearchCV(
            SelectThenFit(_selector(), consumer()), {"selector__fraction": [0.4, 1.0]}, cv=2
        ).fit(X, y, sample_weight=weights)
        best = grid.best_estimator_
        idx = best.selector_.sample_indices_
        np.testing.assert_array_equal(best.estimator_.seen_fit_["sample_weight"], weights[idx])
        # each fold's score: fit on the fold's weights, weighted accuracy on its test rows
        for k, (train, test) in enumerate(StratifiedKFold(2).split(X, y)):
            fold = SelectThenFit(_selector(), consumer()).fit(
                X[train], y[train], sample_weight=weights[train]
            )
            predicted = fold.predict(X[test])
            weighted = accuracy_score(y[test], predicted, sample_weight=weights[test])
            assert weighted != accuracy_score(y[test], predicted)  # the weights matter here
            assert grid.cv_results_[f"split{k}_test_score"][0] == pytest.approx(weighted)
        # SelectThenFit.score hands the routed weights to the estimator's score
        assert best.score(X, y, sample_weight=weights) == pytest.approx(
            accuracy_score(y, best.predict(X), sample_weight=weights)
        )
        np.testing.assert_array_equal(best.estimator_.seen_score_weight_, weights)


def test_routing_sends_predict_metadata_only_when_requested(digits):
    X, y = digits
    with config_context(enable_metadata_routing=True):
        estimator = Consumer(max_iter=300).set_predict_request(shift=True)
        model = SelectThenFit(_selector(), estimator).fit(X, y)
        model.predict(X[:5], shift=3)
        assert model.estimator_.seen_shift_ == 3
        unrequested = SelectThenFit(_selector(), LogisticRegression(max_iter=300)).fit(X, y)
        with pytest.raises(TypeError, match="shift"):
            unrequested.predict(X[:5], shift=3)


def test_without_routing_predict_metadata_is_refused_and_score_weighs_accuracy(digits):
    X, y = digits
    weights = 1.0 + (np.arange(len(X)) % 3)
    model = SelectThenFit(_selector(), Consumer(max_iter=300)).fit(X, y)
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        model.predict(X[:5], shift=3)
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        model.predict_proba(X[:5], shift=3)
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        model.score(X, y, shift=3)
    assert model.score(X, y, sample_weight=weights) == pytest.approx(
        accuracy_score(y, model.predict(X), sample_weight=weights)
    )


def test_without_routing_every_fit_parameter_goes_to_the_estimator_per_row_ones_cut(digits):
    X, y = digits
    groups = np.arange(len(X)) % 7
    eval_set = [(X[:10], y[:10])]
    model = SelectThenFit(_selector(GroupsSelector), Consumer(max_iter=300)).fit(
        X, y, groups=groups, eval_set=eval_set, tol_scale=2.0
    )
    idx = model.selector_.sample_indices_
    seen = model.estimator_.seen_fit_
    np.testing.assert_array_equal(seen["groups"], groups[idx])
    assert seen["eval_set"] is eval_set and seen["tol_scale"] == 2.0
    assert model.selector_.seen_groups_ is None  # the legacy path gives the selector nothing


@pytest.mark.parametrize("routing", [False, True])
def test_sparse_X_cuts_sample_weight(digits, routing):
    """Fixed: a sparse ``X`` has no len(), so sample_weight reached the estimator uncut."""
    X, y = digits
    weights = np.arange(len(X), dtype=float)
    with config_context(enable_metadata_routing=routing):
        estimator = Consumer(max_iter=300)
        if routing:
            estimator.set_fit_request(sample_weight=True)
        model = SelectThenFit(_selector(), estimator).fit(
            scipy.sparse.csr_matrix(X), y, sample_weight=weights
        )
    idx = model.selector_.sample_indices_
    np.testing.assert_array_equal(model.estimator_.seen_fit_["sample_weight"], weights[idx])
