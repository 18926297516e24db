"""Which table columns become features, said and checked (issue 37, class 5); and the checks
of ``svpkit bench`` and ``svpkit estimate`` that ran late or spoke wrongly (class 8).

The rule: without ``--feature-columns`` every numeric column except the labels and a pandas
index column (``Unnamed: 0`` holding 0, 1, 2, ...) is a feature; a column that is numeric
except for a few cells (at least half of its non-empty cells are numbers) is refused with the
cells named; text columns are ignored. ``PoolFile.ignored`` says which and why.
"""

import json

import numpy as np
import pandas as pd
import pytest

from svpkit.cli import main, tools
from svpkit.cli.io import MOSTLY_NUMERIC, UserError, load_pool
from tests.helpers import cli_one_line_error


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    frame["label"] = [0, 1] * 20
    frame["note"] = "free text"
    return frame


def _select_argv(tmp_path, pool, *extra):
    argv = ["select", str(pool), "--labels", "label", "--fraction", "0.5", "--method", "random"]
    return [*argv, "--out", str(tmp_path / "sel.csv"), "--quiet", *extra]


def test_chosen_and_ignored_columns_are_said(tmp_path, frame):
    frame.to_csv(tmp_path / "pool.csv", index=False)
    pool = load_pool(tmp_path / "pool.csv", "label")
    assert pool.columns == ["a", "b", "c"]
    assert pool.ignored == {"note": "text, not numbers"}
    named = load_pool(tmp_path / "pool.csv", "label", feature_columns=["a", "c"])
    assert named.columns == ["a", "c"] and set(named.ignored) == {"b", "note"}


def test_the_summary_and_verbose_say_which_columns_became_features(tmp_path, frame, capsys):
    frame.to_csv(tmp_path / "pool.csv", index=False)
    argv = [a for a in _select_argv(tmp_path, tmp_path / "pool.csv") if a != "--quiet"]
    assert main([*argv, "--verbose"]) == 0
    assert "features: a, b, c; not features: note (text, not numbers)" in capsys.readouterr().err
    summary = json.loads((tmp_path / "sel.json").read_text())["input"]
    assert summary["features"] == ["a", "b", "c"]
    assert summary["not_features"] == {"note": "text, not numbers"}


def test_a_numeric_column_with_a_broken_cell_is_refused_naming_the_row(tmp_path, frame, capsys):
    frame = frame.astype({"b": object})
    frame.loc[5, "b"] = "0,5"
    frame.loc[9, "b"] = "n/a "
    frame.to_csv(tmp_path / "pool.csv", index=False)
    err = cli_one_line_error(capsys, _select_argv(tmp_path, tmp_path / "pool.csv"))
    assert "column 'b'" in err and "except in 2 of 40 cells" in err
    assert "row 5: '0,5', row 9: 'n/a '" in err and "--feature-columns" in err
    assert not (tmp_path / "sel.csv").exists()
    # named as a feature, it is refused the same way
    err = cli_one_line_error(
        capsys, _select_argv(tmp_path, tmp_path / "pool.csv", "--feature-columns", "a,b")
    )
    assert "row 5: '0,5'" in err
    # without it, the rest are the features
    assert main(_select_argv(tmp_path, tmp_path / "pool.csv", "--feature-columns", "a,c")) == 0


def test_only_the_first_five_broken_cells_are_shown(tmp_path, frame):
    frame = frame.astype({"b": object})
    frame.loc[:7, "b"] = "x"
    frame.to_csv(tmp_path / "pool.csv", index=False)
    with pytest.raises(UserError) as error:
        load_pool(tmp_path / "pool.csv", "label")
    assert "except in 8 of 40 cells (row 0: 'x', " in str(error.value)
    assert "row 4: 'x', ...)" in str(error.value) and "row 5" not in str(error.value)


def test_a_text_column_with_a_few_numbers_is_ignored_not_refused(tmp_path, frame):
    n_numbers = int(MOSTLY_NUMERIC * len(frame)) - 1  # just under the rule's share
    frame.loc[: n_numbers - 1, "note"] = "42"
    frame.to_csv(tmp_path / "pool.csv", index=False)
    assert load_pool(tmp_path / "pool.csv", "label").ignored == {"note": "text, not numbers"}


def test_the_pandas_index_column_is_skipped(tmp_path, frame):
    frame.to_csv(tmp_path / "pool.csv")  # index=True: a first column named "Unnamed: 0"
    pool = load_pool(tmp_path / "pool.csv", "label")
    assert pool.columns == ["a", "b", "c"] and "Unnamed: 0" in pool.ignored
    assert "index" in pool.ignored["Unnamed: 0"]
    assert main(_select_argv(tmp_path, tmp_path / "pool.csv")) == 0
    summary = json.loads((tmp_path / "sel.json").read_text())
    assert summary["input"]["features"] == ["a", "b", "c"]
    # named, it is used
    named = load_pool(tmp_path / "pool.csv", "label", feature_columns=["Unnamed: 0", "a"])
    assert named.columns == ["Unnamed: 0", "a"]


def test_an_unnamed_column_that_is_no_index_stays_a_feature(tmp_path, frame):
    frame.index = np.random.default_rng(1).permutation(len(frame))
    frame.to_csv(tmp_path / "pool.csv")
    assert load_pool(tmp_path / "pool.csv", "label").columns == ["Unnamed: 0", "a", "b", "c"]


def test_the_label_column_is_refused_as_a_feature(tmp_path, frame, capsys):
    frame.to_csv(tmp_path / "pool.csv", index=False)
    argv = _select_argv(tmp_path, tmp_path / "pool.csv", "--feature-columns", "a,label")
    err = cli_one_line_error(capsys, argv)
    assert "--feature-columns names the label column 'label'" in err
    with pytest.raises(UserError, match="--text-column 'label' is the label column"):
        load_pool(tmp_path / "pool.csv", "label", text_column="label")


# svpkit bench and svpkit estimate (class 8)


def test_bench_out_file_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    def run(*args, **kwargs):
        raise AssertionError("the benchmark ran")

    monkeypatch.setattr(tools.subprocess, "call", run)
    (tmp_path / "results.json").write_text("{}")
    err = cli_one_line_error(
        capsys, ["bench", "scoring", "--quick", "--out", str(tmp_path / "results.json")]
    )
    assert "is a file; pass a folder" in err
    err = cli_one_line_error(
        capsys, ["bench", "scoring", "--out", str(tmp_path / "results.json" / "x")]
    )
    assert "is a file, not a folder" in err


def test_bench_says_where_the_results_went(tmp_path, capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(tools.subprocess, "call", lambda argv: calls.append(argv) or 0)
    monkeypatch.setattr(tools.tempfile, "mkdtemp", lambda prefix: str(tmp_path / prefix))
    assert main(["bench", "scoring", "--quick"]) == 0
    out = calls[-1][calls[-1].index("--out") + 1]  # a temporary folder, made to be named
    assert out == str(tmp_path / "svpkit-bench-scoring-")
    assert capsys.readouterr().err == f"svpkit bench scoring: results in {out}\n"
    assert main(["bench", "scoring"]) == 0
    assert "--out" not in calls[-1]
    assert f"results in {tools.BENCHMARKS / 'results'}" in capsys.readouterr().err
    assert main(["bench", "scoring", "--out", str(tmp_path / "new")]) == 0
    assert f"results in {tmp_path / 'new'}" in capsys.readouterr().err
    assert main(["bench", "scoring", "--quick", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.012, "0.012 s"),
        (45, "45 s"),
        (3600, "60 min"),
        (5 * 3600, "5 h"),
        (3 * 86400, "3 days"),
        (40 * 365.25 * 86400, "40 years"),
        (1.8e21 * 60, "more than 1,000 years"),
    ],
)
def test_durations_read_well_over_the_whole_range(seconds, text):
    assert tools._seconds(seconds) == text


def test_estimate_of_a_huge_run_does_not_say_hours(capsys):
    argv = ["estimate", "--rows", "10000000000000", "--dim", "100000", "--k", "1000000000000"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "more than 1,000 years" in out and "hours" not in out and " min" not in out


def test_estimate_errors_name_the_options(capsys):
    err = cli_one_line_error(capsys, ["estimate", "--rows", "10", "--dim", "1", "--k", "100"])
    assert "--k 100 is more than --rows 10" in err and "n_centers" not in err
