"""Layer 3, methods: the registry, the rank context, one module per family.

- :mod:`~svpkit.methods.uncertainty`: least confidence, entropy, margin (``{"proba"}``);
- :mod:`~svpkit.methods.diversity`: k-centers (``{"embedding"}``), with a blockwise variant;
- :mod:`~svpkit.methods.dynamics`: forgetting events (``{"forgetting"}``, all rows labeled);
- :mod:`~svpkit.methods.random`: uniform random (reads nothing);
- :mod:`~svpkit.methods.balance`: class balance, one wrapper around any method.

A new method is one function of a :class:`RankContext` plus :func:`register_method`; see
``docs/methods.md``.
"""

from . import diversity, dynamics, random, uncertainty  # noqa: F401  (register the built-ins)
from ._registry import (
    OUTPUTS,
    BlockMap,
    PoolOutputs,
    RankContext,
    Ranking,
    SelectionMethod,
    as_ranking,
    available_methods,
    get_method,
    methods_not_reading,
    methods_without_proxy,
    order_by_score,
    register_method,
)
from ._run import outputs_read, run_method, runs_blockwise

__all__ = [
    "OUTPUTS",
    "BlockMap",
    "PoolOutputs",
    "RankContext",
    "Ranking",
    "SelectionMethod",
    "as_ranking",
    "available_methods",
    "get_method",
    "methods_not_reading",
    "methods_without_proxy",
    "order_by_score",
    "register_method",
    "outputs_read",
    "run_method",
    "runs_blockwise",
]
