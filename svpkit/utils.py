"""Small helpers shared across layers: devices, and the one place seeds come from.

Seeding rule: every random choice flows from the user's ``random_state``. Within one ``fit``, a
``RandomState`` stream hands out seeds in a fixed order (:func:`derive_seed`). Where work must
resume mid-way (active-learning rounds), seeds are keyed instead of drawn from a stream
(:func:`keyed_seed`), so a resumed run draws exactly what an uninterrupted one would. Estimators
trained inside svpkit (proxies, targets) are seeded by :func:`fit_seeded`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = [
    "cuda_available",
    "resolve_device",
    "torch_seed_scope",
    "derive_seed",
    "keyed_seed",
    "fit_seeded",
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
    """Fit ``estimator`` in place, reproducibly: ``random_state`` is set to ``seed`` when the
    estimator has one left unset, and torch is seeded in a scope. Returns the estimator.

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
    params = estimator.get_params()
    if "random_state" in params and params["random_state"] is None:
        estimator.set_params(random_state=seed)
    with torch_seed_scope(seed):
        estimator.fit(X, y, **fit_params)
    return estimator


def atomic_write(target: Any, write: Any) -> None:
    """Write a file so that a crash at any instant leaves the old file or the new one, never a
    torn one: ``write(fh)`` fills a temporary file in the same folder, which is flushed to disk
    and renamed over ``target``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from svpkit.utils import atomic_write
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> atomic_write(path, lambda fh: fh.write(b"saved"))
    >>> path.read_bytes()
    b'saved'
    """
    import os
    import tempfile
    from pathlib import Path

    target = Path(target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
