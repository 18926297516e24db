"""``import svpkit`` and the command line's parsing import nothing heavy (issue 19): each heavy
dependency is imported where a code path first needs it."""

import json
import subprocess
import sys
from importlib.metadata import version

import pytest

import svpkit

HEAVY = ("torch", "skorch", "faiss", "dask", "distributed", "matplotlib", "pandas")


def _loaded_after(code: str) -> list[str]:
    """Heavy modules in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = (
        f"import json, sys\n{code}\n"
        f"print(json.dumps([m for m in {HEAVY + ('sklearn', 'scipy')!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_import_svpkit_imports_nothing_heavy():
    assert _loaded_after("import svpkit") == []


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["--version"], ["demo", "--help"], ["select", "--help"], ["query", "--help"]],
)
def test_cli_help_and_version_import_neither_torch_nor_sklearn(argv):
    code = (
        f"from svpkit.cli.main import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
    )
    assert _loaded_after(code) == []


def test_a_selector_without_a_torch_proxy_leaves_torch_out():
    code = (
        "import numpy as np\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from svpkit import CoresetSelector\n"
        "X = np.random.RandomState(0).randn(60, 3); y = np.arange(60) % 2\n"
        "CoresetSelector(LogisticRegression(), method='random', fraction=0.5).fit(X, y)"
    )
    loaded = _loaded_after(code)
    assert not {"torch", "skorch", "faiss", "dask", "matplotlib"} & set(loaded)


def test_public_names_resolve_to_their_modules():
    from svpkit.kernels import greedy_kcenters
    from svpkit.selectors import CoresetSelector

    assert svpkit.CoresetSelector is CoresetSelector
    assert svpkit.greedy_kcenters is greedy_kcenters
    assert set(svpkit.__all__) <= set(dir(svpkit))
    assert svpkit.nn.ProxyNet.__name__ == "ProxyNet"  # subpackages load on access
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        svpkit.nope  # noqa: B018


def test_version_matches_the_installed_metadata():
    assert svpkit.__version__ == version("svpkit")
