"""Pools of images on disk (:class:`~svpkit.images.ImageFolder`) and of map-style torch
Datasets.

An image folder's pool is its decoded pixels, a read-only uint8 memory map of the cache: the
proxy slices batches from it and scales them to ``[0, 1]`` as it reads them, so the pool is
never held as float32. A torch Dataset's pool is read item by item through a ``DataLoader``
(the proxy's ``iterator_train__*`` and ``iterator_valid__*`` parameters, ``num_workers``
included); the proxy must be a torch net.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_labels_per_row, is_image_folder, is_torch_dataset
from ..nn.kinds import is_torch_proxy
from .memory import InMemoryPool

__all__ = [
    "ImagePool",
    "DatasetPool",
    "dataset_fingerprint",
    "is_image_folder",
    "is_torch_dataset",
]


#: Items of a torch Dataset read to recognise it (evenly spaced, the first and last included).
FINGERPRINT_ITEMS = 8


def dataset_fingerprint(X: Any) -> tuple:
    """What identifies a torch Dataset's content without reading it all: its type, length
    and a hash of a few items spread over it (an object's id could be reused by another
    dataset once the first is freed).

    Examples
    --------
    >>> import torch
    >>> from torch.utils.data import TensorDataset
    >>> from svpkit.pools.images import dataset_fingerprint
    >>> a = TensorDataset(torch.zeros(5, 2))
    >>> dataset_fingerprint(a) == dataset_fingerprint(TensorDataset(torch.zeros(5, 2)))
    True
    >>> dataset_fingerprint(a) == dataset_fingerprint(TensorDataset(torch.ones(5, 2)))
    False
    """
    import joblib

    from ..nn.net import _item_input

    n = len(X)
    rows = np.unique(np.linspace(0, n - 1, min(n, FINGERPRINT_ITEMS)).astype(np.int64))
    items = [_item_input(X[int(i)]).numpy() for i in rows]
    return ("dataset", type(X).__qualname__, n, joblib.hash(items))


def _feature_count(estimator: Any, n_features: int, reset: bool) -> None:
    """scikit-learn's ``n_features_in_`` convention for pools that are not arrays."""
    if reset:
        estimator.n_features_in_ = n_features
    elif getattr(estimator, "n_features_in_", n_features) != n_features:
        raise ValueError(
            f"X has {n_features} features per row, but {type(estimator).__name__} was fitted on "
            f"{estimator.n_features_in_}."
        )


class ImagePool(InMemoryPool):
    """A pool of image files: the decoded uint8 pixels (``n x C x H x W``) of an
    :class:`~svpkit.images.ImageFolder`, memory-mapped from its cache.

    Labels come from the folder when ``y`` is None; selecting returns an ``ImageFolder`` of the
    selected files; the default proxy is a small CNN (:func:`svpkit.nn.make_image_proxy`).

    Examples
    --------
    >>> import tempfile, os
    >>> from PIL import Image
    >>> from svpkit import CoresetSelector
    >>> from svpkit.images import ImageFolder
    >>> from svpkit.pools import make_pool
    >>> root = tempfile.mkdtemp()
    >>> for name in ("a", "b"):
    ...     os.makedirs(f"{root}/{name}")
    ...     for i in range(4):
    ...         Image.new("L", (6, 6), 30 * i).save(f"{root}/{name}/{i}.png")
    >>> images = ImageFolder(root, cache_dir=tempfile.mkdtemp(), n_jobs=1)
    >>> pool = make_pool(images, CoresetSelector(), reset=True)
    >>> type(pool).__name__, pool.X.dtype, pool.X.shape
    ('ImagePool', dtype('uint8'), (8, 1, 6, 6))
    >>> pool.labels(None).tolist()
    ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b']
    """

    #: Image targets are expensive and the default proxy is about a tenth of one (the SVP
    #: setting): auto's validation, about two more proxy trainings, would not pay for itself
    #: (benchmarks/cifar10.py), so core-set auto keeps class-balanced random unless asked.
    validation_affordable = False

    def __init__(self, X: Any, estimator: Any, *, reset: bool) -> None:  # noqa: D107
        self.folder = X
        self.X = X.pixels()
        _feature_count(estimator, int(np.prod(self.X.shape[1:])), reset)
        self.n_rows = len(self.X)
        self.fingerprint = ("images", X.fingerprint)

    def labels(self, y: Any) -> np.ndarray:
        """``y``, or the folder's labels (class names) when ``y`` is None."""
        if y is None:
            if self.folder.labels is None:
                raise ValueError(
                    "these images have no labels (ImageFolder.from_paths without labels); pass "
                    "y, one label per image"
                )
            return self.folder.labels
        return check_labels_per_row(y, self.n_rows)

    def default_proxy(self) -> Any:
        from ..nn.net import make_image_proxy

        return make_image_proxy()


class DatasetPool(InMemoryPool):
    """A pool that is a map-style ``torch.utils.data.Dataset`` (items ``x`` or ``(x, y)``).

    The proxy (a torch net) trains on a ``Subset`` and reads every row through a
    ``DataLoader``; labels come from the dataset (its ``targets`` attribute, else its items)
    when ``y`` is None; selecting returns a ``torch.utils.data.Subset``. Methods that read the
    input features (the cold-start ones) need the pool as an array or an image folder.

    Examples
    --------
    >>> import torch
    >>> from torch.utils.data import TensorDataset
    >>> from svpkit import CoresetSelector
    >>> from svpkit.pools import make_pool
    >>> data = TensorDataset(torch.zeros(6, 3), torch.tensor([0, 1, 0, 1, 0, 1]))
    >>> pool = make_pool(data, CoresetSelector(), reset=True)
    >>> type(pool).__name__, pool.n_rows, pool.labels(None).tolist()
    ('DatasetPool', 6, [0, 1, 0, 1, 0, 1])
    >>> type(pool.take(data, [0, 2])).__name__
    'Subset'
    """

    def __init__(self, X: Any, estimator: Any, *, reset: bool) -> None:  # noqa: D107
        from ..nn.net import _dataset_shape

        if len(X) == 0:
            raise ValueError("the dataset is empty: a pool needs at least one row")
        self.X = X
        self.shape = _dataset_shape(X)
        _feature_count(estimator, int(np.prod(self.shape[1:])), reset)
        self.n_rows = len(X)
        self.fingerprint = dataset_fingerprint(X)

    def labels(self, y: Any) -> np.ndarray:
        """``y``, or the dataset's own labels when ``y`` is None."""
        if y is None:
            from ..nn.net import dataset_labels

            return check_labels_per_row(dataset_labels(self.X), self.n_rows)
        return check_labels_per_row(y, self.n_rows)

    def _check_proxy(self, proxy: Any) -> None:
        if proxy is not None and not is_torch_proxy(proxy):
            raise ValueError(
                f"a torch Dataset pool is read by a torch proxy (svpkit.nn.ProxyNet or another "
                f"skorch net); {type(proxy).__name__} cannot read it. Pass the rows as an array "
                "for a scikit-learn proxy."
            )

    def embedding_refusal(self, proxy: Any) -> str | None:
        if is_torch_proxy(proxy):
            return None
        return (
            "this method reads embeddings, which for a torch Dataset pool come from a torch "
            "proxy (svpkit.nn.ProxyNet); pass one, or use a method that reads probabilities."
        )

    def input_features(self) -> np.ndarray:
        raise ValueError(
            "this method clusters the input features, which a torch Dataset pool does not hold "
            "as an array; pass the rows as an array (or an svpkit.images.ImageFolder), or use "
            "a method that reads the proxy's outputs."
        )

    def proxy_outputs(self, proxy, needs, y_enc, train_rows, seed, **kwargs):
        self._check_proxy(proxy)
        return super().proxy_outputs(proxy, needs, y_enc, train_rows, seed, **kwargs)

    def fit_correct(self, model, y_enc, train_rows, test_rows, seed) -> np.ndarray:
        self._check_proxy(model)
        return super().fit_correct(model, y_enc, train_rows, test_rows, seed)

    def probe_model(self) -> Any:
        return None  # no input features to train a linear model on

    # The default proxy is the array pools' (an MLP): the same rows as an array or as a
    # Dataset give the same selection. For image Datasets, pass svpkit.nn.make_image_proxy().
