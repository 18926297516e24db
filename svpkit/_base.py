"""The shared base of all selectors: fit, transform, fit_resample, get_support."""

from __future__ import annotations

import time
from typing import Any

import joblib
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, check_memory, validate_data

from . import _validation as v
from ._dask import fit_dask, is_dask_array
from ._proxy_outputs import check_proxy, read_outputs, train_and_read
from .methods import PoolOutputs, SelectionMethod, get_method
from .nn.net import make_default_proxy
from .utils import derive_seed


class BaseSelector(TransformerMixin, BaseEstimator):
    """Common machinery; see :class:`~svpkit.ProxySelector` and :class:`~svpkit.CoresetSelector`.

    Subclasses decide which rows are labeled and candidates (``_split_rows``), whether
    core-set-only methods are allowed (``_coreset``), and may rank per class (``_rank``).
    """

    _coreset = False

    def __init__(
        self,
        proxy: Any = None,
        method: str = "least_confidence",
        fraction: float | int = 0.5,
        random_state: int | np.random.RandomState | None = None,
        memory: Any = None,
        verbose: bool = False,
    ) -> None:
        self.proxy = proxy
        self.method = method
        self.fraction = fraction
        self.random_state = random_state
        self.memory = memory
        self.verbose = verbose

    # -- hooks -------------------------------------------------------------------------------
    def _split_rows(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (labeled rows, candidate rows)."""
        raise NotImplementedError

    def _candidate_description(self, labeled: np.ndarray, n_rows: int) -> str:
        return "rows"

    def _rank(self, method, outputs, candidates, labeled, y_enc, n_select, rng):
        order, scores = method.rank(
            outputs, candidates, n_select, self._existing(labeled, candidates), rng
        )
        return order, scores, order[:n_select]

    @staticmethod
    def _encode_labels(y: np.ndarray, labeled: np.ndarray) -> tuple[Any, np.ndarray]:
        """Labels of the labeled rows as int64 codes (proxies need 0..K-1); 0 elsewhere."""
        encoder = LabelEncoder().fit(y[labeled]) if len(labeled) else None
        y_enc = np.zeros(len(y), dtype=np.int64)
        if encoder is not None:
            y_enc[labeled] = encoder.transform(y[labeled])
        return encoder, y_enc

    @staticmethod
    def _existing(labeled: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Rows that are already in the training set and not candidates (existing centers)."""
        if len(labeled) == 0 or len(candidates) == 0:
            return labeled
        # A boolean mask (one byte per row): setdiff1d's temporaries are several times larger.
        is_candidate = np.zeros(max(labeled.max(), candidates.max()) + 1, dtype=bool)
        is_candidate[candidates] = True
        return labeled[~is_candidate[labeled]]

    # -- fitting -----------------------------------------------------------------------------
    def _resolved_proxy(self) -> Any:
        return make_default_proxy() if self.proxy is None else self.proxy

    def _validate_pool(self, X: Any, *, reset: bool) -> np.ndarray:
        v.check_pool_array(X)
        Xv = validate_data(
            self,
            X,
            reset=reset,
            dtype=np.float32,
            order="C",
            allow_nd=True,
            ensure_all_finite=False,
            ensure_min_samples=1,
        )
        v.check_finite(Xv)
        return Xv

    def fit(self, X: Any, y: Any) -> BaseSelector:
        """Train a clone of the proxy, score and rank the candidate rows, keep a prefix.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            The pool.
        y : array-like of shape (n_samples,)
            Labels (any type). For :class:`ProxySelector`, ``-1`` marks unlabeled rows.

        Returns
        -------
        self
        """
        if is_dask_array(X):
            return fit_dask(self, X, y)
        method = get_method(self.method, coreset=self._coreset)
        v.check_fraction(self.fraction)
        Xv = self._validate_pool(X, reset=True)
        y = v.check_labels(y, len(Xv))
        labeled, candidates = self._split_rows(y)
        n_select = v.n_to_select(
            self.fraction, len(candidates), self._candidate_description(labeled, len(y))
        )
        encoder, y_enc = self._encode_labels(y, labeled)

        rng = check_random_state(self.random_state)
        seed = derive_seed(rng)
        proxy_, outputs, seconds = self._fit_proxy(method, Xv, y_enc, labeled, seed)

        start = time.perf_counter()
        order, scores, selected = self._rank(
            method, outputs, candidates, labeled, y_enc, n_select, rng
        )
        select_seconds = time.perf_counter() - start
        sample_indices = np.sort(np.asarray(selected, dtype=np.int64))
        weights = method.weigh(outputs, candidates, sample_indices) if method.weigh else None
        fingerprint = (Xv.shape, joblib.hash(Xv))

        return self._store_fit(
            proxy_=proxy_,
            fit_seconds={**seconds, "select": select_seconds},
            encoder=encoder,
            n_rows=len(Xv),
            candidates=candidates,
            scores=scores,
            order=order,
            sample_indices=sample_indices,
            sample_weight=weights,
            fingerprint=fingerprint,
        )

    def _store_fit(
        self,
        *,
        proxy_,
        fit_seconds,
        encoder,
        n_rows,
        candidates,
        scores,
        order,
        sample_indices,
        sample_weight,
        fingerprint,
        covering_radius=None,
    ) -> BaseSelector:
        """Set every fitted attribute at once, after everything succeeded: a failed fit keeps
        the previous results intact. Shared by the in-memory and the dask paths."""
        self.proxy_ = proxy_
        self.fit_seconds_ = fit_seconds
        self.classes_ = encoder.classes_ if encoder is not None else np.array([])
        self.scores_ = np.full(n_rows, np.nan)
        self.scores_[candidates] = scores
        self.ranking_ = np.asarray(order, dtype=np.int64)
        self.sample_indices_ = sample_indices
        self.n_selected_ = len(sample_indices)
        self.sample_weight_ = sample_weight
        self.covering_radius_ = covering_radius
        self.n_samples_fit_ = n_rows
        self.pool_fingerprint_ = fingerprint
        return self

    def _fit_proxy(
        self,
        method: SelectionMethod,
        Xv: np.ndarray,
        y_enc: np.ndarray,
        labeled: np.ndarray,
        seed: int,
    ) -> tuple[Any, PoolOutputs, dict[str, float]]:
        uses_proxy = method.needs_proxy or (method.needs == "embedding" and len(labeled) > 0)
        if not uses_proxy:
            start = time.perf_counter()
            outputs = read_outputs(None, Xv, method.needs)
            return None, outputs, {"proxy_fit": 0.0, "score": time.perf_counter() - start}
        self._check_trainable(y_enc, labeled)
        proxy = self._resolved_proxy()
        check_proxy(proxy, method.needs)
        # With a cache, read everything once so that every method and fraction reuses it.
        needs = "all" if self.memory is not None else method.needs
        train = check_memory(self.memory).cache(train_and_read, ignore=["verbose"])
        # The cache key hashes an unfitted clone: a template that was fitted elsewhere in the
        # meantime (e.g. the target used as its own proxy) must still hit the cache.
        return train(clone(proxy), Xv, y_enc, labeled, seed, needs, bool(self.verbose))

    def _check_trainable(self, y_enc: np.ndarray, labeled: np.ndarray) -> None:
        """A proxy needs labeled rows of at least two classes."""
        if len(labeled) == 0:
            raise ValueError(
                f"method={self.method!r} needs a proxy trained on labeled rows, but every row of "
                "y is -1 (unlabeled). Label a seed set first, or start with method='random' or "
                "method='kcenters' (which then runs on the input features)."
            )
        if len(np.unique(y_enc[labeled])) < 2:
            raise ValueError(
                "the labeled rows hold only 1 class; the proxy needs at least 2 classes to train. "
                "Label rows of another class, or use method='random'."
            )

    # -- outputs -----------------------------------------------------------------------------
    def _is_fit_pool(self, Xv: np.ndarray) -> bool:
        shape, digest = self.pool_fingerprint_
        return Xv.shape == shape and joblib.hash(Xv) == digest

    def transform(self, X: Any) -> Any:
        """The selected rows of ``X``, in ``X``'s container type.

        On the pool seen in ``fit`` this is exactly ``X[sample_indices_]``. On a new pool the
        fitted proxy scores it and ``fraction`` of its rows (or that many) are returned.

        Parameters
        ----------
        X : array-like
            The fitted pool or a new pool with the same features.

        Returns
        -------
        X_selected : array-like
        """
        check_is_fitted(self)
        if is_dask_array(X):
            return self._transform_dask(X)
        Xv = self._validate_pool(X, reset=False)
        if self._is_fit_pool(Xv):
            return v.take_rows(X, self.sample_indices_)
        return v.take_rows(X, self._select_from_new_pool(Xv))

    def _transform_dask(self, X: Any) -> Any:
        same = X.astype(np.float32).rechunk({i: -1 for i in range(1, X.ndim)})
        if self.pool_fingerprint_ != ("dask", same.shape, same.name):
            raise ValueError(
                "transform on a dask pool returns the rows selected in fit, so it needs the same "
                "dask array; call fit (or fit_resample) on a new pool."
            )
        return X[self.sample_indices_]

    def _select_from_new_pool(self, Xv: np.ndarray) -> np.ndarray:
        method = get_method(self.method, coreset=self._coreset)
        if method.needs == "forgetting":
            raise ValueError(
                "method='forgetting' ranks rows by events seen while the proxy trained on them, "
                "so it cannot rank a pool that was not passed to fit. Call fit (or "
                "fit_resample) on this pool, or use an uncertainty method or 'kcenters'."
            )
        candidates = np.arange(len(Xv))
        n_select = v.n_to_select(self.fraction, len(candidates), "rows of the new pool")
        outputs = read_outputs(self.proxy_, Xv, method.needs)
        y_pred = np.zeros(len(Xv), dtype=np.int64)
        if getattr(self, "class_balance", False):
            # A new pool has no labels: balance over the classes the fitted proxy predicts.
            if self.proxy_ is None:
                raise ValueError(
                    "class_balance=True on a pool not seen in fit needs a fitted proxy to "
                    f"predict classes, and method={self.method!r} trains none here. Call "
                    "fit_resample(X, y) on this pool instead."
                )
            # The proxy was trained on encoded labels, so it predicts encoded labels.
            y_pred = np.asarray(self.proxy_.predict(Xv), dtype=np.int64)
        rng = check_random_state(self.random_state)
        _, _, selected = self._rank(method, outputs, candidates, candidates, y_pred, n_select, rng)
        return np.sort(selected)

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """``fit(X, y)`` then the selected rows of ``X``."""
        return v.take_rows(X, self.fit(X, y, **fit_params).sample_indices_)

    def fit_resample(self, X: Any, y: Any) -> tuple[Any, Any]:
        """Fit, then return ``(X[sample_indices_], y[sample_indices_])`` in the input types.

        Parameters
        ----------
        X : array-like or DataFrame
        y : array-like or Series

        Returns
        -------
        X_selected, y_selected
        """
        idx = self.fit(X, y).sample_indices_
        return v.take_rows(X, idx), v.take_rows(y, idx)

    def get_support(self, indices: bool = False) -> np.ndarray:
        """Mask (or indices, with ``indices=True``) of the selected rows of the fitted pool."""
        check_is_fitted(self)
        if indices:
            return self.sample_indices_.copy()
        mask = np.zeros(self.n_samples_fit_, dtype=bool)
        mask[self.sample_indices_] = True
        return mask

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.three_d_array = True
        return tags
