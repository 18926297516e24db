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
        out[script.stem] = page.replace("](../benchmarks/results/", "](../../benchmarks/results/")
    return out


def snippets() -> dict[str, str]:
    """Generated pieces that hand-written guide pages include."""
    quality = benchmark("coreset_quality")
    saved = read_results("coreset_quality")
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
