"""Input and parameter checks: the rounding rule, labels, pools, containers."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from svpkit import _validation as v


@pytest.mark.parametrize(
    ("share", "n", "expected"),
    [(0.5, 7, 4), (0.5, 8, 4), (0.1, 1400, 140), (0.08, 1400, 112), (1e-6, 10, 1), (1.0, 3, 3)],
)
def test_rows_for_share_rounds_up_with_a_float_tolerance(share, n, expected):
    assert v.rows_for_share(share, n) == expected


def test_n_to_select_counts_and_shares():
    assert v.n_to_select(5, 10, "rows") == 5
    assert v.n_to_select(0.25, 10, "rows") == 3
    with pytest.raises(ValueError, match="more rows than the 4 unlabeled rows"):
        v.n_to_select(5, 4, "unlabeled rows")
    with pytest.raises(ValueError, match="no rows to select from"):
        v.n_to_select(0.5, 0, "rows")


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (0, ValueError, "row count and must be >= 1"),
        (1.5, ValueError, r"outside \(0, 1\]"),
        (0.0, ValueError, r"outside \(0, 1\]"),
        (True, TypeError, "float in"),
        ("half", TypeError, "float in"),
        (None, TypeError, "float in"),
    ],
)
def test_check_fraction_names_the_parameter(value, error, match):
    with pytest.raises(error, match=match):
        v.check_fraction(value)
    with pytest.raises(error, match="initial_size"):
        v.check_fraction(value, "initial_size", of="the pool")


def test_check_labels():
    np.testing.assert_array_equal(v.check_labels([[1], [2]]), [1, 2])
    for y, match in [
        (None, "requires y"),
        (np.zeros((2, 2)), "must be 1-D"),
        ([0.5, 1.0], "continuous"),
        ([np.nan, 1.0], "NaN or inf"),
    ]:
        with pytest.raises(ValueError, match=match):
            v.check_labels(y)


def test_unlabeled_mask_per_label_type():
    np.testing.assert_array_equal(v.unlabeled_mask(np.array([-1, 0, 2])), [True, False, False])
    np.testing.assert_array_equal(v.unlabeled_mask(np.array([-1.0, 1.0])), [True, False])
    np.testing.assert_array_equal(
        v.unlabeled_mask(np.array([-1, "a"], dtype=object)), [True, False]
    )
    np.testing.assert_array_equal(v.unlabeled_mask(np.array(["a", "-1"])), [False, False])


def test_check_bool():
    with pytest.raises(TypeError, match="class_balance must be True or False"):
        v.check_bool("yes", "class_balance")
    v.check_bool(np.bool_(True), "class_balance")


def test_take_rows_keeps_the_container():
    rows = np.array([2, 0])
    frame = pd.DataFrame({"a": [1, 2, 3]}, index=[10, 11, 12])
    assert list(v.take_rows(frame, rows).index) == [12, 10]
    assert sp.issparse(v.take_rows(sp.csr_matrix(np.eye(3)), rows))
    assert v.take_rows(["x", "y", "z"], rows) == ["z", "x"]
    np.testing.assert_array_equal(v.take_rows(np.arange(3), rows), [2, 0])
