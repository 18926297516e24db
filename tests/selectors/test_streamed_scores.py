"""Uncertainty scores streamed during inference: the same selection as scoring the kept
probabilities, without ever holding the ``n x n_classes`` probabilities."""

import tracemalloc

import numpy as np
import pytest

from svpkit import CoresetSelector, ProxySelector
from svpkit.methods import get_method, streamed_scores
from svpkit.pools.outputs import read_outputs
from tests.helpers import KERNELS, logreg, small_proxy


def blobs(n=1500, d=6, n_classes=4, seed=0):
    rng = np.random.RandomState(seed)
    centers = rng.randn(n_classes, d) * 2
    y = rng.randint(0, n_classes, n)
    return (centers[y] + rng.randn(n, d)).astype(np.float32), y


@pytest.mark.parametrize("method", sorted(KERNELS))
@pytest.mark.parametrize("make_proxy", [small_proxy, logreg], ids=["mlp", "logreg"])
@pytest.mark.parametrize("selector", ["proxy", "coreset"])
def test_streamed_scores_select_what_the_probabilities_select(
    method, make_proxy, selector, tmp_path
):
    X, y = blobs()
    if selector == "proxy":
        y_fit = np.where(np.arange(len(y)) < 300, y, -1)
        make = lambda memory: ProxySelector(  # noqa: E731
            make_proxy(), method=method, n_select=100, random_state=0, memory=memory
        )
    else:
        y_fit = y
        make = lambda memory: CoresetSelector(  # noqa: E731
            make_proxy(), method=method, fraction=0.3, random_state=0, memory=memory
        )
    streamed = make(None).fit(X, y_fit)
    cached = make(str(tmp_path)).fit(X, y_fit)  # a cache keeps the probabilities
    np.testing.assert_array_equal(streamed.sample_indices_, cached.sample_indices_)
    np.testing.assert_array_equal(streamed.ranking_, cached.ranking_)
    np.testing.assert_allclose(streamed.scores_, cached.scores_, rtol=0, atol=0)


def test_the_pool_streams_only_when_nothing_else_reads_the_probabilities():
    lc = get_method("least_confidence")
    proba = frozenset({"proba"})
    assert streamed_scores(lc, proba, class_balance=False, labels_known=False) == {
        "least_confidence": KERNELS["least_confidence"]
    }
    assert streamed_scores(lc, proba, class_balance=True, labels_known=True)
    # class balance over unlabeled rows reads the predicted classes
    assert streamed_scores(lc, proba, class_balance=True, labels_known=False) == {}
    assert streamed_scores(lc, proba | {"embedding"}, class_balance=False, labels_known=True) == {}
    assert (
        streamed_scores(
            get_method("kcenters"), frozenset({"embedding"}), class_balance=False, labels_known=True
        )
        == {}
    )


def test_streamed_scores_never_hold_the_probabilities():
    """200 classes x 40,000 rows: the probabilities would be 32 MB; the streamed scores are
    160 kB, and inference holds one batch at a time."""
    rng = np.random.RandomState(0)
    X = rng.randn(40_000, 8).astype(np.float32)
    y = rng.randint(0, 200, 40_000)
    proxy = small_proxy().fit(X[:4000], y[:4000])
    kernels = {"least_confidence": KERNELS["least_confidence"]}
    tracemalloc.start()
    outputs = read_outputs(proxy, X, frozenset(), row_scores=kernels)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert outputs.proba is None and outputs.embedding is None
    assert peak < 8 * 2**20, peak / 2**20
    expected = KERNELS["least_confidence"](proxy.predict_proba(X).astype(np.float32))
    np.testing.assert_array_equal(outputs.row_scores["least_confidence"], expected)


@pytest.mark.parametrize("class_balance", [False, True])
def test_a_selector_streams_the_scores_of_its_method(monkeypatch, class_balance):
    from svpkit.pools import outputs as pool_outputs

    seen = []
    original = pool_outputs.read_outputs

    def spy(*args, **kwargs):
        out = original(*args, **kwargs)
        seen.append((sorted(out.row_scores), out.proba is None))
        return out

    monkeypatch.setattr(pool_outputs, "read_outputs", spy)
    X, y = blobs()
    y_fit = np.where(np.arange(len(y)) < 300, y, -1)
    ProxySelector(
        small_proxy(), method="margin", n_select=50, class_balance=class_balance, random_state=0
    ).fit(X, y_fit)
    # class balance over unlabeled rows needs the predicted classes: probabilities kept
    assert seen == ([([], False)] if class_balance else [(["margin"], True)])


@pytest.mark.parametrize("stage_elements", [30, 1 << 12, 1 << 18])
def test_scores_staged_across_batches_equal_the_kernel_on_all_probabilities(
    monkeypatch, stage_elements
):
    """Blocks smaller than a batch, holding a few batches, or many, with a partial last one."""
    from svpkit.nn import net as net_module

    monkeypatch.setattr(net_module, "_STAGE_ELEMENTS", stage_elements)
    X, y = blobs(n=30_500, n_classes=10)
    proxy = small_proxy().fit(X[:3000], y[:3000])
    proba, _, scores = net_module.predict_outputs(
        proxy, X, embed=False, predict=True, row_scores=KERNELS
    )
    for name, kernel in KERNELS.items():
        np.testing.assert_array_equal(scores[name], kernel(proba), err_msg=name)
