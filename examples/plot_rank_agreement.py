"""
Do the proxy and the target rank rows alike?
============================================

Selection via Proxy works when a cheap proxy finds the same rows interesting as the expensive
target would. This example trains a small CNN target and three cheaper proxies on the same
labeled rows, scores the same unlabeled pool with each (margin uncertainty), and measures how
well the rankings agree: the Spearman rank correlation and the overlap of their top-k sets.
You learn how to derive proxies from a target with :func:`svpkit.make_proxy`, how to score a
pool with :mod:`svpkit.kernels`, and how to check a proxy before trusting its selections.
"""

import os
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from svpkit import make_proxy
from svpkit.datasets import load_image_dataset
from svpkit.kernels import margin
from svpkit.nn import ProxyNet, SmallCNN

QUICK = os.environ.get("SVPKIT_GALLERY_QUICK") == "1"
TARGET_EPOCHS = 8 if QUICK else 30

# %%
# A labeled set and an unlabeled pool
# -----------------------------------
#
# 500 labeled digits train every model; the other 1,297 rows form the pool to rank.

digits = load_image_dataset("digits")  # float32 in [0, 1], 8x8 images as 64 columns
X_lab, X_pool, y_lab, _ = train_test_split(
    digits.X, digits.y, train_size=500, stratify=digits.y, random_state=0
)

# %%
# One target, three proxies
# -------------------------
#
# The target is a small CNN (32 channels) trained for ``TARGET_EPOCHS`` epochs (fewer when the
# site is built on its quick setting). ``make_proxy`` clones it with other parameters, the SVP
# paper's two recipes: fewer epochs, or a narrower network. A logistic regression is a third,
# different-family proxy.

target = ProxyNet(
    SmallCNN,
    module__image_shape=digits.image_shape,
    module__width=32,
    max_epochs=TARGET_EPOCHS,
    random_state=0,
)
models = {
    "target (CNN, width 32)": target,
    "fewer epochs (3)": make_proxy(target, max_epochs=3),
    "narrower (width 4)": make_proxy(target, module__width=4),
    "logistic regression": LogisticRegression(max_iter=500),
}
# The first torch training in a process pays for one-off imports: warm up on a few rows so
# that the timings below compare models, not imports.
make_proxy(target, max_epochs=1).fit(X_lab[:64], y_lab[:64])

scores, seconds = {}, {}
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X_lab, y_lab)
    seconds[name] = time.perf_counter() - start
    scores[name] = margin(model.predict_proba(X_pool))  # larger = less sure = pick first


def ranks(s):
    """Rank of every row, 0 for the largest score (the first row a selector keeps)."""
    r = np.empty(len(s), dtype=int)
    r[np.argsort(-s, kind="stable")] = np.arange(len(s))
    return r


def top_k_overlap(a, b, k):
    """Share of a's k top-scored rows that are also among b's k top-scored rows."""
    return len(np.intersect1d(np.argsort(-a)[:k], np.argsort(-b)[:k])) / k


# %%
# Agreement with the target
# -------------------------
#
# Spearman's correlation is the Pearson correlation of the ranks. The top-k overlap is what a
# selection actually depends on: a selector that keeps k rows keeps the proxy's top k. Two
# unrelated rankings overlap by ``k / n`` on average.

target_name = "target (CNN, width 32)"
n = len(X_pool)
ks = np.unique(np.geomspace(10, n, 25).astype(int))
k10 = int(0.1 * n)
overlaps = {}
for name in list(models)[1:]:
    rho = np.corrcoef(ranks(scores[name]), ranks(scores[target_name]))[0, 1]
    overlaps[name] = [top_k_overlap(scores[name], scores[target_name], k) for k in ks]
    top10 = top_k_overlap(scores[name], scores[target_name], k10)
    print(
        f"{name:>20}: fit {seconds[name]:5.2f} s (target {seconds[target_name]:.2f} s), "
        f"Spearman {rho:.2f}, top-10% overlap {top10:.2f}"
    )
print(f"{'random ranking':>20}: top-10% overlap {k10 / n:.2f} on average")

# %%
# Plots: ranks side by side, and the top-k overlap
# ------------------------------------------------

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.5))
proxy_name = "fewer epochs (3)"
ax0.scatter(ranks(scores[target_name]), ranks(scores[proxy_name]), s=3, alpha=0.4)
ax0.set_xlabel("target's rank of the row (0 = most uncertain)")
ax0.set_ylabel(f"proxy's rank: {proxy_name}")
ax0.set_title(f"Margin ranks of the {n:,} pool rows")

for name, ov in overlaps.items():
    ax1.plot(ks / n, ov, marker="o", ms=3, label=name)
ax1.plot(ks / n, ks / n, "k--", label="random ranking (expected)")
ax1.set_xscale("log")
ax1.set_xlabel("share of the pool kept (top k / n)")
ax1.set_ylabel("overlap with the target's top k")
ax1.set_title("Does the proxy keep the rows the target would?")
ax1.legend(fontsize=8)
fig.tight_layout()

# %%
# Reading the result
# ------------------
#
# The reading below is computed from the agreements above: which proxy agrees best with the
# target, and whether each agrees better than chance at the top of the ranking, where
# selection happens. The SVP paper's recipes (fewer epochs, a narrower network) are not
# automatically the best proxies on a small dataset: measure. And a proxy that agrees
# imperfectly can still select well, since the target needs a good training set, not its own
# ranking: the final check is always the target's accuracy against a random subset of the same
# size.

spearman = {
    name: np.corrcoef(ranks(scores[name]), ranks(scores[target_name]))[0, 1] for name in overlaps
}
top10 = {name: top_k_overlap(scores[name], scores[target_name], k10) for name in overlaps}
order = sorted(overlaps, key=spearman.get, reverse=True)
print(
    "Agreement with the target, best first (Spearman): "
    + ", ".join(f"{name} {spearman[name]:.2f}" for name in order)
)
chance = k10 / n
for name in order:
    ratio = top10[name] / chance
    print(
        f"{name}: {top10[name]:.0%} of its top 10% among the target's top 10%, "
        f"{ratio:.1f} times what a random ranking shares ({chance:.0%})"
    )
