"""Files in and out for the command line: pools and labels from CSV, Parquet, ``.npy`` and
``.npz``; outputs written atomically; user errors as one-line messages."""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import NO_MARKER, check_label_values
from ..utils import atomic_write

TABLE_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".parquet", ".pq")
ARRAY_SUFFIXES = (".npy", ".npz")


class UserError(Exception):
    """A mistake in the command's input: printed as one line, exit status 2, no traceback."""


#: The library's spelling of a parameter in an error message -> the command line's flag.
_FLAGS = (
    (re.compile(r"\bmethod='([^']*)'"), r"--method \1"),
    (re.compile(r"\bquery_classes="), "--query-classes"),
    (re.compile(r"\b(proba|embedding|scores)=(?=[\s,.]|$)"), r"--\1"),
    (re.compile(r"\btask='([^']*)'"), r"--task \1"),
)


def _raised_by_selector_checks(exc: BaseException) -> bool:
    """Whether ``exc`` comes from a selector's own checks of its input, which all run before
    any proxy is trained: raised in :mod:`svpkit.selectors`, by the registry's ``get_method``
    (an unknown method), or anywhere during the first step of a fit (``_plan``: the pool, the
    labels, the method's declared parameters and its ``check`` hook). An error from later (a
    proxy's training, a method's ranking) is not the input's fault as far as this can tell."""
    tb, innermost, planning = exc.__traceback__, None, False
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module.startswith("svpkit."):
            innermost = tb.tb_frame
            planning |= module == "svpkit.selectors.base" and tb.tb_frame.f_code.co_name == "_plan"
        tb = tb.tb_next
    if innermost is None:
        return False
    module = innermost.f_globals["__name__"]
    return (
        planning
        or module.startswith("svpkit.selectors")
        or (module == "svpkit.methods._registry" and innermost.f_code.co_name == "get_method")
    )


@contextmanager
def selector_checks() -> Iterator[None]:
    """Turn a selector's refusal of its input into a :class:`UserError` that names the
    command line's flags (``--method kcenters`` rather than ``method='kcenters'``).

    The command line does not restate the selector's checks (which method needs a proxy,
    labels, a query): it builds the selector and lets it refuse. Other errors pass through.

    Examples
    --------
    >>> from svpkit import ProxySelector
    >>> from svpkit.cli.io import selector_checks
    >>> try:
    ...     with selector_checks():
    ...         ProxySelector(method="margin", n_select=1).fit([[0.0], [1.0]], [-1, -1])
    ... except UserError as error:
    ...     print(str(error)[:64])
    --method margin needs a proxy trained on labeled rows, but every
    """
    try:
        yield
    except ValueError as exc:
        if not _raised_by_selector_checks(exc):
            raise
        message = str(exc)
        for pattern, flag in _FLAGS:
            message = pattern.sub(flag, message)
        raise UserError(message) from exc


@dataclass
class PoolFile:
    """What a command reads: the rows, the label column (raw), and where they came from."""

    path: Path
    X: Any
    labels: Any  # pandas Series (tables) or 1-D ndarray
    kind: str  # "table", "text", "array" or "images"
    columns: list[str] = field(default_factory=list)  # feature columns used, for the summary
    #: The table's columns that are neither features nor the labels, each with the reason
    #: (``{"note": "text, not numbers"}``): for the summary and ``--verbose``.
    ignored: dict[str, str] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return len(self.labels)

    def digest(self) -> str:
        """What identifies the input: the file's SHA-256, or for images the fingerprint of
        their files (paths, sizes, modification times)."""
        if self.kind == "images":
            listed = "" if self.path.is_dir() else f":table:{file_sha256(self.path)}"
            return f"images:{self.X.fingerprint}{listed}"  # the table holds the labels too
        return file_sha256(self.path)

    @property
    def paths(self) -> Any:
        """The image files, one per row (None for other pools)."""
        return self.X.paths if self.kind == "images" else None


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in (*TABLE_SUFFIXES, *ARRAY_SUFFIXES):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def check_input(path: str | os.PathLike, *, folder_ok: bool = False) -> Path:
    path = Path(path)
    if not path.exists():
        raise UserError(f"no such file: {path}")
    if path.is_dir():
        if folder_ok:
            return path
        raise UserError(
            f"{path} is a directory; pass a file ({', '.join(TABLE_SUFFIXES + ARRAY_SUFFIXES)})"
        )
    if _suffix(path) not in TABLE_SUFFIXES + ARRAY_SUFFIXES:
        raise UserError(
            f"cannot read {path.name}: use one of {', '.join(TABLE_SUFFIXES + ARRAY_SUFFIXES)}"
        )
    return path


def read_table(path: Path, *, text_columns: Sequence[str] | str = ()) -> Any:
    """A CSV or Parquet file as a DataFrame.

    ``text_columns`` (a CSV's columns, or ``"all"``) are read as text, so that pandas never
    turns their cells into floats (which merges integers above 2**53): blank cells stay NaN.
    Parquet columns keep the types the file stores.
    """
    import pandas as pd

    suffix = _suffix(path)
    if text_columns == "all":
        dtype: Any = str
    else:
        dtype = {name: str for name in text_columns} or None
    try:
        if suffix in (".parquet", ".pq"):
            try:
                import pyarrow  # noqa: F401  (pandas' Parquet engine)
            except ImportError:
                raise UserError(
                    "reading Parquet needs pyarrow: pip install pyarrow (or the 'parquet' extra)"
                ) from None
            return pd.read_parquet(path)
        return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", dtype=dtype)
    except UserError:
        raise
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None


def _column(frame: Any, name: str, path: Path, what: str) -> Any:
    if name not in frame.columns:
        shown = ", ".join(map(str, frame.columns[:20]))
        more = ", ..." if len(frame.columns) > 20 else ""
        raise UserError(f"no {what} column {name!r} in {path}; its columns are: {shown}{more}")
    return frame[name]


def _labels_file(spec: str, n_rows: int) -> np.ndarray:
    """Labels from their own file: ``.npy``, or a one-column (or ``label``-column) CSV."""
    path = check_input(spec)
    if _suffix(path) == ".npy":
        labels = np.load(path, allow_pickle=False)
    elif _suffix(path) in TABLE_SUFFIXES:
        frame = read_table(path, text_columns="all")  # labels as written, parsed later
        if frame.shape[1] == 1:
            labels = frame.iloc[:, 0].to_numpy()
        else:
            labels = _column(frame, "label", path, "label").to_numpy()
    else:
        raise UserError(f"labels file {path.name}: use .npy or a one-column CSV")
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise UserError(f"labels in {path} must be 1-D, got shape {labels.shape}")
    if len(labels) != n_rows:
        raise UserError(f"{path} holds {len(labels)} labels but the pool has {n_rows} rows")
    return labels


def _image_options(image_size: Any, resize: bool, image_mode: str, verbose: bool) -> dict[str, Any]:
    return {"size": image_size, "resize": resize, "mode": image_mode, "verbose": verbose}


#: The API's names in ImageFolder's messages, as the command line's options.
_IMAGE_FLAGS = (
    ("resize=True", "--resize"),
    ("size=(H, W)", "--image-size H,W"),
    ("mode='RGB'", "--image-mode RGB"),
)


def _images(make: Callable[[], Any]) -> Any:
    """An ImageFolder, its errors (no images, an unreadable file) as user errors."""
    try:
        images = make()
        images.pixels()  # decode (or find the cache) now: a bad file is a user error
    except ImportError as exc:
        raise UserError(f"{exc}") from None
    except (ValueError, FileNotFoundError) as exc:
        message = str(exc)
        for api, flag in _IMAGE_FLAGS:
            message = message.replace(api, flag)
        raise UserError(message) from None
    return images


#: A column that is not numeric is refused as a feature, rather than ignored, when at least this
#: share of its non-empty cells are numbers: it is a numeric column with a few broken cells
#: ("0,5", "n/a"), which would otherwise vanish from the features without a word.
MOSTLY_NUMERIC = 0.5

#: How many broken cells a message shows.
_SHOWN_CELLS = 5

#: pandas' name for a column without a header, as ``DataFrame.to_csv`` writes the index.
_UNNAMED = re.compile(r"Unnamed: \d+")


def _others(frame: Any, used: set, reason: str) -> dict[str, str]:
    """The columns of ``frame`` not in ``used``, each with ``reason``."""
    return {str(c): reason for c in frame.columns if c not in used}


def _numeric_cells(column: Any) -> tuple[int, int, list[tuple[int, Any]]]:
    """``(non-empty cells, of which numbers, [(row, cell), ...] of the others)`` of a column
    that pandas did not read as numbers (the rows are 0-based, as in the manifest)."""
    import pandas as pd

    text = column.astype(object)
    filled = text.notna().to_numpy() & (text.astype(str).str.strip() != "").to_numpy()
    numbers = pd.to_numeric(text.where(filled), errors="coerce").notna().to_numpy()
    broken = np.flatnonzero(filled & ~numbers)
    cells = [(int(r), text.iloc[r]) for r in broken[:_SHOWN_CELLS]]
    return int(filled.sum()), int((filled & numbers).sum()), cells


def _broken_cells_message(name: Any, column: Any, path: Path, fix: str) -> str | None:
    """Why a column that is numeric except for a few cells cannot be a feature (None when
    it is not such a column)."""
    n_filled, n_numbers, cells = _numeric_cells(column)
    if n_numbers == 0 or n_numbers < MOSTLY_NUMERIC * n_filled:
        return None
    n_broken = n_filled - n_numbers
    shown = ", ".join(f"row {row}: {cell!r}" for row, cell in cells)
    more = ", ..." if n_broken > len(cells) else ""
    return (
        f"column {str(name)!r} of {path} holds numbers except in {n_broken} of {n_filled} "
        f"cells ({shown}{more}): fix those cells, or {fix}"
    )


def _is_index_column(name: Any, column: Any) -> bool:
    """A pandas index written to the file (``to_csv`` without ``index=False``): a column named
    like ``Unnamed: 0`` holding distinct increasing integers (``0, 1, 2, ...``)."""
    from pandas.api.types import is_integer_dtype

    return (
        bool(_UNNAMED.fullmatch(str(name)))
        and is_integer_dtype(column.dtype)
        and column.is_monotonic_increasing
        and column.is_unique
    )


def _label_set(label_column: str | list[str] | None) -> set:
    """The label columns as a set (several for a multi-label pool)."""
    if label_column is None:
        return set()
    return set(label_column) if isinstance(label_column, list) else {label_column}


def label_names(labels: str, frame: Any) -> list[str] | None:
    """The columns of a multi-label pool: ``--labels A,B,C`` naming two or more columns of
    ``frame`` (each a 0/1 column), or None for one label column.

    Examples
    --------
    >>> import pandas as pd
    >>> from svpkit.cli.io import label_names
    >>> frame = pd.DataFrame({"a": [0, 1], "b": [1, 1], "x": [0.5, 0.2]})
    >>> label_names("a,b", frame), label_names("a", frame)
    (['a', 'b'], None)
    """
    if labels in frame.columns or "," not in labels:
        return None
    names = [name.strip() for name in labels.split(",") if name.strip()]
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise UserError(
            f"--labels names {len(names)} label columns, but the table has no column "
            f"{', '.join(map(repr, missing))}; columns: {', '.join(map(str, frame.columns))}"
        )
    if len(set(names)) != len(names) or len(names) < 2:
        raise UserError(f"--labels {labels!r}: name two or more distinct columns of 0 and 1")
    return names


def _auto_features(
    frame: Any, label_column: str | list[str] | None, path: Path
) -> tuple[Any, dict]:
    """The features when ``--feature-columns`` is not given: every numeric column except the
    labels and a pandas index column. A column that is numeric except for a few cells (see
    :data:`MOSTLY_NUMERIC`) is refused; text and true/false columns are ignored, with the
    reason."""
    chosen, ignored = [], {}
    label_set = _label_set(label_column)
    for name in frame.columns:
        if name in label_set:
            continue
        column = frame[name]
        if column.dtype.kind == "b":
            ignored[str(name)] = "true/false, not numbers (name it in --feature-columns to use it)"
        elif column.dtype.kind in "iuf":
            if _is_index_column(name, column):
                ignored[str(name)] = (
                    "an index column written by pandas (0, 1, 2, ...; name it in "
                    "--feature-columns to use it)"
                )
            else:
                chosen.append(name)
        else:
            fix = "choose the features with --feature-columns"
            message = _broken_cells_message(name, column, path, fix)
            if message is not None:
                raise UserError(message)
            ignored[str(name)] = "text, not numbers"
    if not chosen:
        why = "; ".join(f"{c}: {r}" for c, r in ignored.items())
        raise UserError(
            f"{path} has no numeric feature columns besides the labels "
            f"{', '.join(map(repr, sorted(label_set)))}"
            + (f" (ignored {why})" if why else "")
            + "; name them with --feature-columns, or pass --text-column for text"
        )
    return frame[chosen], ignored


def _named_features(
    frame: Any, names: list[str], label_column: str | list[str] | None, path: Path
) -> tuple[Any, dict]:
    """The ``--feature-columns``: they exist, are numeric, and are not the labels."""
    label_set = _label_set(label_column)
    named = [name for name in names if name in label_set]
    if named:
        raise UserError(
            f"--feature-columns names the label column {named[0]!r}: a model that sees the "
            "labels as a feature ranks nothing; drop it from --feature-columns"
        )
    for name in names:
        _column(frame, name, path, "feature")
    features = frame[names]
    bad = [c for c in features.columns if features[c].dtype.kind not in "biuf"]
    for name in bad:
        fix = "drop it from --feature-columns"
        message = _broken_cells_message(name, features[name], path, fix)
        if message is not None:
            raise UserError(message)
    if bad:
        raise UserError(
            f"feature columns {bad} in {path} are not numeric; for a text column pass --text-column"
        )
    return features, _others(frame, {*label_set, *names}, "not in --feature-columns")


def load_pool(
    path: str | os.PathLike,
    labels: str | None,
    *,
    feature_columns: Sequence[str] | None = None,
    text_column: str | None = None,
    image_column: str | None = None,
    image_size: tuple[int, int] | None = None,
    resize: bool = False,
    image_mode: str = "auto",
    verbose: bool = False,
) -> PoolFile:
    """Read a pool and its labels.

    Image folders (``path/<class>/<image>``): the labels are the class folders (``labels``
    must be None). Tables with ``image_column``: the images listed there (paths relative to
    the table's folder), with the ``labels`` column.

    Tables (CSV, Parquet): ``labels`` names a column (or a labels file, if no such column);
    the features are ``text_column`` (a text pool), or ``feature_columns`` (never the labels),
    or every numeric column except the labels and a pandas index column (``Unnamed: 0``
    holding 0, 1, 2, ...). Then a column that is numeric except for a few cells (at least
    :data:`MOSTLY_NUMERIC` of its non-empty cells are numbers) is refused with its broken
    cells named; text columns are ignored. ``PoolFile.ignored`` says which columns were left
    out and why. Arrays: ``.npy`` (memory-mapped, never read whole) with a labels
    file, or ``.npz`` whose ``labels`` is one of its arrays (or a file) and whose rows are the
    array ``X`` (or its only other array).
    """
    path = check_input(path, folder_ok=True)
    options = _image_options(image_size, resize, image_mode, verbose)
    if path.is_dir():
        if labels is not None or text_column is not None or feature_columns or image_column:
            raise UserError(
                f"{path} is a folder of images, labeled by its class folders (FOLDER/<class>/"
                "<image>): drop --labels, --text-column, --feature-columns and --image-column"
            )
        from ..images import ImageFolder

        images = _images(lambda: ImageFolder(path, **options))
        return PoolFile(path, images, images.labels, "images")
    if labels is None:
        raise UserError(
            "--labels is required for a file pool (only an image folder's class folders are "
            "labels of their own)"
        )
    suffix = _suffix(path)
    if image_column is not None and suffix not in TABLE_SUFFIXES:
        raise UserError("--image-column applies to CSV and Parquet pools")
    if suffix in TABLE_SUFFIXES:
        # The labels as written (split_labels reads them), never rounded through floats.
        frame = read_table(path, text_columns=[labels])
        if len(frame) == 0:
            raise UserError(f"{path} has no rows")
        if image_column is not None:
            from ..images import ImageFolder

            files = _column(frame, image_column, path, "image").astype(str)
            base = path.resolve().parent
            files = [str(f if Path(f).is_absolute() else base / f) for f in files]
            y = _column(frame, labels, path, "label")
            images = _images(lambda: ImageFolder.from_paths(files, **options))
            ignored = _others(frame, {labels, image_column}, "not --image-column")
            return PoolFile(path, images, y, "images", [image_column], ignored)
        label_column = labels if labels in frame.columns else None
        several = label_names(labels, frame)
        if several is not None:  # a multi-label pool: one 0/1 column per label
            label_column, y = several, frame[several]
        elif label_column is not None:
            y = frame[labels]
        elif Path(labels).suffix and Path(labels).exists():
            y = _labels_file(labels, len(frame))
        else:
            _column(frame, labels, path, "label")  # raises with the column list
        if text_column is not None:
            if text_column in _label_set(label_column):
                raise UserError(
                    f"--text-column {text_column!r} is the label column of {path}: name the "
                    "column that holds the texts"
                )
            texts = _column(frame, text_column, path, "text").fillna("").astype(str)
            ignored = _others(frame, {*_label_set(label_column), text_column}, "not --text-column")
            return PoolFile(path, texts.to_numpy(dtype=object), y, "text", [text_column], ignored)
        if feature_columns:
            features, ignored = _named_features(frame, list(feature_columns), label_column, path)
        else:
            features, ignored = _auto_features(frame, label_column, path)
        X = features.to_numpy(dtype=np.float32)
        return PoolFile(path, X, y, "table", [str(c) for c in features.columns], ignored)
    if text_column is not None or feature_columns:
        raise UserError("--text-column and --feature-columns apply to CSV and Parquet pools")
    if suffix == ".npy":
        X = np.load(path, mmap_mode="r", allow_pickle=False)
        return PoolFile(path, X, _labels_file(labels, len(X)), "array")
    with np.load(path, allow_pickle=False) as archive:
        names = list(archive.files)
        if labels in names:
            y = archive[labels]
            rest = [n for n in names if n != labels]
        else:
            y, rest = None, names
        key = "X" if "X" in rest else (rest[0] if len(rest) == 1 else None)
        if key is None:
            raise UserError(
                f"{path} holds arrays {names}: name the rows 'X' (and pass the labels' array "
                "name to --labels)"
            )
        X = archive[key]
    if y is None:
        y = _labels_file(labels, len(X))
    if len(y) != len(X):
        raise UserError(f"{path}: {len(y)} labels for {len(X)} rows")
    return PoolFile(path, X, y, "array")


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def check_writable(path: str | os.PathLike) -> Path:
    """Fail before any work when ``path`` cannot be written."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UserError(f"cannot write {path}: it is a directory")
    if not parent.is_dir():
        raise UserError(f"cannot write {path}: no such directory {parent}")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UserError(f"cannot write {path}: permission denied")
    return path


def write_atomic(path: Path, write: Callable[[Any], None], *, binary: bool = False) -> None:
    """Write an output through :func:`svpkit.utils.atomic_write` (text unless ``binary``): a
    crash or an error never leaves a partial file behind."""
    atomic_write(path, write, text=not binary)


#: Label cells that are numbers, as written in a CSV (the rest is text).
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity|nan)", re.I)
#: Whole numbers with more digits than this are not read as classes (nor built as ints).
_MAX_DIGITS = 4000


def _number(value: Any) -> int | float | Decimal | None:
    """The number a label holds, exactly (``"9007199254740993"`` as that int, ``"3e20"`` as
    a Decimal), or None when it is text. True and False are text, not 1 and 0."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if _INTEGER.fullmatch(text) and len(text) <= _MAX_DIGITS:
            return int(text)
        if _DECIMAL.fullmatch(text):
            return Decimal(text)
    return None


def _whole(number: int | float | Decimal) -> int | None:
    """``number`` as an exact int when it is a whole finite number (``3.0`` is ``3``, ``1e20``
    is ``10**20``), else None."""
    if isinstance(number, int):
        return number
    if isinstance(number, float):
        return int(number) if math.isfinite(number) and number.is_integer() else None
    if not number.is_finite() or number.adjusted() > _MAX_DIGITS:
        return None
    return int(number) if number == number.to_integral_value() else None


def _continuous_message() -> str:
    """What the API says about continuous labels (the CLI says the same)."""
    try:
        check_label_values(np.array([0.5]), np.array([True]), NO_MARKER)
    except ValueError as exc:
        return str(exc)
    raise AssertionError("check_label_values accepted 0.5 as a class")  # pragma: no cover


def _not_a_class(value: Any, number: int | float | Decimal, row: Any, where: str) -> UserError:
    shown = repr(value.strip()) if isinstance(value, str) else repr(float(value))
    prefix = f"{where}: " if where else ""
    finite = number.is_finite() if isinstance(number, Decimal) else math.isfinite(number)
    if finite and isinstance(number, Decimal) and number.adjusted() > _MAX_DIGITS:
        return UserError(
            f"{prefix}row {row} has the label {shown}, a number of more than {_MAX_DIGITS} "
            "digits: labels must be classes (whole numbers or text)"
        )
    if not finite:
        return UserError(
            f"{prefix}row {row} has the label {shown}, which is not a class: labels must be "
            "classes (whole numbers or text), not NaN or inf; leave the cell empty for an "
            "unlabeled row"
        )
    return UserError(
        f"{prefix}row {row} has the label {shown}, which is not a class. "
        f"{_continuous_message()} Labels must be whole numbers or text."
    )


def _label_values(raw: Any) -> np.ndarray:
    """``raw`` as a 1-D array that :func:`pandas.factorize` takes (NaN, None, pd.NA: missing)."""
    import pandas as pd

    if isinstance(raw, (pd.Series, pd.Index)):
        if isinstance(raw.dtype, pd.api.extensions.ExtensionDtype):
            return raw.to_numpy(dtype=object)  # nullable ints keep their digits, pd.NA missing
        raw = raw.to_numpy()
    # A list's own types (np.asarray(["1", np.nan]) would spell NaN "nan").
    values = (raw if isinstance(raw, np.ndarray) else np.asarray(raw, dtype=object)).ravel()
    if values.dtype.kind in "iu":
        return values.astype(np.int64) if values.dtype.kind == "i" else values
    if values.dtype.kind == "f":
        return values.astype(np.float64)
    return values.astype(object)


def _distinct_values(
    raw: Any, missing_label: str | None
) -> tuple[np.ndarray, np.ndarray, list[Any], np.ndarray]:
    """``(codes, uniques, numbers, unlabeled)``: each row's code into the distinct values
    (-1: NaN or None), the values, the number each holds (None: text), and which distinct
    value marks an unlabeled row (one entry more, for code -1): empty, or equal to
    ``missing_label`` as text or, when the marker is a number, as a number."""
    import pandas as pd

    codes, uniques = pd.factorize(_label_values(raw))
    uniques = np.asarray(uniques, dtype=object)
    marker_text = None if missing_label is None else str(missing_label)
    marker = None if missing_label is None else _number(missing_label)
    if marker is not None and marker != marker:  # a NaN marker matches no number
        marker = None
    numbers: list[Any] = []
    unlabeled = np.zeros(len(uniques) + 1, dtype=bool)
    unlabeled[-1] = True  # code -1: NaN, None
    for i, value in enumerate(uniques):
        number = _number(value)
        numbers.append(number)
        text = value if isinstance(value, str) else str(value)
        unlabeled[i] = (
            (isinstance(value, str) and not value.strip())
            or text == marker_text
            or (marker is not None and number is not None and number == marker)
        )
    return codes, uniques, numbers, unlabeled


def split_labels(
    raw: Any,
    missing_label: str | None = None,
    *,
    rows: Sequence[int] | None = None,
    where: str = "",
) -> tuple[np.ndarray, np.ndarray]:
    """``(labels, unlabeled)``: class labels read as the API reads them, and which rows have
    none.

    A row is unlabeled when its value is empty (a blank cell, NaN, None) or equals
    ``missing_label``, compared as text (a CSV cell has no type) and, when the marker is a
    number, as a number (``-1`` also matches ``-1.0``).

    Each labeled value is read exactly: integers (``9007199254740993``, as an int or as
    text) stay those integers, and whole numbers (``3.0``, ``1e20``, ``"3e20"``) become the
    integers they are; ``np.int64`` when they fit, Python ints beyond. A number that is not
    whole (``3.5``) or not finite (inf) is not a class: :class:`UserError` names its row (the
    ``rows`` given, else its 0-based position) and says so in the API's words
    (:func:`svpkit._validation.check_label_values`). When any labeled value is not a number,
    every label is text, as written. Unlabeled rows hold ``None``. ``where`` (``"answers
    file a.csv"``) starts the messages.

    Examples
    --------
    >>> from svpkit.cli.io import split_labels
    >>> y, unlabeled = split_labels(["9007199254740993", "9007199254740992", "", "1e20"])
    >>> [int(v) if v is not None else None for v in y], unlabeled.tolist()
    ([9007199254740993, 9007199254740992, None, 100000000000000000000], [False, False, True, False])
    >>> split_labels(["cat", 3, "-1"], "-1")[0].tolist()
    ['cat', '3', None]
    """
    codes, uniques, numbers, unlabeled_u = _distinct_values(raw, missing_label)
    labeled = [i for i in range(len(uniques)) if not unlabeled_u[i]]
    lookup = np.empty(len(uniques) + 1, dtype=object)  # the last entry: code -1, None
    if all(numbers[i] is not None for i in labeled):
        wholes = {i: _whole(numbers[i]) for i in labeled}
        bad = [i for i, whole in wholes.items() if whole is None]
        if bad:
            first = int(np.flatnonzero(np.isin(codes, bad))[0])
            value = uniques[codes[first]]
            row = first if rows is None else rows[first]
            raise _not_a_class(value, numbers[codes[first]], row, where)
        for i, whole in wholes.items():
            lookup[i] = np.int64(whole) if -(2**63) <= whole < 2**63 else whole
    else:
        for i in labeled:
            value = uniques[i]
            lookup[i] = value if isinstance(value, str) else str(value)
    return lookup[codes], unlabeled_u[codes]


def label_sets(raw: Any, task: str) -> tuple[np.ndarray, np.ndarray, str]:
    """``(indicator, unlabeled, "multilabel")``: the 0/1 columns of a multi-label pool as an
    int64 indicator matrix; a row is unlabeled when every cell of it is empty.

    Examples
    --------
    >>> import pandas as pd
    >>> from svpkit.cli.io import label_sets
    >>> try:
    ...     label_sets(pd.DataFrame({"a": [1, 0], "b": ["1", ""]}), "auto")
    ... except Exception as error:
    ...     print(str(error)[:52])
    row 1 leaves label column 'b' empty but not the othe
    >>> label_sets(pd.DataFrame({"a": [1, 0], "b": [0, 1]}), "auto")[0].tolist()
    [[1, 0], [0, 1]]
    """
    import pandas as pd

    if task not in ("auto", "multilabel"):
        raise UserError(
            f"--labels names several columns (a label set per row), but --task is {task}: pass "
            "--task multilabel (or auto), or one label column"
        )
    if not isinstance(raw, pd.DataFrame):
        raw = pd.DataFrame(np.asarray(raw, dtype=object))
    numbers = raw.apply(pd.to_numeric, errors="coerce")
    empty = raw.isna().to_numpy() | (raw.astype(str).apply(lambda c: c.str.strip()) == "")
    empty = np.asarray(empty)
    values = numbers.to_numpy(dtype=np.float64)
    unlabeled = empty.all(axis=1)
    partial = np.flatnonzero(empty.any(axis=1) & ~unlabeled)
    if len(partial):
        row = int(partial[0])
        column = raw.columns[int(np.flatnonzero(empty[row])[0])]
        raise UserError(
            f"row {row} leaves label column {column!r} empty but not the others: a row has a "
            "label set (0 or 1 in every label column) or none"
        )
    bad = ~unlabeled[:, None] & ~np.isin(values, (0, 1))
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise UserError(
            f"row {row} holds {str(raw.iat[row, col])!r} in label column {raw.columns[col]!r}: a "
            "label column of a label set holds 0 or 1"
        )
    indicator = np.where(unlabeled[:, None], -1, np.nan_to_num(values)).astype(np.int64)
    return indicator, unlabeled, "multilabel"


def task_labels(
    raw: Any, missing_label: str | None, task: str
) -> tuple[np.ndarray, np.ndarray, str]:
    """``(labels, unlabeled, task)``: the labels read for ``task`` (``"auto"``: decided as
    the selectors decide, from the labeled values). Class labels as :func:`split_labels`
    reads them; a regression target as float64 (NaN where unlabeled).

    Examples
    --------
    >>> from svpkit.cli.io import task_labels
    >>> y, unlabeled, task = task_labels(["0.5", "1.7", "", "2.25"], None, "auto")
    >>> y.tolist()[:2], unlabeled.tolist(), task
    ([0.5, 1.7], [False, False, True, False], 'regression')
    >>> task_labels(["1", "0", "1"], None, "auto")[2]
    'classification'
    """
    if np.ndim(raw) == 2:  # several label columns: a label set per row
        return label_sets(raw, task)
    if task == "classification":
        return (*split_labels(raw, missing_label), task)
    codes, uniques, numbers, unlabeled_u = _distinct_values(raw, missing_label)
    text = [i for i, n in enumerate(numbers) if n is None and not unlabeled_u[i]]
    if text:  # a label that is not a number: classes
        if task == "regression":
            row = int(np.flatnonzero(np.isin(codes, text))[0])
            raise UserError(
                f"row {row} has the label {str(uniques[codes[row]]).strip()!r}, which is not a "
                "number: --task regression needs a number per labeled row"
            )
        return (*split_labels(raw, missing_label), "classification")
    lookup = np.array(
        [np.nan if unlabeled_u[i] else float(n) for i, n in enumerate(numbers)] + [np.nan]
    )
    targets, unlabeled = lookup[codes], unlabeled_u[codes]
    if task == "auto":
        from ..selectors.task import infer_task

        try:
            task = infer_task(None, targets, np.flatnonzero(~unlabeled), None)
        except ValueError as error:
            raise UserError(str(error).replace("task='", "--task ").replace("'", "")) from None
    if task == "classification":
        return (*split_labels(raw, missing_label), task)
    bad = np.flatnonzero(~unlabeled & ~np.isfinite(targets))
    if len(bad):
        raise UserError(
            f"row {int(bad[0])} has the label {uniques[codes[bad[0]]]!r}, which is not finite: a "
            "regression target must be a finite number; leave the cell empty for an unlabeled row"
        )
    return targets, unlabeled, task


def _rows(rows: np.ndarray) -> str:
    """``row 3``, ``rows 3, 5, 9``, ``rows 3, 5, 9, 10, 12, ... (7 in all)``."""
    shown = ", ".join(str(r) for r in rows[:_SHOWN_CELLS].tolist())
    if len(rows) == 1:
        return f"row {shown}"
    return f"rows {shown}" + (f", ... ({len(rows)} in all)" if len(rows) > _SHOWN_CELLS else "")


def check_answer_labels(
    rows: Any,
    raw: Any,
    missing_label: str | None = None,
    *,
    where: str = "answers file",
    task: str = "classification",
) -> dict[int, Any]:
    """The oracle's answers ``{row: label}``, read as :func:`split_labels` reads pool labels.

    ``rows`` are the answered pool rows (whole numbers, checked by the caller) and ``raw`` the
    labels as written. Refused, with the rows named (up to five): a row answered more than
    once (even with the same label), an empty label, a label equal to ``missing_label`` (the
    row would stay unlabeled and be asked again), and a label that is not a class (3.5, inf);
    with ``task="regression"``, one that is not a finite number.
    ``where`` (``"answers file a.csv"``) starts the messages.

    Examples
    --------
    >>> from svpkit.cli.io import check_answer_labels
    >>> answers = check_answer_labels([4, 7], ["9007199254740993", "2"])
    >>> {row: int(label) for row, label in answers.items()}
    {4: 9007199254740993, 7: 2}
    """
    rows = np.asarray(rows, dtype=np.int64).ravel()
    values = _label_values(raw)
    if len(values) != len(rows):
        raise UserError(f"{where}: {len(rows)} rows but {len(values)} labels")
    unique, first, counts = np.unique(rows, return_index=True, return_counts=True)
    if (counts > 1).any():
        repeated = unique[counts > 1][np.argsort(first[counts > 1], kind="stable")]
        shown = "; ".join(
            f"row {r} ({', '.join(repr(v) for v in values[rows == r][:_SHOWN_CELLS])})"
            for r in repeated[:_SHOWN_CELLS].tolist()
        )
        more = "; ..." if len(repeated) > _SHOWN_CELLS else ""
        counted = "1 row is" if len(repeated) == 1 else f"{len(repeated)} rows are"
        raise UserError(
            f"{where}: {counted} answered more than once: {shown}{more}; give each row one label"
        )
    if task == "regression":  # numbers, each finite (text is refused naming its row)
        try:
            labels, empty, _ = task_labels(values, None, "regression")
        except UserError as error:
            raise UserError(f"{where}: {error}") from None
    else:
        labels, empty = split_labels(values, rows=rows, where=where)
    if empty.any():
        verb = "has" if empty.sum() == 1 else "have"
        raise UserError(
            f"{where}: {_rows(rows[empty])} {verb} an empty label; give a class or leave the "
            "row out"
        )
    if missing_label is not None:
        _, marked = split_labels(values, missing_label)
        if marked.any():
            raise UserError(
                f"{where}: {_rows(rows[marked])} answered with {str(missing_label)!r}, the "
                "--missing-label marker of unlabeled rows (an answer would stay unlabeled and "
                "be asked again); answer with a class, or leave the row out"
            )
    return dict(zip(rows.tolist(), labels, strict=True))
