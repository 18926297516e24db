"""Running a method: plain, class-balanced, or blockwise on a distributed pool."""

from __future__ import annotations

import numpy as np

from ._registry import BlockMap, RankContext, Ranking, SelectionMethod, as_ranking
from .balance import rank_balanced

__all__ = ["run_method", "outputs_read", "runs_blockwise"]


def run_method(
    method: SelectionMethod, ctx: RankContext, blocks: BlockMap | None = None
) -> tuple[Ranking, np.ndarray]:
    """Rank with ``method`` (class-balanced when ``ctx.class_balance``): ``(ranking, selected)``.

    ``selected`` are the kept rows (unsorted). With ``blocks`` (a distributed pool, and
    :func:`runs_blockwise` true), the method's blockwise variant runs where the blocks live.
    """
    if ctx.class_balance:
        return rank_balanced(method, ctx)
    if blocks is not None:
        ranking = as_ranking(method, method.blockwise(ctx, blocks), len(ctx.candidates))
    else:
        ranking = as_ranking(method, method.rank(ctx), len(ctx.candidates))
    return ranking, ranking.order[: ctx.n_select]


def outputs_read(method: SelectionMethod, *, class_balance: bool, labels_known: bool) -> frozenset:
    """Outputs a pool must provide: the method's, plus probabilities when class balance has to
    predict the classes of unlabeled candidates."""
    if class_balance and not labels_known:
        return method.needs | {"proba"}
    return method.needs


def runs_blockwise(method: SelectionMethod, *, class_balance: bool) -> bool:
    """Whether a distributed pool runs the method's blockwise variant (class balance ranks each
    class in process, from gathered outputs)."""
    return method.blockwise is not None and not class_balance
