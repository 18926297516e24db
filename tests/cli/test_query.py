"""``svpkit query``: three rounds of query + merge, resume after a crash, state checks."""

import json

import numpy as np
import pandas as pd
import pytest

from svpkit.cli import main

FAST = ["--proxy-epochs", "2", "--quiet"]


@pytest.fixture
def pool(tmp_path, digits_frame):
    """The digits pool with 40 labeled rows (4 a class) and the rest blank."""
    frame = digits_frame.drop(columns="note").copy()
    truth = frame["label"].to_numpy()
    seed_rows = np.concatenate([np.flatnonzero(truth == c)[:4] for c in range(10)])
    frame["label"] = frame["label"].astype(object)
    frame.loc[~frame.index.isin(seed_rows), "label"] = None
    path = tmp_path / "pool.csv"
    frame.to_csv(path, index=False)
    return path, truth, seed_rows


def _answer(to_label, truth, path):
    rows = pd.read_csv(to_label)["row"].to_numpy()
    pd.DataFrame({"row": rows, "label": truth[rows]}).to_csv(path, index=False)
    return rows


def test_three_rounds_of_query_and_merge_round_trip(tmp_path, pool):
    path, truth, seed_rows = pool
    state = tmp_path / "state"
    labeled = set(seed_rows.tolist())
    merge = []
    for round_ in range(1, 4):
        out = tmp_path / f"q{round_}.csv"
        argv = [
            "query",
            str(path),
            "--labels",
            "label",
            "--budget",
            "25",
            "--state",
            str(state),
            "--out",
            str(out),
            "--method",
            "margin",
            *merge,
            *FAST,
        ]
        assert main(argv) == 0
        rows = _answer(out, truth, tmp_path / f"a{round_}.csv")
        assert len(rows) == 25 and len(set(rows)) == 25
        assert not labeled & set(rows.tolist()), "a labeled row was proposed"
        labeled |= set(rows.tolist())
        merge = ["--merge", str(tmp_path / f"a{round_}.csv")]
    assert (
        main(["query", str(path), "--labels", "label", "--state", str(state), *merge, "--quiet"])
        == 0
    )
    saved = json.loads((state / "state.json").read_text())
    assert [r["round"] for r in saved["rounds"]] == [1, 2, 3]
    assert [r["n_labeled"] for r in saved["rounds"]] == [40, 65, 90]
    answers = pd.read_csv(state / "answers.csv")
    assert len(answers) == 75
    np.testing.assert_array_equal(answers["label"], truth[answers["row"]])


def test_rows_are_written_most_informative_first(tmp_path, pool):
    path, _, _ = pool
    out = tmp_path / "q.csv"
    main(["query", str(path), "--labels", "label", "--budget", "30", "--out", str(out), *FAST])
    scores = pd.read_csv(out)["score"].to_numpy()
    assert (np.diff(scores) <= 1e-9).all() and list(pd.read_csv(out)["rank"]) == list(range(1, 31))


def test_an_open_round_is_written_again_not_replaced(tmp_path, pool):
    path, truth, _ = pool
    state, first, again = tmp_path / "st", tmp_path / "q1.csv", tmp_path / "q1b.csv"
    base = ["query", str(path), "--labels", "label", "--budget", "10", "--state", str(state)]
    main([*base, "--out", str(first), *FAST])
    main([*base, "--out", str(again), "--random-state", "5", *FAST])  # as after a crash
    assert first.read_bytes() == again.read_bytes()
    # answering half of it leaves the other half open
    rows = pd.read_csv(first)["row"].to_numpy()[:5]
    pd.DataFrame({"row": rows, "label": truth[rows]}).to_csv(tmp_path / "half.csv", index=False)
    main([*base, "--merge", str(tmp_path / "half.csv"), "--out", str(again), *FAST])
    assert set(pd.read_csv(again)["row"]) == set(pd.read_csv(first)["row"][5:])


def test_missing_label_value_marks_unlabeled_rows(tmp_path, digits_frame):
    frame = digits_frame.drop(columns="note").copy()
    frame.loc[100:, "label"] = -1
    path = tmp_path / "pool.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "q.csv"
    main(
        [
            "query",
            str(path),
            "--labels",
            "label",
            "--missing-label",
            "-1",
            "--budget",
            "20",
            "--out",
            str(out),
            *FAST,
        ]
    )
    assert (pd.read_csv(out)["row"] >= 100).all()


def test_state_of_another_pool_is_refused(tmp_path, pool, digits_csv, capsys):
    path, _, _ = pool
    state = tmp_path / "st"
    main(
        [
            "query",
            str(path),
            "--labels",
            "label",
            "--budget",
            "5",
            "--state",
            str(state),
            "--out",
            str(tmp_path / "q.csv"),
            *FAST,
        ]
    )
    other = tmp_path / "other.csv"
    pd.read_csv(path).iloc[:300].to_csv(other, index=False)
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "query",
                str(other),
                "--labels",
                "label",
                "--budget",
                "5",
                "--state",
                str(state),
                "--out",
                str(tmp_path / "q.csv"),
                "--quiet",
            ]
        )
    assert exc.value.code == 2 and "belongs to another pool file" in capsys.readouterr().err


def test_answers_for_labeled_rows_are_refused(tmp_path, pool, capsys):
    path, truth, seed_rows = pool
    answers = tmp_path / "a.csv"
    pd.DataFrame({"row": seed_rows[:2], "label": truth[seed_rows[:2]]}).to_csv(answers, index=False)
    with pytest.raises(SystemExit):
        main(
            [
                "query",
                str(path),
                "--labels",
                "label",
                "--state",
                str(tmp_path / "st"),
                "--merge",
                str(answers),
                "--quiet",
            ]
        )
    assert "already labeled in the pool" in capsys.readouterr().err


def test_the_default_method_queries_a_pool_with_no_label(tmp_path, digits_frame):
    frame = digits_frame.drop(columns="note").copy()
    frame["label"] = None
    path = tmp_path / "blank.csv"
    frame.to_csv(path, index=False)
    out, state = tmp_path / "q.csv", tmp_path / "state"
    argv = ["query", str(path), "--labels", "label", "--budget", "20", "--out", str(out)]
    assert main([*argv, "--state", str(state), "--quiet"]) == 0
    rows = pd.read_csv(out)["row"].to_numpy()
    assert len(set(rows)) == 20
    truth = digits_frame["label"].to_numpy()
    assert len(np.unique(truth[rows])) >= 8  # a cold start covers the classes
    saved = json.loads((state / "state.json").read_text())
    assert saved["rounds"][0]["method"] == "typiclust"


def test_targeted_query_on_neighbourhood_candidates(tmp_path, pool, capsys):
    path, truth, _ = pool
    out = tmp_path / "q.csv"
    argv = ["query", str(path), "--labels", "label", "--budget", "10", "--out", str(out)]
    targeted = ["--method", "targeted", "--query-classes", "3", "--candidates", "knn"]
    assert main([*argv, *targeted, *FAST]) == 0
    rows = pd.read_csv(out)["row"].to_numpy()
    assert len(rows) == 10 and (truth[rows] == 3).mean() >= 0.5  # rows like the labeled 3s
    capsys.readouterr()
    for extra, message in [
        (["--method", "targeted", "--query-classes", "x"], "no labeled row has one of"),
        (["--query-classes", "3"], "--method targeted only"),
        (["--method", "targeted"], "--query-classes"),  # the selector's check, CLI spelling
    ]:
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, *extra, *FAST])
        assert exit_info.value.code != 0 and message in capsys.readouterr().err
