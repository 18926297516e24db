"""Thread settings on an idle and on a loaded machine: the demo, part of the test suite, and a
benchmark, each under the thread settings a user can choose.

Torch starts one intra-op thread per core, and its OpenMP threads spin while they wait; beside
another busy process they fight it for the cores. This measures what that costs and what the
settings buy, in one run, side by side:

- ``demo``: ``svpkit demo --quiet --threads T`` for T in ``all`` (torch's default, one thread
  per core), ``1`` and ``auto`` (the command line's default: the idle cores when it starts);
- ``tests``: ``python -m pytest -n 2 tests/nn`` with ``SVPKIT_THREADS=all`` (each worker
  using every core, as before) and with the test configuration's default (one thread per
  worker);
- ``benchmark``: ``python -m benchmarks.coreset --quick`` with torch's default threads and
  with ``OMP_NUM_THREADS=1``.

``loaded`` runs each beside a competing process (a torch matrix product loop with torch's
default threads, as another user's job would run), started a few seconds earlier;
``idle`` starts once every core is under 15% busy over a second. Every command runs
``--repeats`` times; the median is reported, and ratios are taken within one condition.

``python -m benchmarks.threads [--repeats 1] [--out DIR]``; ``--quick`` runs only the demo on
500 rows, idle, once (a smoke run). Writes ``benchmarks/results/threads.json`` and a plot.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common.environment import environment
from benchmarks.common.results import RESULTS, benchmark_parser, output_dir, publish

NAME = "threads"
ROOT = Path(__file__).resolve().parent.parent
#: The competing job: what another user's torch training does to the cores.
LOAD_CODE = "import torch\nx = torch.randn(1500, 1500)\nwhile True:\n    y = x @ x\n"
#: An idle condition starts when every core is less busy than this (%), or after IDLE_WAIT s.
IDLE_BUSY = 15.0
IDLE_WAIT = 300.0
#: Seconds the competing job runs before the first measurement (torch imported, spinning).
LOAD_WARMUP = 10.0


def _python() -> str:
    return sys.executable


def commands(quick: bool) -> list[tuple[str, str, list[str], dict[str, str]]]:
    """``(workload, setting, argv, extra environment)`` for every measured command."""
    svpkit = [_python(), "-m", "svpkit.cli"]
    demo_rows = ["--max-rows", "500"] if quick else []
    out = [
        ("demo", t, [*svpkit, "demo", "--quiet", "--threads", t, *demo_rows], {})
        for t in ("all", "1", "auto")
    ]
    if quick:
        return out
    tests = [_python(), "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider", "tests/nn"]
    out += [
        ("tests", "all", tests, {"SVPKIT_THREADS": "all"}),
        ("tests", "1 per worker", tests, {}),
    ]
    bench = [_python(), "-m", "benchmarks.coreset", "--quick"]
    out += [
        ("benchmark", "all", bench, {}),
        ("benchmark", "1", bench, {"OMP_NUM_THREADS": "1"}),
    ]
    return out


def run_once(argv: list[str], extra: dict[str, str]) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "SVPKIT_THREADS")}
    env.update(extra)
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def measure(quick: bool, repeats: int, conditions: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for condition in conditions:
        load = None
        if condition == "idle":  # wait until no core is busy (an earlier job has ended)
            import psutil

            deadline = time.monotonic() + IDLE_WAIT
            while time.monotonic() < deadline:
                if max(psutil.cpu_percent(interval=1.0, percpu=True)) < IDLE_BUSY:
                    break
        if condition == "loaded":
            load = subprocess.Popen([_python(), "-c", LOAD_CODE], env=dict(os.environ))
            time.sleep(LOAD_WARMUP)
        try:
            for workload, setting, argv, extra in commands(quick):
                seconds = [run_once(argv, extra) for _ in range(repeats)]
                rows.append(
                    {
                        "condition": condition,
                        "workload": workload,
                        "setting": setting,
                        "seconds": seconds,
                        "median": statistics.median(seconds),
                        "load_after": os.getloadavg()[0],
                    }
                )
                print(rows[-1], flush=True)
        finally:
            if load is not None:
                load.kill()
                load.wait()
    return rows


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per condition and workload, each setting's median and its ratio to the first setting."""
    out: dict[str, Any] = {}
    for row in rows:
        cell = out.setdefault(row["condition"], {}).setdefault(row["workload"], {})
        cell[row["setting"]] = row["median"]
    return out


def plot(summary: dict[str, Any], prefix: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workloads = sorted({w for c in summary.values() for w in c})
    fig, axes = plt.subplots(1, len(workloads), figsize=(4 * len(workloads), 3.2), squeeze=False)
    for ax, workload in zip(axes[0], workloads, strict=True):
        labels, values, colors = [], [], []
        for condition, color in (("idle", "tab:blue"), ("loaded", "tab:red")):
            for setting, seconds in summary.get(condition, {}).get(workload, {}).items():
                labels.append(f"{condition}\n{setting}")
                values.append(seconds)
                colors.append(color)
        ax.bar(range(len(values)), values, color=colors)
        ax.set_xticks(range(len(values)), labels, fontsize=7)
        ax.set_title(workload)
        ax.set_ylabel("seconds (median)")
    fig.tight_layout()
    path = prefix.with_suffix(".png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def render_page(r: dict[str, Any]) -> str:
    lines = [
        "# Threads on an idle and a loaded machine",
        "",
        f'Command: `{r["command"]}`. Median of {r["repeats"]} run(s) per cell; "loaded" runs '
        "beside a torch matrix-product loop with torch's default threads. The ratio is to the "
        "first setting of the same row.",
        "",
        "| condition | workload | setting | seconds | ratio |",
        "|---|---|---|---|---|",
    ]
    for condition, workloads in r["summary"].items():
        for workload, settings in workloads.items():
            first = next(iter(settings.values()))
            for setting, seconds in settings.items():
                lines.append(
                    f"| {condition} | {workload} | {setting} | {seconds:.1f} | "
                    f"{seconds / first:.2f}x |"
                )
    lines += ["", f"![threads]({r['plot']})", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, RESULTS, "the demo on 500 rows, idle, once")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--conditions", nargs="+", choices=("idle", "loaded"), default=["idle", "loaded"]
    )
    args = parser.parse_args(argv)
    conditions = ("idle",) if args.quick else tuple(args.conditions)
    repeats = 1 if args.quick else args.repeats
    folder = output_dir(args, NAME)
    rows = measure(args.quick, repeats, conditions)
    summary = summarise(rows)
    stem = f"{NAME}_quick" if args.quick else NAME
    image = plot(summary, folder / stem)
    payload = {
        "command": "python -m benchmarks.threads" + (" --quick" if args.quick else ""),
        "repeats": repeats,
        "rows": rows,
        "summary": summary,
        "plot": f"../benchmarks/results/{image.name}",
        "environment": environment(),
    }
    publish(args, NAME, payload, render_page(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main())
