"""Which files a command reads and writes, checked before any work: an output never replaces
an input, another output, or a file of the ``--state`` folder."""

from __future__ import annotations

import os
from pathlib import Path

from .io import UserError


def _same(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same resolved path, or (both existing) the same
    file through a link."""
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _inside(path: Path, folder: Path) -> bool:
    return folder.resolve() in path.resolve().parents


def check_outputs(
    outputs: dict[str, Path | None],
    inputs: dict[str, Path | None],
    state: Path | None = None,
) -> None:
    """Refuse, before any work, an output path that is an input, another output, or inside
    the state folder (which svpkit manages).

    Parameters
    ----------
    outputs, inputs : dict
        What each path is (``"--out"``, ``"the pool file"``) to the path (None: not given).
    state : Path or None
        The ``--state`` folder.

    Examples
    --------
    >>> from pathlib import Path
    >>> from svpkit.cli.paths import check_outputs
    >>> check_outputs({"--out": Path("sel.csv")}, {"the pool": Path("data.csv")})
    >>> try:
    ...     check_outputs({"--out": Path("data.csv")}, {"the pool": Path("data.csv")})
    ... except Exception as error:
    ...     print(error)
    --out data.csv is the pool: writing it would replace an input. Choose another path
    """
    given_outputs = [(name, Path(p)) for name, p in outputs.items() if p is not None]
    given_inputs = [(name, Path(p)) for name, p in inputs.items() if p is not None]
    for i, (name, path) in enumerate(given_outputs):
        for what, source in given_inputs:
            if _same(path, source):
                raise UserError(
                    f"{name} {path} is {what}: writing it would replace an input. Choose "
                    "another path"
                )
        for other, other_path in given_outputs[:i]:
            if _same(path, other_path):
                raise UserError(
                    f"{other} and {name} are the same file ({path}): one would overwrite the "
                    "other. Choose two paths"
                )
        if state is not None and _inside(path, Path(state)):
            raise UserError(
                f"{name} {path} is inside the --state folder {state}, whose files svpkit keeps "
                "(and rewrites). Write it elsewhere"
            )
