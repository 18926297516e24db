"""Small helpers shared across layers: devices and seeds."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np

__all__ = ["cuda_available", "resolve_device", "torch_seed_scope", "derive_seed"]


def cuda_available() -> bool:
    """Whether torch sees a CUDA device (False when torch has no CUDA build)."""
    import torch

    return bool(torch.cuda.is_available())


def resolve_device(device: str | None) -> str:
    """Turn ``"auto"`` into ``"cuda"`` when a GPU is visible, else ``"cpu"``.

    Examples
    --------
    >>> from svpkit.utils import resolve_device
    >>> resolve_device("cpu")
    'cpu'
    """
    if device == "auto":
        return "cuda" if cuda_available() else "cpu"
    return device


def derive_seed(rng: np.random.RandomState) -> int:
    """Draw a 31-bit seed from ``rng`` (for torch and sub-components)."""
    return int(rng.randint(np.iinfo(np.int32).max))


@contextlib.contextmanager
def torch_seed_scope(seed: int) -> Iterator[None]:
    """Seed torch for the block and restore the caller's global RNG state afterwards."""
    import torch

    devices = list(range(torch.cuda.device_count())) if cuda_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
