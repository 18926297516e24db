"""The command line."""

import json

import pytest

import svpkit
import svpkit.cli.demo as demo
from svpkit import _optional
from svpkit.cli import main


def test_cli_demo_writes_table_and_json(tmp_path, capsys):
    out = tmp_path / "demo.json"
    code = main(
        [
            "demo",
            "--max-rows",
            "200",
            "--proxy-epochs",
            "1",
            "--target-epochs",
            "1",
            "--method",
            "margin",
            "--quiet",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "proxy-selected (margin)" in printed and "random" in printed
    records = json.loads(out.read_text())
    assert [r["subset"] for r in records][0] == "full data"
    assert {"accuracy", "select_seconds", "target_seconds", "total_seconds"} <= set(records[0])


def test_cli_rejects_unknown_method():
    with pytest.raises(SystemExit):
        main(["demo", "--method", "nope"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--fraction", "50"], "--fraction: 50 is not a share in (0, 1]"),
        (["demo", "--fraction", "half"], "--fraction: not a number: 'half'"),
        (["demo", "--method", "nope"], "invalid choice: 'nope'"),
        (["bogus"], "invalid choice: 'bogus'"),
    ],
)
def test_usage_errors_are_one_line_not_tracebacks(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("svpkit")


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"svpkit {svpkit.__version__}"


def test_a_missing_extra_is_one_line_with_a_working_install_hint(capsys, monkeypatch):
    # Status 2, as every user error: installing the extra is the user's fix (status 1 is a bug).
    def run_demo(**_):
        return _optional.import_optional("svpkit_missing_module_for_test")

    monkeypatch.setattr(demo, "run_demo", run_demo)
    monkeypatch.setitem(_optional._EXTRAS, "svpkit_missing_module_for_test", "bench")
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--quiet"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert 'pip install -e ".[bench]"' in err and "Traceback" not in err
    assert err.startswith("svpkit demo: error: This feature needs svpkit_missing_module_for_test")
    assert len(err.strip().splitlines()) == 1
