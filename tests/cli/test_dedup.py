"""``svpkit dedup``: groups of near-duplicate rows from a .npy embedding or a table."""

import json

import numpy as np
import pandas as pd
import pytest

from svpkit.cli import main
from svpkit.kernels.dedup import find_duplicates


@pytest.fixture
def embedding(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 16)).astype(np.float32)
    X[250:] = X[:50] + 0.005 * rng.normal(size=(50, 16))  # rows 250-299 copy rows 0-49
    path = tmp_path / "emb.npy"
    np.save(path, X)
    return path, X


def test_groups_from_an_embedding_as_a_new_user_would(tmp_path, embedding, capsys):
    path, X = embedding
    out = tmp_path / "groups.csv"
    assert main(["dedup", str(path), "--out", str(out)]) == 0
    assert "50 of 300 rows are near-duplicates" in capsys.readouterr().out
    groups = pd.read_csv(out)
    assert list(groups.columns) == ["row", "representative", "similarity", "kept"]
    rep = groups["representative"].to_numpy()
    np.testing.assert_array_equal(rep[250:], rep[:50])  # each copy with its source
    assert groups["kept"].sum() == 250
    np.testing.assert_array_equal(rep, find_duplicates(X).representative)
    summary = json.loads((tmp_path / "groups.json").read_text())
    assert summary["n_duplicates"] == 50 and summary["n_groups"] == 50
    assert summary["threshold"] == 0.95 and summary["largest_group"] == 2


def test_scores_choose_the_row_each_group_keeps(tmp_path, embedding):
    path, _ = embedding
    scores = np.zeros(300)
    scores[250:] = 1.0  # prefer the copies
    np.save(tmp_path / "scores.npy", scores)
    out = tmp_path / "groups.csv"
    scores_file = str(tmp_path / "scores.npy")
    assert main(["dedup", str(path), "--scores", scores_file, "--out", str(out), "--quiet"]) == 0
    groups = pd.read_csv(out)
    assert groups["kept"].to_numpy()[250:].all() and not groups["kept"].to_numpy()[:50].any()


def test_a_table_compares_its_numeric_columns(tmp_path, embedding):
    _, X = embedding
    table = pd.DataFrame(X[:, :4], columns=list("abcd"))
    table["note"] = "text"  # not numeric: not compared
    table.to_csv(tmp_path / "t.csv", index=False)
    out = tmp_path / "g.csv"
    args = ["dedup", str(tmp_path / "t.csv"), "--threshold", "0.999", "--out", str(out)]
    assert main([*args, "--quiet"]) == 0
    expected = find_duplicates(X[:, :4], 0.999).representative
    np.testing.assert_array_equal(pd.read_csv(out)["representative"], expected)
    main([*args, "--feature-columns", "a,b", "--quiet"])
    expected = find_duplicates(X[:, :2], 0.999).representative
    np.testing.assert_array_equal(pd.read_csv(out)["representative"], expected)


def _refused(args, capsys) -> str:
    """The one-line error a refused command prints (usage and input errors exit non-zero)."""
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code != 0
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--threshold", "1.5"], "not a cosine similarity"),
        (["--threshold", "x"], "is not a number"),
        (["--feature-columns", "a"], "a .npy file has none"),
    ],
    ids=["threshold_above_one", "threshold_text", "columns_of_npy"],
)
def test_bad_options_are_refused(tmp_path, embedding, capsys, extra, message):
    path, _ = embedding
    assert message in _refused(
        ["dedup", str(path), "--out", str(tmp_path / "g.csv"), *extra], capsys
    )


def test_refusals_name_the_problem(tmp_path, embedding, capsys):
    path, _ = embedding
    out = str(tmp_path / "g.csv")
    assert "is the pool" in _refused(["dedup", str(path), "--out", str(path)], capsys)
    np.save(tmp_path / "short.npy", np.ones(3))
    err = _refused(
        ["dedup", str(path), "--scores", str(tmp_path / "short.npy"), "--out", out], capsys
    )
    assert "3 scores but the pool has 300 rows" in err
    np.save(tmp_path / "flat.npy", np.ones(5))
    err = _refused(["dedup", str(tmp_path / "flat.npy"), "--out", out], capsys)
    assert "one row of numbers per sample" in err
    (tmp_path / "t.txt").write_text("x")
    err = _refused(["dedup", str(tmp_path / "t.txt"), "--out", out], capsys)
    assert "pass a .npy embedding or a CSV/Parquet table" in err
