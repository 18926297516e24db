"""A warning during a command is one line on stderr (Python's form only with --verbose)."""

import importlib
import warnings

cli = importlib.import_module("svpkit.cli.main")  # svpkit.cli.main is also the function
SELECT = ["select", "x.csv", "--labels", "y", "--out", "o.csv", "--fraction", "0.5"]


def _warns(args, verbose):
    warnings.warn(
        "invalid value encountered in divide\n  and a second line", RuntimeWarning, stacklevel=1
    )
    return 0


def test_a_warning_is_printed_as_one_line(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_command", lambda name: _warns)
    assert cli.main(SELECT) == 0
    err = capsys.readouterr().err
    assert err == "svpkit select: warning: invalid value encountered in divide and a second line\n"


def test_verbose_keeps_pythons_warning_for_a_bug_report(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_command", lambda name: _warns)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cli.main([*SELECT, "--verbose"]) == 0
    assert [type(w.message) for w in caught] == [RuntimeWarning]
