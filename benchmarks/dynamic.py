"""Dynamic data pruning vs full data, RS2 and static subsets, paired over seeds.

For each dataset and seed the CNN target (SmallCNN, the project's image target) is trained
with every arm on the same training split and scored on the same test split:

- ``full``: every row, every epoch;
- ``dp-R``: :class:`svpkit.nn.DynamicPruning` with ``prune_ratio`` R (InfoBatch defaults:
  anneal the last 12.5% of epochs);
- ``rs2``: :class:`svpkit.nn.RandomSubsetEachEpoch` at the share of row visits ``dp-0.7`` used
  in the same seed (the same cost);
- ``static-random``: one random subset of that size, every epoch (the same cost again);
- ``coreset+dp``: a class-balanced forgetting core-set of 70% of the rows (default MLP proxy,
  5 epochs), then ``dp-0.5`` on it (``SelectThenFit``).

Datasets: the MNIST sample (12 epochs), digits (20 epochs), and ``mnist-long`` (30 epochs, closer
to convergence; full, dp-0.5, dp-0.7 and rs2 only, 5 seeds).

The seed drives the target's initialisation and batch order, the pruning draws and the
subsets. Reported per arm: row visits (forward + backward), target-training wall seconds,
last-epoch test accuracy and the paired difference to ``full`` (mean, paired std, wins).

Resumable: every (dataset, arm, seed) is appended to ``benchmarks/results/dynamic_runs.jsonl``
as it finishes and skipped when already there. ``python -m benchmarks.dynamic`` (about
15 minutes on 2 cores); ``--quick`` (digits only, 2 seeds, 3 epochs; writes to a temporary
folder). Writes ``benchmarks/results/dynamic.json`` and ``dynamic.png`` (the docs site renders
its page from the JSON).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.common.data import Split, load
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
from benchmarks.common.targets import cnn_target

NAME = "dynamic"
RATIOS = (0.5, 0.7, 0.9)
MATCHED = "dp-0.7"  # rs2 and static-random get the row visits of this arm, seed by seed
FULL = {
    "datasets": ("mnist", "digits", "mnist-long"),
    "seeds": 10,
    "epochs": {"mnist": 12, "digits": 20, "mnist-long": 30},
}
#: "mnist-long" is MNIST trained closer to convergence (30 epochs), fewer arms and seeds: does the
#: gap to full data close when the target converges, as InfoBatch reports?
LONG = {"arms": ("full", "dp-0.5", "dp-0.7", "rs2"), "seeds": 5}
QUICK = {"datasets": ("digits",), "seeds": 2, "epochs": {"digits": 3}}


def _fit(model, X, y, X_test, y_test) -> dict:
    from svpkit import SelectThenFit

    start = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - start
    net = model.estimator_ if isinstance(model, SelectThenFit) else model
    history = net.history
    visits = sum(history[:, "rows_used"]) if "rows_used" in history[0] else len(y) * len(history)
    return {
        "accuracy": float(model.score(X_test, y_test)),
        "seconds": seconds,
        "row_visits": int(visits),
        "epochs": len(history),
    }


def run_arm(arm, split: Split, epochs, seed, matched_share) -> dict:
    from svpkit import CoresetSelector, SelectThenFit, make_default_proxy
    from svpkit.nn import DynamicPruning, RandomSubsetEachEpoch

    X, X_test, y, y_test, shape = split
    if arm == "full":
        return _fit(cnn_target(shape, epochs, seed=seed), X, y, X_test, y_test)
    if arm.startswith("dp-"):
        ratio = float(arm[3:])
        callbacks = [("prune", DynamicPruning(ratio, random_state=seed))]
        return _fit(cnn_target(shape, epochs, seed=seed, callbacks=callbacks), X, y, X_test, y_test)
    if arm == "rs2":
        callbacks = [("rs2", RandomSubsetEachEpoch(matched_share, random_state=seed))]
        return _fit(cnn_target(shape, epochs, seed=seed, callbacks=callbacks), X, y, X_test, y_test)
    if arm == "static-random":
        rows = np.random.RandomState(seed).choice(
            len(y), math.ceil(matched_share * len(y)), replace=False
        )
        result = _fit(cnn_target(shape, epochs, seed=seed), X[rows], y[rows], X_test, y_test)
        return {**result, "rows": len(rows)}
    if arm == "coreset+dp":
        selector = CoresetSelector(
            make_default_proxy(max_epochs=5, module__hidden_units=(64,), lr=2e-3),
            method="forgetting",
            fraction=0.7,
            class_balance=True,
            random_state=seed,
        )
        callbacks = [("prune", DynamicPruning(0.5, random_state=seed))]
        model = SelectThenFit(selector, cnn_target(shape, epochs, seed=seed, callbacks=callbacks))
        result = _fit(model, X, y, X_test, y_test)
        return {**result, "selection_seconds": sum(model.selector_.fit_seconds_.values())}
    raise ValueError(arm)


ARMS = ("full", *(f"dp-{r}" for r in RATIOS), "rs2", "static-random", "coreset+dp")


def run(settings: dict, runs_path: Path, log=print) -> list[dict]:
    done = read_runs(runs_path)
    key = {(r["dataset"], r["arm"], r["seed"]) for r in done}
    records = list(done)
    for dataset in settings["datasets"]:
        split = load(dataset.removesuffix("-long"), test_size=0.3, seed=0)
        epochs = settings["epochs"][dataset]
        # Warm torch's thread pool and allocator up, so the first timed arm is not penalised.
        cnn_target(split.image_shape, 1, seed=0).fit(split.X_train[:256], split.y_train[:256])
        long = dataset.endswith("-long")
        for seed in range(LONG["seeds"] if long else settings["seeds"]):
            for arm in LONG["arms"] if long else ARMS:
                if (dataset, arm, seed) in key:
                    continue
                dp = next(
                    (
                        r
                        for r in records
                        if (r["dataset"], r["arm"], r["seed"]) == (dataset, MATCHED, seed)
                    ),
                    None,
                )
                share = dp["row_visits"] / (dp["epochs"] * len(split.y_train)) if dp else 1.0
                result = run_arm(arm, split, epochs, seed, share)
                record = {"dataset": dataset, "arm": arm, "seed": seed, **result}
                records.append(record)
                append_run(runs_path, record)
                log(
                    f"{dataset} seed {seed} {arm:<14} acc {result['accuracy']:.4f} "
                    f"visits {result['row_visits']:>7} {result['seconds']:6.1f} s"
                )
    return [
        r for r in records if r["dataset"] in settings["datasets"] and r["seed"] < settings["seeds"]
    ]


def summarize(records: list[dict]) -> list[dict]:
    out = []
    for dataset in sorted({r["dataset"] for r in records}):
        rows = [r for r in records if r["dataset"] == dataset]
        full = {r["seed"]: r for r in rows if r["arm"] == "full"}
        for arm in ARMS:
            arm_rows = [r for r in rows if r["arm"] == arm and r["seed"] in full]
            if not arm_rows:
                continue
            diff = np.array([100 * (r["accuracy"] - full[r["seed"]]["accuracy"]) for r in arm_rows])
            visits = np.array([r["row_visits"] / full[r["seed"]]["row_visits"] for r in arm_rows])
            secs = np.array([r["seconds"] / full[r["seed"]]["seconds"] for r in arm_rows])
            out.append(
                {
                    "dataset": dataset,
                    "arm": arm,
                    "seeds": len(arm_rows),
                    "accuracy_mean": float(np.mean([r["accuracy"] for r in arm_rows])),
                    "diff_vs_full_pp": float(diff.mean()),
                    "diff_paired_std_pp": float(diff.std(ddof=1)) if len(diff) > 1 else 0.0,
                    "wins_vs_full": int((diff >= 0).sum()),
                    "visits_vs_full": float(visits.mean()),
                    "seconds_vs_full": float(secs.mean()),
                }
            )
    return out


def versus(records: list[dict], a: str, b: str, dataset: str) -> dict | None:
    """Paired difference of arm ``a`` minus arm ``b`` (pp)."""
    acc = {(r["arm"], r["seed"]): r["accuracy"] for r in records if r["dataset"] == dataset}
    seeds = sorted(s for (arm, s) in acc if arm == a and (b, s) in acc)
    if not seeds:
        return None
    diff = np.array([100 * (acc[(a, s)] - acc[(b, s)]) for s in seeds])
    std = float(diff.std(ddof=1)) if len(diff) > 1 else 0.0
    return {
        "a": a,
        "b": b,
        "mean_pp": float(diff.mean()),
        "std_pp": std,
        "wins": int((diff > 0).sum()),
        "seeds": len(seeds),
    }


def markdown(summary: list[dict], pairs: list[dict], command: str, env: dict) -> str:
    lines = [
        "# Dynamic data pruning: InfoBatch-style pruning vs full data, RS2 and static subsets",
        "",
        f"Command: `{shown_command(command)}`. "
        f"Machine: {env.get('cpu_count')} CPU cores, no GPU. Target: "
        "SmallCNN (width 16), Adam lr 2e-3, batch 64; last-epoch test accuracy on a fixed 30% "
        "split; the seed drives initialisation, batch order and every draw. Costs are ratios "
        "to `full` in the same seed.",
        "",
        "| dataset | arm | seeds | accuracy | vs full (pp, paired) | wins | row visits "
        "| train time |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        lines.append(
            f"| {s['dataset']} | {s['arm']} | {s['seeds']} | {s['accuracy_mean']:.4f} | "
            f"{s['diff_vs_full_pp']:+.2f} ± {s['diff_paired_std_pp']:.2f} | "
            f"{s['wins_vs_full']}/{s['seeds']} | {s['visits_vs_full']:.2f}x | "
            f"{s['seconds_vs_full']:.2f}x |"
        )
    lines += ["", "Paired comparisons at the same row visits (a minus b):", ""]
    lines += [
        "| dataset | a | b | mean (pp) | paired std | a better |",
        "|---|---|---|---|---|---|",
    ]
    for p in pairs:
        lines.append(
            f"| {p['dataset']} | {p['a']} | {p['b']} | {p['mean_pp']:+.2f} | {p['std_pp']:.2f} | "
            f"{p['wins']}/{p['seeds']} |"
        )
    lines += ["", f"![accuracy vs cost](../benchmarks/results/{NAME}.png)", ""]
    return "\n".join(lines)


def render_page(results: dict) -> str:
    """The docs page, from the saved results alone (the docs build calls this)."""
    keys = ("summary", "pairs", "command", "environment")
    return markdown(*(results[k] for k in keys))


def plot(summary: list[dict], path: Path) -> None:
    plt = pyplot()
    datasets = sorted({s["dataset"] for s in summary})
    fig, axes = plt.subplots(1, len(datasets), figsize=(5.5 * len(datasets), 4), squeeze=False)
    for ax, dataset in zip(axes[0], datasets, strict=True):
        rows = [s for s in summary if s["dataset"] == dataset]
        full = next(s for s in rows if s["arm"] == "full")
        ax.axhspan(
            full["accuracy_mean"] - 0.003,
            full["accuracy_mean"] + 0.003,
            color="0.85",
            label="full ± 0.3 pp",
        )
        for s in rows:  # one colour per arm in every panel
            color = f"C{ARMS.index(s['arm'])}"
            ax.scatter(s["visits_vs_full"], s["accuracy_mean"], label=s["arm"], color=color)
        ax.set(title=dataset, xlabel="row visits / full", ylabel="test accuracy")
        ax.legend(fontsize=7)
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, RESULTS, "digits, 2 seeds, 3 epochs")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    records = run(settings, runs_file(args, NAME))
    summary = summarize(records)
    pairs = []
    for dataset in settings["datasets"]:
        for a, b in ((MATCHED, "rs2"), (MATCHED, "static-random"), ("rs2", "static-random")):
            p = versus(records, a, b, dataset)
            if p:
                pairs.append({"dataset": dataset, **p})
    command = f"python -m benchmarks.{NAME}" + (" --quick" if args.quick else "")
    env = environment()
    payload = {"command": command, "environment": env, "summary": summary, "pairs": pairs}
    prefix = publish(args, NAME, payload, render_page(payload))
    plot(summary, prefix.with_suffix(".png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
