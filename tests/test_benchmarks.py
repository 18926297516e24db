"""The benchmark scripts' quick paths run on tiny data (their full runs are not timed tests)."""

import importlib
import json

import numpy as np
import pytest


def _load(name):
    """A fresh ``benchmarks.<name>`` (a run may change the module's settings)."""
    return importlib.reload(importlib.import_module(f"benchmarks.{name}"))


def test_active_learning_benchmark_quick(tmp_path):
    pytest.importorskip("matplotlib")
    bench = _load("active_learning")
    code = bench.main(
        [
            "--quick",
            "--datasets",
            "digits",
            "--methods",
            "entropy",
            "kcenters",
            "random",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    result = json.loads((tmp_path / "active_learning_quick.json").read_text())
    modes = {(r["method"], r["selector"]) for r in result["summary"]}
    assert modes == {(m, s) for m in ("entropy", "kcenters") for s in bench.MODES} | {
        ("random", "none")
    }
    for run in result["runs"]:
        assert [h["round"] for h in run["history"]] == list(range(6))
        assert run["history"][-1]["n_labeled"] == 150  # 50% of the 300-row quick pool
    baseline = [r for r in result["summary"] if r["selector"] == "target"]
    assert all(r["speedup_vs_target"] == 1.0 for r in baseline)
    assert (tmp_path / "active_learning_quick.png").stat().st_size > 10_000
    assert result["environment"]["versions"]["torch"]


def test_coreset_benchmark_quick(tmp_path):
    pytest.importorskip("matplotlib")
    bench = _load("coreset")
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "coreset_quick.json").read_text())
    combos = {(s["selector"], s["method"]) for s in result["summary"]}
    for selector in bench.SELECTORS:
        for method in bench.METHODS:
            assert (selector, method) in combos
    assert ("none", "random") in combos and ("none", "all") in combos
    agreement = result["agreement"]
    assert {a["proxy"] for a in agreement} == {"proxy-narrow", "proxy-fewer-epochs"}
    assert all(-1 <= a["spearman"] <= 1 and 0 <= a["overlap_at_50"] <= 1 for a in agreement)
    heads = result["headline"]
    assert {h["selector"] for h in heads} == set(bench.SELECTORS)
    for name in ("accuracy", "time", "agreement"):
        assert (tmp_path / f"coreset_quick_{name}.png").exists()
    full = [s for s in result["summary"] if s["method"] == "all"][0]
    assert full["speedup_vs_full"] == pytest.approx(1.0)


def test_kcenters_benchmark_quick(tmp_path):
    pytest.importorskip("matplotlib")
    bench = _load("kcenters")
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "kcenters_quick.json").read_text())["rows"]
    assert len(rows) == 1
    row = rows[0]
    assert row["same_set"] >= 95 and row["lazy_seconds"] > 0 and row["bound_seconds"] > 0
    # linear extras: the candidate copy (>= 4096 rows) and one 4 MB GEMM block
    assert row["lazy_peak_bytes"] < row["pool_bytes"] + 16 * 2**20
    # the DeepCore-style port keeps a (k - 1) x n float32 matrix and is extrapolated from picks
    assert row["deepcore_matrix_bytes"] == (row["k"] - 1) * row["n"] * 4
    assert row["deepcore_style_seconds"] > 0 and row["lazy_vs_deepcore"] > 0
    assert (tmp_path / "kcenters_quick.png").exists()


def test_blas_env_benchmark_quick(tmp_path):
    pytest.importorskip("matplotlib")
    bench = _load("blas_env")
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "blas_env_quick.json").read_text())
    assert set(result["runs"]) == {"inherited", "removed"}
    assert all(b["gaussian_seconds"] > 0 and b["sgemm_gflops"] > 0 for b in result["best"].values())
    assert (tmp_path / "blas_env_quick.png").exists()


def test_scoring_benchmark_quick(tmp_path):
    bench = _load("scoring")
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "scoring_quick.json").read_text())["rows"]
    assert {r["method"] for r in rows} == {"least_confidence", "margin", "entropy"}
    assert all(r["max_abs_diff_vs_svpkit"] < 1e-5 for r in rows)  # same scores, all styles
    assert all("peak_rss_bytes" in r for r in rows)
    assert (tmp_path / "scoring_quick.png").exists()


def test_kcenters_labeled_benchmark_quick(tmp_path):
    pytest.importorskip("matplotlib")
    bench = _load("kcenters_labeled")
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    (row,) = json.loads((tmp_path / "kcenters_labeled_quick.json").read_text())["rows"]
    assert row["labeled"] == 100 and row["same_set"] >= 95
    assert row["lazy_seconds"] > 0 and row["search_first_seconds"] > 0 and row["plain_seconds"] > 0
    assert row["radius_rel_diff"] < 1e-4
    assert (tmp_path / "kcenters_labeled_quick.png").exists()


def test_estimate_calibration_benchmark_quick(tmp_path):
    pytest.importorskip("matplotlib")
    bench = _load("estimate_calibration")
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "estimate_calibration_quick.json").read_text())["rows"]
    assert len(rows) == 6 and all(r["seconds"] > 0 for r in rows)
    assert (tmp_path / "estimate_calibration_quick.png").exists()


def test_dynamic_benchmark_quick(tmp_path):
    pytest.importorskip("matplotlib")
    bench = _load("dynamic")
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "dynamic_quick.json").read_text())
    arms = {s["arm"] for s in result["summary"]}
    assert arms == set(bench.ARMS)
    full = next(s for s in result["summary"] if s["arm"] == "full")
    assert full["visits_vs_full"] == 1.0 and full["diff_vs_full_pp"] == 0.0
    assert all(s["visits_vs_full"] < 1.0 for s in result["summary"] if s["arm"] != "full")
    # resumable: a second run finds every (dataset, arm, seed) done and trains nothing
    runs = (tmp_path / "dynamic_quick_runs.jsonl").read_text()
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "dynamic_quick_runs.jsonl").read_text() == runs
    assert (tmp_path / "dynamic_quick.png").exists()


def test_online_selection_benchmark_quick(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("mlxtend")
    bench = _load("online_selection")
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "online_selection_quick.json").read_text())
    assert {s["arm"] for s in result["summary"]} == set(bench.ARMS)
    rho = [s for s in result["summary"] if s["arm"].startswith("rho-")]
    assert all(0.0 <= s["flipped_gradient_share"] <= 1.0 for s in rho)
    assert (tmp_path / "online_selection_quick.png").exists()


def test_flip_labels_moves_the_share_to_other_classes():
    import numpy as np

    bench = _load("online_selection")
    y = np.arange(1000) % 10
    noisy, flipped = bench.flip_labels(y, 0.3, np.random.RandomState(0))
    assert flipped.sum() == 300
    assert (noisy[flipped] != y[flipped]).all() and (noisy[~flipped] == y[~flipped]).all()


def test_coreset_quality_benchmark_quick_resumes_and_pairs(tmp_path):
    pytest.importorskip("matplotlib")
    bench = _load("coreset_quality")
    args = ["--quick", "--out", str(tmp_path)]
    bench.main(args)
    runs = (tmp_path / "coreset_quality_quick_runs.jsonl").read_text().splitlines()
    # 2 seeds x 2 fractions x 5 arms, plus full data per seed
    assert len(runs) == 2 * 2 * 5 + 2
    bench.main(args)  # a second run skips what is there
    assert len((tmp_path / "coreset_quality_quick_runs.jsonl").read_text().splitlines()) == 22
    result = json.loads((tmp_path / "coreset_quality_quick.json").read_text())
    cells = {(r["arm"], r["fraction"]): r for r in result["summary"]}
    assert cells[("random_cb", 0.1)]["diff_pp"] == 0.0  # the baseline against itself
    assert cells[("el2n+ccs", 0.5)]["n_paired"] == 2
    assert (tmp_path / "coreset_quality_quick.png").exists()
    page = bench.page(
        bench.summarise(bench.read_runs(tmp_path / "coreset_quality_quick_runs.jsonl")), "cmd"
    )
    assert "## Choosing a method" in page and "| random_cb (accuracy) |" in page


def _quality_row(arm, fraction, accuracy, seconds, diff=0.0, proxy=0.0):
    return {
        "dataset": "d",
        "target": "t",
        "arm": arm,
        "fraction": fraction,
        "accuracy": accuracy,
        "seconds": seconds,
        "target_seconds": seconds,
        "proxy_seconds": proxy,
        "diff_pp": diff,
        "wins": 1,
        "n_paired": 2,
    }


def test_coreset_quality_end_to_end_takes_the_smallest_fraction_within_half_a_point():
    bench = _load("coreset_quality")
    summary = [
        _quality_row("full", 1.0, 0.900, 10.0),
        _quality_row("random_cb", 0.3, 0.880, 3.0),
        _quality_row("random_cb", 0.5, 0.896, 5.0),  # within 0.5 pp: 10 / 5 = 2x
        _quality_row("kcenters", 0.3, 0.8951, 4.0, diff=1.5),  # within: 10 / 4 = 2.5x
        _quality_row("kcenters", 0.5, 0.899, 6.0, diff=0.3),
        _quality_row("auto", 0.3, 0.890, 8.0, diff=1.0),  # 1 pp short: not this one
        _quality_row("auto", 0.5, 0.901, 20.0, diff=0.5),  # within but slower: 0.5x
    ]
    table = "\n".join(bench.end_to_end(summary))
    assert "| d / t | 90.00%, 10.0 s | 50%, 2.00x | 50%, 0.50x | kcenters: 30%, 2.50x |" in table


def test_coreset_quality_run_commands_name_known_datasets_and_arms():
    import shlex

    bench = _load("coreset_quality")
    for command in bench.RUN_COMMANDS:
        words = shlex.split(command)
        for option, known in (("--arms", bench.ARMS), ("--datasets", bench.TARGETS)):
            if option in words:
                values = words[words.index(option) + 1 :]
                values = values[: next((i for i, w in enumerate(values) if w[:2] == "--"), None)]
                assert values and set(values) <= set(known), command


def test_coreset_quality_proxy_variants_parse_and_train_for_their_steps():
    bench = _load("coreset_quality")
    assert bench.variant("el2n+ccs") is None and bench.proxy_for("el2n+ccs", 1000) is None
    assert bench.variant("dual+beta@long") == "long"
    assert bench.proxy_for("kcenters@3ep", 1000).max_epochs == bench.FEWER_EPOCHS
    # 1,257 digits rows are 20 batches of 64: 1,000 steps take 50 epochs; never under 10
    assert bench.proxy_for("d2@long", 1257).max_epochs == 50
    assert bench.proxy_for("d2@long", 20000).max_epochs == 10
    summary = [
        _quality_row("kcenters", 0.3, 0.9, 1.0, diff=1.0, proxy=2.0),
        _quality_row("kcenters@3ep", 0.3, 0.9, 1.0, diff=-1.0, proxy=0.5),
        _quality_row("random_cb", 0.3, 0.9, 1.0),
    ]
    table = "\n".join(bench.proxy_length(summary))
    assert "| kcenters | +1.00 (1/2) / -1.00 (1/2) / - |" in table
    assert "Proxy training: 2.00 s / 0.50 s / -." in table


def _run(arm, seed, accuracy, **extra):
    return {
        "dataset": "d",
        "target": "t",
        "arm": arm,
        "fraction": 0.3,
        "seed": seed,
        "accuracy": accuracy,
        "target_seconds": 0.1,
        **extra,
    }


def test_coreset_quality_replays_autos_rule_on_the_named_arms_runs():
    bench = _load("coreset_quality")
    # the proxy likes kcenters by 2 points, the probe by 0.4: min 0.004, mean 0.012
    validation = {
        "random": {"proxy": 0.90, "probe": 0.80},
        "kcenters": {"proxy": 0.92, "probe": 0.804},
    }
    runs = []
    for seed in range(2):
        runs += [
            _run("random_cb", seed, 0.80),
            _run("kcenters", seed, 0.83),
            _run("auto", seed, 0.80, choice_accuracies=validation),  # kept random
        ]
    rules = {(r["rule"], r["margin"]): r for r in bench.replay_rules(runs, bench.summarise(runs))}
    assert rules["min", 0.005]["replays_auto"] == 1.0  # auto's own rule reproduces its runs
    assert rules["min", 0.005]["mean_pp"] == 0.0
    assert rules["min", 0.005]["gap_pp"] == pytest.approx(3.0)
    assert rules["min", 0.0]["mean_pp"] == pytest.approx(3.0)  # no margin: kcenters
    assert rules["mean", 0.01]["mean_pp"] == pytest.approx(3.0)
    assert rules["mean", 0.02]["mean_pp"] == 0.0
    assert "| min * (100%) | 0.005 | 1 | 3.00 | +0.00 | 0 | +0.00 |" in "\n".join(
        bench.replay_page(list(rules.values()))
    )


def test_coreset_quality_choosing_compares_auto_with_its_other_rules_on_shared_cells():
    bench = _load("coreset_quality")
    summary = [
        _quality_row("kcenters", 0.3, 0.9, 1.0, diff=2.0),
        _quality_row("auto", 0.3, 0.9, 1.0, diff=1.0),
        _quality_row("auto_one_holdout", 0.3, 0.9, 1.0, diff=0.5),
        _quality_row("auto_target", 0.3, 0.9, 1.0, diff=1.8),
        _quality_row("kcenters", 0.5, 0.9, 1.0, diff=1.0),
        _quality_row("auto", 0.5, 0.9, 1.0, diff=0.0),  # no other rule ran here
        _quality_row("default", 0.3, 0.9, 1.0, diff=0.0),
    ]
    picked = {"default:d/t/0.3": {"random": 2}}
    text = "\n".join(bench.choosing(summary, picked))
    assert (
        "| d / t | 30% | kcenters | +2.00 (1/2) | +0.00 (1/2) | random 2 | +1.00 (1/2) |  "
        "| +1.80 (1/2) |" in text
    )
    assert "over the 1 cells where the default ran, it is 2.00 pp below the best" in text
    assert "over the 2 cells where auto ran, its first rule was 1.00 pp below" in text
    assert "On the 1 cells where it also ran validated on one holdout, auto is 1.00 pp" in text
    assert "it was 1.50 pp below then" in text
    assert "over the 1 cells where that ran, auto is 0.20 pp below the best" in text


def test_coreset_quality_work_seconds_counts_the_proxy_in_older_runs():
    bench = _load("coreset_quality")
    assert bench.work_seconds({"work_seconds": 3.0, "select_seconds": 1.0}) == 3.0
    assert bench.work_seconds({"select_seconds": 1.0, "proxy_seconds": 2.0}) == 3.0
    assert bench.work_seconds({"select_seconds": 1.0, "proxy_seconds": None}) == 1.0


def test_active_quality_benchmark_quick_resumes_and_pairs(tmp_path):
    pytest.importorskip("matplotlib")
    bench = _load("active_quality")
    args = ["--quick", "--out", str(tmp_path)]
    bench.main(args)
    runs_path = tmp_path / "active_quality_quick_runs.jsonl"
    runs = [json.loads(line) for line in runs_path.read_text().splitlines()]
    assert {r["arm"] for r in runs} == {"random", "typiclust", "badge", "auto"}
    assert all([r["n_labeled"] for r in run["rounds"]] == [10, 20, 30] for run in runs)
    bench.main(args)  # a second run skips what is there
    assert len(runs_path.read_text().splitlines()) == len(runs)
    summary = json.loads((tmp_path / "active_quality_quick.json").read_text())["summary"]
    rows = {(r["target"], r["arm"]): r for r in summary}
    assert rows[("logreg", "random")]["diff_pp"] == [0.0, 0.0, 0.0]  # against itself
    assert rows[("logreg", "auto")]["strategies"] == ["typiclust"] * 3
    # badge needs labels: its round 0 is the loop's random draw, the same as random's
    assert rows[("logreg", "badge")]["diff_pp"][0] == 0.0
    assert (tmp_path / "active_quality_quick.png").exists()


@pytest.mark.parametrize(
    "selector, method, backend",
    [("coreset", "kcenters", "memmap"), ("proxy", "least_confidence", "memmap")],
)
def test_scale_benchmark_one_run_on_a_small_pool(tmp_path, selector, method, backend):
    bench = _load("scale")
    spec = {
        "n_rows": 5000,
        "selector": selector,
        "method": method,
        "k": 20,
        "backend": backend,
        "data_dir": str(tmp_path),
    }
    record = bench.run_one(spec)
    assert set(record["stages"]) == set(bench.STAGES)
    assert record["total_s"] >= sum(s["seconds"] for s in record["stages"].values()) * 0.99
    assert record["peak_anon_mb"] >= record["baseline_anon_mb"] > 0
    assert record["bound_read_pool_s"] > 0 and record["bound_read_proba_s"] > 0
    assert record["devices"]["proxy"] in ("cpu", "cuda")
    selected = list((tmp_path / "selections").glob("*_indices.npy"))
    assert len(selected) == 1 and len(__import__("numpy").load(selected[0])) == 20


def test_seals_benchmark_quick_resumes_and_pairs(tmp_path):
    pytest.importorskip("matplotlib")
    bench = _load("seals")
    args = ["--quick", "--parts", "pool1m", "--out", str(tmp_path)]
    bench.main(args)
    runs_path = tmp_path / "seals_quick_runs.jsonl"
    runs = [json.loads(line) for line in runs_path.read_text().splitlines()]
    assert {(r["arm"], r["method"]) for r in runs} == set(bench.ARMS["pool1m"])
    for run in runs:
        assert [r["n_labeled"] for r in run["rounds"]] == [200, 300, 400]
        picked = [r for r in run["rounds"] if "n_scored" in r]
        if run["arm"] == "whole":
            assert all(r["n_scored"] == 20_000 - r["n_labeled"] for r in picked)
        else:
            assert all(r["n_scored"] < 20_000 - r["n_labeled"] for r in picked)
    bench.main(args)  # a second run skips what is there
    assert len(runs_path.read_text().splitlines()) == len(runs)
    table = json.loads((tmp_path / "seals_quick.json").read_text())["table"]
    sub = next(r for r in table if (r["arm"], r["method"]) == ("subsample", "margin"))
    assert sub["vs_whole"]["accuracy"]["seeds"] == 1 and sub["share_scored_max"] <= 0.03
    assert (tmp_path / "seals_quick.png").exists()


def test_coreset_heldout_judges_each_cell_against_class_balanced_random():
    heldout = _load("coreset_heldout")
    quality = _load("coreset_quality")
    runs = []
    for seed in range(3):
        for fraction, gain in ((0.1, 0.0), (0.3, -0.01)):
            for arm, acc in (("random_cb", 0.8), ("random", 0.79), ("default", 0.8 + gain)):
                runs.append(
                    {
                        **_run(arm, seed, acc, chosen="random" if gain == 0 else "forgetting+ccs"),
                        "dataset": "signals1d",
                        "target": "conv1d",
                        "fraction": fraction,
                        "proxy_seconds": 1.0,
                        "validation_seconds": 1.5,
                    }
                )
    cells = heldout.cells(quality.summarise(runs), runs)
    by_fraction = {c["fraction"]: c for c in cells}
    assert by_fraction[0.1]["diff_pp"] == 0.0 and by_fraction[0.1]["passes"]
    assert (by_fraction[0.1]["wins"], by_fraction[0.1]["ties"]) == (0, 3)
    assert by_fraction[0.3]["diff_pp"] == pytest.approx(-1.0) and not by_fraction[0.3]["passes"]
    assert by_fraction[0.3]["losses"] == 3 and by_fraction[0.3]["chosen"] == {"forgetting+ccs": 3}
    assert by_fraction[0.3]["max_validation_ratio"] == pytest.approx(1.5)
    page = heldout.render_page(
        {"summary": quality.summarise(runs), "command": "x", "heldout_cells": cells}
    )
    assert "**1 of 2 cells pass.**" in page


def test_auto_cost_benchmark_quick_records_validation_beside_the_proxy(tmp_path):
    pytest.importorskip("matplotlib")
    bench = _load("auto_cost")
    bench.main(["--quick", "--out", str(tmp_path)])
    result = json.loads((tmp_path / "auto_cost_quick.json").read_text())
    assert {(r["dataset"], r["fraction"]) for r in result["summary"]} == {
        ("digits", 0.1),
        ("digits", 0.5),
    }
    for row in result["summary"]:
        assert row["proxy_seconds"] > 0 and row["validation_seconds"] > 0
        assert not row["held_out"]
    assert "validation / proxy" in bench.render_page(result)


def test_cifar10_benchmark_quick_on_generated_images(tmp_path, monkeypatch):
    """The CIFAR-10 script's whole path (folders, selection, target, summary, page) on a
    generated folder: no shared data needed."""
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("SVPKIT_CACHE_DIR", str(tmp_path / "cache"))
    bench = _load("cifar10")
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "cifar10_quick.json").read_text())
    rows = {(r["arm"], r["fraction"]): r for r in result["summary"]}
    assert set(rows) == {("full", 1.0), ("random_cb", 0.5), ("default", 0.5), ("auto", 0.5)}
    assert all(0 <= r["accuracy"] <= 1 and r["seeds"] == 1 for r in rows.values())
    balanced = rows["random_cb", 0.5]
    assert balanced["vs_full_n"] == 1
    assert "speedup" in balanced or "speedup_loaded" in balanced  # loaded: another job ran
    assert rows["default", 0.5]["methods"] == ["random"]  # an image folder's default
    assert rows["auto", 0.5]["seconds"]["auto_validation"] > 0  # told to validate, it did
    runs = [json.loads(line) for line in (tmp_path / "cifar10_quick_runs.jsonl").open()]
    assert len(runs) == 4
    default = next(r for r in runs if r["arm"] == "default")
    assert default["same_selection_as"] == "random_cb"  # one training serves both
    # resumable: a second run skips what is there
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    assert len((tmp_path / "cifar10_quick_runs.jsonl").read_text().splitlines()) == 4
    assert (tmp_path / "cifar10_quick.png").exists()
    page = bench.render_page(result)
    assert "| full | 100% | 1 |" in page


def test_image_read_benchmark_quick(tmp_path):
    bench = _load("image_read")
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "image_read_quick.json").read_text())
    assert result["n_files"] == 2100 and result["rate_vs_bare"] > 0
    assert result["median"]["second_same_object"] < result["median"]["first"]
    assert result["fit_peak_anonymous_bytes"] > 0


def test_cifar10_summary_pairs_seeds_and_counts_only_quiet_timings():
    """Paired differences per seed; a speed-up only from quiet runs (the run, its full-data
    run and the run that trained the seed's proxy); a cache hit charged the proxy's time."""
    bench = _load("cifar10")
    full = {"arm": "full", "fraction": 1.0, "quiet": True}
    runs = [
        {**full, "seed": 0, "accuracy": 0.80, "seconds": {"target": 100.0}},
        {**full, "seed": 1, "accuracy": 0.70, "seconds": {"target": 100.0}},
    ]
    proxy = {"proxy_fit": 10.0, "proxy_score": 2.0, "auto_validation": 0.0, "target": 40.0}
    for seed, (acc_r, acc_k, quiet) in enumerate([(0.75, 0.77, True), (0.66, 0.65, False)]):
        runs.append(
            {
                "arm": "random",
                "fraction": 0.5,
                "seed": seed,
                "accuracy": acc_r,
                "quiet": True,
                "uses_proxy": False,
                "seconds": {"selection": 0.0, "target": 50.0},
            }
        )
        runs.append(  # trains the seed's proxy: the selection took longer than its training
            {
                "arm": "forgetting",
                "fraction": 0.5,
                "seed": seed,
                "accuracy": acc_k,
                "quiet": quiet,
                "uses_proxy": True,
                "seconds": {**proxy, "selection": 13.0},
            }
        )
        runs.append(  # a cache hit: the selection took less than the training it reports
            {
                "arm": "kcenters",
                "fraction": 0.5,
                "seed": seed,
                "accuracy": acc_k,
                "quiet": True,
                "uses_proxy": True,
                "seconds": {**proxy, "selection": 1.0},
            }
        )
    rows = {(r["arm"], r["fraction"]): r for r in bench.summarise(runs)}
    forgetting = rows["forgetting", 0.5]
    assert forgetting["vs_random_pp"] == pytest.approx((2 - 1) / 2)
    assert forgetting["vs_random_wins"] == 1 and forgetting["vs_random_n"] == 2
    assert forgetting["vs_full_pp"] == pytest.approx((-3 - 5) / 2)
    assert forgetting["speedup"] == pytest.approx(100 / 53) and forgetting["speedup_n"] == 1
    assert forgetting["speedup_loaded"] == pytest.approx(100 / 53)
    kcenters = rows["kcenters", 0.5]  # charged seed 0's proxy (12 s), quiet on seed 0 only
    assert kcenters["speedup"] == pytest.approx(100 / (1 + 40 + 12))
    assert kcenters["speedup_n"] == 1
    assert rows["random", 0.5]["speedup"] == pytest.approx(2.0)


def test_threads_benchmark_summarises_and_renders_its_rows():
    bench = _load("threads")
    rows = [
        {"condition": c, "workload": "demo", "setting": s, "median": m}
        for c, s, m in [("idle", "all", 10.0), ("idle", "1", 12.0), ("loaded", "all", 40.0)]
    ]
    summary = bench.summarise(rows)
    assert summary == {
        "idle": {"demo": {"all": 10.0, "1": 12.0}},
        "loaded": {"demo": {"all": 40.0}},
    }
    page = bench.render_page(
        {
            "command": "python -m benchmarks.threads",
            "repeats": 1,
            "summary": summary,
            "plot": "x.png",
        }
    )
    assert "| idle | demo | 1 | 12.0 | 1.20x |" in page and "| loaded | demo | all | 40.0 |" in page
    # the demo runs once per --threads setting, with that setting on its command line
    for _, setting, argv, _ in bench.commands(quick=True):
        assert argv[argv.index("--threads") + 1] == setting
    assert [c[1] for c in bench.commands(quick=True)] == ["all", "1", "auto"]


def test_cifar10_speedups_leave_out_a_quiet_run_that_trained_at_half_speed():
    """The VM ran the same training 2.1x slower at a low load average: such a run is not
    steady, and gives no speed-up (its accuracy still counts)."""
    bench = _load("cifar10")
    full = {"arm": "full", "fraction": 1.0, "quiet": True, "target_epochs": 10}
    half = {"arm": "random", "fraction": 0.5, "quiet": True, "target_epochs": 10}
    runs = [
        {**full, "seed": 0, "accuracy": 0.8, "seconds": {"target": 100.0}},
        {**full, "seed": 1, "accuracy": 0.8, "seconds": {"target": 104.0}},
        {**half, "seed": 0, "accuracy": 0.7, "seconds": {"target": 50.0, "selection": 0.0}},
        {
            **half,
            "seed": 1,
            "accuracy": 0.7,
            "seconds": {"target": 110.0, "selection": 0.0},
        },  # half speed
    ]
    assert bench.steady_runs(runs) == {
        ("full", 1.0, 0),
        ("full", 1.0, 1),
        ("random", 0.5, 0),
    }
    row = next(r for r in bench.summarise(runs) if r["arm"] == "random")
    assert row["speedup"] == pytest.approx(2.0) and row["speedup_n"] == 1
    assert row["speedup_loaded"] == pytest.approx(104.0 / 110.0)
    assert row["steady_seconds"]["target"] == 50.0 and row["seeds"] == 2


def test_tasks_benchmark_quick_pairs_the_arms_by_seed(tmp_path):
    from benchmarks import tasks

    assert tasks.main(["--quick", "--out", str(tmp_path)]) == 0
    runs = [
        json.loads(line) for line in (tmp_path / "tasks_quick_runs.jsonl").read_text().splitlines()
    ]
    assert sorted(r["arm"] for r in runs) == ["random", "stratified"]
    assert all(-1 < r["score"] <= 1 for r in runs)  # R² on the held-out quarter
    (cell,) = json.loads((tmp_path / "tasks_quick.json").read_text())["summary"]["cells"]
    diff = cell["arms"]["stratified"]["vs_random"]
    scores = {r["arm"]: r["score"] for r in runs}
    assert diff["mean"] == pytest.approx(scores["stratified"] - scores["random"])
    assert diff["n"] == 1 and diff["wins"] == int(scores["stratified"] > scores["random"])
    # resumable: a second run trains nothing new
    assert tasks.main(["--quick", "--out", str(tmp_path)]) == 0
    assert len((tmp_path / "tasks_quick_runs.jsonl").read_text().splitlines()) == 2


def test_tasks_paired_difference_over_seeds():
    from benchmarks.tasks import paired

    out = paired([0.5, 0.7, 0.6], [0.4, 0.8, 0.5])
    assert out["mean"] == pytest.approx(0.1 / 3) and out["wins"] == 2 and out["n"] == 3
    assert out["sd"] == pytest.approx(np.std([0.1, -0.1, 0.1], ddof=1))
