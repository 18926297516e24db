"""SelectThenFit in pipelines and grid searches, and the smallest-fraction refit helper."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from svpkit import CoresetSelector, ProxySelector, SelectThenFit, smallest_fraction_within
from tests.helpers import logreg


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:500], y[:500]


class RecordingClassifier(LogisticRegression):
    """Remembers what fit received (to check the subset and sliced fit params)."""

    def fit(self, X, y, sample_weight=None):
        self.seen_X_, self.seen_y_, self.seen_weight_ = X, y, sample_weight
        return super().fit(X, y, sample_weight=sample_weight)


def test_fits_the_estimator_on_the_selected_rows_with_sliced_weights(digits):
    X, y = digits
    weights = np.arange(len(X), dtype=float)
    model = SelectThenFit(
        CoresetSelector(
            logreg(), method="margin", fraction=0.4, class_balance=False, random_state=0
        ),
        RecordingClassifier(max_iter=300),
    ).fit(X, y, sample_weight=weights)
    idx = model.selector_.sample_indices_
    np.testing.assert_array_equal(model.estimator_.seen_X_, X[idx])
    np.testing.assert_array_equal(model.estimator_.seen_y_, y[idx])
    np.testing.assert_array_equal(model.estimator_.seen_weight_, weights[idx])
    np.testing.assert_array_equal(model.predict(X), model.estimator_.predict(X))
    assert model.score(X, y) > 0.9


def test_classes_come_from_the_full_y_even_if_selection_drops_one(digits):
    X, y = digits
    rows = np.r_[np.flatnonzero(y != 9)[:20], np.flatnonzero(y == 9)[:1]]
    X_pool, y_pool = X[rows], y[rows]
    # a seed whose random 20-of-21 selection drops the only row of class 9
    seed = next(
        s
        for s in range(100)
        if 9
        not in y_pool[
            CoresetSelector(method="random", n_select=20, class_balance=False, random_state=s)
            .fit(X_pool, y_pool)
            .sample_indices_
        ]
    )
    model = SelectThenFit(
        CoresetSelector(method="random", n_select=20, class_balance=False, random_state=seed),
        logreg(),
    )
    model.fit(X_pool, y_pool)
    np.testing.assert_array_equal(model.classes_, np.unique(y_pool))
    proba = model.predict_proba(X[:5])
    assert proba.shape == (5, 10)
    missing = sorted(set(range(10)) - set(model.estimator_.classes_))
    assert missing and np.all(proba[:, missing] == 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1)


def test_in_a_pipeline_and_grid_search_over_fraction(digits):
    X, y = digits
    pipe = make_pipeline(
        StandardScaler(),
        SelectThenFit(CoresetSelector(logreg(), method="entropy", random_state=0), logreg()),
    )
    grid = GridSearchCV(pipe, {"selectthenfit__selector__fraction": [0.2, 0.5, 1.0]}, cv=3)
    grid.fit(X, y)
    fractions = list(grid.cv_results_["param_selectthenfit__selector__fraction"])
    assert fractions == [0.2, 0.5, 1.0]
    assert grid.best_estimator_[-1].selector_.n_selected_ in (80, 200, 400, 500)
    assert grid.score(X, y) > 0.9


def test_memory_trains_the_proxy_once_per_fold(digits, tmp_path, proxy_trainings):
    X, y = digits
    calls = proxy_trainings
    model = SelectThenFit(
        CoresetSelector(logreg(), method="margin", random_state=0), logreg(), memory=str(tmp_path)
    )
    grid = GridSearchCV(model, {"selector__fraction": [0.2, 0.4, 0.6, 0.8]}, cv=3, refit=False)
    grid.fit(X, y)
    assert len(calls) == 3  # one proxy per fold, shared by the four fractions
    calls.clear()
    GridSearchCV(
        model.set_params(memory=None), {"selector__fraction": [0.2, 0.4]}, cv=3, refit=False
    ).fit(X, y)
    assert len(calls) == 6


def test_smallest_fraction_within_picks_small_fraction_near_best(digits):
    X, y = digits
    model = SelectThenFit(CoresetSelector(logreg(), method="random", random_state=0), logreg())
    grid = GridSearchCV(
        model,
        {"selector__fraction": [0.1, 0.3, 0.6, 1.0]},
        cv=3,
        refit=smallest_fraction_within(0.02),
    ).fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    fractions = np.array([0.1, 0.3, 0.6, 1.0])
    ok = scores >= scores.max() - 0.02
    assert grid.best_params_["selector__fraction"] == fractions[ok].min()
    assert grid.best_estimator_.selector_.fraction == fractions[ok].min()


def test_smallest_fraction_within_errors():
    with pytest.raises(ValueError, match="tolerance"):
        smallest_fraction_within(-1)
    results = {"param_a__fraction": [0.1], "param_b__fraction": [0.2], "mean_test_score": [1.0]}
    with pytest.raises(ValueError, match="param="):
        smallest_fraction_within()(results)
    assert smallest_fraction_within(param="b__fraction")(results) == 0
    with pytest.raises(KeyError, match="c__fraction"):
        smallest_fraction_within(param="c__fraction")(results)


def test_active_learning_selector_is_refused(digits):
    X, y = digits
    y_partial = y.copy()
    y_partial[::2] = -1
    model = SelectThenFit(ProxySelector(logreg(), n_select=10, random_state=0), logreg())
    with pytest.raises(ValueError, match="rows marked unlabeled \\(missing_label\\)"):
        model.fit(X, y_partial)


def test_does_not_mutate_the_templates(digits):
    X, y = digits
    selector = CoresetSelector(logreg(), method="margin", fraction=0.3, random_state=0)
    estimator = logreg()
    SelectThenFit(selector, estimator, memory=None).fit(X, y)
    assert not hasattr(selector, "sample_indices_")
    assert not hasattr(estimator, "coef_")


def test_a_selector_as_a_plain_pipeline_middle_step_names_select_then_fit(digits):
    """Issue 12, item 8: before, scikit-learn's generic "inconsistent numbers of samples"."""
    X, y = digits
    n_kept = int(np.ceil(0.3 * len(X)))
    pipe = make_pipeline(StandardScaler(), CoresetSelector(method="random", fraction=0.3), logreg())
    with pytest.raises(ValueError, match="cannot be a middle step.*SelectThenFit"):
        pipe.fit(X, y)
    # keeping every row, as a last step, or called directly: no error
    keep_all = CoresetSelector(method="random", fraction=1.0)
    make_pipeline(StandardScaler(), keep_all, logreg()).fit(X, y)
    last = make_pipeline(StandardScaler(), CoresetSelector(method="random", fraction=0.3))
    assert last.fit_transform(X, y).shape == (n_kept, X.shape[1])
    assert CoresetSelector(method="random", fraction=0.3).fit_transform(X, y).shape[0] == n_kept
