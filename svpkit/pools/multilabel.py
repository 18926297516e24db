"""A multi-label proxy's per-label probabilities, whatever shape its ``predict_proba`` gives.

scikit-learn's multi-label classifiers answer in two shapes: one ``(n_rows, n_labels)`` array
of positive-label probabilities (``OneVsRestClassifier``, ``MLPClassifier``), or a list of one
``(n_rows, n_values)`` array per label (``RandomForestClassifier``, ``KNeighborsClassifier``,
``MultiOutputClassifier``). Both become one ``(n_rows, n_labels)`` array.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import ProxyOutputCheck

__all__ = ["label_probabilities"]


def label_probabilities(model: Any, X: Any, check: ProxyOutputCheck, n_labels: int) -> np.ndarray:
    """``(n_rows, n_labels)`` probabilities that each label applies, checked.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from svpkit._validation import ProxyOutputCheck
    >>> from svpkit.pools.multilabel import label_probabilities
    >>> X = np.arange(8.0).reshape(4, 2)
    >>> Y = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])
    >>> forest = RandomForestClassifier(10, random_state=0).fit(X, Y)
    >>> label_probabilities(forest, X, ProxyOutputCheck(forest, 4), 2).shape
    (4, 2)
    """
    if not hasattr(model, "predict_proba"):
        raise ValueError(
            f"{check.name} has no predict_proba: a multi-label target needs a classifier that "
            "gives each label's probability (e.g. OneVsRestClassifier(LogisticRegression()))."
        )
    proba = model.predict_proba(X)
    if isinstance(proba, list):
        proba = np.column_stack(
            [
                _positive_column(np.asarray(p), values, check)
                for p, values in zip(proba, _label_values(model, len(proba)), strict=True)
            ]
        )
    proba = np.asarray(proba, dtype=np.float64)
    check.label_proba(proba, n_labels)
    return proba


def _label_values(model: Any, n_labels: int) -> list:
    """The values each label's column of probabilities stands for (``classes_`` per label)."""
    classes = getattr(model, "classes_", None)
    if isinstance(classes, list) and len(classes) == n_labels:
        return classes
    # no per-label classes_ to read: each label's columns are taken as (0, 1)
    return [np.array([0, 1])] * n_labels


def _positive_column(proba: np.ndarray, values: Any, check: ProxyOutputCheck) -> np.ndarray:
    values = np.asarray(values)
    if proba.ndim != 2 or proba.shape[1] != len(values):
        raise ValueError(
            f"{check.name} returned a label's probabilities of shape {proba.shape} for the "
            f"values {values.tolist()}; each label needs one column per value."
        )
    positive = np.flatnonzero(values == 1)
    if len(positive) == 0:  # a label that no training row carried
        return np.zeros(len(proba))
    return proba[:, positive[0]]
