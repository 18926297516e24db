"""What a fit decides before any proxy is trained (the first of its four steps), and the
fitted attributes a method may report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..methods import SelectionMethod
from ..pools import Pool

__all__ = ["FitPlan", "REPORTED_DEFAULTS"]

#: Fitted attributes a method may report (``Ranking.report``) and their values when it
#: reports none: ``method_`` is then the method that ran.
REPORTED_DEFAULTS = {
    "method_": None,
    "method_scores_": None,
    "method_validation_": None,
    "method_reason_": None,
    "chosen_spec_": None,
    "covering_radius_": None,
}


@dataclass
class FitPlan:
    """What a fit will do, decided before any proxy is trained (the first of its four steps:
    plan, read the proxy's outputs, rank, set the fitted attributes).

    Attributes
    ----------
    pool : Pool
    labeled, candidates : ndarray of int
        Labeled rows, and the rows the method ranks.
    classes : ndarray
    y_enc : ndarray of int64
        Encoded labels; -1 where unknown.
    n_select : int
    rng : numpy.random.RandomState
    seed : int
        Drawn from ``rng`` once, for the proxy's training.
    method : SelectionMethod
        The method that runs (a method that stands for others resolved).
    sampler : Sampler or None
    labels_known : bool
        Every candidate is labeled (core-set selection).
    needs : frozenset of str
        The outputs the pool reads.
    proxy : estimator or None
        The unfitted proxy to train (None: the method reads no proxy output).
    train_rows : ndarray of int
        The labeled rows the proxy trains on.
    extras : dict
        The method's declared parameters (``RankContext.extras``), services excluded.
    reason : str or None
        Why a method that stands for others (auto) resolved to ``method``, when its
        ``resolve`` hook said (the fitted ``method_reason_`` unless the method reports one).
    given : dict of str to ndarray
        Outputs passed to ``fit`` (checked), which stand in for the proxy.
    task : {"classification", "regression", "multilabel"}
    y_fit : ndarray or None
        What the proxy trains on: ``y_enc`` for classification, the float targets (NaN where
        unlabeled) for regression, whose ``y_enc`` are quantile strata, the label indicator
        matrix for a multi-label target (whose ``y_enc`` is 0 on labeled rows).
    label_matrix : ndarray of int8, shape (n_rows, n_labels), or None
        A multi-label target's indicator (rows of -1 where unlabeled); None otherwise.
    """

    pool: Pool
    labeled: np.ndarray
    candidates: np.ndarray
    classes: np.ndarray
    y_enc: np.ndarray
    n_select: int
    rng: np.random.RandomState
    seed: int
    method: SelectionMethod
    sampler: Any
    labels_known: bool
    needs: frozenset
    proxy: Any
    train_rows: np.ndarray
    extras: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    reason: str | None = None
    given: dict = field(default_factory=dict)
    task: str = "classification"
    y_fit: np.ndarray | None = None
    label_matrix: np.ndarray | None = None
