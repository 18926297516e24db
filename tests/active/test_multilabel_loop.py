"""The active-learning loop with a multi-label target: the oracle answers label sets."""

import numpy as np
import pytest
from sklearn.datasets import make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from svpkit import ProxySelector
from svpkit.active import ActiveLearningLoop
from svpkit.active.checkpoint import load_checkpoint
from svpkit.kernels.scoring import label_entropy


@pytest.fixture(scope="module")
def data():
    X, Y = make_multilabel_classification(
        500, n_features=10, n_classes=4, n_labels=2, random_state=0
    )
    return X[:400], Y[:400], X[400:], Y[400:]


def ovr() -> OneVsRestClassifier:
    return OneVsRestClassifier(LogisticRegression(max_iter=300))


def make_loop(method: str = "max_entropy", **params) -> ActiveLearningLoop:
    defaults = dict(initial_size=30, round_sizes=[20, 20], random_state=0, verbose=False)
    defaults.update(params)
    return ActiveLearningLoop(ProxySelector(ovr(), method=method), **defaults)


def test_an_indicator_oracle_labels_rows_with_their_label_sets(data):
    X, Y, X_test, Y_test = data
    loop = make_loop(estimator=ovr()).run(X, Y, X_test=X_test, y_test=Y_test)
    assert loop.labels_.shape == (70, 4)
    np.testing.assert_array_equal(loop.labels_, Y[loop.labeled_indices_])
    assert len(set(loop.labeled_indices_.tolist())) == 70
    assert [h["strategy"] for h in loop.history_] == ["random", "max_entropy", "max_entropy"]
    # the target is scored as scikit-learn scores a multi-label classifier (subset accuracy)
    expected = ovr().fit(X[loop.labeled_indices_], Y[loop.labeled_indices_])
    assert loop.history_[-1]["test_accuracy"] == pytest.approx(expected.score(X_test, Y_test))


def test_each_round_asks_for_the_rows_of_most_doubtful_label(data):
    X, Y, _, _ = data
    loop = make_loop(round_sizes=[20]).run(X, Y)
    first, asked = loop.labeled_indices_[:30], loop.labeled_indices_[30:]
    proxy = ovr().fit(X[first], Y[first])
    unlabeled = np.setdiff1d(np.arange(len(X)), first)
    scores = label_entropy(proxy.predict_proba(X[unlabeled]), reduce="max")
    expected = unlabeled[np.argsort(-scores, kind="stable")[:20]]
    np.testing.assert_array_equal(np.sort(asked), np.sort(expected))


def test_a_callable_oracle_is_asked_once_per_row_and_gives_the_same_run(data):
    X, Y, _, _ = data
    asked = []

    def oracle(rows):
        asked.extend(rows.tolist())
        return Y[rows]

    by_array = make_loop().run(X, Y)
    by_call = make_loop().run(X, oracle)
    assert sorted(asked) == sorted(set(asked)) and len(asked) == 70
    np.testing.assert_array_equal(by_call.labeled_indices_, by_array.labeled_indices_)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda rows: np.full((len(rows), 4), 2), r"a label set is a row of 0 and 1"),
        (lambda rows: np.zeros((len(rows), 3), dtype=int), r"shape \(20, 4\)"),
        (lambda rows: np.zeros((len(rows) - 1, 4), dtype=int), r"for 20 rows"),
    ],
    ids=["not_binary", "narrower", "short"],
)
def test_a_bad_label_set_answer_is_refused_and_nothing_recorded(data, answer, message, tmp_path):
    X, Y, _, _ = data
    calls = []

    def oracle(rows):
        calls.append(len(rows))
        return Y[rows] if len(calls) == 1 else answer(rows)

    loop = make_loop(checkpoint_dir=tmp_path)
    with pytest.raises(ValueError, match=message):
        loop.run(X, oracle)
    indices, labels, _ = load_checkpoint(tmp_path)
    assert len(indices) == 30 and labels.shape == (30, 4)


def test_a_run_resumes_from_its_checkpoint_with_the_label_sets(data, tmp_path):
    X, Y, _, _ = data
    calls = []

    def failing(rows):
        calls.append(len(rows))
        if len(calls) == 3:
            raise RuntimeError("the annotator left")
        return Y[rows]

    with pytest.raises(RuntimeError):
        make_loop(checkpoint_dir=tmp_path).run(X, failing)
    resumed = make_loop(checkpoint_dir=tmp_path).run(X, Y, resume=True)
    whole = make_loop().run(X, Y)
    np.testing.assert_array_equal(resumed.labeled_indices_, whole.labeled_indices_)
    np.testing.assert_array_equal(resumed.labels_, Y[whole.labeled_indices_])
