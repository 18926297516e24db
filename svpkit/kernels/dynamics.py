"""Training-dynamics kernels: per-row scores from what a proxy did while it trained.

A :class:`TrainingDynamics` holds, for every recorded epoch and training row, four float16
channels read from the row's own training forward pass (its *presentation*, train mode, as
forgetting events are counted in Toneva et al., 2019, and as TDDS and DUAL record them):

- ``p_true``: the probability of the true class;
- ``margin``: ``p_true`` minus the largest other class probability (> 0 iff correct);
- ``error``: the EL2N error norm ``||softmax - onehot(y)||_2``;
- ``kl_step``: ``|sum_c p_t,c (log p_t,c - log p_t-1,c)|``, the row's KL contribution between
  its presentations in consecutive epochs (NaN in the first epoch).

That is 8 bytes per row per epoch (``BYTES_PER_ROW_EPOCH``). A row not presented in an epoch
(e.g. under per-epoch subset training) holds NaN there. Every function below is pure and reads
only these arrays; the convention is svpkit's: a larger score means *keep first*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .scoring import ForgettingCounter

__all__ = [
    "TrainingDynamics",
    "BYTES_PER_ROW_EPOCH",
    "CHANNELS",
    "forgetting_from_dynamics",
    "forgetting_counter",
    "el2n_scores",
    "aum_scores",
    "dyn_unc_scores",
    "tdds_scores",
    "dual_scores",
]

CHANNELS = ("p_true", "margin", "error", "kl_step")
BYTES_PER_ROW_EPOCH = 2 * len(CHANNELS)


@dataclass
class TrainingDynamics:
    """Per-epoch statistics of every training row (arrays of shape ``(n_epochs, n_rows)``).

    Attributes
    ----------
    p_true, margin, error, kl_step : ndarray of float16, shape (n_epochs, n_rows)
        The channels described in :mod:`svpkit.kernels.dynamics`.
    rows : ndarray of int or None
        Which pool row each column belongs to (None: column ``i`` is row ``i``).

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.dynamics import TrainingDynamics
    >>> d = TrainingDynamics.empty(n_epochs=3, n_rows=4)
    >>> d.n_epochs, d.n_rows, d.nbytes
    (3, 4, 96)
    """

    p_true: np.ndarray
    margin: np.ndarray
    error: np.ndarray
    kl_step: np.ndarray
    rows: np.ndarray | None = None

    @classmethod
    def empty(cls, n_epochs: int, n_rows: int, *, directory: str | None = None):
        """NaN-filled channels, in memory or (``directory`` given) as memmaps in it."""
        arrays = []
        for name in CHANNELS:
            if directory is None:
                arr = np.full((n_epochs, n_rows), np.nan, dtype=np.float16)
            else:
                import tempfile

                handle = tempfile.NamedTemporaryFile(
                    dir=directory, prefix=f"dynamics-{name}-", suffix=".f16", delete=False
                )
                arr = np.memmap(handle, dtype=np.float16, mode="w+", shape=(n_epochs, n_rows))
                arr[:] = np.nan
            arrays.append(arr)
        return cls(*arrays)

    @property
    def n_epochs(self) -> int:
        return int(self.p_true.shape[0])

    @property
    def n_rows(self) -> int:
        return int(self.p_true.shape[1])

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in CHANNELS)

    def first_epochs(self, n_epochs: int) -> TrainingDynamics:
        """The same rows over the first ``n_epochs`` epochs only."""
        return TrainingDynamics(
            *(getattr(self, name)[:n_epochs] for name in CHANNELS), rows=self.rows
        )

    def take(self, rows: ArrayLike) -> TrainingDynamics:
        """The columns of the given pool rows (an error names rows that were not trained on)."""
        rows = np.asarray(rows, dtype=np.int64)
        if self.rows is None:
            cols = rows
        else:
            order = np.argsort(self.rows, kind="stable")
            cols = order[np.minimum(np.searchsorted(self.rows, rows, sorter=order), len(order) - 1)]
            missing = self.rows[cols] != rows
            if missing.any():
                raise ValueError(
                    f"{int(missing.sum())} rows have no training dynamics (the proxy did not "
                    "train on them); dynamics scores need every ranked row in proxy training."
                )
        return TrainingDynamics(
            *(np.asarray(getattr(self, name)[:, cols]) for name in CHANNELS), rows=rows
        )


def _f32(channel: np.ndarray) -> np.ndarray:
    return np.asarray(channel, dtype=np.float32)


def _check_epochs(dynamics: TrainingDynamics, needed: int, what: str) -> None:
    if dynamics.n_epochs < needed:
        raise ValueError(
            f"{what} needs training dynamics over at least {needed} epochs; the proxy recorded "
            f"{dynamics.n_epochs}. Train the proxy longer (max_epochs)."
        )


def forgetting_from_dynamics(dynamics: TrainingDynamics) -> np.ndarray:
    """Forgetting scores (Toneva et al., 2019) from the recorded margins.

    Correct at a presentation means ``margin > 0``; epochs where a row was not presented (NaN)
    are skipped. Never-learned rows score ``inf``.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.dynamics import TrainingDynamics, forgetting_from_dynamics
    >>> d = TrainingDynamics.empty(3, 3)
    >>> d.margin[:] = [[0.5, -0.2, -0.1], [-0.3, 0.4, -0.1], [0.2, 0.1, -0.3]]
    >>> forgetting_from_dynamics(d)
    array([ 1.,  0., inf])
    """
    return forgetting_counter(dynamics).scores()


def forgetting_counter(dynamics: TrainingDynamics) -> ForgettingCounter:
    """The :class:`~svpkit.kernels.scoring.ForgettingCounter` replayed from the margins."""
    counter = ForgettingCounter(dynamics.n_rows)
    for epoch in range(dynamics.n_epochs):
        margin = _f32(dynamics.margin[epoch])
        seen = np.flatnonzero(~np.isnan(margin))
        counter.update(seen, margin[seen] > 0)
    return counter


def el2n_scores(dynamics: TrainingDynamics, n_epochs: int | None = None) -> np.ndarray:
    """EL2N (Paul et al., 2021): the error-vector norm averaged over the first epochs.

    The paper reads it early in training (epoch 20 of 200) averaged over ten runs; here the
    average over the first ``n_epochs`` recorded epochs (default: the first half, at least one)
    plays the role of the snapshots. Hard rows (large error) score highest.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.dynamics import TrainingDynamics, el2n_scores
    >>> d = TrainingDynamics.empty(4, 2)
    >>> d.error[:] = [[1.0, 0.2], [0.8, 0.2], [0.0, 0.0], [0.0, 0.0]]
    >>> el2n_scores(d).round(3).tolist()
    [0.9, 0.2]
    """
    if n_epochs is None:
        n_epochs = max(1, dynamics.n_epochs // 2)
    return np.nanmean(_f32(dynamics.error[:n_epochs]), axis=0).astype(np.float64)


def aum_scores(dynamics: TrainingDynamics) -> np.ndarray:
    """Negated AUM (Pleiss et al., 2020): ``-mean_t margin_t``, so hard rows score highest.

    The margin is in probabilities (true class minus the best other class), as in the TDDS and
    DUAL reference code; mislabeled rows have the most negative AUM and the highest score, which
    is why a top-k cut of this score keeps them and ``sampler="ccs"`` drops them first.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.dynamics import TrainingDynamics, aum_scores
    >>> d = TrainingDynamics.empty(2, 2)
    >>> d.margin[:] = [[0.5, -0.5], [0.7, -0.1]]
    >>> aum_scores(d).round(3).tolist()
    [-0.6, 0.3]
    """
    return -np.nanmean(_f32(dynamics.margin), axis=0).astype(np.float64)


def _windows(n_epochs: int, window: int):
    for start in range(n_epochs - window + 1):
        yield slice(start, start + window)


def _windowed(dynamics: TrainingDynamics, window: int, what: str, fn) -> np.ndarray:
    window = min(window, dynamics.n_epochs)
    _check_epochs(dynamics, 2, what)
    p = _f32(dynamics.p_true)
    parts = [fn(p[w]) for w in _windows(dynamics.n_epochs, window)]
    return np.nanmean(np.stack(parts), axis=0).astype(np.float64)


def dyn_unc_scores(dynamics: TrainingDynamics, window: int = 10) -> np.ndarray:
    """Dyn-Unc (He et al., CVPRW 2024): the mean over sliding windows of the standard deviation
    of the true-class probability. Rows whose prediction keeps changing score highest.

    ``window`` is capped at the number of recorded epochs (at least 2 are needed).

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.dynamics import TrainingDynamics, dyn_unc_scores
    >>> d = TrainingDynamics.empty(3, 2)
    >>> d.p_true[:] = [[0.9, 0.1], [0.9, 0.9], [0.9, 0.1]]
    >>> (dyn_unc_scores(d, window=2) > 0).tolist()
    [False, True]
    """
    return _windowed(dynamics, window, "dyn_unc", lambda w: np.nanstd(w, axis=0, ddof=1))


def dual_scores(
    dynamics: TrainingDynamics, window: int = 10, n_epochs: int | None = None
) -> np.ndarray:
    """DUAL (Cho et al., ICML 2025): the mean over sliding windows of
    ``std(p_true) * (1 - mean(p_true))``: uncertain *and* difficult rows score highest.

    The paper reads only the first 30 of 200 epochs; ``n_epochs`` limits the epochs used
    (default: all recorded, since a proxy's run is already short).

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.dynamics import TrainingDynamics, dual_scores
    >>> d = TrainingDynamics.empty(3, 3)
    >>> d.p_true[:] = [[0.2, 0.6, 0.9], [0.4, 0.8, 0.95], [0.2, 0.6, 0.9]]
    >>> np.argsort(-dual_scores(d, window=2)).tolist()   # hard and unstable first
    [0, 1, 2]
    """
    if n_epochs is not None:
        dynamics = dynamics.first_epochs(n_epochs)

    def score(w):
        return np.nanstd(w, axis=0, ddof=1) * (1 - np.nanmean(w, axis=0))

    return _windowed(dynamics, window, "dual", score)


def tdds_scores(dynamics: TrainingDynamics, window: int = 10, decay: float = 0.9) -> np.ndarray:
    """TDDS (Zhang et al., CVPR 2024): the variability of each row's KL contributions.

    Inside every sliding window of ``window`` consecutive epoch-to-epoch KL steps, the L2 norm of
    the steps' deviations from their window mean; the windows are combined by the paper's
    exponential weighting ``decay * (1 - decay) ** (n_windows - 1 - k)`` (the latest windows
    weigh most). Rows whose predictions move irregularly score highest. The reference code
    evaluates every window on the first epochs (its loop index is unused); here window ``k``
    covers steps ``k .. k + window - 1``, as the paper describes.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.dynamics import TrainingDynamics, tdds_scores
    >>> d = TrainingDynamics.empty(4, 2)
    >>> d.kl_step[1:] = [[0.1, 0.0], [0.5, 0.0], [0.1, 0.0]]
    >>> (tdds_scores(d, window=2) > 0).tolist()
    [True, False]
    """
    steps = _f32(dynamics.kl_step[1:])  # epoch 0 has no previous epoch
    if len(steps) < 2:
        _check_epochs(dynamics, 3, "tdds")
    window = min(window, len(steps))
    n_windows = len(steps) - window + 1
    total = np.zeros(steps.shape[1], dtype=np.float64)
    for k, w in enumerate(_windows(len(steps), window)):
        part = steps[w]
        deviation = part - np.nanmean(part, axis=0)
        weight = decay * (1 - decay) ** (n_windows - 1 - k)
        total += weight * np.sqrt(np.nansum(deviation**2, axis=0))
    return total
