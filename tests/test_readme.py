"""The README's Python examples run as written (docs that stay true)."""

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_readme_has_the_examples():
    assert len(BLOCKS) == 5


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the grid-search example writes a joblib cache folder
    namespace: dict = {}
    exec(compile(BLOCKS[index], f"README.md example {index + 1}", "exec"), namespace)
    if index == 0:
        assert (
            len(namespace["X_small"]) == 899
            and namespace["target"].score(namespace["X"], namespace["y"]) > 0.5
        )
        # What it shows are the kept rows' own scores (scores_ is indexed by pool row), and
        # an inf among them is explained where it is shown.
        kept, sel = namespace["kept"], namespace["sel"]
        assert (kept == sel.sample_indices_).all()
        assert "kept[:5], sel.scores_[kept[:5]]" in BLOCKS[0]
        assert "sel.scores_[:" not in BLOCKS[0]
        if np.isinf(sel.scores_[kept]).any():
            assert "inf:" in BLOCKS[0]
    if index == 1:
        assert len(namespace["to_label"]) == 30
        assert (namespace["y_partial"] != -1).sum() == 30
        assert namespace["q"].method_ == "typiclust" and namespace["q"].proxy_ is None
        assert len(set(namespace["y"][namespace["to_label"]])) >= 9  # covers the classes
    if index == 2:
        assert len(namespace["kept"]) == 100 and isinstance(namespace["kept"][0], str)
        assert type(namespace["sel"].proxy_).__name__ == "TextProxyNet"
    if index == 3:
        history = namespace["loop"].history_
        assert [r["n_labeled"] for r in history] == [28, 140, 280, 420, 560, 700]
        assert (tmp_path / "al-run").exists()
        # Run as written a second time, in the same folder: the finished run is read back,
        # not refused (FileExistsError) and not redone.
        again: dict = {}
        exec(compile(BLOCKS[index], f"README.md example {index + 1}", "exec"), again)
        assert again["loop"].history_ == history
    if index == 4:
        assert namespace["grid"].best_params_["selectthenfit__selector__fraction"] <= 1.0
        assert (tmp_path / "svp-cache").exists()


SHELL_BLOCKS = re.findall(r"```bash\n(.*?)```", README.read_text(), re.S)


def test_readme_command_line_examples_run(tmp_path):
    """The select and query blocks, line by line, with an oracle answering in between."""
    import subprocess
    import sys

    import pandas as pd

    blocks = [b for b in SHELL_BLOCKS if "svpkit select" in b or "svpkit query" in b]
    blocks = [b for b in blocks if "svpkit select train/" not in b]  # the image block: below
    assert len(blocks) == 2
    for line in "\n".join(blocks).splitlines():
        if not line.strip():
            continue
        if line.startswith("# label the rows"):  # the oracle: true labels from data.csv
            truth = pd.read_csv(tmp_path / "data.csv")["label"]
            rows = pd.read_csv(tmp_path / "to_label.csv")["row"]
            pd.DataFrame({"row": rows, "label": truth[rows].to_numpy()}).to_csv(
                tmp_path / "answers.csv", index=False
            )
            continue
        argv = line.split(" ", 1)
        if argv[0] == "python":
            command = [sys.executable, "-c", line.split(" -c ", 1)[1].strip('"')]
        else:
            command = [sys.executable, "-m", "svpkit.cli", *argv[1].split(), "--quiet"]
            command += ["--proxy-epochs", "2"]
        subprocess.run(command, cwd=tmp_path, check=True, capture_output=True, text=True)
    manifest = pd.read_csv(tmp_path / "selection.csv")
    assert len(manifest) == 1797 and manifest["selected"].sum() == 540  # 30%, rounded up
    asked = set(pd.read_csv(tmp_path / "to_label.csv")["row"])
    asked_next = set(pd.read_csv(tmp_path / "next.csv")["row"])
    assert len(asked) == len(asked_next) == 50 and not asked & asked_next
    assert min(asked | asked_next) >= 100  # only unlabeled rows are proposed


def test_readme_image_folder_example_runs(tmp_path):
    """The README's image-folder command, on a generated train/<class>/<image> folder."""
    import subprocess
    import sys

    import pandas as pd

    from tests.images.helpers import make_folder

    (block,) = [b for b in SHELL_BLOCKS if "svpkit select train/" in b]
    make_folder(tmp_path / "train", n_per_class=10)
    argv = block.strip().split()[1:]
    command = [sys.executable, "-m", "svpkit.cli", *argv, "--quiet", "--proxy-epochs", "1"]
    env = {**__import__("os").environ, "SVPKIT_CACHE_DIR": str(tmp_path / "cache")}
    subprocess.run(command, cwd=tmp_path, check=True, capture_output=True, text=True, env=env)
    manifest = pd.read_csv(tmp_path / "selection.csv")
    assert len(manifest) == 30 and manifest["selected"].sum() == 15
    assert manifest["path"].str.startswith("train/").all()  # as the user named the folder


def test_readme_says_bench_needs_its_extra():
    # Issue 41: the quick-start install has no matplotlib, and bench said so with a traceback.
    text = " ".join(README.read_text().split())
    at = text.index("`svpkit bench kcenters --quick` runs one of `benchmarks/`")
    assert 'needs the `bench` extra (`pip install -e ".[bench]"`' in text[at : at + 400]
