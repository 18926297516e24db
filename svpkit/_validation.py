"""Input and parameter checks with messages that name the parameter and the fix."""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np
import scipy.sparse
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import Interval, InvalidParameterError


class Count(Interval):
    """scikit-learn's ``Interval(Integral, ...)`` constraint, refusing bools (``True`` is not a
    count of rows, though Python calls it an int).

    Examples
    --------
    >>> from svpkit._validation import Count
    >>> at_least_one = Count(1, None, closed="left")
    >>> at_least_one.is_satisfied_by(3), at_least_one.is_satisfied_by(True), str(at_least_one)
    (True, False, 'an int in the range [1, inf)')
    """

    def __init__(self, left: int | None, right: int | None, *, closed: str) -> None:
        super().__init__(Integral, left, right, closed=closed)

    def is_satisfied_by(self, val: Any) -> bool:
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


#: What ``fraction`` means when neither ``fraction`` nor ``n_select`` is set.
DEFAULT_FRACTION = 0.5


def check_labels(y: Any) -> np.ndarray:
    """Labels as a 1-D array (the pool checks that there is one per row; the selector checks
    the values once it knows which rows are unlabeled)."""
    if y is None:
        raise ValueError(
            "this selector requires y to be passed, but the target y is None: pass one label per "
            "row of X (ProxySelector: missing_label, default -1, marks unlabeled rows)."
        )
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, one label per row; got shape {y.shape}.")
    return y


def check_labels_per_row(y: Any, n_rows: int) -> np.ndarray:
    """:func:`check_labels`, and exactly one label per row of the pool."""
    y = check_labels(y)
    if len(y) != n_rows:
        raise ValueError(
            f"y has {len(y)} labels but X has {n_rows} rows; pass exactly one label per row."
        )
    return y


def check_finite(X: np.ndarray, chunk_rows: int = 16384, *, first_row: int = 0) -> None:
    """Reject NaN/inf, in row chunks so a memory-mapped pool is never copied whole.

    A row holding NaN or inf has a non-finite sum, so one summing pass (no boolean
    temporaries: 3x faster, about one read of the pool) finds every candidate; only the rows
    it flags, which may also be finite rows whose sum overflows, are checked entry by entry.
    ``first_row`` is the pool row of ``X[0]`` when ``X`` is a block of a larger pool (for the
    message).
    """
    flat = X.reshape(len(X), -1)
    bad = np.zeros(len(X), dtype=bool)
    for start in range(0, len(X), chunk_rows):
        block = flat[start : start + chunk_rows]
        with np.errstate(over="ignore", invalid="ignore"):
            flagged = np.flatnonzero(~np.isfinite(np.einsum("ij->i", block)))
        if flagged.size:
            bad[start + flagged] = ~np.isfinite(block[flagged]).all(axis=1)
    if bad.any():
        raise ValueError(
            f"X contains NaN or inf in {int(bad.sum())} of {len(X)} rows (first: row "
            f"{first_row + int(np.flatnonzero(bad)[0])}). Impute them (e.g. "
            "sklearn.impute.SimpleImputer) or drop those rows before selecting."
        )


class _NoMarker:
    def __repr__(self) -> str:
        return "<no missing label>"


#: ``missing_label`` of selectors that have none (every row is labeled; ``-1`` is a class).
NO_MARKER: Any = _NoMarker()


def _is_nan(value: Any) -> bool:
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def is_number(value: Any) -> bool:
    return isinstance(value, (Integral, Real)) and not isinstance(value, (bool, np.bool_))


def _is_missing_value(value: Any) -> bool:
    return value is None or _is_nan(value)


def missing_mask(y: np.ndarray, missing_label: Any) -> np.ndarray:
    """Rows whose label is ``missing_label`` (scikit-activeml's convention).

    ``None`` and ``np.nan`` match missing values (None or NaN) in object and float labels; a
    number matches equal numbers (in numeric labels, or numeric entries of object labels); a
    string matches equal strings.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit._validation import missing_mask
    >>> missing_mask(np.array([0, -1, 2]), -1).tolist()
    [False, True, False]
    >>> missing_mask(np.array(["cat", None], dtype=object), None).tolist()
    [False, True]
    """
    kind = y.dtype.kind
    if _is_missing_value(missing_label):
        if kind == "f":
            return np.isnan(y)
        if kind == "O":
            return np.fromiter((_is_missing_value(v) for v in y), dtype=bool, count=len(y))
        return np.zeros(len(y), dtype=bool)
    if isinstance(missing_label, str):
        if kind in "iufb":
            raise TypeError(
                f"missing_label={missing_label!r} is a string but y holds numbers ({y.dtype}); "
                "pass a number such as missing_label=-1."
            )
        if kind == "O":
            return np.fromiter(
                (isinstance(v, str) and v == missing_label for v in y), dtype=bool, count=len(y)
            )
        return y == missing_label
    check_missing_label(missing_label)
    if kind in "iuf":
        return y == missing_label
    if kind == "O":
        return np.fromiter(
            (is_number(v) and v == missing_label for v in y), dtype=bool, count=len(y)
        )
    return np.zeros(len(y), dtype=bool)


def check_missing_label(missing_label: Any) -> None:
    """``missing_label`` is a number, a string, None or NaN."""
    if not (
        _is_missing_value(missing_label)
        or isinstance(missing_label, str)
        or is_number(missing_label)
    ):
        raise InvalidParameterError(
            f"The 'missing_label' parameter must be a number, a string, None or np.nan; got "
            f"{missing_label!r}."
        )


def check_label_values(
    y: np.ndarray, labeled: np.ndarray, missing_label: Any, *, continuous: bool = False
) -> None:
    """The labeled rows hold class labels (or, with ``continuous``, finite numbers too: a
    regression target), and nothing in them looks like another marker.

    ``missing_label=NO_MARKER`` means the selector has no marker (every row is labeled);
    ``None`` is a marker like any other (it matches None and NaN labels).
    """
    values = y[labeled]
    kind = values.dtype.kind
    fix = (
        "Every row needs a label here: drop the unlabeled rows, or use ProxySelector, whose "
        "missing_label marks them."
        if missing_label is NO_MARKER
        else f"If they mark unlabeled rows, pass missing_label=None (or np.nan); now "
        f"missing_label={missing_label!r}."
    )
    if kind == "f":
        bad = ~np.isfinite(values)
        if bad.any():
            raise ValueError(f"y contains NaN or inf in {int(bad.sum())} labeled rows. {fix}")
        if not continuous and not np.all(np.mod(values, 1) == 0):
            raise ValueError(
                "Unknown label type: y looks continuous, but task='classification' ranks "
                "data for class labels. Pass class labels, or task='regression' (the default "
                "task=None reads continuous values as a regression target)."
            )
    elif kind == "O":
        n_missing = sum(_is_missing_value(v) for v in values)
        if n_missing:
            raise ValueError(f"y contains None or NaN in {n_missing} labeled rows. {fix}")
    if missing_label is NO_MARKER or not is_number(missing_label) or kind not in "OUS":
        return
    # Text labels with a numeric marker: a label spelled like the marker is almost surely meant
    # as one, and would otherwise silently become a class.
    spelled = str(missing_label)
    n_spelled = int(sum(isinstance(v, str) and v == spelled for v in values))
    if n_spelled:
        raise ValueError(
            f"y holds the string {spelled!r} in {n_spelled} rows, but missing_label="
            f"{missing_label!r} (a number) marks unlabeled rows, so they would become a class. "
            f"With string labels pass missing_label={spelled!r} (or None, marking rows with "
            "None)."
        )


def check_fraction(
    fraction: Any, name: str = "fraction", of: str = "the candidate rows", owner: str = ""
) -> None:
    """A share in (0, 1]; ``1`` and ``1.0`` both mean everything. Counts go in ``n_select``.

    Messages follow scikit-learn's ("The 'fraction' parameter of <owner> must be ...").
    """
    param = f"The {name!r} parameter" + (f" of {owner}" if owner else "")
    if isinstance(fraction, bool) or not isinstance(fraction, (Integral, Real)):
        raise InvalidParameterError(
            f"{param} must be a float in (0, 1], a share of {of}; got {fraction!r}. For a "
            "number of rows pass n_select=."
        )
    if isinstance(fraction, Integral) and fraction > 1:
        raise InvalidParameterError(
            f"{param} must be a share of {of} in (0, 1]: {name}={fraction} is an int > 1. To "
            f"keep {fraction} rows write n_select={fraction} (and leave {name} unset)."
        )
    if not (0.0 < float(fraction) <= 1.0):
        raise InvalidParameterError(
            f"{param} must be in (0, 1], a share of {of} (e.g. 0.5); got {fraction!r}. For a "
            "number of rows pass n_select=."
        )


def check_size(value: Any, name: str, of: str = "the pool") -> None:
    """A schedule entry: an int count >= 1, or a float share in (0, 1]."""
    if isinstance(value, bool) or not isinstance(value, (Integral, Real)):
        raise InvalidParameterError(
            f"{name} must be an int count or a float share in (0, 1]; got {value!r}."
        )
    if isinstance(value, Integral):
        if value < 1:
            raise InvalidParameterError(
                f"{name}={value} as an int is a row count and must be >= 1."
            )
    elif not (0.0 < float(value) <= 1.0):
        raise InvalidParameterError(
            f"{name}={value} is outside (0, 1]. Pass a float share of {of}, e.g. 0.1, or an "
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


def n_to_select(fraction: float | None, n_select: int | None, n_candidates: int, what: str) -> int:
    """Rows to keep: ``n_select`` when set, else :func:`rows_for_share` of ``fraction``."""
    if n_candidates == 0:
        raise ValueError(f"there are no {what} to select from.")
    if n_select is not None:
        if n_select > n_candidates:
            raise ValueError(
                f"n_select={n_select} asks for more rows than the {n_candidates} {what}; pass "
                f"at most {n_candidates}, or a fraction in (0, 1]."
            )
        return int(n_select)
    return rows_for_share(DEFAULT_FRACTION if fraction is None else fraction, n_candidates)


def share_of(fraction: float | None, n_select: int | None) -> float | None:
    """The share a selection keeps (None for an absolute ``n_select``)."""
    if n_select is not None:
        return None
    return float(DEFAULT_FRACTION if fraction is None else fraction)


def is_image_folder(X: Any) -> bool:
    """Whether ``X`` is an :class:`svpkit.images.ImageFolder` (without importing torch or
    Pillow for anyone who has not made one)."""
    folder = sys.modules.get("svpkit.images.folder")
    return folder is not None and isinstance(X, folder.ImageFolder)


def is_torch_dataset(X: Any) -> bool:
    """Whether ``X`` is a map-style ``torch.utils.data.Dataset`` (image folders included),
    without importing torch where nothing has."""
    data = sys.modules.get("torch.utils.data")
    return data is not None and isinstance(X, data.Dataset) and hasattr(X, "__len__")


def take_rows(X: Any, rows: np.ndarray) -> Any:
    """``X[rows]`` in its own container (numpy, pandas, list, sparse, an image folder's view, a
    torch ``Subset``), else as numpy."""
    if type(X).__module__.startswith("dask.array"):
        return X[rows]
    if is_image_folder(X):
        return X.take(rows)
    if is_torch_dataset(X):
        from torch.utils.data import Subset

        return Subset(X, np.asarray(rows, dtype=np.int64).tolist())
    if scipy.sparse.issparse(X):
        return X.tocsr()[rows]  # COO, DIA, BSR have no row indexing
    if hasattr(X, "iloc") or hasattr(X, "__getitem__"):
        return _safe_indexing(X, rows)
    return np.asarray(X)[rows]


def is_text(X: Any) -> bool:
    """Whether ``X`` is a 1-D collection of strings (a list, array or pandas Series of str).

    Examples
    --------
    >>> from svpkit._validation import is_text
    >>> is_text(["a cat", "a dog"]), is_text([[1.0, 2.0]])
    (True, False)
    """
    if isinstance(X, str) or isinstance(X, Mapping):
        return False
    if hasattr(X, "dtype") and getattr(X, "ndim", 1) == 1:
        if X.dtype.kind in "US":
            return True
        if X.dtype.kind != "O" or len(X) == 0:
            return False
        first = X.iloc[0] if hasattr(X, "iloc") else X[0]
        return isinstance(first, str)
    if isinstance(X, (list, tuple)) and len(X) > 0:
        return isinstance(X[0], str)
    return False


#: Rows hashed from a memory-mapped array for its fingerprint (with the file's identity).
FINGERPRINT_SAMPLE_ROWS = 256


def sampled_rows_fingerprint(X: Any, max_rows: int, n_rows: int | None = None) -> str:
    """A cheap identity of a pool's content: a hash of its shape and of at most ``max_rows``
    evenly spaced rows (the first and the last among them).

    Reads any container :func:`take_rows` reads (numpy, memory maps, pandas, sparse, lists of
    strings, dask); an array in memory and a memory map of the same rows give the same value.
    Hashing a 5 GB pool whole would cost a read of it for every fit; a sample recognises the
    pool, not every edit of it.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit._validation import sampled_rows_fingerprint
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> sampled_rows_fingerprint(X, 4) == sampled_rows_fingerprint(X.copy(), 4)
    True
    >>> Y = X.copy(); Y[1] = -1    # a row between the sampled ones (0, 3, 6, 9)
    >>> sampled_rows_fingerprint(Y, 4) == sampled_rows_fingerprint(X, 4)
    True
    """
    import joblib

    n_rows = len(X) if n_rows is None else n_rows
    shape = tuple(np.shape(X)) if hasattr(X, "shape") else (n_rows,)
    rows = np.unique(np.linspace(0, n_rows - 1, min(n_rows, max_rows)).astype(np.int64))
    sample = take_rows(X, rows)
    if type(sample).__module__.startswith("dask"):
        sample = sample.compute()
    return joblib.hash((shape, sample))


def memmap_source(X: Any) -> np.memmap | None:
    """The ``np.memmap`` behind ``X`` (itself, or the base of a view), or None."""
    while X is not None:
        if isinstance(X, np.memmap) and getattr(X, "filename", None):
            return X
        X = getattr(X, "base", None)
    return None


def array_fingerprint(X: np.ndarray) -> tuple:
    """What identifies an array's content, for recognising a pool seen before.

    An array in memory is hashed whole. A memory-mapped one is identified by its file (path,
    size, modification time), its place in the file and
    :func:`sampled_rows_fingerprint` of :data:`FINGERPRINT_SAMPLE_ROWS` rows: hashing a 5 GB
    map whole takes 10 s, a full read of the pool, for every ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit._validation import array_fingerprint
    >>> array_fingerprint(np.zeros((3, 2))) == array_fingerprint(np.zeros((3, 2)))
    True
    """
    import os

    import joblib

    source = memmap_source(X)
    if source is None:
        return (X.shape, joblib.hash(X))
    stat = os.stat(source.filename)
    start = X.__array_interface__["data"][0] - source.__array_interface__["data"][0]
    return (
        X.shape,
        X.strides,
        str(X.dtype),
        os.path.abspath(source.filename),
        int(source.offset) + int(start),
        stat.st_size,
        stat.st_mtime_ns,
        sampled_rows_fingerprint(X, FINGERPRINT_SAMPLE_ROWS),
    )


# -- proxy outputs -------------------------------------------------------------------------------


class SelectionWarning(UserWarning):
    """A selection ran, but its result may not mean what it seems.

    Issued when the proxy cannot rank the rows: every candidate gets the same
    score (its training diverged or learned nothing, so the ranking is arbitrary), or its
    training loss was not finite. Turn it into an error where a silent bad selection costs
    more than a stopped run: ``warnings.simplefilter("error", svpkit.SelectionWarning)``.

    Examples
    --------
    >>> import warnings
    >>> from svpkit import SelectionWarning
    >>> issubclass(SelectionWarning, UserWarning)
    True
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("every candidate gets the same score", SelectionWarning)
    >>> caught[0].category.__name__
    'SelectionWarning'
    """


#: How far a row of a proxy's probabilities may sum from 1 (float32 rounding is far smaller).
PROBA_SUM_TOLERANCE = 1e-3
#: How far below 0 a probability may be (rounding) before it is refused.
PROBA_NEGATIVE_TOLERANCE = 1e-6
#: Rows per block when a whole output array is checked: bounds the temporaries.
CHECK_BLOCK_ROWS = 1 << 15

_DIVERGED_FIX = (
    "Its training probably diverged: scale the features (e.g. sklearn.preprocessing."
    "StandardScaler), lower the learning rate, or check the proxy."
)


def n_classes_of(estimator: Any) -> int | None:
    """``len(estimator.classes_)``, or None where it has none (yet).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from svpkit._validation import n_classes_of
    >>> n_classes_of(LogisticRegression().fit([[0], [1], [2]], [0, 1, 2])), n_classes_of(None)
    (3, None)
    """
    try:
        return len(estimator.classes_)
    except (AttributeError, TypeError):  # no classes_, or skorch's "not inferred yet"
        return None


class ProxyOutputCheck:
    """Checks a proxy's outputs as they are read, block by block: one vectorised pass per
    block, refusing what no proxy can mean (a ``ValueError`` that names the proxy and what
    is wrong).

    Probabilities must have one row per scored row, one column per class the proxy was
    trained on (more are accepted from a torch net, ``extra_columns``: a fixed-size head may
    have classes no labeled row holds yet), no NaN or inf, no negative value and rows that
    sum to 1 within :data:`PROBA_SUM_TOLERANCE`. Embeddings must be finite.

    Parameters
    ----------
    proxy : estimator
        The fitted proxy (named in the messages).
    n_rows : int
        Rows that are scored.
    n_classes : int or None, default=None
        Classes the proxy was trained on (None: not checked).
    extra_columns : bool, default=False
        Accept more probability columns than classes.
    name : str or None, default=None
        Who returned the outputs, in the messages (None: ``proxy <its class name>``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from svpkit._validation import ProxyOutputCheck
    >>> check = ProxyOutputCheck(LogisticRegression(), n_rows=2, n_classes=2)
    >>> check.proba(np.array([[0.2, 0.8], [0.5, 0.5]]))  # fine: nothing happens
    >>> check.rows(2)
    >>> check.proba(np.array([[0.2, np.nan]]), start=1)
    Traceback (most recent call last):
    ...
    ValueError: proxy LogisticRegression returned NaN or inf probabilities (first at row 1)...
    """

    def __init__(
        self,
        proxy: Any,
        n_rows: int,
        n_classes: int | None = None,
        *,
        extra_columns: bool = False,
        name: str | None = None,
    ) -> None:
        self.name = name if name is not None else f"proxy {type(proxy).__name__}"
        self.n_rows = int(n_rows)
        self.n_classes = n_classes
        self.extra_columns = extra_columns

    def rows(self, n_read: int, what: str = "probabilities") -> None:
        """Refuse outputs for another number of rows than were scored."""
        if n_read != self.n_rows:
            raise ValueError(
                f"{self.name} returned {what} for {n_read} rows, but {self.n_rows} rows were "
                "scored; it must return exactly one row of outputs per input row, in order."
            )

    def proba(self, block: np.ndarray, start: int = 0) -> None:
        """Check one block of probabilities (``start``: the row of its first)."""
        block = np.asarray(block)
        if block.ndim != 2:
            raise ValueError(
                f"{self.name} returned probabilities of shape {block.shape}; predict_proba must "
                "return a 2-D array, one row per sample and one column per class."
            )
        columns = block.shape[1]
        if self.n_classes is not None and (
            columns < self.n_classes or (columns > self.n_classes and not self.extra_columns)
        ):
            raise ValueError(
                f"{self.name} returned {columns} columns of probabilities, but it was trained on "
                f"{self.n_classes} classes; predict_proba must return one column per class in "
                "its classes_."
            )
        if block.size == 0:
            return
        # The row sums serve twice: a NaN or inf anywhere in a row makes its sum non-finite
        # (float64 sums of float32 values cannot overflow), and they must be 1.
        sums = block.sum(axis=1, dtype=np.float64)
        if not np.isfinite(sums).all():
            row = start + int(np.flatnonzero(~np.isfinite(block).all(axis=1))[0])
            raise ValueError(
                f"{self.name} returned NaN or inf probabilities (first at row {row}). "
                + _DIVERGED_FIX
            )
        if block.min() < -PROBA_NEGATIVE_TOLERANCE:
            bad = np.flatnonzero(block.min(axis=1) < -PROBA_NEGATIVE_TOLERANCE)[0]
            raise ValueError(
                f"{self.name} returned negative probabilities (first at row {start + int(bad)}: "
                f"{float(block[bad].min()):.6g}); predict_proba must return a distribution "
                "over the classes per row (e.g. a softmax), not scores or logits."
            )
        off = np.abs(sums - 1.0)
        if off.max() > PROBA_SUM_TOLERANCE:
            bad = int(np.argmax(off > PROBA_SUM_TOLERANCE))
            raise ValueError(
                f"{self.name} returned probabilities whose rows do not sum to 1 (row "
                f"{start + bad} sums to {float(sums[bad]):.6g}; "
                f"tolerance {PROBA_SUM_TOLERANCE:g}); predict_proba must return a distribution "
                "over the classes per row (e.g. a softmax)."
            )

    def label_proba(self, block: np.ndarray, n_labels: int) -> None:
        """Check a multi-label proxy's per-label probabilities: one column per label, every
        entry finite and in [0, 1] (rows need not sum to 1)."""
        block = np.asarray(block)
        if block.ndim != 2 or block.shape[1] != n_labels:
            raise ValueError(
                f"{self.name} returned per-label probabilities of shape {block.shape}, but y "
                f"has {n_labels} labels; predict_proba must give one column per label (or one "
                "(n_rows, 2) array per label)."
            )
        self.rows(len(block), "per-label probabilities")
        bad = ~np.isfinite(block).all(axis=1)
        bad |= (block < -PROBA_NEGATIVE_TOLERANCE).any(axis=1)
        bad |= (block > 1 + PROBA_SUM_TOLERANCE).any(axis=1)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{self.name} returned per-label probabilities outside [0, 1] or not finite "
                f"(first at row {row}: {block[row][:5].tolist()}). " + _DIVERGED_FIX
            )

    def embedding(self, block: np.ndarray, start: int = 0) -> None:
        """Check one block of embeddings: finite (one summing pass, no temporary: a NaN or
        inf makes the sum non-finite; only then, or on an overflow of the sum, are the
        entries looked at)."""
        if not block.size:
            return
        flat = block.reshape(len(block), -1)
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.einsum("ij->", flat)
        if not np.isfinite(total) and not np.isfinite(flat).all():
            row = start + int(np.flatnonzero(~np.isfinite(flat).all(axis=1))[0])
            raise ValueError(
                f"{self.name} returned NaN or inf embeddings (first at row {row}). " + _DIVERGED_FIX
            )

    def proba_array(self, proba: Any) -> None:
        """Check a whole array of probabilities, in blocks of :data:`CHECK_BLOCK_ROWS` rows
        (no temporary larger than a block)."""
        proba = proba if hasattr(proba, "shape") else np.asarray(proba)
        if proba.ndim != 2 or proba.shape[0] == 0:
            self.proba(np.asarray(proba))  # the shape and column messages
        self.rows(proba.shape[0])
        for start in range(0, proba.shape[0], CHECK_BLOCK_ROWS):
            self.proba(np.asarray(proba[start : start + CHECK_BLOCK_ROWS]), start)


def constant_rows(values: Any, rows: np.ndarray | None = None) -> bool:
    """Whether every row of ``values`` (those in ``rows``, default all) equals the first, to
    a relative 1e-6; False for fewer than two rows. Read in blocks of
    :data:`CHECK_BLOCK_ROWS` rows and stopped at the first block that differs (for outputs
    that vary, which is nearly always, the cost of one block).

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit._validation import constant_rows
    >>> constant_rows(np.array([[0.5, 0.5], [0.5, 0.5]])), constant_rows(np.eye(2))
    (True, False)
    >>> constant_rows(np.array([0.1, 0.3, 0.1]), rows=np.array([0, 2]))
    True
    """
    n = values.shape[0] if rows is None else len(rows)
    if n < 2:
        return False
    first = np.asarray(values[0 if rows is None else int(rows[0])], dtype=np.float64)
    tolerance = 1e-6 * max(1.0, float(np.abs(first).max(initial=0.0)))
    for start in range(0, n, CHECK_BLOCK_ROWS):
        part = (
            values[start : start + CHECK_BLOCK_ROWS]
            if rows is None
            else values[rows[start : start + CHECK_BLOCK_ROWS]]
        )
        part = np.asarray(part, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            if not (np.abs(part - first) <= tolerance).all():
                return False
    return True
