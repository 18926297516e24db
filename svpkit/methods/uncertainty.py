"""Uncertainty sampling from the proxy's probabilities: least confidence, entropy, margin."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..kernels import scoring
from ..kernels.topk import order_by_score
from ._registry import register_method
from ._types import RankContext, SelectionMethod

__all__ = ["uncertainty_rank", "candidate_values", "rank_by_output"]


def candidate_values(values: np.ndarray, candidates: np.ndarray, kernel) -> np.ndarray:
    """``kernel(values)`` on the candidate rows, without copying ``values`` when the
    candidates are all of its rows or most of them (a 10M-row probability matrix is 400 MB;
    its scores are 40 MB)."""
    if len(candidates) == len(values):  # sorted unique pool rows: all of them
        return kernel(values)
    if len(candidates) > len(values) // 2:
        return kernel(values)[candidates]
    return kernel(values[candidates])


def rank_by_output(output: str, missing: str | None = None, kernel: Callable = np.asarray):
    """A rank function that orders candidates by a per-row output of the pool
    (``ctx.outputs.<output>``, or ``kernel`` of it: one score per row), largest first;
    ``missing``: the error when it is absent.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.methods import PoolOutputs, RankContext
    >>> from svpkit.methods.uncertainty import rank_by_output
    >>> ctx = RankContext(PoolOutputs(scores=np.array([0.1, 0.9, 0.5])), np.arange(3),
    ...                   np.arange(0), np.full(3, -1), np.array([]), 2,
    ...                   np.random.RandomState(0))
    >>> rank_by_output("scores")(ctx)[0].tolist()
    [1, 2, 0]
    """

    def rank(ctx: RankContext):
        values = getattr(ctx.outputs, output)
        if values is None:
            raise ValueError(missing or f"this method reads {output}, which the pool lacks.")
        scores = candidate_values(values, ctx.candidates, kernel).astype(np.float64)
        return order_by_score(ctx.candidates, scores, ctx.rng, ctx.ranked_prefix()), scores

    return rank


def uncertainty_rank(kernel: Callable[[np.ndarray], np.ndarray], name: str | None = None):
    """A rank function that orders candidates by ``kernel(proba)``, most uncertain first.

    With ``name``, scores a pool already streamed under that name
    (``ctx.outputs.row_scores[name]``, see ``SelectionMethod.row_score``) are used instead of
    recomputing them from the probabilities. Above
    :data:`~svpkit.methods.FULL_RANKING_MAX_ROWS` candidates (and with the default top-k
    sampler) only the kept prefix is ordered."""

    def rank(ctx: RankContext):
        streamed = ctx.outputs.row_scores.get(name) if name is not None else None
        if streamed is not None:
            scores = candidate_values(streamed, ctx.candidates, np.asarray)
        else:
            scores = candidate_values(ctx.outputs.proba, ctx.candidates, kernel)
        scores = scores.astype(np.float64)
        return order_by_score(ctx.candidates, scores, ctx.rng, ctx.ranked_prefix()), scores

    return rank


for _name, _kernel in (
    ("least_confidence", scoring.least_confidence),
    ("entropy", scoring.entropy),
    ("margin", scoring.margin),
):
    register_method(
        SelectionMethod(
            _name, needs={"proba"}, rank=uncertainty_rank(_kernel, _name), row_score=_kernel
        )
    )
