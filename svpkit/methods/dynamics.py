"""Training dynamics: scores read from one proxy run (core-set selection; every row labeled).

The proxy's :class:`~svpkit.nn.DynamicsRecorder` stores four float16 channels per row and epoch
(:mod:`svpkit.kernels.dynamics`); every method here reads them, so one proxy training serves
all of them (with ``memory=``, across selectors too). All rank hard rows first (larger score =
keep first); with ``sampler="ccs"`` the hardest share is dropped as likely mislabeled and the
budget is spread over the rest of the score range, which is what holds at high pruning rates.

- ``forgetting``: forgetting events (Toneva et al., ICLR 2019);
- ``el2n``: error-vector norm over the first half of the epochs (Paul et al., NeurIPS 2021);
- ``grand``: last-layer gradient norm of the fitted proxy (Paul et al., 2021), see below;
- ``aum``: negated area under the margin (Pleiss et al., NeurIPS 2020);
- ``dyn_unc``: windowed std of the true-class probability (He et al., CVPRW 2024);
- ``tdds``: windowed variability of KL steps, exponentially weighted (Zhang et al., CVPR 2024);
- ``dual``: windowed std(p_y) * (1 - mean p_y) (Cho et al., ICML 2025).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..kernels import dynamics as kd
from ..kernels.topk import order_by_score
from ._registry import register_method
from ._types import RankContext, SelectionMethod

__all__ = ["dynamics_rank", "DYNAMICS_METHODS"]


def _rank_forgetting(ctx: RankContext):
    # Never-learned rows score highest, unforgettable ones lowest (ForgettingCounter).
    scores = ctx.outputs.forgetting[ctx.candidates]
    return order_by_score(ctx.candidates, scores, ctx.rng), scores


def dynamics_rank(kernel: Callable[[kd.TrainingDynamics], np.ndarray]):
    """A rank function ordering candidates by ``kernel(dynamics of the candidates)``."""

    def rank(ctx: RankContext):
        scores = np.asarray(kernel(ctx.outputs.dynamics.take(ctx.candidates)), dtype=np.float64)
        return order_by_score(ctx.candidates, scores, ctx.rng), scores

    return rank


def _rank_grand(ctx: RankContext):
    # GraNd at the fitted proxy's weights, last layer only: the cross-entropy gradient with
    # respect to the last linear layer's weights and bias is (p - onehot(y)) (x) [h, 1], whose
    # Frobenius norm is exactly ||p - onehot(y)|| * ||[h, 1]||. The paper's GraNd takes the
    # whole network's gradient early in training, averaged over seeds.
    proba = np.asarray(ctx.outputs.proba[ctx.candidates], dtype=np.float64)
    h = np.asarray(ctx.outputs.embedding[ctx.candidates], dtype=np.float64)
    y = ctx.y[ctx.candidates]
    error = proba.copy()
    error[np.arange(len(y)), y] -= 1.0
    scores = np.linalg.norm(error, axis=1) * np.sqrt((h.reshape(len(h), -1) ** 2).sum(1) + 1.0)
    return order_by_score(ctx.candidates, scores, ctx.rng), scores


register_method(
    SelectionMethod(
        "forgetting", needs={"forgetting"}, rank=_rank_forgetting, needs_all_labels=True
    )
)
register_method(
    SelectionMethod("grand", needs={"proba", "embedding"}, rank=_rank_grand, needs_all_labels=True)
)

#: The methods that read ``dynamics``, with their kernels (default parameters). A variant with
#: other parameters is one line, e.g.
#: ``register_method("dual_w5", dynamics_rank(lambda d: dual_scores(d, window=5)),
#: needs={"dynamics"}, needs_all_labels=True)``.
DYNAMICS_METHODS = {
    "el2n": kd.el2n_scores,
    "aum": kd.aum_scores,
    "dyn_unc": kd.dyn_unc_scores,
    "tdds": kd.tdds_scores,
    "dual": kd.dual_scores,
}
for _name, _kernel in DYNAMICS_METHODS.items():
    register_method(
        SelectionMethod(
            _name, needs={"dynamics"}, rank=dynamics_rank(_kernel), needs_all_labels=True
        )
    )
