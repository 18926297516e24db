"""Layer 5, selectors: the estimators (validation, row split, one fit path)."""

from .base import BaseSelector
from .candidates import KnnCandidates
from .coreset import CoresetSelector
from .proxy import ProxySelector
from .sampler import SelectionSampler, sampler_for

__all__ = [
    "BaseSelector",
    "CoresetSelector",
    "KnnCandidates",
    "ProxySelector",
    "SelectionSampler",
    "sampler_for",
]

# The sampler views exist from import on, so pickles of them load in a fresh process.
CoresetSampler = sampler_for(CoresetSelector)
ProxySampler = sampler_for(ProxySelector)
