"""k-centers as a method: existing centers, feature-space fallback, cluster-size weights."""

import numpy as np

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
