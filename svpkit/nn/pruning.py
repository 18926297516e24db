"""Train a skorch net on fewer rows while it trains: dynamic pruning and a random-subset baseline.

- :class:`DynamicPruning` (InfoBatch, Qin et al., ICLR 2024): each epoch, rows whose last loss
  is below the mean are dropped at random with ratio ``prune_ratio``; the kept low-loss rows'
  loss is scaled by ``1 / (1 - prune_ratio)`` so the expected gradient is that of the full
  epoch; the last ``anneal`` share of epochs trains on every row.
- :class:`RandomSubsetEachEpoch` (RS2, Okanovic et al., ICLR 2024): a fresh random share of
  the rows each epoch, drawn without replacement across epochs.

Both are callbacks for any ``skorch.NeuralNet``. During ``fit`` they feed the training
DataLoader through a sampler they control (``iterator_train__sampler``), and DynamicPruning
patches the net's criterion to read per-row losses from the training forward pass (no extra
forward) and to apply the rescaling. Both are restored when training ends, so the net's
parameters, ``clone`` and pickling are unaffected.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import torch
from skorch.callbacks import Callback
from torch import nn

from ._overrides import override_during_fit, restore_after_fit

__all__ = ["DynamicPruning", "RandomSubsetEachEpoch"]


class _EpochSampler(torch.utils.data.Sampler):
    """Yields the row order its callback planned for the current epoch."""

    def __init__(self) -> None:
        self.order = np.empty(0, dtype=np.int64)

    def __iter__(self):
        return iter(self.order.tolist())

    def __len__(self) -> int:
        return len(self.order)


def _reweighted_forward(criterion: nn.Module, owner: _EpochSubset):
    """A ``forward`` for the net's own criterion instance, per row: it records the losses and
    multiplies them by the planned row weights.

    Installed on the instance (not a wrapper module), so ``isinstance`` checks on the criterion
    still hold (skorch's classifier takes the log of probabilities for ``NLLLoss``). The reduction
    the user configured is kept: ``mean`` (divided by the summed class weights when the criterion
    has them, as torch does), ``sum``, or ``none`` (per-row values handed back, e.g. to a
    ``get_loss`` that applies ``sample_weight``).
    """
    original = criterion.forward

    def forward(y_pred: torch.Tensor, y_true: torch.Tensor, *args: Any, **kwargs: Any):
        rows = owner.batch_rows_for(len(y_true))
        if rows is None:  # validation, or a call outside a planned training batch
            return original(y_pred, y_true, *args, **kwargs)
        reduction = getattr(criterion, "reduction", "mean")
        criterion.reduction = "none"
        try:
            per_row = original(y_pred, y_true, *args, **kwargs)
        finally:
            criterion.reduction = reduction
        owner.record_losses(rows, per_row.detach())
        weights = torch.as_tensor(owner.weights_[rows], dtype=per_row.dtype)
        weighted = per_row * weights.to(per_row.device)
        if reduction == "none":
            return weighted
        if reduction == "sum":
            return weighted.sum()
        class_weight = getattr(criterion, "weight", None)
        if class_weight is not None:
            return weighted.sum() / class_weight[y_true].sum()
        return weighted.mean()

    return forward


class _EpochSubset(Callback):
    """Shared plumbing: the epoch's rows through a sampler, row weights, ``net.history``.

    skorch treats every attribute not ending in ``_`` as a parameter (``clone`` passes it to
    ``__init__``), so all state lives in ``..._`` attributes.
    """

    def __init__(self, random_state: int | None = None) -> None:
        self.random_state = random_state

    # -- what subclasses decide ------------------------------------------------------------
    def _plan(self, epoch: int, n_epochs: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Rows for this epoch (unsorted: the sampler shuffles) and their loss weights
        (None: all 1)."""
        raise NotImplementedError

    def _needs_losses(self) -> bool:
        return False

    # -- skorch hooks ------------------------------------------------------------------------
    def on_train_begin(self, net: Any, X: Any = None, y: Any = None, **kwargs: Any) -> None:
        self.n_rows_ = len(net.get_dataset(X, y)) if X is not None else 0
        if getattr(net, "train_split", None) is not None:
            raise ValueError(
                f"{type(self).__name__} needs train_split=None: it plans epochs over the row ids "
                "of the training data, and an internal split would renumber them. Hold out "
                "validation data yourself (e.g. skorch.helper.predefined_split is not supported)."
            )
        self.rng_ = np.random.RandomState(self.random_state)
        self.epoch_ = 0
        self.n_epochs_ = int(net.max_epochs)
        self.weights_ = np.ones(self.n_rows_, dtype=np.float32)
        self.sampler_ = _EpochSampler()
        self.saved_params_ = override_during_fit(
            net,
            iterator_train__sampler=self.sampler_,
            iterator_train__shuffle=False,  # the sampler shuffles
        )
        self.patched_criterion_ = None
        if self._needs_losses():
            self.patched_criterion_ = net.criterion_
            self.patched_criterion_.forward = _reweighted_forward(self.patched_criterion_, self)
        self.cursor_ = None

    def on_epoch_begin(self, net: Any, **kwargs: Any) -> None:
        rows, weights = self._plan(self.epoch_, self.n_epochs_)
        self.weights_[:] = 1.0
        if weights is not None:
            self.weights_[rows] = weights
        self.sampler_.order = self.rng_.permutation(np.asarray(rows, dtype=np.int64))
        self.cursor_ = 0
        self.epoch_start_ = time.perf_counter()

    def on_batch_begin(self, net: Any, batch: Any = None, training: bool = False, **kw) -> None:
        self.in_training_batch_ = bool(training)

    def batch_rows_for(self, n: int) -> np.ndarray | None:
        if not getattr(self, "in_training_batch_", False) or self.cursor_ is None:
            return None
        rows = self.sampler_.order[self.cursor_ : self.cursor_ + n]
        if len(rows) != n:
            raise RuntimeError("the training batches do not follow this callback's sampler.")
        self.cursor_ += n
        self.in_training_batch_ = False  # one criterion call per training batch
        return rows

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        net.history.record("rows_used", int(len(self.sampler_.order)))
        net.history.record("epoch_seconds", time.perf_counter() - self.epoch_start_)
        self.epoch_ += 1

    def on_train_end(self, net: Any, **kwargs: Any) -> None:
        restore_after_fit(net, self.saved_params_)
        if self.patched_criterion_ is not None:
            del self.patched_criterion_.forward  # back to the class's forward
        self.patched_criterion_ = None
        self.sampler_ = None  # the plan is not part of the fitted net

    def record_losses(self, rows: np.ndarray, losses: torch.Tensor) -> None:
        pass

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("patched_criterion_", None)  # a fitted net holds its own criterion
        return state


class DynamicPruning(_EpochSubset):
    """InfoBatch-style dynamic data pruning for any skorch net (a callback).

    Each epoch, rows whose loss at their last visit is below the mean of those losses are
    dropped at random with probability ``prune_ratio``; the low-loss rows that stay have their
    loss multiplied by ``1 / (1 - prune_ratio)``, so the expected gradient equals the full
    epoch's (Qin et al., "InfoBatch", ICLR 2024). Rows not visited yet are never dropped. The
    last ``anneal`` share of the epochs trains on every row, unweighted, which InfoBatch found
    removes the remaining bias. Losses come from the training forward pass itself, through a
    wrapper around the net's criterion during ``fit`` (no extra forward).

    Parameters
    ----------
    prune_ratio : float in [0, 1), default=0.5
        Probability of dropping a well-learned (below-mean loss) row in an epoch.
    anneal : float in [0, 1], default=0.125
        Share of the final epochs that use every row (InfoBatch's default 0.875 cut-off).
    random_state : int or None, default=None
        Seeds which rows are dropped and the order of each epoch's rows.

    Attributes
    ----------
    losses_ : ndarray of shape (n_rows,)
        Each training row's loss at its last visit (NaN: never visited).

    Notes
    -----
    ``net.history`` gets ``rows_used`` (rows in each epoch) and ``epoch_seconds``. The net
    must have ``train_split=None`` (row ids must be those of the training data). The
    criterion must support ``reduction="none"`` (every torch loss does).

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.nn import DynamicPruning, ProxyNet
    >>> X = np.random.RandomState(0).randn(400, 5).astype("float32"); y = (X[:, 0] > 0)
    >>> net = ProxyNet(max_epochs=8, callbacks=[("prune", DynamicPruning(0.5, random_state=0))])
    >>> rows = net.fit(X, y).history[:, "rows_used"]
    >>> rows[0], rows[-1], min(rows) < 400
    (400, 400, True)
    """

    def __init__(
        self, prune_ratio: float = 0.5, anneal: float = 0.125, random_state: int | None = None
    ) -> None:
        super().__init__(random_state=random_state)
        self.prune_ratio = prune_ratio
        self.anneal = anneal

    def _needs_losses(self) -> bool:
        return True

    def on_train_begin(self, net: Any, X: Any = None, y: Any = None, **kwargs: Any) -> None:
        if not 0.0 <= float(self.prune_ratio) < 1.0:
            raise ValueError(f"prune_ratio must be in [0, 1); got {self.prune_ratio!r}.")
        if not 0.0 <= float(self.anneal) <= 1.0:
            raise ValueError(f"anneal must be in [0, 1]; got {self.anneal!r}.")
        super().on_train_begin(net, X=X, y=y, **kwargs)
        self.losses_ = np.full(self.n_rows_, np.nan, dtype=np.float32)

    def _plan(self, epoch: int, n_epochs: int) -> tuple[np.ndarray, np.ndarray | None]:
        everything = np.arange(self.n_rows_)
        r = float(self.prune_ratio)
        if epoch >= math.floor(n_epochs * (1.0 - float(self.anneal))) or r == 0.0:
            return everything, None
        seen = ~np.isnan(self.losses_)
        if not seen.any():
            return everything, None
        well_learned = seen & (self.losses_ < self.losses_[seen].mean())
        dropped = well_learned & (self.rng_.random_sample(self.n_rows_) < r)
        kept = np.flatnonzero(~dropped)
        weights = np.where(well_learned[kept], 1.0 / (1.0 - r), 1.0).astype(np.float32)
        return kept, weights

    def record_losses(self, rows: np.ndarray, losses: torch.Tensor) -> None:
        self.losses_[rows] = losses.float().cpu().numpy()


class RandomSubsetEachEpoch(_EpochSubset):
    """RS2 (Okanovic et al., ICLR 2024): a fresh random share of the rows every epoch.

    Rows are drawn without replacement across epochs (one shuffled pass over the data is
    spread over consecutive epochs, then a new shuffle), the variant the paper recommends. No
    loss is reweighted. The baseline any dynamic method must beat at the same row visits.

    Parameters
    ----------
    fraction : float in (0, 1], default=0.5
        Share of the rows each epoch trains on (rounded up).
    random_state : int or None, default=None

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.nn import ProxyNet, RandomSubsetEachEpoch
    >>> X = np.random.RandomState(0).randn(300, 4).astype("float32"); y = X[:, 1] > 0
    >>> cb = RandomSubsetEachEpoch(0.3, random_state=0)
    >>> net = ProxyNet(max_epochs=3, callbacks=[("rs2", cb)]).fit(X, y)
    >>> net.history[:, "rows_used"]
    [90, 90, 90]
    """

    def __init__(self, fraction: float = 0.5, random_state: int | None = None) -> None:
        super().__init__(random_state=random_state)
        self.fraction = fraction

    def on_train_begin(self, net: Any, X: Any = None, y: Any = None, **kwargs: Any) -> None:
        if not 0.0 < float(self.fraction) <= 1.0:
            raise ValueError(f"fraction must be in (0, 1]; got {self.fraction!r}.")
        super().on_train_begin(net, X=X, y=y, **kwargs)
        self.rs2_pass_ = np.empty(0, dtype=np.int64)

    def _plan(self, epoch: int, n_epochs: int) -> tuple[np.ndarray, np.ndarray | None]:
        size = max(1, math.ceil(float(self.fraction) * self.n_rows_ - 1e-9))
        if len(self.rs2_pass_) < size:  # start a new pass, keeping what is left of the old one
            fresh = self.rng_.permutation(self.n_rows_)
            fresh = fresh[~np.isin(fresh, self.rs2_pass_)]
            self.rs2_pass_ = np.concatenate([self.rs2_pass_, fresh])
        rows, self.rs2_pass_ = self.rs2_pass_[:size], self.rs2_pass_[size:]
        return rows, None
