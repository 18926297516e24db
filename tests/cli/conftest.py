"""Pool files made from scikit-learn's digits, for the command line's tests."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits


@pytest.fixture(scope="session")
def digits_frame():
    X, y = load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    frame = pd.DataFrame(X, columns=[f"px{i}" for i in range(X.shape[1])])
    frame["label"] = y
    frame["note"] = "a non-numeric column, ignored"
    return frame


@pytest.fixture
def digits_csv(tmp_path, digits_frame):
    path = tmp_path / "data.csv"
    digits_frame.to_csv(path, index=False)
    return path


@pytest.fixture
def digits_npy(tmp_path, digits_frame):
    X = digits_frame.filter(like="px").to_numpy(np.float32)
    np.save(tmp_path / "pool.npy", X)
    np.save(tmp_path / "labels.npy", digits_frame["label"].to_numpy())
    return tmp_path / "pool.npy", tmp_path / "labels.npy"
