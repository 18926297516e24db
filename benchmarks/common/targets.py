"""The target models the benchmarks train, one definition each.

Where benchmarks train the same architecture with different settings (batch size, a seed,
callbacks), the setting is a parameter and each benchmark passes what it measured with; a
parameter left out keeps the estimator's own default, so a target here equals, parameter for
parameter, the one its benchmark built before.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "cnn_target",
    "mlp_target",
    "tfidf_target",
    "conv1d_target",
    "gbm_target",
    "sklearn_mlp_target",
    "TEXT_TARGET_C",
]

#: Inverse regularisation of the text target, chosen by cross-validation on the Rotten Tomatoes
#: pool (``benchmarks/text_coreset.py``'s docstring).
TEXT_TARGET_C = 10.0


def cnn_target(
    image_shape: tuple[int, int, int],
    epochs: int,
    *,
    width: int = 16,
    batch_size: int = 64,
    seed: int | None = None,
    callbacks: list | None = None,
) -> Any:
    """The small CNN target of the image benchmarks (Adam, lr 2e-3).

    Parameters
    ----------
    image_shape : tuple of int
        ``(channels, height, width)`` of the flattened rows.
    epochs : int
        ``max_epochs``.
    width : int, default=16
        Channels of the first convolution.
    batch_size : int, default=64
    seed : int, default=None
        ``random_state`` of the net.
    callbacks : list, default=None
        skorch callbacks (dynamic pruning).

    Returns
    -------
    net : svpkit.nn.ProxyNet
        Unfitted.

    Examples
    --------
    >>> from benchmarks.common.targets import cnn_target
    >>> net = cnn_target((1, 8, 8), epochs=3, seed=0)
    >>> net.max_epochs, net.batch_size, net.module__width, net.random_state
    (3, 64, 16, 0)
    """
    from svpkit.nn import ProxyNet, SmallCNN

    return ProxyNet(
        SmallCNN,
        module__image_shape=image_shape,
        module__width=width,
        max_epochs=epochs,
        lr=2e-3,
        batch_size=batch_size,
        random_state=seed,
        callbacks=callbacks,
    )


def mlp_target(
    hidden_units: tuple[int, ...],
    epochs: int,
    *,
    seed: int | None = None,
    callbacks: list | None = None,
    **params: Any,
) -> Any:
    """An MLP target on rows of features (Adam, lr 1e-3).

    Parameters
    ----------
    hidden_units : tuple of int
        Widths of the hidden layers.
    epochs : int
        ``max_epochs``.
    seed : int, default=None
        ``random_state`` of the net.
    callbacks : list, default=None
        skorch callbacks.
    **params
        Further :class:`svpkit.nn.ProxyNet` parameters (``batch_size``); left out, the net's
        defaults.

    Returns
    -------
    net : svpkit.nn.ProxyNet
        Unfitted.

    Examples
    --------
    >>> from benchmarks.common.targets import mlp_target
    >>> net = mlp_target((256,), epochs=2, seed=0, batch_size=32)
    >>> net.module__hidden_units, net.max_epochs, net.batch_size, net.lr
    ((256,), 2, 32, 0.001)
    """
    from svpkit.nn import MLP, ProxyNet

    return ProxyNet(
        MLP,
        module__hidden_units=hidden_units,
        max_epochs=epochs,
        lr=1e-3,
        random_state=seed,
        callbacks=callbacks,
        **params,
    )


def tfidf_target(min_df: int = 2, C: float = TEXT_TARGET_C) -> Any:
    """The text target: TF-IDF over word uni- and bigrams, then logistic regression.

    Parameters
    ----------
    min_df : int, default=2
        Drop n-grams seen in fewer documents.
    C : float, default=TEXT_TARGET_C
        Inverse regularisation.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Unfitted.

    Examples
    --------
    >>> from benchmarks.common.targets import tfidf_target
    >>> model = tfidf_target().fit(["good film", "bad film", "good plot", "bad plot"], [1, 0, 1, 0])
    >>> model.predict(["a good one"]).tolist()
    [1]
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True),
        LogisticRegression(max_iter=1000, C=C),
    )


def conv1d_target(length: int, epochs: int, *, seed: int | None = None) -> Any:
    """A small 1-D CNN target on rows of ``length`` samples (two convolutions, global max
    pooling; Adam, lr 2e-3, batch 64): the model a user with signal data brings.

    Examples
    --------
    >>> from benchmarks.common.targets import conv1d_target
    >>> net = conv1d_target(128, epochs=2, seed=0)
    >>> net.max_epochs, net.module__length
    (2, 128)
    """
    from svpkit.nn import ProxyNet

    from .conv1d import Conv1dNet

    return ProxyNet(
        Conv1dNet,
        module__length=length,
        max_epochs=epochs,
        lr=2e-3,
        batch_size=64,
        random_state=seed,
    )


def gbm_target(seed: int | None = None) -> Any:
    """Histogram gradient boosting (scikit-learn's defaults, 200 iterations), a tabular target.

    Examples
    --------
    >>> from benchmarks.common.targets import gbm_target
    >>> gbm_target(seed=0).max_iter
    200
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=200, random_state=seed)


def sklearn_mlp_target(seed: int | None = None) -> Any:
    """scikit-learn's MLPClassifier (128-64 units, at most 300 epochs), a tabular target.

    Examples
    --------
    >>> from benchmarks.common.targets import sklearn_mlp_target
    >>> sklearn_mlp_target(seed=0).hidden_layer_sizes
    (128, 64)
    """
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=(128, 64), max_iter=300, random_state=seed)
