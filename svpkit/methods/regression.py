"""Regression forms of the scores: uncertainty as the proxy's predictive variance, and
difficulty as its cross-fitted residual (the EL2N analogue).

Diversity (``kcenters``), the cold-start methods and ``random`` need no form of their own;
class balance becomes stratification over quantiles of the target (``svpkit.selectors.task``).
"""

from __future__ import annotations

import numpy as np

from ..kernels.topk import order_by_score
from ._registry import register_method
from ._types import RankContext, SelectionMethod
from .uncertainty import candidate_values


def _by(output: str):
    def rank(ctx: RankContext):
        scores = candidate_values(getattr(ctx.outputs, output), ctx.candidates, np.asarray)
        scores = scores.astype(np.float64)
        return order_by_score(ctx.candidates, scores, ctx.rng, ctx.ranked_prefix()), scores

    return rank


# Active learning and core-set: the rows the proxy is least sure of (largest variance first).
register_method(SelectionMethod("variance", needs={"variance"}, rank=_by("variance")))
# Core-set: the rows the proxy predicts worst from the others (largest residual first); every
# row must be labeled (a residual needs the row's target).
register_method(
    SelectionMethod("residual", needs={"residual"}, rank=_by("residual"), needs_all_labels=True)
)
