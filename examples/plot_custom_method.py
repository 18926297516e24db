"""
Write your own selection method
===============================

A selection method is one function of a rank context plus one call to
:func:`svpkit.register_method`; every selector can then use it by name. You learn what a method
receives (the proxy outputs it asked for, the candidate rows, a seeded random generator), what
it returns (the candidates best first, and a score per candidate), and how to compare it with
the built-in methods and with random selection.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from svpkit import CoresetSelector, available_methods, register_method
from svpkit.methods import order_by_score

QUICK = os.environ.get("SVPKIT_GALLERY_QUICK") == "1"
FRACTIONS = [0.1, 0.3] if QUICK else [0.05, 0.1, 0.2, 0.3, 0.5]

# %%
# The method
# ----------
#
# Margin uncertainty keeps the rows the proxy is most torn about, but the very hardest rows
# are often ambiguous or mislabeled. This variant ranks by margin and sends the hardest 5% of
# every ranking to the end. ``needs={"proba"}`` tells the selector to compute the proxy's
# probabilities (once, whatever the number of methods reading them); ``ctx.candidates`` are
# the rows to rank; ``order_by_score`` sorts them by decreasing score and breaks ties with the
# seeded ``ctx.rng``. Larger scores are kept first.


@register_method("gallery_trimmed_margin", needs={"proba"})
def trimmed_margin(ctx):
    """Margin uncertainty, with the 5% most uncertain candidates moved to the end."""
    proba = np.sort(ctx.outputs.proba[ctx.candidates], axis=1)
    scores = 1.0 - (proba[:, -1] - proba[:, -2])  # 1 - (p_top1 - p_top2)
    hardest = scores > np.quantile(scores, 0.95)
    scores = np.where(hardest, -scores, scores)  # negative: ranked after every other row
    return order_by_score(ctx.candidates, scores, ctx.rng), scores


print("registered:", "gallery_trimmed_margin" in available_methods())

# %%
# Using it by name
# ----------------
#
# The new method is used like any built-in one. ``CoresetSelector`` ranks inside every class by
# default (``class_balance=True``): the method is handed one class at a time, so "the hardest
# 5%" is per class. The proxy and the target are both logistic regressions; the target is
# trained on the kept rows and scored on a held-out 30%.

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)

methods = ["gallery_trimmed_margin", "margin", "random"]
accuracy = {m: [] for m in methods}
for method in methods:
    for fraction in FRACTIONS:
        selector = CoresetSelector(
            LogisticRegression(max_iter=500), method=method, fraction=fraction, random_state=0
        )
        X_kept, y_kept = selector.fit_resample(X_train, y_train)
        target = LogisticRegression(max_iter=500).fit(X_kept, y_kept)
        accuracy[method].append(target.score(X_test, y_test))
    print(
        f"{method:>22}: "
        + "  ".join(
            f"{f:.0%} kept {a:.3f}" for f, a in zip(FRACTIONS, accuracy[method], strict=True)
        )
    )

fig, ax = plt.subplots(figsize=(6, 4))
for method, marker in zip(methods, ["o", "^", "s"], strict=True):
    ax.plot(FRACTIONS, accuracy[method], marker=marker, label=method)
ax.set_xlabel("fraction of the training rows kept")
ax.set_ylabel("test accuracy (logistic regression)")
ax.set_title("Custom method vs margin and random (digits)")
ax.legend()
fig.tight_layout()

# %%
# Reading the result
# ------------------
#
# The reading below is computed from the accuracies above: the trimmed variant against plain
# margin and against random at every fraction kept. Trimming is meant for small fractions,
# where plain margin keeps only the rows the proxy is most torn about. This is one seed on one
# dataset: compare your own method against random on your own data before using it
# (``sampler="ccs"`` is the built-in, benchmarked way to drop the hardest rows and spread the
# budget over the score range).


def in_words(points, other):
    if abs(points) < 0.05:
        return f"level with {other}"
    return f"{abs(points):.1f} points {'above' if points > 0 else 'below'} {other}"


trimmed, plain, rand = (np.array(accuracy[m]) for m in methods)
for f, t, p, r in zip(FRACTIONS, trimmed, plain, rand, strict=True):
    print(
        f"{f:.0%} kept: trimmed margin {t:.3f}, {in_words(100 * (t - p), 'plain margin')}, "
        f"{in_words(100 * (t - r), 'random')}"
    )

# %%
# The registry has no public way to remove a method: ``gallery_trimmed_margin`` stays
# registered until the process ends. Registering the same name again replaces it, so rerunning
# this script is safe; give your own methods names that no other code uses.

register_method("gallery_trimmed_margin", needs={"proba"})(trimmed_margin)  # replaces it
print("registered once:", available_methods().count("gallery_trimmed_margin") == 1)
