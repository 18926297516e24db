"""The state folder of ``svpkit query``: the rounds asked and the answers merged, kept safe.

Three rules keep every answer, whatever the user does:

- **One file is the state.** ``state.json`` holds the pool's hash, every round (rows, scores,
  method, seed) and every merged answer, and is replaced atomically
  (:func:`svpkit.utils.atomic_write`), so a crash at any instant leaves the previous state or
  the new one, never half of each (a killed writer's temporary file is removed by the next
  process to take the lock). ``answers.csv`` beside it is a copy for people and scripts
  to read, written after the state; svpkit never reads it back (except once, to upgrade a
  folder written by svpkit 0.x before the state held its answers).
- **One process at a time.** A lock (``.lock`` in the folder, through ``filelock``) is held
  from load to save, so a ``--merge`` during a ``query`` waits (``--wait SECONDS``) or stops
  with a clear error instead of saving over the other's work.
- **A damaged folder is refused, never used.** A state that does not parse, lacks a field,
  holds rows outside the pool or answers without a state, stops the command with a message
  naming the file and what is wrong.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np

from .io import UserError, read_table, split_labels

#: Version 2 keeps the answers in ``state.json``; version 1 kept them in ``answers.csv``.
STATE_VERSION = 2
STATE_FILE = "state.json"
ANSWERS_COPY = "answers.csv"
LOCK_FILE = ".lock"


def _plain(value: Any) -> Any:
    """A label as JSON holds it exactly (numpy scalars as Python ints, floats and strings)."""
    return value.item() if isinstance(value, np.generic) else value


def _remove_orphans(folder: Path) -> None:
    """Delete the temporary files of a writer that was killed mid-save. Only the lock's holder
    writes in the folder, so under the lock every temporary file is an orphan."""
    for name in (STATE_FILE, ANSWERS_COPY):
        for orphan in folder.glob(f".{name}.*.tmp"):
            orphan.unlink(missing_ok=True)


class StateFolder:
    """The rounds asked so far and the oracle's answers, kept in a folder.

    Open it with :meth:`locked`, which holds the folder's lock until the block ends: load,
    change and :meth:`save` inside one block.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from svpkit.cli.state import StateFolder
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "al"
    >>> with StateFolder.locked(folder, pool_digest="abc", labels="label", n_rows=10) as state:
    ...     state.merge({3: "cat", 7: "dog"}, source="answers.csv")
    ...     state.save()
    (2, 0)
    >>> with StateFolder.locked(folder, pool_digest="abc", labels="label", n_rows=10) as state:
    ...     sorted(state.answers.items())
    [(3, 'cat'), (7, 'dog')]
    """

    def __init__(self, folder: Path, pool_digest: str, labels: str | None, n_rows: int) -> None:
        self.folder = Path(folder)
        self.file = self.folder / STATE_FILE
        self.answers_file = self.folder / ANSWERS_COPY
        self.n_rows = n_rows
        self.data: dict[str, Any] = {
            "version": STATE_VERSION,
            "pool_sha256": pool_digest,
            "labels": labels,
            "rounds": [],
        }
        self.answers: dict[int, Any] = {}
        self._load(pool_digest)

    @classmethod
    @contextmanager
    def locked(
        cls,
        folder: str | Path,
        *,
        pool_digest: str,
        labels: str | None,
        n_rows: int,
        wait: float = 0.0,
    ) -> Iterator[StateFolder]:
        """The state in ``folder`` (created if missing), its lock held for the block.

        ``wait`` is how many seconds to wait for another process's lock before giving up with
        a :class:`~svpkit.cli.io.UserError`."""
        from filelock import FileLock, Timeout

        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise UserError(f"--state {folder} is a file; pass a folder")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create the --state folder {folder}: {exc}") from None
        lock = FileLock(str(folder / LOCK_FILE), timeout=wait)
        try:
            lock.acquire()
        except Timeout:
            raise UserError(
                f"the state folder {folder} is in use by another svpkit process (it holds "
                f"{folder / LOCK_FILE}); nothing was changed. Run again when it is done, or "
                f"pass --wait SECONDS to wait for it" + (f" (waited {wait:g} s)" if wait else "")
            ) from None
        except OSError as exc:
            raise UserError(f"cannot lock the state folder {folder}: {exc}") from None
        try:
            _remove_orphans(folder)
            yield cls(folder, pool_digest, labels, n_rows)
        finally:
            lock.release()

    # -- reading ---------------------------------------------------------------------------

    def _damaged(self, file: Path, what: str) -> UserError:
        return UserError(
            f"{file} is damaged: {what}. Nothing was changed; restore the folder from a backup, "
            "or pass a new --state folder"
        )

    def _load(self, pool_digest: str) -> None:
        if not self.file.exists():
            if self.answers_file.exists():
                raise UserError(
                    f"{self.folder} holds {ANSWERS_COPY} but no {STATE_FILE}: a state folder "
                    "left half-written (by svpkit 0.x, killed during its first save) or not "
                    f"one of svpkit's. Nothing was changed: move {ANSWERS_COPY} out, pass it "
                    "to --merge with a new --state folder"
                )
            return
        try:
            data = json.loads(self.file.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise self._damaged(self.file, f"it is not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise self._damaged(self.file, "it holds no object of fields")
        version = data.get("version")
        if version not in (1, STATE_VERSION):
            raise UserError(
                f"{self.file} has state version {version!r}; this svpkit reads versions 1 and "
                f"{STATE_VERSION} (a newer svpkit wrote it?)"
            )
        if not isinstance(data.get("pool_sha256"), str):
            raise self._damaged(self.file, "no 'pool_sha256' field (the pool it belongs to)")
        if data["pool_sha256"] != pool_digest:
            raise UserError(
                f"the state in {self.folder} belongs to another pool file (its hash differs); "
                "use a new --state folder for this pool"
            )
        self._check_rounds(data.get("rounds"))
        if version == 1:  # answers in answers.csv; the next save upgrades the folder
            self.answers = self._answers_from_csv()
        else:
            self.answers = self._answers_from_state(data.get("answers"))
        data["version"] = STATE_VERSION
        self.data = data

    def _check_rows(self, rows: Any, where: str, file: Path) -> list[int]:
        if not isinstance(rows, list) or not all(
            isinstance(r, Integral) and not isinstance(r, bool) for r in rows
        ):
            raise self._damaged(file, f"{where}: rows must be a list of whole numbers")
        bad = [r for r in rows if not 0 <= r < self.n_rows]
        if bad:
            raise self._damaged(
                file, f"{where}: row {bad[0]} is outside the pool's rows 0..{self.n_rows - 1}"
            )
        if len(set(rows)) != len(rows):
            twice = next(r for r in rows if rows.count(r) > 1)
            raise self._damaged(file, f"{where}: row {twice} is listed twice")
        return [int(r) for r in rows]

    def _check_rounds(self, rounds: Any) -> None:
        if not isinstance(rounds, list):
            raise self._damaged(self.file, "no 'rounds' list (the rounds asked so far)")
        for i, entry in enumerate(rounds, start=1):
            where = f"round {i}"
            if not isinstance(entry, dict) or entry.get("round") != i:
                raise self._damaged(self.file, f"{where} is missing or numbered out of order")
            rows = self._check_rows(entry.get("rows"), where, self.file)
            scores = entry.get("scores")
            if not isinstance(scores, list) or len(scores) != len(rows):
                raise self._damaged(self.file, f"{where}: one score per row is needed")
            if not all(isinstance(s, Real) and not isinstance(s, bool) for s in scores):
                raise self._damaged(self.file, f"{where}: scores must be numbers")

    def _answers_from_state(self, answers: Any) -> dict[int, Any]:
        if not isinstance(answers, dict):
            raise self._damaged(self.file, "no 'answers' field (the answers merged so far)")
        rows = self._check_rows(answers.get("rows"), "answers", self.file)
        labels = answers.get("labels")
        if not isinstance(labels, list) or len(labels) != len(rows):
            raise self._damaged(self.file, "answers: one label per row is needed")
        for row, label in zip(rows, labels, strict=True):
            if not isinstance(label, (str, Integral, Real)) or (
                isinstance(label, float) and not math.isfinite(label)
            ):
                raise self._damaged(self.file, f"answers: row {row} has no valid label")
        return dict(zip(rows, labels, strict=True))

    def _answers_from_csv(self) -> dict[int, Any]:
        if not self.answers_file.exists():
            return {}
        frame = read_table(self.answers_file, text_columns=["label"])
        if list(frame.columns) != ["row", "label"]:
            raise self._damaged(self.answers_file, "its columns must be row,label")
        raw_rows = frame["row"].to_numpy()
        if not np.issubdtype(raw_rows.dtype, np.integer):
            raise self._damaged(self.answers_file, "a row is empty or not a whole number")
        rows = self._check_rows(raw_rows.tolist(), "answers", self.answers_file)
        labels, empty = split_labels(frame["label"])
        if empty.any():
            row = rows[int(np.flatnonzero(empty)[0])]
            raise self._damaged(self.answers_file, f"row {row} has no label (truncated?)")
        return {row: _plain(label) for row, label in zip(rows, labels, strict=True)}

    # -- using -----------------------------------------------------------------------------

    @property
    def rounds(self) -> list[dict]:
        return self.data["rounds"]

    def open_round(self) -> dict | None:
        """The last round if some of its rows have no answer yet."""
        if self.rounds and any(r not in self.answers for r in self.rounds[-1]["rows"]):
            return self.rounds[-1]
        return None

    def merge(self, answers: dict[int, Any], source: str) -> tuple[int, int]:
        """Add ``answers``; returns ``(new, already_held)``. An answer that contradicts one the
        folder already holds is refused (with its row), and nothing is added."""
        clashes = [
            r for r, label in answers.items() if r in self.answers and self.answers[r] != label
        ]
        if clashes:
            row = clashes[0]
            raise UserError(
                f"answers file {source}: row {row} is answered {_plain(answers[row])!r}, but "
                f"{self.folder} already holds {self.answers[row]!r} for it ({len(clashes)} such "
                "rows); nothing was merged. Correct the file (or the folder) so they agree"
            )
        new = {r: _plain(label) for r, label in answers.items() if r not in self.answers}
        self.answers.update(new)
        return len(new), len(answers) - len(new)

    def add_round(self, record: dict[str, Any]) -> dict[str, Any]:
        """Record a new round (numbered after the last one) and return it."""
        entry = {"round": len(self.rounds) + 1, **record}
        self.rounds.append(entry)
        return entry

    def save(self) -> None:
        """Write the state (one atomic replace), then the readable copy of the answers."""
        import pandas as pd

        from .select import write_csv, write_json

        rows = sorted(self.answers)
        self.data["answers"] = {"rows": rows, "labels": [self.answers[r] for r in rows]}
        write_json(self.data, self.file)
        frame = pd.DataFrame({"row": rows, "label": [self.answers[r] for r in rows]})
        write_csv(frame, self.answers_file)
