"""The interface every pool strategy implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from ..methods import BlockMap, PoolOutputs


class Pool(ABC):
    """How proxy outputs are computed for the rows a selector ranks.

    A pool validates its data when it is built, trains the proxy where the labeled rows are,
    and reads every output a method declared once. ``blockwise`` pools (data spread over
    workers) also hand a method's blockwise variant a :class:`~svpkit.methods.BlockMap`.
    """

    #: True when the rows live in blocks on workers (a method's blockwise variant may run).
    blockwise: bool = False

    n_rows: int
    #: Identifies the pool's content, so ``transform`` can recognise the pool seen in ``fit``.
    fingerprint: tuple

    @abstractmethod
    def proxy_outputs(
        self,
        proxy: Any,
        needs: frozenset,
        y_enc: np.ndarray,
        train_rows: np.ndarray,
        seed: int,
        *,
        memory: Any = None,
        verbose: bool = False,
    ) -> tuple[Any, PoolOutputs, dict[str, float]]:
        """Train a clone of ``proxy`` on ``train_rows`` (``None``: no proxy) and read ``needs``
        for every row. Returns ``(proxy_, outputs, {"proxy_fit": s, "score": s})``."""

    @abstractmethod
    def fitted_outputs(self, proxy_: Any, needs: frozenset) -> PoolOutputs:
        """Outputs of an already fitted proxy on this pool (``transform`` on a new pool)."""

    def blocks(self, proxy_: Any) -> BlockMap | None:
        """The pool's blocks for a blockwise method, or None for a pool held in one process."""
        return None

    @abstractmethod
    def take(self, X: Any, rows: np.ndarray) -> Any:
        """``X[rows]`` in ``X``'s own container type."""
