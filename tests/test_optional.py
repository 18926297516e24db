"""Optional dependencies import lazily and name what to install."""

import pytest

from svpkit._optional import faiss_or_none, import_optional


def test_missing_optional_module_names_the_extra():
    with pytest.raises(ImportError, match=r'needs dask\.not_a_module: pip install -e "\.\[dask\]"'):
        import_optional("dask.not_a_module")


def test_faiss_is_found():
    assert faiss_or_none() is not None
