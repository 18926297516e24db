"""Atomic, pickle-free checkpoints for the active-learning loop.

One ``.npz`` file holds the arrays (labeled rows, their labels) and a JSON string with everything
else. It is written to a temporary file in the same folder, flushed to disk and renamed over the
old one, so a crash at any instant leaves either the previous checkpoint or the new one, never a
torn file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..utils import atomic_write

CHECKPOINT_NAME = "svpkit-active-learning.npz"
FORMAT_VERSION = 1


def checkpoint_path(folder: str | os.PathLike) -> Path:
    return Path(folder) / CHECKPOINT_NAME


def save_checkpoint(
    folder: str | os.PathLike,
    indices: np.ndarray,
    labels: np.ndarray,
    meta: dict[str, Any],
    arrays: dict[str, np.ndarray] | None = None,
) -> Path:
    """Write the checkpoint atomically (write, fsync, rename); ``arrays`` are further named
    arrays stored beside the labels (e.g. the SEALS neighbour lookups)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = checkpoint_path(folder)
    payload = json.dumps({"format_version": FORMAT_VERSION, **meta})
    atomic_write(
        target,
        lambda fh: np.savez(
            fh,
            indices=np.asarray(indices, dtype=np.int64),
            labels=np.asarray(labels),
            meta=np.array(payload),
            **{f"extra_{name}": np.asarray(a) for name, a in (arrays or {}).items()},
        ),
    )
    return target


def load_checkpoint(folder: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Read a checkpoint written by :func:`save_checkpoint` (no pickle involved)."""
    with np.load(checkpoint_path(folder), allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"checkpoint in {folder} has format {meta.get('format_version')}, this svpkit "
                f"reads format {FORMAT_VERSION}."
            )
        return data["indices"].copy(), data["labels"].copy(), meta


def load_checkpoint_arrays(folder: str | os.PathLike) -> dict[str, np.ndarray]:
    """The further arrays saved with ``save_checkpoint(..., arrays=)`` (empty if none)."""
    with np.load(checkpoint_path(folder), allow_pickle=False) as data:
        return {k[len("extra_") :]: data[k].copy() for k in data.files if k.startswith("extra_")}
