"""Greedy k-centers (farthest-first traversal) in linear memory.

The traversal keeps one running vector ``mind`` of half squared distances from every row to its
nearest chosen center. Each pick is the row with the largest ``mind``; then ``mind`` is lowered
with that row's distances, computed chunk by chunk with the expanded form
``|x|^2/2 - x.c + |c|^2/2`` (one matrix-vector product per chunk). Memory is O(n + d) beyond
``X``: never an n x n or k x n matrix, unlike the per-pick pairwise-distance style of common
implementations (measured in ``benchmarks/kcenters.py``).

Existing centers (``already_selected``) are applied in one bulk nearest-center assignment, with
FAISS for float32 input and chunked GEMM otherwise. A torch backend keeps the pool resident on a
CUDA device when one is present.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils import check_random_state

from .._optional import faiss_or_none
from ..utils import cuda_available
from .lazy_kcenters import _PickCounter, lazy_traversal

__all__ = [
    "greedy_kcenters",
    "KCentersResult",
    "assign_to_centers",
    "min_distances_to",
    "estimate_resources",
    "use_lazy_engine",
]

_CHUNK_ROWS = 65536
#: ``algorithm="auto"`` picks the lazy engine when ``n_samples * n_centers * n_features`` reaches
#: LAZY_THRESHOLD and the pool has at least LAZY_MIN_POOL_ELEMENTS entries. Measured by
#: benchmarks/kcenters.py on a 2-core CPU: a pool that fits in cache (20k x 64, 5 MB) makes the
#: plain loop's passes cheap and the lazy setup does not pay (0.7x at k = 1000), while from
#: 20k x 512 (39 MB) on, lazy is 2-4x faster already at k = 100.
LAZY_THRESHOLD = 1_000_000_000
LAZY_MIN_POOL_ELEMENTS = 4_000_000


def use_lazy_engine(n_samples: int, n_features: int, n_centers: int) -> bool:
    """Whether ``algorithm="auto"`` picks the lazy engine for this problem size.

    Examples
    --------
    >>> from svpkit.kernels.kcenters import use_lazy_engine
    >>> use_lazy_engine(20_000, 64, 1000), use_lazy_engine(500_000, 512, 1000)
    (False, True)
    """
    pool = n_samples * n_features
    return pool >= LAZY_MIN_POOL_ELEMENTS and pool * n_centers >= LAZY_THRESHOLD


class KCentersResult(NamedTuple):
    """Result of :func:`greedy_kcenters`.

    Attributes
    ----------
    indices : ndarray of int64, shape (n_centers_picked,)
        Picked rows, in pick order (never one of ``already_selected``).
    radii : ndarray of float, shape (n_centers_picked,)
        Covering radius (largest distance of any row to its nearest center, Euclidean) right
        after each pick.
    """

    indices: np.ndarray
    radii: np.ndarray


def _as_matrix(X: ArrayLike) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D (n_samples, n_features) for k-centers; got shape {X.shape}. "
            "Flatten images with X.reshape(len(X), -1)."
        )
    dtype = np.float64 if X.dtype == np.float64 else np.float32
    return np.ascontiguousarray(X, dtype=dtype)


def _half_sq_norms(X: np.ndarray) -> np.ndarray:
    """Half squared row norms; also the finiteness check of the pool, in the same pass.

    A NaN or inf anywhere in a row makes its norm NaN or inf, and so does a row too large for
    the expanded-form distances in this dtype (``|x|^2`` overflows), so one pass over the pool
    validates it instead of a separate ``isfinite`` pass with its boolean temporaries.
    """
    half = np.empty(X.shape[0], dtype=X.dtype)
    for start in range(0, X.shape[0], _CHUNK_ROWS):
        block = X[start : start + _CHUNK_ROWS]
        with np.errstate(over="ignore", invalid="ignore"):
            half[start : start + len(block)] = 0.5 * np.einsum("ij,ij->i", block, block)
    if not np.isfinite(half).all():
        bad = int(np.flatnonzero(~np.isfinite(half))[0])
        raise ValueError(
            f"X contains NaN or inf (first in row {bad}), or values too large for squared "
            f"distances in {X.dtype}; k-centers needs finite features."
        )
    return half


def _nearest_center(
    X: np.ndarray, half: np.ndarray, centers: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Position in ``centers`` of each row's nearest center, and the half squared distance.

    FAISS (float32) or chunked GEMM (float64): one ``chunk x n_centers`` block at a time, so
    memory stays linear in n however many centers there are.
    """
    nearest = np.empty(X.shape[0], dtype=np.int64)
    out = np.empty(X.shape[0], dtype=X.dtype)
    faiss = faiss_or_none()
    if faiss is not None and X.dtype == np.float32:
        index = faiss.IndexFlatL2(X.shape[1])
        index.add(np.ascontiguousarray(X[centers]))
        for start in range(0, X.shape[0], _CHUNK_ROWS):
            dist, pos = index.search(np.ascontiguousarray(X[start : start + _CHUNK_ROWS]), 1)
            out[start : start + len(dist)] = 0.5 * np.maximum(dist[:, 0], 0.0)
            nearest[start : start + len(dist)] = pos[:, 0]
        return nearest, out
    C = X[centers]
    half_c = half[centers]
    # min_j |x - c_j|^2 / 2 = |x|^2/2 + min_j (|c_j|^2/2 - x.c_j), chunks of ~16 MB.
    rows = max(1, min(_CHUNK_ROWS, (2 << 20) // max(1, len(centers))))
    for start in range(0, X.shape[0], rows):
        block = X[start : start + rows]
        d = block @ C.T
        np.subtract(half_c[None, :], d, out=d)
        stop = start + len(block)
        pos = d.argmin(axis=1)
        nearest[start:stop] = pos
        np.add(half[start:stop], d[np.arange(len(block)), pos], out=out[start:stop])
    return nearest, np.maximum(out, 0.0, out=out)


def _min_half_sq_dist_to(X: np.ndarray, half: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Half squared distance from each row of X to its nearest row of ``centers``."""
    return _nearest_center(X, half, centers)[1]


def assign_to_centers(X: ArrayLike, centers: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Assign every row to its nearest center (FAISS for float32 input), in linear memory.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    centers : array-like of int
        Row indices of the centers (e.g. the picks of :func:`greedy_kcenters`).

    Returns
    -------
    assignment : ndarray of int64, shape (n_samples,)
        Position in ``centers`` of each row's nearest center;
        ``np.bincount(assignment, minlength=len(centers))`` gives cluster sizes (core-set
        weights).
    distance : ndarray of float64, shape (n_samples,)
        Euclidean distance to that center.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.kcenters import assign_to_centers
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0], [12.0]])
    >>> assignment, distance = assign_to_centers(X, [0, 3])
    >>> assignment.tolist(), np.bincount(assignment).tolist(), distance.tolist()
    ([0, 0, 1, 1, 1], [2, 3], [0.0, 1.0, 1.0, 0.0, 1.0])
    """
    X = _as_matrix(X)
    centers = np.asarray(centers, dtype=np.int64)
    if centers.ndim != 1 or centers.size == 0:
        raise ValueError("centers must be a non-empty 1-D array of row indices.")
    if centers.min() < 0 or centers.max() >= len(X):
        raise ValueError(f"centers holds indices outside [0, {len(X)}).")
    nearest, half_sq = _nearest_center(X, _half_sq_norms(X), centers)
    return nearest, np.sqrt(2.0 * half_sq.astype(np.float64))


def _traverse_numpy(X, half, mind, n_picks, first, progress=None):
    counter = _PickCounter(progress, n_picks)
    buf = np.empty(min(_CHUNK_ROWS, X.shape[0]), dtype=X.dtype)
    picks = np.empty(n_picks, dtype=np.int64)
    radii = np.empty(n_picks, dtype=np.float64)

    def apply(c):
        xc = X[c]
        hc = half[c]
        for start in range(0, X.shape[0], _CHUNK_ROWS):
            stop = min(start + _CHUNK_ROWS, X.shape[0])
            t = buf[: stop - start]
            np.dot(X[start:stop], xc, out=t)
            np.subtract(half[start:stop], t, out=t)
            t += hc
            np.minimum(mind[start:stop], t, out=mind[start:stop])
        mind[c] = -1.0  # marks a center: never picked again, whatever the ties

    if mind is None:
        mind = np.full(X.shape[0], np.inf, dtype=X.dtype)
    c = first if first is not None else int(np.argmax(mind))
    for i in range(n_picks):
        picks[i] = c
        apply(c)
        # The next pick is the farthest row, and its distance is the covering radius now.
        c = int(np.argmax(mind))
        radii[i] = np.sqrt(2.0 * max(float(mind[c]), 0.0))
        counter.update(i + 1)
    counter.close(n_picks)
    return picks, radii


def _traverse_torch(X, half, mind, n_picks, first, device, progress=None):
    import torch

    counter = _PickCounter(progress, n_picks)
    Xt = torch.from_numpy(X).to(device)
    half = torch.from_numpy(half).to(device)
    m = (
        torch.full((X.shape[0],), float("inf"), dtype=Xt.dtype, device=device)
        if mind is None
        else torch.from_numpy(mind).to(device)
    )
    picks = torch.empty(n_picks, dtype=torch.int64, device=device)
    radii = torch.empty(n_picks, dtype=torch.float64, device=device)
    for i in range(n_picks):
        # argmax stays on the device; no host round-trip per pick.
        c = torch.tensor(first, device=device) if (i == 0 and first is not None) else m.argmax()
        picks[i] = c
        for start in range(0, X.shape[0], _CHUNK_ROWS):
            stop = min(start + _CHUNK_ROWS, X.shape[0])
            t = half[start:stop] - Xt[start:stop] @ Xt[c] + half[c]
            torch.minimum(m[start:stop], t, out=m[start:stop])
        m[c] = -1.0
        radii[i] = torch.sqrt(2.0 * m.max().clamp(min=0.0).double())
        counter.update(i + 1)  # counts queued picks: no device sync
    picks, radii = picks.cpu().numpy(), radii.cpu().numpy()
    counter.close(n_picks)
    return picks, radii


def greedy_kcenters(
    X: ArrayLike,
    n_centers: int,
    *,
    already_selected: ArrayLike | None = None,
    random_state: int | np.random.RandomState | None = None,
    backend: Literal["auto", "numpy", "torch"] = "auto",
    device: str = "auto",
    algorithm: Literal["auto", "lazy", "plain"] = "auto",
    existing_as: Literal["picks", "search"] = "picks",
    progress: Callable[[int], None] | None = None,
) -> KCentersResult:
    """Greedy k-centers: the farthest-first traversal of Sener & Savarese (2018).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Points, e.g. a proxy's penultimate-layer embeddings. float64 input is computed in
        float64, everything else in float32.
    n_centers : int
        Number of new centers to pick.
    already_selected : array-like of int, default=None
        Rows that are already centers (e.g. the labeled set in active learning). They are never
        returned. When ``None``, the first center is drawn with ``random_state`` and counts toward
        ``n_centers``.
    random_state : int, RandomState instance or None, default=None
        Seeds the first center when ``already_selected`` is empty.
    backend : {"auto", "numpy", "torch"}, default="auto"
        ``"auto"`` uses torch on a CUDA device when one is present and numpy/BLAS otherwise
        (on CPU, numpy's BLAS matrix-vector product is ~3x faster than torch's).
    device : str, default="auto"
        Torch device for ``backend="torch"``; ``"auto"`` means CUDA when available.
    algorithm : {"auto", "lazy", "plain"}, default="auto"
        numpy backend only. ``"plain"`` reads the pool once per pick (one matrix-vector
        product); ``"lazy"`` certifies each pick exactly from a short candidate list, applies
        centers in blocked matrix-matrix products, and updates only the rows whose stale bound
        could still be picked (:mod:`svpkit.kernels.lazy_kcenters`). ``"auto"`` uses lazy when
        ``n_samples * n_centers * n_features`` reaches ``LAZY_THRESHOLD`` and the pool does
        not fit in cache (``LAZY_MIN_POOL_ELEMENTS``), where its setup pays for itself.
    existing_as : {"picks", "search"}, default="picks"
        Lazy engine only: how ``already_selected`` enters. ``"picks"`` treats them as picks
        already made, applied only to rows that could still be picked; ``"search"`` first
        computes every row's exact distance to them (one FAISS nearest-center search), the
        older route, kept to measure the difference (``benchmarks/kcenters_labeled.py``). Both
        give the same picks.
    progress : callable, default=None
        Called as ``progress(n_new)`` with the number of picks made since its previous call, in
        at most ~100 batches (every ``ceil(n_centers / 100)`` picks, and once more for the
        rest), so its cost is negligible; the calls add up to ``len(result.indices)`` (no
        call when ``n_centers == 0``). Existing centers are not counted. For a progress bar,
        pass e.g. ``tqdm(total=n_centers).update``. It never changes the picks.

    Returns
    -------
    result : KCentersResult
        ``(indices, radii)``: the picks in order and the covering radius after each pick.

    Notes
    -----
    Ties go to the lowest row index, as :func:`numpy.argmax`. Distances use the expanded form, so
    float32 near-ties (relative gap below ~1e-6) can resolve differently from a float64
    computation with explicit differences.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit import greedy_kcenters
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [10.0, 1.0]])
    >>> idx, radii = greedy_kcenters(X, 2, already_selected=[0])
    >>> idx.tolist(), radii.round(3).tolist()
    ([3, 1], [1.0, 1.0])
    """
    X = _as_matrix(X)
    n = X.shape[0]
    if isinstance(n_centers, bool) or not isinstance(n_centers, (int, np.integer)):
        raise TypeError(f"n_centers must be an int; got {n_centers!r}.")
    existing = (
        np.unique(np.asarray(already_selected, dtype=np.int64))
        if already_selected is not None
        else np.empty(0, dtype=np.int64)
    )
    if existing.size and (existing.min() < 0 or existing.max() >= n):
        raise ValueError(f"already_selected holds indices outside [0, {n}).")
    available = n - existing.size
    if n_centers < 0 or n_centers > available:
        raise ValueError(
            f"n_centers={n_centers} must be between 0 and the {available} rows that are not "
            "already selected."
        )
    if backend not in ("auto", "numpy", "torch"):
        raise ValueError(f"backend must be 'auto', 'numpy' or 'torch'; got {backend!r}.")
    if algorithm not in ("auto", "lazy", "plain"):
        raise ValueError(f"algorithm must be 'auto', 'lazy' or 'plain'; got {algorithm!r}.")
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable taking an int, or None; got {progress!r}.")
    half = _half_sq_norms(X)  # validates the pool too
    if n_centers == 0:
        return KCentersResult(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))

    first = None if existing.size else int(check_random_state(random_state).randint(n))
    use_torch = backend == "torch" or (backend == "auto" and cuda_available())
    lazy = not use_torch and (
        algorithm == "lazy" or (algorithm == "auto" and use_lazy_engine(n, X.shape[1], n_centers))
    )
    if existing_as not in ("picks", "search"):
        raise ValueError(f"existing_as must be 'picks' or 'search'; got {existing_as!r}.")
    if lazy and existing_as == "search" and existing.size:
        mind = _min_half_sq_dist_to(X, half, existing)
        mind[existing] = -1.0
        return KCentersResult(*lazy_traversal(X, half, mind, n_centers, None, progress=progress))
    if lazy:
        # Existing centers go in as picks already made: the engine applies them only to the
        # rows that could still be picked, instead of a full nearest-center search up front.
        picks, radii = lazy_traversal(
            X,
            half,
            None,
            n_centers,
            first,
            existing=existing if existing.size else None,
            progress=progress,
        )
        return KCentersResult(picks, radii)
    mind = None
    if existing.size:
        mind = _min_half_sq_dist_to(X, half, existing)
        mind[existing] = -1.0
    if use_torch:
        from ..utils import resolve_device

        picks, radii = _traverse_torch(
            X, half, mind, n_centers, first, resolve_device(device), progress
        )
    else:
        picks, radii = _traverse_numpy(X, half, mind, n_centers, first, progress)
    return KCentersResult(picks, radii)


def estimate_resources(
    n_samples: int, n_features: int, n_centers: int, *, dtype: str = "float32"
) -> dict[str, float | str]:
    """Memory and time class of :func:`greedy_kcenters` before running it.

    Memory beyond the pool is linear: a few n-vectors, the lazy engine's per-row sync counters,
    hot-row indices and candidate copy, and fixed-size matrix blocks. Time is modelled from
    ``benchmarks/kcenters.py`` on a 2-core CPU: the plain loop is bandwidth-bound (one pass per
    pick at ~45 GB/s); the lazy engine is GEMM-bound and data-dependent, measured at 2e-12 s
    (Gaussian) to 6e-12 s (clustered) per ``n_samples * n_centers * n_features`` at 500k-1M x
    512, plus a few dozen passes over the pool. Treat these as orders of magnitude.

    Parameters
    ----------
    n_samples, n_features, n_centers : int
    dtype : {"float32", "float64"}, default="float32"

    Returns
    -------
    estimate : dict
        ``pool_bytes``, ``extra_bytes`` (beyond the pool), ``algorithm`` chosen by ``"auto"``,
        ``plain_passes``, ``plain_seconds_at_45GBps``, ``lazy_seconds_low`` and
        ``lazy_seconds_high``, and ``time_class`` (from the chosen engine's estimate, the high
        end for lazy).

    Examples
    --------
    >>> from svpkit.kernels.kcenters import estimate_resources
    >>> est = estimate_resources(500_000, 512, 1000)
    >>> est["algorithm"], round(est["pool_bytes"] / 2**30, 2), est["time_class"]
    ('lazy', 0.95, 'seconds')
    """
    for name, value in (("n_samples", n_samples), ("n_features", n_features)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}.")
    if isinstance(n_centers, bool) or not isinstance(n_centers, (int, np.integer)):
        raise ValueError(f"n_centers must be an int; got {n_centers!r}.")
    if not 0 <= n_centers <= n_samples:
        raise ValueError(f"n_centers={n_centers} must be between 0 and n_samples={n_samples}.")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}.")
    itemsize = np.dtype(dtype).itemsize
    pool = n_samples * n_features * itemsize
    candidates = min(n_samples, max(4096, n_samples // 32))
    vectors = 6 * n_samples * itemsize + n_centers * 16
    lazy = use_lazy_engine(n_samples, n_features, n_centers)
    lazy_extra = (
        n_samples * (4 + 8)  # sync counters (int32) + indices of the rows to update (int64)
        + candidates * n_features * itemsize  # contiguous copy of the candidate rows
        + ((1 << 22) + (1 << 20)) * itemsize  # a gathered row chunk and its GEMM block
    )
    extra = vectors + (lazy_extra if lazy else 0)
    plain_seconds = max(0, n_centers - 1) * pool / 45e9
    work = n_samples * n_centers * n_features * itemsize / 4  # float64 moves twice the bytes
    lazy_low = 2e-12 * work
    lazy_high = 6e-12 * work + 40 * pool / 45e9
    expected = lazy_high if lazy else plain_seconds
    time_class = (
        "interactive (< 1 s)"
        if expected < 1
        else "seconds"
        if expected < 60
        else "minutes"
        if expected < 3600
        else "hours"
    )
    return {
        "pool_bytes": float(pool),
        "extra_bytes": float(extra),
        "algorithm": "lazy" if lazy else "plain",
        "plain_passes": float(max(0, n_centers - 1)),
        "plain_seconds_at_45GBps": float(plain_seconds),
        "lazy_seconds_low": float(lazy_low),
        "lazy_seconds_high": float(lazy_high),
        "time_class": time_class,
    }


def min_distances_to(X: ArrayLike, centers: ArrayLike) -> np.ndarray:
    """Distance from every row of ``X`` to its nearest row of ``centers`` (linear memory).

    Unlike :func:`assign_to_centers`, the centers are points of their own, not rows of ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.kcenters import min_distances_to
    >>> min_distances_to(np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[0.0, 0.0]])).tolist()
    [0.0, 5.0]
    """
    X = _as_matrix(X)
    C = _as_matrix(centers).astype(X.dtype, copy=False)
    if C.shape[0] == 0 or C.shape[1] != X.shape[1]:
        raise ValueError(
            f"centers must be a non-empty (n_centers, {X.shape[1]}) array; got {C.shape}."
        )
    stacked = np.concatenate([C, X])
    _, half_sq = _nearest_center(stacked, _half_sq_norms(stacked), np.arange(len(C)))
    return np.sqrt(2.0 * np.maximum(half_sq[len(C) :], 0).astype(np.float64))
