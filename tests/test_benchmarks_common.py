"""The benchmarks' shared harness (``benchmarks/common``): a --quick run writes to a temporary
folder, never to results; no run writes into docs/ (the site renders the pages from the results
files); pages render without torch; the harness is a checkout tool, not part of svpkit."""

import json
import subprocess
import sys
import tempfile

from benchmarks.common.environment import environment
from benchmarks.common.results import (
    ROOT,
    append_run,
    benchmark_parser,
    publish,
    read_runs,
    runs_file,
)


def test_quick_publish_goes_to_a_temporary_folder_and_says_where(tmp_path, monkeypatch, capsys):
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))  # the suite leaves nothing there
    results = tmp_path / "results"
    args = benchmark_parser("Bench.", results).parse_args(["--quick"])
    prefix = publish(args, "demo", {"x": 1}, "# page")
    assert json.loads(prefix.with_suffix(".json").read_text()) == {"x": 1}
    assert prefix.name == "demo_quick" and not results.exists()
    assert prefix.parent.parent == system_tmp and prefix.parent.name.startswith("svpkit-demo-")
    assert f"demo --quick: results in {prefix.parent}" in capsys.readouterr().err


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
        "from benchmarks.common.environment import peak_rss_during\n"
        "def touch():\n"
        "    block = np.ones(50 * 2**20, dtype=np.uint8)\n"
        "    time.sleep(0.05)\n"
        "    return block\n"
        "value, grown = peak_rss_during(touch)\n"
        "print(len(value), grown)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    size, grown = map(int, out.stdout.split())
    assert size == 50 * 2**20 and (grown == -1 or grown > 10 * 2**20)


def test_runs_file_resumes_what_was_appended(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    args = benchmark_parser("Bench.", tmp_path / "results").parse_args([])
    path = runs_file(args, "demo")
    assert path == tmp_path / "results" / "demo_runs.jsonl" and read_runs(path) == []
    append_run(path, {"seed": 0, "acc": 0.5})
    append_run(path, {"seed": 1, "acc": 0.7})
    assert read_runs(path) == [{"seed": 0, "acc": 0.5}, {"seed": 1, "acc": 0.7}]
    quick = benchmark_parser("Bench.", tmp_path / "r").parse_args(["--quick"])
    assert runs_file(quick, "demo").name == "demo_quick_runs.jsonl"
    assert not (tmp_path / "r").exists()  # smoke runs never write into the results folder


def test_svpkit_ships_no_benchmark_harness():
    import svpkit

    assert "benchmarking" not in svpkit._SUBPACKAGES
    assert not list((ROOT / "svpkit").rglob("benchmark*.py"))


def test_benchmarks_import_each_other_only_as_a_package():
    """No ``sys.path`` edits and no sibling imported by its bare name (``import scale``)."""
    import ast

    siblings = {p.stem for p in (ROOT / "benchmarks").glob("*.py")} | {"common"}
    for path in (ROOT / "benchmarks").rglob("*.py"):
        text = path.read_text()
        assert "sys.path" not in text.replace("``sys.path``", ""), path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert (node.module or "").split(".")[0] not in siblings, (path, node.module)
            elif isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & siblings, path


def test_pages_render_from_results_without_torch():
    """The docs build renders every page without importing torch (training code is imported
    where a benchmark runs)."""
    code = (
        "import sys\n"
        "sys.path.insert(0, 'docs/_ext')\n"
        "import benchmark_pages\n"
        "pages = benchmark_pages.pages()\n"
        "benchmark_pages.snippets()\n"
        "print(len(pages), 'torch' in sys.modules, 'skorch' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    n_pages, torch_loaded, skorch_loaded = out.stdout.split()
    assert int(n_pages) >= 10 and torch_loaded == skorch_loaded == "False"


def test_pages_show_the_command_that_runs_today():
    """Results files recorded before the package layout keep their command; pages show the
    one that runs now."""
    import re

    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    import benchmark_pages

    for name, page in benchmark_pages.pages().items():
        assert "python benchmarks/" not in page, name
        for module in re.findall(r"python -m benchmarks\.(\w+)", page):
            assert (ROOT / "benchmarks" / f"{module}.py").exists(), (name, module)
