"""Pools held as scipy sparse matrices (e.g. a ``HashingVectorizer``'s output for text).

Rows stay sparse throughout: a scikit-learn proxy that accepts sparse input reads them as they
are, and a torch proxy densifies one batch at a time (training through skorch, inference by
slicing). Only methods that read embeddings need care: a torch proxy's embeddings are dense, but
the input features themselves are not a k-centers space, so that case is refused with the fix.
"""

from __future__ import annotations

from typing import Any

import joblib
import numpy as np
import scipy.sparse
from sklearn.utils.validation import validate_data

from ..nn.kinds import has_embed, is_torch_proxy
from .memory import InMemoryPool
from .outputs import SPARSE_FEATURES_MESSAGE, sparse_embedding_message


def is_sparse(X: Any) -> bool:
    return scipy.sparse.issparse(X)


class SparsePool(InMemoryPool):
    """A scipy sparse pool (any format; held as float32 CSR for fast row slicing).

    Parameters
    ----------
    X : scipy.sparse matrix or array of shape (n_samples, n_features)
    estimator : estimator
        Receives ``n_features_in_``.
    reset : bool
        True in ``fit``; False in ``transform``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.feature_extraction.text import HashingVectorizer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from svpkit import ProxySelector
    >>> from svpkit.pools import SparsePool
    >>> texts = ["a gem of a film", "dull and far too long", "loved it", "a tedious mess"]
    >>> X = HashingVectorizer(n_features=2**10).transform(texts)
    >>> pool = SparsePool(X, ProxySelector(), reset=True)
    >>> pool.n_rows, pool.X.format, pool.X.dtype
    (4, 'csr', dtype('float32'))
    >>> readout = pool.proxy_outputs(  # a scikit-learn proxy reads the sparse rows as they are
    ...     LogisticRegression(), frozenset({"proba"}), np.array([1, 0, 1, 0]),
    ...     train_rows=np.arange(4), seed=0,
    ... )
    >>> readout.outputs.proba.shape
    (4, 2)
    """

    def __init__(self, X: Any, estimator: Any, *, reset: bool) -> None:  # noqa: D107
        X = validate_data(
            estimator,
            X,
            reset=reset,
            accept_sparse="csr",
            dtype=np.float32,
            ensure_all_finite=False,
            ensure_min_samples=1,
        )
        bad = ~np.isfinite(X.data)
        if bad.any():
            rows = np.unique(np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))[bad])
            raise ValueError(
                f"X contains NaN or inf in {len(rows)} of {X.shape[0]} rows (first: row "
                f"{int(rows[0])}). Impute or drop those rows before selecting."
            )
        X.sort_indices()  # canonical form, so equal matrices hash equally
        self.X = X
        self.n_rows = X.shape[0]
        self.fingerprint = (X.shape, joblib.hash((X.data, X.indices, X.indptr)))

    def embedding_refusal(self, proxy: Any) -> str | None:
        if is_torch_proxy(proxy) or has_embed(proxy):
            return None
        return sparse_embedding_message(proxy)

    def input_features(self) -> np.ndarray:
        raise ValueError(SPARSE_FEATURES_MESSAGE)

    def probe_model(self) -> Any:
        """Logistic regression on the scaled sparse rows (never densified)."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        scaler = StandardScaler(with_mean=False)
        return make_pipeline(scaler, LogisticRegression(max_iter=300))
