"""Uniform random selection: the baseline every other method must beat."""

from __future__ import annotations

from ..kernels.topk import order_by_score
from ._registry import register_method
from ._types import RankContext, SelectionMethod


def _rank_random(ctx: RankContext):
    scores = ctx.rng.random_sample(len(ctx.candidates))
    return order_by_score(ctx.candidates, scores, ctx.rng, ctx.ranked_prefix()), scores


register_method(SelectionMethod("random", needs=set(), rank=_rank_random))
