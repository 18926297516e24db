"""Forgetting events: never-learned rows first; core-set only; needs a ProxyNet."""

import numpy as np
import pytest

from svpkit import CoresetSelector, ProxySelector
from tests.helpers import logreg, small_proxy


def test_forgetting_ranks_never_learned_first(digits):
    X, y = digits
    sel = CoresetSelector(
        small_proxy(), method="forgetting", fraction=0.5, class_balance=False, random_state=0
    )
    sel.fit(X, y)
    ranked = sel.scores_[sel.ranking_]
    assert np.all(np.diff(ranked[np.isfinite(ranked)]) <= 0)
    n_inf = np.isinf(sel.scores_).sum()
    assert np.isinf(ranked[:n_inf]).all()  # never-learned rows lead the ranking
    assert sel.scores_[sel.ranking_[-1]] == sel.scores_.min()


def test_transform_with_forgetting_on_unseen_pool_raises(digits):
    X, y = digits
    sel = CoresetSelector(small_proxy(), method="forgetting", fraction=0.5, random_state=0)
    sel.fit(X, y)
    with pytest.raises(ValueError, match="forgetting.*not passed to fit"):
        sel.transform(X[:100])


def test_forgetting_is_coreset_only(digits):
    X, y = digits
    with pytest.raises(ValueError, match="needs every row labeled: use CoresetSelector"):
        ProxySelector(method="forgetting").fit(X, y)


def test_forgetting_needs_a_proxynet(digits):
    X, y = digits
    with pytest.raises(ValueError, match="ProxyNet"):
        CoresetSelector(logreg(), method="forgetting").fit(X, y)
