"""Generated data sets for the held-out cells of ``benchmarks/cells.py``.

Written and committed before the default rule of issue 35 was tuned, and not looked at since
(:data:`benchmarks.cells.HELDOUT_CELLS`). Each generator is seeded, returns a
:class:`~benchmarks.common.data.Split` of float32 rows and has its own kind of structure, none
of which the development cells have: shift-invariant 1-D signals (a convolutional target beats
the default MLP proxy by far), small 2-D drawings, tabular rows with clusters per class (a
gradient-boosting target) and an imbalanced non-linear tabular task (an MLP target).
"""

from __future__ import annotations

import numpy as np

from .data import Split

__all__ = ["make_signals_1d", "make_shapes_2d", "make_clustered_tabular", "make_quantile_rings"]


def _split(X: np.ndarray, y: np.ndarray, n_train: int) -> Split:
    f32 = np.float32
    return Split(X[:n_train].astype(f32), X[n_train:].astype(f32), y[:n_train], y[n_train:], None)


def make_signals_1d(seed: int = 0, n_train: int = 4000, n_test: int = 2000) -> Split:
    """10 classes of noisy 1-D signals (length 128), each a class's mix of two tones and a
    burst, shifted at random: a convolution finds them where they are, an MLP on the raw
    samples barely does.

    Examples
    --------
    >>> from benchmarks.common.heldout_data import make_signals_1d
    >>> split = make_signals_1d(n_train=50, n_test=10)
    >>> split.X_train.shape, split.y_test.shape
    ((50, 128), (10,))
    """
    rng = np.random.RandomState(seed)
    length, k, n = 128, 10, n_train + n_test
    t = np.arange(length) / length
    freqs = rng.uniform(2, 20, size=(k, 2))
    burst_at = rng.uniform(0.2, 0.8, size=k)
    burst_freq = rng.uniform(20, 40, size=k)
    y = rng.randint(k, size=n)
    jitter = rng.uniform(0.95, 1.05, size=(n, 2))
    phase = rng.uniform(0, 2 * np.pi, size=(n, 2))
    X = np.sin(2 * np.pi * freqs[y, 0:1] * jitter[:, 0:1] * t + phase[:, 0:1])
    X += 0.7 * np.sin(2 * np.pi * freqs[y, 1:2] * jitter[:, 1:2] * t + phase[:, 1:2])
    envelope = np.exp(-((t - burst_at[y][:, None]) ** 2) / (2 * 0.04**2))
    X += 1.5 * envelope * np.sin(2 * np.pi * burst_freq[y][:, None] * t)
    shifts = rng.randint(length, size=n)
    X = np.stack([np.roll(row, s) for row, s in zip(X, shifts, strict=True)])
    X *= rng.uniform(0.6, 1.4, size=(n, 1))
    X += rng.randn(n, length) * 1.0
    return _split(X, y, n_train)


def _draw_shape(kind: int, size: int, rng: np.random.RandomState) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    cy, cx = rng.uniform(4.5, size - 4.5, size=2)
    r = rng.uniform(2.5, 4.5)
    dy, dx = yy - cy, xx - cx
    if kind == 0:  # disc
        img = (dy**2 + dx**2 <= r**2).astype(float)
    elif kind == 1:  # ring
        d = np.sqrt(dy**2 + dx**2)
        img = (np.abs(d - r) <= 0.8).astype(float)
    elif kind == 2:  # filled square
        img = ((np.abs(dy) <= r * 0.8) & (np.abs(dx) <= r * 0.8)).astype(float)
    elif kind == 3:  # square outline
        m = np.maximum(np.abs(dy), np.abs(dx))
        img = (np.abs(m - r * 0.8) <= 0.6).astype(float)
    elif kind == 4:  # plus
        img = ((np.abs(dy) <= 0.8) & (np.abs(dx) <= r)) | ((np.abs(dx) <= 0.8) & (np.abs(dy) <= r))
        img = img.astype(float)
    elif kind == 5:  # cross (x)
        img = ((np.abs(dy - dx) <= 1.0) | (np.abs(dy + dx) <= 1.0)) & (np.abs(dy) <= r)
        img = img.astype(float)
    elif kind == 6:  # triangle
        img = ((dy <= r * 0.8) & (dy >= -r) & (np.abs(dx) <= (dy + r) * 0.6)).astype(float)
    else:  # two dots
        img = ((dy**2 + (dx - r) ** 2 <= 2.0) | (dy**2 + (dx + r) ** 2 <= 2.0)).astype(float)
    return img


def make_shapes_2d(seed: int = 0, n_train: int = 4000, n_test: int = 2000) -> Split:
    """8 classes of 16x16 drawings (disc, ring, squares, plus, cross, triangle, two dots) at a
    random place and size, on a random brightness ramp with noise. ``image_shape`` is left None
    in the split; the rows fold to ``(1, 16, 16)``.

    Examples
    --------
    >>> from benchmarks.common.heldout_data import make_shapes_2d
    >>> make_shapes_2d(n_train=40, n_test=8).X_train.shape
    (40, 256)
    """
    rng = np.random.RandomState(seed)
    size, k, n = 16, 8, n_train + n_test
    y = rng.randint(k, size=n)
    yy, xx = np.mgrid[0:size, 0:size] / size
    X = np.empty((n, size * size))
    for i, kind in enumerate(y):
        img = _draw_shape(int(kind), size, rng) * rng.uniform(0.5, 1.0)
        ramp = rng.uniform(-0.3, 0.3) * yy + rng.uniform(-0.3, 0.3) * xx
        X[i] = (img + ramp + rng.randn(size, size) * 0.3).ravel()
    return _split(X, y, n_train)


def make_clustered_tabular(seed: int = 0, n_train: int = 6000, n_test: int = 2000) -> Split:
    """6 classes of 30 tabular features, three clusters per class, 3% of the labels flipped
    (:func:`sklearn.datasets.make_classification`), then one feature in three squared or put
    through a log so the scales differ as in real tables.

    Examples
    --------
    >>> from benchmarks.common.heldout_data import make_clustered_tabular
    >>> make_clustered_tabular(n_train=60, n_test=20).X_test.shape
    (20, 30)
    """
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n_train + n_test,
        n_features=30,
        n_informative=12,
        n_redundant=6,
        n_classes=6,
        n_clusters_per_class=3,
        class_sep=1.0,
        flip_y=0.03,
        random_state=seed,
    )
    X[:, ::3] = X[:, ::3] ** 2
    X[:, 1::3] = np.sign(X[:, 1::3]) * np.log1p(np.abs(X[:, 1::3]) * 10)
    return _split(X, y, n_train)


def make_quantile_rings(seed: int = 0, n_train: int = 6000, n_test: int = 2000) -> Split:
    """5 imbalanced classes of nested Gaussian shells in 8 dimensions
    (:func:`sklearn.datasets.make_gaussian_quantiles`) plus 12 noise features; the classes are
    thinned to about 40/25/17/11/7% so the rare ones are hard to find. Standardised.

    Examples
    --------
    >>> import numpy as np
    >>> from benchmarks.common.heldout_data import make_quantile_rings
    >>> split = make_quantile_rings(n_train=300, n_test=100)
    >>> split.X_train.shape, int(np.bincount(split.y_train).argmax())
    ((300, 20), 0)
    """
    from sklearn.datasets import make_gaussian_quantiles

    rng = np.random.RandomState(seed)
    keep_share = np.array([1.0, 0.62, 0.42, 0.28, 0.18])
    n_total = n_train + n_test
    X, y = make_gaussian_quantiles(
        n_samples=int(n_total / keep_share.mean() * 1.1),
        n_features=8,
        n_classes=5,
        random_state=seed,
    )
    kept = rng.rand(len(y)) < keep_share[y]
    X, y = X[kept][:n_total], y[kept][:n_total]
    X = np.hstack([X, rng.randn(len(y), 12)])
    X = (X - X[:n_train].mean(0)) / X[:n_train].std(0)
    order = rng.permutation(len(y))
    return _split(X[order], y[order], n_train)
