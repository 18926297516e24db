"""Greedy k-centers with a labeled set (active learning): existing centers, two routes.

In active learning the labeled rows are existing centers. Side by side in one run, for
Gaussian and clustered float32 pools and several labeled-set sizes:

- ``lazy``: svpkit's default, ``greedy_kcenters(X, k, already_selected=labeled)``: the labeled
  rows enter the lazy engine as picks already made; a few of them bound every row, the rest are
  applied only to the rows whose bound could still be picked;
- ``search_first``: the usual route (and svpkit's before this change): a full nearest-center
  search of every row against every labeled row (FAISS ``IndexFlatL2``), then the lazy engine on
  those exact distances;
- ``plain``: the same search, then one matrix-vector pass per pick.

Also recorded: whether the picks agree and the final covering radius. Run
``python -m benchmarks.kcenters_labeled`` (a few minutes) or ``--quick``. Writes
``benchmarks/results/kcenters_labeled.json``/``.png`` (the docs site renders its page from the
JSON).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.common.environment import environment
from benchmarks.common.report import pyplot, save_figure, shown_command
from benchmarks.common.results import RESULTS, benchmark_parser, publish
from svpkit import greedy_kcenters
from svpkit.datasets import make_embeddings


def search_first(X: np.ndarray, k: int, labeled: np.ndarray, engine: str):
    """Exact distances to the labeled set first (FAISS), then the traversal."""
    return greedy_kcenters(X, k, already_selected=labeled, algorithm=engine, existing_as="search")


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def run(n: int, d: int, k: int, sizes: list[int], kinds: list[str], plain: bool) -> list[dict]:
    rows = []
    for kind in kinds:
        X = make_embeddings(kind, n, d)
        for size in sizes:
            labeled = np.unique(np.random.default_rng(0).choice(n, size, replace=False))
            lazy, t_lazy = timed(greedy_kcenters, X, k, already_selected=labeled, algorithm="lazy")
            ref, t_search = timed(search_first, X, k, labeled, "lazy")
            t_plain = timed(search_first, X, k, labeled, "plain")[1] if plain else None
            row = {
                "kind": kind,
                "n": n,
                "d": d,
                "k": k,
                "labeled": int(labeled.size),
                "lazy_seconds": t_lazy,
                "search_first_seconds": t_search,
                "plain_seconds": t_plain,
                "lazy_vs_search_first": t_search / t_lazy,
                "same_picks": int(np.sum(lazy.indices == ref.indices)),
                "same_set": len(set(lazy.indices) & set(ref.indices)),
                "radius_rel_diff": float(abs(lazy.radii[-1] - ref.radii[-1]) / ref.radii[-1]),
            }
            rows.append(row)
            print(
                f"{kind:9s} labeled={labeled.size:>6}: lazy {t_lazy:6.2f} s, search first "
                f"{t_search:6.2f} s ({t_search / t_lazy:4.1f}x), same picks "
                f"{row['same_picks']}/{k}",
                flush=True,
            )
        del X
    return rows


def markdown(rows, command, env) -> str:
    r0 = rows[0]
    lines = [
        "# Greedy k-centers with a labeled set (active learning)",
        "",
        f"Command: `{shown_command(command)}`. Machine: {env['cpu_count']} CPU cores, no GPU; "
        f"OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']}. float32 pool of {r0['n']:,} x "
        f"{r0['d']}, k = {r0['k']} new centers, labeled rows drawn at random; one run each.",
        "",
        "`lazy` = `greedy_kcenters(X, k, already_selected=labeled)`: the labeled rows enter the "
        "lazy engine as picks already made. `search first` = a FAISS nearest-center search of "
        "every row against every labeled row, then the same lazy engine on exact distances. "
        "`plain` = that search, then one matrix-vector pass per pick.",
        "",
        "| data | labeled | lazy s | search first s | plain s | lazy faster by | same picks "
        "| same set | radius rel. diff |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        plain = "-" if r["plain_seconds"] is None else f"{r['plain_seconds']:.2f}"
        lines.append(
            f"| {r['kind']} | {r['labeled']:,} | {r['lazy_seconds']:.2f} | "
            f"{r['search_first_seconds']:.2f} | {plain} | {r['lazy_vs_search_first']:.1f}x | "
            f"{r['same_picks']}/{r['k']} | {r['same_set']}/{r['k']} | "
            f"{r['radius_rel_diff']:.1e} |"
        )
    lines += ["", "![labeled-set timings](../benchmarks/results/kcenters_labeled.png)", ""]
    return "\n".join(lines)


def plot(rows, path: Path) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    labels = [f"{r['kind'][:5]}\n{r['labeled']:,} labeled" for r in rows]
    x = np.arange(len(rows))
    ax.bar(x - 0.2, [r["lazy_seconds"] for r in rows], 0.4, label="lazy (labeled as picks)")
    ax.bar(x + 0.2, [r["search_first_seconds"] for r in rows], 0.4, label="search first")
    ax.set_xticks(x, labels, fontsize=8)
    ax.set(ylabel="seconds", title="greedy k-centers with a labeled set, 2 CPU cores")
    ax.legend()
    save_figure(fig, path)


def render_page(results: dict) -> str:
    """The docs page, from the saved results alone (the docs build calls this)."""
    return markdown(results["rows"], results["command"], results["environment"])


def main(argv: list[str] | None = None) -> int:
    args = benchmark_parser(__doc__, RESULTS).parse_args(argv)
    if args.quick:
        n, d, k, sizes, kinds = 20_000, 64, 100, [100], ["gaussian"]
    else:
        n, d, k, sizes, kinds = 500_000, 512, 1000, [1_000, 10_000], ["gaussian", "clustered"]
    rows = run(n, d, k, sizes, kinds, plain=args.quick)
    env = environment()
    command = "python -m benchmarks.kcenters_labeled" + (" --quick" if args.quick else "")
    payload = {"command": command, "environment": env, "rows": rows}
    prefix = publish(args, "kcenters_labeled", payload, render_page(payload))
    plot(rows, prefix.with_suffix(".png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
