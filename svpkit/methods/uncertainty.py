"""Uncertainty sampling from the proxy's probabilities: least confidence, entropy, margin."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..kernels import scoring
from ._registry import RankContext, SelectionMethod, order_by_score, register_method

__all__ = ["uncertainty_rank"]


def uncertainty_rank(kernel: Callable[[np.ndarray], np.ndarray]):
    """A rank function that orders candidates by ``kernel(proba)``, most uncertain first."""

    def rank(ctx: RankContext):
        scores = kernel(ctx.outputs.proba[ctx.candidates]).astype(np.float64)
        return order_by_score(ctx.candidates, scores, ctx.rng), scores

    return rank


for _name, _kernel in (
    ("least_confidence", scoring.least_confidence),
    ("entropy", scoring.entropy),
    ("margin", scoring.margin),
):
    register_method(SelectionMethod(_name, needs={"proba"}, rank=uncertainty_rank(_kernel)))
