"""Layer 4, pools: how proxy outputs are computed for a pool.

- :class:`~svpkit.pools.memory.InMemoryPool`: numpy arrays and memory maps, in this process;
- :class:`~svpkit.pools.sparse.SparsePool`: scipy sparse matrices (text features);
- :class:`~svpkit.pools.text.TextPool`: lists, arrays or Series of strings;
- :class:`~svpkit.pools.dask.DaskPool`: ``dask.array`` pools, blockwise on the workers.

:func:`make_pool` picks the strategy from the input's type; selectors never name one.
"""

from __future__ import annotations

from typing import Any

from .base import Pool, Readout
from .dask import DaskPool, is_dask_array
from .memory import InMemoryPool
from .sparse import SparsePool, is_sparse
from .text import TextPool, is_text

__all__ = ["Pool", "Readout", "InMemoryPool", "SparsePool", "TextPool", "DaskPool", "make_pool"]


def make_pool(X: Any, estimator: Any, *, reset: bool, scratch_dir: str | None = None) -> Pool:
    """The pool strategy for ``X`` (validated; ``estimator`` receives ``n_features_in_``).
    Outputs too large for memory go to memory maps in ``scratch_dir``."""
    if is_dask_array(X):
        pool: Pool = DaskPool(X, estimator)
    elif is_sparse(X):
        pool = SparsePool(X, estimator, reset=reset)
    elif is_text(X):
        pool = TextPool(X, estimator, reset=reset)
    else:
        pool = InMemoryPool(X, estimator, reset=reset)
    pool.scratch_dir = scratch_dir
    return pool
