"""Devices and the one place seeds come from."""

import numpy as np
import torch
from sklearn.linear_model import SGDClassifier

from svpkit.utils import derive_seed, fit_seeded, keyed_seed, resolve_device, torch_seed_scope


def test_derive_seed_follows_the_stream():
    rng = np.random.RandomState(0)
    first, second = derive_seed(rng), derive_seed(rng)
    assert first != second and 0 <= first < 2**31
    assert derive_seed(np.random.RandomState(0)) == first


def test_keyed_seed_depends_on_the_key_only():
    # the active-learning loop's round seeds before the seeding helpers were unified
    old = int(np.random.SeedSequence([7, 3]).generate_state(1)[0] >> 1)
    assert keyed_seed(7, 3) == old
    assert keyed_seed(7, 3) != keyed_seed(7, 4) and keyed_seed(None) != keyed_seed(None)


def test_torch_seed_scope_restores_the_callers_rng():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    with torch_seed_scope(5):
        inside = torch.rand(3)
    np.testing.assert_array_equal(torch.rand(3), expected)
    with torch_seed_scope(5):
        np.testing.assert_array_equal(torch.rand(3), inside)


def test_fit_seeded_sets_only_an_unset_random_state():
    X = np.random.RandomState(0).randn(60, 3)
    y = (X[:, 0] > 0).astype(int)
    a = fit_seeded(SGDClassifier(), X, y, seed=4)
    assert a.random_state == 4
    b = fit_seeded(SGDClassifier(random_state=9), X, y, seed=4)
    assert b.random_state == 9
    np.testing.assert_array_equal(a.coef_, fit_seeded(SGDClassifier(), X, y, seed=4).coef_)


def test_resolve_device():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") in ("cpu", "cuda")
