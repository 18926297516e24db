"""The command line's view of the method registry: which methods each command offers, the
``svpkit methods`` table, and ``--plugin`` modules that register more.

Nothing here keeps a list of method names: every answer is read from
:mod:`svpkit.methods` when a command runs. The registry is imported then and only then
(about 2 s, with scikit-learn), so parsing and ``--help`` stay instant; a method is therefore
checked after parsing, with argparse's own wording for a bad choice.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from .io import UserError

#: The commands with a ``--method`` option.
METHOD_COMMANDS = ("select", "query", "demo")


def takes_query(method: Any) -> bool:
    """Whether ``method`` selects rows like a query set (it reads ``--query-classes``), which
    only ``svpkit query`` can give.

    Parameters
    ----------
    method : svpkit.methods.SelectionMethod

    Returns
    -------
    bool

    Examples
    --------
    >>> from svpkit.cli.methods import takes_query
    >>> from svpkit.methods import get_method
    >>> takes_query(get_method("targeted")), takes_query(get_method("margin"))
    (True, False)
    """
    return "query" in getattr(method, "params", ())


def method_choices(command: str) -> list[str]:
    """The registered methods a command accepts for ``--method``, sorted.

    ``query`` (active learning) offers those that run with unlabeled rows; ``select`` and
    ``demo`` (core-set selection, every row labeled) offer every method but those that select
    rows like a query set.

    Parameters
    ----------
    command : {"select", "query", "demo"}

    Returns
    -------
    names : list of str

    Examples
    --------
    >>> from svpkit.cli.methods import method_choices
    >>> "el2n" in method_choices("select"), "el2n" in method_choices("query")
    (True, False)
    >>> "targeted" in method_choices("select"), "targeted" in method_choices("query")
    (False, True)
    """
    from ..methods import available_methods, get_method

    if command == "query":
        return available_methods(all_labeled=False)
    if command in ("select", "demo"):
        return [m for m in available_methods(all_labeled=True) if not takes_query(get_method(m))]
    raise ValueError(f"command {command!r} has no --method; one of {METHOD_COMMANDS}")


def check_method(command: str, name: str) -> None:
    """Refuse a ``--method`` the command does not offer, naming the command that does.

    Raises
    ------
    UserError
        With argparse's wording: ``argument --method: invalid choice: ...``.

    Examples
    --------
    >>> from svpkit.cli.methods import check_method
    >>> check_method("query", "margin")  # offered: nothing happens
    >>> try:
    ...     check_method("query", "el2n")
    ... except Exception as error:
    ...     print(str(error).split(" (choose")[0])
    argument --method: invalid choice: 'el2n' is a method of svpkit select
    """
    choices = method_choices(command)
    if name in choices:
        return
    elsewhere = [c for c in ("select", "query") if c != command and name in method_choices(c)]
    where = f" is a method of svpkit {elsewhere[0]}" if elsewhere else ""
    raise UserError(
        f"argument --method: invalid choice: {name!r}{where} (choose from "
        f"{', '.join(choices)}; svpkit methods describes them)"
    )


def methods_table() -> str:
    """``svpkit methods``: every registered method, the commands that offer it, and whether it
    can start with no labeled row (a query's cold start).

    Examples
    --------
    >>> from svpkit.cli.methods import methods_table
    >>> print(methods_table())  # doctest: +ELLIPSIS
    method            select  query  no label needed
    ...
    auto              yes     yes    yes
    ...
    el2n              yes     -      -
    ...
    margin            yes     yes    no
    ...
    """
    from ..methods import available_methods, get_method, runs_without_labels

    select, query = set(method_choices("select")), set(method_choices("query"))
    names = available_methods(all_labeled=True)
    width = max(16, *map(len, names)) + 2
    lines = [f"{'method':<{width}}select  query  no label needed"]
    for name in names:
        cold = ("yes" if runs_without_labels(get_method(name)) else "no") if name in query else "-"
        lines.append(
            f"{name:<{width}}{'yes' if name in select else '-':<8}"
            f"{'yes' if name in query else '-':<7}{cold}"
        )
    return "\n".join(lines)


def run_methods(args: Any, verbose: bool) -> int:
    """``svpkit methods``: print :func:`methods_table`."""
    print(methods_table())
    return 0


def load_plugins(specs: list[str] | None) -> None:
    """Import each ``--plugin``: a module name (``my_pkg.methods``) or a ``.py`` file; its
    ``register_method`` calls add methods that every command then offers.

    Raises
    ------
    UserError
        When a plugin cannot be found or fails to import (its error, in one line).
    """
    for spec in specs or ():
        try:
            if spec.endswith(".py"):
                path = Path(spec)
                if not path.is_file():
                    raise UserError(f"--plugin {spec}: no such file")
                module_spec = importlib.util.spec_from_file_location(path.stem, path)
                module = importlib.util.module_from_spec(module_spec)
                sys.modules[path.stem] = module
                module_spec.loader.exec_module(module)
            else:
                importlib.import_module(spec)
        except UserError:
            raise
        except ModuleNotFoundError as exc:
            raise UserError(
                f"--plugin {spec}: {exc} (pass an importable module name, or a .py file)"
            ) from exc
        except Exception as exc:
            raise UserError(f"--plugin {spec} failed: {type(exc).__name__}: {exc}") from exc
