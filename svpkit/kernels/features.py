"""Feature reduction: the pool representation the cold-start methods read (``features``).

A PCA of the (flattened) input features, fitted on a seeded sample of at most
:data:`FEATURE_FIT_ROWS` rows and applied in chunks, so a memory-mapped pool is never copied
whole. Pools compute it once per pool as the ``features`` output; the dask pool fits the
reducer on the same sample (:func:`feature_fit_rows`) and applies it blockwise.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["FEATURE_DIMS", "FEATURE_FIT_ROWS", "feature_fit_rows", "fit_reducer", "reduce_features"]

#: Dimensions of the cold-start representation (the ``features`` output): PCA of the input.
FEATURE_DIMS = 50
#: Rows the PCA is fitted on (a seeded sample; the transform then runs in chunks).
FEATURE_FIT_ROWS = 20_000


def feature_fit_rows(n_rows: int, random_state: int = 0) -> np.ndarray:
    """The sorted rows :func:`fit_reducer` is fitted on (the same for every pool layout).

    Examples
    --------
    >>> from svpkit.kernels.features import feature_fit_rows
    >>> feature_fit_rows(5).tolist()    # a pool smaller than the sample: every row
    [0, 1, 2, 3, 4]
    """
    rng = np.random.RandomState(random_state)
    return np.sort(rng.choice(n_rows, min(n_rows, FEATURE_FIT_ROWS), replace=False))


def fit_reducer(
    sample: ArrayLike, n_components: int = FEATURE_DIMS, random_state: int = 0
) -> Callable[[ArrayLike], np.ndarray]:
    """A PCA fitted on ``sample`` (flattened rows), as a function from row chunks to float32
    rows of ``n_components`` values; centring only when the rows have no more dimensions.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.features import fit_reducer
    >>> reduce = fit_reducer(np.random.RandomState(0).randn(100, 8), n_components=3)
    >>> reduce(np.ones((4, 8))).shape
    (4, 3)
    """
    from sklearn.decomposition import PCA

    sample = np.asarray(sample, dtype=np.float32)
    sample = sample.reshape(len(sample), -1)
    if sample.shape[1] <= n_components or len(sample) <= n_components:
        mean = sample.mean(axis=0)

        def centre(chunk: ArrayLike) -> np.ndarray:
            chunk = np.asarray(chunk, dtype=np.float32)
            return chunk.reshape(len(chunk), -1) - mean

        return centre
    pca = PCA(n_components, svd_solver="randomized", random_state=random_state).fit(sample)

    def project(chunk: ArrayLike) -> np.ndarray:
        chunk = np.asarray(chunk, dtype=np.float32)
        return pca.transform(chunk.reshape(len(chunk), -1)).astype(np.float32)

    return project


def reduce_features(
    X: ArrayLike,
    n_components: int = FEATURE_DIMS,
    random_state: int = 0,
    chunk_rows: int = 65536,
) -> np.ndarray:
    """PCA of the (flattened) input features: the cold-start representation.

    Fitted on at most :data:`FEATURE_FIT_ROWS` rows and applied in chunks, so a
    memory-mapped pool is never copied whole (the output is ``n x n_components`` float32).
    Features with fewer dimensions than ``n_components`` are returned centred.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.features import reduce_features
    >>> reduce_features(np.random.RandomState(0).randn(100, 8), n_components=3).shape
    (100, 3)
    """
    X = np.asarray(X) if not hasattr(X, "reshape") else X
    flat = X.reshape(len(X), -1)
    n = len(flat)
    reduce = fit_reducer(flat[feature_fit_rows(n, random_state)], n_components, random_state)
    return np.concatenate([reduce(flat[s : s + chunk_rows]) for s in range(0, n, chunk_rows)])
