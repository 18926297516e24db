"""BADGE's factorised k-means++ against the materialised gradient embeddings."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svpkit.kernels.badge import badge_select, gradient_factors


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _brute_badge(proba, emb, n_select, rng):
    """k-means++ seeding on the materialised n x (K d) gradient embeddings."""
    a = proba.copy()
    a[np.arange(len(a)), a.argmax(axis=1)] -= 1.0
    G = (a[:, :, None] * emb[:, None, :]).reshape(len(a), -1)
    picks = [int(np.argmax((G**2).sum(axis=1)))]
    nearest = np.full(len(G), np.inf)
    for _ in range(n_select - 1):
        d = ((G - G[picks[-1]]) ** 2).sum(axis=1)
        nearest = np.minimum(nearest, d)
        nearest[picks] = 0.0
        picks.append(int(rng.choice(len(G), p=nearest / nearest.sum())))
    return picks


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5), st.integers(1, 6), st.integers(1, 15))
def test_badge_matches_the_materialised_gradient_embedding(seed, n_classes, d, n_select):
    rng = np.random.RandomState(seed)
    proba = _softmax(rng.randn(40, n_classes) * 2)
    emb = rng.randn(40, d)
    picks = badge_select(proba, emb, n_select, np.random.RandomState(seed))
    expected = _brute_badge(proba, emb, n_select, np.random.RandomState(seed))
    assert picks.tolist() == expected
    assert len(set(picks.tolist())) == n_select


def test_gradient_factors_give_the_gradient_norms():
    rng = np.random.RandomState(0)
    proba, emb = _softmax(rng.randn(10, 3)), rng.randn(10, 4)
    a, h = gradient_factors(proba, emb)
    G = (a[:, :, None] * h[:, None, :]).reshape(10, -1)
    np.testing.assert_allclose(
        (G**2).sum(axis=1), (a**2).sum(axis=1) * (h**2).sum(axis=1), rtol=1e-10
    )


def test_badge_first_pick_is_the_most_uncertain_row():
    rng = np.random.RandomState(0)
    confident = np.tile([0.99, 0.01], (50, 1))
    unsure = np.array([[0.5, 0.5]])
    proba = np.r_[confident, unsure]
    emb = rng.randn(51, 3)
    emb[-1] = emb[:-1].mean(axis=0) + 1.0  # a comparable activation norm
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    assert badge_select(proba, emb, 1, np.random.RandomState(0))[0] == 50


def test_badge_spreads_the_batch_over_directions():
    # Two groups of equally uncertain rows: a batch of two takes one of each.
    proba = np.tile([0.5, 0.5], (40, 1))
    emb = np.r_[np.tile([1.0, 0.0], (20, 1)), np.tile([0.0, 1.0], (20, 1))]
    emb += np.random.RandomState(0).randn(40, 2) * 1e-3
    for seed in range(5):
        picks = badge_select(proba, emb, 2, np.random.RandomState(seed))
        assert sorted(int(p) // 20 for p in picks) == [0, 1]


def test_badge_is_deterministic_and_fills_up_when_rows_coincide():
    proba = np.tile([0.6, 0.4], (6, 1))
    emb = np.ones((6, 2))
    a = badge_select(proba, emb, 6, np.random.RandomState(3))
    b = badge_select(proba, emb, 6, np.random.RandomState(3))
    np.testing.assert_array_equal(a, b)
    assert sorted(a.tolist()) == list(range(6))


@pytest.mark.parametrize("n_select", [0, 1])
def test_badge_small_budgets(n_select):
    proba = _softmax(np.random.RandomState(0).randn(5, 3))
    assert len(badge_select(proba, np.ones((5, 2)), n_select, np.random.RandomState(0))) == n_select
