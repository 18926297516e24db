"""``svpkit select`` on image files: a folder of class folders, or a table of paths."""

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from svpkit.cli import main
from tests.images.helpers import make_folder

FAST = ["--proxy-epochs", "1", "--quiet"]


@pytest.fixture
def images(tmp_path, monkeypatch):
    monkeypatch.setenv("SVPKIT_CACHE_DIR", str(tmp_path / "cache"))
    make_folder(tmp_path / "train", n_per_class=10, side=8)
    return tmp_path


def test_select_from_an_image_folder(images):
    out = images / "sel.csv"
    argv = ["select", str(images / "train"), "--fraction", "0.5", "--out", str(out)]
    assert main([*argv, "--method", "least_confidence", *FAST]) == 0
    manifest = pd.read_csv(out)
    assert list(manifest.columns) == ["row", "path", "selected", "score", "rank"]
    assert len(manifest) == 30 and manifest["selected"].sum() == 15
    assert manifest["path"].str.endswith(".png").all()
    assert manifest["path"].iloc[0].endswith("cat/000.png")
    summary = json.loads((images / "sel.json").read_text())
    assert summary["input"]["kind"] == "images" and summary["input"]["n_classes"] == 3
    assert summary["input"]["fingerprint"].startswith("images:")
    assert summary["input"]["features"] == [3, 8, 8]
    assert summary["proxy"]["module"] == "SmallCNN" and summary["proxy"]["max_epochs"] == 1
    # the same command writes the same manifest, byte for byte (the cache is reused)
    first = out.read_bytes()
    assert main([*argv, "--method", "least_confidence", *FAST]) == 0
    assert out.read_bytes() == first
    assert len(list((images / "cache").glob("images-*.npy"))) == 1


def test_select_from_a_table_of_image_paths(images):
    files = sorted(str(p.relative_to(images)) for p in (images / "train").rglob("*.png"))
    table = pd.DataFrame({"file": files, "kind": [f.split("/")[1] for f in files]})
    table.to_csv(images / "list.csv", index=False)
    out = images / "sel.csv"
    argv = ["select", str(images / "list.csv"), "--image-column", "file", "--labels", "kind"]
    assert main([*argv, "--n-select", "9", "--method", "random", "--out", str(out), *FAST]) == 0
    manifest = pd.read_csv(out)
    assert manifest["selected"].sum() == 9
    picked = table.loc[manifest["selected"] == 1, "kind"].value_counts()
    assert picked.tolist() == [3, 3, 3]  # class-balanced random
    assert np.array_equal(manifest["path"], [str(images / f) for f in files])


def _fails(argv, capsys, message):
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--quiet"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert message in err, err


def test_image_errors_are_one_line(images, capsys):
    folder = str(images / "train")
    out = ["--fraction", "0.5", "--out", str(images / "o.csv")]
    _fails(["select", folder, "--labels", "y", *out], capsys, "drop --labels")
    _fails(["select", str(images / "list.csv"), *out], capsys, "no such file")
    np.save(images / "pool.npy", np.zeros((4, 2)))
    _fails(["select", str(images / "pool.npy"), *out], capsys, "--labels is required")
    _fails(
        ["select", str(images / "pool.npy"), "--labels", "y", "--image-column", "p", *out],
        capsys,
        "--image-column applies to CSV",
    )
    (images / "train" / "dog" / "bad.jpg").write_bytes(b"broken")
    _fails(["select", folder, *out], capsys, "bad.jpg")
    (images / "train" / "dog" / "bad.jpg").unlink()
    Image.new("RGB", (5, 5)).save(images / "train" / "eel" / "small.png")
    _fails(["select", folder, *out], capsys, "pass --resize to resize every image")
    argv = ["select", folder, "--resize", "--method", "random", *out]
    assert main([*argv, *FAST]) == 0
    assert not (images / "o.csv").exists() or pd.read_csv(images / "o.csv").shape[0] == 31
    (images / "empty" / "a").mkdir(parents=True)
    _fails(["select", str(images / "empty"), *out], capsys, "no image files")
    gray = images / "gray"
    make_folder(gray, n_per_class=2, channels=1)
    Image.new("RGB", (8, 8), (255, 0, 0)).save(gray / "cat" / "red.png")
    _fails(["select", str(gray), *out], capsys, "--image-mode RGB")


def test_query_lists_the_image_files_to_label(images):
    files = sorted(str(p.relative_to(images)) for p in (images / "train").rglob("*.png"))
    kinds = [f.split("/")[1] for f in files]
    known = [k if i % 3 == 0 else "" for i, k in enumerate(kinds)]  # a third labeled
    pd.DataFrame({"file": files, "kind": known}).to_csv(images / "pool.csv", index=False)
    out = images / "to_label.csv"
    argv = ["query", str(images / "pool.csv"), "--image-column", "file", "--labels", "kind"]
    argv += ["--budget", "5", "--method", "margin", "--out", str(out), *FAST]
    assert main(argv) == 0
    asked = pd.read_csv(out)
    assert list(asked.columns) == ["row", "path", "score", "rank"] and len(asked) == 5
    for row, path in zip(asked["row"], asked["path"], strict=True):
        assert path == str(images / files[row]) and known[row] == ""
