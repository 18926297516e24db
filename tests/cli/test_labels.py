"""The command line reads labels as the API does (issue 37, class 4): exactly, per value.

Integers stay integers however large, whole numbers are the integers they are, a number that
is not whole (or not finite) is refused in the API's words with its row named, and text stays
text.
"""

import json

import numpy as np
import pandas as pd
import pytest

from svpkit import CoresetSelector
from svpkit.cli import main
from svpkit.cli.io import UserError, check_answer_labels, load_pool, split_labels
from tests.helpers import cli_one_line_error

BIG = 2**53  # the first integer a float64 cannot tell from its successor


def _pool(path, labels):
    """A small CSV pool: three numeric features and a ``label`` column of ``labels``."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(len(labels), 3)), columns=["a", "b", "c"])
    frame["label"] = labels
    frame.to_csv(path, index=False)
    return path


def _select(tmp_path, pool, *extra):
    """``svpkit select`` (random, fast); the summary, or SystemExit."""
    out = tmp_path / "sel.csv"
    argv = ["select", str(pool), "--labels", "label", "--fraction", "0.5", "--method", "random"]
    assert main([*argv, "--out", str(out), "--quiet", *extra]) == 0
    return json.loads((tmp_path / "sel.json").read_text())


# split_labels


def test_integers_above_2_53_stay_apart_as_text_and_as_numbers():
    for raw in ([str(BIG), str(BIG + 1)], np.array([BIG, BIG + 1]), [BIG, BIG + 1]):
        y, unlabeled = split_labels(raw)
        assert [int(v) for v in y] == [BIG, BIG + 1] and not unlabeled.any()
        assert all(isinstance(v, np.int64) for v in y)  # fits int64: as before
    y, _ = split_labels(["18446744073709551617", "5"])  # beyond int64: an exact Python int
    assert y.tolist() == [2**64 + 1, 5] and type(y[0]) is int


def test_whole_numbers_become_exact_integers():
    y, _ = split_labels(np.array([1e20, 3e20]))
    assert y.tolist() == [10**20, 3 * 10**20]  # not int64's overflow, twice
    y, unlabeled = split_labels(["3e20", "1E20", "3.0", " 4 ", ""])
    assert y.tolist() == [3 * 10**20, 10**20, 3, 4, None] and unlabeled.tolist()[-1]
    y, unlabeled = split_labels(np.array([1.0, np.nan, 2.0]))  # a CSV column with blanks
    assert y.tolist() == [1, None, 2] and unlabeled.tolist() == [False, True, False]


@pytest.mark.parametrize(
    ("raw", "row", "shown"),
    [
        (np.array([1.0, 2.0, 3.5]), 2, "3.5"),
        (["1", "2", "2.25", "3.5"], 2, "'2.25'"),
        (["1", "inf"], 1, "'inf'"),
        (np.array([np.inf, 1.0]), 0, "inf"),
    ],
)
def test_a_number_that_is_not_a_class_is_refused_naming_its_row(raw, row, shown):
    with pytest.raises(UserError) as error:
        split_labels(raw)
    message = str(error.value)
    assert f"row {row} has the label {shown}, which is not a class" in message
    assert "\n" not in message


def test_continuous_labels_are_refused_in_the_api_s_words():
    selector = CoresetSelector(method="random", fraction=0.5, task="classification")
    with pytest.raises(ValueError) as api:
        selector.fit(np.zeros((4, 1)), [0.5, 1, 2, 3])
    with pytest.raises(UserError) as cli:
        split_labels(["0.5", "1", "2", "3"])
    assert str(api.value) in str(cli.value)


def test_any_text_label_makes_every_label_text_as_written():
    y, unlabeled = split_labels(["cat", 3, "3.5", None, "dog"])
    assert y.tolist() == ["cat", "3", "3.5", None, "dog"]
    assert unlabeled.tolist() == [False, False, False, True, False]


def test_the_missing_label_marker_matches_as_text_and_as_a_number():
    y, unlabeled = split_labels(["0", "-1", "-1.0", "2", ""], "-1")
    assert y.tolist() == [0, None, None, 2, None]
    assert unlabeled.tolist() == [False, True, True, False, True]
    _, unlabeled = split_labels(np.array([0.0, -1.0]), "-1")
    assert unlabeled.tolist() == [False, True]
    y, unlabeled = split_labels(["cat", "unknown", "dog"], "unknown")
    assert y.tolist() == ["cat", None, "dog"] and unlabeled.tolist() == [False, True, False]
    _, unlabeled = split_labels([str(BIG), str(BIG + 1)], str(BIG + 1))  # exact, not via floats
    assert unlabeled.tolist() == [False, True]


# check_answer_labels: the answers reader's checks


def test_answers_are_read_exactly():
    answers = check_answer_labels([4, 7], [str(BIG + 1), "2.0"])
    assert {row: int(label) for row, label in answers.items()} == {4: BIG + 1, 7: 2}


@pytest.mark.parametrize(
    ("rows", "labels", "marker", "expected"),
    [
        ([3, 5, 3], ["1", "2", "1"], None, "1 row is answered more than once: row 3"),
        ([3, 5, 3], ["1", "2", "2"], None, "row 3 ('1', '2')"),
        ([3, 5], ["1", np.nan], None, "row 5 has an empty label"),
        ([3, 5], ["1", "-1"], "-1", "row 5 answered with '-1', the --missing-label marker"),
        ([3, 5], ["1", "3.5"], None, "row 5 has the label '3.5', which is not a class"),
    ],
)
def test_bad_answers_are_refused_with_their_rows(rows, labels, marker, expected):
    with pytest.raises(UserError) as error:
        check_answer_labels(rows, labels, marker, where="answers file a.csv")
    assert str(error.value).startswith("answers file a.csv: ") and expected in str(error.value)


# through the command line


def test_select_keeps_integer_labels_above_2_53_apart(tmp_path):
    pool = _pool(tmp_path / "big.csv", [BIG, BIG + 1] * 20)
    assert _select(tmp_path, pool)["input"]["n_classes"] == 2
    assert load_pool(pool, "label").labels.tolist()[:2] == [str(BIG), str(BIG + 1)]  # unrounded


def test_select_reads_1e20_and_3e20_as_two_classes(tmp_path):
    pool = _pool(tmp_path / "e20.csv", ["1e20", "3e20"] * 20)
    assert _select(tmp_path, pool)["input"]["n_classes"] == 2
    pool = _pool(tmp_path / "floats.csv", [1e20, 3e20] * 20)  # written by pandas as 1e+20
    assert _select(tmp_path, pool)["input"]["n_classes"] == 2


def test_select_reads_big_integers_of_a_labels_file_exactly(tmp_path):
    pool = _pool(tmp_path / "pool.csv", [0] * 40)
    pd.DataFrame({"label": [BIG, BIG + 1] * 20}).to_csv(tmp_path / "y.csv", index=False)
    out = tmp_path / "sel.csv"
    argv = ["select", str(pool), "--labels", str(tmp_path / "y.csv"), "--fraction", "0.5"]
    assert main([*argv, "--method", "random", "--out", str(out), "--quiet"]) == 0
    assert json.loads((tmp_path / "sel.json").read_text())["input"]["n_classes"] == 2


def test_select_refuses_a_continuous_label_naming_its_row(tmp_path, capsys):
    pool = _pool(tmp_path / "cont.csv", [1, 2] * 19 + [3.5, 1])
    argv = ["select", str(pool), "--labels", "label", "--fraction", "0.5", "--method", "random"]
    argv += ["--out", str(tmp_path / "s.csv"), "--quiet"]
    # two classes and a 3.5: a typo or a regression target? Asked, not guessed.
    err = cli_one_line_error(capsys, argv)
    assert "3 distinct numbers in 40 labeled rows, some not whole (e.g. 3.5)" in err
    assert "--task classification or --task regression" in err
    err = cli_one_line_error(capsys, [*argv, "--task", "classification"])
    assert "row 38 has the label '3.5', which is not a class" in err
    assert "looks continuous" in err
    assert not (tmp_path / "s.csv").exists()


def test_select_reads_a_continuous_target_as_regression(tmp_path):
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=200, random_state=0)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(10)]).assign(target=y)
    frame.loc[[3, 7], "target"] = None  # empty cells: unlabeled, refused by a core-set
    frame = frame.dropna()
    frame.to_csv(tmp_path / "reg.csv", index=False)
    argv = ["select", str(tmp_path / "reg.csv"), "--labels", "target", "--fraction", "0.3"]
    assert main([*argv, "--out", str(tmp_path / "s.csv"), "--quiet", "--method", "variance"]) == 0
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["input"]["task"] == "regression" and summary["input"]["n_classes"] is None
    assert summary["chosen_method"] == "variance" and summary["n_selected"] == 60


def test_select_refuses_text_under_task_regression(tmp_path, capsys):
    pool = _pool(tmp_path / "text.csv", ["a", "b"] * 20)
    argv = ["select", str(pool), "--labels", "label", "--fraction", "0.5", "--task", "regression"]
    err = cli_one_line_error(capsys, [*argv, "--out", str(tmp_path / "s.csv")])
    assert "row 0 has the label 'a', which is not a number" in err


def test_query_and_merge_numeric_answers_for_a_regression_target(tmp_path, capsys):
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=120, random_state=0)
    targets = pd.Series(y, dtype=object)
    targets[40:] = None  # rows 40.. await an answer
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(10)]).assign(target=targets)
    frame.to_csv(tmp_path / "pool.csv", index=False)
    state, out = tmp_path / "state", tmp_path / "ask.csv"
    base = ["query", str(tmp_path / "pool.csv"), "--labels", "target", "--state", str(state)]
    assert main([*base, "--budget", "5", "--out", str(out), "--quiet"]) == 0
    asked = pd.read_csv(out)["row"].tolist()
    assert len(asked) == 5 and min(asked) >= 40
    answers = pd.DataFrame({"row": asked, "label": [f"{y[r]:.6f}" for r in asked]})
    answers.to_csv(tmp_path / "answers.csv", index=False)
    assert main([*base, "--merge", str(tmp_path / "answers.csv"), "--quiet"]) == 0
    held = json.loads((state / "state.json").read_text())["answers"]
    assert held["rows"] == sorted(asked)  # stored as numbers, not refused as "not a class"
    np.testing.assert_allclose(held["labels"], [y[r] for r in sorted(asked)], atol=1e-6)
    assert main([*base, "--budget", "5", "--out", str(out), "--quiet"]) == 0
    again = pd.read_csv(out)["row"].tolist()
    assert not set(again) & set(asked)
    bad = pd.DataFrame({"row": again[:1], "label": ["tall"]})
    bad.to_csv(tmp_path / "bad.csv", index=False)
    err = cli_one_line_error(capsys, [*base, "--merge", str(tmp_path / "bad.csv")])
    assert "which is not a number" in err
