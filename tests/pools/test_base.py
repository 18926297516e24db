"""The checks every pool runs (the strategies themselves are tested in their own modules)."""

import numpy as np
import pytest

from svpkit.pools.base import check_finite, check_pool_array


def test_pool_checks():
    with pytest.raises(ValueError, match="X is 1-D"):
        check_pool_array(np.arange(3))
    check_pool_array(np.zeros((2, 3)))
    X = np.zeros((40, 3), dtype=np.float32)
    X[33, 1] = np.inf
    with pytest.raises(ValueError, match=r"1 of 40 rows \(first: row 33\)"):
        check_finite(X, chunk_rows=8)


def test_finite_rows_whose_sum_overflows_pass_and_every_bad_row_is_found():
    big = np.finfo(np.float32).max
    X = np.zeros((50, 4), dtype=np.float32)
    X[[3, 20, 41]] = big  # finite, but the row sums overflow to inf
    X[7, 0], X[8, 1] = -big, big  # cancels in no particular order: still finite
    check_finite(X, chunk_rows=16)
    X[[5, 30]] = np.nan
    X[45, 2], X[46, 0], X[46, 1] = -np.inf, np.inf, -np.inf  # inf - inf sums to NaN
    with pytest.raises(ValueError, match=r"4 of 50 rows \(first: row 5\)"):
        check_finite(X, chunk_rows=16)


def test_labels_are_checked_against_the_pool():
    from svpkit.pools import InMemoryPool
    from svpkit.selectors import CoresetSelector

    pool = InMemoryPool(np.zeros((2, 3)), CoresetSelector(), reset=True)
    np.testing.assert_array_equal(pool.labels([[1], [0]]), [1, 0])
    with pytest.raises(ValueError, match="3 labels but X has 2 rows"):
        pool.labels([1, 2, 3])
    with pytest.raises(ValueError, match="requires y"):
        pool.labels(None)
