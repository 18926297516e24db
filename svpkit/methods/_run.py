"""Running a method: plain, class-balanced, or blockwise on a distributed pool."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._types import BlockMap, RankContext, Ranking, SelectionMethod, as_ranking
from .balance import rank_balanced, rank_covering
from .samplers import keep

__all__ = ["run_method", "outputs_read", "runs_blockwise", "streamed_scores"]


def run_method(
    method: SelectionMethod, ctx: RankContext, blocks: BlockMap | None = None
) -> tuple[Ranking, np.ndarray]:
    """Rank with ``method`` (class-balanced when ``ctx.class_balance``): ``(ranking, selected)``.

    ``selected`` are the kept rows (unsorted). With ``blocks`` (a distributed pool, and
    :func:`runs_blockwise` true), the method's blockwise variant runs where the blocks live.

    Parameters
    ----------
    method : SelectionMethod
    ctx : RankContext
        With the outputs the method reads (:func:`outputs_read`).
    blocks : BlockMap, default=None
        The blocks of a distributed pool, for the method's blockwise variant.

    Returns
    -------
    ranking : Ranking
    selected : ndarray of int
        The ``ctx.n_select`` kept pool rows.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.methods import PoolOutputs, RankContext, get_method, run_method
    >>> proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.5, 0.5], [0.2, 0.8]])
    >>> ctx = RankContext(
    ...     outputs=PoolOutputs(proba=proba),
    ...     candidates=np.arange(4),
    ...     existing=np.arange(0),
    ...     y=np.full(4, -1),
    ...     classes=np.array([0, 1]),
    ...     n_select=2,
    ...     rng=np.random.RandomState(0),
    ... )
    >>> ranking, selected = run_method(get_method("margin"), ctx)
    >>> selected.tolist(), ranking.order.tolist()
    ([2, 1], [2, 1, 3, 0])
    """
    select = method.hook("select")
    if select is not None:  # it balances and samples itself (auto runs other methods)
        ranking, kept = select(ctx)
        return as_ranking(method, ranking, len(ctx.candidates)), kept
    if ctx.class_balance:
        if ctx.label_matrix is not None:  # multi-label: every label keeps its share
            return rank_covering(method, ctx)
        return rank_balanced(method, ctx)
    if blocks is not None:
        ranking = as_ranking(method, method.hook("blockwise")(ctx, blocks), len(ctx.candidates))
        return ranking, ranking.order[: ctx.n_select]
    ranking = as_ranking(method, method.rank(ctx), len(ctx.candidates))
    return keep(ctx, ranking, method.name)


def outputs_read(
    method: SelectionMethod,
    *,
    class_balance: bool,
    labels_known: bool,
    sampler: Any = None,
    records_training: bool = False,
    multilabel: bool = False,
) -> frozenset:
    """Outputs a pool must provide: the method's and the sampler's, plus probabilities when
    class balance has to predict the classes (``multilabel``: the labels) of unlabeled
    candidates.

    Parameters
    ----------
    method : SelectionMethod
    class_balance : bool
        Whether the selection is class-balanced.
    labels_known : bool
        Whether every candidate is labeled (core-set selection).
    sampler : Sampler, default=None
        The sampler, whose ``needs`` are added.
    records_training : bool, default=False
        Whether the proxy records its training dynamics (a method's ``needs`` hook may read
        more then: :meth:`SelectionMethod.needs_for`).
    multilabel : bool, default=False
        Whether the target is multi-label: class balance then reads per-label probabilities.

    Returns
    -------
    needs : frozenset of str

    Examples
    --------
    >>> from svpkit.methods import BetaSampler, get_method, outputs_read
    >>> kcenters = get_method("kcenters")
    >>> sorted(outputs_read(kcenters, class_balance=False, labels_known=False))
    ['embedding']
    >>> sorted(outputs_read(kcenters, class_balance=True, labels_known=False))
    ['embedding', 'proba']
    >>> sorted(outputs_read(get_method("el2n"), class_balance=False, labels_known=True,
    ...                     sampler=BetaSampler()))
    ['dynamics']
    """
    needs = method.needs_for(records_training) | getattr(sampler, "needs", frozenset())
    if class_balance and not labels_known:
        return needs | {"label_proba" if multilabel else "proba"}
    return needs


def runs_blockwise(method: SelectionMethod, *, class_balance: bool, sampler: Any = None) -> bool:
    """Whether a distributed pool runs the method's blockwise variant (class balance and
    samplers rank in process, from gathered outputs).

    Parameters
    ----------
    method : SelectionMethod
    class_balance : bool
        Whether the selection is class-balanced.
    sampler : Sampler, default=None
        The sampler (None: the top of the ranking).

    Returns
    -------
    bool

    Examples
    --------
    >>> from svpkit.methods import get_method, runs_blockwise
    >>> kcenters = get_method("kcenters")
    >>> runs_blockwise(kcenters, class_balance=False), runs_blockwise(kcenters, class_balance=True)
    (True, False)
    >>> runs_blockwise(get_method("margin"), class_balance=False)  # no blockwise variant
    False
    """
    return method.hook("blockwise") is not None and not class_balance and sampler is None


def streamed_scores(
    method: SelectionMethod, needs: frozenset, *, class_balance: bool, labels_known: bool
) -> dict:
    """The per-row kernels a pool should apply during inference instead of keeping the
    probabilities: ``{method.name: method.row_score}`` when the method has one and only it
    reads the probabilities (not class balance over unlabeled rows, which reads the predicted
    classes), else ``{}``.

    At 10M rows x 10 classes the streamed scores cost ~0.12 s inside a ~5 s inference pass
    (``benchmarks/scale.py``), and the ``n x n_classes`` probabilities are never held.

    Examples
    --------
    >>> from svpkit.methods import get_method, streamed_scores
    >>> proba = frozenset({"proba"})
    >>> list(streamed_scores(get_method("margin"), proba, class_balance=False,
    ...                      labels_known=False))
    ['margin']
    >>> streamed_scores(get_method("margin"), proba, class_balance=True, labels_known=False)
    {}
    """
    if method.row_score is None or needs != frozenset({"proba"}):
        return {}
    if class_balance and not labels_known:
        return {}
    return {method.name: method.row_score}
