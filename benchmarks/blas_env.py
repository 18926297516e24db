"""How much the machine's OpenBLAS settings cost the k-centers engine.

Some machines (this project's CI hosts among them) export ``OPENBLAS_CORETYPE=Haswell`` and
``OPENBLAS_L2_SIZE``, which make OpenBLAS use AVX2 kernels on AVX-512 CPUs. svpkit never
changes these variables; this script measures what they cost so that users can decide. It runs
the same greedy k-centers problem in child processes with the variables as inherited and with
them removed, alternating (the host is noisy), and reports the best time of each along with a
plain SGEMM rate.

Run ``python -m benchmarks.blas_env`` (about a minute) or ``--quick``. Writes
``benchmarks/results/blas_env.json``/``.png`` (the docs site renders its page from the JSON).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.common.environment import environment
from benchmarks.common.report import pyplot, save_figure, shown_command
from benchmarks.common.results import RESULTS, benchmark_parser, publish

VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

CHILD = """
import json, time
import numpy as np
from svpkit import greedy_kcenters
from svpkit.datasets import make_embeddings
kind, n, d, k = {kind!r}, {n}, {d}, {k}
A = np.random.default_rng(0).standard_normal((2048, 2048), dtype=np.float32)
A @ A
start = time.perf_counter()
for _ in range(5):
    A @ A
gflops = 5 * 2 * 2048**3 / (time.perf_counter() - start) / 1e9
X = make_embeddings(kind, n, d)
start = time.perf_counter()
greedy_kcenters(X, k, random_state=0, algorithm="lazy")
print(json.dumps({{"seconds": time.perf_counter() - start, "sgemm_gflops": gflops}}))
"""


def child_run(kind: str, n: int, d: int, k: int, inherit: bool) -> dict:
    env = dict(os.environ)
    if not inherit:
        for name in VARIABLES:
            env.pop(name, None)
    code = CHILD.format(kind=kind, n=n, d=d, k=k)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def render_page(results: dict) -> str:
    """The docs page, from the saved results alone (the docs build calls this)."""
    env, best, ratios = results["environment"], results["best"], results["inherited_over_removed"]
    command, kinds = results["command"], list(ratios)
    n, d, k = (results["shape"][key] for key in ("n", "d", "k"))
    rounds = len(results["runs"]["inherited"]) // len(kinds)
    inherited = {name: env.get(name) for name in VARIABLES}
    return "\n".join(
        [
            "# OpenBLAS settings and the k-centers engine",
            "",
            f"Command: `{shown_command(command)}`; "
            f"{env['cpu_count']} CPU cores. Inherited variables: "
            + ", ".join(f"`{k_}={v}`" for k_, v in inherited.items())
            + f". Greedy k-centers (lazy engine), float32, n = {n:,}, d = {d}, k = {k}; "
            f"best of {rounds} alternating child processes each.",
            "",
            "| OpenBLAS variables | "
            + " | ".join(f"k-centers {kind} s" for kind in kinds)
            + " | SGEMM 2048^3 GFLOP/s |",
            "|---|" + "---|" * (len(kinds) + 1),
            *(
                f"| {name} | "
                + " | ".join(f"{best[label][f'{kind}_seconds']:.3f}" for kind in kinds)
                + f" | {best[label]['sgemm_gflops']:.0f} |"
                for label, name in (("inherited", "as inherited"), ("removed", "removed"))
            ),
            "",
            "With the variables removed the engine is "
            + ", ".join(f"{ratios[kind]:.2f}x as fast on {kind} data" for kind in kinds)
            + "; it spends most of its time in GEMM (docs/scale.md). svpkit never sets or "
            "clears them: they belong to the machine's owner.",
            "",
            "![OpenBLAS settings](../benchmarks/results/blas_env.png)",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, RESULTS)
    args = parser.parse_args(argv)
    n, d, k = (20_000, 64, 100) if args.quick else (500_000, 512, 1000)
    rounds = 1 if args.quick else 3
    kinds = ["gaussian"] if args.quick else ["gaussian", "clustered"]
    runs = {"inherited": [], "removed": []}
    for _ in range(rounds):
        for kind in kinds:
            for label in runs:
                result = child_run(kind, n, d, k, inherit=label == "inherited")
                runs[label].append({"kind": kind, **result})
                print(label, runs[label][-1], flush=True)
    best = {
        label: {
            **{
                f"{kind}_seconds": min(r["seconds"] for r in rs if r["kind"] == kind)
                for kind in kinds
            },
            "sgemm_gflops": max(r["sgemm_gflops"] for r in rs),
        }
        for label, rs in runs.items()
    }
    env = environment()
    ratios = {
        kind: best["inherited"][f"{kind}_seconds"] / best["removed"][f"{kind}_seconds"]
        for kind in kinds
    }
    command = "python -m benchmarks.blas_env" + (" --quick" if args.quick else "")
    payload = {
        "command": command,
        "environment": env,
        "shape": {"n": n, "d": d, "k": k},
        "runs": runs,
        "best": best,
        "inherited_over_removed": ratios,
    }
    prefix = publish(args, "blas_env", payload, render_page(payload))
    plot(best, prefix.with_suffix(".png"))
    return 0


def plot(best: dict, path: Path) -> None:
    import numpy as np

    plt = pyplot()

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    labels = list(best)
    kinds = [key[: -len("_seconds")] for key in best[labels[0]] if key.endswith("_seconds")]
    x = np.arange(len(kinds))
    for i, (label, color) in enumerate(zip(labels, ["tab:gray", "tab:blue"], strict=True)):
        heights = [best[label][f"{kind}_seconds"] for kind in kinds]
        axes[0].bar(x + (i - 0.5) * 0.4, heights, 0.4, color=color, label=label)
    axes[0].set_xticks(x, kinds)
    axes[0].legend()
    axes[0].set(ylabel="seconds", title="greedy k-centers (lazy)")
    axes[1].bar(labels, [best[x]["sgemm_gflops"] for x in labels], color=["tab:gray", "tab:blue"])
    axes[1].set(ylabel="GFLOP/s", title="SGEMM 2048^3")
    fig.suptitle("OPENBLAS_* variables inherited vs removed")
    save_figure(fig, path)


if __name__ == "__main__":
    sys.exit(main())
