"""Class balance, one wrapper around any method: the same share inside every class.

Candidates are grouped by their label where it is known and, where it is not (active
learning), by the class the proxy predicts. The method ranks each class on its own (with that
class's existing rows as existing centers); the number of rows kept is the same as without
class balance, split in proportion to the class sizes (largest remainder), so a share is the
same share inside every class up to one row. The combined ranking interleaves the classes by
relative rank within their class.

A multi-label target has no single class per row: there, class balance is per-label coverage
(:func:`rank_covering`): every label keeps at least its share of the candidates that carry it.
"""

from __future__ import annotations

import numpy as np

from ._types import RankContext, Ranking, SelectionMethod, as_ranking
from .samplers import keep

__all__ = ["rank_balanced", "candidate_classes", "allocate", "rank_covering", "candidate_labels"]


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


def candidate_labels(ctx: RankContext) -> np.ndarray:
    """Every candidate's labels as a boolean indicator: its known labels, else the labels the
    proxy gives a probability of at least 0.5."""
    known = ctx.label_matrix[ctx.candidates]
    unknown = (known < 0).any(axis=1)
    labels = known > 0
    if unknown.any():
        if ctx.outputs.label_proba is None:
            raise ValueError(
                "class_balance=True keeps every label's share among unlabeled rows by the "
                "labels the proxy predicts, but no proxy was trained here. Label a seed set, or "
                "pass class_balance=False."
            )
        labels[unknown] = ctx.outputs.label_proba[ctx.candidates[unknown]] >= 0.5
    return labels


def _cover(labels: np.ndarray, shares: np.ndarray, budget: int) -> np.ndarray:
    """Rows (positions in the method's order) kept so every label holds its share (between
    its floor and ceiling), changed as little as possible from the method's top ``budget``
    rows: label by label, rarest first, a label short of its floor swaps its best-ranked rows
    not kept in for the worst-ranked kept rows that lack it, and a label above its ceiling
    swaps its worst-ranked kept rows out for the best-ranked rows that lack it. A swap never
    takes another label below its floor or above its ceiling.

    Both bounds, and swaps rather than a cover built from nothing, keep random selection
    random: a floor alone only ever adds rows carrying labels, which skews the kept rows
    towards rows carrying many (measured: a cover that did fell below random on four common
    labels)."""
    floors, ceilings = np.floor(shares).astype(np.int64), np.ceil(shares).astype(np.int64)
    taken = np.zeros(len(labels), dtype=bool)
    taken[:budget] = True
    held = labels[taken].sum(axis=0).astype(np.int64)
    for label in np.argsort(shares, kind="stable"):  # the rarest first
        carries = labels[:, label]
        if held[label] < floors[label]:  # swap in rows carrying it
            ins = np.flatnonzero(carries & ~taken)
            outs = np.flatnonzero(taken & ~carries)[::-1]
            need = floors[label] - held[label]
        elif held[label] > ceilings[label]:  # swap out rows carrying it
            ins = np.flatnonzero(~carries & ~taken)
            outs = np.flatnonzero(taken & carries)[::-1]
            need = held[label] - ceilings[label]
        else:
            continue
        for _ in range(int(need)):
            swap = _first_swap(labels, ins, outs, held, floors, ceilings, label)
            if swap is None:
                break
            lifted, dropped = swap
            taken[lifted], taken[dropped] = True, False
            held += labels[lifted].astype(np.int64) - labels[dropped]
            ins, outs = ins[ins != lifted], outs[outs != dropped]
    return taken


#: Incoming rows tried per swap before a label is left off its share.
SWAP_TRIES = 64


def _first_swap(labels, ins, outs, held, floors, ceilings, label):
    """The best-ranked incoming row and worst-ranked outgoing row whose swap moves no other
    label further out of its bounds; None when the first :data:`SWAP_TRIES` have none."""
    others = np.ones(labels.shape[1], dtype=bool)
    others[label] = False

    def off(count):  # how far outside [floor, ceiling]
        return np.maximum(floors - count, 0) + np.maximum(count - ceilings, 0)

    now = off(held)[others]
    out_labels = labels[outs].astype(np.int64)
    for lifted in ins[:SWAP_TRIES]:
        after = held + labels[lifted].astype(np.int64) - out_labels
        fine = (off(after)[:, others] <= now).all(axis=1)
        if fine.any():
            return lifted, outs[int(np.argmax(fine))]
    return None


def rank_covering(method: SelectionMethod, ctx: RankContext) -> tuple[Ranking, np.ndarray]:
    """Per-label coverage, the multi-label form of class balance: ``(ranking, kept)``.

    Each label ``l`` carried by ``n_l`` candidates keeps at least ``floor(n_select * n_l /
    n_candidates)`` of them and at most its ceiling, as far as swaps allow: the same share
    inside every label, as class balance keeps the same share inside every class. The
    method's top ``n_select`` rows are kept, changed as little as possible: for each label
    outside its bounds, rarest first, its best-ranked rows not kept are swapped in for the
    worst-ranked kept rows that lack it (or, above its ceiling, the other way round), never
    taking another label out of its bounds (so random stays random inside every label).
    Candidates the method did not order (one that stops after ``n_select``) come after the
    ordered ones, in random order. When no swap keeps the other labels in bounds, a label
    stays off its share, even where another choice of rows would have met every share.

    Examples
    --------
    Three candidates; the method prefers rows 0 and 1, which both lack label 1. Keeping two
    rows keeps at least one of label 1's two rows:

    >>> import numpy as np
    >>> from svpkit.methods import PoolOutputs, RankContext, SelectionMethod
    >>> from svpkit.methods.balance import rank_covering
    >>> prefer = SelectionMethod("prefer", needs=set(),
    ...                          rank=lambda ctx: (ctx.candidates, -ctx.candidates * 1.0))
    >>> labels = np.array([[1, 0], [1, 0], [1, 1], [0, 1]], dtype=np.int8)
    >>> ctx = RankContext(PoolOutputs(), np.arange(4), np.arange(0), np.zeros(4, int),
    ...                   np.arange(2), 2, np.random.RandomState(0), label_matrix=labels)
    >>> ranking, kept = rank_covering(prefer, ctx)
    >>> sorted(kept.tolist()), ranking.order.tolist()
    ([0, 2], [0, 2, 1, 3])
    """
    if ctx.sampler is not None:
        raise ValueError(
            f"sampler={type(ctx.sampler).__name__} draws over the score range, which per-label "
            "coverage (class_balance=True with a multi-label y) does not support. Pass "
            "class_balance=False, or the default sampler."
        )
    ranking = as_ranking(method, method.rank(ctx), len(ctx.candidates))
    order = np.asarray(ranking.order, dtype=np.int64)
    if len(order) < len(ctx.candidates):  # a method that stopped after n_select
        unordered = np.setdiff1d(ctx.candidates, order, assume_unique=True)
        order = np.concatenate([order, ctx.rng.permutation(unordered)])
    labels = candidate_labels(ctx)[np.searchsorted(ctx.candidates, order)]
    shares = ctx.n_select * labels.sum(axis=0) / max(len(order), 1)
    taken = _cover(labels, shares, ctx.n_select)
    kept = order[taken]
    ranked = Ranking(np.concatenate([kept, order[~taken]]), ranking.scores, ranking.report)
    return ranked, kept
