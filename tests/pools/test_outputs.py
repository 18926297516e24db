"""Proxy training and read-out: seeding scopes, proxies that cannot serve a method, progress,
and the checks of what a proxy returns."""

import warnings

import numpy as np
import pytest
import scipy.sparse
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.svm import LinearSVC
from skorch.callbacks import Callback

from svpkit import CoresetSelector, ProxySelector, SelectionWarning
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


# ---------------------------------------------------------------------------------------------
# Proxy outputs are checked where they are read: impossible ones refused with the proxy named,
# degenerate ones (every candidate scored alike, a non-finite training loss) warned about.


class FakeProxy(ClassifierMixin, BaseEstimator):
    """A classifier whose probabilities vary by row (whatever the pool holds: arrays, sparse
    matrices, texts), spoiled as ``kind`` says."""

    def __init__(self, kind="fine"):
        self.kind = kind

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        n = X.shape[0] if hasattr(X, "shape") else len(X)
        t = np.linspace(0.1, 0.9, n)
        p = np.column_stack([t, 1.0 - t])
        if self.kind == "nan":
            p[3, 0] = np.nan
        elif self.kind == "inf":
            p[3, 1] = np.inf
        elif self.kind == "negative":
            p[3] = [-0.5, 1.5]
        elif self.kind == "sums":
            p = p * 0.5
        elif self.kind == "columns":
            p = np.column_stack([p, np.zeros(n)])
        elif self.kind == "rows":
            p = p[:-5]
        elif self.kind == "one_dim":
            p = p[:, 0]
        elif self.kind == "constant":
            p = np.full((n, 2), 0.5)
        return p


def _pool(kind, n=60):
    rng = np.random.RandomState(0)
    X = rng.randn(n, 4).astype(np.float32)
    if kind == "sparse":
        return scipy.sparse.csr_matrix(X)
    if kind == "text":
        return [f"text number {i}" for i in range(n)]
    if kind == "dask":
        da = pytest.importorskip("dask.array")
        return da.from_array(X, chunks=n // 2)
    return X


def _partial_labels(n=60):
    y = np.arange(n) % 2
    y[n // 2 :] = -1
    return y


IMPOSSIBLE = [
    ("nan", r"proxy FakeProxy returned NaN or inf probabilities \(first at row 3\)"),
    ("inf", r"proxy FakeProxy returned NaN or inf probabilities \(first at row 3\)"),
    ("negative", r"proxy FakeProxy returned negative probabilities \(first at row 3: -0.5\)"),
    ("sums", r"proxy FakeProxy .* rows do not sum to 1 \(row 0 sums to 0.5"),
    ("columns", r"proxy FakeProxy returned 3 columns .* trained on 2 classes"),
    ("rows", r"proxy FakeProxy returned probabilities for 55 rows, but 60 rows were scored"),
    ("one_dim", r"proxy FakeProxy returned probabilities of shape \(60,\)"),
]


@pytest.mark.parametrize(("kind", "match"), IMPOSSIBLE, ids=[k for k, _ in IMPOSSIBLE])
@pytest.mark.parametrize("method", ["margin", "entropy"])
def test_impossible_probabilities_are_refused_naming_the_proxy(kind, match, method):
    # margin streams its scores from the probabilities; with a cache they are kept whole
    with pytest.raises(ValueError, match=match):
        ProxySelector(FakeProxy(kind), method=method, n_select=5, random_state=0).fit(
            _pool("array"), _partial_labels()
        )


@pytest.mark.parametrize("pool", ["array", "sparse", "text", "dask"])
def test_every_pool_checks_the_probabilities_it_reads(pool):
    X, y = _pool(pool), _partial_labels()
    with pytest.raises(ValueError, match="proxy FakeProxy returned NaN or inf probabilities"):
        ProxySelector(FakeProxy("nan"), method="margin", n_select=5).fit(X, y)
    with pytest.raises(ValueError, match="proxy FakeProxy returned 3 columns"):
        ProxySelector(FakeProxy("columns"), method="entropy", n_select=5).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SelectionWarning)  # sound outputs: no warning
        ProxySelector(FakeProxy(), method="margin", n_select=5).fit(X, y)


def test_cached_and_new_pool_reads_are_checked_too(tmp_path):
    X, y = _pool("array"), _partial_labels()
    with pytest.raises(ValueError, match="NaN or inf probabilities"):
        ProxySelector(FakeProxy("nan"), method="margin", n_select=5, memory=str(tmp_path)).fit(X, y)
    fitted = ProxySelector(FakeProxy(), method="margin", n_select=5).fit(X, y)
    fitted.proxy_.kind = "sums"  # the fitted proxy goes bad before a new pool is read
    with pytest.raises(ValueError, match="rows do not sum to 1"):
        fitted.transform(X[:40] + 1.0)


@pytest.mark.parametrize("pool", ["array", "dask"])
def test_every_candidate_scored_alike_warns(pool, tmp_path):
    X, y = _pool(pool), _partial_labels()
    # streamed scores (the probabilities are not kept), then kept probabilities (a cache)
    with pytest.warns(SelectionWarning, match="all 30 candidate rows the same margin scores"):
        ProxySelector(FakeProxy("constant"), method="margin", n_select=5).fit(X, y)
    with pytest.warns(SelectionWarning, match="all 30 candidate rows the same probabilities"):
        ProxySelector(FakeProxy("constant"), method="margin", n_select=5, memory=str(tmp_path)).fit(
            X, y
        )


def test_a_diverged_proxy_warns_that_it_cannot_rank():
    # the case: features scaled by 1e30 saturate the net; every row gets one score
    rng = np.random.RandomState(0)
    X = rng.randn(200, 4).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    y[100:] = -1
    proxy = small_proxy(random_state=0)
    with pytest.warns(SelectionWarning, match="same .*training probably diverged"):
        ProxySelector(proxy, method="margin", n_select=10, random_state=0).fit(X * 1e30, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SelectionWarning)
        ProxySelector(proxy, method="margin", n_select=10, random_state=0).fit(X, y)


class NanLoss(Callback):
    """Records a NaN training loss at the end of every epoch (a diverged training whose
    outputs still look like probabilities)."""

    def on_epoch_end(self, net, **kwargs):
        net.history.record("train_loss", float("nan"))


def test_a_non_finite_training_loss_warns():
    rng = np.random.RandomState(0)
    X = rng.randn(80, 4).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    y[40:] = -1
    proxy = small_proxy(callbacks=[("nan_loss", NanLoss())])
    with pytest.warns(SelectionWarning, match="training loss was not finite .*epoch 1"):
        ProxySelector(proxy, method="margin", n_select=5, random_state=0).fit(X, y)


def test_a_torch_proxy_that_trained_no_epoch_is_refused():
    from skorch import NeuralNetClassifier

    rng = np.random.RandomState(0)
    X = rng.randn(40, 4).astype(np.float32)
    y = np.arange(40) % 2
    module = torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.Softmax(dim=-1))
    net = NeuralNetClassifier(module, max_epochs=0, train_split=None, verbose=0)
    with pytest.raises(ValueError, match="proxy NeuralNetClassifier trained no epoch"):
        ProxySelector(net, method="margin", n_select=5).fit(X, np.where(y < 20, y, -1))
    with pytest.raises(ValueError, match=r"ProxyNet\(max_epochs=0\) would not train at all"):
        CoresetSelector(small_proxy().set_params(max_epochs=0), method="forgetting").fit(X, y)
