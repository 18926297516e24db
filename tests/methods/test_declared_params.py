"""Methods declare what they take (issue 34): extra parameters in ``params``, optional
behaviours in ``hooks``; selectors refuse an undeclared parameter by name and hand a method
only what it declared."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import InvalidParameterError

from svpkit import CoresetSelector, ProxySelector
from svpkit.methods import (
    HOOKS,
    SERVICES,
    SelectionMethod,
    _registry,
    check_method_params,
    get_method,
    methods_taking,
    order_by_score,
    register_method,
)

BUILT_IN_FIELDS = {"name", "needs", "rank", "needs_all_labels", "row_score", "params", "hooks"}


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(_registry, "_REGISTRY", dict(_registry._REGISTRY))


def _recording_method(name, params=(), hooks=None):
    """A method that ranks by row id and records the extras it was handed."""
    seen = []

    def rank(ctx):
        seen.append(dict(ctx.extras))
        scores = -ctx.candidates.astype(float)
        return order_by_score(ctx.candidates, scores, ctx.rng), scores

    register_method(SelectionMethod(name, rank=rank, params=params, hooks=hooks or {}))
    return seen


def test_selection_method_has_no_field_for_one_method():
    from dataclasses import fields

    assert {f.name for f in fields(SelectionMethod)} == BUILT_IN_FIELDS
    assert get_method("targeted").params == {"query", "query_classes", "private"}
    assert "validate_with" in get_method("auto").params
    assert set(get_method("kcenters").hooks) == {"weigh", "blockwise"}


def test_unknown_or_uncallable_hooks_are_refused():
    with pytest.raises(ValueError, match=r"unknown hooks \['wieght'\]"):
        SelectionMethod("bad", rank=lambda ctx: None, hooks={"wieght": lambda ctx, s: s})
    with pytest.raises(TypeError, match=r"hooks \['weigh'\] must be callable"):
        SelectionMethod("bad", rank=lambda ctx: None, hooks={"weigh": 3})
    assert set(HOOKS) == {"check", "resolve", "needs", "select", "weigh", "blockwise"}


def test_an_undeclared_parameter_is_refused_by_name_before_any_training(digits, monkeypatch):
    from svpkit.pools import memory

    trained = []
    monkeypatch.setattr(memory, "train_and_read", lambda *a, **k: trained.append(1))
    X, y = digits
    y_partial = np.where(np.arange(len(y)) < 100, y, -1)
    for name in ("query", "query_classes", "private"):
        with pytest.raises(InvalidParameterError, match=f"^{name}= is read by method='targeted'"):
            ProxySelector(LogisticRegression(), "margin", n_select=5, **{name: [1]}).fit(
                X, y_partial
            )
    with pytest.raises(InvalidParameterError, match="validate_with= is read by method='auto'"):
        CoresetSelector(LogisticRegression(), "margin", validate_with=["proxy"]).fit(X, y)
    assert trained == []


def test_a_method_receives_exactly_the_parameters_it_declared(clean_registry, digits):
    X, y = digits
    y_partial = np.where(np.arange(len(y)) < 100, y, -1)
    seen = _recording_method("doc_takes_query", params={"query", "query_classes"})
    ProxySelector(method="doc_takes_query", n_select=3, query=[400, 2], query_classes=[1]).fit(
        X, y_partial
    )
    (extras,) = seen
    # query_classes joins the labeled rows of those classes to the query rows
    expected = np.union1d([2, 400], np.flatnonzero(y_partial == 1))
    assert set(extras) == {"query"}
    np.testing.assert_array_equal(extras["query"], expected)
    assert methods_taking("query") == "method='doc_takes_query' or method='targeted'"

    plain = _recording_method("doc_takes_nothing")
    ProxySelector(method="doc_takes_nothing", n_select=3).fit(X, y_partial)
    assert plain == [{}]


def test_services_are_handed_only_to_methods_that_declare_them(clean_registry, digits):
    X, y = digits
    seen = _recording_method("doc_wants_fit_score", params={"fit_score", "probe"})
    CoresetSelector(
        LogisticRegression(max_iter=200), "doc_wants_fit_score", class_balance=False
    ).fit(X, y)
    # the method reads no proxy output, so no proxy is trained: no service to give
    assert seen == [{}]

    def rank(ctx):
        train, test = ctx.candidates[::2], ctx.candidates[1::2]
        seen.append(ctx.extras["fit_score"](ctx.extras["probe"](), train, test, 0))
        scores = ctx.outputs.proba[ctx.candidates, 0]
        return order_by_score(ctx.candidates, scores, ctx.rng), scores

    register_method(
        SelectionMethod(
            "doc_proba_and_fit_score", needs="proba", rank=rank, params={"fit_score", "probe"}
        )
    )
    CoresetSelector(
        LogisticRegression(max_iter=200), "doc_proba_and_fit_score", class_balance=False
    ).fit(X, y)
    accuracy = seen[-1]
    assert set(SERVICES) == {"proxy", "probe", "fit_score", "fit_correct"}
    assert 0.85 < accuracy <= 1.0  # a linear probe on half the digits predicts the other half


def test_the_check_hook_runs_on_the_resolved_parameters_before_training(clean_registry, digits):
    X, y = digits
    calls = []

    def check(extras):
        calls.append(extras)
        if "query" not in extras:
            raise ValueError("doc_checked needs query rows")

    _recording_method("doc_checked", params={"query"}, hooks={"check": check})
    with pytest.raises(ValueError, match="doc_checked needs query rows"):
        ProxySelector(method="doc_checked", n_select=3).fit(X, y)
    fitted = ProxySelector(method="doc_checked", n_select=3, query=[5], random_state=0)
    fitted.fit(X, y)
    np.testing.assert_array_equal(calls[-1]["query"], [5])
    with pytest.raises(ValueError, match="cannot select from a new pool: doc_checked needs"):
        fitted.transform(X[:50])


def test_check_method_params_names_every_taker():
    with pytest.raises(InvalidParameterError, match="no registered method"):
        check_method_params(get_method("margin"), {"nonsense": 1})
    check_method_params(get_method("auto"), {"validate_with": ["proxy"]})  # declared: fine
