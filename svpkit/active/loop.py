"""The active-learning loop of Selection via Proxy: rounds, timings, checkpoints, resume."""

from __future__ import annotations

import enum
import functools
import hashlib
import inspect
import json
import os
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from numbers import Integral
from typing import Any, ClassVar

import joblib
import numpy as np
import scipy.sparse
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from .. import _validation as v
from .._validation import check_size, rows_for_share, take_rows
from ..nn.kinds import is_frozen, is_torch_proxy
from ..selectors.candidates import CANDIDATE_CHOICES, KnnCandidates, resolve_candidates
from ..selectors.precomputed import check_precomputed
from ..utils import fit_seeded, keyed_seed
from .checkpoint import checkpoint_path, load_checkpoint, load_checkpoint_arrays, save_checkpoint

__all__ = ["ActiveLearningLoop", "PAPER_SCHEDULE", "warm_started"]

#: The SVP paper's schedule: 2% random start, grow to 10%, then +10% per round up to 50%.
PAPER_SCHEDULE: dict[str, Any] = {
    "initial_size": 0.02,
    "round_sizes": (0.08, 0.10, 0.10, 0.10, 0.10),
    "initial": "random",
}
#: How round 0 (no label yet) picks its rows.
INITIAL_CHOICES = ("auto", "random", "selector")

Oracle = Callable[[np.ndarray], Any]


def _size(value: int | float, n_pool: int, name: str) -> int:
    """Rows for a schedule entry: an int count, or a share of the pool rounded up (the same
    rule as the selectors' ``fraction``)."""
    check_size(value, name, of="the pool")
    return int(value) if isinstance(value, Integral) else rows_for_share(value, n_pool)


#: A memory address in a default ``repr`` (``<EpochTimer object at 0x7f...>``): it changes
#: from one process to the next, so it never enters a fingerprint.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
#: How deep :func:`canonical_params` follows nested objects before it settles for a repr.
_MAX_DEPTH = 40


def _qualname(obj: Any) -> str:
    return f"{getattr(obj, '__module__', None)}.{getattr(obj, '__qualname__', repr(obj))}"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _code_digest(code: Any) -> str:
    """A function's body: its bytecode, constants (nested code objects by their own digest)
    and the names it reads, so editing a lambda changes the fingerprint."""
    consts = [_code_digest(c) if inspect.iscode(c) else repr(c) for c in code.co_consts]
    return _digest(code.co_code + repr((consts, code.co_names)).encode())


def _array(values: np.ndarray) -> list:
    values = np.ascontiguousarray(values)
    if values.dtype.hasobject:
        return ["object-array", list(values.shape), [canonical_params(v) for v in values.flat]]
    return ["array", values.dtype.str, list(values.shape), _digest(values.tobytes())]


def canonical_params(value: Any, _path: tuple = ()) -> Any:
    """A description of ``value`` made of JSON types only, the same in every process for equal
    parameters and different where a parameter differs: what the checkpoint fingerprint
    hashes. ``repr`` is not enough: a default ``repr`` holds a memory address
    (``<EpochTimer object at 0x7f...>``, skorch's callbacks), which differs in a new process.

    - estimators (anything with ``get_params``): their class's qualified name and
      ``get_params(deep=False)``, described recursively;
    - classes, functions and methods: module and qualified name (a function's body too, so
      an edited lambda differs); ``functools.partial``: its function and arguments;
    - numpy arrays, torch tensors, scipy sparse matrices and pandas objects: dtype, shape and
      a hash of the content; a torch module: its class and the hashes of its weights
      (``state_dict``);
    - lists, tuples, dicts and sets: their items (dicts and sets sorted);
    - other objects: their class's qualified name and public attributes (fitted ones, with a
      trailing underscore, left out), and their ``repr`` when their class defines one, with
      any `` at 0x...`` address removed.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from svpkit.active.loop import canonical_params
    >>> canonical_params(LogisticRegression(C=0.5))[:2]
    ['estimator', 'sklearn.linear_model._logistic.LogisticRegression']
    >>> canonical_params([1, 2.5, "a"])
    ['list', [1, 2.5, 'a']]
    >>> class Timer:
    ...     def __init__(self):
    ...         self.unit = "s"
    >>> canonical_params(Timer()) == canonical_params(Timer())  # no address in it
    True
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else ["float", repr(value)]
    if isinstance(value, np.generic):
        return ["numpy", value.dtype.str, canonical_params(value.item(), _path)]
    if isinstance(value, (bytes, bytearray)):
        return ["bytes", _digest(bytes(value))]
    if isinstance(value, np.ndarray):
        return _array(value)
    if id(value) in _path or len(_path) > _MAX_DEPTH:  # a cycle, or too deep to be a parameter
        return ["repr", _qualname(type(value)), _ADDRESS.sub("", repr(value))]
    path = (*_path, id(value))
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return _array(value.detach().cpu().numpy())
    if torch is not None and isinstance(value, torch.nn.Module):
        return ["torch-module", _qualname(type(value)), canonical_params(value.state_dict(), path)]
    if isinstance(value, enum.Enum):
        return ["enum", _qualname(type(value)), value.name]
    if isinstance(value, type):
        return ["class", _qualname(value)]
    if isinstance(value, functools.partial):
        return [
            "partial",
            canonical_params(value.func, path),
            canonical_params(list(value.args), path),
            canonical_params(dict(value.keywords), path),
        ]
    if inspect.ismethod(value):
        return [
            "method",
            canonical_params(value.__func__, path),
            canonical_params(value.__self__, path),
        ]
    if inspect.isroutine(value):
        code = getattr(value, "__code__", None)
        return ["callable", _qualname(value), None if code is None else _code_digest(code)]
    if isinstance(value, np.random.RandomState):
        return ["RandomState", canonical_params(list(value.get_state()), path)]
    if isinstance(value, np.random.Generator):
        return ["Generator", canonical_params(value.bit_generator.state, path)]
    if isinstance(value, Mapping):
        items = [[canonical_params(k, path), canonical_params(v, path)] for k, v in value.items()]
        return ["dict", sorted(items, key=lambda item: json.dumps(item[0], sort_keys=True))]
    if isinstance(value, (set, frozenset)):
        items = [canonical_params(v, path) for v in value]
        return [type(value).__name__, sorted(items, key=lambda item: json.dumps(item))]
    if isinstance(value, (list, tuple)):
        return [type(value).__name__, [canonical_params(v, path) for v in value]]
    if scipy.sparse.issparse(value):
        csr = scipy.sparse.csr_matrix(value)
        parts = [_array(csr.data), _array(csr.indices), _array(csr.indptr)]
        return ["sparse", _qualname(type(value)), list(csr.shape), parts]
    if hasattr(value, "to_numpy") and hasattr(value, "shape"):  # pandas
        labels = [getattr(value, "index", None), getattr(value, "columns", None)]
        return [
            "table",
            _qualname(type(value)),
            _array(np.asarray(value.to_numpy())),
            [None if axis is None else _array(np.asarray(axis)) for axis in labels],
        ]
    get_params = getattr(value, "get_params", None)
    if callable(get_params):
        try:
            params = get_params(deep=False)
        except TypeError:  # a get_params of another convention
            params = None
        if isinstance(params, Mapping):
            return ["estimator", _qualname(type(value)), canonical_params(params, path)]
    public = {
        k: v
        for k, v in getattr(value, "__dict__", {}).items()
        if not k.startswith("_") and not k.endswith("_")
    }
    own_repr = type(value).__repr__ is not object.__repr__
    return [
        "object",
        _qualname(type(value)),
        canonical_params(public, path),
        _ADDRESS.sub("", repr(value)) if own_repr else None,
    ]


def _params_fingerprint(params: dict[str, Any]) -> str:
    """A hash of :func:`canonical_params` of ``params``: equal in every process for equal
    parameters (no memory address), different when one changes."""
    text = json.dumps(canonical_params(dict(params)), sort_keys=True, separators=(",", ":"))
    return _digest(text.encode())


def _legacy_params_fingerprint(params: dict[str, Any]) -> str:
    """The fingerprint earlier versions wrote (``repr`` of each deep parameter): still
    accepted on resume, so a checkpoint written by them resumes where it did then."""
    return joblib.hash(sorted((k, repr(v)) for k, v in params.items()))


def warm_started(template: Any, fitted: Any) -> Any:
    """A copy of the skorch ``template`` whose module starts from ``fitted``'s trained weights.

    skorch re-creates the module from ``module__*`` parameters, so those are dropped and the
    trained module instance is passed instead (``clone`` deep-copies it, so rounds never share
    weights by reference).

    Parameters
    ----------
    template : skorch net
        The unfitted proxy whose other parameters (epochs, learning rate, seed, ...) are kept.
    fitted : skorch net
        A fitted net of the same architecture (the previous round's proxy).

    Returns
    -------
    net : skorch net
        Unfitted, of ``template``'s class, with ``module=fitted.module_``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import clone
    >>> from svpkit.active import warm_started
    >>> from svpkit.nn import make_default_proxy
    >>> X = np.random.RandomState(0).randn(60, 4).astype("float32")
    >>> y = X[:, 0] > 0
    >>> template = make_default_proxy(max_epochs=3, module__hidden_units=(16,), random_state=0)
    >>> previous = clone(template).fit(X, y)
    >>> warm = warm_started(template, previous)
    >>> warm.module is previous.module_, "module__hidden_units" in warm.get_params()
    (True, False)
    >>> net = clone(warm).fit(X, y)  # a copy of the weights: ``previous`` is left as it was
    >>> bool(net.history[0, "train_loss"] < previous.history[-1, "train_loss"])  # continues
    True
    """
    params = {
        k: v for k, v in template.get_params(deep=False).items() if not k.startswith("module__")
    }
    params["module"] = fitted.module_
    return type(template)(**params)


class ActiveLearningLoop(BaseEstimator):
    """Run rounds of active learning with a selector, an oracle, and (optionally) a target.

    Round 0 labels ``initial_size`` rows picked with no label known (``initial``: by the
    selector when its method needs no label, e.g. the default ``auto``'s cold start, else at
    random). Each later round fits a clone of ``selector`` on the rows labeled so far (the rest
    marked ``missing_label``) and asks the oracle for the next ``round_sizes[r]`` rows it
    selects. After each round, when ``estimator`` and a test set are
    given, a clone of the estimator is trained on all labels so far and scored.

    Parameters
    ----------
    selector : ProxySelector, default=None
        Template; its ``n_select`` (the round's size), ``random_state`` and ``missing_label``
        are set per round. ``None`` means ``ProxySelector()``, whose budget-aware
        ``method="auto"`` covers the pool while labels are scarce and then ranks by margin
        (``history_`` records which ran in each round).
    initial_size : int or float
        Rows labeled in round 0, before any label is known (a float is a share of the pool).
    round_sizes : sequence of int or float
        Rows to add in each round (floats are shares of the pool).
    estimator : classifier, default=None
        The target, trained after every round to measure test accuracy.
    checkpoint_dir : str or path, default=None
        Folder for an atomic checkpoint written after every oracle answer and every round.
    baseline : bool, default=False
        Traditional active learning: the selector's proxy is replaced by the target estimator
        itself, so the same code measures the SVP speed-up.
    warm_start : bool, default=False
        Start each round's (skorch) proxy from the previous round's weights instead of from
        scratch (falls back to a cold start when a new class appears).
    initial : {"auto", "random", "selector"}, default="auto"
        How round 0 picks: ``"selector"`` fits the selector with every row unlabeled (its
        method must need no label: a cold-start method, ``kcenters`` on the input features,
        or ``auto``); ``"random"`` draws uniformly (the SVP paper's protocol,
        :meth:`with_paper_schedule`); ``"auto"`` uses the selector when it can run with no
        label, else random.
    missing_label : scalar, str, None or np.nan, default=-1
        The value that marks the rows not labeled yet in the labels handed to the selector
        (``None`` or ``np.nan`` when -1 is a real label). The oracle may not answer it.
    random_state : int or None, default=None
        Base of every round's seed (proxies and, when its ``random_state`` is unset, the
        target). With ``None`` a base is drawn and stored in the checkpoint.
    candidates : {"all", "knn", "subsample"}, KnnCandidates or None, default=None
        Which unlabeled rows each round ranks (see :class:`~svpkit.ProxySelector`):
        ``"subsample"`` a fresh uniform 2% of the pool per round; ``"knn"`` (SEALS,
        Coleman et al., AAAI 2022) the unlabeled neighbours of the labeled rows in a FAISS
        index over the input features, or over the embedding a fitted
        :class:`~svpkit.KnnCandidates` was built on. The index is built once, before the
        first round that has labels, saved in ``checkpoint_dir`` (with the neighbour lookups
        in every checkpoint) and restored on resume. ``None`` takes the selector's own
        ``candidates``.
    verbose : bool, default=True
        A tqdm progress bar over rounds.

    Attributes
    ----------
    labeled_indices_ : ndarray of int
        Rows labeled so far, in the order they were labeled (round by round, sorted within a
        round).
    labels_ : ndarray
        The oracle's labels, aligned with ``labeled_indices_``.
    history_ : list of dict
        One record per round: ``round``, ``n_new``, ``n_labeled``, ``strategy`` (the method
        that picked the round's rows: ``"random"`` or the selector's ``method_``),
        ``strategy_reason`` (the selector's ``method_reason_``: for ``method="auto"`` the
        evidence for its choice, e.g. a starved class; None otherwise), ``proxy_fit_seconds``,
        ``score_seconds``, ``select_seconds``, ``selection_seconds`` (their sum),
        ``oracle_seconds``, ``target_fit_seconds``, ``test_accuracy`` (None without a
        target), ``n_scored`` (rows the round's method ranked) and ``candidate_seconds``
        (finding the SEALS neighbourhoods; 0 otherwise). ``pandas.DataFrame(loop.history_)``
        gives a table.
    selector_ : fitted selector of the last round (None after round 0 only).
    candidates_ : KnnCandidates or None
        The SEALS index the rounds shared (``candidates="knn"``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from svpkit import ProxySelector
    >>> from svpkit.active import ActiveLearningLoop
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16.0
    >>> loop = ActiveLearningLoop(
    ...     ProxySelector(LogisticRegression(max_iter=200), method="entropy"),
    ...     initial_size=50, round_sizes=[50, 50], estimator=LogisticRegression(max_iter=200),
    ...     random_state=0, verbose=False)
    >>> loop.run(X[:1000], y[:1000], X_test=X[1000:], y_test=y[1000:]).labeled_indices_.shape
    (150,)
    >>> [r["n_labeled"] for r in loop.history_]
    [50, 100, 150]
    """

    _parameter_constraints: ClassVar[dict] = {
        "selector": [HasMethods(["fit", "set_params"]), None],
        "initial_size": "no_validation",  # count or share: checked with the pool size
        "round_sizes": "no_validation",
        "estimator": [HasMethods(["fit", "score"]), None],
        "checkpoint_dir": [str, os.PathLike, None],
        "baseline": ["boolean"],
        "warm_start": ["boolean"],
        "initial": [StrOptions(set(INITIAL_CHOICES))],
        "missing_label": "no_validation",  # v.check_missing_label
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
        "verbose": ["verbose"],
        "candidates": [StrOptions(set(CANDIDATE_CHOICES)), HasMethods(["candidates", "fit"]), None],
    }

    def __init__(
        self,
        selector: Any = None,
        *,
        initial_size: int | float,
        round_sizes: Sequence[int | float],
        estimator: Any = None,
        checkpoint_dir: Any = None,
        baseline: bool = False,
        warm_start: bool = False,
        initial: str = "auto",
        missing_label: Any = -1,
        random_state: int | None = None,
        verbose: bool = True,
        candidates: Any = None,
    ) -> None:
        self.selector = selector
        self.initial_size = initial_size
        self.round_sizes = round_sizes
        self.estimator = estimator
        self.checkpoint_dir = checkpoint_dir
        self.baseline = baseline
        self.warm_start = warm_start
        self.initial = initial
        self.missing_label = missing_label
        self.random_state = random_state
        self.verbose = verbose
        self.candidates = candidates

    @classmethod
    def with_paper_schedule(cls, selector: Any, **params: Any) -> ActiveLearningLoop:
        """The SVP paper's schedule: 2% random start, to 10%, then +10% per round to 50%.

        Examples
        --------
        >>> from svpkit import ProxySelector
        >>> from svpkit.active import ActiveLearningLoop
        >>> loop = ActiveLearningLoop.with_paper_schedule(ProxySelector())
        >>> loop.initial_size, loop.round_sizes
        (0.02, (0.08, 0.1, 0.1, 0.1, 0.1))
        """
        return cls(selector, **{**PAPER_SCHEDULE, **params})

    # -- setup -----------------------------------------------------------------------------
    def _schedule(self, n_pool: int) -> list[int]:
        if isinstance(self.round_sizes, (str, bytes)) or not hasattr(self.round_sizes, "__len__"):
            raise TypeError("round_sizes must be a sequence of int counts or float shares.")
        sizes = [_size(self.initial_size, n_pool, "initial_size")]
        sizes += [_size(s, n_pool, f"round_sizes[{i}]") for i, s in enumerate(self.round_sizes)]
        if sum(sizes) > n_pool:
            raise ValueError(
                f"the schedule labels {sum(sizes)} rows in all but the pool has {n_pool}; "
                "shrink initial_size or round_sizes."
            )
        return sizes

    def _template(self) -> Any:
        if self.selector is not None:
            return self.selector
        from ..selectors import ProxySelector

        return ProxySelector()

    def _selects_round_zero(self) -> bool:
        """Whether round 0 is picked by the selector (see ``initial``)."""
        if self.initial != "auto":
            return self.initial == "selector"
        from ..methods import get_method, runs_without_labels

        params = self._template().get_params(deep=False)
        try:
            method = get_method(params.get("method"), all_labeled=False)
        except (ValueError, TypeError):
            return False  # the selector's own fit reports a bad method later
        return runs_without_labels(method) and not params.get("class_balance", False)

    def _round_selector(self, seed: int, n_new: int, labels: np.ndarray) -> Any:
        selector = clone(self._template())
        if self.baseline:
            if self.estimator is None:
                raise ValueError("baseline=True uses the target as the proxy: pass estimator=.")
            selector.set_params(proxy=clone(self.estimator))
        warm = getattr(self, "_warm_proxy", None)
        if self.warm_start and warm is not None:
            fitted, classes = warm
            if np.array_equal(classes, np.unique(labels)):
                template = selector.get_params()["proxy"]
                selector.set_params(proxy=warm_started(template, fitted))
        params = selector.get_params(deep=False)
        if "missing_label" in params:
            selector.set_params(missing_label=self.missing_label)
        if "candidates" in params:
            selector.set_params(candidates=getattr(self, "candidates_", None) or "all")
        return selector.set_params(fraction=None, n_select=n_new, random_state=seed)

    def _loop_params(self, deep: bool) -> dict[str, Any]:
        """The parameters a resumed run must share (not ``verbose`` nor ``checkpoint_dir``)."""
        return {
            k: v
            for k, v in self.get_params(deep=deep).items()
            if k not in ("verbose", "checkpoint_dir")
        }

    def _fingerprint(self, X: Any, sizes: list[int]) -> dict[str, Any]:
        # The loop's own parameters, nested estimators described through their own
        # get_params(deep=False): a deep listing holds objects skorch creates anew per call.
        params = self._loop_params(deep=False)
        if v.is_torch_dataset(X) and not v.is_image_folder(X):  # read item by item
            from ..pools.images import dataset_fingerprint

            shape, content = [len(X)], dataset_fingerprint(X)
        else:
            X_arr = np.asarray(X)
            shape, content = list(X_arr.shape), v.array_fingerprint(X_arr)
        return {
            "pool_shape": shape,
            "pool_hash": joblib.hash(content),
            "loop_params": _params_fingerprint(params),
            "schedule": sizes,
        }

    # -- oracle ----------------------------------------------------------------------------
    def _ask(self, oracle: Any, indices: np.ndarray, known: np.ndarray) -> np.ndarray:
        answer = oracle(indices.copy()) if callable(oracle) else np.asarray(oracle)[indices]
        task = self._template().get_params(deep=False).get("task", "classification")
        if np.ndim(answer) == 2 or np.ndim(known) == 2:  # label sets: one row per asked row
            return _check_label_sets(answer, len(indices), known)
        labels = _check_answer(
            answer, len(indices), self.missing_label, continuous=task != "classification"
        )
        if len(known) and (labels.dtype.kind in "iu") != (known.dtype.kind in "iu"):
            raise ValueError(
                f"the oracle answered labels of type {labels.dtype} but earlier labels were "
                f"{known.dtype}; answer labels of one type."
            )
        return labels

    # -- the loop --------------------------------------------------------------------------
    def run(
        self,
        X: Any,
        oracle: Any,
        *,
        X_test: Any = None,
        y_test: Any = None,
        resume: bool = False,
        proba: Any = None,
        embedding: Any = None,
        scores: Any = None,
    ) -> ActiveLearningLoop:
        """Run (or, with ``resume=True``, continue) the rounds.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            The pool.
        oracle : array-like of shape (n_samples,) or (n_samples, n_labels), or callable
            True labels (simulation), or ``oracle(indices) -> labels`` (a person, a service).
            A multi-label oracle answers one row of a 0/1 label indicator per asked row.
            It is never asked twice for a row whose label was received.
        X_test, y_test : array-like, default=None
            Held-out data for the target's accuracy after each round.
        resume : bool, default=False
            Continue from the checkpoint in ``checkpoint_dir``; refused if it was written for
            another pool, other parameters or other precomputed outputs.
        proba, embedding, scores : array-like, default=None
            Outputs computed elsewhere, one row per pool row, handed to every round's
            selector (``selector.fit(X, y, embedding=...)``): no proxy is trained, and the
            rounds differ by what is labeled (existing k-centers, class balance).

        Returns
        -------
        self
        """
        self._validate_params()
        v.check_missing_label(self.missing_label)
        if (X_test is None) != (y_test is None):
            raise ValueError("pass both X_test and y_test, or neither.")
        n_pool = len(X)
        _check_oracle(oracle, n_pool)
        sizes = self._schedule(n_pool)
        given = {"proba": proba, "embedding": embedding, "scores": scores}
        given = check_precomputed({k: x for k, x in given.items() if x is not None}, n_pool)
        fingerprint = self._fingerprint(X, sizes)
        if given:  # a resumed run must rank by the same outputs (absent: none were given)
            fingerprint["outputs_hash"] = joblib.hash(given)

        indices = np.empty(0, dtype=np.int64)
        labels = np.empty(0)
        history: list[dict[str, Any]] = []
        # Round seeds are keyed by (base, round), not drawn from a stream consumed so far: a
        # resumed run draws exactly what an uninterrupted one would.
        base_seed = self.random_state if self.random_state is not None else keyed_seed(None)
        if self.checkpoint_dir is not None and checkpoint_path(self.checkpoint_dir).exists():
            if not resume:
                raise FileExistsError(
                    f"{checkpoint_path(self.checkpoint_dir)} exists. Pass resume=True to continue "
                    "that run, or choose another checkpoint_dir (nothing was overwritten)."
                )
            indices, labels, meta = load_checkpoint(self.checkpoint_dir)
            if meta.get("loop_params") == _legacy_params_fingerprint(self._loop_params(True)):
                meta = {**meta, "loop_params": fingerprint["loop_params"]}  # an older checkpoint
            self._check_compatible(meta, fingerprint)
            history, base_seed = meta["history"], meta["base_seed"]
        elif resume and self.checkpoint_dir is None:
            raise ValueError("resume=True needs checkpoint_dir.")

        self.labeled_indices_, self.labels_, self.history_ = indices, labels, history
        self.selector_ = None
        self._warm_proxy = None
        self.candidates_ = self._candidate_index(X, resume=bool(history), seed=base_seed)

        def save() -> None:
            if self.checkpoint_dir is not None:
                meta = {**fingerprint, "base_seed": base_seed, "history": self.history_}
                arrays = None
                if self.candidates_ is not None:
                    rows, table = self.candidates_.neighbor_state()
                    arrays = {"knn_rows": rows, "knn_neighbors": table}
                save_checkpoint(
                    self.checkpoint_dir, self.labeled_indices_, self.labels_, meta, arrays
                )

        from tqdm.auto import tqdm

        bar = tqdm(total=len(sizes), desc="active learning", unit="round", disable=not self.verbose)
        bar.update(len(history))
        try:
            # A run that crashed between labeling a round and evaluating it finishes it first.
            last = self.history_[-1] if self.history_ else None
            if last and last["test_accuracy"] is None and self.estimator is not None:
                if X_test is not None:
                    self._evaluate(last, keyed_seed(base_seed, last["round"]), X, X_test, y_test)
                    save()
            for r in range(len(history), len(sizes)):
                seed = keyed_seed(base_seed, r)
                record = self._label_round(r, seed, sizes[r], X, oracle, n_pool, given)
                self.history_ = [*self.history_, record]
                save()  # labels are on disk before anything else happens
                if self.estimator is not None and X_test is not None:
                    self._evaluate(record, seed, X, X_test, y_test)
                    save()
                bar.update(1)
        finally:
            bar.close()
        return self

    def _candidate_index(self, X: Any, *, resume: bool, seed: int) -> KnnCandidates | None:
        """The SEALS index shared by every round: built once (or restored from the
        checkpoint, with the neighbour lookups made so far), or None."""
        spec = self.candidates
        if spec is None:
            spec = self._template().get_params(deep=False).get("candidates", "all")
        source = resolve_candidates(spec)
        if source is None:
            return None
        folder = self.checkpoint_dir
        if hasattr(source, "index_"):
            source.check_pool(X)  # the user's own index (e.g. over an embedding)
        elif resume and folder is not None and KnnCandidates.saved_in(folder):
            source = KnnCandidates.load(folder)
            source.check_pool(X)
        else:
            params = {"verbose": bool(self.verbose), "random_state": int(seed) % (1 << 31)}
            source = clone(source).set_params(**params).fit(X)
            if folder is not None:
                source.save(folder)
        if resume and folder is not None:
            saved = load_checkpoint_arrays(folder)
            if "knn_rows" in saved:
                source.restore_neighbor_state(saved["knn_rows"], saved["knn_neighbors"])
        return source

    def _label_round(
        self, r: int, seed: int, n_new: int, X: Any, oracle: Any, n_pool: int, given: dict
    ) -> dict[str, Any]:
        timings = {"proxy_fit": 0.0, "score": 0.0, "select": 0.0, "candidates": 0.0}
        strategy, reason = "random", None
        n_scored = n_pool - len(self.labeled_indices_)
        if r == 0 and not self._selects_round_zero():
            start = time.perf_counter()
            picked = np.sort(np.random.RandomState(seed).choice(n_pool, n_new, replace=False))
            timings["select"] = time.perf_counter() - start
        else:
            y_partial = _partial_labels(
                n_pool,
                self.labeled_indices_,
                self.labels_,
                self.missing_label,
                n_labels=_n_labels(oracle),
            )
            selector = self._round_selector(seed, n_new, self.labels_)
            selector.fit(X, y_partial, **given)
            picked = selector.sample_indices_
            timings = dict(selector.fit_seconds_)
            n_scored = int(selector.n_candidates_)
            strategy = getattr(selector, "method_", None) or str(selector.get_params()["method"])
            reason = getattr(selector, "method_reason_", None)
            self.selector_ = selector
            if (
                self.warm_start
                and is_torch_proxy(selector.proxy_)
                and not is_frozen(selector.proxy_)
            ):
                self._warm_proxy = (selector.proxy_, np.unique(self.labels_))
        start = time.perf_counter()
        new_labels = self._ask(oracle, picked, self.labels_)
        oracle_seconds = time.perf_counter() - start
        self.labeled_indices_ = np.concatenate([self.labeled_indices_, picked])
        self.labels_ = (
            np.concatenate([self.labels_, new_labels]) if len(self.labels_) else new_labels
        )
        return {
            "round": r,
            "n_new": len(picked),
            "n_labeled": len(self.labeled_indices_),
            "strategy": strategy,
            "strategy_reason": reason,
            "proxy_fit_seconds": timings["proxy_fit"],
            "score_seconds": timings["score"],
            "select_seconds": timings["select"],
            "candidate_seconds": timings.get("candidates", 0.0),
            "selection_seconds": timings.get("candidates", 0.0)
            + timings["proxy_fit"]
            + timings["score"]
            + timings["select"],
            "n_scored": n_scored,
            "oracle_seconds": oracle_seconds,
            "target_fit_seconds": None,
            "test_accuracy": None,
        }

    def _evaluate(self, record: dict, seed: int, X: Any, X_test: Any, y_test: Any) -> None:
        estimator = clone(self.estimator)
        start = time.perf_counter()
        fit_seeded(estimator, take_rows(X, self.labeled_indices_), self.labels_, seed)
        record["target_fit_seconds"] = time.perf_counter() - start
        record["test_accuracy"] = float(estimator.score(X_test, y_test))
        self.estimator_ = estimator

    @staticmethod
    def _check_compatible(meta: dict[str, Any], fingerprint: dict[str, Any]) -> None:
        if (
            meta["pool_shape"] != fingerprint["pool_shape"]
            or meta["pool_hash"] != fingerprint["pool_hash"]
        ):
            raise ValueError(
                "the checkpoint was written for a different pool (shape "
                f"{tuple(meta['pool_shape'])} vs {tuple(fingerprint['pool_shape'])}, or different "
                "content). Resume with the same X, or use another checkpoint_dir."
            )
        if (
            meta["loop_params"] != fingerprint["loop_params"]
            or meta["schedule"] != fingerprint["schedule"]
        ):
            raise ValueError(
                "the checkpoint was written with different selector or loop parameters; resume "
                "with the same ones, or use another checkpoint_dir."
            )
        if meta.get("outputs_hash") != fingerprint.get("outputs_hash"):
            raise ValueError(
                "the checkpoint was written with other precomputed outputs (proba=, embedding=, "
                "scores=) than this run passes; resume with the same ones, or use another "
                "checkpoint_dir."
            )


def _check_oracle(oracle: Any, n_pool: int) -> None:
    """A label array as oracle holds one label per pool row (checked before any round, so a
    short one cannot fail mid-run with an IndexError); a callable is checked per answer."""
    if callable(oracle):
        return
    try:
        shape = np.shape(oracle)
        what = f"an array of shape {shape}"
    except ValueError:  # ragged
        shape, what = (), "a ragged sequence"
    label_sets = len(shape) == 2 and shape[1] > 1  # a multi-label indicator matrix
    if not (len(shape) == 1 or label_sets) or shape[0] != n_pool:
        raise ValueError(
            f"the oracle is {what}, but the pool has {n_pool} rows; pass one "
            "true label per pool row (or one row of a label indicator matrix), in the pool's "
            "order (or a callable oracle(indices) -> labels)."
        )


def _n_labels(oracle: Any) -> int | None:
    """Labels per row of a multi-label oracle array (None: one label per row, or a callable,
    whose width the first answer tells)."""
    if callable(oracle):
        return None
    shape = np.shape(oracle)
    return shape[1] if len(shape) == 2 and shape[1] > 1 else None


def _check_label_sets(answer: Any, n_expected: int, known: np.ndarray) -> np.ndarray:
    """A multi-label oracle's answer: ``(n_expected, n_labels)`` of 0 and 1, as wide as the
    label sets received before; or a clear error (nothing is recorded on error)."""
    try:
        labels = np.asarray(answer)
    except Exception as exc:  # ragged
        raise ValueError(f"the oracle's answer is not an array of label sets: {exc}") from exc
    width = known.shape[1] if np.ndim(known) == 2 and len(known) else None
    if labels.ndim != 2 or len(labels) != n_expected or (width and labels.shape[1] != width):
        expected = f"({n_expected}, {width})" if width else f"({n_expected}, n_labels)"
        raise ValueError(
            f"the oracle answered {labels.shape} for {n_expected} rows; a multi-label oracle "
            f"returns one row of a label indicator per asked row, shape {expected}."
        )
    if labels.dtype.kind not in "biuf" or not np.isin(labels, (0, 1)).all():
        bad = int(np.flatnonzero(~np.isin(labels, (0, 1)).all(axis=1))[0])
        raise ValueError(
            f"the oracle answered {labels[bad].tolist()} for an asked row; a label set is a "
            "row of 0 and 1, one per label."
        )
    return labels.astype(np.int64)


def _check_answer(
    answer: Any, n_expected: int, missing_label: Any = -1, *, continuous: bool = False
) -> np.ndarray:
    """Labels from the oracle, or a clear error (nothing is recorded on error). With
    ``continuous`` (a selector whose task may be regression), numbers that are not whole are
    targets, kept as floats."""
    try:
        labels = np.asarray(answer)
    except Exception as exc:  # ragged or otherwise unusable
        raise ValueError(f"the oracle's answer is not an array of labels: {exc}") from exc
    if labels.ndim != 1 or len(labels) != n_expected:
        raise ValueError(
            f"the oracle answered {labels.shape} for {n_expected} rows; it must return one label "
            "per asked row, in the same order."
        )
    kind = labels.dtype.kind
    if kind == "f":
        if not np.isfinite(labels).all():
            raise ValueError(
                "the oracle answered NaN or inf labels; every asked row needs a label."
            )
        whole = bool(np.all(np.mod(labels, 1) == 0))
        if not whole and not continuous:
            raise ValueError("the oracle answered non-integer float labels; answer class labels.")
        labels = labels.astype(np.int64) if whole and not continuous else labels
    elif kind == "O":
        if not all(
            isinstance(lab, (str, int, np.integer)) and not isinstance(lab, bool) for lab in labels
        ):
            raise ValueError(
                "the oracle answered labels of unknown type; answer ints or strings, one per row."
            )
        labels = labels.astype(str) if isinstance(labels[0], str) else labels.astype(np.int64)
    elif kind not in "iuU":
        raise ValueError(
            f"the oracle answered labels of unknown type {labels.dtype}; answer ints or strings."
        )
    if v.missing_mask(labels, missing_label).any():
        raise ValueError(
            f"the oracle answered {missing_label!r}, which is missing_label (it marks unlabeled "
            "rows); answer real labels, or pass another missing_label= to the loop."
        )
    v.check_label_values(labels, np.arange(len(labels)), missing_label, continuous=continuous)
    return labels


def _partial_labels(
    n_pool: int,
    indices: np.ndarray,
    labels: np.ndarray,
    missing_label: Any = -1,
    n_labels: int | None = None,
) -> np.ndarray:
    """The pool's labels with ``missing_label`` for rows not labeled yet (object array unless
    both the labels and the marker are numbers); for label sets (2-D ``labels``, or
    ``n_labels`` given), a label indicator matrix whose unlabeled rows hold the marker in
    every column."""
    if np.ndim(labels) == 2 or n_labels is not None:
        width = labels.shape[1] if np.ndim(labels) == 2 else n_labels
        dtype = np.float64 if isinstance(missing_label, float) else np.int64
        y = np.full((n_pool, width), missing_label, dtype=dtype)
        if len(indices):
            y[indices] = labels
        return y
    # Round 0 (nothing labeled yet) takes the marker's type; float labels (a regression
    # target) stay floats beside a NaN or number marker.
    if v.is_number(missing_label) and (len(labels) == 0 or labels.dtype.kind in "iu"):
        dtype = np.float64 if isinstance(missing_label, float) else np.int64
    elif v.is_number(missing_label) and labels.dtype.kind == "f":
        dtype = np.float64
    else:
        dtype = object
    y = np.full(n_pool, missing_label, dtype=dtype)
    y[indices] = labels
    return y
