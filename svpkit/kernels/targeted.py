"""Targeted selection: SIMILAR's facility-location mutual information on a sparse graph.

SIMILAR (Kothawade et al., NeurIPS 2021) picks rows that are similar to a query set ``Q``
(e.g. a few examples of a rare class) by greedily maximising the facility-location query
mutual information (FLQMI)

    I(A; Q) = sum_{q in Q} max_{j in A} s_qj  +  eta * sum_{j in A} max_{q in Q} s_qj,

whose first term rewards covering every query row (diversity across the query) and whose
second rewards rows near some query row. Here it runs in linear memory:

- ``s_qj`` is kept only for each query row's ``k`` nearest candidates (a FAISS search), so
  the first term is truncated to that sparse graph (``|Q| x k`` edges, never ``|Q| x n``);
- ``max_q s_qj`` is exact (each candidate's nearest query row, another search);
- with a private set ``P`` (rows to stay away from), each row's gain is lowered by
  ``nu * max_{p in P} s_pj``: a modular penalty (SIMILAR's FLCMI conditions inside the
  facility-location term instead; the penalty keeps the greedy exact and linear);
- similarities are ``exp(-d^2 / (2 sigma^2))`` with ``sigma`` the median query-edge
  distance, so they are free of the embedding's units.

The objective is monotone submodular in ``A`` (plus a modular term), so lazy greedy with a
max-heap gives the exact greedy picks.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .ann import build_index, search_index
from .lazy_greedy import lazy_greedy

__all__ = ["targeted_select", "QUERY_NEIGHBORS"]

#: Fewest candidates kept per query row in the sparse graph (more when the budget per query
#: row is larger: ``2 * n_select / |Q|``).
QUERY_NEIGHBORS = 32


def _nearest(base: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    index, _ = build_index(base, "flat")
    ids, d2 = search_index(index, queries, k)
    return ids, np.maximum(d2, 0.0)


def targeted_select(
    candidates: ArrayLike,
    query: ArrayLike,
    n_select: int,
    private: ArrayLike | None = None,
    *,
    eta: float = 1.0,
    nu: float = 1.0,
    n_neighbors: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy FLQMI picks among ``candidates`` for the ``query`` rows.

    Parameters
    ----------
    candidates : array-like of shape (n, d)
        Embeddings of the rows to choose from.
    query : array-like of shape (n_query, d)
        Embeddings of the rows to resemble.
    n_select : int
    private : array-like of shape (n_private, d), default=None
        Embeddings of rows to stay away from.
    eta : float, default=1.0
        Weight of the "near some query row" term (SIMILAR's default).
    nu : float, default=1.0
        Weight of the private penalty.
    n_neighbors : int, default=None
        Candidates kept per query row; None: ``max(QUERY_NEIGHBORS, 2 * n_select / n_query)``.

    Returns
    -------
    picks : ndarray of int64, shape (min(n_select, n),)
        Positions in ``candidates``, in pick order.
    gains : ndarray of float64
        Each pick's marginal gain when it was picked (non-increasing).

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.targeted import targeted_select
    >>> C = np.array([[0.0], [0.1], [5.0], [10.0], [10.2]])
    >>> picks, _ = targeted_select(C, query=np.array([[0.0], [10.0]]), n_select=2)
    >>> sorted(C[picks, 0] > 5)   # one row near each query row, not both near one
    [np.False_, np.True_]
    """
    C = np.ascontiguousarray(np.asarray(candidates, dtype=np.float32).reshape(len(candidates), -1))
    Q = np.ascontiguousarray(np.asarray(query, dtype=np.float32).reshape(len(query), -1))
    n, n_query = len(C), len(Q)
    n_select = int(min(n_select, n))
    if n_select <= 0 or n_query == 0:
        return np.empty(0, np.int64), np.empty(0)
    k = n_neighbors or max(QUERY_NEIGHBORS, int(np.ceil(2 * n_select / n_query)))
    k = int(min(k, n))
    edge_ids, edge_d2 = _nearest(C, Q, k)  # (n_query, k): each query row's nearest candidates
    valid = edge_ids >= 0
    sigma2 = float(np.median(edge_d2[valid])) or float(edge_d2[valid].mean()) or 1.0

    def similarity(d2: np.ndarray) -> np.ndarray:
        return np.exp(-d2 / (2.0 * sigma2))

    _, near_q = _nearest(Q, C, 1)
    modular = eta * similarity(near_q[:, 0].astype(np.float64))
    if private is not None and len(private):
        P = np.asarray(private, dtype=np.float32).reshape(len(private), -1)
        _, near_p = _nearest(np.ascontiguousarray(P), C, 1)
        modular -= nu * similarity(near_p[:, 0].astype(np.float64))

    # The sparse graph grouped by candidate: the query rows each candidate could cover.
    q_of = np.repeat(np.arange(n_query), k)[valid.ravel()]
    c_of = edge_ids.ravel()[valid.ravel()]
    s_of = similarity(edge_d2.ravel()[valid.ravel()].astype(np.float64))
    order = np.argsort(c_of, kind="stable")
    q_of, c_of, s_of = q_of[order], c_of[order], s_of[order]
    starts = np.searchsorted(c_of, np.arange(n + 1))

    covered = np.zeros(n_query)  # max similarity of each query row to the picks so far

    def gain(j: int) -> float:
        lo, hi = starts[j], starts[j + 1]
        return float(np.maximum(s_of[lo:hi] - covered[q_of[lo:hi]], 0.0).sum() + modular[j])

    def cover(j: int, _: float) -> None:
        lo, hi = starts[j], starts[j + 1]
        np.maximum.at(covered, q_of[lo:hi], s_of[lo:hi])

    initial = modular + np.bincount(c_of, weights=s_of, minlength=n)
    return lazy_greedy(np.arange(n), gain, n_select, cover, bounds=initial, tolerance=1e-12)
