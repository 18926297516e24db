"""The method registry, the rank context and the one function that runs a method.

A method turns what the proxy produced for a pool into an order over the candidate rows. It
states the proxy outputs it reads (``needs``, a set drawn from :data:`OUTPUTS`) and receives one
:class:`RankContext`. Selectors never branch on method names: they ask the registry, compute the
outputs once, and call :func:`run_method`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError

__all__ = [
    "OUTPUTS",
    "PoolOutputs",
    "RankContext",
    "Ranking",
    "BlockMap",
    "SelectionMethod",
    "Regime",
    "resolve_method",
    "runs_without_labels",
    "ranking_from_picks",
    "register_method",
    "get_method",
    "available_methods",
    "order_by_score",
    "as_ranking",
    "methods_without_proxy",
    "methods_not_reading",
]

#: The proxy outputs a method may read. ``embedding`` falls back to the (flattened) input
#: features when no proxy can be trained or the proxy has no learned embedding; ``dynamics``
#: and ``forgetting`` are recorded while the proxy trains (one run serves every method);
#: ``features`` are a fixed representation the pool computes from the input whatever the proxy
#: (PCA-50; LSA-50 for texts), for the cold-start methods, which need no proxy at all.
OUTPUTS = frozenset({"proba", "embedding", "forgetting", "dynamics", "features"})
#: Outputs that only a trained proxy can give.
PROXY_OUTPUTS = frozenset({"proba", "forgetting", "dynamics"})
#: Outputs recorded during training, which only a pool seen in fit has.
TRAINING_OUTPUTS = frozenset({"forgetting", "dynamics"})


#: Candidates above which uncertainty methods rank only the kept prefix (``ranking_`` then
#: holds the selected rows, best first; ``scores_`` still scores every row): a full sort of
#: 10M scores takes 7 s, a partition 0.06 s.
FULL_RANKING_MAX_ROWS = 1 << 20


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
    evaluate : callable or None
        ``evaluate(train_rows, test_rows, seed, steps_of_rows=None, family="proxy") ->
        accuracy``: trains a fresh clone of the proxy on ``train_rows`` (seeded; a skorch proxy
        for as many gradient steps as an epoch budget on ``steps_of_rows`` rows) and scores it
        on ``test_rows``; ``family="probe"`` trains the pool's probe model instead (a linear
        classifier on the input; None when the pool has none), and any other name in
        ``validation_families`` trains that model. What ``method="auto"`` validates with.
    validation_families : tuple of str or None
        The model families ``method="auto"`` validates with, names ``evaluate`` accepts; None:
        its default (:data:`svpkit.methods.auto.AUTO_FAMILIES`).
    query : ndarray of int or None
        Rows the selection should resemble (targeted selection: e.g. labeled examples of a
        rare class); None unless the selector was given a query.
    private : ndarray of int or None
        Rows the selection should stay away from (targeted selection: e.g. out-of-
        distribution examples).

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
    evaluate: Callable[..., float] | None = None
    validation_families: tuple[str, ...] | None = None
    query: np.ndarray | None = None
    private: np.ndarray | None = None

    def progress(self, total: int, desc: str) -> Any:
        """A tqdm bar for a long step (disabled unless ``verbose``); use it as a context
        manager and pass ``bar.update`` to kernels that report progress."""
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, leave=False, disable=not self.verbose)

    def ranked_prefix(self) -> int | None:
        """How many rows a score-ordering method must order: ``n_select`` when there are more
        than :data:`FULL_RANKING_MAX_ROWS` candidates and the kept rows are the top of the
        ranking (the default sampler), else None (order them all)."""
        if self.sampler is None and len(self.candidates) > FULL_RANKING_MAX_ROWS:
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
    covering_radius : float or None
        For k-centers run blockwise: the covering radius achieved (measured).
    chosen : str or None
        For a method that chooses among others (``auto``): the choice.
    choice_scores : dict or None
        For ``auto``: the validation score of every candidate (its gain over random).
    choice_details : dict or None
        For ``auto``: the holdout accuracies behind those scores, per model family.
    chosen_spec : tuple or None
        For ``auto``: ``(method, sampler)`` of the choice, which ``transform`` on a new pool
        reuses.

    Examples
    --------
    A rank function may return a ``Ranking`` instead of ``(order, scores)``:

    >>> import numpy as np
    >>> from svpkit.methods import Ranking
    >>> candidates = np.array([10, 11, 12])
    >>> scores = np.array([0.2, 0.9, 0.5])
    >>> ranking = Ranking(order=candidates[np.argsort(-scores)], scores=scores)
    >>> ranking.order.tolist(), ranking.covering_radius, ranking.chosen
    ([11, 12, 10], None, None)
    """

    order: np.ndarray
    scores: np.ndarray
    covering_radius: float | None = None
    chosen: str | None = None
    choice_scores: dict | None = None
    chosen_spec: tuple | None = None
    choice_details: dict | None = None


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
    """

    n_labeled: int
    n_classes: int
    n_candidates: int
    n_select: int
    candidates_labeled: bool

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
    weigh : callable or None
        ``weigh(ctx, selected) -> weights``: one weight per selected row (e.g. k-centers cluster
        sizes, usable as ``sample_weight``), or None when the method has no natural weighting.
    blockwise : callable or None
        ``blockwise(ctx, blocks: BlockMap) -> Ranking``: a variant that runs where the blocks of
        a distributed pool live, with ``ctx.outputs`` empty (k-centers' two-round algorithm).
        Without one, a distributed pool gathers ``needs`` and ``rank`` runs in process.
    optional_needs : frozenset
        Training outputs read when the proxy can record them (a :class:`svpkit.nn.ProxyNet`)
        and left empty otherwise (``auto`` then skips the candidates that need them).
    whole_context : bool
        True when ``rank`` applies class balance and the sampler itself and returns its
        ``n_select`` kept rows first (``auto``, which runs other methods through
        :func:`run_method`).
    resolve : callable or None
        ``resolve(regime: Regime) -> str``: for a method that stands for others, the name of
        the registered method that runs in this regime (its own name to run ``rank``).
        Selectors resolve before any proxy is trained, so the outputs read are those of the
        method that runs.
    row_score : callable or None
        ``row_score(proba_rows) -> scores``, one score per row computed from that row's
        probabilities alone, for a method whose scores are exactly that (the uncertainty
        methods). When the probabilities are read for nothing else, pools apply it batch by
        batch during inference and keep only the scores (``outputs.row_scores[name]``);
        ``rank`` must then use them.
    targeted : bool
        True when ``rank`` reads ``ctx.query`` and ``ctx.private`` (targeted selection):
        selectors require a query for it and refuse one for every other method.
    validates : bool
        True when ``rank`` trains models on candidate selections through ``ctx.evaluate``
        and reads ``ctx.validation_families`` (``auto``): selectors accept models to validate
        with (``validate_with``) for it and refuse them for every other method.

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
    weigh: Callable[[RankContext, np.ndarray], np.ndarray] | None = None
    blockwise: Callable[[RankContext, BlockMap], Ranking] | None = None
    whole_context: bool = False
    optional_needs: frozenset = field(default_factory=frozenset)
    resolve: Callable[[Regime], str] | None = None
    row_score: Callable[[np.ndarray], np.ndarray] | None = None
    targeted: bool = False
    validates: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "needs", _as_needs(self.needs))
        object.__setattr__(self, "optional_needs", _as_needs(self.optional_needs))
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"a method needs a non-empty string name; got {self.name!r}.")
        if not callable(self.rank):
            raise TypeError(f"method {self.name!r}: rank must be callable; got {self.rank!r}.")

    def needs_proxy(self, n_labeled: int) -> bool:
        """Whether a proxy must be trained: for probabilities and training dynamics always,
        for embeddings when labeled rows exist (else k-centers runs on the input features)."""
        return bool(self.needs & PROXY_OUTPUTS) or ("embedding" in self.needs and n_labeled > 0)


_REGISTRY: dict[str, SelectionMethod] = {}


def register_method(
    method: SelectionMethod | str,
    rank: RankFn | None = None,
    *,
    needs: str | Iterable[str] | None = None,
    needs_all_labels: bool = False,
    weigh: Callable | None = None,
    blockwise: Callable | None = None,
) -> Any:
    """Add (or replace) a method in the registry.

    Three forms: ``register_method(SelectionMethod(...))``; ``register_method(name, rank,
    needs=...)``; or as a decorator, ``@register_method(name, needs=...)`` over ``rank``.

    Parameters
    ----------
    method : SelectionMethod or str
        A method, or the name of the method to build.
    rank : callable, default=None
        ``rank(ctx) -> (order, scores)``; omitted in the decorator form.
    needs, needs_all_labels, weigh, blockwise
        As in :class:`SelectionMethod`.

    Returns
    -------
    SelectionMethod, or (decorator form) the decorated function unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.methods import register_method, order_by_score, available_methods
    >>> @register_method("doc_max_proba", needs={"proba"})
    ... def rank(ctx):
    ...     scores = ctx.outputs.proba[ctx.candidates].max(axis=1)   # most confident first
    ...     return order_by_score(ctx.candidates, scores, ctx.rng), scores
    >>> "doc_max_proba" in available_methods()
    True
    """
    if isinstance(method, SelectionMethod):
        _REGISTRY[method.name] = method
        return method
    options = dict(needs=needs, needs_all_labels=needs_all_labels, weigh=weigh, blockwise=blockwise)
    if rank is None:

        def decorate(fn: RankFn) -> RankFn:
            register_method(SelectionMethod(method, rank=fn, **options))
            return fn

        return decorate
    return register_method(SelectionMethod(method, rank=rank, **options))


def available_methods(*, all_labeled: bool = True) -> list[str]:
    """Names of registered methods (without those that need every row labeled when
    ``all_labeled=False``).

    Parameters
    ----------
    all_labeled : bool, default=True
        Whether every row is labeled (core-set selection). False leaves out the methods that
        need all labels (the training-dynamics scores), which active learning cannot run.

    Returns
    -------
    names : list of str
        Sorted method names.

    Examples
    --------
    >>> from svpkit.methods import available_methods
    >>> names = available_methods()
    >>> "kcenters" in names, "el2n" in names
    (True, True)
    >>> "el2n" in available_methods(all_labeled=False)  # EL2N needs every row labeled
    False
    """
    return sorted(m.name for m in _REGISTRY.values() if all_labeled or not m.needs_all_labels)


def get_method(name: str, *, all_labeled: bool = True) -> SelectionMethod:
    """Look a method up, with an error that lists the valid names.

    Parameters
    ----------
    name : str
        A registered method name.
    all_labeled : bool, default=True
        Whether every row is labeled; with False, a method that needs all labels is refused.

    Returns
    -------
    method : SelectionMethod

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        When ``name`` is not registered, or needs every row labeled while ``all_labeled`` is
        False (a ``ValueError``).

    Examples
    --------
    >>> from svpkit.methods import get_method
    >>> get_method("kcenters").needs
    frozenset({'embedding'})
    >>> try:
    ...     get_method("el2n", all_labeled=False)
    ... except ValueError as error:
    ...     print(str(error).split(" Choose")[0])
    method='el2n' is not available here. 'el2n' needs every row labeled: use CoresetSelector.
    """
    method = _REGISTRY.get(name) if isinstance(name, str) else None
    if method is None or (method.needs_all_labels and not all_labeled):
        hint = ""
        if method is not None:
            hint = f" {name!r} needs every row labeled: use CoresetSelector."
        raise InvalidParameterError(
            f"method={name!r} is not available here.{hint} Choose one of "
            f"{available_methods(all_labeled=all_labeled)}."
        )
    return method


def resolve_method(method: SelectionMethod, regime: Regime) -> SelectionMethod:
    """The method that runs in ``regime``: ``method`` itself, or the one it stands for.

    Examples
    --------
    >>> from svpkit.methods import Regime, get_method, resolve_method
    >>> cold = Regime(n_labeled=0, n_classes=0, n_candidates=1000, n_select=10,
    ...               candidates_labeled=False)
    >>> resolve_method(get_method("auto"), cold).name
    'typiclust'
    >>> resolve_method(get_method("margin"), cold).name
    'margin'
    """
    if method.resolve is None:
        return method
    name = method.resolve(regime)
    return method if name == method.name else get_method(name)


def runs_without_labels(method: SelectionMethod) -> bool:
    """Whether ``method`` (or, for a method that stands for others, the one it runs with no
    label yet) can select from a pool where no row is labeled.

    Examples
    --------
    >>> from svpkit.methods import get_method, runs_without_labels
    >>> runs_without_labels(get_method("auto")), runs_without_labels(get_method("margin"))
    (True, False)
    """
    cold = Regime(0, 0, 1, 1, candidates_labeled=False)
    return not resolve_method(method, cold).needs_proxy(0)


def methods_without_proxy(*, all_labeled: bool = True) -> str:
    """The methods that can run with no labeled row, as text for error messages that name the
    fix (e.g. ``"method='kcenters' or method='random'"``).

    Parameters
    ----------
    all_labeled : bool, default=True
        As in :func:`available_methods`.

    Returns
    -------
    text : str

    Examples
    --------
    >>> from svpkit.methods import methods_without_proxy
    >>> fix = methods_without_proxy(all_labeled=False)
    >>> print(f"No row is labeled yet: use {fix}.")  # doctest: +ELLIPSIS
    No row is labeled yet: use method='auto' or method='kcenters' or ... or method='typiclust'.
    """
    names = [
        m for m in available_methods(all_labeled=all_labeled) if runs_without_labels(_REGISTRY[m])
    ]
    return " or ".join(f"method={m!r}" for m in names)


def methods_not_reading(output: str) -> str:
    """The methods that do not read ``output``, as text for error messages.

    Parameters
    ----------
    output : str
        One of :data:`OUTPUTS`.

    Returns
    -------
    text : str

    Examples
    --------
    >>> from svpkit.methods import methods_not_reading
    >>> text = methods_not_reading("embedding")
    >>> "method='margin'" in text, "method='kcenters'" in text
    (True, False)
    """
    names = [m for m in available_methods() if output not in _REGISTRY[m].needs]
    return " or ".join(f"method={m!r}" for m in names)


def _tie_keys(rows: np.ndarray, seed: int) -> np.ndarray:
    """A seeded pseudo-random key per pool row (splitmix64 of the row id): ties broken by it
    are broken at random, and identically whether one row or all of them are ranked."""
    z = np.asarray(rows, dtype=np.uint64) + np.uint64((seed * 0x9E3779B97F4A7C15) % (1 << 64))
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _above_sampled_threshold(scores: np.ndarray, n_top: int) -> np.ndarray | None:
    """Positions of every score at or above a threshold that at least ``n_top`` scores
    reach, or None when the sample gives none.

    The threshold is an order statistic of an evenly strided sample of ~64k scores, taken a
    little below the ``n_top``-th (with margin for sampling error). Once at least ``n_top``
    scores reach it, the ``n_top``-th largest score is at or above it, so every contender of
    the exact top-k is among these positions: one comparison pass over the scores replaces the
    full partition (10M float64 scores, n_top = 1,000: 0.007 s instead of 0.2 s). The data's
    order only affects how often this falls back, never the result.
    """
    n = len(scores)
    step = n // 65536
    if step < 4 or n_top > n // 8:
        return None
    sample = scores[::step]
    sample = sample[~np.isnan(sample)]
    rank = int(n_top / n * len(sample) * 1.5) + 32  # expected rank of the n_top-th, with margin
    if rank >= len(sample):
        return None
    threshold = np.partition(sample, len(sample) - rank)[len(sample) - rank]
    above = scores >= threshold
    if np.count_nonzero(above) < n_top:
        return None
    return np.flatnonzero(above)


def _top_by_keys(candidates: np.ndarray, scores: np.ndarray, seed: int, n_top: int) -> np.ndarray:
    """The ``n_top`` best candidates by decreasing score, ties broken by :func:`_tie_keys`:
    a partition in O(n), then a sort of the contenders only. NaN scores rank last."""
    scores = np.asarray(scores)
    if 0 < n_top < len(scores):
        kept = _above_sampled_threshold(scores, n_top)
        if kept is not None:  # the same top-k, from a short list of rows that hold it
            candidates, scores = candidates[kept], scores[kept]
    negated = -scores
    if not 0 < n_top < len(negated):
        return _order_by_keys(candidates, scores, seed)[:n_top]
    threshold = negated[np.argpartition(negated, n_top - 1)[n_top - 1]]
    if np.isnan(threshold):  # fewer than n_top finite scores: sort them all
        return _order_by_keys(candidates, scores, seed)[:n_top]
    # Every row tied with the n_top-th is a contender; the keys decide among them.
    pos = np.flatnonzero(negated <= threshold)
    keys = _tie_keys(candidates[pos], seed)
    return candidates[pos[np.lexsort((keys, negated[pos]))[:n_top]]]


def _order_by_keys(candidates: np.ndarray, scores: np.ndarray, seed: int) -> np.ndarray:
    """All candidates in the order :func:`_top_by_keys` takes its prefix from."""
    return candidates[np.lexsort((_tie_keys(candidates, seed), -np.asarray(scores)))]


def order_by_score(
    candidates: np.ndarray,
    scores: np.ndarray,
    rng: np.random.RandomState,
    n_top: int | None = None,
) -> np.ndarray:
    """Candidates sorted by decreasing score; exact ties broken at random (seeded).

    With ``n_top``, only the best ``n_top`` are returned. Above
    :data:`FULL_RANKING_MAX_ROWS` candidates they are found by a partition in O(n) instead
    of a sort (10M rows: 0.1 s instead of 7 s), with ties broken by seeded per-row keys (the
    same rows whatever ``n_top``: a smaller selection is a prefix of a larger one).

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.methods import order_by_score
    >>> order_by_score(np.array([10, 11, 12]), np.array([0.1, 0.9, 0.5]),
    ...                np.random.RandomState(0)).tolist()
    [11, 12, 10]
    >>> order_by_score(np.array([10, 11, 12]), np.array([0.1, 0.9, 0.5]),
    ...                np.random.RandomState(0), n_top=1).tolist()
    [11]
    """
    candidates = np.asarray(candidates)
    if n_top is not None and len(candidates) > FULL_RANKING_MAX_ROWS:
        return _top_by_keys(candidates, scores, int(rng.randint(np.iinfo(np.int32).max)), n_top)
    tie_break = rng.permutation(len(candidates))
    order = candidates[np.lexsort((tie_break, -np.asarray(scores)))]
    return order if n_top is None else order[:n_top]


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
