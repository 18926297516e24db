"""
Grid search over the fraction kept
==================================

A core-set selector and a target estimator in one scikit-learn ``Pipeline`` step
(:class:`svpkit.SelectThenFit`), tuned with ``GridSearchCV`` over the share of rows kept and
over the selection method (proxy-ranked margin against random). You learn how to name the
fraction in a grid, how ``memory=`` lets one proxy training per fold serve every fraction, and
how :func:`svpkit.smallest_fraction_within` picks the smallest fraction that scores close to
the best instead of the largest one.
"""

import os
import shutil
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from svpkit import CoresetSelector, SelectThenFit, smallest_fraction_within

QUICK = os.environ.get("SVPKIT_GALLERY_QUICK") == "1"
FRACTIONS = [0.1, 0.3, 1.0] if QUICK else [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0]

# %%
# The pipeline
# ------------
#
# The proxy is a logistic regression (cheap); the target is the same model trained on the
# kept rows only. ``class_balance=True`` keeps the same share of every digit. A plain
# ``Pipeline`` cannot drop rows between steps (the next step would get the full ``y``), so the
# selection and the target's fit live together in ``SelectThenFit``. Its ``memory=`` caches
# the proxy's training and inference, which do not depend on the fraction: each CV fold trains
# the proxy once, whatever the number of fractions in the grid, and the final refit once more
# (if it refits a method that uses the proxy). The cache folder shows it below.

X, y = load_digits(return_X_y=True)
cache = tempfile.mkdtemp(prefix="svpkit-gallery-")

selector = CoresetSelector(
    LogisticRegression(max_iter=500), method="margin", class_balance=True, random_state=0
)
pipe = make_pipeline(
    StandardScaler(),
    SelectThenFit(selector, LogisticRegression(max_iter=500), memory=cache),
)

# %%
# The grid
# --------
#
# Parameters of the selector are reached through ``selectthenfit__selector__``. We search the
# fraction for two methods: the proxy's ``margin`` ranking and ``random`` (which trains no
# proxy), the baseline every selection has to beat. ``refit=smallest_fraction_within(0.01)``
# refits the candidate with the smallest fraction whose mean CV accuracy is within one point
# of the best one.

grid = GridSearchCV(
    pipe,
    {
        "selectthenfit__selector__fraction": FRACTIONS,
        "selectthenfit__selector__method": ["margin", "random"],
    },
    cv=StratifiedKFold(3, shuffle=True, random_state=0),
    refit=smallest_fraction_within(0.01),
)
start = time.perf_counter()
grid.fit(X, y)
print(
    f"grid search: {len(grid.cv_results_['params'])} candidates x 3 folds "
    f"in {time.perf_counter() - start:.1f} s"
)
print("refit on:", grid.best_params_)

# One cache entry per proxy training: one per fold, and one for the refit if it uses the proxy.
trainings = list(Path(cache).rglob("train_and_read/*/output.pkl"))
n_candidates = len(grid.cv_results_["params"]) // 2  # the margin half of the grid
refit_uses_proxy = grid.best_params_["selectthenfit__selector__method"] != "random"
print(
    f"proxy trainings: {len(trainings)} for {n_candidates} margin candidates x 3 folds "
    f"{'+ the refit' if refit_uses_proxy else '(the refit is random: no proxy)'}"
)
assert len(trainings) == 3 + refit_uses_proxy, trainings

# %%
# CV accuracy against the fraction kept
# -------------------------------------

res = grid.cv_results_
fig, ax = plt.subplots(figsize=(6, 4))
for method, marker in [("margin", "o"), ("random", "s")]:
    rows = np.flatnonzero(np.asarray(res["param_selectthenfit__selector__method"]) == method)
    frac = np.asarray(res["param_selectthenfit__selector__fraction"], dtype=float)[rows]
    mean, std = res["mean_test_score"][rows], res["std_test_score"][rows]
    order = np.argsort(frac)
    label = "margin (logistic-regression proxy)" if method == "margin" else "random"
    ax.errorbar(frac[order], mean[order], yerr=std[order], marker=marker, capsize=3, label=label)
    for f, m in zip(frac[order], mean[order], strict=True):
        print(f"{method:>7}  fraction {f:4.2f}  mean CV accuracy {m:.4f}")
ax.set_xlabel("fraction of the training fold kept")
ax.set_ylabel("mean CV accuracy (3 folds)")
ax.set_title("Digits: logistic regression trained on a core-set")
ax.legend()
fig.tight_layout()

shutil.rmtree(cache, ignore_errors=True)

# %%
# Reading the result
# ------------------
#
# The reading below is computed from the grid's results: margin against random at every
# fraction, and how the refit fraction compares with training on every row. Uncertainty
# ranking keeps the hardest, most ambiguous rows first, which can be a poor training set on
# their own when little is kept. This is one dataset, three folds and one seed: random is a
# strong baseline and which side wins can depend on the fraction, so run the same grid on your
# own data before trusting a method.


def cv_mean(method, fraction):
    rows = [
        i
        for i, p in enumerate(res["params"])
        if p["selectthenfit__selector__method"] == method
        and p["selectthenfit__selector__fraction"] == fraction
    ]
    return res["mean_test_score"][rows[0]]


for f in FRACTIONS[:-1]:
    points = 100 * (cv_mean("margin", f) - cv_mean("random", f))
    words = (
        "level with random"
        if abs(points) < 0.05
        else f"{abs(points):.1f} points {'ahead of' if points > 0 else 'behind'} random"
    )
    print(f"{f:.0%} kept: margin {cv_mean('margin', f):.4f}, {words}")
best = grid.best_params_
chosen = cv_mean(best["selectthenfit__selector__method"], best["selectthenfit__selector__fraction"])
full = cv_mean("random", 1.0)
print(
    f"The refit keeps {best['selectthenfit__selector__fraction']:.0%} of the rows "
    f"({best['selectthenfit__selector__method']}): mean CV accuracy {chosen:.4f}, "
    f"{100 * (chosen - full):+.1f} points against all rows ({full:.4f})."
)
