"""Benchmark helpers: a --quick run writes to a temporary folder, never to results; no run writes
into docs/ (the site renders the pages from the results files)."""

import json
from pathlib import Path

from svpkit.benchmarking import (
    append_run,
    benchmark_parser,
    environment,
    peak_rss_during,
    publish,
    read_runs,
    runs_file,
)


def test_quick_publish_goes_to_a_temporary_folder(tmp_path):
    results = tmp_path / "results"
    args = benchmark_parser("Bench.", results).parse_args(["--quick"])
    prefix = publish(args, "demo", {"x": 1}, "# page")
    assert json.loads(prefix.with_suffix(".json").read_text()) == {"x": 1}
    assert prefix.name == "demo_quick" and not results.exists()
    assert not Path(prefix).is_relative_to(tmp_path)


def test_full_publish_writes_results_and_prints_the_page(tmp_path, capsys):
    results = tmp_path / "results"
    args = benchmark_parser("Bench.", results).parse_args([])
    prefix = publish(args, "demo", {"x": 1}, "# page")
    assert prefix == results / "demo"
    assert json.loads((results / "demo.json").read_text()) == {"x": 1}
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["demo.json"]
    assert "# page" in capsys.readouterr().out


def test_environment_and_rss():
    env = environment()
    assert env["versions"]["svpkit"] and env["cpu_count"] >= 1

    def touch_50_mib():  # written (not only mapped) and held past a few samples
        import time

        import numpy as np

        block = np.ones(50 * 2**20, dtype=np.uint8)
        time.sleep(0.05)
        return block

    value, grown = peak_rss_during(touch_50_mib)
    assert len(value) == 50 * 2**20 and (grown == -1 or grown > 10 * 2**20)


def test_runs_file_resumes_what_was_appended(tmp_path):
    args = benchmark_parser("Bench.", tmp_path / "results").parse_args([])
    path = runs_file(args, "demo")
    assert path == tmp_path / "results" / "demo_runs.jsonl" and read_runs(path) == []
    append_run(path, {"seed": 0, "acc": 0.5})
    append_run(path, {"seed": 1, "acc": 0.7})
    assert read_runs(path) == [{"seed": 0, "acc": 0.5}, {"seed": 1, "acc": 0.7}]
    quick = benchmark_parser("Bench.", tmp_path / "r").parse_args(["--quick"])
    assert runs_file(quick, "demo").name == "demo_quick_runs.jsonl"
    assert not (tmp_path / "r").exists()  # smoke runs never write into the results folder
