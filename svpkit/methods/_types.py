"""The data types a method works with: the outputs it reads, the context it ranks in, its
answer, and the method itself.

A method turns what the proxy produced for a pool into an order over the candidate rows. It
states the proxy outputs it reads (``needs``, a set drawn from :data:`OUTPUTS`), the extra
parameters it takes (``params``) and its optional hooks (``hooks``, from :data:`HOOKS`), and
receives one :class:`RankContext`. The registry (:mod:`svpkit.methods._registry`) holds the
methods by name; :func:`svpkit.methods.run_method` runs one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np

from ..kernels import topk

__all__ = [
    "OUTPUTS",
    "PROXY_OUTPUTS",
    "TRAINING_OUTPUTS",
    "GIVEN_OUTPUTS",
    "REGRESSION_OUTPUTS",
    "CLASSIFICATION_OUTPUTS",
    "MULTILABEL_OUTPUTS",
    "SERVICES",
    "HOOKS",
    "PoolOutputs",
    "RankContext",
    "Ranking",
    "BlockMap",
    "SelectionMethod",
    "Regime",
    "ranking_from_picks",
    "as_ranking",
]

#: The proxy outputs a method may read. ``embedding`` falls back to the (flattened) input
#: features when no proxy can be trained or the proxy has no learned embedding; ``dynamics``
#: and ``forgetting`` are recorded while the proxy trains (one run serves every method);
#: ``features`` are a fixed representation the pool computes from the input whatever the proxy
#: (PCA-50; LSA-50 for texts), for the cold-start methods, which need no proxy at all;
#: ``scores`` are per-row scores a user computed elsewhere and passed to ``fit``;
#: ``label_proba`` are a multi-label proxy's per-label probabilities.
OUTPUTS = frozenset(
    {
        "proba",
        "embedding",
        "forgetting",
        "dynamics",
        "features",
        "scores",
        "variance",
        "residual",
        "label_proba",
    }
)
#: Outputs that only a trained proxy can give.
PROXY_OUTPUTS = frozenset(
    {"proba", "forgetting", "dynamics", "variance", "residual", "label_proba"}
)
#: Outputs of a regression proxy: its predictive variance (an ensemble's spread, or a model's
#: own ``predict(return_std=True)``), and each labeled row's cross-fitted absolute residual.
REGRESSION_OUTPUTS = frozenset({"variance", "residual"})
#: Outputs only a classifier gives (class probabilities, and what is recorded from them).
CLASSIFICATION_OUTPUTS = frozenset({"proba", "forgetting", "dynamics"})
#: Outputs of a multi-label proxy: the probability of each label, one column per label
#: (columns need not sum to 1).
MULTILABEL_OUTPUTS = frozenset({"label_proba"})
#: Outputs only a user gives (``fit(X, y, scores=...)``): a method that reads them is never
#: suggested as a fix for another's missing output.
GIVEN_OUTPUTS = frozenset({"scores"})
#: Outputs recorded during training, which only a pool seen in fit has.
TRAINING_OUTPUTS = frozenset({"forgetting", "dynamics"})

#: What a selector can hand a method that declares it in ``params``, besides the user's
#: method parameters (``query``, ``validate_with``, ...): ``proxy``, the unfitted proxy the
#: selector trains; ``probe``, a callable returning the pool's cheap model of another family
#: (a linear classifier on the input; None where the pool has none); ``fit_score``,
#: ``fit_score(model, train_rows, test_rows, seed) -> accuracy``, which trains a clone of
#: ``model`` on pool rows and scores it on others; ``fit_correct``, the same returning whether
#: each test row was predicted right (how ``auto`` compares two selections row by row).
SERVICES = frozenset({"proxy", "probe", "fit_score", "fit_correct"})

#: The optional hooks a method may declare in ``SelectionMethod.hooks``, by name.
HOOKS = MappingProxyType(
    {
        "check": "check(extras) -> None: raise ValueError, naming the fix, when the declared "
        "parameters are missing or inconsistent; called before any proxy is trained",
        "resolve": "resolve(regime) -> str or (str, reason): for a method that stands for "
        "others, the name of the registered method that runs in this regime (its own name to "
        "run rank), optionally with a sentence saying why (the selector's method_reason_)",
        "needs": "needs(records_training) -> frozenset: the outputs read when they depend on "
        "the proxy (e.g. training dynamics only from a proxy that records them)",
        "select": "select(ctx) -> (Ranking, kept): the method applies class balance and the "
        "sampler itself (a method that runs others through run_method)",
        "weigh": "weigh(ctx, selected) -> weights: one weight per selected row (e.g. "
        "k-centers cluster sizes, usable as sample_weight)",
        "blockwise": "blockwise(ctx, blocks) -> Ranking: a variant that runs where the blocks "
        "of a distributed pool live, with ctx.outputs empty",
    }
)


@dataclass
class PoolOutputs:
    """What a trained proxy says about every row of a pool.

    Attributes
    ----------
    proba : ndarray of shape (n_rows, n_classes) or None
        Columns follow the encoded classes ``0 .. n_classes - 1``.
    embedding : ndarray of shape (n_rows, n_embed) or None
        Penultimate-layer embeddings, or the (flattened) input features when the proxy has none.
    forgetting : ndarray of shape (n_rows,) or None
        Forgetting scores of the rows the proxy trained on (NaN elsewhere).
    dynamics : svpkit.kernels.dynamics.TrainingDynamics or None
        Per-epoch training dynamics of the rows the proxy trained on (``dynamics.take(rows)``
        gives the columns of pool rows).
    features : ndarray of shape (n_rows, 50) or None
        The pool's own dense representation of its rows (the input features reduced by PCA;
        an LSA embedding for texts), computed once per pool content.
    row_scores : dict of str to ndarray of shape (n_rows,)
        Scores a pool computed from the probabilities batch by batch during inference, under
        the name of the method whose ``row_score`` kernel made them (the probabilities
        themselves are then not kept); empty when none were streamed.
    scores : ndarray of shape (n_rows,) or None
        Scores computed elsewhere and passed to ``fit(X, y, scores=...)`` (larger = select
        first); no proxy gives them.
    variance : ndarray of shape (n_rows,) or None
        A regression proxy's predictive variance per row.
    residual : ndarray of shape (n_rows,) or None
        A regression proxy's cross-fitted absolute residual ``|y - y_hat|`` on the rows it
        trained on (each predicted by a model that did not see it; NaN elsewhere).
    label_proba : ndarray of shape (n_rows, n_labels) or None
        A multi-label proxy's probability that each label applies to each row.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.methods import PoolOutputs
    >>> outputs = PoolOutputs(proba=np.array([[0.9, 0.1], [0.5, 0.5]]))
    >>> outputs.proba.shape, outputs.embedding is None, outputs.row_scores
    ((2, 2), True, {})
    """

    proba: np.ndarray | None = None
    embedding: np.ndarray | None = None
    forgetting: np.ndarray | None = None
    dynamics: Any = None
    features: np.ndarray | None = None
    row_scores: dict = field(default_factory=dict)
    scores: np.ndarray | None = None
    variance: np.ndarray | None = None
    residual: np.ndarray | None = None
    label_proba: np.ndarray | None = None


@dataclass(frozen=True)
class RankContext:
    """Everything a method may use to rank, handed over as one object.

    Attributes
    ----------
    outputs : PoolOutputs
        The proxy outputs the method declared in ``needs`` (rows indexed by pool row).
    candidates : ndarray of int
        Rows to rank (sorted pool row ids).
    existing : ndarray of int
        Rows already in the training set that are not candidates (k-centers' existing centers).
    y : ndarray of int64, shape (n_rows,)
        Encoded labels ``0 .. len(classes) - 1``; ``-1`` where the label is unknown.
    classes : ndarray
        The original labels behind the codes.
    n_select : int
        How many rows the selector keeps.
    rng : numpy.random.RandomState
        Seeded generator; the only source of randomness a method may use.
    class_balance : bool
        Whether the selector asked for the same share in every class (handled by
        :func:`run_method`: a method sees one class at a time).
    share : float or None
        The share of candidates asked for, when it was given as a share; None when a count was
        asked for (``n_select`` is the count either way).
    verbose : bool
        Whether the selector asked for progress; long methods show it with :meth:`progress`.
    sampler : svpkit.methods.Sampler or None
        How the kept rows are drawn from the scores (None: the top of the ranking); applied by
        :func:`run_method`, inside each class under class balance.
    label_matrix : ndarray of int8, shape (n_rows, n_labels), or None
        Multi-label selection: each row's labels as a binary indicator, rows of -1 where the
        labels are unknown (``y`` is then 0 on labeled rows). Class balance reads it as
        per-label coverage. None for single-label and regression targets.
    extras : Mapping of str to object
        The extra parameters the method declared in ``SelectionMethod.params`` and was given:
        the user's method parameters (e.g. ``query`` and ``private`` rows for targeted
        selection, ``validate_with`` for ``auto``) and the :data:`SERVICES` it asked for.
        Read with ``ctx.extras.get(name)``; a method never sees a parameter it did not
        declare.

    Examples
    --------
    A context over four pool rows: row 0 is labeled, rows 1-3 are the candidates.

    >>> import numpy as np
    >>> from svpkit.methods import PoolOutputs, RankContext, get_method
    >>> proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.5, 0.5], [0.2, 0.8]])
    >>> ctx = RankContext(
    ...     outputs=PoolOutputs(proba=proba),
    ...     candidates=np.array([1, 2, 3]),
    ...     existing=np.array([0]),
    ...     y=np.array([0, -1, -1, -1]),
    ...     classes=np.array(["cat", "dog"]),
    ...     n_select=2,
    ...     rng=np.random.RandomState(0),
    ... )
    >>> ctx.labeled.tolist()
    [0]
    >>> order, scores = get_method("margin").rank(ctx)  # smallest margin first
    >>> order.tolist()
    [2, 1, 3]
    >>> ctx.restricted(np.array([1, 3]), ctx.existing, n_select=1).candidates.tolist()
    [1, 3]
    """

    outputs: PoolOutputs
    candidates: np.ndarray
    existing: np.ndarray
    y: np.ndarray
    classes: np.ndarray
    n_select: int
    rng: np.random.RandomState
    class_balance: bool = False
    share: float | None = None
    verbose: bool = False
    sampler: Any = None
    extras: Mapping[str, Any] = field(default_factory=dict)
    label_matrix: np.ndarray | None = None

    def progress(self, total: int, desc: str) -> Any:
        """A tqdm bar for a long step (disabled unless ``verbose``); use it as a context
        manager and pass ``bar.update`` to kernels that report progress."""
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, leave=False, disable=not self.verbose)

    def ranked_prefix(self) -> int | None:
        """How many rows a score-ordering method must order: ``n_select`` when there are more
        than :data:`svpkit.kernels.topk.FULL_RANKING_MAX_ROWS` candidates and the kept rows are
        the top of the ranking (the default sampler), else None (order them all)."""
        if self.sampler is None and len(self.candidates) > topk.FULL_RANKING_MAX_ROWS:
            return self.n_select
        return None

    @property
    def labeled(self) -> np.ndarray:
        """Rows whose label is known."""
        return np.flatnonzero(self.y >= 0)

    def restricted(
        self, candidates: np.ndarray, existing: np.ndarray, n_select: int
    ) -> RankContext:
        """The same context over a subset of candidates (e.g. one class)."""
        return replace(
            self, candidates=candidates, existing=existing, n_select=n_select, class_balance=False
        )


@dataclass
class Ranking:
    """A method's answer.

    Attributes
    ----------
    order : ndarray of int
        Candidate rows, best first (a costly method may stop after ``n_select``).
    scores : ndarray of float, shape (n_candidates,)
        One score per entry of ``ctx.candidates`` (larger = keep first; NaN = not ranked).
    report : dict
        Fitted attributes the method reports beyond its ranking, by name (ending in ``_``):
        k-centers run blockwise reports ``covering_radius_`` (measured); ``auto`` reports
        ``method_`` (its choice), ``method_scores_``, ``method_validation_`` and
        ``chosen_spec_`` (``{"method", "sampler", "class_balance"}`` of the choice, which
        ``transform`` on a new pool reuses). The selector sets each on itself.

    Examples
    --------
    A rank function may return a ``Ranking`` instead of ``(order, scores)``:

    >>> import numpy as np
    >>> from svpkit.methods import Ranking
    >>> candidates = np.array([10, 11, 12])
    >>> scores = np.array([0.2, 0.9, 0.5])
    >>> ranking = Ranking(order=candidates[np.argsort(-scores)], scores=scores)
    >>> ranking.order.tolist(), ranking.report, ranking.covering_radius
    ([11, 12, 10], {}, None)
    """

    order: np.ndarray
    scores: np.ndarray
    report: dict = field(default_factory=dict)

    @property
    def covering_radius(self) -> float | None:
        """The reported ``covering_radius_`` (k-centers run blockwise), else None."""
        return self.report.get("covering_radius_")


@dataclass(frozen=True)
class Regime:
    """What a selector knows before any proxy is trained: how a method that stands for
    others (``auto``) decides which one runs.

    Attributes
    ----------
    n_labeled : int
        Labeled rows.
    n_classes : int
        Distinct classes among them.
    n_candidates : int
        Rows to rank.
    n_select : int
        Rows to keep.
    candidates_labeled : bool
        Every candidate is labeled (core-set selection) rather than unlabeled (active
        learning).
    class_counts : tuple of int or None, default=None
        Labeled rows per labeled class (the selectors fill it; one entry per class in
        ``n_classes``). ``None`` when unknown: a rule that reads it must then decide without
        it (``auto`` in active learning then switches on labels per class alone).
    validation_affordable : bool, default=True
        Whether training extra models to validate a selection is cheap beside the target's
        training. False for pools whose targets are expensive and whose proxies are not
        negligible beside them (image folders): core-set ``auto`` then keeps class-balanced
        random instead of spending about two more proxy trainings on validation, unless the
        user asked for validation (``validate_with``).
    validation_asked : bool, default=False
        The user named models to validate with (auto's ``validate_with``).
    proxy_trainable : bool, default=True
        False when the proxy is used as it is (a frozen fitted estimator) or outputs computed
        elsewhere stand in for it: nothing trains on subsets of the pool, so core-set ``auto``
        keeps class-balanced random unless the user asked for validation.
    task : {"classification", "regression", "multilabel"}, default="classification"
        What the labels are; for regression, ``n_classes`` and ``class_counts`` count the
        quantile strata of the labeled targets; for multi-label targets, the labels.

    Examples
    --------
    >>> from svpkit.methods import Regime, get_method, resolve_method
    >>> regime = Regime(
    ...     n_labeled=2000,
    ...     n_classes=10,
    ...     n_candidates=50_000,
    ...     n_select=500,
    ...     candidates_labeled=False,
    ... )
    >>> regime.labels_per_class
    200.0
    >>> resolve_method(get_method("auto"), regime).name  # enough labels: uncertainty
    'margin'
    >>> rare = Regime(300, 10, 5000, 50, False, class_counts=(33,) * 9 + (3,))
    >>> resolve_method(get_method("auto"), rare).name  # one class starved: uncertainty
    'margin'
    """

    n_labeled: int
    n_classes: int
    n_candidates: int
    n_select: int
    candidates_labeled: bool
    class_counts: tuple[int, ...] | None = None
    validation_affordable: bool = True
    validation_asked: bool = False
    proxy_trainable: bool = True
    task: str = "classification"

    @property
    def labels_per_class(self) -> float:
        """Labeled rows per labeled class (0 with no label)."""
        return self.n_labeled / self.n_classes if self.n_classes else 0.0


class BlockMap(Protocol):
    """How a blockwise pool lets a method's distributed variant work where the data lives.

    Methods never import pools: a pool passes an object with this interface.

    Examples
    --------
    A minimal block map over an embedding held in this process as two blocks of 10 rows
    (a distributed pool runs ``fn`` where each block lives instead). k-centers' blockwise
    variant runs on it through :func:`run_method`:

    >>> import numpy as np
    >>> from svpkit.methods import PoolOutputs, RankContext, get_method, run_method
    >>> embedding = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
    >>> class TwoBlocks:
    ...     starts, sizes = np.array([0, 10]), np.array([10, 10])
    ...
    ...     def map(self, fn, needs, rows, args):
    ...         return [
    ...             fn(PoolOutputs(embedding=embedding[start + local]), *fn_args)
    ...             for start, local, fn_args in zip(self.starts, rows, args)
    ...         ]
    ...
    ...     def gather(self, rows, needs):
    ...         return PoolOutputs(embedding=embedding[rows])
    >>> ctx = RankContext(
    ...     outputs=PoolOutputs(),  # empty: the blocks hold the embeddings
    ...     candidates=np.arange(20),
    ...     existing=np.arange(0),
    ...     y=np.full(20, -1),
    ...     classes=np.array([]),
    ...     n_select=3,
    ...     rng=np.random.RandomState(0),
    ... )
    >>> ranking, selected = run_method(get_method("kcenters"), ctx, blocks=TwoBlocks())
    >>> len(selected), bool(ranking.covering_radius > 0)
    (3, True)
    """

    starts: np.ndarray  #: first pool row of each block
    sizes: np.ndarray  #: rows in each block

    def map(
        self, fn: Callable[..., Any], needs: frozenset, rows: Sequence[np.ndarray], args: Sequence
    ) -> list:
        """Run ``fn(outputs_of_block_rows, *args[i])`` for block ``i`` where it lives, with the
        outputs of its local ``rows[i]``; return the results in block order."""

    def gather(self, rows: np.ndarray, needs: frozenset) -> PoolOutputs:
        """The outputs of the given pool rows, in this process."""


#: rank(ctx) -> (order, scores) or a Ranking
RankFn = Callable[[RankContext], Any]


def _as_needs(needs: str | Iterable[str] | None) -> frozenset:
    if needs is None or needs == "nothing":
        return frozenset()
    needs = frozenset([needs]) if isinstance(needs, str) else frozenset(needs)
    unknown = needs - OUTPUTS
    if unknown:
        raise ValueError(
            f"needs holds unknown outputs {sorted(unknown)}; choose from {sorted(OUTPUTS)}."
        )
    return needs


@dataclass(frozen=True)
class SelectionMethod:
    """A registered selection method.

    Attributes
    ----------
    name : str
    needs : frozenset of {"proba", "embedding", "forgetting", "dynamics", "features"}
        The proxy outputs the method reads (a string or any iterable is turned into a set).
    rank : callable
        ``rank(ctx: RankContext) -> (order, scores)`` (or a :class:`Ranking`).
    needs_all_labels : bool
        True when the method needs every row labeled (and usually the proxy's training dynamics
        over them): offered by selectors for fully labeled pools only.
    row_score : callable or None
        ``row_score(proba_rows) -> scores``, one score per row computed from that row's
        probabilities alone, for a method whose scores are exactly that (the uncertainty
        methods). When the probabilities are read for nothing else, pools apply it batch by
        batch during inference and keep only the scores (``outputs.row_scores[name]``);
        ``rank`` must then use them.
    params : frozenset of str
        The extra parameters the method takes, found in ``ctx.extras``: the selector
        parameters it reads (e.g. ``{"query", "query_classes", "private"}`` for targeted
        selection, ``{"validate_with"}`` for ``auto``) and the :data:`SERVICES` it asks for.
        A selector refuses, by name, a parameter given to a method that does not declare it.
    hooks : mapping of str to callable
        Optional hooks, by name, from :data:`HOOKS`: ``check`` (the declared parameters are
        valid), ``resolve`` (a method that stands for others), ``needs`` (outputs that depend
        on the proxy), ``select`` (the method applies class balance and the sampler itself),
        ``weigh`` (a natural ``sample_weight``), ``blockwise`` (a variant that runs where a
        distributed pool's blocks live; without one, the pool gathers ``needs`` and ``rank``
        runs in process).

    Examples
    --------
    A method that ranks the rows farthest from the origin of the embedding space first:

    >>> import numpy as np
    >>> from svpkit.methods import SelectionMethod, order_by_score
    >>> def rank(ctx):
    ...     scores = np.linalg.norm(ctx.outputs.embedding[ctx.candidates], axis=1)
    ...     return order_by_score(ctx.candidates, scores, ctx.rng), scores
    >>> method = SelectionMethod("doc_outliers", needs="embedding", rank=rank)
    >>> method.needs
    frozenset({'embedding'})
    >>> method.needs_proxy(n_labeled=0), method.needs_proxy(n_labeled=100)
    (False, True)

    :func:`register_method` makes it available to the selectors by name.
    """

    name: str
    needs: frozenset = field(default_factory=frozenset)
    rank: RankFn | None = None
    needs_all_labels: bool = False
    row_score: Callable[[np.ndarray], np.ndarray] | None = None
    params: frozenset = field(default_factory=frozenset)
    hooks: Mapping[str, Callable[..., Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "needs", _as_needs(self.needs))
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"a method needs a non-empty string name; got {self.name!r}.")
        if not callable(self.rank):
            raise TypeError(f"method {self.name!r}: rank must be callable; got {self.rank!r}.")
        params = frozenset([self.params] if isinstance(self.params, str) else self.params)
        object.__setattr__(self, "params", params)
        unknown = set(self.hooks) - set(HOOKS)
        if unknown:
            raise ValueError(
                f"method {self.name!r}: unknown hooks {sorted(unknown)}; choose from "
                f"{sorted(HOOKS)}."
            )
        not_callable = [name for name, hook in self.hooks.items() if not callable(hook)]
        if not_callable:
            raise TypeError(f"method {self.name!r}: hooks {not_callable} must be callable.")
        object.__setattr__(self, "hooks", MappingProxyType(dict(self.hooks)))

    def hook(self, name: str) -> Callable[..., Any] | None:
        """The hook called ``name`` (one of :data:`HOOKS`), or None when not declared."""
        return self.hooks.get(name)

    def needs_for(self, records_training: bool) -> frozenset:
        """The outputs read with a proxy that can (or cannot) record its training dynamics:
        ``needs``, or what the ``needs`` hook says."""
        hook = self.hooks.get("needs")
        return self.needs if hook is None else _as_needs(hook(records_training))

    def needs_proxy(self, n_labeled: int) -> bool:
        """Whether a proxy must be trained: for probabilities and training dynamics always,
        for embeddings when labeled rows exist (else k-centers runs on the input features)."""
        return bool(self.needs & PROXY_OUTPUTS) or ("embedding" in self.needs and n_labeled > 0)


def ranking_from_picks(candidates: np.ndarray, picks: np.ndarray) -> Ranking:
    """The :class:`Ranking` of a method that picks greedily: the picked candidates in pick
    order, each scored by its rank (earlier picks higher), the others unranked (NaN).

    ``picks`` are positions in ``candidates``.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.methods import ranking_from_picks
    >>> r = ranking_from_picks(np.array([10, 11, 12]), np.array([2, 0]))
    >>> r.order.tolist(), r.scores.tolist()
    ([12, 10], [2.0, nan, 3.0])
    """
    scores = np.full(len(candidates), np.nan)
    scores[picks] = len(candidates) - np.arange(len(picks), dtype=np.float64)
    return Ranking(np.asarray(candidates)[picks], scores)


def as_ranking(method: SelectionMethod, result: Any, n_candidates: int) -> Ranking:
    """A method's answer as a checked :class:`Ranking` (int64 order, float64 scores).

    Parameters
    ----------
    method : SelectionMethod
        The method that answered (named in the error).
    result : Ranking or tuple
        What its ``rank`` returned: a :class:`Ranking` or ``(order, scores)``.
    n_candidates : int
        How many candidates it was asked to rank.

    Returns
    -------
    ranking : Ranking

    Raises
    ------
    ValueError
        When there is not one score per candidate.

    Examples
    --------
    >>> from svpkit.methods import as_ranking, get_method
    >>> ranking = as_ranking(get_method("margin"), ([2, 0, 1], [0.5, 0.1, 0.9]), n_candidates=3)
    >>> ranking.order.dtype, ranking.scores.tolist()
    (dtype('int64'), [0.5, 0.1, 0.9])
    >>> as_ranking(get_method("margin"), ([2], [0.5]), n_candidates=3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: method 'margin' returned (1,) scores for 3 candidates; return one score per ...
    """
    ranking = result if isinstance(result, Ranking) else Ranking(*result)
    ranking.order = np.asarray(ranking.order, dtype=np.int64)
    ranking.scores = np.asarray(ranking.scores, dtype=np.float64)
    if ranking.scores.shape != (n_candidates,):
        raise ValueError(
            f"method {method.name!r} returned {ranking.scores.shape} scores for "
            f"{n_candidates} candidates; return one score per candidate (NaN when unranked)."
        )
    return ranking
