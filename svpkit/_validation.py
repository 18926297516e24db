"""Input and parameter checks with messages that name the parameter and the fix."""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.utils import _safe_indexing

UNLABELED = -1


def check_labels(y: Any) -> np.ndarray:
    """Labels as a 1-D array of class labels (the pool checks that there is one per row)."""
    if y is None:
        raise ValueError(
            "this selector requires y to be passed, but the target y is None: pass one label per "
            "row of X (ProxySelector: -1 marks unlabeled rows)."
        )
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, one label per row; got shape {y.shape}.")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError("y contains NaN or inf; mark unlabeled rows with -1 instead.")
    if y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
        raise ValueError(
            "Unknown label type: y looks continuous. Selectors rank data for classification; "
            "pass class labels."
        )
    return y


def unlabeled_mask(y: np.ndarray) -> np.ndarray:
    """Rows marked unlabeled (y == -1), scikit-learn's semi-supervised convention."""
    if y.dtype.kind in "iuf":
        return y == UNLABELED
    if y.dtype.kind == "O":
        return np.array([isinstance(v, (int, np.integer)) and v == UNLABELED for v in y])
    return np.zeros(len(y), dtype=bool)


def check_fraction(fraction: Any, name: str = "fraction", of: str = "the candidate rows") -> None:
    """Validate a share in (0, 1] or a positive int count (the pool size is checked later)."""
    if isinstance(fraction, bool) or not isinstance(fraction, (Integral, Real)):
        raise TypeError(
            f"{name} must be a float in (0, 1] or a positive int count; got {fraction!r}."
        )
    if isinstance(fraction, Integral):
        if fraction < 1:
            raise ValueError(f"{name}={fraction} as an int is a row count and must be >= 1.")
    elif not (0.0 < float(fraction) <= 1.0):
        raise ValueError(
            f"{name}={fraction} is outside (0, 1]. Pass a float share of {of}, e.g. 0.5, or an "
            "int count of rows."
        )


def rows_for_share(share: float, n_rows: int) -> int:
    """The rounding rule for shares, used everywhere: ``ceil(share * n_rows)``, at least 1.

    A tolerance of 1e-9 keeps float noise from adding a row (``0.1 * 1400`` keeps 140).

    Examples
    --------
    >>> from svpkit._validation import rows_for_share
    >>> rows_for_share(0.5, 7), rows_for_share(0.08, 1400), rows_for_share(0.001, 10)
    (4, 112, 1)
    """
    return max(1, min(n_rows, math.ceil(float(share) * n_rows - 1e-9)))


def n_to_select(fraction: float | int, n_candidates: int, what: str, name: str = "fraction") -> int:
    """Rows to keep: :func:`rows_for_share` for a float, the count itself for an int."""
    check_fraction(fraction, name)
    if isinstance(fraction, Integral):
        if fraction > n_candidates:
            raise ValueError(
                f"{name}={fraction} asks for more rows than the {n_candidates} {what}; pass "
                f"at most {n_candidates}, or a float in (0, 1]."
            )
        return int(fraction)
    if n_candidates == 0:
        raise ValueError(f"there are no {what} to select from.")
    return rows_for_share(fraction, n_candidates)


def check_bool(value: Any, name: str) -> None:
    """Flags are real booleans (``np.bool_`` included), not truthy strings."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}.")


def take_rows(X: Any, rows: np.ndarray) -> Any:
    """``X[rows]`` in its own container (numpy, pandas, list, sparse), else as numpy."""
    if type(X).__module__.startswith("dask.array"):
        return X[rows]
    if hasattr(X, "iloc") or hasattr(X, "__getitem__"):
        return _safe_indexing(X, rows)
    return np.asarray(X)[rows]
