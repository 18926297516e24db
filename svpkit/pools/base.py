"""The interface every pool strategy implements, and the checks every pool runs."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validation import check_finite, check_labels_per_row
from ..methods import BlockMap, PoolOutputs

__all__ = ["check_pool_array", "check_finite", "Readout", "Pool"]


def check_pool_array(X: Any) -> None:
    """Reject 1-D input before scikit-learn's generic message does."""
    ndim = getattr(X, "ndim", None)
    if ndim is None:
        ndim = np.asarray(X, dtype=object).ndim
    if ndim == 1:
        raise ValueError(
            "X is 1-D, but svpkit needs one row per sample. Reshape your data: X.reshape(-1, 1) "
            "for a single feature, X.reshape(1, -1) for a single sample."
        )


@dataclass
class Readout:
    """What a pool read from the proxy for a method.

    Attributes
    ----------
    proxy_ : fitted proxy or None
    outputs : PoolOutputs
        The outputs gathered in this process (empty when the method runs blockwise).
    blocks : BlockMap or None
        The pool's blocks, for a method that runs blockwise on a distributed pool.
    seconds : dict
        ``{"proxy_fit": s, "score": s}``.

    Examples
    --------
    What :meth:`Pool.proxy_outputs` returns:

    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from svpkit import ProxySelector
    >>> from svpkit.pools import make_pool
    >>> X = np.random.default_rng(0).normal(size=(20, 3))
    >>> y = (X[:, 0] > 0).astype(np.int64)
    >>> pool = make_pool(X, ProxySelector(), reset=True)
    >>> readout = pool.proxy_outputs(
    ...     LogisticRegression(), frozenset({"proba"}), y, train_rows=np.arange(10), seed=0
    ... )
    >>> type(readout.proxy_).__name__, readout.outputs.proba.shape, readout.blocks
    ('LogisticRegression', (20, 2), None)
    >>> sorted(readout.seconds)
    ['proxy_fit', 'score']
    """

    proxy_: Any
    outputs: PoolOutputs
    blocks: BlockMap | None = None
    seconds: dict = field(default_factory=dict)


class Pool(ABC):
    """How proxy outputs are computed for the rows a selector ranks.

    A pool validates its data when it is built, trains the proxy where the labeled rows are,
    and reads every output a method declared once. A distributed pool may instead hand a
    method's blockwise variant a :class:`~svpkit.methods.BlockMap`.

    Subclasses implement :meth:`proxy_outputs`, :meth:`fitted_outputs` and :meth:`take`;
    :func:`~svpkit.pools.make_pool` picks one from the input's type.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit import ProxySelector
    >>> from svpkit.pools import Pool, make_pool
    >>> X = np.arange(12.0).reshape(6, 2)
    >>> pool = make_pool(X, ProxySelector(), reset=True)
    >>> isinstance(pool, Pool), type(pool).__name__, pool.n_rows
    (True, 'InMemoryPool', 6)
    >>> pool.take(X, np.array([4, 1])).tolist()
    [[8.0, 9.0], [2.0, 3.0]]
    >>> pool.labels(["a", "b", "a", "b", "b", "a"]).tolist()
    ['a', 'b', 'a', 'b', 'b', 'a']
    """

    n_rows: int
    #: Where outputs too large for memory are memory-mapped (None: the temporary directory).
    scratch_dir: str | None = None
    #: Identifies the pool's content, so ``transform`` can recognise the pool seen in ``fit``.
    fingerprint: tuple
    #: Whether training extra models to validate a selection is cheap beside the target's
    #: training (:attr:`svpkit.methods.Regime.validation_affordable`).
    validation_affordable: bool = True

    @abstractmethod
    def proxy_outputs(
        self,
        proxy: Any,
        needs: frozenset,
        y_enc: np.ndarray,
        train_rows: np.ndarray,
        seed: int,
        *,
        blockwise: bool = False,
        memory: Any = None,
        verbose: bool = False,
        row_scores: dict | None = None,
    ) -> Readout:
        """Train a clone of ``proxy`` on ``train_rows`` (``None``: no proxy) and read ``needs``
        for every row. With ``blockwise`` (the method has a blockwise variant), a distributed
        pool returns its blocks instead of gathering the outputs. ``row_scores`` (names to
        per-row kernels of the probabilities) are computed during inference into
        ``outputs.row_scores``; with ``memory`` they may be left out (the cache keeps the
        probabilities, and methods then score from those)."""

    def fit_correct(
        self,
        model: Any,
        y_enc: np.ndarray,
        train_rows: np.ndarray,
        test_rows: np.ndarray,
        seed: int,
    ) -> np.ndarray:
        """Whether a clone of ``model`` trained (seeded) on ``train_rows`` predicts each of
        ``test_rows`` right (a boolean per row): the one primitive a method that validates
        selections needs (per row, so two selections can be compared row by row).

        Raises
        ------
        ValueError
            Where the pool cannot train models on chosen rows (a distributed pool).
        """
        raise ValueError(
            f"this selection trains models on chosen rows of the pool, which "
            f"{type(self).__name__} does not support; compute the pool in memory (np.asarray) "
            "or name a method that trains no extra models."
        )

    def fit_score(
        self,
        model: Any,
        y_enc: np.ndarray,
        train_rows: np.ndarray,
        test_rows: np.ndarray,
        seed: int,
    ) -> float:
        """Accuracy on ``test_rows`` of a clone of ``model`` trained (seeded) on
        ``train_rows``: the mean of :meth:`fit_correct`."""
        return float(np.mean(self.fit_correct(model, y_enc, train_rows, test_rows, seed)))

    def probe_model(self) -> Any:
        """An unfitted cheap model of another family than the proxies (a linear classifier on
        this pool's input; None where the pool has none): what a method that validates
        selections trains besides the proxy, so its choice is not specific to the proxy's
        architecture."""
        return None

    def default_proxy(self) -> Any:
        """The proxy used when the selector has ``proxy=None`` (an MLP for arrays)."""
        from ..nn.net import make_default_proxy  # torch only when the default proxy is used

        return make_default_proxy()

    def default_regression_proxy(self) -> Any:
        """The proxy used for a regression target when the selector has ``proxy=None``."""
        raise ValueError(
            f"{type(self).__name__} has no default regression proxy: pass a regressor as the "
            "proxy (one with a predictive variance for method='variance', e.g. a "
            "RandomForestRegressor on features you computed)."
        )

    def default_multilabel_proxy(self) -> Any:
        """The proxy used for a multi-label target when the selector has ``proxy=None``: the
        pool's probe model (:meth:`probe_model`) with its final classifier fitted one versus
        rest, one logistic per label."""
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import Pipeline

        probe = self.probe_model()
        if not isinstance(probe, Pipeline):
            raise ValueError(
                f"{type(self).__name__} has no default multi-label proxy: pass a classifier that "
                "takes a label indicator matrix as the proxy (e.g. "
                "OneVsRestClassifier(LogisticRegression()) on features you computed)."
            )
        name, last = probe.steps[-1]
        return probe.set_params(**{name: OneVsRestClassifier(last)})

    def labels(self, y: Any) -> np.ndarray:
        """``y`` checked as class labels, one per row of this pool."""
        return check_labels_per_row(y, self.n_rows)

    @abstractmethod
    def fitted_outputs(self, proxy_: Any, needs: frozenset) -> PoolOutputs:
        """Outputs of an already fitted proxy on this pool (``transform`` on a new pool)."""

    @abstractmethod
    def take(self, X: Any, rows: np.ndarray) -> Any:
        """``X[rows]`` in ``X``'s own container type."""
