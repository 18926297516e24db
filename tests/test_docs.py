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
