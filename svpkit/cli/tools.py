"""``svpkit estimate`` (the k-centers resource bracket as a table) and ``svpkit bench``.

``svpkit bench`` is a source-checkout tool: the benchmarks are the repository's ``benchmarks``
package, which a wheel of svpkit does not ship. It runs them when svpkit itself is imported from
a checkout (``pip install -e``), and says so, with exit status 2, anywhere else.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from .io import UserError

#: The ``benchmarks`` package of the checkout svpkit is imported from (absent from a wheel).
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
#: Modules of benchmarks/ that are not benchmarks.
_NOT_BENCHMARKS = {"readme"}
#: ``python -m benchmarks.<name>`` with the checkout first on the path, whatever the working
#: directory (a ``benchmarks`` folder there must not shadow it; relative paths keep their base).
_RUN_MODULE = (
    "import runpy, sys; root, name = sys.argv[1:3]; del sys.argv[1:3]; "
    "sys.path.insert(0, root); runpy.run_module(name, run_name='__main__', alter_sys=True)"
)


def _bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


def _seconds(s: float) -> str:
    return f"{s:.3g} s" if s < 120 else f"{s / 60:.3g} min"


def run_estimate(args: argparse.Namespace, verbose: bool) -> int:
    from ..kernels import estimate_resources

    est = estimate_resources(args.rows, args.dim, args.k, dtype=args.dtype)
    rows = [
        ("pool", _bytes(est["pool_bytes"])),
        ("extra memory", _bytes(est["extra_bytes"])),
        ("engine (auto)", str(est["algorithm"])),
        ("time", f"{_seconds(est['seconds_low'])} - {_seconds(est['seconds_high'])}"),
        (
            "plain loop",
            f"{_seconds(est['plain_seconds_low'])} - {_seconds(est['plain_seconds_high'])}",
        ),
        (
            "lazy engine",
            f"{_seconds(est['lazy_seconds_low'])} - {_seconds(est['lazy_seconds_high'])}",
        ),
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
    options = ["--quick"] if args.quick else []
    if args.out:
        options += ["--out", args.out]
    options += args.extra
    if verbose:
        print(
            f"python -m benchmarks.{args.name}",
            *options,
            f"(in {BENCHMARKS.parent})",
            file=sys.stderr,
        )
    module = f"benchmarks.{args.name}"
    return subprocess.call(
        [sys.executable, "-c", _RUN_MODULE, str(BENCHMARKS.parent), module, *options]
    )
