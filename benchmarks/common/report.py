"""Rendering helpers shared by the benchmark pages and plots: headless matplotlib, figures,
and the run command a page shows. Nothing here imports torch or trains anything: the docs build
renders every page from the results files through these.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["pyplot", "save_figure", "shown_command"]


#: How results files recorded their command before the benchmarks became a package.
_SCRIPT_COMMAND = re.compile(r"python benchmarks/(\w+)\.py")


def shown_command(recorded: str) -> str:
    """The command a page shows for the one a results file recorded, in today's form.

    Results files written before the benchmarks became a package recorded
    ``python benchmarks/<name>.py ...``; a page shows the equivalent
    ``python -m benchmarks.<name> ...``, which is what runs now. The files stay as measured.

    Parameters
    ----------
    recorded : str
        The ``command`` field of a results file.

    Returns
    -------
    command : str

    Examples
    --------
    >>> from benchmarks.common.report import shown_command
    >>> shown_command("python benchmarks/coreset_quality.py --summarise")
    'python -m benchmarks.coreset_quality --summarise'
    >>> shown_command("python -m benchmarks.kcenters --quick")
    'python -m benchmarks.kcenters --quick'
    """
    return _SCRIPT_COMMAND.sub(r"python -m benchmarks.\1", recorded)


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend (benchmarks run headless).

    Returns
    -------
    plt : module
        :mod:`matplotlib.pyplot`.

    Examples
    --------
    >>> import matplotlib
    >>> from benchmarks.common.report import pyplot
    >>> plt = pyplot()
    >>> matplotlib.get_backend().lower()  # draws to files only, no display needed
    'agg'
    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> fig.get_size_inches().tolist()
    [4.0, 3.0]
    >>> plt.close(fig)
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, path: Path) -> None:
    """Lay out, write and close a benchmark figure.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : pathlib.Path
        Output file; the format follows its suffix (written at 110 dpi).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from benchmarks.common.report import pyplot, save_figure
    >>> plt = pyplot()
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([1, 2, 3], [1, 4, 9])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "curve.png"
    ...     save_figure(fig, path)
    ...     print(path.stat().st_size > 0, plt.fignum_exists(fig.number))
    True False
    """
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
