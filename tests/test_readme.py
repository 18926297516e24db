"""The README's Python examples run as written (docs that stay true)."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_readme_has_the_examples():
    assert len(BLOCKS) == 4


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
    if index == 1:
        assert len(namespace["to_label"]) == 50
        assert (namespace["y_partial"] != -1).sum() == 150
    if index == 2:
        history = namespace["loop"].history_
        assert [r["n_labeled"] for r in history] == [28, 140, 280, 420, 560, 700]
        assert (tmp_path / "al-run").exists()
    if index == 3:
        assert namespace["grid"].best_params_["selectthenfit__selector__fraction"] <= 1.0
        assert (tmp_path / "svp-cache").exists()
