"""Outputs a user computed elsewhere and passes to ``fit``: probabilities, embeddings or
scores, one row per pool row.

They stand in for the proxy: a fit given any of them trains no proxy, and runs every method
that reads only what was given (and the pool's own features). Fit parameters rather than a
proxy object, because they are per-row metadata: scikit-learn's CV splitters and
``SelectThenFit`` (with metadata routing) cut them to the rows of each fold, as they do
``sample_weight``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import ProxyOutputCheck
from ..nn.kinds import unfrozen

__all__ = [
    "PRECOMPUTED",
    "check_precomputed",
    "take_precomputed",
    "missing_precomputed",
    "frozen_classes",
]

#: The outputs ``fit`` accepts, by the name of the fit parameter (= the PoolOutputs field).
PRECOMPUTED = ("proba", "embedding", "scores")

_WHAT = {
    "proba": "probabilities (n_rows, n_classes)",
    "embedding": "embeddings (n_rows, n_features)",
    "scores": "scores (n_rows,), larger = select first",
}


def _check_rows(name: str, value: Any, n_rows: int) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{name}= must be numeric {_WHAT[name]}; got dtype {array.dtype}.")
    ndim = 1 if name == "scores" else 2
    if array.ndim != ndim:
        raise ValueError(f"{name}= must be {_WHAT[name]}; got an array of shape {array.shape}.")
    if len(array) != n_rows:
        raise ValueError(
            f"{name}= has {len(array)} rows but X has {n_rows}: precomputed outputs hold one "
            "row per row of X, in the same order (under cross-validation, route them with "
            "metadata routing so that each fold gets its rows: "
            "selector.set_fit_request(" + name + "=True))."
        )
    return array


def check_precomputed(
    given: dict[str, Any], n_rows: int, n_classes: int | None = None
) -> dict[str, np.ndarray]:
    """The outputs given (None values dropped), checked: one row per pool row, finite,
    probabilities that are distributions with one column per class.

    Parameters
    ----------
    given : dict
        ``{"proba": ..., "embedding": ..., "scores": ...}``, values array-like or None.
    n_rows : int
        Rows of the pool.
    n_classes : int or None
        Classes among the labeled rows (None or fewer than 2: the columns are not checked).

    Returns
    -------
    outputs : dict of str to ndarray
        Probabilities and scores as float64, embeddings as float32 (what FAISS reads).

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.selectors.precomputed import check_precomputed
    >>> out = check_precomputed({"scores": [3, 1, 2], "proba": None}, n_rows=3)
    >>> sorted(out), out["scores"].dtype.name
    (['scores'], 'float64')
    >>> check_precomputed({"scores": [3, 1]}, n_rows=3)
    Traceback (most recent call last):
    ...
    ValueError: scores= has 2 rows but X has 3: precomputed outputs hold one row per row of X...
    """
    unknown = set(given) - set(PRECOMPUTED)
    if unknown:
        raise TypeError(f"unknown precomputed outputs {sorted(unknown)}; pass {PRECOMPUTED}.")
    out: dict[str, np.ndarray] = {}
    for name in PRECOMPUTED:
        value = given.get(name)
        if value is None:
            continue
        array = _check_rows(name, value, n_rows)
        check = ProxyOutputCheck(None, n_rows, name=f"{name}= (passed to fit)")
        if name == "proba":
            array = array.astype(np.float64, copy=False)
            if array.shape[1] < 2:
                raise ValueError(
                    f"proba= has {array.shape[1]} column; probabilities need one column per "
                    "class (at least 2)."
                )
            if n_classes is not None and n_classes >= 2 and array.shape[1] != n_classes:
                raise ValueError(
                    f"proba= has {array.shape[1]} columns but the labeled rows of y hold "
                    f"{n_classes} classes; its columns must follow the sorted classes of y "
                    "(as predict_proba's follow classes_)."
                )
            check.proba_array(array)
        elif name == "embedding":
            array = array.astype(np.float32, copy=False)
            check.embedding(array)
        else:
            array = array.astype(np.float64, copy=False)
            if not np.isfinite(array).all():
                row = int(np.flatnonzero(~np.isfinite(array))[0])
                raise ValueError(f"scores= holds NaN or inf (first at row {row}).")
        out[name] = array
    return out


def take_precomputed(given: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    """The given outputs of ``rows`` only (a fit on a part of the pool)."""
    return {name: np.asarray(value)[rows] for name, value in given.items()}


def missing_precomputed(needs: frozenset, given: dict, method: str) -> str | None:
    """Why the outputs given cannot run ``method`` (None: they can). The pool's own features
    never need a proxy."""
    from ..methods import methods_reading_only

    if "scores" in needs and "scores" not in given:
        return (
            f"method={method!r} ranks by scores computed elsewhere: pass them to fit, "
            "fit(X, y, scores=...), one per row (larger = select first)."
        )
    missing = sorted(needs - set(given) - {"features"})
    if not missing:
        return None
    readable = ", ".join(f"{name}=" for name in PRECOMPUTED if name in given)
    addable = [name for name in missing if name in PRECOMPUTED]
    fix = (
        f"Pass {', '.join(f'{name}=' for name in addable)} too"
        if addable
        else "Those are recorded while a proxy trains: leave the outputs out to train one"
    )
    runs = methods_reading_only(given) or "no registered method"
    return (
        f"method={method!r} reads {', '.join(missing)}, but fit was given only {readable} and "
        f"trains no proxy when given outputs. {fix}, or use {runs}."
    )


def frozen_classes(proxy: Any, y: np.ndarray, labeled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(classes, codes)`` for a frozen proxy: its own ``classes_`` (the columns of its
    probabilities), and each labeled row's position in them (-1 elsewhere).

    A frozen proxy was fitted before, on labels of its own; the labeled rows of ``y`` must be
    among them (an active-learning seed set may hold only some).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LogisticRegression
    >>> from svpkit.selectors.precomputed import frozen_classes
    >>> lr = LogisticRegression().fit([[0.0], [1.0], [2.0]], ["a", "b", "c"])
    >>> classes, codes = frozen_classes(
    ...     FrozenEstimator(lr), np.array(["c", None, "a"], dtype=object), np.array([0, 2])
    ... )
    >>> classes.tolist(), codes.tolist()
    (['a', 'b', 'c'], [2, -1, 0])
    """
    model = unfrozen(proxy)
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise ValueError(
            f"the frozen proxy {type(model).__name__} has no classes_: fit it before wrapping "
            "it in sklearn.frozen.FrozenEstimator (a frozen proxy is used as it is, never "
            "trained here), and use a classifier."
        )
    classes = np.asarray(classes)
    position = {label: code for code, label in enumerate(classes.tolist())}
    codes = np.full(len(y), -1, dtype=np.int64)
    values = np.asarray(y)[labeled].tolist()
    unknown = sorted({repr(value) for value in values if value not in position})
    if unknown:
        raise ValueError(
            f"y holds labels the frozen proxy was not trained on ({', '.join(unknown[:5])}); "
            f"its classes_ are {classes.tolist()[:10]}. A frozen proxy's probabilities speak "
            "only of its own classes: refit it with every class, or pass the unfitted proxy."
        )
    codes[labeled] = [position[value] for value in values]
    return classes, codes
