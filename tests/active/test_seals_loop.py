"""SEALS in the active-learning loop: one index for every round, checkpointed, resumed."""

import json

import numpy as np
import pytest
from sklearn.datasets import load_digits

from svpkit import KnnCandidates, ProxySelector
from svpkit.active import ActiveLearningLoop
from svpkit.active.checkpoint import load_checkpoint, load_checkpoint_arrays
from svpkit.selectors.candidates import INDEX_FILE
from tests.helpers import logreg, run_killed_loop


@pytest.fixture(scope="module")
def data():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0)[:900], y[:900]


def seals_loop(**params):
    defaults = dict(
        initial_size=40,
        round_sizes=[30, 30, 30],
        random_state=0,
        verbose=False,
        initial="random",
        candidates="knn",
    )
    defaults.update(params)
    return ActiveLearningLoop(ProxySelector(logreg(), method="entropy"), **defaults)


def test_rounds_score_only_the_neighbourhoods_of_the_labels(data, tmp_path):
    X, y = data
    loop = seals_loop(checkpoint_dir=tmp_path).run(X, y)
    knn = loop.candidates_
    assert isinstance(knn, KnnCandidates) and (tmp_path / INDEX_FILE).exists()
    start = 40
    for record in loop.history_[1:]:
        before = loop.labeled_indices_[:start]
        picked = loop.labeled_indices_[start : start + record["n_new"]]
        reachable = knn.candidates(X, before)
        assert record["n_scored"] == len(reachable) < len(X) - start
        assert np.isin(picked, reachable).all()
        assert record["candidate_seconds"] > 0
        start += record["n_new"]
    assert loop.history_[0]["n_scored"] == len(X)


def test_the_selectors_own_knn_setting_is_built_once_for_the_loop(data, monkeypatch):
    X, y = data
    built = []
    real_fit = KnnCandidates.fit
    monkeypatch.setattr(
        KnnCandidates, "fit", lambda self, *a, **k: built.append(1) or real_fit(self, *a, **k)
    )
    loop = ActiveLearningLoop(
        ProxySelector(logreg(), method="margin", candidates="knn"),
        initial_size=40,
        round_sizes=[20, 20],
        initial="random",
        random_state=0,
        verbose=False,
    ).run(X, y)
    assert len(built) == 1 and loop.candidates_ is not None
    assert loop.selector_.candidates is loop.candidates_
    everything = seals_loop(candidates="all", round_sizes=[20]).run(X, y)
    assert everything.candidates_ is None and everything.history_[1]["n_scored"] == 860


def test_a_users_index_over_an_embedding_is_used_as_given(data):
    X, y = data
    E = X[:, ::2].copy()  # any fixed representation with one row per pool row
    knn = KnnCandidates(n_neighbors=5).fit(X, embedding=E)
    loop = seals_loop(candidates=knn, round_sizes=[20]).run(X, y)
    assert loop.candidates_ is knn
    picked = loop.labeled_indices_[40:]
    assert np.isin(picked, knn.candidates(X, loop.labeled_indices_[:40])).all()


def test_kill_9_mid_round_resumes_identically_from_the_saved_index(data, tmp_path, monkeypatch):
    X, y = data
    folder, log = run_killed_loop(tmp_path, initial="random", candidates="knn")
    saved, _, meta = load_checkpoint(folder)
    assert len(meta["history"]) == 2 and (folder / INDEX_FILE).exists()
    assert "knn_rows" in load_checkpoint_arrays(folder)
    killed_round = json.loads(open(log).readlines()[2])

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the index must come back from the checkpoint")

    monkeypatch.setattr(KnnCandidates, "fit", no_rebuild)
    asked_again = []

    def oracle(indices):
        asked_again.append(indices.tolist())
        return y[indices]

    resumed = seals_loop(checkpoint_dir=folder).run(X, oracle, resume=True)
    monkeypatch.undo()
    uninterrupted = seals_loop().run(X, y)
    np.testing.assert_array_equal(resumed.labeled_indices_, uninterrupted.labeled_indices_)
    assert asked_again[0] == killed_round  # the killed round asks for the same rows again
    assert set(sum(asked_again, [])).isdisjoint(saved)
    assert [r["n_scored"] for r in resumed.history_] == [
        r["n_scored"] for r in uninterrupted.history_
    ]


def test_subsample_draws_a_fresh_share_every_round(data):
    X, y = data
    loop = seals_loop(candidates="subsample", round_sizes=[5, 5]).run(X, y)
    assert loop.candidates_.n_neighbors == 0
    assert all(r["n_scored"] <= 18 for r in loop.history_[1:])  # 2% of 900 rows
    first, second = (loop.candidates_.candidates(X, loop.labeled_indices_[:n]) for n in (40, 45))
    assert not np.array_equal(first, second)
