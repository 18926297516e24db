"""Regression forms of the scores: uncertainty as the proxy's predictive variance, and
difficulty as its cross-fitted residual (the EL2N analogue).

Diversity (``kcenters``), the cold-start methods and ``random`` need no form of their own;
class balance becomes stratification over quantiles of the target (``svpkit.selectors.task``).
"""

from __future__ import annotations

from ._registry import register_method
from ._types import SelectionMethod
from .uncertainty import rank_by_output

# Active learning and core-set: the rows the proxy is least sure of (largest variance first).
register_method(SelectionMethod("variance", needs={"variance"}, rank=rank_by_output("variance")))
# Core-set: the rows the proxy predicts worst from the others (largest residual first); every
# row must be labeled (a residual needs the row's target).
register_method(
    SelectionMethod(
        "residual", needs={"residual"}, rank=rank_by_output("residual"), needs_all_labels=True
    )
)
