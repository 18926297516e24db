"""Where a benchmark run writes, and how: the ``--quick``/``--out`` options, the resumable
one-record-per-run JSON-lines files, and the published JSON.

Results go to ``--out``; a ``--quick`` run without ``--out`` writes to a fresh temporary folder
and never to the committed results or docs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

#: The source checkout this package lives in.
ROOT = Path(__file__).resolve().parents[2]
#: The committed results: the JSON the docs render pages from, the plots they show.
RESULTS = ROOT / "benchmarks" / "results"

__all__ = [
    "ROOT",
    "RESULTS",
    "benchmark_parser",
    "output_dir",
    "runs_file",
    "read_runs",
    "append_run",
    "write_json",
    "read_results",
    "publish",
]


def benchmark_parser(
    doc: str | None, results: Path = RESULTS, quick_help: str | None = None
) -> argparse.ArgumentParser:
    """The options every benchmark takes: ``--quick`` and ``--out`` (JSON/plots).

    Parameters
    ----------
    doc : str
        The script's docstring (its first line is the description).
    results : Path, default=RESULTS
        Where a full run writes JSON and plots when ``--out`` is not given.
    quick_help : str, default=None
        What ``--quick`` shrinks.

    Returns
    -------
    parser : argparse.ArgumentParser
        Scripts add their own options to it.

    Examples
    --------
    >>> from pathlib import Path
    >>> from benchmarks.common.results import benchmark_parser
    >>> args = benchmark_parser("Demo.", Path("results")).parse_args(["--quick"])
    >>> args.quick, args.out
    (True, None)
    """
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


def output_dir(args: argparse.Namespace, name: str) -> Path:
    """The folder a benchmark writes to (created; also stored in ``args.out``).

    ``--out``, else a temporary folder for ``--quick`` (smoke runs never touch the committed
    results), else ``args.results``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options of :func:`benchmark_parser`.
    name : str
        The benchmark's name (names the temporary folder).

    Returns
    -------
    folder : pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from benchmarks.common.results import benchmark_parser, output_dir
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     args = benchmark_parser("Demo.", Path(tmp) / "results").parse_args([])
    ...     print(output_dir(args, "demo").relative_to(tmp), args.out.is_dir())
    results True
    """
    if args.out is None and args.quick:
        # A smoke run's results are its only output: kept, and said where (--out chooses).
        args.out = Path(tempfile.mkdtemp(prefix=f"svpkit-{name}-"))
        print(f"{name} --quick: results in {args.out} (pass --out DIR to choose)", file=sys.stderr)
    elif args.out is None:
        args.out = args.results
    args.out.mkdir(parents=True, exist_ok=True)
    return args.out


def runs_file(args: argparse.Namespace, name: str) -> Path:
    """The append-only JSON-lines file of a resumable benchmark's finished runs.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options of :func:`benchmark_parser` (``--quick`` runs get their own file).
    name : str
        The benchmark's name, the stem of the file.

    Returns
    -------
    path : pathlib.Path
        ``<out>/<name>_runs.jsonl`` (``<name>_quick_runs.jsonl`` for ``--quick``).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from benchmarks.common.results import benchmark_parser, runs_file
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     args = benchmark_parser("Demo.", Path(tmp)).parse_args(["--out", tmp])
    ...     print(runs_file(args, "demo").name)
    demo_runs.jsonl
    """
    return output_dir(args, name) / (
        f"{name}_quick_runs.jsonl" if args.quick else f"{name}_runs.jsonl"
    )


def read_runs(path: Path) -> list[dict[str, Any]]:
    """Every run recorded in ``path`` so far (none when it does not exist yet).

    Parameters
    ----------
    path : pathlib.Path
        A JSON-lines file written by :func:`append_run`.

    Returns
    -------
    runs : list of dict
        In the order they were appended.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from benchmarks.common.results import append_run, read_runs
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "demo_runs.jsonl"
    ...     before = read_runs(path)
    ...     append_run(path, {"seed": 0, "accuracy": 0.91})
    ...     append_run(path, {"seed": 1, "accuracy": 0.93})
    ...     print(before, [r["seed"] for r in read_runs(path)])
    [] [0, 1]
    """
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def append_run(path: Path, record: dict[str, Any]) -> None:
    """Record one finished run, so an interrupted benchmark resumes after it.

    One line per run, appended and never rewritten: a crash loses at most the run in
    progress.

    Parameters
    ----------
    path : pathlib.Path
        The JSON-lines file (created on the first run).
    record : dict
        The run, JSON-serialisable.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from benchmarks.common.results import append_run
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "demo_runs.jsonl"
    ...     append_run(path, {"seed": 0})
    ...     print(path.read_text(), end="")
    {"seed": 0}
    """
    with path.open("a") as fh:
        fh.write(json.dumps(record) + "\n")


def write_json(path: Path, payload: Any) -> None:
    """Write a results file: JSON indented by one space, the committed files' format.

    Parameters
    ----------
    path : pathlib.Path
    payload : object
        JSON-serialisable.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from benchmarks.common.results import read_results, write_json
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_json(Path(tmp) / "demo.json", {"seconds": 0.5})
    ...     print(read_results("demo", Path(tmp)))
    {'seconds': 0.5}
    """
    path.write_text(json.dumps(payload, indent=1))


def read_results(name: str, folder: Path = RESULTS) -> Any:
    """The saved results ``<folder>/<name>.json`` of a benchmark.

    Parameters
    ----------
    name : str
        The benchmark's name.
    folder : pathlib.Path, default=RESULTS
        The committed results unless told otherwise.

    Returns
    -------
    results : object
        The parsed JSON.

    Examples
    --------
    >>> from benchmarks.common.results import read_results
    >>> sorted(read_results("kcenters"))
    ['command', 'environment', 'rows']
    """
    return json.loads((folder / f"{name}.json").read_text())


def publish(args: argparse.Namespace, name: str, payload: dict[str, Any], page: str) -> Path:
    """Write ``<out>/<name>[_quick].json`` and print the page.

    The docs site renders the page again from the JSON when it is built (each benchmark's
    ``render_page``), so no copy of it is written into ``docs/``.

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
        The path prefix (without suffix) for the script's plots.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from benchmarks.common.results import benchmark_parser, publish
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
    write_json(out / f"{stem}.json", payload)
    print(page)
    return out / stem
