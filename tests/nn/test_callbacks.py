"""Callbacks: forgetting tracking and precise BatchNorm statistics."""

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier

from svpkit.nn import (
    MLP,
    ForgettingTracker,
    ProxyNet,
    SmallCNN,
    make_default_proxy,
)


def test_forgetting_tracker_counts_events_per_presentation():
    rng = np.random.RandomState(0)
    X = rng.randn(64, 3).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    tracker = ForgettingTracker()
    net = make_default_proxy(
        max_epochs=4, batch_size=16, callbacks=[("forgetting", tracker)], lr=0.05
    )
    torch.manual_seed(0)
    net.fit(X, y)
    counter = dict(net.callbacks_)["forgetting"].counter_
    np.testing.assert_array_equal(counter.presentations_, np.full(64, 4))
    assert counter.counts_.max() <= 2  # at most floor(4 / 2) events in 4 presentations
    scores = counter.scores()
    assert np.all(np.isinf(scores) == ~counter.ever_correct_)


def test_forgetting_tracker_requires_row_ids():
    X = np.random.RandomState(0).randn(20, 3).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    net = NeuralNetClassifier(
        MLP,
        module__n_features=3,
        module__n_classes=2,
        criterion=torch.nn.CrossEntropyLoss,
        train_split=None,
        max_epochs=1,
        callbacks=[ForgettingTracker()],
        verbose=0,
    )
    with pytest.raises(Exception, match="row ids"):
        net.fit(X, y)


def test_precise_batchnorm_matches_final_weights():
    rng = np.random.RandomState(0)
    X = rng.rand(90, 1, 6, 6).astype(np.float32)
    y = rng.randint(0, 3, 90)
    # batch size 15 divides 90, so the mean of batch means is the mean over all rows
    net = ProxyNet(SmallCNN, module__width=4, max_epochs=3, lr=0.05, batch_size=15)
    torch.manual_seed(0)
    net.fit(X, y)
    conv, bn = net.module_.features[0][0], net.module_.features[0][1]
    with torch.no_grad():
        act = conv(torch.as_tensor(X))
    np.testing.assert_allclose(bn.running_mean, act.mean(dim=(0, 2, 3)), rtol=1e-4, atol=1e-5)
    assert bn.momentum == 0.1  # restored after the recalibration pass
    # and it can be switched off like any skorch default callback
    off = ProxyNet(SmallCNN, module__width=4, max_epochs=1, callbacks__precise_bn=None)
    torch.manual_seed(0)
    off.fit(X, y)
    bn_off = off.module_.features[0][1]
    with torch.no_grad():
        act_off = off.module_.features[0][0](torch.as_tensor(X)).mean(dim=(0, 2, 3))
    assert not np.allclose(bn_off.running_mean, act_off, rtol=1e-4, atol=1e-5)
