"""
Near-duplicates waste a labeling budget; deduplication gives it back
====================================================================

Uncertainty sampling asks for the rows the model is least sure of, and a near-copy of an
uncertain row is just as uncertain: on a pool with near-duplicates, a margin batch spends part
of its budget on rows that teach nothing new. You learn to find the groups with
:func:`svpkit.kernels.dedup.find_duplicates` (which row stands for which), and to have a
selector skip them with ``dedup=`` (SemDeDup: a cosine similarity threshold in the embedding).
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from svpkit import ProxySelector
from svpkit.kernels.dedup import find_duplicates

QUICK = os.environ.get("SVPKIT_GALLERY_QUICK") == "1"
N_SEEDS = 2 if QUICK else 10

# %%
# A pool where a third of the rows are near-copies
# ------------------------------------------------
#
# 2,000 rows, then 1,000 near-copies of random rows (noise of 1% of the spread), each with its
# source's label: scraped data, repeated sensor readings, re-posted texts look like this.

X, y = make_classification(2000, n_features=20, n_informative=8, random_state=0)
rng = np.random.default_rng(0)
sources = rng.choice(2000, 1000)
X = np.vstack([X, X[sources] + 0.01 * rng.normal(size=(1000, 20))]).astype(np.float32)
y = np.r_[y, y[sources]]
family = np.r_[np.arange(2000), sources]  # which original each row comes from

found = find_duplicates(X)
print(f"{found.n_duplicates} near-duplicates in {len(found.groups())} groups")
copies = family != np.arange(len(X))
same = found.representative[copies] == found.representative[family[copies]]
print(f"every copy grouped with its source: {bool(same.all())}")

# %%
# Margin sampling with and without deduplication
# ----------------------------------------------
#
# Five rounds of 60 labels from a random start of 60. A wasted label is a row whose original
# is already labeled, or asked twice in the same batch.


def run(dedup, seed):
    labeled = np.random.default_rng(seed).choice(len(X), 60, replace=False)
    wasted = []
    for _ in range(5):
        y_partial = np.full(len(X), -1)
        y_partial[labeled] = y[labeled]
        selector = ProxySelector(
            LogisticRegression(max_iter=500), method="margin", n_select=60, dedup=dedup,
            random_state=seed,
        )  # fmt: skip
        picked = selector.fit(X, y_partial).sample_indices_
        seen = set(family[labeled].tolist())
        batch = family[picked]
        wasted.append(int(np.isin(batch, list(seen)).sum() + len(batch) - len(set(batch))))
        labeled = np.r_[labeled, picked]
    return wasted


plain = np.array([run(None, s) for s in range(N_SEEDS)])
deduplicated = np.array([run(0.95, s) for s in range(N_SEEDS)])

fig, ax = plt.subplots(figsize=(6, 3.5))
rounds = np.arange(1, 6)
ax.plot(rounds, plain.mean(axis=0), "o-", label="margin")
ax.plot(rounds, deduplicated.mean(axis=0), "s-", label="margin, dedup=0.95")
ax.set_xlabel("round")
ax.set_ylabel("wasted labels per batch of 60")
ax.set_xticks(rounds)
ax.legend()
fig.tight_layout()
plt.show()
print(f"wasted per batch: margin {plain.mean():.1f}, with dedup {deduplicated.mean():.1f}")
