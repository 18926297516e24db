"""SEALS candidate pools: score only the neighbourhoods of the labeled rows.

SEALS (Coleman et al., "Similarity Search for Efficient Active Learning and Search of Rare
Concepts", AAAI 2022) builds one nearest-neighbour index over a fixed embedding of the pool
and, each round, lets the selection method see only the union of the labeled rows' ``k``
nearest neighbours. The candidate set grows as labels arrive; a round scores a few percent of
the pool instead of all of it.
"""

from __future__ import annotations

import json
import os
import time
from numbers import Integral, Real
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._validation import sampled_rows_fingerprint
from ..kernels.ann import (
    INDEX_KINDS,
    build_index,
    index_from_bytes,
    index_to_bytes,
    search_index,
)
from ..utils import atomic_write

__all__ = ["KnnCandidates", "resolve_candidates", "INDEX_FILE", "SUBSAMPLE_SHARE"]

#: The share of the pool ``candidates="subsample"`` scores per round: on the 1M-row benchmark
#: pool (``benchmarks/results/seals.json``) margin on a fresh 2% sample per round matched whole-pool
#: margin (-0.4 pp, paired) while SEALS neighbourhoods lost 3.8 pp.
SUBSAMPLE_SHARE = 0.02
#: The file (in a checkpoint folder) that holds a saved index.
INDEX_FILE = "svpkit-knn-index.npy"
_META_FILE = "svpkit-knn-index.json"
#: Rows hashed to recognise the pool an index was built on (evenly spaced).
_KEY_ROWS = 1024


def _pool_key(X: Any, n_rows: int) -> str:
    """The identity of the pool an index was built on (saved with it; its definition is
    :func:`~svpkit._validation.sampled_rows_fingerprint` of :data:`_KEY_ROWS` rows)."""
    return sampled_rows_fingerprint(X, _KEY_ROWS, n_rows)


def _vectors_of(X: Any) -> Any:
    """The rows of ``X`` as vectors to index: the array itself (flattened per row, never
    copied whole), or a clear refusal for inputs with no distance space of their own."""
    import scipy.sparse

    if scipy.sparse.issparse(X) or not hasattr(X, "shape") or len(np.shape(X)) < 2:
        raise ValueError(
            "candidates='knn' indexes the pool's rows, but X is not a dense array of row "
            "vectors (sparse or text input). Fit svpkit.selectors.KnnCandidates on a dense "
            "embedding with KnnCandidates().fit(X, embedding=E) and pass it as candidates=."
        )
    if hasattr(X, "iloc"):  # pandas: its values
        return X.to_numpy(dtype=np.float32)
    return X


class KnnCandidates(BaseEstimator):
    """A SEALS candidate pool: the unlabeled neighbours of the labeled rows.

    Fit once on the pool (an index over its rows, or over an ``embedding`` of them); then
    :meth:`candidates` returns, for any labeled set, the unlabeled rows among the labeled
    rows' ``n_neighbors`` nearest neighbours. Pass it (or ``"knn"``) as ``candidates=`` to
    :class:`~svpkit.ProxySelector` or :class:`~svpkit.active.ActiveLearningLoop`: each
    round's method then scores only those rows.

    Parameters
    ----------
    n_neighbors : int >= 0, default=10
        Neighbours per labeled row (0: no index; the candidates are the ``n_random`` rows
        alone, a uniform subsample of the pool). A round sees at most
        ``n_labeled * n_neighbors`` rows from the neighbourhoods; the paper uses 100 on
        billion-row pools. When the neighbourhoods hold fewer unlabeled rows
        than a round asks for, they are widened (doubled) for that round until they do.
    n_random : int or float in (0, 1), default=0
        Rows drawn uniformly (seeded by ``random_state`` and the number of labeled rows) from
        the pool and added to each round's candidates (a float: that share of the pool):
        global reach for regions no labeled row is near yet. 0 is SEALS as published.
    index : {"auto", "flat", "ivf"}, default="auto"
        ``"auto"``: exact (flat) up to :data:`svpkit.kernels.ann.FLAT_MAX_ROWS` rows,
        IVF above (8-bit quantized when the float32 vectors pass 1 GiB); see
        :mod:`svpkit.kernels.ann`.
    n_probe : int, default=16
        Lists an IVF query scans (more: closer to exact, slower).
    random_state : int, default=0
        Seeds the IVF training.
    verbose : bool, default=False
        A progress bar while rows are added to the index.

    Attributes
    ----------
    index_ : faiss.Index or None
        None with ``n_neighbors=0``.
    index_kind_ : str
        ``"flat"``, ``"ivf"``, ``"ivf-sq8"`` or ``"none"``.
    n_rows_ : int
        Rows indexed.
    n_features_in_ : int
        Features per row of ``X`` (flattened).
    pool_key_ : str
        Identity of the pool fitted on (shape and a hash of 1,024 evenly spaced rows).
    build_seconds_ : float

    Notes
    -----
    A fitted instance is shared, not copied, by :func:`sklearn.base.clone` (as scikit-learn's
    ``FrozenEstimator`` is): one index serves every round of a loop. It remembers the
    neighbours it looked up (a cache: the result of :meth:`candidates` depends only on the
    index and the labeled rows), so each round searches only for the newly labeled rows.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.selectors import KnnCandidates
    >>> X = np.arange(20, dtype=np.float32).reshape(10, 2)    # rows on a line
    >>> knn = KnnCandidates(n_neighbors=2).fit(X)
    >>> knn.candidates(X, np.array([0, 9])).tolist()          # 0's and 9's two neighbours
    [1, 2, 7, 8]
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_neighbors": [Interval(Integral, 0, None, closed="left")],
        "n_random": [
            Interval(Integral, 0, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
        ],
        "index": [StrOptions(set(INDEX_KINDS))],
        "n_probe": [Interval(Integral, 1, None, closed="left")],
        "random_state": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_neighbors: int = 10,
        *,
        n_random: int = 0,
        index: str = "auto",
        n_probe: int = 16,
        random_state: int = 0,
        verbose: bool = False,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.n_random = n_random
        self.index = index
        self.n_probe = n_probe
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_clone__(self) -> KnnCandidates:
        if hasattr(self, "index_"):
            return self  # fitted: the index is shared (it is never modified once built)
        return super().__sklearn_clone__()

    # -- building ------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, *, embedding: Any = None) -> KnnCandidates:
        """Build the index over the rows of ``X`` (or of ``embedding``).

        Parameters
        ----------
        X : array-like of shape (n_rows, ...)
            The pool (numpy, memory map, pandas or dask; read in blocks).
        y : ignored
        embedding : array-like of shape (n_rows, d), default=None
            A fixed representation to search in instead of the input features (e.g. a
            pretrained model's embeddings, or a first proxy's: ``proxy.embed(X)``). Kept by
            reference (a memory map stays on disk).

        Returns
        -------
        self
        """
        self._validate_params()
        vectors = _vectors_of(X if embedding is None else embedding)
        n_rows = X.shape[0] if hasattr(X, "shape") else len(X)
        if n_rows < 1:
            raise ValueError(f"Found array with {n_rows} sample(s); KnnCandidates needs rows.")
        if int(np.prod(np.shape(vectors)[1:])) < 1:
            raise ValueError(
                f"0 feature(s) (shape={np.shape(vectors)}) while a minimum of 1 is required."
            )
        if len(vectors) != n_rows:
            raise ValueError(
                f"embedding has {len(vectors)} rows but X has {n_rows}; pass one embedding row "
                "per pool row."
            )
        if self.n_neighbors == 0 and self.n_random == 0:
            raise ValueError(
                "KnnCandidates(n_neighbors=0, n_random=0) has no candidate to offer; set one."
            )
        start = time.perf_counter()
        from tqdm.auto import tqdm

        with tqdm(
            total=n_rows, desc="knn index", unit="row", leave=False, disable=not self.verbose
        ) as bar:
            self.index_, self.index_kind_ = (
                build_index(
                    vectors,
                    self.index,
                    n_probe=self.n_probe,
                    seed=self.random_state,
                    progress=bar.update,
                )
                if self.n_neighbors
                else (None, "none")
            )
        self.build_seconds_ = time.perf_counter() - start
        self.n_rows_ = n_rows
        self.pool_key_ = _pool_key(X, n_rows)
        self.embedding_ = embedding
        self.n_features_in_ = int(np.prod(np.shape(X)[1:])) if hasattr(X, "shape") else 1
        self._neighbors: dict[int, np.ndarray] = {}
        return self

    def check_pool(self, X: Any) -> None:
        """Raise unless ``X`` is the pool this index was built on."""
        check_is_fitted(self)
        if not self.is_fitted_on(X):
            raise ValueError(
                f"this KnnCandidates index was built on another pool ({self.n_rows_} rows); "
                "fit it on this X, or pass candidates='knn' to build one."
            )

    def is_fitted_on(self, X: Any) -> bool:
        """Whether ``X`` is the pool this index was built on (shape and sampled rows)."""
        return (
            hasattr(self, "index_")
            and len(X) == self.n_rows_
            and _pool_key(X, len(X)) == self.pool_key_
        )

    # -- querying ------------------------------------------------------------------------------
    def _search(self, X: Any, rows: np.ndarray, k: int) -> np.ndarray:
        vectors = _vectors_of(X if self.embedding_ is None else self.embedding_)
        ids, _ = search_index(self.index_, vectors[rows] if len(rows) else vectors[:0], k + 1)
        return ids

    def _remember(self, X: Any, rows: np.ndarray) -> None:
        if not self.n_neighbors:
            return
        new = np.array([r for r in rows.tolist() if r not in self._neighbors], dtype=np.int64)
        if len(new):
            for row, ids in zip(new.tolist(), self._search(X, new, self.n_neighbors), strict=True):
                self._neighbors[row] = ids[(ids >= 0) & (ids != row)][: self.n_neighbors]

    def candidates(self, X: Any, labeled: Any, n_select: int = 0) -> np.ndarray:
        """The unlabeled rows among the labeled rows' neighbours, sorted.

        Parameters
        ----------
        X : array-like
            The pool the index was built on (read for the labeled rows' vectors).
        labeled : array-like of int
            Labeled rows.
        n_select : int, default=0
            Rows the round will select: the neighbourhoods are widened (``n_neighbors``
            doubled) until they hold at least this many unlabeled rows, or every unlabeled
            row is returned.

        Returns
        -------
        rows : ndarray of int64
        """
        check_is_fitted(self)
        labeled = np.unique(np.asarray(labeled, dtype=np.int64))
        self._remember(X, labeled)
        is_labeled = np.zeros(self.n_rows_, dtype=bool)
        is_labeled[labeled] = True
        found = [self._neighbors[r] for r in labeled.tolist() if r in self._neighbors]
        drawn = []
        if self.n_random:
            n_random = self.n_random
            if not isinstance(n_random, Integral):
                n_random = int(np.ceil(n_random * self.n_rows_))
            rng = np.random.default_rng([self.random_state, len(labeled)])
            drawn = [rng.choice(self.n_rows_, min(n_random, self.n_rows_), replace=False)]
        rows = _unlabeled(found + drawn, is_labeled)
        k = self.n_neighbors
        while len(rows) < n_select and 0 < k < self.n_rows_:
            k = min(2 * k, self.n_rows_)
            ids = self._search(X, labeled, k)
            rows = _unlabeled([ids[ids >= 0], *drawn], is_labeled)
        if len(rows) < n_select:
            rows = np.flatnonzero(~is_labeled)
        return rows

    def neighbor_state(self) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, neighbours)``: the lookups remembered so far (``-1`` pads short rows), to
        checkpoint beside the labels."""
        rows = np.array(sorted(self._neighbors), dtype=np.int64)
        table = np.full((len(rows), self.n_neighbors), -1, dtype=np.int64)
        for i, row in enumerate(rows.tolist()):
            found = self._neighbors[row]
            table[i, : len(found)] = found
        return rows, table

    def restore_neighbor_state(self, rows: np.ndarray, table: np.ndarray) -> None:
        """Restore lookups saved by :meth:`neighbor_state` (a resumed run then searches exactly
        the rows an uninterrupted one would, in the same batches)."""
        self._neighbors = {
            int(r): t[t >= 0] for r, t in zip(np.asarray(rows), np.asarray(table), strict=True)
        }

    # -- persistence ---------------------------------------------------------------------------
    def save(self, folder: str | os.PathLike) -> Path:
        """Write the index (FAISS's format, as a uint8 ``.npy``) and its description into
        ``folder``, atomically. Lookups are not saved (see :meth:`neighbor_state`)."""
        check_is_fitted(self)
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "params": self.get_params(),
            "index_kind": self.index_kind_,
            "n_rows": self.n_rows_,
            "pool_key": self.pool_key_,
            "build_seconds": self.build_seconds_,
            "has_embedding": self.embedding_ is not None,
        }
        data = np.empty(0, np.uint8) if self.index_ is None else index_to_bytes(self.index_)
        atomic_write(folder / INDEX_FILE, lambda fh: np.save(fh, data))
        atomic_write(folder / _META_FILE, lambda fh: fh.write(json.dumps(meta).encode()))
        return folder / INDEX_FILE

    @classmethod
    def load(cls, folder: str | os.PathLike, *, embedding: Any = None) -> KnnCandidates:
        """An index saved by :meth:`save` (pass the same ``embedding`` it was built on, if
        any)."""
        folder = Path(folder)
        meta = json.loads((folder / _META_FILE).read_text())
        if meta["has_embedding"] and embedding is None:
            raise ValueError(
                "this index was built on an embedding of the pool; pass it: "
                "KnnCandidates.load(folder, embedding=E)."
            )
        self = cls(**meta["params"])
        data = np.load(folder / INDEX_FILE, allow_pickle=False)
        self.index_ = index_from_bytes(data) if data.size else None
        self.index_kind_ = meta["index_kind"]
        self.n_rows_ = meta["n_rows"]
        self.pool_key_ = meta["pool_key"]
        self.build_seconds_ = meta["build_seconds"]
        self.embedding_ = embedding
        self._neighbors = {}
        return self

    @staticmethod
    def saved_in(folder: str | os.PathLike) -> bool:
        """Whether ``folder`` holds a saved index."""
        return (Path(folder) / INDEX_FILE).exists() and (Path(folder) / _META_FILE).exists()


def _unlabeled(found: list[np.ndarray], is_labeled: np.ndarray) -> np.ndarray:
    if not found:
        return np.empty(0, dtype=np.int64)
    rows = np.unique(np.concatenate(found))
    return rows[~is_labeled[rows]]


#: The ``candidates=`` strings of the selectors and the loop.
CANDIDATE_CHOICES = ("all", "knn", "subsample")


def resolve_candidates(candidates: Any) -> KnnCandidates | None:
    """``None`` for ``"all"`` (every unlabeled row is a candidate); a :class:`KnnCandidates`
    for ``"knn"`` (SEALS), ``"subsample"`` (a fresh uniform :data:`SUBSAMPLE_SHARE` of the
    pool per round) or an instance.

    Examples
    --------
    >>> from svpkit.selectors.candidates import resolve_candidates
    >>> resolve_candidates("all") is None, resolve_candidates("subsample").n_neighbors
    (True, 0)
    """
    if candidates is None or (isinstance(candidates, str) and candidates == "all"):
        return None
    if isinstance(candidates, str) and candidates == "knn":
        return KnnCandidates()
    if isinstance(candidates, str) and candidates == "subsample":
        return KnnCandidates(n_neighbors=0, n_random=SUBSAMPLE_SHARE)
    if isinstance(candidates, KnnCandidates):
        return candidates
    raise ValueError(
        f"candidates={candidates!r}: choose one of {CANDIDATE_CHOICES} or a svpkit.KnnCandidates."
    )
