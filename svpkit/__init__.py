"""svpkit: Selection via Proxy for scikit-learn and PyTorch users.

A small, fast proxy model ranks the data; the expensive target is trained once on what the proxy
picked (Coleman et al., ICLR 2020).

Layers, each depending only on those below it: ``kernels`` (array functions), ``nn`` (skorch
proxies), ``methods`` (registry and rank context), ``pools`` (how proxy outputs are computed),
``selectors`` (the estimators), ``compose`` and ``active`` (workflows), ``cli`` (surfaces).
"""

from .compose import SelectThenFit, smallest_fraction_within
from .kernels import KCentersResult, assign_to_centers, estimate_resources, greedy_kcenters
from .methods import available_methods, register_method
from .nn import make_default_proxy, make_proxy
from .selectors import CoresetSelector, ProxySelector

__version__ = "0.1.0"

__all__ = [
    "CoresetSelector",
    "ProxySelector",
    "SelectThenFit",
    "make_proxy",
    "make_default_proxy",
    "greedy_kcenters",
    "KCentersResult",
    "assign_to_centers",
    "estimate_resources",
    "available_methods",
    "register_method",
    "smallest_fraction_within",
    "__version__",
]
