"""Exact nearest-center assignment with triangle-inequality pruning (core-set weights)."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svpkit import assign_to_centers, greedy_kcenters
from svpkit.kernels import kcenters, pruned_assign


def clustered_integers(n, d, n_clusters, seed):
    """Integer-valued clusters: expanded-form distances are exact in float32 and float64,
    so every strategy must give the brute-force argmin (ties to the lowest center)."""
    rng = np.random.RandomState(seed)
    centers = rng.randint(-60, 60, (n_clusters, d))
    rows = centers[rng.randint(0, n_clusters, n)] + rng.randint(-3, 4, (n, d))
    return rows.astype(np.float32)


def brute_force(X, centers):
    D = ((X[:, None, :].astype(np.float64) - X[centers][None].astype(np.float64)) ** 2).sum(-1)
    return D.argmin(axis=1), np.sqrt(D.min(axis=1))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(50, 600),
    d=st.integers(1, 12),
    n_clusters=st.integers(1, 12),
    k=st.integers(1, 80),
    seed=st.integers(0, 10_000),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_pruned_assignment_equals_brute_force(n, d, n_clusters, k, seed, dtype):
    X = clustered_integers(n, d, n_clusters, seed).astype(dtype)
    centers = np.random.RandomState(seed).choice(n, min(k, n), replace=False)
    expected, distance = brute_force(X, centers)
    for strategy in ("pruned", "brute", "auto"):
        assignment, got = assign_to_centers(X, centers, strategy=strategy)
        np.testing.assert_array_equal(assignment, expected, err_msg=strategy)
        np.testing.assert_allclose(got, distance, rtol=1e-4, atol=1e-2)


def test_pruned_assignment_of_kcenters_picks_on_float_data():
    """Float data: the same nearest center except on rounding-size near-ties, and the same
    distances."""
    rng = np.random.RandomState(0)
    X = (rng.randn(40, 16)[rng.randint(0, 40, 20_000)] * 8 + rng.randn(20_000, 16)).astype(
        np.float32
    )
    centers = greedy_kcenters(X, 300, random_state=0).indices
    expected, distance = brute_force(X, centers)
    assignment, got = assign_to_centers(X, centers, strategy="pruned")
    D = ((X.astype(np.float64) - X[centers][assignment].astype(np.float64)) ** 2).sum(-1)
    assert (assignment == expected).mean() > 0.999
    np.testing.assert_allclose(np.sqrt(D), distance, rtol=1e-5, atol=1e-3)
    # the expanded form's rounding, as in brute force (centers: ~0.02 instead of 0)
    np.testing.assert_allclose(got, distance, rtol=1e-4, atol=5e-2)


def test_the_plan_prunes_clusters_and_keeps_brute_force_on_gaussian_noise():
    rng = np.random.RandomState(1)
    X = (rng.randn(60, 32)[rng.randint(0, 60, 30_000)] * 6 + rng.randn(30_000, 32)).astype(
        np.float32
    )
    centers = greedy_kcenters(X, 1000, random_state=0).indices
    m, heads, group, work = pruned_assign.plan_groups(X, X[centers])
    assert m > 0 and work < 0.3 * len(centers)
    assert len(heads) == m and set(group) == set(range(m))
    noise = rng.randn(30_000, 128).astype(np.float32)
    centers = greedy_kcenters(noise, 1000, random_state=0).indices
    *_, work = pruned_assign.plan_groups(noise, noise[centers])
    assert work > pruned_assign.MAX_WORK_SHARE * len(centers)


def test_auto_prunes_large_problems_only(monkeypatch):
    calls = []
    real = pruned_assign.pruned_nearest_center
    monkeypatch.setattr(
        pruned_assign, "pruned_nearest_center", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    rng = np.random.RandomState(2)
    X = (rng.randn(30, 8)[rng.randint(0, 30, 5000)] * 10 + rng.randn(5000, 8)).astype(np.float32)
    centers = greedy_kcenters(X, 200, random_state=0).indices
    assign_to_centers(X, centers)
    assert calls == []  # 1M pairs: brute force
    monkeypatch.setattr(pruned_assign, "MIN_PAIRS", 1000)
    assign_to_centers(X, centers)
    assert calls == [1]
    with pytest.raises(ValueError, match="strategy"):
        assign_to_centers(X, centers, strategy="fast")


def test_pruned_assignment_memory_is_linear():
    """No rows x centers matrix: 100,000 x 2,000 float32 would be 800 MB."""
    rng = np.random.RandomState(3)
    X = (rng.randn(200, 16)[rng.randint(0, 200, 100_000)] * 8 + rng.randn(100_000, 16)).astype(
        np.float32
    )
    centers = greedy_kcenters(X, 2000, random_state=0).indices
    half = kcenters._half_sq_norms(X)
    C, half_c = X[centers], half[centers]
    m, heads, group, _ = pruned_assign.plan_groups(X, C)
    tracemalloc.start()
    pruned_assign.pruned_nearest_center(X, half, C, half_c, heads, group)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 60 * 2**20, peak / 2**20


@pytest.mark.parametrize("strategy", ["brute", "pruned"])
def test_assignment_progress_adds_up_to_the_rows(strategy):
    X = clustered_integers(3000, 4, 5, 0)
    centers = greedy_kcenters(X, 40, random_state=0).indices
    calls = []
    assign_to_centers(X, centers, strategy=strategy, progress=calls.append)
    assert sum(calls) == len(X) and all(c > 0 for c in calls)
