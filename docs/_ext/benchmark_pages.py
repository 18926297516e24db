"""Render the benchmark pages from ``benchmarks/results/*.json`` at build time.

Every script in ``benchmarks/`` that has a results file and a ``render_page(results)``
function gets ``docs/benchmarks/<script>.md``; the numbers on those pages are read from the
results file when the site is built, never typed into ``docs/``. A few generated snippets that
the user guide includes (``docs/benchmarks/snippets/``) come from the same files.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "benchmarks"
RESULTS = SCRIPTS / "results"


@functools.cache  # pages() and snippets() both read coreset_quality.py
def load_script(path: Path) -> ModuleType:
    """Import a benchmark script as a module (its ``main`` does not run)."""
    if str(SCRIPTS) not in sys.path:  # scripts import their siblings by name
        sys.path.insert(0, str(SCRIPTS))
    spec = importlib.util.spec_from_file_location(f"_svpkit_bench_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pages() -> dict[str, str]:
    """``{script name: page markdown}`` for every script with results and a ``render_page``."""
    out = {}
    for script in sorted(SCRIPTS.glob("*.py")):
        results = RESULTS / f"{script.stem}.json"
        if not results.exists():
            continue
        module = load_script(script)
        if not hasattr(module, "render_page"):
            continue
        page = module.render_page(json.loads(results.read_text()))
        # The scripts link their plots from ``docs/``; the pages live one folder deeper.
        out[script.stem] = page.replace("](../benchmarks/results/", "](../../benchmarks/results/")
    return out


def snippets() -> dict[str, str]:
    """Generated pieces that hand-written guide pages include."""
    quality = load_script(SCRIPTS / "coreset_quality.py")
    saved = json.loads((RESULTS / "coreset_quality.json").read_text())
    choosing = quality.choosing(saved["summary"], saved.get("auto_choices") or {})
    # The table's own heading is the including page's business.
    body = [line for line in choosing if not line.startswith("## ")]
    return {"coreset_choosing": "\n".join(body).strip() + "\n"}


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
