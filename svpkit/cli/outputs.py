"""``--proba``, ``--embedding``, ``--scores``: outputs computed elsewhere, read from ``.npy``
files and handed to the selector's ``fit`` (no proxy is then trained).

Imports neither scikit-learn nor the selectors: ``svpkit --help`` stays fast."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

__all__ = ["add_output_options", "output_files", "load_outputs"]

#: By option: the fit parameters of the same name (svpkit.selectors.precomputed.PRECOMPUTED).
_HELP = {
    "proba": "probabilities computed elsewhere (.npy, rows x classes, columns in the order of "
    "the sorted labels): no proxy is trained",
    "embedding": "embeddings computed elsewhere (.npy, rows x features; e.g. CLIP features): "
    "no proxy is trained",
    "scores": "per-row scores computed elsewhere (.npy, one per row, larger = pick first), "
    "ranked by --method given_scores",
}
PRECOMPUTED = tuple(_HELP)


def add_output_options(cmd: argparse.ArgumentParser) -> None:
    """The three options, on a command that selects."""
    for name in PRECOMPUTED:
        cmd.add_argument(f"--{name}", metavar="FILE.npy", help=_HELP[name])


def output_files(args: argparse.Namespace) -> dict[str, Path]:
    """The files given, by option (``"--embedding"``), for the inputs no output may replace."""
    return {
        f"the --{name} file": Path(getattr(args, name))
        for name in PRECOMPUTED
        if getattr(args, name, None)
    }


def load_outputs(args: argparse.Namespace, n_rows: int) -> dict[str, np.ndarray]:
    """The arrays the options name, each checked for one row per pool row (the selector
    checks the values).

    Examples
    --------
    >>> import argparse, tempfile, numpy as np
    >>> from pathlib import Path
    >>> from svpkit.cli.outputs import load_outputs
    >>> path = Path(tempfile.mkdtemp()) / "scores.npy"
    >>> np.save(path, np.arange(4.0))
    >>> args = argparse.Namespace(proba=None, embedding=None, scores=str(path))
    >>> {k: v.tolist() for k, v in load_outputs(args, 4).items()}
    {'scores': [0.0, 1.0, 2.0, 3.0]}
    >>> load_outputs(args, 5)
    Traceback (most recent call last):
    ...
    svpkit.cli.io.UserError: --scores ...scores.npy has 4 rows but the pool has 5; ...
    """
    from .io import UserError  # not at import: svpkit --help loads no pandas nor scikit-learn

    loaded = {}
    for name in PRECOMPUTED:
        file = getattr(args, name, None)
        if not file:
            continue
        path = Path(file)
        if path.suffix != ".npy":
            raise UserError(f"--{name} {path}: expected a .npy file (numpy.save); convert it first")
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as error:
            raise UserError(f"--{name} {path} cannot be read as a .npy array: {error}") from None
        if array.ndim == 0 or len(array) != n_rows:
            rows = "no" if array.ndim == 0 else len(array)
            raise UserError(
                f"--{name} {path} has {rows} rows but the pool has {n_rows}; it must hold "
                "one row per pool row, in the pool's order"
            )
        loaded[name] = array
    return loaded
