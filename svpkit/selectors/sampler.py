"""A selector seen as an imbalanced-learn sampler (the ``as_sampler()`` view).

imbalanced-learn's ``Pipeline`` drops rows mid-way through the sampler protocol: a step with
``fit_resample`` and no ``transform``. A selector has both (it is also a scikit-learn
transformer), so imblearn refuses it as a step; the view has exactly the selector's parameters
and only the sampler half. imbalanced-learn itself is not imported: the protocol is a method.
"""

from __future__ import annotations

import inspect
from typing import Any

from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .. import _validation as v

__all__ = ["SelectionSampler", "sampler_for"]


class SelectionSampler(BaseEstimator):
    """Base of the sampler views; each subclass mirrors one selector class's parameters.

    Attributes
    ----------
    selector_ : fitted selector
        The selector fitted by the last ``fit`` or ``fit_resample``.
    sample_indices_ : ndarray of int
        Its selected rows.

    Examples
    --------
    A selector's :meth:`~svpkit.CoresetSelector.as_sampler` view, usable as a step of an
    imbalanced-learn ``Pipeline``:

    >>> from sklearn.datasets import load_digits
    >>> from svpkit import CoresetSelector
    >>> from svpkit.selectors import SelectionSampler
    >>> X, y = load_digits(return_X_y=True)
    >>> sampler = CoresetSelector(method="random", fraction=0.1, random_state=0).as_sampler()
    >>> isinstance(sampler, SelectionSampler), type(sampler).__name__
    (True, 'CoresetSampler')
    >>> X_kept, y_kept = sampler.fit_resample(X / 16, y)
    >>> X_kept.shape, len(sampler.sample_indices_)
    ((180, 64), 180)
    """

    selector_class: type = None  # set by sampler_for
    _estimator_type = "sampler"

    def _selector(self) -> Any:
        return self.selector_class(**self.get_params(deep=False))

    def fit(self, X: Any, y: Any) -> SelectionSampler:
        """Fit the selector (imbalanced-learn calls :meth:`fit_resample`)."""
        self.selector_ = self._selector().fit(X, y)
        self.sample_indices_ = self.selector_.sample_indices_
        self.n_features_in_ = self.selector_.n_features_in_
        return self

    def fit_resample(self, X: Any, y: Any, **params: Any) -> tuple[Any, Any]:
        """Fit the selector and return the selected rows and their labels.

        Parameters
        ----------
        X : array-like
        y : array-like

        Returns
        -------
        X_selected, y_selected
        """
        idx = self.fit(X, y).sample_indices_
        return v.take_rows(X, idx), v.take_rows(y, idx)

    def get_support(self, indices: bool = False) -> Any:
        """As the selector's :meth:`~svpkit.CoresetSelector.get_support`."""
        check_is_fitted(self)
        return self.selector_.get_support(indices=indices)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.three_d_array = True
        tags.input_tags.sparse = self._selector().__sklearn_tags__().input_tags.sparse
        return tags


_VIEWS: dict[type, type] = {}


def _init_with_signature(signature: inspect.Signature):
    def __init__(self, **params: Any) -> None:
        bound = signature.bind_partial(self, **params)
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = signature  # what scikit-learn's get_params reads
    return __init__


def sampler_for(selector_class: type) -> type:
    """The sampler view class of a selector class (created once, then reused).

    Its ``__init__`` has the selector's signature, so ``get_params``, ``set_params`` and
    ``clone`` behave as for the selector. It is registered in this module under the name
    ``<Selector>Sampler`` so that instances pickle.

    Parameters
    ----------
    selector_class : type
        A selector class (a :class:`~svpkit.selectors.BaseSelector` subclass).

    Returns
    -------
    view : type
        A :class:`SelectionSampler` subclass.

    Examples
    --------
    >>> from svpkit import CoresetSelector
    >>> from svpkit.selectors import sampler_for
    >>> View = sampler_for(CoresetSelector)
    >>> View.__name__, View is sampler_for(CoresetSelector)
    ('CoresetSampler', True)
    >>> View(method="random", fraction=0.5).get_params()["fraction"]
    0.5
    """
    if selector_class not in _VIEWS:
        name = selector_class.__name__.replace("Selector", "") + "Sampler"
        view = type(
            name,
            (SelectionSampler,),
            {
                "__init__": _init_with_signature(inspect.signature(selector_class.__init__)),
                "__module__": __name__,
                "__qualname__": name,
                "__doc__": f"{selector_class.__name__} as an imbalanced-learn sampler "
                f"(see :meth:`{selector_class.__name__}.as_sampler`).",
                "selector_class": selector_class,
            },
        )
        globals()[name] = view
        _VIEWS[selector_class] = view
    return _VIEWS[selector_class]
