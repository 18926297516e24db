"""CoresetSelector: drop redundant rows of a fully labeled set before training a target."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import BaseSelector


def _allocate(fraction_count: int, class_sizes: np.ndarray) -> np.ndarray:
    """Split a total count across classes in proportion to their sizes (largest remainder)."""
    exact = fraction_count * class_sizes / class_sizes.sum()
    counts = np.floor(exact).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: fraction_count - counts.sum()]] += 1
    return np.minimum(counts, class_sizes)


class CoresetSelector(BaseSelector):
    """Core-set selection: keep the most useful share of a fully labeled pool.

    Every row is labeled and a candidate (``-1`` is an ordinary label here). On top of
    :class:`ProxySelector`'s methods it offers ``forgetting`` (forgetting events counted while
    the proxy trains; never-learned rows first, unforgettable ones last) and class balance.

    Parameters
    ----------
    proxy : estimator, default=None
        As in :class:`ProxySelector`. ``forgetting`` needs a :class:`svpkit.nn.ProxyNet`.
    method : {"least_confidence", "entropy", "margin", "kcenters", "forgetting", "random"}, \
default="least_confidence"
        How to rank rows.
    fraction : float in (0, 1] or int, default=0.5
        Share of rows to keep (rounded up), or a count.
    class_balance : bool, default=False
        Keep the same share inside every class (an int count is split in proportion to the
        class sizes); rows are ranked within their class.
    random_state : int, RandomState instance or None, default=None
        Seeds everything random. Same seed, same selection.
    memory : str, joblib.Memory or None, default=None
        Caches proxy training and inference: with a cache, one training serves every fraction
        and every method.
    verbose : bool, default=False
        Show a progress bar while a torch proxy trains.

    Attributes
    ----------
    proxy_, scores_, ranking_, sample_indices_, n_selected_, sample_weight_, fit_seconds_, \
    classes_, n_features_in_
        As in :class:`ProxySelector`. With ``class_balance=True``, ``ranking_`` interleaves
        the classes by relative rank within their class.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from svpkit import CoresetSelector
    >>> X, y = load_digits(return_X_y=True)
    >>> sel = CoresetSelector(method="forgetting", fraction=0.5, class_balance=True,
    ...                       random_state=0)
    >>> X_small, y_small = sel.fit_resample(X / 16, y)
    >>> X_small.shape
    (901, 64)
    """

    _coreset = True

    def __init__(
        self,
        proxy: Any = None,
        method: str = "least_confidence",
        fraction: float | int = 0.5,
        class_balance: bool = False,
        random_state: int | np.random.RandomState | None = None,
        memory: Any = None,
        verbose: bool = False,
    ) -> None:
        super().__init__(
            proxy=proxy,
            method=method,
            fraction=fraction,
            random_state=random_state,
            memory=memory,
            verbose=verbose,
        )
        self.class_balance = class_balance

    def _split_rows(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        everyone = np.arange(len(y))
        return everyone, everyone

    def _rank(self, method, outputs, candidates, labeled, y_enc, n_select, rng):
        if not self.class_balance:
            return super()._rank(method, outputs, candidates, labeled, y_enc, n_select, rng)
        classes, class_sizes = np.unique(y_enc[candidates], return_counts=True)
        if isinstance(self.fraction, (int, np.integer)):
            counts = _allocate(n_select, class_sizes)
        else:
            counts = np.minimum(
                np.ceil(self.fraction * class_sizes - 1e-9).astype(int), class_sizes
            )
        scores = np.full(len(candidates), np.nan)
        orders, keys, selected = [], [], []
        for cls, n_cls, k in zip(classes, class_sizes, counts, strict=True):
            members = candidates[y_enc[candidates] == cls]
            order, cls_scores = method.rank(outputs, members, int(k), np.empty(0, np.int64), rng)
            scores[members] = cls_scores  # candidates are all rows: row id == position
            orders.append(order)
            keys.append((np.arange(len(order)) + 1) / n_cls)  # relative rank inside the class
            selected.append(order[:k])
        order = np.concatenate(orders)
        order = order[np.argsort(np.concatenate(keys), kind="stable")]
        return order, scores, np.concatenate(selected)
