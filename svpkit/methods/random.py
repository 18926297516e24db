"""Uniform random selection: the baseline every other method must beat."""

from __future__ import annotations

from ._registry import RankContext, SelectionMethod, order_by_score, register_method


def _rank_random(ctx: RankContext):
    scores = ctx.rng.random_sample(len(ctx.candidates))
    return order_by_score(ctx.candidates, scores, ctx.rng, ctx.ranked_prefix()), scores


register_method(SelectionMethod("random", needs=set(), rank=_rank_random))
