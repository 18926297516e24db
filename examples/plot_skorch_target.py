"""
A skorch CNN target trained on a proxy-selected half
====================================================

The Selection-via-Proxy recipe end to end, with torch models: a narrow CNN trained for a few
epochs (the proxy) picks half of the training rows, and the full CNN (the target) is trained
once on them. You learn how to derive the proxy from the target with :func:`svpkit.make_proxy`,
how to select with :class:`svpkit.CoresetSelector` and ``fit_resample``, and how to compare the
result fairly: against the target trained on all rows and on a random half of the same size,
counting the selection's own time.
"""

import os
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from svpkit import CoresetSelector, make_proxy
from svpkit.datasets import load_image_dataset
from svpkit.nn import ProxyNet, SmallCNN

QUICK = os.environ.get("SVPKIT_GALLERY_QUICK") == "1"
SEEDS, TARGET_EPOCHS = ([0], 5) if QUICK else ([0, 1], 20)

# %%
# Data, target and proxy
# ----------------------
#
# ``ProxyNet`` is a skorch ``NeuralNetClassifier`` with the defaults a selector needs (float32
# input, shuffled batches, seeded training, embeddings beside the logits). ``SmallCNN`` reads
# each 64-column row as a 1x8x8 image. The proxy is the same network, 4 times narrower and
# trained for 5 epochs; the target trains for ``TARGET_EPOCHS`` (fewer when the site is built
# on its quick setting).

digits = load_image_dataset("digits")
X_train, X_test, y_train, y_test = train_test_split(
    digits.X, digits.y, test_size=0.3, stratify=digits.y, random_state=0
)
target = ProxyNet(
    SmallCNN, module__image_shape=digits.image_shape, module__width=32, max_epochs=TARGET_EPOCHS
)
proxy = make_proxy(target, module__width=8, max_epochs=5)

# The first selection and torch training in a process pay for one-off imports: warm up on a
# few rows so that the timings below compare training runs, not imports.
warm_up = make_proxy(proxy, max_epochs=1)
_ = CoresetSelector(warm_up, method="forgetting", random_state=0).fit(X_train[:100], y_train[:100])
for name, net in [("target", target), ("proxy", proxy)]:
    params = net.get_params()
    print(f"{name}: width {params['module__width']}, {params['max_epochs']} epochs")

# %%
# Three training sets per seed
# ----------------------------
#
# ``forgetting`` counts, while the proxy trains, how often each row goes from correctly to
# wrongly classified; rows never learned or often forgotten are kept first, rows learned once
# and never forgotten are dropped. The random half uses the same selector with
# ``method="random"``, class-balanced like the forgetting half (the ``CoresetSelector``
# default), so only the ranking differs.

arms = ["all rows", "forgetting (proxy)", "random half"]
acc = {a: [] for a in arms}
select_s = {a: [] for a in arms}
train_s = {a: [] for a in arms}
for seed in SEEDS:
    for arm in arms:
        start = time.perf_counter()
        if arm == "all rows":
            X_fit, y_fit = X_train, y_train
        else:
            method = "forgetting" if arm.startswith("forgetting") else "random"
            selector = CoresetSelector(proxy, method=method, fraction=0.5, random_state=seed)
            X_fit, y_fit = selector.fit_resample(X_train, y_train)
        select_s[arm].append(time.perf_counter() - start)
        start = time.perf_counter()
        model = make_proxy(target, random_state=seed).fit(X_fit, y_fit)
        train_s[arm].append(time.perf_counter() - start)
        acc[arm].append(model.score(X_test, y_test))

for arm in arms:
    print(
        f"{arm:>18}: {len(y_fit) if arm != 'all rows' else len(y_train):4d} rows, "
        f"test accuracy {np.mean(acc[arm]):.4f} (seeds: {np.round(acc[arm], 4).tolist()}), "
        f"selection {np.mean(select_s[arm]):.2f} s + target {np.mean(train_s[arm]):.2f} s"
    )

# %%
# Accuracy and time
# -----------------

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4))
pos = np.arange(len(arms))
colors = ["tab:gray", "tab:blue", "tab:orange"]
ax0.bar(pos, [np.mean(acc[a]) for a in arms], color=colors)
for p, a in zip(pos, arms, strict=True):
    ax0.plot([p] * len(SEEDS), acc[a], "k.", label="one seed" if p == 0 else None)
lo = min(min(v) for v in acc.values())
ax0.set_ylim(max(0.0, lo - 0.05), 1.0)
ax0.set_xticks(pos, arms)
ax0.set_ylabel("test accuracy")
ax0.set_title(f"SmallCNN target, {TARGET_EPOCHS} epochs (mean of {len(SEEDS)} seed(s))")
ax0.legend(loc="lower right")

sel = np.array([np.mean(select_s[a]) for a in arms])
tr = np.array([np.mean(train_s[a]) for a in arms])
ax1.bar(pos, tr, color=colors)
ax1.bar(pos, sel, bottom=tr, color="none", edgecolor="k", hatch="//", label="selection")
ax1.set_xticks(pos, arms)
ax1.set_ylabel("seconds (wall time, mean of the seeds)")
ax1.set_title("Time to a trained target: training + selection")
ax1.legend(fontsize=8)
fig.tight_layout()

# %%
# Reading the result
# ------------------
#
# The reading below is computed from the accuracies and timings above. It weighs the time
# saved on the target's training against what the selection costs (the proxy's training and
# scoring), which Selection via Proxy needs to be small next to the target's training. A test
# split this small and one or two seeds cannot tell a gap of a few test digits from noise, and
# random is a strong baseline: measure with more seeds on your own data before concluding
# (:doc:`/benchmarks/coreset` runs several seeds, fractions and methods on the digits and on an
# MNIST sample).

mean = {
    a: {"acc": np.mean(acc[a]), "sel": np.mean(select_s[a]), "tr": np.mean(train_s[a])}
    for a in arms
}
full, picked, rand = (mean[a] for a in arms)
full_time = full["tr"]
print(
    f"Training the target on the forgetting half took {picked['tr'] / full_time:.0%} of its "
    f"time on all rows ({picked['tr']:.2f} s against {full_time:.2f} s); the selection "
    f"(proxy training and scoring) took {picked['sel']:.2f} s, "
    f"{picked['sel'] / full_time:.0%} of the full-data training."
)
end_to_end = (picked["sel"] + picked["tr"]) / full_time
print(
    f"End to end, selection plus training on the half took {end_to_end:.0%} of the time of "
    f"training on every row: "
    + ("a saving." if end_to_end < 1 else "no saving: the proxy costs too much here.")
)
n_test = len(y_test)
for arm in arms[1:]:
    gap = mean[arm]["acc"] - full["acc"]
    print(
        f"{arm}: {100 * gap:+.1f} points of test accuracy against all rows "
        f"({gap * n_test:+.0f} of {n_test} test digits)."
    )
gap = picked["acc"] - rand["acc"]
seeds_ahead = sum(a > b for a, b in zip(acc[arms[1]], acc[arms[2]], strict=True))
print(
    f"The forgetting half against the random half: {100 * gap:+.1f} points "
    f"({gap * n_test:+.0f} test digits), ahead in {seeds_ahead} of {len(SEEDS)} seed(s)."
)
