"""``fraction`` is a share in (0, 1]; ``n_select`` is a count; they cannot be confused
(issue 12, item 3)."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from svpkit import CoresetSelector, ProxySelector, SelectThenFit
from tests.helpers import logreg


@pytest.mark.parametrize("fraction", [1, 1.0, np.int64(1)])
def test_one_and_one_point_zero_both_keep_everything(digits, fraction):
    X, y = digits
    assert CoresetSelector(method="random", fraction=fraction).fit(X, y).n_selected_ == len(X)


def test_neither_set_keeps_half_and_n_select_keeps_a_count(digits):
    X, y = digits
    assert CoresetSelector(method="random").fit(X, y).n_selected_ == 300
    assert CoresetSelector(method="random", n_select=50).fit(X, y).n_selected_ == 50


@pytest.mark.parametrize("selector", [CoresetSelector, ProxySelector])
def test_an_int_fraction_above_one_says_to_use_n_select(digits, selector):
    X, y = digits
    with pytest.raises(InvalidParameterError, match="fraction=50 is an int > 1.*n_select=50"):
        selector(method="random", fraction=50).fit(X, y)


def test_setting_both_is_refused(digits):
    X, y = digits
    with pytest.raises(InvalidParameterError, match="fraction .* or n_select .* not both"):
        CoresetSelector(method="random", fraction=0.3, n_select=10).fit(X, y)


def test_a_grid_over_fraction_with_one_has_no_failed_fits(digits):
    X, y = digits
    pipe = SelectThenFit(CoresetSelector(logreg(), method="margin", random_state=0), logreg())
    grid = GridSearchCV(pipe, {"selector__fraction": [0.5, 1]}, cv=3).fit(X, y)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()  # before: 3 NaN fits


def test_n_select_is_grid_searchable(digits):
    X, y = digits
    pipe = SelectThenFit(
        CoresetSelector(method="random", random_state=0), LogisticRegression(max_iter=300)
    )
    grid = GridSearchCV(pipe, {"selector__n_select": [50, 200]}, cv=2).fit(X, y)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    assert grid.best_estimator_.selector_.n_selected_ in (50, 200)


def test_the_sampler_view_has_both(digits):
    X, y = digits
    sampler = CoresetSelector(method="random", n_select=40, random_state=0).as_sampler()
    assert sampler.get_params()["n_select"] == 40 and sampler.get_params()["fraction"] is None
    X_sel, _ = sampler.fit_resample(X, y)
    assert len(X_sel) == 40
