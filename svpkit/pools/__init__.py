"""Layer 4, pools: how proxy outputs are computed for a pool.

- :class:`~svpkit.pools.memory.InMemoryPool`: numpy arrays and memory maps, in this process;
- :class:`~svpkit.pools.sparse.SparsePool`: scipy sparse matrices (text features);
- :class:`~svpkit.pools.text.TextPool`: lists, arrays or Series of strings;
- :class:`~svpkit.pools.dask.DaskPool`: ``dask.array`` pools, blockwise on the workers;
- :class:`~svpkit.pools.images.ImagePool`: :class:`~svpkit.images.ImageFolder` (image files,
  decoded once into a uint8 cache);
- :class:`~svpkit.pools.images.DatasetPool`: map-style ``torch.utils.data.Dataset``.

:func:`make_pool` picks the strategy from the input's type; selectors never name one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _validation as v
from .base import Pool, Readout
from .dask import DaskPool, is_dask_array
from .images import DatasetPool, ImagePool, is_image_folder, is_torch_dataset
from .memory import InMemoryPool
from .sparse import SparsePool, is_sparse
from .text import TextPool, is_text

__all__ = [
    "Pool",
    "Readout",
    "InMemoryPool",
    "SparsePool",
    "TextPool",
    "DaskPool",
    "ImagePool",
    "DatasetPool",
    "make_pool",
    "carried_labels",
    "rows_in_memory",
]


def make_pool(X: Any, estimator: Any, *, reset: bool, scratch_dir: str | None = None) -> Pool:
    """The pool strategy for ``X`` (validated; ``estimator`` receives ``n_features_in_``).
    Outputs too large for memory go to memory maps in ``scratch_dir``.

    Parameters
    ----------
    X : array-like, scipy sparse matrix, sequence of str, dask.array.Array, ImageFolder or
        torch Dataset
        The pool.
    estimator : estimator
        The selector, which receives ``n_features_in_``.
    reset : bool
        True in ``fit``; False in ``transform`` (the feature count must match).
    scratch_dir : str, default=None
        Folder for memory-mapped outputs (None: the temporary directory).

    Returns
    -------
    pool : Pool
        :class:`DaskPool`, :class:`SparsePool`, :class:`TextPool`, :class:`ImagePool`,
        :class:`DatasetPool` or :class:`InMemoryPool`.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse
    >>> from svpkit import ProxySelector
    >>> from svpkit.pools import make_pool
    >>> selector = ProxySelector()
    >>> type(make_pool(np.zeros((5, 3)), selector, reset=True)).__name__
    'InMemoryPool'
    >>> selector.n_features_in_
    3
    >>> type(make_pool(scipy.sparse.eye(5, format="csr"), selector, reset=True)).__name__
    'SparsePool'
    >>> type(make_pool(["a text", "another"], selector, reset=True)).__name__
    'TextPool'
    """
    if is_dask_array(X):
        pool: Pool = DaskPool(X, estimator)
    elif is_image_folder(X):
        pool = ImagePool(X, estimator, reset=reset)
    elif is_torch_dataset(X):
        pool = DatasetPool(X, estimator, reset=reset)
    elif is_sparse(X):
        pool = SparsePool(X, estimator, reset=reset)
    elif is_text(X):
        pool = TextPool(X, estimator, reset=reset)
    else:
        pool = InMemoryPool(X, estimator, reset=reset)
    pool.scratch_dir = scratch_dir
    return pool


def carried_labels(X: Any) -> np.ndarray | None:
    """The labels a pool carries itself (an image folder's class folders, a torch Dataset's
    targets or items), or None for pools that carry none (arrays, texts, sparse matrices).

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.pools import carried_labels
    >>> carried_labels(np.zeros((3, 2))) is None
    True
    """
    if is_image_folder(X):
        return X.labels
    if is_torch_dataset(X):
        from ..nn.net import dataset_labels

        return dataset_labels(X)
    return None


def rows_in_memory(X: Any, rows: np.ndarray) -> Any:
    """``X[rows]`` held in this process: a part of the pool to fit on (SEALS's neighbourhoods,
    a few percent of it). A distributed pool's rows are computed; any other container keeps
    its type.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.pools import rows_in_memory
    >>> rows_in_memory(np.arange(10).reshape(5, 2), np.array([0, 3])).tolist()
    [[0, 1], [6, 7]]
    """
    taken = v.take_rows(X, rows)
    return taken.compute() if is_dask_array(taken) else taken
