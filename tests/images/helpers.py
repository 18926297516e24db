"""Small generated image folders for the tests (CI never needs the shared CIFAR-10 files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def class_pixels(rng: np.random.Generator, label: int, side: int, channels: int) -> np.ndarray:
    """A noisy image whose brightest quadrant depends on the class (learnable, distinct)."""
    pixels = rng.integers(0, 90, (side, side, channels), dtype=np.uint8)
    half = side // 2
    top, left = divmod(label % 4, 2)
    pixels[top * half : (top + 1) * half, left * half : (left + 1) * half] += 150
    return pixels if channels == 3 else pixels[:, :, 0]


def make_folder(
    root: Path,
    *,
    n_per_class: int = 8,
    classes: tuple[str, ...] = ("cat", "dog", "eel"),
    side: int = 8,
    channels: int = 3,
    ext: str = "png",
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """``root/<class>/<i>.<ext>``; returns each file's written pixels (HWC or HW) by path."""
    rng = np.random.default_rng(seed)
    written = {}
    for label, name in enumerate(classes):
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(n_per_class):
            pixels = class_pixels(rng, label, side, channels)
            path = folder / f"{i:03d}.{ext}"
            Image.fromarray(pixels).save(path)
            written[str(path)] = pixels
    return written


def as_chw(pixels: np.ndarray) -> np.ndarray:
    return pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)
