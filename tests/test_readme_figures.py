"""Every figure in README.md is rendered from a results file (issue 19): a hand edit that
drifts from the results, or a results file that changed without the README, fails here."""

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_module():
    return importlib.import_module("benchmarks.readme")


def test_readme_figures_match_their_results_files():
    readme = _readme_module()
    text = (ROOT / "README.md").read_text()
    assert readme.render(text) == text, "run: python -m benchmarks.readme"


def test_a_hand_edited_figure_is_caught():
    readme = _readme_module()
    text = (ROOT / "README.md").read_text()
    edited = re.sub(
        r"(about )(\d+)( s on)", lambda m: f"{m[1]}{int(m[2]) + 7}{m[3]}", text, count=1
    )
    assert edited != text
    assert readme.render(edited) == text  # rendering restores the measured figure


def test_the_readme_holds_no_timing_outside_a_figure_block():
    """Seconds and speed-ups typed outside the generated blocks would drift unnoticed."""
    text = (ROOT / "README.md").read_text()
    outside = re.sub(r"<!-- figures:([\w-]+) -->.*?<!-- /figures:\1 -->", "", text, flags=re.S)
    assert not re.findall(r"\d+(?:\.\d+)?\s?(?:s\b|x faster|x end-to-end)", outside)
