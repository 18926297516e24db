"""Proxy training and read-out: seeding scopes, proxies that cannot serve a method, progress."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from svpkit import CoresetSelector, make_default_proxy
from svpkit.kernels.scoring import entropy, least_confidence, margin

KERNELS = {"least_confidence": least_confidence, "entropy": entropy, "margin": margin}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0)[:600], y[:600]


def small_proxy(**params):
    return make_default_proxy(max_epochs=3, module__hidden_units=(32,), **params)


def logreg():
    return LogisticRegression(max_iter=300)


def test_fit_does_not_touch_global_torch_rng(digits):
    import torch

    X, y = digits
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    CoresetSelector(small_proxy(), fraction=0.3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(torch.rand(3), expected)


def test_proxy_without_predict_proba(digits):
    X, y = digits
    with pytest.raises(ValueError, match="no predict_proba.*kcenters"):
        CoresetSelector(LinearSVC(), method="entropy").fit(X, y)


def test_verbose_shows_a_progress_bar_for_torch_proxies(digits, capsys):
    X, y = digits
    CoresetSelector(small_proxy(), fraction=0.2, random_state=0, verbose=True).fit(X, y)
    assert "proxy" in capsys.readouterr().err
    CoresetSelector(small_proxy(), fraction=0.2, random_state=0).fit(X, y)
    assert capsys.readouterr().err == ""
