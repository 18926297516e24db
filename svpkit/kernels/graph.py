"""Neighbour-graph kernels: a k-NN graph in linear memory and D2's message passing on it.

The graph is stored as two ``(n, k)`` arrays (neighbour ids and distances): ``n * k * 12``
bytes, never an ``n x n`` matrix. FAISS (exact, ``IndexFlatL2``, a core dependency) builds it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .._optional import import_optional
from .lazy_greedy import lazy_greedy

__all__ = ["knn_graph", "d2_forward", "d2_select"]

_CHUNK_ROWS = 4096


def knn_graph(X: ArrayLike, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest other rows of every row, and their Euclidean distances.

    Parameters
    ----------
    X : array-like of shape (n, d)
    k : int
        Neighbours per row (capped at ``n - 1``).

    Returns
    -------
    neighbors : ndarray of int64, shape (n, k)
    distances : ndarray of float32, shape (n, k)
        Increasing along each row.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.graph import knn_graph
    >>> X = np.array([[0.0], [1.0], [3.0]], dtype=np.float32)
    >>> nbrs, dist = knn_graph(X, 1)
    >>> nbrs.ravel().tolist(), dist.ravel().tolist()
    ([1, 0, 1], [1.0, 1.0, 2.0])
    """
    X = np.ascontiguousarray(np.asarray(X).reshape(len(X), -1), dtype=np.float32)
    n = len(X)
    k = int(min(k, n - 1))
    if k < 1:
        return np.empty((n, 0), np.int64), np.empty((n, 0), np.float32)
    faiss = import_optional("faiss")
    neighbors = np.empty((n, k), dtype=np.int64)
    distances = np.empty((n, k), dtype=np.float32)
    index = faiss.IndexFlatL2(X.shape[1])
    index.add(X)
    for start in range(0, n, _CHUNK_ROWS):
        block = X[start : start + _CHUNK_ROWS]
        ids = np.arange(start, start + len(block))
        d2, nb = index.search(block, k + 1)
        # Drop each row itself (it is usually, but with duplicates not always, first).
        is_self = nb == ids[:, None]
        has_self = is_self.any(axis=1)
        drop = np.where(has_self, is_self.argmax(axis=1), k)
        keep = np.ones_like(nb, dtype=bool)
        keep[np.arange(len(block)), drop] = False
        neighbors[start : start + len(block)] = nb[keep].reshape(len(block), k)
        distances[start : start + len(block)] = np.sqrt(
            np.maximum(d2[keep].reshape(len(block), k), 0.0)
        )
    return neighbors, distances


def _edge_weights(distances: np.ndarray, gamma: float) -> np.ndarray:
    # Distances are scaled by their median, so gamma is free of the embedding's units.
    scale = float(np.median(distances)) if distances.size else 1.0
    return np.exp(-gamma * (distances / (scale or 1.0)) ** 2)


def d2_forward(
    scores: ArrayLike, neighbors: np.ndarray, distances: np.ndarray, gamma: float = 1.0
) -> np.ndarray:
    """D2's forward message passing: ``s_i + sum_j w_ij s_j`` over the k-NN graph, with
    ``w_ij = exp(-gamma (d_ij / median d)^2)``. A hard row among hard neighbours (a dense
    difficult region) scores highest.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.graph import d2_forward
    >>> nbrs = np.array([[1], [0], [1]]); dist = np.ones((3, 1), np.float32)
    >>> d2_forward([1.0, 2.0, 0.0], nbrs, dist).round(3).tolist()
    [1.736, 2.368, 0.736]
    """
    scores = np.asarray(scores, dtype=np.float64)
    w = _edge_weights(distances, gamma)
    return scores + (w * scores[neighbors]).sum(axis=1)


def d2_select(
    scores: ArrayLike,
    neighbors: np.ndarray,
    distances: np.ndarray,
    n_select: int,
    gamma: float = 1.0,
    rng: np.random.RandomState | None = None,
) -> np.ndarray:
    """D2's greedy selection with reverse message passing (Maharana et al., ICLR 2024).

    Pick the row of highest (updated) score; every neighbour ``j`` of a pick ``i`` loses
    ``w_ij * s_i``, so the next picks come from other regions. A lazy max-heap keeps it at
    ``O((n + n_select k) log n)`` time and ``O(n)`` extra memory.

    Returns
    -------
    picks : ndarray of int64, shape (n_select,)
        In pick order.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.graph import d2_select
    >>> nbrs = np.array([[1], [0], [3], [2]]); dist = np.ones((4, 1), np.float32)
    >>> d2_select([3.0, 2.0, 1.0, 0.5], nbrs, dist, 2).tolist()   # 1 is 0's neighbour
    [0, 2]
    """
    current = np.array(scores, dtype=np.float64)
    n = len(current)
    w = _edge_weights(distances, gamma)
    tie = (rng or np.random.RandomState(0)).permutation(n)

    def spread(i: int, score: float) -> None:
        # Every neighbour loses w_ij * s_i; a pick with a negative score pushes nobody up.
        if score > 0:
            np.subtract.at(current, neighbors[i], w[i].astype(np.float64) * score)

    picks, _ = lazy_greedy(
        np.arange(n), current.__getitem__, n_select, spread, bounds=current, ties=tie
    )
    return picks
