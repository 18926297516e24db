"""``svpkit select``: core-set selection from a file, written as a manifest and a summary."""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from .io import (
    PoolFile,
    UserError,
    check_writable,
    load_pool,
    selector_checks,
    task_labels,
    write_atomic,
)
from .outputs import load_outputs, output_files
from .paths import check_outputs

PROXIES = ("mlp", "cnn", "resnet", "text")


def load_pool_from_args(args: argparse.Namespace, verbose: bool) -> PoolFile:
    """The pool the command's options name (``select`` and ``query`` share them); with
    ``verbose``, which columns of a table became features, on stderr."""
    pool = load_pool(
        args.pool,
        args.labels,
        feature_columns=args.feature_columns,
        text_column=args.text_column,
        image_column=args.image_column,
        image_size=args.image_size,
        resize=args.resize,
        image_mode=args.image_mode,
        verbose=verbose,
    )
    if verbose and pool.kind == "table":
        ignored = "; ".join(f"{name} ({why})" for name, why in pool.ignored.items())
        print(
            f"features: {', '.join(pool.columns)}"
            + (f"; not features: {ignored}" if ignored else ""),
            file=sys.stderr,
        )
    return pool


def labels_input(args: argparse.Namespace) -> Path | None:
    """The labels file ``--labels`` names, if it names a file rather than a column (an input
    no output may replace)."""
    labels = getattr(args, "labels", None)
    if labels and Path(labels).suffix and Path(labels).is_file():
        return Path(labels)
    return None


def _parse_ints(text: str, count: int, example: str) -> tuple[int, ...]:
    """``count`` positive ints written ``a,b`` or ``axb``, or an argparse error."""
    try:
        values = tuple(int(p) for p in text.replace("x", ",").split(","))
    except ValueError:
        values = ()
    if len(values) != count or min(values) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not {example}")
    return values


def parse_size(text: str) -> tuple[int, int]:
    """argparse type for ``--image-size H,W``."""
    return _parse_ints(text, 2, "H,W (e.g. 32,32)")  # type: ignore[return-value]


def parse_shape(text: str) -> tuple[int, int, int]:
    """argparse type for ``--image-shape C,H,W``."""
    return _parse_ints(text, 3, "C,H,W (e.g. 1,28,28)")  # type: ignore[return-value]


def proxy_from_options(args: argparse.Namespace, pool: PoolFile) -> Any:
    """The proxy the options ask for (``--proxy``, ``--proxy-epochs``), unfitted; None when
    they ask for none: the selector then uses the pool's default proxy (the same MLP, or the
    text proxy for a text pool), and only if its method needs one."""
    if args.proxy is None and args.proxy_epochs is None:
        return None
    return build_proxy(args, pool)


def build_proxy(args: argparse.Namespace, pool: PoolFile) -> Any:
    """The proxy that ``--proxy`` (and the pool's kind) asks for, unfitted."""
    if args.proxy is None and pool.kind == "images":  # the image pool's default, more epochs
        from ..nn import make_image_proxy

        return make_image_proxy(max_epochs=args.proxy_epochs)
    name = args.proxy or ("text" if pool.kind == "text" else "mlp")
    if (name == "text") != (pool.kind == "text"):
        raise UserError(
            "--proxy text reads a text column: pass --text-column"
            if name == "text"
            else f"a text pool (--text-column) needs --proxy text, not --proxy {name}"
        )
    epochs = {} if args.proxy_epochs is None else {"max_epochs": args.proxy_epochs}
    if name == "text":
        from ..nn import make_text_proxy

        return make_text_proxy(**epochs)
    if name == "mlp":
        from ..nn import make_default_proxy

        return make_default_proxy(**epochs)
    shape = args.image_shape
    n_features = int(np.prod(pool.X.shape[1:]))
    if pool.X.ndim != 4 and shape is None:
        raise UserError(
            f"--proxy {name} needs --image-shape C,H,W for flat rows ({n_features} features)"
        )
    if shape is not None and int(np.prod(shape)) != n_features:
        raise UserError(
            f"--image-shape {','.join(map(str, shape))} holds {int(np.prod(shape))} values but "
            f"each row has {n_features}"
        )
    from ..nn import ProxyNet, ResNet, SmallCNN

    module = SmallCNN if name == "cnn" else ResNet
    params: dict[str, Any] = dict(epochs)
    if shape is not None:
        params["module__image_shape"] = shape
    if name == "resnet":
        params["module__depth"] = 8
    return ProxyNet(module, **params)


def describe_proxy(proxy: Any) -> dict[str, Any]:
    module = getattr(proxy, "module", None)
    return {
        "class": type(proxy).__name__,
        "module": getattr(module, "__name__", type(module).__name__),
        "max_epochs": getattr(proxy, "max_epochs", None),
        "lr": getattr(proxy, "lr", None),
        "batch_size": getattr(proxy, "batch_size", None),
    }


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in ("svpkit", "numpy", "scipy", "scikit-learn", "torch", "skorch", "faiss-cpu"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def summary_path(out: Path, given: str | None) -> Path:
    return Path(given) if given else out.with_suffix(".json")


def manifest(selector: Any, n_rows: int, paths: Any = None) -> Any:
    """One row per pool row: ``row, selected, score, rank`` (and ``weight`` where the method
    weighs its picks; ``path`` first for image files). ``rank`` is 1 for the first pick;
    blank for rows the method did not rank (k-centers ranks only its picks)."""
    import pandas as pd

    rank = np.zeros(n_rows, dtype=np.int64)
    rank[selector.ranking_] = np.arange(1, len(selector.ranking_) + 1)
    ranks = pd.array(rank, dtype="Int64")
    ranks[rank == 0] = pd.NA
    table = pd.DataFrame(
        {
            "row": np.arange(n_rows),
            "selected": selector.get_support().astype(np.int8),
            "score": selector.scores_,
            "rank": ranks,
        }
    )
    if paths is not None:
        table.insert(1, "path", paths)
    if selector.sample_weight_ is not None:
        weight = np.full(n_rows, np.nan)
        weight[selector.sample_indices_] = selector.sample_weight_
        table["weight"] = weight
    return table


def write_csv(table: Any, path: Path) -> None:
    # A fixed float format: the same selection is the same file, byte for byte.
    write_atomic(path, lambda fh: table.to_csv(fh, index=False, float_format="%.9g"))


def write_json(data: dict, path: Path) -> None:
    write_atomic(path, lambda fh: fh.write(json.dumps(data, indent=2, default=str) + "\n"))


def run_select(args: argparse.Namespace, verbose: bool) -> int:
    out = check_writable(args.out)
    summary_file = check_writable(summary_path(out, args.summary))
    check_outputs(
        {
            "--out": out,
            (
                "--summary"
                if args.summary
                else "the summary (--out's name with .json; set it with --summary)"
            ): summary_file,
        },
        {"the pool": Path(args.pool), "the labels file": labels_input(args), **output_files(args)},
    )
    start = time.perf_counter()
    pool = load_pool_from_args(args, verbose)
    given = load_outputs(args, pool.n_rows)
    y, unlabeled, task = task_labels(pool.labels, args.missing_label, args.task)
    if unlabeled.all():
        raise UserError(f"no labels: every value of {args.labels!r} is empty")
    if unlabeled.any():
        first = int(np.flatnonzero(unlabeled)[0])
        raise UserError(
            f"{int(unlabeled.sum())} of {pool.n_rows} rows have no label (first: row {first}); "
            "core-set selection needs every row labeled: drop them, or choose rows to label "
            "with svpkit query"
        )
    n_classes = len(set(y)) if task == "classification" else None
    if task == "multilabel":
        n_classes = y.shape[1]
    read_seconds = time.perf_counter() - start

    from ..selectors import CoresetSelector

    proxy = proxy_from_options(args, pool)
    # The selector checks what its method needs (a proxy, two classes) before any training.
    with selector_checks():
        selector = CoresetSelector(
            proxy,
            method=args.method,
            fraction=args.fraction,
            n_select=args.n_select,
            class_balance=args.class_balance,
            sampler=args.sampler,
            random_state=args.random_state,
            verbose=verbose,
            task=task,
        ).fit(pool.X, y, **given)

    start = time.perf_counter()
    write_csv(manifest(selector, pool.n_rows, pool.paths), out)
    write_seconds = time.perf_counter() - start
    summary = {
        "command": "select",
        "argv": sys.argv[1:],
        "input": {
            "path": str(pool.path),
            "sha256" if pool.kind != "images" else "fingerprint": pool.digest(),
            "n_rows": pool.n_rows,
            "kind": pool.kind,
            "features": pool.columns or list(pool.X.shape[1:]),
            "not_features": pool.ignored,  # other columns, with the reason
            "labels": args.labels,
            "task": task,
            "n_classes": n_classes,
        },
        "method": args.method,
        "fraction": args.fraction,
        "n_select": args.n_select,
        "n_selected": int(selector.n_selected_),
        "class_balance": bool(args.class_balance),
        "sampler": args.sampler,
        "chosen_method": selector.method_,
        "proxy": describe_proxy(selector.proxy_) if selector.proxy_ is not None else None,
        "precomputed": {name: str(getattr(args, name)) for name in given},
        "random_state": args.random_state,
        "seconds": {"read": read_seconds, **selector.fit_seconds_, "write": write_seconds},
        "versions": versions(),
        "manifest": str(out),
    }
    write_json(summary, summary_file)
    if not args.quiet:
        print(
            f"selected {selector.n_selected_} of {pool.n_rows} rows ({args.method}); "
            f"wrote {out} and {summary_file}"
        )
    return 0
