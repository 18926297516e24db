"""The layers stay layers: no module imports a layer above its own, and the selectors name no
method and no pool type (docs/design.md)."""

import ast
from pathlib import Path

import pytest

from svpkit import available_methods

PACKAGE = Path(__file__).resolve().parents[1] / "svpkit"
# Layer of each top-level module or subpackage of svpkit (0 = the shared floor).
LAYERS = {
    "_validation": 0,
    "_defaults": 0,
    "utils": 0,
    "_optional": 0,
    "_version": 0,
    "kernels": 1,
    "images": 1,
    "nn": 2,
    "methods": 3,
    "pools": 4,
    "selectors": 5,
    "compose": 6,
    "active": 6,
    "datasets": 7,
    "cli": 7,
    "__init__": 8,
}
MODULES = sorted(PACKAGE.rglob("*.py"))


def _unit(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imported_units(path: Path) -> set[str]:
    """Top-level svpkit units a module imports (module level and inside functions)."""
    depth = len(path.relative_to(PACKAGE).parts) - 1  # 0 for svpkit/x.py
    units = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and (node.module or "").startswith("svpkit."):
                units.add(node.module.split(".")[1])
            elif node.level:
                up = node.level - 1  # how far above the module's own folder
                if up > depth:
                    continue
                if up == depth:  # relative to svpkit/ itself
                    names = [node.module] if node.module else [a.name for a in node.names]
                    for name in (n.split(".")[0] for n in names):
                        is_module = (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").exists()
                        units.add(name if is_module else "__init__")  # a name of svpkit/__init__
                else:
                    units.add(path.relative_to(PACKAGE).parts[0])
    return units


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_layer_above_its_own(path):
    own = LAYERS[_unit(path)]
    above = {u for u in _imported_units(path) if LAYERS.get(u, 0) > own}
    assert not above, f"{path.relative_to(PACKAGE)} (layer {own}) imports {sorted(above)}"


def _code_strings(tree: ast.AST) -> set[str]:
    """String constants in code: not docstrings, not parameter defaults."""
    skip = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant):
                skip.add(id(body[0].value))
        if isinstance(node, ast.arguments):
            skip.update(id(d) for d in node.defaults + node.kw_defaults if d is not None)
    return {
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip
    }


@pytest.mark.parametrize("path", sorted((PACKAGE / "selectors").glob("*.py")), ids=lambda p: p.name)
def test_selectors_name_no_method_and_no_pool_type(path):
    tree = ast.parse(path.read_text())
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert not {n for n in names if "dask" in n.lower() or n in ("InMemoryPool", "DaskPool")}
    assert not _code_strings(tree) & set(available_methods())
