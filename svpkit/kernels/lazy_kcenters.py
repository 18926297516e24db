"""Exact greedy k-centers beyond the one-pass-per-pick memory-bandwidth bound.

The textbook traversal reads the whole pool once per pick (a matrix-vector product), so it can
never beat ``(k - 1) * n * d * 4 / bandwidth``. This variant returns the same picks while
touching most rows only a few times, with the work done as matrix-matrix products:

1. Min-distances only ever decrease, so a stale value is an *upper bound* of the true one.
   Each row remembers how many picks its value has seen (``synced``).
2. A *rebuild* brings up to date only the rows whose bound reaches ``tau``, the bound of the
   ``sync_factor * M``-th row: for each group of rows with the same sync point, one blocked
   GEMM against the picks they missed, ``_SYNC_STEP`` picks at a time (a row whose value falls
   below ``tau`` gets no more). Rows below ``tau`` keep their stale bounds; most of them
   never come close to being picked again, so their updates are never paid for (at
   500k x 512, k = 1000 the rebuilds evaluate 0.08 n k row-center distances on Gaussian data
   and 0.38 n k on clustered data, instead of the plain loop's n k; docs/scale.md).
3. The rows with the largest exact values become a short *candidate list* (all rows at or above
   the M-th largest value, ties included), copied into a small contiguous matrix; the largest
   value outside it (exact or stale) is the *sentinel*, an upper bound for every other row.
4. To pick a center, the candidates are refreshed in order of their bound: the prefix already
   refreshed gets each new center with one small matrix-vector product, and the prefix grows in
   blocks (a small GEMM against the pending centers) while the next bound could still beat the
   best exact value. Once it cannot, and the best exact value is above the sentinel, it is the
   exact argmax (ties to the lowest row index, as in :func:`numpy.argmax`). Otherwise, or when
   more than ``max_pending`` centers wait, another rebuild follows.

Existing centers (``existing``, the labeled rows in active learning) are picks already made:
``_SEED_CENTERS`` of them give every row a finite bound, and the rebuilds apply the rest like
any missed picks, so rows far from the frontier never meet most of them.

Picks equal the plain traversal's whenever the arithmetic is exact (e.g. integer-valued data);
on general float data the two can part ways only on near-ties of about float rounding size.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_BLOCK = 512  # candidate rows refreshed per extension of the scanned prefix
_GEMM_ELEMENTS = 1 << 20  # elements of the row-chunk x pending-centers block (4 MB float32)
_GATHER_ELEMENTS = 1 << 22  # elements of a gathered chunk of rows (16 MB float32)
# Existing centers applied to every row up front; the rest reach only the rows that matter.
_SEED_CENTERS = 32
# Missed picks applied per step of a rebuild: rows whose value falls below the rebuild's
# threshold between steps are spared the rest (matters when rows missed thousands of picks,
# e.g. existing centers).
_SYNC_STEP = 512
#: Rows from which the rebuild thresholds come from a sample (see ``_top_rows``).
_SAMPLED_TOP_ROWS = 1 << 20
_TOP_SAMPLE = 65536


class _PickCounter:
    """Reports picks to a ``progress(n_new)`` callback in at most ``calls`` batches.

    ``update(done)`` takes the number of picks made so far and calls ``progress`` with the
    picks made since its last call once at least ``total / calls`` are waiting; ``close(done)``
    reports the rest. The calls add up to ``done``; without a callback nothing happens.
    """

    __slots__ = ("_progress", "_step", "_reported", "_next")

    def __init__(self, progress: Callable[[int], None] | None, total: int, calls: int = 100):
        self._progress = progress
        self._step = max(1, -(-int(total) // calls))  # ceil: at most ``calls`` batches
        self._reported = 0
        self._next = self._step if progress is not None else np.inf

    def update(self, done: int) -> None:
        if done >= self._next:
            self._progress(int(done - self._reported))
            self._reported = done
            self._next = done + self._step

    def close(self, done: int) -> None:
        if self._progress is not None and done > self._reported:
            self._progress(int(done - self._reported))
            self._reported = done
            self._next = done + self._step


def _sync(X, half, mind, synced, picks, done, rows, most=None):
    """Apply to ``mind[rows]`` the picks they missed among ``picks[:done]``, in blocked GEMMs.

    Rows are grouped by their sync point, so each group is multiplied only by the picks it
    missed (at most ``most`` of them per call); gathered row chunks keep the temporaries
    bounded whatever the number of rows.
    """
    if rows.size == 0:
        return
    since = synced[rows]
    for start in np.unique(since):
        group = rows[since == start]
        stop = done if most is None else min(done, start + most)
        centers = picks[start:stop]
        if centers.size:
            C = X[centers]
            half_c = half[centers]
            step = max(1, min(_GEMM_ELEMENTS // centers.size, _GATHER_ELEMENTS // X.shape[1]))
            # A contiguous run of rows (every row, on the first rebuild) is read through views;
            # anything else is gathered chunk by chunk.
            run = int(group[-1]) - int(group[0]) + 1 == group.size
            for a in range(0, group.size, step):
                r = (
                    slice(group[a], group[min(a + step, group.size) - 1] + 1)
                    if run
                    else group[a : a + step]
                )
                d = X[r] @ C.T
                np.subtract(half_c[None, :], d, out=d)
                nearest = d[:, 0] if d.shape[1] == 1 else d.min(axis=1)  # 1 column: no reduce
                mind[r] = np.minimum(mind[r], nearest + half[r])
        synced[group] = stop


def _sync_above(X, half, mind, synced, picks, done, tau):
    """Make every value that reaches ``tau`` exact: rows at or above it get the picks they
    missed, in steps of ``_SYNC_STEP``; a row whose value falls below ``tau`` needs no more
    (its stale value stays a valid upper bound below ``tau``)."""
    hot = np.flatnonzero((mind >= tau) & (synced < done))
    while hot.size:
        _sync(X, half, mind, synced, picks, done, hot, _SYNC_STEP)
        hot = hot[(mind[hot] >= tau) & (synced[hot] < done)]
    mind[picks[:done]] = -1.0  # rounding must never revive a center


def _top_rows(mind, size):
    """Value of the ``size``-th largest entry (``-inf`` when ``size`` covers every row).

    Above :data:`_SAMPLED_TOP_ROWS` rows it is estimated from an evenly strided sample of
    ~``_TOP_SAMPLE`` (64k) entries: the traversal is exact for *any* threshold (a threshold
    only decides which rows are brought up to date and how long the candidate list is), and a
    partition of every row, twice per rebuild, was 30% of the engine's time at 3M rows.
    """
    n = mind.size
    if size >= n:
        return mind.dtype.type(-np.inf)
    if n >= _SAMPLED_TOP_ROWS:
        sample = mind[:: max(1, n // _TOP_SAMPLE)]
        k = max(1, int(size / n * len(sample)))
        return np.partition(sample, len(sample) - k)[len(sample) - k]
    return np.partition(mind, n - size)[n - size]


def lazy_traversal(
    X,
    half,
    mind,
    n_picks,
    first,
    *,
    existing=None,
    candidates=None,
    max_pending=256,
    sync_factor=2,
    progress=None,
):
    """Exact farthest-first picks; same contract as ``kcenters._traverse_numpy``.

    Parameters
    ----------
    X : ndarray (n, d), C-contiguous float32/float64
    half : ndarray (n,), half squared norms of the rows
    mind : ndarray (n,) or None
        Half squared distance of each row to the existing centers (``-1`` marks a center), or
        None when there are none yet (then ``first`` is the first pick) or when they are given
        as ``existing``.
    n_picks : int
    first : int or None
    existing : ndarray of int, default=None
        Existing centers (e.g. the labeled rows), as an alternative to an exact ``mind``: they
        are treated as picks already made, so only a few are applied to every row up front
        and the rest only to the rows whose bound could still be picked.
    candidates : int, default=None
        Size M of the candidate list; default ``max(4096, n // 32)``.
    max_pending : int, default=256
        Rebuild after this many centers have been picked since the last one.
    sync_factor : float, default=2
        A rebuild updates the rows whose bound reaches that of the ``sync_factor * M``-th
        row; ``n`` rows (``sync_factor=inf``) updates every row each time.
    progress : callable, default=None
        Called with the number of new picks made since its last call, in at most ~100
        batches; the calls add up to ``n_picks`` (existing centers are not counted).

    Returns
    -------
    picks : ndarray of int64
    radii : ndarray of float64
        Covering radius after each pick. The radius after pick t is the exact value of pick
        t + 1; the last one needs a final update of the rows that could hold the maximum.
    """
    n = X.shape[0]
    if n_picks == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    counter = _PickCounter(progress, n_picks)
    if mind is None:
        mind = np.full(n, np.inf, dtype=X.dtype)
    # ``picks`` holds the existing centers first, then the new picks; ``done`` counts both.
    n_old = 0 if existing is None else len(existing)
    picks = np.empty(n_old + n_picks, dtype=np.int64)
    pick_values = np.empty(n_old + n_picks, dtype=np.float64)  # half-sq distance when picked
    m_size = min(n, candidates if candidates is not None else max(4096, n // 32))
    sync_size = int(min(n, max(m_size, sync_factor * m_size)))
    synced = np.zeros(n, dtype=np.int32)  # picks[:synced[i]] are applied to mind[i]
    done = 0
    if n_old:
        # A spread-out few first: every row gets a finite bound from them in one GEMM pass.
        seed = np.zeros(n_old, dtype=bool)
        seed[np.linspace(0, n_old - 1, min(n_old, _SEED_CENTERS)).astype(np.int64)] = True
        picks[:n_old] = np.concatenate([existing[seed], existing[~seed]])
        done = n_old
        _sync(X, half, mind, synced, picks, int(seed.sum()), np.arange(n))
        mind[existing] = -1.0
    elif first is not None:
        picks[0], pick_values[0] = first, np.inf
        mind[first] = -1.0
        done = 1
        counter.update(done)

    while done < len(picks):
        # Rebuild: exact values for every row whose bound reaches tau, then a candidate list.
        tau = _top_rows(mind, sync_size)
        _sync_above(X, half, mind, synced, picks, done, tau)
        # Rows below tau may be stale, so the list starts at tau or higher: all exact.
        thr = max(_top_rows(mind, m_size), tau)
        cand = np.flatnonzero(mind >= thr)  # ties at the threshold all included
        outside = mind[mind < thr]
        sentinel = float(outside.max()) if outside.size else -np.inf
        vals = mind[cand]
        order = np.lexsort((cand, -vals))
        cand, vals = cand[order], vals[order]
        bound = vals.copy()  # values at rebuild: upper bounds for rows not yet rescanned
        Xc = np.ascontiguousarray(X[cand])
        hc = half[cand]
        rebuilt_at = done
        scanned = 0

        while done < len(picks):
            pending = picks[rebuilt_at:done]
            best_pos, best_v, best_i = -1, -np.inf, -1
            if scanned:
                best_pos = _best(vals[:scanned], cand[:scanned])
                best_v, best_i = vals[best_pos], cand[best_pos]
            # Extend the exact prefix while an unscanned candidate could still win.
            while scanned < len(cand) and (
                bound[scanned] > best_v or (bound[scanned] == best_v and cand[scanned] < best_i)
            ):
                sl = slice(scanned, min(scanned + _BLOCK, len(cand)))
                if pending.size:
                    d = Xc[sl] @ X[pending].T
                    np.subtract(half[pending][None, :], d, out=d)
                    np.minimum(vals[sl], d.min(axis=1) + hc[sl], out=vals[sl])
                scanned = sl.stop
                best_pos = _best(vals[:scanned], cand[:scanned])
                best_v, best_i = vals[best_pos], cand[best_pos]
            if best_pos < 0 or not best_v > sentinel:
                break  # a row outside the list might win: rebuild
            c = int(best_i)
            picks[done], pick_values[done] = c, best_v
            done += 1
            counter.update(done - n_old)
            mind[c] = -1.0
            # The new center lowers the exact prefix (one small matrix-vector product).
            t = Xc[:scanned] @ X[c]
            np.subtract(hc[:scanned], t, out=t)
            t += half[c]
            np.minimum(vals[:scanned], t, out=vals[:scanned])
            vals[best_pos] = -1.0
            if done - rebuilt_at >= max_pending:
                break
        # Keep the tightest values known; the refreshed prefix has seen every pick so far.
        np.minimum(mind[cand], vals, out=vals)
        mind[cand] = vals
        synced[cand[:scanned]] = done

    # Radius after the last pick: update rows from the top bound down until the largest exact
    # value is at least every remaining (stale) bound.
    size = m_size
    while True:
        tau = _top_rows(mind, size)
        _sync_above(X, half, mind, synced, picks, done, tau)
        final = float(mind.max())
        if size >= n or final >= tau:
            break
        size *= 4
    counter.close(done - n_old)
    after = np.append(pick_values[n_old + 1 :], max(final, 0.0))
    return picks[n_old:].copy(), np.sqrt(2.0 * np.maximum(after, 0.0))


def _best(vals, rows):
    """Position of the largest value, ties to the lowest row id."""
    top = vals.max()
    ties = np.flatnonzero(vals == top)
    return int(ties[np.argmin(rows[ties])]) if len(ties) > 1 else int(ties[0])
