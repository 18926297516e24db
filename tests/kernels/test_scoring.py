"""Uncertainty and forgetting kernels against their definitions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from svpkit.kernels import scoring
from svpkit.kernels.scoring import (
    ForgettingCounter,
    entropy,
    forgetting_scores,
    least_confidence,
    margin,
)


@st.composite
def probabilities(draw):
    n = draw(st.integers(1, 40))
    c = draw(st.integers(1, 12))
    raw = draw(
        arrays(np.float64, (n, c), elements=st.floats(0, 1, allow_nan=False, allow_infinity=False))
    )
    # Some exact zeros and one-hot rows on purpose: entropy must not produce NaN there.
    raw[:, 0] += 1e-12
    return raw / raw.sum(axis=1, keepdims=True)


def _reference(proba):
    sorted_p = np.sort(proba, axis=1)[:, ::-1]
    second = sorted_p[:, 1] if proba.shape[1] > 1 else np.zeros(len(proba))
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(proba > 0, proba * np.log(proba), 0.0)
    return 1 - sorted_p[:, 0], 1 - (sorted_p[:, 0] - second), -plogp.sum(axis=1)


@settings(max_examples=60, deadline=None)
@given(probabilities())
def test_kernels_match_definitions(proba):
    lc, mg, ent = _reference(proba)
    np.testing.assert_allclose(least_confidence(proba), lc, atol=1e-12)
    np.testing.assert_allclose(margin(proba), mg, atol=1e-12)
    np.testing.assert_allclose(entropy(proba), ent, atol=1e-12)
    c = proba.shape[1]
    assert np.all(entropy(proba) <= np.log(c) + 1e-9)
    assert np.all(least_confidence(proba) <= 1 - 1 / c + 1e-9)


@settings(max_examples=20, deadline=None)
@given(probabilities(), st.integers(1, 7))
def test_chunked_kernels_equal_whole_matrix(proba, chunk):
    kernels = (least_confidence, margin, entropy)
    whole = [k(proba) for k in kernels]
    old = scoring._CHUNK_ROWS
    scoring._CHUNK_ROWS = chunk
    try:
        for kernel, expected in zip(kernels, whole, strict=True):
            np.testing.assert_array_equal(kernel(proba), expected)
    finally:
        scoring._CHUNK_ROWS = old


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_kernels_take_any_layout_without_copying_the_pool(dtype, tmp_path, recwarn):
    rng = np.random.default_rng(0)
    proba = rng.random((50, 7))
    proba /= proba.sum(axis=1, keepdims=True)
    expected = [k(proba) for k in (least_confidence, margin, entropy)]
    path = tmp_path / "proba.dat"
    proba.astype(dtype).tofile(path)
    read_only = np.memmap(path, dtype=dtype, mode="r", shape=proba.shape)
    tol = {np.float16: 5e-3, np.float32: 1e-6, np.float64: 1e-12}[dtype]
    for layout in (read_only, np.asfortranarray(read_only), read_only[::-1][::-1]):
        for kernel, ref in zip((least_confidence, margin, entropy), expected, strict=True):
            out = kernel(layout)
            assert out.dtype == dtype
            np.testing.assert_allclose(out.astype(float), ref, atol=tol, rtol=tol)
    assert not [w for w in recwarn if "writable" in str(w.message)]


def test_most_uncertain_ranks_first():
    proba = np.array([[0.98, 0.01, 0.01], [0.34, 0.33, 0.33], [0.6, 0.4, 0.0]])
    for kernel in (least_confidence, margin, entropy):
        assert np.argmax(kernel(proba)) == 1, kernel.__name__
        assert np.argmin(kernel(proba)) == 0, kernel.__name__


def test_entropy_zero_probability_is_not_nan():
    out = entropy(np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]], dtype=np.float32))
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, [0.0, np.log(2)], rtol=1e-6)


def test_kernel_rejects_non_matrix():
    with pytest.raises(ValueError, match="2-D"):
        entropy(np.ones(3))


def _forgetting_reference(history):
    history = np.asarray(history, dtype=bool)
    events = (history[:-1] & ~history[1:]).sum(axis=0)
    return np.where(history.any(axis=0), events.astype(float), np.inf)


@settings(max_examples=80, deadline=None)
@given(arrays(bool, st.tuples(st.integers(1, 12), st.integers(1, 15))))
def test_forgetting_scores_match_definition(history):
    np.testing.assert_array_equal(forgetting_scores(history), _forgetting_reference(history))


def test_forgetting_order_unlearned_then_forgettable_then_unforgettable():
    history = np.array(
        [
            # ex0 never learned, ex1 forgotten twice, ex2 forgotten once, ex3 learned for good
            [0, 1, 1, 0],
            [0, 0, 0, 1],
            [0, 1, 1, 1],
            [0, 0, 1, 1],
        ],
        dtype=bool,
    )
    scores = forgetting_scores(history)
    assert list(np.argsort(-scores, kind="stable")) == [0, 1, 2, 3]
    assert scores[0] == np.inf and scores[3] == 0


def test_forgetting_counter_partial_presentations():
    # Mini-batches present subsets; the first presentation can never be a forgetting event.
    c = ForgettingCounter(3)
    c.update([0], [True])
    c.update([1, 0], [False, False])
    c.update([2], [True])
    np.testing.assert_array_equal(c.counts_, [1, 0, 0])
    np.testing.assert_array_equal(c.scores(), [1.0, np.inf, 0.0])


def test_forgetting_scores_refuse_a_history_that_is_not_2d():
    from svpkit.kernels.scoring import forgetting_scores

    message = r"correct_history must be 2-D, shape \(n_presentations, n_samples\); got shape \(3,\)"
    with pytest.raises(ValueError, match=message):
        forgetting_scores([1, 0, 1])
