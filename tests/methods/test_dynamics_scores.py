"""Dynamics scores through the selectors: one proxy run for all, direction, determinism."""

import numpy as np
import pytest

from svpkit import CoresetSelector, ProxySelector
from svpkit.kernels import dynamics as kd
from svpkit.nn import DynamicsRecorder, ForgettingTracker, make_default_proxy
from tests.helpers import logreg, small_proxy

DYNAMICS = ["el2n", "aum", "dyn_unc", "tdds", "dual", "forgetting"]


def test_one_proxy_run_records_the_dynamics_for_every_score(digits, tmp_path, proxy_trainings):
    X, y = digits
    for method in [*DYNAMICS, "grand", "d2", "moderate", "least_confidence"]:
        CoresetSelector(
            small_proxy(), method=method, fraction=0.3, random_state=0, memory=str(tmp_path)
        ).fit(X, y)
    assert len(proxy_trainings) == 1


@pytest.mark.parametrize("method", DYNAMICS[:-1])
def test_selector_scores_equal_the_kernel_on_the_recorded_dynamics(digits, method):
    X, y = digits
    recorder = DynamicsRecorder()
    net = small_proxy(callbacks=[("dyn", recorder)], random_state=0).fit(X.astype(np.float32), y)
    kernel = {
        "el2n": kd.el2n_scores,
        "aum": kd.aum_scores,
        "dyn_unc": kd.dyn_unc_scores,
        "tdds": kd.tdds_scores,
        "dual": kd.dual_scores,
    }[method]
    expected = kernel(dict(net.callbacks_)["dyn"].dynamics_)
    sel = CoresetSelector(
        small_proxy(random_state=0),
        method=method,
        fraction=0.2,
        class_balance=False,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_allclose(sel.scores_, expected, rtol=1e-5)
    # highest score first; the kept rows are the top of the ranking
    assert np.all(np.diff(sel.scores_[sel.ranking_]) <= 0)
    np.testing.assert_array_equal(np.sort(sel.ranking_[: sel.n_selected_]), sel.sample_indices_)


@pytest.mark.parametrize("method", [*DYNAMICS, "grand", "d2", "moderate"])
def test_same_seed_same_selection(digits, method):
    X, y = digits
    a = CoresetSelector(small_proxy(), method=method, fraction=0.2, random_state=3).fit(X, y)
    b = CoresetSelector(small_proxy(), method=method, fraction=0.2, random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.sample_indices_, b.sample_indices_)
    assert a.n_selected_ == int(np.ceil(0.2 * len(y)))


def test_recorder_channels_agree_with_each_other(digits):
    X, y = digits
    net = make_default_proxy(max_epochs=4, callbacks=[("dyn", DynamicsRecorder())])
    d = dict(net.fit(X.astype(np.float32), y).callbacks_)["dyn"].dynamics_
    assert d.p_true.shape == (4, len(y)) and d.p_true.dtype == np.float16
    p, m, e = (np.asarray(c, dtype=np.float64) for c in (d.p_true, d.margin, d.error))
    assert np.isnan(d.kl_step[0]).all() and np.isfinite(d.kl_step[1:]).all()
    assert (m <= p + 1e-3).all()  # margin = p_true - best other
    # ||p - e_y||^2 = (1 - p_y)^2 + sum_other p_j^2 >= (1 - p_y)^2
    assert (e + 1e-3 >= 1 - p).all()
    assert (e <= np.sqrt(2) + 1e-3).all()


def test_forgetting_tracker_counts_equal_the_recorders_margins(digits):
    X, y = digits
    tracker = ForgettingTracker()
    net = small_proxy(callbacks=[("f", tracker)], random_state=0).fit(X.astype(np.float32), y)
    cb = dict(net.callbacks_)["f"]
    np.testing.assert_array_equal(cb.counter_.scores(), kd.forgetting_from_dynamics(cb.dynamics_))


def test_recorder_spills_to_a_memmap_past_its_budget(digits, tmp_path):
    X, y = digits
    rec = DynamicsRecorder(scratch_dir=str(tmp_path), max_memory_bytes=1000)
    net = small_proxy(callbacks=[("dyn", rec)]).fit(X.astype(np.float32), y)
    assert isinstance(dict(net.callbacks_)["dyn"].dynamics_.p_true, np.memmap)
    assert any(tmp_path.iterdir())


def test_grand_is_the_last_layer_gradient_norm(digits):
    import torch

    from svpkit.nn.net import predict_proba_and_embed

    X, y = digits
    sel = CoresetSelector(
        small_proxy(), method="grand", fraction=0.2, class_balance=False, random_state=0
    ).fit(X, y)
    net = sel.proxy_
    last = [m for m in net.module_.modules() if isinstance(m, torch.nn.Linear)][-1]
    rows = np.arange(5)
    _, h = predict_proba_and_embed(net, X[rows].astype(np.float32))
    for i in rows:
        last.zero_grad()
        logits = last(torch.as_tensor(h[i : i + 1]))
        torch.nn.functional.cross_entropy(logits, torch.as_tensor(y[i : i + 1])).backward()
        norm = torch.sqrt(last.weight.grad.pow(2).sum() + last.bias.grad.pow(2).sum())
        assert sel.scores_[i] == pytest.approx(norm.item(), rel=1e-4)


def test_dynamics_methods_are_coreset_only_and_need_a_proxynet(digits):
    X, y = digits
    with pytest.raises(ValueError, match="needs every row labeled"):
        ProxySelector(method="el2n").fit(X, y)
    with pytest.raises(ValueError, match="training dynamics.*ProxyNet"):
        CoresetSelector(logreg(), method="aum").fit(X, y)
