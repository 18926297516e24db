"""SelectThenFit: select rows, then fit a target on them, as one scikit-learn estimator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
    is_regressor,
)
from sklearn.metrics import r2_score
from sklearn.utils import RegressorTags, check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import take_rows
from ..pools import carried_labels
from ..pools.base import check_pool_array
from ..utils import derive_seed, fit_seeded

__all__ = ["SelectThenFit", "smallest_fraction_within"]


def _estimator_has(attr: str) -> Callable[[Any], bool]:
    def check(self: SelectThenFit) -> bool:
        est = getattr(self, "estimator_", self.estimator)
        return hasattr(est, attr)

    return check


def _num_rows(value: Any) -> int | None:
    """Rows of an array-like (its first dimension), or None for a scalar, string or dict."""
    if isinstance(value, (str, bytes, dict)):
        return None
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and shape:
        return shape[0]  # a scipy.sparse matrix has a shape but no len()
    try:
        return len(value)
    except TypeError:
        return None


def _take_per_row(params: dict[str, Any], rows: np.ndarray, n_rows: int | None) -> dict[str, Any]:
    """``params`` with each per-row value (one entry per row of ``X``) cut to ``rows``.

    scikit-learn's own rule for fit metadata (``_check_method_params``, used by its CV splitters
    and ``BaggingClassifier``): an array-like with as many rows as ``X`` is per-row; any other
    value (a scalar, ``None``, an ``eval_set`` of another length) passes unchanged.
    """
    if n_rows is None:
        return dict(params)
    return {k: take_rows(v, rows) if _num_rows(v) == n_rows else v for k, v in params.items()}


class SelectThenFit(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Select a core-set with a selector, then fit a clone of the estimator on it.

    This is the pipeline step for "train the target on what the proxy picked". A plain
    scikit-learn ``Pipeline`` cannot drop rows mid-way (it would pass the full ``y`` on), so the
    selection and the fit live in one estimator. Within each CV training fold it selects, fits a
    clone of ``estimator`` on the subset (slicing per-row fit parameters such as
    ``sample_weight``), keeps ``classes_`` from the full ``y``, and delegates ``predict``,
    ``predict_proba`` and ``score``. It takes part in scikit-learn's metadata routing: see
    :meth:`fit` for which fit parameters reach the selector and the estimator, and how.

    Parameters
    ----------
    selector : CoresetSelector or ProxySelector
        Unfitted template; a clone is fitted.
    estimator : classifier
        The target; a clone is fitted on the selected rows.
    memory : str, joblib.Memory or None, default=None
        Passed to the selector clone: caches proxy training, so a grid over
        ``selector__fraction`` trains the proxy once per fold, not once per grid point.
    random_state : int, RandomState instance or None, default=None
        Seeds the target's training when the target leaves its own ``random_state`` unset
        (torch is seeded too, so a skorch target trains reproducibly). ``None`` takes the
        selector's ``random_state``: one seed on the selector makes the whole fit repeatable.

    Attributes
    ----------
    selector_ : fitted selector
    estimator_ : fitted clone of ``estimator``
    classes_ : ndarray
        All labels of the ``y`` given to ``fit`` (a class the selection dropped still appears,
        with probability 0 in ``predict_proba``).
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from svpkit import CoresetSelector, SelectThenFit
    >>> X, y = load_digits(return_X_y=True)
    >>> sel = CoresetSelector(LogisticRegression(max_iter=200), method="margin", random_state=0)
    >>> pipe = make_pipeline(StandardScaler(),
    ...                      SelectThenFit(sel, LogisticRegression(max_iter=200)))
    >>> grid = GridSearchCV(pipe, {"selectthenfit__selector__fraction": [0.3, 1.0]}, cv=2)
    >>> grid.fit(X, y).best_params_["selectthenfit__selector__fraction"] in (0.3, 1.0)
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "selector": [HasMethods(["fit"])],
        "estimator": [HasMethods(["fit"])],
        "memory": [None, str, HasMethods(["cache"])],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        selector: Any,
        estimator: Any,
        memory: Any = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.selector = selector
        self.estimator = estimator
        self.memory = memory
        self.random_state = random_state

    def _target_seed(self) -> int | None:
        seed_source = self.random_state
        if seed_source is None:
            seed_source = self.selector.get_params(deep=False).get("random_state")
        if seed_source is None:
            return None
        return derive_seed(check_random_state(seed_source))

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: Any, y: Any = None, **fit_params: Any) -> SelectThenFit:
        """Select rows of ``X`` with a clone of the selector, fit the estimator on them.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like of shape (n_samples,), default=None
            Fully labeled. None only for a pool that carries its labels (an
            :class:`~svpkit.images.ImageFolder`, a torch Dataset of ``(x, y)`` items).
        **fit_params
            Metadata for the estimator's ``fit`` (and, with metadata routing, the selector's).
            A value with one entry per row of ``X`` (an array-like or sparse matrix whose first
            dimension is ``n_samples``, such as ``sample_weight`` or a ``groups`` array) is cut
            to the selected rows before the estimator sees it; any other value (a scalar, an
            ``eval_set``) is passed as is. The selector always sees every row. This is
            scikit-learn's own rule for fit metadata in its CV splitters and
            ``BaggingClassifier``, so a value cut to a CV fold is cut again here the same way.

            - Metadata routing disabled (the default): every parameter goes to the estimator's
              ``fit``; none to the selector.
            - Metadata routing enabled (``sklearn.set_config(enable_metadata_routing=True)``):
              only what the estimator requested (``estimator.set_fit_request(...)``) goes to
              it, and only what the selector requested to the selector; a parameter nobody
              requested raises, as everywhere in scikit-learn.

        Returns
        -------
        self
        """
        validate_data(self, X, reset=True, skip_check_array=True)
        if y is None:
            y = carried_labels(X)
        if y is None:
            raise ValueError(
                "SelectThenFit requires y to be passed, but the target y is None: pass a label "
                "for every row."
            )
        y_arr = np.asarray(y)
        regression = is_regressor(self.estimator)
        if not regression:
            check_classification_targets(y_arr)
        if _routing_enabled():
            routed = process_routing(self, "fit", **fit_params)
        else:  # scikit-learn's legacy rule for meta-estimators: all of it to the estimator
            routed = {"selector": {"fit": {}}, "estimator": {"fit": fit_params}}
        if not regression:  # a regressor has no classes
            self.classes_ = np.unique(y_arr)
        selector = clone(self.selector)
        if self.memory is not None:
            selector.set_params(memory=self.memory)
        idx = selector.fit(X, y, **routed["selector"]["fit"]).sample_indices_
        # The selector says which label values mean "unlabeled" (none, for a core-set).
        if selector.unlabeled_mask(y_arr[idx]).any():
            raise ValueError(
                "the selector picked rows marked unlabeled (missing_label): SelectThenFit "
                "trains on what was selected, so every row needs a label. For active learning, "
                "use the selector alone and label sample_indices_."
            )
        params = _take_per_row(routed["estimator"]["fit"], idx, _num_rows(X))
        target = clone(self.estimator)
        X_sel, y_sel = take_rows(X, idx), take_rows(y, idx)
        seed = self._target_seed()
        if seed is None:
            target.fit(X_sel, y_sel, **params)
        else:
            fit_seeded(target, X_sel, y_sel, seed, **params)
        self.selector_ = selector
        self.estimator_ = target
        return self

    def _check_input(self, X: Any) -> None:
        check_is_fitted(self)
        check_pool_array(X)
        validate_data(self, X, reset=False, skip_check_array=True)

    def _routed(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The metadata for the estimator's ``method`` (none may be passed without routing)."""
        _raise_for_params(params, self, method)
        if not _routing_enabled():
            return {}
        return process_routing(self, method, **params)["estimator"][method]

    def predict(self, X: Any, **params: Any) -> np.ndarray:
        """Labels predicted by the fitted estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        **params
            Metadata requested by the estimator's ``predict`` (metadata routing only).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        self._check_input(X)
        return self.estimator_.predict(X, **self._routed("predict", params))

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X: Any, **params: Any) -> np.ndarray:
        """Probabilities over ``classes_`` (zeros for classes absent from the selection).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        **params
            Metadata requested by the estimator's ``predict_proba`` (metadata routing only).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        self._check_input(X)
        proba = self.estimator_.predict_proba(X, **self._routed("predict_proba", params))
        est_classes = getattr(self.estimator_, "classes_", self.classes_)
        if len(est_classes) == len(self.classes_):
            return proba
        full = np.zeros((proba.shape[0], len(self.classes_)), dtype=proba.dtype)
        full[:, np.searchsorted(self.classes_, est_classes)] = proba
        return full

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X: Any, **params: Any) -> np.ndarray:
        """Log of :meth:`predict_proba` (``params`` go to the estimator's ``predict_proba``)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X, **params))

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X: Any, **params: Any) -> np.ndarray:
        """The estimator's decision function (defined when no class was dropped).

        ``params``: metadata requested by the estimator's ``decision_function`` (metadata
        routing only).
        """
        self._check_input(X)
        est_classes = getattr(self.estimator_, "classes_", self.classes_)
        if len(est_classes) != len(self.classes_):
            raise ValueError(
                "decision_function is undefined here: the selection dropped classes "
                f"{sorted(set(self.classes_) - set(est_classes))}; use predict_proba."
            )
        return self.estimator_.decision_function(X, **self._routed("decision_function", params))

    def score(self, X: Any, y: Any, sample_weight: Any = None, **params: Any) -> float:
        """Accuracy of :meth:`predict` on ``(X, y)`` (R² for a regressor estimator).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Without metadata routing, weighs the accuracy. With routing, it goes to the
            estimator's ``score`` if that requested it (``set_score_request``), as in
            scikit-learn's ``Pipeline``.
        **params
            Metadata requested by the estimator's ``score`` (metadata routing only).

        Returns
        -------
        score : float
        """
        if not _routing_enabled():
            _raise_for_params(params, self, "score")
            if is_regressor(self.estimator):  # R², as every scikit-learn regressor
                return float(r2_score(y, self.predict(X), sample_weight=sample_weight))
            return super().score(X, y, sample_weight=sample_weight)
        routed = process_routing(self, "score", sample_weight=sample_weight, **params)
        self._check_input(X)
        return self.estimator_.score(X, y, **routed["estimator"]["score"])

    def get_metadata_routing(self) -> MetadataRouter:
        """How ``fit``, ``predict``, ``predict_proba`` & co. route metadata (SLEP006).

        ``fit`` routes to the selector's ``fit`` and to the estimator's ``fit`` (per-row values
        cut to the selected rows, see :meth:`fit`); every other method routes to the same
        method of the estimator (``predict_log_proba`` to its ``predict_proba``).

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRouter
        """
        to_estimator = MethodMapping().add(caller="fit", callee="fit")
        for method in ("predict", "predict_proba", "decision_function", "score"):
            to_estimator.add(caller=method, callee=method)
        to_estimator.add(caller="predict_log_proba", callee="predict_proba")
        return (
            MetadataRouter(owner=type(self).__name__)
            .add(
                selector=self.selector,
                method_mapping=MethodMapping().add(caller="fit", callee="fit"),
            )
            .add(estimator=self.estimator, method_mapping=to_estimator)
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if is_regressor(self.estimator):  # scored and cross-validated as a regressor
            tags.estimator_type = "regressor"
            tags.classifier_tags = None
            tags.regressor_tags = RegressorTags()
        tags.input_tags.three_d_array = True
        tags.input_tags.sparse = all(
            get_tags(part).input_tags.sparse for part in (self.selector, self.estimator)
        )
        return tags


def smallest_fraction_within(
    tolerance: float = 0.01,
    *,
    param: str | None = None,
    score_key: str = "mean_test_score",
) -> Callable[[dict], int]:
    """A ``refit`` callable for GridSearchCV: the smallest fraction scoring near the best.

    Plain ``GridSearchCV`` nearly always prefers the largest fraction (more data rarely hurts),
    which defeats the purpose of selection. This picks the smallest fraction whose mean score is
    within ``tolerance`` of the best; among equal fractions, the best score.

    Parameters
    ----------
    tolerance : float, default=0.01
        Allowed drop from the best mean score (in the scorer's units, e.g. accuracy).
    param : str, default=None
        Name of the fraction parameter in the grid (e.g.
        ``"selectthenfit__selector__fraction"``). ``None`` finds the one parameter whose name
        ends with ``fraction``.
    score_key : str, default="mean_test_score"
        Column of ``cv_results_`` to compare (``"mean_test_<name>"`` for multi-metric search).

    Returns
    -------
    refit : callable
        ``refit(cv_results) -> index`` of the chosen candidate.

    Examples
    --------
    >>> from svpkit import smallest_fraction_within
    >>> results = {"param_selector__fraction": [0.2, 0.5, 1.0],
    ...            "mean_test_score": [0.80, 0.895, 0.90]}
    >>> smallest_fraction_within(0.01)(results)
    1
    """
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be >= 0; got {tolerance!r}.")

    def refit(cv_results: dict) -> int:
        if param is not None:
            key = param if param.startswith("param_") else f"param_{param}"
            if key not in cv_results:
                raise KeyError(f"{param!r} is not a parameter of this grid search.")
        else:
            keys = [k for k in cv_results if k.startswith("param_") and k.endswith("fraction")]
            if len(keys) != 1:
                raise ValueError(
                    f"found {len(keys)} grid parameters ending in 'fraction' ({keys}); name the "
                    "one to minimise with param=..."
                )
            key = keys[0]
        fractions = np.asarray(cv_results[key], dtype=float)
        scores = np.asarray(cv_results[score_key], dtype=float)
        ok = np.flatnonzero(scores >= np.nanmax(scores) - tolerance)
        # Smallest fraction first; among equal fractions, highest score.
        return int(ok[np.lexsort((-scores[ok], fractions[ok]))[0]])

    return refit
