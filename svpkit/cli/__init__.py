"""Layer 7, the ``svpkit`` command line: select, query, methods, estimate, bench, demo."""

from .main import build_parser, main

__all__ = ["main", "build_parser"]
