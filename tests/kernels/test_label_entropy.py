"""The multi-label uncertainty kernel (per-label binary entropy, reduced per row by its mean
or maximum) against its numpy definition."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from svpkit.kernels import scoring
from svpkit.kernels.scoring import label_entropy

UNIT = st.floats(0, 1, allow_nan=False, allow_infinity=False)
SHAPES = st.tuples(st.integers(1, 50), st.integers(1, 8))


@pytest.fixture(autouse=True, scope="module")
def _import_torch():
    """The kernel imports torch on first use: paid once here, not inside a timed example."""
    label_entropy(np.full((1, 1), 0.5))


@st.composite
def label_probabilities(draw):
    """Independent per-label probabilities in [0, 1] (rows need not sum to one), some exact
    0 and 1 among them."""
    shape = draw(SHAPES)
    proba = draw(arrays(np.float64, shape, elements=UNIT))
    certain = draw(arrays(np.bool_, shape))
    ones = draw(arrays(np.bool_, shape))
    proba[certain] = ones[certain].astype(np.float64)
    return proba


def binary_entropy(p):
    """-p log p - (1-p) log(1-p) in nats, with 0 log 0 = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
        qlogq = np.where(p < 1, (1 - p) * np.log(1 - p), 0.0)
    return -(plogp + qlogq)


@settings(max_examples=80, deadline=None)
@given(label_probabilities())
def test_label_entropy_matches_the_numpy_definition(proba):
    per_label = binary_entropy(proba)
    mean, worst = label_entropy(proba), label_entropy(proba, reduce="max")
    assert mean.shape == worst.shape == (len(proba),)
    np.testing.assert_allclose(mean, per_label.mean(axis=1), rtol=0, atol=1e-6)
    np.testing.assert_allclose(worst, per_label.max(axis=1), rtol=0, atol=1e-6)
    assert np.isfinite(mean).all() and np.isfinite(worst).all()
    assert (worst <= np.log(2) + 1e-12).all() and (mean >= 0).all()


@settings(max_examples=60, deadline=None)
@given(label_probabilities())
def test_the_default_reduce_is_the_mean(proba):
    np.testing.assert_array_equal(label_entropy(proba), label_entropy(proba, reduce="mean"))


@settings(max_examples=60, deadline=None)
@given(SHAPES.flatmap(lambda shape: arrays(np.bool_, shape)))
def test_certain_labels_give_zero(labels):
    for values in (labels.astype(np.float64), labels.astype(np.int64)):
        for reduce in ("mean", "max"):
            np.testing.assert_array_equal(label_entropy(values, reduce=reduce), 0.0)


@settings(max_examples=80, deadline=None)
@given(label_probabilities(), st.sampled_from(["mean", "max"]))
def test_label_entropy_is_symmetric_in_p_and_one_minus_p(proba, reduce):
    np.testing.assert_allclose(
        label_entropy(1 - proba, reduce=reduce), label_entropy(proba, reduce=reduce), atol=1e-12
    )


@settings(max_examples=80, deadline=None)
@given(label_probabilities())
def test_the_maximum_is_at_least_the_mean(proba):
    assert (label_entropy(proba, reduce="max") >= label_entropy(proba) - 1e-12).all()


@settings(max_examples=80, deadline=None)
@given(label_probabilities())
def test_the_maximum_is_the_entropy_of_the_least_confident_label(proba):
    # binary entropy rises with min(p, 1 - p): max_l h(p_l) = h(max_l min(p_l, 1 - p_l))
    least_confident = np.minimum(proba, 1 - proba).max(axis=1)
    np.testing.assert_allclose(
        label_entropy(proba, reduce="max"), binary_entropy(least_confident), atol=1e-9
    )


def test_one_label_at_one_half_and_one_certain():
    proba = np.array([[0.5, 1.0], [0.9, 0.9], [0.0, 0.0]])
    h09 = -(0.9 * np.log(0.9) + 0.1 * np.log(0.1))
    np.testing.assert_allclose(label_entropy(proba), [np.log(2) / 2, h09, 0.0], atol=1e-12)
    np.testing.assert_allclose(label_entropy(proba, reduce="max"), [np.log(2), h09, 0.0])


@settings(max_examples=20, deadline=None)
@given(label_probabilities(), st.integers(1, 7), st.sampled_from(["mean", "max"]))
def test_chunked_equals_whole_matrix(proba, chunk, reduce):
    whole = label_entropy(proba, reduce=reduce)
    old = scoring._CHUNK_ROWS
    scoring._CHUNK_ROWS = chunk
    try:
        np.testing.assert_array_equal(label_entropy(proba, reduce=reduce), whole)
    finally:
        scoring._CHUNK_ROWS = old


@pytest.mark.parametrize("reduce", ["sum", "MEAN", "", None])
def test_an_unknown_reduce_is_refused(reduce):
    with pytest.raises(ValueError, match=r"reduce must be 'mean' or 'max'"):
        label_entropy(np.full((2, 3), 0.5), reduce=reduce)


def test_a_one_dimensional_input_is_refused():
    with pytest.raises(ValueError, match=r"2-D array"):
        label_entropy(np.array([0.2, 0.5]))
