"""Every user error of the command line: exit status 2, one line on stderr, no traceback."""

import re

import numpy as np
import pandas as pd
import pytest

from svpkit.cli import main


@pytest.fixture
def files(tmp_path, digits_frame):
    frame = digits_frame.copy()
    frame.to_csv(tmp_path / "data.csv", index=False)
    one = frame.assign(label=3)
    one.to_csv(tmp_path / "one_class.csv", index=False)
    frame.assign(label=np.nan).to_csv(tmp_path / "no_labels.csv", index=False)
    frame.iloc[:0].to_csv(tmp_path / "empty.csv", index=False)
    np.save(tmp_path / "pool.npy", frame.filter(like="px").to_numpy(np.float32))
    np.save(tmp_path / "short.npy", frame["label"].to_numpy()[:10])
    (tmp_path / "out_dir").mkdir()
    return tmp_path


CASES = {
    "missing file": (
        ["select", "{d}/nope.csv", "--labels", "label", "--fraction", "0.5"],
        "no such file",
    ),
    "unknown column": (
        ["select", "{d}/data.csv", "--labels", "lbl", "--fraction", "0.5"],
        "no label column 'lbl'",
    ),
    "unknown feature column": (
        [
            "select",
            "{d}/data.csv",
            "--labels",
            "label",
            "--fraction",
            "0.5",
            "--feature-columns",
            "px1,bogus",
        ],
        "no feature column 'bogus'",
    ),
    "non-numeric feature": (
        [
            "select",
            "{d}/data.csv",
            "--labels",
            "label",
            "--fraction",
            "0.5",
            "--feature-columns",
            "note",
        ],
        "not numeric",
    ),
    "no labels": (
        ["select", "{d}/no_labels.csv", "--labels", "label", "--fraction", "0.5"],
        "no labels",
    ),
    "no rows": (
        ["select", "{d}/empty.csv", "--labels", "label", "--fraction", "0.5"],
        "has no rows",
    ),
    "fraction above 1": (
        ["select", "{d}/data.csv", "--labels", "label", "--fraction", "1.5"],
        "not a share in (0, 1]",
    ),
    "fraction zero": (
        ["select", "{d}/data.csv", "--labels", "label", "--fraction", "0"],
        "not a share in (0, 1]",
    ),
    "both sizes": (
        ["select", "{d}/data.csv", "--labels", "label", "--fraction", "0.5", "--n-select", "5"],
        "not allowed with argument",
    ),
    "one class": (
        ["select", "{d}/one_class.csv", "--labels", "label", "--fraction", "0.5"],
        "hold only 1 class",  # the selector's own check, which also names the methods that run
    ),
    "no such output folder": (
        [
            "select",
            "{d}/data.csv",
            "--labels",
            "label",
            "--fraction",
            "0.5",
            "--out",
            "{d}/missing/s.csv",
        ],
        "no such directory",
    ),
    "output is a folder": (
        [
            "select",
            "{d}/data.csv",
            "--labels",
            "label",
            "--fraction",
            "0.5",
            "--out",
            "{d}/out_dir",
        ],
        "it is a directory",
    ),
    "labels file missing": (
        ["select", "{d}/pool.npy", "--labels", "{d}/y.npy", "--fraction", "0.5"],
        "no such file",
    ),
    "labels length": (
        ["select", "{d}/pool.npy", "--labels", "{d}/short.npy", "--fraction", "0.5"],
        "holds 10 labels but the pool has 400 rows",
    ),
    "cnn without shape": (
        ["select", "{d}/data.csv", "--labels", "label", "--fraction", "0.5", "--proxy", "cnn"],
        "needs --image-shape",
    ),
    "wrong image shape": (
        [
            "select",
            "{d}/data.csv",
            "--labels",
            "label",
            "--fraction",
            "0.5",
            "--proxy",
            "cnn",
            "--image-shape",
            "1,9,9",
        ],
        "holds 81 values",
    ),
    "text proxy without text": (
        ["select", "{d}/data.csv", "--labels", "label", "--fraction", "0.5", "--proxy", "text"],
        "pass --text-column",
    ),
    "unreadable suffix": (
        ["select", "{d}/pool.npy.txt", "--labels", "label", "--fraction", "0.5"],
        "no such file",
    ),
    "query fully labeled": (
        ["query", "{d}/data.csv", "--labels", "label", "--budget", "5"],
        "every row is labeled",
    ),
    "query with no labels": (
        ["query", "{d}/no_labels.csv", "--labels", "label", "--budget", "5", "--method", "margin"],
        "needs a proxy trained on labeled rows",  # the selector's check; it names the fix too
    ),
    "merge without state": (
        ["query", "{d}/data.csv", "--labels", "label", "--merge", "{d}/a.csv"],
        "--merge needs --state",
    ),
    "budget not a count": (
        ["query", "{d}/data.csv", "--labels", "label", "--budget", "0"],
        "not a count",
    ),
    "unknown benchmark": (["bench", "nope"], "unknown benchmark 'nope'"),
    "estimate needs rows": (["estimate", "--dim", "3", "--k", "2"], "required: --rows"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_user_error_is_one_line_and_non_zero(files, capsys, case):
    argv, message = CASES[case]
    argv = [a.format(d=files) for a in argv]
    if argv[0] in ("select", "query") and "--out" not in argv and "--merge" not in argv:
        argv += ["--out", str(files / "out.csv")]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--quiet"] if argv[0] != "estimate" else argv)
    assert exit_info.value.code not in (0, None)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"svpkit {argv[0]}") and message in lines[0], lines[0]
    # Values as a user wrote them: 3, not np.int64(3).
    assert not re.search(r"\bnp\.\w+\(", lines[0]), lines[0]
    assert exit_info.value.code == 2
    assert not (files / "out.csv").exists()


@pytest.mark.parametrize("command", ["select", "query"])
def test_one_class_is_refused_in_plain_words(files, capsys, command):
    # Issue 41: the one-class error printed the label as np.int64(3).
    one = files / "one_class.csv"
    if command == "query":  # label 3 on the first 20 rows, the rest unlabeled
        frame = pd.read_csv(one)
        frame.loc[20:, "label"] = None
        frame.to_csv(one, index=False)
    size = ["--fraction", "0.5"] if command == "select" else ["--budget", "5"]
    argv = [command, str(one), "--labels", "label", *size, "--method", "margin"]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--out", str(files / "out.csv"), "--quiet"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"svpkit {command}: error: the labeled rows hold only 1 class;")
    assert len(err.strip().splitlines()) == 1 and "np." not in err and "int64" not in err


def test_a_bug_is_reported_in_one_line_and_verbose_shows_the_traceback(files, capsys, monkeypatch):
    import svpkit.cli.select as select

    def bug(*args, **kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(select, "manifest", bug)
    argv = [
        "select",
        str(files / "data.csv"),
        "--labels",
        "label",
        "--fraction",
        "0.5",
        "--out",
        str(files / "s.csv"),
        "--method",
        "random",
    ]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--quiet"])
    assert exit_info.value.code == 1
    assert "internal error: KeyError" in capsys.readouterr().err
    with pytest.raises(KeyError):
        main([*argv, "--verbose"])


def test_parquet_without_pyarrow_names_the_install(files, capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name == "pyarrow":
            raise ImportError("no pyarrow")
        return real_import(name, *args, **kwargs)

    pd.read_csv(files / "data.csv").to_parquet(files / "d.parquet")
    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(SystemExit):
        main(
            [
                "select",
                str(files / "d.parquet"),
                "--labels",
                "label",
                "--fraction",
                "0.5",
                "--out",
                str(files / "s.csv"),
                "--quiet",
            ]
        )
    assert "needs pyarrow" in capsys.readouterr().err
