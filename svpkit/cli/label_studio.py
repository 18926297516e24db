"""The Label Studio round trip of ``svpkit query``: import files out, JSON exports back in.

``svpkit query ... --format label-studio --out batch.json`` writes the round's rows as Label
Studio tasks (a JSON list): ``data`` holds what the annotator sees (``text`` or ``image``) and
the svpkit row id, ``meta`` the row id again, and ``predictions`` the proxy's guess. After
annotation, ``svpkit query ... --merge export.json`` reads Label Studio's JSON export and
merges its answers as a CSV of answers is merged.

The row id is written to ``data`` as well as ``meta`` because ``data`` is what every Label
Studio export keeps (``meta`` is kept by the JSON export, but by no flat format); it is read
from ``meta`` first, then ``data``. Nothing here imports Label Studio: the files are plain
JSON, in the shapes of Label Studio's task format (https://labelstud.io/guide/task_format).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from numbers import Integral
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

import numpy as np

from .io import UserError, write_atomic

FORMATS = ("csv", "label-studio")
#: Label Studio serves a file of its local-files document root at this URL (plus the path
#: relative to the root, URL-quoted), once ``LOCAL_FILES_SERVING_ENABLED`` is set.
LOCAL_FILES_PREFIX = "/data/local-files/?d="
#: One model version for every round: Label Studio pre-labels with the predictions of the
#: project's model version, which it sets from the first predictions imported. A version per
#: round would hide the guesses of every round after the first.
MODEL_VERSION = "svpkit"
#: A numeric row is shown as its first features (a pointer for the annotator, not the item).
SHOWN_FEATURES = 8

__all__ = [
    "FORMATS",
    "ExportAnswers",
    "export_answers",
    "image_url",
    "labeling_config",
    "make_tasks",
    "read_json_tasks",
    "resolve_annotations",
    "write_tasks",
]


# -- what the annotator sees -----------------------------------------------------------------


def image_url(path: str | Path, root: str | Path = "/", prefix: str = LOCAL_FILES_PREFIX) -> str:
    """The URL Label Studio opens for an image file: ``prefix`` + the path relative to
    ``root``, URL-quoted as Label Studio's own local-files storage quotes it.

    Parameters
    ----------
    path : str or Path
        The image file.
    root : str or Path, default="/"
        Label Studio's ``LOCAL_FILES_DOCUMENT_ROOT`` (its default is ``/``).
    prefix : str, default="/data/local-files/?d="
        What comes before the relative path: Label Studio's local-files URL, or a bucket's
        (``s3://bucket/``) when the files are served from a copy of ``root`` there.

    Returns
    -------
    url : str

    Examples
    --------
    >>> from svpkit.cli.label_studio import image_url
    >>> image_url("/data/pets/cat 1.png", root="/data")
    '/data/local-files/?d=pets/cat%201.png'
    >>> image_url("/data/pets/dog.png", root="/data", prefix="s3://bucket/")
    's3://bucket/pets/dog.png'
    """
    file, base = Path(path).resolve(), Path(root).resolve()
    try:
        relative = file.relative_to(base)
    except ValueError:
        raise UserError(
            f"the image {file} is not under --image-root {base}: pass the folder Label Studio "
            "serves (its LOCAL_FILES_DOCUMENT_ROOT) or one above the images"
        ) from None
    return prefix + quote(relative.as_posix())


def _feature_text(values: np.ndarray, names: Sequence[str]) -> str:
    """``px0=0, px1=3.5, ... (64 features)``: the first :data:`SHOWN_FEATURES` features."""
    shown = ", ".join(
        f"{name}={float(value):.6g}"
        for name, value in zip(names[:SHOWN_FEATURES], values[:SHOWN_FEATURES], strict=False)
    )
    more = f", ... ({len(values)} features)" if len(values) > SHOWN_FEATURES else ""
    return shown + more


def shown_data(
    pool: Any, rows: Sequence[int], *, image_root: str | Path = "/", image_prefix: str = ""
) -> tuple[str, list[Any]]:
    """``(key, values)``: the ``data`` key Label Studio shows (``text`` or ``image``) and its
    value for each row. Texts as they are; image files as :func:`image_url`; numeric rows as
    their first features, named (a table's columns; ``x0, x1, ...`` for arrays)."""
    rows = np.asarray(rows, dtype=np.int64)
    if pool.kind == "images":
        prefix = image_prefix or LOCAL_FILES_PREFIX
        return "image", [image_url(p, image_root, prefix) for p in np.asarray(pool.paths)[rows]]
    if pool.kind == "text":
        return "text", [str(pool.X[r]) for r in rows]
    X = np.asarray(pool.X[rows]).reshape(len(rows), -1)
    names = list(pool.columns) or [f"x{i}" for i in range(X.shape[1])]
    return "text", [_feature_text(x, names) for x in X]


# -- the proxy's guesses ---------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def proxy_guesses(
    selector: Any, X: Any, rows: Sequence[int], proba: Any = None
) -> tuple[list | None, list | None, str]:
    """``(labels, confidences, why_none)``: the class the fitted selector's proxy gives each
    row and its probability, read from the ``--proba`` array when one was given. None (with
    the reason) when there is no class to guess (a regression target, no labeled row) or no
    proxy was trained (``random``, ``typiclust``; ``--embedding`` or ``--scores`` given)."""
    classes = getattr(selector, "classes_", None)
    if classes is None or len(classes) == 0:
        return None, None, "no class is known yet"
    rows = np.asarray(rows, dtype=np.int64)
    if proba is not None:  # its columns follow the sorted labels, as classes_ does
        p = np.asarray(proba, dtype=np.float64)[rows]
        codes = np.arange(p.shape[1])
    elif getattr(selector, "proxy_", None) is not None:
        from .. import _validation as v
        from ..pools import make_pool

        pool = make_pool(v.take_rows(X, rows), selector, reset=False)
        p = np.asarray(pool.fitted_outputs(selector.proxy_, frozenset({"proba"})).proba)
        # the columns follow the classes the proxy was trained on (codes into classes_)
        codes = np.asarray(getattr(selector.proxy_, "classes_", np.arange(p.shape[1])))
    elif getattr(selector, "precomputed_", ()):
        return None, None, f"--{selector.precomputed_[0]} stands in for a proxy"
    else:
        return None, None, f"--method {selector.method_} trains no proxy"
    best = p.argmax(axis=1)
    labels = [_plain(classes[int(c)]) for c in codes[best]]
    confidences = [float(f"{x:.6g}") for x in p[np.arange(len(rows)), best]]
    return labels, confidences, ""


# -- the import file -------------------------------------------------------------------------


def _number(x: float) -> float | None:
    """A score as JSON can hold it (NaN and inf are not JSON)."""
    x = float(x)
    return float(f"{x:.9g}") if math.isfinite(x) else None


def make_tasks(
    rows: Sequence[int],
    scores: Sequence[float],
    shown: tuple[str, Sequence[Any]],
    *,
    round_: int | None,
    guesses: tuple[Sequence | None, Sequence | None] = (None, None),
    from_name: str = "label",
    to_name: str | None = None,
) -> list[dict[str, Any]]:
    """Label Studio tasks for the rows to label, best first.

    Parameters
    ----------
    rows, scores : sequence
        The pool rows (0-based) and their selection scores (larger: asked first).
    shown : (str, sequence)
        The ``data`` key Label Studio shows (``"text"`` or ``"image"``) and one value per row.
    round_ : int or None
        The state folder's round (None without ``--state``).
    guesses : (sequence or None, sequence or None)
        The proxy's class for each row and its probability; ``(None, None)``: no predictions.
    from_name, to_name : str
        The names of the labeling config's ``Choices`` and of the object it labels
        (``to_name`` None: the ``shown`` key).

    Returns
    -------
    tasks : list of dict
        ``{"data": {...}, "meta": {...}, "predictions": [...]}`` per row.

    Examples
    --------
    >>> from svpkit.cli.label_studio import make_tasks
    >>> task = make_tasks([7], [0.93], ("text", ["a fine film"]), round_=2,
    ...                   guesses=(["pos"], [0.61]))[0]
    >>> task["data"]["text"], task["data"]["svpkit_row"], task["data"]["svpkit_score"]
    ('a fine film', 7, 0.93)
    >>> task["meta"]
    {'svpkit_row': 7, 'svpkit_round': 2}
    >>> task["predictions"][0]["result"][0]["value"], task["predictions"][0]["score"]
    ({'choices': ['pos']}, 0.61)
    """
    key, values = shown
    to_name = to_name or key
    labels, confidences = guesses
    tasks = []
    for i, (row, score, value) in enumerate(zip(rows, scores, values, strict=True)):
        ids = {"svpkit_row": int(row), "svpkit_round": round_}
        task: dict[str, Any] = {
            "data": {key: value, **ids, "svpkit_rank": i + 1, "svpkit_score": _number(score)},
            "meta": dict(ids),
        }
        if labels is not None and confidences is not None:
            choice = {"choices": [str(labels[i])]}
            result = {"from_name": from_name, "to_name": to_name, "type": "choices"}
            task["predictions"] = [
                {
                    "model_version": MODEL_VERSION,
                    "score": confidences[i],
                    "result": [{**result, "value": choice}],
                }
            ]
        tasks.append(task)
    return tasks


def write_tasks(tasks: list[dict[str, Any]], path: Path) -> None:
    """Write an import file atomically: UTF-8 JSON, texts as written (not ``\\u`` escapes)."""
    text = json.dumps(tasks, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    write_atomic(path, lambda fh: fh.write(text))


def labeling_config(
    key: str, classes: Sequence[Any], from_name: str = "label", to_name: str | None = None
) -> str:
    """The Label Studio labeling config that matches the import file: the ``text`` or
    ``image`` shown, and one ``Choice`` per class.

    Examples
    --------
    >>> from svpkit.cli.label_studio import labeling_config
    >>> print(labeling_config("text", [0, 1]))
    <View>
      <Text name="text" value="$text"/>
      <Choices name="label" toName="text" choice="single" showInline="true">
        <Choice value="0"/>
        <Choice value="1"/>
      </Choices>
    </View>
    """
    if not len(classes):
        raise UserError(
            "--label-config lists the classes, and no class is known yet (no labeled row): "
            "write the labeling config by hand with your classes (docs/label_studio.md shows "
            "one), or label a few rows first"
        )
    to_name = to_name or key
    tag = "Image" if key == "image" else "Text"
    choices = "\n".join(f"    <Choice value={quoteattr(str(c))}/>" for c in classes)
    return (
        f"<View>\n  <{tag} name={quoteattr(to_name)} value={quoteattr('$' + key)}/>\n"
        f"  <Choices name={quoteattr(from_name)} toName={quoteattr(to_name)} "
        f'choice="single" showInline="true">\n{choices}\n  </Choices>\n</View>'
    )


# -- the export ------------------------------------------------------------------------------


def read_json_tasks(path: str | Path) -> list | None:
    """The tasks of a Label Studio JSON export, or None when the file is not JSON (a CSV of
    answers: it starts with neither ``[`` nor ``{``). JSON that does not parse, and JSON that
    is not a list of task objects, are refused with the reason.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from svpkit.cli.label_studio import read_json_tasks
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("row,label\\n3,cat\\n")
    >>> read_json_tasks(folder / "a.csv") is None
    True
    >>> _ = (folder / "e.json").write_text('[{"id": 1, "data": {}, "annotations": []}]')
    >>> read_json_tasks(folder / "e.json")[0]["id"]
    1
    """
    file = Path(path)
    if not file.is_file():  # a CSV's other faults are read_answers' to name
        return None
    with open(file, "rb") as fh:
        head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith((b"[", b"{")):
        return None
    try:
        tasks = json.loads(file.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UserError(
            f"answers file {file} starts like JSON but does not parse ({error}); export the "
            "project again from Label Studio (Export > JSON)"
        ) from None
    if not isinstance(tasks, list) or not all(isinstance(t, dict) for t in tasks):
        raise UserError(
            f"answers file {file} is JSON but not a list of tasks: svpkit reads Label Studio's "
            "JSON export (Export > JSON), a list of tasks with their annotations"
        )
    return tasks


@dataclass
class ExportAnswers:
    """What an export answers: ``labels`` by row (the choices, as text), and the rows left
    unlabeled (no annotation, or only skipped or empty ones) and tied (a tie broken by the
    latest annotation), for the summary line."""

    labels: dict[int, str] = field(default_factory=dict)
    unanswered: list[int] = field(default_factory=list)
    tied: list[int] = field(default_factory=list)
    n_tasks: int = 0


def _task_name(task: Mapping, index: int) -> str:
    task_id = task.get("id")
    return f"task {task_id}" if task_id is not None else f"task #{index + 1} (no id)"


def _row_of(task: Mapping, name: str, where: str) -> int | None:
    """The svpkit row a task holds: ``meta.svpkit_row``, else ``data.svpkit_row``."""
    found = []
    for part in ("meta", "data"):
        holder = task.get(part)
        if isinstance(holder, Mapping) and holder.get("svpkit_row") is not None:
            found.append((part, holder["svpkit_row"]))
    if not found:
        return None
    for part, row in found:
        whole = isinstance(row, Integral) or (isinstance(row, float) and row.is_integer())
        if isinstance(row, bool) or not whole:
            raise UserError(f"{where}: {name} has {part}.svpkit_row {row!r}, not a row number")
    rows = {int(row) for _, row in found}
    if len(rows) > 1:
        raise UserError(
            f"{where}: {name} has meta.svpkit_row {found[0][1]} but data.svpkit_row "
            f"{found[1][1]}; fix the task (svpkit writes the same row in both)"
        )
    return rows.pop()


def _when(annotation: Mapping, name: str, where: str) -> datetime:
    """When an annotation was last changed (``updated_at``, else ``created_at``), in UTC."""
    stamp = annotation.get("updated_at") or annotation.get("created_at")
    if stamp is None:
        return datetime.min.replace(tzinfo=timezone.utc)
    try:  # Python 3.10's fromisoformat reads no "Z"
        when = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"{where}: {name} has an annotation dated {stamp!r}, not a date") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _choice(annotation: Mapping, from_name: str, name: str, where: str) -> str | None:
    """The class an annotation chose under ``from_name`` (None: skipped or empty)."""
    if annotation.get("was_cancelled") or annotation.get("skipped"):
        return None
    result = annotation.get("result") or []
    if not isinstance(result, list):
        raise UserError(f"{where}: {name} has an annotation whose result is not a list")
    mine, others = [], set()
    for region in result:
        if not isinstance(region, Mapping) or region.get("type") != "choices":
            continue
        if region.get("from_name") != from_name:
            others.add(str(region.get("from_name")))
            continue
        value = region.get("value")
        choices = value.get("choices") if isinstance(value, Mapping) else None
        if not isinstance(choices, list):
            raise UserError(f"{where}: {name} has a choices result without a list of choices")
        mine.extend(choices)
    if not mine and others:
        raise UserError(
            f"{where}: {name} answers under {sorted(others)}, not under --from-name "
            f"{from_name!r}: pass the name of your config's Choices (--from-name "
            f"{sorted(others)[0]})"
        )
    if len(mine) > 1:
        raise UserError(
            f"{where}: {name} has {len(mine)} choices {mine} in one annotation; a row takes one "
            'class (choice="single" in the labeling config)'
        )
    if mine and not isinstance(mine[0], str):
        raise UserError(
            f"{where}: {name} has the choice {mine[0]!r} ({type(mine[0]).__name__}), not text: "
            "Label Studio writes choices as text; was the export edited?"
        )
    return mine[0] if mine else None


def _votes(annotations: Any, from_name: str, name: str, where: str) -> list[tuple]:
    """One vote per annotation that counts: ``(label, when, id, position, ground_truth)``."""
    if not isinstance(annotations, list):
        raise UserError(f"{where}: {name} has annotations that are not a list")
    votes = []
    for i, annotation in enumerate(annotations):
        if not isinstance(annotation, Mapping):
            raise UserError(f"{where}: {name} has an annotation that is not an object")
        label = _choice(annotation, from_name, name, where)
        if label is not None:
            ann_id = annotation.get("id")
            order = ann_id if isinstance(ann_id, int) and not isinstance(ann_id, bool) else -1
            truth = bool(annotation.get("ground_truth"))
            votes.append((label, _when(annotation, name, where), order, i, truth))
    return votes


def _decide(votes: list[tuple]) -> tuple[str | None, bool]:
    """The rule of several annotators over the votes: ``(label, tied)``."""
    if any(v[4] for v in votes):  # a reviewer's ground truth overrides the others
        votes = [v for v in votes if v[4]]
    if not votes:
        return None, False
    counts = Counter(v[0] for v in votes)
    top = max(counts.values())
    leaders = {label for label, n in counts.items() if n == top}
    if len(leaders) == 1:
        return leaders.pop(), False
    latest = max((v for v in votes if v[0] in leaders), key=lambda v: v[1:4])
    return latest[0], True


def resolve_annotations(
    annotations: Sequence[Mapping],
    from_name: str = "label",
    *,
    name: str = "task",
    where: str = "Label Studio export",
) -> tuple[str | None, bool]:
    """``(label, tied)``: the class a task's annotations give, by the rule of several
    annotators.

    Skipped (``was_cancelled``) and empty annotations do not count. When a reviewer marked
    annotations as ground truth, only those count. The class most annotations chose wins; a
    tie goes to the annotation changed last (``updated_at``, else ``created_at``; then the
    higher annotation id), and ``tied`` says so. No annotation that counts: ``(None, False)``,
    the row stays unlabeled.

    Examples
    --------
    >>> from svpkit.cli.label_studio import resolve_annotations
    >>> def said(label, at, **more):
    ...     return {"result": [{"from_name": "label", "to_name": "text", "type": "choices",
    ...              "value": {"choices": [label]}}], "updated_at": at, **more}
    >>> resolve_annotations([said("cat", "2024-01-01T10:00Z"), said("dog", "2024-01-02T10:00Z"),
    ...                      said("cat", "2024-01-03T10:00Z")])
    ('cat', False)
    >>> resolve_annotations([said("cat", "2024-01-01T10:00Z"), said("dog", "2024-01-02T10:00Z")])
    ('dog', True)
    >>> resolve_annotations([said("cat", "2024-01-01T10:00Z", was_cancelled=True)])
    (None, False)
    """
    return _decide(_votes(annotations, from_name, name, where))


def _round_of(task: Mapping) -> Any:
    """The round a task says it belongs to (``meta``, else ``data``; None: not said)."""
    for part in ("meta", "data"):
        holder = task.get(part)
        if isinstance(holder, Mapping) and holder.get("svpkit_round") is not None:
            return holder["svpkit_round"]
    return None


def export_answers(
    tasks: Sequence[Mapping],
    asked: Mapping[int, int],
    *,
    from_name: str = "label",
    where: str = "Label Studio export",
) -> ExportAnswers:
    """The answers of a Label Studio JSON export, by svpkit row.

    Each task is mapped to its row through ``meta.svpkit_row`` (or ``data.svpkit_row``);
    tasks of the same row (a batch imported twice) pool their annotations, resolved by
    :func:`resolve_annotations`. Refused, naming the task: an export with no task or without
    annotations (an import file, or a flat export), a task with no svpkit row (a foreign
    export), a row no round asked (``asked`` maps each asked row to its round) or asked in
    another round than the task says, and a choice that is not text. Predictions are never
    answers.

    Examples
    --------
    >>> from svpkit.cli.label_studio import export_answers
    >>> tasks = [{"id": 4, "data": {"svpkit_row": 12, "svpkit_round": 1}, "annotations": [
    ...     {"result": [{"from_name": "label", "to_name": "text", "type": "choices",
    ...                  "value": {"choices": ["cat"]}}]}]}]
    >>> export_answers(tasks, asked={12: 1}).labels
    {12: 'cat'}
    >>> export_answers(tasks, asked={3: 1})
    Traceback (most recent call last):
    ...
    svpkit.cli.io.UserError: Label Studio export: task 4 is row 12, which no round ...
    """
    if not tasks:
        raise UserError(f"{where} holds no task: export the project with its tasks")
    if not any("annotations" in t for t in tasks):
        flat = any("svpkit_row" in t for t in tasks)
        raise UserError(
            f"{where} has no 'annotations': "
            + (
                "it is a flat export (JSON-MIN or CSV); export as JSON (Export > JSON)"
                if flat
                else "it is not a Label Studio JSON export with annotations (an import file?); "
                "export the project as JSON (Export > JSON)"
            )
        )
    by_row: dict[int, list] = {}
    for index, task in enumerate(tasks):
        name = _task_name(task, index)
        row = _row_of(task, name, where)
        if row is None:
            raise UserError(
                f"{where}: {name} has no svpkit_row in its data or meta, so it is not a task "
                "svpkit wrote (export only the project you imported svpkit query --format "
                "label-studio files into)"
            )
        if row not in asked:
            raise UserError(
                f"{where}: {name} is row {row}, which no round of this --state folder asked "
                "(an export of another pool or state folder?); nothing was merged"
            )
        said_round = _round_of(task)
        if said_round is not None and said_round != asked[row]:
            raise UserError(
                f"{where}: {name} says round {said_round}, but this --state folder asked row "
                f"{row} in round {asked[row]} (an export of another state folder?); nothing "
                "was merged"
            )
        votes = _votes(task.get("annotations", []), from_name, name, where)
        by_row.setdefault(row, []).extend(votes)
    out = ExportAnswers(n_tasks=len(tasks))
    for row, votes in by_row.items():
        label, tied = _decide(votes)
        if label is None:
            out.unanswered.append(row)
            continue
        out.labels[row] = label
        if tied:
            out.tied.append(row)
    return out
