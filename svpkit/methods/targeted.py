"""``targeted``: rows like a query set and unlike a private set (SIMILAR's FLQMI).

For rare classes (Kothawade et al., "SIMILAR: Submodular Information Measures Based Active
Learning in Realistic Scenarios", NeurIPS 2021): given a few examples of what the user cares
about (``query``, e.g. labeled rows of a rare class) and optionally of what to avoid
(``private``), pick the candidates that cover the query rows in the proxy's embedding. See
:mod:`svpkit.kernels.targeted` for what is computed and how memory stays linear.
"""

from __future__ import annotations

import numpy as np

from ..kernels.targeted import targeted_select
from ._registry import register_method
from ._types import RankContext, Ranking, SelectionMethod

__all__ = ["TARGETED_ETA", "TARGETED_NU"]

#: SIMILAR's weight of the "near some query row" term, and the private penalty's weight.
TARGETED_ETA = 1.0
TARGETED_NU = 1.0


def _check_query(extras: dict) -> None:
    """targeted's ``check`` hook: it needs query rows (``query`` or ``query_classes``)."""
    query = extras.get("query")
    if query is None or len(query) == 0:
        raise ValueError(
            "method='targeted' selects rows like a query set, but none was given: use "
            "ProxySelector with query= (row indices of X) or query_classes= (labels whose "
            "labeled rows form the query; label at least one such row first). On a fully "
            "labeled pool ProxySelector ranks every row."
        )


def _rank_targeted(ctx: RankContext) -> Ranking:
    emb = ctx.outputs.embedding
    private = ctx.extras.get("private")
    private = None if private is None or len(private) == 0 else emb[private]
    picks, gains = targeted_select(
        emb[ctx.candidates],
        emb[ctx.extras["query"]],
        ctx.n_select,
        private,
        eta=TARGETED_ETA,
        nu=TARGETED_NU,
    )
    scores = np.full(len(ctx.candidates), np.nan)
    # Gains never increase along the picks; ties keep pick order through a tiny decrement.
    scores[picks] = gains - np.arange(len(picks)) * 1e-12
    return Ranking(ctx.candidates[picks], scores)


register_method(
    SelectionMethod(
        "targeted",
        needs={"embedding"},
        rank=_rank_targeted,
        params={"query", "query_classes", "private"},
        hooks={"check": _check_query},
    )
)
