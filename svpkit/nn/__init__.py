"""Layer 2, proxy nets: skorch classifiers for proxies and targets, their modules and callbacks."""

from .callbacks import DynamicsRecorder, EpochProgressBar, ForgettingTracker, PreciseBatchNorm
from .modules import MLP, ResNet, SmallCNN
from .net import ProxyNet, make_default_proxy, make_proxy, predict_proba_and_embed
from .pruning import DynamicPruning, RandomSubsetEachEpoch
from .rho_loss import RhoLossSelection
from .text import TextBag, TextProxyNet, hash_ngrams, make_text_proxy

__all__ = [
    "MLP",
    "SmallCNN",
    "ResNet",
    "ProxyNet",
    "make_default_proxy",
    "make_proxy",
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
]
