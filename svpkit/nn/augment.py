"""Standard image augmentation as batched torch tensor operations: random crop with padding
and horizontal flip (the CIFAR recipe of He et al., 2016).

Applied by :class:`~svpkit.nn.ProxyNet` to training batches only (``augment="crop_flip"``),
drawing from torch's RNG, which the net's ``random_state`` seeds: two fits with one seed see
the same augmented batches. Off by default: for a proxy it would change what the training
dynamics (forgetting events, EL2N) measure, and so the selection.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

__all__ = ["crop_flip", "resolve_augment", "AUGMENTATIONS"]


def crop_flip(images: torch.Tensor, padding: int = 4) -> torch.Tensor:
    """Each image zero-padded by ``padding`` pixels, cropped back to its size at a random
    offset, and flipped left-right with probability 1/2.

    Parameters
    ----------
    images : Tensor of shape (n, C, H, W)
    padding : int, default=4

    Returns
    -------
    augmented : Tensor of the same shape and dtype

    Examples
    --------
    >>> import torch
    >>> from svpkit.nn.augment import crop_flip
    >>> x = torch.arange(2 * 1 * 4 * 4, dtype=torch.float32).reshape(2, 1, 4, 4)
    >>> _ = torch.manual_seed(0)
    >>> out = crop_flip(x, padding=1)
    >>> out.shape == x.shape, bool((out == 0).any() | (out == x).all())
    (True, True)
    """
    if images.dim() != 4:
        raise ValueError(f"crop_flip needs images shaped (n, C, H, W); got {tuple(images.shape)}")
    n, channels, height, width = images.shape
    device = images.device
    padded = F.pad(images, (padding, padding, padding, padding))
    top = torch.randint(0, 2 * padding + 1, (n,), device=device)
    left = torch.randint(0, 2 * padding + 1, (n,), device=device)
    flip = torch.rand(n, device=device) < 0.5
    rows = (top[:, None] + torch.arange(height, device=device)).view(n, 1, height, 1)
    cols = torch.arange(width, device=device).expand(n, width)
    cols = torch.where(flip[:, None], cols.flip(1), cols) + left[:, None]  # flip = read reversed
    batch = torch.arange(n, device=device).view(n, 1, 1, 1)
    chans = torch.arange(channels, device=device).view(1, channels, 1, 1)
    return padded[batch, chans, rows, cols.view(n, 1, 1, width)]


#: Names accepted by ``ProxyNet(augment=...)``.
AUGMENTATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {"crop_flip": crop_flip}


def resolve_augment(augment: object) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """None, a name in :data:`AUGMENTATIONS`, or a callable on a batch tensor."""
    if augment is None or callable(augment):
        return augment  # type: ignore[return-value]
    if isinstance(augment, str) and augment in AUGMENTATIONS:
        return AUGMENTATIONS[augment]
    raise ValueError(
        f"augment must be None, one of {sorted(AUGMENTATIONS)} or a callable on a batch of "
        f"images; got {augment!r}."
    )
