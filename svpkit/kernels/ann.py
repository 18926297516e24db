"""Nearest-neighbour indexes over a pool's rows (FAISS), chosen by pool size, stored as bytes.

SEALS (Coleman et al., AAAI 2022) looks up the neighbours of the labeled rows in a fixed
embedding of the pool every round, so the index is built once and queried many times:

- up to :data:`FLAT_MAX_ROWS` rows, an exact ``IndexFlatL2`` (no training; a query scans the
  pool, which is cheap at that size);
- above it, ``IndexIVFFlat`` with about ``sqrt(n)`` lists (at most :data:`MAX_LISTS`), trained
  on a seeded sample; a query scans ``n_probe`` lists, a few thousandths of the pool. When the
  float32 vectors would exceed :data:`FLOAT_INDEX_BUDGET`, they are stored 8-bit scalar
  quantized (``IndexIVFScalarQuantizer``, 4x smaller: 1.3 GB for 10M x 128).

Vectors are read and added in blocks of :data:`ADD_BLOCK_ROWS`, so a memory-mapped pool is
never copied whole. :func:`index_to_bytes` gives a uint8 array (``np.save`` stores it without
pickle); :func:`index_from_bytes` restores an index that answers every query identically.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._optional import import_optional
from .._validation import check_finite

__all__ = [
    "INDEX_KINDS",
    "FLAT_MAX_ROWS",
    "FLOAT_INDEX_BUDGET",
    "MAX_LISTS",
    "ADD_BLOCK_ROWS",
    "choose_index",
    "build_index",
    "search_index",
    "index_to_bytes",
    "index_from_bytes",
]

#: The ``index=`` choices: by pool size, exact, or inverted lists.
INDEX_KINDS = ("auto", "flat", "ivf")
#: Rows up to which the index is exact (flat); an IVF index above. An exact query of q rows
#: costs q x n x d, about what scoring the whole pool with a proxy of q hidden units costs:
#: measured on 1M x 32 rows, 500 new labels per round took 1.3 s to search exactly against
#: 0.6 s to score every row, so above 100k rows the index is approximate.
FLAT_MAX_ROWS = 100_000
#: Bytes of float32 vectors an IVF index may hold before it quantizes them to 8 bits.
FLOAT_INDEX_BUDGET = 1 << 30
#: Upper bound on the IVF lists: the one-off assignment of n rows costs n x lists x d.
MAX_LISTS = 1024
#: Rows read, converted and added per block.
ADD_BLOCK_ROWS = 65536
#: Training rows per IVF list (FAISS asks for at least 39; more gains little).
TRAIN_ROWS_PER_LIST = 64


def choose_index(n_rows: int, dim: int, kind: str = "auto") -> str:
    """The index for a pool: ``"flat"``, ``"ivf"`` or ``"ivf-sq8"``.

    Examples
    --------
    >>> from svpkit.kernels.ann import choose_index
    >>> choose_index(50_000, 64), choose_index(1_000_000, 64), choose_index(10_000_000, 128)
    ('flat', 'ivf', 'ivf-sq8')
    """
    if kind not in INDEX_KINDS:
        raise ValueError(f"index={kind!r}: choose 'auto', 'flat' or 'ivf'.")
    if kind == "flat" or (kind == "auto" and n_rows <= FLAT_MAX_ROWS):
        return "flat"
    return "ivf" if n_rows * dim * 4 <= FLOAT_INDEX_BUDGET else "ivf-sq8"


def _blocks(vectors: Any, start: int = 0, stop: int | None = None):
    stop = len(vectors) if stop is None else stop
    for lo in range(start, stop, ADD_BLOCK_ROWS):
        hi = min(lo + ADD_BLOCK_ROWS, stop)
        block = np.asarray(vectors[lo:hi])
        if np.iscomplexobj(block):
            raise ValueError("Complex data not supported: index real-valued vectors.")
        block = np.ascontiguousarray(block.reshape(hi - lo, -1), np.float32)
        check_finite(block, first_row=lo)
        yield block


def build_index(
    vectors: Any,
    kind: str = "auto",
    *,
    n_probe: int = 16,
    seed: int = 0,
    progress: Any = None,
) -> tuple[Any, str]:
    """A FAISS index over the rows of ``vectors``, and the kind chosen.

    Parameters
    ----------
    vectors : array-like of shape (n_rows, ...)
        One vector per row (flattened; numpy or memory map, read block by block).
    kind : {"auto", "flat", "ivf"}
        ``"auto"``: flat up to :data:`FLAT_MAX_ROWS` rows, IVF above.
    n_probe : int
        Lists an IVF query scans.
    seed : int
        Seeds the IVF training sample and its k-means.
    progress : callable or None
        Called with the number of rows added after each block.

    Returns
    -------
    index : faiss.Index
    kind : str
        ``"flat"``, ``"ivf"`` or ``"ivf-sq8"``.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.ann import build_index, search_index
    >>> X = np.arange(10, dtype=np.float32).reshape(5, 2)
    >>> index, kind = build_index(X)
    >>> kind, search_index(index, X[:1], 2)[0].tolist()
    ('flat', [[0, 1]])
    """
    faiss = import_optional("faiss")
    n = len(vectors)
    dim = int(np.prod(np.shape(vectors)[1:])) if np.ndim(vectors) > 1 else 1
    kind = choose_index(n, dim, kind)
    if kind == "flat":
        index = faiss.IndexFlatL2(dim)
    else:
        n_lists = int(min(MAX_LISTS, max(1, np.sqrt(n))))
        quantizer = faiss.IndexFlatL2(dim)
        if kind == "ivf":
            index = faiss.IndexIVFFlat(quantizer, dim, n_lists)
        else:
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, dim, n_lists, faiss.ScalarQuantizer.QT_8bit
            )
        n_train = min(n, TRAIN_ROWS_PER_LIST * n_lists)
        sample = np.sort(np.random.default_rng(seed).choice(n, n_train, replace=False))
        train = np.ascontiguousarray(
            np.asarray(vectors[sample]).reshape(n_train, -1), dtype=np.float32
        )
        index.cp.seed = int(seed) % (1 << 31)
        index.train(train)
        index.nprobe = int(min(n_probe, n_lists))
    for block in _blocks(vectors):
        index.add(block)
        if progress is not None:
            progress(len(block))
    return index, kind


def search_index(index: Any, queries: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest indexed rows of each query row: ``(ids, squared distances)``.

    Ids are ``-1`` where the index holds fewer than ``k`` reachable rows (an IVF query sees
    only the lists it probes).
    """
    queries = np.ascontiguousarray(np.asarray(queries).reshape(len(queries), -1), np.float32)
    k = int(min(k, index.ntotal))
    if len(queries) == 0 or k < 1:
        return np.empty((len(queries), max(k, 0)), np.int64), np.empty((len(queries), max(k, 0)))
    distances, ids = index.search(queries, k)
    return ids.astype(np.int64, copy=False), distances


def index_to_bytes(index: Any) -> np.ndarray:
    """The index as a uint8 array (FAISS's own format; ``np.save`` writes it pickle-free)."""
    return import_optional("faiss").serialize_index(index)


def index_from_bytes(data: np.ndarray) -> Any:
    """An index from :func:`index_to_bytes`."""
    return import_optional("faiss").deserialize_index(np.ascontiguousarray(data, dtype=np.uint8))
