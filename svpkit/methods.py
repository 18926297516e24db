"""The selection methods, registered in one place.

A method turns what the proxy produced for a pool (:class:`PoolOutputs`) into an order over the
candidate rows. Selectors never branch on method names: they ask the registry what a method needs
(probabilities, embeddings, forgetting counts, or nothing) and call its ``rank`` function. New
methods are added with :func:`register_method`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from . import scoring
from .kcenters import assign_to_centers, greedy_kcenters

__all__ = ["PoolOutputs", "SelectionMethod", "register_method", "get_method", "available_methods"]

Need = Literal["proba", "embedding", "forgetting", "nothing"]


@dataclass
class PoolOutputs:
    """What a trained proxy says about every row of a pool.

    Attributes
    ----------
    proba : ndarray of shape (n_rows, n_classes) or None
    embedding : ndarray of shape (n_rows, n_embed) or None
        Penultimate-layer embeddings, or the (flattened) input features when the proxy has none.
    forgetting : ndarray of shape (n_rows,) or None
        Forgetting scores of the rows the proxy trained on (NaN elsewhere).
    """

    proba: np.ndarray | None = None
    embedding: np.ndarray | None = None
    forgetting: np.ndarray | None = None


#: rank(outputs, candidates, n_select, existing, rng) -> (order, scores)
#: ``order``: candidate row ids, best first (may stop after ``n_select`` for costly methods);
#: ``scores``: one score per entry of ``candidates`` (larger = keep first; NaN = not ranked).
RankFn = Callable[
    [PoolOutputs, np.ndarray, int, np.ndarray, np.random.RandomState],
    tuple[np.ndarray, np.ndarray],
]


@dataclass(frozen=True)
class SelectionMethod:
    """A registered selection method.

    Attributes
    ----------
    name : str
    needs : {"proba", "embedding", "forgetting", "nothing"}
        What the method reads from the proxy.
    rank : callable
        See ``RankFn`` in this module.
    coreset_only : bool
        True when it needs every row labeled and the proxy's training dynamics (forgetting).
    weigh : callable or None
        ``weigh(outputs, candidates, selected) -> weights``: one weight per selected row (e.g.
        k-centers cluster sizes, usable as ``sample_weight``), or None when the method has no
        natural weighting.
    """

    name: str
    needs: Need
    rank: RankFn
    coreset_only: bool = False
    weigh: Callable[[PoolOutputs, np.ndarray, np.ndarray], np.ndarray] | None = None

    @property
    def needs_proxy(self) -> bool:
        return self.needs in ("proba", "forgetting")


_REGISTRY: dict[str, SelectionMethod] = {}


def register_method(method: SelectionMethod) -> SelectionMethod:
    """Add (or replace) a method in the registry; returns it."""
    _REGISTRY[method.name] = method
    return method


def available_methods(*, coreset: bool = True) -> list[str]:
    """Names of registered methods (without core-set-only ones when ``coreset=False``)."""
    return sorted(m.name for m in _REGISTRY.values() if coreset or not m.coreset_only)


def get_method(name: str, *, coreset: bool = True) -> SelectionMethod:
    """Look a method up, with an error that lists the valid names."""
    method = _REGISTRY.get(name) if isinstance(name, str) else None
    if method is None or (method.coreset_only and not coreset):
        hint = ""
        if method is not None:
            hint = f" {name!r} needs every row labeled: use CoresetSelector."
        raise ValueError(
            f"method={name!r} is not available here.{hint} Choose one of "
            f"{available_methods(coreset=coreset)}."
        )
    return method


def order_by_score(
    candidates: np.ndarray, scores: np.ndarray, rng: np.random.RandomState
) -> np.ndarray:
    """Candidates sorted by decreasing score; exact ties broken at random (seeded)."""
    tie_break = rng.permutation(len(candidates))
    return candidates[np.lexsort((tie_break, -scores))]


def _uncertainty(kernel: Callable[[np.ndarray], np.ndarray]) -> RankFn:
    def rank(outputs, candidates, n_select, existing, rng):
        scores = kernel(outputs.proba[candidates]).astype(np.float64)
        return order_by_score(candidates, scores, rng), scores

    return rank


def _rank_forgetting(outputs, candidates, n_select, existing, rng):
    scores = outputs.forgetting[candidates]
    return order_by_score(candidates, scores, rng), scores


def _rank_random(outputs, candidates, n_select, existing, rng):
    scores = rng.random_sample(len(candidates))
    return order_by_score(candidates, scores, rng), scores


def _rank_kcenters(outputs, candidates, n_select, existing, rng):
    # The traversal costs O(n) per pick, so only the ``n_select`` needed picks are made.
    rows = np.concatenate([existing, candidates])
    features = outputs.embedding[rows]
    picks, radii = greedy_kcenters(
        features,
        n_select,
        already_selected=np.arange(len(existing)) if len(existing) else None,
        random_state=rng,
    )
    # Score of a pick = its distance to the nearest earlier center when it was picked.
    pick_dist = np.empty(len(picks))
    if len(picks):
        if len(existing):
            diff = features[: len(existing)] - features[picks[0]]
            pick_dist[0] = np.sqrt(np.einsum("ij,ij->i", diff, diff).min())
        else:
            pick_dist[0] = np.inf
        pick_dist[1:] = radii[:-1]
    scores = np.full(len(candidates), np.nan)
    scores[picks - len(existing)] = pick_dist
    return rows[picks], scores


def _weigh_kcenters(outputs, candidates, selected):
    """Cluster sizes: how many candidate rows have each selected row as nearest center."""
    rows = np.union1d(candidates, selected)
    position = np.searchsorted(rows, selected)
    assignment, _ = assign_to_centers(outputs.embedding[rows], position)
    return np.bincount(assignment[np.isin(rows, candidates)], minlength=len(selected)).astype(
        np.float64
    )


register_method(
    SelectionMethod("least_confidence", "proba", _uncertainty(scoring.least_confidence))
)
register_method(SelectionMethod("entropy", "proba", _uncertainty(scoring.entropy)))
register_method(SelectionMethod("margin", "proba", _uncertainty(scoring.margin)))
register_method(SelectionMethod("kcenters", "embedding", _rank_kcenters, weigh=_weigh_kcenters))
register_method(SelectionMethod("forgetting", "forgetting", _rank_forgetting, coreset_only=True))
register_method(SelectionMethod("random", "nothing", _rank_random))
