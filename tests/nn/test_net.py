"""ProxyNet conveniences, one-pass embeddings, devices, pickling, make_proxy."""

import pickle

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier

from svpkit import make_proxy
from svpkit.nn import (
    ProxyNet,
    ResNet,
    SmallCNN,
    make_default_proxy,
    predict_proba_and_embed,
)
from svpkit.utils import cuda_available, resolve_device


def test_proxynet_handles_strings_float64_and_infers_sizes(blobs):
    X, y = blobs
    net = make_default_proxy(max_epochs=5, lr=0.01).fit(X, y)  # float64 X, string labels
    assert net.module_.head.out_features == 2
    assert net.module_.body[1].in_features == 5
    assert set(net.predict(X)) <= {"cat", "dog"}
    assert net.score(X, y) > 0.9
    assert net.device == resolve_device("auto")
    proba = net.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


def test_proxynet_on_images_infers_in_channels():
    rng = np.random.RandomState(0)
    X = rng.rand(40, 2, 6, 6)
    y = rng.randint(0, 3, 40)
    net = ProxyNet(SmallCNN, module__width=4, max_epochs=1).fit(X, y)
    assert net.module_.features[0][0].in_channels == 2
    assert net.predict_proba(X).shape == (40, 3)


def test_one_pass_proba_and_embeddings_match_separate_calls(blobs):
    X, y = blobs
    net = make_default_proxy(max_epochs=3, module__hidden_units=(7,)).fit(X, y)
    proba, emb = predict_proba_and_embed(net, X)
    np.testing.assert_allclose(proba, net.predict_proba(X), rtol=1e-6)
    expected = torch.relu(net.module_.body[1](torch.as_tensor(X, dtype=torch.float32)))
    np.testing.assert_allclose(emb, expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert predict_proba_and_embed(net, X, embed=False)[1] is None


def test_embeddings_of_a_plain_skorch_net_via_last_linear_hook(blobs):
    X, y = blobs
    module = torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.ReLU(), torch.nn.Linear(6, 2))
    net = NeuralNetClassifier(
        module, criterion=torch.nn.CrossEntropyLoss, max_epochs=2, train_split=None, verbose=0
    ).fit(X.astype(np.float32), (y == "dog").astype(np.int64))
    proba, emb = predict_proba_and_embed(net, X)
    assert emb.shape == (len(X), 6)
    expected = module[1](module[0](torch.as_tensor(X, dtype=torch.float32))).detach().numpy()
    np.testing.assert_allclose(emb, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(proba, net.predict_proba(X.astype(np.float32)), rtol=1e-6)


def test_make_proxy_clones_and_sets_params():
    target = ProxyNet(ResNet, module__depth=56, max_epochs=50)
    proxy = make_proxy(target, module__depth=20, max_epochs=5)
    assert (proxy.module__depth, proxy.max_epochs) == (20, 5)
    assert (target.module__depth, target.max_epochs) == (56, 50)
    assert proxy is not target


def test_fitted_proxynet_pickles_and_keeps_auto_in_clone(blobs):
    from sklearn.base import clone

    X, y = blobs
    template = make_default_proxy(max_epochs=1)
    fitted = clone(template).fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_allclose(restored.predict_proba(X), fitted.predict_proba(X))
    assert template.device == "auto"


@pytest.mark.gpu
@pytest.mark.skipif(not cuda_available(), reason="needs a CUDA device")
def test_device_auto_uses_cuda_when_present(blobs):
    X, y = blobs
    net = make_default_proxy(max_epochs=2).fit(X, y)
    assert net.device == "cuda"
    assert next(net.module_.parameters()).is_cuda
    proba, emb = predict_proba_and_embed(net, X)
    assert proba.shape == (len(X), 2) and emb.shape[0] == len(X)


def test_training_batches_are_shuffled_by_default():
    assert ProxyNet().get_params()["iterator_train__shuffle"] is True
    assert ProxyNet(iterator_train__shuffle=False).get_params()["iterator_train__shuffle"] is False


def test_embeddings_can_be_written_to_a_memory_map(blobs, tmp_path):
    X, y = blobs
    net = make_default_proxy(max_epochs=1, module__hidden_units=(6,)).fit(X, y)
    path = tmp_path / "emb.npy"
    proba, emb = predict_proba_and_embed(net, X, embedding_out=path)
    assert isinstance(emb, np.memmap)
    np.testing.assert_array_equal(np.load(path), predict_proba_and_embed(net, X)[1])
    assert np.load(path, mmap_mode="r").shape == (len(X), 6)


def test_device_auto_survives_fitting_in_params_and_clones(blobs):
    from sklearn.base import clone

    X, y = blobs
    net = make_default_proxy(max_epochs=1).fit(X, y)
    assert net.device == resolve_device("auto")  # what skorch uses
    assert net.get_params()["device"] == "auto"  # what the user asked for
    assert clone(net).device == "auto"
    assert net.set_params(device="cpu").get_params()["device"] == "cpu"


# -- outputs checked as they stream, and nets that would not train -----------------------------


class SpoiledMLP(torch.nn.Module):
    """Returns ``(logits, embedding)``; rows whose first feature is above 50 (none in
    training) come out NaN, or, with ``drop_rows``, inference returns one row less per batch."""

    returns_embedding = True

    def __init__(self, n_features=4, n_classes=2, drop_rows=False):
        super().__init__()
        self.body = torch.nn.Linear(n_features, 8)
        self.head = torch.nn.Linear(8, n_classes)
        self.drop_rows = drop_rows

    def forward(self, x):
        emb = torch.relu(self.body(x))
        logits = self.head(emb)
        bad = x[:, :1] > 50
        logits = torch.where(bad, torch.full_like(logits, float("nan")), logits)
        emb = torch.where(bad, torch.full_like(emb, float("inf")), emb)
        if self.drop_rows and not self.training:
            return logits[:-1], emb[:-1]
        return logits, emb


def _spoiled_pool(n=3000, bad_row=2500):
    rng = np.random.RandomState(0)
    X = rng.randn(n, 4).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    X[bad_row, 0] = 100.0  # in the third inference batch (batches of 1024 rows)
    return X, y


def test_predict_outputs_refuses_nan_batch_by_batch_naming_the_row():
    X, y = _spoiled_pool()
    net = ProxyNet(SpoiledMLP, max_epochs=1).fit(X[:200], y[:200])
    with pytest.raises(ValueError, match=r"proxy ProxyNet returned NaN or inf probabilities "):
        predict_proba_and_embed(net, X, embed=False)
    with pytest.raises(ValueError, match=r"NaN or inf probabilities \(first at row 2500\)"):
        predict_proba_and_embed(net, X)
    with pytest.raises(ValueError, match=r"NaN or inf embeddings \(first at row 2500\)"):
        predict_proba_and_embed(net, X, predict=False)
    proba, emb = predict_proba_and_embed(net, X[:2000])  # the rows before are sound
    assert np.isfinite(proba).all() and np.isfinite(emb).all()


def test_predict_outputs_refuses_missing_rows():
    X, y = _spoiled_pool(bad_row=0)
    X, y = X[1:], y[1:]  # 2999 sound rows: batches of 1024, 1024 and 951, each one row short
    net = ProxyNet(SpoiledMLP, module__drop_rows=True, max_epochs=1).fit(X[:200], y[:200])
    with pytest.raises(ValueError, match="returned outputs for 2996 rows, but 2999 rows"):
        predict_proba_and_embed(net, X, embed=False)


@pytest.mark.parametrize("epochs", [0, -1, 2.5])
def test_proxynet_refuses_max_epochs_below_one_before_training(blobs, epochs):
    X, y = blobs
    with pytest.raises(ValueError, match=rf"ProxyNet\(max_epochs={epochs}\) would not train"):
        make_default_proxy(max_epochs=epochs).fit(X, y)
