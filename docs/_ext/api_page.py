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


#: What each package is for, in a reader's words (the module docstrings' first lines are written
#: for the code's maintainers: "Layer 5, selectors: ..."). One line per package of
#: ``PACKAGES``; ``tests/test_docs.py`` checks that every package has one.
SUMMARIES = {
    "svpkit": (
        "The names most code needs: the selectors, proxies for tables, texts and images, "
        "greedy k-centers, resource estimates and the method registry."
    ),
    "svpkit.selectors": (
        "The selector estimators: core-set selection on labeled rows, active-learning "
        "queries on a partly labeled pool, and their sampler views for imbalanced-learn "
        "pipelines."
    ),
    "svpkit.compose": (
        "Selection and a target model as one scikit-learn estimator, for ``Pipeline`` and "
        "``GridSearchCV``, and a refit rule that picks the smallest fraction close to the best."
    ),
    "svpkit.active": (
        "The active-learning loop: rounds of proxy training, selection and labeling, with "
        "timings per round and checkpoints to resume from."
    ),
    "svpkit.methods": (
        "Selection methods by name: list them, look one up, register your own, and the "
        "building blocks a custom method receives and returns."
    ),
    "svpkit.nn": (
        "Proxy and target networks (skorch classifiers and their torch modules), the training "
        "callbacks that record what selection methods read, and the text proxy."
    ),
    "svpkit.pools": (
        "Pools: the kinds of data a selector reads (arrays, sparse matrices, texts, dask "
        "arrays, image folders, torch datasets) and how proxy outputs are computed for each."
    ),
    "svpkit.kernels": (
        "The computations behind the methods as plain functions on arrays: greedy k-centers "
        "and its resource estimate, uncertainty scores, forgetting events and "
        "training-dynamics scores."
    ),
    "svpkit.images": (
        "Folders of image files as pools: decoded once into a cache that later fits read "
        "at memory speed."
    ),
    "svpkit.datasets": (
        "Small image and text datasets that ship with installed packages, for examples and "
        "benchmarks (nothing is downloaded)."
    ),
    "svpkit.utils": "Helpers: devices, seeds derived from ``random_state``, atomic file writes.",
    "svpkit.cli": (
        "The ``svpkit`` command line (select, query, methods, estimate, bench, demo), "
        "callable from Python."
    ),
}


def public_names(package: str) -> list[str]:
    """``__all__`` of ``package``, in its own order."""
    return list(importlib.import_module(package).__all__)


def _summary(package: str) -> str:
    return SUMMARIES[package]


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
