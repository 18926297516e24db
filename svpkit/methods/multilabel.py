"""Multi-label uncertainty: each label's binary entropy, combined per row by its mean
(``mean_entropy``) or its maximum (``max_entropy``).

The other forms need nothing of their own: diversity (``kcenters``), the cold-start methods,
``random`` and ``given_scores`` read no class probabilities, and class balance becomes
per-label coverage (:func:`svpkit.methods.balance.rank_covering`). Methods that read class
probabilities or training dynamics are refused for a multi-label target (a label set has no
single class whose margin or correctness they could read).
"""

from __future__ import annotations

from functools import partial

from ..kernels import scoring
from ._registry import register_method
from ._types import SelectionMethod
from .uncertainty import rank_by_output

__all__ = ["label_uncertainty_rank"]


def label_uncertainty_rank(reduce: str):
    """A rank function ordering candidates by :func:`~svpkit.kernels.scoring.label_entropy`
    (``reduce``: ``"mean"`` or ``"max"``), most uncertain first.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.methods import PoolOutputs, RankContext
    >>> from svpkit.methods.multilabel import label_uncertainty_rank
    >>> label_proba = np.array([[0.99, 0.01], [0.5, 0.99], [0.7, 0.7]])
    >>> ctx = RankContext(PoolOutputs(label_proba=label_proba), np.arange(3), np.arange(0),
    ...                   np.full(3, -1), np.arange(2), 2, np.random.RandomState(0))
    >>> label_uncertainty_rank("mean")(ctx)[0].tolist()  # both labels doubtful: row 2
    [2, 1, 0]
    >>> label_uncertainty_rank("max")(ctx)[0].tolist()  # one label a coin toss: row 1
    [1, 2, 0]
    """
    return rank_by_output(
        "label_proba",
        "this method reads per-label probabilities, which only a multi-label target (y a "
        "binary indicator matrix) and its proxy give.",
        kernel=partial(scoring.label_entropy, reduce=reduce),
    )


register_method(
    SelectionMethod("mean_entropy", needs={"label_proba"}, rank=label_uncertainty_rank("mean"))
)
register_method(
    SelectionMethod("max_entropy", needs={"label_proba"}, rank=label_uncertainty_rank("max"))
)
