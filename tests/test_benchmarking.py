"""Benchmark helpers: a --quick run writes to a temporary folder, never to results; no run writes
into docs/ (the site renders the pages from the results files)."""

import json
import subprocess
import sys
from pathlib import Path

from svpkit.benchmarking import (
    append_run,
    benchmark_parser,
    environment,
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

    # In a fresh interpreter: a test worker's allocator can hand back 50 MiB it already holds
    # resident from earlier tests, and then the resident set does not grow at all (CI, -n 2).
    code = (
        "import time, numpy as np\n"
        "from svpkit.benchmarking import peak_rss_during\n"
        "def touch():\n"
        "    block = np.ones(50 * 2**20, dtype=np.uint8)\n"
        "    time.sleep(0.05)\n"
        "    return block\n"
        "value, grown = peak_rss_during(touch)\n"
        "print(len(value), grown)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    size, grown = map(int, out.stdout.split())
    assert size == 50 * 2**20 and (grown == -1 or grown > 10 * 2**20)


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
