"""``svpkit query``: the next rows to label, one round per call, resumable through a state folder.

The state folder holds ``state.json`` (the pool file's hash, and each round's rows and scores)
and ``answers.csv`` (every label merged so far, ``row,label``). Both are rewritten atomically,
so a crash leaves the previous state. A round stays open until all its rows are answered; a
query while one is open writes the same rows again instead of choosing new ones (the run that
crashed, resumed).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from .io import (
    UserError,
    check_input,
    check_writable,
    read_table,
    selector_checks,
    split_labels,
)
from .select import load_pool_from_args, proxy_from_options, write_csv, write_json

STATE_VERSION = 1


class QueryState:
    """The rounds asked so far and the oracle's answers, kept in a folder."""

    def __init__(self, folder: Path, pool_sha256: str, labels: str) -> None:
        self.folder = folder
        self.file = folder / "state.json"
        self.answers_file = folder / "answers.csv"
        self.data: dict[str, Any] = {
            "version": STATE_VERSION,
            "pool_sha256": pool_sha256,
            "labels": labels,
            "rounds": [],
        }
        self.answers: dict[int, Any] = {}
        if self.file.exists():
            self._load(pool_sha256)

    def _load(self, pool_sha256: str) -> None:
        try:
            data = json.loads(self.file.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise UserError(f"cannot read the state in {self.folder}: {exc}") from None
        if data.get("pool_sha256") != pool_sha256:
            raise UserError(
                f"the state in {self.folder} belongs to another pool file (its hash differs); "
                "use a new --state folder for this pool"
            )
        self.data = data
        if self.answers_file.exists():
            frame = read_table(self.answers_file)
            self.answers = dict(zip(frame["row"].astype(int), frame["label"], strict=True))

    @property
    def rounds(self) -> list[dict]:
        return self.data["rounds"]

    def open_round(self) -> dict | None:
        """The last round if some of its rows have no answer yet."""
        if self.rounds and any(r not in self.answers for r in self.rounds[-1]["rows"]):
            return self.rounds[-1]
        return None

    def save(self) -> None:
        import pandas as pd

        self.folder.mkdir(parents=True, exist_ok=True)
        rows = sorted(self.answers)
        frame = pd.DataFrame({"row": rows, "label": [self.answers[r] for r in rows]})
        write_csv(frame, self.answers_file)
        write_json(self.data, self.file)


def read_answers(path: str, n_rows: int) -> dict[int, Any]:
    """The oracle's answers: a CSV with columns ``row`` and ``label``."""
    file = check_input(path)
    frame = read_table(file)
    missing = [c for c in ("row", "label") if c not in frame.columns]
    if missing:
        raise UserError(f"answers file {file} needs columns row and label; missing {missing}")
    rows = frame["row"].to_numpy()
    if not np.issubdtype(rows.dtype, np.integer) or (rows < 0).any() or (rows >= n_rows).any():
        raise UserError(f"answers file {file}: row must be whole numbers in 0..{n_rows - 1}")
    labels, unanswered = split_labels(frame["label"])
    if unanswered.any():
        first = int(rows[np.flatnonzero(unanswered)[0]])
        raise UserError(f"answers file {file}: row {first} has an empty label")
    return dict(zip(rows.astype(int).tolist(), labels, strict=True))


def _effective_labels(raw: Any, missing_label: str | None, answers: dict[int, Any]):
    """Pool labels with the merged answers filled in, normalised together."""
    values = np.asarray(raw, dtype=object).copy()
    if answers:
        rows = np.fromiter(answers, dtype=np.int64, count=len(answers))
        values[rows] = list(answers.values())
    return split_labels(values, missing_label)


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
    pool = load_pool_from_args(args, verbose)
    state = None
    if args.state is not None:
        folder = Path(args.state)
        if folder.exists() and not folder.is_dir():
            raise UserError(f"--state {folder} is a file; pass a folder")
        state = QueryState(folder, pool.digest(), args.labels)

    if args.merge is not None:
        answers = read_answers(args.merge, pool.n_rows)
        _, in_pool_unlabeled = split_labels(pool.labels, args.missing_label)
        already = [r for r in answers if not in_pool_unlabeled[r]]
        if already:
            raise UserError(
                f"answers file {args.merge}: row {already[0]} is already labeled in the pool "
                f"({len(already)} such rows); answer only unlabeled rows"
            )
        state.answers.update(answers)
        state.save()
        if not args.quiet:
            print(f"merged {len(answers)} answers ({len(state.answers)} in {state.folder})")
    if args.budget is None:
        return 0

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

    y, unlabeled = _effective_labels(
        pool.labels, args.missing_label, state.answers if state else {}
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
        ).fit(pool.X, y)
    seconds = time.perf_counter() - start
    chosen = set(selector.sample_indices_.tolist())
    order = [int(r) for r in selector.ranking_ if int(r) in chosen]  # best first
    scores = [float(s) for s in selector.scores_[order]]
    _write_round(out, order, scores, pool.paths)
    if state is not None:
        state.rounds.append(
            {
                "round": len(state.rounds) + 1,
                "rows": order,
                "scores": scores,
                "method": selector.method_,
                "n_labeled": int((~unlabeled).sum()),
                "random_state": args.random_state,
                "seconds": seconds,
            }
        )
        state.save()
    if not args.quiet:
        print(
            f"{len(order)} rows to label ({selector.method_}, {int((~unlabeled).sum())} labeled, "
            f"{int(unlabeled.sum())} unlabeled); wrote {out}"
        )
    return 0
