"""Regression targets: the task inferred, quantile strata as class balance, the predictive
variance and cross-fitted residuals, the methods that read them, and the defaults."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import is_regressor
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.ensemble import BaggingRegressor, RandomForestRegressor
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, RidgeCV
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from svpkit import CoresetSelector, ProxySelector, SelectThenFit
from svpkit.active import ActiveLearningLoop
from svpkit.pools.regression import cross_fitted_residuals, predictive_variance
from svpkit.selectors.task import infer_task, n_strata, regression_labels


@pytest.fixture(scope="module")
def friedman():
    X, y = make_friedman1(n_samples=400, noise=1.0, random_state=0)
    return X.astype(np.float32), y


@pytest.mark.parametrize(
    ("proxy", "y", "task", "expected"),
    [
        (None, np.linspace(0, 1, 50), None, "regression"),  # not whole: continuous
        (None, np.arange(50) % 3 * 1.0, None, "classification"),  # labels stored as floats
        (None, np.arange(300) % 120 * 1.0, None, "regression"),  # many whole values
        (None, np.arange(30) * 1.0, None, "regression"),  # every row its own value
        (None, np.arange(50) % 3, None, "classification"),  # ints
        (RandomForestRegressor(), np.arange(50) % 3, None, "regression"),  # counts
        (None, np.arange(50) % 3, "regression", "regression"),
        (None, np.linspace(0, 1, 50), "classification", "classification"),
    ],
)
def test_the_task_is_inferred_from_the_targets_and_the_proxy(proxy, y, task, expected):
    assert infer_task(proxy, y, np.arange(len(y)), task) == expected


@pytest.mark.parametrize(
    ("proxy", "y", "task", "message"),
    [
        (None, np.r_[np.arange(40) % 2, 3.5] * 1.0, None, r"3 distinct numbers .*e\.g\. 3\.5"),
        (None, np.arange(200) % 40 * 1.0, None, r"40 distinct numbers in 200 labeled rows"),
        (LogisticRegression(), np.linspace(0, 1, 50), None, r"the proxy LogisticRegression"),
        (RandomForestRegressor(), np.arange(50) % 3, "classification", r"is a regressor"),
        (RandomForestRegressor(), np.zeros((5, 2)), None, r"Multi-output regression is not"),
        (None, np.zeros((5, 2)), "regression", r"a label indicator matrix, but task='regression'"),
        (None, np.zeros(5), "multilabel", r"has one label per row"),
    ],
)
def test_an_ambiguous_or_contradicting_task_is_refused(proxy, y, task, message):
    with pytest.raises(ValueError, match=message):
        infer_task(proxy, y, np.arange(len(y)), task)


def test_strata_are_quantiles_of_equal_size_and_follow_the_target():
    y = np.random.default_rng(0).lognormal(size=1000)  # skewed
    labeled = np.arange(900)
    targets, strata = regression_labels(y, labeled)
    k = n_strata(900)
    assert k == 10 and (strata[900:] == -1).all() and np.isnan(targets[900:]).all()
    np.testing.assert_array_equal(np.bincount(strata[labeled]), [90] * 10)
    for code in range(k - 1):  # every target of a stratum is below every one of the next
        assert (
            y[labeled][strata[labeled] == code].max()
            <= y[labeled][strata[labeled] == code + 1].min()
        )


def test_forest_variance_is_the_variance_of_its_trees(friedman):
    X, y = friedman
    forest = RandomForestRegressor(n_estimators=15, random_state=0).fit(X, y)
    expected = np.var([tree.predict(X) for tree in forest.estimators_], axis=0)
    np.testing.assert_allclose(predictive_variance(forest, X), expected, rtol=1e-9, atol=1e-12)


def test_bagging_variance_reads_each_member_s_features_and_pipelines_are_unwrapped(friedman):
    X, y = friedman
    bagging = BaggingRegressor(n_estimators=8, max_features=0.5, random_state=0)
    model = make_pipeline(StandardScaler(), bagging).fit(X, y)
    Z = model[0].transform(X)
    expected = np.var(
        [
            m.predict(Z[:, f])
            for m, f in zip(bagging.estimators_, bagging.estimators_features_, strict=True)
        ],
        axis=0,
    )
    np.testing.assert_allclose(predictive_variance(model, X), expected, rtol=1e-9, atol=1e-12)


def test_return_std_models_give_their_variance_and_others_are_refused(friedman):
    X, y = friedman
    gp = GaussianProcessRegressor(random_state=0).fit(X[:80], y[:80])
    np.testing.assert_allclose(
        predictive_variance(gp, X[:20]), gp.predict(X[:20], return_std=True)[1] ** 2
    )
    with pytest.raises(ValueError, match="LinearRegression gives no predictive variance"):
        predictive_variance(LinearRegression().fit(X, y), X)


def test_cross_fitted_residuals_find_the_row_off_the_line():
    X = np.arange(40.0).reshape(-1, 1)
    y = 3 * X[:, 0] + 1
    y[11] += 50
    rows = np.arange(30)
    residuals = cross_fitted_residuals(LinearRegression(), X, y, rows, seed=0, n_rows=40)
    assert int(np.nanargmax(residuals)) == 11
    assert np.isnan(residuals[30:]).all() and np.isfinite(residuals[:30]).all()
    again = cross_fitted_residuals(LinearRegression(), X, y, rows, seed=0, n_rows=40)
    np.testing.assert_array_equal(residuals, again)


def test_variance_selects_the_rows_the_proxy_is_least_sure_of(friedman):
    X, y = friedman
    y_partial = y.copy()
    y_partial[100:] = np.nan
    selector = ProxySelector(method="variance", n_select=30, random_state=0, missing_label=np.nan)
    selector.fit(X, y_partial)
    variance = predictive_variance(selector.proxy_, X)
    kept = selector.sample_indices_
    assert set(kept) <= set(range(100, 400))
    assert variance[kept].min() >= np.sort(variance[100:])[::-1][29] - 1e-12
    assert selector.task_ == "regression" and selector.classes_ is None


def test_regression_selection_is_deterministic_with_random_state(friedman):
    X, y = friedman
    runs = [
        CoresetSelector(method=m, fraction=0.3, random_state=4).fit(X, y).sample_indices_
        for m in ("variance", "variance", "residual", "residual")
    ]
    np.testing.assert_array_equal(runs[0], runs[1])
    np.testing.assert_array_equal(runs[2], runs[3])


def test_residual_keeps_the_hardest_rows_inside_each_stratum(friedman):
    X, y = friedman
    selector = CoresetSelector(method="residual", fraction=0.25, random_state=0).fit(X, y)
    _, strata = regression_labels(y, np.arange(len(y)))
    counts = np.bincount(strata[selector.sample_indices_], minlength=n_strata(len(y)))
    assert counts.max() - counts.min() <= 1  # the same share of every quantile stratum
    flat = CoresetSelector(method="residual", fraction=0.25, class_balance=False, random_state=0)
    flat.fit(X, y)
    scores = flat.scores_
    assert (
        scores[flat.sample_indices_].min() >= np.sort(scores)[::-1][len(flat.sample_indices_) - 1]
    )


def test_auto_is_stratified_random_for_a_coreset_and_kcenters_in_active_learning(friedman):
    X, y = friedman
    coreset = CoresetSelector(fraction=0.5, random_state=0).fit(X, y)
    assert coreset.method_ == "random" and "quantile strata" in coreset.method_reason_
    cold = ProxySelector(n_select=10, random_state=0, missing_label=np.nan, task="regression")
    cold.fit(X, np.full(len(y), np.nan))
    assert cold.method_ == "kcenters"
    y_partial = y.copy()
    y_partial[60:] = np.nan
    warm = ProxySelector(n_select=10, random_state=0, missing_label=np.nan).fit(X, y_partial)
    assert warm.method_ == "kcenters"


@pytest.mark.parametrize("method", ["margin", "forgetting", "badge"])
def test_classification_methods_are_refused_for_a_regression_target(friedman, method):
    X, y = friedman
    with pytest.raises(ValueError, match=r"reads class probabilities.*method='variance'"):
        CoresetSelector(method=method, fraction=0.5).fit(X, y)


def test_regression_methods_are_refused_for_class_labels(friedman):
    X, _ = friedman
    labels = np.arange(len(X)) % 3
    with pytest.raises(ValueError, match=r"but y holds class labels"):
        CoresetSelector(method="variance", fraction=0.5).fit(X, labels)


def test_class_balance_over_unlabeled_rows_is_refused_for_regression(friedman):
    X, y = friedman
    y_partial = y.copy()
    y_partial[100:] = np.nan
    selector = ProxySelector(
        method="variance", n_select=10, class_balance=True, missing_label=np.nan
    )
    with pytest.raises(ValueError, match=r"pass class_balance=False"):
        selector.fit(X, y_partial)


def test_a_fitted_selector_scores_a_new_pool_by_variance(friedman):
    X, y = friedman
    selector = CoresetSelector(method="variance", fraction=0.1, class_balance=False).fit(
        X[:300], y[:300]
    )
    kept = selector.transform(X[300:])
    variance = predictive_variance(selector.proxy_, X[300:])
    np.testing.assert_array_equal(kept, X[300:][np.sort(np.argsort(-variance, kind="stable")[:10])])


def test_select_then_fit_is_a_regressor_scored_by_r2():
    X, y = load_diabetes(return_X_y=True)
    model = SelectThenFit(CoresetSelector(fraction=0.5, random_state=0), RidgeCV())
    assert is_regressor(model)
    model.fit(X, y)
    assert not hasattr(model, "classes_")
    assert model.score(X, y) == pytest.approx(model.estimator_.score(X, y))
    search = GridSearchCV(model, {"selector__fraction": [0.3, 1.0]}, cv=3).fit(X, y)
    assert search.best_params_ == {"selector__fraction": 1.0}  # R²: more rows fit better


def test_the_loop_runs_on_a_regression_oracle(friedman):
    X, y = friedman
    loop = ActiveLearningLoop(
        ProxySelector(method="auto", missing_label=np.nan),
        initial_size=20,
        round_sizes=[20, 20],
        missing_label=np.nan,
        random_state=0,
        verbose=False,
    )
    loop.run(X, y)
    # round 0: no label yet, so no task to infer (a cold start that needs no label runs)
    assert [r["strategy"] for r in loop.history_] == ["typiclust", "kcenters", "kcenters"]
    np.testing.assert_allclose(loop.labels_, y[loop.labeled_indices_])


def test_a_classification_loop_still_refuses_non_integer_answers(friedman):
    X, y = friedman
    loop = ActiveLearningLoop(
        ProxySelector(method="random", task="classification"),
        initial_size=20,
        round_sizes=[20],
        random_state=0,
        verbose=False,
    )
    with pytest.raises(ValueError, match="non-integer float labels"):
        loop.run(X, y)


def test_kcenters_trains_a_proxy_that_cannot_embed_only_for_class_balance(friedman):
    X, _ = friedman
    labels = (X[:, 0] > 0.5).astype(int)
    # no class balance: the forest or a LogisticRegression would train for nothing
    plain = ProxySelector(LogisticRegression(), method="kcenters", n_select=10).fit(X, labels)
    assert plain.proxy_ is None and plain.fit_seconds_["proxy_fit"] == 0.0
    # class balance: kept, so a new pool is balanced by the classes it predicts
    balanced = CoresetSelector(LogisticRegression(), method="kcenters", fraction=0.1)
    balanced.fit(X[:300], labels[:300])
    assert balanced.proxy_ is not None
    assert len(balanced.transform(X[300:])) == 10
