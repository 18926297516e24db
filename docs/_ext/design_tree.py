"""The tree in ``docs/design.md``, generated from the code: one line per module of ``svpkit/``,
described by the first paragraph of its docstring.

``python docs/_ext/design_tree.py`` rewrites the block between the ``<!-- tree -->`` markers;
``tests/test_docs.py`` fails when the committed block differs from what the code says, so the
page cannot go stale (it once omitted seven kernels, most method modules and four CLI modules).
"""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "svpkit"
DESIGN = ROOT / "docs" / "design.md"
START, END = "<!-- tree -->", "<!-- /tree -->"
WIDTH = 100
#: Column where the descriptions start.
COLUMN = 27


def summary(path: Path) -> str:
    """The first paragraph of a module's docstring, on one line."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return " ".join(doc.split("\n\n")[0].split())


def _line(name: str, depth: int, text: str) -> list[str]:
    head = f"{'  ' * depth}{name}"
    lines = textwrap.wrap(text, WIDTH - COLUMN, break_on_hyphens=False) or [""]
    first = f"{head:<{COLUMN - 1}} {lines[0]}" if len(head) < COLUMN - 1 else head
    rest = lines if len(head) >= COLUMN - 1 else lines[1:]
    return [first.rstrip()] + [" " * COLUMN + line for line in rest]


def render_tree(package: Path = PACKAGE) -> str:
    """The tree as text: folders in order, each package's ``__init__`` describing its folder."""
    out = [f"{package.name}/"]

    def walk(folder: Path, depth: int) -> None:
        modules = sorted(p for p in folder.glob("*.py") if p.name != "__init__.py")
        packages = sorted(p for p in folder.iterdir() if (p / "__init__.py").exists())
        if depth == 1:
            out.extend(_line("__init__.py", depth, summary(folder / "__init__.py")))
        for module in modules:
            out.extend(_line(module.name, depth, summary(module)))
        for sub in packages:
            out.extend(_line(f"{sub.name}/", depth, summary(sub / "__init__.py")))
            walk(sub, depth + 1)

    walk(package, 1)
    return "\n".join(out) + "\n"


def rendered_page(page: str) -> str:
    """``page`` with the tree block replaced by today's tree."""
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n```text\n{render_tree()}```\n{END}{tail}"


if __name__ == "__main__":
    DESIGN.write_text(rendered_page(DESIGN.read_text(encoding="utf-8")), encoding="utf-8")
    sys.exit(0)
