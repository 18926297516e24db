"""What keeps a large pool streaming: partitioned top-k, no copies of the embedding, outputs
memory-mapped past a budget, memmap fingerprints without a full hash, a proxy trained on a
labeled subset."""

import os
import tracemalloc

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import InvalidParameterError

from svpkit import CoresetSelector, ProxySelector
from svpkit._validation import array_fingerprint
from svpkit.kernels import topk
from svpkit.pools import outputs as pool_outputs
from tests.helpers import small_proxy


class RecordingLogisticRegression(LogisticRegression):
    """Remembers how many rows it was fitted on."""

    def fit(self, X, y, sample_weight=None):
        self.n_fit_rows_ = len(X)
        return super().fit(X, y, sample_weight)


def clustered(n, d=8, seed=0):
    rng = np.random.RandomState(seed)
    centers = rng.randn(6, d) * 4
    labels = rng.randint(0, 6, n)
    X = (centers[labels] + rng.randn(n, d)).astype(np.float32)
    return X, labels % 3


def memmap_of(tmp_path, X, name="pool.npy"):
    path = tmp_path / name
    np.save(path, X)
    return np.load(path, mmap_mode="r")


def test_large_pools_rank_only_the_kept_prefix(monkeypatch):
    X, y = clustered(3000)
    y_partial = np.where(np.arange(3000) < 300, y, -1)
    make = lambda: ProxySelector(  # noqa: E731
        LogisticRegression(max_iter=300), method="least_confidence", n_select=50, random_state=0
    )
    full = make().fit(X, y_partial)
    monkeypatch.setattr(topk, "FULL_RANKING_MAX_ROWS", 1000)
    partial = make().fit(X, y_partial)
    assert len(full.ranking_) == 2700 and len(partial.ranking_) == 50
    # continuous scores have no ties: the same rows, best first, and the same scores
    np.testing.assert_array_equal(partial.ranking_, full.ranking_[:50])
    np.testing.assert_array_equal(partial.sample_indices_, full.sample_indices_)
    np.testing.assert_allclose(partial.scores_, full.scores_)


# -- outputs past the memory budget -------------------------------------------------------
def test_output_array_maps_large_outputs_to_an_unlinked_file(tmp_path):
    small = pool_outputs.output_array((10, 4), np.float32, scratch_dir=tmp_path, budget=1 << 20)
    assert not isinstance(small, np.memmap)
    big = pool_outputs.output_array((10, 4), np.float32, scratch_dir=tmp_path, budget=100)
    assert isinstance(big, np.memmap) and big.shape == (10, 4)
    big[:] = 7.0
    assert float(big.sum()) == 280.0
    assert list(tmp_path.iterdir()) == []  # removed at once: freed with the array


def test_embeddings_past_the_budget_give_the_same_selection(tmp_path, monkeypatch):
    X, y = clustered(800)
    y_partial = np.where(np.arange(800) < 150, y, -1)
    make = lambda **kw: ProxySelector(  # noqa: E731
        small_proxy(), method="kcenters", n_select=30, random_state=0, **kw
    )
    in_memory = make().fit(X, y_partial)
    mapped = []
    original = pool_outputs.output_array

    def recording(shape, dtype, *, scratch_dir=None, budget=0):
        out = original(shape, dtype, scratch_dir=scratch_dir, budget=0)
        mapped.append((type(out), scratch_dir))
        return out

    monkeypatch.setattr(pool_outputs, "output_array", recording)
    on_disk = make(scratch_dir=tmp_path).fit(X, y_partial)
    assert (np.memmap, str(tmp_path)) in mapped
    np.testing.assert_array_equal(on_disk.sample_indices_, in_memory.sample_indices_)
    np.testing.assert_allclose(on_disk.sample_weight_, in_memory.sample_weight_)
    assert list(tmp_path.iterdir()) == []


def test_scratch_dir_is_validated():
    X, y = clustered(100)
    with pytest.raises(InvalidParameterError, match="scratch_dir"):
        CoresetSelector(method="random", scratch_dir=3).fit(X, y)


def test_kcenters_never_copies_the_embedding(tmp_path):
    # No torch proxy: the embedding is the memory-mapped pool itself, 25.6 MB here; the
    # traversal and the weights allocate O(n) vectors and fixed-size blocks only.
    X = np.random.RandomState(0).randn(100_000, 64).astype(np.float32)
    X_map = memmap_of(tmp_path, X)
    y = np.full(len(X), -1)
    sel = ProxySelector(proxy=None, method="kcenters", n_select=20, random_state=0)
    tracemalloc.start()
    sel.fit(X_map, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 0.6 * X.nbytes, f"{peak / 2**20:.1f} MiB traced for a {X.nbytes / 2**20} MiB pool"
    assert sel.sample_weight_.sum() == len(X)
    labeled = np.where(np.arange(len(X)) < 500, 0, -1)
    labeled[:250] = 1  # active learning: existing centers, the weights count candidates only
    tracemalloc.start()
    sel = ProxySelector(LogisticRegression(), method="kcenters", n_select=20, random_state=0).fit(
        X_map, labeled
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert sel.sample_weight_.sum() == len(X) - 500
    assert (labeled[sel.sample_indices_] == -1).all()
    assert peak < 0.6 * X.nbytes, f"{peak / 2**20:.1f} MiB traced"


# -- memmap fingerprints ------------------------------------------------------------------
def test_memmap_fingerprint_is_the_file_and_a_sample(tmp_path):
    X = np.random.RandomState(0).randn(2000, 5).astype(np.float32)
    a = memmap_of(tmp_path, X)
    assert array_fingerprint(a) == array_fingerprint(np.load(tmp_path / "pool.npy", "r"))
    assert array_fingerprint(a) != array_fingerprint(a[1:])  # another place in the file
    assert array_fingerprint(a) != array_fingerprint(memmap_of(tmp_path, X, "copy.npy"))
    before = array_fingerprint(a)
    stat = os.stat(tmp_path / "pool.npy")  # the file is rewritten (its time moves on)
    os.utime(tmp_path / "pool.npy", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert before != array_fingerprint(np.load(tmp_path / "pool.npy", "r"))


def test_transform_recognises_the_fitted_memmap(tmp_path):
    X, y = clustered(500)
    X_map = memmap_of(tmp_path, X)
    sel = CoresetSelector(LogisticRegression(), method="least_confidence", fraction=0.1)
    sel.fit(X_map, y)
    np.testing.assert_array_equal(sel.transform(X_map), X[sel.sample_indices_])


# -- a proxy trained on a labeled subset --------------------------------------------------
@pytest.mark.parametrize("size, expected", [(300, 300), (0.25, 500), (None, 2000), (5000, 2000)])
def test_proxy_train_size(size, expected):
    X, y = clustered(2000)
    sel = CoresetSelector(
        RecordingLogisticRegression(max_iter=300),
        method="least_confidence",
        fraction=0.1,
        proxy_train_size=size,
        random_state=0,
    ).fit(X, y)
    assert abs(sel.proxy_.n_fit_rows_ - expected) <= 3  # per-class rounding
    assert set(sel.proxy_.classes_) == set(np.unique(y))  # every class drawn
    assert np.isfinite(sel.scores_).all()  # inference and scoring still cover every row


def test_proxy_train_size_is_seeded():
    X, y = clustered(2000)
    make = lambda seed: CoresetSelector(  # noqa: E731
        LogisticRegression(max_iter=300),
        method="least_confidence",
        fraction=0.1,
        proxy_train_size=100,
        random_state=seed,
    ).fit(X, y)
    np.testing.assert_array_equal(make(0).sample_indices_, make(0).sample_indices_)
    assert not np.array_equal(make(0).scores_, make(1).scores_)


def test_proxy_train_size_refuses_training_dynamics():
    X, y = clustered(300)
    with pytest.raises(ValueError, match="training dynamics"):
        CoresetSelector(small_proxy(), method="el2n", fraction=0.5, proxy_train_size=100).fit(X, y)


@pytest.mark.parametrize("size", [0, -1, 1.0, 1.5, "all"])
def test_proxy_train_size_is_validated(size):
    X, y = clustered(100)
    with pytest.raises(InvalidParameterError, match="proxy_train_size"):
        CoresetSelector(method="random", proxy_train_size=size).fit(X, y)
