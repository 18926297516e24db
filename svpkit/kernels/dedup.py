"""Semantic deduplication (SemDeDup, Abbas et al. 2023) with FAISS k-means, linear in memory.

Rows are compared by the cosine similarity of their embeddings. SemDeDup clusters the
embedding with k-means and, inside each cluster, drops a row when it is more similar than a
threshold to a row the cluster prefers (by default the one nearer the cluster's centre). Here
the clusters come from FAISS k-means (trained on a seeded sample, every row then assigned to
its nearest centre), and a cluster's rows are compared with its own rows and with every row
that has the cluster among its :data:`CLUSTERS_PER_ROW` nearest, so a near-duplicate just
across a border is still found. The comparisons are matrix products (BLAS), in blocks of
rows. Each row gets:

- its *redundancy*: the largest cosine similarity to a row preferred over it among the rows it
  was compared with (0 when none is preferred);
- its *representative*: the row that stands for it, the preferred row it is most similar to
  (followed to that row's own representative) when the redundancy exceeds the threshold, else
  itself.

Memory is the normalised rows (float32, one copy) and a few numbers per row; blocks of
comparisons hold at most :data:`BLOCK_ELEMENTS` similarities. Up to :data:`EXACT_MAX_ROWS`
rows every pair is compared (one cluster).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._optional import import_optional
from .._validation import check_finite

__all__ = [
    "DEFAULT_THRESHOLD",
    "CLUSTERS_PER_ROW",
    "EXACT_MAX_ROWS",
    "Duplicates",
    "find_duplicates",
    "duplicates_among",
]

#: Cosine similarity above which a row is a near-duplicate of a preferred one. Set before any
#: measurement: a copy perturbed by noise of 5-20% of its norm sits at 0.98-0.999, while two
#: independent rows of 16 or more dimensions rarely pass 0.9.
DEFAULT_THRESHOLD = 0.95
#: Clusters a row is compared in: its own (as a row) and its next nearest ones (as a column
#: of theirs).
CLUSTERS_PER_ROW = 3
#: Rows up to which every pair is compared (one cluster).
EXACT_MAX_ROWS = 20_000
#: Clusters: about this many rows each, at most :data:`MAX_CLUSTERS`.
ROWS_PER_CLUSTER = 1000
MAX_CLUSTERS = 4096
#: Similarities computed per block (64 MB of float32).
BLOCK_ELEMENTS = 1 << 24
#: Rows normalised per block.
BLOCK_ROWS = 65536


@dataclass
class Duplicates:
    """Which row stands for which.

    Attributes
    ----------
    representative : ndarray of int64, shape (n_rows,)
        The row that stands for each row (itself for a kept row).
    redundancy : ndarray of float32, shape (n_rows,)
        The largest cosine similarity to a preferred row among the rows it was compared with.
    threshold : float
        Rows whose redundancy exceeds it are duplicates.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.dedup import find_duplicates
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [0.999, 0.04]], dtype=np.float32)
    >>> found = find_duplicates(X, threshold=0.99, scores=[3.0, 2.0, 1.0])  # keep row 0
    >>> found.representative.tolist(), found.kept.tolist(), found.groups()
    ([0, 1, 0], [True, True, False], {0: [0, 2]})
    """

    representative: np.ndarray
    redundancy: np.ndarray
    threshold: float

    @property
    def kept(self) -> np.ndarray:
        """Whether each row is kept (it stands for itself)."""
        return self.representative == np.arange(len(self.representative))

    @property
    def n_duplicates(self) -> int:
        """Rows that another row stands for."""
        return int((~self.kept).sum())

    def groups(self) -> dict[int, list[int]]:
        """Each representative of a group of two or more rows, with the group's rows."""
        rows = np.flatnonzero(~self.kept)
        groups: dict[int, list[int]] = {}
        for row, rep in zip(rows.tolist(), self.representative[rows].tolist(), strict=True):
            groups.setdefault(rep, [rep]).append(row)
        return {rep: sorted(members) for rep, members in sorted(groups.items())}


def _normalised(X: Any) -> np.ndarray:
    """The rows as unit float32 vectors (one copy, filled block by block: a memory-mapped
    embedding is never read whole). A zero row has no direction: it matches nothing."""
    n = len(X)
    dim = int(np.prod(np.shape(X)[1:])) if np.ndim(X) > 1 else 1
    out = np.empty((n, dim), dtype=np.float32)
    for lo in range(0, n, BLOCK_ROWS):
        hi = min(lo + BLOCK_ROWS, n)
        block = np.asarray(X[lo:hi]).reshape(hi - lo, -1)
        if np.iscomplexobj(block) or block.dtype.kind not in "biuf":
            raise ValueError(f"the embedding must hold real numbers; got {block.dtype}.")
        out[lo:hi] = block
        check_finite(out[lo:hi], first_row=lo)
        norms = np.linalg.norm(out[lo:hi], axis=1, keepdims=True)
        out[lo:hi] /= np.where(norms > 0, norms, 1.0)
    return out


def _clusters(unit: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(the nearest CLUSTERS_PER_ROW clusters of each row, nearest first; unit centres)``
    from FAISS k-means (one cluster up to :data:`EXACT_MAX_ROWS` rows)."""
    n, dim = unit.shape
    if n <= EXACT_MAX_ROWS:
        centre = unit.mean(axis=0, keepdims=True)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        return np.zeros((n, 1), dtype=np.int64), centre
    faiss = import_optional("faiss")
    k = int(min(MAX_CLUSTERS, max(2, n // ROWS_PER_CLUSTER)))
    sample = np.sort(np.random.default_rng(seed).choice(n, min(n, 64 * k), replace=False))
    kmeans = faiss.Kmeans(dim, k, niter=10, seed=int(seed) % (1 << 31), spherical=True)
    kmeans.train(np.ascontiguousarray(unit[sample]))
    per_row = min(CLUSTERS_PER_ROW, k)
    nearest = np.empty((n, per_row), dtype=np.int64)
    for lo in range(0, n, BLOCK_ROWS):
        _, found = kmeans.index.search(unit[lo : lo + BLOCK_ROWS], per_row)
        nearest[lo : lo + len(found)] = found
    return nearest, kmeans.centroids


def _grouped(rows: np.ndarray, keys: np.ndarray, n_keys: int) -> list[np.ndarray]:
    """``rows`` split by ``keys`` (0 .. n_keys - 1), in row order inside each key."""
    order = np.argsort(keys, kind="stable")
    return np.split(rows[order], np.cumsum(np.bincount(keys, minlength=n_keys))[:-1])


def _improve(
    redundancy: np.ndarray, best: np.ndarray, rows: np.ndarray, others: np.ndarray, sim: Any
) -> None:
    """Raise each of ``rows`` (distinct) to its largest similarity in ``sim`` (rows x others,
    -inf where the other row is not preferred), recording that row as its best match."""
    column = sim.argmax(axis=1)
    top = sim[np.arange(len(rows)), column]
    better = top > np.where(best[rows] >= 0, redundancy[rows], -np.inf)
    redundancy[rows[better]] = top[better]
    best[rows[better]] = others[column[better]]


def find_duplicates(
    X: Any,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    scores: Any = None,
    preferred: Any = None,
    seed: int = 0,
    progress: Any = None,
) -> Duplicates:
    """Near-duplicate rows of an embedding, and the row that stands for each.

    Parameters
    ----------
    X : array-like of shape (n_rows, ...)
        One embedding per row (flattened; numpy or memory map, read block by block).
    threshold : float, default=DEFAULT_THRESHOLD
        Cosine similarity above which a row is a duplicate of a preferred row, in (-1, 1].
    scores : array-like of shape (n_rows,), default=None
        Which row of a group to keep: the largest score (ties: the lower row). None: the row
        nearest its cluster's centre (the most typical one).
    preferred : array-like of int, default=None
        Rows kept before any other whatever their scores (rows already labeled: a row that
        duplicates one of them is a duplicate, never the other way round).
    seed : int, default=0
        Seeds the k-means.
    progress : callable or None
        Called with the number of rows compared after each cluster.

    Returns
    -------
    Duplicates

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.dedup import find_duplicates
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 16)).astype(np.float32)
    >>> X[50:60] = X[:10] + 0.01 * rng.normal(size=(10, 16))  # ten near-copies
    >>> found = find_duplicates(X)
    >>> found.n_duplicates, [len(rows) for rows in found.groups().values()] == [2] * 10
    (10, True)
    >>> sorted(map(sorted, found.groups().values()))[:2]  # each row with its copy
    [[0, 50], [1, 51]]
    """
    threshold = float(threshold)
    if not -1.0 < threshold <= 1.0:
        raise ValueError(f"threshold={threshold!r}: a cosine similarity in (-1, 1].")
    n = len(X)
    if scores is not None:
        scores = np.asarray(scores, dtype=np.float64).ravel()
        if len(scores) != n or not np.isfinite(scores).all():
            raise ValueError(
                f"scores must be {n} finite numbers, one per row; got {len(scores)} values."
            )
    representative = np.arange(n, dtype=np.int64)
    redundancy = np.zeros(n, dtype=np.float32)
    if n < 2:
        return Duplicates(representative, redundancy, threshold)
    unit = _normalised(X)
    nearest, centres = _clusters(unit, seed)
    if scores is None:  # the row nearest its cluster's centre is kept
        scores = np.einsum("ij,ij->i", unit, centres[nearest[:, 0]])
    first = np.zeros(n, dtype=bool)
    if preferred is not None:
        first[np.asarray(preferred, dtype=np.int64)] = True
    # rank 0 = most preferred; ties go to the lower row (a stable order)
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((np.arange(n), -scores, ~first))] = np.arange(n)
    best = np.full(n, -1, dtype=np.int64)  # the preferred row each row is most like
    # A cluster's rows are compared with every row that has it among its nearest clusters: two
    # near-identical rows either side of a border share their two nearest centres.
    members = _grouped(np.arange(n), nearest[:, 0], len(centres))
    near_rows = np.repeat(np.arange(n), nearest.shape[1] - 1)
    neighbours = _grouped(near_rows, nearest[:, 1:].ravel(), len(centres))
    for c, rows in enumerate(members):
        if not len(rows):
            continue
        columns = np.concatenate([rows, neighbours[c]])
        unit_columns, rank_columns = unit[columns], rank[columns]
        step = max(1, BLOCK_ELEMENTS // max(len(columns), 1))
        for lo in range(0, len(rows), step):
            block = rows[lo : lo + step]
            similarity = unit[block] @ unit_columns.T
            preferred = rank_columns[None, :] < rank[block][:, None]  # never itself
            # Both directions: a block row preferred over a column may be the best match the
            # column finds (that column's own cluster may not list this one).
            _improve(redundancy, best, block, columns, np.where(preferred, similarity, -np.inf))
            behind = rank_columns[None, :] > rank[block][:, None]
            _improve(redundancy, best, columns, block, np.where(behind, similarity, -np.inf).T)
        if progress is not None:
            progress(len(rows))
    duplicate = redundancy > threshold
    # In preference order a row's preferred row is resolved before it: one pass follows every
    # chain to the row that stands for the group.
    for row in np.flatnonzero(duplicate)[np.argsort(rank[duplicate], kind="stable")]:
        representative[row] = representative[best[row]]
    return Duplicates(representative, redundancy, threshold)


def duplicates_among(
    embedding: Any,
    existing: np.ndarray,
    candidates: np.ndarray,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`find_duplicates` over the ``existing`` and ``candidate`` rows of a pool, the
    existing ones (rows already labeled) kept first, in pool row numbers: ``(the row that
    stands for each pool row, -1 where a row was not compared; each row's redundancy, 0
    there; the number of duplicates)``.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.dedup import duplicates_among
    >>> E = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.001], [0.0, 5.0]], dtype=np.float32)
    >>> rep, redundancy, n = duplicates_among(E, np.array([0]), np.array([2, 3]))
    >>> rep.tolist(), n  # row 2 copies labeled row 0; row 1 was not compared
    ([0, -1, 0, 3], 1)
    """
    rows = np.union1d(existing, candidates)
    found = find_duplicates(
        np.asarray(embedding)[rows],
        threshold,
        preferred=np.searchsorted(rows, existing),
        seed=seed,
    )
    representative = np.full(len(embedding), -1, dtype=np.int64)
    representative[rows] = rows[found.representative]
    redundancy = np.zeros(len(embedding), dtype=np.float32)
    redundancy[rows] = found.redundancy
    return representative, redundancy, found.n_duplicates
