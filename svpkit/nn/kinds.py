"""What kind of proxy an estimator is, checked without importing torch or skorch.

If skorch (or :mod:`svpkit.nn.net`) was never imported, no object can be one of its nets, so a
scikit-learn-only user never pays torch's import for the check.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["is_torch_proxy", "is_proxy_net", "is_frozen", "unfrozen", "has_embed"]


def is_frozen(proxy: Any) -> bool:
    """Whether ``proxy`` is a fitted estimator to be used as is
    (:class:`sklearn.frozen.FrozenEstimator`): it is never retrained.

    Examples
    --------
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LogisticRegression
    >>> from svpkit.nn.kinds import is_frozen
    >>> is_frozen(FrozenEstimator(LogisticRegression())), is_frozen(LogisticRegression())
    (True, False)
    """
    frozen = sys.modules.get("sklearn.frozen")
    return frozen is not None and isinstance(proxy, frozen.FrozenEstimator)


def unfrozen(proxy: Any) -> Any:
    """The estimator inside a :class:`~sklearn.frozen.FrozenEstimator` (``proxy`` itself
    otherwise): what is asked for outputs, e.g. a skorch net's embeddings."""
    return proxy.estimator if is_frozen(proxy) else proxy


def has_embed(proxy: Any) -> bool:
    """Whether ``proxy`` (frozen or not) gives embeddings of its own through an
    ``embed(X) -> (n_rows, d)`` method (:func:`svpkit.nn.make_embedding_proxy`)."""
    return callable(getattr(unfrozen(proxy), "embed", None))


def is_torch_proxy(proxy: Any) -> bool:
    """Whether ``proxy`` is a skorch net (or a frozen one).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from svpkit.nn.kinds import is_torch_proxy
    >>> is_torch_proxy(LogisticRegression())
    False
    """
    skorch = sys.modules.get("skorch")
    return skorch is not None and isinstance(unfrozen(proxy), skorch.NeuralNet)


def is_proxy_net(proxy: Any) -> bool:
    """Whether ``proxy`` is a :class:`svpkit.nn.ProxyNet` that trains here (and so records
    training dynamics); a frozen one is not.

    Examples
    --------
    >>> from svpkit.nn import ProxyNet, make_default_proxy
    >>> from svpkit.nn.kinds import is_proxy_net
    >>> is_proxy_net(make_default_proxy()), is_proxy_net(object())
    (True, False)
    """
    net = sys.modules.get("svpkit.nn.net")
    return net is not None and isinstance(proxy, net.ProxyNet)
