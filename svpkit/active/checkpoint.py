"""Atomic, pickle-free checkpoints for the active-learning loop.

One ``.npz`` file holds the arrays (labeled rows, their labels) and a JSON string with everything
else. It is written to a temporary file in the same folder, flushed to disk and renamed over the
old one, so a crash at any instant leaves either the previous checkpoint or the new one, never a
torn file.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
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


#: What reading a damaged ``.npz`` raises: a truncated zip, a truncated or corrupt member, a
#: missing member, a JSON header cut short (a missing file is not damage: it passes through).
_DAMAGE = (zipfile.BadZipFile, EOFError, zlib.error, KeyError, ValueError, OSError)


def _read(folder: str | os.PathLike, read: Any) -> Any:
    """``read(npz)`` on the checkpoint in ``folder``; a damaged file is refused by name."""
    path = checkpoint_path(folder)
    try:
        with np.load(path, allow_pickle=False) as data:
            return read(data)
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise  # no file, or not ours to read: not damage
    except _DAMAGE as exc:
        raise ValueError(
            f"the checkpoint {path} is damaged and cannot be read ({type(exc).__name__}: "
            f"{exc}). svpkit writes it atomically, so it was changed or cut short after it was "
            "written (a full disk, an interrupted copy). Restore it from a backup to resume; "
            "or move it away and start again without resume=True (its labels would be asked "
            "again)."
        ) from exc


def load_checkpoint(folder: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Read a checkpoint written by :func:`save_checkpoint` (no pickle involved).

    Raises
    ------
    ValueError
        When the file is damaged (naming it), or of another format version.
    """

    def read(data: Any) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
        meta = json.loads(str(data["meta"]))
        if not isinstance(meta, dict):
            raise ValueError(f"its metadata is {type(meta).__name__}, not a JSON object")
        return data["indices"].copy(), data["labels"].copy(), meta

    indices, labels, meta = _read(folder, read)
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"checkpoint in {folder} has format {meta.get('format_version')}, this svpkit "
            f"reads format {FORMAT_VERSION}."
        )
    return indices, labels, meta


def load_checkpoint_arrays(folder: str | os.PathLike) -> dict[str, np.ndarray]:
    """The further arrays saved with ``save_checkpoint(..., arrays=)`` (empty if none)."""
    return _read(
        folder,
        lambda data: {
            k[len("extra_") :]: data[k].copy() for k in data.files if k.startswith("extra_")
        },
    )
