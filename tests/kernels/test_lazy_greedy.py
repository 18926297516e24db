"""The lazy greedy helper makes exactly the picks of the plain greedy loop."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from svpkit.kernels.lazy_greedy import lazy_greedy


def _coverage(sets, weights):
    """A weighted coverage function (monotone submodular: gains only shrink) and its update."""
    covered = np.zeros(len(weights), dtype=bool)

    def gain(i):
        return float(weights[sets[i]][~covered[sets[i]]].sum())

    def on_pick(i, _):
        covered[sets[i]] = True

    return gain, on_pick


def _brute_greedy(sets, weights, items, n_select, ties, stop_at=None):
    """Every remaining item's gain at every step; the largest, ties to the lowest rank."""
    gain, on_pick = _coverage(sets, weights)
    left, picks, gains = list(items), [], []
    while left and len(picks) < n_select:
        best = min(left, key=lambda i: (-gain(i), ties[i]))
        g = gain(best)
        if stop_at is not None and g <= stop_at:
            break
        picks.append(best)
        gains.append(g)
        on_pick(best, g)
        left.remove(best)
    return picks, gains


@st.composite
def _instances(draw):
    n_elements = draw(st.integers(1, 12))
    n_sets = draw(st.integers(1, 10))
    sets = [
        np.array(draw(st.lists(st.integers(0, n_elements - 1), max_size=6, unique=True)), int)
        for _ in range(n_sets)
    ]
    # Small integer weights: many exact ties, which the ranks must break.
    weights = np.array(draw(st.lists(st.integers(0, 3), min_size=n_elements, max_size=n_elements)))
    items = draw(st.lists(st.integers(0, n_sets - 1), min_size=1, unique=True))
    ties = np.array(draw(st.permutations(range(n_sets))))
    n_select = draw(st.integers(0, n_sets + 1))
    return sets, weights.astype(float), items, ties, n_select


@settings(max_examples=200, deadline=None)
@given(_instances(), st.sampled_from([None, 0.0]))
def test_matches_brute_force_greedy_with_ties_by_rank(instance, stop_at):
    sets, weights, items, ties, n_select = instance
    gain, on_pick = _coverage(sets, weights)
    picks, gains = lazy_greedy(items, gain, n_select, on_pick, ties=ties, stop_at=stop_at)
    expected, expected_gains = _brute_greedy(sets, weights, items, n_select, ties, stop_at)
    assert picks.tolist() == expected
    assert gains.tolist() == expected_gains


@settings(max_examples=100, deadline=None)
@given(_instances())
def test_loose_bounds_and_a_tolerance_give_the_same_picks_without_ties(instance):
    sets, weights, items, _, n_select = instance
    # Each set gets a private element and weights are powers of two: every gain is a distinct
    # sum, so no two items ever tie and the tolerance never decides.
    n = len(weights)
    sets = [np.r_[s, n + i] for i, s in enumerate(sets)]
    weights = 2.0 ** np.arange(n + len(sets))
    gain, on_pick = _coverage(sets, weights)
    bounds = [gain(i) + 1.0 for i in items]  # loose upper bounds
    picks, _ = lazy_greedy(items, gain, n_select, on_pick, bounds=bounds, tolerance=1e-12)
    expected, _ = _brute_greedy(sets, weights, items, n_select, np.arange(len(sets)))
    assert picks.tolist() == expected


def test_ties_go_to_the_lowest_rank_and_default_to_the_id():
    def gain(i):
        return 1.0

    assert lazy_greedy([3, 1, 2], gain, 3)[0].tolist() == [1, 2, 3]
    ranks = np.array([0, 2, 1, 0])  # indexed by id
    assert lazy_greedy([3, 1, 2], gain, 3, ties=ranks)[0].tolist() == [3, 2, 1]


def test_each_item_is_evaluated_only_when_it_reaches_the_top():
    # A modular objective never goes stale: one evaluation per item up front, one per pick.
    calls = []
    values = np.arange(100.0)

    def gain(i):
        calls.append(i)
        return values[i]

    picks, gains = lazy_greedy(np.arange(100), gain, 5)
    assert picks.tolist() == [99, 98, 97, 96, 95] and gains.tolist() == [99, 98, 97, 96, 95]
    assert len(calls) == 100 + 5
