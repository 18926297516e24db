"""Samplers: CCS and DUAL's Beta sampling, composed with any score and with class balance."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils._param_validation import InvalidParameterError

from svpkit import CoresetSelector
from svpkit.methods import CCSSampler, PoolOutputs, RankContext
from svpkit.methods.samplers import _strata_budgets, ccs_beta
from tests.helpers import logreg, small_proxy


def _ctx(n, n_select, seed=0):
    return RankContext(
        outputs=PoolOutputs(),
        candidates=np.arange(100, 100 + n),
        existing=np.empty(0, dtype=np.int64),
        y=np.zeros(100 + n, dtype=np.int64),
        classes=np.array([0]),
        n_select=n_select,
        rng=np.random.RandomState(seed),
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=20), st.integers(0, 300))
def test_strata_budgets_spend_the_budget_smallest_first(counts, budget):
    counts = np.array(counts)
    budget = min(budget, int(counts.sum()))
    got = _strata_budgets(counts, budget)
    assert (got <= counts).all() and got.sum() <= budget
    # brute force: water-filling gives every stratum min(count, level)
    level = 0
    while np.minimum(counts, level + 1).sum() <= budget and level < counts.max():
        level += 1
    assert (got >= np.minimum(counts, level)).all()
    assert got.sum() >= budget - len(counts)


@settings(max_examples=40, deadline=None)
@given(st.integers(10, 400), st.floats(0.01, 1.0), st.integers(0, 5))
def test_ccs_keeps_exactly_the_budget_and_drops_the_hardest(n, share, seed):
    scores = np.random.RandomState(seed).rand(n)
    k = max(1, int(share * n))
    ctx = _ctx(n, k, seed)
    kept = CCSSampler().sample(ctx, scores)
    assert len(kept) == k == len(np.unique(kept))
    assert np.isin(kept, ctx.candidates).all()
    n_drop = min(int(ccs_beta(k / n) * n), n - k)
    hardest = ctx.candidates[np.argsort(-scores)[:n_drop]]
    assert not np.isin(kept, hardest).any()


def test_ccs_covers_the_score_range_where_top_k_does_not():
    scores = np.linspace(0, 1, 1000)
    kept = CCSSampler(beta=0.0, n_strata=10).sample(_ctx(1000, 100), scores)
    strata = np.minimum((scores[kept - 100] * 10).astype(int), 9)
    assert np.bincount(strata, minlength=10).tolist() == [10] * 10


def test_ccs_beta_follows_the_paper_table():
    assert ccs_beta(0.9) == 0.0 and ccs_beta(0.5) == 0.0
    assert ccs_beta(0.3) == pytest.approx(0.1) and ccs_beta(0.1) == pytest.approx(0.3)


def test_samplers_through_the_selector_balance_and_determinism(digits):
    X, y = digits
    for sampler in ["ccs", "beta"]:

        def make(sampler=sampler):
            return CoresetSelector(
                small_proxy(), method="dual", sampler=sampler, fraction=0.2, random_state=0
            )

        a, b = make().fit(X, y), make().fit(X, y)
        np.testing.assert_array_equal(a.sample_indices_, b.sample_indices_)
        assert a.n_selected_ == 120
        counts = np.bincount(y[a.sample_indices_], minlength=10)
        assert counts.min() >= 11 and counts.max() <= 13  # class balanced by default
        # the sampled rows lead the ranking
        np.testing.assert_array_equal(np.sort(a.ranking_[:120]), a.sample_indices_)


def test_ccs_on_uncertainty_keeps_easy_rows_too(digits):
    X, y = digits
    top = CoresetSelector(logreg(), method="least_confidence", fraction=0.1, random_state=0)
    ccs = CoresetSelector(
        logreg(), method="least_confidence", sampler="ccs", fraction=0.1, random_state=0
    )
    s_top = top.fit(X, y).scores_[top.sample_indices_]
    s_ccs = ccs.fit(X, y).scores_[ccs.sample_indices_]
    assert s_ccs.min() < s_top.min()  # reaches into the easy end of the range


def test_sampler_errors(digits):
    X, y = digits
    with pytest.raises(InvalidParameterError, match="sampler='nope'"):
        CoresetSelector(method="random", sampler="nope").fit(X, y)
    with pytest.raises(ValueError, match="does not score every candidate"):
        CoresetSelector(logreg(), method="kcenters", sampler="ccs", fraction=0.2).fit(X, y)
    with pytest.raises(ValueError, match=r"'beta' parameter of CCSSampler .* range \[0\.0, 1\.0\)"):
        CoresetSelector(logreg(), method="margin", sampler=CCSSampler(beta=2.0)).fit(X, y)


def test_sampler_is_a_grid_searchable_parameter():
    sel = CoresetSelector(sampler=CCSSampler(beta=0.1))
    assert sel.get_params()["sampler__beta"] == 0.1
    assert sel.set_params(sampler__n_strata=5).sampler.n_strata == 5


@pytest.mark.parametrize("params", [{"beta": "high"}, {"n_strata": 0}, {"n_strata": True}])
def test_ccs_parameters_get_one_error_type(params):
    with pytest.raises(
        InvalidParameterError, match=f"'{next(iter(params))}' parameter of CCSSampler"
    ):
        CCSSampler(**params).sample(_ctx(1000, 100), np.arange(1000.0))
