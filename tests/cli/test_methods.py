"""The command line reads the method registry: choices, defaults, plugins, no list of its own."""

import inspect
import json
import sys

import pytest

from svpkit import CoresetSelector, ProxySelector
from svpkit.cli import build_parser, main
from svpkit.cli.methods import method_choices, methods_table, takes_query
from svpkit.methods import (
    DEFAULT_METHOD,
    available_methods,
    get_method,
    order_by_score,
    register_method,
)
from svpkit.methods import _registry as registry
from svpkit.selectors import BaseSelector

FAST = ["--proxy-epochs", "2", "--quiet"]


def _rank_by_first_feature(ctx):
    """A method of the test's own: the rows with the largest first feature first."""
    scores = ctx.outputs.features[ctx.candidates, 0]
    return order_by_score(ctx.candidates, scores, ctx.rng), scores


@pytest.fixture
def clean_registry(monkeypatch):
    """Methods a test registers disappear afterwards."""
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))


@pytest.fixture
def new_method(clean_registry):
    """A method registered the way a new built-in is (``register_method``)."""
    register_method("test_first_feature", _rank_by_first_feature, needs={"features"})
    return "test_first_feature"


@pytest.fixture
def pool_with_blanks(tmp_path, digits_frame):
    frame = digits_frame.drop(columns="note").astype({"label": object})
    frame.loc[20:, "label"] = None
    path = tmp_path / "pool.csv"
    frame.to_csv(path, index=False)
    return path


def test_choices_are_the_registry_s():
    query = available_methods(all_labeled=False)
    select = [m for m in available_methods(all_labeled=True) if not takes_query(get_method(m))]
    assert method_choices("query") == query
    assert method_choices("select") == method_choices("demo") == select
    assert "targeted" in query and "targeted" not in select  # it needs a query
    assert "el2n" in select and "el2n" not in query  # it needs every row labeled
    assert [line.split()[0] for line in methods_table().splitlines()[1:]] == available_methods()


def test_a_registered_method_is_offered_and_runs_without_touching_the_cli(
    new_method, tmp_path, digits_csv, pool_with_blanks, capsys
):
    assert new_method in method_choices("select") and new_method in method_choices("query")
    out = tmp_path / "s.csv"
    argv = ["select", str(digits_csv), "--labels", "label", "--n-select", "30"]
    assert (
        main([*argv, "--method", new_method, "--no-class-balance", "--out", str(out), *FAST]) == 0
    )
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["method"] == summary["chosen_method"] == new_method
    assert summary["proxy"] is None  # it reads only the features: no proxy was trained
    assert summary["n_selected"] == 30

    argv = ["query", str(pool_with_blanks), "--labels", "label", "--budget", "5"]
    assert main([*argv, "--method", new_method, "--out", str(tmp_path / "q.csv"), *FAST]) == 0
    main(["methods"])
    assert new_method in capsys.readouterr().out


def test_a_plugin_registers_methods_for_every_command(clean_registry, tmp_path, digits_csv, capsys):
    plugin = tmp_path / "my_methods_for_test.py"
    plugin.write_text(
        "from svpkit.methods import register_method, order_by_score\n"
        "@register_method('plugin_last_feature', needs={'features'})\n"
        "def rank(ctx):\n"
        "    scores = ctx.outputs.features[ctx.candidates, -1]\n"
        "    return order_by_score(ctx.candidates, scores, ctx.rng), scores\n"
    )
    try:
        out = tmp_path / "s.csv"
        argv = ["select", str(digits_csv), "--labels", "label", "--fraction", "0.1"]
        argv += ["--method", "plugin_last_feature", "--out", str(out), *FAST]
        assert main(["--plugin", str(plugin), *argv]) == 0
        assert json.loads((tmp_path / "s.json").read_text())["method"] == "plugin_last_feature"
        assert main(["--plugin", str(plugin), "methods"]) == 0
        assert "plugin_last_feature" in capsys.readouterr().out
    finally:
        sys.modules.pop("my_methods_for_test", None)
    with pytest.raises(SystemExit) as exit_info:
        main(["--plugin", "no_such_module_for_svpkit", "methods"])
    assert exit_info.value.code == 2
    assert "--plugin no_such_module_for_svpkit" in capsys.readouterr().err


#: Each command's arguments up to --method; the pool file does not exist, and the method is
#: refused before it is looked for.
BEFORE_METHOD = {
    "select": [
        "select",
        "no_such_file.csv",
        "--labels",
        "y",
        "--fraction",
        "0.5",
        "--out",
        "o.csv",
    ],
    "query": ["query", "no_such_file.csv", "--labels", "y", "--budget", "5", "--out", "o.csv"],
    "demo": ["demo"],
}


@pytest.mark.parametrize(
    ("command", "method", "message"),
    [
        ("select", "nope", "invalid choice: 'nope' (choose from aum, auto,"),
        ("select", "targeted", "'targeted' is a method of svpkit query"),
        ("query", "el2n", "'el2n' is a method of svpkit select"),
        ("demo", "nope", "invalid choice: 'nope'"),
    ],
)
def test_an_unknown_method_is_a_usage_error_before_any_work(command, method, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*BEFORE_METHOD[command], "--method", method])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "no such file" not in err and len(err.strip().splitlines()) == 1


def test_one_default_method_everywhere():
    assert DEFAULT_METHOD == "auto"
    for selector in (BaseSelector, CoresetSelector, ProxySelector):
        assert inspect.signature(selector).parameters["method"].default == DEFAULT_METHOD
    parser = build_parser()
    for command in ("select", "query"):
        assert parser.parse_args(BEFORE_METHOD[command]).method == DEFAULT_METHOD
    assert parser.parse_args(["demo"]).method == "forgetting"  # the demo's own, on purpose


def test_select_runs_the_default_method(tmp_path, digits_csv):
    out = tmp_path / "s.csv"
    argv = ["select", str(digits_csv), "--labels", "label", "--fraction", "0.5", "--out", str(out)]
    assert main([*argv, *FAST]) == 0
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["method"] == DEFAULT_METHOD
    assert summary["chosen_method"] in method_choices("select")


def test_help_names_the_default_and_where_the_methods_are_listed(capsys):
    with pytest.raises(SystemExit):
        main(["select", "--help"])
    assert "svpkit methods lists them (default: auto)" in " ".join(capsys.readouterr().out.split())


def test_takes_query_reads_declared_parameters():
    class Declared:
        params = ("query",)

    assert takes_query(Declared()) and not takes_query(object())
