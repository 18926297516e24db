"""What the benchmark scripts share, one concern per module.

- :mod:`~benchmarks.common.results`: where a run writes (``--out``, ``--quick``), the
  resumable one-record-per-run JSON-lines files, and the published JSON.
- :mod:`~benchmarks.common.environment`: the machine record stored with every result, and
  peak memory of a call.
- :mod:`~benchmarks.common.report`: rendering helpers (matplotlib headless, figures, the run
  command a page shows); no torch.
- :mod:`~benchmarks.common.targets`: the target models several benchmarks train.
- :mod:`~benchmarks.common.data`: the datasets and the fixed train/test splits they read.
- :mod:`~benchmarks.common.curves`: training instrumentation (a test-curve callback).

A package inside ``benchmarks/`` rather than a module of ``svpkit``: the harness is a
checkout tool (it reads and writes the repository's ``benchmarks/results/``), and the installed
library should not ship it. Split by concern so that rendering a page from its results file
(the docs build) imports neither torch nor any training code.
"""
