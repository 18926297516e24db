"""A folder (or list, or CSV) of image files as a pool: decoded once, then read from a cache.

:class:`ImageFolder` is what the selectors, :class:`~svpkit.SelectThenFit`, the
active-learning loop and ``svpkit select DIR`` take as ``X`` for images on disk. It is also a
map-style :class:`torch.utils.data.Dataset` (items ``(uint8 C x H x W tensor, class index)``),
so the same object feeds a user's own ``DataLoader``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from .decode import (
    IMAGE_EXTENSIONS,
    decode_to_cache,
    default_cache_dir,
    file_fingerprint,
    probe_image,
)

__all__ = ["ImageFolder"]

MODES = ("auto", "RGB", "L")


def _is_image(name: str) -> bool:
    return name.lower().endswith(IMAGE_EXTENSIONS) and not name.startswith(".")


def _scan(folder: str, found: list, stats: list, skipped: list) -> None:
    """Image files under ``folder`` (recursively, hidden entries skipped), with their sizes
    and modification times read from the same directory scan (one stat each, no second
    lookup of every path for the fingerprint)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                _scan(entry.path, found, stats, skipped)
            elif _is_image(entry.name):
                stat = entry.stat()
                found.append(entry.path)
                stats.append((stat.st_size, stat.st_mtime_ns))
            else:
                skipped.append(entry.path)


def _walk_classes(root: Path) -> tuple[list[str], list[str], list[str], list[str], list]:
    """``(paths, labels, classes, skipped, stats)`` for ``root/<class>/**/<file>``, in a
    stable order (classes sorted, files sorted within each class)."""
    if not root.is_dir():
        raise ValueError(f"{root} is not a folder of class folders (root/<class>/<image>)")
    classes = sorted(entry.name for entry in os.scandir(root) if entry.is_dir())
    classes = [c for c in classes if not c.startswith(".")]
    skipped = sorted(
        entry.path for entry in os.scandir(root) if entry.is_file() and _is_image(entry.name)
    )
    paths: list[str] = []
    labels: list[str] = []
    stats: list = []
    for name in classes:
        found: list[str] = []
        found_stats: list = []
        _scan(str(root / name), found, found_stats, skipped)
        order = sorted(range(len(found)), key=found.__getitem__)
        paths += [found[i] for i in order]
        stats += [found_stats[i] for i in order]
        labels += [name] * len(found)
    if not paths:
        raise ValueError(
            f"no image files ({', '.join(IMAGE_EXTENSIONS)}) in class folders under {root}; "
            "the layout is root/<class>/<image> (for any other layout use "
            "ImageFolder.from_paths or ImageFolder.from_csv)"
        )
    return paths, labels, classes, sorted(skipped), stats


class ImageFolder(Dataset):
    """Image files as a pool: labels from class folders, pixels decoded once into a cache.

    Files are decoded with Pillow on first use, in parallel, into a memory-mapped uint8 file
    (``n x C x H x W``) keyed by a fingerprint of the files (paths, sizes, modification
    times) and the options: a second fit, a grid search or an active-learning round reads
    the cache at memory speed, and a changed file makes a new cache. The pixels are never held
    as float32: torch proxies scale each batch to ``[0, 1]`` as they read it.

    Parameters
    ----------
    root : str or path
        The folder, laid out ``root/<class>/<image>`` (images may sit in subfolders of a class
        folder; files that are not images are skipped and listed in ``skipped``). For other
        layouts use :meth:`from_paths` or :meth:`from_csv`.
    size : (int, int), default=None
        ``(height, width)`` of the pixels. None: the first image's size.
    mode : {"auto", "RGB", "L"}, default="auto"
        ``"L"`` gives one grayscale channel (colour images are converted), ``"RGB"`` three.
        ``"auto"``: grayscale when the first image is, else RGB (grayscale images in an RGB
        pool are converted; a colour image in a pool found grayscale is an error, not silently
        converted). 16-bit grayscale is read by its top 8 bits; 32-bit images are refused.
    resize : bool, default=False
        Resize images of another size to ``size`` (bilinear). False: such an image is an
        error naming the file.
    cache_dir : str or path, default=None
        Where the decoded pixels are cached. None: ``$SVPKIT_CACHE_DIR``, else
        ``~/.cache/svpkit``.
    n_jobs : int, default=None
        Processes decoding files (None: one per core).
    verbose : bool, default=False
        Show a progress bar while decoding.

    Attributes
    ----------
    paths : ndarray of str
        One file per row.
    targets : ndarray of int64 or None
        Class index per row (None for unlabeled files).
    classes : list of str
        Class names; ``classes[targets[i]]`` is row ``i``'s label.
    class_to_idx : dict
        Class name to index.
    skipped : list of str
        Files found in the folder that are not read (not images, or outside class folders).

    Examples
    --------
    >>> import tempfile, os
    >>> import numpy as np
    >>> from PIL import Image
    >>> from svpkit.images import ImageFolder
    >>> root = tempfile.mkdtemp()
    >>> for name in ("cat", "dog"):
    ...     os.makedirs(f"{root}/{name}")
    ...     for i in range(3):
    ...         Image.new("RGB", (8, 8), (40 * i, 0, 0)).save(f"{root}/{name}/{i}.png")
    >>> images = ImageFolder(root, cache_dir=tempfile.mkdtemp(), n_jobs=1)
    >>> len(images), images.classes, images.shape
    (6, ['cat', 'dog'], (6, 3, 8, 8))
    >>> images.labels.tolist()
    ['cat', 'cat', 'cat', 'dog', 'dog', 'dog']
    >>> images.pixels().dtype, int(images.pixels()[1, 0, 0, 0])
    (dtype('uint8'), 40)
    >>> [os.path.basename(p) for p in images.take([5, 0]).paths]
    ['2.png', '0.png']
    """

    def __init__(
        self,
        root: str | os.PathLike,
        *,
        size: tuple[int, int] | None = None,
        mode: str = "auto",
        resize: bool = False,
        cache_dir: str | os.PathLike | None = None,
        n_jobs: int | None = None,
        verbose: bool = False,
    ) -> None:
        paths, labels, classes, skipped, stats = _walk_classes(Path(root))
        self._setup(paths, labels, classes, size, mode, resize, cache_dir, n_jobs, verbose)
        self._stats = stats
        self.root = str(root)
        self.skipped = skipped

    # -- other layouts -------------------------------------------------------------------------
    @classmethod
    def from_paths(
        cls,
        paths: Sequence[str | os.PathLike],
        labels: Sequence[Any] | None = None,
        **options: Any,
    ) -> ImageFolder:
        """Images from a list of files (any layout), with one label per file or none.

        Parameters
        ----------
        paths : sequence of str or path
        labels : sequence, default=None
            Labels of one type (``classes`` are their sorted unique values, in that type).
            A missing label (None, NaN, empty) is an error: give unlabeled images
            ``labels=None`` and their labels to the selector as ``y``.
        **options
            ``size``, ``mode``, ``resize``, ``cache_dir``, ``n_jobs``, ``verbose`` as in
            :class:`ImageFolder`.

        Returns
        -------
        images : ImageFolder

        Examples
        --------
        >>> import tempfile
        >>> from PIL import Image
        >>> from svpkit.images import ImageFolder
        >>> folder = tempfile.mkdtemp()
        >>> files = [f"{folder}/{i}.jpg" for i in range(4)]
        >>> for f in files:
        ...     Image.new("L", (5, 5)).save(f)
        >>> images = ImageFolder.from_paths(files, ["b", "a", "b", "a"], cache_dir=folder)
        >>> images.classes, images.targets.tolist(), images.shape
        (['a', 'b'], [1, 0, 1, 0], (4, 1, 5, 5))
        >>> ImageFolder.from_paths(files, [10, 2, 10, 2], cache_dir=folder).labels.tolist()
        [10, 2, 10, 2]
        """
        # Absolute paths: the cache key must not depend on the working directory.
        paths = [os.path.abspath(os.fspath(p)) for p in paths]
        if not paths:
            raise ValueError("from_paths needs at least one image path")
        classes: list = []
        values = None
        if labels is not None:
            given = list(labels)
            if len(given) != len(paths):
                raise ValueError(f"{len(given)} labels for {len(paths)} image paths")
            missing = _missing(given)  # before numpy turns a NaN beside strings into "nan"
            if missing.any():
                first = int(np.flatnonzero(missing)[0])
                raise ValueError(
                    f"{int(missing.sum())} of {len(paths)} images have no label (first: "
                    f"{paths[first]}); pass labels=None (label_column=None) and give y to the "
                    "selector, with a missing_label for the unlabeled rows"
                )
            values = np.asarray(given)
            classes = np.unique(values).tolist()  # sorted in their own type (2 before 10)
        self = cls.__new__(cls)
        self._setup(paths, values, classes, **options)
        self.root = None
        self.skipped = []
        return self

    @classmethod
    def from_csv(
        cls,
        csv: str | os.PathLike,
        *,
        path_column: str = "path",
        label_column: str | None = "label",
        **options: Any,
    ) -> ImageFolder:
        """Images listed in a CSV file: a column of paths (relative ones are read from the
        CSV's folder) and, optionally, a column of labels.

        Parameters
        ----------
        csv : str or path
        path_column : str, default="path"
        label_column : str or None, default="label"
            None, or a column that is absent, gives unlabeled images.
        **options
            As in :class:`ImageFolder`.

        Returns
        -------
        images : ImageFolder
        """
        import pandas as pd

        csv = Path(csv)
        table = pd.read_csv(csv)
        if path_column not in table.columns:
            raise ValueError(
                f"no column {path_column!r} in {csv}; its columns are {list(table.columns)} "
                "(name the paths' column with path_column=)"
            )
        base = csv.resolve().parent
        paths = [str(p if Path(p).is_absolute() else base / p) for p in table[path_column]]
        labels = None
        if label_column is not None and label_column in table.columns:
            labels = table[label_column].tolist()
        return cls.from_paths(paths, labels, **options)

    def _setup(
        self,
        paths: Sequence[str],
        labels: Sequence[Any] | None,
        classes: list,
        size: tuple[int, int] | None = None,
        mode: str = "auto",
        resize: bool = False,
        cache_dir: str | os.PathLike | None = None,
        n_jobs: int | None = None,
        verbose: bool = False,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}; got {mode!r}")
        if size is not None:
            size = tuple(int(s) for s in size)
            if len(size) != 2 or min(size) < 1:
                raise ValueError(f"size must be (height, width) of positive ints; got {size!r}")
        self.paths = np.asarray(paths, dtype=str)
        self.classes = list(classes)
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self.targets = (
            None
            if labels is None
            else np.fromiter((self.class_to_idx[n] for n in labels), np.int64, len(labels))
        )
        first_size, first_mode = probe_image(self.paths[0])
        self.size = size if size is not None else first_size
        self.mode = first_mode if mode == "auto" else mode
        self.requested_mode = mode
        self.resize = bool(resize)
        self.cache_dir = None if cache_dir is None else str(cache_dir)
        self.n_jobs = n_jobs
        self.verbose = verbose
        self._pixels: np.ndarray | None = None
        self._fingerprint: str | None = None
        self._parent: ImageFolder | None = None
        self._rows: np.ndarray | None = None
        self._stats: list | None = None  # (size, mtime) per file, when the listing read them

    # -- the pixels -----------------------------------------------------------------------------
    @property
    def fingerprint(self) -> str:
        """Hash of the files (paths, sizes, modification times) and decoding options: the
        cache key. Computed once per object; :meth:`refresh` looks at the files again."""
        if self._parent is not None:
            return f"{self._parent.fingerprint}:{_rows_hash(self._rows)}"
        if self._fingerprint is None:
            strict = getattr(self, "requested_mode", "auto") == "auto"
            options = ("svpkit-images-v2", self.size, self.mode, self.resize, strict)
            self._fingerprint = file_fingerprint(self.paths.tolist(), options, self._stats)
        return self._fingerprint

    def cache_file(self) -> Path:
        """Where the decoded pixels of these files are (or will be) cached."""
        if self._parent is not None:
            return self._parent.cache_file()
        folder = Path(self.cache_dir) if self.cache_dir is not None else default_cache_dir()
        return folder / f"images-{self.fingerprint}.npy"

    def pixels(self) -> np.ndarray:
        """All rows' pixels, ``(n, C, H, W)`` uint8: a copy-on-write memory map of the cache
        (decoded on first call; writing to it never changes the cache file); a view made by
        :meth:`take` gathers its rows into memory.

        Raises
        ------
        ValueError
            Naming the file, when one cannot be decoded or has another size (``resize=False``)
            or is in colour in a grayscale pool.
        """
        if self._parent is not None:
            return np.asarray(self._parent.pixels()[self._rows])
        if self._pixels is None:
            self._pixels = decode_to_cache(
                self.paths.tolist(),
                self.size,
                self.mode,
                self.resize,
                self.cache_file(),
                n_jobs=self.n_jobs,
                verbose=self.verbose,
                # A colour image in a pool read as grayscale because its first image is
                # gray is an error; a grayscale pool the user asked for converts it.
                strict_gray=getattr(self, "requested_mode", "auto") == "auto",
            )
        return self._pixels

    def refresh(self) -> ImageFolder:
        """Look at the files again: a file changed since the first read gets a new cache on the
        next :meth:`pixels` call. Returns self."""
        if self._parent is not None:
            self._parent.refresh()
        self._pixels = None
        self._fingerprint = None
        self._stats = None  # stat every file again
        return self

    # -- rows ---------------------------------------------------------------------------------
    def take(self, rows: Any) -> ImageFolder:
        """The rows ``rows`` as an ImageFolder of the same kind (same classes and cache): what
        a selection returns.

        Parameters
        ----------
        rows : array-like of int or bool mask

        Returns
        -------
        images : ImageFolder
        """
        rows = np.asarray(rows)
        if rows.dtype == bool:
            if len(rows) != len(self):
                raise IndexError(f"a mask of {len(rows)} entries for {len(self)} images")
            rows = np.flatnonzero(rows)
        if rows.size and rows.dtype.kind not in "iu":
            raise IndexError(f"rows must be integers or a boolean mask; got {rows.dtype}")
        rows = rows.astype(np.int64, copy=False)
        if rows.size and (rows.min() < -len(self) or rows.max() >= len(self)):
            raise IndexError(f"rows out of range for {len(self)} images")
        rows = np.where(rows < 0, rows + len(self), rows)
        view = object.__new__(type(self))
        view.__dict__.update(self.__dict__)
        base, base_rows = (self._parent, self._rows) if self._parent is not None else (self, None)
        view._parent = base
        view._rows = rows if base_rows is None else base_rows[rows]
        view._pixels = None
        view._fingerprint = None
        view.paths = self.paths[rows]
        view.targets = None if self.targets is None else self.targets[rows]
        view.skipped = []
        return view

    @property
    def labels(self) -> np.ndarray | None:
        """Label per row (the class folder's name, or the label given to :meth:`from_paths`
        in its own type), or None for unlabeled images."""
        if self.targets is None:
            return None
        dtype = object if all(isinstance(c, str) for c in self.classes) else None
        return np.asarray(self.classes, dtype=dtype)[self.targets]

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """``(n, C, H, W)``, known before any file is decoded."""
        return (len(self.paths), 1 if self.mode == "L" else 3, *self.size)

    ndim = 4
    dtype = np.dtype(np.uint8)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        """``(pixels as a uint8 C x H x W tensor, class index)``; the index is -1 for
        unlabeled images. Slices and arrays of rows: use :meth:`take`."""
        if not isinstance(index, (int, np.integer)):
            raise TypeError(
                f"ImageFolder items are single rows (an int); got {type(index).__name__}. "
                "Use .take(rows) for several rows."
            )
        pixels = self.pixels() if self._parent is None else self._parent.pixels()
        row = int(index) if self._parent is None else int(self._rows[index])
        target = -1 if self.targets is None else int(self.targets[index])
        return torch.from_numpy(np.array(pixels[row])), target

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        pixels = self.pixels()
        return pixels if dtype is None else pixels.astype(dtype)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_pixels"] = None  # the memory map is reopened from the cache where unpickled
        return state

    def __repr__(self) -> str:
        where = self.root if self.root is not None else f"{len(self)} files"
        return (
            f"ImageFolder({where!r}, n={len(self)}, classes={len(self.classes)}, "
            f"size={self.size}, mode={self.mode!r})"
        )


def _missing(values: list) -> np.ndarray:
    """None, NaN or empty-string labels."""
    out = np.zeros(len(values), dtype=bool)
    for i, value in enumerate(values):
        out[i] = value is None or value == "" or (isinstance(value, float) and value != value)
    return out


def _rows_hash(rows: np.ndarray | None) -> str:
    import hashlib

    return hashlib.sha256(np.ascontiguousarray(rows, dtype=np.int64).tobytes()).hexdigest()[:16]
