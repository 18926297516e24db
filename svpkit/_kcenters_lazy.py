"""Exact greedy k-centers beyond the one-pass-per-pick memory-bandwidth bound.

The textbook traversal reads the whole pool once per pick (a matrix-vector product), so it can
never beat ``(k - 1) * n * d * 4 / bandwidth``. This variant returns the same picks while
reading the pool a handful of times, by turning most of the work into matrix-matrix products:

1. Min-distances only ever decrease, so a stale value is an *upper bound* of the true one.
2. After a *full update* (all pending centers applied to all rows in one blocked GEMM pass),
   every value is exact. The rows with the largest values become a short *candidate list*
   (all rows at or above the M-th largest value, ties included), copied into a small contiguous
   matrix; the largest value outside it is the *sentinel*, an upper bound for every other row.
3. To pick a center, the candidates are refreshed in order of their bound: the prefix already
   refreshed gets each new center with one small matrix-vector product, and the prefix grows in
   blocks (a small GEMM against the pending centers) while the next bound could still beat the
   best exact value. Once it cannot, and the best exact value is above the sentinel, it is the
   exact argmax (ties to the lowest row index, as in :func:`numpy.argmax`). Otherwise, or when
   more than ``max_pending`` centers wait, another full update rebuilds the list.

Picks equal the plain traversal's whenever the arithmetic is exact (e.g. integer-valued data);
on general float data the two can part ways only on near-ties of about float rounding size.
"""

from __future__ import annotations

import numpy as np

_BLOCK = 512  # candidate rows refreshed per extension of the scanned prefix
_GEMM_ELEMENTS = 1 << 20  # elements of the row-chunk x pending-centers block (4 MB float32)


def _apply_centers(X, half, mind, centers):
    """mind = min(mind, min_c half-sq-distance(row, c)) for every row, in blocked GEMMs."""
    if len(centers) == 0:
        return
    C = X[centers]
    half_c = half[centers]
    step = max(1, min(65536, _GEMM_ELEMENTS // len(centers)))
    for start in range(0, X.shape[0], step):
        sl = slice(start, min(start + step, X.shape[0]))
        d = X[sl] @ C.T
        np.subtract(half_c[None, :], d, out=d)
        np.minimum(mind[sl], d.min(axis=1) + half[sl], out=mind[sl])


def lazy_traversal(X, half, mind, n_picks, first, *, candidates=None, max_pending=256):
    """Exact farthest-first picks; same contract as ``kcenters._traverse_numpy``.

    Parameters
    ----------
    X : ndarray (n, d), C-contiguous float32/float64
    half : ndarray (n,), half squared norms of the rows
    mind : ndarray (n,) or None
        Half squared distance of each row to the existing centers (``-1`` marks a center), or
        None when there are none yet (then ``first`` is the first pick).
    n_picks : int
    first : int or None
    candidates : int, default=None
        Size M of the candidate list; default ``max(4096, n // 32)``.
    max_pending : int, default=256
        Full update after this many centers have been picked since the last one.

    Returns
    -------
    picks : ndarray of int64
    radii : ndarray of float64
        Covering radius after each pick. The radius after pick t is the exact value of pick
        t + 1, so only the last one needs a final full update.
    """
    n = X.shape[0]
    if n_picks == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    if mind is None:
        mind = np.full(n, np.inf, dtype=X.dtype)
    picks = np.empty(n_picks, dtype=np.int64)
    pick_values = np.empty(n_picks, dtype=np.float64)  # half-sq distance when picked
    m_size = min(n, candidates if candidates is not None else max(4096, n // 32))
    pending: list[int] = []
    done = 0
    if first is not None and n_picks:
        picks[0], pick_values[0] = first, np.inf
        pending.append(first)
        mind[first] = -1.0
        done = 1

    while done < n_picks:
        # Full update: every value exact, then a fresh candidate list.
        _apply_centers(X, half, mind, np.asarray(pending, dtype=np.int64))
        mind[pending] = -1.0
        pending = []
        if m_size < n:
            thr = np.partition(mind, n - m_size)[n - m_size]
            cand = np.flatnonzero(mind >= thr)  # ties at the threshold all included
            outside = mind[mind < thr]
            sentinel = float(outside.max()) if outside.size else -np.inf
        else:
            cand, sentinel = np.arange(n), -np.inf
        vals = mind[cand]
        order = np.lexsort((cand, -vals))
        cand, vals = cand[order], vals[order]
        bound = vals.copy()  # values at rebuild: upper bounds for rows not yet rescanned
        Xc = np.ascontiguousarray(X[cand])
        hc = half[cand]
        scanned = 0

        while done < n_picks:
            best_pos, best_v, best_i = -1, -np.inf, -1
            if scanned:
                best_pos = _best(vals[:scanned], cand[:scanned])
                best_v, best_i = vals[best_pos], cand[best_pos]
            # Extend the exact prefix while an unscanned candidate could still win.
            while scanned < len(cand) and (
                bound[scanned] > best_v or (bound[scanned] == best_v and cand[scanned] < best_i)
            ):
                sl = slice(scanned, min(scanned + _BLOCK, len(cand)))
                if pending:
                    d = Xc[sl] @ X[pending].T
                    np.subtract(half[pending][None, :], d, out=d)
                    np.minimum(vals[sl], d.min(axis=1) + hc[sl], out=vals[sl])
                scanned = sl.stop
                best_pos = _best(vals[:scanned], cand[:scanned])
                best_v, best_i = vals[best_pos], cand[best_pos]
            if best_pos < 0 or not best_v > sentinel:
                break  # a row outside the list might win: full update and rebuild
            c = int(best_i)
            picks[done], pick_values[done] = c, best_v
            done += 1
            pending.append(c)
            mind[c] = -1.0
            # The new center lowers the exact prefix (one small matrix-vector product).
            t = Xc[:scanned] @ X[c]
            np.subtract(hc[:scanned], t, out=t)
            t += half[c]
            np.minimum(vals[:scanned], t, out=vals[:scanned])
            vals[best_pos] = -1.0
            if len(pending) >= max_pending:
                break
        # Keep the tightest values known for the next full update.
        np.minimum(mind[cand], vals, out=vals)
        mind[cand] = vals

    # Radius after the last pick: one more full update gives every value exactly.
    _apply_centers(X, half, mind, np.asarray(pending, dtype=np.int64))
    mind[pending] = -1.0
    final = max(float(mind.max()), 0.0)
    after = np.append(pick_values[1:], final)
    return picks, np.sqrt(2.0 * np.maximum(after, 0.0))


def _best(vals, rows):
    """Position of the largest value, ties to the lowest row id."""
    top = vals.max()
    ties = np.flatnonzero(vals == top)
    return int(ties[np.argmin(rows[ties])]) if len(ties) > 1 else int(ties[0])
