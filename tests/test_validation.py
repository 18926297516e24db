"""Input and parameter checks: the rounding rule, labels, pools, containers."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.utils._param_validation import InvalidParameterError

from svpkit import _validation as v


@pytest.mark.parametrize(
    ("share", "n", "expected"),
    [(0.5, 7, 4), (0.5, 8, 4), (0.1, 1400, 140), (0.08, 1400, 112), (1e-6, 10, 1), (1.0, 3, 3)],
)
def test_rows_for_share_rounds_up_with_a_float_tolerance(share, n, expected):
    assert v.rows_for_share(share, n) == expected


def test_n_to_select_counts_and_shares():
    assert v.n_to_select(None, 5, 10, "rows") == 5
    assert v.n_to_select(0.25, None, 10, "rows") == 3
    assert v.n_to_select(None, None, 10, "rows") == 5  # neither set: half
    assert v.n_to_select(1, None, 10, "rows") == 10  # 1 and 1.0 both mean everything
    with pytest.raises(ValueError, match="n_select=5 asks for more rows than the 4 unlabeled"):
        v.n_to_select(None, 5, 4, "unlabeled rows")
    with pytest.raises(ValueError, match="no rows to select from"):
        v.n_to_select(0.5, None, 0, "rows")


def test_share_of():
    assert v.share_of(None, None) == 0.5
    assert v.share_of(0.2, None) == 0.2
    assert v.share_of(None, 7) is None


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (0, r"must be in \(0, 1\]"),
        (1.5, r"must be in \(0, 1\]"),
        (0.0, r"must be in \(0, 1\]"),
        (50, "fraction=50 is an int > 1. To keep 50 rows write n_select=50"),
        (True, "must be a float in"),
        ("half", "must be a float in"),
    ],
)
def test_check_fraction_names_the_parameter_and_the_fix(value, match):
    with pytest.raises(InvalidParameterError, match=match):
        v.check_fraction(value)


def test_check_fraction_accepts_shares_and_one():
    for value in (1, 1.0, 0.5, np.float32(0.25), np.int64(1)):
        v.check_fraction(value)


@pytest.mark.parametrize(
    ("value", "match"),
    [(0, "row count and must be >= 1"), (1.5, r"outside \(0, 1\]"), ("x", "int count")],
)
def test_check_size_for_schedules(value, match):
    with pytest.raises(InvalidParameterError, match=f"initial_size.*{match}|{match}"):
        v.check_size(value, "initial_size")
    v.check_size(3, "initial_size")
    v.check_size(0.5, "initial_size")


def test_check_labels_checks_the_form():
    np.testing.assert_array_equal(v.check_labels([[1], [2]]), [1, 2])
    for y, match in [(None, "requires y"), (np.zeros((2, 2)), "must be 1-D")]:
        with pytest.raises(ValueError, match=match):
            v.check_labels(y)


def test_check_label_values_on_the_labeled_rows():
    labeled = np.arange(2)
    with pytest.raises(ValueError, match="continuous"):
        v.check_label_values(np.array([0.5, 1.0]), labeled, -1)
    with pytest.raises(ValueError, match="NaN or inf in 1 labeled rows.*missing_label=None"):
        v.check_label_values(np.array([np.nan, 1.0]), labeled, -1)
    with pytest.raises(ValueError, match="Every row needs a label here"):
        v.check_label_values(np.array(["a", None], dtype=object), labeled, v.NO_MARKER)
    # an unlabeled NaN row is fine once it is outside the labeled rows
    v.check_label_values(np.array([np.nan, 1.0]), np.array([1]), np.nan)


@pytest.mark.parametrize(
    "y", [np.array(["a", "-1", "b"]), np.array(["a", "-1", "b"], dtype=object)]
)
def test_a_string_spelled_like_the_numeric_marker_is_an_error(y):
    with pytest.raises(ValueError, match="string '-1' in 1 rows.*missing_label='-1'"):
        v.check_label_values(y, np.arange(3), -1)
    v.check_label_values(y, np.arange(3), v.NO_MARKER)  # a core-set: "-1" is just a class


@pytest.mark.parametrize(
    ("y", "marker", "expected"),
    [
        (np.array([-1, 0, 2]), -1, [True, False, False]),
        (np.array([-1.0, 1.0]), -1, [True, False]),
        (np.array([np.nan, 1.0]), np.nan, [True, False]),
        (np.array([np.nan, 1.0]), None, [True, False]),
        (np.array([-1, "a"], dtype=object), -1, [True, False]),
        (np.array(["a", None, np.nan], dtype=object), None, [False, True, True]),
        (np.array(["a", None], dtype=object), np.nan, [False, True]),
        (np.array(["a", "-1"]), -1, [False, False]),
        (np.array(["a", "?"]), "?", [False, True]),
        (np.array(["a", "?", 3], dtype=object), "?", [False, True, False]),
        (np.array([0, 1]), None, [False, False]),
    ],
)
def test_missing_mask_per_label_type(y, marker, expected):
    np.testing.assert_array_equal(v.missing_mask(y, marker), expected)


def test_missing_mask_rejects_a_marker_of_the_wrong_type():
    with pytest.raises(TypeError, match="missing_label='\\?' is a string but y holds numbers"):
        v.missing_mask(np.array([0, 1]), "?")
    with pytest.raises(InvalidParameterError, match="'missing_label' parameter must be"):
        v.check_missing_label([1])


def test_take_rows_keeps_the_container():
    rows = np.array([2, 0])
    frame = pd.DataFrame({"a": [1, 2, 3]}, index=[10, 11, 12])
    assert list(v.take_rows(frame, rows).index) == [12, 10]
    assert sp.issparse(v.take_rows(sp.csr_matrix(np.eye(3)), rows))
    assert v.take_rows(["x", "y", "z"], rows) == ["z", "x"]
    np.testing.assert_array_equal(v.take_rows(np.arange(3), rows), [2, 0])


def test_one_sampled_rows_fingerprint_for_every_container_and_both_users(tmp_path):
    from svpkit._validation import (
        FINGERPRINT_SAMPLE_ROWS,
        array_fingerprint,
        sampled_rows_fingerprint,
    )
    from svpkit.selectors import KnnCandidates

    X = np.random.RandomState(0).randn(3000, 4).astype(np.float32)
    np.save(tmp_path / "pool.npy", X)
    mapped = np.load(tmp_path / "pool.npy", mmap_mode="r")
    key = sampled_rows_fingerprint(X, 1024)
    assert sampled_rows_fingerprint(mapped, 1024) == key
    changed = X.copy()
    changed[-1] += 1  # the last row is always sampled
    assert sampled_rows_fingerprint(changed, 1024) != key
    # The saved KnnCandidates key and the memory map's fingerprint are this one function.
    assert KnnCandidates(n_neighbors=2).fit(X).pool_key_ == key
    assert array_fingerprint(mapped)[-1] == sampled_rows_fingerprint(X, FINGERPRINT_SAMPLE_ROWS)
