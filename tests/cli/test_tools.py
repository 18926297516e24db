"""``svpkit estimate``, ``svpkit bench`` and the help text of every command."""

import json

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


@pytest.mark.parametrize("command", ["select", "query", "estimate", "bench"])
def test_every_command_has_help_with_examples(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out and f"svpkit {command} " in out.split("example", 1)[1]


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
