"""The imbalanced-learn view of a selector: a sampler step whose fraction is grid-searchable."""

import math
import pickle
from fractions import Fraction

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.utils.estimator_checks import parametrize_with_checks

from svpkit import CoresetSelector, ProxySelector
from svpkit.selectors import CoresetSampler, ProxySampler
from tests.helpers import logreg

imblearn_pipeline = pytest.importorskip("imblearn.pipeline")


class _CountingLogReg(LogisticRegression):
    """A logistic regression that remembers how many rows of each class it was fitted on."""

    def fit(self, X, y, sample_weight=None):
        self.fit_class_counts_ = np.bincount(np.asarray(y), minlength=10)
        return super().fit(X, y, sample_weight=sample_weight)


def _fitted_count(cls=None):
    """A scorer that reads back, from the fitted pipeline, the rows its last step trained on."""

    def score(pipeline, X, y):
        counts = pipeline.steps[-1][1].fit_class_counts_
        return counts.sum() if cls is None else counts[cls]

    return score


def test_grid_search_over_the_fraction_of_a_sampler_step():
    X, y = load_digits(return_X_y=True)
    X, y = X[:801] / 16, y[:801]  # two folds of 400 and 401 training rows
    step = CoresetSelector(logreg(), method="margin", class_balance=True, random_state=0)
    pipe = imblearn_pipeline.make_pipeline(step.as_sampler(), _CountingLogReg(max_iter=300))
    cv = StratifiedKFold(2)
    scoring = {"accuracy": "accuracy", "rows": _fitted_count()}
    scoring.update({f"class{c}": _fitted_count(c) for c in range(10)})
    grid = GridSearchCV(
        pipe, {"coresetsampler__fraction": [0.3, 1.0]}, cv=cv, scoring=scoring, refit="accuracy"
    )
    grid.fit(X, y)
    results = grid.cv_results_
    assert np.isfinite(results["mean_test_accuracy"]).all()
    assert results["mean_test_accuracy"][1] > 0.8
    # The step is a real selection in each training fold: 30% of its rows (ceil(0.3 x 401) =
    # 121, ceil(0.3 x 400) = 120), split over the fold's classes by largest remainder, or
    # every row at fraction 1.0. The counts are read from the estimator the pipeline fitted.
    assert list(results["param_coresetsampler__fraction"]) == [0.3, 1.0]
    folds = [train for train, _ in cv.split(X, y)]
    assert sorted(len(train) for train in folds) == [400, 401]
    for f, train in enumerate(folds):
        sizes = np.bincount(y[train], minlength=10)
        expected = {0.3: _largest_remainder(math.ceil(0.3 * len(train)), sizes), 1.0: sizes}
        for i, fraction in enumerate([0.3, 1.0]):
            got = [results[f"split{f}_test_class{c}"][i] for c in range(10)]
            assert results[f"split{f}_test_rows"][i] == expected[fraction].sum(), (f, fraction)
            np.testing.assert_array_equal(got, expected[fraction], err_msg=f"{f} {fraction}")


def _largest_remainder(total, sizes):
    """``total`` rows split over classes in proportion to ``sizes`` (floors, then one more to
    the largest remainders; exact fractions, ties to the lower class)."""
    exact = [Fraction(total * int(s), int(sum(sizes))) for s in sizes]
    quotas = [int(e) for e in exact]
    by_remainder = sorted(range(len(sizes)), key=lambda c: (-(exact[c] - quotas[c]), c))
    for c in by_remainder[: total - sum(quotas)]:
        quotas[c] += 1
    return np.array(quotas)


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
