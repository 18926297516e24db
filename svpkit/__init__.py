"""svpkit: Selection via Proxy for scikit-learn and PyTorch users.

A small, fast proxy model ranks the data; the expensive target is trained once on what the proxy
picked (Coleman et al., ICLR 2020).
"""

from ._coreset_selector import CoresetSelector
from ._proxy_selector import ProxySelector
from .kcenters import KCentersResult, assign_to_centers, estimate_resources, greedy_kcenters
from .methods import available_methods, register_method
from .nn import make_default_proxy, make_proxy
from .pipeline import SelectThenFit, smallest_fraction_within

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
