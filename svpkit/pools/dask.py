"""Pools held as ``dask.array``: proxy outputs computed blockwise, where the data lives.

The proxy trains where ``fit`` is called, on the labeled rows (a small, in-memory set in active
learning; every row for a core-set, which must then fit in memory). It is then shipped once to
the workers as a single graph node, and every block is scored where it lives. Outputs a method
reads are gathered (one row each per pool row: linear), and the method ranks them with the
in-process code, so selections equal the in-memory ones. A method with a blockwise variant
(k-centers' two-round algorithm) instead gets a :class:`DaskBlocks` and runs on the workers.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..kernels.features import feature_fit_rows, fit_reducer
from ..methods import TRAINING_OUTPUTS, PoolOutputs
from .base import Pool, Readout, check_pool_array
from .outputs import read_outputs, train_proxy


def is_dask_array(X: Any) -> bool:
    """True for a ``dask.array.Array`` (checked without importing dask)."""
    return type(X).__module__.startswith("dask.array") and hasattr(X, "chunks")


def _block_outputs(
    block: np.ndarray,
    rows: np.ndarray | None,
    proxy_: Any,
    needs: frozenset,
    row_scores: dict | None = None,
):
    block = block if rows is None else block[rows]
    return read_outputs(
        proxy_, np.ascontiguousarray(block, dtype=np.float32), needs, row_scores=row_scores
    )


def _apply(block, rows, proxy_, needs, fn, args):
    return fn(_block_outputs(block, rows, proxy_, needs), *args)


def _block_finite(block: np.ndarray) -> bool:
    return bool(np.isfinite(block).all())


def _concat(parts: list[PoolOutputs]) -> PoolOutputs:
    fields = {}
    for name in ("proba", "embedding", "features"):
        values = [getattr(p, name) for p in parts]
        fields[name] = None if values[0] is None else np.concatenate(values)
    fields["row_scores"] = {
        name: np.concatenate([p.row_scores[name] for p in parts]) for name in parts[0].row_scores
    }
    return PoolOutputs(**fields)


class DaskBlocks:
    """The :class:`~svpkit.methods.BlockMap` of a dask pool: work runs on the workers."""

    def __init__(self, X: Any, proxy_: Any) -> None:
        import dask

        self._dask = dask
        self._X = X
        self._blocks = X.to_delayed().ravel()
        self._proxy = dask.delayed(proxy_, pure=True, traverse=False)
        self._proxy_local = proxy_
        self.sizes = np.asarray(X.chunks[0], dtype=np.int64)
        self.starts = np.cumsum(np.concatenate([[0], self.sizes]))[:-1]

    def map(self, fn, needs, rows, args) -> list:
        delayed = self._dask.delayed
        tasks = [
            delayed(_apply)(b, r, self._proxy, needs, fn, a)
            for b, r, a in zip(self._blocks, rows, args, strict=True)
        ]
        return list(self._dask.compute(*tasks))

    def gather(self, rows, needs) -> PoolOutputs:
        if len(rows) == 0:
            return PoolOutputs(embedding=np.empty((0, 0), np.float32))
        block = np.ascontiguousarray(self._X[rows].compute(), dtype=np.float32)
        return read_outputs(self._proxy_local, block, needs)


class DaskPool(Pool):
    """A pool held as a ``dask.array`` (rows chunked; other axes in one chunk each).

    Parameters
    ----------
    X : dask.array.Array
    estimator : estimator
        Receives ``n_features_in_``.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from svpkit import ProxySelector
    >>> from svpkit.pools import DaskPool
    >>> X = np.random.default_rng(0).normal(size=(20, 3))
    >>> y = (X[:, 0] > 0).astype(np.int64)
    >>> pool = DaskPool(da.from_array(X, chunks=10), ProxySelector())
    >>> pool.n_rows, pool.X.chunks
    (20, ((10, 10), (3,)))
    >>> readout = pool.proxy_outputs(  # scored block by block, then gathered
    ...     LogisticRegression(), frozenset({"proba"}), y, train_rows=np.arange(10), seed=0
    ... )
    >>> readout.outputs.proba.shape
    (20, 2)
    >>> blocks = pool.proxy_outputs(  # for a blockwise method: the blocks, nothing gathered
    ...     None, frozenset({"embedding"}), y, np.arange(0), seed=0, blockwise=True
    ... ).blocks
    >>> blocks.starts.tolist(), blocks.sizes.tolist()
    ([0, 10], [10, 10])
    """

    def __init__(self, X: Any, estimator: Any) -> None:
        import dask

        if X.ndim < 2:
            check_pool_array(X)
        X = X.astype(np.float32).rechunk({i: -1 for i in range(1, X.ndim)})
        finite = dask.compute(*[dask.delayed(_block_finite)(b) for b in X.to_delayed().ravel()])
        if not all(finite):
            raise ValueError(
                "X contains NaN or inf. Impute them (e.g. sklearn.impute.SimpleImputer) or drop "
                "those rows before selecting."
            )
        self.X = X
        self.n_rows = X.shape[0]
        self.fingerprint = ("dask", X.shape, X.name)
        estimator.n_features_in_ = X.shape[1]

    def proxy_outputs(
        self,
        proxy,
        needs,
        y_enc,
        train_rows,
        seed,
        *,
        blockwise=False,
        memory=None,
        verbose=False,
        row_scores=None,
    ):
        import dask

        if needs & TRAINING_OUTPUTS:
            raise ValueError(
                "this method needs the proxy's training dynamics over every row; compute "
                "the pool (X.compute()) and fit on the in-memory array."
            )
        start = time.perf_counter()
        proxy_ = None
        if proxy is not None:
            X_train = np.ascontiguousarray(self.X[train_rows].compute())
            proxy_ = train_proxy(proxy, X_train, y_enc[train_rows], seed, verbose=verbose)
        trained = time.perf_counter()
        outputs = PoolOutputs()
        if blockwise:
            seconds = {"proxy_fit": trained - start, "score": 0.0}
            return Readout(proxy_, outputs, DaskBlocks(self.X, proxy_), seconds)
        read = needs - {"features"}
        if read or row_scores:
            # Streamed scores are computed on the workers: one value per row travels back
            # instead of a row of probabilities.
            proxy_d = dask.delayed(proxy_, pure=True, traverse=False)
            blocks = self.X.to_delayed().ravel()
            parts = dask.compute(
                *[dask.delayed(_block_outputs)(b, None, proxy_d, read, row_scores) for b in blocks]
            )
            outputs = _concat(list(parts))
        if "features" in needs:
            outputs.features = self._features()
        seconds = {"proxy_fit": trained - start, "score": time.perf_counter() - trained}
        return Readout(proxy_, outputs, seconds=seconds)

    def _features(self) -> np.ndarray:
        """The ``features`` output as in memory: PCA fitted on the same sampled rows,
        applied where every block lives."""
        import dask

        sample = np.ascontiguousarray(self.X[feature_fit_rows(self.n_rows)].compute())
        reduce = dask.delayed(fit_reducer(sample), pure=True, traverse=False)
        blocks = self.X.to_delayed().ravel()
        return np.concatenate(dask.compute(*[reduce(b) for b in blocks]))

    def fitted_outputs(self, proxy_, needs) -> PoolOutputs:
        raise ValueError(
            "transform on a dask pool returns the rows selected in fit, so it needs the same "
            "dask array; call fit (or fit_resample) on a new pool."
        )

    def take(self, X, rows):
        return X[rows]
