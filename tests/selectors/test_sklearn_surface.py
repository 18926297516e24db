"""The selectors' scikit-learn surface: feature names pass through, ``set_output`` works, and
fit parameters get a clear error instead of a TypeError from deep inside ``fit``."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from svpkit import CoresetSelector, ProxySelector


def _frame(digits):
    X, y = digits
    return pd.DataFrame(X[:, :8], columns=[f"pixel_{i}" for i in range(8)]), y


@pytest.mark.parametrize("cls", [CoresetSelector, ProxySelector])
def test_feature_names_pass_through(digits, cls):
    X, y = _frame(digits)
    sel = cls(LogisticRegression(max_iter=200), method="random", fraction=0.5, random_state=0)
    sel.fit(X, y)
    np.testing.assert_array_equal(sel.get_feature_names_out(), X.columns)
    np.testing.assert_array_equal(
        sel.fit(X.to_numpy(), y).get_feature_names_out(), [f"x{i}" for i in range(8)]
    )
    with pytest.raises(ValueError, match="input_features"):
        sel.fit(X, y).get_feature_names_out(["a", "b"])


def test_set_output_pandas_returns_the_selected_rows_as_a_frame(digits):
    X, y = digits
    X = X[:, :8]
    sel = CoresetSelector(method="random", fraction=0.25, random_state=0).set_output(
        transform="pandas"
    )
    out = sel.fit_transform(X, y)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == [f"x{i}" for i in range(8)]
    np.testing.assert_array_equal(out.to_numpy(), X[sel.sample_indices_].astype(out.dtypes.iloc[0]))
    frame = pd.DataFrame(X, columns=[f"p{i}" for i in range(8)], index=np.arange(len(X)) + 1000)
    out = sel.fit(frame, y).transform(frame)
    np.testing.assert_array_equal(out.index, frame.index[sel.sample_indices_])
    assert list(out.columns) == list(frame.columns)


def test_fit_transform_refuses_fit_parameters_with_the_fix(digits):
    X, y = digits
    sel = CoresetSelector(method="random", fraction=0.5)
    with pytest.raises(TypeError, match=r"fit takes no fit parameter sample_weight \(only .*"):
        sel.fit_transform(X, y, sample_weight=np.ones(len(y)))
    assert not hasattr(sel, "sample_indices_")  # refused before any work
