"""How many threads a command's torch and BLAS use: ``--threads N``, ``auto`` or ``all``.

Why a command sets it: torch starts one intra-op thread per core, and its OpenMP threads spin
while they wait for each other. When anything else runs on the machine, they fight it for the
cores: ``svpkit demo`` took 166 s instead of 9.3 s beside another job on two cores. ``auto``
(the default) gives the command the cores that are idle when it starts (under half busy over a
0.2 s sample, through psutil; at least one); ``all`` keeps torch's default (one per core); a
number fixes it. ``SVPKIT_THREADS`` sets the default. The Python API changes no thread setting
(a library should not); there, ``threadpoolctl.threadpool_limits(n)`` limits torch and BLAS
for a block (see the FAQ).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

#: The environment variable that sets ``--threads``' default.
THREADS_ENV = "SVPKIT_THREADS"


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def idle_cores(cores: int | None = None, busy: list[float] | None = None) -> int:
    """The cores idle now, at least 1: those under half busy over a 0.2 s sample of every
    core's use (``busy``: percentages, e.g. from ``psutil.cpu_percent(percpu=True)``).

    A sample of now, not the load average, which lags a minute behind: a command started just
    after another one ended would see its load and take fewer threads than it could.

    Examples
    --------
    >>> from svpkit.cli.threads import idle_cores
    >>> idle_cores(cores=2, busy=[3.0, 1.0]), idle_cores(cores=2, busy=[98.0, 2.0])
    (2, 1)
    >>> idle_cores(cores=2, busy=[100.0, 97.0])
    1
    """
    cores = usable_cores() if cores is None else cores
    if busy is None:
        import psutil

        busy = psutil.cpu_percent(interval=0.2, percpu=True)
        if hasattr(os, "sched_getaffinity"):  # only the cores this process may run on
            allowed = os.sched_getaffinity(0)
            busy = [b for i, b in enumerate(busy) if i in allowed] or busy
    idle = sum(1 for percent in busy if percent < 50.0)
    return max(1, min(cores, idle))


def parse_threads(text: str) -> str:
    """argparse type for ``--threads``: ``auto``, ``all`` or a whole number >= 1."""
    import argparse

    value = text.strip().lower()
    if value in ("auto", "all"):
        return value
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not auto, all or a number of threads >= 1")
    return str(number)


def thread_count(setting: str) -> int | None:
    """The threads ``setting`` asks for now (None: torch's default)."""
    if setting == "all":
        return None
    if setting == "auto":
        return idle_cores()
    return int(setting)


@contextmanager
def command_threads(setting: str) -> Iterator[int | None]:
    """Run a block with torch's intra-op threads and the BLAS threads set as ``setting`` asks;
    both are restored after. Yields the number set (None: unchanged)."""
    count = thread_count(setting)
    if count is None:
        yield None
        return
    import torch
    from threadpoolctl import threadpool_limits

    saved = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        with threadpool_limits(count):  # numpy's BLAS, FAISS's OpenMP
            yield count
    finally:
        torch.set_num_threads(saved)
