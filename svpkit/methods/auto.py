"""``method="auto"``: class-balanced random unless the evidence says otherwise (core-set
selection), budget-aware in active learning.

Why safe first. On its development cells the first auto (the candidate with the best smallest
gain over random, nine candidates) was within 0.75 points of the best method in hindsight; on a
data set nobody had tuned it on (1-D signals, a 1-D CNN target) it lost 17 points to random,
because its validators (the default MLP proxy at 40% accuracy, a linear probe at 30%, while the
target reaches 89%) preferred what helps a weak model, and gains of a point on one holdout are
noise. A default must not do that. So auto now keeps the class-balanced random subset (the one
choice that is never clearly wrong) and leaves it only when three things hold:

1. **The candidate is safe by construction.** :data:`AUTO_CANDIDATES` are coverage samplers
   over a score, class balanced (CCS, Zheng et al. ICLR 2023: strata across the whole score
   range, the hardest share dropped), which on the development cells were the arms whose worst
   cell was least bad (``forgetting+ccs``: -1.2 points at worst over 36 cells, +0.13 on
   average): a wrong pick costs little. A second candidate, ``least_confidence+ccs``, was
   dropped on the development cells: on the MNIST sample at 10% kept it won 2.4 points for a
   linear target and lost 2.3 for a CNN, and the validators could not tell the two apart.
   Difficulty bands (Dyn-Unc, DUAL) and pure coverage (k-centers, -8.7 points once) are left
   to users who name them. Forgetting needs training dynamics: with a proxy that records none
   (not a :class:`~svpkit.nn.ProxyNet`) auto is class-balanced random.
2. **The validator is competent.** A family (a clone of the proxy, the pool's linear probe, or
   a model the user names in ``validate_with``) votes only if, trained on the random subset,
   it gets at least :data:`AUTO_MIN_SKILL` of the way from the majority-class guess to perfect
   on the holdout. A model that misses most of what is learnable is measuring its own limits:
   what helps it (easy rows) can hurt a target that learns more (Sorscher et al., NeurIPS
   2022). With no competent family auto keeps random.
3. **The gain is confident, in every competent family.** The holdout rows are compared pair by
   pair (the same rows, the same seed, a candidate's subset against random's), over both
   halves of a two-fold split; the one-sided lower bound (``AUTO_Z`` standard errors, the
   larger of the row-level and the fold-level one) must be above zero in every family. Of the
   candidates that pass, the highest lower bound wins.

**Too small to validate.** A validation model trains on the kept share of half the rows.
Under :data:`AUTO_MIN_VALIDATION_ROWS_PER_CLASS` rows per class there (about 40 labeled rows
for two classes at the default 50%; :func:`too_few_to_validate`), or where a fold would hold
out no row or a selection would hold a single class (rare classes), no gain can be measured:
auto keeps class-balanced random without training a validation model, and
``method_reason_`` says so.

Cost. Validation trains each candidate and random on each half of the pool (on the user's
share of that half, two folds), as a clone of the proxy and the probe. Its budget is
:data:`AUTO_BUDGET` proxy trainings on the whole pool, counted in rows times epochs: the
candidates that fit the budget are validated (fewer at large fractions), and the proxy clones
get as many more epochs as the budget leaves (up to the gradient steps of a training on the
half, at most 3x), because a proxy trained for a fixed number of epochs on a small subset is
underfit. Its seconds are reported as ``fit_seconds_["auto_validation"]``. The choice is in
``method_``, its reason in ``method_reason_``, each candidate's lowest lower bound in
``method_scores_`` and the holdout accuracies in ``method_validation_``.

In active learning (the candidates are unlabeled) ``auto`` decides from the labels known so
far, before any proxy is trained (:func:`active_choice`). :data:`AUTO_COLD_START` (coverage of
the dense regions of the input features) runs until one of two pieces of evidence says the
proxy's uncertainty, :data:`AUTO_WARM`, should take over:

1. **Enough labels per class** (:data:`AUTO_SWITCH_LABELS_PER_CLASS`): on balanced pools
   (the paired low-budget benchmark, ``benchmarks/results/active_quality.json``) margin first
   overtakes typiclust at 70-100 labels per class with a logistic-regression target and not
   within 100 with a CNN.
2. **A class the coverage does not reach.** Typicality is density: a class with few rows in
   the pool lies in sparse regions and the cold start keeps skipping it, while margin's
   boundary rows hold rare classes at several times their pool share (Ertekin et al., CIKM
   2007). On MNIST with digit 8 cut to 1% of the pool (``benchmarks/seals.py``, 105 -> 355
   labels) typiclust labeled fewer 8s than random (5.6 against 7.4; margin 13.8) and fell
   2.4 points behind margin, while on the balanced pools of the paired benchmark (the
   schedules of MNIST to 100 labels per class and of the text pool to 100; typiclust alone,
   3-5 seeds, counted for this rule) typiclust's rarest class kept at least 0.55 of an even
   split from 20 labels per class on. So once :data:`AUTO_RARE_MIN_LABELS_PER_CLASS` labels
   per class are known, ``auto`` switches when the rarest labeled class holds under
   :data:`AUTO_RARE_SHARE` of its even share of the labels and an even split would give it
   that few with probability under :data:`AUTO_RARE_ALPHA` (a one-sided binomial test,
   Bonferroni over the classes, so that many classes of a balanced pool do not fire by
   chance). Before that minimum a starved
   class is noise as often as evidence (typiclust's first 30 labels of a balanced text pool
   split 6 to 24), and the cold start gains most there.

Both read only the label counts (``Regime.class_counts``): free, deterministic. The rule is
re-read every round, so a margin phase that brings the rare class back to half its even share
hands over to the cold start again. A class never labeled is invisible to it (no label, no
evidence): on a pool whose rare class the cold start has not found yet, ``auto`` stays cold
until rule 1. The choice is ``method_``, its evidence ``method_reason_`` (in an
:class:`~svpkit.active.ActiveLearningLoop`, ``history_[r]["strategy_reason"]``).
"""

from __future__ import annotations

import copy
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from .._validation import rows_for_share
from ..nn.kinds import is_torch_proxy
from ..utils import derive_seed
from ._registry import get_method, register_method
from ._run import run_method
from ._types import RankContext, Ranking, Regime, SelectionMethod
from .samplers import kept_first, resolve_sampler

__all__ = [
    "AUTO_CANDIDATES",
    "AUTO_BUDGET",
    "AUTO_MIN_SKILL",
    "AUTO_Z",
    "AUTO_FAMILIES",
    "AUTO_MIN_VALIDATION_ROWS_PER_CLASS",
    "too_few_to_validate",
    "ValidationPlan",
    "lower_bound",
    "skill",
    "validation_plan",
    "AUTO_COLD_START",
    "AUTO_WARM",
    "AUTO_SWITCH_LABELS_PER_CLASS",
    "AUTO_RARE_SHARE",
    "AUTO_RARE_MIN_LABELS_PER_CLASS",
    "AUTO_RARE_ALPHA",
    "StarvedClass",
    "starved_class",
    "active_decision",
    "active_choice",
]

#: name -> (method, sampler), in order of preference when the budget allows only some; every
#: candidate runs class-balanced. ``random`` is the baseline each is compared with.
AUTO_CANDIDATES = {
    "random": ("random", "topk"),
    "forgetting+ccs": ("forgetting", "ccs"),
}
#: What validation may cost, in trainings of the proxy on the whole pool (rows x epochs).
AUTO_BUDGET = 2.0
#: Chance-corrected holdout accuracy (0: the majority guess, 1: perfect) a validating family
#: must reach, trained on the random subset, to vote.
AUTO_MIN_SKILL = 0.5
#: Standard errors under the mean paired gain that must still be above zero (one-sided 95%).
AUTO_Z = 1.645
#: Folds of the validation split: the pool in halves, each validated by training on the other.
AUTO_FOLDS = 2
#: At most this many times the proxy's epochs for a validation clone (on a small subset).
AUTO_MAX_EPOCH_SCALE = 3.0
#: Rows per class (on average over the classes) that each validation model must at least
#: train on: a fold's training subset (the kept share of the other half) holds at least this
#: many times the number of classes, else validation is noise and auto keeps random.
AUTO_MIN_VALIDATION_ROWS_PER_CLASS = 5
#: Model families a candidate must gain in: a clone of the proxy and the pool's probe (a
#: linear model on the input).
AUTO_FAMILIES = ("proxy", "probe")


#: Active learning: the method while labels are scarce, the one after, and the switch point
#: on a balanced pool (labeled rows per labeled class). From the paired benchmark
#: (``benchmarks/results/active_quality.json``):
#: typiclust beat random in every round from 0 to 100 labels per class on the digits and the
#: MNIST sample (CNN and logistic-regression targets) and is the most robust cold start at
#: 1-3 labels per class (maxherding wins on the digits but loses to random at 10 MNIST labels);
#: margin, from a proxy trained on the labels so far, first overtakes it at 70-100 labels per
#: class with the logistic-regression target and not within 100 with the CNN.
AUTO_COLD_START = "typiclust"
AUTO_WARM = "margin"
AUTO_SWITCH_LABELS_PER_CLASS = 100.0
#: A starved class (see the module docstring): the rarest labeled class holds under this share
#: of an even split of the labels ...
AUTO_RARE_SHARE = 0.5
#: ... judged from this many labels per labeled class on (before, the cold start gains most
#: and a starved class is often noise) ...
AUTO_RARE_MIN_LABELS_PER_CLASS = 20.0
#: ... and an even split would give it that few with probability under this (one-sided
#: binomial, Bonferroni over the labeled classes).
AUTO_RARE_ALPHA = 0.05


@dataclass(frozen=True)
class StarvedClass:
    """The rarest labeled class, when the labels are evidence that coverage misses it.

    Attributes
    ----------
    index : int
        Its position in ``Regime.class_counts`` (the encoded class).
    count : int
        Its labeled rows.
    even : float
        Its labeled rows under an even split (``n_labeled / n_classes``).
    p_value : float
        Bonferroni-corrected probability of so few under an even split.
    """

    index: int
    count: int
    even: float
    p_value: float


def starved_class(regime: Regime) -> StarvedClass | None:
    """The rarest labeled class when the label counts say the cold start is missing it (under
    :data:`AUTO_RARE_SHARE` of its even share, significantly, from
    :data:`AUTO_RARE_MIN_LABELS_PER_CLASS` labels per class on), else None.

    Examples
    --------
    >>> from svpkit.methods import Regime
    >>> from svpkit.methods.auto import starved_class
    >>> starved = starved_class(Regime(300, 10, 4000, 50, False, class_counts=(33,) * 9 + (3,)))
    >>> starved.index, starved.count, starved.even, starved.p_value < 1e-6
    (9, 3, 30.0, True)
    >>> starved_class(Regime(300, 10, 4000, 50, False, class_counts=(31,) * 9 + (21,))) is None
    True
    >>> starved_class(Regime(150, 10, 4000, 50, False, class_counts=(16,) * 9 + (6,))) is None
    True
    """
    counts = regime.class_counts
    if (
        counts is None
        or len(counts) < 2
        or regime.candidates_labeled
        or regime.labels_per_class < AUTO_RARE_MIN_LABELS_PER_CLASS
    ):
        return None
    from scipy.stats import binom

    counts = np.asarray(counts, dtype=np.int64)
    n, k = int(counts.sum()), len(counts)
    rarest = int(np.argmin(counts))
    count, even = int(counts[rarest]), n / k
    if count >= AUTO_RARE_SHARE * even:
        return None
    p_value = min(1.0, k * float(binom.cdf(count, n, 1.0 / k)))
    if p_value >= AUTO_RARE_ALPHA:
        return None
    return StarvedClass(rarest, count, even, p_value)


def active_decision(regime: Regime) -> tuple[str, str]:
    """``(method, reason)``: what ``auto`` runs in active learning and the evidence for it
    (:func:`active_choice` is the method alone)."""
    per_class = regime.labels_per_class
    if regime.n_classes < 2:
        known = "no label yet" if regime.n_labeled == 0 else "one class labeled"
        return AUTO_COLD_START, f"{known}: no proxy to rank with"
    if per_class >= AUTO_SWITCH_LABELS_PER_CLASS:
        return AUTO_WARM, (
            f"{per_class:.1f} labels per class (switch at {AUTO_SWITCH_LABELS_PER_CLASS:g})"
        )
    starved = starved_class(regime)
    if starved is not None:
        return AUTO_WARM, (
            f"a starved class (classes_[{starved.index}]): {starved.count} "
            f"label{'' if starved.count == 1 else 's'} where an even split gives "
            f"{starved.even:.1f} (p={starved.p_value:.2g})"
        )
    if regime.class_counts is None or per_class < AUTO_RARE_MIN_LABELS_PER_CLASS:
        balance = "class balance not judged yet"
    else:
        balance = "no class starved"
    return AUTO_COLD_START, (
        f"{per_class:.1f} labels per class (switch at {AUTO_SWITCH_LABELS_PER_CLASS:g}), {balance}"
    )


def active_choice(regime: Regime) -> str:
    """The method ``auto`` runs in active learning, from the labels known so far: the cold
    start until :data:`AUTO_SWITCH_LABELS_PER_CLASS` labels per class or a starved class
    (:func:`starved_class`), then margin.

    Examples
    --------
    >>> from svpkit.methods import Regime
    >>> from svpkit.methods.auto import active_choice
    >>> active_choice(Regime(0, 0, 1000, 10, candidates_labeled=False))
    'typiclust'
    >>> active_choice(Regime(1000, 10, 4000, 100, candidates_labeled=False))
    'margin'
    >>> balanced = (30,) * 10
    >>> active_choice(Regime(300, 10, 4000, 50, False, class_counts=balanced))
    'typiclust'
    >>> one_rare = (33,) * 9 + (3,)
    >>> active_choice(Regime(300, 10, 4000, 50, False, class_counts=one_rare))
    'margin'
    """
    return active_decision(regime)[0]


#: Why core-set auto does not validate on a pool where validation is not affordable.
UNAFFORDABLE_REASON = (
    "validating a selection on this pool (an image folder) would cost about three proxy "
    "trainings, about a third of the target's training when the proxy is ten times cheaper, "
    "so class-balanced random, which costs nothing, is kept; pass validate_with to validate "
    "anyway, or name a method"
)


#: Why core-set auto does not validate when nothing can be trained on the pool.
UNTRAINABLE_REASON = (
    "the proxy is used as it is (frozen, or outputs passed to fit), so no method can be "
    "validated by training it on parts of the pool, and class-balanced random, which costs "
    "nothing, is kept; pass validate_with to validate with other models, or name a method"
)


#: What auto runs for a regression target in active learning: k-centers (on the proxy's
#: embeddings where it has them, else the input features: greedy diverse sampling). Chosen on
#: the development cells of ``benchmarks/task_cells.py`` (results: benchmarks/results/
#: tasks.json), where the forest's predictive variance lost to random in every seed and
#: k-centers did not.
AUTO_REGRESSION_ACTIVE = "kcenters"
REGRESSION_CORESET_REASON = (
    "regression: random inside quantile strata of the target (the regression form of "
    "class-balanced random)"
)


def regression_decision(regime: Regime) -> tuple[str, str]:
    """``(method, reason)``: what ``auto`` runs for a regression target: stratified random
    for a core-set, :data:`AUTO_REGRESSION_ACTIVE` in active learning.

    Examples
    --------
    >>> from svpkit.methods import Regime
    >>> from svpkit.methods.auto import regression_decision
    >>> regression_decision(Regime(500, 10, 500, 100, True, task="regression"))[0]
    'random'
    >>> regression_decision(Regime(40, 2, 500, 10, False, task="regression"))[0]
    'kcenters'
    """
    if regime.candidates_labeled:
        return "random", REGRESSION_CORESET_REASON
    return AUTO_REGRESSION_ACTIVE, (
        "regression, active learning: the most diverse rows (k-centers), which did not lose "
        "to random where the predictive variance did"
    )


#: What auto runs for a multi-label target in active learning: the rows with the most doubtful
#: label (maximum binary entropy). Chosen on the development cells of
#: ``benchmarks/task_cells.py`` (benchmarks/results/tasks.json), where no method beat random
#: clearly and it was the one whose mean over rounds did not fall below it (+0.002 micro-F1,
#: 5/10); on the held-out cell it gained +0.008 (9/10).
AUTO_MULTILABEL_ACTIVE = "max_entropy"
#: Core-set: random with per-label coverage (class balance, the core-set default). The mean
#: binary entropy of the one-vs-rest logistic proxy beat random on every development and
#: held-out cell with a logistic target (+0.014 to +0.032 micro-F1, 10/10), but fell to -0.093
#: (0/10) with an MLP target at 30%: what a linear proxy is unsure of is not what another
#: family needs. A held-out failure is what the default must not have, so the rule was changed
#: after that look (those cells are development cells now; ``HELDOUT_CELLS_2`` judge it).
MULTILABEL_CORESET_REASON = (
    "multi-label core-set: random, with every label keeping its share of positive rows "
    "(per-label coverage, when class_balance=True); the proxy's label uncertainty "
    "(method='mean_entropy') helps a target of the proxy's family but fell below random with "
    "another"
)


def multilabel_decision(regime: Regime) -> str | tuple[str, str]:
    """What ``auto`` runs for a multi-label target: random (with per-label coverage under
    class balance) for a core-set, :data:`AUTO_MULTILABEL_ACTIVE` in active learning (a cold
    start without labeled rows).

    Examples
    --------
    >>> from svpkit.methods import Regime
    >>> from svpkit.methods.auto import multilabel_decision
    >>> multilabel_decision(Regime(500, 8, 500, 100, True, task="multilabel"))[0]
    'random'
    >>> multilabel_decision(Regime(60, 8, 3000, 60, False, task="multilabel"))[0]
    'max_entropy'
    """
    if regime.candidates_labeled:
        return "random", MULTILABEL_CORESET_REASON
    if regime.n_labeled == 0:
        return active_decision(regime)
    return AUTO_MULTILABEL_ACTIVE, (
        "multi-label, active learning: the rows with the most doubtful label (maximum binary "
        "entropy), which did not fall below random on the development cells"
    )


def _resolve_auto(regime: Regime) -> str | tuple[str, str]:
    if regime.task == "regression":
        return regression_decision(regime)
    if regime.task == "multilabel":
        return multilabel_decision(regime)
    # Core-set selection (every candidate labeled) validates methods with the proxy, where
    # validation is cheap beside the target (see Regime.validation_affordable).
    if not regime.candidates_labeled:
        return active_decision(regime)
    if not regime.proxy_trainable and not regime.validation_asked:
        return "random", UNTRAINABLE_REASON
    if not regime.validation_affordable and not regime.validation_asked:
        return "random", UNAFFORDABLE_REASON
    return "auto"


#: Every output some candidate reads (tests/methods/test_coverage_auto.py checks that every
#: candidate is validated when the proxy records training). Stated, not computed at import, so
#: this module does not depend on the import order of the others. The training outputs are
#: optional: with a proxy that is not a ProxyNet the candidates that read them are skipped.
AUTO_NEEDS = frozenset({"proba"})
AUTO_OPTIONAL_NEEDS = frozenset({"forgetting"})


def _readable(ctx: RankContext, method: str, sampler: str) -> bool:
    """Whether the outputs a candidate reads were computed (forgetting needs a ProxyNet)."""
    needs = get_method(method).needs | getattr(resolve_sampler(sampler), "needs", set())
    return all(getattr(ctx.outputs, need) is not None for need in needs)


@dataclass(frozen=True)
class ValidationPlan:
    """What auto's validation trains: the candidates it compares with random, and how many
    times the proxy's epochs a validation clone trains for.

    Examples
    --------
    >>> from svpkit.methods.auto import validation_plan
    >>> plan = validation_plan(0.1, ["forgetting+ccs", "least_confidence+ccs"])
    >>> plan.candidates, round(plan.epoch_scale, 2)
    (('forgetting+ccs', 'least_confidence+ccs'), 3.0)
    >>> validation_plan(0.9, ["forgetting+ccs", "least_confidence+ccs"]).candidates
    ('forgetting+ccs',)
    >>> round(validation_plan(0.97, ["forgetting+ccs", "least_confidence+ccs"]).epoch_scale, 2)
    1.03
    """

    candidates: tuple[str, ...]
    epoch_scale: float


def validation_plan(share: float, candidates: Sequence[str]) -> ValidationPlan | None:
    """The most candidates (in the given order of preference) whose validation fits
    :data:`AUTO_BUDGET`, and the epoch scale the rest of the budget allows; None when not even
    one fits.

    A validation training sees ``share`` of one fold's training half, so with ``c`` candidates
    and random over :data:`AUTO_FOLDS` folds it costs ``(c + 1) * share`` proxy trainings on
    the pool at the proxy's own epochs.
    """
    half = (AUTO_FOLDS - 1) / AUTO_FOLDS  # each fold trains on the other half(s)
    for n in range(len(candidates), 0, -1):
        cost = (n + 1) * AUTO_FOLDS * half * share
        if cost <= AUTO_BUDGET:
            # up to the gradient steps of a training on the whole half (1 / share)
            scale = min(AUTO_MAX_EPOCH_SCALE, 1.0 / share, AUTO_BUDGET / cost)
            return ValidationPlan(tuple(candidates[:n]), max(1.0, scale))
    return None


def too_few_to_validate(n_rows: int, n_classes: int, share: float) -> str | None:
    """Why a pool of ``n_rows`` labeled rows in ``n_classes`` classes is too small for auto's
    validation at ``share`` kept, or None when it is large enough.

    Each validation model trains on the kept share of one half of the rows; below
    :data:`AUTO_MIN_VALIDATION_ROWS_PER_CLASS` rows per class there, no gain could be told
    from noise (and a subset may hold a single class, which no classifier trains on).

    Examples
    --------
    >>> from svpkit.methods.auto import too_few_to_validate
    >>> reason = too_few_to_validate(30, 2, 0.5)
    >>> reason[reason.index("trains") : reason.index(";")]
    'trains each validation model on 8, under 10 (5 per class)'
    >>> print(too_few_to_validate(600, 10, 0.3))
    None
    """
    half = n_rows * (AUTO_FOLDS - 1) // AUTO_FOLDS  # rows a fold's models train on
    n_fit = rows_for_share(share, half) if half else 0
    need = AUTO_MIN_VALIDATION_ROWS_PER_CLASS * max(n_classes, 2)
    if n_fit >= need:
        return None
    return (
        f"too few labeled rows to validate: keeping {share:.0%} of half of the {n_rows} rows "
        f"trains each validation model on {n_fit}, under {need} "
        f"({AUTO_MIN_VALIDATION_ROWS_PER_CLASS} per class); class-balanced random needs no "
        "validation"
    )


def _folds(ctx: RankContext) -> np.ndarray:
    """A fold number per candidate row, stratified: each class is shuffled and dealt
    round-robin into :data:`AUTO_FOLDS` folds (-1: never held out, a class of one row)."""
    y = ctx.y[ctx.candidates]
    folds = np.full(len(y), -1)
    for cls in np.unique(y):
        members = ctx.rng.permutation(np.flatnonzero(y == cls))
        if len(members) > 1:
            folds[members] = np.arange(len(members)) % AUTO_FOLDS
    return folds


def _candidate_ctx(ctx: RankContext, sampler: str, candidates: np.ndarray, n_select: int):
    return replace(
        ctx,
        candidates=candidates,
        n_select=n_select,
        class_balance=True,
        sampler=resolve_sampler(sampler),
    )


def _rank_auto(ctx: RankContext) -> Ranking:
    share = ctx.share if ctx.share is not None else ctx.n_select / len(ctx.candidates)
    # The choice then selects from the generator as it was before validation drew from it, so
    # auto's selection is exactly that of naming its choice (random included) with the same
    # random_state.
    final_rng = copy.deepcopy(ctx.rng)
    start = time.perf_counter()
    readable = [name for name, spec in AUTO_CANDIDATES.items() if _readable(ctx, *spec)]
    plan = validation_plan(share, [name for name in readable if name != "random"])
    scores, accuracies = {}, {}
    if share >= 1.0:
        best, reason = "random", "everything is kept"
    elif len(readable) < 2:
        best, reason = "random", "the proxy records no training dynamics for the candidates"
    elif plan is None:
        best, reason = "random", f"keeping {share:.0%} leaves no candidate within the budget"
    elif (
        small := too_few_to_validate(
            len(ctx.candidates), len(np.unique(ctx.y[ctx.candidates])), share
        )
    ) is not None:
        best, reason = "random", small
    else:
        families, models = validation_families(ctx.extras.get("validate_with"))
        splits = _splits(ctx, share, plan)
        reason = _unusable(splits, ctx.y)
        if reason is not None:
            best = "random"
        else:
            evaluate = _evaluator(ctx, models)
            correct = _validate(splits, plan, evaluate, families, ctx.progress)
            best, reason, scores, accuracies = _decide(correct, ctx.y[ctx.candidates])
    validation_seconds = time.perf_counter() - start
    method, sampler = AUTO_CANDIDATES[best]
    full = replace(_candidate_ctx(ctx, sampler, ctx.candidates, ctx.n_select), rng=final_rng)
    ranking, kept = run_method(get_method(method), full)
    # The kept rows lead the ranking, so the selector's cut at n_select keeps exactly them
    # (when everything is kept, the cut is everything and the method's order stays).
    order = kept_first(ranking.order, kept) if share < 1.0 else ranking.order
    report = {
        **ranking.report,
        "method_": best,
        "method_scores_": scores,
        "method_validation_": accuracies,
        "method_reason_": reason,
        "chosen_spec_": {"method": method, "sampler": sampler, "class_balance": True},
        "fit_seconds": {"auto_validation": validation_seconds},
    }
    return Ranking(order, ranking.scores, report)


def _select_auto(ctx: RankContext) -> tuple[Ranking, np.ndarray]:
    """auto balances and samples itself: its kept rows lead its order."""
    ranking = _rank_auto(ctx)
    return ranking, ranking.order[: ctx.n_select]


def validation_families(validate_with: Sequence | None) -> tuple[tuple[str, ...], dict]:
    """The model families auto validates with, and the user's models among them by name.

    ``None`` means :data:`AUTO_FAMILIES`; a user's model is named by its class
    (``"LogisticRegression"``, ``"LogisticRegression#2"`` for a second one).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from svpkit.methods.auto import validation_families
    >>> validation_families(None)
    (('proxy', 'probe'), {})
    >>> models = ["proxy", LogisticRegression(), LogisticRegression()]
    >>> families, named = validation_families(models)
    >>> families
    ('proxy', 'LogisticRegression', 'LogisticRegression#2')
    """
    if validate_with is None:
        return AUTO_FAMILIES, {}
    families, models = [], {}
    for item in validate_with:
        if isinstance(item, str):
            families.append(item)
            continue
        name, n = type(item).__name__, 1
        while name in models:  # a second model of one class: LogisticRegression#2
            n += 1
            name = f"{type(item).__name__}#{n}"
        families.append(name)
        models[name] = item
    return tuple(dict.fromkeys(families)), models


def _check_validate_with(extras: dict) -> None:
    """auto's ``check`` hook: ``validate_with`` lists 'proxy', 'probe' or classifiers."""
    validate_with = extras.get("validate_with")
    if validate_with is None:
        return
    if len(validate_with) == 0:
        raise InvalidParameterError(
            "validate_with=[] leaves auto nothing to validate with; pass None for its "
            "default ['proxy', 'probe'], or list models."
        )
    for item in validate_with:
        if isinstance(item, str) and item in ("proxy", "probe"):
            continue
        if isinstance(item, str) or not (hasattr(item, "fit") and hasattr(item, "predict_proba")):
            raise InvalidParameterError(
                "validate_with items are 'proxy', 'probe' or unfitted classifiers with fit "
                f"and predict_proba; got {item!r}."
            )


def _evaluator(ctx: RankContext, models: dict) -> Callable[..., np.ndarray | None]:
    """``evaluate(train, test, seed, family, epoch_scale=1.0) -> correct``: whether a fresh
    model trained on ``train`` predicts each ``test`` row right, through the pool's
    ``fit_correct``: a clone of the proxy (a torch proxy's epochs times ``epoch_scale``), the
    pool's probe (None when it has none) or a user's model."""
    fit_correct, proxy = ctx.extras.get("fit_correct"), ctx.extras.get("proxy")
    if fit_correct is None or proxy is None:
        raise ValueError("method='auto' needs a selector that can train its proxy (fit_correct).")

    def evaluate(train, test, seed, family="proxy", epoch_scale=1.0):
        if family == "probe":  # built only when auto asks: every other method never does
            probe = ctx.extras["probe"]()
            return None if probe is None else fit_correct(probe, train, test, seed)
        if family in models:
            return fit_correct(models[family], train, test, seed)
        model = clone(proxy)
        if epoch_scale != 1.0 and is_torch_proxy(model):
            model.set_params(max_epochs=max(1, int(round(model.max_epochs * epoch_scale))))
        return fit_correct(model, train, test, seed)

    return evaluate


@dataclass(frozen=True)
class _Split:
    """One fold of the validation: the held-out rows, the seed every candidate's models share,
    and each candidate's selection (sorted) from the other fold(s)."""

    holdout: np.ndarray
    seed: int
    kept: dict


def _splits(ctx: RankContext, share: float, plan: ValidationPlan) -> list[_Split]:
    """Every fold's holdout and every candidate's selection, before any model trains."""
    folds = _folds(ctx)
    names = ("random", *plan.candidates)
    splits = []
    for fold in range(AUTO_FOLDS):
        fit_rows = ctx.candidates[(folds != fold) & (folds >= 0)]
        holdout = ctx.candidates[folds == fold]
        n_fit_select = rows_for_share(share, len(fit_rows)) if len(fit_rows) else 0
        seed = derive_seed(ctx.rng)
        kept = {}
        for name in names:
            method, sampler = AUTO_CANDIDATES[name]
            if n_fit_select == 0:
                kept[name] = np.empty(0, dtype=np.int64)
                continue
            _, rows = run_method(
                get_method(method), _candidate_ctx(ctx, sampler, fit_rows, n_fit_select)
            )
            kept[name] = np.sort(np.asarray(rows, dtype=np.int64))
        splits.append(_Split(holdout, seed, kept))
    return splits


def _unusable(splits: Sequence[_Split], y: np.ndarray) -> str | None:
    """Why the splits cannot validate (a fold with no held-out row, or a selection that
    holds fewer than two classes: no classifier trains on one), or None."""
    for fold, split in enumerate(splits):
        if len(split.holdout) == 0:
            return (
                f"too few labeled rows to validate: fold {fold} of the validation holds out no "
                "row (every class has a single row); class-balanced random needs no validation"
            )
        for name, kept in split.kept.items():
            n_classes = len(np.unique(y[kept]))
            if n_classes < 2:
                return (
                    f"cannot validate: {name}'s selection in fold {fold} of the validation "
                    f"holds {len(kept)} rows of {n_classes} class"
                    f"{'' if n_classes == 1 else 'es'} (the other classes have too few rows), "
                    "and a classifier needs two to train on; class-balanced random needs no "
                    "validation"
                )
    return None


def _validate(
    splits: Sequence[_Split],
    plan: ValidationPlan,
    evaluate: Callable[..., Any],
    families: Sequence[str],
    progress: Callable[..., Any],
) -> dict[str, dict[str, list[np.ndarray]]]:
    """``correct[candidate][family]``: per fold, whether the family trained on the
    candidate's selection of the other fold(s) got each held-out row right. Random comes first
    in every fold; all candidates of a fold share one seed (a paired comparison)."""
    names = ("random", *plan.candidates)
    correct: dict[str, dict[str, list[np.ndarray]]] = {name: {} for name in names}
    with progress(len(names) * len(splits), "auto: validating methods") as bar:
        for split in splits:
            for name in names:
                for family in families:
                    with warnings.catch_warnings():  # a model short of convergence still ranks
                        warnings.simplefilter("ignore", ConvergenceWarning)
                        right = evaluate(
                            split.kept[name], split.holdout, split.seed, family, plan.epoch_scale
                        )
                    if right is not None:  # None: the pool has no probe
                        correct[name].setdefault(family, []).append(np.asarray(right, bool))
                bar.update(1)
    return correct


def skill(accuracy: float, y: np.ndarray) -> float:
    """Chance-corrected accuracy: 0 for the majority-class guess, 1 for perfect.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.methods.auto import skill
    >>> y = np.array([0, 0, 0, 1])
    >>> skill(0.75, y), skill(1.0, y), skill(0.875, y)
    (0.0, 1.0, 0.5)
    """
    majority = np.bincount(np.unique(y, return_inverse=True)[1]).max() / len(y)
    return float((accuracy - majority) / max(1e-12, 1.0 - majority))


def lower_bound(candidate: Sequence[np.ndarray], random: Sequence[np.ndarray]) -> float:
    """One-sided lower confidence bound (:data:`AUTO_Z` standard errors) on a candidate's
    accuracy gain over random, from per-fold, per-row correctness on the same rows. The
    standard error is the larger of the row-level one (which rows happened to be held out) and
    the fold-level one (which subset and seed a model happened to train on).

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.methods.auto import lower_bound
    >>> same = [np.ones(100, bool), np.ones(100, bool)]
    >>> lower_bound(same, same)
    0.0
    >>> better = [np.r_[np.ones(90), np.zeros(10)].astype(bool)] * 2
    >>> worse = [np.r_[np.ones(80), np.zeros(20)].astype(bool)] * 2
    >>> round(lower_bound(better, worse), 3)
    0.065
    """
    diffs = [c.astype(float) - r.astype(float) for c, r in zip(candidate, random, strict=True)]
    rows = np.concatenate(diffs)
    se_rows = rows.std(ddof=1) / np.sqrt(len(rows)) if len(rows) > 1 else np.inf
    fold_means = np.array([d.mean() for d in diffs])
    se_folds = fold_means.std(ddof=1) / np.sqrt(len(fold_means)) if len(diffs) > 1 else 0.0
    return float(rows.mean() - AUTO_Z * max(se_rows, se_folds))


def _decide(correct: dict, y: np.ndarray) -> tuple[str, str, dict, dict]:
    """``(choice, reason, scores, accuracies)`` from the validation: random unless a
    candidate's lower bound on its gain is above zero in every competent family."""
    accuracies = {
        name: {family: float(np.mean(np.concatenate(runs))) for family, runs in fam.items()}
        for name, fam in correct.items()
    }
    competent = [
        family
        for family, accuracy in accuracies["random"].items()
        if skill(accuracy, y) >= AUTO_MIN_SKILL
    ]
    scores = {"random": 0.0}
    for name, fam in correct.items():
        if name != "random":
            bounds = [lower_bound(fam[f], correct["random"][f]) for f in competent]
            scores[name] = min(bounds) if bounds else float("-inf")
    if not competent:
        weak = ", ".join(
            f"{family} {accuracy:.2f}" for family, accuracy in accuracies["random"].items()
        )
        reason = (
            f"no validating model is competent (holdout accuracy {weak}: less than "
            f"{AUTO_MIN_SKILL:.0%} of the way from the majority guess to perfect)"
        )
        return "random", reason, scores, accuracies
    best = max(scores, key=scores.get)
    if scores[best] <= 0.0:
        reason = "no candidate beats random with confidence in every competent family"
        return "random", reason, scores, accuracies
    reason = (
        f"{best} beats random by at least {100 * scores[best]:.2f} points (95% lower bound) "
        f"in {', '.join(competent)}"
    )
    return best, reason, scores, accuracies


def _needs(records_training: bool) -> frozenset:
    """The candidates' outputs; training dynamics only from a proxy that records them (the
    candidates that read them are skipped otherwise)."""
    return AUTO_NEEDS | AUTO_OPTIONAL_NEEDS if records_training else AUTO_NEEDS


register_method(
    SelectionMethod(
        "auto",
        needs=AUTO_NEEDS,
        rank=_rank_auto,
        params={"validate_with", "proxy", "probe", "fit_correct"},
        hooks={
            "check": _check_validate_with,
            "resolve": _resolve_auto,
            "needs": _needs,
            "select": _select_auto,
        },
    )
)
