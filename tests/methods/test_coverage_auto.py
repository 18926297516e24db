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


def test_auto_records_its_choice_and_keeps_random_without_a_clear_winner(digits, monkeypatch):
    X, y = digits
    sel = CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=0).fit(X, y)
    assert sel.method_ in auto.AUTO_CANDIDATES
    assert set(sel.method_scores_) == set(auto.AUTO_CANDIDATES)
    best = max(sel.method_scores_.values())
    if best - sel.method_scores_["random"] <= auto.AUTO_MARGIN:
        assert sel.method_ == "random"
    else:
        assert sel.method_scores_[sel.method_] == best
    assert sel.n_selected_ == int(np.ceil(0.3 * len(y)))
    again = CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.sample_indices_, sel.sample_indices_)
    assert again.method_ == sel.method_

    # with a huge margin random always wins the tie-break
    monkeypatch.setattr(auto, "AUTO_MARGIN", 1.0)
    forced = CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=0)
    assert forced.fit(X, y).method_ == "random"


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


def test_auto_reads_every_output_its_candidates_read():
    assert auto.candidate_needs() <= auto.AUTO_NEEDS | auto.AUTO_OPTIONAL_NEEDS


def test_auto_with_a_scikit_learn_proxy_skips_the_dynamics_candidates(digits):
    X, y = digits
    sel = CoresetSelector(logreg(), method="auto", fraction=0.3, random_state=0).fit(X, y)
    assert "forgetting+ccs" not in sel.method_scores_ and "d2" not in sel.method_scores_
    assert {"random", "kcenters", "least_confidence"} <= set(sel.method_scores_)


def test_auto_scores_each_candidate_by_its_worst_family_gain(digits):
    X, y = digits
    sel = CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=0).fit(X, y)
    accuracies, base = sel.method_validation_, sel.method_validation_["random"]
    assert set(accuracies) == set(sel.method_scores_) == set(auto.AUTO_CANDIDATES)
    for name, acc in accuracies.items():
        assert set(acc) == {"proxy", "probe"} and all(0 <= a <= 1 for a in acc.values())
        expected = min(acc["proxy"] - base["proxy"], acc["probe"] - base["probe"])
        assert sel.method_scores_[name] == expected
    assert sel.method_scores_["random"] == 0.0


def _fake_evaluator(proxy_gain, probe_gain, holdouts=None):
    """Random (validated first in every split) scores 0.5 in both families; every other
    candidate scores 0.5 plus the given gain. ``holdouts`` collects the proxy's test rows."""

    def evaluator(ctx, models):
        calls = {"proxy": 0, "probe": 0}

        def evaluate(train, test, seed, steps_of_rows=None, family="proxy"):
            first_of_split = calls[family] % len(auto.AUTO_CANDIDATES) == 0
            calls[family] += 1
            if holdouts is not None and family == "proxy" and first_of_split:
                holdouts.append(np.asarray(test))
            gain = proxy_gain if family == "proxy" else probe_gain
            return 0.5 if first_of_split else 0.5 + gain

        return evaluate

    return evaluator


def test_auto_keeps_random_when_the_probe_family_disagrees(digits, monkeypatch):
    X, y = digits
    monkeypatch.setattr(auto, "_evaluator", _fake_evaluator(proxy_gain=0.2, probe_gain=-0.01))
    sel = CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=0).fit(X, y)
    assert sel.method_ == "random"  # the proxy alone would have chosen a candidate
    assert max(sel.method_scores_.values()) == 0.0

    monkeypatch.setattr(auto, "_evaluator", _fake_evaluator(proxy_gain=0.2, probe_gain=0.05))
    sel = CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=0).fit(X, y)
    assert sel.method_ != "random"
    assert sel.method_scores_[sel.method_] == pytest.approx(0.05)


@pytest.mark.parametrize("n_rows", [200, 600])
def test_auto_validates_small_pools_on_disjoint_stratified_holdouts(digits, monkeypatch, n_rows):
    X, y = digits
    X, y = X[:n_rows], y[:n_rows]
    holdouts = []
    monkeypatch.setattr(auto, "_evaluator", _fake_evaluator(0.1, 0.1, holdouts))
    CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=0).fit(X, y)
    assert len(holdouts) == auto.n_validation_splits(n_rows) == 5  # under 2,000 rows: all
    rows = np.concatenate(holdouts)
    assert len(np.unique(rows)) == len(rows) >= n_rows - 10  # disjoint; nearly every row
    for held in holdouts:  # each about a fifth of every class
        counts, totals = np.bincount(y[held], minlength=10), np.bincount(y, minlength=10)
        assert np.all(np.abs(counts - totals / 5) <= 1)


def test_the_number_of_validation_splits_shrinks_as_the_pool_grows():
    splits = [auto.n_validation_splits(n) for n in (10, 2_000, 2_500, 5_000, 10_000, 10**6)]
    assert splits == [5, 5, 4, 2, 1, 1]
    rows = [auto.n_validation_splits(n) * auto.AUTO_HOLDOUT * n for n in (2_500, 5_000, 10**4)]
    assert all(r >= auto.AUTO_VALIDATION_ROWS for r in rows)


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


def test_auto_selects_exactly_what_naming_its_choice_selects(digits, monkeypatch):
    X, y = digits
    sel = CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=3).fit(X, y)
    method, sampler = auto.AUTO_CANDIDATES[sel.method_]
    named = CoresetSelector(
        small_proxy(), method=method, sampler=sampler, fraction=0.3, random_state=3
    ).fit(X, y)
    np.testing.assert_array_equal(sel.sample_indices_, named.sample_indices_)

    monkeypatch.setattr(auto, "AUTO_MARGIN", 1.0)  # random: the class-balanced random subset
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
    accuracies, base = sel.method_validation_, sel.method_validation_["random"]
    for name, acc in accuracies.items():  # neither the proxy nor the probe: only these two
        assert set(acc) == {"LogisticRegression", "LogisticRegression#2"}
        assert sel.method_scores_[name] == min(acc[f] - base[f] for f in acc)
    both = CoresetSelector(
        small_proxy(), method="auto", fraction=0.3, random_state=0, validate_with=["proxy", "probe"]
    ).fit(X, y)
    default = CoresetSelector(small_proxy(), method="auto", fraction=0.3, random_state=0)
    assert both.method_validation_ == default.fit(X, y).method_validation_


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


def test_auto_skips_the_candidates_one_epoch_of_dynamics_cannot_serve(digits):
    X, y = digits
    X, y = X[:300], y[:300]
    sel = CoresetSelector(
        small_proxy().set_params(max_epochs=1), method="auto", fraction=0.3, random_state=0
    ).fit(X, y)
    assert "dyn_unc" not in sel.method_scores_ and "dual+beta" not in sel.method_scores_
    assert {"random", "kcenters", "forgetting+ccs", "d2"} <= set(sel.method_scores_)
