"""``svpkit query``: the next rows to label, one round per call, resumable through a state folder.

The state folder (:mod:`svpkit.cli.state`) holds every round's rows and scores and every answer
merged so far, in one file replaced atomically, under a lock held from load to save. A round
stays open until all its rows are answered; a query while one is open writes the same rows
again instead of choosing new ones (the run that crashed, resumed).

``--format label-studio`` writes the round as a Label Studio import file, and ``--merge``
reads Label Studio's JSON export as well as a CSV of answers (:mod:`svpkit.cli.label_studio`).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import label_studio as ls
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


def _write_tasks(
    args: argparse.Namespace,
    pool: Any,
    out: Path,
    rows: list[int],
    scores: list[float],
    round_: int | None,
    guesses: tuple[list | None, list | None],
) -> None:
    """The rows to label as a Label Studio import file (a JSON list of tasks)."""
    shown = ls.shown_data(
        pool, rows, image_root=args.image_root, image_prefix=args.image_url_prefix
    )
    tasks = ls.make_tasks(
        rows,
        scores,
        shown,
        round_=round_,
        guesses=guesses,
        from_name=args.from_name,
        to_name=args.to_name,
    )
    ls.write_tasks(tasks, out)


def _write_output(
    args: argparse.Namespace,
    pool: Any,
    out: Path,
    rows: list[int],
    scores: list[float],
    round_: int | None = None,
    guesses: tuple[list | None, list | None] = (None, None),
) -> None:
    """The round's rows in the ``--format`` asked for."""
    if args.format == "label-studio":
        _write_tasks(args, pool, out, rows, scores, round_, guesses)
    else:
        _write_round(out, rows, scores, pool.paths)


def _check_classes(task: str, what: str) -> None:
    if task == "regression":
        raise UserError(
            f"{what} Choices (class labels), and this pool's labels are a regression target: "
            "use --format csv and a CSV of answers"
        )


def _write_label_config(
    args: argparse.Namespace, pool: Any, y: np.ndarray, unlabeled: np.ndarray
) -> None:
    """``--label-config``: the Label Studio labeling config matching the import file, with
    the classes of the labels known (the pool's and the answers merged)."""
    if args.label_config is None:
        return
    from .io import write_atomic

    classes = sorted(set(y[~unlabeled].tolist()))
    key = "image" if pool.kind == "images" else "text"
    xml = ls.labeling_config(key, classes, args.from_name, args.to_name)
    write_atomic(Path(args.label_config), lambda fh: fh.write(xml + "\n"))


def _check_format(args: argparse.Namespace, out: Path | None, task: str) -> None:
    """The Label Studio round trip is for class labels, written to a ``.json`` file."""
    if args.format != "label-studio":
        return
    _check_classes(task, "--format label-studio writes")
    if out is not None and out.suffix.lower() != ".json":
        raise UserError(
            f"--format label-studio writes a Label Studio import file (JSON): name --out "
            f"{out.with_suffix('.json').name}, not {out.name}"
        )


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
    if args.label_config is not None and (args.format != "label-studio" or args.out is None):
        raise UserError(
            "--label-config is written with a Label Studio batch: pass --format label-studio "
            "and --budget/--out too"
        )
    out = check_writable(args.out) if args.out is not None else None
    config = check_writable(args.label_config) if args.label_config is not None else None
    _check_format(args, out, "classification")
    check_outputs(
        {"--out": out, "--label-config": config},
        {
            "the pool": Path(args.pool),
            "the labels file": labels_input(args),
            "the answers file (--merge)": Path(args.merge) if args.merge else None,
            **output_files(args),
        },
        state=Path(args.state) if args.state else None,
    )
    pool = load_pool_from_args(args, verbose)
    if np.ndim(pool.labels) == 2:  # --labels A,B,C: a label set per row
        raise UserError(
            "svpkit query asks for one label per row; for label sets, run the rounds in Python "
            "with svpkit.active.ActiveLearningLoop (its oracle answers label sets), or select "
            "a core-set with svpkit select --labels A,B,C"
        )
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
    tasks = ls.read_json_tasks(args.merge)  # None: a CSV of answers
    if tasks is None:
        answers, note = read_answers(args.merge, pool.n_rows, args.missing_label, task), ""
    else:
        answers, note = _export_answers(args, tasks, state, task)
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
        print(f"merged {new} new {noun}{again} ({len(state.answers)} in {state.folder}){note}")


def _export_answers(
    args: argparse.Namespace, tasks: list, state: StateFolder, task: str
) -> tuple[dict[int, Any], str]:
    """The answers of a Label Studio JSON export, checked as a CSV's answers are; and a note
    on the rows it leaves unlabeled and the ties it broke, for the summary line."""
    _check_classes(task, f"Label Studio export {args.merge} holds")
    where = f"Label Studio export {args.merge}"
    asked = {row: entry["round"] for entry in state.rounds for row in entry["rows"]}
    found = ls.export_answers(tasks, asked, from_name=args.from_name, where=where)
    answers = {}
    if found.labels:
        rows, labels = list(found.labels), list(found.labels.values())
        answers = check_answer_labels(rows, labels, args.missing_label, where=where, task=task)
    note = ""
    if found.unanswered:
        n = len(found.unanswered)
        rows_stay = (
            "row skipped or not annotated stays" if n == 1 else "rows skipped or not annotated stay"
        )
        note += f"; {n} {rows_stay} unlabeled"
    if found.tied:
        n = len(found.tied)
        note += f"; {n} {'tie' if n == 1 else 'ties'} broken by the latest annotation"
    return answers, note


def _query(
    args: argparse.Namespace, pool: Any, out: Path, state: StateFolder | None, verbose: bool
) -> int:
    pending = state.open_round() if state is not None else None
    if pending is not None:
        todo = [i for i, r in enumerate(pending["rows"]) if r not in state.answers]
        rows = [pending["rows"][i] for i in todo]
        guesses = _stored_guesses(pending, todo)
        scores = [pending["scores"][i] for i in todo]
        if args.format == "label-studio":
            y, unlabeled, _ = _labels_for_batch(args, pool, state)
            _write_label_config(args, pool, y, unlabeled)
        _write_output(args, pool, out, rows, scores, pending["round"], guesses)
        if not args.quiet:
            print(
                f"round {pending['round']} is still open: {len(rows)} rows await answers; "
                f"wrote them again to {out} (merge their answers with --merge)"
            )
        return 0

    y, unlabeled, task = _labels_for_batch(args, pool, state)
    if not unlabeled.any():
        raise UserError("every row is labeled: there is nothing left to query")
    query_classes = _query_classes(args.query_classes, y[~unlabeled])
    from ..selectors import ProxySelector

    budget = min(args.budget, int(unlabeled.sum()))
    start = time.perf_counter()
    outputs = load_outputs(args, pool.n_rows)
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
        ).fit(pool.X, y, **outputs)
    seconds = time.perf_counter() - start
    chosen = set(selector.sample_indices_.tolist())
    order = [int(r) for r in selector.ranking_ if int(r) in chosen]  # best first
    scores = [float(s) for s in selector.scores_[order]]
    guesses, why = (None, None), ""
    if args.format == "label-studio":
        *guesses, why = ls.proxy_guesses(selector, pool.X, order, outputs.get("proba"))
    record = {
        "rows": order,
        "scores": scores,
        "method": selector.method_,
        "n_labeled": int((~unlabeled).sum()),
        "random_state": args.random_state,
        "seconds": seconds,
    }
    if guesses[0] is not None:  # kept, so that the round written again shows them too
        record.update(predicted=guesses[0], confidence=guesses[1])
    round_ = None
    if state is not None:  # recorded first: a crash after it writes the same rows again
        round_ = state.add_round(record)["round"]
        state.save()
    _write_label_config(args, pool, y, unlabeled)
    _write_output(args, pool, out, order, scores, round_, tuple(guesses))
    if not args.quiet:
        unguessed = f" (no predictions: {why})" if why else ""
        print(
            f"{len(order)} rows to label ({selector.method_}, {int((~unlabeled).sum())} labeled, "
            f"{int(unlabeled.sum())} unlabeled); wrote {out}{unguessed}"
        )
    return 0


def _labels_for_batch(
    args: argparse.Namespace, pool: Any, state: StateFolder | None
) -> tuple[np.ndarray, np.ndarray, str]:
    """The labels known (the pool's and the answers merged), checked against ``--format``."""
    y, unlabeled, task = _effective_labels(
        pool.labels, args.missing_label, state.answers if state else {}, args.task
    )
    _check_format(args, None, task)
    return y, unlabeled, task


def _stored_guesses(pending: dict, todo: list[int]) -> tuple[list | None, list | None]:
    """The proxy's guesses recorded with an open round, for the rows still to label."""
    predicted, confidence = pending.get("predicted"), pending.get("confidence")
    if predicted is None or confidence is None:
        return None, None
    return [predicted[i] for i in todo], [confidence[i] for i in todo]
