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
from sklearn.utils._param_validation import InvalidParameterError, StrOptions, validate_params

from .._optional import import_optional
from .._validation import Count
from ..utils import cuda_available
from . import pruned_assign
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

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit import KCentersResult, greedy_kcenters
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [10.0, 1.0]])
    >>> result = greedy_kcenters(X, 2, already_selected=[0])
    >>> isinstance(result, KCentersResult)
    True
    >>> result.indices.tolist(), result.radii.round(3).tolist()
    ([3, 1], [1.0, 1.0])
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
    X: np.ndarray,
    half: np.ndarray,
    centers: np.ndarray,
    strategy: Literal["auto", "brute", "pruned"] = "auto",
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Position in ``centers`` of each row's nearest center, and the half squared distance.

    ``progress(n_rows)`` is called after each chunk of rows.

    Large problems go through the triangle-inequality pruning of
    :mod:`svpkit.kernels.pruned_assign` when a sample of rows says it skips most centers.
    Otherwise FAISS (float32) or chunked GEMM (float64): one ``chunk x n_centers`` block at a
    time, so memory stays linear in n however many centers there are.
    """
    return _nearest(X, half, X[centers], half[centers], strategy, progress)


def _nearest(
    X: np.ndarray,
    half: np.ndarray,
    C: np.ndarray,
    half_c: np.ndarray,
    strategy: Literal["auto", "brute", "pruned"] = "auto",
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest row of ``C`` for every row of ``X`` and the half squared distance: pruned
    (:mod:`svpkit.kernels.pruned_assign`) when ``strategy`` asks for it, or for ``"auto"``
    on large problems where a sample of rows says it pays; brute force otherwise."""
    if strategy == "pruned" or (
        strategy == "auto" and X.shape[0] * len(C) >= pruned_assign.MIN_PAIRS
    ):
        m, heads, group, work = pruned_assign.plan_groups(X, C)
        if m and (strategy == "pruned" or work < pruned_assign.MAX_WORK_SHARE * len(C)):
            return pruned_assign.pruned_nearest_center(
                X, half, C, half_c, heads, group, progress=progress
            )
    return _brute_nearest(X, half, C, half_c, progress)


def _brute_nearest(
    X: np.ndarray,
    half: np.ndarray,
    C: np.ndarray,
    half_c: np.ndarray,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest row of ``C`` for every row of ``X`` (brute force: FAISS for float32, chunked
    GEMM otherwise) and the half squared distance; ``half``/``half_c`` are half squared norms."""
    nearest = np.empty(X.shape[0], dtype=np.int64)
    out = np.empty(X.shape[0], dtype=X.dtype)
    if X.dtype == np.float32:
        faiss = import_optional("faiss")  # imported here: `import svpkit` stays light
        index = faiss.IndexFlatL2(X.shape[1])
        index.add(np.ascontiguousarray(C, dtype=np.float32))
        for start in range(0, X.shape[0], _CHUNK_ROWS):
            dist, pos = index.search(np.ascontiguousarray(X[start : start + _CHUNK_ROWS]), 1)
            out[start : start + len(dist)] = 0.5 * np.maximum(dist[:, 0], 0.0)
            nearest[start : start + len(dist)] = pos[:, 0]
            if progress is not None:
                progress(len(dist))
        return nearest, out
    # min_j |x - c_j|^2 / 2 = |x|^2/2 + min_j (|c_j|^2/2 - x.c_j), chunks of ~16 MB.
    rows = max(1, min(_CHUNK_ROWS, (2 << 20) // max(1, len(C))))
    for start in range(0, X.shape[0], rows):
        block = X[start : start + rows]
        d = block @ C.T
        np.subtract(half_c[None, :], d, out=d)
        stop = start + len(block)
        pos = d.argmin(axis=1)
        nearest[start:stop] = pos
        np.add(half[start:stop], d[np.arange(len(block)), pos], out=out[start:stop])
        if progress is not None:
            progress(len(block))
    return nearest, np.maximum(out, 0.0, out=out)


def _min_half_sq_dist_to(X: np.ndarray, half: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Half squared distance from each row of X to its nearest row of ``centers``."""
    return _nearest_center(X, half, centers)[1]


def assign_to_centers(
    X: ArrayLike,
    centers: ArrayLike,
    *,
    strategy: Literal["auto", "brute", "pruned"] = "auto",
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Assign every row to its nearest center, exactly, in linear memory.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    centers : array-like of int
        Row indices of the centers (e.g. the picks of :func:`greedy_kcenters`).
    strategy : {"auto", "brute", "pruned"}, default="auto"
        ``"brute"`` compares every row with every center (FAISS for float32 input, chunked
        GEMM otherwise). ``"pruned"`` groups the centers and skips, by the triangle inequality,
        the groups that cannot hold a row's nearest center
        (:mod:`svpkit.kernels.pruned_assign`). ``"auto"`` prunes when there are at least
        ``2**28`` row-center pairs and a sample of rows says pruning skips at least half of
        the work: for the core-set weights of ``benchmarks/scale.py`` (10M x 128 proxy
        embeddings, 1,000 picks) it estimates 27% of brute force's work and takes 9 s
        instead of ~18 s; on i.i.d. Gaussian data it skips nothing, so brute force stays.
        All three give the same assignment up to near-ties of float rounding size.
    progress : callable, default=None
        Called as ``progress(n_rows)`` after each chunk of rows is assigned (e.g. a tqdm
        bar's ``update``); the calls add up to ``n_samples``.

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
    if strategy not in ("auto", "brute", "pruned"):
        raise ValueError(f"strategy must be 'auto', 'brute' or 'pruned'; got {strategy!r}.")
    nearest, half_sq = _nearest_center(X, _half_sq_norms(X), centers, strategy, progress)
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


@validate_params(
    {
        "X": ["array-like"],
        "n_centers": [Count(0, None, closed="left")],
        "already_selected": ["array-like", None],
        "random_state": ["random_state"],
        "backend": [StrOptions({"auto", "numpy", "torch"})],
        "device": [str],
        "algorithm": [StrOptions({"auto", "lazy", "plain"})],
        "existing_as": [StrOptions({"picks", "search"})],
        "progress": [callable, None],
    },
    prefer_skip_nested_validation=True,
)
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
    existing = (
        np.unique(np.asarray(already_selected, dtype=np.int64))
        if already_selected is not None
        else np.empty(0, dtype=np.int64)
    )
    # What depends on X (the parameters' types and choices are checked by validate_params).
    if existing.size and (existing.min() < 0 or existing.max() >= n):
        raise InvalidParameterError(f"already_selected holds indices outside [0, {n}).")
    available = n - existing.size
    if n_centers > available:
        raise InvalidParameterError(
            f"n_centers={n_centers} must be between 0 and the {available} rows that are not "
            "already selected."
        )
    half = _half_sq_norms(X)  # validates the pool too
    if n_centers == 0:
        return KCentersResult(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))

    first = None if existing.size else int(check_random_state(random_state).randint(n))
    use_torch = backend == "torch" or (backend == "auto" and cuda_available())
    lazy = not use_torch and (
        algorithm == "lazy" or (algorithm == "auto" and use_lazy_engine(n, X.shape[1], n_centers))
    )
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


# Time model of estimate_resources, calibrated by benchmarks/estimate_calibration.py (float32,
# 2-core CPU; float64 counts twice). Plain loop, per pick: a fixed cost, a few passes over the
# n-vectors and one read of the pool; (low, high) values.
_PLAIN_PICK_SECONDS = (10e-6, 30e-6)
_PLAIN_ROW_SECONDS = (0.5e-9, 2.5e-9)  # per row per pick: dot output, subtract, minimum, argmax
_CACHE_BYTES = 16 << 20  # a pool up to this size is read from cache...
_PLAIN_CACHE_BANDWIDTH = (150e9, 50e9)
_PLAIN_MEMORY_BANDWIDTH = (55e9, 15e9)  # ...a larger one from memory (bytes/s)
# Lazy engine (seconds per unit): passes over the pool (per n*d), a sweep over the n-vectors per
# rebuild (per row and rebuild), the candidate copies (per pick and M*d) and, per pick, the
# GEMM updates of a data-dependent share of the rows (per n and per n*d). That share grows
# with k/n, from k = 0.2% to 1% of n (``frontier_*``), and the updates fragment into smaller
# GEMM groups past k ~ M/2 (``1 + slope * max(0, k / M - 1/2)``). Fitted (a linear program)
# so that the low end lies >= 1.25x below i.i.d. Gaussian pools and the high end >= 1.15x
# above clustered ones (make_embeddings) on 23 measured (n, d, k) from 8k x 512 to
# 1M x 64 and k = 10 to 10,000; the two kinds differ by 1-4x at the same (n, d, k).
_LAZY_LOW = {
    "pool": 0.37e-9,
    "rebuild_row": 28e-9,
    "cand_dim": 0.05e-9,
    "row": 0.043e-9,
    "row_dim": 0.0,
    "frontier_row": 0.041e-9,
    "frontier_row_dim": 0.001e-9,
    "slope": 5.0,
}
_LAZY_HIGH = {  # no coefficient below the low end's: low < high at every size
    "pool": 0.4e-9,
    "rebuild_row": 42e-9,
    "cand_dim": 0.07e-9,
    "row": 0.045e-9,
    "row_dim": 0.0081e-9,
    "frontier_row": 0.6e-9,
    "frontier_row_dim": 0.0074e-9,
    "slope": 2.0,
}


def _plain_seconds(n: int, d: int, k: int, itemsize: int) -> tuple[float, float]:
    """(low, high) seconds of the plain loop: k passes over the pool plus the norms pass."""
    pool = n * d * itemsize
    cached = pool <= _CACHE_BYTES
    out = []
    for end in (0, 1):
        read = pool / (_PLAIN_CACHE_BANDWIDTH if cached else _PLAIN_MEMORY_BANDWIDTH)[end]
        per_pick = _PLAIN_PICK_SECONDS[end] + n * _PLAIN_ROW_SECONDS[end] * itemsize / 4 + read
        out.append(k * per_pick + read)
    return out[0], out[1]


def _lazy_seconds(n: int, d: int, k: int, itemsize: int) -> tuple[float, float]:
    """(low, high) seconds of the lazy engine (see :func:`estimate_resources`)."""
    m = min(n, max(4096, n // 32))  # candidate-list size, as in lazy_traversal
    frontier = min(1.0, max(0.0, k / n - 0.002) / 0.008)
    rebuilds = (2 + k / 256, 2 + k / 256 + 5 * k**0.3)  # one per <= 256 picks, or more
    out = []
    for c, r in zip((_LAZY_LOW, _LAZY_HIGH), rebuilds, strict=True):
        rows = (
            c["row"] + c["row_dim"] * d + frontier * (c["frontier_row"] + c["frontier_row_dim"] * d)
        )
        seconds = (
            c["pool"] * n * d
            + c["rebuild_row"] * r * n
            + c["cand_dim"] * k * m * d
            + k * n * rows * (1 + c["slope"] * max(0.0, k / m - 0.5))
        )
        out.append(seconds * itemsize / 4)  # float64: twice the bytes, half the GEMM rate
    return out[0], out[1]


@validate_params(
    {
        "n_samples": [Count(1, None, closed="left")],
        "n_features": [Count(1, None, closed="left")],
        "n_centers": [Count(0, None, closed="left")],
        "dtype": [StrOptions({"float32", "float64"})],
    },
    prefer_skip_nested_validation=True,
)
def estimate_resources(
    n_samples: int, n_features: int, n_centers: int, *, dtype: str = "float32"
) -> dict[str, float | str]:
    """Memory and time bracket of :func:`greedy_kcenters` before running it.

    Memory beyond the pool is linear: a few n-vectors, the lazy engine's per-row sync counters,
    hot-row indices and candidate copy, and fixed-size matrix blocks.

    Time is a bracket ``[seconds_low, seconds_high]`` for the engine ``algorithm="auto"``
    picks, calibrated by ``benchmarks/estimate_calibration.py`` on a 2-core CPU (float32;
    float64 counts twice): the measured time of ``greedy_kcenters`` lay inside it on every
    point of its grid, for Gaussian and clustered pools.

    - Plain loop, per pick: 10-30 us fixed, 0.5-2.5 ns per row (the passes over the n-vectors)
      and one read of the pool, at 50-150 GB/s while it fits in cache (16 MiB) and 15-55 GB/s
      from memory. The bracket is ~3.5x wide.
    - Lazy engine: a few passes over the pool; a sweep over the n-vectors per rebuild (one per
      256 picks at least, up to ~``5 k**0.3`` on clustered pools); per pick, copies of the
      ``M = max(4096, n/32)`` candidates and GEMM updates of a share of the rows that grows
      with ``k / n`` (from 0.2% to 1%) and costs more per row once k passes ``M / 2``, where
      the updates fragment into small GEMMs. Its work depends on the data, not only on
      (n, d, k): clustered pools take 1-4x the time of i.i.d. Gaussian ones of the same size,
      the low end follows the Gaussian and the high end the clustered ones, so this bracket is
      wider: 2-10x, ~5.5x typically.

    Times scale with the machine, memory bandwidth above all, and grow on a loaded host.

    Parameters
    ----------
    n_samples, n_features, n_centers : int
    dtype : {"float32", "float64"}, default="float32"

    Returns
    -------
    estimate : dict
        ``pool_bytes``, ``extra_bytes`` (beyond the pool), ``algorithm`` chosen by ``"auto"``,
        ``seconds_low`` and ``seconds_high`` (that engine's bracket), ``plain_seconds_low``,
        ``plain_seconds_high``, ``lazy_seconds_low`` and ``lazy_seconds_high`` (each engine's),
        ``plain_passes`` and ``plain_seconds_at_45GBps`` (the plain loop's one-read-per-pick
        bandwidth bound at 45 GB/s, not a prediction), and ``time_class`` (from
        ``seconds_high``: interactive, seconds, minutes, hours, days or years).

    Examples
    --------
    >>> from svpkit.kernels.kcenters import estimate_resources
    >>> est = estimate_resources(500_000, 512, 1000)
    >>> est["algorithm"], round(est["pool_bytes"] / 2**30, 2), est["time_class"]
    ('lazy', 0.95, 'seconds')
    >>> est = estimate_resources(100_000, 128, 10_000)
    >>> est["algorithm"], round(est["seconds_low"], 1), round(est["seconds_high"], 1)
    ('lazy', 2.7, 13.7)
    """
    if n_centers > n_samples:
        raise InvalidParameterError(
            f"n_centers={n_centers} must be between 0 and n_samples={n_samples}."
        )
    n, d, k = int(n_samples), int(n_features), int(n_centers)
    itemsize = np.dtype(dtype).itemsize
    pool = n * d * itemsize
    candidates = min(n, max(4096, n // 32))
    vectors = 6 * n * itemsize + k * 16
    lazy = use_lazy_engine(n, d, k)
    lazy_extra = (
        n * (4 + 8)  # sync counters (int32) + indices of the rows to update (int64)
        + candidates * d * itemsize  # contiguous copy of the candidate rows
        + ((1 << 22) + (1 << 20)) * itemsize  # a gathered row chunk and its GEMM block
    )
    extra = vectors + (lazy_extra if lazy else 0)
    plain_low, plain_high = _plain_seconds(n, d, k, itemsize)
    lazy_low, lazy_high = _lazy_seconds(n, d, k, itemsize)
    low, high = (lazy_low, lazy_high) if lazy else (plain_low, plain_high)
    time_class = (
        "interactive (< 1 s)"
        if high < 1
        else "seconds"
        if high < 60
        else "minutes"
        if high < 3600
        else "hours"
        if high < 48 * 3600
        else "days"
        if high < 2 * 365.25 * 86400
        else "years"
    )
    return {
        "pool_bytes": float(pool),
        "extra_bytes": float(extra),
        "algorithm": "lazy" if lazy else "plain",
        "seconds_low": float(low),
        "seconds_high": float(high),
        "plain_seconds_low": float(plain_low),
        "plain_seconds_high": float(plain_high),
        "plain_passes": float(max(0, k - 1)),
        "plain_seconds_at_45GBps": float(max(0, k - 1) * pool / 45e9),
        "lazy_seconds_low": float(lazy_low),
        "lazy_seconds_high": float(lazy_high),
        "time_class": time_class,
    }


def min_distances_to(X: ArrayLike, centers: ArrayLike) -> np.ndarray:
    """Distance from every row of ``X`` to its nearest row of ``centers`` (linear memory).

    Unlike :func:`assign_to_centers`, the centers are points of their own, not rows of ``X``.
    Large problems are pruned by the triangle inequality where a sample says it pays (as
    ``assign_to_centers(strategy="auto")``).

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
    # The centers are searched directly (no stacked copy of X: a block of 250k rows is 128 MB),
    # pruned by the triangle inequality where that pays, as in assign_to_centers.
    _, half_sq = _nearest(X, _half_sq_norms(X), C, _half_sq_norms(C))
    return np.sqrt(2.0 * np.maximum(half_sq, 0).astype(np.float64))
