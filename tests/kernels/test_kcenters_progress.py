"""The ``progress`` hook of greedy k-centers: counts add up, few calls, same picks."""

import numpy as np
import pytest

from svpkit import greedy_kcenters


@pytest.fixture(scope="module")
def pool():
    return np.random.RandomState(0).randn(3000, 8).astype(np.float32)


@pytest.mark.parametrize("algorithm", ["plain", "lazy"])
@pytest.mark.parametrize("existing", [None, np.arange(0, 3000, 50)])
@pytest.mark.parametrize("k", [1, 7, 1000])
def test_progress_counts_add_up_in_few_calls_and_keep_the_picks(pool, algorithm, existing, k):
    calls = []
    with_progress = greedy_kcenters(
        pool,
        k,
        already_selected=existing,
        random_state=0,
        algorithm=algorithm,
        progress=calls.append,
    )
    without = greedy_kcenters(
        pool, k, already_selected=existing, random_state=0, algorithm=algorithm
    )
    np.testing.assert_array_equal(with_progress.indices, without.indices)
    np.testing.assert_array_equal(with_progress.radii, without.radii)
    assert sum(calls) == len(with_progress.indices) == k
    assert all(isinstance(c, int) and c > 0 for c in calls)
    assert len(calls) <= 101  # batched: never one call per row, nor per pick for large k
    if k == 1000:
        assert len(calls) >= 10  # and still a live progress signal


def test_progress_with_existing_as_search_and_torch_backend(pool):
    existing = np.arange(0, 3000, 50)
    calls = []
    result = greedy_kcenters(
        pool,
        300,
        already_selected=existing,
        algorithm="lazy",
        existing_as="search",
        progress=calls.append,
    )
    assert sum(calls) == len(result.indices) == 300 and len(calls) <= 101
    pytest.importorskip("torch")
    calls = []
    result = greedy_kcenters(pool, 50, random_state=0, backend="torch", progress=calls.append)
    assert sum(calls) == len(result.indices) == 50 and len(calls) <= 101


def test_progress_no_picks_no_call_and_bad_callback(pool):
    calls = []
    assert len(greedy_kcenters(pool, 0, progress=calls.append).indices) == 0
    assert calls == []
    with pytest.raises(TypeError, match="'progress' parameter .* must be a callable"):
        greedy_kcenters(pool, 3, progress=5)
