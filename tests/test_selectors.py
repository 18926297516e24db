"""Selectors: selections against references, active-learning semantics, outputs, errors."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from svpkit import CoresetSelector, ProxySelector, greedy_kcenters, make_default_proxy
from svpkit.nn import predict_proba_and_embed
from svpkit.scoring import entropy, least_confidence, margin

KERNELS = {"least_confidence": least_confidence, "entropy": entropy, "margin": margin}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0)[:600], y[:600]


def small_proxy(**params):
    return make_default_proxy(max_epochs=3, module__hidden_units=(32,), **params)


def logreg():
    return LogisticRegression(max_iter=300)


@pytest.mark.parametrize("method", list(KERNELS))
def test_uncertainty_selection_equals_top_k_of_the_kernel(digits, method):
    X, y = digits
    sel = CoresetSelector(logreg(), method=method, fraction=0.25, random_state=0).fit(X, y)
    scores = KERNELS[method](sel.proxy_.predict_proba(X.astype(np.float32)))
    np.testing.assert_allclose(sel.scores_, scores)
    expected = np.sort(np.argsort(-scores, kind="stable")[: sel.n_selected_])
    np.testing.assert_array_equal(sel.sample_indices_, expected)
    # the ranking is in the right direction: most uncertain first
    assert np.all(np.diff(sel.scores_[sel.ranking_]) <= 0)
    assert sel.n_selected_ == int(np.ceil(0.25 * len(X)))


def test_active_learning_selects_only_unlabeled_rows(digits):
    X, y = digits
    rng = np.random.RandomState(0)
    y_partial = np.where(rng.rand(len(y)) < 0.3, y, -1)
    unlabeled = np.flatnonzero(y_partial == -1)
    q = ProxySelector(logreg(), method="entropy", fraction=40, random_state=0).fit(X, y_partial)
    assert q.n_selected_ == 40
    assert set(q.sample_indices_) <= set(unlabeled)
    assert np.isnan(q.scores_[y_partial != -1]).all()
    # the proxy was trained on the labeled rows only
    ref = clone(logreg()).fit(X[y_partial != -1].astype(np.float32), y[y_partial != -1])
    ref_scores = entropy(ref.predict_proba(X[unlabeled].astype(np.float32)))
    np.testing.assert_allclose(q.scores_[unlabeled], ref_scores, rtol=1e-6)
    top = unlabeled[np.argsort(-ref_scores, kind="stable")[:40]]
    np.testing.assert_array_equal(q.sample_indices_, np.sort(top))
    # a float fraction is a share of the unlabeled rows
    q.set_params(fraction=0.1).fit(X, y_partial)
    assert q.n_selected_ == int(np.ceil(0.1 * len(unlabeled)))


def test_kcenters_uses_labeled_rows_as_existing_centers(digits):
    X, y = digits
    y_partial = np.full(len(y), -1)
    y_partial[:50] = y[:50]
    q = ProxySelector(small_proxy(), method="kcenters", fraction=30, random_state=0)
    q.fit(X, y_partial)
    _, emb = predict_proba_and_embed(q.proxy_, X)
    picks, _ = greedy_kcenters(emb, 30, already_selected=np.arange(50))
    np.testing.assert_array_equal(q.ranking_, picks)
    np.testing.assert_array_equal(q.sample_indices_, np.sort(picks))
    assert q.sample_indices_.min() >= 50


def test_kcenters_without_labels_runs_on_input_features(digits):
    X, _ = digits
    q = ProxySelector(method="kcenters", fraction=20, random_state=3).fit(X, np.full(len(X), -1))
    assert q.proxy_ is None
    # first draw of the RandomState seeds torch; replay the same stream for the reference
    rng = np.random.RandomState(3)
    rng.randint(np.iinfo(np.int32).max)
    picks, _ = greedy_kcenters(X.astype(np.float32), 20, random_state=rng)
    np.testing.assert_array_equal(q.ranking_, picks)
    # scores are the distances at pick time: decreasing along the ranking
    assert np.all(np.diff(q.scores_[q.ranking_][1:]) <= 1e-6)


def test_forgetting_ranks_never_learned_first(digits):
    X, y = digits
    sel = CoresetSelector(small_proxy(), method="forgetting", fraction=0.5, random_state=0)
    sel.fit(X, y)
    ranked = sel.scores_[sel.ranking_]
    assert np.all(np.diff(ranked[np.isfinite(ranked)]) <= 0)
    n_inf = np.isinf(sel.scores_).sum()
    assert np.isinf(ranked[:n_inf]).all()  # never-learned rows lead the ranking
    assert sel.scores_[sel.ranking_[-1]] == sel.scores_.min()


def test_random_is_uniform_and_seeded(digits):
    X, y = digits
    a = CoresetSelector(method="random", fraction=0.5, random_state=1).fit(X, y)
    b = CoresetSelector(method="random", fraction=0.5, random_state=1).fit(X, y)
    c = CoresetSelector(method="random", fraction=0.5, random_state=2).fit(X, y)
    np.testing.assert_array_equal(a.sample_indices_, b.sample_indices_)
    assert not np.array_equal(a.sample_indices_, c.sample_indices_)
    assert a.proxy_ is None


@pytest.mark.parametrize("method", ["least_confidence", "kcenters", "forgetting", "margin"])
def test_same_random_state_same_selection_with_torch_proxy(digits, method):
    X, y = digits
    runs = [
        CoresetSelector(small_proxy(), method=method, fraction=0.3, random_state=5).fit(X, y)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].sample_indices_, runs[1].sample_indices_)
    np.testing.assert_array_equal(runs[0].ranking_, runs[1].ranking_)


def test_fit_does_not_touch_global_torch_rng(digits):
    import torch

    X, y = digits
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    CoresetSelector(small_proxy(), fraction=0.3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(torch.rand(3), expected)


def test_class_balance_keeps_the_same_share_of_every_class(digits):
    X, y = digits
    for method in ["margin", "kcenters", "random"]:
        sel = CoresetSelector(
            logreg(), method=method, fraction=0.2, class_balance=True, random_state=0
        ).fit(X, y)
        counts = np.bincount(y[sel.sample_indices_], minlength=10)
        np.testing.assert_array_equal(counts, np.ceil(0.2 * np.bincount(y)).astype(int))
    # an int count is split in proportion to class sizes
    sel.set_params(fraction=100).fit(X, y)
    assert sel.n_selected_ == 100
    assert np.abs(np.bincount(y[sel.sample_indices_]) - 100 * np.bincount(y) / len(y)).max() < 1


def test_class_balance_within_class_is_the_class_top_k(digits):
    X, y = digits
    sel = CoresetSelector(
        logreg(), method="entropy", fraction=0.3, class_balance=True, random_state=0
    ).fit(X, y)
    for c in range(10):
        members = np.flatnonzero(y == c)
        k = int(np.ceil(0.3 * len(members)))
        top = members[np.argsort(-sel.scores_[members], kind="stable")[:k]]
        assert set(top) == set(sel.sample_indices_) & set(members)


def test_fraction_is_a_cut_of_one_ranking(digits):
    X, y = digits
    sel = CoresetSelector(logreg(), method="margin", random_state=0)
    small = sel.set_params(fraction=0.1).fit(X, y).sample_indices_
    large = sel.set_params(fraction=0.4).fit(X, y).sample_indices_
    assert set(small) <= set(large)
    one = sel.set_params(fraction=1.0).fit(X, y)
    assert one.n_selected_ == len(X)


def test_transform_on_the_fitted_pool_returns_the_selected_rows(digits):
    X, y = digits
    sel = CoresetSelector(logreg(), method="margin", fraction=0.3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(sel.transform(X), X[sel.sample_indices_])
    np.testing.assert_array_equal(sel.fit_transform(X, y), X[sel.sample_indices_])
    mask = sel.get_support()
    assert mask.dtype == bool and mask.sum() == sel.n_selected_
    np.testing.assert_array_equal(np.flatnonzero(mask), sel.get_support(indices=True))


def test_transform_on_a_new_pool_uses_the_fitted_proxy(digits):
    X, y = digits
    X_new = load_digits().data[600:800] / 16.0
    sel = ProxySelector(logreg(), method="least_confidence", fraction=0.25, random_state=0)
    out = sel.fit(X, y).transform(X_new)
    scores = least_confidence(sel.proxy_.predict_proba(X_new.astype(np.float32)))
    expected = np.sort(np.argsort(-scores, kind="stable")[:50])
    np.testing.assert_array_equal(out, X_new[expected])


def test_class_balanced_transform_on_a_new_pool_balances_predicted_classes(digits):
    X, y = digits
    X_new = load_digits().data[600:900] / 16.0
    sel = CoresetSelector(
        logreg(), method="margin", fraction=0.2, class_balance=True, random_state=0
    ).fit(X, y)
    out = sel.transform(X_new)
    predicted = sel.proxy_.predict(X_new.astype(np.float32))
    expected = np.ceil(0.2 * np.bincount(predicted, minlength=10)).astype(int)
    rows = [np.flatnonzero((X_new == r).all(axis=1))[0] for r in out]
    np.testing.assert_array_equal(np.bincount(predicted[rows], minlength=10), expected)
    with pytest.raises(ValueError, match="fit_resample"):
        CoresetSelector(method="random", class_balance=True).fit(X, y).transform(X_new)


def test_transform_with_forgetting_on_unseen_pool_raises(digits):
    X, y = digits
    sel = CoresetSelector(small_proxy(), method="forgetting", fraction=0.5, random_state=0)
    sel.fit(X, y)
    with pytest.raises(ValueError, match="forgetting.*not passed to fit"):
        sel.transform(X[:100])


def test_pandas_in_pandas_out(digits):
    X, y = digits
    df = pd.DataFrame(X, columns=[f"px{i}" for i in range(X.shape[1])], index=np.arange(len(X)) * 3)
    ys = pd.Series(y, index=df.index, name="label")
    sel = CoresetSelector(logreg(), method="entropy", fraction=0.2, random_state=0)
    X_sel, y_sel = sel.fit_resample(df, ys)
    assert isinstance(X_sel, pd.DataFrame) and isinstance(y_sel, pd.Series)
    pd.testing.assert_frame_equal(X_sel, df.iloc[sel.sample_indices_])
    pd.testing.assert_series_equal(y_sel, ys.iloc[sel.sample_indices_])
    assert list(sel.feature_names_in_) == list(df.columns)
    assert isinstance(sel.transform(df), pd.DataFrame)


def test_string_labels_and_torch_proxy(digits):
    X, y = digits
    names = np.array(list("abcdefghij"))[y]
    sel = CoresetSelector(small_proxy(), method="entropy", fraction=0.2, random_state=0)
    X_sel, y_sel = sel.fit_resample(X, names)
    assert y_sel.dtype == names.dtype and len(X_sel) == sel.n_selected_
    np.testing.assert_array_equal(sel.classes_, np.array(list("abcdefghij")))


def test_memory_caches_proxy_training_across_fractions(digits, tmp_path, proxy_trainings):
    X, y = digits
    calls = proxy_trainings
    sel = CoresetSelector(small_proxy(), method="margin", random_state=0, memory=str(tmp_path))
    a = sel.set_params(fraction=0.2).fit(X, y).sample_indices_
    b = sel.set_params(fraction=0.5).fit(X, y).sample_indices_
    assert len(calls) == 1
    assert set(a) <= set(b)


# ---------------------------------------------------------------------------------------------
# Bad input: a clear error naming the parameter and the fix.


def test_nan_or_inf_in_X(digits):
    X, y = digits
    X = X.copy()
    X[3, 2] = np.nan
    X[7, 0] = np.inf
    with pytest.raises(ValueError, match=r"NaN or inf in 2 of .*SimpleImputer"):
        CoresetSelector(logreg()).fit(X, y)


def test_y_length_mismatch(digits):
    X, y = digits
    with pytest.raises(ValueError, match="y has 599 labels but X has 600 rows"):
        ProxySelector(logreg()).fit(X, y[:-1])


def test_one_dimensional_X_for_mlp_proxy():
    with pytest.raises(ValueError, match=r"1-D.*reshape\(-1, 1\)"):
        ProxySelector().fit(np.arange(10.0), np.arange(10) % 2)


@pytest.mark.parametrize("fraction", [0, 0.0, -0.5, 1.5, 0])
def test_fraction_out_of_range(digits, fraction):
    X, y = digits
    with pytest.raises(ValueError, match="fraction"):
        CoresetSelector(logreg(), fraction=fraction).fit(X, y)


@pytest.mark.parametrize("fraction", ["half", None, True])
def test_fraction_wrong_type(digits, fraction):
    X, y = digits
    with pytest.raises(TypeError, match="fraction must be a float in \\(0, 1\\] or a positive int"):
        CoresetSelector(logreg(), fraction=fraction).fit(X, y)


def test_int_count_larger_than_pool_or_unlabeled(digits):
    X, y = digits
    with pytest.raises(ValueError, match="fraction=601 asks for more rows than the 600 rows"):
        CoresetSelector(logreg(), fraction=601).fit(X, y)
    y_partial = y.copy()
    y_partial[:20] = -1
    with pytest.raises(ValueError, match="than the 20 unlabeled rows; pass at most 20"):
        ProxySelector(logreg(), fraction=21).fit(X, y_partial)


def test_single_class(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="only 1 class.*at least 2 classes"):
        CoresetSelector(logreg()).fit(X, np.zeros(len(X), dtype=int))


def test_no_labeled_rows_names_the_methods_that_work(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="method='random'.*method='kcenters'"):
        ProxySelector(logreg(), method="entropy").fit(X, np.full(len(X), -1))


@pytest.mark.parametrize("method", ["uncertainty", "forgeting", 3])
def test_unknown_method(digits, method):
    X, y = digits
    with pytest.raises(ValueError, match="Choose one of .*least_confidence"):
        CoresetSelector(logreg(), method=method).fit(X, y)


def test_forgetting_is_coreset_only(digits):
    X, y = digits
    with pytest.raises(ValueError, match="needs every row labeled: use CoresetSelector"):
        ProxySelector(method="forgetting").fit(X, y)


def test_forgetting_needs_a_proxynet(digits):
    X, y = digits
    with pytest.raises(ValueError, match="ProxyNet"):
        CoresetSelector(logreg(), method="forgetting").fit(X, y)


def test_proxy_without_predict_proba(digits):
    X, y = digits
    with pytest.raises(ValueError, match="no predict_proba.*kcenters"):
        CoresetSelector(LinearSVC(), method="entropy").fit(X, y)


def test_y_none_and_continuous_y(digits):
    X, y = digits
    with pytest.raises(ValueError, match="requires y"):
        CoresetSelector(logreg()).fit(X, None)
    with pytest.raises(ValueError, match="continuous"):
        CoresetSelector(logreg()).fit(X, y + 0.5)


def test_nothing_lost_on_error(digits):
    # A failed fit leaves a previously fitted selector's results untouched.
    X, y = digits
    sel = CoresetSelector(logreg(), method="margin", fraction=0.3, random_state=0).fit(X, y)
    before = sel.sample_indices_.copy()
    with pytest.raises(ValueError):
        sel.set_params(fraction=5000).fit(X, y)
    np.testing.assert_array_equal(sel.sample_indices_, before)


def test_verbose_shows_a_progress_bar_for_torch_proxies(digits, capsys):
    X, y = digits
    CoresetSelector(small_proxy(), fraction=0.2, random_state=0, verbose=True).fit(X, y)
    assert "proxy" in capsys.readouterr().err
    CoresetSelector(small_proxy(), fraction=0.2, random_state=0).fit(X, y)
    assert capsys.readouterr().err == ""


def test_fit_seconds_split_proxy_training_scoring_and_selection(digits):
    X, y = digits
    sel = CoresetSelector(small_proxy(), method="entropy", fraction=0.3, random_state=0).fit(X, y)
    assert set(sel.fit_seconds_) == {"proxy_fit", "score", "select"}
    assert sel.fit_seconds_["proxy_fit"] > sel.fit_seconds_["score"] > 0
    rnd = CoresetSelector(method="random", fraction=0.3).fit(X, y)
    assert rnd.fit_seconds_["proxy_fit"] == 0.0


def test_one_cached_training_serves_every_method_with_identical_selections(
    digits, tmp_path, proxy_trainings
):
    X, y = digits
    for method in ["least_confidence", "margin", "entropy", "kcenters", "forgetting"]:
        cached = CoresetSelector(
            small_proxy(), method=method, fraction=0.3, random_state=0, memory=str(tmp_path)
        ).fit(X, y)
        plain = CoresetSelector(small_proxy(), method=method, fraction=0.3, random_state=0)
        plain.fit(X, y)
        np.testing.assert_array_equal(cached.sample_indices_, plain.sample_indices_)
    # five cache-less fits plus a single cached one shared by all five methods
    assert len(proxy_trainings) == 6


def test_kcenters_weights_are_cluster_sizes(digits):
    X, y = digits
    sel = CoresetSelector(method="kcenters", fraction=0.1, random_state=0).fit(X, y)
    # proxy=None with all rows labeled: the default MLP's embeddings are the space
    _, emb = predict_proba_and_embed(sel.proxy_, X)
    centers = emb[sel.sample_indices_]
    nearest = ((emb[:, None, :] - centers[None]) ** 2).sum(-1).argmin(axis=1)
    np.testing.assert_array_equal(sel.sample_weight_, np.bincount(nearest, minlength=60))
    assert sel.sample_weight_.sum() == len(X)
    assert CoresetSelector(logreg(), method="margin").fit(X, y).sample_weight_ is None


def test_cache_hit_even_if_the_proxy_template_was_fitted_meanwhile(
    digits, tmp_path, proxy_trainings
):
    X, y = digits
    template = small_proxy()
    CoresetSelector(
        template, method="margin", fraction=0.2, random_state=0, memory=str(tmp_path)
    ).fit(X, y)
    template.fit(X[:100], y[:100])  # e.g. the target trained elsewhere, then reused as proxy
    CoresetSelector(
        template, method="margin", fraction=0.4, random_state=0, memory=str(tmp_path)
    ).fit(X, y)
    assert len(proxy_trainings) == 1
