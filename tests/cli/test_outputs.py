"""Outputs never overwrite inputs, each other, or the state folder; refused before any work,
with the input left as it was. Written files keep the umask's mode, or the replaced file's."""

import os
import stat
import sys

import pytest

from svpkit.cli import main
from tests.helpers import cli_status

SELECT = ["--fraction", "0.5", "--method", "random", "--quiet"]


@pytest.mark.parametrize(
    ("outputs", "expected"),
    [
        (["--out", "{pool}"], "--out {pool} is the pool"),
        (["--out", "sel.csv", "--summary", "{pool}"], "--summary {pool} is the pool"),
        (["--out", "sel.json"], "--out and the summary"),
        (["--out", "sel.csv", "--summary", "sel.csv"], "--out and --summary are the same file"),
        (["--out", "{link}"], "is the pool"),  # a link to the pool is the pool
    ],
)
def test_select_refuses_an_output_that_is_an_input_or_another_output(
    tmp_path, digits_csv, capsys, outputs, expected
):
    link = tmp_path / "link.csv"
    link.symlink_to(digits_csv)
    names = {"pool": str(digits_csv), "link": str(link)}
    before = digits_csv.read_bytes()
    argv = ["select", str(digits_csv), "--labels", "label"]
    for given in outputs:
        argv.append(given if given.startswith("--") else str(tmp_path / given.format(**names)))
    assert cli_status([*argv, *SELECT]) == 2
    err = capsys.readouterr().err
    assert expected.format(**names) in err, err
    assert digits_csv.read_bytes() == before
    assert not (tmp_path / "sel.csv").exists() and not (tmp_path / "sel.json").exists()


def test_select_refuses_to_overwrite_its_labels_file(tmp_path, digits_npy, capsys):
    pool, labels = digits_npy
    before = labels.read_bytes()
    argv = ["select", str(pool), "--labels", str(labels), "--out", "x.csv", "--summary"]
    assert cli_status([*argv, str(labels), *SELECT]) == 2
    assert "is the labels file" in capsys.readouterr().err
    assert labels.read_bytes() == before


@pytest.fixture
def pool_csv(tmp_path, digits_frame):
    frame = digits_frame.drop(columns="note").copy()
    frame["label"] = frame["label"].astype(object)
    frame.loc[40:, "label"] = None
    path = tmp_path / "pool.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("out", "expected"),
    [
        ("pool.csv", "is the pool"),
        ("st/answers.csv", "is inside the --state folder"),
        ("st/sub/x.csv", "is inside the --state folder"),
        ("answers.csv", "is the answers file (--merge)"),
    ],
)
def test_query_refuses_an_output_that_is_an_input_or_in_the_state_folder(
    tmp_path, pool_csv, capsys, out, expected
):
    (tmp_path / "st" / "sub").mkdir(parents=True)
    (tmp_path / "answers.csv").write_text("row,label\n50,3\n")
    before = {p: p.read_bytes() for p in (pool_csv, tmp_path / "answers.csv")}
    argv = ["query", str(pool_csv), "--labels", "label", "--state", str(tmp_path / "st")]
    argv += ["--merge", str(tmp_path / "answers.csv"), "--budget", "5"]
    assert cli_status([*argv, "--out", str(tmp_path / out), "--method", "random", "--quiet"]) == 2
    assert expected in capsys.readouterr().err
    assert {p: p.read_bytes() for p in before} == before
    assert not (tmp_path / "st" / "state.json").exists(), "work was done before the refusal"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_outputs_follow_the_umask_and_keep_a_replaced_files_mode(tmp_path, digits_csv):
    saved = os.umask(0o027)
    try:
        out = tmp_path / "sel.csv"
        assert (
            main(["select", str(digits_csv), "--labels", "label", "--out", str(out), *SELECT]) == 0
        )
        assert stat.S_IMODE(out.stat().st_mode) == 0o640
        out.chmod(0o604)
        assert (
            main(["select", str(digits_csv), "--labels", "label", "--out", str(out), *SELECT]) == 0
        )
        assert stat.S_IMODE(out.stat().st_mode) == 0o604
    finally:
        os.umask(saved)
