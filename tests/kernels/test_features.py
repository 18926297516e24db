"""The pool's own features: a seeded PCA sample and the reducer fitted on it."""

import numpy as np
import pytest

from svpkit.kernels import features
from svpkit.kernels.features import feature_fit_rows, fit_reducer


def test_the_fit_rows_are_a_seeded_sorted_sample_without_repeats():
    n = features.FEATURE_FIT_ROWS * 3
    rows = feature_fit_rows(n)
    assert len(rows) == features.FEATURE_FIT_ROWS == len(np.unique(rows))
    assert (np.diff(rows) > 0).all() and rows.max() < n
    np.testing.assert_array_equal(rows, feature_fit_rows(n))  # the same every time
    np.testing.assert_array_equal(rows, feature_fit_rows(n, random_state=0))
    assert not np.array_equal(rows, feature_fit_rows(n, random_state=1))


@pytest.mark.parametrize(
    ("n_rows", "n_dims"), [(40, 5), (5, 40)], ids=["as_many_dims", "as_many_rows"]
)
def test_no_more_dimensions_or_rows_than_components_only_centres(n_rows, n_dims):
    """At n_components dimensions (or sample rows) or fewer, a PCA would only rotate (or
    cannot fit): the rows are centred, not projected."""
    rng = np.random.RandomState(0)
    sample = rng.randn(n_rows, n_dims) * 3 + 1
    reduce = fit_reducer(sample, n_components=5)
    X = rng.randn(7, n_dims)
    np.testing.assert_allclose(reduce(X), X - sample.mean(axis=0), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("n_dims", [3, 30], ids=["centred", "projected"])
def test_the_reduced_rows_are_float32_whatever_the_input(n_dims):
    rng = np.random.RandomState(0)
    reduce = fit_reducer(rng.randn(100, n_dims), n_components=5)  # float64 sample
    assert reduce(rng.randn(4, n_dims)).dtype == np.float32  # float64 chunk


def test_the_default_seed_is_zero():
    rng = np.random.RandomState(1)
    sample, X = rng.randn(300, 40), rng.randn(10, 40)
    np.testing.assert_array_equal(
        fit_reducer(sample, n_components=5)(X), fit_reducer(sample, 5, random_state=0)(X)
    )
