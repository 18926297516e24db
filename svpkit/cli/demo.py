"""`svpkit demo`: core-set selection with a cheap proxy against a CNN target, end to end."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from ..datasets import load_image_dataset
from ..nn import EpochProgressBar, ProxyNet, SmallCNN, make_default_proxy
from ..selectors import CoresetSelector
from ..utils import fit_seeded, torch_seed_scope

__all__ = ["DemoRow", "run_demo", "format_table"]


@dataclass
class DemoRow:
    """One line of the demo table."""

    subset: str
    rows: int
    accuracy: float
    select_seconds: float
    target_seconds: float

    @property
    def total_seconds(self) -> float:
        return self.select_seconds + self.target_seconds


def _fit_target(target: ProxyNet, X, y, seed: int, verbose: bool, label: str):
    if verbose:
        target = target.set_params(callbacks=[("progress", EpochProgressBar(label))])
    start = time.perf_counter()
    fit_seeded(target, X, y, seed)
    return target, time.perf_counter() - start


def run_demo(
    dataset: str = "digits",
    method: str = "forgetting",
    fraction: float = 0.5,
    proxy_epochs: int = 5,
    target_epochs: int = 30,
    max_rows: int | None = None,
    random_state: int = 0,
    verbose: bool = True,
) -> list[DemoRow]:
    """Train a CNN target on all rows, on a proxy-selected core-set, and on a random subset.

    Parameters
    ----------
    dataset : {"digits", "mnist"}, default="digits"
    method : str, default="forgetting"
        Selection method of the proxy (any :class:`~svpkit.CoresetSelector` method).
    fraction : float, default=0.5
        Share of the training rows kept.
    proxy_epochs, target_epochs : int
        Training epochs of the MLP proxy and of the CNN target.
    max_rows : int, default=None
        Use only this many rows (for quick checks).
    random_state : int, default=0
    verbose : bool, default=True
        Progress bars while training.

    Returns
    -------
    rows : list of DemoRow
        Full data, proxy-selected subset, random subset.

    Examples
    --------
    >>> from svpkit.cli.demo import run_demo
    >>> rows = run_demo(max_rows=300, proxy_epochs=1, target_epochs=1, verbose=False)
    >>> [r.subset for r in rows]
    ['full data', 'proxy-selected (forgetting)', 'random']
    """
    data = load_image_dataset(dataset)
    X, y = data.X, data.y
    if max_rows is not None and max_rows < len(X):
        X, _, y, _ = train_test_split(
            X, y, train_size=max_rows, stratify=y, random_state=random_state
        )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=random_state
    )
    target = ProxyNet(
        SmallCNN,
        module__image_shape=data.image_shape,
        module__width=32,
        max_epochs=target_epochs,
        lr=2e-3,
        batch_size=64,
    )
    proxy = make_default_proxy(max_epochs=proxy_epochs, module__hidden_units=(64,), lr=2e-3)

    def evaluate(name: str, rows: np.ndarray, select_seconds: float) -> DemoRow:
        fitted, seconds = _fit_target(
            target, X_train[rows], y_train[rows], random_state, verbose, f"target: {name}"
        )
        return DemoRow(name, len(rows), fitted.score(X_test, y_test), select_seconds, seconds)

    # Warm up torch's thread pool and allocator so the first timed run is not penalised.
    with torch_seed_scope(random_state):
        target.set_params(max_epochs=1).fit(X_train[:64], y_train[:64])
    target.set_params(max_epochs=target_epochs)
    results = [evaluate("full data", np.arange(len(X_train)), 0.0)]
    for name, selector in (
        (f"proxy-selected ({method})", CoresetSelector(proxy, method=method, fraction=fraction)),
        ("random", CoresetSelector(method="random", fraction=fraction)),
    ):
        selector.set_params(random_state=random_state, verbose=verbose)
        start = time.perf_counter()
        rows = selector.fit(X_train, y_train).sample_indices_
        results.append(evaluate(name, rows, time.perf_counter() - start))
    return results


def format_table(rows: list[DemoRow]) -> str:
    """The demo's results as a fixed-width text table, with speed-ups against the full run."""
    full = rows[0].total_seconds
    header = (
        f"{'training set':<32}{'rows':>6}{'test acc':>10}{'select s':>10}{'target s':>10}"
        f"{'total s':>9}{'speed-up':>10}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r.subset:<32}{r.rows:>6}{r.accuracy:>10.4f}{r.select_seconds:>10.2f}"
            f"{r.target_seconds:>10.2f}{r.total_seconds:>9.2f}{full / r.total_seconds:>9.2f}x"
        )
    return "\n".join(lines)


def rows_as_dicts(rows: list[DemoRow]) -> list[dict[str, Any]]:
    return [dict(asdict(r), total_seconds=r.total_seconds) for r in rows]
