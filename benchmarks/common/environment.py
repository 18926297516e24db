"""The record of the machine stored with every result, and the peak memory of one call."""

from __future__ import annotations

import os
import platform
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["environment", "peak_rss_during"]


def environment() -> dict[str, Any]:
    """Versions, CPU and thread settings, to store next to every result.

    Returns
    -------
    env : dict
        JSON-serialisable: Python and platform, CPU count, torch threads, CUDA, the OpenBLAS
        settings, and the versions of svpkit and its main dependencies.

    Examples
    --------
    >>> import json
    >>> from benchmarks.common.environment import environment
    >>> env = environment()
    >>> sorted(env["versions"])
    ['numpy', 'scikit-learn', 'skorch', 'svpkit', 'torch']
    >>> isinstance(env["cpu_count"], int), isinstance(json.dumps(env), str)
    (True, True)
    """
    from importlib.metadata import version

    import numpy
    import sklearn
    import skorch
    import torch

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.is_available(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
        "versions": {
            "svpkit": version("svpkit"),
            "numpy": numpy.__version__,
            "scikit-learn": sklearn.__version__,
            "skorch": skorch.__version__,
            "torch": torch.__version__,
        },
    }


def peak_rss_during(fn: Callable[[], Any], interval: float = 0.0005) -> tuple[Any, int]:
    """Run ``fn`` and return ``(result, peak resident-set growth in bytes)``.

    A thread samples ``/proc/self/statm`` while ``fn`` runs. Unlike tracemalloc it sees every
    allocator (torch's CPU allocator included); short-lived peaks between samples can be missed,
    so treat it as a lower bound. Returns ``-1`` for the growth where ``/proc`` is missing.

    Parameters
    ----------
    fn : callable
        Called with no argument.
    interval : float, default=0.0005
        Seconds between samples.

    Returns
    -------
    result : object
        What ``fn`` returned.
    growth : int
        Peak resident-set growth in bytes.

    Examples
    --------
    >>> import time
    >>> import numpy as np
    >>> from benchmarks.common.environment import peak_rss_during
    >>> def work():
    ...     block = np.ones(10_000_000)  # 80 MB
    ...     time.sleep(0.02)
    ...     return float(block.sum())
    >>> result, growth = peak_rss_during(work)
    >>> result, growth > 50_000_000
    (10000000.0, True)
    """
    statm = Path("/proc/self/statm")
    if not statm.exists():
        return fn(), -1
    page = os.sysconf("SC_PAGE_SIZE")

    def rss() -> int:
        return int(statm.read_text().split()[1]) * page

    base = rss()
    peak = [base]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss())
            time.sleep(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        out = fn()
    finally:
        stop.set()
        thread.join()
    return out, max(peak[0], rss()) - base
