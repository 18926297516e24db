"""Grid search over the fraction in parallel worker processes, with a ProxyNet target and proxy,
runs and is repeatable (issue 12, items 1 and 2)."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from svpkit import CoresetSelector, SelectThenFit
from svpkit.nn import ProxyNet, make_default_proxy


def _pipe(**target_params):
    selector = CoresetSelector(
        make_default_proxy(max_epochs=2, module__hidden_units=(32,)),
        method="least_confidence",
        random_state=0,
    )
    target = ProxyNet(max_epochs=4, lr=1e-2, module__hidden_units=(32,), **target_params)
    return SelectThenFit(selector, target)


def test_grid_search_with_two_processes_is_repeatable(digits):
    X, y = digits
    grid = {"selector__fraction": [0.5, 1]}  # 1 and 1.0 both mean every row

    def search():
        return GridSearchCV(_pipe(), grid, cv=2, n_jobs=2, error_score="raise").fit(X, y)

    first, second = search(), search()
    scores = first.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all()
    np.testing.assert_array_equal(scores, second.cv_results_["mean_test_score"])
    assert first.best_estimator_.selector_.n_selected_ in (300, 600)


def test_select_then_fit_seeds_an_unseeded_target_from_the_selector(digits):
    X, y = digits
    a = _pipe().fit(X, y).predict_proba(X)
    b = _pipe().fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)


def test_own_random_state_and_the_target_s_own_seed(digits):
    X, y = digits
    base = _pipe().fit(X, y).predict_proba(X)
    other = _pipe().set_params(random_state=7).fit(X, y).predict_proba(X)
    assert not np.array_equal(base, other)
    # a target that sets its own seed keeps it, whatever SelectThenFit's seed is
    a = _pipe(random_state=3).set_params(random_state=1).fit(X, y).predict_proba(X)
    b = _pipe(random_state=3).set_params(random_state=2).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad", [{"random_state": "x"}, {"memory": 3}, {"estimator": 5}])
def test_select_then_fit_parameters_are_validated(digits, bad):
    X, y = digits
    with pytest.raises(ValueError, match=f"'{next(iter(bad))}' parameter of SelectThenFit"):
        _pipe().set_params(**bad).fit(X, y)
