"""Class balance, one wrapper around any method: the same share inside every class.

Candidates are grouped by their label where it is known and, where it is not (active
learning), by the class the proxy predicts. The method ranks each class on its own (with that
class's existing rows as existing centers); the number of rows kept is the same as without
class balance, split in proportion to the class sizes (largest remainder), so a share is the
same share inside every class up to one row. The combined ranking interleaves the classes by
relative rank within their class.
"""

from __future__ import annotations

import numpy as np

from ._types import RankContext, Ranking, SelectionMethod, as_ranking
from .samplers import keep

__all__ = ["rank_balanced", "candidate_classes", "allocate"]


def allocate(total: int, class_sizes: np.ndarray) -> np.ndarray:
    """Split a count across classes in proportion to their sizes (largest remainder).

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.methods.balance import allocate
    >>> allocate(5, np.array([10, 10, 1])).tolist()
    [3, 2, 0]
    """
    exact = total * class_sizes / class_sizes.sum()
    counts = np.floor(exact).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return np.minimum(counts, class_sizes)


def candidate_classes(ctx: RankContext) -> np.ndarray:
    """The encoded class of every candidate: its label, else the proxy's predicted class."""
    known = ctx.y[ctx.candidates]
    if (known >= 0).all():
        return known
    if ctx.outputs.proba is None:
        raise ValueError(
            "class_balance=True ranks unlabeled rows inside the classes the proxy predicts, but "
            "no proxy was trained here (no labeled row, or a pool not seen in fit with a method "
            "that reads no proxy output). Label a seed set, call fit_resample(X, y) on this "
            "pool, or pass class_balance=False."
        )
    predicted = np.asarray(ctx.outputs.proba[ctx.candidates]).argmax(axis=1)
    return np.where(known >= 0, known, predicted)


def rank_balanced(method: SelectionMethod, ctx: RankContext) -> tuple[Ranking, np.ndarray]:
    """Rank every class with ``method``; keep each class's quota. Returns ``(ranking, kept)``."""
    classes = candidate_classes(ctx)
    present, sizes = np.unique(classes, return_counts=True)
    # The same total as without class balance (fraction=0.5 keeps ceil(n / 2) rows either way),
    # split in proportion to the class sizes.
    quotas = allocate(ctx.n_select, sizes)
    existing_classes = ctx.y[ctx.existing]
    scores = np.full(len(ctx.candidates), np.nan)
    orders, keys, kept = [], [], []
    for cls, n_cls, k in zip(present, sizes, quotas, strict=True):
        members = ctx.candidates[classes == cls]
        sub = ctx.restricted(members, ctx.existing[existing_classes == cls], int(k))
        ranking, kept_cls = keep(
            sub, as_ranking(method, method.rank(sub), len(members)), method.name
        )
        scores[np.searchsorted(ctx.candidates, members)] = ranking.scores
        orders.append(ranking.order)
        keys.append((np.arange(len(ranking.order)) + 1) / n_cls)  # relative rank in the class
        kept.append(kept_cls)
    order = np.concatenate(orders)[np.argsort(np.concatenate(keys), kind="stable")]
    return Ranking(order, scores), np.concatenate(kept)
