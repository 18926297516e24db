"""The ``svpkit`` command line.

Parsing imports nothing heavy (no torch, no scikit-learn): ``svpkit --help``, ``--version`` and
usage errors answer at once; a command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import json
import sys

from .._version import __version__

#: The built-in core-set methods, for help and choices without importing the registry (a test
#: checks this equals ``available_methods()``).
BUILTIN_METHODS = ("entropy", "forgetting", "kcenters", "least_confidence", "margin", "random")


def _share(text: str) -> float:
    """argparse type for ``--fraction``: a share in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a share in (0, 1], e.g. 0.5")
    return value


def _demo(args: argparse.Namespace) -> int:
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
        verbose=not args.quiet,
    )
    print(format_table(rows))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows_as_dicts(rows), fh, indent=2)
        print(f"\nwrote {args.json}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="svpkit", description="Selection via Proxy.")
    parser.add_argument("--version", action="version", version=f"svpkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="core-set selection with a proxy vs a CNN target")
    demo.add_argument("--dataset", choices=["digits", "mnist"], default="digits")
    demo.add_argument("--method", choices=BUILTIN_METHODS, default="forgetting")
    demo.add_argument("--fraction", type=_share, default=0.5, help="share kept, in (0, 1]")
    demo.add_argument("--proxy-epochs", type=int, default=5)
    demo.add_argument("--target-epochs", type=int, default=30)
    demo.add_argument("--max-rows", type=int, default=None, help="subsample for a quick run")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--json", help="also write the results to this JSON file")
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ImportError as exc:  # a missing optional extra: one line that says what to install
        if "This feature needs" not in str(exc):
            raise
        parser.exit(1, f"svpkit {args.command}: {exc}\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
