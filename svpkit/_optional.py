"""Lazy imports of optional or heavy dependencies, with messages that name the extra."""

from __future__ import annotations

import importlib
from types import ModuleType

#: Module -> the extra that provides it. (FAISS is not one: faiss-cpu comes with the core
#: install; the ``gpu`` extra is faiss-gpu.)
_EXTRAS = {
    "pyarrow": "parquet",
    "matplotlib": "bench",
    "mlxtend": "bench",
    "dask": "dask",
    "distributed": "dask",
    "PIL": "images",
    # svpkit.nn.wordllama_encoder: wordllama, and the two of its dependencies it reads directly.
    "wordllama": "text-encoder",
    "tokenizers": "text-encoder",
    "safetensors": "text-encoder",
}
#: Module -> its pip package, where the names differ (core dependencies missing from a broken
#: environment).
_PACKAGES = {"faiss": "faiss-cpu"}


def install_hint(extra: str) -> str:
    """How to install an extra, for how svpkit is installed: from a source checkout (the
    usual case today: ``pip install -e``) or from a package index."""
    return (
        f'pip install -e ".[{extra}]" from the svpkit checkout (or pip install "svpkit[{extra}]" '
        "where svpkit comes from a package index)"
    )


def import_optional(name: str) -> ModuleType:
    """Import ``name`` or raise an ImportError that says what to install."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        top = name.split(".")[0]
        hint = (
            install_hint(_EXTRAS[top])
            if top in _EXTRAS
            else f"pip install {_PACKAGES.get(top, top)}"
        )
        raise ImportError(f"This feature needs {name}: {hint}.") from exc
