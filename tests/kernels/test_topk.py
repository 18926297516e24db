"""The top-k kernel: seeded tie keys, a partition instead of a sort, and a sampled threshold
that finds the same top-k in one comparison pass (svpkit.kernels.topk)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svpkit.kernels import topk
from svpkit.kernels.topk import order_by_keys, order_by_score, top_by_keys


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, np.nan, np.inf]), min_size=1, max_size=60),
    st.integers(0, 2**31 - 2),
    st.data(),
)
def test_top_by_keys_is_the_prefix_of_the_full_keyed_order(values, seed, data):
    scores = np.array(values)
    candidates = np.sort(np.random.RandomState(seed % 1000).choice(10_000, len(scores), False))
    n_top = data.draw(st.integers(1, len(scores)))
    full = order_by_keys(candidates, scores, seed)
    np.testing.assert_array_equal(top_by_keys(candidates, scores, seed, n_top), full[:n_top])
    # most informative first: the scores along the full order never increase (NaN last)
    ordered = scores[np.searchsorted(candidates, full)]
    finite = ordered[~np.isnan(ordered)]
    assert (finite[1:] <= finite[:-1]).all() and not np.isnan(ordered[: len(finite)]).any()


def test_ties_are_broken_at_random_and_reproducibly():
    candidates, scores = np.arange(1000), np.zeros(1000)
    a = top_by_keys(candidates, scores, 1, 10)
    assert not np.array_equal(a, np.arange(10))  # not by row order
    np.testing.assert_array_equal(a, top_by_keys(candidates, scores, 1, 10))
    assert not np.array_equal(a, top_by_keys(candidates, scores, 2, 10))


def test_order_by_score_keeps_its_permutation_below_the_threshold():
    scores = np.array([1.0, 1.0, 0.5, 1.0])
    full = order_by_score(np.arange(4), scores, np.random.RandomState(3))
    top = order_by_score(np.arange(4), scores, np.random.RandomState(3), n_top=2)
    np.testing.assert_array_equal(top, full[:2])


# -- top-k from a sampled threshold -----------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(
    n_top=st.integers(1, 40_000),
    seed=st.integers(0, 2**31 - 2),
    levels=st.sampled_from([0, 3, 50]),
    nan_share=st.sampled_from([0.0, 0.3]),
    layout=st.sampled_from(["random", "ascending", "descending", "stripes"]),
)
def test_sampled_threshold_gives_the_partitioned_top_k(n_top, seed, levels, nan_share, layout):
    """The prefilter never changes the selection, whatever the scores' order, ties or NaN."""
    n = 300_000
    rng = np.random.RandomState(seed % 1000)
    scores = rng.rand(n) if levels == 0 else rng.randint(0, levels, n).astype(float)
    if layout == "ascending":
        scores.sort()
    elif layout == "descending":
        scores = -np.sort(-scores)
    elif layout == "stripes":  # the best scores hide between the sample's strides
        scores = np.where(np.arange(n) % 5 == 2, scores + 10, scores)
    scores[rng.rand(n) < nan_share] = np.nan
    candidates = np.arange(n) * 3
    expected = topk.above_sampled_threshold
    got = top_by_keys(candidates, scores, seed, n_top)
    try:
        topk.above_sampled_threshold = lambda *a: None
        np.testing.assert_array_equal(got, top_by_keys(candidates, scores, seed, n_top))
    finally:
        topk.above_sampled_threshold = expected


def test_sampled_threshold_is_used_on_large_pools():
    scores = np.random.RandomState(0).rand(1_000_000)
    kept = topk.above_sampled_threshold(scores, 1000)
    assert kept is not None and 1000 <= len(kept) < 10_000
    assert scores[kept].min() <= np.sort(scores)[-1000]
    assert topk.above_sampled_threshold(scores[:1000], 10) is None  # small: partition


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from([0.0, 0.5, 1.0, np.nan]), min_size=1, max_size=40),
    st.integers(0, 2**31 - 2),
)
def test_order_by_keys_matches_a_python_sort(values, seed):
    scores = np.array(values)
    candidates = np.arange(len(scores)) * 7 + 3
    keys = topk.tie_keys(candidates, seed)
    # brute force: finite scores descending, then NaN; ties by ascending key
    expected = sorted(
        range(len(scores)),
        key=lambda i: (np.isnan(scores[i]), -np.nan_to_num(scores[i]), int(keys[i])),
    )
    np.testing.assert_array_equal(order_by_keys(candidates, scores, seed), candidates[expected])


def test_order_by_score_takes_one_seed_from_the_generator_above_the_threshold(monkeypatch):
    monkeypatch.setattr(topk, "FULL_RANKING_MAX_ROWS", 10)
    scores = np.zeros(50)
    rng = np.random.RandomState(4)
    top = order_by_score(np.arange(50), scores, rng, n_top=5)
    seed = int(np.random.RandomState(4).randint(np.iinfo(np.int32).max))
    np.testing.assert_array_equal(top, order_by_keys(np.arange(50), scores, seed)[:5])


def _splitmix64(row: int, seed: int) -> int:
    """splitmix64's finaliser on row + seed x golden ratio, in Python integers (an
    implementation independent of the kernel's numpy one)."""
    mask = (1 << 64) - 1
    z = (row + seed * 0x9E3779B97F4A7C15) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return z ^ (z >> 31)


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**40 + 7, -3])
def test_tie_keys_are_splitmix64_of_the_row_ids(seed):
    from svpkit.kernels.topk import tie_keys

    rows = np.array([0, 1, 2, 99, 10**6, 2**33 + 5], dtype=np.int64)
    expected = [_splitmix64(int(r), seed) for r in rows]
    assert tie_keys(rows, seed).tolist() == expected
    # a known value, so that the reference itself cannot drift unnoticed
    assert _splitmix64(0, 0) == 0 and _splitmix64(1, 0) == 0x5692161D100B05E5


@pytest.mark.parametrize("n_rows", [9, 10, 11])
def test_the_full_sort_serves_up_to_full_ranking_max_rows_and_keys_above(monkeypatch, n_rows):
    """Up to FULL_RANKING_MAX_ROWS candidates (inclusive) ties are broken by a permutation
    drawn from rng; above, by the seeded per-row keys."""
    monkeypatch.setattr(topk, "FULL_RANKING_MAX_ROWS", 10)
    candidates = np.arange(100, 100 + n_rows)
    scores = np.zeros(n_rows)  # all tied: the tie-break decides the whole order
    got = order_by_score(candidates, scores, np.random.RandomState(0), n_top=4)
    if n_rows <= 10:
        tie_break = np.random.RandomState(0).permutation(n_rows)
        expected = candidates[np.lexsort((tie_break, -scores))][:4]
    else:
        seed = topk.derive_seed(np.random.RandomState(0))
        expected = order_by_keys(candidates, scores, seed)[:4]
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("n_top", [0, 6, 7, 50], ids=["none", "all", "one_more", "many_more"])
def test_top_by_keys_at_the_edges_returns_what_a_full_sort_does(n_top):
    candidates = np.arange(10, 16)
    scores = np.array([0.5, 0.1, 0.5, np.nan, 0.9, 0.1])
    full = order_by_keys(candidates, scores, 3)
    np.testing.assert_array_equal(top_by_keys(candidates, scores, 3, n_top), full[:n_top])
