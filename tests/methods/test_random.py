"""Uniform random selection: seeded, and uniform over the pool and inside every class.

The uniformity tests fit the selector under many fixed seeds and compare the selection
frequencies with their exact distributions under uniform sampling without replacement. The
seeds are fixed, so each test is deterministic; the bounds are set so that a truly uniform
sampler drawn with a fresh seed set would fail them with the probability stated beside each.
"""

from fractions import Fraction

import numpy as np
from scipy import stats

from svpkit import CoresetSelector

#: Seeds per uniformity test (about 2 ms per fit).
N_SEEDS = 800
#: Family-wise false-failure probability of the per-row binomial bounds (all rows together).
ROW_ALPHA = 1e-6
#: False-failure probability of the chi-square test on the split between the two halves.
SPLIT_ALPHA = 1e-4


def _pool(class_sizes):
    """Rows in class blocks with random features (the features do not matter to random)."""
    y = np.repeat(np.arange(len(class_sizes)), class_sizes)
    X = np.random.RandomState(0).randn(len(y), 3)
    return X, y


def _selection_counts(X, y, fraction, class_balance):
    """How often each row is selected over ``N_SEEDS`` seeds, and each seed's selection."""
    counts = np.zeros(len(y), dtype=np.int64)
    selections = []
    for seed in range(N_SEEDS):
        sel = CoresetSelector(
            method="random", fraction=fraction, class_balance=class_balance, random_state=seed
        ).fit(X, y)
        counts[sel.sample_indices_] += 1
        selections.append(np.sort(sel.sample_indices_))
    return counts, selections


def _binomial_bounds(p, n_rows):
    """Two-sided bounds on Binomial(N_SEEDS, p) that all ``n_rows`` counts stay inside with
    probability at least ``1 - ROW_ALPHA`` (Bonferroni over rows and both tails)."""
    tail = ROW_ALPHA / (2 * n_rows)
    return stats.binom.ppf(tail, N_SEEDS, p), stats.binom.isf(tail, N_SEEDS, p)


def _largest_remainder(total, sizes):
    """``total`` split over classes in proportion to ``sizes``: floors, then one more row to
    the classes with the largest remainders (exact fractions; ties to the lower class)."""
    exact = [Fraction(total * s, sum(sizes)) for s in sizes]
    quotas = [int(e) for e in exact]
    by_remainder = sorted(range(len(sizes)), key=lambda c: (-(exact[c] - quotas[c]), c))
    for c in by_remainder[: total - sum(quotas)]:
        quotas[c] += 1
    return quotas


def test_random_is_seeded():
    X, y = _pool([20, 20])
    a = CoresetSelector(method="random", fraction=0.5, random_state=1).fit(X, y)
    b = CoresetSelector(method="random", fraction=0.5, random_state=1).fit(X, y)
    c = CoresetSelector(method="random", fraction=0.5, random_state=2).fit(X, y)
    np.testing.assert_array_equal(a.sample_indices_, b.sample_indices_)
    assert not np.array_equal(a.sample_indices_, c.sample_indices_)
    assert a.proxy_ is None


def test_random_selects_every_row_equally_often_and_every_subset_alike():
    X, y = _pool([13, 27])  # 40 rows; unbalanced classes that class_balance=False ignores
    n, k = len(y), 10  # fraction 0.25 keeps exactly 10
    counts, selections = _selection_counts(X, y, 0.25, class_balance=False)
    assert all(len(s) == k for s in selections)
    # 1. Each row is kept in a Binomial(N_SEEDS, k / n) number of seeds (800 x 0.25 = 200 on
    # average; the bounds are about 200 +- 70). A sampler that favours rows by position or
    # class (a biased tie-break, a quota taken from the wrong class) leaves them.
    low, high = _binomial_bounds(k / n, n)
    assert low <= counts.min() and counts.max() <= high, (counts.min(), counts.max())
    # 2. Uniform marginals are not enough (a random start and a fixed stride has them too):
    # under uniform subsets, the number of kept rows among the first half is hypergeometric.
    # Chi-square goodness of fit on its distribution over the seeds, tail bins merged so that
    # every expected count is at least 5.
    in_first_half = np.array([(s < n // 2).sum() for s in selections])
    support = np.arange(k + 1)
    pmf = stats.hypergeom.pmf(support, n, n // 2, k)
    observed = np.bincount(in_first_half, minlength=k + 1)
    expected = pmf * N_SEEDS
    lo, hi = np.flatnonzero(expected >= 5)[[0, -1]]
    obs = np.r_[observed[: lo + 1].sum(), observed[lo + 1 : hi], observed[hi:].sum()]
    exp = np.r_[expected[: lo + 1].sum(), expected[lo + 1 : hi], expected[hi:].sum()]
    p_value = stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue
    assert p_value > SPLIT_ALPHA, (p_value, obs.tolist(), exp.round(1).tolist())


def test_class_balanced_random_is_uniform_inside_every_class():
    sizes = [7, 13, 20]  # 40 rows; 25% is 10 rows, 1.75 / 3.25 / 5 exactly
    X, y = _pool(sizes)
    quotas = _largest_remainder(10, sizes)
    assert quotas == [2, 3, 5]  # the reference itself, on a case worked by hand
    counts, selections = _selection_counts(X, y, 0.25, class_balance=True)
    for s in selections:  # every seed keeps exactly each class's quota
        assert np.bincount(y[s], minlength=len(sizes)).tolist() == quotas
    for c, (size, quota) in enumerate(zip(sizes, quotas, strict=True)):
        # Inside class c each row is kept in Binomial(N_SEEDS, quota / size) seeds.
        low, high = _binomial_bounds(quota / size, len(y))
        members = counts[y == c]
        assert low <= members.min() and members.max() <= high, (c, members.tolist())
