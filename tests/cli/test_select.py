"""``svpkit select``: manifests from CSV, Parquet, .npy, .npz and text; byte-for-byte reruns."""

import json

import numpy as np
import pandas as pd
import pytest

from svpkit.cli import main
from tests.nn.test_text import _sentiment

FAST = ["--proxy-epochs", "2", "--quiet"]


def _select(pool, out, *extra):
    return main(["select", str(pool), "--out", str(out), *extra, *FAST])


def test_select_from_csv_as_a_new_user_would(tmp_path, digits_csv):
    out = tmp_path / "sel.csv"
    lc = ("--method", "least_confidence")  # named: the default is auto
    assert _select(digits_csv, out, "--labels", "label", "--fraction", "0.3", *lc) == 0
    manifest = pd.read_csv(out)
    assert list(manifest.columns) == ["row", "selected", "score", "rank"]
    assert len(manifest) == 400 and manifest["selected"].sum() == 120
    np.testing.assert_array_equal(manifest["row"], np.arange(400))
    # least confidence: the selected rows are the top-ranked ones, most uncertain first
    assert set(manifest.loc[manifest["rank"] <= 120, "row"]) == set(
        manifest.loc[manifest["selected"] == 1, "row"]
    )
    # class balance (the core-set default) ranks inside each class: scores fall with the rank
    # within every class
    labels = pd.read_csv(digits_csv)["label"].to_numpy()
    for cls in np.unique(labels):
        in_class = manifest[labels == cls].sort_values("rank")["score"].to_numpy()
        assert (np.diff(in_class) <= 1e-9).all()
    summary = json.loads((tmp_path / "sel.json").read_text())
    assert summary["method"] == "least_confidence" and summary["n_selected"] == 120
    assert summary["input"]["n_rows"] == 400 and len(summary["input"]["sha256"]) == 64
    assert "note" not in summary["input"]["features"]  # non-numeric columns are not features
    assert {"read", "proxy_fit", "score", "select", "write"} <= set(summary["seconds"])
    assert {"svpkit", "numpy", "torch", "scikit-learn"} <= set(summary["versions"])


def test_same_command_same_seed_same_manifest_bytes(tmp_path, digits_csv):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    args = ("--labels", "label", "--fraction", "0.3", "--method", "least_confidence")
    _select(digits_csv, a, *args, "--random-state", "7")
    _select(digits_csv, b, *args, "--random-state", "7")
    assert a.read_bytes() == b.read_bytes()
    c = tmp_path / "c.csv"
    _select(digits_csv, c, *args, "--random-state", "8")
    assert a.read_bytes() != c.read_bytes()


def test_kcenters_manifest_has_weights_and_ranks_only_its_picks(tmp_path, digits_npy):
    pool, labels = digits_npy
    out = tmp_path / "k.csv"
    assert (
        _select(pool, out, "--labels", str(labels), "--n-select", "50", "--method", "kcenters") == 0
    )
    manifest = pd.read_csv(out)
    assert manifest["selected"].sum() == 50
    assert manifest["weight"].sum() == 400  # every row is covered by one center
    assert manifest["rank"].notna().sum() == 50
    assert (manifest.loc[manifest["selected"] == 0, "weight"].isna()).all()


def test_npz_parquet_feature_columns_and_class_balance(tmp_path, digits_frame):
    X = digits_frame.filter(like="px").to_numpy(np.float32)
    np.savez(tmp_path / "pool.npz", X=X, y=digits_frame["label"].to_numpy())
    out = tmp_path / "z.csv"
    lc = ("--method", "least_confidence")
    assert _select(tmp_path / "pool.npz", out, "--labels", "y", "--fraction", "0.5", *lc) == 0
    assert pd.read_csv(out)["selected"].sum() == 200

    digits_frame.to_parquet(tmp_path / "pool.parquet")
    out = tmp_path / "p.csv"
    cols = ",".join(f"px{i}" for i in range(10, 40))
    assert (
        _select(
            tmp_path / "pool.parquet",
            out,
            "--labels",
            "label",
            "--fraction",
            "0.2",
            "--feature-columns",
            cols,
            "--class-balance",
            *lc,
        )
        == 0
    )
    manifest = pd.read_csv(out)
    kept = digits_frame["label"].to_numpy()[manifest["selected"] == 1]
    counts = np.bincount(kept, minlength=10)
    share = counts / np.bincount(digits_frame["label"], minlength=10)
    assert np.allclose(share, 0.2, atol=0.03)  # every class keeps its share
    summary = json.loads((tmp_path / "p.json").read_text())
    assert summary["input"]["features"] == cols.split(",") and summary["class_balance"]


def test_cnn_proxy_on_flat_rows_with_image_shape(tmp_path, digits_csv):
    out = tmp_path / "c.csv"
    assert (
        _select(
            digits_csv,
            out,
            "--labels",
            "label",
            "--fraction",
            "0.5",
            "--proxy",
            "cnn",
            "--image-shape",
            "1,8,8",
            "--proxy-epochs",
            "1",
            "--method",
            "least_confidence",
        )
        == 0
    )
    assert json.loads((tmp_path / "c.json").read_text())["proxy"]["module"] == "SmallCNN"


def test_select_on_a_text_column(tmp_path):
    texts, y = _sentiment(200)
    pool = tmp_path / "reviews.csv"
    pd.DataFrame({"text": texts, "sentiment": y}).to_csv(pool, index=False)
    out = tmp_path / "t.csv"
    assert (
        _select(
            pool,
            out,
            "--labels",
            "sentiment",
            "--text-column",
            "text",
            "--fraction",
            "0.5",
            "--method",
            "kcenters",
        )
        == 0
    )
    assert pd.read_csv(out)["selected"].sum() == 100
    assert json.loads((tmp_path / "t.json").read_text())["proxy"]["class"] == "TextProxyNet"


def test_select_prints_one_summary_line(tmp_path, digits_csv, capsys):
    out = tmp_path / "s.csv"
    main(
        [
            "select",
            str(digits_csv),
            "--labels",
            "label",
            "--fraction",
            "0.1",
            "--out",
            str(out),
            "--proxy-epochs",
            "1",
            "--method",
            "least_confidence",
        ]
    )
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed == [
        f"selected 40 of 400 rows (least_confidence); wrote {out} and {tmp_path / 's.json'}"
    ]


@pytest.mark.parametrize("method", ["random", "margin"])
def test_no_partial_file_is_left_behind(tmp_path, digits_csv, monkeypatch, method):
    import svpkit.cli.select as select

    def broken(table, fh):
        fh.write("row,selected\n0,1\n")
        raise OSError("disk full")

    monkeypatch.setattr(
        select,
        "write_csv",
        lambda table, path: select.write_atomic(path, lambda fh: broken(table, fh)),
    )
    out = tmp_path / "s.csv"
    with pytest.raises(SystemExit):
        _select(digits_csv, out, "--labels", "label", "--fraction", "0.5", "--method", method)
    assert not out.exists() and list(tmp_path.glob(".s.csv*")) == []
