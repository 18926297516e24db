"""Files in and out for the command line: pools and labels from CSV, Parquet, ``.npy`` and
``.npz``; outputs written atomically; user errors as one-line messages."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..utils import atomic_write

TABLE_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".parquet", ".pq")
ARRAY_SUFFIXES = (".npy", ".npz")


class UserError(Exception):
    """A mistake in the command's input: printed as one line, exit status 2, no traceback."""


#: The library's spelling of a parameter in an error message -> the command line's flag.
_FLAGS = (
    (re.compile(r"\bmethod='([^']*)'"), r"--method \1"),
    (re.compile(r"\bquery_classes="), "--query-classes"),
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


def read_table(path: Path) -> Any:
    """A CSV or Parquet file as a DataFrame."""
    import pandas as pd

    suffix = _suffix(path)
    try:
        if suffix in (".parquet", ".pq"):
            try:
                import pyarrow  # noqa: F401  (pandas' Parquet engine)
            except ImportError:
                raise UserError(
                    "reading Parquet needs pyarrow: pip install pyarrow (or the 'parquet' extra)"
                ) from None
            return pd.read_parquet(path)
        return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")
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
        frame = read_table(path)
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
    the features are ``text_column`` (a text pool), or ``feature_columns``, or every numeric
    column except the labels. Arrays: ``.npy`` (memory-mapped, never read whole) with a labels
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
        frame = read_table(path)
        if len(frame) == 0:
            raise UserError(f"{path} has no rows")
        if image_column is not None:
            from ..images import ImageFolder

            files = _column(frame, image_column, path, "image").astype(str)
            base = path.resolve().parent
            files = [str(f if Path(f).is_absolute() else base / f) for f in files]
            y = _column(frame, labels, path, "label")
            images = _images(lambda: ImageFolder.from_paths(files, **options))
            return PoolFile(path, images, y, "images", [image_column])
        if labels in frame.columns:
            y = frame[labels]
        elif Path(labels).suffix and Path(labels).exists():
            y = _labels_file(labels, len(frame))
        else:
            _column(frame, labels, path, "label")  # raises with the column list
        if text_column is not None:
            texts = _column(frame, text_column, path, "text").fillna("").astype(str)
            return PoolFile(path, texts.to_numpy(dtype=object), y, "text", [text_column])
        if feature_columns:
            for name in feature_columns:
                _column(frame, name, path, "feature")
            features = frame[list(feature_columns)]
            bad = [c for c in features.columns if features[c].dtype.kind not in "biuf"]
            if bad:
                raise UserError(
                    f"feature columns {bad} in {path} are not numeric; for a text column pass "
                    "--text-column"
                )
        else:
            features = frame.drop(columns=[labels], errors="ignore").select_dtypes("number")
            if features.shape[1] == 0:
                raise UserError(
                    f"{path} has no numeric feature columns besides {labels!r}; name them with "
                    "--feature-columns, or pass --text-column for text"
                )
        X = features.to_numpy(dtype=np.float32)
        return PoolFile(path, X, y, "table", [str(c) for c in features.columns])
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


def split_labels(raw: Any, missing_label: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(labels, unlabeled)``: labels normalised to one type, and which rows have none.

    A row is unlabeled when its value is empty or NaN, or equals ``missing_label`` (compared
    as text, since a CSV cell has no type). Labeled values become integers when they all are
    whole numbers (a CSV column with blanks reads as floats: ``3.0`` is class ``3``), floats
    when they are all numbers, else strings; unlabeled rows hold ``None``.
    """
    import pandas as pd

    values = pd.Series(np.asarray(raw, dtype=object))
    unlabeled = values.isna().to_numpy(copy=True)
    if missing_label is not None:
        unlabeled |= (values.astype(str) == str(missing_label)).to_numpy()
        marker = pd.to_numeric(pd.Series([missing_label]), errors="coerce")[0]
        if not np.isnan(marker):  # -1 also matches -1.0 (a CSV column with blanks is float)
            unlabeled |= (pd.to_numeric(values, errors="coerce") == marker).to_numpy()
    known = values[~unlabeled]
    numeric = pd.to_numeric(known, errors="coerce")
    if len(known) and not numeric.isna().any():
        as_float = numeric.to_numpy(dtype=float)
        whole = np.all(as_float == np.round(as_float))
        converted = as_float.astype(np.int64) if whole else as_float
    else:
        converted = known.astype(str).to_numpy()
    y = np.empty(len(values), dtype=object)
    y[~unlabeled] = list(converted)
    y[unlabeled] = None
    return y, unlabeled
