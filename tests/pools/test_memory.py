"""In-memory pools: numpy arrays and memory maps (linear overhead), the proxy-output cache."""

import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from svpkit import CoresetSelector, ProxySelector, make_default_proxy
from tests.helpers import small_proxy


def test_memory_caches_proxy_training_across_fractions(digits, tmp_path, proxy_trainings):
    X, y = digits
    calls = proxy_trainings
    sel = CoresetSelector(small_proxy(), method="margin", random_state=0, memory=str(tmp_path))
    a = sel.set_params(fraction=0.2).fit(X, y).sample_indices_
    b = sel.set_params(fraction=0.5).fit(X, y).sample_indices_
    assert len(calls) == 1
    assert set(a) <= set(b)


def test_one_cached_training_serves_every_method_with_identical_selections(
    digits, tmp_path, proxy_trainings
):
    X, y = digits
    for method in ["least_confidence", "margin", "entropy", "kcenters", "forgetting"]:
        cached = CoresetSelector(
            small_proxy(), method=method, fraction=0.3, random_state=0, memory=str(tmp_path)
        ).fit(X, y)
        plain = CoresetSelector(small_proxy(), method=method, fraction=0.3, random_state=0)
        plain.fit(X, y)
        np.testing.assert_array_equal(cached.sample_indices_, plain.sample_indices_)
    # five cache-less fits plus a single cached one shared by all five methods
    assert len(proxy_trainings) == 6


def test_cache_hit_even_if_the_proxy_template_was_fitted_meanwhile(
    digits, tmp_path, proxy_trainings
):
    X, y = digits
    template = small_proxy()
    CoresetSelector(
        template, method="margin", fraction=0.2, random_state=0, memory=str(tmp_path)
    ).fit(X, y)
    template.fit(X[:100], y[:100])  # e.g. the target trained elsewhere, then reused as proxy
    CoresetSelector(
        template, method="margin", fraction=0.4, random_state=0, memory=str(tmp_path)
    ).fit(X, y)
    assert len(proxy_trainings) == 1


CHILD = textwrap.dedent(
    """
    import re, resource, sys
    import numpy as np
    from svpkit import ProxySelector, make_default_proxy

    path, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.RandomState(0)
    y = np.full(n, -1)
    y[:600] = rng.randint(0, 3, 600)
    X = np.memmap(path, dtype=np.float32, mode="r", shape=(n, d))

    # Warm up torch and the proxy so the limit measures the selection, not the imports.
    warm = np.ascontiguousarray(X[:2000]); wy = y[:2000].copy(); wy[wy == -1] = 0
    ProxySelector(make_default_proxy(max_epochs=1), method="random", n_select=5).fit(warm, wy)
    vm_data = int(re.search(r"VmData:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
    limit = vm_data * 1024 + int(sys.argv[4])
    resource.setrlimit(resource.RLIMIT_DATA, (limit, resource.RLIM_INFINITY))
    assert X.nbytes > 2 * limit, "the pool must be over twice the data-segment limit"

    try:  # the limit bites: a whole-pool copy is refused
        np.array(X)
        print("COPY-SUCCEEDED")
    except MemoryError:
        print("COPY-REFUSED")

    proxy = make_default_proxy(max_epochs=2, module__hidden_units=(32,))
    sel = ProxySelector(proxy, method="entropy", n_select=500, random_state=0).fit(X, y)
    assert sel.n_selected_ == 500 and (y[sel.sample_indices_] == -1).all()
    np.save(sys.argv[5], sel.sample_indices_)
    print("SELECTED", sel.n_selected_)
    """
)


def test_memmap_pool_larger_than_the_data_limit_is_selected_from(tmp_path):
    if shutil.disk_usage(tmp_path).free < 6 * 2**30:
        pytest.skip("needs 6 GB of free disk for the 2.5 GB pool file")
    # 2.5 GB on disk; the data-segment limit is what the imports took plus 400 MB (about
    # 1.1 GB): room for a few n-sized bookkeeping arrays, never for the pool
    n, d = 2_500_000, 256
    allowance = 400 * 2**20
    path = tmp_path / "pool.f32"
    pool = np.memmap(path, dtype=np.float32, mode="w+", shape=(n, d))
    rng = np.random.default_rng(1)
    for start in range(0, n, 250_000):
        pool[start : start + 250_000] = rng.standard_normal((250_000, d), dtype=np.float32)
    pool.flush()
    del pool
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    out = tmp_path / "selected.npy"
    proc = subprocess.run(
        [sys.executable, str(script), str(path), str(n), str(d), str(allowance), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "COPY-REFUSED" in proc.stdout
    assert "SELECTED 500" in proc.stdout
    selected = np.load(out)
    assert len(np.unique(selected)) == 500


def test_memmap_pool_gives_the_same_selection_as_in_memory(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.rand(5000, 16).astype(np.float32)
    y = np.full(5000, -1)
    y[:300] = rng.randint(0, 3, 300)
    path = tmp_path / "pool.f32"
    mm = np.memmap(path, dtype=np.float32, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    mm = np.memmap(path, dtype=np.float32, mode="r", shape=X.shape)
    for method in ["entropy", "kcenters"]:
        selections = [
            ProxySelector(
                make_default_proxy(max_epochs=2), method=method, n_select=100, random_state=0
            )
            .fit(pool, y)
            .sample_indices_
            for pool in (mm, X)
        ]
        np.testing.assert_array_equal(*selections)
