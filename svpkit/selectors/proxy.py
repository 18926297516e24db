"""ProxySelector: uncertainty / k-centers / random selection, for active learning or core-sets."""

from __future__ import annotations

from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, StrOptions

from .._defaults import DEFAULT_METHOD
from .base import BaseSelector
from .candidates import CANDIDATE_CHOICES, resolve_candidates

#: ProxySelector's method parameters that are row indices of X.
ROW_PARAMS = ("query", "private")


class ProxySelector(BaseSelector):
    """Select rows with a cheap proxy model, for active learning or core-set selection.

    When ``y`` marks unlabeled rows with ``missing_label`` (default ``-1``), the proxy trains
    on the labeled rows and the candidates are the unlabeled rows (active learning:
    ``sample_indices_`` are the rows to label next; for ``kcenters`` the labeled rows are the
    existing centers). When every row is
    labeled, every row is a candidate.

    Parameters
    ----------
    proxy : estimator, default=None
        A skorch net (e.g. :class:`svpkit.nn.ProxyNet` or ``make_proxy(target, ...)``) or any
        scikit-learn classifier with ``predict_proba``. ``None`` means a small MLP
        (:func:`svpkit.nn.make_default_proxy`). Never modified: a clone is trained.
    method : str, default="auto"
        How to rank candidates: ``"auto"`` (budget-aware, below); the uncertainty scores
        ``"least_confidence"``, ``"entropy"``, ``"margin"``; ``"kcenters"`` (greedy k-centers
        on the proxy's penultimate embeddings, on the input features for non-torch proxies or
        when no row is labeled); ``"badge"`` (k-means++ on gradient embeddings); the cold-start
        methods ``"typiclust"``, ``"probcover"``, ``"maxherding"`` (coverage of the input
        features: no proxy, no label needed); ``"random"``; or any registered method.
        ``"auto"`` is the default because the paired low-budget benchmark
        (``benchmarks/results/active_quality.json``) shows no single method safe at every
        budget: it runs ``svpkit.methods.auto.AUTO_COLD_START`` (a proxy trained on a few
        labels ranks no better than chance) until the labels say otherwise, then
        ``AUTO_WARM``: at ``AUTO_SWITCH_LABELS_PER_CLASS`` labels per class, or earlier (from
        ``AUTO_RARE_MIN_LABELS_PER_CLASS`` labels per class) when one class holds
        significantly under half its even share of the labels, a class the coverage of dense
        regions keeps missing (:func:`svpkit.methods.auto.active_choice`). ``method_``
        records what ran, ``method_reason_`` the evidence. On a fully labeled pool
        ``"auto"`` is the core-set choice of :class:`CoresetSelector`.
    fraction : float in (0, 1], default=None
        Share of the candidate rows to select, rounded up (``1`` and ``1.0`` both mean all).
        ``None`` means 0.5 unless ``n_select`` is set.
    n_select : int >= 1, default=None
        Number of candidate rows to select (e.g. a labeling budget). Set ``fraction`` or
        ``n_select``, not both.
    class_balance : bool, default=False
        Select the same share inside every class: labeled candidates by their label,
        unlabeled ones by the class the proxy predicts. Works with every method that trains a
        proxy.
    sampler : {"topk", "ccs", "beta"} or svpkit.methods.Sampler, default="topk"
        How the kept rows are drawn from the scores: the top of the ranking, CCS's
        coverage-centric strata (:class:`svpkit.methods.CCSSampler`) or DUAL's Beta sampling
        (:class:`svpkit.methods.BetaSampler`, core-set only: it reads training dynamics).
    missing_label : scalar, str, None or np.nan, default=-1
        The value of ``y`` that marks an unlabeled row (scikit-activeml's convention). Use
        ``None`` or ``np.nan`` for object and float labels, or a string for string labels.
        With string labels and a number here, a label spelled like it (``"-1"``) raises an
        error instead of becoming a class.
    random_state : int, RandomState instance or None, default=None
        Seeds proxy training, tie-breaking, ``random`` and the first k-center. Same seed, same
        selection.
    memory : str, joblib.Memory or None, default=None
        Caches proxy training and inference, which depend on neither ``fraction`` nor
        ``method``: with a cache, one training serves every fraction and every method.
    verbose : bool or int, default=False
        Progress bars for proxy training (epochs), proxy inference (batches) and k-centers
        (picks).
    proxy_train_size : int, float in (0, 1) or None, default=None
        How many labeled rows the proxy trains on: all of them (None), that many (an int) or
        that share (a float), drawn at random inside every class (same share per class, at
        least one row each; seeded). Inference and selection still cover every row: on a
        10M-row pool, 20,000 rows train the default proxy in about 6 s against 11 s of
        inference (``docs/scale.md``). Methods that read training dynamics need
        every row trained on and refuse it.
    scratch_dir : str, path or None, default=None
        Where proxy outputs larger than :data:`svpkit.pools.outputs.OUTPUT_MEMORY_BUDGET`
        (1 GiB; the embeddings of a large pool) are written as a memory map instead of RAM;
        None is the system's temporary directory. The file is removed as soon as it is mapped
        and its space freed with the fitted outputs.
    task : {"classification", "regression", "multilabel"} or None, default=None
        What ``y`` is. None: inferred, a multi-label target when ``y`` is a 2-D indicator
        matrix, a regression target when a regressor is the proxy, or when ``y`` holds floats
        that are not whole numbers, or whole-number floats with many distinct values (more
        than 50 and a fifth of the labeled rows, or more than half of them; between 20 and
        that, the fit asks you to say); class labels otherwise. For regression, class balance
        is stratification over quantiles of the target, the default proxy is a random forest,
        and the methods are ``variance``, ``residual`` (core-set), ``kcenters``, the
        cold-start ones and ``random``; for multi-label targets, class balance is per-label
        coverage and the uncertainty methods are ``mean_entropy`` and ``max_entropy``
        (:doc:`/tasks`).
    dedup : float in (0, 1] or None, default=None
        Drop near-duplicate candidates before the method ranks: a candidate whose embedding
        (the proxy's, else the input features, or ``embedding=`` passed to fit) has a cosine
        similarity above ``dedup`` to a row kept before it (a labeled row, or a candidate
        nearer its cluster's centre) is never selected (SemDeDup; :doc:`/dedup`).
        ``duplicate_of_`` says which row stands for which.
    candidates : {"all", "knn", "subsample"} or KnnCandidates, default="all"
        Which unlabeled rows the method ranks. ``"all"``: every one. ``"subsample"``: a
        fresh uniform 2% of the pool per fit (:data:`~svpkit.selectors.candidates.
        SUBSAMPLE_SHARE`), the measured choice for large pools: on the 1M-row benchmark
        it matched whole-pool margin (-0.4 pp, paired) at 27x less scoring
        (``docs/seals.md``). ``"knn"`` (SEALS, Coleman et al., AAAI 2022): only the
        unlabeled rows among the labeled rows' nearest neighbours in the input features
        (a FAISS index, :class:`KnnCandidates`): cheaper still while few rows are labeled,
        but it lost 3.8 pp of accuracy on that benchmark (the neighbours of labeled rows
        are near-duplicates of earlier picks).
        ``fraction`` is then a share of the rows scored (``n_select`` widens the
        neighbourhoods until it can be met). A string builds the index in every ``fit``;
        pass a fitted :class:`KnnCandidates` (or use it in
        :class:`~svpkit.active.ActiveLearningLoop`, which builds it once) to reuse one.
        With no labeled row yet, every row is a candidate.
    query : array-like of int, default=None
        For ``method="targeted"``: rows of ``X`` the selection should resemble (e.g. a few
        examples of a rare class).
    query_classes : array-like, default=None
        For ``method="targeted"``: labels whose labeled rows join the query (in an
        active-learning loop the query then grows with every such row found).
    private : array-like of int, default=None
        For ``method="targeted"``: rows of ``X`` to stay away from (e.g. out-of-
        distribution examples).

    Attributes
    ----------
    proxy_ : estimator or None
        The fitted proxy clone (None for methods that read no proxy output: ``random``, the
        cold-start methods, feature-space ``kcenters``).
    method_ : str
        The method that ran (for ``"auto"``, the one it chose).
    method_reason_ : str or None
        For ``"auto"``, why it chose ``method_`` (labels per class, a starved class, or the
        core-set validation); None for a method named directly.
    scores_ : ndarray of shape (n_samples,)
        Score of each candidate (larger = selected first); NaN for non-candidates (and, for
        ``kcenters``, for candidates beyond the picks made).
    ranking_ : ndarray of int
        Candidate rows, best first. For ``kcenters`` only the ``n_selected_`` picks are made
        (the traversal costs a pass over the pool per pick).
    sample_indices_ : ndarray of int
        Selected rows, sorted.
    n_selected_ : int
    sample_weight_ : ndarray of shape (n_selected,) or None
        Core-set weights aligned with ``sample_indices_``: for ``kcenters``, how many candidate
        rows have each selected row as their nearest center (sums to the number of
        candidates); None for methods without a natural weighting.
    covering_radius_ : float or None
        For ``kcenters`` on a dask pool, the covering radius the two-round selection achieved
        (measured); None otherwise.
    fit_seconds_ : dict
        Wall time of the last ``fit``: ``{"validate", "candidates", "proxy_fit", "score",
        "select", "weigh"}`` in seconds (checking the pool, finding the neighbourhoods with
        ``candidates="knn"``, proxy training, proxy inference over the pool, scoring and
        ranking, the ``sample_weight_`` pass). With ``memory``, a cache hit
        reports the times of the run that filled the cache.
    n_candidates_ : int
        Rows the method ranked (with ``candidates="knn"``, the neighbourhoods' unlabeled
        rows).
    candidates_ : KnnCandidates or None
        The fitted index with ``candidates="knn"``.
    classes_ : ndarray
        Labels seen among the labeled rows.
    n_features_in_ : int

    See Also
    --------
    CoresetSelector : adds the methods that need every row labeled (forgetting events).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from svpkit import ProxySelector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 5); y = (X[:, 0] > 0).astype(int)
    >>> y_partial = np.where(rng.rand(200) < 0.2, y, -1)      # 80% unlabeled
    >>> q = ProxySelector(LogisticRegression(), method="entropy", n_select=10, random_state=0)
    >>> to_label = q.fit(X, y_partial).sample_indices_
    >>> len(to_label), bool((y_partial[to_label] == -1).all())
    (10, True)
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseSelector._parameter_constraints,
        "missing_label": "no_validation",  # checked against y's type in fit
        "candidates": [StrOptions(set(CANDIDATE_CHOICES)), HasMethods(["candidates", "fit"])],
        "query": ["array-like", None],
        "query_classes": ["array-like", None],
        "private": ["array-like", None],
    }

    def __init__(
        self,
        proxy: Any = None,
        method: str = DEFAULT_METHOD,
        fraction: float | None = None,
        *,
        n_select: int | None = None,
        class_balance: bool = False,
        sampler: Any = "topk",
        missing_label: Any = -1,
        random_state: int | np.random.RandomState | None = None,
        memory: Any = None,
        verbose: bool = False,
        proxy_train_size: float | None = None,
        scratch_dir: str | None = None,
        task: str | None = None,
        dedup: float | None = None,
        candidates: Any = "all",
        query: Any = None,
        query_classes: Any = None,
        private: Any = None,
    ) -> None:
        super().__init__(
            proxy,
            method,
            fraction,
            n_select=n_select,
            class_balance=class_balance,
            sampler=sampler,
            random_state=random_state,
            memory=memory,
            verbose=verbose,
            proxy_train_size=proxy_train_size,
            scratch_dir=scratch_dir,
            task=task,
            dedup=dedup,
        )
        self.missing_label = missing_label
        self.candidates = candidates
        self.query = query
        self.query_classes = query_classes
        self.private = private

    def _candidate_source(self, X: Any) -> Any:
        source = resolve_candidates(self.candidates)
        if source is None:
            return None
        if not hasattr(source, "index_"):
            params = {"verbose": bool(self.verbose)}
            if isinstance(self.random_state, Integral):  # the selector's seed draws samples
                params["random_state"] = int(self.random_state)
            return clone(source).set_params(**params).fit(X)
        source.check_pool(X)
        return source

    def _accepts_sparse(self) -> bool:
        # A SEALS index searches the pool's own rows, which a sparse pool cannot give (a fitted
        # KnnCandidates built on a dense embedding can).
        if isinstance(self.candidates, str) and self.candidates != "all":
            return False
        return super()._accepts_sparse()

    def _given_rows(self, rows: Any, name: str, n_rows: int) -> np.ndarray | None:
        if rows is None:
            return None
        rows = np.asarray(rows)
        if rows.ndim != 1 or (rows.size and rows.dtype.kind not in "iu"):
            raise ValueError(f"{name} must be a 1-D array of row indices of X; got {rows!r}.")
        rows = rows.astype(np.int64)
        if rows.size and (rows.min() < 0 or rows.max() >= n_rows):
            raise ValueError(
                f"{name} holds row indices outside 0..{n_rows - 1} (X has {n_rows} rows)."
            )
        return np.unique(rows)

    def _method_params(self) -> dict[str, Any]:
        given = {"query": self.query, "query_classes": self.query_classes, "private": self.private}
        return {name: value for name, value in given.items() if value is not None}

    def _row_params(self, n_rows: int) -> dict[str, np.ndarray]:
        rows = {name: self._given_rows(getattr(self, name), name, n_rows) for name in ROW_PARAMS}
        return {name: value for name, value in rows.items() if value is not None}

    def _method_extras(self, y: np.ndarray, labeled: np.ndarray, rows: dict) -> dict[str, Any]:
        extras = super()._method_extras(y, labeled, rows)
        query_classes = extras.pop("query_classes", None)
        if query_classes is not None:  # the labeled rows of these classes join the query
            of_class = labeled[np.isin(y[labeled], list(np.ravel(query_classes)))]
            query = extras.get("query")
            extras["query"] = of_class if query is None else np.union1d(query, of_class)
        query, private = extras.get("query"), extras.get("private")
        if query is not None and private is not None and np.intersect1d(query, private).size:
            raise ValueError("query and private share rows; a row cannot be both.")
        return extras
