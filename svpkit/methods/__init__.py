"""Layer 3, methods: the registry, the rank context, one module per family.

Every public module of this package is a built-in family (uncertainty, diversity, dynamics,
coverage, cold start, BADGE, targeted, random, auto; ``samplers`` and ``balance`` are the
helpers every method shares): importing it registers its methods. The modules are found, not
listed, so a new built-in method is one new module. The table in ``docs/methods.md`` says
which method reads what.

A new method is one function of a :class:`RankContext` plus :func:`register_method`; see
``docs/methods.md``.
"""

import importlib
import pkgutil

from .._defaults import DEFAULT_METHOD
from ..kernels.topk import FULL_RANKING_MAX_ROWS, order_by_score
from ._registry import (
    available_methods,
    check_method_params,
    get_method,
    methods_not_reading,
    methods_reading_only,
    methods_taking,
    methods_without_proxy,
    register_method,
    resolve_method,
    runs_without_labels,
)
from ._run import outputs_read, run_method, runs_blockwise, streamed_scores
from ._types import (
    CLASSIFICATION_OUTPUTS,
    GIVEN_OUTPUTS,
    HOOKS,
    MULTILABEL_OUTPUTS,
    OUTPUTS,
    REGRESSION_OUTPUTS,
    SERVICES,
    TRAINING_OUTPUTS,
    BlockMap,
    PoolOutputs,
    RankContext,
    Ranking,
    Regime,
    SelectionMethod,
    as_ranking,
    ranking_from_picks,
)
from .samplers import SAMPLERS, BetaSampler, CCSSampler, Sampler, resolve_sampler

# The built-ins register themselves on import. Found rather than listed: adding one is a new
# module and nothing else (sorted, so the order is the same on every machine).
for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
del _module

__all__ = [
    "DEFAULT_METHOD",
    "FULL_RANKING_MAX_ROWS",
    "OUTPUTS",
    "TRAINING_OUTPUTS",
    "GIVEN_OUTPUTS",
    "REGRESSION_OUTPUTS",
    "CLASSIFICATION_OUTPUTS",
    "MULTILABEL_OUTPUTS",
    "HOOKS",
    "SERVICES",
    "SAMPLERS",
    "Sampler",
    "CCSSampler",
    "BetaSampler",
    "resolve_sampler",
    "BlockMap",
    "PoolOutputs",
    "RankContext",
    "Ranking",
    "SelectionMethod",
    "as_ranking",
    "available_methods",
    "get_method",
    "methods_not_reading",
    "methods_reading_only",
    "methods_without_proxy",
    "methods_taking",
    "check_method_params",
    "order_by_score",
    "register_method",
    "Regime",
    "resolve_method",
    "runs_without_labels",
    "ranking_from_picks",
    "outputs_read",
    "run_method",
    "runs_blockwise",
    "streamed_scores",
]
