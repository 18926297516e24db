"""k-NN graph and D2 message passing against brute force."""

import sys

import faiss
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svpkit.kernels import graph
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


# -- the graph's other paths: several FAISS query blocks, rows duplicated past k, no FAISS ---
#
# The numpy fallback used without FAISS was removed with FAISS a core dependency; what is left
# besides one block of queries is the block loop, the self-drop when a row's duplicates crowd
# it out of its own results, and the error when FAISS is missing.


def _brute_knn_distances(X, k):
    D = np.sqrt(((X[:, None].astype(np.float64) - X[None]) ** 2).sum(-1))
    np.fill_diagonal(D, np.inf)
    return D, np.sort(D, axis=1)[:, :k]


def _check_graph(X, k, nbrs, dist):
    n = len(X)
    D, expected = _brute_knn_distances(X, k)
    assert nbrs.shape == dist.shape == (n, k)
    np.testing.assert_allclose(dist, expected, atol=1e-4)
    assert (nbrs != np.arange(n)[:, None]).all()  # never a row itself
    assert all(len(set(row)) == k for row in nbrs.tolist())  # k distinct neighbours
    np.testing.assert_allclose(D[np.arange(n)[:, None], nbrs], dist, atol=1e-4)


@pytest.mark.parametrize("chunk_rows", [1, 7, 64, 1000])
def test_knn_graph_in_query_blocks_matches_one_block_and_brute_force(monkeypatch, chunk_rows):
    # Pools above _CHUNK_ROWS (4,096) rows are searched block by block: each block's own rows
    # must be recognised (and dropped) by their pool ids, not their position in the block.
    rng = np.random.RandomState(0)
    X = rng.randint(-3, 4, size=(150, 3)).astype(np.float32)  # duplicates and ties included
    whole = knn_graph(X, 5)
    monkeypatch.setattr(graph, "_CHUNK_ROWS", chunk_rows)
    nbrs, dist = knn_graph(X, 5)
    _check_graph(X, 5, nbrs, dist)
    np.testing.assert_array_equal(dist, whole[1])


def test_knn_graph_of_a_row_whose_duplicates_crowd_it_out():
    # 12 copies of one point and k = 3: FAISS may return 4 other copies and not the row
    # itself; then the farthest of the k + 1 results is dropped instead.
    rng = np.random.RandomState(1)
    X = np.concatenate([np.zeros((12, 2)), rng.randn(30, 2) + 5]).astype(np.float32)
    index = faiss.IndexFlatL2(2)
    index.add(X)
    _, found = index.search(X[:12], 4)
    assert (found != np.arange(12)[:, None]).all(axis=1).any()  # the case arises here
    nbrs, dist = knn_graph(X, 3)
    _check_graph(X, 3, nbrs, dist)
    assert (dist[:12] == 0).all() and (nbrs[:12] < 12).all()


def test_knn_graph_without_faiss_names_the_package_and_needs_it_only_for_edges(monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)  # makes `import faiss` fail
    with pytest.raises(ImportError, match="pip install faiss-cpu"):
        knn_graph(np.eye(3, dtype=np.float32), 1)
    # a graph without edges (one row, or k = 0) needs no index
    for X, k in [(np.ones((1, 2)), 3), (np.eye(3), 0)]:
        nbrs, dist = knn_graph(X, k)
        assert nbrs.shape == dist.shape == (len(X), 0)
        assert nbrs.dtype == np.int64 and dist.dtype == np.float32
