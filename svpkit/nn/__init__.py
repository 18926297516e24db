"""Layer 2, proxy nets: skorch classifiers for proxies and targets, their modules and callbacks."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name -> the module of svpkit.nn that defines it, imported on first access: the
#: proxy-kind checks (:mod:`svpkit.nn.kinds`) are used by every selector and must not import
#: torch for a scikit-learn-only user.
_EXPORTS = {
    "DynamicsRecorder": "callbacks",
    "EpochProgressBar": "callbacks",
    "ForgettingTracker": "callbacks",
    "PreciseBatchNorm": "callbacks",
    "MLP": "modules",
    "ResNet": "modules",
    "SmallCNN": "modules",
    "ProxyNet": "net",
    "make_default_proxy": "net",
    "make_image_proxy": "net",
    "crop_flip": "augment",
    "make_proxy": "net",
    "predict_proba_and_embed": "net",
    "DynamicPruning": "pruning",
    "RandomSubsetEachEpoch": "pruning",
    "RhoLossSelection": "rho_loss",
    "TextBag": "text",
    "TextProxyNet": "text",
    "hash_ngrams": "text",
    "make_text_proxy": "text",
    "EmbeddingProxy": "embedding",
    "make_embedding_proxy": "embedding",
    "WordLlamaEncoder": "embedding",
    "wordllama_encoder": "embedding",
}

__all__ = [
    "MLP",
    "SmallCNN",
    "ResNet",
    "ProxyNet",
    "make_default_proxy",
    "make_image_proxy",
    "make_proxy",
    "crop_flip",
    "predict_proba_and_embed",
    "ForgettingTracker",
    "DynamicsRecorder",
    "EpochProgressBar",
    "PreciseBatchNorm",
    "DynamicPruning",
    "RandomSubsetEachEpoch",
    "RhoLossSelection",
    "TextBag",
    "TextProxyNet",
    "make_text_proxy",
    "hash_ngrams",
    "EmbeddingProxy",
    "make_embedding_proxy",
    "WordLlamaEncoder",
    "wordllama_encoder",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'svpkit.nn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # static tools see the real names
    from .augment import crop_flip
    from .callbacks import DynamicsRecorder, EpochProgressBar, ForgettingTracker, PreciseBatchNorm
    from .embedding import (
        EmbeddingProxy,
        WordLlamaEncoder,
        make_embedding_proxy,
        wordllama_encoder,
    )
    from .modules import MLP, ResNet, SmallCNN
    from .net import (
        ProxyNet,
        make_default_proxy,
        make_image_proxy,
        make_proxy,
        predict_proba_and_embed,
    )
    from .pruning import DynamicPruning, RandomSubsetEachEpoch
    from .rho_loss import RhoLossSelection
    from .text import TextBag, TextProxyNet, hash_ngrams, make_text_proxy
