"""CoresetSelector: drop redundant rows of a fully labeled set before training a target."""

from __future__ import annotations

from .base import BaseSelector


class CoresetSelector(BaseSelector):
    """Core-set selection: keep the most useful share of a fully labeled pool.

    Every row is labeled and a candidate (``-1`` is an ordinary label here; None or NaN labels
    are an error). On top of
    :class:`ProxySelector`'s methods it offers those that need every row labeled, such as
    ``forgetting`` (forgetting events counted while the proxy trains; never-learned rows
    first, unforgettable ones last).

    Parameters
    ----------
    proxy : estimator, default=None
        As in :class:`ProxySelector`. ``forgetting`` needs a :class:`svpkit.nn.ProxyNet`.
    method : {"least_confidence", "entropy", "margin", "kcenters", "forgetting", "random"}, \
default="least_confidence"
        How to rank rows.
    fraction : float in (0, 1], default=None
        Share of rows to keep, rounded up (``1`` and ``1.0`` both mean all). ``None`` means 0.5
        unless ``n_select`` is set. An int > 1 is an error: a count goes in ``n_select``.
    n_select : int >= 1, default=None
        Number of rows to keep. Set ``fraction`` or ``n_select``, not both.
    class_balance : bool, default=False
        Keep the same share inside every class (the share is rounded up inside each class;
        ``n_select`` is split in proportion to the class sizes); rows are ranked within their
        class. Works with every method.
    random_state : int, RandomState instance or None, default=None
        Seeds everything random. Same seed, same selection.
    memory : str, joblib.Memory or None, default=None
        Caches proxy training and inference: with a cache, one training serves every fraction
        and every method.
    verbose : bool or int, default=False
        Progress bars for proxy training (epochs), proxy inference (batches) and k-centers
        (picks).

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

    all_rows_labeled = True
