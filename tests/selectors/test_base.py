"""The shared fit path: determinism, one ranking cut by fraction, transform, containers, errors."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.utils._param_validation import InvalidParameterError

from svpkit import CoresetSelector, ProxySelector
from svpkit.kernels.scoring import least_confidence
from tests.helpers import logreg, small_proxy


@pytest.mark.parametrize("method", ["least_confidence", "kcenters", "forgetting", "margin"])
def test_same_random_state_same_selection_with_torch_proxy(digits, method):
    X, y = digits
    runs = [
        CoresetSelector(small_proxy(), method=method, fraction=0.3, random_state=5).fit(X, y)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].sample_indices_, runs[1].sample_indices_)
    np.testing.assert_array_equal(runs[0].ranking_, runs[1].ranking_)


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


@pytest.mark.parametrize("fraction", ["half", True])
def test_fraction_wrong_type(digits, fraction):
    X, y = digits
    with pytest.raises(
        TypeError, match="'fraction' parameter of CoresetSelector must be a float in \\(0, 1\\]"
    ):
        CoresetSelector(logreg(), fraction=fraction).fit(X, y)


@pytest.mark.parametrize("method", ["uncertainty", "forgeting"])
def test_unknown_method(digits, method):
    X, y = digits
    with pytest.raises(ValueError, match="Choose one of .*least_confidence"):
        CoresetSelector(logreg(), method=method).fit(X, y)


def test_method_of_the_wrong_type(digits):
    X, y = digits
    with pytest.raises(InvalidParameterError, match="'method' parameter .* must be an instance"):
        CoresetSelector(logreg(), method=3).fit(X, y)


def test_y_none_and_continuous_y(digits):
    X, y = digits
    with pytest.raises(ValueError, match="requires y"):
        CoresetSelector(logreg()).fit(X, None)
    with pytest.raises(ValueError, match="regression target, but the proxy LogisticRegression"):
        CoresetSelector(logreg()).fit(X, y + np.linspace(0, 0.5, len(y)))
    with pytest.raises(ValueError, match="continuous, but task='classification'"):
        CoresetSelector(task="classification").fit(X, y + 0.5)


def test_nothing_lost_on_error(digits):
    # A failed fit leaves a previously fitted selector's results untouched.
    X, y = digits
    sel = CoresetSelector(logreg(), method="margin", fraction=0.3, random_state=0).fit(X, y)
    before = sel.sample_indices_.copy()
    with pytest.raises(ValueError):
        sel.set_params(n_select=5000).fit(X, y)
    np.testing.assert_array_equal(sel.sample_indices_, before)


def test_fit_seconds_split_proxy_training_scoring_and_selection(digits):
    X, y = digits
    sel = CoresetSelector(small_proxy(), method="entropy", fraction=0.3, random_state=0).fit(X, y)
    assert set(sel.fit_seconds_) == {
        "validate",
        "candidates",
        "proxy_fit",
        "score",
        "select",
        "weigh",
    }
    assert sel.fit_seconds_["proxy_fit"] > sel.fit_seconds_["score"] > 0
    rnd = CoresetSelector(method="random", fraction=0.3).fit(X, y)
    assert rnd.fit_seconds_["proxy_fit"] == 0.0
