"""Layer 7, the ``svpkit`` command line (``svpkit demo``)."""

from .main import build_parser, main

__all__ = ["main", "build_parser"]
