"""Uniform random selection: seeded and uniform."""

import numpy as np

from svpkit import CoresetSelector


def test_random_is_uniform_and_seeded(digits):
    X, y = digits
    a = CoresetSelector(method="random", fraction=0.5, random_state=1).fit(X, y)
    b = CoresetSelector(method="random", fraction=0.5, random_state=1).fit(X, y)
    c = CoresetSelector(method="random", fraction=0.5, random_state=2).fit(X, y)
    np.testing.assert_array_equal(a.sample_indices_, b.sample_indices_)
    assert not np.array_equal(a.sample_indices_, c.sample_indices_)
    assert a.proxy_ is None
