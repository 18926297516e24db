"""The command line."""

import json

import pytest

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
