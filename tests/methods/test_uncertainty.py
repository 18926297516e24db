"""Uncertainty methods: selections equal the top-k of the scoring kernel, most uncertain first."""

import numpy as np
import pytest

from svpkit import CoresetSelector
from tests.helpers import KERNELS, logreg


@pytest.mark.parametrize("method", list(KERNELS))
def test_uncertainty_selection_equals_top_k_of_the_kernel(digits, method):
    X, y = digits
    sel = CoresetSelector(
        logreg(), method=method, fraction=0.25, class_balance=False, random_state=0
    ).fit(X, y)
    scores = KERNELS[method](sel.proxy_.predict_proba(X.astype(np.float32)))
    np.testing.assert_allclose(sel.scores_, scores)
    expected = np.sort(np.argsort(-scores, kind="stable")[: sel.n_selected_])
    np.testing.assert_array_equal(sel.sample_indices_, expected)
    # the ranking is in the right direction: most uncertain first
    assert np.all(np.diff(sel.scores_[sel.ranking_]) <= 0)
    assert sel.n_selected_ == int(np.ceil(0.25 * len(X)))
