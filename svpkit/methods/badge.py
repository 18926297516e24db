"""``badge``: uncertainty and diversity at once (Ash et al., ICLR 2020).

k-means++ seeding on the proxy's gradient embeddings ``(p - onehot(argmax p)) (x) h``: rows
the proxy is unsure about have long gradients, and D^2 sampling spreads the batch over
directions. The ``n x (K d)`` embedding matrix is never built
(:func:`svpkit.kernels.badge.badge_select`): memory is that of ``proba`` and ``embedding``.
"""

from __future__ import annotations

from ..kernels.badge import badge_select
from ._registry import register_method
from ._types import RankContext, Ranking, SelectionMethod, ranking_from_picks


def _rank_badge(ctx: RankContext) -> Ranking:
    proba = ctx.outputs.proba[ctx.candidates]
    embedding = ctx.outputs.embedding[ctx.candidates]
    return ranking_from_picks(ctx.candidates, badge_select(proba, embedding, ctx.n_select, ctx.rng))


register_method(SelectionMethod("badge", needs={"proba", "embedding"}, rank=_rank_badge))
