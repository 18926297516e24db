"""Rank by scores the user computed elsewhere (a detection model's per-image uncertainty, a
loss from another run): ``fit(X, y, scores=...)`` with ``method="given_scores"``."""

from __future__ import annotations

from ._registry import register_method
from ._types import SelectionMethod
from .uncertainty import rank_by_output

# The selector refuses a missing ``scores=`` first; a direct caller may not.
_MISSING = "method='given_scores' ranks by the scores passed to fit(X, y, scores=...)."

register_method(
    SelectionMethod("given_scores", needs={"scores"}, rank=rank_by_output("scores", _MISSING))
)
