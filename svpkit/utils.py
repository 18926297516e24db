"""Small helpers shared across layers: devices, the one place seeds come from, and the one
atomic file writer.

Seeding rule: every random choice flows from the user's ``random_state``. Within one ``fit``, a
``RandomState`` stream hands out seeds in a fixed order (:func:`derive_seed`). Where work must
resume mid-way (active-learning rounds), seeds are keyed instead of drawn from a stream
(:func:`keyed_seed`), so a resumed run draws exactly what an uninterrupted one would. Estimators
trained inside svpkit (proxies, targets) are seeded by :func:`fit_seeded`.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

__all__ = [
    "cuda_available",
    "resolve_device",
    "torch_seed_scope",
    "derive_seed",
    "keyed_seed",
    "fit_seeded",
    "atomic_write",
]


def cuda_available() -> bool:
    """Whether torch sees a CUDA device (False when torch has no CUDA build).

    Examples
    --------
    >>> from svpkit.utils import cuda_available, resolve_device
    >>> resolve_device("auto") == ("cuda" if cuda_available() else "cpu")
    True
    """
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
    """Draw a 31-bit seed from ``rng`` (for torch and sub-components).

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.utils import derive_seed
    >>> derive_seed(np.random.RandomState(0)) == derive_seed(np.random.RandomState(0))
    True
    """
    return int(rng.randint(np.iinfo(np.int32).max))


def keyed_seed(base_seed: int | None, *key: int) -> int:
    """A 31-bit seed that depends only on ``(base_seed, *key)``; fresh entropy for ``None``.

    Examples
    --------
    >>> from svpkit.utils import keyed_seed
    >>> keyed_seed(0, 3) == keyed_seed(0, 3) != keyed_seed(0, 4)
    True
    """
    entropy = None if base_seed is None else [int(base_seed), *map(int, key)]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0] >> 1)


@contextlib.contextmanager
def torch_seed_scope(seed: int) -> Iterator[None]:
    """Seed torch for the block and restore the caller's global RNG state afterwards.

    Parameters
    ----------
    seed : int
        Passed to :func:`torch.manual_seed` on entry.

    Examples
    --------
    >>> import torch
    >>> from svpkit.utils import torch_seed_scope
    >>> with torch_seed_scope(0):
    ...     a = torch.rand(3)
    >>> with torch_seed_scope(0):
    ...     b = torch.rand(3)
    >>> bool(torch.equal(a, b))
    True
    >>> state = torch.get_rng_state()
    >>> with torch_seed_scope(1):
    ...     _ = torch.rand(3)
    >>> bool(torch.equal(state, torch.get_rng_state()))  # the caller's stream is untouched
    True
    """
    import torch

    devices = list(range(torch.cuda.device_count())) if cuda_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def fit_seeded(estimator: Any, X: Any, y: Any, seed: int, **fit_params: Any) -> Any:
    """Fit ``estimator`` in place, reproducibly: every ``random_state`` it leaves unset (its
    own, or a nested estimator's) is set to ``seed``, and torch is seeded in a scope. Returns
    the estimator.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from svpkit.utils import fit_seeded
    >>> X, y = load_iris(return_X_y=True)
    >>> a = fit_seeded(RandomForestClassifier(n_estimators=5), X, y, seed=0)
    >>> b = fit_seeded(RandomForestClassifier(n_estimators=5), X, y, seed=0)
    >>> bool((a.predict_proba(X) == b.predict_proba(X)).all())
    True
    """
    # Nested ones too (a Pipeline's forest): every random_state left unset gets the seed.
    unset = {
        name: seed
        for name, value in estimator.get_params().items()
        if (name == "random_state" or name.endswith("__random_state")) and value is None
    }
    if unset:
        estimator.set_params(**unset)
    with torch_seed_scope(seed):
        estimator.fit(X, y, **fit_params)
    return estimator


def atomic_write(
    target: str | os.PathLike, write: Callable[[IO], Any], *, text: bool = False
) -> None:
    """Write a file so that a crash at any instant leaves the old file or the new one, never a
    torn one, and an error leaves no temporary file behind.

    ``write(fh)`` fills a temporary file in the same folder (named ``.<name>.<random>.tmp``),
    which is flushed to disk and renamed over ``target``; the folder is then flushed too, where
    the platform allows, so the rename itself survives a power loss. A new file gets the mode
    the umask gives, as a plain ``open`` would (``tempfile.mkstemp`` would leave it ``0600``);
    a replaced file keeps its mode, as writing into it would.

    Parameters
    ----------
    target : path
        The file to write (its folder must exist).
    write : callable
        ``write(fh)`` with the open temporary file.
    text : bool, default=False
        Open the file in text mode (UTF-8, no newline translation: what ``csv`` and pandas'
        ``to_csv`` expect) instead of binary.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from svpkit.utils import atomic_write
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> atomic_write(path, lambda fh: fh.write(b"saved"))
    >>> path.read_bytes()
    b'saved'
    >>> atomic_write(path, lambda fh: fh.write("a,b\\n"), text=True)
    >>> path.read_text()
    'a,b\\n'
    """
    target = Path(target)
    fd, tmp = _create_beside(target)
    try:
        with os.fdopen(fd, "w" if text else "wb", **_TEXT_OPTIONS if text else {}) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        _keep_mode(target, tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(target.parent)


#: How :func:`atomic_write` opens text files.
_TEXT_OPTIONS = {"encoding": "utf-8", "newline": ""}


def _create_beside(target: Path) -> tuple[int, str]:
    """A new, uniquely named temporary file in ``target``'s folder, opened for writing. Created
    with mode 0666, so the process umask applies exactly as for a plain ``open``."""
    import secrets

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = str(target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:  # pragma: no cover - a 48-bit name collision
            continue


def _keep_mode(target: Path, tmp: str) -> None:
    """Give the temporary file the mode of the file it replaces (if any): a user who made an
    output group-readable, or read-only to others, keeps that across a rewrite."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return
    os.chmod(tmp, mode)


def _fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename) to disk; a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows, or a folder we may not read
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse to fsync a folder
        pass
    finally:
        os.close(fd)
