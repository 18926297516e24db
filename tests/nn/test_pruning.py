"""DynamicPruning (InfoBatch) and RandomSubsetEachEpoch (RS2) on any skorch net: rows used per
epoch, the unbiased rescaling, annealing, determinism, pickling, grid search (issue 17)."""

import math
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from skorch import NeuralNetClassifier
from torch import nn

from svpkit import CoresetSelector, SelectThenFit
from svpkit.nn import DynamicPruning, ProxyNet, RandomSubsetEachEpoch
from svpkit.nn.pruning import _reweighted_forward


class SoftmaxNet(nn.Module):
    """A plain skorch-style module (probabilities out, NLLLoss in the net)."""

    def __init__(self, n_features=5):
        super().__init__()
        self.linear = nn.Linear(n_features, 2)

    def forward(self, X):
        return torch.softmax(self.linear(X), dim=-1)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(300, 5).astype(np.float32)
    return X, (X[:, 0] + 0.3 * rng.randn(300) > 0).astype(np.int64)


def plain_net(callback, **params):
    defaults = dict(max_epochs=8, lr=0.1, train_split=None, verbose=0)
    return NeuralNetClassifier(
        SoftmaxNet, callbacks=[("prune", callback)], **{**defaults, **params}
    )


def test_plain_skorch_net_prunes_then_anneals_to_every_row(data):
    X, y = data
    net = plain_net(DynamicPruning(0.5, anneal=0.25, random_state=0)).fit(X, y)
    rows = net.history[:, "rows_used"]
    assert rows[0] == 300  # no row seen yet: nothing to prune
    assert all(r < 300 for r in rows[1:6])  # well-learned rows dropped
    assert rows[6:] == [300, 300]  # the last quarter uses every row
    # what the training batches saw equals what the callback planned
    for epoch in net.history:
        assert sum(b["train_batch_size"] for b in epoch["batches"]) == epoch["rows_used"]
    assert "forward" not in vars(net.criterion_)  # the criterion is restored after fit
    assert np.isfinite(dict(net.callbacks_)["prune"].losses_).all()


def test_more_pruning_uses_fewer_rows(data):
    X, y = data
    used = [
        sum(plain_net(DynamicPruning(r, random_state=0)).fit(X, y).history[:, "rows_used"])
        for r in (0.0, 0.3, 0.7)
    ]
    assert used[0] == 8 * 300 and used[0] > used[1] > used[2]


class _Owner:
    def __init__(self, weights, rows):
        self.weights_, self.rows, self.recorded = weights, rows, None

    def batch_rows_for(self, n):
        return self.rows

    def record_losses(self, rows, losses):
        self.recorded = losses


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("class_weight", [None, torch.tensor([1.0, 3.0])])
def test_reweighted_loss_matches_a_brute_force_reference(reduction, class_weight):
    torch.manual_seed(0)
    logits, target = torch.randn(6, 2), torch.tensor([0, 1, 1, 0, 1, 0])
    weights = np.array([1.0, 2.0, 2.0, 1.0, 1.0, 2.0], dtype=np.float32)
    criterion = nn.CrossEntropyLoss(weight=class_weight, reduction=reduction)
    owner = _Owner(weights, np.arange(6))
    criterion.forward = _reweighted_forward(criterion, owner)
    got = criterion(logits, target)
    per_row = nn.functional.cross_entropy(logits, target, weight=class_weight, reduction="none")
    w = torch.from_numpy(weights)
    cw = torch.ones(2) if class_weight is None else class_weight
    expected = {
        "mean": (per_row * w).sum() / cw[target].sum(),
        "sum": (per_row * w).sum(),
        "none": per_row * w,
    }[reduction]
    torch.testing.assert_close(got, expected)
    torch.testing.assert_close(owner.recorded, per_row)
    owner.weights_ = np.ones(6, dtype=np.float32)  # all weights 1: torch's own loss
    torch.testing.assert_close(
        criterion(logits, target),
        nn.CrossEntropyLoss(weight=class_weight, reduction=reduction)(logits, target),
    )


def test_rescaling_keeps_the_expected_epoch_loss():
    """E[sum of weight * loss over the kept rows] equals the full epoch's sum of losses."""
    callback = DynamicPruning(0.6, random_state=0)
    callback.n_rows_ = 1000
    callback.rng_ = np.random.RandomState(0)
    callback.losses_ = np.random.RandomState(1).exponential(size=1000).astype(np.float32)
    draws = []
    for _ in range(400):
        kept, weights = callback._plan(epoch=1, n_epochs=10)
        draws.append(float((weights * callback.losses_[kept]).sum()))
        low = callback.losses_[kept] < callback.losses_.mean()
        np.testing.assert_allclose(weights[low], 1 / 0.4)
        np.testing.assert_array_equal(weights[~low], 1.0)
    full = float(callback.losses_.sum())
    assert abs(np.mean(draws) - full) < 0.01 * full


def test_rows_never_seen_are_never_pruned():
    callback = DynamicPruning(0.9, random_state=0)
    callback.n_rows_ = 100
    callback.rng_ = np.random.RandomState(0)
    callback.losses_ = np.full(100, np.nan, dtype=np.float32)
    callback.losses_[:50] = 0.01  # below the mean of the seen ones? all equal: none below
    callback.losses_[:10] = 0.001
    kept, _ = callback._plan(epoch=1, n_epochs=10)
    assert set(range(50, 100)) <= set(kept)


def test_same_random_state_same_training(data):
    X, y = data

    def fit():
        torch.manual_seed(0)
        net = plain_net(DynamicPruning(0.5, random_state=3)).fit(X, y)
        return net.history[:, "rows_used"], net.predict_proba(X)

    (rows_a, proba_a), (rows_b, proba_b) = fit(), fit()
    assert rows_a == rows_b
    np.testing.assert_array_equal(proba_a, proba_b)


def test_pickles_clones_and_grid_searches(data):
    X, y = data
    net = plain_net(DynamicPruning(0.5, random_state=0)).fit(X, y)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(net)).predict(X), net.predict(X))
    assert net.get_params()["callbacks__prune__prune_ratio"] == 0.5
    assert dict(clone(net).callbacks)["prune"].prune_ratio == 0.5
    grid = GridSearchCV(
        plain_net(DynamicPruning(random_state=0)),
        {"callbacks__prune__prune_ratio": [0.2, 0.6]},
        cv=2,
        error_score="raise",
    ).fit(X, y)
    assert grid.best_params_["callbacks__prune__prune_ratio"] in (0.2, 0.6)


def test_works_on_a_proxynet_inside_select_then_fit(data):
    X, y = data
    target = ProxyNet(max_epochs=6, random_state=0, callbacks=[("prune", DynamicPruning(0.5))])
    pipe = SelectThenFit(CoresetSelector(method="random", fraction=0.5, random_state=0), target)
    rows = pipe.fit(X, y).estimator_.history[:, "rows_used"]
    assert rows[0] == 150 and min(rows) < 150


def test_sample_weight_keeps_working(data):
    """The skorch recipe for sample_weight (reduction='none' plus a get_loss override)."""
    X, y = data

    class WeightedNet(NeuralNetClassifier):
        def get_loss(self, y_pred, y_true, X=None, training=False):
            per_row = super().get_loss(y_pred, y_true, X=X, training=training)
            return (per_row * X["sample_weight"].to(per_row.device)).mean()

    class DictModule(SoftmaxNet):
        def forward(self, data, sample_weight):
            return super().forward(data)

    net = WeightedNet(
        DictModule,
        criterion__reduction="none",
        max_epochs=4,
        lr=0.1,
        train_split=None,
        verbose=0,
        callbacks=[("prune", DynamicPruning(0.5, random_state=0))],
    )
    weights = np.where(y == 1, 2.0, 1.0).astype(np.float32)
    net.fit({"data": X, "sample_weight": weights}, y)
    assert net.history[:, "rows_used"][0] == 300 and min(net.history[:, "rows_used"]) < 300


def test_bad_parameters_and_an_internal_split_are_refused(data):
    X, y = data
    with pytest.raises(ValueError, match="prune_ratio must be in"):
        plain_net(DynamicPruning(1.0)).fit(X, y)
    with pytest.raises(ValueError, match="train_split=None"):
        plain_net(DynamicPruning(0.5), train_split=5).fit(X, y)
    with pytest.raises(ValueError, match="fraction must be in"):
        plain_net(RandomSubsetEachEpoch(0.0)).fit(X, y)


def test_rs2_draws_a_fresh_share_without_replacement_across_epochs(data, monkeypatch):
    X, y = data
    plans = []
    original = RandomSubsetEachEpoch._plan

    def recording(self, epoch, n_epochs):
        rows, weights = original(self, epoch, n_epochs)
        plans.append(np.asarray(rows))
        return rows, weights

    monkeypatch.setattr(RandomSubsetEachEpoch, "_plan", recording)
    net = plain_net(RandomSubsetEachEpoch(0.25, random_state=0), max_epochs=8).fit(X, y)
    assert net.history[:, "rows_used"] == [math.ceil(0.25 * 300)] * 8
    first_pass = np.concatenate(plans[:4])
    assert sorted(first_pass.tolist()) == list(range(300))  # every row once in 4 epochs
    assert not np.array_equal(plans[0], plans[4])  # a new shuffle for the next pass
