"""``--proba``, ``--embedding``, ``--scores``: outputs computed elsewhere, on the command line."""

import json

import numpy as np
import pandas as pd
import pytest

from svpkit import CoresetSelector, ProxySelector
from svpkit.cli import main
from svpkit.cli.outputs import PRECOMPUTED as CLI_OUTPUTS
from svpkit.selectors.precomputed import PRECOMPUTED
from tests.helpers import cli_one_line_error, cli_status


def test_the_options_are_the_fit_parameters():
    assert CLI_OUTPUTS == PRECOMPUTED


def test_select_by_given_scores_keeps_the_top_scores_and_trains_no_proxy(tmp_path, digits_npy):
    pool, labels = digits_npy
    scores = np.random.default_rng(0).normal(size=400)
    np.save(tmp_path / "scores.npy", scores)
    out = tmp_path / "sel.csv"
    argv = ["select", str(pool), "--labels", str(labels), "--out", str(out), "--quiet"]
    extra = [
        "--method",
        "given_scores",
        "--scores",
        str(tmp_path / "scores.npy"),
        "--n-select",
        "40",
    ]
    assert main([*argv, *extra, "--no-class-balance"]) == 0
    manifest = pd.read_csv(out)
    kept = manifest.loc[manifest["selected"] == 1, "row"].to_numpy()
    np.testing.assert_array_equal(np.sort(kept), np.sort(np.argsort(-scores)[:40]))
    summary = json.loads((tmp_path / "sel.json").read_text())
    assert summary["proxy"] is None
    assert summary["precomputed"] == {"scores": str(tmp_path / "scores.npy")}


def test_select_by_a_given_embedding_is_the_api_selection(tmp_path, digits_npy):
    pool, labels = digits_npy
    X, y = np.load(pool), np.load(labels)
    embedding = np.random.default_rng(1).normal(size=(400, 6)).astype(np.float32)
    np.save(tmp_path / "emb.npy", embedding)
    out = tmp_path / "sel.csv"
    argv = ["select", str(pool), "--labels", str(labels), "--out", str(out), "--quiet"]
    extra = ["--method", "kcenters", "--embedding", str(tmp_path / "emb.npy"), "--fraction", "0.2"]
    assert main([*argv, *extra]) == 0
    manifest = pd.read_csv(out)
    api = CoresetSelector(method="kcenters", fraction=0.2, random_state=0)
    api.fit(X, y, embedding=embedding)
    np.testing.assert_array_equal(
        np.flatnonzero(manifest["selected"].to_numpy()), api.sample_indices_
    )


def test_query_by_given_probabilities_is_the_api_selection(tmp_path, digits_npy):
    pool, labels = digits_npy
    X, y = np.load(pool), np.load(labels).astype(float)
    y[100:] = np.nan  # unlabeled
    np.save(tmp_path / "partial.npy", y)
    proba = np.random.default_rng(2).dirichlet(np.ones(10), size=400)
    np.save(tmp_path / "proba.npy", proba)
    out = tmp_path / "ask.csv"
    argv = ["query", str(pool), "--labels", str(tmp_path / "partial.npy"), "--budget", "15"]
    extra = ["--out", str(out), "--method", "margin", "--proba", str(tmp_path / "proba.npy")]
    assert main([*argv, *extra, "--quiet"]) == 0
    asked = pd.read_csv(out)["row"].to_numpy()
    api = ProxySelector(method="margin", n_select=15, random_state=0, missing_label=np.nan)
    api.fit(X, y, proba=proba)
    np.testing.assert_array_equal(np.sort(asked), api.sample_indices_)
    assert set(asked) <= set(range(100, 400))


@pytest.mark.parametrize(
    ("make", "extra", "expected"),
    [
        (
            lambda p: np.save(p, np.ones(5)),
            ["--method", "given_scores"],
            "has 5 rows but the pool has",
        ),
        (lambda p: p.write_text("1\n2\n"), ["--method", "given_scores"], "expected a .npy file"),
        (lambda p: np.save(p, np.ones(400)), ["--method", "margin"], "given only --scores and"),
    ],
)
def test_bad_output_files_are_one_line_errors(tmp_path, digits_npy, capsys, make, extra, expected):
    pool, labels = digits_npy
    name = "scores.csv" if "expected a .npy" in expected else "scores.npy"
    make(tmp_path / name)
    argv = ["select", str(pool), "--labels", str(labels), "--out", str(tmp_path / "s.csv")]
    argv += ["--fraction", "0.5", "--scores", str(tmp_path / name)]
    err = cli_one_line_error(capsys, [*argv, *extra])
    assert expected in err, err


def test_method_scores_without_scores_names_the_option(tmp_path, digits_npy, capsys):
    pool, labels = digits_npy
    argv = ["select", str(pool), "--labels", str(labels), "--out", str(tmp_path / "s.csv")]
    err = cli_one_line_error(capsys, [*argv, "--method", "given_scores", "--fraction", "0.5"])
    assert "--method given_scores ranks by scores computed elsewhere" in err, err


def test_an_output_may_not_replace_a_given_output_file(tmp_path, digits_npy, capsys):
    pool, labels = digits_npy
    scores = tmp_path / "scores.npy"
    np.save(scores, np.ones(400))
    before = scores.read_bytes()
    argv = [
        "select",
        str(pool),
        "--labels",
        str(labels),
        "--scores",
        str(scores),
        "--n-select",
        "9",
    ]
    assert cli_status([*argv, "--method", "given_scores", "--out", str(scores), "--quiet"]) == 2
    assert "is the --scores file" in capsys.readouterr().err
    assert scores.read_bytes() == before
