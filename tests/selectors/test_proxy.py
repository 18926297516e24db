"""ProxySelector: active-learning semantics (candidates are the unlabeled rows) and its errors."""

import numpy as np
import pytest
from sklearn.base import clone

from svpkit import CoresetSelector, ProxySelector
from svpkit.kernels.scoring import entropy
from tests.helpers import logreg


def test_active_learning_selects_only_unlabeled_rows(digits):
    X, y = digits
    rng = np.random.RandomState(0)
    y_partial = np.where(rng.rand(len(y)) < 0.3, y, -1)
    unlabeled = np.flatnonzero(y_partial == -1)
    q = ProxySelector(logreg(), method="entropy", n_select=40, random_state=0).fit(X, y_partial)
    assert q.n_selected_ == 40
    assert set(q.sample_indices_) <= set(unlabeled)
    assert np.isnan(q.scores_[y_partial != -1]).all()
    # the proxy was trained on the labeled rows only
    ref = clone(logreg()).fit(X[y_partial != -1].astype(np.float32), y[y_partial != -1])
    ref_scores = entropy(ref.predict_proba(X[unlabeled].astype(np.float32)))
    np.testing.assert_allclose(q.scores_[unlabeled], ref_scores, rtol=1e-6)
    top = unlabeled[np.argsort(-ref_scores, kind="stable")[:40]]
    np.testing.assert_array_equal(q.sample_indices_, np.sort(top))
    # a float fraction is a share of the unlabeled rows
    q.set_params(fraction=0.1, n_select=None).fit(X, y_partial)
    assert q.n_selected_ == int(np.ceil(0.1 * len(unlabeled)))


def test_int_count_larger_than_pool_or_unlabeled(digits):
    X, y = digits
    with pytest.raises(ValueError, match="n_select=601 asks for more rows than the 600 rows"):
        CoresetSelector(logreg(), n_select=601).fit(X, y)
    y_partial = y.copy()
    y_partial[:20] = -1
    with pytest.raises(ValueError, match="than the 20 unlabeled rows; pass at most 20"):
        ProxySelector(logreg(), n_select=21).fit(X, y_partial)


def test_single_class(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="only 1 class.*at least 2 classes"):
        CoresetSelector(logreg()).fit(X, np.zeros(len(X), dtype=int))


def test_no_labeled_rows_names_the_methods_that_work(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="method='auto' or method='kcenters'") as info:
        ProxySelector(logreg(), method="entropy").fit(X, np.full(len(X), -1))
    for name in ("typiclust", "probcover", "maxherding", "random"):
        assert f"method={name!r}" in str(info.value)
    assert "method='entropy'" not in str(info.value).split("start with")[1]
