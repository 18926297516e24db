"""``--threads``: torch's and BLAS's threads for a command, restored after it."""

import argparse

import pytest
import torch

from svpkit.cli import main
from svpkit.cli.threads import command_threads, idle_cores, parse_threads, thread_count


@pytest.mark.parametrize(
    ("cores", "busy", "expected"),
    [
        (2, [0.0, 3.0], 2),
        (2, [99.0, 2.0], 1),
        (2, [100.0, 100.0], 1),
        (4, [80.0, 10.0, 49.0, 51.0], 2),
        (2, [0.0, 0.0, 0.0, 0.0], 2),  # never more than the usable cores
    ],
)
def test_auto_takes_the_cores_idle_now(cores, busy, expected):
    assert idle_cores(cores=cores, busy=busy) == expected


def test_auto_sees_a_busy_core_at_once():
    """A competing process is seen within the 0.2 s sample (a load average would lag)."""
    import subprocess
    import sys

    from svpkit.cli.threads import usable_cores

    if usable_cores() < 2:
        pytest.skip("one core: auto is always 1")
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        import time

        time.sleep(0.5)
        assert idle_cores() <= usable_cores() - 1
    finally:
        spin.kill()
        spin.wait()


@pytest.mark.parametrize(("text", "expected"), [("auto", "auto"), ("ALL", "all"), ("3", "3")])
def test_parse_threads(text, expected):
    assert parse_threads(text) == expected


@pytest.mark.parametrize("text", ["0", "-1", "two", "1.5", ""])
def test_parse_threads_refuses_what_is_no_count(text):
    with pytest.raises(argparse.ArgumentTypeError, match="auto, all or a number"):
        parse_threads(text)


def test_a_command_runs_with_the_threads_asked_and_restores_them():
    before = torch.get_num_threads()
    with command_threads("1") as count:
        assert count == 1 and torch.get_num_threads() == 1
        from threadpoolctl import threadpool_info

        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    assert torch.get_num_threads() == before
    with command_threads("all") as count:
        assert count is None and torch.get_num_threads() == before
    assert thread_count("auto") >= 1


def test_select_uses_the_threads_option(tmp_path, digits_csv, monkeypatch):
    seen = []
    import svpkit.selectors.coreset as coreset

    real_fit = coreset.CoresetSelector.fit

    def spy(self, X, y=None, **kw):
        seen.append(torch.get_num_threads())
        return real_fit(self, X, y, **kw)

    monkeypatch.setattr(coreset.CoresetSelector, "fit", spy)
    monkeypatch.delenv("SVPKIT_THREADS", raising=False)
    out = tmp_path / "sel.csv"
    argv = ["select", str(digits_csv), "--labels", "label", "--fraction", "0.5"]
    argv += ["--method", "random", "--out", str(out), "--quiet", "--threads", "1"]
    assert main(argv) == 0
    assert seen == [1]


def test_the_environment_sets_the_default(monkeypatch):
    from svpkit.cli.main import build_parser

    monkeypatch.setenv("SVPKIT_THREADS", "1")
    args = build_parser().parse_args(
        ["select", "x.csv", "--labels", "y", "--out", "o.csv", "--fraction", "0.5"]
    )
    assert args.threads == "1"
    monkeypatch.delenv("SVPKIT_THREADS")
    args = build_parser().parse_args(
        ["select", "x.csv", "--labels", "y", "--out", "o.csv", "--fraction", "0.5"]
    )
    assert args.threads == "auto"
