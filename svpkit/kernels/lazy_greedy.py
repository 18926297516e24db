"""Lazy greedy maximisation: the one max-heap loop behind D2, ProbCover, MaxHerding and SIMILAR.

Greedy selection picks, again and again, the item of largest gain, and each pick lowers the
gains of some others. When gains only ever shrink (submodular coverage, D2's reverse message
passing), a heap of stale gains is enough (Minoux's "accelerated greedy"): an entry's gain is
an upper bound of the item's true gain, so an item whose fresh gain still tops the heap is the
greedy pick, and every other item is re-evaluated only when it reaches the top. Ties go to
the lowest ``ties`` rank, so the picks are deterministic.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["lazy_greedy"]


def lazy_greedy(
    items: ArrayLike,
    gain: Callable[[int], float],
    n_select: int,
    on_pick: Callable[[int, float], None] | None = None,
    *,
    bounds: ArrayLike | None = None,
    ties: ArrayLike | None = None,
    tolerance: float | None = None,
    stop_at: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy picks among ``items`` by largest current ``gain``, evaluated lazily.

    Parameters
    ----------
    items : array-like of int
        The ids that may be picked.
    gain : callable
        ``gain(item)``: the item's gain given the picks so far. Gains must never grow as
        picks are made (what makes a stale gain an upper bound).
    n_select : int
        Most picks to make.
    on_pick : callable, default=None
        ``on_pick(item, gain)`` right after each pick: where the caller lowers the gains that
        the pick covers.
    bounds : array-like of float, default=None
        Upper bounds of the first gains, one per entry of ``items`` (e.g. a vectorised
        computation of them); None evaluates ``gain`` for every item.
    ties : array-like of int, default=None
        Tie rank of each id (indexed by id, not by position in ``items``): among equal gains
        the lowest rank is picked first (e.g. a seeded permutation for random ties). None
        ranks ties by the id itself.
    tolerance : float, default=None
        None: an item is picked only once its fresh gain equals its heap entry, so the pick is
        exactly the largest gain with ties by rank. A float: an item is picked as soon as its
        fresh gain is within ``tolerance`` of the best stale bound left in the heap (fewer
        re-evaluations of float gains; near-ties go to the item evaluated first).
    stop_at : float, default=None
        Stop early once the best gain is at most this value (e.g. 0: nothing left to cover).

    Returns
    -------
    picks : ndarray of int64
        In pick order.
    gains : ndarray of float64
        Each pick's gain when it was picked (non-increasing up to ``tolerance``).

    Examples
    --------
    Cover the most uncovered elements, three sets at most:

    >>> import numpy as np
    >>> from svpkit.kernels.lazy_greedy import lazy_greedy
    >>> sets = [{0, 1, 2}, {2, 3}, {3, 4, 5, 6}, {0, 6}]
    >>> covered = set()
    >>> picks, gains = lazy_greedy(
    ...     range(4), lambda i: float(len(sets[i] - covered)), 3,
    ...     lambda i, g: covered.update(sets[i]), stop_at=0)
    >>> picks.tolist(), gains.tolist()
    ([2, 0], [4.0, 3.0])
    """
    items = np.asarray(items, dtype=np.int64).ravel()
    start = [gain(int(i)) for i in items] if bounds is None else np.asarray(bounds, np.float64)
    rank = items if ties is None else np.asarray(ties)[items]
    heap = [(-float(b), int(t), int(i)) for b, t, i in zip(start, rank, items, strict=True)]
    heapq.heapify(heap)
    picks: list[int] = []
    gains: list[float] = []
    while heap and len(picks) < n_select:
        neg, t, item = heapq.heappop(heap)
        fresh = float(gain(item))
        if tolerance is None:
            stale = fresh < -neg  # gains only shrink: a changed gain is a smaller one
        else:
            stale = bool(heap) and fresh < -heap[0][0] - tolerance
        if stale:  # re-queue with its true gain; it is picked when that still tops the heap
            heapq.heappush(heap, (-fresh, t, item))
            continue
        if stop_at is not None and fresh <= stop_at:
            break
        picks.append(item)
        gains.append(fresh)
        if on_pick is not None:
            on_pick(item, fresh)
    return np.asarray(picks, dtype=np.int64), np.asarray(gains, dtype=np.float64)
