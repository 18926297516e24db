"""Bad parameters get scikit-learn's InvalidParameterError naming the parameter, before any
training (issue 12, item 6)."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from svpkit import CoresetSelector, ProxySelector
from svpkit.active import ActiveLearningLoop
from tests.helpers import logreg

BAD = [
    ("class_balance", "yes"),
    ("verbose", "yes"),
    ("proxy", 42),
    ("method", 3),
    ("random_state", "seed"),
    ("memory", 3),
    ("n_select", 0),
    ("n_select", 2.5),
    ("fraction", -0.1),
]


@pytest.mark.parametrize("selector", [CoresetSelector, ProxySelector])
@pytest.mark.parametrize(("name", "value"), BAD)
def test_bad_parameter_names_itself(digits, monkeypatch, selector, name, value):
    X, y = digits
    trained = []
    monkeypatch.setattr(
        "svpkit.pools.memory.train_and_read", lambda *a, **k: trained.append(1) or None
    )
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of {selector.__name__}"):
        selector(**{"proxy": logreg(), name: value}).fit(X, y)
    assert not trained


def test_proxy_without_fit_is_refused_with_the_standard_message(digits):
    X, y = digits
    with pytest.raises(InvalidParameterError, match="an object implementing 'fit' or None"):
        CoresetSelector(proxy=42).fit(X, y)


def test_flags_accept_numpy_bools_and_verbose_ints(digits):
    X, y = digits
    CoresetSelector(method="random", class_balance=np.bool_(True), verbose=0).fit(X, y)


@pytest.mark.parametrize(
    ("name", "value"),
    [("baseline", "no"), ("warm_start", 1.5), ("random_state", -1), ("estimator", 3)],
)
def test_loop_parameters_are_validated(digits, name, value):
    X, y = digits
    loop = ActiveLearningLoop(
        ProxySelector(logreg()), initial_size=20, round_sizes=[10], verbose=False
    )
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of ActiveLearningLoop"):
        loop.set_params(**{name: value}).run(X, y)
