"""Torch modules for proxies and targets.

Every module returns ``(logits, embedding)`` from ``forward``, where ``embedding`` is the
penultimate-layer representation. :class:`svpkit.nn.ProxyNet` trains on the logits and reads the
embedding in the same inference pass (k-centers needs it). Input sizes left as ``None`` are filled
in from the data by :class:`~svpkit.nn.ProxyNet`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["MLP", "SmallCNN", "ResNet"]


class MLP(nn.Module):
    """Multi-layer perceptron on any input, flattened to ``(n, n_features)``.

    Parameters
    ----------
    n_features : int
        Input width (after flattening).
    n_classes : int
        Number of output logits.
    hidden_units : sequence of int, default=(128,)
        Width of each hidden layer; the last one is the embedding size.
    dropout : float, default=0.0
        Dropout before each hidden layer's activation output.

    Examples
    --------
    >>> import torch
    >>> from svpkit.nn import MLP
    >>> logits, emb = MLP(n_features=4, n_classes=3, hidden_units=(8,))(torch.zeros(2, 4))
    >>> tuple(logits.shape), tuple(emb.shape)
    ((2, 3), (2, 8))
    """

    #: forward returns (logits, embedding); see svpkit.nn.predict_proba_and_embed
    returns_embedding = True

    def __init__(
        self,
        n_features: int,
        n_classes: int,
        hidden_units: Sequence[int] = (128,),
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = n_features
        for units in hidden_units:
            layers += [nn.Linear(width, units), nn.ReLU()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = units
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, n_classes)

    def forward(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        emb = self.body(X)
        return self.head(emb), emb


def _as_images(X: torch.Tensor, image_shape: Sequence[int] | None) -> torch.Tensor:
    if X.dim() == 2 and image_shape is not None:
        return X.reshape(X.shape[0], *image_shape)
    if X.dim() != 4:
        raise ValueError(
            f"expected images shaped (n, C, H, W), got {tuple(X.shape)}; pass "
            "module__image_shape=(C, H, W) to reshape flat rows."
        )
    return X


class SmallCNN(nn.Module):
    """A small convolutional net: three conv blocks, global average pooling, a linear head.

    Parameters
    ----------
    in_channels : int
        Input channels ``C`` of images shaped ``(n, C, H, W)``.
    n_classes : int
        Number of output logits.
    width : int, default=32
        Channels of the first block (doubled in the last two).
    image_shape : tuple of int, default=None
        ``(C, H, W)``; when given, flat rows ``(n, C*H*W)`` are reshaped, so the same 2-D ``X``
        can feed an MLP proxy and this target.

    Examples
    --------
    >>> import torch
    >>> from svpkit.nn import SmallCNN
    >>> net = SmallCNN(in_channels=1, n_classes=10, image_shape=(1, 8, 8))
    >>> logits, emb = net(torch.zeros(2, 64))
    >>> tuple(logits.shape), tuple(emb.shape)
    ((2, 10), (2, 64))
    """

    #: forward returns (logits, embedding); see svpkit.nn.predict_proba_and_embed
    returns_embedding = True

    def __init__(
        self,
        in_channels: int,
        n_classes: int,
        width: int = 32,
        image_shape: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        self.image_shape = tuple(image_shape) if image_shape is not None else None

        def block(c_in: int, c_out: int) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
                nn.BatchNorm2d(c_out),
                nn.ReLU(inplace=True),
            )

        self.features = nn.Sequential(
            block(in_channels, width),
            nn.MaxPool2d(2),
            block(width, 2 * width),
            block(2 * width, 2 * width),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.head = nn.Linear(2 * width, n_classes)

    def forward(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        emb = self.features(_as_images(X, self.image_shape))
        return self.head(emb), emb


class _BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, c_in: int, planes: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = _shortcut(c_in, planes, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class _Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, c_in: int, planes: int, stride: int) -> None:
        super().__init__()
        c_out = planes * self.expansion
        self.conv1 = nn.Conv2d(c_in, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, c_out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c_out)
        self.shortcut = _shortcut(c_in, c_out, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = torch.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return torch.relu(out + self.shortcut(x))


def _shortcut(c_in: int, c_out: int, stride: int) -> nn.Module:
    if stride == 1 and c_in == c_out:
        return nn.Identity()
    return nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))


class ResNet(nn.Module):
    """CIFAR-style ResNet (He et al., 2016) of any valid depth: ResNet20 ... ResNet164.

    Three stages of ``n`` blocks at widths ``width, 2*width, 4*width``. Basic blocks give
    ``depth = 6n + 2`` (20, 32, 44, 56, 110); bottleneck blocks give ``depth = 9n + 2``
    (164, as in the SVP paper's target).

    Parameters
    ----------
    depth : int, default=20
        Number of weighted layers.
    in_channels : int
        Input channels.
    n_classes : int
        Number of output logits.
    width : int, default=16
        Channels of the first stage.
    block : {"auto", "basic", "bottleneck"}, default="auto"
        ``"auto"`` uses bottleneck blocks for depth >= 164 (the paper's ResNet164), basic ones
        below.
    image_shape : tuple of int, default=None
        ``(C, H, W)`` to reshape flat rows, as in :class:`SmallCNN`.

    Examples
    --------
    >>> import torch
    >>> from svpkit.nn import ResNet
    >>> net = ResNet(depth=8, in_channels=3, n_classes=10)
    >>> tuple(net(torch.zeros(2, 3, 16, 16))[0].shape)
    (2, 10)
    """

    #: forward returns (logits, embedding); see svpkit.nn.predict_proba_and_embed
    returns_embedding = True

    def __init__(
        self,
        depth: int = 20,
        in_channels: int = 3,
        n_classes: int = 10,
        width: int = 16,
        block: str = "auto",
        image_shape: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        if block == "auto":
            block = "bottleneck" if depth >= 164 else "basic"
        if block not in ("basic", "bottleneck"):
            raise ValueError(f"block must be 'auto', 'basic' or 'bottleneck'; got {block!r}.")
        per_block = 2 if block == "basic" else 3
        if depth < 2 or (depth - 2) % (3 * per_block) != 0:
            raise ValueError(
                f"depth={depth} does not fit {block} blocks: it must be "
                f"{3 * per_block}n + 2 (e.g. {'20, 56, 110' if block == 'basic' else '164'})."
            )
        n_blocks = (depth - 2) // (3 * per_block)
        block_cls = _BasicBlock if block == "basic" else _Bottleneck
        self.image_shape = tuple(image_shape) if image_shape is not None else None
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, 1, 1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
        )
        layers: list[nn.Module] = []
        c_in = width
        for stage, planes in enumerate((width, 2 * width, 4 * width)):
            for i in range(n_blocks):
                stride = 2 if (stage > 0 and i == 0) else 1
                layers.append(block_cls(c_in, planes, stride))
                c_in = planes * block_cls.expansion
        self.stages = nn.Sequential(*layers)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(c_in, n_classes)

    def forward(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        emb = self.pool(self.stages(self.stem(_as_images(X, self.image_shape))))
        return self.head(emb), emb
