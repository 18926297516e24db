"""The exact lazy k-centers engine: equal to the plain loop, linear memory."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from svpkit import greedy_kcenters
from tests.helpers import integer_points, peak_bytes


def test_lazy_engine_memory_is_linear_and_independent_of_k():
    n, d = 40_000, 16
    X = np.random.RandomState(0).randn(n, d).astype(np.float32)
    peak_small = peak_bytes(lambda: greedy_kcenters(X, 300, random_state=0, algorithm="lazy"))
    peak_large = peak_bytes(lambda: greedy_kcenters(X, 1500, random_state=0, algorithm="lazy"))
    # a few n-vectors (sync counters and the indices of the rows a rebuild updates included),
    # the candidate copy (max(4096, n/32) rows) and one fixed-size GEMM block
    budget = 8 * n * 4 + 4096 * d * 4 + (1 << 20) * 4 * 2
    assert peak_large < budget
    assert peak_large < 0.1 * 1500 * n * 4  # far below a k x n matrix
    assert peak_large < 1.5 * peak_small + 64_000


def test_lazy_engine_with_many_existing_centers_stays_linear():
    n, d, existing = 40_000, 16, np.arange(0, 40_000, 4)  # 10,000 labeled rows
    X = np.random.RandomState(0).randn(n, d).astype(np.float32)
    out = []
    peak = peak_bytes(
        lambda: out.append(greedy_kcenters(X, 200, already_selected=existing, algorithm="lazy"))
    )
    # n-vectors, the candidate copy, fixed GEMM/gather blocks and the pick list; an n x E
    # distance matrix would be 1.6 GB
    assert peak < 12 * n * 4 + 4096 * d * 4 + (5 << 20) * 4 + existing.size * 16
    plain = greedy_kcenters(X, 200, already_selected=existing, algorithm="plain")
    # same traversal up to float32 near-ties (exact equality: the hypothesis test above)
    assert len(set(out[0].indices) & set(plain.indices)) >= 190
    np.testing.assert_allclose(out[0].radii[-1], plain.radii[-1], rtol=1e-4)


@st.composite
def clustered_integer_points(draw):
    # Well-separated integer blobs with duplicates inside: many rows share a bound, whole blobs
    # drop below the rebuild threshold at once, and distances stay exact.
    n = draw(st.integers(2, 120))
    d = draw(st.integers(1, 4))
    n_blobs = draw(st.integers(1, 6))
    blobs = draw(arrays(np.int64, (n_blobs, d), elements=st.integers(-40, 40)))
    member = draw(arrays(np.int64, n, elements=st.integers(0, n_blobs - 1)))
    jitter = draw(arrays(np.int64, (n, d), elements=st.integers(-2, 2)))
    return blobs[member] + jitter


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@settings(max_examples=150, deadline=None)
@given(X=st.one_of(integer_points(), clustered_integer_points()), data=st.data())
def test_lazy_engine_equals_plain_loop_exactly(dtype, X, data):
    from svpkit.kernels import kcenters, lazy_kcenters
    from svpkit.kernels.lazy_kcenters import lazy_traversal

    X = np.ascontiguousarray(X.astype(dtype))
    n = len(X)
    half = kcenters._half_sq_norms(X)
    if data.draw(st.booleans()) and n > 1:
        existing = np.array(
            data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n - 1, unique=True))
        )
        mind = kcenters._min_half_sq_dist_to(X, half, existing)
        mind[existing] = -1.0
        first, k = None, data.draw(st.integers(0, n - len(existing)))
    else:
        mind, first, k = None, data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n))
    # tiny candidate lists and pending limits force every rebuild path
    candidates = data.draw(st.integers(1, n))
    max_pending = data.draw(st.integers(1, 6))
    sync_factor = data.draw(st.sampled_from([1, 2, 4, np.inf]))
    # small GEMM blocks split the rebuilds into many row chunks, as on large pools
    gemm_elements = data.draw(st.sampled_from([4, 64, 1 << 20]))
    # existing centers as an exact mind, or handed over as picks already made (few seeds)
    as_picks = mind is not None and data.draw(st.booleans())
    seeds = data.draw(st.integers(1, 3))
    # rebuilds apply missed picks in steps; rows falling below the threshold stop early
    sync_step = data.draw(st.sampled_from([1, 3, 512]))
    # thresholds from a small strided sample (as on pools of 1M rows and more) or exact
    sampled_from = data.draw(st.sampled_from([1, 1 << 20]))
    top_sample = data.draw(st.sampled_from([2, 7, 65536]))
    ref = kcenters._traverse_numpy(X, half, None if mind is None else mind.copy(), k, first)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lazy_kcenters, "_GEMM_ELEMENTS", gemm_elements)
        patch.setattr(lazy_kcenters, "_SEED_CENTERS", seeds)
        patch.setattr(lazy_kcenters, "_SYNC_STEP", sync_step)
        patch.setattr(lazy_kcenters, "_SAMPLED_TOP_ROWS", sampled_from)
        patch.setattr(lazy_kcenters, "_TOP_SAMPLE", top_sample)
        out = lazy_traversal(
            X,
            half,
            None if mind is None or as_picks else mind.copy(),
            k,
            first,
            existing=np.unique(existing) if as_picks else None,
            candidates=candidates,
            max_pending=max_pending,
            sync_factor=sync_factor,
        )
    np.testing.assert_array_equal(out[0], ref[0])
    np.testing.assert_allclose(out[1], ref[1], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", ["gaussian", "clustered", "duplicates"])
def test_lazy_engine_is_a_valid_farthest_first_traversal(kind):
    rng = np.random.RandomState(0)
    if kind == "gaussian":
        X = rng.randn(6000, 24)
    elif kind == "clustered":
        centers = rng.randn(40, 24) * 10
        X = centers[rng.randint(0, 40, 6000)] + 0.1 * rng.randn(6000, 24)
    else:
        X = np.repeat(rng.randn(300, 24), 20, axis=0)
    X = X.astype(np.float32)
    lazy = greedy_kcenters(X, 400, random_state=1, algorithm="lazy")
    plain = greedy_kcenters(X, 400, random_state=1, algorithm="plain")
    # Check every lazy pick in float64: it is the farthest row given the earlier picks, up to
    # the float32 rounding of the expanded form |x|^2 - 2 x.c + |c|^2 (about eps * |x|^2).
    X64 = X.astype(np.float64)
    tol_sq = 1e-5 * (X64**2).sum(axis=1).max()
    mind = np.full(len(X), np.inf)
    for t, p in enumerate(lazy.indices):
        if t:
            assert mind[p] >= mind.max() - tol_sq
        mind = np.minimum(mind, ((X64 - X64[p]) ** 2).sum(axis=1))
        assert abs(lazy.radii[t] ** 2 - mind.max()) <= tol_sq
    assert len(set(lazy.indices)) == 400
    # Once everything is covered (duplicates), what is left to pick is rounding noise; compare
    # the picks made while real distance remained.
    real = int(np.sum(np.r_[np.inf, plain.radii[:-1]] ** 2 > tol_sq))
    overlap = len(set(lazy.indices[:real]) & set(plain.indices[:real])) / real
    assert overlap >= 0.95  # float32 near-ties may resolve differently, rarely
    assert abs(lazy.radii[-1] ** 2 - plain.radii[-1] ** 2) <= tol_sq
