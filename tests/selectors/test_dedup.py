"""The selectors' dedup= pre-step and the semdedup method."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import InvalidParameterError

from svpkit import CoresetSelector, ProxySelector


@pytest.fixture(scope="module")
def copied():
    """500 rows and 100 near-copies of rows 0-99 (rows 500-599), same labels."""
    X, y = make_classification(500, n_features=10, n_informative=6, random_state=0)
    rng = np.random.default_rng(0)
    copies = X[:100] + 0.001 * rng.normal(size=(100, 10))
    return np.vstack([X, copies]).astype(np.float32), np.r_[y, y[:100]]


def logreg():
    return LogisticRegression(max_iter=300)


def test_no_two_selected_rows_and_no_labeled_row_are_near_duplicates(copied):
    X, y = copied
    y_partial = y.copy()
    y_partial[50:] = -1  # rows 0-49 labeled: their copies 500-549 duplicate a labeled row
    selector = ProxySelector(logreg(), method="margin", n_select=60, dedup=0.95, random_state=0)
    picked = selector.fit(X, y_partial).sample_indices_
    assert len(picked) == 60
    rows = np.r_[picked, np.arange(50)]  # labeled rows may resemble each other: not picked
    unit = X[rows] / np.linalg.norm(X[rows], axis=1, keepdims=True)
    similarity = unit[:60] @ unit.T
    similarity[np.arange(60), np.arange(60)] = 0
    assert similarity.max() <= 0.95
    # without it, margin spends part of the batch on copies of rows it also picks
    plain = ProxySelector(logreg(), method="margin", n_select=60, random_state=0)
    picked_plain = plain.fit(X, y_partial).sample_indices_
    family = np.r_[np.arange(500), np.arange(100)]
    assert len(np.unique(family[picked_plain])) < 60
    assert len(np.unique(family[picked])) == 60


def test_duplicate_of_names_the_row_that_stands_for_each(copied):
    X, y = copied
    selector = CoresetSelector(method="random", fraction=0.5, dedup=0.95, random_state=0)
    selector.fit(X, y)
    rep = selector.duplicate_of_
    assert rep.shape == (600,)
    # every copy and its source share one representative, and no other row joins them
    assert (rep[500:] == rep[:100]).all()
    assert selector.n_duplicates_ == int((rep != np.arange(600)).sum()) >= 100
    # never a duplicate among the selected rows; every kept candidate stands for itself
    assert (rep[selector.sample_indices_] == selector.sample_indices_).all()
    assert selector.n_candidates_ == 600 - selector.n_duplicates_
    assert selector.n_selected_ == 300  # the share of the pool, from what is left


def test_without_dedup_nothing_changes(copied):
    X, y = copied
    one = CoresetSelector(method="random", fraction=0.3, random_state=0).fit(X, y)
    assert one.duplicate_of_ is None and one.n_duplicates_ == 0
    assert "dedup" not in one.fit_seconds_


def test_fewer_rows_left_than_asked_keeps_them_all(copied):
    X, y = copied
    selector = CoresetSelector(
        method="random", fraction=1.0, dedup=0.95, class_balance=False, random_state=0
    ).fit(X, y)
    kept = selector.sample_indices_
    assert len(kept) == 600 - selector.n_duplicates_
    np.testing.assert_array_equal(kept, np.flatnonzero(selector.duplicate_of_ == np.arange(600)))


def test_dedup_reads_embeddings_passed_to_fit(copied):
    """A user's embedding decides: rows identical in it are duplicates, whatever X holds."""
    X, y = copied
    embedding = np.random.default_rng(1).normal(size=(600, 8)).astype(np.float32)
    embedding[300] = embedding[200]
    selector = CoresetSelector(
        method="random", fraction=1.0, dedup=0.99, class_balance=False, random_state=0
    ).fit(X, y, embedding=embedding)
    assert selector.n_duplicates_ == 1
    assert selector.duplicate_of_[[200, 300]].tolist() in ([200, 200], [300, 300])


@pytest.mark.parametrize("bad", [0.0, 1.5, -0.2, "0.9"], ids=["zero", "above", "negative", "text"])
def test_a_bad_dedup_is_refused(copied, bad):
    X, y = copied
    with pytest.raises(InvalidParameterError, match="dedup"):
        CoresetSelector(dedup=bad).fit(X, y)


def test_semdedup_drops_the_most_redundant_rows_first(copied):
    X, y = copied
    selector = CoresetSelector(
        method="semdedup", fraction=500 / 600, class_balance=False, random_state=0
    ).fit(X, y)
    kept = set(selector.sample_indices_.tolist())
    family = np.r_[np.arange(500), np.arange(100)]
    # exactly one of each near-identical pair goes: 500 rows left, one per family
    assert len(kept) == 500 and len({family[r] for r in kept}) == 500
    # the ranking puts the copies (redundancy near 1) last
    assert set(selector.ranking_[-100:].tolist()) == set(range(600)) - kept


def test_semdedup_in_active_learning_never_asks_for_a_copy_of_a_labeled_row(copied):
    X, y = copied
    y_partial = np.full(600, -1)
    y_partial[:100] = y[:100]  # their copies are rows 500-599
    picked = (
        ProxySelector(logreg(), method="semdedup", n_select=100, random_state=0)
        .fit(X, y_partial)
        .sample_indices_
    )
    assert not np.isin(picked, np.arange(500, 600)).any()
