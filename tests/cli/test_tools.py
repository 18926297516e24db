"""``svpkit estimate``, ``svpkit bench`` and the help text of every command."""

import json
import tempfile

import pytest

from svpkit.cli import main
from svpkit.cli.main import build_parser
from svpkit.kernels import estimate_resources


def test_estimate_prints_the_bracket_of_estimate_resources(capsys):
    assert main(["estimate", "--rows", "1000000", "--dim", "128", "--k", "1000"]) == 0
    out = capsys.readouterr().out
    est = estimate_resources(1_000_000, 128, 1000)
    assert "1,000,000 rows x 128 dims" in out
    assert f"engine (auto)  {est['algorithm']}" in out
    assert "488.3 MiB" in out  # the pool: 1e6 * 128 * 4 bytes


def test_bench_runs_a_benchmark_quick_into_out(tmp_path):
    assert main(["bench", "scoring", "--quick", "--out", str(tmp_path), "--quiet"]) == 0
    results = list(tmp_path.glob("*.json"))
    assert results and json.loads(results[0].read_text())


def test_bench_outside_a_source_checkout_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    from svpkit.cli import tools

    monkeypatch.setattr(tools, "BENCHMARKS", tmp_path / "site-packages" / "benchmarks")
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "kcenters", "--quick"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "source-checkout tool" in err and 'pip install -e ".[bench]"' in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def _fake_benchmarks(root, source):
    """A checkout's benchmarks/ with one script, ``fake``."""
    folder = root / "benchmarks"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "fake.py").write_text(source)
    return folder


#: A benchmark that writes its results into --out, as benchmarks/common's publish does.
_WRITES = """
import sys
from pathlib import Path
out = Path(sys.argv[sys.argv.index("--out") + 1])
out.mkdir(parents=True, exist_ok=True)
(out / "fake_quick.json").write_text("{}")
"""

_HINT = 'in the bench extra: pip install -e ".[bench]" in the svpkit checkout'


def test_bench_without_matplotlib_is_one_line_before_any_work(tmp_path, capsys, monkeypatch):
    # Issue 41: a full ModuleNotFoundError traceback, exit 1, after the whole run.
    from svpkit.cli import tools

    monkeypatch.setattr(tools, "_installed", lambda module: module != "matplotlib")
    monkeypatch.setattr(tools.subprocess, "call", pytest.fail)  # nothing runs
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # nor is a folder made
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "kcenters", "--quick"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "svpkit bench: error: benchmark kcenters needs matplotlib (it draws its figures), "
        f"{_HINT} ({tools.BENCHMARKS.parent})\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_module_a_benchmark_misses_while_it_runs_is_one_line(tmp_path, capfd, monkeypatch):
    from svpkit.cli import tools

    checkout = tools.BENCHMARKS.parent  # the hint names the checkout svpkit runs from
    source = "raise ModuleNotFoundError(\"No module named 'mlxtend'\", name='mlxtend')\n"
    monkeypatch.setattr(tools, "BENCHMARKS", _fake_benchmarks(tmp_path / "checkout", source))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    assert main(["bench", "fake", "--quick"]) == 2
    err = capfd.readouterr().err
    assert err == f"svpkit bench fake: error: this benchmark needs mlxtend, {_HINT} ({checkout})\n"
    # The temporary folder made for the results is removed: the run made nothing to keep.
    assert list((tmp_path / "tmp").iterdir()) == []


def test_bench_quick_keeps_its_results_folder_and_names_it(tmp_path, capfd, monkeypatch):
    # The results of a --quick run are its output: kept, and named on the last line.
    from svpkit.cli import tools

    monkeypatch.setattr(tools, "BENCHMARKS", _fake_benchmarks(tmp_path / "checkout", _WRITES))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    assert main(["bench", "fake", "--quick"]) == 0
    (folder,) = (tmp_path / "tmp").iterdir()
    assert folder.name.startswith("svpkit-bench-fake-")
    assert [p.name for p in folder.iterdir()] == ["fake_quick.json"]
    assert capfd.readouterr().err == f"svpkit bench fake: results in {folder}\n"


def test_bench_lists_the_benchmarks_of_the_checkout(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "no_such_benchmark"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "kcenters" in err and "readme" not in err and "common" not in err


def test_bench_help_says_it_is_a_checkout_tool(capsys):
    with pytest.raises(SystemExit):
        main(["bench", "--help"])
    assert "source checkout" in capsys.readouterr().out


def _commands() -> list[str]:
    return sorted(build_parser()._subparsers._group_actions[0].choices)


def test_the_commands_are_the_ones_the_help_tests_cover():
    assert {"select", "query", "estimate", "bench", "methods", "demo"} <= set(_commands())


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help_with_examples(capsys, command):
    # Every subcommand the parser has, as the README says (demo had none: issue 41).
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out
    examples = out.split("example", 1)[1]
    assert f"svpkit {command}" in examples or f"svpkit --plugin my_methods.py {command}" in examples


def test_parsing_imports_nothing_heavy():
    import subprocess
    import sys

    code = (
        "import sys; from svpkit.cli.main import build_parser; "
        "build_parser().parse_args(['select', 'x.csv', '--labels', 'y', '--fraction', '0.5', "
        "'--out', 'o.csv']); "
        "print(sorted(m for m in ('torch', 'sklearn', 'pandas', 'skorch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_select_and_query_share_the_pool_options():
    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices
    options = {name: {a.dest for a in sub[name]._actions} for name in ("select", "query")}
    shared = {
        "labels",
        "method",
        "proxy",
        "proxy_epochs",
        "image_shape",
        "feature_columns",
        "text_column",
        "class_balance",
        "random_state",
        "missing_label",
        "quiet",
        "verbose",
    }
    assert shared <= options["select"] and shared <= options["query"]
