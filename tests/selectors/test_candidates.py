"""SEALS candidate pools: KnnCandidates against brute force, and ProxySelector(candidates=...)."""

import numpy as np
import pytest
import scipy.sparse
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from svpkit import KnnCandidates, ProxySelector
from svpkit.kernels import ann


def brute_candidates(V, labeled, k):
    """The unlabeled rows among each labeled row's k nearest other rows (numpy distances)."""
    d = ((V[labeled, None, :] - V[None, :, :]) ** 2).sum(-1)
    d[np.arange(len(labeled)), labeled] = np.inf  # a row is not its own neighbour
    near = np.argsort(d, axis=1, kind="stable")[:, :k]
    rows = np.unique(near)
    return rows[~np.isin(rows, labeled)]


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(5, 120),
    d=st.integers(1, 6),
    k=st.integers(1, 8),
    share=st.floats(0.05, 0.6),
    seed=st.integers(0, 10_000),
)
def test_flat_candidates_equal_brute_force(n, d, k, share, seed):
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((n, d)).astype(np.float32)  # continuous: no distance ties
    labeled = np.sort(rng.choice(n, max(1, int(share * n)), replace=False))
    knn = KnnCandidates(n_neighbors=k).fit(V)
    assert knn.index_kind_ == "flat"
    np.testing.assert_array_equal(knn.candidates(V, labeled), brute_candidates(V, labeled, k))


def test_candidates_grow_with_the_labels_and_only_new_rows_are_searched(monkeypatch):
    rng = np.random.default_rng(0)
    V = rng.standard_normal((500, 4)).astype(np.float32)
    knn = KnnCandidates(n_neighbors=5).fit(V)
    first = knn.candidates(V, np.arange(10))
    searched = []
    real = ann.search_index
    monkeypatch.setattr(
        "svpkit.selectors.candidates.search_index",
        lambda index, q, k: searched.append(len(q)) or real(index, q, k),
    )
    second = knn.candidates(V, np.arange(20))
    assert searched == [10]  # the first 10 rows' neighbours are remembered
    assert set(first) - set(range(20)) <= set(second)
    np.testing.assert_array_equal(second, brute_candidates(V, np.arange(20), 5))


def test_neighbourhoods_widen_until_the_round_can_be_filled():
    V = np.random.default_rng(1).standard_normal((300, 3)).astype(np.float32)
    knn = KnnCandidates(n_neighbors=2).fit(V)
    labeled = np.array([0, 1, 2])
    assert len(knn.candidates(V, labeled)) <= 6
    widened = knn.candidates(V, labeled, n_select=50)
    assert len(widened) >= 50 and not np.isin(widened, labeled).any()
    # the widened set is the union of larger neighbourhoods (k doubled to 32 here)
    np.testing.assert_array_equal(widened, brute_candidates(V, labeled, 32))
    everything = knn.candidates(V, labeled, n_select=297)
    np.testing.assert_array_equal(everything, np.arange(3, 300))


def test_ivf_index_finds_most_true_neighbours(monkeypatch):
    monkeypatch.setattr(ann, "FLAT_MAX_ROWS", 1000)
    rng = np.random.default_rng(2)
    centers = rng.standard_normal((40, 8)) * 4
    V = (centers[rng.integers(0, 40, 6000)] + rng.standard_normal((6000, 8))).astype(np.float32)
    labeled = rng.choice(6000, 60, replace=False)
    knn = KnnCandidates(n_neighbors=10, n_probe=8).fit(V)
    assert knn.index_kind_ == "ivf"
    found = knn.candidates(V, labeled)
    exact = brute_candidates(V, labeled, 10)
    assert len(np.intersect1d(found, exact)) >= 0.9 * len(exact)
    assert not np.isin(found, labeled).any()


def test_quantized_ivf_when_float_vectors_pass_the_budget(monkeypatch):
    monkeypatch.setattr(ann, "FLAT_MAX_ROWS", 1000)
    monkeypatch.setattr(ann, "FLOAT_INDEX_BUDGET", 1000)
    V = np.random.default_rng(3).standard_normal((3000, 4)).astype(np.float32)
    assert KnnCandidates().fit(V).index_kind_ == "ivf-sq8"
    assert ann.choose_index(10, 4, "flat") == "flat"
    with pytest.raises(ValueError, match="choose 'auto'"):
        ann.choose_index(10, 4, "hnsw")


def test_save_load_and_neighbour_state_round_trip(tmp_path):
    V = np.random.default_rng(4).standard_normal((400, 5)).astype(np.float32)
    knn = KnnCandidates(n_neighbors=4).fit(V)
    first = knn.candidates(V, np.arange(0, 400, 20))
    knn.save(tmp_path)
    assert KnnCandidates.saved_in(tmp_path)
    back = KnnCandidates.load(tmp_path)
    assert back.get_params() == knn.get_params() and back.index_kind_ == "flat"
    back.restore_neighbor_state(*knn.neighbor_state())
    assert back._neighbors.keys() == knn._neighbors.keys()
    np.testing.assert_array_equal(back.candidates(V, np.arange(0, 400, 20)), first)
    np.testing.assert_array_equal(
        back.candidates(V, np.arange(0, 400, 7)), knn.candidates(V, np.arange(0, 400, 7))
    )


def test_a_fitted_index_is_shared_by_clone_and_checks_its_pool():
    V = np.random.default_rng(5).standard_normal((100, 3)).astype(np.float32)
    unfitted = KnnCandidates(n_neighbors=3)
    assert clone(unfitted) is not unfitted
    fitted = KnnCandidates(n_neighbors=3).fit(V)
    assert clone(fitted) is fitted
    selector = clone(ProxySelector(candidates=fitted))
    assert selector.candidates is fitted
    fitted.check_pool(V)
    with pytest.raises(ValueError, match="built on another pool"):
        fitted.check_pool(V[::-1])


def test_embedding_decides_the_neighbours():
    X = np.arange(10, dtype=np.float32).reshape(10, 1)
    E = X[::-1].copy() ** 2  # another geometry of the same rows
    by_x = KnnCandidates(n_neighbors=1).fit(X).candidates(X, [5])
    by_e = KnnCandidates(n_neighbors=1).fit(X, embedding=E).candidates(X, [5])
    assert by_x.tolist() in ([4], [6])
    assert by_e.tolist() == brute_candidates(E, np.array([5]), 1).tolist()


def test_bad_inputs_are_refused_with_the_fix():
    X = np.zeros((10, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="embedding has 3 rows"):
        KnnCandidates().fit(X, embedding=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="embedding=E"):
        KnnCandidates().fit(scipy.sparse.csr_matrix(X))
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        KnnCandidates().fit(bad)
    with pytest.raises(ValueError, match="'candidates' parameter"):
        ProxySelector(candidates=object()).fit(X, np.zeros(10))


# -- ProxySelector(candidates="knn") ------------------------------------------------------------


@pytest.fixture
def blobs():
    rng = np.random.default_rng(6)
    centers = rng.standard_normal((12, 6)) * 3
    member = rng.integers(0, 12, 3000)
    X = (centers[member] + rng.standard_normal((3000, 6))).astype(np.float32)
    y = member % 3
    y_partial = np.full(3000, -1)
    labeled = rng.choice(3000, 60, replace=False)
    y_partial[labeled] = y[labeled]
    return X, y, y_partial, np.sort(labeled)


@pytest.mark.parametrize("method", ["margin", "kcenters", "random"])
def test_selector_on_neighbourhoods_equals_the_selector_on_those_rows(blobs, method):
    X, _, y_partial, labeled = blobs
    knn = KnnCandidates(n_neighbors=8).fit(X)
    sel = ProxySelector(
        LogisticRegression(), method=method, n_select=25, candidates=knn, random_state=0
    ).fit(X, y_partial)
    rows = np.union1d(labeled, knn.candidates(X, labeled))
    ref = ProxySelector(LogisticRegression(), method=method, n_select=25, random_state=0).fit(
        X[rows], y_partial[rows]
    )
    np.testing.assert_array_equal(sel.sample_indices_, rows[ref.sample_indices_])
    np.testing.assert_array_equal(sel.ranking_, rows[ref.ranking_])
    assert sel.n_candidates_ == len(rows) - len(labeled)
    assert np.isfinite(sel.scores_).sum() == np.isfinite(ref.scores_).sum()
    assert np.isnan(np.delete(sel.scores_, rows)).all()
    assert (y_partial[sel.sample_indices_] == -1).all()
    assert sel.fit_seconds_["candidates"] > 0
    np.testing.assert_array_equal(sel.transform(X), X[sel.sample_indices_])


def test_knn_string_builds_an_index_per_fit_and_is_deterministic(blobs):
    X, _, y_partial, _ = blobs
    a = ProxySelector(LogisticRegression(), "entropy", 0.1, candidates="knn", random_state=3)
    b = clone(a)
    a.fit(X, y_partial)
    b.fit(X, y_partial)
    np.testing.assert_array_equal(a.sample_indices_, b.sample_indices_)
    assert a.candidates_ is not None and a.candidates_ is not b.candidates_
    assert a.candidates == "knn"  # the parameter is untouched
    # fraction is a share of the rows scored
    assert a.n_selected_ == int(np.ceil(0.1 * a.n_candidates_))
    assert a.n_candidates_ < 3000 - 60


def test_no_label_yet_means_every_row_is_a_candidate(blobs):
    X, _, _, _ = blobs
    sel = ProxySelector(method="typiclust", n_select=10, candidates="knn", random_state=0)
    sel.fit(X[:500], np.full(500, -1))
    assert sel.n_candidates_ == 500 and sel.candidates_ is None


def test_whole_pool_selection_reports_its_candidates(blobs):
    X, _, y_partial, _ = blobs
    sel = ProxySelector(LogisticRegression(), "margin", n_select=5, random_state=0)
    sel.fit(X, y_partial)
    assert sel.n_candidates_ == 3000 - 60 and sel.fit_seconds_["candidates"] == 0.0
    assert not ProxySelector(candidates="knn").__sklearn_tags__().input_tags.sparse


def test_random_share_is_added_seeded_and_a_subsample_needs_no_index():
    V = np.random.default_rng(7).standard_normal((1000, 3)).astype(np.float32)
    labeled = np.arange(0, 1000, 100)
    plain = KnnCandidates(n_neighbors=3).fit(V).candidates(V, labeled)
    mixed_knn = KnnCandidates(n_neighbors=3, n_random=0.05, random_state=1).fit(V)
    mixed = mixed_knn.candidates(V, labeled)
    assert set(plain) < set(mixed) and len(mixed) <= len(plain) + 50
    assert not np.isin(mixed, labeled).any()
    again = KnnCandidates(n_neighbors=3, n_random=0.05, random_state=1).fit(V)
    np.testing.assert_array_equal(again.candidates(V, labeled), mixed)  # seeded
    other = KnnCandidates(n_neighbors=3, n_random=0.05, random_state=2).fit(V)
    assert not np.array_equal(other.candidates(V, labeled), mixed)
    sub = KnnCandidates(n_neighbors=0, n_random=40).fit(V)
    assert sub.index_ is None and sub.index_kind_ == "none"
    rows = sub.candidates(V, labeled)
    assert 30 <= len(rows) <= 40 and not np.isin(rows, labeled).any()
    with pytest.raises(ValueError, match="no candidate to offer"):
        KnnCandidates(n_neighbors=0).fit(V)


def test_subsample_scores_a_seeded_share_of_the_pool(blobs):
    X, _, y_partial, _ = blobs
    sel = ProxySelector(
        LogisticRegression(), "margin", n_select=20, candidates="subsample", random_state=4
    ).fit(X, y_partial)
    assert sel.candidates_.n_neighbors == 0 and sel.candidates_.random_state == 4
    assert 50 <= sel.n_candidates_ <= 60  # 2% of 3,000 rows, less the labeled ones drawn
    again = clone(sel).fit(X, y_partial)
    np.testing.assert_array_equal(sel.sample_indices_, again.sample_indices_)
    other = clone(sel).set_params(random_state=5).fit(X, y_partial)
    assert not np.array_equal(sel.sample_indices_, other.sample_indices_)
