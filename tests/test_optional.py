"""Optional dependencies import lazily and name what to install."""

import sys

import pytest

from svpkit._optional import import_optional


def test_missing_optional_module_names_the_extra():
    with pytest.raises(ImportError, match=r'needs dask\.not_a_module: pip install -e "\.\[dask\]"'):
        import_optional("dask.not_a_module")


def test_faiss_is_found():
    assert import_optional("faiss").IndexFlatL2 is not None


def test_a_missing_faiss_points_to_faiss_cpu_not_the_gpu_extra(monkeypatch):
    # faiss-cpu comes with the core install; the gpu extra (faiss-gpu) is not the fix.
    monkeypatch.setitem(sys.modules, "faiss", None)  # makes `import faiss` fail
    with pytest.raises(ImportError, match="needs faiss: pip install faiss-cpu") as info:
        import_optional("faiss")
    assert "gpu" not in str(info.value)
