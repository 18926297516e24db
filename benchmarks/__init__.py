"""svpkit's benchmarks: the scripts behind every measured claim in the README and the docs.

A source-checkout tool, not part of the installed ``svpkit`` package (``pip install svpkit``
ships no benchmarks). Run one from the repository root as a module::

    python -m benchmarks.kcenters --quick      # or: svpkit bench kcenters --quick

Layout: one module per benchmark (``benchmarks/<name>.py``: what it measures and its
command line; most also hold how their page is written), and :mod:`benchmarks.common` for what
they share, one concern per module, so no script imports another and none edits ``sys.path``.
Results land in ``benchmarks/results/`` (JSON and plots); the docs site renders each benchmark's
page from its JSON at build time (``docs/_ext/benchmark_pages.py``).
"""
