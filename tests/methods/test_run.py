"""Running a method: plain, class-balanced, or blockwise through a BlockMap."""

import numpy as np

from svpkit import greedy_kcenters
from svpkit.methods import PoolOutputs, RankContext, get_method, run_method, runs_blockwise
from svpkit.methods import outputs_read as reads


class InProcessBlocks:
    """A BlockMap over an in-memory embedding matrix: the protocol without dask."""

    def __init__(self, embedding, sizes):
        self.embedding = embedding
        self.sizes = np.asarray(sizes)
        self.starts = np.cumsum(np.r_[0, self.sizes])[:-1]

    def map(self, fn, needs, rows, args):
        return [
            fn(PoolOutputs(embedding=self.embedding[s + r]), *a)
            for s, r, a in zip(self.starts, rows, args, strict=True)
        ]

    def gather(self, rows, needs):
        return PoolOutputs(embedding=self.embedding[rows])


def _context(embedding, candidates, existing, n_select, seed=0):
    return RankContext(
        outputs=PoolOutputs(),
        candidates=candidates,
        existing=existing,
        y=np.full(len(embedding), -1, dtype=np.int64),
        classes=np.array([]),
        n_select=n_select,
        rng=np.random.RandomState(seed),
    )


def test_two_round_kcenters_is_within_four_times_the_greedy_radius():
    rng = np.random.RandomState(0)
    emb = rng.randn(900, 6).astype(np.float32)
    existing = np.arange(0, 900, 30)
    candidates = np.setdiff1d(np.arange(900), existing)
    ctx = _context(emb, candidates, existing, n_select=25)
    ranking, kept = run_method(get_method("kcenters"), ctx, InProcessBlocks(emb, [300, 300, 300]))
    assert len(kept) == 25 and not np.isin(kept, existing).any()
    # the reported radius is the measured one over the candidates
    centers = emb[np.r_[existing, kept]]
    d = np.sqrt(((emb[candidates, None, :] - centers[None]) ** 2).sum(-1)).min(axis=1)
    np.testing.assert_allclose(ranking.covering_radius, d.max(), rtol=1e-5)
    single = greedy_kcenters(emb, 25, already_selected=existing).radii[-1]
    assert ranking.covering_radius <= 4 * single + 1e-6
    assert np.isfinite(ranking.scores).sum() == 25


def test_one_block_equals_the_in_process_traversal():
    emb = np.random.RandomState(1).randn(400, 5).astype(np.float32)
    existing, candidates = np.arange(20), np.arange(20, 400)
    method = get_method("kcenters")
    blockwise, _ = run_method(
        method, _context(emb, candidates, existing, 15), InProcessBlocks(emb, [400])
    )
    ctx = _context(emb, candidates, existing, 15)
    in_process, _ = run_method(
        method, RankContext(**{**ctx.__dict__, "outputs": PoolOutputs(embedding=emb)})
    )
    np.testing.assert_array_equal(blockwise.order, in_process.order)


def test_plan_helpers():
    kcenters, entropy = get_method("kcenters"), get_method("entropy")
    assert reads(kcenters, class_balance=True, labels_known=False) == {"embedding", "proba"}
    assert reads(kcenters, class_balance=True, labels_known=True) == {"embedding"}
    assert reads(entropy, class_balance=False, labels_known=False) == {"proba"}
    assert runs_blockwise(kcenters, class_balance=False)
    assert not runs_blockwise(kcenters, class_balance=True)
    assert not runs_blockwise(entropy, class_balance=False)
