"""Layer 3, methods: the registry, the rank context, one module per family.

- :mod:`~svpkit.methods.uncertainty`: least confidence, entropy, margin (``{"proba"}``);
- :mod:`~svpkit.methods.diversity`: k-centers (``{"embedding"}``), with a blockwise variant;
- :mod:`~svpkit.methods.dynamics`: training-dynamics scores (forgetting, EL2N, GraNd, AUM,
  Dyn-Unc, TDDS, DUAL; all rows labeled);
- :mod:`~svpkit.methods.coverage`: ``moderate`` and ``d2`` on the proxy's embeddings;
- :mod:`~svpkit.methods.coldstart`: ``typiclust``, ``probcover``, ``maxherding`` on the input
  features (no proxy, no label needed: active learning's cold start);
- :mod:`~svpkit.methods.badge`: BADGE's gradient-embedding k-means++ (``{"proba", "embedding"}``);
- :mod:`~svpkit.methods.samplers`: from scores to kept rows (top-k, CCS, DUAL's Beta);
- :mod:`~svpkit.methods.targeted`: rows like a query set (SIMILAR's FLQMI; ``{"embedding"}``);
- :mod:`~svpkit.methods.random`: uniform random (reads nothing);
- :mod:`~svpkit.methods.balance`: class balance, one wrapper around any method.

A new method is one function of a :class:`RankContext` plus :func:`register_method`; see
``docs/methods.md``.
"""

from ..kernels.topk import FULL_RANKING_MAX_ROWS, order_by_score
from . import (  # noqa: F401  (built-ins)
    auto,
    badge,
    coldstart,
    coverage,
    diversity,
    dynamics,
    random,
    targeted,
    uncertainty,
)
from ._registry import (
    available_methods,
    check_method_params,
    get_method,
    methods_not_reading,
    methods_taking,
    methods_without_proxy,
    register_method,
    resolve_method,
    runs_without_labels,
)
from ._run import outputs_read, run_method, runs_blockwise, streamed_scores
from ._types import (
    HOOKS,
    OUTPUTS,
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

__all__ = [
    "FULL_RANKING_MAX_ROWS",
    "OUTPUTS",
    "TRAINING_OUTPUTS",
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
