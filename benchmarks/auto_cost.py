"""What the default's validation costs next to its proxy's training, on every cell's pool.

``method="auto"`` plans its validation to at most ``svpkit.methods.auto.AUTO_BUDGET`` proxy
trainings' worth of rows x epochs; this measures the seconds. For each pool of the
development and held-out cells (``benchmarks/cells.py``) and each fraction, one process with
one thread fits ``CoresetSelector(fraction=f, random_state=seed)`` (nothing else named, no
cache) and records ``fit_seconds_["auto_validation"]`` and ``fit_seconds_["proxy_fit"]``.
Run it on a quiet machine: the ratio is the claim.

Resumable (``benchmarks/results/auto_cost_runs.jsonl``).
``python -m benchmarks.auto_cost [--datasets ...] [--seeds N]``; ``--quick`` (digits, two
fractions); ``--summarise`` rebuilds the JSON, plot and page from the runs file.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from benchmarks.cells import HELDOUT_DATASETS
from benchmarks.common.environment import environment
from benchmarks.common.report import pyplot, save_figure, shown_command
from benchmarks.common.results import (
    RESULTS,
    append_run,
    benchmark_parser,
    publish,
    read_runs,
    runs_file,
)

NAME = "auto_cost"
DEV_DATASETS = ("digits", "mnist", "redundant", "rotten")
DATASETS = (*DEV_DATASETS, *HELDOUT_DATASETS)
FRACTIONS = (0.1, 0.3, 0.5, 0.7, 0.9)
#: The issue's bar: validation at most this many times the proxy's training.
LIMIT = 3.0


def run(args, path, log) -> None:
    from benchmarks.coreset_quality import split_for
    from svpkit import CoresetSelector

    done = {(r["dataset"], r["fraction"], r["seed"]) for r in read_runs(path)}
    for dataset in args.datasets:
        split = split_for(dataset)
        for seed in range(args.seeds):
            for fraction in args.fractions:
                if (dataset, fraction, seed) in done:
                    continue
                sel = CoresetSelector(fraction=fraction, random_state=seed)
                sel.fit(split.X_train, split.y_train)
                seconds = sel.fit_seconds_
                append_run(
                    path,
                    {
                        "dataset": dataset,
                        "fraction": fraction,
                        "seed": seed,
                        "n_pool": len(split.y_train),
                        "chosen": sel.method_,
                        "reason": sel.method_reason_,
                        "proxy_seconds": seconds["proxy_fit"],
                        "validation_seconds": seconds["auto_validation"],
                        "ratio": seconds["auto_validation"] / seconds["proxy_fit"],
                    },
                )
                log(f"{dataset} {fraction} seed {seed}: {seconds['auto_validation']:.1f} s")


def summarise(runs: list[dict]) -> list[dict]:
    """Per (dataset, fraction): mean proxy and validation seconds and the largest ratio."""
    groups: dict = {}
    for r in runs:
        groups.setdefault((r["dataset"], r["fraction"]), []).append(r)
    rows = []
    for (dataset, fraction), rs in sorted(groups.items()):
        rows.append(
            {
                "dataset": dataset,
                "fraction": fraction,
                "held_out": dataset in HELDOUT_DATASETS,
                "n_seeds": len(rs),
                "proxy_seconds": float(np.mean([r["proxy_seconds"] for r in rs])),
                "validation_seconds": float(np.mean([r["validation_seconds"] for r in rs])),
                "max_ratio": float(max(r["ratio"] for r in rs)),
            }
        )
    return rows


def render_page(results: dict) -> str:
    """The docs page, from the saved results alone (the docs build calls this)."""
    rows = results["summary"]
    over = [r for r in rows if r["max_ratio"] > LIMIT]
    lines = [
        "# What the default's validation costs",
        "",
        "`method=\"auto\"`'s validation seconds against its proxy's training, per pool and",
        "fraction, one process with one thread on a quiet machine (no cache: the proxy trains",
        "in each fit).",
        "",
        shown_command(results["command"]),
        "",
        f"Largest ratio: **{max(r['max_ratio'] for r in rows):.2f}x** "
        f"({len(over)} of {len(rows)} cells above {LIMIT:.0f}x).",
        "",
        "| pool | cells | kept | proxy training (s) | validation (s) | validation / proxy (max) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['dataset']} | {'held-out' if r['held_out'] else 'development'} "
            f"| {int(100 * r['fraction'])}% | {r['proxy_seconds']:.2f} "
            f"| {r['validation_seconds']:.2f} | {r['max_ratio']:.2f} |"
        )
    lines += ["", "![auto's cost](../benchmarks/results/auto_cost.png)"]
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], prefix) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        pts = sorted((r["fraction"], r["max_ratio"]) for r in rows if r["dataset"] == dataset)
        style = "--" if dataset in HELDOUT_DATASETS else "-"
        ax.plot(*zip(*pts, strict=True), style, marker="o", label=dataset)
    ax.axhline(LIMIT, color="k", lw=1)
    ax.set_xlabel("fraction kept")
    ax.set_ylabel("validation / proxy training")
    ax.legend(fontsize=7, ncol=2)
    save_figure(fig, prefix.with_suffix(".png"))


def main(argv: list[str] | None = None) -> None:
    parser = benchmark_parser(__doc__, RESULTS, "digits, two fractions")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--fractions", nargs="+", type=float, default=list(FRACTIONS))
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--summarise", action="store_true", help="only rebuild the outputs")
    args = parser.parse_args(argv)
    if args.quick:
        args.datasets, args.fractions, args.seeds = ["digits"], [0.1, 0.5], 1
    path = runs_file(args, NAME)
    if not args.summarise:
        run(args, path, lambda msg: print(msg, file=sys.stderr, flush=True))
    rows = summarise(read_runs(path))
    payload = {
        "command": ("python -m benchmarks.auto_cost " + " ".join(argv or sys.argv[1:])).strip(),
        "environment": environment(),
        "threads": os.environ.get("OMP_NUM_THREADS"),
        "summary": rows,
    }
    prefix = publish(args, NAME, payload, render_page(payload))
    plot(rows, prefix)


if __name__ == "__main__":
    main()
