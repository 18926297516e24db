"""Shared fixtures."""

import os

import numpy as np
import pytest
from sklearn.datasets import load_digits


def pytest_configure(config):
    # Under pytest-xdist every worker is one process per core: one thread each (torch, BLAS,
    # and the processes a test starts, through the environment), instead of every worker
    # spreading over all cores (oversubscription slows both down: benchmarks/threads.py).
    # SVPKIT_THREADS=all keeps the libraries' defaults, to measure the difference.
    if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("SVPKIT_THREADS") != "all":
        os.environ["OMP_NUM_THREADS"] = "1"
        os.environ.setdefault("SVPKIT_THREADS", "1")
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(1)
        threadpool_limits(1)


@pytest.fixture(scope="session")
def digits():
    """The first 600 digits, scaled to [0, 1] (float64); some modules define their own."""
    X, y = load_digits(return_X_y=True)
    return (X / 16.0)[:600], y[:600]


@pytest.fixture
def blobs():
    """Two well-separated Gaussian blobs with string labels."""
    rng = np.random.RandomState(0)
    X = np.concatenate([rng.randn(60, 5) + 3, rng.randn(60, 5) - 3])
    y = np.array(["cat"] * 60 + ["dog"] * 60)
    return X, y


@pytest.fixture
def proxy_trainings(monkeypatch):
    """A list that grows by one each time a selector trains a proxy (cache misses only)."""
    from svpkit.pools import memory

    calls = []
    original = memory.train_and_read

    # Same signature as the original: joblib.Memory inspects it to build cache keys.
    def counting(
        proxy, X, y_enc, train_rows, seed, needs, verbose=False, scratch_dir=None, row_scores=None
    ):
        calls.append(1)
        return original(proxy, X, y_enc, train_rows, seed, needs, verbose, scratch_dir, row_scores)

    monkeypatch.setattr("svpkit.pools.memory.train_and_read", counting)
    return calls
