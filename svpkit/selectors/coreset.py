"""CoresetSelector: drop redundant rows of a fully labeled set before training a target."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .._defaults import DEFAULT_METHOD
from .base import BaseSelector


class CoresetSelector(BaseSelector):
    """Core-set selection: keep the most useful share of a fully labeled pool.

    Every row is labeled and a candidate (``-1`` is an ordinary label here; None or NaN labels
    are an error). On top of
    :class:`ProxySelector`'s methods it offers those that need every row labeled, such as
    ``forgetting`` (forgetting events counted while the proxy trains; never-learned rows
    first, unforgettable ones last).

    Parameters
    ----------
    proxy : estimator, default=None
        As in :class:`ProxySelector`. ``forgetting`` needs a :class:`svpkit.nn.ProxyNet`.
    method : str, default="auto"
        How to rank rows: ``"auto"`` (random unless the evidence is confident, below), the
        uncertainty methods ``least_confidence``, ``entropy``, ``margin``; ``kcenters``; the
        training-dynamics scores ``forgetting``, ``el2n``, ``grand``, ``aum``, ``dyn_unc``,
        ``tdds``, ``dual`` (hard rows first; pair them with ``sampler="ccs"`` when keeping
        little); the embedding methods ``moderate`` and ``d2``; ``random``; or any registered
        method
        (``svpkit.methods.available_methods()``). ``"auto"`` is the default because no single
        method is safe: in ``benchmarks/results/coreset_quality.json`` every score-based method
        loses 10-50 points to class-balanced random at 10% kept somewhere, and k-centers 8.
        ``auto`` is safe first (:mod:`svpkit.methods.auto`): it keeps the class-balanced
        random subset unless a candidate of :data:`svpkit.methods.auto.AUTO_CANDIDATES`
        (class-balanced CCS samplers over a score) beats it with 95% confidence, row by row on
        both halves of a two-fold split, in every *competent* validating model (a clone of
        the proxy and a linear probe; a model that gets less than half of the way from the
        majority guess to perfect does not vote). ``method_reason_`` says why; the selection
        is exactly what naming the choice selects. Validation costs at most
        :data:`svpkit.methods.auto.AUTO_BUDGET` proxy trainings' worth of gradient steps,
        reported as ``fit_seconds_["auto_validation"]``; name a method to skip it. On an
        :class:`svpkit.ImageFolder` it does not validate unless ``validate_with`` is given
        (the proxy is already about a tenth of the target there; see
        :attr:`svpkit.methods.Regime.validation_affordable`): class-balanced random, at no
        cost.
    fraction : float in (0, 1], default=None
        Share of rows to keep, rounded up (``1`` and ``1.0`` both mean all). ``None`` means 0.5
        unless ``n_select`` is set. An int > 1 is an error: a count goes in ``n_select``.
    n_select : int >= 1, default=None
        Number of rows to keep. Set ``fraction`` or ``n_select``, not both.
    class_balance : bool, default=True
        Keep the same share inside every class: the rows kept (as many as without balance) are
        split in proportion to the class sizes, and rows are ranked within their class. Works
        with every method. On by default for core-sets because a method ranked across classes
        can empty a class: in ``benchmarks/results/coreset_quality.json`` least confidence at
        10% kept loses
        33.6 points to class-balanced random on the digits without balance and 12.7 with it.
    sampler : {"topk", "ccs", "beta"} or svpkit.methods.Sampler, default="topk"
        How the kept rows are drawn from the scores: the top of the ranking, CCS's
        coverage-centric strata (:class:`svpkit.methods.CCSSampler`: drops the hardest share
        when little is kept and spreads the budget over the score range) or DUAL's Beta
        sampling (:class:`svpkit.methods.BetaSampler`, reads training dynamics).
    random_state : int, RandomState instance or None, default=None
        Seeds everything random. Same seed, same selection.
    memory : str, joblib.Memory or None, default=None
        Caches proxy training and inference: with a cache, one training serves every fraction
        and every method.
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
    validate_with : list or None, default=None
        For ``method="auto"`` only: the models each candidate's selection is validated with;
        a candidate must beat random with confidence in every competent one. Items are
        ``"proxy"`` (a clone of the proxy), ``"probe"`` (the pool's linear probe) or an
        unfitted classifier with ``predict_proba``, typically a cheap version of the target
        (trained as given, on the candidate's selection; it counts outside auto's budget).
        None means ``["proxy", "probe"]``. Give the target's family where the proxy is much
        weaker than the target (a CNN target on signals or images with the default MLP
        proxy): what helps a weak model can hurt a strong one. Each model is trained once per
        candidate and fold.

    Attributes
    ----------
    proxy_, scores_, ranking_, sample_indices_, n_selected_, sample_weight_, fit_seconds_, \
    classes_, n_features_in_
        As in :class:`ProxySelector`. With ``class_balance=True``, ``ranking_`` interleaves
        the classes by relative rank within their class.
    method_ : str
        The method that selected: ``method``, or for ``method="auto"`` the candidate it chose
        (a key of :data:`svpkit.methods.auto.AUTO_CANDIDATES`).
    method_scores_ : dict or None
        For ``method="auto"``: every validated candidate's 95% lower confidence bound on its
        holdout accuracy gain over class-balanced random (a share; ``"random"`` is 0.0), in
        the competent model family where it is lowest (``-inf`` when no family is competent;
        empty when nothing was validated).
    method_validation_ : dict or None
        For ``method="auto"``: the holdout accuracies over both folds,
        ``{candidate: {"proxy": acc, "probe": acc}}`` (no ``"probe"`` where the pool has no
        probe); with ``validate_with``, one entry per model, a model named by its class
        (``"LogisticRegression"``, ``"LogisticRegression#2"`` for a second one).
    method_reason_ : str or None
        For ``method="auto"``: why it chose what it chose, in words.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from svpkit import CoresetSelector
    >>> X, y = load_digits(return_X_y=True)
    >>> sel = CoresetSelector(method="forgetting", sampler="ccs", fraction=0.5, random_state=0)
    >>> X_small, y_small = sel.fit_resample(X / 16, y)
    >>> X_small.shape
    (899, 64)
    """

    all_rows_labeled = True

    _parameter_constraints: ClassVar[dict] = {
        **BaseSelector._parameter_constraints,
        "validate_with": [list, tuple, None],
    }

    def __init__(
        self,
        proxy: Any = None,
        method: str = DEFAULT_METHOD,
        fraction: float | None = None,
        *,
        n_select: int | None = None,
        class_balance: bool = True,
        sampler: Any = "topk",
        random_state: int | np.random.RandomState | None = None,
        memory: Any = None,
        verbose: bool = False,
        proxy_train_size: float | None = None,
        scratch_dir: str | None = None,
        task: str | None = None,
        dedup: float | None = None,
        validate_with: list | None = None,
    ) -> None:
        self.validate_with = validate_with
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

    def _method_params(self) -> dict[str, Any]:
        return {} if self.validate_with is None else {"validate_with": self.validate_with}
