"""What a fit learns: single-label classification, regression or multi-label classification,
and the labels a proxy and the class-balance wrapper then read.

Regression is recognised, as scikit-learn recognises it, from the labels (``type_of_target``
says ``"continuous"``) or from the proxy (``sklearn.base.is_regressor``: a regressor proxy
makes integer targets, counts say, a regression too). Its "classes" for class balance are
quantile strata of the labeled targets: stratified selection is the regression form of class
balance.

Multi-label targets follow scikit-learn's convention: ``y`` a binary indicator matrix, one
column per label (``MultiLabelBinarizer`` makes one from lists of labels). An unlabeled row
holds the missing-label marker in every column; class balance becomes per-label coverage.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import is_classifier, is_regressor

from ..nn.kinds import unfrozen

__all__ = [
    "CLASSIFICATION",
    "REGRESSION",
    "MULTILABEL",
    "infer_task",
    "regression_labels",
    "n_strata",
    "is_indicator",
    "indicator_labels",
]

CLASSIFICATION = "classification"
REGRESSION = "regression"
MULTILABEL = "multilabel"

#: Most quantile strata of a regression target (fewer when few rows are labeled: about
#: :data:`ROWS_PER_STRATUM` labeled rows each, at least 2).
MAX_STRATA = 10
ROWS_PER_STRATUM = 25


#: Whole-number float targets with at most this many distinct values are class labels.
MAX_CLASSES_AS_FLOATS = 20
#: Above this many distinct whole-number float values (and a fifth of the labeled rows), or
#: above half the labeled rows, a target is a regression one (e.g. scikit-learn's diabetes:
#: 214 values in 442 rows).
MIN_DISTINCT_FOR_REGRESSION = 50


def infer_task(proxy: Any, y: np.ndarray, labeled: np.ndarray, task: str | None = None) -> str:
    """``"regression"`` or ``"classification"``: ``task`` when given (not None), else from
    the proxy and the labeled targets.

    Raises
    ------
    ValueError
        For a classifier proxy for a regression target (or a regressor for class labels),
        float targets that could be either, a multi-output regression target, and
        ``task="multilabel"`` with one label per row.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> from svpkit.selectors.task import infer_task
    >>> rows = np.arange(3)
    >>> infer_task(None, np.array([0.5, 1.7, 3.2]), rows)
    'regression'
    >>> infer_task(None, np.array([0.0, 1.0, 1.0]), rows)  # labels stored as floats
    'classification'
    >>> infer_task(RandomForestRegressor(), np.array([0, 1, 3]), rows)  # counts
    'regression'
    >>> infer_task(None, np.array([[1, 0], [1, 1], [0, 1]]), rows)  # a label indicator
    'multilabel'
    """
    model = unfrozen(proxy)
    if np.ndim(y) > 1 or task == MULTILABEL:
        return _multilabel_task(model, y, task)
    if task is None:
        task = _inferred(model, np.asarray(y)[labeled])
    if task == REGRESSION and model is not None and is_classifier(model):
        raise ValueError(
            f"y is a regression target, but the proxy {type(model).__name__} is a classifier. "
            "Pass a regressor as the proxy (e.g. sklearn.ensemble.RandomForestRegressor, or "
            "proxy=None), or class labels with task='classification'."
        )
    if task == CLASSIFICATION and model is not None and is_regressor(model):
        raise ValueError(
            f"task='classification', but the proxy {type(model).__name__} is a regressor. "
            "Pass a classifier, or task='regression'."
        )
    return task


def _multilabel_task(model: Any, y: Any, task: str | None) -> str:
    if np.ndim(y) < 2:
        raise ValueError(
            "task='multilabel' reads y as a binary indicator matrix (n_rows, n_labels), but y "
            "has one label per row. Turn lists of labels into one with "
            "sklearn.preprocessing.MultiLabelBinarizer, or pass task=None."
        )
    if task not in (None, MULTILABEL):
        raise ValueError(
            f"y has shape {np.shape(y)}, a label indicator matrix, but task={task!r}. Pass "
            "task='multilabel' (or None), or one label per row."
        )
    if model is not None and is_regressor(model):
        raise ValueError(
            f"y has shape {np.shape(y)}: several targets per row, with the regressor "
            f"{type(model).__name__} as proxy. Multi-output regression is not supported: svpkit "
            "selects for one regression target per row, or for a binary label indicator "
            "matrix (multi-label classification)."
        )
    return MULTILABEL


def is_indicator(y: Any) -> bool:
    """Whether ``y`` has several columns (a multi-label indicator matrix, dense or sparse).

    Examples
    --------
    >>> from svpkit.selectors.task import is_indicator
    >>> is_indicator([[0, 1], [1, 1]]), is_indicator([0, 1]), is_indicator([[0], [1]])
    (True, False, False)
    """
    if not hasattr(y, "shape"):  # a list, or an array-like that only converts
        try:
            y = np.asarray(y)
        except ValueError:  # ragged: not a matrix
            return False
    return len(y.shape) == 2 and y.shape[1] > 1


def indicator_labels(y: Any, n_rows: int, marker: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(label_matrix, unlabeled)``: a multi-label ``y`` checked, as int8 with rows of -1
    where ``marker`` fills the whole row (``marker``: the selector's missing label; the
    validation module's ``NO_MARKER`` when every row must be labeled).

    Raises
    ------
    ValueError
        For another number of rows than the pool's, a value other than 0 and 1 in a labeled
        row, and a row labeled in some columns but not in others (naming the rows).

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.selectors.task import indicator_labels
    >>> labels, unlabeled = indicator_labels(np.array([[1, 0], [-1, -1], [0, 1]]), 3, -1)
    >>> labels.tolist(), unlabeled.tolist()
    ([[1, 0], [-1, -1], [0, 1]], [False, True, False])
    """
    import scipy.sparse

    from .. import _validation as v

    if scipy.sparse.issparse(y):  # label sets are narrow: dense is n_rows x n_labels bytes
        y = y.toarray()
    y = np.asarray(y)
    if len(y) != n_rows:
        raise ValueError(
            f"y has {len(y)} rows of labels but X has {n_rows} rows; pass one row of labels "
            "per row of X."
        )
    if marker is v.NO_MARKER:
        missing = np.zeros(y.shape, dtype=bool)
    else:
        missing = v.missing_mask(y.ravel(), marker).reshape(y.shape)
    unlabeled = missing.all(axis=1)
    partial = np.flatnonzero(missing.any(axis=1) & ~unlabeled)
    if len(partial):
        raise ValueError(
            f"y marks {len(partial)} rows as unlabeled in some labels only (first rows: "
            f"{partial[:5].tolist()}). A row is labeled in every column (0 or 1) or unlabeled "
            f"in every column (missing_label={marker!r})."
        )
    values = y[~unlabeled]
    if values.dtype.kind == "O":
        values = np.array(values.tolist())
    valid = np.isin(values, (0, 1)) if values.dtype.kind in "biuf" else np.zeros(values.shape, bool)
    if not valid.all():
        row = int(np.flatnonzero(~unlabeled)[np.flatnonzero(~valid.all(axis=1))[0]])
        raise ValueError(
            f"y has {y.shape[1]} columns, so it is read as a multi-label indicator matrix, "
            f"whose entries must be 0 or 1; row {row} holds {y[row][:8].tolist()}. Turn lists "
            "of labels into one with sklearn.preprocessing.MultiLabelBinarizer."
        )
    labels = np.full(y.shape, -1, dtype=np.int8)
    labels[~unlabeled] = values.astype(np.int8)
    return labels, unlabeled


def _inferred(model: Any, values: np.ndarray) -> str:
    if model is not None and is_regressor(model):
        return REGRESSION
    if values.dtype.kind != "f" or len(values) == 0:
        return CLASSIFICATION
    values = values[~np.isnan(values)]
    distinct = np.unique(values)
    whole = bool(np.all(np.mod(distinct, 1) == 0))
    # most rows a value of their own: no class could be learned from them
    mostly_unique = len(distinct) > len(values) / 2
    if whole and len(distinct) <= MAX_CLASSES_AS_FLOATS:
        return CLASSIFICATION
    if not whole and (len(distinct) > MAX_CLASSES_AS_FLOATS or mostly_unique):
        return REGRESSION
    if whole and (
        len(distinct) > max(MIN_DISTINCT_FOR_REGRESSION, len(values) / 5) or mostly_unique
    ):
        return REGRESSION
    odd = (
        "" if whole else f", some not whole (e.g. {float(distinct[np.mod(distinct, 1) != 0][0])!r})"
    )
    raise ValueError(
        f"y holds {len(distinct)} distinct numbers in {len(values)} labeled rows{odd}: class "
        "labels or a regression target? Say which with task='classification' or "
        "task='regression' (--task on the command line)."
    )


def n_strata(n_labeled: int) -> int:
    """Quantile strata for ``n_labeled`` labeled targets (2 to :data:`MAX_STRATA`).

    Examples
    --------
    >>> from svpkit.selectors.task import n_strata
    >>> n_strata(40), n_strata(442), n_strata(100_000)
    (2, 10, 10)
    """
    return int(min(MAX_STRATA, max(2, n_labeled // ROWS_PER_STRATUM)))


def regression_labels(y: np.ndarray, labeled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(targets, strata)``: the targets as float64 (NaN where unlabeled), and each labeled
    row's quantile stratum ``0 .. k-1`` (-1 elsewhere), which class balance reads.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.selectors.task import regression_labels
    >>> targets, strata = regression_labels(np.arange(60.0), np.arange(50))
    >>> strata[[0, 24, 25, 49, 55]].tolist()
    [0, 0, 1, 1, -1]
    >>> bool(np.isnan(targets[55]))
    True
    """
    values = np.asarray(y, dtype=np.float64)
    targets = np.full(len(values), np.nan)
    targets[labeled] = values[labeled]
    strata = np.full(len(values), -1, dtype=np.int64)
    if len(labeled):
        k = n_strata(len(labeled))
        # ranks, not values: ties and skewed targets still give strata of equal size
        order = np.argsort(values[labeled], kind="stable")
        codes = np.empty(len(labeled), dtype=np.int64)
        codes[order] = np.arange(len(labeled)) * k // len(labeled)
        strata[labeled] = codes
    return targets, strata


def check_task(task: str, method: str, needs: frozenset, *, balance_predicts: bool) -> None:
    """Refuse, naming the methods that run, a method that reads outputs the task has none of
    (class probabilities for regression; a predictive variance or residuals for
    classification). ``balance_predicts``: class balance over unlabeled rows, which reads the
    classes a proxy predicts.

    Examples
    --------
    >>> from svpkit.selectors.task import check_task
    >>> check_task("regression", "variance", frozenset({"variance"}), balance_predicts=False)
    >>> try:
    ...     check_task("regression", "margin", frozenset({"proba"}), balance_predicts=False)
    ... except ValueError as error:
    ...     print(str(error)[:61])
    method='margin' reads class probabilities, which a regression
    """
    from ..methods import (
        CLASSIFICATION_OUTPUTS,
        MULTILABEL_OUTPUTS,
        REGRESSION_OUTPUTS,
        methods_reading_only,
    )

    if task == MULTILABEL and needs & (CLASSIFICATION_OUTPUTS | REGRESSION_OUTPUTS):
        runs = methods_reading_only({"embedding"} | MULTILABEL_OUTPUTS)
        raise ValueError(
            f"method={method!r} reads class probabilities or training dynamics of one class "
            "per row, which a multi-label target (y a label indicator matrix) does not have; "
            f"use {runs}."
        )
    if task != MULTILABEL and needs & MULTILABEL_OUTPUTS:
        raise ValueError(
            f"method={method!r} reads per-label probabilities, which only a multi-label target "
            "gives (y a binary indicator matrix, one column per label); y has one label per "
            "row. Use an uncertainty method such as method='entropy'."
        )

    if task == REGRESSION and needs & CLASSIFICATION_OUTPUTS:
        if balance_predicts:
            balance = (
                " (class_balance=True over unlabeled rows reads the classes a proxy predicts: "
                "pass class_balance=False)"
            )
        else:
            balance = ""
        runs = methods_reading_only({"embedding"} | REGRESSION_OUTPUTS)
        raise ValueError(
            f"method={method!r} reads class probabilities, which a regression proxy does not "
            f"give{balance}. y is a regression target (continuous values, or a regressor "
            f"proxy); use {runs}."
        )
    if task == CLASSIFICATION and needs & REGRESSION_OUTPUTS:
        raise ValueError(
            f"method={method!r} reads a regression proxy's outputs (predictive variance or "
            "residuals), but y holds class labels. Pass continuous targets and a regressor "
            "proxy (or proxy=None), or use a classification method (e.g. method='margin')."
        )
