"""``svpkit query``: the next rows to label, one round per call, resumable through a state folder.

The state folder (:mod:`svpkit.cli.state`) holds every round's rows and scores and every answer
merged so far, in one file replaced atomically, under a lock held from load to save. A round
stays open until all its rows are answered; a query while one is open writes the same rows
again instead of choosing new ones (the run that crashed, resumed).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from .io import (
    UserError,
    check_answer_labels,
    check_input,
    check_writable,
    read_table,
    selector_checks,
    task_labels,
)
from .outputs import load_outputs, output_files
from .paths import check_outputs
from .select import labels_input, load_pool_from_args, proxy_from_options, write_csv
from .state import StateFolder


def read_answers(
    path: str, n_rows: int, missing_label: str | None = None, task: str = "classification"
) -> dict[int, Any]:
    """The oracle's answers: a CSV with columns ``row`` and ``label``, one answer per row.

    Refused with the row named: a row outside the pool or not a whole number, an empty label
    or one equal to the missing-label marker (it would be stored and the row asked again), and
    a row answered twice (which answer counts would be a guess)."""
    file = check_input(path)
    frame = read_table(file, text_columns=["label"])  # labels exactly as written
    missing = [c for c in ("row", "label") if c not in frame.columns]
    if missing:
        raise UserError(f"answers file {file} needs columns row and label; missing {missing}")
    rows = frame["row"].to_numpy()
    if not np.issubdtype(rows.dtype, np.integer) or (rows < 0).any() or (rows >= n_rows).any():
        raise UserError(f"answers file {file}: row must be whole numbers in 0..{n_rows - 1}")
    return check_answer_labels(
        rows, frame["label"], missing_label, where=f"answers file {file}", task=task
    )


def _effective_labels(
    raw: Any, missing_label: str | None, answers: dict[int, Any], task: str
) -> tuple[np.ndarray, np.ndarray, str]:
    """Pool labels with the merged answers filled in, read together for ``task``:
    ``(labels, unlabeled, task)``."""
    values = np.asarray(raw, dtype=object).copy()
    if answers:
        rows = np.fromiter(answers, dtype=np.int64, count=len(answers))
        values[rows] = list(answers.values())
    return task_labels(values, missing_label, task)


def _write_round(out: Path, rows: list[int], scores: list[float], paths: Any = None) -> None:
    """The rows to label, best first; with the image files to show (``paths``), a ``path``
    column, so an annotator opens the files without looking the rows up."""
    import pandas as pd

    frame = pd.DataFrame({"row": rows, "score": scores, "rank": np.arange(1, len(rows) + 1)})
    if paths is not None:
        frame.insert(1, "path", np.asarray(paths)[np.asarray(rows, dtype=np.int64)])
    write_csv(frame, out)


def _query_classes(given: list[str] | None, labels: np.ndarray) -> list | None:
    """``--query-classes`` as labels of the pool (a CSV cell has no type: ``3`` names the
    class 3), or None when not given."""
    if given is None:
        return None
    wanted = set(given)
    found = sorted({lab for lab in labels if str(lab) in wanted}, key=str)
    if not found:
        raise UserError(
            f"--query-classes names labels of labeled rows; no labeled row has one of "
            f"{sorted(wanted)}: label a few first"
        )
    return found


def run_query(args: argparse.Namespace, verbose: bool) -> int:
    if args.budget is None and args.merge is None:
        raise UserError("nothing to do: pass --budget (and --out) to query, or --merge")
    if args.budget is not None and args.out is None:
        raise UserError("--budget needs --out, the file the rows to label are written to")
    if args.merge is not None and args.state is None:
        raise UserError("--merge needs --state, the folder the answers are kept in")
    out = check_writable(args.out) if args.out is not None else None
    check_outputs(
        {"--out": out},
        {
            "the pool": Path(args.pool),
            "the labels file": labels_input(args),
            "the answers file (--merge)": Path(args.merge) if args.merge else None,
            **output_files(args),
        },
        state=Path(args.state) if args.state else None,
    )
    pool = load_pool_from_args(args, verbose)
    if args.state is None:
        return _query(args, pool, out, None, verbose)
    with StateFolder.locked(
        args.state,
        pool_digest=pool.digest(),
        labels=args.labels,
        n_rows=pool.n_rows,
        wait=args.wait,
    ) as state:
        if args.merge is not None:
            _merge(args, pool, state)
        if args.budget is None:
            return 0
        return _query(args, pool, out, state, verbose)


def _merge(args: argparse.Namespace, pool: Any, state: StateFolder) -> None:
    # answers are read as the pool's labels are: numbers for a regression target
    _, in_pool_unlabeled, task = task_labels(pool.labels, args.missing_label, args.task)
    answers = read_answers(args.merge, pool.n_rows, args.missing_label, task)
    already = [r for r in answers if not in_pool_unlabeled[r]]
    if already:
        raise UserError(
            f"answers file {args.merge}: row {already[0]} is already labeled in the pool "
            f"({len(already)} such rows); answer only unlabeled rows"
        )
    new, held = state.merge(answers, args.merge)
    state.save()
    if not args.quiet:
        again = f", {held} already held" if held else ""
        noun = "answer" if new == 1 else "answers"
        print(f"merged {new} new {noun}{again} ({len(state.answers)} in {state.folder})")


def _query(
    args: argparse.Namespace, pool: Any, out: Path, state: StateFolder | None, verbose: bool
) -> int:
    pending = state.open_round() if state is not None else None
    if pending is not None:
        todo = [i for i, r in enumerate(pending["rows"]) if r not in state.answers]
        rows = [pending["rows"][i] for i in todo]
        _write_round(out, rows, [pending["scores"][i] for i in todo], pool.paths)
        if not args.quiet:
            print(
                f"round {pending['round']} is still open: {len(rows)} rows await answers; "
                f"wrote them again to {out} (merge their answers with --merge)"
            )
        return 0

    y, unlabeled, task = _effective_labels(
        pool.labels, args.missing_label, state.answers if state else {}, args.task
    )
    if not unlabeled.any():
        raise UserError("every row is labeled: there is nothing left to query")
    query_classes = _query_classes(args.query_classes, y[~unlabeled])
    from ..selectors import ProxySelector

    budget = min(args.budget, int(unlabeled.sum()))
    start = time.perf_counter()
    proxy = proxy_from_options(args, pool)
    # The selector checks what its method needs (a proxy, labels of two classes, a query)
    # before any training; its refusal is the user's error.
    with selector_checks():
        selector = ProxySelector(
            proxy,
            method=args.method,
            n_select=budget,
            class_balance=args.class_balance,
            sampler=args.sampler,
            random_state=args.random_state,
            missing_label=None,
            verbose=verbose,
            candidates=args.candidates,
            query_classes=query_classes,
            task=task,
        ).fit(pool.X, y, **load_outputs(args, pool.n_rows))
    seconds = time.perf_counter() - start
    chosen = set(selector.sample_indices_.tolist())
    order = [int(r) for r in selector.ranking_ if int(r) in chosen]  # best first
    scores = [float(s) for s in selector.scores_[order]]
    if state is not None:  # recorded first: a crash after it writes the same rows again
        state.add_round(
            {
                "rows": order,
                "scores": scores,
                "method": selector.method_,
                "n_labeled": int((~unlabeled).sum()),
                "random_state": args.random_state,
                "seconds": seconds,
            }
        )
        state.save()
    _write_round(out, order, scores, pool.paths)
    if not args.quiet:
        print(
            f"{len(order)} rows to label ({selector.method_}, {int((~unlabeled).sum())} labeled, "
            f"{int(unlabeled.sum())} unlabeled); wrote {out}"
        )
    return 0
