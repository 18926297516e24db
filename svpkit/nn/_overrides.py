"""Training-loop settings a callback swaps in for one fit and restores afterwards.

Callbacks that take over a skorch net's DataLoader (:mod:`~svpkit.nn.pruning`,
:mod:`~svpkit.nn.rho_loss`) set ``iterator_train__*`` attributes on the net when training
begins and put the user's values back when it ends, so ``get_params``, ``clone`` and pickling
see the net as the user built it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["override_during_fit", "restore_after_fit"]


_MISSING = object()


def override_during_fit(net: Any, **params: Any) -> dict[str, Any]:
    """Set ``iterator_train__*``-style attributes on ``net`` for one fit (skorch reads them when
    it builds the DataLoader); returns what :func:`restore_after_fit` needs to undo it, so the
    user's net, its ``get_params`` and ``clone`` are unchanged after training."""
    saved = {key: net.__dict__.get(key, _MISSING) for key in params}
    for key, value in params.items():
        setattr(net, key, value)
    return saved


def restore_after_fit(net: Any, saved: dict[str, Any]) -> None:
    """Undo :func:`override_during_fit`."""
    for key, value in saved.items():
        if value is _MISSING:
            net.__dict__.pop(key, None)
        else:
            setattr(net, key, value)
