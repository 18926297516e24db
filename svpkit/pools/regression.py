"""What a regression proxy says about a pool: its predictive variance per row, and the
cross-fitted residuals of the rows it trains on (the regression analogue of EL2N)."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline

from .._validation import take_rows
from ..nn.kinds import unfrozen
from ..utils import fit_seeded

__all__ = ["predictive_variance", "cross_fitted_residuals", "NO_VARIANCE_FIX"]

#: How to get a proxy that has a predictive variance.
NO_VARIANCE_FIX = (
    "Use an ensemble (sklearn.ensemble.RandomForestRegressor, ExtraTreesRegressor or "
    "BaggingRegressor, alone or last in a Pipeline; the default regression proxy is one) or a "
    "model whose predict takes return_std (GaussianProcessRegressor, BayesianRidge), or a "
    "method that reads no variance (kcenters, residual, random)"
)


def _members(model: Any) -> list[tuple[Any, Any]] | None:
    """``(member, feature columns or None)`` of a bagging-style ensemble, whose members
    predict the target each (not boosting, whose stages add up)."""
    from sklearn.ensemble import BaseEnsemble
    from sklearn.ensemble._bagging import BaseBagging
    from sklearn.ensemble._forest import BaseForest

    if not isinstance(model, (BaseForest, BaseBagging)) or not isinstance(model, BaseEnsemble):
        return None
    features = getattr(model, "estimators_features_", None)
    if features is None:
        return [(member, None) for member in model.estimators_]
    return list(zip(model.estimators_, features, strict=True))


def predictive_variance(proxy_: Any, X: Any) -> np.ndarray:
    """Per-row variance of a fitted regression proxy's prediction: across the members of a
    bagging ensemble (streamed: one prediction in memory besides two running sums, Welford's
    update), or ``predict(X, return_std=True)`` squared.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> from svpkit.pools.regression import predictive_variance
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3)); y = X[:, 0] + 0.1 * rng.normal(size=200)
    >>> forest = RandomForestRegressor(n_estimators=20, random_state=0).fit(X, y)
    >>> far, near = predictive_variance(forest, np.array([[5.0, 0, 0], [0.0, 0, 0]]))
    >>> bool(far >= 0 and near >= 0)
    True
    """
    model = unfrozen(proxy_)
    while isinstance(model, Pipeline):  # the transforms, then the model that predicts
        X = model[:-1].transform(X)
        model = model[-1]
    members = _members(model)
    if members is not None:
        X = np.asarray(X)
        mean = np.zeros(len(X))
        m2 = np.zeros(len(X))
        for count, (member, columns) in enumerate(members, start=1):
            prediction = member.predict(X if columns is None else X[:, columns])
            delta = prediction - mean
            mean += delta / count
            m2 += delta * (prediction - mean)
        return m2 / len(members)
    if "return_std" in inspect.signature(model.predict).parameters:
        _, std = model.predict(X, return_std=True)
        return np.asarray(std, dtype=np.float64) ** 2
    raise ValueError(
        f"proxy {type(model).__name__} gives no predictive variance (it is neither a bagging "
        f"ensemble nor has predict(X, return_std=True)). {NO_VARIANCE_FIX}."
    )


def cross_fitted_residuals(
    proxy: Any, X: Any, y: np.ndarray, train_rows: np.ndarray, seed: int, n_rows: int
) -> np.ndarray:
    """``|y - y_hat|`` on ``train_rows``, each predicted by a clone of ``proxy`` trained on
    the other half of them (two folds: about one proxy training in all); NaN elsewhere.

    A proxy's error on rows it trained on says little (a forest fits them); a row it could not
    predict from the others is a hard one, as EL2N's early-training error is for a classifier.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from svpkit.pools.regression import cross_fitted_residuals
    >>> X = np.arange(20.0).reshape(-1, 1); y = 2 * X[:, 0]
    >>> y[7] += 30  # one row off the line
    >>> residuals = cross_fitted_residuals(LinearRegression(), X, y, np.arange(20), 0, 20)
    >>> int(np.argmax(residuals))
    7
    """
    residuals = np.full(n_rows, np.nan)
    rows = np.asarray(train_rows)
    folds = KFold(2, shuffle=True, random_state=seed % (1 << 31)).split(rows)
    for fold, (fit_part, predict_part) in enumerate(folds):
        model = fit_seeded(
            clone(unfrozen(proxy)), take_rows(X, rows[fit_part]), y[rows[fit_part]], seed + fold
        )
        predicted = model.predict(take_rows(X, rows[predict_part]))
        residuals[rows[predict_part]] = np.abs(y[rows[predict_part]] - predicted)
    return residuals
