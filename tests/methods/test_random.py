"""Uniform random selection: seeded and uniform."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from svpkit import CoresetSelector, make_default_proxy
from svpkit.kernels.scoring import entropy, least_confidence, margin

KERNELS = {"least_confidence": least_confidence, "entropy": entropy, "margin": margin}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0)[:600], y[:600]


def small_proxy(**params):
    return make_default_proxy(max_epochs=3, module__hidden_units=(32,), **params)


def logreg():
    return LogisticRegression(max_iter=300)


def test_random_is_uniform_and_seeded(digits):
    X, y = digits
    a = CoresetSelector(method="random", fraction=0.5, random_state=1).fit(X, y)
    b = CoresetSelector(method="random", fraction=0.5, random_state=1).fit(X, y)
    c = CoresetSelector(method="random", fraction=0.5, random_state=2).fit(X, y)
    np.testing.assert_array_equal(a.sample_indices_, b.sample_indices_)
    assert not np.array_equal(a.sample_indices_, c.sample_indices_)
    assert a.proxy_ is None
