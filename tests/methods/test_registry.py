"""The registry: user-written methods through both selectors, needs as sets, clear errors."""

import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from svpkit import CoresetSelector, ProxySelector, available_methods, register_method
from svpkit.methods import (
    PoolOutputs,
    RankContext,
    SelectionMethod,
    as_ranking,
    get_method,
    order_by_score,
)
from svpkit.methods import _registry as registry
from svpkit.methods.balance import allocate
from svpkit.nn import predict_proba_and_embed

DOCS = Path(__file__).resolve().parents[2] / "docs" / "methods.md"
EXAMPLE = re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.S)[0]


@pytest.fixture
def clean_registry(monkeypatch):
    """Methods a test registers disappear afterwards."""
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))


def test_docs_example_runs_through_both_selectors_and_matches_a_reference(clean_registry):
    namespace: dict = {}
    exec(compile(EXAMPLE, "docs/methods.md example", "exec"), namespace)
    X, y, core, query = (namespace[k] for k in ("X", "y", "core", "query"))
    assert "confident_spread" in available_methods()

    # Core-set: the kept rows are the top 30% of the documented score, from the fitted proxy.
    proba, emb = predict_proba_and_embed(core.proxy_, X.astype(np.float32))
    spread = np.linalg.norm(emb - emb.mean(axis=0), axis=1)
    reference = (1.0 - proba.max(axis=1)) * spread
    k = int(np.ceil(0.3 * len(X)))
    assert core.n_selected_ == k
    np.testing.assert_array_equal(core.sample_indices_, np.sort(np.argsort(-reference)[:k]))
    np.testing.assert_allclose(core.scores_, reference, rtol=1e-5)

    # Active learning, class-balanced: 50 unlabeled rows, spread over the predicted classes.
    y_partial = namespace["y_partial"]
    picked = query.sample_indices_
    assert len(picked) == 50 and (y_partial[picked] == -1).all()
    unlabeled = np.flatnonzero(y_partial == -1)
    pool_proba = predict_proba_and_embed(query.proxy_, X[unlabeled].astype(np.float32))[0]
    predicted = dict(zip(unlabeled, pool_proba.argmax(axis=1), strict=True))
    present, sizes = np.unique(list(predicted.values()), return_counts=True)
    quotas = dict(zip(present, allocate(50, sizes), strict=True))  # proportional to class sizes
    got = np.unique([predicted[i] for i in picked], return_counts=True)
    assert dict(zip(*got, strict=True)) == {c: q for c, q in quotas.items() if q}


def test_register_forms_and_needs_as_sets(clean_registry):
    def rank(ctx):
        scores = -ctx.candidates.astype(float)  # lowest row id first
        return order_by_score(ctx.candidates, scores, ctx.rng), scores

    built = register_method("lowest_first", rank)
    assert built.needs == frozenset() and not built.needs_proxy(n_labeled=100)
    assert register_method(SelectionMethod("lowest_str", needs="proba", rank=rank)).needs == {
        "proba"
    }
    assert get_method("lowest_str").needs_proxy(0)
    sel = CoresetSelector(method="lowest_first", n_select=5, class_balance=False)
    sel.fit(np.eye(20), np.arange(20) % 2)
    np.testing.assert_array_equal(sel.sample_indices_, np.arange(5))
    assert sel.proxy_ is None  # a method that reads nothing trains no proxy


def test_hybrid_method_reads_every_output_it_names_from_one_training(
    clean_registry, digits, proxy_trainings
):
    seen = {}

    @register_method("hybrid_probe", needs={"proba", "embedding"})
    def probe(ctx):
        seen["proba"], seen["embedding"] = ctx.outputs.proba, ctx.outputs.embedding
        seen["forgetting"] = ctx.outputs.forgetting
        scores = ctx.outputs.proba[ctx.candidates].max(axis=1)
        return order_by_score(ctx.candidates, scores, ctx.rng), scores

    X, y = digits
    ProxySelector(LogisticRegression(max_iter=300), method="hybrid_probe", n_select=10).fit(X, y)
    assert seen["proba"].shape == (600, 10) and seen["embedding"].shape == (600, 64)
    assert seen["forgetting"] is None and len(proxy_trainings) == 1


def test_methods_that_need_all_labels_are_coreset_only(clean_registry, digits):
    register_method(
        "all_labels_probe",
        lambda ctx: (ctx.candidates, np.zeros(len(ctx.candidates))),
        needs_all_labels=True,
    )
    assert "all_labels_probe" in available_methods()
    assert "all_labels_probe" not in available_methods(all_labeled=False)
    X, y = digits
    with pytest.raises(ValueError, match="needs every row labeled: use CoresetSelector"):
        ProxySelector(method="all_labels_probe").fit(X, y)


def test_registry_errors():
    with pytest.raises(ValueError, match=r"unknown outputs \['logits'\]"):
        SelectionMethod("bad", needs={"logits"}, rank=lambda ctx: None)
    with pytest.raises(TypeError, match="rank must be callable"):
        SelectionMethod("bad", needs=set(), rank=None)
    with pytest.raises(ValueError, match="non-empty string name"):
        SelectionMethod("", rank=lambda ctx: None)
    with pytest.raises(ValueError, match=r"method='nope' is not available here\. Choose one of"):
        get_method("nope")


def test_wrong_number_of_scores_is_reported_with_the_method_name():
    method = SelectionMethod("short", rank=lambda ctx: None)
    with pytest.raises(ValueError, match="method 'short' returned .* scores for 3 candidates"):
        as_ranking(method, (np.arange(3), np.zeros(2)), 3)


def test_rank_context_restriction_keeps_everything_else():
    ctx = RankContext(
        outputs=PoolOutputs(),
        candidates=np.arange(10),
        existing=np.empty(0, np.int64),
        y=np.zeros(10, np.int64),
        classes=np.array(["a"]),
        n_select=4,
        rng=np.random.RandomState(0),
        class_balance=True,
        share=0.4,
    )
    sub = ctx.restricted(np.arange(3), np.array([5]), 2)
    assert sub.n_select == 2 and not sub.class_balance and sub.share == 0.4
    assert sub.rng is ctx.rng and list(ctx.labeled) == list(range(10))


def test_a_method_may_report_only_the_documented_fitted_attributes(clean_registry, digits):
    from svpkit.methods import Ranking

    def rank(ctx):
        scores = np.zeros(len(ctx.candidates))
        return Ranking(ctx.candidates, scores, report={"sample_indices_": np.arange(3)})

    register_method(SelectionMethod("doc_overreach", rank=rank))
    X, y = digits
    with pytest.raises(ValueError, match=r"reported \['sample_indices_'\]; a method may report"):
        CoresetSelector(method="doc_overreach", class_balance=False).fit(X, y)
