"""Uncertainty methods: selections equal the top-k of the scoring kernel, most uncertain first."""

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


@pytest.mark.parametrize("method", list(KERNELS))
def test_uncertainty_selection_equals_top_k_of_the_kernel(digits, method):
    X, y = digits
    sel = CoresetSelector(logreg(), method=method, fraction=0.25, random_state=0).fit(X, y)
    scores = KERNELS[method](sel.proxy_.predict_proba(X.astype(np.float32)))
    np.testing.assert_allclose(sel.scores_, scores)
    expected = np.sort(np.argsort(-scores, kind="stable")[: sel.n_selected_])
    np.testing.assert_array_equal(sel.sample_indices_, expected)
    # the ranking is in the right direction: most uncertain first
    assert np.all(np.diff(sel.scores_[sel.ranking_]) <= 0)
    assert sel.n_selected_ == int(np.ceil(0.25 * len(X)))
