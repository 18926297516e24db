"""typiclust, probcover, maxherding and badge through the selectors; the budget-aware auto."""

import numpy as np
import pytest
import scipy.sparse

from svpkit import CoresetSelector, ProxySelector
from svpkit.kernels.badge import badge_select
from svpkit.kernels.coldstart import reduce_features, typiclust_select
from svpkit.methods import (
    Regime,
    SelectionMethod,
    available_methods,
    get_method,
    register_method,
    resolve_method,
)
from svpkit.methods import auto as auto_module
from svpkit.utils import derive_seed
from tests.helpers import logreg, small_proxy

COLD = ["typiclust", "probcover", "maxherding"]


def _unlabeled(y):
    return np.full(len(y), -1)


@pytest.mark.parametrize("method", COLD)
def test_cold_start_methods_select_from_a_pool_with_no_label(digits, method):
    X, y = digits
    sel = ProxySelector(method=method, n_select=20, random_state=0).fit(X, _unlabeled(y))
    assert sel.n_selected_ == 20 and sel.proxy_ is None
    assert sel.method_ == method
    assert len(np.unique(y[sel.sample_indices_])) >= 7  # covers most of the 10 classes
    again = ProxySelector(method=method, n_select=20, random_state=0).fit(X, _unlabeled(y))
    np.testing.assert_array_equal(sel.sample_indices_, again.sample_indices_)
    # the ranking starts with the picks, best first, and scores agree with it
    assert set(sel.ranking_[:20]) == set(sel.sample_indices_)
    ranked = sel.scores_[sel.ranking_[:20]]
    assert (np.diff(ranked) < 0).all()


def test_typiclust_through_the_selector_equals_the_kernel_on_the_pca_features(digits):
    X, y = digits
    sel = ProxySelector(method="typiclust", n_select=15, random_state=3).fit(X, _unlabeled(y))
    rng = np.random.RandomState(3)
    derive_seed(rng)  # the selector's proxy seed
    Z = reduce_features(X.astype(np.float32))  # the pool's features output: PCA-50, seed 0
    picks = typiclust_select(Z, np.array([], int), np.arange(len(X)), 15, derive_seed(rng))
    np.testing.assert_array_equal(sel.ranking_[:15], picks)


@pytest.mark.parametrize("method", ["probcover", "maxherding"])  # typiclust: kernel tests
def test_cold_start_methods_treat_labeled_rows_as_covered(method):
    rng = np.random.RandomState(0)
    centers = rng.randn(4, 6) * 8
    X = np.concatenate([c + rng.randn(50, 6) * 0.5 for c in centers])
    y = np.repeat(np.arange(4), 50)
    y_partial = _unlabeled(y)
    # Blobs 0 and 1 well labeled: their rows are covered, the next picks go to blobs 2 and 3.
    labeled = np.r_[0:50:2, 50:100:2]
    y_partial[labeled] = y[labeled]
    sel = ProxySelector(method=method, n_select=2, random_state=0).fit(X, y_partial)
    assert (y_partial[sel.sample_indices_] == -1).all()
    assert sorted(y[sel.sample_indices_]) == [2, 3]


def test_cold_start_methods_also_select_core_sets(digits):
    X, y = digits
    sel = CoresetSelector(method="maxherding", fraction=0.1, random_state=0).fit(X, y)
    assert sel.n_selected_ == 60
    assert len(np.unique(y[sel.sample_indices_])) == 10  # class balance by default


def test_the_features_output_is_computed_once_for_the_rounds_of_a_loop(digits, monkeypatch):
    from svpkit.pools import memory

    X, y = digits
    calls = []
    original = memory.reduce_features
    monkeypatch.setattr(memory, "reduce_features", lambda X: calls.append(1) or original(X))
    memory._FEATURES_CACHE.clear()
    y_partial = _unlabeled(y)
    for round_ in range(3):
        sel = ProxySelector(method="typiclust", n_select=10, random_state=round_)
        picked = sel.fit(X, y_partial).sample_indices_
        y_partial[picked] = y[picked]
    assert len(calls) == 1
    ProxySelector(method="typiclust", n_select=10).fit(X[:300], _unlabeled(y[:300]))
    assert len(calls) == 2  # another pool: computed again


def test_cold_start_methods_refuse_sparse_pools_with_the_fix(digits):
    X, y = digits
    with pytest.raises(ValueError, match="TruncatedSVD"):
        ProxySelector(method="typiclust", n_select=5).fit(scipy.sparse.csr_matrix(X), y)


def test_badge_through_the_selector_equals_the_kernel_on_the_proxy_outputs(digits):
    X, y = digits
    y_partial = _unlabeled(y)
    y_partial[:100] = y[:100]
    sel = ProxySelector(logreg(), method="badge", n_select=12, random_state=0).fit(X, y_partial)
    candidates = np.arange(100, len(y))
    proba = sel.proxy_.predict_proba(X[candidates])
    rng = np.random.RandomState(0)
    derive_seed(rng)  # the proxy seed
    expected = candidates[badge_select(proba, X[candidates], 12, rng)]
    np.testing.assert_array_equal(sel.ranking_[:12], expected)
    assert (y_partial[sel.sample_indices_] == -1).all()


def test_badge_with_the_default_proxy_reads_its_embeddings(digits):
    X, y = digits
    y_partial = _unlabeled(y)
    y_partial[:60] = y[:60]
    sel = ProxySelector(small_proxy(), method="badge", n_select=10, random_state=0)
    sel.fit(X, y_partial)
    assert sel.n_selected_ == 10 and sel.proxy_ is not None


def test_badge_needs_labels():
    X = np.random.RandomState(0).randn(30, 4)
    with pytest.raises(ValueError, match="needs a proxy"):
        ProxySelector(method="badge", n_select=3).fit(X, np.full(30, -1))


# -- the budget-aware default ---------------------------------------------------------------


def test_proxy_selector_defaults_to_auto():
    assert ProxySelector().method == "auto"


def test_auto_covers_while_labels_are_scarce_then_ranks_by_margin(digits):
    X, y = digits
    cold = ProxySelector(n_select=10, random_state=0).fit(X, _unlabeled(y))
    assert cold.method_ == auto_module.AUTO_COLD_START and cold.proxy_ is None
    few = _unlabeled(y)
    few[:20] = y[:20]  # 2 per class: still cold
    scarce = ProxySelector(n_select=10, random_state=0).fit(X, few)
    assert scarce.method_ == "typiclust"
    assert "not judged yet" in scarce.method_reason_
    balanced = (99,) * 10
    assert auto_module.active_choice(Regime(990, 10, 5000, 10, False, balanced)) == "typiclust"
    assert auto_module.active_choice(Regime(1000, 10, 5000, 10, False, (100,) * 10)) == "margin"
    y = (y >= 5).astype(int)  # two classes, so the switch point fits in 600 rows
    many = _unlabeled(y)
    n_warm = int(np.ceil(auto_module.AUTO_SWITCH_LABELS_PER_CLASS * 2)) + 10
    many[:n_warm] = y[:n_warm]
    warm = ProxySelector(small_proxy(), n_select=10, random_state=0).fit(X, many)
    assert warm.method_ == auto_module.AUTO_WARM
    assert "labels per class" in warm.method_reason_
    direct = ProxySelector(
        small_proxy(), method=auto_module.AUTO_WARM, n_select=10, random_state=0
    ).fit(X, many)
    np.testing.assert_array_equal(warm.sample_indices_, direct.sample_indices_)
    assert direct.method_reason_ is None  # a method named directly gives no reason


def test_auto_rule_reads_labels_per_class():
    r = Regime(n_labeled=30, n_classes=10, n_candidates=500, n_select=10, candidates_labeled=False)
    assert r.labels_per_class == 3.0 and r.class_counts is None
    assert Regime(0, 0, 10, 1, False).labels_per_class == 0.0
    assert resolve_method(get_method("auto"), r).name == auto_module.AUTO_COLD_START
    core = Regime(500, 10, 500, 100, candidates_labeled=True)
    assert resolve_method(get_method("auto"), core).name == "auto"


def _labels_per_class(y, counts, seed=0):
    """Partial labels with ``counts[c]`` labeled rows of class ``c`` (seeded)."""
    rng = np.random.RandomState(seed)
    partial = _unlabeled(y)
    for cls, n in enumerate(counts):
        rows = rng.choice(np.flatnonzero(y == cls), n, replace=False)
        partial[rows] = y[rows]
    return partial


def test_auto_switches_on_a_starved_class_and_not_on_a_balanced_pool(digits):
    X, y = digits  # 60 rows per class
    # 25 labels per class, balanced: coverage still has ground to gain, no class starved.
    balanced = _labels_per_class(y, [25] * 10)
    sel = ProxySelector(small_proxy(), n_select=10, random_state=0).fit(X, balanced)
    assert sel.method_ == auto_module.AUTO_COLD_START and sel.proxy_ is None
    assert "no class starved" in sel.method_reason_
    # The same budget with class 3 held at 2 labels: the evidence says coverage misses it.
    starved = _labels_per_class(y, [25, 25, 25, 2, 25, 25, 25, 25, 25, 25])
    sel = ProxySelector(small_proxy(), n_select=10, random_state=0).fit(X, starved)
    assert sel.method_ == auto_module.AUTO_WARM
    assert "classes_[3]" in sel.method_reason_ and sel.classes_[3] == 3
    direct = ProxySelector(small_proxy(), method="margin", n_select=10, random_state=0)
    np.testing.assert_array_equal(sel.sample_indices_, direct.fit(X, starved).sample_indices_)
    # The same evidence is deterministic: a second fit makes the same choice and picks.
    again = ProxySelector(small_proxy(), n_select=10, random_state=0).fit(X, starved)
    assert (again.method_, again.method_reason_) == (sel.method_, sel.method_reason_)
    np.testing.assert_array_equal(again.sample_indices_, sel.sample_indices_)
    # Below the minimum labels per class a starved class is not judged (the cold start gains
    # most there, and a thin class is as often noise).
    early = _labels_per_class(y, [15, 15, 15, 1, 15, 15, 15, 15, 15, 15])
    sel = ProxySelector(small_proxy(), n_select=10, random_state=0).fit(X, early)
    assert sel.method_ == auto_module.AUTO_COLD_START


def test_starved_class_needs_a_clear_deficit_not_chance():
    starved = auto_module.starved_class
    # Under half its even share, significantly: starved.
    hit = starved(Regime(300, 10, 4000, 50, False, (33,) * 9 + (3,)))
    assert (hit.index, hit.count, hit.even) == (9, 3, 30.0) and hit.p_value < 1e-6
    # A mild deficit (a diffuse class the cold start picks a bit less often) is not.
    assert starved(Regime(300, 10, 4000, 50, False, (31,) * 9 + (21,))) is None
    # Under half its share, but with 100 classes the lowest of 100 counts near 20 is often
    # that low by chance: not significant after the correction.
    counts = (20,) * 99 + (9,)
    assert 9 < auto_module.AUTO_RARE_SHARE * sum(counts) / 100
    assert starved(Regime(sum(counts), 100, 10**5, 100, False, counts)) is None
    # Unknown counts, one class, or core-set selection: no evidence.
    assert starved(Regime(300, 10, 4000, 50, False)) is None
    assert starved(Regime(300, 1, 4000, 50, False, (300,))) is None
    assert starved(Regime(300, 10, 300, 50, True, (33,) * 9 + (3,))) is None
    # Enough labels per class switch whatever the balance.
    assert auto_module.active_choice(Regime(1000, 10, 5000, 10, False)) == "margin"


def test_the_loop_switches_on_an_imbalanced_pool_and_records_the_evidence():
    from sklearn.datasets import load_digits

    from svpkit.active import ActiveLearningLoop

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    rng = np.random.RandomState(0)  # digit 0 cut to 2% of the pool
    keep = np.sort(np.r_[np.flatnonzero(y != 0), rng.choice(np.flatnonzero(y == 0), 33, False)])

    def run(X, y):
        return ActiveLearningLoop(
            ProxySelector(small_proxy()),
            initial_size=200,
            round_sizes=[30, 30],
            initial="random",
            random_state=0,
            verbose=False,
        ).run(X, y)

    rare = run(X[keep], y[keep])
    assert [r["strategy"] for r in rare.history_] == ["random", "margin", "margin"]
    assert rare.history_[0]["strategy_reason"] is None  # the loop's own random draw
    assert all("starved" in r["strategy_reason"] for r in rare.history_[1:])
    balanced = run(X[: len(keep)], y[: len(keep)])
    assert [r["strategy"] for r in balanced.history_] == ["random", "typiclust", "typiclust"]
    assert all("no class starved" in r["strategy_reason"] for r in balanced.history_[1:])


def test_a_registered_dispatcher_runs_the_method_it_names(digits):
    X, y = digits

    def rank(ctx):  # never called: the dispatcher always names another method
        raise AssertionError

    register_method(
        SelectionMethod("doc_dispatch", rank=rank, hooks={"resolve": lambda regime: "random"})
    )
    try:
        sel = ProxySelector(method="doc_dispatch", n_select=5, random_state=0)
        assert sel.fit(X, _unlabeled(y)).method_ == "random"
        assert "doc_dispatch" in available_methods()
    finally:
        from svpkit.methods import _registry

        del _registry._REGISTRY["doc_dispatch"]


def test_transform_on_a_new_pool_runs_the_method_auto_chose(digits):
    X, y = digits
    sel = ProxySelector(fraction=0.05, random_state=0).fit(X[:300], _unlabeled(y[:300]))
    assert sel.method_ == "typiclust"
    out = sel.transform(X[300:])
    assert len(out) == int(np.ceil(0.05 * 300))
