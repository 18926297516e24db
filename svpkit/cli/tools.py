"""``svpkit estimate`` (the k-centers resource bracket as a table) and ``svpkit bench``."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from .io import UserError

#: The repository's benchmarks folder (present in a source checkout, not in a wheel).
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
#: Scripts in benchmarks/ that are not benchmarks.
_NOT_BENCHMARKS = {"readme"}


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
    if not BENCHMARKS.is_dir():
        return []
    return sorted(p.stem for p in BENCHMARKS.glob("*.py") if p.stem not in _NOT_BENCHMARKS)


def run_bench(args: argparse.Namespace, verbose: bool) -> int:
    names = available_benchmarks()
    if not names:
        raise UserError(
            f"no benchmarks folder at {BENCHMARKS}: svpkit bench runs the scripts of a source "
            'checkout (git clone, then pip install -e ".[bench]")'
        )
    if args.name not in names:
        raise UserError(f"unknown benchmark {args.name!r}; choose one of: {', '.join(names)}")
    command = [sys.executable, str(BENCHMARKS / f"{args.name}.py")]
    if args.quick:
        command.append("--quick")
    if args.out:
        command += ["--out", args.out]
    command += args.extra
    if verbose:
        print(" ".join(command), file=sys.stderr)
    return subprocess.call(command)
