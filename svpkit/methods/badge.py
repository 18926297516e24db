"""``badge``: uncertainty and diversity at once (Ash et al., ICLR 2020).

k-means++ seeding on the proxy's gradient embeddings ``(p - onehot(argmax p)) (x) h``: rows
the proxy is unsure about have long gradients, and D^2 sampling spreads the batch over
directions. The ``n x (K d)`` embedding matrix is never built
(:func:`svpkit.kernels.badge.badge_select`): memory is that of ``proba`` and ``embedding``.
"""

from __future__ import annotations

import numpy as np

from ..kernels.badge import badge_select
from ._registry import RankContext, Ranking, SelectionMethod, register_method


def _rank_badge(ctx: RankContext) -> Ranking:
    proba = ctx.outputs.proba[ctx.candidates]
    embedding = ctx.outputs.embedding[ctx.candidates]
    picks = badge_select(proba, embedding, ctx.n_select, ctx.rng)
    # Score of a pick: its rank (earlier picks higher); rows not picked are not ranked.
    scores = np.full(len(ctx.candidates), np.nan)
    scores[picks] = len(ctx.candidates) - np.arange(len(picks), dtype=np.float64)
    return Ranking(ctx.candidates[picks], scores)


register_method(SelectionMethod("badge", needs={"proba", "embedding"}, rank=_rank_badge))
