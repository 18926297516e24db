"""The ``svpkit query`` state folder: nothing lost under concurrent use or a kill, a damaged or
half-written folder refused, answers checked before they are stored."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from filelock import FileLock

from svpkit.cli import main
from svpkit.cli.state import StateFolder
from tests.helpers import cli_status

WORKER = Path(__file__).with_name("_state_worker.py")
QUIET = ["--quiet"]


@pytest.fixture
def pool(tmp_path):
    """1,000 rows, two classes; 20 labeled. Returns (pool.csv, truth.csv, truth)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 4))
    truth = (X[:, 0] > 0).astype(int)
    frame = pd.DataFrame(X, columns=list("abcd"))
    frame["label"] = pd.array([None] * 1000, dtype="Int64")
    frame.loc[:19, "label"] = truth[:20]
    frame.to_csv(tmp_path / "pool.csv", index=False)
    pd.DataFrame({"label": truth}).to_csv(tmp_path / "truth.csv", index=False)
    return tmp_path / "pool.csv", tmp_path / "truth.csv", truth


def _query(pool_csv, state, out, *extra):
    argv = ["query", str(pool_csv), "--labels", "label", "--state", str(state)]
    return cli_status(
        [*argv, "--budget", "4", "--out", str(out), "--method", "random", *extra, *QUIET]
    )


def _merge(pool_csv, state, answers, *extra):
    argv = ["query", str(pool_csv), "--labels", "label", "--state", str(state)]
    return cli_status([*argv, "--merge", str(answers), *extra, *QUIET])


def _answers(path, rows, labels):
    pd.DataFrame({"row": rows, "label": labels}).to_csv(path, index=False)
    return path


def _saved(state):
    data = json.loads((state / "state.json").read_text())
    return data, dict(zip(data["answers"]["rows"], data["answers"]["labels"], strict=True))


# -- one file is the state -------------------------------------------------------------------


def test_the_answers_are_kept_in_the_state_file_and_copied_to_answers_csv(tmp_path, pool):
    pool_csv, _, truth = pool
    state = tmp_path / "st"
    assert _query(pool_csv, state, tmp_path / "q.csv") == 0
    rows = pd.read_csv(tmp_path / "q.csv")["row"].to_numpy()
    assert _merge(pool_csv, state, _answers(tmp_path / "a.csv", rows, truth[rows])) == 0
    data, answers = _saved(state)
    assert data["version"] == 2 and [r["round"] for r in data["rounds"]] == [1]
    assert answers == dict(zip(rows.tolist(), truth[rows].tolist(), strict=True))
    copy = pd.read_csv(state / "answers.csv")
    assert dict(zip(copy["row"], copy["label"], strict=True)) == answers


def test_answers_csv_without_state_json_is_refused_and_kept(tmp_path, pool, capsys):
    """What a kill during svpkit 0.x's first save left: answers.csv, no state.json. It was read
    as a fresh folder and its answers overwritten (5 answers became 1)."""
    pool_csv, _, truth = pool
    state = tmp_path / "st"
    state.mkdir()
    _answers(state / "answers.csv", list(range(20, 25)), truth[20:25])
    before = (state / "answers.csv").read_bytes()
    assert _merge(pool_csv, state, _answers(tmp_path / "a.csv", [30], truth[[30]])) == 2
    assert "answers.csv but no state.json" in capsys.readouterr().err
    assert (state / "answers.csv").read_bytes() == before
    assert not (state / "state.json").exists()


def _v1_folder(tmp_path, pool_csv, truth, answers_text):
    """A state folder as svpkit 0.x wrote it: rounds in state.json, answers in answers.csv."""
    from svpkit.cli.io import file_sha256

    state = tmp_path / "st"
    state.mkdir()
    rows = [20, 21, 22]
    data = {
        "version": 1,
        "pool_sha256": file_sha256(pool_csv),
        "labels": "label",
        "rounds": [{"round": 1, "rows": rows, "scores": [0.5, 0.4, 0.3], "method": "random"}],
    }
    (state / "state.json").write_text(json.dumps(data))
    (state / "answers.csv").write_text(answers_text)
    return state


def test_a_version_1_folder_is_read_and_upgraded(tmp_path, pool):
    pool_csv, _, truth = pool
    state = _v1_folder(tmp_path, pool_csv, truth, f"row,label\n20,{truth[20]}\n21,{truth[21]}\n")
    assert _merge(pool_csv, state, _answers(tmp_path / "a.csv", [22], truth[[22]])) == 0
    data, answers = _saved(state)
    assert data["version"] == 2
    assert answers == {20: int(truth[20]), 21: int(truth[21]), 22: int(truth[22])}


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda d: d.pop("rounds"), "no 'rounds' list"),
        (lambda d: d.pop("answers"), "no 'answers' field"),
        (lambda d: d["rounds"][0].update(rows=[1.5, 2, 3, 4]), "whole numbers"),
        (lambda d: d["rounds"][0].update(rows=[5000, 1, 2, 3]), "row 5000 is outside"),
        (lambda d: d["rounds"][0].update(scores=[1.0]), "one score per row"),
        (lambda d: d["rounds"][0].update(round=3), "numbered out of order"),
        (lambda d: d["answers"].update(rows=[1, 1], labels=[0, 0]), "row 1 is listed twice"),
        (lambda d: d["answers"].update(rows=[1], labels=[None]), "row 1 has no valid label"),
        (lambda d: d.pop("pool_sha256"), "no 'pool_sha256'"),
    ],
)
def test_a_damaged_state_file_is_refused_naming_the_file_and_the_fault(
    tmp_path, pool, capsys, damage, expected
):
    pool_csv, _, truth = pool
    state = tmp_path / "st"
    assert _query(pool_csv, state, tmp_path / "q.csv") == 0
    data = json.loads((state / "state.json").read_text())
    damage(data)
    (state / "state.json").write_text(json.dumps(data))
    before = (state / "state.json").read_bytes()
    assert _merge(pool_csv, state, _answers(tmp_path / "a.csv", [30], truth[[30]])) == 2
    err = capsys.readouterr().err
    assert "state.json is damaged" in err and expected in err, err
    assert (state / "state.json").read_bytes() == before  # refused, never rewritten


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("row,label\n20,1\n21", "row 21 has no label"),  # truncated mid-line
        ("row,label\n20,1\nx,0\n", "not a whole number"),
        ("row,lab\n20,1\n", "columns must be row,label"),
    ],
)
def test_a_damaged_version_1_answers_file_is_refused(tmp_path, pool, capsys, text, expected):
    pool_csv, _, truth = pool
    state = _v1_folder(tmp_path, pool_csv, truth, text)
    assert _merge(pool_csv, state, _answers(tmp_path / "a.csv", [30], truth[[30]])) == 2
    err = capsys.readouterr().err
    assert "answers.csv is damaged" in err and expected in err, err


def test_a_truncated_state_file_is_refused(tmp_path, pool, capsys):
    pool_csv, _, truth = pool
    state = tmp_path / "st"
    assert _query(pool_csv, state, tmp_path / "q.csv") == 0
    text = (state / "state.json").read_text()
    (state / "state.json").write_text(text[: len(text) // 2])
    assert _query(pool_csv, state, tmp_path / "q2.csv") == 2
    assert "state.json is damaged: it is not JSON" in capsys.readouterr().err


# -- answers checked before they are stored ---------------------------------------------------


def test_duplicate_and_contradicting_answers_are_refused_naming_the_row(tmp_path, pool, capsys):
    pool_csv, _, truth = pool
    state = tmp_path / "st"
    assert _merge(pool_csv, state, _answers(tmp_path / "a.csv", [30, 31], truth[[30, 31]])) == 0
    twice = _answers(tmp_path / "twice.csv", [40, 40], [0, 1])
    assert _merge(pool_csv, state, twice) == 2
    assert "row 40 ('0', '1')" in capsys.readouterr().err
    other = _answers(tmp_path / "other.csv", [30, 50], [1 - truth[30], 0])
    assert _merge(pool_csv, state, other) == 2
    err = capsys.readouterr().err
    assert f"row 30 is answered {1 - truth[30]}, but" in err and "nothing was merged" in err
    assert _saved(state)[1] == {30: int(truth[30]), 31: int(truth[31])}


def test_an_answer_repeated_with_the_same_label_is_counted_once(tmp_path, pool, capsys):
    pool_csv, _, truth = pool
    state = tmp_path / "st"
    argv = ["query", str(pool_csv), "--labels", "label", "--state", str(state), "--merge"]
    assert main([*argv, str(_answers(tmp_path / "a.csv", [30, 31], truth[[30, 31]]))]) == 0
    assert "merged 2 new answers (2 in" in capsys.readouterr().out
    assert main([*argv, str(_answers(tmp_path / "b.csv", [31, 32], truth[[31, 32]]))]) == 0
    assert "merged 1 new answer, 1 already held (3 in" in capsys.readouterr().out


def test_an_answer_equal_to_the_missing_label_marker_is_refused(tmp_path, pool, capsys):
    """It used to be stored, and the row asked again."""
    pool_csv, _, _ = pool
    frame = pd.read_csv(pool_csv)
    frame["label"] = frame["label"].fillna(-1).astype(int)
    frame.to_csv(pool_csv, index=False)
    answers = _answers(tmp_path / "a.csv", [30, 31], [1, -1])
    status = cli_status(
        ["query", str(pool_csv), "--labels", "label", "--missing-label", "-1",
         "--state", str(tmp_path / "st"), "--merge", str(answers), *QUIET]
    )  # fmt: skip
    assert status == 2
    assert "row 31 answered with '-1', the --missing-label marker" in capsys.readouterr().err


# -- one process at a time ---------------------------------------------------------------------


def test_a_held_lock_stops_a_second_process_with_a_clear_error(tmp_path, pool, capsys):
    pool_csv, _, truth = pool
    state = tmp_path / "st"
    state.mkdir()
    answers = _answers(tmp_path / "a.csv", [30], truth[[30]])
    with FileLock(str(state / ".lock")):
        code = (
            "import sys; from svpkit.cli import main; "
            f"sys.exit(main(['query', {str(pool_csv)!r}, '--labels', 'label', '--state', "
            f"{str(state)!r}, '--merge', {str(answers)!r}]))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
        )
    assert done.returncode == 2
    assert "is in use by another svpkit process" in done.stderr and "--wait" in done.stderr
    assert not (state / "state.json").exists()


def test_wait_lets_a_second_process_in_when_the_first_is_done(tmp_path, pool):
    pool_csv, _, truth = pool
    state = tmp_path / "st"
    state.mkdir()
    answers = _answers(tmp_path / "a.csv", [30], truth[[30]])
    code = (
        "import sys; from svpkit.cli import main; "
        f"sys.exit(main(['query', {str(pool_csv)!r}, '--labels', 'label', '--state', "
        f"{str(state)!r}, '--merge', {str(answers)!r}, '--wait', '60', '--quiet']))"
    )
    lock = FileLock(str(state / ".lock"))
    with lock:
        waiting = subprocess.Popen([sys.executable, "-c", code])
        time.sleep(1.0)
        assert waiting.poll() is None, "the second process did not wait for the lock"
    assert waiting.wait(timeout=120) == 0
    assert _saved(state)[1] == {30: int(truth[30])}


def test_four_processes_querying_and_merging_at_random_lose_nothing(tmp_path, pool):
    """Each process saved the copy it loaded: a merge during a query lost 20 of 20 answers, two
    concurrent queries kept 1 of 2 rounds, all with exit status 0."""
    pool_csv, truth_csv, truth = pool
    state = tmp_path / "st"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                "race",
                str(pool_csv),
                str(truth_csv),
                str(state),
                str(tmp_path / f"w{i}"),
                "12",
                str(i),
            ],
            env=env,
        )  # fmt: skip
        for i in range(4)
    ]
    for worker in workers:
        assert worker.wait(timeout=200) == 0
    log = [
        json.loads(line)
        for i in range(4)
        for line in (tmp_path / f"w{i}" / "log.jsonl").read_text().splitlines()
    ]
    merges = [e for e in log if e["kind"] == "merge"]
    queries = [e for e in log if e["kind"] == "query"]
    assert merges and queries
    assert {e["status"] for e in log} <= {0, 2}, "a call ended in an internal error"
    assert sum(e["status"] == 0 for e in merges) >= 1 and sum(e["status"] == 0 for e in queries)
    data, answers = _saved(state)
    for entry in merges:  # every answer a process reported merged is in the folder
        if entry["status"] == 0:
            for row in entry["rows"]:
                assert answers.get(row) == truth[row], f"lost the answer to row {row}"
    rounds = data["rounds"]
    assert [r["round"] for r in rounds] == list(range(1, len(rounds) + 1))
    for entry in queries:  # every round a process wrote out is recorded
        if entry["status"] == 0:
            assert any(set(entry["rows"]) <= set(r["rows"]) for r in rounds), entry
    asked = [row for r in rounds for row in r["rows"]]
    assert len(asked) == len(set(asked)), "a row was asked in two rounds"


def test_a_kill_at_any_moment_of_a_merge_leaves_all_of_it_or_none(tmp_path, pool):
    pool_csv, _, truth = pool
    rng = np.random.default_rng(1)
    files = []
    for i, start in enumerate(range(20, 980, 40)):
        rows = np.arange(start, start + 40)
        files.append(_answers(tmp_path / f"a{i}.csv", rows, truth[rows]))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for trial in range(3):
        state = tmp_path / f"st{trial}"
        worker = subprocess.Popen(
            [sys.executable, str(WORKER), "merges", str(pool_csv), str(state), *map(str, files)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert worker.stdout.readline().startswith("merged")  # past the imports
        time.sleep(float(rng.uniform(0.0, 0.6)))
        worker.send_signal(signal.SIGKILL)
        reported = 1 + sum(line.startswith("merged") for line in worker.stdout.read().splitlines())
        worker.wait(timeout=60)
        with StateFolder.locked(
            state, pool_digest=_digest(pool_csv), labels="label", n_rows=1000
        ) as folder:  # the kill released the lock, and the folder loads
            held = set(folder.answers)
            assert not [p for p in state.iterdir() if p.name.endswith(".tmp")]  # orphans gone
        n_files = len(held) // 40
        assert n_files >= reported
        expected = {
            r for start in range(20, 20 + 40 * n_files, 40) for r in range(start, start + 40)
        }
        assert held == expected, "a merge was kept in part"


def _digest(path):
    from svpkit.cli.io import file_sha256

    return file_sha256(path)
