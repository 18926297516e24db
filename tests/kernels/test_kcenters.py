"""Greedy k-centers: brute-force references, backends, linear memory, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svpkit import greedy_kcenters
from svpkit.utils import cuda_available
from tests.helpers import brute_force_kcenters, integer_points, peak_bytes


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@settings(max_examples=60, deadline=None)
@given(X=integer_points(), data=st.data())
def test_matches_brute_force_random_first(dtype, X, data):
    X = X.astype(dtype)
    k = data.draw(st.integers(0, len(X)))
    seed = data.draw(st.integers(0, 1000))
    picks, radii = greedy_kcenters(X, k, random_state=seed)
    ref_picks, ref_radii = brute_force_kcenters(X, k, random_state=seed)
    np.testing.assert_array_equal(picks, ref_picks)
    np.testing.assert_allclose(radii, ref_radii, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@settings(max_examples=60, deadline=None)
@given(X=integer_points(), data=st.data())
def test_matches_brute_force_with_existing_centers(dtype, X, data):
    X = X.astype(dtype)
    existing = data.draw(st.lists(st.integers(0, len(X) - 1), min_size=1, unique=True))
    k = data.draw(st.integers(0, len(X) - len(existing)))
    picks, radii = greedy_kcenters(X, k, already_selected=existing)
    ref_picks, ref_radii = brute_force_kcenters(X, k, already_selected=sorted(existing))
    np.testing.assert_array_equal(picks, ref_picks)
    np.testing.assert_allclose(radii, ref_radii, rtol=1e-6, atol=1e-6)
    assert not set(picks) & set(existing)


def test_gaussian_data_and_radii_decrease():
    X = np.random.RandomState(0).randn(300, 8)
    picks, radii = greedy_kcenters(X, 50, random_state=3)
    ref_picks, ref_radii = brute_force_kcenters(X, 50, random_state=3)
    np.testing.assert_array_equal(picks, ref_picks)
    np.testing.assert_allclose(radii, ref_radii, rtol=1e-10)
    assert np.all(np.diff(radii) <= 1e-12)
    assert len(set(picks)) == 50


def test_chunked_traversal_equals_single_chunk(monkeypatch):
    from svpkit.kernels import kcenters

    X = np.random.RandomState(1).randn(500, 6).astype(np.float32)
    whole = greedy_kcenters(X, 40, random_state=0)
    monkeypatch.setattr(kcenters, "_CHUNK_ROWS", 37)
    chunked = greedy_kcenters(X, 40, random_state=0)
    np.testing.assert_array_equal(whole.indices, chunked.indices)
    np.testing.assert_allclose(whole.radii, chunked.radii, rtol=1e-5)


def test_deterministic_with_random_state():
    X = np.random.RandomState(2).randn(400, 5)
    a = greedy_kcenters(X, 20, random_state=7).indices
    b = greedy_kcenters(X, 20, random_state=7).indices
    c = greedy_kcenters(X, 20, random_state=8).indices
    np.testing.assert_array_equal(a, b)
    assert a[0] != c[0] or not np.array_equal(a, c)


def test_torch_backend_equals_numpy():
    X = np.random.RandomState(3).randn(700, 12).astype(np.float32)
    ref = greedy_kcenters(X, 30, already_selected=[5, 9], backend="numpy")
    out = greedy_kcenters(X, 30, already_selected=[5, 9], backend="torch", device="cpu")
    np.testing.assert_array_equal(out.indices, ref.indices)
    np.testing.assert_allclose(out.radii, ref.radii, rtol=1e-5)


@pytest.mark.gpu
@pytest.mark.skipif(not cuda_available(), reason="needs a CUDA device")
def test_torch_backend_on_cuda_equals_numpy():
    X = np.random.RandomState(4).randn(5000, 32).astype(np.float32)
    ref = greedy_kcenters(X, 100, random_state=0, backend="numpy")
    out = greedy_kcenters(X, 100, random_state=0, backend="torch", device="cuda")
    assert len(set(out.indices) & set(ref.indices)) >= 95  # float32 near-ties may differ
    np.testing.assert_allclose(out.radii[-1], ref.radii[-1], rtol=1e-3)


def test_memory_is_linear_in_n_and_independent_of_k():
    n, d = 20_000, 16
    X = np.random.RandomState(0).randn(n, d).astype(np.float32)
    peak_small_k = peak_bytes(lambda: greedy_kcenters(X, 20, random_state=0, algorithm="plain"))
    peak_large_k = peak_bytes(lambda: greedy_kcenters(X, 400, random_state=0, algorithm="plain"))
    k_by_n_matrix = 400 * n * 4
    # Three float32 n-vectors (half norms, running min, one chunk buffer) plus small change.
    assert peak_large_k < 6 * n * 4 + 64_000
    assert peak_large_k < k_by_n_matrix / 10
    assert peak_large_k < 1.5 * peak_small_k + 16_000


def test_memory_with_many_existing_centers_stays_linear():
    n, d = 20_000, 16
    X = np.random.RandomState(0).randn(n, d).astype(np.float64)  # numpy GEMM path
    existing = np.arange(0, n, 4)  # 5,000 existing centers: an n x k matrix would be 800 MB
    peak = peak_bytes(lambda: greedy_kcenters(X, 10, already_selected=existing))
    assert peak < 40e6  # a chunk x k block of ~16 MB, never n x k


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"X": np.zeros(5), "n_centers": 1}, ValueError, "2-D"),
        ({"X": np.full((3, 2), np.nan), "n_centers": 1}, ValueError, "NaN"),
        ({"X": np.full((3, 2), np.nan), "n_centers": 0}, ValueError, "NaN"),
        ({"X": np.array([[0.0, 1.0], [np.inf, 0.0]]), "n_centers": 1}, ValueError, "row 1"),
        # finite in float32 but |x|^2 overflows: expanded-form distances would be inf
        ({"X": np.full((2, 2), 1e30, np.float32), "n_centers": 1}, ValueError, "too large"),
        ({"X": np.zeros((3, 2)), "n_centers": 4}, ValueError, "n_centers=4"),
        ({"X": np.zeros((3, 2)), "n_centers": 2.5}, TypeError, "n_centers"),
        ({"X": np.zeros((3, 2)), "n_centers": 1, "already_selected": [3]}, ValueError, "outside"),
        (
            {"X": np.zeros((3, 2)), "n_centers": 2, "already_selected": [0, 1]},
            ValueError,
            "not already selected",
        ),
        ({"X": np.zeros((3, 2)), "n_centers": 1, "backend": "cuda"}, ValueError, "backend"),
    ],
)
def test_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        greedy_kcenters(**kwargs)


def test_auto_algorithm_switches_to_lazy_on_large_problems(monkeypatch):
    from svpkit.kernels import kcenters

    calls = []
    original = kcenters.lazy_traversal
    monkeypatch.setattr(
        kcenters, "lazy_traversal", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    X = np.random.RandomState(0).randn(2000, 4)
    greedy_kcenters(X, 10, random_state=0)
    assert calls == []
    monkeypatch.setattr(kcenters, "LAZY_THRESHOLD", 1000)
    greedy_kcenters(X, 10, random_state=0)
    assert calls == []  # a pool this small stays in cache: plain is faster
    monkeypatch.setattr(kcenters, "LAZY_MIN_POOL_ELEMENTS", 1000)
    greedy_kcenters(X, 10, random_state=0)
    assert calls == [1]
    with pytest.raises(ValueError, match="algorithm"):
        greedy_kcenters(X, 10, algorithm="fast")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_assign_to_centers_matches_brute_force(dtype):
    from svpkit import assign_to_centers

    X = np.random.RandomState(0).randn(500, 6).astype(dtype)
    centers = greedy_kcenters(X, 25, random_state=0).indices
    assignment, distance = assign_to_centers(X, centers)
    D = np.sqrt(((X[:, None, :].astype(float) - X[centers][None].astype(float)) ** 2).sum(-1))
    np.testing.assert_array_equal(assignment, D.argmin(axis=1))
    np.testing.assert_allclose(distance, D.min(axis=1), rtol=1e-3, atol=1e-3)
    assert np.bincount(assignment, minlength=25).sum() == 500
    assert np.all(distance[centers] < 1e-3)
    with pytest.raises(ValueError, match="outside"):
        assign_to_centers(X, [500])
    with pytest.raises(ValueError, match="non-empty"):
        assign_to_centers(X, [])


def test_estimate_resources_is_linear_and_picks_the_engine():
    from svpkit import estimate_resources

    small = estimate_resources(10_000, 64, 10)
    big = estimate_resources(1_000_000, 512, 1000)
    assert small["algorithm"] == "plain" and big["algorithm"] == "lazy"
    assert big["pool_bytes"] == 1_000_000 * 512 * 4
    assert big["extra_bytes"] < 0.5 * big["pool_bytes"]  # never an n x n or k x n matrix
    assert big["time_class"] == "seconds" and small["time_class"].startswith("interactive")
    twice = estimate_resources(2_000_000, 512, 1000)
    assert twice["extra_bytes"] < 2.2 * big["extra_bytes"]
    # the lazy engine's time is bracketed, GEMM-bound, far below the plain loop's bandwidth bound
    assert 0 < big["lazy_seconds_low"] < big["lazy_seconds_high"] < big["plain_seconds_at_45GBps"]
    assert twice["lazy_seconds_high"] == pytest.approx(2 * big["lazy_seconds_high"])
    assert estimate_resources(10_000_000, 512, 10_000)["time_class"] == "minutes"
    f64 = estimate_resources(1_000_000, 512, 1000, dtype="float64")
    assert f64["lazy_seconds_low"] == pytest.approx(2 * big["lazy_seconds_low"])


@pytest.mark.parametrize(
    "centers", [np.empty((0, 2)), np.ones((2, 3)), np.empty((0, 3))], ids=["none", "wide", "both"]
)
def test_min_distances_to_refuses_no_centers_or_another_width(centers):
    from svpkit.kernels.kcenters import min_distances_to

    X = np.ones((4, 2))
    message = rf"centers must be a non-empty \(n_centers, 2\) array; got \({centers.shape[0]}, "
    with pytest.raises(ValueError, match=message):
        min_distances_to(X, centers)


def test_min_distances_to_reads_centers_in_the_rows_dtype():
    """float64 centers against float32 rows are compared as float32, exactly as float32
    centers would be."""
    from svpkit.kernels.kcenters import min_distances_to

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 7)).astype(np.float32)
    centers = rng.normal(size=(9, 7)) * 1.234567891
    np.testing.assert_array_equal(
        min_distances_to(X, centers), min_distances_to(X, centers.astype(np.float32))
    )
    brute = np.sqrt(((X[:, None, :] - centers[None].astype(np.float32)) ** 2).sum(-1)).min(1)
    np.testing.assert_allclose(min_distances_to(X, centers), brute, rtol=1e-4, atol=1e-4)
