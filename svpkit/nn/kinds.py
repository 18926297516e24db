"""What kind of proxy an estimator is, checked without importing torch or skorch.

If skorch (or :mod:`svpkit.nn.net`) was never imported, no object can be one of its nets, so a
scikit-learn-only user never pays torch's import for the check.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["is_torch_proxy", "is_proxy_net"]


def is_torch_proxy(proxy: Any) -> bool:
    """Whether ``proxy`` is a skorch net.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from svpkit.nn.kinds import is_torch_proxy
    >>> is_torch_proxy(LogisticRegression())
    False
    """
    skorch = sys.modules.get("skorch")
    return skorch is not None and isinstance(proxy, skorch.NeuralNet)


def is_proxy_net(proxy: Any) -> bool:
    """Whether ``proxy`` is a :class:`svpkit.nn.ProxyNet` (it records training dynamics).

    Examples
    --------
    >>> from svpkit.nn import ProxyNet, make_default_proxy
    >>> from svpkit.nn.kinds import is_proxy_net
    >>> is_proxy_net(make_default_proxy()), is_proxy_net(object())
    (True, False)
    """
    net = sys.modules.get("svpkit.nn.net")
    return net is not None and isinstance(proxy, net.ProxyNet)
