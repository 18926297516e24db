"""The default of each job, in one place: the selectors, the command line and the docs read it.

Kept outside :mod:`svpkit.methods` (which re-exports it) because importing that package loads
the registry and scikit-learn (about 2 s), and the command line's parser reads the default
without importing anything heavy, so that ``svpkit --help`` answers at once.
"""

#: The default ``method`` of :class:`~svpkit.CoresetSelector`, :class:`~svpkit.ProxySelector`,
#: ``svpkit select`` and ``svpkit query``: a choice made per pool (validated for core-sets,
#: budget-aware for active learning), because no single method is safe everywhere (see
#: ``docs/choosing.md``).
DEFAULT_METHOD = "auto"
