"""The ``svpkit`` command line."""

from __future__ import annotations

import argparse
import json
import sys

from ..methods import available_methods


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
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="core-set selection with a proxy vs a CNN target")
    demo.add_argument("--dataset", choices=["digits", "mnist"], default="digits")
    demo.add_argument("--method", choices=available_methods(), default="forgetting")
    demo.add_argument("--fraction", type=float, default=0.5)
    demo.add_argument("--proxy-epochs", type=int, default=5)
    demo.add_argument("--target-epochs", type=int, default=30)
    demo.add_argument("--max-rows", type=int, default=None, help="subsample for a quick run")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--json", help="also write the results to this JSON file")
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
