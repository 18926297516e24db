"""RhoLossSelection (RHO-LOSS) on any skorch net: the selected rows are the ones with the largest
reducible loss and the only ones trained on; irreducible losses; determinism, pickling, grid
search (issue 20)."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback
from torch import nn

from svpkit.nn import ProxyNet, RhoLossSelection
from svpkit.nn import rho_loss as rho_module


class SoftmaxNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, X):
        return torch.softmax(self.linear(X), dim=-1)


class BatchSizes(Callback):
    def initialize(self):
        self.sizes_ = []
        return self

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training:
            self.sizes_.append(len(batch[1]))


@pytest.fixture(scope="module")
def blobs():
    """Two separated blobs; 30% of the training labels flipped."""
    rng = np.random.RandomState(0)
    y = rng.randint(2, size=600)
    X = (rng.randn(600, 4) + 2.5 * (2 * y[:, None] - 1)).astype(np.float32)
    flipped = rng.rand(600) < 0.3
    return X, y.astype(np.int64), np.where(flipped, 1 - y, y).astype(np.int64), flipped


def plain_net(callback, **params):
    defaults = dict(max_epochs=3, lr=0.1, batch_size=16, train_split=None, verbose=0)
    return NeuralNetClassifier(
        SoftmaxNet,
        callbacks=[("rho", callback), ("sizes", BatchSizes())],
        **{**defaults, **params},
    )


def test_selects_the_largest_reducible_loss(monkeypatch):
    callback = RhoLossSelection(0.5)
    callback.irreducible_loss_ = np.array([0.0, 2.0, 0.0, 0.5, 0.0, 3.0])
    callback.epoch_counts_ = np.zeros(6, dtype=np.int64)
    callback.epoch_scored_ = 0
    training = np.array([1.0, 2.1, 0.2, 1.5, 0.9, 3.0])  # reducible: 1.0 .1 .2 1.0 .9 0
    monkeypatch.setattr(rho_module, "_per_row_loss", lambda net, ds, rows: training[rows])
    chosen = callback.select(None, None, np.arange(6))
    assert sorted(chosen.tolist()) == [0, 3, 4]  # high-loss rows 1 and 5 are irreducible
    assert callback.epoch_counts_.tolist() == [1, 0, 0, 1, 1, 0]


def test_plain_skorch_net_trains_only_on_selected_rows(blobs):
    X, _, y_noisy, _ = blobs
    il = LogisticRegression().fit(X, y_noisy)
    net = plain_net(RhoLossSelection(0.25, irreducible_model=il, random_state=0)).fit(X, y_noisy)
    sizes = dict(net.callbacks_)["sizes"].sizes_
    assert all(s == 16 for s in sizes[:9])  # n_b rows per step (an epoch's last step: fewer)
    assert sum(sizes) == sum(net.history[:, "rows_used"])
    assert net.history[:, "rows_scored"] == [600, 600, 600]  # every row scored once an epoch
    assert net.history[:, "steps"] == [10, 10, 10]  # 600 rows / large batches of 64
    rho = dict(net.callbacks_)["rho"]
    assert rho.gradient_counts_.sum() == sum(sizes)
    assert "iterator_train__batch_sampler" not in vars(net)  # the user's net is restored


def test_irreducible_loss_from_a_given_model_is_minus_log_p(blobs):
    X, _, y_noisy, _ = blobs
    il = LogisticRegression().fit(X, y_noisy)
    rho = RhoLossSelection(0.5, irreducible_model=il, random_state=0)
    plain_net(rho, max_epochs=1).fit(X, y_noisy)
    expected = -np.log(il.predict_proba(X)[np.arange(len(X)), y_noisy])
    np.testing.assert_allclose(rho.irreducible_loss_, expected, rtol=1e-6)
    np.testing.assert_array_equal(rho.train_rows_, np.arange(len(X)))


def test_default_cross_fits_and_trains_on_every_row(blobs):
    X, _, y_noisy, flipped = blobs
    rho = RhoLossSelection(0.5, random_state=0)
    plain_net(rho, max_epochs=1).fit(X, y_noisy)
    np.testing.assert_array_equal(rho.train_rows_, np.arange(len(X)))
    assert np.isfinite(rho.irreducible_loss_).all()
    # each half is scored by a model of the other half: flipped rows look irreducible
    assert rho.irreducible_loss_[flipped].mean() > 2 * rho.irreducible_loss_[~flipped].mean()


def test_default_model_is_trained_on_a_holdout_that_is_never_trained_on(blobs):
    X, _, y_noisy, _ = blobs
    rho = RhoLossSelection(0.5, holdout=0.2, random_state=0)
    plain_net(rho, max_epochs=2).fit(X, y_noisy)
    held = np.setdiff1d(np.arange(len(X)), rho.train_rows_)
    assert len(held) == 120
    assert rho.gradient_counts_[held].sum() == 0


def test_flipped_rows_get_less_than_their_share_of_gradients(blobs):
    X, y_clean, y_noisy, flipped = blobs
    il = LogisticRegression().fit(X[:300], y_clean[:300])  # a model of the clean task
    rho = RhoLossSelection(0.2, irreducible_model=il, random_state=0)
    plain_net(rho, max_epochs=4).fit(X, y_noisy)
    share = rho.gradient_counts_[flipped].sum() / rho.gradient_counts_.sum()
    assert share < 0.5 * flipped.mean()


def test_works_on_a_proxynet_and_records_the_noisy_share(blobs):
    X, _, y_noisy, _ = blobs
    rho = RhoLossSelection(0.25, random_state=0)
    net = ProxyNet(max_epochs=2, batch_size=16, callbacks=[("rho", rho)]).fit(X, y_noisy)
    assert all(0.0 <= share <= 1.0 for share in net.history[:, "noisy_used"])
    assert sum(net.history[:, "rows_used"]) == rho.gradient_counts_.sum()
    assert net.get_params()["iterator_train__shuffle"] is True  # ProxyNet's default is back


def test_same_random_state_same_training(blobs):
    X, _, y_noisy, _ = blobs

    def fit():
        torch.manual_seed(0)
        net = plain_net(RhoLossSelection(0.25, random_state=1)).fit(X, y_noisy)
        return dict(net.callbacks_)["rho"].gradient_counts_, net.predict_proba(X)

    (counts_a, proba_a), (counts_b, proba_b) = fit(), fit()
    np.testing.assert_array_equal(counts_a, counts_b)
    np.testing.assert_array_equal(proba_a, proba_b)


def test_pickles_and_grid_searches_the_ratio(blobs):
    X, _, y_noisy, _ = blobs
    net = plain_net(RhoLossSelection(0.5, random_state=0)).fit(X, y_noisy)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(net)).predict(X), net.predict(X))
    assert "iterator_train__batch_sampler" not in vars(net)  # restored after fit
    grid = GridSearchCV(
        plain_net(RhoLossSelection(random_state=0)),
        {"callbacks__rho__selection_ratio": [0.25, 0.5]},
        cv=2,
        error_score="raise",
    ).fit(X, y_noisy)
    assert grid.best_params_["callbacks__rho__selection_ratio"] in (0.25, 0.5)


def test_bad_parameters_are_refused(blobs):
    X, _, y_noisy, _ = blobs
    in_range = "' parameter of RhoLossSelection must be a float in the range "
    with pytest.raises(ValueError, match=r"'selection_ratio" + in_range + r"\(0\.0, 1\.0\]"):
        plain_net(RhoLossSelection(0.0)).fit(X, y_noisy)
    with pytest.raises(ValueError, match=r"'holdout" + in_range + r"\(0\.0, 1\.0\) or None"):
        plain_net(RhoLossSelection(0.5, holdout=1.0)).fit(X, y_noisy)
    with pytest.raises(ValueError, match="train_split=None"):
        plain_net(RhoLossSelection(0.5), train_split=5).fit(X, y_noisy)
    with pytest.raises(ValueError, match=r"'anneal" + in_range + r"\[0\.0, 1\.0\]"):
        plain_net(RhoLossSelection(0.5, anneal=1.5)).fit(X, y_noisy)


def test_bad_parameters_get_one_error_type(blobs):
    from sklearn.utils._param_validation import InvalidParameterError

    X, _, y_noisy, _ = blobs
    bad = [
        {"selection_ratio": "half"},
        {"noisy_share": 0.0},
        {"irreducible_model": object()},  # no predict_proba
        {"random_state": -1},
        {"random_state": True},
    ]
    for params in bad:
        with pytest.raises(InvalidParameterError, match=f"'{next(iter(params))}' parameter"):
            plain_net(RhoLossSelection(**params)).fit(X, y_noisy)


def test_an_unfitted_model_is_cross_fitted_on_halves(blobs):
    X, _, y_noisy, _ = blobs
    template = LogisticRegression()
    rho = RhoLossSelection(0.5, irreducible_model=template, random_state=0)
    plain_net(rho, max_epochs=1).fit(X, y_noisy)
    assert not hasattr(template, "coef_")  # cloned, never fitted itself
    # a row's loss comes from the half it is not in: not from a model that saw it
    seen = -np.log(LogisticRegression().fit(X, y_noisy).predict_proba(X)[np.arange(600), y_noisy])
    assert not np.allclose(rho.irreducible_loss_, seen)
    np.testing.assert_array_equal(rho.train_rows_, np.arange(len(X)))


def test_a_text_net_gets_a_text_irreducible_model():
    from svpkit.nn import make_text_proxy
    from tests.nn.test_text import _sentiment

    texts, y = _sentiment(300)
    rho = RhoLossSelection(0.25, random_state=0)
    net = make_text_proxy(max_epochs=20, random_state=0, callbacks=[("rho", rho)])
    net.fit(texts, y)
    # a text model read the n-gram ids: its cross-fitted losses beat chance (log 2)
    assert np.isfinite(rho.irreducible_loss_).all() and rho.irreducible_loss_.mean() < 0.5
    assert net.history[-1, "rows_used"] == 75
    assert (net.predict(texts) == y).mean() > 0.8


def test_annealed_epochs_step_on_random_rows_without_scoring(blobs, monkeypatch):
    X, _, y_noisy, _ = blobs
    il = LogisticRegression().fit(X, y_noisy)
    scored_in_epoch = []
    real = rho_module._per_row_loss

    def counting(net, dataset, rows):
        scored_in_epoch.append(len(net.history))
        return real(net, dataset, rows)

    monkeypatch.setattr(rho_module, "_per_row_loss", counting)
    rho = RhoLossSelection(0.25, irreducible_model=il, anneal=0.5, random_state=0)
    net = plain_net(rho, max_epochs=4).fit(X, y_noisy)
    assert set(scored_in_epoch) == {1, 2}  # epochs 3 and 4 (the last half) score nothing
    assert net.history[:, "steps"] == [10, 10, 10, 10]  # the same steps, annealed or not
    assert net.history[:, "rows_used"] == [150, 150, 150, 150]
    # annealed epochs take the (random) large batch's first rows: flipped rows get their share
    no_anneal = RhoLossSelection(0.25, irreducible_model=il, anneal=0.0, random_state=0)
    plain_net(no_anneal, max_epochs=4).fit(X, y_noisy)
    assert len(scored_in_epoch) == 20 + 40


def test_annealing_trains_on_the_rows_selection_skips(blobs):
    """On noisy labels selection starves the flipped rows; annealed epochs do not."""
    X, y_clean, y_noisy, flipped = blobs
    il = LogisticRegression().fit(X[:300], y_clean[:300])  # a model of the clean task
    share = {}
    for anneal in (0.0, 1.0):
        rho = RhoLossSelection(0.25, irreducible_model=il, anneal=anneal, random_state=0)
        plain_net(rho, max_epochs=4).fit(X, y_noisy)
        share[anneal] = rho.gradient_counts_[flipped].sum() / rho.gradient_counts_.sum()
    assert share[0.0] < 0.5 * flipped.mean()
    assert abs(share[1.0] - flipped.mean()) < 0.08  # anneal=1: plain random batches


class _SeedRecorder(LogisticRegression):
    """Records the random_state each fitted copy was trained with."""

    seen: list = []

    def fit(self, X, y, sample_weight=None):
        _SeedRecorder.seen.append(self.random_state)
        return super().fit(X, y, sample_weight)


def test_irreducible_models_are_seeded_by_fit_seeded(blobs):
    # One seeding rule: an unset random_state gets a seed drawn from the callback's stream, a
    # set one is kept (svpkit.utils.fit_seeded).
    X, _, y_noisy, _ = blobs
    _SeedRecorder.seen = []
    rho = RhoLossSelection(0.5, irreducible_model=_SeedRecorder(), random_state=0)
    plain_net(rho, max_epochs=1).fit(X, y_noisy)
    first = list(_SeedRecorder.seen)
    assert len(first) == 2 and None not in first and first[0] != first[1]
    _SeedRecorder.seen = []
    plain_net(
        RhoLossSelection(0.5, irreducible_model=_SeedRecorder(), random_state=0), max_epochs=1
    ).fit(X, y_noisy)
    assert _SeedRecorder.seen == first  # the same random_state, the same seeds
    _SeedRecorder.seen = []
    rho = RhoLossSelection(0.5, irreducible_model=_SeedRecorder(random_state=7), random_state=0)
    plain_net(rho, max_epochs=1).fit(X, y_noisy)
    assert _SeedRecorder.seen == [7, 7]
