"""k-centers as a method: existing centers, feature-space fallback, cluster-size weights."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svpkit import CoresetSelector, ProxySelector, greedy_kcenters
from svpkit.nn import predict_proba_and_embed
from tests.helpers import logreg, small_proxy


def test_kcenters_uses_labeled_rows_as_existing_centers(digits):
    X, y = digits
    y_partial = np.full(len(y), -1)
    y_partial[:50] = y[:50]
    q = ProxySelector(small_proxy(), method="kcenters", n_select=30, random_state=0)
    q.fit(X, y_partial)
    _, emb = predict_proba_and_embed(q.proxy_, X)
    picks, _ = greedy_kcenters(emb, 30, already_selected=np.arange(50))
    np.testing.assert_array_equal(q.ranking_, picks)
    np.testing.assert_array_equal(q.sample_indices_, np.sort(picks))
    assert q.sample_indices_.min() >= 50


def test_kcenters_without_labels_runs_on_input_features(digits):
    X, _ = digits
    q = ProxySelector(method="kcenters", n_select=20, random_state=3).fit(X, np.full(len(X), -1))
    assert q.proxy_ is None
    # first draw of the RandomState seeds torch; replay the same stream for the reference
    rng = np.random.RandomState(3)
    rng.randint(np.iinfo(np.int32).max)
    picks, _ = greedy_kcenters(X.astype(np.float32), 20, random_state=rng)
    np.testing.assert_array_equal(q.ranking_, picks)
    # scores are the distances at pick time: decreasing along the ranking
    assert np.all(np.diff(q.scores_[q.ranking_][1:]) <= 1e-6)


def test_kcenters_weights_are_cluster_sizes(digits):
    X, y = digits
    sel = CoresetSelector(method="kcenters", fraction=0.1, random_state=0).fit(X, y)
    # proxy=None with all rows labeled: the default MLP's embeddings are the space
    _, emb = predict_proba_and_embed(sel.proxy_, X)
    centers = emb[sel.sample_indices_]
    nearest = ((emb[:, None, :] - centers[None]) ** 2).sum(-1).argmin(axis=1)
    np.testing.assert_array_equal(sel.sample_weight_, np.bincount(nearest, minlength=60))
    assert sel.sample_weight_.sum() == len(X)
    assert CoresetSelector(logreg(), method="margin").fit(X, y).sample_weight_ is None


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 300),
    n_existing=st.integers(0, 40),
    n_new=st.integers(1, 20),
    seed=st.integers(0, 10_000),
)
def test_block_radius_equals_the_distance_to_every_center(n, n_existing, n_new, seed):
    """The radius pass (existing centers and new picks given apart) equals the brute-force
    largest distance to the nearest of all centers, pruned or not."""
    from svpkit.kernels import pruned_assign
    from svpkit.kernels.kcenters import min_distances_to
    from svpkit.methods import PoolOutputs, diversity

    rng = np.random.RandomState(seed)
    emb = rng.randint(-9, 10, (n, 3)).astype(np.float32)
    existing = rng.randint(-9, 10, (n_existing, 3)).astype(np.float32)
    new = rng.randint(-9, 10, (n_new, 3)).astype(np.float32)
    expected = float(min_distances_to(emb, np.concatenate([existing, new])).max()) if n else 0.0
    D = ((emb[:, None, :] - np.concatenate([existing, new])[None].astype(float)) ** 2).sum(-1)
    assert expected == pytest.approx(np.sqrt(D.min(axis=1)).max() if n else 0.0, abs=1e-5)
    for pairs in (1 << 28, 1):  # brute force, then pruned whenever the plan says it pays
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(pruned_assign, "MIN_PAIRS", pairs)
            got = diversity._block_max_distance(PoolOutputs(embedding=emb), existing, new)
        assert got == pytest.approx(expected, abs=1e-5)
