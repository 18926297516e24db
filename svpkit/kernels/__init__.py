"""Layer 1, kernels: pure functions on arrays (no estimators, no I/O).

- :mod:`~svpkit.kernels.scoring`: uncertainty from probabilities, forgetting counts;
- :mod:`~svpkit.kernels.dynamics`: training-dynamics channels and the scores read from them
  (forgetting, EL2N, AUM, Dyn-Unc, TDDS, DUAL);
- :mod:`~svpkit.kernels.kcenters`: greedy k-centers in linear memory, nearest-center
  assignment, resource estimates; the exact lazy engine lives in
  :mod:`~svpkit.kernels.lazy_kcenters`;
- :mod:`~svpkit.kernels.features`: the PCA representation the cold-start methods read;
- :mod:`~svpkit.kernels.lazy_greedy`: the lazy greedy loop behind D2
  (:mod:`~svpkit.kernels.graph`), ProbCover and MaxHerding (:mod:`~svpkit.kernels.coldstart`)
  and targeted selection (:mod:`~svpkit.kernels.targeted`).
"""

from .dynamics import (
    TrainingDynamics,
    aum_scores,
    dual_scores,
    dyn_unc_scores,
    el2n_scores,
    forgetting_from_dynamics,
    tdds_scores,
)
from .kcenters import KCentersResult, assign_to_centers, estimate_resources, greedy_kcenters
from .scoring import ForgettingCounter, entropy, forgetting_scores, least_confidence, margin

__all__ = [
    "greedy_kcenters",
    "KCentersResult",
    "assign_to_centers",
    "estimate_resources",
    "least_confidence",
    "margin",
    "entropy",
    "ForgettingCounter",
    "forgetting_scores",
    "TrainingDynamics",
    "forgetting_from_dynamics",
    "el2n_scores",
    "aum_scores",
    "dyn_unc_scores",
    "tdds_scores",
    "dual_scores",
]
