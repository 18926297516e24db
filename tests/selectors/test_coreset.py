"""CoresetSelector: every row labeled and a candidate; the methods that need all labels."""

import numpy as np
from sklearn.linear_model import LogisticRegression

from svpkit import CoresetSelector, ProxySelector, available_methods


def test_minus_one_is_an_ordinary_label(digits):
    X, y = digits
    y = np.where(y == 0, -1, y)
    sel = CoresetSelector(LogisticRegression(max_iter=300), method="margin", fraction=0.2)
    sel.fit(X, y)
    assert -1 in sel.classes_ and sel.n_selected_ == 120
    assert not sel.unlabeled_mask(y).any() and ProxySelector().unlabeled_mask(y).any()


def test_all_label_methods_are_offered():
    assert CoresetSelector.all_rows_labeled and not ProxySelector.all_rows_labeled
    assert "forgetting" in available_methods(all_labeled=True)
    assert "forgetting" not in available_methods(all_labeled=False)
