"""ProxyNet pickles, deep-copies and clones before and after fit (``device="auto"`` kept), and
``random_state`` makes its training reproducible (issue 12, items 1 and 2)."""

import copy
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone

from svpkit import make_proxy
from svpkit.nn import MLP, ProxyNet, SmallCNN, make_default_proxy

COPIES = {
    "pickle": lambda net: pickle.loads(pickle.dumps(net)),
    "deepcopy": copy.deepcopy,
    "clone": clone,
}
UNFITTED = {
    "default_proxy": make_default_proxy,
    "small_cnn": lambda: ProxyNet(SmallCNN, max_epochs=1),
    "make_proxy": lambda: make_proxy(ProxyNet(MLP, max_epochs=5), max_epochs=1),
}


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 6).astype(np.float32)
    return X, (X[:, 0] + 0.3 * rng.randn(200) > 0).astype(int)


@pytest.mark.parametrize("how", sorted(COPIES))
@pytest.mark.parametrize("net", sorted(UNFITTED))
def test_unfitted_net_copies_with_device_auto(net, how):
    copied = COPIES[how](UNFITTED[net]())
    assert copied.device == "auto"
    assert copied.get_params()["device"] == "auto"


@pytest.mark.parametrize("how", sorted(COPIES))
def test_fitted_net_copies_and_still_reports_auto(data, how):
    X, y = data
    net = make_default_proxy(max_epochs=2, random_state=0).fit(X, y)
    copied = COPIES[how](net)
    assert copied.get_params()["device"] == "auto"
    if how != "clone":  # a clone is unfitted by definition
        np.testing.assert_array_equal(copied.predict_proba(X), net.predict_proba(X))


def test_same_random_state_same_net_with_dropout_and_shuffling(data):
    X, y = data

    def fit(seed):
        net = make_default_proxy(max_epochs=3, module__dropout=0.5, random_state=seed)
        return net.fit(X, y).predict_proba(X)

    np.testing.assert_array_equal(fit(0), fit(0))
    assert not np.array_equal(fit(0), fit(1))


def test_random_state_leaves_the_global_torch_stream_alone(data):
    X, y = data
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    make_default_proxy(max_epochs=1, random_state=0).fit(X, y)
    np.testing.assert_array_equal(torch.rand(3), expected)


def test_random_state_accepts_a_random_state_instance(data):
    X, y = data
    a = make_default_proxy(max_epochs=2, random_state=np.random.RandomState(5)).fit(X, y)
    b = make_default_proxy(max_epochs=2, random_state=np.random.RandomState(5)).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
