"""skorch classifiers for proxies and targets, and one-pass probabilities + embeddings."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from numbers import Integral
from typing import Any

import numpy as np
import scipy.sparse
import torch
from sklearn.base import clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from skorch import NeuralNetClassifier
from skorch.dataset import Dataset
from torch import nn
from torch.utils.data import DataLoader
from torch.utils.data import Dataset as TorchDataset

from .._validation import ProxyOutputCheck, is_image_folder, is_text, n_classes_of
from ..utils import derive_seed, resolve_device, torch_seed_scope
from .augment import resolve_augment
from .callbacks import SAMPLE_IDX_KEY, DynamicsRecorder, PreciseBatchNorm
from .modules import MLP

__all__ = [
    "ProxyNet",
    "make_default_proxy",
    "make_image_proxy",
    "make_proxy",
    "predict_proba_and_embed",
]


def _to_float32(X: Any) -> Any:
    """Cast what users pass (float64 arrays, DataFrames, int arrays) to float32 for torch.

    uint8 arrays and tensors are pixels: they stay uint8 (a quarter of the memory) and
    :meth:`ProxyNet.infer` scales each batch to ``[0, 1]``. An
    :class:`~svpkit.images.ImageFolder` becomes its uint8 pixels."""
    if isinstance(X, Mapping):
        return {k: (_to_float32(v) if k == "X" else v) for k, v in X.items()}
    if is_image_folder(X):
        return X.pixels()
    if isinstance(X, torch.Tensor):
        if X.dtype == torch.uint8:
            return X
        return X.float() if X.is_floating_point() or X.dtype != torch.float32 else X
    if hasattr(X, "to_numpy"):  # pandas
        return X.to_numpy(dtype=np.float32)
    if isinstance(X, np.ndarray) and X.dtype not in (np.float32, np.uint8):
        return X.astype(np.float32)
    return X


def as_float_batch(x: torch.Tensor) -> torch.Tensor:
    """A batch as the module reads it: uint8 pixels scaled to ``[0, 1]`` float32 (the
    convention of torchvision's ``ToTensor``), anything else unchanged."""
    if isinstance(x, torch.Tensor) and x.dtype == torch.uint8:
        return x.float().div_(255.0)
    return x


class _DatasetRows(TorchDataset):
    """A map-style dataset's items as ``(x, encoded label)`` (``x`` a tensor, float32 unless
    uint8 pixels), with the row id beside ``x`` when training dynamics are recorded: what
    skorch's loops read, so a Dataset trains exactly as the same rows in an array would."""

    def __init__(self, dataset: Any, y_enc: np.ndarray | None, with_index: bool) -> None:
        self.dataset, self.y_enc, self.with_index = dataset, y_enc, with_index

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> tuple[Any, Any]:
        x = _item_input(self.dataset[i])
        y = 0 if self.y_enc is None else self.y_enc[i]
        return ({"X": x, SAMPLE_IDX_KEY: i} if self.with_index else x), y


def _item_input(item: Any) -> torch.Tensor:
    """The input of one dataset item (``x`` or ``(x, y, ...)``) as a tensor; a PIL image
    (a torchvision-style dataset without a transform) as uint8 ``C x H x W``."""
    x = item[0] if isinstance(item, (tuple, list)) else item
    if type(x).__module__.startswith("PIL."):
        pixels = np.array(x)  # a copy: Pillow's buffer is read-only
        x = pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)
    x = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x)
    if x.dtype == torch.uint8:
        return x
    return x.float() if x.dtype != torch.float32 else x


def dataset_labels(dataset: Any) -> np.ndarray:
    """The labels of a map-style dataset: its ``targets`` (or ``labels``) attribute where it
    has one row per item, else the second element of every item (which reads every item)."""
    for name in ("targets", "labels"):
        values = getattr(dataset, name, None)
        if values is not None and not callable(values) and len(values) == len(dataset):
            return np.asarray(values)
    labels = []
    for i in range(len(dataset)):
        item = dataset[i]
        if not (isinstance(item, (tuple, list)) and len(item) >= 2):
            raise ValueError(
                "the dataset's items carry no label (an item is x, not (x, y)) and y is None; "
                "pass the labels as y"
            )
        label = item[1]
        labels.append(label.item() if isinstance(label, torch.Tensor) else label)
    return np.asarray(labels)


def is_map_dataset(X: Any) -> bool:
    """Whether ``X`` is a map-style torch Dataset that is not an image folder (those are read
    as their pixel arrays)."""
    return isinstance(X, TorchDataset) and not is_image_folder(X) and hasattr(X, "__len__")


def _dataset_shape(dataset: Any) -> tuple[int, ...]:
    return (len(dataset), *tuple(_item_input(dataset[0]).shape))


def _has_sparse(X: Mapping) -> bool:
    return any(scipy.sparse.issparse(v) for v in X.values())


class _SparseRowsDataset(Dataset):
    """skorch's Dataset densifies a sparse X row by row, but not inside a dict; this does."""

    def transform(self, X: Any, y: Any):
        if isinstance(X, Mapping):
            X = {
                k: (v.toarray().squeeze(0) if scipy.sparse.issparse(v) else v) for k, v in X.items()
            }
        return super().transform(X, y)


class ProxyNet(NeuralNetClassifier):
    """A skorch classifier for data selection: logits for training, embeddings for k-centers.

    Differences from :class:`skorch.NeuralNetClassifier`, all of them things users otherwise
    trip over:

    - the module returns ``(logits, embedding)``; the loss uses the logits
      (``CrossEntropyLoss``) and :func:`predict_proba_and_embed` reads both in one pass;
    - input is cast to float32 and labels of any type (strings included) are encoded, with
      ``predict`` mapping back to the original labels; uint8 input is pixels, kept uint8 and
      scaled to ``[0, 1]`` batch by batch;
    - ``X`` may be an :class:`~svpkit.images.ImageFolder` or any map-style
      :class:`torch.utils.data.Dataset` (items ``x`` or ``(x, y)``; with ``y=None`` the labels
      come from the dataset);
    - ``augment="crop_flip"`` augments training batches (random crop with 4 pixels of padding
      and horizontal flip, seeded by ``random_state``); off by default;
    - module size arguments left unset (``n_features``, ``in_channels``, ``n_classes``) are
      inferred from the data in ``fit``;
    - ``device="auto"`` picks CUDA when available, else CPU, resolved at fit time (an unfitted
      net pickles, deep-copies and clones with ``"auto"`` kept); ``train_split=None`` and
      ``verbose=0`` by default, because the selector (or scikit-learn's CV) does the splitting;
    - ``random_state`` seeds weight initialisation, batch shuffling and dropout, so two fits
      with the same seed give the same net;
    - ``max_epochs`` under 1 is refused in ``fit`` (skorch would return an untrained net,
      which as a proxy ranks with its random initial weights);
    - training batches are shuffled (skorch's default is not to), and BatchNorm statistics are
      recomputed with the final weights after training (:class:`~svpkit.nn.PreciseBatchNorm`);
    - with a :class:`~svpkit.nn.DynamicsRecorder` (or :class:`~svpkit.nn.ForgettingTracker`)
      callback, row ids are threaded through the batches so training dynamics can be recorded
      per example.

    Parameters
    ----------
    module : torch.nn.Module class, default=MLP
        Module returning ``(logits, embedding)`` (or just logits; embeddings are then read from
        the input of the last ``nn.Linear``).
    random_state : int, RandomState instance or None, default=None
        Seeds torch for the whole of ``fit`` (in a scope that restores the caller's global
        torch RNG afterwards). ``None`` uses torch's global RNG, as skorch does.
    augment : None, "crop_flip" or callable, default=None
        Augmentation of training batches of images (``(n, C, H, W)`` tensors, scaled to
        ``[0, 1]``): see :func:`svpkit.nn.augment.crop_flip`. Never applied in inference.
    criterion, optimizer, lr, max_epochs, batch_size, train_split, verbose, device, **kwargs
        As in :class:`skorch.NeuralNetClassifier`, with the defaults listed above.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from svpkit.nn import ProxyNet
    >>> X, y = load_iris(return_X_y=True)
    >>> net = ProxyNet(max_epochs=5, lr=0.01).fit(X, y)
    >>> net.predict_proba(X[:2]).shape
    (2, 3)
    """

    def __init__(
        self,
        module: type[nn.Module] | nn.Module = MLP,
        *args: Any,
        criterion: type[nn.Module] = nn.CrossEntropyLoss,
        optimizer: type[torch.optim.Optimizer] = torch.optim.Adam,
        lr: float = 1e-3,
        train_split: Any = None,
        verbose: int = 0,
        device: str = "auto",
        random_state: int | np.random.RandomState | None = None,
        augment: Any = None,
        **kwargs: Any,
    ) -> None:
        # skorch's DataLoader does not shuffle unless told to; SGD (and forgetting counts,
        # which assume shuffled presentations) want shuffled batches.
        kwargs.setdefault("iterator_train__shuffle", True)
        super().__init__(
            module,
            *args,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            train_split=train_split,
            verbose=verbose,
            device=device,
            **kwargs,
        )
        self.random_state = random_state
        self.augment = augment

    @property
    def _default_callbacks(self):
        return [*super()._default_callbacks, ("precise_bn", PreciseBatchNorm())]

    # -- data handling -------------------------------------------------------------------
    def initialize(self) -> ProxyNet:
        # skorch reads self.device everywhere, so "auto" is resolved in place here; the
        # requested value is remembered (trailing underscore: skorch treats other attributes as
        # parameters) so get_params/clone still report what the user asked.
        if self.device == "auto":
            self.requested_device_ = "auto"
        self.device = resolve_device(self.device)
        return super().initialize()

    def __setstate__(self, state: dict[str, Any]) -> None:
        # skorch maps the stored tensors to ``state["device"]``, which must be a real device:
        # an unfitted net still holds "auto" (resolved here for loading, kept as the request).
        # A net fitted with "auto" loads onto what this machine has, without skorch's warning.
        requested = state.get("requested_device_") or state.get("device")
        keep_auto = state.get("device") == "auto"
        if requested == "auto":
            state = {**state, "device": resolve_device("auto")}
        super().__setstate__(state)
        if keep_auto:
            self.device = "auto"

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        params = super().get_params(deep=deep)
        requested = getattr(self, "requested_device_", None)
        if requested is not None and "device" in params:
            params["device"] = requested
        return params

    def set_params(self, **kwargs: Any) -> ProxyNet:
        if "device" in kwargs:
            self.requested_device_ = None
        return super().set_params(**kwargs)

    def as_module_input(self, X: Any) -> Any:
        """``X`` as the module reads it: float32 here (subclasses convert other inputs, e.g.
        :class:`~svpkit.nn.TextProxyNet` hashes strings into n-gram ids)."""
        return _to_float32(X)

    def get_dataset(self, X: Any, y: Any = None):
        X = self.as_module_input(X)
        if is_map_dataset(X) and not isinstance(X, _DatasetRows):
            return _DatasetRows(X, None, False)  # inference on a user's Dataset
        if isinstance(X, Mapping) and self.dataset is Dataset and _has_sparse(X):
            return _SparseRowsDataset(X, y)  # row ids beside a sparse pool (forgetting)
        return super().get_dataset(X, y)

    def infer(self, x: Any, **fit_params: Any):
        if isinstance(x, Mapping) and SAMPLE_IDX_KEY in x:
            x = x["X"]  # row ids are for the DynamicsRecorder, not the module
        x = as_float_batch(x)
        augment = resolve_augment(self.augment)
        if augment is not None and self.module_.training:
            x = augment(x)
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred: Any, y_true: Any, X: Any = None, training: bool = False):
        if isinstance(y_pred, (tuple, list)):
            y_pred = y_pred[0]
        return super().get_loss(y_pred, y_true, X=X, training=training)

    def _tracks_forgetting(self) -> bool:
        for cb in self.callbacks or []:
            cb = cb[1] if isinstance(cb, tuple) else cb
            if isinstance(cb, DynamicsRecorder):
                return True
        return False

    def _infer_module_dims(self, X: Any, n_classes: int) -> dict[str, int]:
        shape = _dataset_shape(X) if is_map_dataset(X) else tuple(X.shape)
        dims = {"n_classes": n_classes, "n_features": int(np.prod(shape[1:]))}
        image_shape = self.get_params_for("module").get("image_shape")
        if image_shape is not None:
            dims["in_channels"] = int(image_shape[0])
        elif len(shape) >= 3:
            dims["in_channels"] = int(shape[1])
        return dims

    def get_params_for(self, prefix: str) -> dict[str, Any]:
        params = super().get_params_for(prefix)
        dims = getattr(self, "module_dims_", None)
        if prefix == "module" and dims and isinstance(self.module, type):
            accepted = inspect.signature(self.module).parameters
            for name, value in dims.items():
                if name in accepted and name not in params:
                    params[name] = value
        return params

    def fit(self, X: Any, y: Any = None, **fit_params: Any) -> ProxyNet:
        """Fit on ``X`` (any float-convertible array, an image folder or a map-style torch
        Dataset) and labels ``y`` of any type (None: the labels an image folder or a dataset
        carries)."""
        resolve_augment(self.augment)  # a bad value fails before any training
        check_max_epochs(self)
        if y is None:
            if is_image_folder(X) and X.labels is not None:
                y = X.labels
            elif is_map_dataset(X):
                y = dataset_labels(X)
            else:
                raise ValueError("ProxyNet.fit needs labels y.")
        X = self.as_module_input(X)
        y = np.asarray(y)
        self.label_encoder_ = LabelEncoder().fit(y)
        y_enc = self.label_encoder_.transform(y).astype(np.int64)
        self.module_dims_ = self._infer_module_dims(X, len(self.label_encoder_.classes_))
        if is_map_dataset(X):  # labels travel inside the dataset (skorch wants y=None there)
            X, y_enc = _DatasetRows(X, y_enc, self._tracks_forgetting()), None
        elif self._tracks_forgetting():
            X = {"X": X, SAMPLE_IDX_KEY: np.arange(len(y_enc))}
        if self.random_state is None:
            return super().fit(X, y_enc, **fit_params)
        # One scope for initialisation, shuffling and dropout: all draw from torch's global RNG.
        # An int is the torch seed itself (what svpkit's fit_seeded used before nets had one).
        rs = self.random_state
        seed = int(rs) if isinstance(rs, Integral) else derive_seed(check_random_state(rs))
        with torch_seed_scope(seed):
            return super().fit(X, y_enc, **fit_params)

    @property
    def classes_(self) -> np.ndarray:
        encoder = getattr(self, "label_encoder_", None)
        if encoder is not None:
            return encoder.classes_
        return super().classes_

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels, in the label type given to ``fit``."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def check_max_epochs(net: Any) -> None:
    """Refuse a net that would train no epoch (``max_epochs`` under 1): as a proxy it would
    rank with its random initial weights.

    Examples
    --------
    >>> from svpkit.nn import make_default_proxy
    >>> from svpkit.nn.net import check_max_epochs
    >>> check_max_epochs(make_default_proxy(max_epochs=0))
    Traceback (most recent call last):
    ...
    ValueError: ProxyNet(max_epochs=0) would not train at all...
    """
    epochs = getattr(net, "max_epochs", None)
    if isinstance(epochs, bool) or not isinstance(epochs, Integral) or epochs < 1:
        raise ValueError(
            f"{type(net).__name__}(max_epochs={epochs!r}) would not train at all, and a proxy "
            "with its initial random weights ranks the rows at random while looking informed. "
            "Set max_epochs to an int of 1 or more."
        )


def check_trained(net: Any) -> None:
    """Refuse a fitted skorch net whose history holds no epoch (it never trained).

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.nn import make_default_proxy
    >>> from svpkit.nn.net import check_trained
    >>> X = np.random.RandomState(0).randn(20, 3).astype("float32")
    >>> check_trained(make_default_proxy(max_epochs=1).fit(X, X[:, 0] > 0))  # trained: fine
    """
    history = getattr(net, "history", None)
    if history is not None and len(history) == 0:
        raise ValueError(
            f"proxy {type(net).__name__} trained no epoch (its history is empty after fit; "
            f"max_epochs={getattr(net, 'max_epochs', None)!r}), so it would rank the rows with "
            "its initial random weights. Set max_epochs to 1 or more."
        )


def nonfinite_loss_epoch(net: Any) -> int | None:
    """The first epoch (1-based) whose training loss (skorch's ``train_loss``) is NaN or
    inf, or None when every recorded one is finite.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.nn import make_default_proxy
    >>> from svpkit.nn.net import nonfinite_loss_epoch
    >>> X = np.random.RandomState(0).randn(20, 3).astype("float32")
    >>> print(nonfinite_loss_epoch(make_default_proxy(max_epochs=2).fit(X, X[:, 0] > 0)))
    None
    """
    for epoch, row in enumerate(getattr(net, "history", None) or [], start=1):
        loss = row.get("train_loss") if hasattr(row, "get") else None
        if loss is not None and not np.isfinite(float(loss)):
            return epoch
    return None


def make_default_proxy(**params: Any) -> ProxyNet:
    """The default proxy: a one-hidden-layer MLP that trains in seconds on 2-D data.

    Parameters
    ----------
    **params
        Overrides of the defaults (``max_epochs=10``, ``lr=1e-3``, ``batch_size=64``,
        ``module__hidden_units=(128,)``).

    Returns
    -------
    proxy : ProxyNet

    Examples
    --------
    >>> from svpkit.nn import make_default_proxy
    >>> make_default_proxy(max_epochs=3).max_epochs
    3
    """
    defaults: dict[str, Any] = {
        "max_epochs": 10,
        "lr": 1e-3,
        "batch_size": 64,
        "module__hidden_units": (128,),
    }
    defaults.update(params)
    proxy = ProxyNet(MLP, **defaults)
    # skorch defers checking parameter names to initialize(); fail here, at the typo.
    valid = {
        name
        for cls in type(proxy).__mro__
        if "__init__" in vars(cls)
        for name in inspect.signature(cls.__init__).parameters
    }
    unknown = [
        k
        for k in params
        if k not in valid
        and not any(
            k.startswith(f"{p}__") for p in [*proxy.prefixes_, "module", "criterion", "optimizer"]
        )
    ]
    if unknown:
        raise ValueError(
            f"make_default_proxy got unknown parameters {unknown}; pass ProxyNet parameters "
            "(max_epochs, lr, batch_size, ...) or prefixed ones such as module__hidden_units."
        )
    return proxy


def make_image_proxy(**params: Any) -> ProxyNet:
    """The default proxy for image pools: a small CNN trained for a few epochs.

    :class:`~svpkit.nn.SmallCNN` of width 16 (three 3x3 convolution blocks, about 25,000
    weights), Adam at ``lr=1e-3``, batches of 128, 5 epochs, no augmentation (it would change
    the training dynamics that core-set methods read). On 32x32 RGB images it trains at about
    2,400 images a second on two CPU cores, several times cheaper per image than a CIFAR
    ResNet20 (the SVP recipe: a smaller net, fewer epochs).

    Parameters
    ----------
    **params
        Overrides (``max_epochs``, ``lr``, ``batch_size``, ``module__width``, ...).

    Returns
    -------
    proxy : ProxyNet

    Examples
    --------
    >>> from svpkit.nn import make_image_proxy
    >>> proxy = make_image_proxy(max_epochs=2)
    >>> proxy.module.__name__, proxy.module__width, proxy.max_epochs
    ('SmallCNN', 16, 2)
    """
    from .modules import SmallCNN

    defaults: dict[str, Any] = {
        "max_epochs": 5,
        "lr": 1e-3,
        "batch_size": 128,
        "module__width": 16,
    }
    defaults.update(params)
    return ProxyNet(SmallCNN, **defaults)


def make_proxy(target: Any, **params: Any) -> Any:
    """Derive a proxy from a target: ``clone(target).set_params(**params)``.

    This is the SVP paper's recipe in one line: the same model with fewer epochs, or a
    smaller architecture.

    Parameters
    ----------
    target : estimator
        An (unfitted or fitted) estimator, typically a skorch net.
    **params
        Parameters to change on the clone, e.g. ``max_epochs=3`` or ``module__depth=20``.

    Returns
    -------
    proxy : estimator
        An unfitted clone.

    Examples
    --------
    >>> from svpkit import make_proxy
    >>> from svpkit.nn import ProxyNet, ResNet
    >>> target = ProxyNet(ResNet, module__depth=56, max_epochs=50)
    >>> proxy = make_proxy(target, module__depth=20, max_epochs=5)
    >>> proxy.module__depth, proxy.max_epochs, target.module__depth
    (20, 5, 56)
    """
    return clone(target).set_params(**params)


class _Capture:
    """Forward hook storing the input of a layer (a class, so it pickles, unlike a lambda)."""

    def __init__(self, store: list) -> None:
        self.store = store

    def __call__(self, _module, inputs, _output) -> None:
        self.store.append(inputs[0])


def _last_linear(module: nn.Module) -> nn.Linear | None:
    last = None
    for sub in module.modules():
        if isinstance(sub, nn.Linear):
            last = sub
    return last


def _inference_batches(net: NeuralNetClassifier, X: Any, progress: Any = None):
    """Module outputs batch by batch, in eval mode without gradients.

    Plain arrays (memory-mapped ones included) and scipy sparse matrices are sliced directly
    into contiguous batches (sparse ones densified one batch at a time): skorch's DataLoader
    gathers rows one by one, which is slow on large pools. Anything else (dicts, tensors,
    datasets) goes through skorch's own ``forward_iter``. ``progress(n_rows)`` is called after
    each sliced batch. Each batch becomes module input on its own (float32, or a text net's
    n-gram ids), so a memory-mapped float64 pool or a list of texts is never converted whole.
    """
    module_input = getattr(net, "as_module_input", _to_float32)
    if is_text(X) and not isinstance(X, np.ndarray):
        X = np.array(list(X), dtype=object)  # sliced below, hashed batch by batch
    sparse = scipy.sparse.issparse(X)
    if not (isinstance(X, np.ndarray) or sparse):
        X = module_input(X)  # e.g. a DataFrame becomes an array, an image folder its pixels
    n = X.shape[0] if hasattr(X, "shape") else len(X)
    loader_params = net.get_params_for("iterator_valid")
    batch = loader_params.get("batch_size", net.batch_size)
    batch = n if batch in (None, -1) else max(int(batch), 1024)
    if is_map_dataset(X):
        # A Dataset is read through a DataLoader (its workers decode in parallel), in the
        # batches an array of the same rows would be sliced into, so both give equal outputs.
        workers = int(loader_params.get("num_workers", 0))
        loader = DataLoader(
            _DatasetRows(X, None, False), batch_size=batch, shuffle=False, num_workers=workers
        )
        net.module_.eval()
        with torch.no_grad():
            for x, _ in loader:
                yield net.infer(x.to(net.device))
                if progress is not None:
                    progress(len(x))
        return
    if not (isinstance(X, np.ndarray) or sparse):
        yield from net.forward_iter(X, training=False)
        return
    net.module_.eval()
    with torch.no_grad():
        for start in range(0, n, batch):
            rows = X[start : start + batch]
            # a copy per batch: read-only (memory-mapped) pools cannot back a torch tensor
            rows = rows.toarray() if sparse else np.array(rows, copy=True)
            yield net.infer(torch.from_numpy(module_input(rows)).to(net.device))
            if progress is not None:
                progress(len(rows))


def _allocate_in_memory(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    return np.empty(shape, dtype=dtype)


def predict_proba_and_embed(
    net: NeuralNetClassifier,
    X: Any,
    *,
    embed: bool = True,
    predict: bool = True,
    embedding_out: Any = None,
    progress: Any = None,
    allocate: Any = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Class probabilities and penultimate embeddings of a fitted skorch net in one pass.

    Outputs are written batch by batch into preallocated arrays, so peak memory is the two
    outputs plus one batch.

    Parameters
    ----------
    net : skorch.NeuralNetClassifier
        A fitted net. If its module returns ``(logits, embedding)`` the embedding is used;
        otherwise the input of the module's last ``nn.Linear`` is captured with a hook.
    X : array-like
        Rows to score.
    embed : bool, default=True
        Whether to collect embeddings at all.
    predict : bool, default=True
        Whether to keep the probabilities (False returns None for them: a 10M-row, 10-class
        pool saves 400 MB when only the embeddings are read).
    embedding_out : str or path, default=None
        Write the embeddings to this ``.npy`` file as a memory map instead of RAM (for pools
        whose embeddings do not fit in memory); the returned array is that memory map.
    progress : callable, default=None
        Called with the number of rows of each batch once it is scored (e.g. a tqdm bar's
        ``update``), for numpy, memory-mapped and scipy sparse input.
    allocate : callable, default=None
        ``allocate(shape, dtype) -> array`` for both outputs (e.g.
        :func:`svpkit.pools.outputs.output_array`, which memory-maps large ones); default
        ``np.empty``. ``embedding_out`` takes precedence for the embeddings.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes)
    embedding : ndarray of shape (n_samples, n_embed) or None

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.nn import make_default_proxy, predict_proba_and_embed
    >>> X = np.random.RandomState(0).randn(50, 3); y = X[:, 0] > 0
    >>> proba, emb = predict_proba_and_embed(make_default_proxy(max_epochs=2).fit(X, y), X)
    >>> proba.shape, emb.shape
    ((50, 2), (50, 128))
    """
    proba, emb, _ = predict_outputs(
        net,
        X,
        embed=embed,
        predict=predict,
        embedding_out=embedding_out,
        progress=progress,
        allocate=allocate,
    )
    return proba, emb


class _StagedScores:
    """Applies per-row kernels to the probabilities of consecutive batches gathered into
    blocks of about :data:`_STAGE_ELEMENTS`: one kernel call per block instead of per
    inference batch (a call costs ~25-50 us; 10M rows are ~10,000 batches)."""

    def __init__(self, kernels: dict, scores: dict) -> None:
        self.kernels, self.scores = kernels, scores
        self.block: np.ndarray | None = None
        self.first = self.count = 0

    def add(self, proba: np.ndarray, start: int) -> None:
        if self.block is None:
            rows = max(1, _STAGE_ELEMENTS // max(1, proba.shape[1]))
            self.block = np.empty((rows, proba.shape[1]), dtype=proba.dtype)
        if self.count + len(proba) > len(self.block):
            self.flush()
        if len(proba) > len(self.block):  # a batch larger than the block: scored as it is
            self._score(proba, start)
            return
        if self.count == 0:
            self.first = start
        self.block[self.count : self.count + len(proba)] = proba
        self.count += len(proba)

    def flush(self) -> None:
        if self.count:
            self._score(self.block[: self.count], self.first)
            self.count = 0

    def _score(self, proba: np.ndarray, start: int) -> None:
        for name, kernel in self.kernels.items():
            self.scores[name][start : start + len(proba)] = kernel(proba)


#: Probability entries per block of :class:`_StagedScores` (1 MB in float32).
_STAGE_ELEMENTS = 1 << 18


def predict_outputs(
    net: NeuralNetClassifier,
    X: Any,
    *,
    embed: bool = True,
    predict: bool = True,
    embedding_out: Any = None,
    progress: Any = None,
    allocate: Any = None,
    row_scores: dict[str, Any] | None = None,
) -> tuple[np.ndarray | None, np.ndarray | None, dict[str, np.ndarray]]:
    """:func:`predict_proba_and_embed`, plus per-row scores streamed from the probabilities.

    ``row_scores`` maps names to kernels ``kernel(proba_batch) -> scores`` (e.g.
    :func:`svpkit.kernels.scoring.least_confidence`), applied to blocks of consecutive batches
    as they are scored: the scores come without keeping the probabilities (``predict=False``),
    one float32 value
    per row instead of ``n_classes`` (10M rows, 1,000 classes: 40 MB instead of 40 GB).
    Returns ``(proba, embedding, scores)``, ``scores`` under the same names.
    """
    nonlin = net._get_predict_nonlinearity()
    n = X.shape[0] if hasattr(X, "shape") else len(X)
    # One vectorised pass per batch: impossible outputs are refused as they are read (a
    # module may have more output columns than classes: a fixed-size head).
    check = ProxyOutputCheck(net, n, n_classes_of(net), extra_columns=True)
    captured: list[torch.Tensor] = []
    # Modules returning only logits: read the embedding as the input of the last nn.Linear.
    # svpkit's own modules return (logits, embedding) and need no hook (a hook left on a module
    # would also travel with it if another thread pickled the net meanwhile, e.g. dask).
    own = getattr(type(net.module_), "returns_embedding", False)
    layer = _last_linear(net.module_) if embed and not own else None
    hook = layer.register_forward_hook(_Capture(captured)) if layer is not None else None
    if allocate is None:
        allocate = _allocate_in_memory
    proba = emb = None
    kernels = dict(row_scores or {})
    scores = {name: allocate((n,), np.float32) for name in kernels}
    staged = _StagedScores(kernels, scores)
    start = 0
    # skorch's DataLoader draws a seed from torch's global RNG per iteration; forking it leaves
    # the caller's random stream untouched by scoring.
    with torch.random.fork_rng(devices=[]):
        try:
            for out in _inference_batches(net, X, progress):
                if isinstance(out, (tuple, list)):
                    logits, e = out[0], out[1]
                else:
                    logits, e = out, (captured[-1] if captured else None)
                    if embed and e is None:
                        raise ValueError(
                            "cannot read embeddings: the module returns only logits and has no "
                            "nn.Linear layer. Return (logits, embedding) from forward()."
                        )
                captured.clear()
                n_batch = len(logits)
                if start + n_batch > n:
                    check.rows(start + n_batch, "outputs")
                if predict or kernels:
                    p = nonlin(logits).detach().cpu().numpy()
                    check.proba(p, start)
                if predict:
                    if proba is None:
                        proba = allocate((n, p.shape[1]), p.dtype)
                    proba[start : start + n_batch] = p
                if kernels:
                    staged.add(p, start)
                if embed:
                    e = e.detach().cpu().numpy().reshape(n_batch, -1)
                    check.embedding(e, start)
                    if emb is None:
                        shape = (n, e.shape[1])
                        emb = (
                            allocate(shape, np.float32)
                            if embedding_out is None
                            else np.lib.format.open_memmap(
                                embedding_out, mode="w+", dtype=np.float32, shape=shape
                            )
                        )
                    emb[start : start + len(e)] = e
                start += n_batch
        finally:
            if hook is not None:
                hook.remove()
    if start == 0:
        raise ValueError("no rows to predict on.")
    check.rows(start, "outputs")
    staged.flush()
    if embedding_out is not None and emb is not None:  # the user's file: on disk on return
        emb.flush()
    # Scratch maps from ``allocate`` are not flushed: their files are unlinked, so nothing
    # reads them back from disk, and a flush would wait for gigabytes of writeback.
    return proba, emb, scores
