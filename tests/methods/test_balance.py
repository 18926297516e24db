"""Class balance: one wrapper, the same share in every class, for every method and selector."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from svpkit import CoresetSelector, ProxySelector
from svpkit._validation import rows_for_share
from svpkit.kernels.scoring import least_confidence
from svpkit.methods.balance import allocate
from tests.helpers import logreg


def test_class_balance_keeps_the_same_share_of_every_class(digits):
    X, y = digits
    for method in ["margin", "kcenters", "random"]:
        sel = CoresetSelector(
            logreg(), method=method, fraction=0.2, class_balance=True, random_state=0
        ).fit(X, y)
        counts = np.bincount(y[sel.sample_indices_], minlength=10)
        # as many rows as without balance, split in proportion to the class sizes
        assert sel.n_selected_ == rows_for_share(0.2, len(y))
        np.testing.assert_array_equal(counts, allocate(rows_for_share(0.2, len(y)), np.bincount(y)))
    # an int count is split in proportion to class sizes
    sel.set_params(fraction=None, n_select=100).fit(X, y)
    assert sel.n_selected_ == 100
    assert np.abs(np.bincount(y[sel.sample_indices_]) - 100 * np.bincount(y) / len(y)).max() < 1


def test_class_balance_within_class_is_the_class_top_k(digits):
    X, y = digits
    sel = CoresetSelector(
        logreg(), method="entropy", fraction=0.3, class_balance=True, random_state=0
    ).fit(X, y)
    quotas = allocate(rows_for_share(0.3, len(y)), np.bincount(y))
    for c in range(10):
        members = np.flatnonzero(y == c)
        k = quotas[c]
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
    expected = allocate(rows_for_share(0.2, len(X_new)), np.bincount(predicted, minlength=10))
    rows = [np.flatnonzero((X_new == r).all(axis=1))[0] for r in out]
    np.testing.assert_array_equal(np.bincount(predicted[rows], minlength=10), expected)
    with pytest.raises(ValueError, match="fit_resample"):
        CoresetSelector(method="random", class_balance=True).fit(X, y).transform(X_new)


def test_proxy_selector_balances_labeled_classes_like_the_coreset_selector(digits):
    X, y = digits
    for method in ["entropy", "kcenters", "random"]:
        options = dict(method=method, fraction=0.25, class_balance=True, random_state=0)
        core = CoresetSelector(logreg(), **options).fit(X, y)
        proxy = ProxySelector(logreg(), **options).fit(X, y)  # no missing labels: all candidates
        np.testing.assert_array_equal(proxy.sample_indices_, core.sample_indices_)


def test_proxy_selector_balances_unlabeled_rows_by_predicted_class(digits):
    X, y = digits
    y_partial = np.where(np.arange(len(y)) < 200, y, -1)
    sel = ProxySelector(
        logreg(), method="least_confidence", fraction=0.1, class_balance=True, random_state=0
    ).fit(X, y_partial)
    unlabeled = np.flatnonzero(y_partial == -1)
    predicted = sel.proxy_.predict(X[unlabeled])  # encoded classes: the proxy trained on codes
    picked = np.isin(unlabeled, sel.sample_indices_)
    # Each predicted class keeps its share (10%, split by largest remainder) of its rows, and
    # they are its most uncertain rows.
    scores = least_confidence(sel.proxy_.predict_proba(X[unlabeled]))
    present, sizes = np.unique(predicted, return_counts=True)
    quotas = allocate(rows_for_share(0.1, len(unlabeled)), sizes)
    quotas = dict(zip(present, quotas, strict=True))
    for cls in present:
        members = predicted == cls
        k = quotas[cls]
        assert picked[members].sum() == k
        top = np.sort(unlabeled[members][np.argsort(-scores[members], kind="stable")[:k]])
        np.testing.assert_array_equal(np.sort(unlabeled[members & picked]), top)


def test_balanced_kcenters_uses_each_class_labeled_rows_as_its_existing_centers(digits):
    X, y = digits
    y_partial = np.where(np.arange(len(y)) < 300, y, -1)
    sel = ProxySelector(
        logreg(), method="kcenters", n_select=30, class_balance=True, random_state=0
    ).fit(X, y_partial)
    unlabeled = np.flatnonzero(y_partial == -1)
    predicted = dict(zip(unlabeled, sel.proxy_.predict(X[unlabeled]), strict=True))
    first_of = {}
    for row in sel.ranking_:
        first_of.setdefault(predicted[row], row)
    for cls, row in first_of.items():
        # The first pick of a class is its candidate farthest from that class's labeled rows.
        members = [r for r, c in predicted.items() if c == cls]
        centers = X[np.flatnonzero(y_partial == cls)]
        far = [np.sqrt(((X[m] - centers) ** 2).sum(1)).min() for m in members]
        assert row == members[int(np.argmax(far))]


def test_allocate_splits_a_count_by_class_size():
    counts = allocate(50, np.array([100, 30, 30, 2]))
    assert counts.sum() == 50 and counts.tolist() == [31, 9, 9, 1]
    assert allocate(3, np.array([1, 1, 10])).tolist() == [0, 0, 3]
