"""Pre-registered cells for judging the default selection method (issue 35).

Committed before the default rule was changed, with the generators in
``benchmarks/common/heldout_data.py``; nobody looks at the held-out cells' results until the
rule is frozen (``FROZEN_RULE`` names the commit once it is). A rule changed after looking
turns them into development cells and needs new held-out ones.

- :data:`DEV_CELLS` are the cells of ``benchmarks/coreset_quality.py`` as they were: the rule
  may be built and tuned on them.
- :data:`HELDOUT_CELLS` are data sets x target families that no benchmark had used, each at
  :data:`HELDOUT_FRACTIONS` kept over :data:`HELDOUT_SEEDS` paired seeds (seed s is every arm's
  ``random_state`` and the target's seed). The proxy is the default one (``proxy=None``), as a
  new user gets it. Each is judged against class-balanced random: the default's paired mean
  difference must be at least ``-HELDOUT_TOLERANCE_PP`` at every fraction.

``python -m benchmarks.coreset_quality --heldout`` runs the held-out cells (into
``benchmarks/results/coreset_heldout_runs.jsonl``).
"""

from __future__ import annotations

__all__ = [
    "DEV_CELLS",
    "HELDOUT_DATASETS",
    "HELDOUT_CELLS",
    "HELDOUT_FRACTIONS",
    "HELDOUT_SEEDS",
    "HELDOUT_TOLERANCE_PP",
    "HELDOUT_TARGET_EPOCHS",
    "FROZEN_RULE",
]

#: (dataset, target, fraction): the cells of coreset_quality.py (benchmarks/results/
#: coreset_quality.json) when this list was committed.
DEV_CELLS = tuple(
    [
        (d, t, f)
        for d in ("digits", "mnist")
        for t in ("logreg", "cnn")
        for f in (0.1, 0.3, 0.5, 0.7)
    ]
    + [(d, "logreg", f) for d in ("digits", "mnist") for f in (0.2, 0.9)]
    + [(d, "cnn", f) for d in ("digits",) for f in (0.2, 0.9)]
    + [("redundant", t, f) for t in ("logreg", "mlp") for f in (0.1, 0.2, 0.3, 0.5, 0.7, 0.9)]
    + [("rotten", "tfidf", f) for f in (0.1, 0.3, 0.5, 0.7)]
)

#: dataset -> (generator in benchmarks.common.heldout_data, target family, what it is)
HELDOUT_DATASETS = {
    "signals1d": (
        "make_signals_1d",
        "conv1d",
        "10 classes of shifted noisy 1-D signals, 4,000 rows",
    ),
    "shapes2d": ("make_shapes_2d", "cnn", "8 classes of 16x16 drawings, 4,000 rows"),
    "tabular": ("make_clustered_tabular", "gbm", "6 classes, 30 features, 6,000 rows"),
    "rings": (
        "make_quantile_rings",
        "sklearn_mlp",
        "5 imbalanced classes, 20 features, 6,000 rows",
    ),
}
HELDOUT_FRACTIONS = (0.1, 0.3, 0.5, 0.7)
HELDOUT_SEEDS = 5
HELDOUT_CELLS = tuple(
    (dataset, target, fraction)
    for dataset, (_, target, _) in HELDOUT_DATASETS.items()
    for fraction in HELDOUT_FRACTIONS
)
#: The default may be at most this many points below class-balanced random (paired mean).
HELDOUT_TOLERANCE_PP = 0.3
#: Epochs of the torch targets of the held-out cells (the 1-D and 2-D CNNs).
HELDOUT_TARGET_EPOCHS = 15
#: The commit whose rule the held-out cells judged; None until the rule is frozen.
FROZEN_RULE: str | None = "4745057"
