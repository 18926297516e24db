"""moderate and d2 against references; method='auto' chooses by validation and keeps random
unless something beats it."""

import numpy as np
import pytest

from svpkit import CoresetSelector, ProxySelector
from svpkit.kernels.dynamics import el2n_scores
from svpkit.kernels.graph import d2_forward, d2_select, knn_graph
from svpkit.methods import auto
from svpkit.nn import DynamicsRecorder
from tests.helpers import logreg, small_proxy


def test_moderate_keeps_rows_nearest_each_class_median_distance(digits):
    X, y = digits
    sel = CoresetSelector(
        logreg(), method="moderate", fraction=0.3, class_balance=False, random_state=0
    ).fit(X, y)
    # logistic regression has no embedding: moderate reads the input features
    expected = np.empty(len(y))
    for c in np.unique(y):
        m = y == c
        d = np.linalg.norm(X[m] - X[m].mean(0), axis=1)
        expected[m] = -np.abs(d - np.median(d))
    np.testing.assert_allclose(sel.scores_, expected, rtol=1e-6, atol=1e-9)
    kept = sel.sample_indices_
    assert expected[kept].min() >= np.sort(expected)[::-1][len(kept) - 1] - 1e-12


def test_d2_equals_the_kernels_on_the_proxy_outputs(digits):
    from svpkit.nn.net import predict_proba_and_embed

    X, y = digits
    sel = CoresetSelector(
        small_proxy(random_state=0),
        method="d2",
        fraction=0.2,
        class_balance=False,
        random_state=0,
    ).fit(X, y)
    rec = DynamicsRecorder()
    net = small_proxy(random_state=0, callbacks=[("d", rec)]).fit(X.astype(np.float32), y)
    _, emb = predict_proba_and_embed(net, X.astype(np.float32))
    nbrs, dist = knn_graph(emb, 10)
    forward = d2_forward(el2n_scores(dict(net.callbacks_)["d"].dynamics_), nbrs, dist)
    picks = d2_select(forward, nbrs, dist, sel.n_selected_, rng=np.random.RandomState(0))
    assert len(np.intersect1d(np.sort(picks), sel.sample_indices_)) >= 0.95 * len(picks)


def test_auto_records_its_choice_reason_and_is_deterministic(digits):
    X, y = digits
    sel = CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=0).fit(X, y)
    assert sel.method_ in auto.AUTO_CANDIDATES
    assert set(sel.method_scores_) == set(auto.AUTO_CANDIDATES)
    best = max(sel.method_scores_, key=sel.method_scores_.get)
    # random unless some candidate's lower bound is above zero, then the highest
    assert sel.method_ == (best if sel.method_scores_[best] > 0 else "random")
    assert isinstance(sel.method_reason_, str) and sel.method_reason_
    assert sel.n_selected_ == int(np.ceil(0.3 * len(y)))
    again = CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.sample_indices_, sel.sample_indices_)
    assert again.method_ == sel.method_ and again.method_scores_ == sel.method_scores_


def test_auto_reports_its_validation_seconds_beside_the_proxys(digits):
    X, y = digits
    sel = CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=0).fit(X, y)
    seconds = sel.fit_seconds_
    assert seconds["auto_validation"] > 0 and seconds["proxy_fit"] > 0
    assert seconds["select"] >= 0  # the validation is taken out of "select", not counted twice


def test_auto_selects_like_its_choice_class_balanced_and_the_same_count(digits, tmp_path):
    X, y = digits
    sel = CoresetSelector(
        small_proxy(), method="auto", fraction=0.2, random_state=1, memory=str(tmp_path)
    ).fit(X, y)
    method, sampler = auto.AUTO_CANDIDATES[sel.method_]
    counts = np.bincount(y[sel.sample_indices_], minlength=10)
    assert counts.max() - counts.min() <= 3  # class balanced
    direct = CoresetSelector(
        small_proxy(),
        method=method,
        sampler=sampler,
        fraction=0.2,
        random_state=1,
        memory=str(tmp_path),
    ).fit(X, y)
    assert len(direct.sample_indices_) == len(sel.sample_indices_)


def test_auto_on_a_fully_labeled_pool_is_the_coreset_choice_for_both_selectors(digits):
    X, y = digits
    X, y = X[:400], y[:400]
    proxy = ProxySelector(method="auto", fraction=0.3, random_state=0).fit(X, y)
    coreset = CoresetSelector(method="auto", fraction=0.3, random_state=0).fit(X, y)
    assert proxy.method_ in auto.AUTO_CANDIDATES
    assert proxy.method_ == coreset.method_
    np.testing.assert_array_equal(proxy.sample_indices_, coreset.sample_indices_)


def test_auto_with_a_proxy_that_records_training_validates_every_candidate(digits, monkeypatch):
    # What AUTO_NEEDS and AUTO_OPTIONAL_NEEDS (the outputs the pool computes for auto) are
    # there for: with a proxy that records training dynamics, every output some candidate
    # reads is computed, so no candidate is skipped as unreadable (a skipped one would be
    # missing from method_scores_). Validation is faked: only the proxy's outputs matter.
    X, y = digits
    monkeypatch.setattr(auto, "_evaluator", _fake_evaluator({"proxy": 0.15, "probe": 0.15}))
    sel = CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=0).fit(X, y)
    assert set(sel.method_scores_) == set(auto.AUTO_CANDIDATES)
    assert set(sel.method_validation_) == set(auto.AUTO_CANDIDATES)
    assert "training dynamics" not in sel.method_reason_


def test_auto_candidates_are_class_balanced_coverage_samplers_beside_random():
    for name, (_method, sampler) in auto.AUTO_CANDIDATES.items():
        assert name == "random" or sampler == "ccs"


def test_auto_with_a_scikit_learn_proxy_skips_the_dynamics_candidates(digits):
    X, y = digits
    sel = CoresetSelector(logreg(), method="auto", fraction=0.3, random_state=0).fit(X, y)
    assert sel.method_ == "random" and sel.method_scores_ == {}
    assert "no training dynamics" in sel.method_reason_


@pytest.mark.parametrize("share", [0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.93, 0.99])
def test_the_validation_plan_fits_the_budget_and_prefers_more_candidates(share):
    names = ["forgetting+ccs", "least_confidence+ccs"]
    plan = auto.validation_plan(share, names)
    if plan is None:  # not even one candidate fits: random, unvalidated
        assert 2 * share > auto.AUTO_BUDGET
        return
    n = len(plan.candidates)
    assert plan.candidates == tuple(names[:n])
    assert (n + 1) * share * plan.epoch_scale <= auto.AUTO_BUDGET + 1e-9
    assert 1.0 <= plan.epoch_scale <= max(1.0, min(auto.AUTO_MAX_EPOCH_SCALE, 1 / share))
    if n < len(names):  # one more would not have fitted
        assert (n + 2) * share > auto.AUTO_BUDGET


def _row_correct(n_rows, accuracy, offset=0):
    """A correctness vector with round(accuracy * n) right answers, rotated by ``offset``."""
    right = np.zeros(n_rows, bool)
    right[: int(round(accuracy * n_rows))] = True
    return np.roll(right, offset)


def test_lower_bound_against_the_formula_and_in_the_right_direction():
    rng = np.random.default_rng(0)
    cand = [rng.random(300) < 0.9, rng.random(300) < 0.9]
    rand = [rng.random(300) < 0.8, rng.random(300) < 0.8]
    diffs = [c.astype(float) - r for c, r in zip(cand, rand, strict=True)]
    rows = np.concatenate(diffs)
    se = max(rows.std(ddof=1) / np.sqrt(600), np.std([d.mean() for d in diffs], ddof=1) / 2**0.5)
    assert auto.lower_bound(cand, rand) == pytest.approx(rows.mean() - auto.AUTO_Z * se)
    assert auto.lower_bound(cand, rand) > 0 > auto.lower_bound(rand, cand)
    # a small gain on few rows is not confident; the same gain on many rows is
    small = [_row_correct(100, 0.81), _row_correct(100, 0.81)]
    base = [_row_correct(100, 0.80, 50), _row_correct(100, 0.80, 50)]
    assert auto.lower_bound(small, base) <= 0
    # folds that disagree widen the bound even when the rows agree
    split = [_row_correct(1000, 0.95), _row_correct(1000, 0.75)]
    assert auto.lower_bound(split, [_row_correct(1000, 0.8)] * 2) < 0


def test_skill_is_zero_at_the_majority_guess_and_one_when_perfect():
    y = np.array([0] * 9 + [1])
    assert auto.skill(0.9, y) == 0.0 and auto.skill(1.0, y) == 1.0
    assert auto.skill(0.95, y) == pytest.approx(0.5)


def _fake_evaluator(gains, random_accuracy=0.8, calls=None):
    """Random (validated first in every fold) gets ``random_accuracy`` right in every family;
    a candidate gets ``random_accuracy + gains[family]``. ``calls`` collects (family, train
    rows, epoch_scale) per training."""

    def evaluator(ctx, models):
        count = {}

        def evaluate(train, test, seed, family="proxy", epoch_scale=1.0):
            if calls is not None:
                calls.append((family, len(train), epoch_scale, np.asarray(test)))
            n_names = len(auto.AUTO_CANDIDATES)  # all fit the budget at 30% kept
            first = count.get(family, 0) % n_names == 0
            count[family] = count.get(family, 0) + 1
            if first:
                return _row_correct(len(test), random_accuracy)
            # a candidate gets other rows right too: row-level differences go both ways
            accuracy = min(1.0, random_accuracy + gains[family])
            return _row_correct(len(test), accuracy, offset=len(test) // 3)

        return evaluate

    return evaluator


def test_auto_leaves_random_only_for_a_confident_gain_in_every_family(digits, monkeypatch):
    X, y = digits
    fit = lambda: CoresetSelector(  # noqa: E731
        small_proxy(), method="auto", fraction=0.3, random_state=0
    ).fit(X, y)
    monkeypatch.setattr(auto, "_evaluator", _fake_evaluator({"proxy": 0.15, "probe": 0.15}))
    sel = fit()
    assert sel.method_ != "random" and sel.method_scores_[sel.method_] > 0
    assert "beats random" in sel.method_reason_
    # the probe disagrees: the proxy alone would have chosen a candidate
    monkeypatch.setattr(auto, "_evaluator", _fake_evaluator({"proxy": 0.15, "probe": -0.01}))
    sel = fit()
    assert sel.method_ == "random" and max(sel.method_scores_.values()) == 0.0
    # a gain of half a point on 300 rows per fold is inside the noise
    monkeypatch.setattr(auto, "_evaluator", _fake_evaluator({"proxy": 0.005, "probe": 0.005}))
    assert fit().method_ == "random"


def test_auto_ignores_validators_that_are_not_competent(digits, monkeypatch):
    X, y = digits
    # 30% right on ten balanced classes: a fifth of the way from the majority guess to perfect
    weak = _fake_evaluator({"proxy": 0.3, "probe": 0.3}, random_accuracy=0.3)
    monkeypatch.setattr(auto, "_evaluator", weak)
    sel = CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=0).fit(X, y)
    assert sel.method_ == "random"
    assert "no validating model is competent" in sel.method_reason_


def test_auto_validates_on_two_disjoint_stratified_halves_within_its_budget(digits, monkeypatch):
    X, y = digits
    calls = []
    monkeypatch.setattr(
        auto, "_evaluator", _fake_evaluator({"proxy": 0.0, "probe": 0.0}, calls=calls)
    )
    proxy = small_proxy()
    CoresetSelector(proxy, method="auto", fraction=0.3, random_state=0).fit(X, y)
    proxy_calls = [c for c in calls if c[0] == "proxy"]
    holdouts = {tuple(c[3]) for c in proxy_calls}
    assert len(holdouts) == auto.AUTO_FOLDS == 2
    first, second = (np.array(h) for h in holdouts)
    assert len(np.intersect1d(first, second)) == 0 and len(first) + len(second) == len(y)
    counts, totals = np.bincount(y[first], minlength=10), np.bincount(y, minlength=10)
    assert np.all(np.abs(counts - totals / 2) <= 1)  # each about half of every class
    # the proxy clones' rows x epochs stay within AUTO_BUDGET trainings on the whole pool, up
    # to rounding each clone's epochs to a whole number (half an epoch of its rows at most)
    steps = sum(rows * max(1, round(proxy.max_epochs * scale)) for _, rows, scale, _ in proxy_calls)
    rounding = sum(rows / 2 for _, rows, _, _ in proxy_calls)
    assert steps <= auto.AUTO_BUDGET * len(y) * proxy.max_epochs + rounding


def test_auto_keeps_random_unvalidated_when_nothing_fits_the_budget(digits, monkeypatch):
    X, y = digits
    monkeypatch.setattr(auto, "AUTO_BUDGET", 1.0)  # one candidate and random cost 1.4 at 70%
    sel = CoresetSelector(small_proxy(), method="auto", fraction=0.7, random_state=0).fit(X, y)
    assert sel.method_ == "random" and sel.method_scores_ == {}
    assert "within the budget" in sel.method_reason_


def test_auto_selects_exactly_what_naming_its_choice_selects(digits, monkeypatch):
    X, y = digits
    monkeypatch.setattr(auto, "_evaluator", _fake_evaluator({"proxy": 0.15, "probe": 0.15}))
    sel = CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=3).fit(X, y)
    method, sampler = auto.AUTO_CANDIDATES[sel.method_]
    assert method != "random"
    named = CoresetSelector(
        small_proxy(), method=method, sampler=sampler, fraction=0.3, random_state=3
    ).fit(X, y)
    np.testing.assert_array_equal(sel.sample_indices_, named.sample_indices_)

    # random: exactly the class-balanced random subset of the same random_state
    monkeypatch.setattr(auto, "_evaluator", _fake_evaluator({"proxy": -0.1, "probe": -0.1}))
    fallback = CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=3)
    plain = CoresetSelector(method="random", fraction=0.3, random_state=3)
    np.testing.assert_array_equal(
        fallback.fit(X, y).sample_indices_, plain.fit(X, y).sample_indices_
    )


def test_auto_validates_with_the_models_the_user_names(digits):
    X, y = digits
    X, y = X[:300], y[:300]
    sel = CoresetSelector(
        small_proxy(),
        method="auto",
        fraction=0.3,
        random_state=0,
        validate_with=[logreg(), logreg().set_params(C=0.1)],
    ).fit(X, y)
    for acc in sel.method_validation_.values():  # neither the proxy nor the probe: these two
        assert set(acc) == {"LogisticRegression", "LogisticRegression#2"}
        assert all(0 <= a <= 1 for a in acc.values())
    both = CoresetSelector(
        small_proxy(), method="auto", fraction=0.3, random_state=0, validate_with=["proxy", "probe"]
    ).fit(X, y)
    default = CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=0)
    assert both.method_validation_ == default.fit(X, y).method_validation_


def test_every_pool_kind_has_a_probe_that_trains_on_its_rows():
    import scipy.sparse as sp
    from sklearn.base import clone

    from svpkit.pools import make_pool

    rng = np.random.default_rng(0)
    images = rng.random((40, 1, 4, 4)).astype(np.float32)
    texts = np.array([f"{w} film {i}" for i, w in enumerate(["great", "dull"] * 20)], object)
    y = np.arange(40) % 2
    for X in (images, sp.csr_matrix(images.reshape(40, -1)), texts):
        pool = make_pool(X, CoresetSelector(), reset=True)
        model = clone(pool.probe_model()).fit(X[:30], y[:30])
        assert model.predict_proba(X[30:]).shape == (10, 2)
    probe = make_pool(texts, CoresetSelector(), reset=True).probe_model()
    assert probe.fit(texts, y).score(texts, y) == 1.0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"method": "kcenters", "validate_with": ["proxy"]}, "read by method='auto' only"),
        ({"validate_with": []}, "nothing to validate with"),
        ({"validate_with": ["target"]}, "'proxy', 'probe' or unfitted classifiers"),
        ({"validate_with": [object()]}, "'proxy', 'probe' or unfitted classifiers"),
        ({"validate_with": "proxy"}, "validate_with"),
    ],
)
def test_bad_validate_with_is_refused_before_any_training(digits, params, message):
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = digits
    with pytest.raises(InvalidParameterError, match=message):
        CoresetSelector(small_proxy(), fraction=0.3, **params).fit(X, y)


# -- pools too small to validate ---------------------------------------------------------------


@pytest.mark.parametrize("n_rows", [4, 10, 30])
@pytest.mark.parametrize("selector", [ProxySelector, CoresetSelector])
def test_auto_with_few_labeled_rows_keeps_class_balanced_random_and_says_why(n_rows, selector):
    rng = np.random.RandomState(0)
    X = rng.randn(n_rows, 5)
    y = np.arange(n_rows) % 2
    sel = selector(random_state=0).fit(X, y)  # the default method: auto
    assert sel.method_ == "random" and sel.method_scores_ == {}
    assert sel.method_reason_.startswith("too few labeled rows to validate")
    plain = CoresetSelector(method="random", random_state=0).fit(X, y)  # class-balanced
    np.testing.assert_array_equal(sel.sample_indices_, plain.sample_indices_)


@pytest.mark.parametrize(("counts", "fraction"), [((1, 99), 0.5), ((3, 97), 0.2)])
def test_auto_with_a_class_too_rare_for_a_validation_fold_keeps_random(counts, fraction):
    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(len(counts)), counts)
    X = rng.randn(len(y), 5) + y[:, None]
    sel = CoresetSelector(small_proxy(), fraction=fraction, random_state=0).fit(X, y)
    assert sel.method_ == "random"
    assert "cannot validate" in sel.method_reason_
    assert "a classifier needs two" in sel.method_reason_


def test_the_validation_size_rule():
    # a validation model trains on the kept share of half the rows: 5 rows per class at least
    assert auto.too_few_to_validate(30, 2, 0.5) is not None  # 8 rows for 2 classes
    assert auto.too_few_to_validate(40, 2, 0.5) is None  # 10
    assert auto.too_few_to_validate(600, 10, 0.2) is None  # 60 for 10 classes
    assert auto.too_few_to_validate(600, 10, 0.1) is not None  # 30
    assert auto.too_few_to_validate(1, 1, 0.5) is not None
