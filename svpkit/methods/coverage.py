"""Coverage on the proxy's embeddings: ``moderate`` and ``d2`` (core-set selection).

- ``moderate`` (Xia et al., ICLR 2023, "Moderate coreset"): the rows whose distance to their
  class's centre is nearest the class's median distance, neither prototypical nor outlying.
- ``d2`` (Maharana et al., ICLR 2024, "D2 Pruning"): difficulty (EL2N from the proxy's
  recorded dynamics) is passed forward over a k-NN graph of the embeddings (FAISS), then rows
  are picked greedily while reverse message passing lowers the neighbours of every pick, so
  the selection covers both hard and diverse regions. Memory is the ``n x k`` graph.
"""

from __future__ import annotations

import numpy as np

from ..kernels.dynamics import el2n_scores
from ..kernels.graph import d2_forward, d2_select, knn_graph
from ._registry import (
    RankContext,
    Ranking,
    SelectionMethod,
    order_by_score,
    ranking_from_picks,
    register_method,
)

__all__ = ["D2_NEIGHBORS", "D2_GAMMA"]

#: D2's graph size and edge decay (the paper's defaults are k=5..10, gamma=1 with distances
#: in units of the graph's median edge).
D2_NEIGHBORS = 10
D2_GAMMA = 1.0


def _rank_moderate(ctx: RankContext):
    emb = np.asarray(ctx.outputs.embedding[ctx.candidates], dtype=np.float64)
    emb = emb.reshape(len(emb), -1)
    y = ctx.y[ctx.candidates]
    scores = np.empty(len(y))
    for cls in np.unique(y):
        members = np.flatnonzero(y == cls)
        dist = np.linalg.norm(emb[members] - emb[members].mean(axis=0), axis=1)
        scores[members] = -np.abs(dist - np.median(dist))  # nearest the median first
    return order_by_score(ctx.candidates, scores, ctx.rng), scores


def _rank_d2(ctx: RankContext) -> Ranking:
    emb = ctx.outputs.embedding[ctx.candidates]
    difficulty = el2n_scores(ctx.outputs.dynamics.take(ctx.candidates))
    neighbors, distances = knn_graph(emb, D2_NEIGHBORS)
    forward = d2_forward(difficulty, neighbors, distances, D2_GAMMA)
    picks = d2_select(forward, neighbors, distances, ctx.n_select, D2_GAMMA, ctx.rng)
    return ranking_from_picks(ctx.candidates, picks)


register_method(
    SelectionMethod("moderate", needs={"embedding"}, rank=_rank_moderate, needs_all_labels=True)
)
register_method(
    SelectionMethod("d2", needs={"embedding", "dynamics"}, rank=_rank_d2, needs_all_labels=True)
)
