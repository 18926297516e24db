"""Images on disk as pools: :class:`ImageFolder` (a folder of class folders, a list of files
or a CSV of paths), decoded once with Pillow into a memory-mapped uint8 cache.

Needs Pillow (the ``images`` extra).
"""

from __future__ import annotations

from .folder import ImageFolder

__all__ = ["ImageFolder"]
