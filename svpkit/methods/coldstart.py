"""Cold start: ``typiclust``, ``probcover`` and ``maxherding`` (active learning from few labels).

With a handful of labels a proxy's uncertainty is noise and its embedding is no better than
the input; what beats random there is covering the dense regions of the pool (TypiClust,
Hacohen et al., ICML 2022; ProbCover, Yehuda et al., NeurIPS 2022; MaxHerding, Bae et al.,
ECCV 2024). These methods need no proxy and no label (``y`` may be entirely
``missing_label``): they read the ``features`` output (the input features reduced by PCA to
50 dimensions, which the pool computes once per pool content; ``docs/methods.md`` measures PCA
against the raw features), and treat the labeled rows as already covered. Every step stores
at most a k-NN graph (FAISS), so memory is linear in the pool.
"""

from __future__ import annotations

import numpy as np

from ..kernels.coldstart import (
    maxherding_select,
    probcover_select,
    purity_delta,
    typiclust_select,
)
from ..kernels.graph import knn_graph
from ..utils import derive_seed
from ._registry import register_method
from ._types import RankContext, Ranking, SelectionMethod, ranking_from_picks

__all__ = [
    "COLD_START_NEIGHBORS",
    "PROBCOVER_PURITY",
    "PROBCOVER_DEFAULT_CLUSTERS",
]

#: Neighbours per row of the k-NN graph ProbCover and MaxHerding work on.
COLD_START_NEIGHBORS = 32
#: ProbCover's purity threshold (the paper's alpha).
PROBCOVER_PURITY = 0.95
#: Pseudo-classes for ProbCover's purity rule while fewer than two classes are labeled (the
#: paper uses the number of classes; once two are labeled, the labeled class count is used).
PROBCOVER_DEFAULT_CLUSTERS = 10


def _representation(ctx: RankContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X, labeled, candidates)``: the representation of the existing rows followed by the
    candidates, and the local ids of each group."""
    rows = np.concatenate([ctx.existing, ctx.candidates]).astype(np.int64)
    X = np.asarray(ctx.outputs.features[rows], dtype=np.float32)
    n_existing = len(ctx.existing)
    return X, np.arange(n_existing), np.arange(n_existing, len(rows))


def _as_ranking(ctx: RankContext, picks: np.ndarray) -> Ranking:
    # Picks are local ids, and the candidates follow the existing rows.
    return ranking_from_picks(ctx.candidates, picks - len(ctx.existing))


def _rank_typiclust(ctx: RankContext) -> Ranking:
    X, labeled, candidates = _representation(ctx)
    picks = typiclust_select(X, labeled, candidates, ctx.n_select, derive_seed(ctx.rng))
    return _as_ranking(ctx, picks)


def _n_pseudo_classes(ctx: RankContext) -> int:
    n_classes = len(np.unique(ctx.y[ctx.labeled]))
    return n_classes if n_classes >= 2 else PROBCOVER_DEFAULT_CLUSTERS


def _rank_probcover(ctx: RankContext) -> Ranking:
    X, labeled, candidates = _representation(ctx)
    graph = knn_graph(X, COLD_START_NEIGHBORS)
    seed = derive_seed(ctx.rng)
    delta = purity_delta(X, _n_pseudo_classes(ctx), seed, alpha=PROBCOVER_PURITY, graph=graph)
    picks = probcover_select(X, labeled, candidates, ctx.n_select, delta, ctx.rng, graph=graph)
    return _as_ranking(ctx, picks)


def _rank_maxherding(ctx: RankContext) -> Ranking:
    X, labeled, candidates = _representation(ctx)
    graph = knn_graph(X, COLD_START_NEIGHBORS)
    picks = maxherding_select(X, labeled, candidates, ctx.n_select, ctx.rng, graph=graph)
    return _as_ranking(ctx, picks)


register_method(SelectionMethod("typiclust", needs={"features"}, rank=_rank_typiclust))
register_method(SelectionMethod("probcover", needs={"features"}, rank=_rank_probcover))
register_method(SelectionMethod("maxherding", needs={"features"}, rank=_rank_maxherding))
