"""Write ``api.rst`` at build time: one autosummary table per public package.

The lists come from each package's ``__all__``, so a name added to the API appears on the page
without anyone editing it (``tests/test_docs.py`` checks the same set has runnable examples).
"""

from __future__ import annotations

import importlib
from pathlib import Path

#: Public packages and modules, in the order of the layers (DESIGN.md), workflows first.
PACKAGES = (
    "svpkit",
    "svpkit.selectors",
    "svpkit.compose",
    "svpkit.active",
    "svpkit.methods",
    "svpkit.nn",
    "svpkit.pools",
    "svpkit.kernels",
    "svpkit.images",
    "svpkit.datasets",
    "svpkit.utils",
    "svpkit.cli",
)


def public_names(package: str) -> list[str]:
    """``__all__`` of ``package``, in its own order."""
    return list(importlib.import_module(package).__all__)


def _summary(package: str) -> str:
    doc = importlib.import_module(package).__doc__ or ""
    return doc.strip().split("\n\n")[0].replace("\n", " ")


def _describe(value: object) -> str:
    """A constant's value, or its type and keys when the value is long."""
    text = repr(value)
    if len(text) <= 60:
        return f"``{text}``"
    keys = ", ".join(f"``{k}``" for k in list(value)[:8]) if isinstance(value, dict) else ""
    return f"a ``{type(value).__name__}``" + (f" with keys {keys}" if keys else "")


def render() -> str:
    """The reStructuredText of the API page."""
    lines = [
        "API reference",
        "=============",
        "",
        "Every public name of svpkit, generated from the docstrings. Each has a runnable",
        "example, which the test suite runs as a doctest.",
        "",
    ]
    documented: dict[int, str] = {}  # id(object) -> the name its page is generated under
    for package in PACKAGES:
        module = importlib.import_module(package)
        title = f"``{package}``"
        lines += [title, "-" * len(title), "", _summary(package), ""]
        lines += [f".. currentmodule:: {package}", ""]
        fresh, again, constants = [], [], []
        for name in public_names(package):
            obj = getattr(module, name)
            if not callable(obj):  # a constant: its type's docstring would say nothing
                constants.append(name)
            elif id(obj) not in documented:
                documented[id(obj)] = f"{package}.{name}"
                fresh.append(name)
            else:
                again.append(name)
        lines += [".. autosummary::", "   :toctree: generated/", "   :nosignatures:", ""]
        lines += [f"   {name}" for name in fresh] + [""]
        if constants:
            lines += ["Constants:", ""]
            lines += [f"- ``{name}``: {_describe(getattr(module, name))}" for name in constants]
            lines.append("")
        if again:  # re-exports: listed here, documented once, on the first page
            lines += ["Also here, documented above:", "", ".. autosummary::"]
            lines += ["   :nosignatures:", ""]
            lines += [f"   {name}" for name in again] + [""]
    return "\n".join(lines)


def _write(app, config=None) -> None:
    path = Path(app.srcdir) / "api.rst"
    text = render()
    if not path.exists() or path.read_text() != text:  # unchanged: no rebuild of the page
        path.write_text(text)


def setup(app):
    # At config time: the source files are listed before builder-inited, and autosummary
    # generates its stubs from that list.
    app.connect("config-inited", _write)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
