"""Pools of texts: a list, array or pandas Series of strings, one row per text.

The rows stay strings; the proxy turns them into what its model reads (the default text proxy,
:func:`svpkit.nn.make_text_proxy`, hashes word n-grams; a scikit-learn pipeline such as
``make_pipeline(TfidfVectorizer(), LogisticRegression())`` vectorizes them itself). Embeddings
for k-centers must come from a torch proxy: strings are not a space to measure distances in.
"""

from __future__ import annotations

from typing import Any

import joblib
import numpy as np

from .._validation import is_text
from ..nn.kinds import has_embed, is_torch_proxy
from .memory import InMemoryPool, cached_features
from .outputs import no_embedding_message

__all__ = ["TextPool", "is_text", "TEXT_FEATURE_DIMS"]

#: Dimensions of the LSA representation a text pool gives the methods that read ``features``.
TEXT_FEATURE_DIMS = 50


def text_embedding_message(proxy: Any) -> str:
    return no_embedding_message(
        proxy,
        "the raw strings of a text pool",
        "Use a torch text proxy (svpkit.nn.make_text_proxy(), the default for text when rows "
        "are labeled)",
    )


class TextPool(InMemoryPool):
    """A pool whose rows are strings.

    Parameters
    ----------
    X : list, tuple, ndarray or pandas Series of str
    estimator : estimator
        Its ``n_features_in_`` (from an earlier fit on an array) is dropped: texts have no
        feature count.
    reset : bool
        True in ``fit``; False in ``transform``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.feature_extraction.text import TfidfVectorizer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from svpkit import ProxySelector
    >>> from svpkit.pools import TextPool
    >>> texts = ["a gem of a film", "dull and far too long", "loved it", "a tedious mess"]
    >>> pool = TextPool(texts, ProxySelector(), reset=True)
    >>> pool.n_rows, pool.X[2]
    (4, 'loved it')
    >>> proxy = make_pipeline(TfidfVectorizer(), LogisticRegression())  # vectorizes itself
    >>> readout = pool.proxy_outputs(
    ...     proxy, frozenset({"proba"}), np.array([1, 0, 1, 0]), train_rows=np.arange(4), seed=0
    ... )
    >>> readout.outputs.proba.shape
    (4, 2)
    """

    def __init__(self, X: Any, estimator: Any, *, reset: bool) -> None:  # noqa: D107
        values = X.to_numpy() if hasattr(X, "to_numpy") else X
        texts = np.empty(len(values), dtype=object)
        texts[:] = list(values)
        not_str = np.fromiter((not isinstance(t, str) for t in texts), bool, count=len(texts))
        if not_str.any():
            first = int(np.flatnonzero(not_str)[0])
            raise ValueError(
                f"X is a text pool, but {int(not_str.sum())} of its {len(texts)} rows are not "
                f"strings (first: row {first}, {texts[first]!r}). Fill missing texts with '' "
                "or drop those rows."
            )
        if reset and hasattr(estimator, "n_features_in_"):
            del estimator.n_features_in_
        self.X = texts
        self.n_rows = len(texts)
        self.fingerprint = ("text", self.n_rows, joblib.hash(texts))

    def default_proxy(self) -> Any:
        from ..nn.text import make_text_proxy

        return make_text_proxy()

    def embedding_refusal(self, proxy: Any) -> str | None:
        return None if is_torch_proxy(proxy) or has_embed(proxy) else text_embedding_message(proxy)

    def probe_model(self) -> Any:
        """TF-IDF of words and word pairs, then logistic regression."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        return make_pipeline(tfidf, LogisticRegression(max_iter=300))

    def input_features(self) -> np.ndarray:
        """A dense representation of the texts for the methods that read ``features``: TF-IDF
        of words and word pairs, reduced by TruncatedSVD to :data:`TEXT_FEATURE_DIMS`
        dimensions (latent semantic analysis) and L2-normalised; computed once per pool
        content, memory linear in the rows."""
        return cached_features(self.fingerprint, self._lsa)

    def _lsa(self) -> np.ndarray:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.preprocessing import normalize

        min_df = 2 if self.n_rows >= 50 else 1
        tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True)
        counts = tfidf.fit_transform(self.X)
        n_dims = int(min(TEXT_FEATURE_DIMS, counts.shape[1] - 1, self.n_rows - 1))
        if n_dims < 1:
            raise ValueError(
                "the texts share too few words to embed them for this method; use a method "
                "that reads the proxy's outputs."
            )
        svd = TruncatedSVD(n_dims, algorithm="randomized", random_state=0)
        return normalize(svd.fit_transform(counts)).astype(np.float32)
