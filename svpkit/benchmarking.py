"""Helpers for benchmark scripts: environment record, publishing results, plots, memory.

The scripts in the repository's ``benchmarks/`` folder use these (and only svpkit's public
API). Results go to ``--out``; a ``--quick`` run without ``--out`` writes to a fresh temporary
folder and never to the committed results or docs.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "environment",
    "publish",
    "peak_rss_during",
    "pyplot",
    "save_figure",
    "benchmark_parser",
]


def environment() -> dict[str, Any]:
    """Versions, CPU and thread settings, to store next to every result.

    Returns
    -------
    env : dict
        JSON-serialisable: Python and platform, CPU count, torch threads, CUDA, the OpenBLAS
        settings, and the versions of svpkit and its main dependencies.

    Examples
    --------
    >>> import json
    >>> from svpkit.benchmarking import environment
    >>> env = environment()
    >>> sorted(env["versions"])
    ['numpy', 'scikit-learn', 'skorch', 'svpkit', 'torch']
    >>> isinstance(env["cpu_count"], int), isinstance(json.dumps(env), str)
    (True, True)
    """
    from importlib.metadata import version

    import numpy
    import sklearn
    import skorch
    import torch

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.is_available(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
        "versions": {
            "svpkit": version("svpkit"),
            "numpy": numpy.__version__,
            "scikit-learn": sklearn.__version__,
            "skorch": skorch.__version__,
            "torch": torch.__version__,
        },
    }


def output_dir(args: Any, name: str) -> Path:
    """The folder a benchmark writes to (created; also stored in ``args.out``): ``--out``, else
    a temporary folder for ``--quick`` (smoke runs never touch the committed results), else
    ``args.results``."""
    if args.out is None:
        args.out = Path(tempfile.mkdtemp(prefix=f"svpkit-{name}-")) if args.quick else args.results
    args.out.mkdir(parents=True, exist_ok=True)
    return args.out


def runs_file(args: Any, name: str) -> Path:
    """The append-only JSON-lines file of a resumable benchmark's finished runs."""
    return output_dir(args, name) / (
        f"{name}_quick_runs.jsonl" if args.quick else f"{name}_runs.jsonl"
    )


def read_runs(path: Path) -> list[dict[str, Any]]:
    """Every run recorded in ``path`` so far (none when it does not exist yet)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def append_run(path: Path, record: dict[str, Any]) -> None:
    """Record one finished run, so an interrupted benchmark resumes after it."""
    with path.open("a") as fh:
        fh.write(json.dumps(record) + "\n")


def publish(args: Any, name: str, payload: dict[str, Any], page: str) -> Path:
    """Write ``<out>/<name>[_quick].json`` and print the page.

    The docs site renders the page again from the JSON when it is built (each script's
    ``render_page``), so no copy of it is written into ``docs/``.

    ``args`` comes from :func:`benchmark_parser`. Returns the path prefix (without suffix) for
    the script's plots.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options of :func:`benchmark_parser` (``--quick`` writes ``<name>_quick.json``,
        which the docs never read).
    name : str
        The benchmark's name, the stem of its files.
    payload : dict
        The results, written as JSON.
    page : str
        The Markdown page, printed.

    Returns
    -------
    prefix : pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from svpkit.benchmarking import benchmark_parser, publish
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     parser = benchmark_parser("Demo.", Path(tmp))
    ...     args = parser.parse_args(["--quick", "--out", tmp])
    ...     prefix = publish(args, "demo", {"seconds": 0.5}, "# Demo: 0.5 s")
    ...     print(prefix.name, sorted(p.name for p in Path(tmp).iterdir()))
    # Demo: 0.5 s
    demo_quick ['demo_quick.json']
    """
    stem = f"{name}_quick" if args.quick else name
    out = output_dir(args, name)
    (out / f"{stem}.json").write_text(json.dumps(payload, indent=1))
    print(page)
    return args.out / stem


def peak_rss_during(fn: Callable[[], Any], interval: float = 0.0005) -> tuple[Any, int]:
    """Run ``fn`` and return ``(result, peak resident-set growth in bytes)``.

    A thread samples ``/proc/self/statm`` while ``fn`` runs. Unlike tracemalloc it sees every
    allocator (torch's CPU allocator included); short-lived peaks between samples can be missed,
    so treat it as a lower bound. Returns ``-1`` for the growth where ``/proc`` is missing.

    Parameters
    ----------
    fn : callable
        Called with no argument.
    interval : float, default=0.0005
        Seconds between samples.

    Returns
    -------
    result : object
        What ``fn`` returned.
    growth : int
        Peak resident-set growth in bytes.

    Examples
    --------
    >>> import time
    >>> import numpy as np
    >>> from svpkit.benchmarking import peak_rss_during
    >>> def work():
    ...     block = np.ones(10_000_000)  # 80 MB
    ...     time.sleep(0.02)
    ...     return float(block.sum())
    >>> result, growth = peak_rss_during(work)
    >>> result, growth > 50_000_000
    (10000000.0, True)
    """
    statm = Path("/proc/self/statm")
    if not statm.exists():
        return fn(), -1
    page = os.sysconf("SC_PAGE_SIZE")

    def rss() -> int:
        return int(statm.read_text().split()[1]) * page

    base = rss()
    peak = [base]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss())
            time.sleep(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        out = fn()
    finally:
        stop.set()
        thread.join()
    return out, max(peak[0], rss()) - base


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend (benchmarks run headless).

    Returns
    -------
    plt : module
        :mod:`matplotlib.pyplot`.

    Examples
    --------
    >>> import matplotlib
    >>> from svpkit.benchmarking import pyplot
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
    >>> from svpkit.benchmarking import pyplot, save_figure
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


def benchmark_parser(doc: str | None, results: Path, quick_help: str | None = None) -> Any:
    """The options every benchmark takes: ``--quick`` and ``--out`` (JSON/plots).

    Parameters
    ----------
    doc : str
        The script's docstring (its first line is the description).
    results : Path
        Where a full run writes JSON and plots when ``--out`` is not given.
    quick_help : str, default=None
        What ``--quick`` shrinks.

    Examples
    --------
    >>> from pathlib import Path
    >>> from svpkit.benchmarking import benchmark_parser
    >>> args = benchmark_parser("Demo.", Path("results")).parse_args(["--quick"])
    >>> args.quick, args.out
    (True, None)
    """
    import argparse

    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"folder for JSON and plots (default: {results}; a temporary folder for --quick)",
    )
    parser.set_defaults(results=results)
    return parser
