"""``svpkit query --format label-studio`` and ``--merge EXPORT.json``: the Label Studio round trip.

The exports built here follow the JSON export of a real Label Studio 1.23.2 server (recorded
from one: ``_REAL_TASK``), and two optional tests check the files against Label Studio itself:
its SDK (labeling config, predictions, export converter) and a local server (import, annotate
through the API, export, merge). Both run with a Python that has ``label-studio`` installed,
found through ``SVPKIT_LABEL_STUDIO_VENV`` (default ``/work/cache/ls-venv``); they are skipped
without one. The server test also needs ``SVPKIT_LABEL_STUDIO_SERVER=1``: a first start runs
about a minute of migrations, too long and too load-sensitive for every CI run.
label-studio-sdk pins ``opencv-python-headless<4.13``, hence ``numpy<2.3``: it lives in a venv
of its own rather than in the test extra.
"""

import copy
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from svpkit.cli import main
from svpkit.cli.io import UserError
from svpkit.cli.label_studio import (
    MODEL_VERSION,
    export_answers,
    labeling_config,
    resolve_annotations,
)

FAST = ["--proxy-epochs", "2", "--quiet"]
STAMP = "2026-12-08T00:56:50.828209Z"

#: One task of a real JSON export (Label Studio 1.23.2, ``GET /api/projects/1/export?
#: exportType=JSON``) of an import file svpkit wrote: ``meta`` is kept, ``predictions`` are
#: ids, and each annotation embeds the prediction it started from.
_REAL_TASK = {
    "id": 1,
    "annotations": [
        {
            "id": 1,
            "completed_by": 1,
            "result": [
                {
                    "from_name": "label",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": ["0"]},
                }
            ],
            "was_cancelled": False,
            "ground_truth": False,
            "created_at": "2026-12-08T00:56:50.828209Z",
            "updated_at": "2026-12-08T00:56:50.828242Z",
            "draft_created_at": None,
            "lead_time": None,
            "prediction": {
                "id": 1,
                "result": [
                    {
                        "from_name": "label",
                        "to_name": "text",
                        "type": "choices",
                        "value": {"choices": ["6"]},
                    }
                ],
                "model_version": "svpkit",
                "score": 0.252255,
                "task": 1,
                "project": 1,
            },
            "result_count": 1,
            "unique_id": "fc8ff12e-4b52-4ddc-924d-a57ecb5ae160",
            "import_id": None,
            "last_action": None,
            "bulk_created": False,
            "task": 1,
            "project": 1,
            "updated_by": 1,
            "parent_prediction": None,
            "parent_annotation": None,
            "last_created_by": None,
        }
    ],
    "drafts": [],
    "predictions": [1],
    "data": {
        "text": "px0=0, px1=0, px2=2, px3=12, px4=12, px5=0, px6=0, px7=0, ... (64 features)",
        "svpkit_row": 242,
        "svpkit_round": 1,
        "svpkit_rank": 1,
        "svpkit_score": 0.998913288,
    },
    "meta": {"svpkit_row": 242, "svpkit_round": 1},
    "created_at": "2026-12-08T00:56:50.541072Z",
    "updated_at": "2026-12-08T00:56:50.989912Z",
    "allow_skip": True,
    "inner_id": 1,
    "total_annotations": 1,
    "cancelled_annotations": 0,
    "total_predictions": 1,
    "comment_count": 0,
    "unresolved_comment_count": 0,
    "last_comment_updated_at": None,
    "project": 1,
    "updated_by": 1,
    "comment_authors": [],
}


# -- pools and Label Studio's side -------------------------------------------------------------


@pytest.fixture
def digits(tmp_path, digits_frame):
    """The digits pool with 40 labeled rows (4 a class) and the rest blank; the true labels."""
    frame = digits_frame.drop(columns="note").copy()
    truth = frame["label"].to_numpy()
    seed_rows = np.concatenate([np.flatnonzero(truth == c)[:4] for c in range(10)])
    frame["label"] = frame["label"].astype(object)
    frame.loc[~frame.index.isin(seed_rows), "label"] = None
    path = tmp_path / "pool.csv"
    frame.to_csv(path, index=False)
    return path, truth


@pytest.fixture
def reviews(tmp_path):
    """A text pool: 60 short reviews of two classes, 10 labeled."""
    rng = np.random.default_rng(0)
    words = {"pos": ["good", "great", "fine", "lovely"], "neg": ["bad", "awful", "poor", "dull"]}
    truth = np.array(["pos", "neg"] * 30, dtype=object)
    texts = [" ".join(rng.choice(words[t], 4)) + f" film {i}" for i, t in enumerate(truth)]
    labels = truth.copy()
    labels[10:] = None
    path = tmp_path / "reviews.csv"
    pd.DataFrame({"review": texts, "label": labels}).to_csv(path, index=False)
    return path, truth, texts


def _query(pool, state, out, *extra, fmt="label-studio"):
    argv = ["query", str(pool), "--labels", "label", "--state", str(state), "--out", str(out)]
    return main([*argv, "--format", fmt, *extra, *FAST])


def _merge(pool, state, export, *extra):
    argv = ["query", str(pool), "--labels", "label", "--state", str(state), "--merge"]
    return main([*argv, str(export), *extra, "--quiet"])


def _annotation(ann_id, choice, *, at=STAMP, cancelled=False, truth=False, name="label"):
    """An annotation as Label Studio exports it (``choice`` None: an empty result)."""
    annotation = copy.deepcopy(_REAL_TASK["annotations"][0])
    result = annotation["result"][0]
    result.update(from_name=name, value={"choices": [choice]})
    annotation.update(
        id=ann_id,
        result=[] if choice is None else [result],
        was_cancelled=cancelled,
        ground_truth=truth,
        created_at=at,
        updated_at=at,
    )
    return annotation


def _export(tasks, answer, first_id=1):
    """A Label Studio JSON export of the imported ``tasks``: ``answer(task)`` gives each task's
    annotations (its data and meta are kept, its predictions become ids)."""
    exported = []
    for i, task in enumerate(tasks):
        entry = copy.deepcopy(_REAL_TASK)
        entry.update(
            id=first_id + i,
            inner_id=first_id + i,
            data=task["data"],
            meta=task["meta"],
            predictions=list(range(len(task.get("predictions", [])))),
            annotations=answer(task),
        )
        exported.append(entry)
    return exported


def _truthful(truth):
    """Every task answered with its true class, by one annotator."""
    return lambda task: [_annotation(1, str(truth[task["data"]["svpkit_row"]]))]


def _write(path, data):
    path.write_text(json.dumps(data))
    return path


def _state(folder):
    return json.loads((Path(folder) / "state.json").read_text())


# -- the import file ---------------------------------------------------------------------------


def test_import_file_of_a_text_pool(tmp_path, reviews):
    path, truth, texts = reviews
    out, config = tmp_path / "batch.json", tmp_path / "config.xml"
    extra = ["--text-column", "review", "--budget", "6", "--method", "margin"]
    extra += ["--label-config", str(config)]
    assert _query(path, tmp_path / "st", out, *extra) == 0
    tasks = json.loads(out.read_text())
    assert len(tasks) == 6
    for rank, task in enumerate(tasks, start=1):
        row = task["data"]["svpkit_row"]
        assert set(task) == {"data", "meta", "predictions"}
        assert task["data"]["text"] == texts[row] and truth[row] is not None
        assert task["data"]["svpkit_rank"] == rank and task["data"]["svpkit_round"] == 1
        assert task["meta"] == {"svpkit_row": row, "svpkit_round": 1}
        assert row >= 10  # only unlabeled rows
        (prediction,) = task["predictions"]
        assert set(prediction) == {"model_version", "score", "result"}
        assert prediction["model_version"] == MODEL_VERSION and 0 < prediction["score"] <= 1
        assert prediction["result"] == [
            {
                "from_name": "label",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": [prediction["result"][0]["value"]["choices"][0]]},
            }
        ]
        assert prediction["result"][0]["value"]["choices"][0] in {"pos", "neg"}
    scores = [t["data"]["svpkit_score"] for t in tasks]
    assert scores == sorted(scores, reverse=True)
    assert config.read_text() == labeling_config("text", ["neg", "pos"]) + "\n"
    assert '<Text name="text" value="$text"/>' in config.read_text()


def test_import_file_of_a_numeric_pool_names_its_features(tmp_path, digits):
    path, _ = digits
    out = tmp_path / "batch.json"
    names = ["--from-name", "digit", "--to-name", "row"]
    assert _query(path, tmp_path / "st", out, "--budget", "4", "--method", "margin", *names) == 0
    frame = pd.read_csv(path)
    for task in json.loads(out.read_text()):
        row = task["data"]["svpkit_row"]
        shown = task["data"]["text"]
        assert shown.startswith(f"px0={frame.loc[row, 'px0']:.6g}, px1=")
        assert shown.endswith("... (64 features)") and shown.count("=") == 8
        result = task["predictions"][0]["result"][0]
        assert (result["from_name"], result["to_name"]) == ("digit", "row")


def test_predictions_carry_the_predicted_class_and_its_probability(tmp_path, digits):
    """With --proba the guesses are known exactly: the argmax class and its probability."""
    path, truth = digits
    rng = np.random.default_rng(1)
    proba = rng.dirichlet(np.ones(10), size=len(truth))
    np.save(tmp_path / "proba.npy", proba)
    out = tmp_path / "batch.json"
    extra = ["--budget", "8", "--method", "margin", "--proba", str(tmp_path / "proba.npy")]
    assert _query(path, tmp_path / "st", out, *extra) == 0
    tasks = json.loads(out.read_text())
    rows = [t["data"]["svpkit_row"] for t in tasks]
    guessed = [t["predictions"][0]["result"][0]["value"]["choices"] for t in tasks]
    assert guessed == [[str(proba[r].argmax())] for r in rows]
    assert [t["predictions"][0]["score"] for t in tasks] == pytest.approx(
        proba[rows].max(axis=1), rel=1e-5
    )
    saved = _state(tmp_path / "st")["rounds"][0]
    assert saved["predicted"] == [int(proba[r].argmax()) for r in rows]


def test_a_method_without_a_proxy_writes_no_predictions_and_says_so(tmp_path, digits, capsys):
    path, _ = digits
    out = tmp_path / "batch.json"
    argv = ["query", str(path), "--labels", "label", "--budget", "3", "--out", str(out)]
    assert main([*argv, "--format", "label-studio", "--method", "random"]) == 0
    assert "no predictions: --method random trains no proxy" in capsys.readouterr().out
    tasks = json.loads(out.read_text())
    assert all("predictions" not in t for t in tasks)
    assert all(t["data"]["svpkit_round"] is None for t in tasks)  # no --state: no round


def test_image_tasks_point_at_label_studio_local_files(tmp_path, monkeypatch):
    from tests.images.helpers import make_folder

    monkeypatch.setenv("SVPKIT_CACHE_DIR", str(tmp_path / "cache"))
    make_folder(tmp_path / "img", n_per_class=6, side=8)
    files = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "img").rglob("*.png"))
    kinds = [f.split("/")[1] if i % 3 == 0 else None for i, f in enumerate(files)]
    pd.DataFrame({"file": files, "kind": kinds}).to_csv(tmp_path / "list.csv", index=False)
    out, config = tmp_path / "batch.json", tmp_path / "config.xml"
    argv = ["query", str(tmp_path / "list.csv"), "--labels", "kind", "--image-column", "file"]
    ls_options = ["--format", "label-studio", "--image-root", str(tmp_path)]
    extra = ["--label-config", str(config), "--method", "margin", "--proxy-epochs", "1"]
    assert main([*argv, *ls_options, *extra, "--budget", "3", "--out", str(out), "--quiet"]) == 0
    for task in json.loads(out.read_text()):
        assert task["data"]["image"] == "/data/local-files/?d=" + files[task["data"]["svpkit_row"]]
        assert task["predictions"][0]["result"][0]["to_name"] == "image"
    assert '<Image name="image" value="$image"/>' in config.read_text()
    outside = ["--image-root", str(tmp_path / "cache")]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--format", "label-studio", *outside, "--budget", "3", "--out", str(out)])
    assert exit_info.value.code == 2


# -- the round trip ----------------------------------------------------------------------------


def test_three_rounds_through_label_studio_end_with_the_right_labels(tmp_path, digits, capsys):
    path, truth = digits
    state, project = tmp_path / "st", []  # project: every task imported so far
    for round_ in range(1, 4):
        out = tmp_path / f"batch{round_}.json"
        assert _query(path, state, out, "--budget", "10", "--method", "margin") == 0
        batch = json.loads(out.read_text())
        assert {t["data"]["svpkit_round"] for t in batch} == {round_}
        project += batch
        # Label Studio exports the whole project: earlier rounds' tasks come back, harmlessly
        export = _write(tmp_path / f"export{round_}.json", _export(project, _truthful(truth)))
        capsys.readouterr()
        assert _merge(path, state, export) == 0
    saved = _state(state)
    assert [r["n_labeled"] for r in saved["rounds"]] == [40, 50, 60]
    rows = saved["answers"]["rows"]
    assert len(rows) == 30 and saved["answers"]["labels"] == truth[rows].tolist()
    asked = [r for entry in saved["rounds"] for r in entry["rows"]]
    assert sorted(asked) == rows


def test_cancelled_tasks_stay_unlabeled_and_are_asked_again(tmp_path, digits, capsys):
    path, truth = digits
    state, out = tmp_path / "st", tmp_path / "batch.json"
    assert _query(path, state, out, "--budget", "6", "--method", "margin") == 0
    batch = json.loads(out.read_text())
    skipped = {batch[1]["data"]["svpkit_row"], batch[4]["data"]["svpkit_row"]}

    def answer(task):
        row = task["data"]["svpkit_row"]
        if row == batch[1]["data"]["svpkit_row"]:  # skipped in the labeling UI
            return [_annotation(1, None, cancelled=True)]
        if row == batch[4]["data"]["svpkit_row"]:  # opened, submitted with no choice
            return [_annotation(2, None)]
        return [_annotation(3, str(truth[row]))]

    export = _write(tmp_path / "export.json", _export(batch, answer))
    capsys.readouterr()
    argv = ["query", str(path), "--labels", "label", "--state", str(state), "--merge", str(export)]
    assert main(argv) == 0
    said = capsys.readouterr().out
    assert "merged 4 new answers" in said and "2 rows skipped or not annotated" in said
    assert set(_state(state)["answers"]["rows"]) == {t["data"]["svpkit_row"] for t in batch} - (
        skipped
    )
    again = tmp_path / "again.json"
    assert _query(path, state, again, "--budget", "6") == 0
    retry = json.loads(again.read_text())
    assert {t["data"]["svpkit_row"] for t in retry} == skipped
    first = {t["data"]["svpkit_row"]: t["predictions"] for t in batch}
    assert all(t["predictions"] == first[t["data"]["svpkit_row"]] for t in retry)
    assert {t["data"]["svpkit_round"] for t in retry} == {1}
    export = _write(tmp_path / "export2.json", _export(retry, _truthful(truth), first_id=7))
    assert _merge(path, state, export) == 0
    assert _query(path, state, tmp_path / "next.json", "--budget", "6", "--method", "margin") == 0
    assert len(_state(state)["rounds"]) == 2 and len(_state(state)["answers"]["rows"]) == 6


# -- several annotators --------------------------------------------------------------------------


def _at(day):
    return f"2026-01-{day:02d}T10:00:00.000000Z"


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        pytest.param([("cat", 1), ("dog", 2), ("cat", 3)], ("cat", False), id="majority"),
        pytest.param([("cat", 1), ("dog", 2)], ("dog", True), id="tie-latest-wins"),
        pytest.param([("dog", 2), ("cat", 1)], ("dog", True), id="tie-order-free"),
        pytest.param(
            [("cat", 1), ("dog", 2, "x"), ("dog", 3, "x")], ("cat", False), id="skip-no-vote"
        ),
        pytest.param([("cat", 1), ("cat", 2), ("dog", 3, "t")], ("dog", False), id="ground-truth"),
        pytest.param([(None, 1), ("dog", 2, "x")], (None, False), id="nothing-counts"),
    ],
)
def test_several_annotators_follow_the_documented_rule(annotations, expected):
    built = []
    for i, (choice, day, *flag) in enumerate(annotations):
        cancelled, truth = flag == ["x"], flag == ["t"]
        built.append(_annotation(i + 1, choice, at=_at(day), cancelled=cancelled, truth=truth))
    assert resolve_annotations(built) == expected


def test_several_annotators_through_the_command(tmp_path, digits, capsys):
    path, truth = digits
    state, out = tmp_path / "st", tmp_path / "batch.json"
    assert _query(path, state, out, "--budget", "3", "--method", "margin") == 0
    batch = json.loads(out.read_text())
    rows = [t["data"]["svpkit_row"] for t in batch]
    votes = {
        rows[0]: [("1", 1), ("2", 2), ("1", 3)],  # majority: 1
        rows[1]: [("4", 1), ("5", 2)],  # tie: the later, 5
        rows[2]: [("7", 3), ("8", 1)],  # tie: the later, 7
    }

    def answer(task):
        return [
            _annotation(i, c, at=_at(d))
            for i, (c, d) in enumerate(votes[task["data"]["svpkit_row"]])
        ]

    export = _write(tmp_path / "export.json", _export(batch, answer))
    capsys.readouterr()
    argv = ["query", str(path), "--labels", "label", "--state", str(state), "--merge", str(export)]
    assert main(argv) == 0
    assert "2 ties broken by the latest annotation" in capsys.readouterr().out
    saved = _state(state)["answers"]
    assert dict(zip(saved["rows"], saved["labels"], strict=True)) == {
        rows[0]: 1,
        rows[1]: 5,
        rows[2]: 7,
    }


def test_the_tasks_of_one_row_imported_twice_pool_their_annotations():
    task = {"id": 1, "data": {"svpkit_row": 5}, "annotations": [_annotation(1, "cat")]}
    twice = {"id": 2, "data": {"svpkit_row": 5}, "annotations": [_annotation(2, "cat")]}
    other = {"id": 3, "data": {"svpkit_row": 5}, "annotations": [_annotation(3, "dog", at=_at(9))]}
    found = export_answers([task, twice, other], asked={5: 1})
    assert found.labels == {5: "cat"} and found.tied == []


# -- refusals --------------------------------------------------------------------------------------


def _bad(export, key, value):
    export[0][key] = value
    return export


def _chose(choices):
    """An annotation whose choices are ``choices`` as given (not one string)."""
    annotation = _annotation(1, "3")
    annotation["result"][0]["value"] = {"choices": choices}
    return annotation


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda e: "[{not json", "starts like JSON but does not parse", id="malformed"),
        pytest.param(lambda e: {"tasks": e}, "not a list of tasks", id="not-a-list"),
        pytest.param(lambda e: [], "holds no task", id="empty"),
        pytest.param(
            lambda e: [{**t, "data": {"text": "x"}, "meta": {}} for t in e],
            "task 1 has no svpkit_row in its data or meta",
            id="foreign",
        ),
        pytest.param(
            lambda e: [{k: v for k, v in t.items() if k != "annotations"} for t in e],
            "an import file?",
            id="import-file",
        ),
        pytest.param(
            lambda e: [{**t["data"], "id": t["id"], "label": "3"} for t in e],
            "flat export (JSON-MIN or CSV)",
            id="json-min",
        ),
        pytest.param(
            lambda e: _bad(e, "meta", {"svpkit_row": 0, "svpkit_round": 1}),
            "task 1 has meta.svpkit_row 0 but data.svpkit_row",
            id="rows-disagree",
        ),
        pytest.param(
            lambda e: _bad(_bad(e, "meta", {}), "data", {"svpkit_row": 1, "svpkit_round": 1}),
            "task 1 is row 1, which no round of this --state folder asked",
            id="row-not-asked",
        ),
        pytest.param(
            lambda e: _bad(e, "meta", {**e[0]["meta"], "svpkit_round": 4}),
            "task 1 says round 4, but this --state folder asked row",
            id="other-round",
        ),
        pytest.param(
            lambda e: _bad(e, "annotations", [_chose([3])]),
            "task 1 has the choice 3 (int), not text",
            id="choice-not-text",
        ),
        pytest.param(
            lambda e: _bad(e, "annotations", [_annotation(1, "3", name="digit")]),
            "task 1 answers under ['digit'], not under --from-name 'label'",
            id="other-from-name",
        ),
        pytest.param(
            lambda e: _bad(e, "annotations", [_chose(["3", "4"])]),
            "task 1 has 2 choices ['3', '4'] in one annotation",
            id="two-choices",
        ),
    ],
)
def test_a_bad_export_is_refused_with_the_reason_and_nothing_merged(
    tmp_path, digits, capsys, make, message
):
    path, truth = digits
    state, out = tmp_path / "st", tmp_path / "batch.json"
    assert _query(path, state, out, "--budget", "2", "--method", "margin") == 0
    before = (state / "state.json").read_bytes()
    export = make(_export(json.loads(out.read_text()), _truthful(truth)))
    file = tmp_path / "export.json"
    file.write_text(export if isinstance(export, str) else json.dumps(export))
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        _merge(path, state, file)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and message in err and err.count("\n") == 1
    assert (state / "state.json").read_bytes() == before


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        pytest.param("-1", "answered with '-1', the --missing-label marker", id="missing-label"),
        pytest.param("3.5", "which is not a class", id="not-a-class"),
    ],
)
def test_the_answer_checks_of_csv_merging_apply(tmp_path, digits, capsys, answer, message):
    path, _ = digits
    state, out = tmp_path / "st", tmp_path / "batch.json"
    assert _query(path, state, out, "--budget", "2", "--method", "margin") == 0
    export = _export(json.loads(out.read_text()), lambda t: [_annotation(1, answer)])
    file = _write(tmp_path / "export.json", export)
    with pytest.raises(SystemExit) as exit_info:
        _merge(path, state, file, "--missing-label", "-1")
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and message in err and "row " in err


def test_an_answer_that_contradicts_a_merged_one_is_refused(tmp_path, digits, capsys):
    path, truth = digits
    state, out = tmp_path / "st", tmp_path / "batch.json"
    assert _query(path, state, out, "--budget", "2", "--method", "margin") == 0
    batch = json.loads(out.read_text())
    assert _merge(path, state, _write(tmp_path / "a.json", _export(batch, _truthful(truth)))) == 0
    changed = _export(
        batch, lambda t: [_annotation(1, str((truth[t["data"]["svpkit_row"]] + 1) % 10))]
    )
    with pytest.raises(SystemExit):
        _merge(path, state, _write(tmp_path / "b.json", changed))
    assert "already holds" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(["--out", "b.csv"], "name --out b.json, not b.csv", id="csv-name"),
        pytest.param(
            ["--out", "b.json", "--format", "csv", "--label-config", "c.xml"],
            "--label-config is written with a Label Studio batch",
            id="config-without-format",
        ),
    ],
)
def test_misused_options_are_refused_before_any_work(tmp_path, digits, capsys, extra, message):
    path, _ = digits
    argv = ["query", str(path), "--labels", "label", "--budget", "2", "--format", "label-studio"]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, *[str(tmp_path / a) if "." in a else a for a in extra], "--quiet"])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_a_regression_target_is_refused(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    frame["label"] = np.where(np.arange(40) < 20, rng.normal(size=40).round(3), np.nan)
    frame.to_csv(tmp_path / "reg.csv", index=False)
    with pytest.raises(SystemExit) as exit_info:
        main(
            ["query", str(tmp_path / "reg.csv"), "--labels", "label", "--budget", "2"]
            + ["--out", str(tmp_path / "b.json"), "--format", "label-studio", "--quiet"]
        )
    assert exit_info.value.code == 2 and "regression target" in capsys.readouterr().err


def test_unit_refusals_name_the_task():
    task = {"id": 9, "data": {"svpkit_row": "7"}, "annotations": []}
    with pytest.raises(UserError, match="task 9 has data.svpkit_row '7', not a row number"):
        export_answers([task], asked={7: 1})
    late = {"id": 9, "data": {"svpkit_row": 7}, "annotations": [{"updated_at": "yesterday"}]}
    late["annotations"][0]["result"] = _annotation(1, "3")["result"]
    with pytest.raises(UserError, match="task 9 has an annotation dated 'yesterday'"):
        export_answers([late], asked={7: 1})
    with pytest.raises(UserError, match="no class is known yet"):
        labeling_config("text", [])


# -- CSV stays as it was -------------------------------------------------------------------------


def test_csv_output_and_merging_are_unchanged(tmp_path, digits):
    path, truth = digits
    implicit, explicit = tmp_path / "a.csv", tmp_path / "b.csv"
    argv = ["query", str(path), "--labels", "label", "--budget", "5", "--method", "margin"]
    assert main([*argv, "--out", str(implicit), "--state", str(tmp_path / "s1"), *FAST]) == 0
    assert main([*argv, "--out", str(explicit), "--format", "csv", *FAST]) == 0
    assert implicit.read_bytes() == explicit.read_bytes()
    assert list(pd.read_csv(implicit).columns) == ["row", "score", "rank"]
    assert "predicted" not in _state(tmp_path / "s1")["rounds"][0]
    rows = pd.read_csv(implicit)["row"].to_numpy()
    pd.DataFrame({"row": rows, "label": truth[rows]}).to_csv(tmp_path / "ans.csv", index=False)
    assert _merge(path, tmp_path / "s1", tmp_path / "ans.csv") == 0
    assert _state(tmp_path / "s1")["answers"]["rows"] == sorted(rows.tolist())


# -- against Label Studio itself ------------------------------------------------------------------


def _label_studio_python(module):
    """A Python that imports ``module`` (this one, or the venv's), or None."""
    if find_spec(module) is not None:
        return sys.executable
    venv = Path(os.environ.get("SVPKIT_LABEL_STUDIO_VENV", "/work/cache/ls-venv"))
    python = venv / "bin" / "python"
    if python.exists():
        found = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True)
        if found.returncode == 0:
            return str(python)
    return None


_SDK_CHECK = """
import json, sys
from label_studio_sdk.converter import Converter
from label_studio_sdk.label_interface import LabelInterface

config, batch, export = sys.argv[1:]
interface = LabelInterface(open(config).read())
interface.validate()  # raises on a config Label Studio would refuse
tasks = json.load(open(batch))
report = {
    "task_ok": [interface.validate_task({"data": t["data"]}) for t in tasks],
    "errors": [interface.validate_prediction(p, return_errors=True)
               for t in tasks for p in t["predictions"]],
    "bad": interface.validate_prediction(
        {"score": 0.5, "result": [{"from_name": "label", "to_name": "text", "type": "choices",
                                   "value": {"choices": ["no such class"]}}]},
        return_errors=True),
    "converted": {},
}
converter = Converter(open(config).read(), project_dir=None, download_resources=False)
for item in converter.iter_from_json_file(export):
    report["converted"][item["input"]["svpkit_row"]] = item["output"]["label"][0]["choices"][0]
print(json.dumps(report))
"""


def test_files_match_the_label_studio_sdk(tmp_path, digits):
    """The SDK's own checks: the labeling config is valid, every prediction is valid for it
    (and a wrong class is not), and its export converter reads the answers svpkit merges."""
    python = _label_studio_python("label_studio_sdk")
    if python is None:
        pytest.skip(
            "label-studio-sdk is not installed (it needs numpy<2.3: install it in a venv and "
            "point SVPKIT_LABEL_STUDIO_VENV at it)"
        )
    path, truth = digits
    state, out, config = tmp_path / "st", tmp_path / "batch.json", tmp_path / "config.xml"
    extra = ["--budget", "5", "--method", "margin", "--label-config", str(config)]
    assert _query(path, state, out, *extra) == 0
    batch = json.loads(out.read_text())

    def answer(task):  # the second task skipped: the converter drops it as svpkit does
        skip = task["data"]["svpkit_rank"] == 2
        return [_annotation(1, str(truth[task["data"]["svpkit_row"]]), cancelled=skip)]

    export = _write(tmp_path / "export.json", _export(batch, answer))
    check = subprocess.run(
        [python, "-c", _SDK_CHECK, str(config), str(out), str(export)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert check.returncode == 0, check.stderr[-2000:]
    report = json.loads(check.stdout.strip().splitlines()[-1])
    assert all(report["task_ok"]) and report["errors"] == [[]] * 5 and report["bad"]
    assert _merge(path, state, export) == 0
    saved = _state(state)["answers"]
    merged = {str(r): str(label) for r, label in zip(saved["rows"], saved["labels"], strict=True)}
    assert merged == report["converted"] and len(merged) == 4


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _api(base, method, route, token, body=None):
    request = urllib.request.Request(
        base + route,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


@pytest.fixture
def label_studio_server(tmp_path):
    """A Label Studio server on a loopback port (SQLite in tmp_path), stopped afterwards."""
    if os.environ.get("SVPKIT_LABEL_STUDIO_SERVER") != "1":
        pytest.skip("set SVPKIT_LABEL_STUDIO_SERVER=1 to start a real Label Studio server")
    python = _label_studio_python("label_studio")
    if python is None:
        pytest.skip("label-studio is not installed (set SVPKIT_LABEL_STUDIO_VENV to its venv)")
    port, token = _free_port(), "svpkit0test0token"
    env = {k: v for k, v in os.environ.items() if k != "HOST"}  # HOST must be a URL there
    env.update(LABEL_STUDIO_BASE_DATA_DIR=str(tmp_path / "ls-data"), SENTRY_DSN="")
    command = [
        str(Path(python).parent / "label-studio"), "start", "--no-browser",
        "--internal-host", "127.0.0.1", "--port", str(port),
        "--username", "svpkit@example.com", "--password", "svpkit-test-1",
        "--user-token", token, "--enable-legacy-api-token",
    ]  # fmt: skip
    log = open(tmp_path / "ls.log", "wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # migrations on first start: about a minute
        while True:
            if server.poll() is not None:
                pytest.fail(f"Label Studio exited: {(tmp_path / 'ls.log').read_text()[-1500:]}")
            try:
                with urllib.request.urlopen(base + "/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("Label Studio did not answer /health within 300 s")
            time.sleep(2)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_round_trip_through_a_real_label_studio_server(tmp_path, digits, label_studio_server):
    base, token = label_studio_server
    path, truth = digits
    state, out, config = tmp_path / "st", tmp_path / "batch.json", tmp_path / "config.xml"
    extra = ["--budget", "4", "--method", "margin", "--label-config", str(config)]
    assert _query(path, state, out, *extra) == 0
    project = _api(base, "POST", "/api/projects", token, {"label_config": config.read_text()})
    imported = _api(
        base, "POST", f"/api/projects/{project['id']}/import", token, json.loads(out.read_text())
    )
    assert imported["task_count"] == 4 and imported["prediction_count"] == 4
    listed = _api(base, "GET", f"/api/tasks?project={project['id']}&fields=all", token)
    tasks = listed["tasks"] if isinstance(listed, dict) else listed
    skipped = None
    for task in tasks:
        row = task["data"]["svpkit_row"]
        result = [
            {
                "from_name": "label",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": [str(truth[row])]},
            }
        ]
        cancel = task["data"]["svpkit_rank"] == 4
        skipped = row if cancel else skipped
        body = {"result": [] if cancel else result, "was_cancelled": cancel}
        _api(base, "POST", f"/api/tasks/{task['id']}/annotations", token, body)
    exported = _api(
        base,
        "GET",
        f"/api/projects/{project['id']}/export?exportType=JSON&download_all_tasks=true",
        token,
    )
    export = _write(tmp_path / "export.json", exported)
    assert all(t["meta"]["svpkit_row"] == t["data"]["svpkit_row"] for t in exported)
    assert _merge(path, state, export) == 0
    saved = _state(state)["answers"]
    assert len(saved["rows"]) == 3 and skipped not in saved["rows"]
    assert saved["labels"] == truth[saved["rows"]].tolist()
