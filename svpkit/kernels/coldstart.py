"""Cold-start kernels: typicality, coverage and kernel herding on a k-NN graph.

Active learning with a handful of labels cannot trust a proxy's uncertainty; what beats random
there is covering the data's dense regions (Hacohen et al., ICML 2022; Yehuda et al., NeurIPS
2022; Bae et al., ECCV 2024). Every kernel here works on a fixed representation of the pool
and stores at most a k-NN graph (``n * k`` entries, symmetrised): memory is linear in the pool,
never ``n x n``.

- :func:`typiclust_select`: k-means into ``|L| + B`` clusters, the most typical row of each
  cluster with the fewest labeled rows (largest first).
- :func:`probcover_select`: greedy maximum coverage of delta-balls, with :func:`purity_delta`
  choosing delta by the paper's purity rule.
- :func:`maxherding_select`: greedy kernel herding (generalised coverage with a Gaussian
  kernel), lazily, since its gains only shrink.

The representation they use (the ``features`` output, a PCA of the input) is
:mod:`svpkit.kernels.features`; its names stay importable from here.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
from numpy.typing import ArrayLike

from .._optional import import_optional

# The cold-start representation lives in .features; re-exported where it was first public.
from .features import (
    FEATURE_DIMS,
    FEATURE_FIT_ROWS,  # noqa: F401  (public here before .features existed)
    feature_fit_rows,
    fit_reducer,
    reduce_features,
)
from .graph import knn_graph
from .lazy_greedy import lazy_greedy

__all__ = [
    "FEATURE_DIMS",
    "fit_reducer",
    "feature_fit_rows",
    "reduce_features",
    "kmeans",
    "typicality",
    "typiclust_select",
    "purity_delta",
    "probcover_select",
    "maxherding_select",
    "gaussian_bandwidth",
]

#: TypiClust's constants (the paper's code): cluster cap, smallest cluster used, neighbours.
TYPICLUST_MAX_CLUSTERS = 500
TYPICLUST_MIN_CLUSTER_SIZE = 5
TYPICLUST_NEIGHBORS = 20


def kmeans(X: ArrayLike, n_clusters: int, seed: int, n_iter: int = 20) -> np.ndarray:
    """Cluster labels from FAISS k-means, seeded.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.coldstart import kmeans
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.randn(5, 2), rng.randn(5, 2) + 10].astype(np.float32)
    >>> labels = kmeans(X, 2, seed=0)
    >>> len(set(labels[:5])), len(set(labels[5:])), bool(labels[0] != labels[9])
    (1, 1, True)
    """
    X = np.ascontiguousarray(X, dtype=np.float32)
    n_clusters = int(min(n_clusters, len(X)))
    if n_clusters <= 1:
        return np.zeros(len(X), dtype=np.int64)
    faiss = import_optional("faiss")
    km = faiss.Kmeans(
        X.shape[1],
        n_clusters,
        niter=n_iter,
        seed=int(seed),
        min_points_per_centroid=1,
        verbose=False,
    )
    km.train(X)
    _, labels = km.index.search(X, 1)
    return labels.ravel().astype(np.int64)


def typicality(X: ArrayLike, k: int = TYPICLUST_NEIGHBORS) -> np.ndarray:
    """``1 / (mean distance to the k nearest other rows)``: high in dense regions.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.coldstart import typicality
    >>> X = np.array([[0.0], [0.1], [0.2], [5.0]], dtype=np.float32)
    >>> int(np.argmax(typicality(X, 2))), int(np.argmin(typicality(X, 2)))
    (1, 3)
    """
    _, distances = knn_graph(X, k)
    if distances.shape[1] == 0:
        return np.ones(len(distances))
    return 1.0 / (distances.mean(axis=1).astype(np.float64) + 1e-8)


def typiclust_select(
    X: ArrayLike,
    labeled: np.ndarray,
    candidates: np.ndarray,
    n_select: int,
    seed: int,
    *,
    max_clusters: int = TYPICLUST_MAX_CLUSTERS,
    min_cluster_size: int = TYPICLUST_MIN_CLUSTER_SIZE,
    n_neighbors: int = TYPICLUST_NEIGHBORS,
) -> np.ndarray:
    """TypiClust (Hacohen et al., ICML 2022): typical rows of uncovered clusters.

    The rows (labeled and candidates) are clustered by k-means into ``min(|L| + B,
    max_clusters)`` clusters. Each pick goes to the cluster holding the fewest labeled or
    picked rows (the largest on ties; clusters under ``min_cluster_size`` only when no other
    is left) and takes its most typical candidate, typicality measured inside the cluster.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Representation of the rows ``0 .. n-1``.
    labeled, candidates : ndarray of int
        Disjoint row ids: rows already labeled, and rows that may be picked.
    n_select : int
    seed : int
        Seeds k-means.

    Returns
    -------
    picks : ndarray of int64
        Candidate rows in pick order.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.coldstart import typiclust_select
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.randn(50, 2), rng.randn(50, 2) + 20].astype(np.float32)
    >>> picks = typiclust_select(X, np.array([], int), np.arange(100), 2, seed=0)
    >>> sorted(int(p) // 50 for p in picks)    # one row from each blob
    [0, 1]
    """
    X = np.asarray(X, dtype=np.float32)
    n_select = int(min(n_select, len(candidates)))
    if n_select == 0:
        return np.empty(0, dtype=np.int64)
    n_clusters = min(len(labeled) + n_select, max_clusters, len(X))
    clusters = kmeans(X, n_clusters, seed)
    n_clusters = int(clusters.max()) + 1
    size = np.bincount(clusters, minlength=n_clusters)
    taken = np.bincount(clusters[labeled], minlength=n_clusters)
    is_candidate = np.zeros(len(X), dtype=bool)
    is_candidate[candidates] = True
    available = np.bincount(clusters[candidates], minlength=n_clusters)
    typical: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # cluster -> (rows, typicality)
    picks = []
    for _ in range(n_select):
        small = size < min_cluster_size
        # Fewest labeled rows first, then the largest cluster, then the lowest id (stable).
        key = np.lexsort((np.arange(n_clusters), -size, taken, small, available == 0))
        cluster = int(key[0])
        if cluster not in typical:
            rows = np.flatnonzero(clusters == cluster)
            k = min(n_neighbors, max(1, len(rows) // 2))
            typical[cluster] = (rows, typicality(X[rows], k))
        rows, score = typical[cluster]
        score = np.where(is_candidate[rows], score, -np.inf)
        pick = int(rows[np.argmax(score)])
        picks.append(pick)
        is_candidate[pick] = False
        taken[cluster] += 1
        available[cluster] -= 1
    return np.asarray(picks, dtype=np.int64)


def _symmetric(neighbors: np.ndarray, values: np.ndarray, n: int) -> scipy.sparse.csr_matrix:
    """The k-NN graph as a symmetric sparse matrix (an edge in either direction counts) with
    1 on the diagonal (a row covers itself). Zero values mean no edge."""
    rows = np.repeat(np.arange(n), neighbors.shape[1])
    directed = scipy.sparse.csr_matrix(
        (values.ravel().astype(np.float64), (rows, neighbors.ravel())), shape=(n, n)
    )
    graph = directed.maximum(directed.T)
    graph.eliminate_zeros()
    return (graph + scipy.sparse.identity(n, format="csr")).tocsr()


def _csr_row_entries(indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The column ids of the given CSR rows, concatenated (vectorised, no Python loop)."""
    starts, stops = indptr[rows], indptr[rows + 1]
    lengths = stops - starts
    if lengths.sum() == 0:
        return np.empty(0, dtype=indices.dtype)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return indices[offsets + np.arange(lengths.sum())]


def purity_delta(
    X: ArrayLike,
    n_clusters: int,
    seed: int,
    *,
    alpha: float = 0.95,
    n_neighbors: int = 32,
    graph: tuple[np.ndarray, np.ndarray] | None = None,
) -> float:
    """ProbCover's ball radius: the largest delta whose balls stay ``alpha``-pure.

    A ball around a row is pure when every row in it shares the row's k-means cluster (the
    paper's pseudo-labels, ``n_clusters`` = the number of classes). A ball of radius delta
    is pure exactly when delta is at most the distance to the nearest row of another cluster,
    so the largest delta with a share ``alpha`` of pure balls is an order statistic of that
    distance: the ``ceil(alpha n)``-th largest (searched among the ``n_neighbors`` nearest
    rows, so memory stays linear).

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.coldstart import purity_delta
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.randn(100, 2), rng.randn(100, 2) + 3].astype(np.float32)
    >>> round(purity_delta(X, 2, seed=0), 2)    # balls this wide stay 95% pure
    0.76
    """
    X = np.asarray(X, dtype=np.float32)
    clusters = kmeans(X, n_clusters, seed)
    neighbors, distances = graph if graph is not None else knn_graph(X, n_neighbors)
    impure = clusters[neighbors] != clusters[:, None]
    first = np.where(impure.any(axis=1), impure.argmax(axis=1), -1)
    # No row of another cluster among the neighbours: the ball is pure up to the farthest one.
    nearest_other = np.where(
        first >= 0, distances[np.arange(len(X)), np.maximum(first, 0)], distances[:, -1]
    )
    n_pure = int(np.ceil(alpha * len(X)))  # balls that must stay pure
    return float(np.sort(nearest_other)[len(X) - n_pure])


def probcover_select(
    X: ArrayLike,
    labeled: np.ndarray,
    candidates: np.ndarray,
    n_select: int,
    delta: float,
    rng: np.random.RandomState,
    *,
    n_neighbors: int = 32,
    graph: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """ProbCover (Yehuda et al., NeurIPS 2022): greedy maximum coverage of delta-balls.

    Each pick is the candidate whose ball (rows within ``delta`` among its k-NN graph
    edges, either direction) covers the most rows not covered yet by the labeled rows and
    the earlier picks; ties at random. When everything is covered, the rest is drawn at
    random, as in the paper.

    Returns
    -------
    picks : ndarray of int64
        Candidate rows in pick order.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.coldstart import probcover_select
    >>> X = np.array([[0], [0.1], [0.2], [5], [5.1]], dtype=np.float32)
    >>> probcover_select(X, np.array([], int), np.arange(5), 2, 0.5,
    ...                  np.random.RandomState(0)).tolist()
    [1, 3]
    """
    X = np.asarray(X, dtype=np.float32)
    n = len(X)
    n_select = int(min(n_select, len(candidates)))
    neighbors, distances = graph if graph is not None else knn_graph(X, n_neighbors)
    inside = (distances < delta).astype(np.float64)
    balls = _symmetric(neighbors, inside, n)
    indptr, indices = balls.indptr, balls.indices
    covered = np.zeros(n, dtype=bool)
    covered[_csr_row_entries(indptr, indices, np.asarray(labeled, dtype=np.int64))] = True
    # gain[c] = uncovered rows in c's ball (the ball is symmetric: c covers i iff i covers c).
    gain = np.asarray(balls @ (~covered).astype(np.float64)).ravel()
    is_candidate = np.zeros(n, dtype=bool)
    is_candidate[candidates] = True
    tie = rng.permutation(n)

    def cover(pick: int, _: float) -> None:
        is_candidate[pick] = False
        ball = indices[indptr[pick] : indptr[pick + 1]]
        newly = ball[~covered[ball]]
        covered[newly] = True
        np.subtract.at(gain, _csr_row_entries(indptr, indices, newly), 1.0)

    # Gains only shrink: lazy greedy; it stops once no candidate covers anything new.
    picks = lazy_greedy(
        candidates, gain.__getitem__, n_select, cover, bounds=gain[candidates], ties=tie, stop_at=0
    )[0].tolist()
    if len(picks) < n_select:  # all covered: the rest at random
        rest = np.flatnonzero(is_candidate)
        picks.extend(rng.permutation(rest)[: n_select - len(picks)].tolist())
    return np.asarray(picks, dtype=np.int64)


def gaussian_bandwidth(distances: np.ndarray) -> float:
    """A kernel width from the k-NN graph: the median distance to the k-th neighbour.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.coldstart import gaussian_bandwidth
    >>> gaussian_bandwidth(np.array([[1.0, 2.0], [1.0, 4.0]]))
    3.0
    """
    if distances.size == 0:
        return 1.0
    return float(np.median(distances[:, -1])) or 1.0


def maxherding_select(
    X: ArrayLike,
    labeled: np.ndarray,
    candidates: np.ndarray,
    n_select: int,
    rng: np.random.RandomState,
    *,
    bandwidth: float | None = None,
    n_neighbors: int = 32,
    graph: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """MaxHerding (Bae et al., ECCV 2024): greedy maximisation of the kernel coverage.

    The coverage of a set ``S`` is ``sum_i max_{s in S} k(x_i, x_s)`` with a Gaussian kernel
    ``k = exp(-d^2 / (2 sigma^2))`` kept on the k-NN graph's edges (the kernel is below
    ``exp(-d_k^2 / (2 sigma^2))`` beyond them). Labeled rows start in ``S``; each pick is the
    candidate with the largest gain. The coverage is submodular, so gains only shrink and a
    lazy max-heap recomputes few of them.

    Parameters
    ----------
    bandwidth : float, default=None
        ``sigma``; None uses :func:`gaussian_bandwidth` of the graph.

    Returns
    -------
    picks : ndarray of int64
        Candidate rows in pick order.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.coldstart import maxherding_select
    >>> X = np.array([[0], [0.1], [0.2], [5], [5.1]], dtype=np.float32)
    >>> maxherding_select(X, np.array([], int), np.arange(5), 2,
    ...                   np.random.RandomState(0), n_neighbors=2).tolist()
    [1, 3]
    """
    X = np.asarray(X, dtype=np.float32)
    n = len(X)
    n_select = int(min(n_select, len(candidates)))
    neighbors, distances = graph if graph is not None else knn_graph(X, n_neighbors)
    sigma = bandwidth if bandwidth is not None else gaussian_bandwidth(distances)
    weights = np.exp(-(distances.astype(np.float64) ** 2) / (2.0 * sigma**2))
    kernel = _symmetric(neighbors, np.maximum(weights, 1e-300), n)  # k(x, x) = 1
    indptr, indices, data = kernel.indptr, kernel.indices, kernel.data
    cover = np.zeros(n)
    for row in labeled:  # a labeled row covers its neighbours as a pick would
        span = slice(indptr[row], indptr[row + 1])
        np.maximum.at(cover, indices[span], data[span])

    def gain(c: int) -> float:
        span = slice(indptr[c], indptr[c + 1])
        return float(np.maximum(data[span] - cover[indices[span]], 0.0).sum())

    def herd(c: int, _: float) -> None:
        span = slice(indptr[c], indptr[c + 1])
        np.maximum.at(cover, indices[span], data[span])

    tie = rng.permutation(n)
    return lazy_greedy(candidates, gain, n_select, herd, ties=tie, tolerance=1e-12)[0]
