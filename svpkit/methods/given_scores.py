"""Rank by scores the user computed elsewhere (a detection model's per-image uncertainty, a
loss from another run): ``fit(X, y, scores=...)`` with ``method="given_scores"``."""

from __future__ import annotations

import numpy as np

from ..kernels.topk import order_by_score
from ._registry import register_method
from ._types import RankContext, SelectionMethod
from .uncertainty import candidate_values


def _rank_given_scores(ctx: RankContext):
    if ctx.outputs.scores is None:  # the selector refuses this first; a direct caller may not
        raise ValueError(
            "method='given_scores' ranks by the scores passed to fit(X, y, scores=...)."
        )
    scores = candidate_values(ctx.outputs.scores, ctx.candidates, np.asarray).astype(np.float64)
    return order_by_score(ctx.candidates, scores, ctx.rng, ctx.ranked_prefix()), scores


register_method(SelectionMethod("given_scores", needs={"scores"}, rank=_rank_given_scores))
