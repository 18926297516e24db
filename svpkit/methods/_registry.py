"""The method registry: methods by name, with the error texts that name the valid choices.

Selectors never branch on method names: they ask the registry, compute the outputs once, and
call :func:`svpkit.methods.run_method`. The data types live in :mod:`svpkit.methods._types`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sklearn.utils._param_validation import InvalidParameterError

from ._types import GIVEN_OUTPUTS, RankFn, Regime, SelectionMethod

__all__ = [
    "register_method",
    "get_method",
    "available_methods",
    "resolve_method",
    "runs_without_labels",
    "methods_without_proxy",
    "methods_not_reading",
    "methods_taking",
    "check_method_params",
]


_REGISTRY: dict[str, SelectionMethod] = {}


def register_method(
    method: SelectionMethod | str,
    rank: RankFn | None = None,
    *,
    needs: str | Iterable[str] | None = None,
    needs_all_labels: bool = False,
    params: Iterable[str] = (),
    hooks: Mapping[str, Callable] | None = None,
    weigh: Callable | None = None,
    blockwise: Callable | None = None,
) -> Any:
    """Add (or replace) a method in the registry.

    Three forms: ``register_method(SelectionMethod(...))``; ``register_method(name, rank,
    needs=...)``; or as a decorator, ``@register_method(name, needs=...)`` over ``rank``.

    Parameters
    ----------
    method : SelectionMethod or str
        A method, or the name of the method to build.
    rank : callable, default=None
        ``rank(ctx) -> (order, scores)``; omitted in the decorator form.
    needs, needs_all_labels, params, hooks
        As in :class:`SelectionMethod`.
    weigh, blockwise : callable, default=None
        Shorthands for ``hooks={"weigh": ..., "blockwise": ...}``.

    Returns
    -------
    SelectionMethod, or (decorator form) the decorated function unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.methods import register_method, order_by_score, available_methods
    >>> @register_method("doc_max_proba", needs={"proba"})
    ... def rank(ctx):
    ...     scores = ctx.outputs.proba[ctx.candidates].max(axis=1)   # most confident first
    ...     return order_by_score(ctx.candidates, scores, ctx.rng), scores
    >>> "doc_max_proba" in available_methods()
    True
    """
    if isinstance(method, SelectionMethod):
        _REGISTRY[method.name] = method
        return method
    hooks = dict(hooks or {})
    for name, hook in (("weigh", weigh), ("blockwise", blockwise)):
        if hook is not None:
            hooks[name] = hook
    options = dict(
        needs=needs, needs_all_labels=needs_all_labels, params=frozenset(params), hooks=hooks
    )
    if rank is None:

        def decorate(fn: RankFn) -> RankFn:
            register_method(SelectionMethod(method, rank=fn, **options))
            return fn

        return decorate
    return register_method(SelectionMethod(method, rank=rank, **options))


def available_methods(*, all_labeled: bool = True) -> list[str]:
    """Names of registered methods (without those that need every row labeled when
    ``all_labeled=False``).

    Parameters
    ----------
    all_labeled : bool, default=True
        Whether every row is labeled (core-set selection). False leaves out the methods that
        need all labels (the training-dynamics scores), which active learning cannot run.

    Returns
    -------
    names : list of str
        Sorted method names.

    Examples
    --------
    >>> from svpkit.methods import available_methods
    >>> names = available_methods()
    >>> "kcenters" in names, "el2n" in names
    (True, True)
    >>> "el2n" in available_methods(all_labeled=False)  # EL2N needs every row labeled
    False
    """
    return sorted(m.name for m in _REGISTRY.values() if all_labeled or not m.needs_all_labels)


def get_method(name: str, *, all_labeled: bool = True) -> SelectionMethod:
    """Look a method up, with an error that lists the valid names.

    Parameters
    ----------
    name : str
        A registered method name.
    all_labeled : bool, default=True
        Whether every row is labeled; with False, a method that needs all labels is refused.

    Returns
    -------
    method : SelectionMethod

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        When ``name`` is not registered, or needs every row labeled while ``all_labeled`` is
        False (a ``ValueError``).

    Examples
    --------
    >>> from svpkit.methods import get_method
    >>> get_method("kcenters").needs
    frozenset({'embedding'})
    >>> try:
    ...     get_method("el2n", all_labeled=False)
    ... except ValueError as error:
    ...     print(str(error).split(" Choose")[0])
    method='el2n' is not available here. 'el2n' needs every row labeled: use CoresetSelector.
    """
    method = _REGISTRY.get(name) if isinstance(name, str) else None
    if method is None or (method.needs_all_labels and not all_labeled):
        hint = ""
        if method is not None:
            hint = f" {name!r} needs every row labeled: use CoresetSelector."
        raise InvalidParameterError(
            f"method={name!r} is not available here.{hint} Choose one of "
            f"{available_methods(all_labeled=all_labeled)}."
        )
    return method


def resolve_method(method: SelectionMethod, regime: Regime) -> SelectionMethod:
    """The method that runs in ``regime``: ``method`` itself, or the one it stands for.

    Examples
    --------
    >>> from svpkit.methods import Regime, get_method, resolve_method
    >>> cold = Regime(n_labeled=0, n_classes=0, n_candidates=1000, n_select=10,
    ...               candidates_labeled=False)
    >>> resolve_method(get_method("auto"), cold).name
    'typiclust'
    >>> resolve_method(get_method("margin"), cold).name
    'margin'
    """
    return resolve_with_reason(method, regime)[0]


def resolve_with_reason(
    method: SelectionMethod, regime: Regime
) -> tuple[SelectionMethod, str | None]:
    """:func:`resolve_method`, and the reason the ``resolve`` hook gave for its choice (None
    when it gave none, or ``method`` stands for no other)."""
    resolve = method.hook("resolve")
    if resolve is None:
        return method, None
    answer = resolve(regime)
    name, reason = answer if isinstance(answer, tuple) else (answer, None)
    return (method if name == method.name else get_method(name)), reason


def runs_without_labels(method: SelectionMethod) -> bool:
    """Whether ``method`` (or, for a method that stands for others, the one it runs with no
    label yet) can select from a pool where no row is labeled.

    Examples
    --------
    >>> from svpkit.methods import get_method, runs_without_labels
    >>> runs_without_labels(get_method("auto")), runs_without_labels(get_method("margin"))
    (True, False)
    """
    cold = Regime(0, 0, 1, 1, candidates_labeled=False)
    return not resolve_method(method, cold).needs_proxy(0)


def methods_without_proxy(
    *, all_labeled: bool = True, n_labeled: int = 0, excluding: Iterable[str] = ()
) -> str:
    """The methods that can run without training a proxy (no labeled row, or labeled rows of a
    single class) and without a parameter of their own, as text for error messages that name
    the fix (e.g. ``"method='kcenters' or method='random'"``).

    Parameters
    ----------
    all_labeled : bool, default=True
        As in :func:`available_methods`.
    n_labeled : int, default=0
        Labeled rows (of one class when there are any).
    excluding : iterable of str, default=()
        Methods to leave out (the one that just failed).

    Returns
    -------
    text : str

    Examples
    --------
    >>> from svpkit.methods import methods_without_proxy
    >>> fix = methods_without_proxy(all_labeled=False)
    >>> print(f"No row is labeled yet: use {fix}.")  # doctest: +ELLIPSIS
    No row is labeled yet: use method='auto' or method='kcenters' or ... or method='typiclust'.
    >>> "auto" in methods_without_proxy(n_labeled=500)  # core-set auto trains a proxy
    False
    """
    regime = Regime(n_labeled, min(1, n_labeled), 1, 1, candidates_labeled=n_labeled > 0)
    excluded = set(excluding)
    names = [
        m
        for m in available_methods(all_labeled=all_labeled)
        if m not in excluded
        and not resolve_method(_REGISTRY[m], regime).needs_proxy(n_labeled)
        and _runs_without_params(_REGISTRY[m])
        and not _REGISTRY[m].needs & GIVEN_OUTPUTS
    ]
    return " or ".join(f"method={m!r}" for m in names)


def _runs_without_params(method: SelectionMethod) -> bool:
    """Whether the method's ``check`` hook accepts no parameter at all (targeted does not)."""
    check = method.hook("check")
    try:
        if check is not None:
            check({})
    except ValueError:
        return False
    return True


def methods_not_reading(output: str) -> str:
    """The methods that do not read ``output``, as text for error messages.

    Parameters
    ----------
    output : str
        One of :data:`OUTPUTS`.

    Returns
    -------
    text : str

    Examples
    --------
    >>> from svpkit.methods import methods_not_reading
    >>> text = methods_not_reading("embedding")
    >>> "method='margin'" in text, "method='kcenters'" in text
    (True, False)
    """
    names = [
        m
        for m in available_methods()
        if output not in _REGISTRY[m].needs and not _REGISTRY[m].needs & GIVEN_OUTPUTS
    ]
    return " or ".join(f"method={m!r}" for m in names)


def methods_reading_only(outputs: Iterable[str], *, all_labeled: bool = True) -> str:
    """The methods that read nothing but ``outputs`` (and the pool's own features), as text
    for error messages: what runs on outputs passed to ``fit``, or on a frozen proxy (no
    training dynamics).

    Examples
    --------
    >>> from svpkit.methods import methods_reading_only
    >>> text = methods_reading_only({"embedding"})
    >>> "method='kcenters'" in text, "method='margin'" in text
    (True, False)
    """
    allowed = set(outputs) | {"features"}
    names = [
        m
        for m in available_methods(all_labeled=all_labeled)
        if _REGISTRY[m].needs <= allowed
        and _REGISTRY[m].hook("resolve") is None
        and _runs_without_params(_REGISTRY[m])
    ]
    return " or ".join(f"method={m!r}" for m in names)


def methods_taking(param: str) -> str:
    """The methods that declare ``param``, as text for error messages (``""`` when none).

    Examples
    --------
    >>> from svpkit.methods import methods_taking
    >>> methods_taking("query")
    "method='targeted'"
    """
    names = [m for m in available_methods() if param in _REGISTRY[m].params]
    return " or ".join(f"method={m!r}" for m in names)


def check_method_params(method: SelectionMethod, given: Mapping[str, Any]) -> None:
    """Refuse, by name, a method parameter given to a method that does not declare it (the
    method's own ``check`` hook then validates what it declared, once the selector has
    resolved the values).

    Parameters
    ----------
    method : SelectionMethod
        The method the user named (before a method that stands for others resolves).
    given : mapping of str to object
        The method parameters the user set (those left at None are left out).

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        For a parameter ``method`` does not declare (a ``ValueError``).

    Examples
    --------
    >>> from svpkit.methods import check_method_params, get_method
    >>> check_method_params(get_method("targeted"), {"query": [3, 4]})
    >>> try:
    ...     check_method_params(get_method("margin"), {"query": [3, 4]})
    ... except ValueError as error:
    ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
    query= is read by method='targeted' only; method='margin' would ignore it. Drop it or use
    method='targeted'.
    """
    undeclared = [name for name in given if name not in method.params]
    if undeclared:
        takers = " or ".join(dict.fromkeys(filter(None, map(methods_taking, undeclared))))
        names = ", ".join(f"{name}=" for name in undeclared)
        verb = "is" if len(undeclared) == 1 else "are"
        pronoun = "it" if len(undeclared) == 1 else "them"
        raise InvalidParameterError(
            f"{names} {verb} read by {takers or 'no registered method'} only; "
            f"method={method.name!r} would ignore {pronoun}. Drop {pronoun}"
            + (f" or use {takers}." if takers else ".")
        )
