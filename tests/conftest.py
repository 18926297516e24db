"""Shared fixtures."""

import pytest


@pytest.fixture
def proxy_trainings(monkeypatch):
    """A list that grows by one each time a selector trains a proxy (cache misses only)."""
    from svpkit import _proxy_outputs

    calls = []
    original = _proxy_outputs.train_and_read

    # Same signature as the original: joblib.Memory inspects it to build cache keys.
    def counting(proxy, X, y_enc, train_rows, seed, needs, verbose=False):
        calls.append(1)
        return original(proxy, X, y_enc, train_rows, seed, needs, verbose)

    monkeypatch.setattr("svpkit._base.train_and_read", counting)
    return calls
