"""Sphinx configuration for the svpkit site.

Build it with ``python -m sphinx -W --keep-going -b html docs docs/_build/html`` (after
``pip install -e ".[docs]"``). ``SVPKIT_GALLERY_QUICK=1`` runs the gallery on smaller data
(CI does).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT))

import svpkit  # noqa: E402

project = "svpkit"
author = "the svpkit developers"
copyright = "2026, the svpkit developers"
version = release = svpkit.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    # Local: the API page from every public ``__all__``, and the benchmark pages rendered from
    # ``benchmarks/results/*.json`` at build time (so no number in the docs is typed by hand).
    "api_page",
    "benchmark_pages",
    # Local: viewcode's [docs] links point at the anchor each object is documented under.
    "viewcode_backlinks",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "benchmarks/snippets"]
templates_path = ["_templates"]
html_static_path = ["_static"]

html_theme = "pydata_sphinx_theme"
html_title = f"svpkit {release}"
html_short_title = "svpkit"
html_css_files = ["svpkit.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    # The benchmark pages' result tables and the gallery's code (lines of up to 100
    # characters) need the width of the window: no "On this page" column there (a page that
    # matches no pattern gets none; "*" does not cross a "/").
    "secondary_sidebar_items": {
        pattern: ["page-toc", "edit-this-page", "sourcelink"] for pattern in ("*", "generated/*")
    },
}

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # numpydoc lists the types in the Parameters section
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Every public function and class must carry an Examples section (tests/test_docs.py checks
# the same); methods of classes and module constants are exempt.
numpydoc_validation_checks = {"EX01"}
numpydoc_validation_exclude = {r"\.[A-Z]\w*\.\w+$", r"\.[A-Z][A-Z0-9_]+$", r"\.__version__$"}

# No intersphinx: the build machines reach no documentation site, and a failed inventory
# fetch would be a warning (an error here).

QUICK = os.environ.get("SVPKIT_GALLERY_QUICK") == "1"
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "within_subsection_order": "FileNameSortKey",
    "reset_modules": ("matplotlib",),
    "abort_on_example_error": True,
    # "Examples using X" on each API page.
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("svpkit",),
}

suppress_warnings = ["config.cache"]


def _skip_metadata_requests(app, what, name, obj, skip, options):
    """scikit-learn adds ``set_*_request`` methods to every estimator: documented there."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_requests)
