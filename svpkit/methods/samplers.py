"""Samplers: the step from a method's scores to the kept rows (top-k, CCS, DUAL's Beta).

A method scores every candidate; by default the selector keeps the top of the ranking. Score
pruning collapses when little is kept (every kept row is hard, many are mislabeled; CCS, ICLR
2023), so a sampler can spend the budget across the score range instead. Any method that scores
every candidate composes with any sampler, and class balance applies the sampler inside each
class. With a sampler, ``ranking_`` lists the sampled rows first (in sampling order), then the
rest by score: the cut depends on the budget, so it is no longer one fraction-independent order.
"""

from __future__ import annotations

from numbers import Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions

from .._validation import Count
from ._types import RankContext, Ranking

__all__ = ["Sampler", "CCSSampler", "BetaSampler", "resolve_sampler", "keep", "SAMPLERS"]


def _finite(scores: np.ndarray) -> np.ndarray:
    """Scores with infinities (never-learned rows in forgetting) just beyond the finite
    range, so that strata and weights stay finite and the order is kept."""
    finite = np.isfinite(scores)
    if finite.all():
        return scores
    if not finite.any():
        return np.zeros_like(scores)
    low, high = scores[finite].min(), scores[finite].max()
    span = (high - low) or 1.0
    out = np.where(scores == np.inf, high + span / 10, scores)
    return np.where(out == -np.inf, low - span / 10, out)


class Sampler(BaseEstimator):
    """Base class: ``sample(ctx, scores) -> kept rows``; ``needs`` names extra outputs read.

    A subclass implements ``sample``: given the :class:`RankContext` and one score per
    ``ctx.candidates`` entry, it returns the ``ctx.n_select`` kept pool rows. Selectors take
    an instance as their ``sampler``.

    Examples
    --------
    A sampler that keeps the lowest-scoring rows instead of the highest (with
    ``least_confidence``: the rows the proxy is surest of):

    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from svpkit import CoresetSelector
    >>> from svpkit.methods import Sampler
    >>> class LowestScores(Sampler):
    ...     def sample(self, ctx, scores):
    ...         return ctx.candidates[np.argsort(scores, kind="stable")[: ctx.n_select]]
    >>> X = np.random.default_rng(0).normal(size=(100, 4))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> sel = CoresetSelector(
    ...     proxy=LogisticRegression(), method="least_confidence", sampler=LowestScores(),
    ...     n_select=10, random_state=0,
    ... ).fit(X, y)
    >>> kept = np.sort(sel.sample_indices_)
    >>> bool(np.array_equal(kept, np.sort(np.argsort(sel.scores_)[:10])))
    True
    """

    needs: frozenset = frozenset()

    def sample(self, ctx: RankContext, scores: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


#: CCS's hard cutoff on CIFAR-10 (Zheng et al., ICLR 2023, appendix): the share of the hardest
#: rows dropped, by pruning rate. Interpolated linearly in between.
_CCS_PRUNED = np.array([0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0])
_CCS_BETA = np.array([0.0, 0.0, 0.0, 0.1, 0.1, 0.3, 0.3])


def ccs_beta(kept_share: float) -> float:
    """CCS's hard cutoff for a kept share: the paper's CIFAR-10 values, interpolated.

    Examples
    --------
    >>> from svpkit.methods.samplers import ccs_beta
    >>> [ccs_beta(k) for k in (0.9, 0.5, 0.3, 0.1)]
    [0.0, 0.0, 0.1, 0.3]
    """
    return float(np.interp(1.0 - kept_share, _CCS_PRUNED, _CCS_BETA))


def _strata_budgets(counts: np.ndarray, budget: int) -> np.ndarray:
    """Spend ``budget`` over strata smallest first: each takes at most an equal share of what
    is left (CCS's allocation)."""
    budgets = np.zeros(len(counts), dtype=np.int64)
    left = budget
    order = np.argsort(counts, kind="stable")
    for i, stratum in enumerate(order):
        take = min(int(counts[stratum]), left // (len(order) - i))
        budgets[stratum] = take
        left -= take
    return budgets


class CCSSampler(Sampler):
    """Coverage-centric sampling (Zheng et al., ICLR 2023).

    Drop the hardest ``beta`` share of the candidates (likely mislabeled), split the rest into
    ``n_strata`` equal-width score strata, and spend the budget across the strata smallest
    first, uniformly at random inside each.

    Parameters
    ----------
    beta : float in [0, 1) or "auto", default="auto"
        Share of the highest-scoring rows dropped first. ``"auto"`` follows the kept share as
        in the paper (:func:`ccs_beta`: none while half or more is kept, 30% at 10% kept).
    n_strata : int, default=50
        Number of equal-width score strata (the paper's value).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from svpkit import CoresetSelector
    >>> X, y = load_digits(return_X_y=True)
    >>> sel = CoresetSelector(method="el2n", sampler="ccs", fraction=0.2, random_state=0)
    >>> sel.fit(X / 16, y).n_selected_
    360
    """

    _parameter_constraints: ClassVar[dict] = {
        "beta": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "n_strata": [Count(1, None, closed="left")],
    }

    def __init__(self, beta: float | str = "auto", n_strata: int = 50) -> None:
        self.beta = beta
        self.n_strata = n_strata

    def sample(self, ctx: RankContext, scores: np.ndarray) -> np.ndarray:
        self._validate_params()
        n, budget = len(ctx.candidates), ctx.n_select
        if budget >= n:
            return ctx.candidates[ctx.rng.permutation(n)]
        beta = ccs_beta(budget / n) if self.beta == "auto" else float(self.beta)
        n_drop = min(int(beta * n), n - budget)  # never drop below the budget
        hardest_first = np.lexsort((ctx.rng.permutation(n), -scores))
        pool = np.sort(hardest_first[n_drop:])
        pool_scores = scores[pool]
        low, high = pool_scores.min(), pool_scores.max()
        width = (high - low) / self.n_strata or 1.0
        strata = np.minimum(((pool_scores - low) / width).astype(np.int64), self.n_strata - 1)
        counts = np.bincount(strata, minlength=self.n_strata)
        budgets = _strata_budgets(counts, budget)
        kept = []
        for stratum in np.flatnonzero(budgets):
            members = pool[strata == stratum]
            kept.append(ctx.rng.choice(members, size=budgets[stratum], replace=False))
        kept = np.concatenate(kept) if kept else np.empty(0, dtype=np.int64)
        if len(kept) < budget:  # rounding left some budget: fill uniformly from the pool
            rest = np.setdiff1d(pool, kept)
            kept = np.concatenate([kept, ctx.rng.choice(rest, budget - len(kept), replace=False)])
        return ctx.candidates[kept]


class BetaSampler(Sampler):
    """DUAL's pruning-ratio-adaptive Beta sampling (Cho et al., ICML 2025).

    Rows are drawn without replacement with probability proportional to
    ``Beta(a, b).pdf(mean p_true) * score``, where ``mean p_true`` is the row's mean true-class
    probability over the recorded epochs, ``b = 15 (1 - anchor) (1 - pruned ** c_d)``,
    ``a = 16 - b``, and ``anchor`` is the mean ``p_true`` of the 10 highest-scoring rows. As the
    pruning rate grows the Beta mass moves to easier rows. Reads the training dynamics.

    Parameters
    ----------
    c_d : float, default=4.0
        How fast the distribution moves with the pruning rate (the reference code's CIFAR
        value).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from svpkit import CoresetSelector
    >>> X, y = load_digits(return_X_y=True)
    >>> sel = CoresetSelector(method="dual", sampler="beta", fraction=0.2, random_state=0)
    >>> sel.fit(X / 16, y).n_selected_
    360
    """

    needs = frozenset({"dynamics"})

    def __init__(self, c_d: float = 4.0) -> None:
        self.c_d = c_d

    def sample(self, ctx: RankContext, scores: np.ndarray) -> np.ndarray:
        from scipy.stats import beta as beta_dist

        n, budget = len(ctx.candidates), ctx.n_select
        if budget >= n:
            return ctx.candidates[ctx.rng.permutation(n)]
        dyn = ctx.outputs.dynamics.take(ctx.candidates)
        mean_p = np.nanmean(np.asarray(dyn.p_true, dtype=np.float64), axis=0)
        pruned = 1.0 - budget / n
        anchor = mean_p[np.argsort(-scores, kind="stable")[:10]].mean()
        b = 15.0 * (1.0 - anchor) * (1.0 - pruned**self.c_d)
        b = max(b, 1e-3)
        weights = beta_dist.pdf(np.clip(mean_p, 1e-6, 1 - 1e-6), 16.0 - b, b)
        weights = weights * (scores - min(scores.min(), 0.0) + 1e-12)
        if not np.isfinite(weights).all() or weights.sum() <= 0:
            weights = np.ones(n)
        positive = np.count_nonzero(weights)
        if positive < budget:  # too few rows with weight: the rest uniformly
            weights = weights + weights.sum() / n * 1e-6 + 1e-300
        kept = ctx.rng.choice(n, size=budget, replace=False, p=weights / weights.sum())
        return ctx.candidates[kept]


#: Names accepted by the selectors' ``sampler`` parameter.
SAMPLERS = {"topk": None, "ccs": CCSSampler, "beta": BetaSampler}


def resolve_sampler(sampler: Any) -> Sampler | None:
    """``None`` for top-k; a :class:`Sampler` for a name or an instance.

    Parameters
    ----------
    sampler : {"topk", "ccs", "beta"}, Sampler or None
        A name of :data:`SAMPLERS`, or an instance (returned as is).

    Returns
    -------
    sampler : Sampler or None

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        For anything else.

    Examples
    --------
    >>> from svpkit.methods import CCSSampler, resolve_sampler
    >>> resolve_sampler("topk") is None
    True
    >>> resolve_sampler("ccs")
    CCSSampler()
    >>> resolve_sampler(CCSSampler(beta=0.1))
    CCSSampler(beta=0.1)
    """
    if sampler is None or (isinstance(sampler, str) and sampler == "topk"):
        return None
    if isinstance(sampler, Sampler):
        return sampler
    if isinstance(sampler, str) and sampler in SAMPLERS:
        return SAMPLERS[sampler]()
    from sklearn.utils._param_validation import InvalidParameterError

    raise InvalidParameterError(
        f"sampler={sampler!r} is not a sampler; choose one of {sorted(SAMPLERS)} or pass a "
        "svpkit.methods.Sampler instance (e.g. CCSSampler(beta=0.1))."
    )


def kept_first(order: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """``order`` rearranged so that the ``kept`` rows lead (in their own order)."""
    return np.concatenate([kept, order[~np.isin(order, kept)]])


def keep(ctx: RankContext, ranking: Ranking, method_name: str) -> tuple[Ranking, np.ndarray]:
    """The rows kept from a ranking: its prefix, or what ``ctx.sampler`` draws."""
    if ctx.sampler is None:
        return ranking, ranking.order[: ctx.n_select]
    scores = ranking.scores
    if len(scores) and np.isnan(scores).any():
        raise ValueError(
            f"sampler={type(ctx.sampler).__name__} spreads the budget over the score range, "
            f"but method={method_name!r} does not score every candidate (it ranks by picks). "
            "Use sampler='topk' with it, or a method that scores every row (el2n, aum, "
            "forgetting, least_confidence, ...)."
        )
    kept = np.asarray(ctx.sampler.sample(ctx, _finite(scores)), dtype=np.int64)
    return Ranking(kept_first(ranking.order, kept), scores, ranking.report), kept
