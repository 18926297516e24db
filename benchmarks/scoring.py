"""Uncertainty scoring at scale: svpkit's chunked kernels vs whole-matrix peer styles.

For n rows of float32 probabilities over C classes, side by side in one run: svpkit's
``least_confidence``, ``margin`` and ``entropy`` (row chunks, torch kernels on every core, no
whole-matrix temporaries) against the whole-matrix numpy forms and ``scipy.stats.entropy`` that
peers use. Reports seconds (an uninstrumented run) and, from a second run, the peak memory
beyond the input: tracemalloc (numpy allocations) and sampled resident-set growth (every
allocator, torch's included). Run ``python -m benchmarks.scoring`` (about two minutes;
1M x 1000 needs 4 GB for the input) or ``--quick``. Writes
``benchmarks/results/scoring.json``/``.png`` (the docs site renders its page from the JSON).
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from scipy.stats import entropy as scipy_entropy

from benchmarks.common.environment import environment, peak_rss_during
from benchmarks.common.report import pyplot, save_figure, shown_command
from benchmarks.common.results import RESULTS, benchmark_parser, publish
from svpkit.kernels.scoring import entropy, least_confidence, margin


def naive_entropy(p):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.nansum(p * np.log(p), axis=1)


def naive_margin(p):
    s = np.sort(p, axis=1)
    return 1 - (s[:, -1] - s[:, -2])


def naive_least_confidence(p):
    return 1 - p.max(axis=1)


IMPLEMENTATIONS = {
    "least_confidence": {"svpkit": least_confidence, "numpy whole-matrix": naive_least_confidence},
    "margin": {"svpkit": margin, "numpy sort (whole matrix)": naive_margin},
    "entropy": {
        "svpkit": entropy,
        "numpy whole-matrix": naive_entropy,
        "scipy.stats.entropy": lambda p: scipy_entropy(p, axis=1),
    },
}


def measure(fn, p):
    start = time.perf_counter()
    out = fn(p)
    seconds = time.perf_counter() - start
    del out
    tracemalloc.start()
    tracemalloc.reset_peak()
    out, rss = peak_rss_during(lambda: fn(p))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, seconds, peak, rss


def render_page(results: dict) -> str:
    """The docs page, from the saved results alone (the docs build calls this)."""
    rows, command, env = results["rows"], results["command"], results["environment"]
    lines = [
        "# Uncertainty scoring: chunked kernels vs whole-matrix styles",
        "",
        f"Command: `{shown_command(command)}`; "
        f"{env['cpu_count']} CPU cores. float32 probabilities. "
        "Seconds from an uninstrumented run; memory from a second run: tracemalloc peak "
        "(numpy allocations only) and sampled resident-set growth (every allocator, torch's "
        "included; a lower bound), both beyond the input matrix. svpkit's kernels run in torch "
        f"with {env['torch_threads']} threads.",
        "",
        "| n x classes | method | implementation | seconds | svpkit faster by "
        "| traced peak MB | RSS growth MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} x {r['classes']} | {r['method']} | {r['implementation']} | "
            f"{r['seconds']:.3f} | {r['svpkit_speedup']:.1f}x | "
            f"{r['peak_bytes'] / 2**20:.0f} | {r['peak_rss_bytes'] / 2**20:.0f} |"
        )
    lines += ["", "![scoring timings](../benchmarks/results/scoring.png)", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, RESULTS)
    args = parser.parse_args(argv)
    shapes = [(20_000, 10)] if args.quick else [(1_000_000, 10), (1_000_000, 1000)]
    rows = []
    for n, c in shapes:
        rng = np.random.default_rng(0)
        p = rng.random((n, c), dtype=np.float32)
        p /= p.sum(axis=1, keepdims=True)
        for method, impls in IMPLEMENTATIONS.items():
            ref = None
            for name, fn in impls.items():
                out, seconds, peak, rss = measure(fn, p)
                ref = out if ref is None else ref
                rows.append(
                    {
                        "n": n,
                        "classes": c,
                        "method": method,
                        "implementation": name,
                        "seconds": seconds,
                        "peak_bytes": peak,
                        "peak_rss_bytes": rss,
                        "max_abs_diff_vs_svpkit": float(np.max(np.abs(out - ref))),
                    }
                )
                print(
                    f"{n}x{c} {method:16s} {name:26s} {seconds:8.3f} s peak {peak / 2**20:8.1f} "
                    f"MB traced, {rss / 2**20:8.1f} MB RSS",
                    flush=True,
                )
        del p
    for r in rows:
        base = next(
            x
            for x in rows
            if (x["n"], x["classes"], x["method"], x["implementation"])
            == (r["n"], r["classes"], r["method"], "svpkit")
        )
        r["svpkit_speedup"] = r["seconds"] / base["seconds"]
    env = environment()
    command = "python -m benchmarks.scoring" + (" --quick" if args.quick else "")
    payload = {"command": command, "environment": env, "rows": rows}
    prefix = publish(args, "scoring", payload, render_page(payload))
    plot(rows, prefix.with_suffix(".png"))
    return 0


def plot(rows, path: Path) -> None:
    plt = pyplot()

    shapes = sorted({(r["n"], r["classes"]) for r in rows})
    fig, axes = plt.subplots(1, len(shapes), figsize=(5.5 * len(shapes), 4), squeeze=False)
    for ax, (n, c) in zip(axes[0], shapes, strict=True):
        sub = [r for r in rows if (r["n"], r["classes"]) == (n, c)]
        colors = ["tab:blue" if r["implementation"] == "svpkit" else "tab:gray" for r in sub]
        ax.barh(
            [f"{r['method']}\n{r['implementation']}" for r in sub],
            [r["seconds"] for r in sub],
            color=colors,
        )
        ax.invert_yaxis()
        ax.tick_params(axis="y", labelsize=7)
        ax.set(xscale="log", xlabel="seconds (log)", title=f"{n:,} x {c} float32")
    fig.suptitle("uncertainty scoring, 2 CPU cores (blue: svpkit)")
    save_figure(fig, path)


if __name__ == "__main__":
    sys.exit(main())
