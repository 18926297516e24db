"""svpkit's benchmarks: the scripts behind every measured claim in the README and the docs.

A source-checkout tool, not part of the installed ``svpkit`` package (``pip install svpkit``
ships no benchmarks). Run one from the repository root as a module::

    python -m benchmarks.kcenters --quick      # or: svpkit bench kcenters --quick

Layout: one module per benchmark (``benchmarks/<name>.py``), and :mod:`benchmarks.common` for
what they share, one concern per module, so no benchmark imports another and none edits
``sys.path``. Why a package run with ``-m`` rather than loose scripts: shared code imports the
ordinary way, tests and the docs import a benchmark by name, and nothing depends on the working
directory's place on ``sys.path``.

Within a benchmark module, running and rendering are separate functions: ``main`` and the
``run*`` functions measure and write ``benchmarks/results/<name>.json``; ``render_page(results)``
(and the plots) read only those results. Training code (torch, skorch, svpkit's estimators) is
imported inside the functions that train, so the docs build renders every page from the results
files without loading it (``tests/test_benchmarks_common.py`` checks).
"""
