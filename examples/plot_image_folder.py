"""
Selecting from a folder of image files
======================================

Image data usually lives on disk as ``train/<class>/<image>.png``. Such a folder is a pool as
it is: :class:`svpkit.ImageFolder` reads the class folders as labels and decodes every file
once into a uint8 cache, from which later fits read the pixels. This example writes a small
folder of generated images (so it needs no download), keeps half of it with the default
image proxy, shows what was kept, and times a first and a second read of the folder.

On real data (CIFAR-10 as JPEG files) the same code is ``benchmarks/cifar10.py``.
"""

import shutil
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from svpkit import CoresetSelector, ImageFolder

# %%
# A folder of images
# ------------------
# Three classes of 16x16 colour images: noise with a bright square in a class-specific
# quadrant, and a few images whose square is faint (a weaker signal).

root = Path(tempfile.mkdtemp()) / "train"
rng = np.random.default_rng(0)
for label, name in enumerate(["red", "green", "blue"]):
    (root / name).mkdir(parents=True)
    for i in range(60):
        pixels = rng.integers(0, 100, (16, 16, 3), dtype=np.uint8)
        top, left = (label // 2) * 8, (label % 2) * 8
        strength = 60 if i % 6 == 0 else 155  # every sixth image is faint
        pixels[top : top + 8, left : left + 8, label] += strength
        Image.fromarray(pixels).save(root / name / f"{i:03d}.png")

cache = tempfile.mkdtemp()
start = time.perf_counter()
images = ImageFolder(root, cache_dir=cache)
images.pixels()
first = time.perf_counter() - start
start = time.perf_counter()
ImageFolder(root, cache_dir=cache).pixels()  # a new object: finds the cache by fingerprint
second = time.perf_counter() - start
print(images)
print(f"first read (decode + cache): {first * 1000:.0f} ms; second read: {second * 1000:.1f} ms")

# %%
# Keep half, ranked by the default image proxy
# --------------------------------------------
# ``y`` is left out: the labels are the class folders. The selection is an ``ImageFolder`` of
# the kept files, so it can go straight to a target, a ``DataLoader`` or a file list.

selector = CoresetSelector(method="least_confidence", fraction=0.5, random_state=0)
kept = selector.fit(images).transform(images)
faint = np.array([int(Path(p).stem) % 6 == 0 for p in images.paths])
share_kept = faint[selector.sample_indices_].mean()
print(f"kept {len(kept)} of {len(images)} files, e.g. {Path(kept.paths[0]).name}")
print(
    f"faint images: {faint.mean():.0%} of the folder, {share_kept:.0%} of the kept half: "
    + (
        "least confidence kept them more often than the others"
        if share_kept > faint.mean()
        else "least confidence did not favour them"
    )
)

# %%
# The most and the least uncertain images
# ---------------------------------------

order = np.argsort(-selector.scores_)
fig, axes = plt.subplots(2, 8, figsize=(8, 2.4))
for ax, row in zip(axes[0], order[:8], strict=True):
    ax.imshow(images.pixels()[row].transpose(1, 2, 0))
    ax.set_axis_off()
for ax, row in zip(axes[1], order[-8:], strict=True):
    ax.imshow(images.pixels()[row].transpose(1, 2, 0))
    ax.set_axis_off()
axes[0, 0].set_title("kept first", loc="left", fontsize=9)
axes[1, 0].set_title("dropped first", loc="left", fontsize=9)
fig.tight_layout()
plt.show()

# The generated folder and the cache are temporary: remove them.
shutil.rmtree(root.parent, ignore_errors=True)
shutil.rmtree(cache, ignore_errors=True)
