"""Scoring kernels: pure functions from model outputs to per-row scores.

Convention everywhere in svpkit: a larger score means *more informative*, i.e. selected first.
The kernels work on row chunks so that no temporary larger than ``chunk_rows x n_classes`` is
ever allocated (whole-matrix temporaries of a 1M x 1000 probability matrix cost gigabytes).
The chunk arithmetic runs in torch on the CPU: its ``entr``, ``topk`` and ``amax`` use every
core, where numpy's ufuncs use one (``benchmarks/scoring.py``: 2.5-4x faster on 2 cores).
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "least_confidence",
    "entropy",
    "margin",
    "label_entropy",
    "ForgettingCounter",
    "forgetting_scores",
]

_CHUNK_ROWS = 65536
# Chunks of ~16 MB (float32) stay in cache between the kernel's passes; at 1000 classes,
# 65536-row chunks made entropy 2x slower than 4096-row ones.
_CHUNK_ELEMENTS = 1 << 22


def _check_proba(proba: ArrayLike) -> np.ndarray:
    proba = np.asarray(proba)
    if proba.ndim != 2 or proba.shape[1] < 1:
        raise ValueError(
            f"proba must be a 2-D array of shape (n_samples, n_classes); got shape {proba.shape}."
        )
    if not np.issubdtype(proba.dtype, np.floating):
        proba = proba.astype(np.float64)
    return proba


def _row_chunks(n: int, n_cols: int):
    # read at call time so tests can shrink it
    chunk_rows = max(1, min(_CHUNK_ROWS, _CHUNK_ELEMENTS // max(n_cols, 1)))
    for start in range(0, n, chunk_rows):
        yield slice(start, min(start + chunk_rows, n))


def _chunks(proba: np.ndarray, out: np.ndarray):
    """Yield ``(chunk, out_chunk)`` torch views of each row chunk and of ``out``.

    No copy unless a chunk is not C-contiguous; read-only inputs (``np.memmap`` opened with
    ``mode="r"``) are never written, so torch's warning about them does not apply.
    """
    import torch  # here, not at import: `import svpkit` stays light (torch takes seconds)

    out_t = torch.from_numpy(out)
    for rows in _row_chunks(proba.shape[0], proba.shape[1]):
        block = np.ascontiguousarray(proba[rows])
        if block.flags.writeable:  # the common case; the warning filter costs ~10 us a call
            tensor = torch.from_numpy(block)
        else:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
                tensor = torch.from_numpy(block)
        yield tensor, out_t[rows]


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
    >>> from svpkit.kernels.scoring import least_confidence
    >>> least_confidence([[0.9, 0.1], [0.5, 0.5]]).round(2)
    array([0.1, 0.5])
    """
    proba = _check_proba(proba)
    out = np.empty(proba.shape[0], dtype=proba.dtype)
    import torch

    for block, dest in _chunks(proba, out):
        torch.sub(1.0, block.amax(dim=1), out=dest)
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
    >>> from svpkit.kernels.scoring import margin
    >>> margin([[0.7, 0.2, 0.1], [0.4, 0.35, 0.25]]).round(2)
    array([0.5 , 0.95])
    """
    proba = _check_proba(proba)
    out = np.empty(proba.shape[0], dtype=proba.dtype)
    if proba.shape[1] == 1:
        np.subtract(1.0, proba[:, 0], out=out)
        return out
    import torch

    for block, dest in _chunks(proba, out):
        # topk(2) is one memory-bound pass; np.partition or a sort is 4-20x slower.
        top2 = torch.topk(block, 2, dim=1, sorted=True).values
        torch.sub(1.0, top2[:, 0] - top2[:, 1], out=dest)
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
    >>> from svpkit.kernels.scoring import entropy
    >>> entropy([[1.0, 0.0], [0.5, 0.5]]).round(4)
    array([0.    , 0.6931])
    """
    proba = _check_proba(proba)
    out = np.empty(proba.shape[0], dtype=proba.dtype)
    import torch

    for block, dest in _chunks(proba, out):
        # entr is -x log x with entr(0) == 0, so zeros never become NaN.
        torch.sum(torch.special.entr(block), dim=1, out=dest)
    return out


def label_entropy(label_proba: ArrayLike, reduce: str = "mean") -> np.ndarray:
    """Multi-label uncertainty: the binary entropy of every label's probability, in nats,
    combined per row by its mean or its maximum.

    The mean asks how unsure the model is about a row's label set as a whole; the maximum how
    unsure it is about the row's most doubtful label. Least confidence over labels,
    ``max_l min(p_l, 1 - p_l)``, orders rows exactly as the maximum does (binary entropy
    rises with ``min(p, 1 - p)``), so it has no kernel of its own.

    Parameters
    ----------
    label_proba : array-like of shape (n_samples, n_labels)
        Probability that each label applies (columns need not sum to one).
    reduce : {"mean", "max"}, default="mean"

    Returns
    -------
    scores : ndarray of shape (n_samples,)
        Larger means more uncertain; 0 for a row whose labels are all certain.

    Examples
    --------
    >>> from svpkit.kernels.scoring import label_entropy
    >>> label_entropy([[0.5, 1.0], [0.9, 0.9]]).round(4)
    array([0.3466, 0.3251])
    >>> label_entropy([[0.5, 1.0], [0.9, 0.9]], reduce="max").round(4)
    array([0.6931, 0.3251])
    """
    if reduce not in ("mean", "max"):
        raise ValueError(f"reduce must be 'mean' or 'max'; got {reduce!r}.")
    proba = _check_proba(label_proba)
    out = np.empty(proba.shape[0], dtype=proba.dtype)
    import torch

    for block, dest in _chunks(proba, out):
        # entr(0) == 0: a certain label (p = 0 or 1) contributes nothing, never NaN
        per_label = torch.special.entr(block) + torch.special.entr(1.0 - block)
        if reduce == "mean":
            torch.mean(per_label, dim=1, out=dest)
        else:
            torch.amax(per_label, dim=1, out=dest)
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
    >>> from svpkit.kernels.scoring import ForgettingCounter
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
    >>> from svpkit.kernels.scoring import forgetting_scores
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
