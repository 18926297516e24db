"""Diversity: greedy k-centers on the proxy's embeddings (Sener & Savarese, 2018).

In process, the exact greedy traversal (:func:`svpkit.greedy_kcenters`). On a distributed pool,
the two-round algorithm of Malkomes et al. (2015): greedy k-centers inside each block (with the
existing rows as centers), then greedy k-centers on the union of the blocks' centers. Its
covering radius is at most 4x the optimal k-center radius (the single-machine greedy guarantees
2x); it is measured with one more blockwise pass and reported as ``covering_radius_``.
"""

from __future__ import annotations

import numpy as np

from ..kernels.kcenters import assign_to_centers, greedy_kcenters, min_distances_to
from ..utils import derive_seed
from ._registry import register_method
from ._types import BlockMap, PoolOutputs, RankContext, Ranking, SelectionMethod

_EMBEDDING = frozenset({"embedding"})


def _traversal_rows(ctx: RankContext) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(features, rows, existing positions)`` for the traversal: ``features[i]`` is pool row
    ``rows[i]``. When the existing rows and the candidates are the whole pool (core-sets,
    active learning), the embedding is used as it is (a memory map stays one), never copied:
    at 10M x 128 a copy is 5 GB."""
    existing, candidates = ctx.existing, ctx.candidates
    embedding = ctx.outputs.embedding
    n = len(embedding)
    if len(existing) + len(candidates) == n:  # disjoint sorted row sets covering the pool
        return embedding, np.arange(n), (existing if len(existing) else None)
    rows = np.concatenate([existing, candidates])
    already = np.arange(len(existing)) if len(existing) else None
    return embedding[rows], rows, already


def _rank_kcenters(ctx: RankContext) -> Ranking:
    # The traversal costs O(n) per pick, so only the ``n_select`` needed picks are made.
    features, rows, already = _traversal_rows(ctx)
    with ctx.progress(ctx.n_select, "k-centers picks") as bar:
        picks, radii = greedy_kcenters(
            features,
            ctx.n_select,
            already_selected=already,
            random_state=ctx.rng,
            progress=bar.update,
        )
    # Score of a pick = its distance to the nearest earlier center when it was picked.
    pick_dist = np.empty(len(picks))
    if len(picks):
        if already is not None:
            diff = features[already] - features[picks[0]]
            pick_dist[0] = np.sqrt(np.einsum("ij,ij->i", diff, diff).min())
        else:
            pick_dist[0] = np.inf
        pick_dist[1:] = radii[:-1]
    scores = np.full(len(ctx.candidates), np.nan)
    scores[np.searchsorted(ctx.candidates, rows[picks])] = pick_dist
    return Ranking(rows[picks], scores)


def _weigh_kcenters(ctx: RankContext, selected: np.ndarray) -> np.ndarray:
    """Cluster sizes: how many candidate rows have each selected row as nearest center."""
    embedding = ctx.outputs.embedding
    if len(ctx.existing) + len(ctx.candidates) == len(embedding):
        # Every row is assigned and only the candidates counted: no copy of the embedding.
        with ctx.progress(len(embedding), "k-centers weights") as bar:
            assignment, _ = assign_to_centers(embedding, selected, progress=bar.update)
        counted = assignment if len(ctx.existing) == 0 else assignment[ctx.candidates]
        return np.bincount(counted, minlength=len(selected)).astype(np.float64)
    rows = np.union1d(ctx.candidates, selected)
    position = np.searchsorted(rows, selected)
    with ctx.progress(len(rows), "k-centers weights") as bar:
        assignment, _ = assign_to_centers(embedding[rows], position, progress=bar.update)
    in_candidates = np.isin(rows, ctx.candidates)
    return np.bincount(assignment[in_candidates], minlength=len(selected)).astype(np.float64)


def _block_centers(outputs: PoolOutputs, rows, existing_emb, k, seed):
    """Round one, on a worker: greedy k-centers inside one block, existing centers included."""
    if len(rows) == 0:
        return np.empty(0, dtype=np.int64), np.empty((0, outputs.embedding.shape[1]), np.float32)
    emb = outputs.embedding
    n_existing = len(existing_emb)
    stacked = np.concatenate([existing_emb, emb]) if n_existing else emb
    stacked = stacked.astype(np.float32, copy=False)
    picks, _ = greedy_kcenters(
        stacked,
        min(k, len(rows)),
        already_selected=np.arange(n_existing) if n_existing else None,
        random_state=seed,
    )
    picks = picks - n_existing
    return rows[picks], emb[picks]


def _block_max_distance(outputs: PoolOutputs, existing_emb, new_emb):
    """On a worker: the largest distance from a block's candidates to their nearest center,
    the centers being the existing rows and the new picks (``min_distances_to`` prunes the
    comparisons with thousands of existing rows by the triangle inequality)."""
    if len(outputs.embedding) == 0:
        return 0.0
    centers = np.concatenate([existing_emb, new_emb]) if len(existing_emb) else new_emb
    return float(min_distances_to(outputs.embedding, centers).max())


def _two_round_kcenters(ctx: RankContext, blocks: BlockMap) -> Ranking:
    existing, candidates = ctx.existing, ctx.candidates
    existing_emb = blocks.gather(existing, _EMBEDDING).embedding.astype(np.float32)
    is_candidate = np.zeros(int(blocks.sizes.sum()), dtype=bool)
    is_candidate[candidates] = True
    spans = zip(blocks.starts, blocks.sizes, strict=True)
    local = [np.flatnonzero(is_candidate[s : s + n]) for s, n in spans]
    args = [
        (s + rows, existing_emb, ctx.n_select, derive_seed(ctx.rng))
        for s, rows in zip(blocks.starts, local, strict=True)
    ]
    parts = blocks.map(_block_centers, _EMBEDDING, local, args)
    union_rows = np.concatenate([p[0] for p in parts])
    union_emb = np.concatenate([p[1] for p in parts]).astype(np.float32)
    # Round two: the in-process traversal on the existing rows and the union.
    n_existing = len(existing)
    embedding = np.concatenate([existing_emb, union_emb]) if n_existing else union_emb
    local_ctx = RankContext(
        outputs=PoolOutputs(embedding=embedding),
        candidates=np.arange(n_existing, n_existing + len(union_rows)),
        existing=np.arange(n_existing),
        y=np.full(len(embedding), -1, dtype=np.int64),
        classes=ctx.classes,
        n_select=ctx.n_select,
        rng=ctx.rng,
    )
    second = _rank_kcenters(local_ctx)
    all_rows = np.concatenate([existing, union_rows])
    scores = np.full(len(candidates), np.nan)
    scores[np.searchsorted(candidates, union_rows)] = second.scores
    new_emb = local_ctx.outputs.embedding[second.order]
    radius = max(
        blocks.map(_block_max_distance, _EMBEDDING, local, [(existing_emb, new_emb)] * len(local))
    )
    return Ranking(all_rows[second.order], scores, {"covering_radius_": radius})


register_method(
    SelectionMethod(
        "kcenters",
        needs=_EMBEDDING,
        rank=_rank_kcenters,
        hooks={"weigh": _weigh_kcenters, "blockwise": _two_round_kcenters},
    )
)
