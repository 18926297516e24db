"""The shared base of all selectors: one fit path, transform, fit_resample, get_support.

``fit`` validates the parameters and the pool, splits the rows (labeled, candidates), trains or
reads the proxy through the pool strategy, ranks through the method registry and stores the
result. The base names no method and no pool type: both are looked up.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, InvalidParameterError, StrOptions
from sklearn.utils.validation import check_is_fitted

from .. import _validation as v
from .._defaults import DEFAULT_METHOD
from ..methods import (
    SERVICES,
    TRAINING_OUTPUTS,
    RankContext,
    Ranking,
    Regime,
    SelectionMethod,
    check_method_params,
    get_method,
    methods_without_proxy,
    outputs_read,
    resolve_sampler,
    run_method,
    runs_blockwise,
    streamed_scores,
)
from ..methods._registry import resolve_with_reason
from ..nn.kinds import has_embed, is_frozen, is_proxy_net, is_torch_proxy, unfrozen
from ..pools import Pool, Readout, make_pool, rows_in_memory
from ..pools.outputs import check_proxy, warn_if_degenerate
from ..utils import derive_seed
from .plan import REPORTED_DEFAULTS, FitPlan
from .precomputed import (
    PRECOMPUTED,
    check_precomputed,
    frozen_classes,
    missing_precomputed,
    take_precomputed,
)
from .task import (
    CLASSIFICATION,
    MULTILABEL,
    REGRESSION,
    check_task,
    indicator_labels,
    infer_task,
    is_indicator,
    regression_labels,
)


def _called_as_pipeline_step() -> bool:
    """Whether scikit-learn's Pipeline (or FeatureUnion) is fitting this as a middle step.

    Both fit every step but the last through ``sklearn.pipeline._fit_transform_one``; the last
    step's own ``fit_transform`` is called from elsewhere, and is fine: its output is the
    pipeline's output.
    """
    frame = sys._getframe(2)  # fit_transform's caller
    for _ in range(4):  # joblib.Memory may wrap the call
        if frame is None:
            return False
        code = frame.f_code
        if code.co_name == "_fit_transform_one" and frame.f_globals.get("__name__", "").startswith(
            "sklearn.pipeline"
        ):
            return True
        frame = frame.f_back
    return False


class BaseSelector(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Common machinery; see :class:`~svpkit.ProxySelector` and :class:`~svpkit.CoresetSelector`.

    Subclasses say which rows are unlabeled (:meth:`unlabeled_mask`) and whether every row must
    be labeled (``all_rows_labeled``, which also opens the methods that need all labels).

    A selector drops rows and keeps every column: ``get_feature_names_out`` passes the input's
    feature names through, and ``set_output(transform="pandas")`` returns DataFrames.

    Examples
    --------
    >>> from svpkit import CoresetSelector, ProxySelector
    >>> from svpkit.selectors import BaseSelector
    >>> issubclass(CoresetSelector, BaseSelector), issubclass(ProxySelector, BaseSelector)
    (True, True)
    >>> CoresetSelector.all_rows_labeled, ProxySelector.all_rows_labeled
    (True, False)
    >>> ProxySelector().unlabeled_mask([0, -1, 1, -1]).tolist()  # -1 marks unlabeled rows
    [False, True, False, True]
    >>> CoresetSelector().unlabeled_mask([0, -1, 1, -1]).tolist()  # -1 is a label here
    [False, False, False, False]
    """

    #: True when every row is labeled by contract (core-set selection): methods that need
    #: training dynamics over all rows are available, and no label value means "unlabeled".
    all_rows_labeled: ClassVar[bool] = False

    # scikit-learn's parameter validation (``_fit_context``): a bad parameter gets the standard
    # InvalidParameterError. ``method`` is checked against the registry, which users extend.
    _parameter_constraints: ClassVar[dict] = {
        "proxy": [HasMethods(["fit"]), None],
        "method": [str],
        "fraction": [Interval(Real, 0, 1, closed="right"), None],
        "n_select": [Interval(Integral, 1, None, closed="left"), None],
        "class_balance": ["boolean"],
        "sampler": [str, HasMethods(["sample"])],
        "random_state": ["random_state"],
        "memory": [None, str, HasMethods(["cache"])],
        "verbose": ["verbose"],
        "proxy_train_size": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
            None,
        ],
        "scratch_dir": [str, os.PathLike, None],
        "task": [StrOptions({"classification", "regression", "multilabel"}), None],
        "dedup": [Interval(Real, 0, 1, closed="right"), None],
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
        random_state: int | np.random.RandomState | None = None,
        memory: Any = None,
        verbose: bool = False,
        proxy_train_size: float | None = None,
        scratch_dir: str | None = None,
        task: str | None = None,
        dedup: float | None = None,
    ) -> None:
        self.proxy = proxy
        self.method = method
        self.fraction = fraction
        self.n_select = n_select
        self.class_balance = class_balance
        self.sampler = sampler
        self.random_state = random_state
        self.memory = memory
        self.verbose = verbose
        self.proxy_train_size = proxy_train_size
        self.scratch_dir = scratch_dir
        self.task = task
        self.dedup = dedup

    # -- the rows ----------------------------------------------------------------------------
    def _missing_label(self) -> Any:
        """The value that marks unlabeled rows (none for a core-set selector)."""
        return v.NO_MARKER if self.all_rows_labeled else self.missing_label

    def unlabeled_mask(self, y: Any) -> np.ndarray:
        """Which entries of ``y`` mark an unlabeled row (all False for a core-set selector).

        Parameters
        ----------
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            One label per row, or a multi-label indicator matrix (a row is unlabeled when
            every column holds the marker).

        Returns
        -------
        mask : ndarray of bool
        """
        if is_indicator(y):
            return indicator_labels(y, len(y), self._missing_label())[1]
        y = np.asarray(y)
        marker = self._missing_label()
        if marker is v.NO_MARKER:
            return np.zeros(len(y), dtype=bool)
        return v.missing_mask(y, marker)

    def _split_rows(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(labeled rows, candidate rows): the unlabeled rows, or every row when none is."""
        unlabeled = self.unlabeled_mask(y)
        labeled = np.flatnonzero(~unlabeled)
        # continuous values may be a regression target: the fit decides (``_plan``)
        v.check_label_values(
            y, labeled, self._missing_label(), continuous=self.task != "classification"
        )
        candidates = np.flatnonzero(unlabeled) if unlabeled.any() else np.arange(len(y))
        return labeled, candidates

    @staticmethod
    def _encode_labels(y: np.ndarray, labeled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(classes, codes)``: codes ``0 .. K-1`` on labeled rows (proxies need them), -1
        elsewhere."""
        y_enc = np.full(len(y), -1, dtype=np.int64)
        if len(labeled) == 0:
            return np.array([]), y_enc
        encoder = LabelEncoder().fit(y[labeled])
        y_enc[labeled] = encoder.transform(y[labeled])
        return encoder.classes_, y_enc

    @staticmethod
    def _existing(labeled: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Rows that are already in the training set and not candidates (existing centers)."""
        if len(labeled) == 0 or len(candidates) == 0:
            return labeled
        # A boolean mask (one byte per row): setdiff1d's temporaries are several times larger.
        is_candidate = np.zeros(max(labeled.max(), candidates.max()) + 1, dtype=bool)
        is_candidate[candidates] = True
        return labeled[~is_candidate[labeled]]

    def _proxy_rows(self, labeled: np.ndarray, y_enc: np.ndarray, seed: int) -> np.ndarray:
        """The labeled rows the proxy trains on: all of them, or ``proxy_train_size`` of them
        drawn at random inside every class (the same share of each, at least one row)."""
        size = self.proxy_train_size
        if size is None or len(labeled) == 0:
            return labeled
        share = size / len(labeled) if isinstance(size, Integral) else float(size)
        if share >= 1:
            return labeled
        rng = np.random.default_rng([seed, 1])  # a stream of its own: the rest is unchanged
        codes = y_enc[labeled]
        order = np.argsort(codes, kind="stable")
        bounds = np.flatnonzero(np.diff(codes[order])) + 1
        picked = [
            rng.choice(members, max(1, round(share * len(members))), replace=False)
            for members in np.split(labeled[order], bounds)
        ]
        return np.sort(np.concatenate(picked))

    # -- parameters --------------------------------------------------------------------------
    def _validate_params(self) -> None:
        # The int trap first, with a message that names the fix (n_select); then scikit-learn's
        # standard checks; then what one constraint cannot say.
        if self.fraction is not None:
            v.check_fraction(self.fraction, owner=type(self).__name__)
        super()._validate_params()
        if self.fraction is not None and self.n_select is not None:
            raise InvalidParameterError(
                f"{type(self).__name__}: pass fraction (a share in (0, 1]) or n_select (a number "
                "of rows), not both; got "
                f"fraction={self.fraction!r} and n_select={self.n_select!r}."
            )
        if not self.all_rows_labeled:
            v.check_missing_label(self.missing_label)

    def _lookup(self) -> tuple[SelectionMethod, Any]:
        """The named method and the sampler, looked up once per fit."""
        method = get_method(self.method, all_labeled=self.all_rows_labeled)
        return method, resolve_sampler(self.sampler)

    # -- method parameters -------------------------------------------------------------------
    def _method_params(self) -> dict[str, Any]:
        """The method parameters the user set (those left at None are left out), by name: a
        method that does not declare one of them refuses it (:func:`check_method_params`)."""
        return {}

    def _row_params(self, n_rows: int) -> dict[str, np.ndarray]:
        """Method parameters that are rows of ``X``, checked (a fit on neighbourhoods keeps
        them and speaks of them in positions of its rows)."""
        return {}

    def _method_extras(self, y: np.ndarray, labeled: np.ndarray, rows: dict) -> dict[str, Any]:
        """What the method receives in ``ctx.extras`` from the user's parameters: the row
        parameters as positions in ``y`` (``rows``), the others as given."""
        return {**self._method_params(), **rows}

    def _scratch_dir(self) -> str | None:
        return None if self.scratch_dir is None else os.fspath(self.scratch_dir)

    def _n_to_select(self, n_candidates: int, what: str) -> int:
        return v.n_to_select(self.fraction, self.n_select, n_candidates, what)

    def _resolved_proxy(self, pool: Pool, task: str = CLASSIFICATION) -> Any:
        proxy = self.proxy
        if proxy is None:
            defaults = {
                REGRESSION: pool.default_regression_proxy,
                MULTILABEL: pool.default_multilabel_proxy,
            }
            proxy = defaults.get(task, pool.default_proxy)()
        if task == MULTILABEL and is_torch_proxy(proxy) and not has_embed(proxy):
            raise ValueError(
                f"the proxy {type(unfrozen(proxy)).__name__} trains one softmax over classes; a "
                "multi-label target (y a label indicator matrix) needs one probability per "
                "label. Pass a scikit-learn classifier that takes a label indicator matrix "
                "(e.g. OneVsRestClassifier(LogisticRegression()) or MLPClassifier, one sigmoid "
                "per label), or proxy=None."
            )
        return proxy

    def _check_trainable(
        self, y_enc: np.ndarray, labeled: np.ndarray, label_matrix: np.ndarray | None = None
    ) -> None:
        """A proxy needs labeled rows of at least two classes (multi-label: some labeled row
        carrying a label, and some lacking one)."""
        if len(labeled) == 0:
            fixes = methods_without_proxy(
                all_labeled=self.all_rows_labeled, excluding=[self.method]
            )
            raise ValueError(
                f"method={self.method!r} needs a proxy trained on labeled rows, but every row of "
                f"y is missing_label={self._missing_label()!r} (unlabeled). Label a seed set "
                f"first, or start with {fixes} (methods that need no proxy; embeddings are then "
                "the input features)."
            )
        if label_matrix is not None:
            values = np.unique(label_matrix[labeled])
            if len(values) < 2:
                raise ValueError(
                    f"every labeled row holds {int(values[0])} in every label column; the proxy "
                    "learns nothing from that. Label rows that carry some labels and lack others."
                )
            return
        if len(np.unique(y_enc[labeled])) < 2:
            raise ValueError(
                "the labeled rows hold only 1 class; the proxy needs at least 2 classes to train. "
                "Label rows of another class, or use "
                + methods_without_proxy(
                    all_labeled=self.all_rows_labeled,
                    n_labeled=len(labeled),
                    excluding=[self.method],
                )
                + "."
            )

    def _dedup_needs(self) -> frozenset:
        """Deduplication compares the rows' embeddings."""
        return frozenset() if self.dedup is None else frozenset({"embedding"})

    def _candidate_description(self, labeled: np.ndarray, n_rows: int) -> str:
        return "unlabeled rows" if len(labeled) < n_rows else "rows"

    # -- fitting -----------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self,
        X: Any,
        y: Any = None,
        *,
        proba: Any = None,
        embedding: Any = None,
        scores: Any = None,
    ) -> BaseSelector:
        """Train a clone of the proxy, score and rank the candidate rows, keep a prefix.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            The pool: numpy, pandas, ``np.memmap``, ``dask.array``, a list of texts, an
            :class:`~svpkit.images.ImageFolder` or a map-style ``torch.utils.data.Dataset``.
        y : array-like of shape (n_samples,), default=None
            Labels (any type). For :class:`ProxySelector`, ``missing_label`` (default ``-1``)
            marks unlabeled rows. None only for an image folder or a Dataset that carries its
            labels.
        proba : array-like of shape (n_samples, n_classes), default=None
            Probabilities computed elsewhere, columns in the order of the sorted labels (or of
            a frozen proxy's ``classes_``).
        embedding : array-like of shape (n_samples, n_features), default=None
            Embeddings computed elsewhere (e.g. CLIP features from a GPU job).
        scores : array-like of shape (n_samples,), default=None
            Per-row scores computed elsewhere, larger = select first; read by
            ``method="given_scores"``.

            Given any of ``proba``, ``embedding`` or ``scores``, no proxy is trained: the
            method reads what was given (and methods that read something else are refused,
            naming it). They are per-row metadata, so cross-validation can cut them to each
            fold (metadata routing: ``selector.set_fit_request(embedding=True)``).

        Returns
        -------
        self
        """
        given = {"proba": proba, "embedding": embedding, "scores": scores}
        given = {name: value for name, value in given.items() if value is not None}
        source = self._candidate_source(X)
        if source is None:
            fitted = self._fit_rows(X, y, given=given)
        else:
            fitted = self._fit_neighbourhoods(X, y, source, given)
        # Every fitted attribute is set at once, after everything succeeded: a failed fit keeps
        # the previous results intact.
        for name, value in fitted.items():
            setattr(self, name, value)
        return self

    # -- candidate pools (SEALS) -------------------------------------------------------------
    def _candidate_source(self, X: Any) -> Any:
        """None (every unlabeled row is a candidate) or a fitted KnnCandidates for ``X``."""
        return None

    def _fit_neighbourhoods(
        self, X: Any, y: Any, source: Any, given: dict | None = None
    ) -> dict[str, Any]:
        """Fit on the labeled rows and their neighbourhoods only, then speak in pool rows."""
        start = time.perf_counter()
        y = v.check_labels_per_row(y, len(X))
        given = check_precomputed(given or {}, len(y))
        labeled = np.flatnonzero(~self.unlabeled_mask(y))
        n_unlabeled = len(y) - len(labeled)
        if len(labeled) == 0 or n_unlabeled == 0:  # no neighbourhood yet, or nothing to pick
            return self._fit_rows(X, y, given=given)
        # A count must be found among the neighbours (they are widened until it is); a
        # fraction is a share of the rows actually scored.
        need = self._n_to_select(n_unlabeled, "unlabeled rows") if self.n_select else 0
        neighbours = source.candidates(X, labeled, need)
        params = self._row_params(len(y))  # query and private rows are always in the fit
        rows = np.union1d(labeled, neighbours)
        for extra in params.values():
            rows = np.union1d(rows, extra)
        X_rows = rows_in_memory(X, rows)  # a few percent of the pool: held here
        candidate_seconds = time.perf_counter() - start
        fitted = self._fit_rows(
            X_rows,
            y[rows],
            rows={name: np.searchsorted(rows, extra) for name, extra in params.items()},
            given=take_precomputed(given, rows),
        )
        scores = np.full(len(y), np.nan)
        scores[rows] = fitted["scores_"]
        fitted.update(
            scores_=scores,
            ranking_=rows[fitted["ranking_"]],
            sample_indices_=rows[fitted["sample_indices_"]],
            pool_fingerprint_=("knn", source.pool_key_),
            n_samples_fit_=len(y),
            candidates_=source,
        )
        fitted["fit_seconds_"]["candidates"] = candidate_seconds
        return fitted

    # -- the fit, in four steps ---------------------------------------------------------------
    def _fit_rows(
        self, X: Any, y: Any, *, rows: dict | None = None, given: dict | None = None
    ) -> dict[str, Any]:
        """The fit on the rows of ``X``, as a dict of fitted attributes: plan, read the proxy's
        outputs, rank, set the attributes. When ``X`` is a part of the pool (SEALS), ``rows``
        holds the row parameters as positions in it, and the results speak in positions of
        ``X``. ``given``: outputs passed to fit, which stand in for the proxy."""
        plan = self._plan(X, y, rows, given or {})
        readout = self._read_outputs(plan)
        warn_if_degenerate(
            readout.proxy_, readout.outputs, plan.candidates, training=not is_frozen(plan.proxy)
        )
        plan, duplicates = self._deduplicated(plan, readout)
        ranking, sample_indices, weights = self._rank(plan, readout)
        attributes = self._fitted_attributes(plan, readout, ranking, sample_indices, weights)
        attributes["duplicate_of_"], attributes["n_duplicates_"] = duplicates or (None, 0)
        return attributes

    def _deduplicated(
        self, plan: FitPlan, readout: Readout
    ) -> tuple[FitPlan, tuple[np.ndarray, int] | None]:
        """With ``dedup``, the plan without the candidates that near-duplicate a row kept
        before them (labeled rows first), and ``(the row that stands for each pool row, -1
        where none was compared; the number of duplicates)``; else the plan as it is."""
        if self.dedup is None:
            return plan, None
        embedding = readout.outputs.embedding
        if embedding is None:  # a distributed pool keeps its outputs where they live
            raise ValueError(
                "dedup= compares the rows' embeddings in this process, but this pool keeps "
                "them on its workers. Deduplicate the pool first (svpkit.kernels.dedup."
                "find_duplicates on its embedding, or svpkit dedup), or pass dedup=None."
            )
        from ..kernels.dedup import duplicates_among

        start = time.perf_counter()
        existing = self._existing(plan.labeled, plan.candidates)
        representative, _, n_duplicates = duplicates_among(
            embedding, existing, plan.candidates, self.dedup, seed=plan.seed
        )
        kept = plan.candidates[representative[plan.candidates] == plan.candidates]
        plan.seconds["dedup"] = time.perf_counter() - start
        plan = replace(plan, candidates=kept, n_select=min(plan.n_select, len(kept)))
        return plan, (representative, n_duplicates)

    def _plan(self, X: Any, y: Any, rows: dict | None, given: dict) -> FitPlan:
        """Everything decided before any training: the pool checked, the rows split, the
        method resolved and its parameters checked, the outputs to read and the proxy."""
        start = time.perf_counter()
        named, sampler = self._lookup()
        check_method_params(named, self._method_params())
        pool = make_pool(X, self, reset=True, scratch_dir=self._scratch_dir())
        label_matrix = None
        if y is not None and is_indicator(y):  # multi-label: one column per label
            label_matrix, unlabeled = indicator_labels(y, pool.n_rows, self._missing_label())
            y = label_matrix
            labeled = np.flatnonzero(~unlabeled)
            candidates = np.flatnonzero(unlabeled) if unlabeled.any() else np.arange(len(y))
        else:
            y = pool.labels(y)
            labeled, candidates = self._split_rows(y)
        n_select = self._n_to_select(len(candidates), self._candidate_description(labeled, len(y)))
        frozen = is_frozen(self.proxy) and not given
        task = infer_task(self.proxy, y, labeled, self.task)
        if task == MULTILABEL:
            # the proxy learns the indicator; class balance reads it as per-label coverage
            classes = np.arange(label_matrix.shape[1])
            y_enc = np.where(unlabeled, -1, 0).astype(np.int64)
            y_fit = label_matrix
        elif task == REGRESSION:  # the proxy learns the targets; class balance reads strata
            y_fit, y_enc = regression_labels(y, labeled)
            classes = np.unique(y_enc[labeled])
        elif frozen:  # its probability columns follow its own classes, whatever y holds
            classes, y_enc = frozen_classes(self.proxy, y, labeled)
            y_fit = y_enc
        else:
            classes, y_enc = self._encode_labels(y, labeled)
            y_fit = y_enc
        given = check_precomputed(
            given, pool.n_rows, len(classes) if task == CLASSIFICATION else None
        )
        extras = self._method_extras(y, labeled, self._row_params(len(y)) if rows is None else rows)
        check = named.hook("check")
        if check is not None:
            check(extras)
        rng = check_random_state(self.random_state)
        seed = derive_seed(rng)
        seconds = {"validate": time.perf_counter() - start, "candidates": 0.0}

        labels_known = bool((y_enc[candidates] >= 0).all())
        # A method that stands for others (auto) names the one that runs, before any training,
        # from what is known: the sizes and the labeled rows per class (present in y: a frozen
        # proxy may know more classes).
        if task == MULTILABEL:  # positives per label
            counts = label_matrix[labeled].sum(axis=0) if len(labeled) else ()
        else:
            counts = np.bincount(y_enc[labeled], minlength=len(classes)) if len(labeled) else ()
        counts = tuple(int(c) for c in counts if c)
        regime = Regime(
            len(labeled),
            len(counts),
            len(candidates),
            n_select,
            labels_known,
            class_counts=counts,
            validation_affordable=pool.validation_affordable,
            validation_asked=extras.get("validate_with") is not None,
            proxy_trainable=not (frozen or given),
            task=task,
        )
        method, reason = resolve_with_reason(named, regime)
        read = dict(
            class_balance=self.class_balance,
            labels_known=labels_known,
            sampler=sampler,
            multilabel=task == MULTILABEL,
        )
        needs = outputs_read(method, **read) | self._dedup_needs()
        balance_predicts = bool(self.class_balance) and not labels_known
        check_task(task, method.name, needs, balance_predicts=balance_predicts)
        proxy = None
        if given or "scores" in needs:
            refusal = missing_precomputed(needs, given, method.name)
            if refusal is not None:
                raise ValueError(refusal)
        elif method.needs_proxy(len(labeled)) or (needs - method.needs):
            proxy = self._resolved_proxy(pool, task)
            if (
                needs <= {"embedding", "features"}
                and not (is_torch_proxy(proxy) or has_embed(proxy))
                and not self.class_balance
            ):
                # It would train only to be ignored: its embeddings are the input features.
                # (With class balance it is kept: a new pool is balanced by its predictions.)
                proxy = None
            else:
                if not frozen:  # a frozen proxy trains on nothing here
                    self._check_trainable(y_enc, labeled, label_matrix)
                if is_proxy_net(proxy):  # outputs a method reads when the proxy records them
                    needs = outputs_read(method, records_training=True, **read)
                    needs |= self._dedup_needs()
                check_proxy(proxy, needs, self.method)
        train_rows = self._proxy_rows(labeled, y_enc, seed)
        if len(train_rows) < len(labeled) and needs & TRAINING_OUTPUTS:
            raise ValueError(
                f"method={self.method!r} reads the training dynamics of every row, but "
                f"proxy_train_size={self.proxy_train_size!r} trains the proxy on "
                f"{len(train_rows)} of {len(labeled)} labeled rows. Use proxy_train_size=None "
                "or a method that reads probabilities or embeddings."
            )
        return FitPlan(
            pool=pool,
            labeled=labeled,
            candidates=candidates,
            classes=classes,
            y_enc=y_enc,
            n_select=n_select,
            rng=rng,
            seed=seed,
            method=method,
            sampler=sampler,
            labels_known=labels_known,
            needs=needs,
            proxy=proxy,
            train_rows=train_rows,
            extras={name: value for name, value in extras.items() if name in method.params},
            seconds=seconds,
            reason=reason,
            given=given,
            task=task,
            y_fit=y_fit,
            label_matrix=label_matrix,
        )

    def _read_outputs(self, plan: FitPlan) -> Readout:
        """Train the proxy and read what the method needs, through the pool (outputs passed
        to fit stand in for it: the pool then gives only its own features)."""
        if plan.given:
            readout = plan.pool.proxy_outputs(
                None, plan.needs & {"features"}, plan.y_enc, plan.train_rows, plan.seed
            )
            for name in plan.needs & set(plan.given):
                setattr(readout.outputs, name, plan.given[name])
            return readout
        # Scores that are a function of each row's probabilities alone are computed during
        # inference; the probabilities are then never held (a cache keeps them instead).
        row_scores = {}
        if self.memory is None and plan.proxy is not None:
            row_scores = streamed_scores(
                plan.method,
                plan.needs,
                class_balance=self.class_balance,
                labels_known=plan.labels_known,
            )
        return plan.pool.proxy_outputs(
            plan.proxy,
            plan.needs - {"proba"} if row_scores else plan.needs,
            plan.y_fit,
            plan.train_rows,
            plan.seed,
            blockwise=runs_blockwise(
                plan.method, class_balance=self.class_balance, sampler=plan.sampler
            ),
            memory=self.memory,
            verbose=self.verbose,
            row_scores=row_scores,
        )

    def _rank(self, plan: FitPlan, readout: Readout) -> tuple[Ranking, np.ndarray, Any]:
        """Run the method: ``(ranking, sorted kept rows, weights or None)``."""
        ctx = self._context(
            readout.outputs,
            plan.candidates,
            plan.labeled,
            plan.y_enc,
            plan.classes,
            plan.n_select,
            plan.rng,
            plan.sampler,
            extras={**plan.extras, **self._services(plan)},
            label_matrix=plan.label_matrix,
        )
        start = time.perf_counter()
        ranking, selected = run_method(plan.method, ctx, readout.blocks)
        plan.seconds["select"] = time.perf_counter() - start
        sample_indices = np.sort(np.asarray(selected, dtype=np.int64))
        start = time.perf_counter()
        weigh = plan.method.hook("weigh")
        weights = None
        if weigh is not None and readout.blocks is None:
            weights = weigh(ctx, sample_indices)
        plan.seconds["weigh"] = time.perf_counter() - start
        return ranking, sample_indices, weights

    @staticmethod
    def _services(plan: FitPlan) -> dict[str, Any]:
        """The :data:`~svpkit.methods.SERVICES` the method declared: what it needs to train
        models of its own on rows of the pool (only where a proxy is trained)."""
        wanted = plan.method.params & SERVICES
        if not wanted or plan.proxy is None:
            return {}
        pool, y_enc = plan.pool, plan.y_enc

        def fit_score(model: Any, train: np.ndarray, test: np.ndarray, seed: int) -> float:
            return pool.fit_score(model, y_enc, train, test, seed)

        def fit_correct(model: Any, train: np.ndarray, test: np.ndarray, seed: int) -> np.ndarray:
            return pool.fit_correct(model, y_enc, train, test, seed)

        services = {
            # a frozen proxy is never trained: validation trains copies of its architecture
            "proxy": clone(unfrozen(plan.proxy)) if is_frozen(plan.proxy) else plan.proxy,
            "probe": pool.probe_model,
            "fit_score": fit_score,
            "fit_correct": fit_correct,
        }
        return {name: services[name] for name in wanted}

    def _fitted_attributes(
        self,
        plan: FitPlan,
        readout: Readout,
        ranking: Ranking,
        sample_indices: np.ndarray,
        weights: Any,
    ) -> dict[str, Any]:
        """The fitted attributes, with what the method reported (``Ranking.report``)."""
        scores = np.full(plan.pool.n_rows, np.nan)
        scores[plan.candidates] = ranking.scores
        report = dict(ranking.report)
        # Seconds a method spent on work of its own inside "select" (auto's validation), shown
        # beside the proxy's training and taken out of "select" so the parts still add up.
        own_seconds = report.pop("fit_seconds", {})
        unknown = set(report) - set(REPORTED_DEFAULTS)
        if unknown:
            raise ValueError(
                f"method {plan.method.name!r} reported {sorted(unknown)}; a method may report "
                f"{sorted(REPORTED_DEFAULTS)}."
            )
        return {
            **REPORTED_DEFAULTS,
            "method_": plan.method.name,
            "method_reason_": plan.reason,
            **report,
            "proxy_": readout.proxy_,
            "fit_seconds_": {
                "validate": plan.seconds["validate"],
                "candidates": plan.seconds["candidates"],
                **readout.seconds,
                **own_seconds,
                "select": plan.seconds["select"] - sum(own_seconds.values()),
                "weigh": plan.seconds["weigh"],
                **({"dedup": plan.seconds["dedup"]} if "dedup" in plan.seconds else {}),
            },
            "classes_": plan.classes if plan.task != REGRESSION else None,
            "task_": plan.task,
            "scores_": scores,
            "ranking_": ranking.order,
            "sample_indices_": sample_indices,
            "n_selected_": len(sample_indices),
            "n_candidates_": len(plan.candidates),
            "sample_weight_": weights,
            "n_samples_fit_": plan.pool.n_rows,
            "pool_fingerprint_": plan.pool.fingerprint,
            "candidates_": None,
            "precomputed_": tuple(name for name in PRECOMPUTED if name in plan.given),
        }

    def _context(
        self,
        outputs,
        candidates,
        labeled,
        y_enc,
        classes,
        n_select,
        rng,
        sampler=None,
        extras=None,
        label_matrix=None,
    ) -> RankContext:
        return RankContext(
            outputs=outputs,
            candidates=candidates,
            existing=self._existing(labeled, candidates),
            y=y_enc,
            classes=classes,
            n_select=n_select,
            rng=rng,
            class_balance=bool(self.class_balance),
            share=v.share_of(self.fraction, self.n_select),
            verbose=bool(self.verbose),
            sampler=sampler,
            extras=extras or {},
            label_matrix=label_matrix,
        )

    # -- outputs -----------------------------------------------------------------------------
    def transform(self, X: Any) -> Any:
        """The selected rows of ``X``, in ``X``'s container type.

        On the pool seen in ``fit`` this is exactly ``X[sample_indices_]``. On a new pool the
        fitted proxy scores it and ``fraction`` of its rows (or that many) are returned.

        Parameters
        ----------
        X : array-like
            The fitted pool or a new pool with the same features.

        Returns
        -------
        X_selected : array-like
        """
        check_is_fitted(self)
        pool = make_pool(X, self, reset=False, scratch_dir=self._scratch_dir())
        if pool.fingerprint == self.pool_fingerprint_ or self._fitted_on(X):
            return pool.take(X, self.sample_indices_)
        return pool.take(X, self._select_from_new_pool(pool))

    def _fitted_on(self, X: Any) -> bool:
        """Whether a fit on neighbourhoods (SEALS) was on ``X`` (its index recognises it)."""
        source = getattr(self, "candidates_", None)
        return source is not None and source.is_fitted_on(X)

    def _select_from_new_pool(self, pool: Pool) -> np.ndarray:
        """Rank a pool not seen in fit with the fitted proxy; every row is an unlabeled
        candidate (class balance goes by the classes the proxy predicts)."""
        self._validate_params()
        if getattr(self, "precomputed_", ()):
            given = ", ".join(f"{name}=" for name in self.precomputed_)
            raise ValueError(
                f"this selector ranked the pool seen in fit by the {given} passed to fit, and "
                "has no proxy to score a new pool with. Fit it on the new pool with that "
                "pool's outputs: selector.fit(X_new, y_new, " + given[:-1] + "=...)."
            )
        # The method that ran in fit (auto: its choice, balanced and sampled as it chose).
        spec = getattr(self, "chosen_spec_", None) or {}
        method = get_method(spec.get("method", self.method_))
        sampler = resolve_sampler(spec.get("sampler", self.sampler))
        class_balance = spec.get("class_balance", self.class_balance)
        check = method.hook("check")
        try:  # parameters of the fitted pool (e.g. query rows) mean nothing on a new one
            if check is not None:
                check({})
        except ValueError as error:
            raise ValueError(
                f"method={method.name!r} cannot select from a new pool: {error} Fit the "
                "selector on the new pool instead."
            ) from error
        candidates = np.arange(pool.n_rows)
        n_select = self._n_to_select(len(candidates), "rows of the new pool")
        multilabel = getattr(self, "task_", None) == MULTILABEL
        needs = outputs_read(
            method,
            class_balance=class_balance,
            labels_known=False,
            sampler=sampler,
            multilabel=multilabel,
        )
        outputs = pool.fitted_outputs(self.proxy_, needs)
        warn_if_degenerate(self.proxy_, outputs, candidates, training=False)
        y_unknown = np.full(pool.n_rows, -1, dtype=np.int64)
        rng = check_random_state(self.random_state)
        empty = np.empty(0, dtype=np.int64)
        label_matrix = None
        if multilabel:
            label_matrix = np.full((pool.n_rows, len(self.classes_)), -1, dtype=np.int8)
        ctx = self._context(
            outputs,
            candidates,
            empty,
            y_unknown,
            self.classes_,
            n_select,
            rng,
            sampler,
            label_matrix=label_matrix,
        )
        ctx = replace(ctx, class_balance=bool(class_balance))
        try:
            _, selected = run_method(method, ctx)
        except ValueError as error:
            if self.method == self.method_:
                raise
            # The user named a method that chose another (auto): say which one could not run.
            raise ValueError(
                f"method={self.method!r} chose {self.method_!r} in fit (method_reason_ says "
                f"why); on this new pool: {error}"
            ) from error
        return np.sort(selected)

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """``fit(X, y, **outputs)`` then the selected rows of ``X``.

        Refused, with the fix, when called as a middle step of a scikit-learn ``Pipeline``
        (which would pass the full ``y`` on beside the selected rows), and when given fit
        parameters other than the precomputed outputs ``fit`` takes.
        """
        unknown = sorted(set(fit_params) - set(PRECOMPUTED))
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.fit takes no fit parameter {', '.join(unknown)} (only "
                "the precomputed outputs proba=, embedding=, scores=). To weight the model "
                "trained on the selection, pass them to svpkit.SelectThenFit.fit, which slices "
                "per-row parameters to the selected rows."
            )
        if _called_as_pipeline_step() and self._drops_rows():
            raise ValueError(
                f"{type(self).__name__} drops rows, so it cannot be a middle step of a "
                "scikit-learn Pipeline: the next step would get the selected rows of X but the "
                "full y. Put the selector and the model in one step with svpkit.SelectThenFit, "
                "e.g. make_pipeline(StandardScaler(), SelectThenFit(selector, model)), or use "
                "imblearn.pipeline.make_pipeline(selector.as_sampler(), model)."
            )
        return v.take_rows(X, self.fit(X, y, **fit_params).sample_indices_)

    def _drops_rows(self) -> bool:
        share = v.share_of(self.fraction, self.n_select)
        return share is None or share < 1

    def fit_resample(
        self,
        X: Any,
        y: Any = None,
        *,
        proba: Any = None,
        embedding: Any = None,
        scores: Any = None,
    ) -> tuple[Any, Any]:
        """Fit, then return ``(X[sample_indices_], y[sample_indices_])`` in the input types.

        Parameters
        ----------
        X : array-like or DataFrame
        y : array-like or Series
        proba, embedding, scores : array-like, default=None
            Outputs computed elsewhere, as in :meth:`fit`.

        Returns
        -------
        X_selected, y_selected
        """
        outputs = {"proba": proba, "embedding": embedding, "scores": scores}
        idx = self.fit(X, y, **outputs).sample_indices_
        if y is None:  # an image folder or Dataset that carries its labels
            y = make_pool(X, self, reset=False).labels(None)
        return v.take_rows(X, idx), v.take_rows(y, idx)

    def get_support(self, indices: bool = False) -> np.ndarray:
        """Mask (or indices, with ``indices=True``) of the selected rows of the fitted pool."""
        check_is_fitted(self)
        if indices:
            return self.sample_indices_.copy()
        mask = np.zeros(self.n_samples_fit_, dtype=bool)
        mask[self.sample_indices_] = True
        return mask

    def as_sampler(self) -> Any:
        """This selector as an imbalanced-learn sampler (``fit_resample`` only, no ``transform``).

        imbalanced-learn's ``Pipeline`` refuses a step that is both a transformer and a
        sampler; the view is a sampler with this selector's parameters (``fraction``
        included, so ``<step>__fraction`` is grid-searchable).

        Returns
        -------
        sampler : SelectionSampler

        Examples
        --------
        >>> from svpkit import CoresetSelector
        >>> sampler = CoresetSelector(method="random", fraction=0.3).as_sampler()
        >>> sampler.get_params()["fraction"], hasattr(sampler, "transform")
        (0.3, False)
        """
        from .sampler import sampler_for

        return sampler_for(type(self))(**self.get_params(deep=False))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.three_d_array = True
        tags.input_tags.sparse = self._accepts_sparse()
        return tags

    def _accepts_sparse(self) -> bool:
        """Sparse pools work unless the method clusters the input features, or reads
        embeddings and the proxy has none of its own (they would be the sparse features)."""
        try:
            needs = get_method(self.method).needs
        except ValueError:
            return True  # fit reports the bad method
        if "features" in needs:
            return False
        return (
            "embedding" not in needs
            or self.proxy is None
            or is_torch_proxy(self.proxy)
            or has_embed(self.proxy)
        )
