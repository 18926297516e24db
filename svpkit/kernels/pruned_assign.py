"""Exact nearest-center assignment that skips the centers a row cannot be nearest to.

Core-set weights need every row's nearest selected center. Brute force costs ``n * k * d``
(10M x 1,000 x 128: 18 s of FAISS GEMM on 2 cores, as long as the k-centers traversal itself).
Greedy k-centers spreads its centers out, so on data with structure most centers are far from
any given row, and the triangle inequality proves it cheaply:

1. The centers are grouped around ``m`` *heads* (a farthest-first traversal of the centers,
   each center joining its nearest head); ``rho[j]`` is group ``j``'s radius.
2. For a row ``x``, ``u = min_j |x - h_j|`` bounds its nearest-center distance from above
   (heads are centers), and every center of group ``j`` is at least ``|x - h_j| - rho[j]``
   away. Only the groups whose bound is ``<= u`` can hold the nearest center; only their
   centers are compared with ``x``.

``m`` is chosen on an evenly spaced sample of rows, among a doubling ladder, by the estimated
work per row (``m`` head distances, the admitted centers and a per-group gather cost). On data
without structure (i.i.d. Gaussian in 128-d, where distances concentrate) no group can be
ruled out, the estimate says so and the caller keeps brute force.

The bound test runs in the input's precision with a slack that covers the GEMM's rounding, so
it stays a proof in float32; the final comparisons use the same expanded form as brute force,
so the two agree except on near-ties of rounding size.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["plan_groups", "pruned_nearest_center"]

#: Below this many row-center pairs brute force is fast enough that planning does not pay.
MIN_PAIRS = 1 << 28
#: Use the pruned path when its estimated work per row is below this share of ``k``.
MAX_WORK_SHARE = 0.5
#: Work (in center-distance equivalents) of gathering a row into a group's block.
_GATHER_COST = 8.0
_SAMPLE_ROWS = 4096
#: Largest number of heads tried (the plan's traversal and grouping grow with it).
_MAX_HEADS = 1024
#: Work of one head per row (a GEMM column plus the elementwise bound test), in center units.
_HEAD_COST = 2.0
_BLOCK_ELEMENTS = 1 << 22  # row-chunk x heads block: 16 MB in float32


def _sq_dist(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between the rows of A and B, in float64, clipped at 0."""
    A = A.astype(np.float64, copy=False)
    B = B.astype(np.float64, copy=False)
    d = np.einsum("ij,ij->i", A, A)[:, None] - 2.0 * (A @ B.T)
    d += np.einsum("ij,ij->i", B, B)[None, :]
    return np.maximum(d, 0.0, out=d)


def _groups(C: np.ndarray, order: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Group of each center (position in the first ``m`` heads) and each group's radius."""
    H = C[order[:m]]
    group = np.empty(len(C), dtype=np.int64)
    step = max(1, _BLOCK_ELEMENTS // max(1, m))  # bounded temporaries however many centers
    for start in range(0, len(C), step):
        group[start : start + step] = _sq_dist(C[start : start + step], H).argmin(axis=1)
    return group, _radii(C, H, group)


def _radii(C: np.ndarray, H: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Each group's radius: the largest distance from a center to its group's head."""
    diff = C.astype(np.float64) - H[group].astype(np.float64)
    radius = np.zeros(len(H))
    np.maximum.at(radius, group, np.sqrt(np.einsum("ij,ij->i", diff, diff)))
    return radius * (1 + 1e-6)  # rounds up: a float32 copy must not shrink a group


def _admitted(
    A: np.ndarray, half_a: np.ndarray, H: np.ndarray, half_h: np.ndarray, radius: np.ndarray
) -> np.ndarray:
    """Which groups can hold each row's nearest center: a ``heads x rows`` boolean mask
    (transposed, so each group's rows are one contiguous scan).

    With ``t_j = |h_j|^2/2 - a.h_j`` (one GEMM) the squared head distances are
    ``2 (|a|^2/2 + t_j)``. Group ``j`` is admitted when its lower bound ``|a - h_j| - r_j``
    can reach the upper bound ``U = min_j |a - h_j|``, i.e. when
    ``|a|^2/2 + t_j - s <= (U + r_j)^2 / 2``, where ``s`` bounds the GEMM's rounding (a few
    ulps of ``|a|^2/2 + max |h|^2/2``) and ``U`` is taken with ``+ s``: the pruning remains a
    proof in float32. Squared form: no square root on the ``heads x rows`` block.
    """
    dtype = A.dtype
    t = H @ A.T
    np.subtract(half_h[:, None], t, out=t)
    slack = (half_a + half_h.max()) * (16 * np.finfo(dtype).eps) + np.finfo(dtype).tiny
    upper = np.sqrt(np.maximum(2.0 * (half_a + t.min(axis=0) + slack), 0.0)).astype(dtype)
    r = radius.astype(dtype)
    # 0.5 (U + r)^2 - |a|^2/2 + s = U r + r^2/2 + (U^2/2 - |a|^2/2 + s)
    rhs = np.multiply.outer(r, upper)
    rhs += (0.5 * r * r)[:, None]
    rhs += (0.5 * upper * upper - half_a + slack)[None, :]
    return t <= rhs


def _farthest_first(C: np.ndarray, m: int) -> np.ndarray:
    """The first ``m`` picks of a farthest-first traversal of the rows of ``C``, from row 0
    (a plain loop: ``C`` holds the centers, thousands of rows at most)."""
    C = np.asarray(C, dtype=np.float64)
    half = 0.5 * np.einsum("ij,ij->i", C, C)
    mind = np.full(len(C), np.inf)
    order = np.empty(m, dtype=np.int64)
    pick = 0
    for i in range(m):
        order[i] = pick
        np.minimum(mind, half - C @ C[pick] + half[pick], out=mind)
        mind[order[: i + 1]] = -1.0
        pick = int(np.argmax(mind))
    return order


def plan_groups(X: np.ndarray, C: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, float]:
    """Choose the number of heads on a sample of rows.

    Returns ``(m, heads, group, work)``: ``heads`` are positions in ``C``, ``group`` the
    group of each center, ``work`` the estimated center-distance equivalents per row (to be
    compared with ``len(C)`` for brute force).

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.pruned_assign import plan_groups, pruned_nearest_center
    >>> rng = np.random.RandomState(0)
    >>> X = (rng.randn(50, 8)[rng.randint(0, 50, 5000)] * 10 + rng.randn(5000, 8))
    >>> X = X.astype(np.float32)
    >>> C = X[:400]                                   # 400 centers
    >>> m, heads, group, work = plan_groups(X, C)
    >>> bool(work < 0.5 * len(C))                     # far less than brute force
    True
    >>> half = 0.5 * (X * X).sum(axis=1)
    >>> nearest, _ = pruned_nearest_center(X, half, C, half[:400], heads, group)
    >>> D = ((X[:, None, :] - C[None]) ** 2).sum(-1)
    >>> bool((D[np.arange(len(X)), nearest] <= D.min(axis=1) + 1e-3).all())
    True
    """
    k = len(C)
    rows = np.linspace(0, len(X) - 1, min(len(X), _SAMPLE_ROWS)).astype(np.int64)
    sample = np.asarray(X[rows])
    half_s = 0.5 * np.einsum("ij,ij->i", sample, sample)
    ladder = []
    m = max(8, int(np.sqrt(k)) // 2)
    while m <= min(k // 4, _MAX_HEADS):
        ladder.append(m)
        m *= 2
    if not ladder:
        return 0, np.empty(0, np.int64), np.empty(0, np.int64), float(k)
    # Farthest-first traversals are nested: one traversal gives the heads of every m.
    order = _farthest_first(C, ladder[-1])
    best = (0, order[:0], np.empty(0, np.int64), float(k))
    for m in ladder:
        group, radius = _groups(C, order, m)
        H = C[order[:m]]
        adm = _admitted(sample, half_s, H, 0.5 * np.einsum("ij,ij->i", H, H), radius)
        sizes = np.bincount(group, minlength=m)
        work = _HEAD_COST * m + float((adm * (sizes + _GATHER_COST)[:, None]).sum()) / len(sample)
        if work < best[3]:
            best = (m, order[:m], group, work)
    return best


def pruned_nearest_center(
    X: np.ndarray,
    half: np.ndarray,
    C: np.ndarray,
    half_c: np.ndarray,
    heads: np.ndarray,
    group: np.ndarray,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Position in ``C`` of each row's nearest center and the half squared distance.

    ``heads`` (positions in ``C``) and ``group`` come from :func:`plan_groups`. ``half`` and
    ``half_c`` hold the half squared norms of the rows of ``X`` and ``C``.
    ``progress(n_rows)`` is called after each chunk of rows.
    """
    C = np.ascontiguousarray(C)
    m = len(heads)
    H = C[heads]
    half_h = half_c[heads]
    radius = _radii(C, H, group)
    members = [np.flatnonzero(group == j) for j in range(m)]
    blocks = [np.ascontiguousarray(C[g].T) for g in members]
    n = X.shape[0]
    nearest = np.empty(n, dtype=np.int64)
    out = np.empty(n, dtype=X.dtype)
    step = max(1, min(65536, _BLOCK_ELEMENTS // m))
    for start in range(0, n, step):
        xb = np.asarray(X[start : start + step])
        hb = half[start : start + len(xb)]
        adm = _admitted(xb, hb, H, half_h, radius)
        best = np.full(len(xb), np.inf, dtype=X.dtype)
        arg = np.zeros(len(xb), dtype=np.int64)
        # One gather and one GEMM per group, over the rows that admit it.
        for j in range(m):
            r = np.flatnonzero(adm[j])
            if r.size == 0 or members[j].size == 0:  # a head duplicating another: empty
                continue
            # |x - c|^2 / 2 - |x|^2 / 2 = |c|^2 / 2 - x.c, as in the brute-force path.
            d = xb[r] @ blocks[j]
            np.subtract(half_c[members[j]][None, :], d, out=d)
            pos = d.argmin(axis=1)
            val = d[np.arange(len(r)), pos]
            # Ties go to the lowest center position, as in brute force.
            cand = members[j][pos]
            better = (val < best[r]) | ((val == best[r]) & (cand < arg[r]))
            best[r[better]] = val[better]
            arg[r[better]] = cand[better]
        stop = start + len(xb)
        nearest[start:stop] = arg
        out[start:stop] = best + hb
        if progress is not None:
            progress(len(xb))
    return nearest, np.maximum(out, 0.0, out=out)
