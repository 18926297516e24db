"""svpkit: Selection via Proxy for scikit-learn and PyTorch users.

A small, fast proxy model ranks the data; the expensive target is trained once on what the proxy
picked (Coleman et al., ICLR 2020).

Layers, each depending only on those below it: ``kernels`` (array functions) and ``images``
(image files decoded into a cache), ``nn`` (skorch
proxies), ``methods`` (registry and rank context), ``pools`` (how proxy outputs are computed),
``selectors`` (the estimators), ``compose`` and ``active`` (workflows), ``cli`` (surfaces).

``import svpkit`` imports nothing heavy: each public name (and subpackage) is imported the first
time it is used, so ``svpkit --help`` or a scikit-learn-only user never waits for torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

#: Public name -> the module that defines it (imported on first access).
_EXPORTS = {
    "CoresetSelector": "svpkit.selectors",
    "ProxySelector": "svpkit.selectors",
    "KnnCandidates": "svpkit.selectors",
    "SelectThenFit": "svpkit.compose",
    "smallest_fraction_within": "svpkit.compose",
    "make_proxy": "svpkit.nn",
    "make_default_proxy": "svpkit.nn",
    "make_text_proxy": "svpkit.nn",
    "make_embedding_proxy": "svpkit.nn",
    "make_image_proxy": "svpkit.nn",
    "ImageFolder": "svpkit.images",
    "greedy_kcenters": "svpkit.kernels",
    "KCentersResult": "svpkit.kernels",
    "assign_to_centers": "svpkit.kernels",
    "estimate_resources": "svpkit.kernels",
    "available_methods": "svpkit.methods",
    "register_method": "svpkit.methods",
    "SelectionWarning": "svpkit._validation",
}
_SUBPACKAGES = frozenset(
    {"active", "cli", "compose", "datasets", "images", "kernels", "methods", "nn", "pools"}
    | {"selectors", "utils"}
)

__all__ = [
    "CoresetSelector",
    "ProxySelector",
    "KnnCandidates",
    "SelectThenFit",
    "make_proxy",
    "make_default_proxy",
    "make_text_proxy",
    "make_embedding_proxy",
    "make_image_proxy",
    "ImageFolder",
    "greedy_kcenters",
    "KCentersResult",
    "assign_to_centers",
    "estimate_resources",
    "available_methods",
    "register_method",
    "smallest_fraction_within",
    "SelectionWarning",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'svpkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _SUBPACKAGES)


if TYPE_CHECKING:  # static tools see the real names
    from ._validation import SelectionWarning
    from .compose import SelectThenFit, smallest_fraction_within
    from .images import ImageFolder
    from .kernels import KCentersResult, assign_to_centers, estimate_resources, greedy_kcenters
    from .methods import available_methods, register_method
    from .nn import (
        make_default_proxy,
        make_embedding_proxy,
        make_image_proxy,
        make_proxy,
        make_text_proxy,
    )
    from .selectors import CoresetSelector, KnnCandidates, ProxySelector
