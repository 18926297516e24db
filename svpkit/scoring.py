"""Scoring kernels: pure functions from model outputs to per-row scores.

Convention everywhere in svpkit: a larger score means *more informative*, i.e. selected first.
The kernels work on row chunks so that no temporary larger than ``chunk_rows x n_classes`` is
ever allocated (whole-matrix temporaries of a 1M x 1000 probability matrix cost gigabytes).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import entr

__all__ = [
    "least_confidence",
    "entropy",
    "margin",
    "ForgettingCounter",
    "forgetting_scores",
]

_CHUNK_ROWS = 65536


def _check_proba(proba: ArrayLike) -> np.ndarray:
    proba = np.asarray(proba)
    if proba.ndim != 2 or proba.shape[1] < 1:
        raise ValueError(
            f"proba must be a 2-D array of shape (n_samples, n_classes); got shape {proba.shape}."
        )
    if not np.issubdtype(proba.dtype, np.floating):
        proba = proba.astype(np.float64)
    return proba


def _row_chunks(n: int):
    chunk_rows = _CHUNK_ROWS  # read at call time so tests can shrink it
    for start in range(0, n, chunk_rows):
        yield slice(start, min(start + chunk_rows, n))


def least_confidence(proba: ArrayLike) -> np.ndarray:
    """Least-confidence uncertainty: ``1 - max_c p(c | x)``.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Predicted class probabilities, rows summing to one.

    Returns
    -------
    scores : ndarray of shape (n_samples,)
        Larger means less confident, i.e. more informative.

    Examples
    --------
    >>> from svpkit.scoring import least_confidence
    >>> least_confidence([[0.9, 0.1], [0.5, 0.5]]).round(2)
    array([0.1, 0.5])
    """
    proba = _check_proba(proba)
    out = np.empty(proba.shape[0], dtype=proba.dtype)
    for rows in _row_chunks(proba.shape[0]):
        np.subtract(1.0, proba[rows].max(axis=1), out=out[rows])
    return out


def margin(proba: ArrayLike) -> np.ndarray:
    """Margin uncertainty: ``1 - (p_top1 - p_top2)``.

    A small gap between the two most likely classes means the model is torn, so the score is
    large. With a single class column the margin is taken against zero.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Predicted class probabilities.

    Returns
    -------
    scores : ndarray of shape (n_samples,)
        Larger means a smaller margin, i.e. more informative.

    Examples
    --------
    >>> from svpkit.scoring import margin
    >>> margin([[0.7, 0.2, 0.1], [0.4, 0.35, 0.25]]).round(2)
    array([0.5 , 0.95])
    """
    proba = _check_proba(proba)
    out = np.empty(proba.shape[0], dtype=proba.dtype)
    if proba.shape[1] == 1:
        np.subtract(1.0, proba[:, 0], out=out)
        return out
    for rows in _row_chunks(proba.shape[0]):
        block = proba[rows]
        # Two-max pass: memory-bound and ~4x faster than np.partition on wide rows.
        top_idx = block.argmax(axis=1)
        top = np.take_along_axis(block, top_idx[:, None], axis=1)[:, 0]
        masked = block.copy()
        np.put_along_axis(masked, top_idx[:, None], -np.inf, axis=1)
        second = masked.max(axis=1)
        out[rows] = 1.0 - (top - second)
    return out


def entropy(proba: ArrayLike) -> np.ndarray:
    """Predictive entropy ``-sum_c p log p`` in nats, with ``0 log 0 = 0``.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Predicted class probabilities. Exact zeros are allowed and contribute nothing (no NaN).

    Returns
    -------
    scores : ndarray of shape (n_samples,)
        Larger means more uncertain.

    Examples
    --------
    >>> from svpkit.scoring import entropy
    >>> entropy([[1.0, 0.0], [0.5, 0.5]]).round(4)
    array([0.    , 0.6931])
    """
    proba = _check_proba(proba)
    out = np.empty(proba.shape[0], dtype=proba.dtype)
    for rows in _row_chunks(proba.shape[0]):
        # scipy.special.entr is -x log x with entr(0) == 0, so zeros never become NaN.
        out[rows] = entr(proba[rows]).sum(axis=1)
    return out


class ForgettingCounter:
    """Incremental forgetting-event counts (Toneva et al., 2019), O(n) memory.

    A *forgetting event* is a change from correct to incorrect between two consecutive
    presentations of the same example. Examples that were never classified correctly are
    "unlearned" and rank above every learned one; among learned examples, more forgetting
    events rank higher; examples learned and never forgotten rank last.

    Parameters
    ----------
    n_samples : int
        Number of tracked examples.

    Attributes
    ----------
    counts_ : ndarray of shape (n_samples,)
        Forgetting events per example.
    ever_correct_ : ndarray of shape (n_samples,)
        Whether the example was ever classified correctly.
    presentations_ : ndarray of shape (n_samples,)
        How many times each example was seen.

    Examples
    --------
    >>> from svpkit.scoring import ForgettingCounter
    >>> c = ForgettingCounter(3)
    >>> c.update([0, 1, 2], [True, True, False])
    >>> c.update([0, 1, 2], [False, True, False])
    >>> c.scores()
    array([ 1.,  0., inf])
    """

    def __init__(self, n_samples: int) -> None:
        self.n_samples = int(n_samples)
        self.prev_correct_ = np.zeros(self.n_samples, dtype=bool)
        self.counts_ = np.zeros(self.n_samples, dtype=np.int64)
        self.ever_correct_ = np.zeros(self.n_samples, dtype=bool)
        self.presentations_ = np.zeros(self.n_samples, dtype=np.int64)

    def update(self, indices: ArrayLike, correct: ArrayLike) -> None:
        """Record one presentation of ``indices`` with their correctness."""
        indices = np.asarray(indices, dtype=np.int64)
        correct = np.asarray(correct, dtype=bool)
        seen_before = self.presentations_[indices] > 0
        forgot = seen_before & self.prev_correct_[indices] & ~correct
        np.add.at(self.counts_, indices[forgot], 1)
        self.prev_correct_[indices] = correct
        self.ever_correct_[indices] |= correct
        np.add.at(self.presentations_, indices, 1)

    def scores(self) -> np.ndarray:
        """Forgetting scores: the counts, with ``inf`` for never-learned examples."""
        scores = self.counts_.astype(np.float64)
        scores[~self.ever_correct_] = np.inf
        return scores


def forgetting_scores(correct_history: ArrayLike) -> np.ndarray:
    """Forgetting scores from a correctness history.

    Parameters
    ----------
    correct_history : array-like of bool, shape (n_presentations, n_samples)
        ``correct_history[t, i]`` tells whether example ``i`` was classified correctly at its
        ``t``-th presentation (e.g. once per epoch).

    Returns
    -------
    scores : ndarray of shape (n_samples,)
        Number of forgetting events (correct -> incorrect between consecutive presentations);
        ``inf`` for examples never classified correctly, so they rank first.

    Examples
    --------
    >>> from svpkit.scoring import forgetting_scores
    >>> forgetting_scores([[1, 0, 0], [0, 1, 0], [1, 0, 0]])
    array([ 1.,  1., inf])
    """
    history = np.asarray(correct_history, dtype=bool)
    if history.ndim != 2:
        raise ValueError(
            "correct_history must be 2-D, shape (n_presentations, n_samples); "
            f"got shape {history.shape}."
        )
    counter = ForgettingCounter(history.shape[1])
    everyone = np.arange(history.shape[1])
    for row in history:
        counter.update(everyone, row)
    return counter.scores()
