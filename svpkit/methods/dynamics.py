"""Training dynamics: forgetting events counted while the proxy trains (Toneva et al., 2019)."""

from __future__ import annotations

from ._registry import RankContext, SelectionMethod, order_by_score, register_method


def _rank_forgetting(ctx: RankContext):
    # Never-learned rows score highest, unforgettable ones lowest (ForgettingCounter).
    scores = ctx.outputs.forgetting[ctx.candidates]
    return order_by_score(ctx.candidates, scores, ctx.rng), scores


register_method(
    SelectionMethod(
        "forgetting", needs={"forgetting"}, rank=_rank_forgetting, needs_all_labels=True
    )
)
