"""SelectThenFit: select rows, then fit a target on them, as one scikit-learn estimator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import take_rows
from ..pools.base import check_pool_array
from ..utils import derive_seed, fit_seeded

__all__ = ["SelectThenFit", "smallest_fraction_within"]


def _estimator_has(attr: str) -> Callable[[Any], bool]:
    def check(self: SelectThenFit) -> bool:
        est = getattr(self, "estimator_", self.estimator)
        return hasattr(est, attr)

    return check


def _num_rows(value: Any) -> int | None:
    try:
        return len(value) if not isinstance(value, (str, bytes, dict)) else None
    except TypeError:
        return None


class SelectThenFit(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Select a core-set with a selector, then fit a clone of the estimator on it.

    This is the pipeline step for "train the target on what the proxy picked". A plain
    scikit-learn ``Pipeline`` cannot drop rows mid-way (it would pass the full ``y`` on), so the
    selection and the fit live in one estimator. Within each CV training fold it selects, fits a
    clone of ``estimator`` on the subset (slicing per-row fit parameters such as
    ``sample_weight``), keeps ``classes_`` from the full ``y``, and delegates ``predict``,
    ``predict_proba`` and ``score``.

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
    def fit(self, X: Any, y: Any, **fit_params: Any) -> SelectThenFit:
        """Select rows of ``X`` with a clone of the selector, fit the estimator on them.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like of shape (n_samples,)
            Fully labeled.
        **fit_params
            Passed to the estimator's ``fit``; per-row ones (same length as ``X``) are sliced
            to the selected rows.

        Returns
        -------
        self
        """
        validate_data(self, X, reset=True, skip_check_array=True)
        if y is None:
            raise ValueError(
                "SelectThenFit requires y to be passed, but the target y is None: pass a label "
                "for every row."
            )
        y_arr = np.asarray(y)
        check_classification_targets(y_arr)
        self.classes_ = np.unique(y_arr)
        selector = clone(self.selector)
        if self.memory is not None:
            selector.set_params(memory=self.memory)
        idx = selector.fit(X, y).sample_indices_
        # The selector says which label values mean "unlabeled" (none, for a core-set).
        if selector.unlabeled_mask(y_arr[idx]).any():
            raise ValueError(
                "the selector picked rows marked unlabeled (missing_label): SelectThenFit "
                "trains on what was selected, so every row needs a label. For active learning, "
                "use the selector alone and label sample_indices_."
            )
        n = _num_rows(X)
        params = {k: (take_rows(p, idx) if _num_rows(p) == n else p) for k, p in fit_params.items()}
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

    def predict(self, X: Any) -> np.ndarray:
        """Labels predicted by the fitted estimator."""
        self._check_input(X)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities over ``classes_`` (zeros for classes absent from the selection)."""
        self._check_input(X)
        proba = self.estimator_.predict_proba(X)
        est_classes = getattr(self.estimator_, "classes_", self.classes_)
        if len(est_classes) == len(self.classes_):
            return proba
        full = np.zeros((proba.shape[0], len(self.classes_)), dtype=proba.dtype)
        full[:, np.searchsorted(self.classes_, est_classes)] = proba
        return full

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X: Any) -> np.ndarray:
        """The estimator's decision function (defined when no class was dropped)."""
        self._check_input(X)
        est_classes = getattr(self.estimator_, "classes_", self.classes_)
        if len(est_classes) != len(self.classes_):
            raise ValueError(
                "decision_function is undefined here: the selection dropped classes "
                f"{sorted(set(self.classes_) - set(est_classes))}; use predict_proba."
            )
        return self.estimator_.decision_function(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
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
