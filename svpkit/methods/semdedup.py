"""SemDeDup as a selection method: keep the rows least like a row kept before them.

Each candidate's *redundancy* is its largest cosine similarity, in the embedding, to a row the
deduplication keeps before it (a labeled row, or a candidate nearer its k-means cluster's
centre: :func:`svpkit.kernels.dedup.duplicates_among`). Ranking by redundancy, least first,
keeps a fraction of the pool by dropping its most redundant rows (SemDeDup's fraction form).
The threshold form, which drops every row above a similarity, is the selectors' ``dedup=``
parameter, which any method runs after.
"""

from __future__ import annotations

import numpy as np

from ..kernels.dedup import duplicates_among
from ..kernels.topk import order_by_score
from ._registry import register_method
from ._types import RankContext, SelectionMethod


def rank_semdedup(ctx: RankContext):
    """Order the candidates by redundancy, least redundant first.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.methods import PoolOutputs, RankContext
    >>> from svpkit.methods.semdedup import rank_semdedup
    >>> embedding = np.array([[1.0, 0.0], [0.0, 1.0], [0.99, 0.1], [0.7, 0.7]])
    >>> ctx = RankContext(PoolOutputs(embedding=embedding), np.arange(4), np.arange(0),
    ...                   np.zeros(4, int), np.array([0]), 2, np.random.RandomState(0))
    >>> order, scores = rank_semdedup(ctx)
    >>> int(order[-1]) in (0, 2)  # one of the near-identical pair goes last
    True
    """
    _, redundancy, _ = duplicates_among(
        ctx.outputs.embedding, ctx.existing, ctx.candidates, seed=int(ctx.rng.randint(1 << 31))
    )
    redundancy = redundancy[ctx.candidates].astype(np.float64)
    scores = -redundancy  # larger = kept first
    return order_by_score(ctx.candidates, scores, ctx.rng, ctx.ranked_prefix()), scores


register_method(SelectionMethod("semdedup", needs={"embedding"}, rank=rank_semdedup))
