"""Dask pools: selections on a LocalCluster with 2 worker processes equal the in-memory ones."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from svpkit import CoresetSelector, ProxySelector, greedy_kcenters, make_default_proxy
from svpkit.nn import predict_proba_and_embed

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


def local_cluster(silence_logs: int = 40):
    """Two single-threaded worker processes on loopback."""
    return distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=silence_logs,
    )


@pytest.fixture(scope="module")
def client():
    cluster = local_cluster()
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


@pytest.fixture(scope="module")
def pool():
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    y_partial = np.full(len(y), -1)
    y_partial[:200] = y[:200]
    return X, y, y_partial


@pytest.mark.parametrize("method", ["least_confidence", "entropy", "margin", "random"])
def test_uncertainty_selection_equals_in_memory(client, pool, method):
    X, _, y_partial = pool
    X_dask = da.from_array(X, chunks=(400, -1))
    make = lambda: ProxySelector(  # noqa: E731
        LogisticRegression(max_iter=300), method=method, n_select=60, random_state=0
    )
    in_memory = make().fit(X, y_partial)
    distributed_sel = make().fit(X_dask, y_partial)
    np.testing.assert_array_equal(distributed_sel.sample_indices_, in_memory.sample_indices_)
    # float32 probabilities from blocks of another size may differ in the last bit
    np.testing.assert_allclose(distributed_sel.scores_, in_memory.scores_, rtol=1e-5, atol=1e-6)
    assert (y_partial[distributed_sel.sample_indices_] == -1).all()


@pytest.mark.parametrize("method", ["typiclust", "maxherding", "badge"])
def test_cold_start_and_badge_selections_equal_in_memory(client, pool, method):
    X, _, y_partial = pool
    X_dask = da.from_array(X, chunks=(400, -1))
    make = lambda: ProxySelector(  # noqa: E731
        LogisticRegression(max_iter=300), method=method, n_select=30, random_state=0
    )
    np.testing.assert_array_equal(
        make().fit(X_dask, y_partial).sample_indices_, make().fit(X, y_partial).sample_indices_
    )


def test_torch_proxy_scoring_on_workers(client, pool):
    X, _, y_partial = pool
    X_dask = da.from_array(X, chunks=(500, -1))
    make = lambda: ProxySelector(  # noqa: E731
        make_default_proxy(max_epochs=3), method="entropy", n_select=50, random_state=0
    )
    np.testing.assert_array_equal(
        make().fit(X_dask, y_partial).sample_indices_, make().fit(X, y_partial).sample_indices_
    )


def test_coreset_class_balance_on_dask(client, pool):
    X, y, _ = pool
    X_dask = da.from_array(X, chunks=(600, -1))
    make = lambda: CoresetSelector(  # noqa: E731
        LogisticRegression(max_iter=300),
        method="margin",
        fraction=0.2,
        class_balance=True,
        random_state=0,
    )
    np.testing.assert_array_equal(
        make().fit(X_dask, y).sample_indices_, make().fit(X, y).sample_indices_
    )


def test_two_round_kcenters_radius_next_to_single_machine(client, pool):
    X, _, y_partial = pool
    X_dask = da.from_array(X, chunks=(450, -1))
    sel = ProxySelector(
        make_default_proxy(max_epochs=3), method="kcenters", n_select=40, random_state=0
    ).fit(X_dask, y_partial)
    assert sel.n_selected_ == 40 and (y_partial[sel.sample_indices_] == -1).all()
    # the same embeddings, the single-machine greedy traversal
    _, emb = predict_proba_and_embed(sel.proxy_, X)
    labeled = np.flatnonzero(y_partial != -1)
    single = greedy_kcenters(emb, 40, already_selected=labeled).radii[-1]
    distributed_radius = sel.covering_radius_
    centers = np.r_[labeled, sel.sample_indices_]
    d = np.sqrt(((emb[:, None, :] - emb[centers][None]) ** 2).sum(-1)).min(axis=1)
    unlabeled = y_partial == -1
    np.testing.assert_allclose(distributed_radius, d[unlabeled].max(), rtol=1e-4)
    # Malkomes et al.: two-round greedy is a 4-approximation; the optimum is at most the
    # single-machine greedy radius, so the distributed radius is at most 4x that.
    assert distributed_radius <= 4 * single + 1e-6
    print(f"radius: single machine {single:.4f}, two-round on 4 blocks {distributed_radius:.4f}")


def test_transform_and_fit_resample_on_dask(client, pool):
    X, y, _ = pool
    X_dask = da.from_array(X, chunks=(600, -1))
    sel = CoresetSelector(
        LogisticRegression(max_iter=300), method="entropy", fraction=0.1, random_state=0
    )
    X_sel, y_sel = sel.fit_resample(X_dask, y)
    np.testing.assert_array_equal(X_sel.compute(), X[sel.sample_indices_])
    np.testing.assert_array_equal(sel.transform(X_dask).compute(), X[sel.sample_indices_])
    with pytest.raises(ValueError, match="same dask array"):
        sel.transform(da.from_array(X[:1000], chunks=(500, -1)))


def test_dask_errors(client, pool):
    X, y, _ = pool
    bad = X.copy()
    bad[5, 3] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        CoresetSelector(LogisticRegression()).fit(da.from_array(bad, chunks=(600, -1)), y)
    with pytest.raises(ValueError, match="training dynamics over every row"):
        CoresetSelector(method="forgetting").fit(da.from_array(X, chunks=(600, -1)), y)


def test_kcenters_on_one_block_equals_in_memory(client, pool):
    """With labeled rows as existing centers, round one on a single block is the in-memory
    traversal and round two on its picks repeats it: same picks, same order."""
    X, _, y_partial = pool
    X, y_partial = X[:800], y_partial[:800]
    make = lambda: ProxySelector(  # noqa: E731
        make_default_proxy(max_epochs=2), method="kcenters", n_select=30, random_state=0
    )
    in_memory = make().fit(X, y_partial)
    one_block = make().fit(da.from_array(X, chunks=(len(X), -1)), y_partial)
    np.testing.assert_array_equal(one_block.sample_indices_, in_memory.sample_indices_)
    np.testing.assert_array_equal(one_block.ranking_, in_memory.ranking_)


def test_class_balanced_kcenters_gathers_embeddings_and_equals_in_memory(client, pool):
    X, y, _ = pool
    make = lambda: CoresetSelector(  # noqa: E731
        LogisticRegression(max_iter=300),
        method="kcenters",
        fraction=0.1,
        class_balance=True,
        random_state=0,
    )
    on_dask = make().fit(da.from_array(X, chunks=(450, -1)), y)
    np.testing.assert_array_equal(on_dask.sample_indices_, make().fit(X, y).sample_indices_)
    assert on_dask.covering_radius_ is None  # ranked in process, per class


def test_coreset_kcenters_on_dask_with_a_torch_proxy(client, pool):
    """No existing centers and an embedding wider than the input (0.1.0 failed here)."""
    X, y, _ = pool
    sel = CoresetSelector(
        make_default_proxy(max_epochs=1),
        method="kcenters",
        n_select=20,
        class_balance=False,
        random_state=0,
    ).fit(da.from_array(X[:600], chunks=(300, -1)), y[:600])
    assert sel.n_selected_ == 20 and sel.covering_radius_ > 0


class _KillOnce(distributed.WorkerPlugin):
    """SIGKILLs the worker process that starts the ``after``-th task it executes, once per
    test (an exclusive sentinel file decides which worker dies): a worker lost mid-run."""

    def __init__(self, sentinel: str, after: int) -> None:
        self.sentinel = sentinel
        self.after = after
        self.executed = 0

    def transition(self, key, start, finish, **kwargs) -> None:
        import os
        import signal

        if finish != "executing":
            return
        self.executed += 1
        if self.executed < self.after:
            return
        try:
            os.close(os.open(self.sentinel, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize("method", ["least_confidence", "kcenters"])
def test_a_worker_killed_mid_run_gives_the_same_selection(pool, method, tmp_path):
    X, _, y_partial = pool
    X_dask = da.from_array(X, chunks=(200, -1))  # 9 blocks: work left when the worker dies
    make = lambda: ProxySelector(  # noqa: E731
        LogisticRegression(max_iter=300), method=method, n_select=40, random_state=0
    )
    cluster = local_cluster(silence_logs=50)
    with cluster, distributed.Client(cluster) as client:
        undisturbed = make().fit(X_dask, y_partial)
        pids_before = set(client.run(lambda: __import__("os").getpid()).values())
        sentinel = tmp_path / "killed"
        client.register_plugin(_KillOnce(str(sentinel), after=4), name="kill-once")
        survived = make().fit(X_dask, y_partial)
        client.unregister_worker_plugin("kill-once")
        assert sentinel.exists()  # a worker did die during the second fit
        client.wait_for_workers(2, timeout=60)
        pids_after = set(client.run(lambda: __import__("os").getpid()).values())
    assert pids_before != pids_after  # the nanny replaced the killed worker process
    np.testing.assert_array_equal(survived.sample_indices_, undisturbed.sample_indices_)
    if method == "kcenters":  # the two-round algorithm: the same radius, within its bound
        assert survived.covering_radius_ == undisturbed.covering_radius_
        single = make().fit(X, y_partial)
        radius = single.scores_[single.sample_indices_].min()  # the last pick's distance
        assert survived.covering_radius_ <= 4 * radius
    else:  # gathered probabilities, ranked in process: the in-memory selection
        in_memory = make().fit(X, y_partial).sample_indices_
        np.testing.assert_array_equal(survived.sample_indices_, in_memory)
