"""The imbalanced-learn view of a selector: a sampler step whose fraction is grid-searchable."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from svpkit import CoresetSelector, ProxySelector
from svpkit.selectors import CoresetSampler, ProxySampler
from tests.helpers import logreg

imblearn_pipeline = pytest.importorskip("imblearn.pipeline")


def test_grid_search_over_the_fraction_of_a_sampler_step():
    X, y = load_digits(return_X_y=True)
    step = CoresetSelector(logreg(), method="margin", class_balance=True, random_state=0)
    pipe = imblearn_pipeline.make_pipeline(step.as_sampler(), logreg())
    grid = GridSearchCV(pipe, {"coresetsampler__fraction": [0.3, 1.0]}, cv=2)
    grid.fit(X[:800] / 16, y[:800])
    scores = grid.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and scores[1] > 0.8
    # The fitted step is a real selection: 30% of each training fold.
    best = grid.best_estimator_.named_steps["coresetsampler"]
    assert best.selector_.fraction == grid.best_params_["coresetsampler__fraction"]


def test_a_selector_itself_is_refused_by_imblearn_and_the_view_is_not():
    with pytest.raises(TypeError, match="implements both"):
        imblearn_pipeline.make_pipeline(CoresetSelector(), logreg()).fit(np.eye(4), [0, 1] * 2)
    view = CoresetSelector(method="random").as_sampler()
    assert hasattr(view, "fit_resample") and not hasattr(view, "transform")


def test_view_has_the_selector_parameters_and_clones_and_pickles():
    sel = ProxySelector(logreg(), method="entropy", fraction=0.2, random_state=3)
    view = sel.as_sampler()
    assert isinstance(view, ProxySampler)
    assert view.get_params(deep=False).keys() == sel.get_params(deep=False).keys()
    view.set_params(fraction=0.4, proxy__C=0.5)
    assert view.fraction == 0.4 and view.proxy.C == 0.5 and sel.fraction == 0.2
    copy = clone(view)
    assert copy.get_params(deep=False)["fraction"] == 0.4
    assert type(pickle.loads(pickle.dumps(copy))) is ProxySampler


def test_fit_resample_equals_the_selector(digits):
    X, y = digits
    sel = CoresetSelector(logreg(), method="least_confidence", fraction=0.25, random_state=0)
    X_sel, y_sel = sel.fit_resample(X, y)
    X_view, y_view = sel.as_sampler().fit_resample(X, y)
    np.testing.assert_array_equal(X_view, X_sel)
    np.testing.assert_array_equal(y_view, y_sel)
    view = CoresetSampler(
        proxy=logreg(), method="least_confidence", fraction=0.25, random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(view.get_support(indices=True), sel.sample_indices_)


@parametrize_with_checks([CoresetSampler(proxy=logreg(), random_state=0)])
def test_sampler_view_passes_sklearn_checks(estimator, check):
    check(estimator)
