"""Cold-start kernels (typicality, TypiClust, ProbCover, MaxHerding) against brute force."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svpkit.kernels.coldstart import (
    gaussian_bandwidth,
    kmeans,
    maxherding_select,
    probcover_select,
    purity_delta,
    reduce_features,
    typicality,
    typiclust_select,
)
from svpkit.kernels.graph import knn_graph


def _points(seed, n=60, d=3):
    return np.random.RandomState(seed).randn(n, d).astype(np.float32)


def _distances(X):
    X = X.astype(np.float64)
    return np.sqrt(np.maximum(((X[:, None] - X[None]) ** 2).sum(-1), 0.0))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 8))
def test_typicality_is_the_inverse_mean_distance_to_the_k_nearest(seed, k):
    X = _points(seed, n=30)
    D = _distances(X)
    np.fill_diagonal(D, np.inf)
    expected = 1.0 / (np.sort(D, axis=1)[:, :k].mean(axis=1) + 1e-8)
    np.testing.assert_allclose(typicality(X, k), expected, rtol=1e-4)


def _brute_typiclust(X, labeled, candidates, n_select, clusters, min_size=5, n_neighbors=20):
    """TypiClust as the paper's code states it, with the given cluster labels."""
    n_clusters = clusters.max() + 1
    size = np.bincount(clusters, minlength=n_clusters)
    taken = np.bincount(clusters[labeled], minlength=n_clusters)
    free = set(candidates.tolist())
    picks = []
    for _ in range(n_select):
        avail = np.array([sum(1 for r in free if clusters[r] == c) for c in range(n_clusters)])
        best = min(
            range(n_clusters),
            key=lambda c: (avail[c] == 0, size[c] < min_size, taken[c], -size[c], c),
        )
        rows = np.flatnonzero(clusters == best)
        D = _distances(X[rows])
        np.fill_diagonal(D, np.inf)
        k = min(n_neighbors, max(1, len(rows) // 2))
        typ = 1.0 / (np.sort(D, axis=1)[:, :k].mean(axis=1) + 1e-8)
        typ = np.where([r in free for r in rows], typ, -np.inf)
        pick = int(rows[np.argmax(typ)])
        picks.append(pick)
        free.discard(pick)
        taken[best] += 1
    return picks


@pytest.mark.parametrize("seed", range(4))
def test_typiclust_matches_the_papers_rule_on_the_same_clusters(seed):
    X = np.r_[_points(seed, 40), _points(seed + 1, 40) + 6, _points(seed + 2, 20) - 6]
    rng = np.random.RandomState(seed)
    labeled = rng.choice(len(X), 3, replace=False)
    candidates = np.setdiff1d(np.arange(len(X)), labeled)
    picks = typiclust_select(X, labeled, candidates, 6, seed=seed)
    clusters = kmeans(X, len(labeled) + 6, seed)  # the same seeded clustering
    assert picks.tolist() == _brute_typiclust(X, labeled, candidates, 6, clusters)
    assert not set(picks.tolist()) & set(labeled.tolist())
    assert len(set(picks.tolist())) == 6


def test_typiclust_picks_dense_rows_not_outliers():
    rng = np.random.RandomState(0)
    blob = rng.randn(200, 2).astype(np.float32) * 0.3
    outliers = rng.uniform(-30, 30, size=(5, 2)).astype(np.float32)
    X = np.r_[blob, outliers]
    picks = typiclust_select(X, np.array([], int), np.arange(len(X)), 1, seed=0)
    assert picks[0] < 200  # the most typical row of the largest cluster, not an outlier
    assert np.linalg.norm(X[picks[0]]) < 0.5


def test_kmeans_and_typiclust_are_deterministic_with_a_seed():
    X = _points(3, 300, 5)
    labeled = np.arange(5)
    cands = np.arange(5, 300)
    a = typiclust_select(X, labeled, cands, 10, seed=7)
    b = typiclust_select(X, labeled, cands, 10, seed=7)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(kmeans(X, 8, 1), kmeans(X, 8, 1))


@pytest.mark.parametrize("alpha", [0.5, 0.8, 0.95])
def test_purity_delta_is_the_largest_radius_whose_balls_stay_pure(alpha):
    X = np.r_[_points(0, 50, 2), _points(1, 50, 2) + 2.5]
    n = len(X)
    delta = purity_delta(X, 2, seed=0, alpha=alpha, n_neighbors=n - 1)
    clusters = kmeans(X, 2, 0)
    D = _distances(X)

    def purity(r):  # share of balls {j: d_ij < r} that hold one cluster only
        inside = D < r
        return np.mean([(clusters[inside[i]] == clusters[i]).all() for i in range(n)])

    assert purity(delta) >= alpha
    assert purity(delta * 1.0001 + 1e-6) < alpha


def _brute_probcover(X, labeled, candidates, n_select, delta, seed):
    rng = np.random.RandomState(seed)
    n = len(X)
    ball = _distances(X) < delta
    covered = ball[labeled].any(axis=0) if len(labeled) else np.zeros(n, bool)
    tie = rng.permutation(n)
    free = np.zeros(n, bool)
    free[candidates] = True
    picks = []
    while len(picks) < n_select:
        gain = np.where(free, (ball & ~covered).sum(axis=1), -1)
        if gain.max() <= 0:
            break
        top = np.flatnonzero(gain == gain.max())
        pick = int(top[np.argmin(tie[top])])
        picks.append(pick)
        free[pick] = False
        covered |= ball[pick]
    return picks


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.2, 2.0), st.integers(1, 12))
def test_probcover_matches_brute_force_greedy_coverage(seed, delta, n_select):
    X = _points(seed, 40, 2)
    rng = np.random.RandomState(seed)
    labeled = rng.choice(40, 3, replace=False)
    cands = np.setdiff1d(np.arange(40), labeled)
    picks = probcover_select(
        X, labeled, cands, n_select, delta, np.random.RandomState(seed), n_neighbors=39
    )
    expected = _brute_probcover(X, labeled, cands, n_select, delta, seed)
    assert picks[: len(expected)].tolist() == expected
    assert len(picks) == n_select  # everything covered: the rest at random
    assert len(set(picks.tolist())) == n_select and not set(picks) & set(labeled)


def test_probcover_covers_each_cluster_once_before_repeating():
    X = np.r_[_points(0, 30, 2) * 0.1, _points(1, 30, 2) * 0.1 + 5, _points(2, 30, 2) * 0.1 - 5]
    picks = probcover_select(X, np.array([], int), np.arange(90), 3, 1.0, np.random.RandomState(0))
    assert sorted(int(p) // 30 for p in picks) == [0, 1, 2]


def _check_greedy_herding(X, labeled, candidates, picks, sigma):
    """Every pick has the largest coverage gain left (exact ties may go either way)."""
    K = np.exp(-(_distances(X) ** 2) / (2 * sigma**2))
    cover = K[labeled].max(axis=0) if len(labeled) else np.zeros(len(X))
    free = set(candidates.tolist())
    for pick in picks:
        gains = {c: np.maximum(K[c] - cover, 0).sum() for c in free}
        assert pick in free
        assert gains[pick] == pytest.approx(max(gains.values()), rel=1e-5, abs=1e-9)
        free.discard(pick)
        cover = np.maximum(cover, K[pick])


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.3, 3.0), st.integers(1, 10))
def test_maxherding_matches_brute_force_kernel_herding_on_a_full_graph(seed, sigma, n_select):
    X = _points(seed, 35, 2)
    labeled = np.random.RandomState(seed).choice(35, 2, replace=False)
    cands = np.setdiff1d(np.arange(35), labeled)
    picks = maxherding_select(
        X, labeled, cands, n_select, np.random.RandomState(0), bandwidth=sigma, n_neighbors=34
    )
    assert len(picks) == n_select
    _check_greedy_herding(X, labeled, cands, picks, sigma)


def test_maxherding_default_bandwidth_is_the_median_kth_neighbour_distance():
    X = _points(0, 50, 2)
    _, dist = knn_graph(X, 5)
    assert gaussian_bandwidth(dist) == pytest.approx(float(np.median(dist[:, -1])))


def test_maxherding_avoids_rows_near_the_labeled_ones():
    X = np.r_[_points(0, 40, 2) * 0.2, _points(1, 40, 2) * 0.2 + 6]
    picks = maxherding_select(X, np.array([0]), np.arange(1, 80), 1, np.random.RandomState(0))
    assert picks[0] >= 40  # the first blob is covered by the labeled row


def test_coverage_kernels_use_memory_linear_in_the_pool():
    # 20,000 rows: an n x n float64 matrix would be 3.2 GB; the graph is a few MB.
    X = np.random.RandomState(0).randn(20_000, 8).astype(np.float32)
    graph = knn_graph(X, 16)
    tracemalloc.start()
    probcover_select(
        X, np.array([], int), np.arange(20_000), 50, 1.0, np.random.RandomState(0), graph=graph
    )
    maxherding_select(
        X, np.array([], int), np.arange(20_000), 50, np.random.RandomState(0), graph=graph
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 80 * 2**20


def test_reduce_features_is_pca_fitted_in_chunks():
    rng = np.random.RandomState(0)
    scales = np.array([10, 8, 6, 4, 2] + [0.1] * 15)  # a clear 5-d structure
    X = (rng.randn(500, 20) * scales).astype(np.float32)
    Z = reduce_features(X, 5, random_state=0, chunk_rows=64)
    from sklearn.decomposition import PCA

    ref = PCA(5, svd_solver="full").fit_transform(X)
    np.testing.assert_allclose(np.abs(Z), np.abs(ref), atol=1e-3)  # signs may flip
    assert Z.dtype == np.float32
    low = reduce_features(X[:, :3], 5)
    np.testing.assert_allclose(low.mean(axis=0), 0, atol=1e-5)


def _purity_reference(X, clusters, neighbors, distances, alpha):
    """ProbCover's delta by its definition, row by row: each row's distance to its nearest
    neighbour of another cluster (the farthest neighbour when none is), then the largest
    delta that keeps a share alpha of the balls pure."""
    nearest_other = []
    for row in range(len(X)):
        pairs = zip(neighbors[row], distances[row], strict=True)
        other = [d for j, d in pairs if clusters[j] != clusters[row]]
        nearest_other.append(min(other) if other else distances[row][-1])
    n_pure = int(np.ceil(alpha * len(X)))
    return sorted(nearest_other)[len(X) - n_pure]


@pytest.mark.parametrize("alpha", [0.5, 0.8, 0.95, 1.0])
def test_purity_delta_is_its_definition(alpha):
    from svpkit.kernels.coldstart import kmeans, purity_delta
    from svpkit.kernels.graph import knn_graph

    rng = np.random.RandomState(1)
    X = np.r_[rng.randn(60, 2), rng.randn(60, 2) + 2.5].astype(np.float32)
    neighbors, distances = knn_graph(X, 8)
    clusters = kmeans(X, 2, seed=0)
    expected = _purity_reference(X, clusters, neighbors, distances, alpha)
    assert purity_delta(X, 2, seed=0, alpha=alpha, n_neighbors=8) == pytest.approx(expected)
    if alpha == 0.95:  # the default
        assert purity_delta(X, 2, seed=0, n_neighbors=8) == pytest.approx(expected)


def test_purity_delta_reads_the_graph_it_is_given():
    from svpkit.kernels.coldstart import purity_delta
    from svpkit.kernels.graph import knn_graph

    rng = np.random.RandomState(2)
    X = np.r_[rng.randn(50, 2), rng.randn(50, 2) + 3].astype(np.float32)
    neighbors, distances = knn_graph(X, 8)
    own = purity_delta(X, 2, seed=0, n_neighbors=8)
    given = purity_delta(X, 2, seed=0, graph=(neighbors, 2 * distances))
    assert given == pytest.approx(2 * own)


def test_typiclust_with_nothing_to_pick_returns_an_empty_int_array():
    X = np.random.RandomState(0).randn(10, 2).astype(np.float32)
    for labeled, candidates, n in [(np.arange(3), np.arange(3, 10), 0), (np.arange(10), [], 4)]:
        picks = typiclust_select(X, labeled, np.asarray(candidates, dtype=int), n, seed=0)
        assert picks.shape == (0,) and picks.dtype == np.int64


def _blobs(sizes, spread=0.3, gap=50.0, seed=0):
    rng = np.random.RandomState(seed)
    return np.vstack([rng.randn(n, 2) * spread + [gap * i, 0] for i, n in enumerate(sizes)]).astype(
        np.float32
    )


def test_typiclust_never_picks_from_a_cluster_without_candidates():
    """Blob 0 is all labeled; the picks are candidates of blob 1, however few labels it has."""
    X = _blobs([20, 20])
    picks = typiclust_select(X, np.arange(20), np.arange(20, 40), 3, seed=0, max_clusters=2)
    assert set(picks.tolist()) <= set(range(20, 40))


def test_typiclust_serves_the_least_labeled_cluster_even_with_one_candidate_left():
    """Blob 0: 9 labeled rows and 1 candidate (row 9); blob 1: 5 labeled, 15 candidates. Each
    pick goes to the cluster holding fewer labeled or picked rows (ties: the larger one)."""
    X = _blobs([10, 20])
    labeled = np.r_[np.arange(9), np.arange(10, 15)]
    candidates = np.r_[9, np.arange(15, 30)]
    picks = typiclust_select(X, labeled, candidates, 6, seed=0, max_clusters=2)
    # picks 1-5 from blob 1 (5 -> 10 held; at 9 each the larger wins), then blob 0, holding 9,
    # has fewer: its one candidate, though it is the last one there.
    assert (picks[:5] >= 15).all() and picks[5] == 9
