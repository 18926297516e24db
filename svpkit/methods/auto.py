"""``method="auto"``: a validated choice among methods (core-set selection).

Which core-set method beats random depends on the data, the fraction and the target
(``benchmarks/results/coreset_quality.json``): on the digits k-centers wins at every fraction,
on the MNIST sample it loses 8 points at 10% where typicality-leaning choices win. So ``auto``
measures, in the spirit of BWS (Choi et al., ICML 2024): it holds out a stratified 20% of the
rows, selects the user's share of the other 80% with every candidate in :data:`AUTO_CANDIDATES`
(class balanced, from the same proxy outputs: the recorded dynamics are reused, not
recomputed), trains two models on each selection and scores them on the holdout: a fresh clone
of the *proxy* (the same seed for all, so the comparison is paired, and as many gradient steps
as a training on all 80%: epochs scaled up, at most 10x) and the pool's *probe*, a model of
another family (logistic regression on the input; :meth:`svpkit.pools.Pool.probe_model`). A
candidate's score is its gain over class-balanced random in the family where it gains least: a
selection that suits only the proxy's own architecture (on a redundant pool, MLP-validated
dynamics scores lost 4.9 points to random with a linear target) does not count as a win
(``CoresetSelector(validate_with=[...])`` names other models instead, such as a cheap version
of the target: ``ctx.extras["validate_with"]``). Random is kept unless a candidate's score
exceeds :data:`AUTO_MARGIN` (the validation's noise is about a point on a thousand-row
holdout, and random is the choice that is never clearly wrong). A
small pool has a small holdout, whose noise exceeds the gains being compared, so auto repeats
the validation on up to five disjoint stratified holdouts until about
:data:`AUTO_VALIDATION_ROWS` rows are validated (:func:`n_validation_splits`; every row once on
a pool of 2,000 rows or fewer) and pools the accuracies. The winner then selects from the
whole pool.

Cost: one proxy and one probe training per candidate and validation split, on the selected
share of 80% of the rows. The choice is recorded in the selector's ``method_``, the scores in
``method_scores_`` and the pooled holdout accuracies in ``method_validation_``.

In active learning (the candidates are unlabeled) ``auto`` is budget-aware instead, and
decides before any proxy is trained (:func:`active_choice`): while fewer than
:data:`AUTO_SWITCH_LABELS_PER_CLASS` labels per class are known, a proxy's uncertainty is
noise and :data:`AUTO_COLD_START` (coverage of the dense regions of the input features) runs;
from then on :data:`AUTO_WARM` does. The rule and its threshold come from the paired
low-budget benchmark in ``benchmarks/results/active_quality.json``.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Sequence
from dataclasses import replace
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
    "AUTO_MARGIN",
    "AUTO_HOLDOUT",
    "AUTO_VALIDATION_ROWS",
    "n_validation_splits",
    "AUTO_FAMILIES",
    "AUTO_COLD_START",
    "AUTO_WARM",
    "AUTO_SWITCH_LABELS_PER_CLASS",
    "active_choice",
]

#: name -> (method, sampler); every candidate runs class-balanced.
AUTO_CANDIDATES = {
    "random": ("random", "topk"),
    "kcenters": ("kcenters", "topk"),
    "least_confidence": ("least_confidence", "topk"),
    "least_confidence+ccs": ("least_confidence", "ccs"),
    "forgetting+ccs": ("forgetting", "ccs"),
    "d2": ("d2", "topk"),
    "moderate": ("moderate", "topk"),
    "dyn_unc": ("dyn_unc", "topk"),
    "dual+beta": ("dual", "beta"),
}
#: Validation accuracy (a share, 0.005 = half a point) a candidate must gain over random.
AUTO_MARGIN = 0.005
#: Share of the rows held out for validation, per split.
AUTO_HOLDOUT = 0.2
#: Rows auto wants validated in all: a small pool is validated on several disjoint holdouts
#: (at most ``1 / AUTO_HOLDOUT`` of them, every row once), pooled. One holdout of 250 rows
#: measures a candidate's gain with a standard error near 1.4 points at 95% accuracy, more
#: than the gains auto chooses between; ``AUTO_VALIDATION_ROWS`` rows bring it under half that.
AUTO_VALIDATION_ROWS = 2000
#: Model families a candidate must gain in: a clone of the proxy and the pool's probe (a
#: linear model on the input). ``("proxy",)`` validates with the proxy alone, as auto did before
#: the probe was added (the benchmark's ``auto_proxy_only`` arm).
AUTO_FAMILIES = ("proxy", "probe")


#: Active learning: the method while labels are scarce, the one after, and the switch point
#: (labeled rows per labeled class). From the paired benchmark
#: (``benchmarks/results/active_quality.json``):
#: typiclust beat random in every round from 0 to 100 labels per class on the digits and the
#: MNIST sample (CNN and logistic-regression targets) and is the most robust cold start at
#: 1-3 labels per class (maxherding wins on the digits but loses to random at 10 MNIST labels);
#: margin, from a proxy trained on the labels so far, first overtakes it at 70-100 labels per
#: class with the logistic-regression target and not within 100 with the CNN.
AUTO_COLD_START = "typiclust"
AUTO_WARM = "margin"
AUTO_SWITCH_LABELS_PER_CLASS = 100.0


def active_choice(regime: Regime) -> str:
    """The method ``auto`` runs in active learning, from the labels known so far.

    Examples
    --------
    >>> from svpkit.methods import Regime
    >>> from svpkit.methods.auto import active_choice
    >>> active_choice(Regime(0, 0, 1000, 10, candidates_labeled=False))
    'typiclust'
    >>> active_choice(Regime(1000, 10, 4000, 100, candidates_labeled=False))
    'margin'
    """
    if regime.labels_per_class < AUTO_SWITCH_LABELS_PER_CLASS or regime.n_classes < 2:
        return AUTO_COLD_START
    return AUTO_WARM


def _resolve_auto(regime: Regime) -> str:
    # Core-set selection (every candidate labeled) validates methods with the proxy.
    return "auto" if regime.candidates_labeled else active_choice(regime)


#: Every output some candidate reads (a test checks it covers them all). Stated, not computed
#: at import, so this module does not depend on the import order of the others. The training
#: outputs are optional: with a proxy that is not a ProxyNet the candidates that read them are
#: skipped.
AUTO_NEEDS = frozenset({"proba", "embedding"})
AUTO_OPTIONAL_NEEDS = frozenset({"dynamics", "forgetting"})


def candidate_needs() -> frozenset:
    """The outputs the candidates read, from the registry."""
    needs = set()
    for method, sampler in AUTO_CANDIDATES.values():
        needs |= get_method(method).needs | getattr(resolve_sampler(sampler), "needs", set())
    return frozenset(needs)


#: Epochs of training dynamics a candidate method needs, where it needs more than one
#: (Dyn-Unc's and DUAL's window spans two epochs): a proxy trained for fewer leaves it out.
AUTO_MIN_EPOCHS = {"dyn_unc": 2, "dual": 2}


def _readable(ctx: RankContext, method: str, sampler: str) -> bool:
    """Whether the outputs a candidate reads were computed (dynamics need a ProxyNet) and can
    serve it (dynamics over enough epochs)."""
    needs = get_method(method).needs | getattr(resolve_sampler(sampler), "needs", set())
    if not all(getattr(ctx.outputs, need) is not None for need in needs):
        return False
    needed = AUTO_MIN_EPOCHS.get(method, 0)
    return not needed or ctx.outputs.dynamics.n_epochs >= needed


def _n_folds() -> int:
    """Disjoint holdouts of AUTO_HOLDOUT each that the rows hold."""
    return max(1, int(round(1 / AUTO_HOLDOUT)))


def _holdout_folds(ctx: RankContext) -> np.ndarray:
    """A fold number per candidate, stratified: each class is shuffled and dealt round-robin
    into ``1 / AUTO_HOLDOUT`` folds (-1: never held out, for a class of one row)."""
    y = ctx.y[ctx.candidates]
    n_folds = _n_folds()
    folds = np.full(len(y), -1)
    for cls in np.unique(y):
        members = ctx.rng.permutation(np.flatnonzero(y == cls))
        if len(members) > 1:
            folds[members] = np.arange(len(members)) % n_folds
    return folds


def n_validation_splits(n_rows: int) -> int:
    """How many disjoint holdouts auto validates on for a pool of ``n_rows`` rows.

    Examples
    --------
    >>> from svpkit.methods.auto import n_validation_splits
    >>> n_validation_splits(1_000), n_validation_splits(3_500), n_validation_splits(20_000)
    (5, 3, 1)
    """
    per_split = max(1.0, AUTO_HOLDOUT * n_rows)
    return int(min(_n_folds(), max(1, np.ceil(AUTO_VALIDATION_ROWS / per_split))))


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
    scores, accuracies = {}, {}
    if share < 1.0:  # keeping everything leaves nothing to choose: random
        families, models = validation_families(ctx.extras.get("validate_with"))
        evaluate = _evaluator(ctx, models)
        scores, accuracies = _validate(ctx, share, evaluate, families)
    best = max(scores, key=scores.get) if scores else "random"
    if scores and scores[best] <= AUTO_MARGIN:
        best = "random"
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
        "chosen_spec_": {"method": method, "sampler": sampler, "class_balance": True},
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


def _evaluator(ctx: RankContext, models: dict) -> Callable[..., float | None]:
    """``evaluate(train, test, seed, steps_of_rows=None, family="proxy") -> accuracy``: the
    holdout accuracy of a fresh model trained on ``train`` through the pool's ``fit_score``:
    a clone of the proxy (a skorch proxy's epochs scaled, at most 10x, to the gradient steps
    of ``steps_of_rows`` rows), the pool's probe (None when it has none) or a user's model."""
    fit_score, proxy = ctx.extras.get("fit_score"), ctx.extras.get("proxy")
    if fit_score is None or proxy is None:
        raise ValueError("method='auto' needs a selector that can train its proxy (fit_score).")

    def evaluate(train, test, seed, steps_of_rows=None, family="proxy"):
        if family == "probe":  # built only when auto asks: every other method never does
            probe = ctx.extras["probe"]()
            return None if probe is None else fit_score(probe, train, test, seed)
        if family in models:
            return fit_score(models[family], train, test, seed)
        model = clone(proxy)
        if steps_of_rows is not None and is_torch_proxy(model):
            scale = min(10.0, steps_of_rows / max(1, len(train)))
            model.set_params(max_epochs=max(1, int(round(model.max_epochs * scale))))
        return fit_score(model, train, test, seed)

    return evaluate


def _validate(
    ctx: RankContext, share: float, evaluate: Callable[..., Any], families: Sequence[str]
) -> tuple[dict, dict]:
    """Every readable candidate's score (its smallest gain over random across the model
    families) and its holdout accuracies per family, pooled over the validation splits."""
    folds = _holdout_folds(ctx)
    n_splits = n_validation_splits(len(ctx.candidates))
    available = {name: spec for name, spec in AUTO_CANDIDATES.items() if _readable(ctx, *spec)}
    correct: dict[str, dict[str, float]] = {name: {} for name in available}
    n_held = 0
    with ctx.progress(len(available) * n_splits, "auto: validating methods") as bar:
        for split in range(n_splits):
            fit_rows, holdout = ctx.candidates[folds != split], ctx.candidates[folds == split]
            n_fit_select = rows_for_share(share, len(fit_rows))
            seed = derive_seed(ctx.rng)  # one seed for every candidate: a paired comparison
            n_held += len(holdout)
            for name, (method, sampler) in available.items():
                sub = _candidate_ctx(ctx, sampler, fit_rows, n_fit_select)
                _, kept = run_method(get_method(method), sub)
                accuracies = _accuracies(evaluate, families, np.sort(kept), holdout, seed, fit_rows)
                for family, acc in accuracies:
                    correct[name][family] = correct[name].get(family, 0.0) + acc * len(holdout)
                bar.update(1)
    accuracies = {
        name: {family: float(c / n_held) for family, c in fam.items()}
        for name, fam in correct.items()
    }
    base = accuracies["random"]
    scores = {
        name: min(acc[family] - base[family] for family in acc) for name, acc in accuracies.items()
    }
    return scores, accuracies


def _accuracies(evaluate, families, kept, holdout, seed, fit_rows):
    """(family, holdout accuracy) of each validating family trained on ``kept``."""
    for family in families:
        if family == "proxy":
            # As many gradient steps as a training on all fit rows: a proxy trained for a
            # fixed number of epochs on a small selection is underfit and favours easy rows.
            yield "proxy", float(evaluate(kept, holdout, seed, len(fit_rows)))
            continue
        with warnings.catch_warnings():  # a model short of convergence still ranks
            warnings.simplefilter("ignore", ConvergenceWarning)
            accuracy = evaluate(kept, holdout, seed, family=family)
        if accuracy is not None:  # None: the pool has no probe
            yield family, float(accuracy)


def _needs(records_training: bool) -> frozenset:
    """The candidates' outputs; training dynamics only from a proxy that records them (the
    candidates that read them are skipped otherwise)."""
    return AUTO_NEEDS | AUTO_OPTIONAL_NEEDS if records_training else AUTO_NEEDS


register_method(
    SelectionMethod(
        "auto",
        needs=AUTO_NEEDS,
        rank=_rank_auto,
        params={"validate_with", "proxy", "probe", "fit_score"},
        hooks={
            "check": _check_validate_with,
            "resolve": _resolve_auto,
            "needs": _needs,
            "select": _select_auto,
        },
    )
)
