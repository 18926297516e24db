"""Multi-label targets (y a binary indicator matrix): the task inferred, the per-label
entropy methods against a numpy reference, per-label coverage as class balance, unlabeled
rows and the refusals, list-shaped probabilities, determinism and auto's choices."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_multilabel_classification
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from svpkit import CoresetSelector, ProxySelector
from svpkit._validation import ProxyOutputCheck
from svpkit.kernels.scoring import label_entropy
from svpkit.pools.multilabel import label_probabilities
from svpkit.selectors.task import infer_task

N_LABELED = 200  # rows 0..199 labeled, 200..299 unlabeled in the active-learning cases


@pytest.fixture(scope="module")
def pool():
    X, Y = make_multilabel_classification(n_samples=300, n_features=10, n_classes=4, random_state=0)
    label_entropy(np.full((1, 1), 0.5))  # imports torch once, outside the timed tests
    # The pool holds arrays as float32: the reference proxies see the same input.
    return X.astype(np.float32), Y


@pytest.fixture(scope="module")
def partly_labeled(pool):
    X, Y = pool
    Y_missing = Y.copy()
    Y_missing[N_LABELED:] = -1
    return X, Y_missing


def ovr_proxy():
    return make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression(max_iter=300)))


def binary_entropy(p):
    """Per-label binary entropy in nats, 0 at p = 0 or 1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(p * np.log(p) + (1 - p) * np.log(1 - p))
    return np.nan_to_num(h, nan=0.0)


def reference_proba(X, Y):
    """The proxy trained here, on the labeled rows, and read on the unlabeled ones."""
    return ovr_proxy().fit(X[:N_LABELED], Y[:N_LABELED]).predict_proba(X[N_LABELED:])


def top(scores, n):
    """Positions of the ``n`` largest scores, best first, after checking that the n-th and
    the (n+1)-th differ (no tie decides the reference)."""
    order = np.argsort(-scores, kind="stable")
    assert scores[order[n - 1]] - scores[order[n]] > 1e-9, "a tie at the boundary"
    return order[:n]


def floors(Y, n_select):
    return n_select * Y.sum(axis=0) // len(Y)


def ceilings(Y, n_select):
    return -(-n_select * Y.sum(axis=0) // len(Y))


def off_share(Y, rows, n_select):
    """How many rows each label is outside [floor, ceiling] of its share in ``rows``."""
    held = Y[rows].sum(axis=0)
    return np.maximum(floors(Y, n_select) - held, 0) + np.maximum(held - ceilings(Y, n_select), 0)


# -- the task -------------------------------------------------------------------------------


@pytest.mark.parametrize("selector_cls", [CoresetSelector, ProxySelector], ids=["coreset", "proxy"])
def test_an_indicator_matrix_is_a_multilabel_task(pool, selector_cls):
    X, Y = pool
    selector = selector_cls(ovr_proxy(), n_select=20, random_state=0).fit(X, Y)
    assert selector.task_ == "multilabel"
    np.testing.assert_array_equal(selector.classes_, np.arange(4))
    assert len(selector.sample_indices_) == 20
    assert infer_task(None, Y, np.arange(len(Y))) == "multilabel"


# -- mean_entropy and max_entropy against numpy ----------------------------------------------


@pytest.mark.parametrize(("method", "reduce"), [("mean_entropy", "mean"), ("max_entropy", "max")])
def test_label_entropy_selects_the_top_rows_of_a_numpy_reference(
    partly_labeled, pool, method, reduce
):
    X, Y_missing = partly_labeled
    n_select = 12
    selector = ProxySelector(
        ovr_proxy(), method=method, n_select=n_select, class_balance=False, random_state=0
    ).fit(X, Y_missing)
    per_label = binary_entropy(reference_proba(*pool))
    expected_scores = getattr(np, reduce)(per_label, axis=1)
    best = N_LABELED + top(expected_scores, n_select)
    np.testing.assert_array_equal(selector.sample_indices_, np.sort(best))
    np.testing.assert_array_equal(selector.ranking_[:n_select], best)
    np.testing.assert_allclose(selector.scores_[N_LABELED:], expected_scores, atol=1e-6)


def test_max_entropy_ranks_as_least_confidence_over_labels(partly_labeled, pool):
    X, Y_missing = partly_labeled
    n_select = 15
    selector = ProxySelector(
        ovr_proxy(), method="max_entropy", n_select=n_select, class_balance=False, random_state=0
    ).fit(X, Y_missing)
    proba = reference_proba(*pool)
    least_confident = np.minimum(proba, 1 - proba).max(axis=1)
    best = N_LABELED + top(least_confident, n_select)
    np.testing.assert_array_equal(selector.ranking_[:n_select], best)


def test_mean_and_max_entropy_pick_differently(partly_labeled):
    # the two reductions are not the same method under two names
    X, Y_missing = partly_labeled
    picks = [
        ProxySelector(ovr_proxy(), method=m, n_select=12, random_state=0)
        .fit(X, Y_missing)
        .sample_indices_
        for m in ("mean_entropy", "max_entropy")
    ]
    assert not np.array_equal(*picks)


# -- per-label coverage ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def rare_label():
    """200 rows, labels 0 and 1 common, label 2 on 20 rows that the scores put last."""
    rng = np.random.default_rng(0)
    n = 200
    Y = (rng.random((n, 3)) < 0.5).astype(np.int64)
    rare = rng.choice(n, 20, replace=False)
    Y[:, 2] = 0
    Y[rare, 2] = 1
    scores = rng.permutation(n).astype(np.float64)  # distinct
    scores[rare] -= 1000.0  # the rare label's rows rank below every other row
    X = rng.normal(size=(n, 5)).astype(np.float32)
    return X, Y, scores


def test_coverage_keeps_every_label_s_share_where_the_plain_method_does_not(rare_label):
    X, Y, scores = rare_label
    n_select = 40
    share = floors(Y, n_select)
    assert share[2] == 4
    plain = CoresetSelector(
        method="given_scores", n_select=n_select, class_balance=False, random_state=0
    ).fit(X, Y, scores=scores)
    np.testing.assert_array_equal(plain.sample_indices_, np.sort(top(scores, n_select)))
    assert Y[plain.sample_indices_, 2].sum() < share[2]  # the plain method drops label 2

    covered = CoresetSelector(
        method="given_scores", n_select=n_select, class_balance=True, random_state=0
    ).fit(X, Y, scores=scores)
    kept = covered.sample_indices_
    assert len(kept) == n_select and len(np.unique(kept)) == n_select
    assert (Y[kept].sum(axis=0) >= share).all()
    assert not off_share(Y, kept, n_select).any()
    # Label 2, the rarest, is served first, by its best-scored rows, exactly its share
    # (its rows rank last, so nothing else brings more).
    rare_rows = np.flatnonzero(Y[:, 2])
    best_rare = rare_rows[top(scores[rare_rows], share[2])]
    np.testing.assert_array_equal(np.sort(kept[Y[kept, 2] == 1]), np.sort(best_rare))


def test_coverage_swaps_as_few_rows_as_bring_each_label_to_its_share():
    """Two equally common labels overlapping on rows 4 and 5 (scored last); three rows of
    each is the share. The top five hold four of A and one of B: A gives up its worst row
    (3) for the best row lacking it (7); B then needs a row, and only row 5, which carries
    both, comes in without taking A below its share (for row 2)."""
    Y = np.zeros((10, 2), dtype=np.int64)
    Y[:6, 0] = 1
    Y[4:, 1] = 1
    scores = np.array([10, 9, 8, 7, 0, 1, 6, 5, 4, 3], dtype=np.float64)
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    kept = (
        CoresetSelector(method="given_scores", n_select=5, class_balance=True)
        .fit(X, Y, scores=scores)
        .sample_indices_
    )
    assert kept.tolist() == [0, 1, 5, 6, 7]
    assert Y[kept].sum(axis=0).tolist() == [3, 3]


def test_random_with_coverage_stays_random_inside_each_label():
    """Four common labels (about half the rows each), as in a pool where random already
    nearly meets every share: coverage must not skew the kept rows towards rows carrying many
    labels. Over seeds, the mean number of labels per kept row matches the pool's."""
    rng = np.random.default_rng(0)
    Y = (rng.random((400, 4)) < 0.5).astype(np.int64)
    X = rng.normal(size=(400, 3)).astype(np.float32)
    per_row = [
        Y[
            CoresetSelector(method="random", fraction=0.3, class_balance=True, random_state=seed)
            .fit(X, Y)
            .sample_indices_
        ]
        .sum(axis=1)
        .mean()
        for seed in range(40)
    ]
    pool = Y.sum(axis=1).mean()
    # 120 rows kept: the standard error of one seed's mean is about 0.08; of 40 seeds', 0.013
    assert abs(np.mean(per_row) - pool) < 0.04


def test_coverage_changes_nothing_where_the_top_rows_hold_every_share():
    rng = np.random.default_rng(1)
    n, n_select = 200, 100
    half = (rng.random((n // 2, 4)) < 0.4).astype(np.int64)
    Y = np.vstack([half, half])  # the first half holds exactly half of every label
    X = rng.normal(size=(n, 5)).astype(np.float32)
    scores = np.concatenate([rng.permutation(100) + 100.0, rng.permutation(100) * 1.0])
    best = np.sort(top(scores, n_select))
    assert not off_share(Y, best, n_select).any()  # precondition
    kept = {
        balance: CoresetSelector(
            method="given_scores", n_select=n_select, class_balance=balance, random_state=0
        )
        .fit(X, Y, scores=scores)
        .sample_indices_
        for balance in (False, True)
    }
    np.testing.assert_array_equal(kept[False], best)
    np.testing.assert_array_equal(kept[True], kept[False])


@pytest.mark.parametrize("n_select", [10, 37, 90])
def test_mean_entropy_core_set_is_the_numpy_top_rows_up_to_the_swaps_coverage_needs(pool, n_select):
    X, Y = pool
    proba = ovr_proxy().fit(X, Y).predict_proba(X)
    best = np.sort(top(binary_entropy(proba).mean(axis=1), n_select))
    plain = CoresetSelector(
        ovr_proxy(), method="mean_entropy", n_select=n_select, class_balance=False
    ).fit(X, Y)
    np.testing.assert_array_equal(plain.sample_indices_, best)
    kept = (
        CoresetSelector(ovr_proxy(), method="mean_entropy", n_select=n_select)
        .fit(X, Y)
        .sample_indices_
    )
    assert not off_share(Y, kept, n_select).any()
    # each swap moves at least one label one row towards its share
    assert len(np.setdiff1d(kept, best)) <= off_share(Y, best, n_select).sum()


def test_coverage_over_unlabeled_rows_goes_by_the_predicted_labels(partly_labeled, pool):
    X, Y_missing = partly_labeled
    n_select = 20
    predicted = (reference_proba(*pool) >= 0.5).astype(np.int64)
    share = floors(predicted, n_select)
    kept = {
        balance: ProxySelector(
            ovr_proxy(),
            method="max_entropy",
            n_select=n_select,
            class_balance=balance,
            random_state=0,
        )
        .fit(X, Y_missing)
        .sample_indices_
        for balance in (False, True)
    }
    assert (predicted[kept[False] - N_LABELED].sum(axis=0) < share).any()  # not covered
    assert len(kept[True]) == n_select and (kept[True] >= N_LABELED).all()
    assert (predicted[kept[True] - N_LABELED].sum(axis=0) >= share).all()


# -- unlabeled rows and refusals -------------------------------------------------------------


@pytest.mark.parametrize("marker", [-1, 9, np.nan], ids=["minus_one", "nine", "nan"])
def test_a_row_missing_in_every_column_is_unlabeled(pool, marker):
    X, Y = pool
    Y_missing = Y.astype(np.float64)
    Y_missing[N_LABELED:] = marker
    selector = ProxySelector(
        ovr_proxy(), method="mean_entropy", n_select=10, missing_label=marker, random_state=0
    ).fit(X, Y_missing)
    assert selector.task_ == "multilabel"
    assert (selector.sample_indices_ >= N_LABELED).all()
    assert len(selector.sample_indices_) == 10


def test_a_row_missing_in_some_columns_only_is_refused(partly_labeled):
    X, Y_missing = partly_labeled
    Y_bad = Y_missing.copy()
    Y_bad[5, 1] = -1
    Y_bad[17, 3] = -1
    with pytest.raises(ValueError, match=r"in some labels only \(first rows: \[5, 17\]\)"):
        ProxySelector(ovr_proxy(), method="mean_entropy", n_select=5).fit(X, Y_bad)


def test_an_entry_other_than_0_or_1_is_refused(partly_labeled):
    X, Y_missing = partly_labeled
    Y_bad = Y_missing.copy()
    Y_bad[7, 2] = 2
    with pytest.raises(ValueError, match=r"entries must be 0 or 1; row 7 holds"):
        ProxySelector(ovr_proxy(), method="mean_entropy", n_select=5).fit(X, Y_bad)


def test_coreset_refuses_the_missing_label_marker(pool):
    # a core-set has every row labeled: -1 is no marker there, but a bad entry
    X, Y = pool
    Y_bad = Y.copy()
    Y_bad[3] = -1
    with pytest.raises(ValueError, match=r"entries must be 0 or 1; row 3 holds"):
        CoresetSelector(ovr_proxy(), n_select=5).fit(X, Y_bad)


def test_one_label_per_row_with_task_multilabel_is_refused(pool):
    X, Y = pool
    with pytest.raises(ValueError, match=r"y has one label per row"):
        ProxySelector(ovr_proxy(), n_select=5, task="multilabel").fit(X, Y[:, 0])


def test_an_indicator_with_task_classification_is_refused(pool):
    X, Y = pool
    with pytest.raises(ValueError, match=r"a label indicator matrix, but task='classification'"):
        ProxySelector(ovr_proxy(), n_select=5, task="classification").fit(X, Y)


def test_a_regressor_proxy_with_an_indicator_is_refused(pool):
    X, Y = pool
    with pytest.raises(ValueError, match=r"Multi-output regression is not supported"):
        ProxySelector(RandomForestRegressor(n_estimators=5), n_select=5).fit(X, Y)


@pytest.mark.parametrize("method", ["margin", "entropy", "least_confidence"])
def test_methods_reading_class_probabilities_are_refused(pool, method):
    X, Y = pool
    with pytest.raises(ValueError, match=r"multi-label target.*method='mean_entropy'"):
        CoresetSelector(ovr_proxy(), method=method, n_select=5).fit(X, Y)


@pytest.mark.parametrize("method", ["mean_entropy", "max_entropy"])
def test_label_entropy_with_one_label_per_row_is_refused(pool, method):
    X, Y = pool
    with pytest.raises(ValueError, match=rf"method='{method}' reads per-label probabilities"):
        CoresetSelector(LogisticRegression(), method=method, n_select=5).fit(X, Y[:, 0])


def test_a_torch_proxy_is_refused_with_the_one_vs_rest_fix(partly_labeled):
    from svpkit.nn import make_default_proxy

    X, Y_missing = partly_labeled
    with pytest.raises(ValueError, match=r"one softmax over classes.*OneVsRestClassifier"):
        ProxySelector(make_default_proxy(max_epochs=1), method="mean_entropy", n_select=5).fit(
            X, Y_missing
        )


def test_the_default_proxy_is_one_versus_rest(partly_labeled):
    X, Y_missing = partly_labeled
    selector = ProxySelector(method="mean_entropy", n_select=5, random_state=0).fit(X, Y_missing)
    assert isinstance(selector.proxy_.steps[-1][1], OneVsRestClassifier)


@pytest.mark.parametrize("value", [0, 1])
@pytest.mark.parametrize("selector_cls", [CoresetSelector, ProxySelector], ids=["coreset", "proxy"])
def test_labeled_rows_all_alike_are_refused(pool, selector_cls, value):
    X, Y = pool
    Y_same = np.full_like(Y, value)
    if selector_cls is ProxySelector:
        Y_same[N_LABELED:] = -1
    with pytest.raises(ValueError, match=rf"every labeled row holds {value} in every label"):
        selector_cls(ovr_proxy(), method="mean_entropy", n_select=5).fit(X, Y_same)


# -- probabilities given as a list of per-label arrays ---------------------------------------


def test_list_probabilities_become_each_label_s_positive_column(pool):
    X, Y = pool
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, Y)
    raw = forest.predict_proba(X)
    assert isinstance(raw, list) and raw[0].shape == (len(X), 2)
    expected = np.column_stack([p[:, 1] for p in raw])
    got = label_probabilities(forest, X, ProxyOutputCheck(forest, len(X)), 4)
    np.testing.assert_array_equal(got, expected)


def test_a_label_constant_in_training_gets_its_constant_probability(pool):
    X, Y = pool
    Y_const = Y.copy()
    Y_const[:, 1] = 0  # no training row carries label 1
    Y_const[:, 3] = 1  # every training row carries label 3
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, Y_const)
    got = label_probabilities(forest, X, ProxyOutputCheck(forest, len(X)), 4)
    np.testing.assert_array_equal(got[:, 1], 0.0)
    np.testing.assert_array_equal(got[:, 3], 1.0)
    np.testing.assert_array_equal(got[:, 0], forest.predict_proba(X)[0][:, 1])


def test_a_forest_proxy_scores_as_its_stacked_positive_columns(partly_labeled, pool):
    X, Y_missing = partly_labeled
    _, Y = pool
    forest = RandomForestClassifier(n_estimators=20, random_state=0)
    selector = ProxySelector(forest, method="mean_entropy", n_select=10, random_state=0).fit(
        X, Y_missing
    )
    mine = RandomForestClassifier(n_estimators=20, random_state=0).fit(X[:N_LABELED], Y[:N_LABELED])
    proba = np.column_stack([p[:, 1] for p in mine.predict_proba(X[N_LABELED:])])
    expected = binary_entropy(proba).mean(axis=1)
    np.testing.assert_allclose(selector.scores_[N_LABELED:], expected, atol=1e-9)
    # forest scores tie often: check only that the kept rows are among the best-scored
    kept = selector.sample_indices_ - N_LABELED
    assert expected[kept].min() >= np.sort(expected)[::-1][9] - 1e-12


# -- determinism and fit_resample ------------------------------------------------------------


@pytest.mark.parametrize("method", ["mean_entropy", "random", "kcenters"])
def test_the_same_random_state_gives_the_same_selection(partly_labeled, method):
    X, Y_missing = partly_labeled
    fits = [
        ProxySelector(ovr_proxy(), method=method, n_select=15, random_state=seed).fit(X, Y_missing)
        for seed in (3, 3)
    ]
    np.testing.assert_array_equal(fits[0].sample_indices_, fits[1].sample_indices_)
    np.testing.assert_array_equal(fits[0].ranking_, fits[1].ranking_)


def test_another_random_state_changes_a_random_selection(partly_labeled):
    X, Y_missing = partly_labeled
    picks = [
        ProxySelector(method="random", n_select=15, random_state=seed)
        .fit(X, Y_missing)
        .sample_indices_
        for seed in (0, 1)
    ]
    assert not np.array_equal(*picks)


# A cache reads every output once ("all"): for a multi-label target that is the per-label
# probabilities, not class probabilities (which a one-vs-rest model's rows are not).
@pytest.mark.parametrize("selector_cls", [CoresetSelector, ProxySelector], ids=["coreset", "proxy"])
def test_a_cache_gives_the_same_selection(partly_labeled, tmp_path, selector_cls):
    X, Y_missing = partly_labeled
    if selector_cls is CoresetSelector:  # every row labeled
        X, Y_missing = X[:N_LABELED], Y_missing[:N_LABELED]
    fits = [
        selector_cls(
            ovr_proxy(), method="mean_entropy", n_select=10, memory=memory, random_state=0
        ).fit(X, Y_missing)
        for memory in (None, str(tmp_path))
    ]
    np.testing.assert_array_equal(fits[0].sample_indices_, fits[1].sample_indices_)


def test_fit_resample_returns_the_kept_rows_and_their_label_sets(pool):
    X, Y = pool
    selector = CoresetSelector(ovr_proxy(), n_select=30, random_state=0)
    X_kept, Y_kept = selector.fit_resample(X, Y)
    idx = selector.sample_indices_
    assert Y_kept.shape == (30, 4)
    np.testing.assert_array_equal(X_kept, X[idx])
    np.testing.assert_array_equal(Y_kept, Y[idx])


# -- auto ------------------------------------------------------------------------------------


def test_auto_as_a_coreset_is_random_with_per_label_coverage(pool):
    X, Y = pool
    selector = CoresetSelector(n_select=30, random_state=0).fit(X, Y)
    assert selector.method_ == "random"
    assert "per-label coverage" in selector.method_reason_
    assert (Y[selector.sample_indices_].sum(axis=0) >= floors(Y, 30)).all()
    other = CoresetSelector(n_select=30, random_state=1).fit(X, Y)
    assert not np.array_equal(selector.sample_indices_, other.sample_indices_)


def test_auto_in_active_learning_runs_max_entropy(partly_labeled):
    X, Y_missing = partly_labeled
    selector = ProxySelector(method="auto", n_select=10, random_state=0).fit(X, Y_missing)
    assert selector.method_ == "max_entropy"


def test_auto_without_labeled_rows_starts_cold_without_a_proxy(pool):
    X, Y = pool
    unlabeled = np.full_like(Y, -1)
    selector = ProxySelector(method="auto", n_select=10, random_state=0).fit(X, unlabeled)
    assert selector.method_ not in ("mean_entropy", "max_entropy")
    assert selector.proxy_ is None
    assert len(np.unique(selector.sample_indices_)) == 10


# -- a new pool ------------------------------------------------------------------------------


def test_transform_on_a_new_pool_covers_the_predicted_labels(pool):
    X, Y = pool
    X_fit, X_new = X[:250], X[250:]
    Y_fit = Y[:250].copy()
    Y_fit[N_LABELED:] = -1
    n_select = 20
    reference = ovr_proxy().fit(X[:N_LABELED], Y[:N_LABELED]).predict_proba(X_new)
    predicted = (reference >= 0.5).astype(np.int64)
    share = floors(predicted, n_select)
    for balance in (False, True):
        selector = ProxySelector(
            ovr_proxy(),
            method="mean_entropy",
            n_select=n_select,
            class_balance=balance,
            random_state=0,
        ).fit(X_fit, Y_fit)
        X_kept = selector.transform(X_new)
        assert X_kept.shape == (n_select, X.shape[1])
        # every kept row is a row of the new pool, each once
        matches = (X_kept[:, None, :] == X_new[None, :, :]).all(axis=2)
        rows = matches.argmax(axis=1)
        assert matches.any(axis=1).all() and len(np.unique(rows)) == n_select
        counts = predicted[rows].sum(axis=0)
        if balance:
            assert (counts >= share).all()
        else:  # the plain ranking leaves a label short: coverage changes the outcome
            expected = np.sort(top(binary_entropy(reference).mean(axis=1), n_select))
            np.testing.assert_array_equal(np.sort(rows), expected)
            assert (counts < share).any()
