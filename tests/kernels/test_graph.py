"""k-NN graph and D2 message passing against brute force."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from svpkit.kernels.graph import d2_forward, d2_select, knn_graph
from tests.helpers import integer_points


@settings(max_examples=40, deadline=None)
@given(integer_points(), st.integers(1, 6))
def test_knn_graph_matches_brute_force_distances(X, k):
    X = X.astype(np.float32)
    n = len(X)
    nbrs, dist = knn_graph(X, k)
    k = min(k, n - 1)
    assert nbrs.shape == (n, max(k, 0))
    if k < 1:
        return
    D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    np.fill_diagonal(D, np.inf)
    expected = np.sort(D, axis=1)[:, :k]
    np.testing.assert_allclose(dist, expected, atol=1e-4)  # ties may swap ids, not distances
    assert (nbrs != np.arange(n)[:, None]).all()
    np.testing.assert_allclose(D[np.arange(n)[:, None], nbrs], dist, atol=1e-4)


def _brute_d2(scores, nbrs, dist, n_select, gamma=1.0):
    w = np.exp(-gamma * (dist / np.median(dist)) ** 2)
    s = np.array(scores, dtype=float)
    chosen, picks = np.zeros(len(s), bool), []
    for _ in range(n_select):
        masked = np.where(chosen, -np.inf, s)
        i = int(np.argmax(masked))
        chosen[i] = True
        picks.append(i)
        spread = max(s[i], 0.0)
        for j, wij in zip(nbrs[i], w[i], strict=True):
            if not chosen[j]:
                s[j] -= wij * spread
    return picks


def test_d2_select_matches_the_quadratic_greedy():
    rng = np.random.RandomState(0)
    X = rng.randn(300, 4).astype(np.float32)
    nbrs, dist = knn_graph(X, 6)
    scores = d2_forward(rng.rand(300), nbrs, dist)  # continuous: no ties
    assert d2_select(scores, nbrs, dist, 60).tolist() == _brute_d2(scores, nbrs, dist, 60)


def test_d2_forward_sums_weighted_neighbour_scores():
    nbrs = np.array([[1, 2], [0, 2], [0, 1]])
    dist = np.array([[1.0, 2.0], [1.0, 1.0], [2.0, 1.0]], dtype=np.float32)
    s = np.array([1.0, 2.0, 3.0])
    w = np.exp(-((dist / 1.0) ** 2))
    np.testing.assert_allclose(d2_forward(s, nbrs, dist), s + (w * s[nbrs]).sum(1))


def test_d2_spreads_picks_over_regions():
    # two tight clusters, the first uniformly harder: plain top-k takes only cluster A
    rng = np.random.RandomState(1)
    A = rng.randn(50, 2) * 0.05
    B = rng.randn(50, 2) * 0.05 + 10
    X = np.concatenate([A, B]).astype(np.float32)
    scores = np.r_[np.full(50, 2.0), np.full(50, 1.0)] + rng.rand(100) * 0.01
    nbrs, dist = knn_graph(X, 10)
    picks = d2_select(scores, nbrs, dist, 20)
    assert np.argsort(-scores)[:20].max() < 50  # top-k: cluster A only
    assert (picks >= 50).any() and (picks < 50).any()
