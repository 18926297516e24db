"""Selectors: selections against references, active-learning semantics, outputs, errors."""

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


def test_class_balance_keeps_the_same_share_of_every_class(digits):
    X, y = digits
    for method in ["margin", "kcenters", "random"]:
        sel = CoresetSelector(
            logreg(), method=method, fraction=0.2, class_balance=True, random_state=0
        ).fit(X, y)
        counts = np.bincount(y[sel.sample_indices_], minlength=10)
        np.testing.assert_array_equal(counts, np.ceil(0.2 * np.bincount(y)).astype(int))
    # an int count is split in proportion to class sizes
    sel.set_params(fraction=100).fit(X, y)
    assert sel.n_selected_ == 100
    assert np.abs(np.bincount(y[sel.sample_indices_]) - 100 * np.bincount(y) / len(y)).max() < 1


def test_class_balance_within_class_is_the_class_top_k(digits):
    X, y = digits
    sel = CoresetSelector(
        logreg(), method="entropy", fraction=0.3, class_balance=True, random_state=0
    ).fit(X, y)
    for c in range(10):
        members = np.flatnonzero(y == c)
        k = int(np.ceil(0.3 * len(members)))
        top = members[np.argsort(-sel.scores_[members], kind="stable")[:k]]
        assert set(top) == set(sel.sample_indices_) & set(members)


def test_class_balanced_transform_on_a_new_pool_balances_predicted_classes(digits):
    X, y = digits
    X_new = load_digits().data[600:900] / 16.0
    sel = CoresetSelector(
        logreg(), method="margin", fraction=0.2, class_balance=True, random_state=0
    ).fit(X, y)
    out = sel.transform(X_new)
    predicted = sel.proxy_.predict(X_new.astype(np.float32))
    expected = np.ceil(0.2 * np.bincount(predicted, minlength=10)).astype(int)
    rows = [np.flatnonzero((X_new == r).all(axis=1))[0] for r in out]
    np.testing.assert_array_equal(np.bincount(predicted[rows], minlength=10), expected)
    with pytest.raises(ValueError, match="fit_resample"):
        CoresetSelector(method="random", class_balance=True).fit(X, y).transform(X_new)
