"""Selections are pinned: the architecture change kept every method's picks on digits.

``data/selections_0_1_0.json`` holds a digest of ``sample_indices_`` recorded with svpkit 0.1.0
before the layout moved to ``methods/``, ``pools/`` and ``selectors/``, for every method, both
selectors, class balance on and off, a share and a count, and two kinds of proxy.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from svpkit import CoresetSelector, ProxySelector
from svpkit.nn import make_default_proxy

PINS = json.loads((Path(__file__).parent / "data" / "selections_0_1_0.json").read_text())
# Selections changed on purpose since, each with its reason (the old pin is kept beside it).
CHANGED = json.loads((Path(__file__).parent / "data" / "selections_changed_0_3_0.json").read_text())
PINS.update({key: {"n": pin["n"], "sha256": pin["sha256"]} for key, pin in CHANGED["pins"].items()})


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """For the MLP proxy, one training per selector serves every method and fraction (a cache
    reads every output; that this changes no selection is pinned too). The logistic-regression
    cases run uncached."""
    return str(tmp_path_factory.mktemp("pinned-cache"))


@pytest.fixture(scope="module")
def data():
    X, y = load_digits(return_X_y=True)
    X, y = (X / 16.0).astype(np.float32)[:600], y[:600]
    y_partial = np.where(np.random.RandomState(0).rand(len(y)) < 0.15, y, -1)
    return X, y, y_partial


def _proxy(kind):
    if kind == "logreg":
        return LogisticRegression(max_iter=300)
    return make_default_proxy(max_epochs=3)


def _digest(indices):
    return hashlib.sha256(np.asarray(indices, dtype=np.int64).tobytes()).hexdigest()[:16]


@pytest.mark.parametrize("key", sorted(PINS))
def test_selection_equals_the_recorded_one(data, cache, key):
    X, y, y_partial = data
    selector, proxy, method, *rest = key.split("/")
    memory = cache if proxy == "mlp" else None
    options = dict(item.split("=") for item in rest)
    f = options["f"]  # 0.1.0 took an int fraction as a count: today that is n_select
    budget = {"fraction": float(f)} if "." in f else {"n_select": int(f)}
    if selector == "coreset":
        cb = options["cb"] == "True"
        sel = CoresetSelector(
            _proxy(proxy), method=method, class_balance=cb, random_state=0, **budget
        )
        sel.set_params(memory=memory).fit(X, y)
    else:
        sel = ProxySelector(_proxy(proxy), method=method, random_state=0, **budget)
        sel.set_params(memory=memory).fit(X, y_partial)
    assert {"n": sel.n_selected_, "sha256": _digest(sel.sample_indices_)} == PINS[key]
