"""``missing_label`` marks unlabeled rows for ProxySelector and the loop; a label spelled like
the marker, or None/NaN under a numeric marker, is an error that names it (issue 12, item 4)."""

import numpy as np
import pytest

from svpkit import CoresetSelector, ProxySelector
from svpkit.active import ActiveLearningLoop
from tests.helpers import logreg


@pytest.fixture(scope="module")
def pool():
    rng = np.random.RandomState(0)
    X = np.concatenate([rng.randn(60, 4) + 2, rng.randn(60, 4) - 2])
    names = np.array(["cat"] * 60 + ["dog"] * 60, dtype=object)
    unlabeled = rng.rand(120) < 0.7
    return X, names, unlabeled


def _select(X, y, **params):
    sel = ProxySelector(logreg(), method="entropy", n_select=10, random_state=0, **params)
    return sel.fit(X, y).sample_indices_


@pytest.mark.parametrize(
    ("marker", "missing_label"),
    [(None, None), (np.nan, np.nan), (np.nan, None), ("?", "?"), (-1, -1)],
)
def test_marked_rows_are_the_candidates(pool, marker, missing_label):
    X, names, unlabeled = pool
    y = names.copy()
    y[unlabeled] = marker
    picked = _select(X, y, missing_label=missing_label)
    assert unlabeled[picked].all()


def test_float_labels_with_nan_marker(pool):
    X, names, unlabeled = pool
    y = np.where(names == "cat", 0.0, 1.0)
    y[unlabeled] = np.nan
    picked = _select(X, y, missing_label=np.nan)
    assert unlabeled[picked].all()


@pytest.mark.parametrize(
    ("marker", "match"),
    [
        ("-1", "string '-1' in .* rows.*missing_label='-1'"),
        (None, "None or NaN in .* labeled rows.*missing_label=None"),
        (np.nan, "None or NaN in .* labeled rows.*missing_label=None"),
    ],
)
def test_string_labels_with_the_default_marker_refuse_lookalikes(pool, marker, match):
    X, names, unlabeled = pool
    y = names.copy()
    y[unlabeled] = marker
    with pytest.raises(ValueError, match=match):
        _select(X, y)  # before: the marker became a third class and labeled rows were picked


def test_string_dtype_labels_spelled_like_the_marker(pool):
    X, names, unlabeled = pool
    y = np.where(unlabeled, "-1", names.astype(str))  # a '<U3' array, not object
    with pytest.raises(ValueError, match="missing_label='-1'"):
        _select(X, y)
    assert unlabeled[_select(X, y, missing_label="-1")].all()


def test_minus_one_is_a_class_when_the_marker_is_none(pool):
    X, names, unlabeled = pool
    y = np.where(names == "cat", -1, 1).astype(object)
    y[unlabeled] = None
    sel = ProxySelector(logreg(), method="margin", n_select=5, missing_label=None).fit(X, y)
    assert set(sel.classes_) == {-1, 1}
    assert unlabeled[sel.sample_indices_].all()


def test_coreset_selector_has_no_marker_and_refuses_missing_labels(pool):
    X, names, _ = pool
    assert "missing_label" not in CoresetSelector().get_params()
    y = names.copy()
    y[:3] = None
    with pytest.raises(ValueError, match="Every row needs a label here"):
        CoresetSelector(logreg()).fit(X, y)


def test_marker_of_a_type_y_cannot_hold(pool):
    X, names, _ = pool
    with pytest.raises(TypeError, match="missing_label='x' is a string but y holds numbers"):
        _select(X, (names == "cat").astype(int), missing_label="x")
    with pytest.raises(ValueError, match="'missing_label' parameter must be"):
        _select(X, names, missing_label=[None])


def test_loop_with_a_none_marker_keeps_minus_one_as_a_class(pool):
    X, names, _ = pool
    y = np.where(names == "cat", -1, 7)
    loop = ActiveLearningLoop(
        ProxySelector(logreg(), method="entropy"),
        initial_size=20,
        round_sizes=[10, 10],
        missing_label=None,
        random_state=0,
        verbose=False,
    ).run(X, y)
    assert len(np.unique(loop.labeled_indices_)) == 40
    assert set(loop.labels_) == {-1, 7}
    assert loop.selector_.missing_label is None


def test_loop_refuses_an_oracle_that_answers_the_marker(pool):
    X, names, _ = pool
    loop = ActiveLearningLoop(
        ProxySelector(logreg()),
        initial_size=20,
        round_sizes=[10],
        missing_label="?",
        random_state=0,
        verbose=False,
    )
    with pytest.raises(ValueError, match="answered '\\?', which is missing_label"):
        loop.run(X, np.full(len(X), "?"))
