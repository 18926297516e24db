"""Proxy training and read-out: seeding scopes, proxies that cannot serve a method, progress."""

import numpy as np
import pytest
from sklearn.svm import LinearSVC

from svpkit import CoresetSelector
from tests.helpers import small_proxy


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
