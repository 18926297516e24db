"""A small 1-D convolutional network: the target a user with signal data brings."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Conv1dNet"]


class Conv1dNet(nn.Module):
    """conv(1->w, 7) - ReLU - conv(w->2w, 5) - ReLU - global max pool - linear.

    The global pooling makes it shift-invariant, which an MLP on the raw samples is not.

    Examples
    --------
    >>> import torch
    >>> from benchmarks.common.conv1d import Conv1dNet
    >>> Conv1dNet(length=32, n_classes=3)(torch.zeros(2, 32)).shape
    torch.Size([2, 3])
    """

    def __init__(self, length: int, n_classes: int = 10, width: int = 16):
        super().__init__()
        self.length = length
        self.features = nn.Sequential(
            nn.Conv1d(1, width, 7, padding=3),
            nn.ReLU(),
            nn.Conv1d(width, 2 * width, 5, padding=2),
            nn.ReLU(),
        )
        self.head = nn.Linear(2 * width, n_classes)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(X.reshape(len(X), 1, self.length)).amax(dim=2))
