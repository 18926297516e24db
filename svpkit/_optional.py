"""Lazy imports of optional or heavy dependencies, with messages that name the extra."""

from __future__ import annotations

import importlib
from types import ModuleType

_EXTRAS = {
    "faiss": "faiss-cpu (or the 'gpu' extra: pip install 'svpkit[gpu]')",
    "pandas": "pandas (pip install 'svpkit[bench]')",
    "matplotlib": "matplotlib (pip install 'svpkit[bench]')",
    "mlxtend": "mlxtend (pip install 'svpkit[bench]')",
    "dask": "dask (pip install 'svpkit[dask]')",
}


def import_optional(name: str) -> ModuleType:
    """Import ``name`` or raise an ImportError that says what to install."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        hint = _EXTRAS.get(name.split(".")[0], name)
        raise ImportError(f"This feature needs {name}; install {hint}.") from exc


def faiss_or_none() -> ModuleType | None:
    """FAISS if it imports, else None (callers fall back to numpy)."""
    try:
        import faiss
    except ImportError:  # pragma: no cover - faiss-cpu is a core dependency
        return None
    return faiss
