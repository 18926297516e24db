"""Pools held by this process: numpy arrays, ``np.memmap`` files, anything array-like.

A memory-mapped pool is never copied whole: validation runs in row chunks, the proxy reads
its batches by slicing, and only the outputs (one row of probabilities or embeddings per pool
row) are held in memory.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.base import clone, is_regressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.validation import check_memory, validate_data

from .. import _validation as v
from .._validation import check_finite
from ..kernels.features import reduce_features
from ..methods import PoolOutputs
from ..nn.kinds import unfrozen
from .base import Pool, Readout, check_pool_array
from .outputs import read_outputs, train_and_read, train_proxy

_FEATURES_CACHE: dict = {}


def cached_features(key: Any, compute: Any) -> np.ndarray:
    """``compute()``, remembered for one key (the latest pool): ``n x 50`` float32 at most."""
    if key not in _FEATURES_CACHE:
        _FEATURES_CACHE.clear()
        _FEATURES_CACHE[key] = compute()
    return _FEATURES_CACHE[key]


def flatten_rows(X: np.ndarray) -> np.ndarray:
    """Rows as flat vectors (image pools are ``n x channels x height x width``)."""
    return np.asarray(X).reshape(len(X), -1)


class InMemoryPool(Pool):
    """A pool in this process's memory (or memory-mapped).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
        Held as float32, except uint8 (pixels), which stays uint8.
    estimator : estimator
        Receives ``n_features_in_`` (scikit-learn's ``validate_data`` convention).
    reset : bool
        True in ``fit``; False in ``transform`` (the feature count must match).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from svpkit import ProxySelector
    >>> from svpkit.pools import InMemoryPool
    >>> X = np.random.default_rng(0).normal(size=(20, 3))
    >>> y = (X[:, 0] > 0).astype(np.int64)
    >>> selector = ProxySelector()
    >>> pool = InMemoryPool(X, selector, reset=True)
    >>> pool.n_rows, pool.X.dtype, selector.n_features_in_
    (20, dtype('float32'), 3)
    >>> readout = pool.proxy_outputs(  # train on rows 0-9, read every row's probabilities
    ...     LogisticRegression(), frozenset({"proba"}), y, train_rows=np.arange(10), seed=0
    ... )
    >>> readout.outputs.proba.shape
    (20, 2)
    """

    def __init__(self, X: Any, estimator: Any, *, reset: bool) -> None:
        check_pool_array(X)
        # uint8 stays uint8: it is pixels, which torch proxies scale to [0, 1] batch by batch
        # (ProxyNet.infer), as they do for an image folder or the fitted proxy's own predict;
        # everything else becomes float32.
        self.X = validate_data(
            estimator,
            X,
            reset=reset,
            dtype=[np.float32, np.uint8],
            order="C",
            allow_nd=True,
            ensure_all_finite=False,
            ensure_min_samples=1,
        )
        check_finite(self.X)
        self.n_rows = len(self.X)
        self.fingerprint = v.array_fingerprint(self.X)

    def embedding_refusal(self, proxy: Any) -> str | None:
        """Why ``proxy`` cannot give this pool's embeddings (None: it can). Pools whose input
        features are no distance space (sparse, text) refuse unless a torch proxy embeds."""
        return None

    def input_features(self) -> np.ndarray:
        """The ``features`` output: the flattened input reduced by PCA to
        :data:`~svpkit.kernels.coldstart.FEATURE_DIMS` dimensions (fitted on a seeded sample,
        applied in chunks). Kept for the most recent pool content, so the rounds of an
        active-learning loop compute it once."""
        return cached_features(self.fingerprint, lambda: reduce_features(self.X))

    def _check_embeddings(self, proxy: Any, needs: frozenset) -> None:
        if "embedding" in needs:
            reason = self.embedding_refusal(proxy)
            if reason is not None:
                raise ValueError(reason)

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
        self._check_embeddings(proxy, needs)  # before any training is spent
        # A pool that cannot give the features says so before any training is spent.
        features = self.input_features() if "features" in needs else None
        needs = needs - {"features"}
        if proxy is None:
            start = time.perf_counter()
            outputs = read_outputs(None, self.X, needs)
            outputs.features = features
            seconds = {"proxy_fit": 0.0, "score": time.perf_counter() - start}
            return Readout(None, outputs, seconds=seconds)
        # With a cache, read everything once so that every method and fraction reuses it
        # (probabilities included: streamed scores would serve one method only).
        # (a regression proxy's outputs are read as asked: its residuals cost trainings)
        cache_all = memory is not None and not is_regressor(unfrozen(proxy))
        key_needs = "all" if cache_all else tuple(sorted(needs))
        row_scores = row_scores if memory is None else None
        train = check_memory(memory).cache(train_and_read, ignore=["verbose", "scratch_dir"])
        # The cache key hashes an unfitted clone: a template that was fitted elsewhere in the
        # meantime (e.g. the target used as its own proxy) must still hit the cache.
        proxy_, outputs, seconds = train(
            clone(proxy),
            self.X,
            y_enc,
            train_rows,
            seed,
            key_needs,
            bool(verbose),
            self.scratch_dir,
            row_scores,
        )
        outputs.features = features
        return Readout(proxy_, outputs, seconds=seconds)

    def default_regression_proxy(self) -> Any:
        """A random forest on the flattened rows: cheap beside most targets, no scaling to
        tune, and its trees' spread is the predictive variance ``method="variance"`` reads."""
        from sklearn.ensemble import RandomForestRegressor

        return make_pipeline(
            FunctionTransformer(flatten_rows),
            RandomForestRegressor(n_estimators=100, min_samples_leaf=2, max_features=0.5),
        )

    def probe_model(self) -> Any:
        """Logistic regression on the standardised, flattened input rows."""
        return make_pipeline(
            FunctionTransformer(flatten_rows), StandardScaler(), LogisticRegression(max_iter=300)
        )

    def fit_correct(self, model, y_enc, train_rows, test_rows, seed) -> np.ndarray:
        model_ = train_proxy(model, v.take_rows(self.X, train_rows), y_enc[train_rows], seed)
        # Read probabilities the way selection does (no DataLoader draws from torch's RNG).
        proba = read_outputs(model_, v.take_rows(self.X, test_rows), frozenset({"proba"})).proba
        predicted = np.asarray(model_.classes_)[np.asarray(proba).argmax(axis=1)]
        return predicted == y_enc[test_rows]

    def fitted_outputs(self, proxy_, needs) -> PoolOutputs:
        self._check_embeddings(proxy_, needs)
        outputs = read_outputs(proxy_, self.X, needs - {"features"}, scratch_dir=self.scratch_dir)
        if "features" in needs:
            outputs.features = self.input_features()
        return outputs

    def take(self, X, rows):
        return v.take_rows(X, rows)
