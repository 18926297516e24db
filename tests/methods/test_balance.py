"""Class balance: one wrapper, the same share in every class, for every method and selector.

The class counts are checked against a largest-remainder split computed here from the labels
alone, and the rows kept inside a class against a ranking computed here from a proxy fitted
here: never against the selector's own allocation or scores.
"""

from fractions import Fraction

import numpy as np
import pytest
from sklearn.datasets import load_digits

from svpkit import CoresetSelector, ProxySelector
from svpkit.methods.balance import allocate
from tests.helpers import logreg


def _largest_remainder(total, sizes):
    """``total`` rows split over classes in proportion to ``sizes``: every class its floor,
    then one more row to the classes with the largest remainders (exact fractions; ties to
    the lower class)."""
    sizes = [int(s) for s in sizes]
    exact = [Fraction(total * s, sum(sizes)) for s in sizes]
    quotas = [int(e) for e in exact]
    by_remainder = sorted(range(len(sizes)), key=lambda c: (-(exact[c] - quotas[c]), c))
    for c in by_remainder[: total - sum(quotas)]:
        quotas[c] += 1
    return np.array(quotas)


def _entropy(proba):
    """Predictive entropy in nats, 0 log 0 = 0 (the reference for method='entropy')."""
    logs = np.log(np.where(proba > 0, proba, 1.0))
    return -(proba * logs).sum(axis=1)


def _reference_proba(X, y, X_eval=None):
    """The selector's proxy (logreg) fitted here on the pool as selectors read it (float32)."""
    X32 = np.asarray(X, dtype=np.float32)
    model = logreg().fit(X32, y)
    return model.predict_proba(X32 if X_eval is None else np.asarray(X_eval, np.float32))


def test_the_reference_split_on_cases_worked_by_hand():
    assert _largest_remainder(10, [7, 13, 20]).tolist() == [2, 3, 5]  # 1.75, 3.25, 5
    assert _largest_remainder(50, [100, 30, 30, 2]).tolist() == [31, 9, 9, 1]
    assert _largest_remainder(5, [1, 1, 1, 1, 1]).tolist() == [1, 1, 1, 1, 1]


def test_class_balance_keeps_the_same_share_of_every_class(digits):
    X, y = digits
    sizes = np.bincount(y)  # 57 to 63 rows per class
    # 20% of 600 rows is 120, as without balance, split in proportion to the class sizes:
    # 12.6, 12, 12.2, 12.4, 11.4, 12.2, 12, 11.8, 11.6, 11.8 -> floors (116) + 4 remainders
    expected = _largest_remainder(120, sizes)
    assert expected.tolist() == [13, 12, 12, 12, 11, 12, 12, 12, 12, 12]
    for method in ["margin", "kcenters", "random"]:
        sel = CoresetSelector(
            logreg(), method=method, fraction=0.2, class_balance=True, random_state=0
        ).fit(X, y)
        assert sel.n_selected_ == 120 and len(np.unique(sel.sample_indices_)) == 120
        counts = np.bincount(y[sel.sample_indices_], minlength=10)
        np.testing.assert_array_equal(counts, expected, err_msg=method)
    # an int count is split the same way
    sel.set_params(fraction=None, n_select=100).fit(X, y)
    assert sel.n_selected_ == 100
    counts = np.bincount(y[sel.sample_indices_], minlength=10)
    np.testing.assert_array_equal(counts, _largest_remainder(100, sizes))


def test_class_balance_within_class_is_the_class_top_k(digits):
    X, y = digits
    sel = CoresetSelector(
        logreg(), method="entropy", fraction=0.3, class_balance=True, random_state=0
    ).fit(X, y)
    entropy = _entropy(_reference_proba(X, y))
    quotas = _largest_remainder(180, np.bincount(y))  # 30% of 600
    kept = np.zeros(len(y), dtype=bool)
    kept[sel.sample_indices_] = True
    for c in range(10):
        members = y == c
        assert kept[members].sum() == quotas[c]
        # Every kept row of the class is at least as uncertain as every row of the class left
        # out (up to float32 noise between this reference and the selector's proxy).
        assert entropy[members & kept].min() >= entropy[members & ~kept].max() - 1e-5, c
    # The other classes' rows do not decide: a global top-180 would not keep these counts.
    global_top = np.argsort(-entropy, kind="stable")[:180]
    assert not np.array_equal(np.bincount(y[global_top], minlength=10), quotas)


def test_class_balanced_transform_on_a_new_pool_balances_predicted_classes(digits):
    X, y = digits
    X_new = load_digits().data[600:900] / 16.0
    sel = CoresetSelector(
        logreg(), method="margin", fraction=0.2, class_balance=True, random_state=0
    ).fit(X, y)
    out = sel.transform(X_new)
    predicted = _reference_proba(X, y, X_new).argmax(axis=1)
    expected = _largest_remainder(60, np.bincount(predicted, minlength=10))  # 20% of 300
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
    # The reference proxy trains on the 200 labeled rows (all ten digits: codes are labels).
    proba = _reference_proba(X[:200], y[:200], X[unlabeled])
    predicted, uncertainty = proba.argmax(axis=1), 1.0 - proba.max(axis=1)
    picked = np.isin(unlabeled, sel.sample_indices_)
    # Each predicted class keeps its share (10% of 400 rows: 40, split by largest remainder)
    # of its rows, and they are its most uncertain rows.
    quotas = _largest_remainder(40, np.bincount(predicted, minlength=10))
    assert picked.sum() == 40
    for cls in range(10):
        members = predicted == cls
        assert picked[members].sum() == quotas[cls], cls
        if 0 < quotas[cls] < members.sum():
            low = uncertainty[members & picked].min()
            assert low >= uncertainty[members & ~picked].max() - 1e-5, cls


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
