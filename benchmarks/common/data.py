"""The datasets the benchmarks read, and the fixed stratified train/test splits they cut.

Every benchmark's split is stratified and seeded; what differs between benchmarks (the test
share, the seed, a smaller sample for ``--quick``) is a parameter here, so two benchmarks that
name the same split read the same rows.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "Split",
    "load",
    "text_split",
    "make_redundant",
    "pool_paths",
    "make_pool",
    "POOL_DIR",
    "POOL_FEATURES",
    "POOL_CLASSES",
    "TEXT_DATASETS",
    "TEXT_TEST_SHARE",
    "TEXT_SPLIT_SEED",
]

#: Names :func:`load` reads with :func:`svpkit.datasets.load_text_dataset` (object arrays of
#: strings).
TEXT_DATASETS = ("rotten_tomatoes",)
#: The text benchmarks' split of Rotten Tomatoes: its test share and seed.
TEXT_TEST_SHARE = 0.25
TEXT_SPLIT_SEED = 0
#: The generated on-disk pool of the scale benchmarks: where it is kept, its columns, classes
#: and clusters.
POOL_DIR = Path("/tmp/svpkit-scale")
POOL_FEATURES = 128
POOL_CLASSES = 10
POOL_CLUSTERS = 100


class Split(NamedTuple):
    """A dataset cut into a pool to select from and a held-out test set."""

    X_train: Any
    X_test: Any
    y_train: np.ndarray
    y_test: np.ndarray
    image_shape: tuple[int, int, int] | None  # None for rows that are not images (text)


def load(
    dataset: str, *, test_size: float | int, seed: int = 0, max_rows: int | None = None
) -> Split:
    """A stratified, seeded train/test split of a bundled image or text dataset.

    Parameters
    ----------
    dataset : str
        ``"digits"`` or ``"mnist"`` (rows of float32 pixels in [0, 1]; ``image_shape`` says how
        to fold them), or ``"rotten_tomatoes"`` (object arrays of strings).
    test_size : float or int
        The test share (or row count), as :func:`sklearn.model_selection.train_test_split`.
    seed : int, default=0
        The split's ``random_state``.
    max_rows : int, default=None
        First draw a stratified sample of this many rows (with the same seed), for smoke runs.

    Returns
    -------
    split : Split

    Examples
    --------
    >>> from benchmarks.common.data import load
    >>> split = load("digits", test_size=0.2, seed=0)
    >>> split.X_train.shape, split.X_test.shape, split.image_shape
    ((1437, 64), (360, 64), (1, 8, 8))
    >>> load("digits", test_size=0.5, max_rows=100).X_train.shape
    (50, 64)
    """
    from sklearn.model_selection import train_test_split

    if dataset in TEXT_DATASETS:
        from svpkit.datasets import load_text_dataset

        text = load_text_dataset(dataset)
        X, y, image_shape = text.texts, text.y, None
    else:
        from svpkit.datasets import load_image_dataset

        image = load_image_dataset(dataset)
        X, y, image_shape = image.X, image.y, image.image_shape
    if max_rows:
        X, _, y, _ = train_test_split(X, y, train_size=max_rows, stratify=y, random_state=seed)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    return Split(X_tr, X_te, y_tr, y_te, image_shape)


def text_split(max_rows: int | None = None) -> Split:
    """Rotten Tomatoes as the text benchmarks split it (the same rows in ``text_coreset`` and
    ``coreset_quality``): ``TEXT_TEST_SHARE`` of it for testing, seed ``TEXT_SPLIT_SEED``.

    Parameters
    ----------
    max_rows : int, default=None
        A stratified sample of this many rows first (``--quick``).

    Returns
    -------
    split : Split

    Examples
    --------
    >>> from benchmarks.common.data import text_split
    >>> split = text_split(max_rows=800)  # doctest: +SKIP
    >>> len(split.X_train), len(split.X_test), split.image_shape  # doctest: +SKIP
    (600, 200, None)
    """
    return load(
        "rotten_tomatoes", test_size=TEXT_TEST_SHARE, seed=TEXT_SPLIT_SEED, max_rows=max_rows
    )


def make_redundant(seed: int = 0, n_train: int = 20000, n_test: int = 4000) -> Split:
    """A generated set with heavy redundancy: 400 prototypes x ~50 near-duplicates.

    10 classes, 32 features, 5% of the training labels flipped; standardised on the training
    rows. Where core-set selection should shine (most rows repeat another).

    Parameters
    ----------
    seed : int, default=0
    n_train, n_test : int
        Rows of the pool and of the test set.

    Returns
    -------
    split : Split
        float32 rows, ``image_shape`` None.

    Examples
    --------
    >>> from benchmarks.common.data import make_redundant
    >>> split = make_redundant(n_train=500, n_test=100)
    >>> split.X_train.shape, split.X_test.dtype, sorted(set(split.y_train.tolist()))[:3]
    ((500, 32), dtype('float32'), [0, 1, 2])
    """
    from sklearn.preprocessing import StandardScaler

    rng = np.random.RandomState(seed)
    n_proto, d, k = 400, 32, 10
    centers = rng.randn(k, d) * 0.4
    proto_y = rng.randint(k, size=n_proto)
    protos = centers[proto_y] + rng.randn(n_proto, d)
    n = n_train + n_test
    which = rng.randint(n_proto, size=n)
    X = protos[which] + rng.randn(n, d) * 0.7
    y = proto_y[which].copy()
    X_tr, X_te, y_tr, y_te = X[:n_train], X[n_train:], y[:n_train], y[n_train:]
    flip = rng.rand(n_train) < 0.05
    y_tr = y_tr.copy()
    y_tr[flip] = (y_tr[flip] + rng.randint(1, k, size=flip.sum())) % k
    scaler = StandardScaler().fit(X_tr)
    f32 = np.float32
    return Split(
        scaler.transform(X_tr).astype(f32), scaler.transform(X_te).astype(f32), y_tr, y_te, None
    )


def pool_paths(data_dir: Path, n_rows: int) -> tuple[Path, Path]:
    """Where :func:`make_pool` keeps the ``n_rows`` pool: ``(rows .npy, labels .npy)``.

    Parameters
    ----------
    data_dir : pathlib.Path
    n_rows : int

    Returns
    -------
    paths : tuple of pathlib.Path

    Examples
    --------
    >>> from pathlib import Path
    >>> from benchmarks.common.data import pool_paths
    >>> [p.name for p in pool_paths(Path("/tmp/svpkit-scale"), 1000)]
    ['pool_1000x128.npy', 'labels_1000.npy']
    """
    return data_dir / f"pool_{n_rows}x{POOL_FEATURES}.npy", data_dir / f"labels_{n_rows}.npy"


def make_pool(data_dir: Path, n_rows: int, seed: int = 0) -> tuple[Path, Path]:
    """A clustered ``n_rows x 128`` float32 pool on disk, for ``np.load(..., mmap_mode="r")``.

    100 Gaussian clusters of unit noise around centers of norm ~34, 10 clusters per class.
    Written in chunks (the generator needs no n x d memory); a pool already there is reused.

    Parameters
    ----------
    data_dir : pathlib.Path
        Created if missing.
    n_rows : int
    seed : int, default=0

    Returns
    -------
    paths : tuple of pathlib.Path
        ``(rows .npy, labels .npy)``, as :func:`pool_paths`.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from benchmarks.common.data import make_pool
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     x_path, y_path = make_pool(Path(tmp), 1000)
    ...     X = np.load(x_path, mmap_mode="r")
    ...     print(X.shape, X.dtype, sorted(set(np.load(y_path).tolist())) == list(range(10)))
    (1000, 128) float32 True
    """
    x_path, y_path = pool_paths(data_dir, n_rows)
    if x_path.exists() and y_path.exists():
        return x_path, y_path
    data_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    centers = (rng.standard_normal((POOL_CLUSTERS, POOL_FEATURES)) * 3).astype(np.float32)
    tmp = x_path.with_suffix(".tmp.npy")
    X = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(n_rows, POOL_FEATURES))
    y = np.empty(n_rows, dtype=np.int64)
    step = 1 << 18
    for start in range(0, n_rows, step):
        m = min(step, n_rows - start)
        cluster = rng.integers(0, POOL_CLUSTERS, m)
        X[start : start + m] = centers[cluster] + rng.standard_normal(
            (m, POOL_FEATURES), dtype=np.float32
        )
        y[start : start + m] = cluster % POOL_CLASSES
    X.flush()
    del X
    os.replace(tmp, x_path)
    np.save(y_path, y)
    return x_path, y_path
