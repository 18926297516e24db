"""``svpkit select --labels A,B,C``: a label set per row from several 0/1 columns."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_multilabel_classification

from svpkit import CoresetSelector
from svpkit.cli import main


@pytest.fixture
def table(tmp_path):
    X, Y = make_multilabel_classification(240, n_features=6, n_classes=3, random_state=0)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    for j, name in enumerate(["sports", "politics", "tech"]):
        frame[name] = Y[:, j]
    frame["note"] = "text"
    path = tmp_path / "pool.csv"
    frame.to_csv(path, index=False)
    return path, X.astype(np.float32), Y


def _refused(args, capsys) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code != 0
    return capsys.readouterr().err


def test_label_columns_select_as_the_api_does(tmp_path, table):
    path, X, Y = table
    out = tmp_path / "sel.csv"
    args = ["select", str(path), "--labels", "sports,politics,tech", "--fraction", "0.5"]
    assert main([*args, "--method", "random", "--out", str(out), "--quiet"]) == 0
    summary = json.loads((tmp_path / "sel.json").read_text())
    assert summary["input"]["task"] == "multilabel" and summary["input"]["n_classes"] == 3
    assert summary["input"]["features"] == [f"f{i}" for i in range(6)]  # labels excluded
    selected = pd.read_csv(out)["selected"].to_numpy().astype(bool)
    api = CoresetSelector(method="random", fraction=0.5, random_state=0).fit(X, Y)
    np.testing.assert_array_equal(np.flatnonzero(selected), api.sample_indices_)


@pytest.mark.parametrize(
    ("labels", "extra", "message"),
    [
        ("sports,nope", [], "has no column 'nope'"),
        ("sports,politics", ["--task", "regression"], "--task is regression"),
        ("sports,sports", [], "two or more distinct columns"),
    ],
    ids=["missing_column", "task_regression", "repeated"],
)
def test_bad_label_columns_are_refused(tmp_path, table, capsys, labels, extra, message):
    path, _, _ = table
    args = ["select", str(path), "--labels", labels, "--fraction", "0.5", *extra]
    assert message in _refused([*args, "--out", str(tmp_path / "s.csv")], capsys)


def test_a_cell_other_than_0_or_1_or_a_partial_row_is_refused(tmp_path, table, capsys):
    path, _, _ = table
    frame = pd.read_csv(path)
    frame.loc[3, "tech"] = 2
    frame.to_csv(tmp_path / "bad.csv", index=False)
    args = ["select", str(tmp_path / "bad.csv"), "--labels", "sports,politics,tech"]
    err = _refused([*args, "--fraction", "0.5", "--out", str(tmp_path / "s.csv")], capsys)
    assert "row 3 holds '2' in label column 'tech'" in err
    frame = pd.read_csv(path).astype({"tech": object})
    frame.loc[5, "tech"] = ""
    frame.to_csv(tmp_path / "partial.csv", index=False)
    args = ["select", str(tmp_path / "partial.csv"), "--labels", "sports,politics,tech"]
    err = _refused([*args, "--fraction", "0.5", "--out", str(tmp_path / "s.csv")], capsys)
    assert "row 5 leaves label column 'tech' empty" in err


def test_query_with_label_sets_points_to_the_loop(tmp_path, table, capsys):
    path, _, _ = table
    args = ["query", str(path), "--labels", "sports,tech", "--budget", "5"]
    assert "ActiveLearningLoop" in _refused([*args, "--out", str(tmp_path / "q.csv")], capsys)
