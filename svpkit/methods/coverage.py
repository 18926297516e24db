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
from ..kernels.topk import order_by_score
from ._registry import register_method
from ._types import RankContext, Ranking, SelectionMethod, ranking_from_picks

__all__ = ["D2_NEIGHBORS", "D2_GAMMA"]

#: D2's graph size and edge decay (the paper's defaults are k=5..10, gamma=1 with distances
#: in units of the graph's median edge).
D2_NEIGHBORS = 10
D2_GAMMA = 1.0


#: Rows per block when ``moderate`` streams the embedding (an 8 MB float64 block at d=128).
MODERATE_BLOCK_ROWS = 8192


def _candidate_blocks(ctx: RankContext):
    """``(positions, float64 embedding rows)`` of the candidates, block by block: a memory-
    mapped embedding is read once per pass and never copied whole."""
    emb, candidates = ctx.outputs.embedding, ctx.candidates
    every_row = len(candidates) == len(emb)
    for start in range(0, len(candidates), MODERATE_BLOCK_ROWS):
        stop = min(start + MODERATE_BLOCK_ROWS, len(candidates))
        block = emb[start:stop] if every_row else emb[candidates[start:stop]]
        yield slice(start, stop), np.asarray(block, dtype=np.float64).reshape(stop - start, -1)


def _rank_moderate(ctx: RankContext):
    # Two streaming passes: class centres, then each row's distance to its class's centre.
    y = ctx.y[ctx.candidates]
    classes, codes = np.unique(y, return_inverse=True)
    sums = None
    for rows, block in _candidate_blocks(ctx):
        if sums is None:
            sums = np.zeros((len(classes), block.shape[1]))
        for c in np.unique(codes[rows]):
            sums[c] += block[codes[rows] == c].sum(axis=0)
    if sums is None:  # no candidate
        return ctx.candidates[:0], np.empty(0)
    centres = sums / np.bincount(codes, minlength=len(classes))[:, None]
    dist = np.empty(len(y))
    for rows, block in _candidate_blocks(ctx):
        dist[rows] = np.linalg.norm(block - centres[codes[rows]], axis=1)
    scores = np.empty(len(y))
    for c in range(len(classes)):
        members = np.flatnonzero(codes == c)
        scores[members] = -np.abs(dist[members] - np.median(dist[members]))  # nearest first
    return order_by_score(ctx.candidates, scores, ctx.rng, ctx.ranked_prefix()), scores


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
