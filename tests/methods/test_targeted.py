"""Targeted selection (SIMILAR's FLQMI on a sparse graph): kernel vs brute force, selectors."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from svpkit import CoresetSelector, ProxySelector
from svpkit.kernels.targeted import targeted_select


def brute_flqmi(C, Q, n_select, P=None, eta=1.0, nu=1.0, k=None):
    """Plain greedy on the dense objective (with the same k-NN truncation and bandwidth)."""
    d2 = ((Q[:, None, :] - C[None, :, :]) ** 2).sum(-1)  # (|Q|, n)
    k = k or d2.shape[1]
    keep = np.zeros_like(d2, dtype=bool)
    nearest = np.argsort(d2, axis=1, kind="stable")[:, :k]
    keep[np.arange(len(Q))[:, None], nearest] = True
    sigma2 = np.median(d2[keep])
    S = np.where(keep, np.exp(-d2 / (2 * sigma2)), 0.0)
    modular = eta * np.exp(-d2.min(axis=0) / (2 * sigma2))
    if P is not None:
        dp = ((P[:, None, :] - C[None, :, :]) ** 2).sum(-1).min(axis=0)
        modular = modular - nu * np.exp(-dp / (2 * sigma2))
    covered = np.zeros(len(Q))
    picks, free = [], np.ones(len(C), dtype=bool)
    for _ in range(n_select):
        gains = np.maximum(S - covered[:, None], 0).sum(axis=0) + modular
        gains[~free] = -np.inf
        j = int(np.argmax(gains))
        picks.append(j)
        free[j] = False
        covered = np.maximum(covered, S[:, j])
    return picks


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(4, 60),
    n_query=st.integers(1, 5),
    n_private=st.integers(0, 3),
    frac=st.floats(0.05, 1.0),
    seed=st.integers(0, 10_000),
)
def test_lazy_greedy_on_the_sparse_graph_equals_dense_greedy(n, n_query, n_private, frac, seed):
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((n, 3))
    Q = rng.standard_normal((n_query, 3))
    P = rng.standard_normal((n_private, 3)) if n_private else None
    n_select = max(1, int(frac * n))
    k = max(2, n // 3)
    picks, gains = targeted_select(
        C, Q, n_select, P, n_neighbors=k
    )  # float32 inside: compare against float32 data
    ref = brute_flqmi(
        C.astype(np.float32).astype(np.float64),
        Q.astype(np.float32).astype(np.float64),
        n_select,
        None if P is None else P.astype(np.float32).astype(np.float64),
        k=k,
    )
    assert picks.tolist() == ref
    assert np.all(np.diff(gains) <= 1e-9)  # greedy gains never increase (submodular)


def test_picks_follow_the_query_and_leave_the_private_rows():
    rng = np.random.default_rng(0)
    below = rng.standard_normal((50, 2)) * 0.3 + [5, 4]  # two groups as near the query
    above = rng.standard_normal((50, 2)) * 0.3 + [5, 6]
    far = rng.standard_normal((400, 2)) * 0.3
    C = np.vstack([below, above, far])
    picks, _ = targeted_select(C, np.array([[5.0, 5.0]]), 20)
    assert np.all(picks < 100)  # all from the two groups near the query
    assert 0 < np.mean(picks < 50) < 1  # from both
    avoided, _ = targeted_select(C, np.array([[5.0, 5.0]]), 20, private=np.array([[5.0, 6.0]]))
    assert np.all(avoided < 100)
    # the group around the private row is (mostly) left alone
    assert np.mean(avoided >= 50) <= 0.2 < np.mean(picks >= 50)


def test_several_query_rows_are_each_covered():
    rng = np.random.default_rng(1)
    groups = [rng.standard_normal((100, 2)) * 0.2 + c for c in ([0, 0], [10, 0], [0, 10])]
    C = np.vstack(groups + [rng.standard_normal((300, 2)) * 0.2 + [10, 10]])
    picks, _ = targeted_select(C, np.array([[0.0, 0], [10, 0], [0, 10]]), 3)
    assert sorted(p // 100 for p in picks) == [0, 1, 2]


def test_memory_is_linear_in_the_pool():
    rng = np.random.default_rng(2)
    C = rng.standard_normal((100_000, 8)).astype(np.float32)
    Q = rng.standard_normal((300, 8)).astype(np.float32)
    tracemalloc.start()
    targeted_select(C, Q, 200)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40e6  # a dense |Q| x n float64 similarity matrix would be 240 MB


@pytest.fixture
def rare_pool():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2000, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    rare = rng.choice(2000, 30, replace=False)
    X[rare] += 4.0  # the rare class lives in a corner
    y[rare] = 2
    y_partial = np.full(2000, -1)
    seed_rows = np.concatenate([rng.choice(np.flatnonzero(y < 2), 40, replace=False), rare[:3]])
    y_partial[seed_rows] = y[seed_rows]
    return X, y, y_partial, rare


def test_targeted_selector_finds_the_rare_class(rare_pool):
    X, y, y_partial, rare = rare_pool
    found = {}
    for method, extra in [("targeted", {"query_classes": [2]}), ("margin", {}), ("random", {})]:
        sel = ProxySelector(
            LogisticRegression(), method=method, n_select=30, random_state=0, **extra
        ).fit(X, y_partial)
        found[method] = int((y[sel.sample_indices_] == 2).sum())
        assert (y_partial[sel.sample_indices_] == -1).all()
    assert found["targeted"] >= 20 and found["targeted"] >= 2 * max(found["margin"], 1)
    by_rows = ProxySelector(
        LogisticRegression(), method="targeted", n_select=30, query=rare[:3], random_state=0
    ).fit(X, y_partial)
    again = ProxySelector(
        LogisticRegression(), method="targeted", n_select=30, query=rare[:3], random_state=0
    ).fit(X, y_partial)
    np.testing.assert_array_equal(by_rows.sample_indices_, again.sample_indices_)
    assert (y[by_rows.sample_indices_] == 2).sum() >= 20


def test_targeted_on_seals_candidates(rare_pool):
    X, y, y_partial, _ = rare_pool
    sel = ProxySelector(
        LogisticRegression(),
        "targeted",
        n_select=10,
        candidates="knn",
        query_classes=[2],
        random_state=0,
    ).fit(X, y_partial)
    assert sel.n_candidates_ < 2000 - 43 and (y[sel.sample_indices_] == 2).sum() >= 5


def test_errors_name_the_fix(rare_pool):
    X, _, y_partial, rare = rare_pool
    with pytest.raises(ValueError, match="query= .*query_classes="):
        ProxySelector(LogisticRegression(), "targeted", n_select=5).fit(X, y_partial)
    with pytest.raises(ValueError, match="label at least one such row"):
        ProxySelector(LogisticRegression(), "targeted", n_select=5, query_classes=[7]).fit(
            X, y_partial
        )
    with pytest.raises(ValueError, match="read by method='targeted' only"):
        ProxySelector(LogisticRegression(), "margin", n_select=5, query=[1]).fit(X, y_partial)
    with pytest.raises(ValueError, match="outside 0..1999"):
        ProxySelector(LogisticRegression(), "targeted", n_select=5, query=[2000]).fit(X, y_partial)
    with pytest.raises(ValueError, match="share rows"):
        ProxySelector(LogisticRegression(), "targeted", n_select=5, query=[1, 2], private=[2]).fit(
            X, y_partial
        )
    with pytest.raises(ValueError, match="use ProxySelector"):
        CoresetSelector(LogisticRegression(), "targeted", fraction=0.5).fit(X, y_partial % 3)
    sel = ProxySelector(
        LogisticRegression(), "targeted", n_select=5, query=rare[:2], random_state=0
    ).fit(X, y_partial)
    with pytest.raises(ValueError, match="new pool"):
        sel.transform(X[:100])
