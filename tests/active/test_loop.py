"""The active-learning loop: rounds, oracles, timing records, checkpoints and resume."""

import importlib.util
import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from svpkit import ProxySelector, make_default_proxy
from svpkit.active import PAPER_SCHEDULE, ActiveLearningLoop
from svpkit.active.checkpoint import checkpoint_path, load_checkpoint
from tests.helpers import logreg, run_killed_loop


@pytest.fixture(scope="module")
def data():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    return X[:900], y[:900], X[900:1300], y[900:1300]


def make_loop(**params):
    defaults = dict(initial_size=40, round_sizes=[30, 30, 30], random_state=0, verbose=False)
    defaults.update(params)
    return ActiveLearningLoop(ProxySelector(logreg(), method="entropy"), **defaults)


def test_rounds_label_the_scheduled_rows_once(data):
    X, y, X_test, y_test = data
    loop = make_loop(estimator=logreg()).run(X, y, X_test=X_test, y_test=y_test)
    assert len(loop.labeled_indices_) == 130
    assert len(set(loop.labeled_indices_)) == 130
    np.testing.assert_array_equal(loop.labels_, y[loop.labeled_indices_])
    frame = pd.DataFrame(loop.history_)
    assert list(frame["n_labeled"]) == [40, 70, 100, 130]
    assert list(frame["n_new"]) == [40, 30, 30, 30]
    for column in ["proxy_fit_seconds", "score_seconds", "select_seconds", "oracle_seconds"]:
        assert (frame[column] >= 0).all()
    assert (frame.loc[1:, "proxy_fit_seconds"] > 0).all()
    np.testing.assert_allclose(
        frame["selection_seconds"],
        frame[["proxy_fit_seconds", "score_seconds", "select_seconds"]].sum(axis=1),
    )
    assert frame["test_accuracy"].between(0, 1).all()
    assert frame["test_accuracy"].iloc[-1] > frame["test_accuracy"].iloc[0]


def test_each_round_selects_what_the_selector_picks_from_unlabeled_rows(data):
    X, y, _, _ = data
    loop = make_loop().run(X, y)
    first_two_rounds = loop.labeled_indices_[:70]
    y_partial = np.full(len(y), -1)
    y_partial[first_two_rounds] = y[first_two_rounds]
    last = loop.selector_
    assert last.n_selected_ == 30
    # the last round's selector saw exactly the labels of the rounds before it
    assert set(last.sample_indices_).isdisjoint(loop.labeled_indices_[:100])
    np.testing.assert_array_equal(np.sort(loop.labeled_indices_[100:]), last.sample_indices_)


def test_oracle_callable_equals_label_array(data):
    X, y, _, _ = data
    asked = []

    def oracle(indices):
        asked.append(indices)
        return [f"digit{v}" for v in y[indices]]  # a real oracle may answer strings

    by_callable = make_loop().run(X, oracle)
    by_array = make_loop().run(X, y)
    np.testing.assert_array_equal(by_callable.labeled_indices_, by_array.labeled_indices_)
    assert [len(a) for a in asked] == [40, 30, 30, 30]
    assert by_callable.labels_[0].startswith("digit")


def test_same_seed_same_run_different_seed_differs(data):
    X, y, _, _ = data
    a = make_loop(random_state=3).run(X, y).labeled_indices_
    b = make_loop(random_state=3).run(X, y).labeled_indices_
    c = make_loop(random_state=4).run(X, y).labeled_indices_
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_paper_schedule():
    loop = ActiveLearningLoop.with_paper_schedule(ProxySelector(), verbose=False)
    sizes = loop._schedule(1000)
    assert sizes == [20, 80, 100, 100, 100, 100]
    assert np.cumsum(sizes).tolist() == [20, 100, 200, 300, 400, 500]
    assert loop.initial_size == PAPER_SCHEDULE["initial_size"]


def test_baseline_uses_the_target_as_proxy(data):
    X, y, _, _ = data
    target = LogisticRegression(max_iter=300, C=0.123)
    loop = make_loop(estimator=target, baseline=True, round_sizes=[30]).run(X, y)
    assert loop.selector_.proxy_.get_params()["C"] == 0.123
    with pytest.raises(ValueError, match="estimator="):
        make_loop(baseline=True).run(X, y)


def test_warm_start_continues_from_previous_weights(data):
    X, y, _, _ = data
    proxy = make_default_proxy(max_epochs=2, module__hidden_units=(16,))
    loop = ActiveLearningLoop(
        ProxySelector(proxy, method="margin"),
        initial_size=200,
        round_sizes=[20, 20],
        warm_start=True,
        random_state=0,
        verbose=False,
    ).run(X, y)
    previous = loop._warm_proxy[0]
    # a step of size zero: a warm-started proxy keeps exactly the weights it was given (zero
    # epochs are refused: a proxy that trains no epoch ranks with the weights it started from)
    zero = ActiveLearningLoop(
        ProxySelector(proxy.set_params(max_epochs=1, lr=0.0), method="margin"),
        initial_size=200,
        round_sizes=[20],
        random_state=0,
        verbose=False,
    )
    zero._warm_proxy = None
    selector = zero._round_selector(seed=1, n_new=5, labels=np.unique(loop.labels_))
    assert selector.get_params()["proxy"].module is proxy.module  # cold start without history
    zero.warm_start = True
    zero._warm_proxy = (previous, np.unique(loop.labels_))
    warm = zero._round_selector(seed=1, n_new=5, labels=loop.labels_)
    warm.fit(X, np.where(np.isin(np.arange(len(y)), loop.labeled_indices_), y, -1))
    for p, q in zip(warm.proxy_.module_.parameters(), previous.module_.parameters(), strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    assert warm.proxy_.module_ is not previous.module_


def test_verbose_progress_bar(data, capsys):
    X, y, _, _ = data
    make_loop(verbose=True, round_sizes=[10]).run(X, y)
    assert "active learning" in capsys.readouterr().err
    make_loop(verbose=False, round_sizes=[10]).run(X, y)
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------------------------------------
# Nothing lost: checkpoints, resume, refusals, bad oracle answers.


def test_resume_after_a_killed_process_matches_an_uninterrupted_run(data, tmp_path):
    X, y, _, _ = data
    folder, _ = run_killed_loop(tmp_path)
    saved_indices, _, meta = load_checkpoint(folder)
    assert len(meta["history"]) == 2 and len(saved_indices) == 70  # rounds 0 and 1 are safe

    asked_again = []

    def oracle(indices):
        asked_again.extend(indices.tolist())
        return y[indices]

    resumed = make_loop(checkpoint_dir=folder).run(X, oracle, resume=True)
    uninterrupted = make_loop().run(X, y)
    np.testing.assert_array_equal(resumed.labeled_indices_, uninterrupted.labeled_indices_)
    assert set(asked_again).isdisjoint(saved_indices)  # no row asked twice
    assert len(asked_again) == 60
    assert [r["round"] for r in resumed.history_] == [0, 1, 2, 3]


def test_resume_after_keyboard_interrupt(data, tmp_path):
    X, y, _, _ = data
    calls = []

    def oracle(indices):
        calls.append(len(indices))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return y[indices]

    loop = make_loop(checkpoint_dir=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        loop.run(X, oracle)
    assert len(loop.labeled_indices_) == 40
    resumed = make_loop(checkpoint_dir=tmp_path).run(X, y, resume=True)
    np.testing.assert_array_equal(resumed.labeled_indices_, make_loop().run(X, y).labeled_indices_)


def test_checkpoint_is_written_atomically_every_round(data, tmp_path):
    X, y, X_test, y_test = data
    make_loop(checkpoint_dir=tmp_path, estimator=logreg()).run(X, y, X_test=X_test, y_test=y_test)
    assert sorted(os.listdir(tmp_path)) == [checkpoint_path(tmp_path).name]  # no temp leftovers
    indices, labels, meta = load_checkpoint(tmp_path)
    assert len(indices) == 130
    np.testing.assert_array_equal(labels, y[indices])
    assert json.dumps(meta)  # plain JSON, no pickle
    assert all(r["test_accuracy"] is not None for r in meta["history"])


def test_existing_checkpoint_is_not_overwritten_without_resume(data, tmp_path):
    X, y, _, _ = data
    make_loop(checkpoint_dir=tmp_path, round_sizes=[10]).run(X, y)
    before = checkpoint_path(tmp_path).read_bytes()
    with pytest.raises(FileExistsError, match="resume=True"):
        make_loop(checkpoint_dir=tmp_path, round_sizes=[10]).run(X, y)
    assert checkpoint_path(tmp_path).read_bytes() == before


def test_checkpoint_from_another_pool_is_refused(data, tmp_path):
    X, y, _, _ = data
    make_loop(checkpoint_dir=tmp_path, round_sizes=[10]).run(X, y)
    X_other = X.copy()
    X_other[0, 0] += 1
    with pytest.raises(ValueError, match="different pool"):
        make_loop(checkpoint_dir=tmp_path, round_sizes=[10]).run(X_other, y, resume=True)
    with pytest.raises(ValueError, match="different pool"):
        make_loop(checkpoint_dir=tmp_path, round_sizes=[10]).run(X[:-1], y[:-1], resume=True)


def test_checkpoint_with_other_parameters_is_refused(data, tmp_path):
    X, y, _, _ = data
    make_loop(checkpoint_dir=tmp_path, round_sizes=[10]).run(X, y)
    other = ActiveLearningLoop(
        ProxySelector(logreg(), method="margin"),
        initial_size=40,
        round_sizes=[10],
        checkpoint_dir=tmp_path,
        random_state=0,
        verbose=False,
    )
    with pytest.raises(ValueError, match="different selector or loop parameters"):
        other.run(X, y, resume=True)


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        (lambda idx: np.zeros(len(idx) - 1, dtype=int), "one label per asked row"),
        (lambda idx: np.full(len(idx), np.nan), "NaN"),
        (lambda idx: [None] * len(idx), "unknown type"),
        (lambda idx: [{"label": 1}] * len(idx), "unknown type"),
        (lambda idx: np.full(len(idx), -1), "-1"),
        (lambda idx: np.full(len(idx), 0.5), "earlier labels were int64"),  # task may be regression
        (lambda idx: np.array([f"s{v}" for v in idx]), "one type"),
    ],
)
def test_bad_oracle_answers_stop_the_round_and_keep_earlier_labels(data, tmp_path, answer, match):
    X, y, _, _ = data
    calls = []

    def oracle(indices):
        calls.append(1)
        return y[indices] if len(calls) == 1 else answer(indices)

    loop = make_loop(checkpoint_dir=tmp_path)
    with pytest.raises(ValueError, match=match):
        loop.run(X, oracle)
    assert len(loop.labeled_indices_) == 40 and len(loop.history_) == 1
    indices, labels, _ = load_checkpoint(tmp_path)
    np.testing.assert_array_equal(indices, loop.labeled_indices_)
    np.testing.assert_array_equal(labels, y[indices])


def test_schedule_errors(data):
    X, y, _, _ = data
    with pytest.raises(ValueError, match="pool has 900"):
        make_loop(initial_size=0.5, round_sizes=[0.3, 0.3]).run(X, y)
    with pytest.raises(ValueError, match="share of the pool"):
        make_loop(initial_size=1.5).run(X, y)
    with pytest.raises(TypeError, match="round_sizes"):
        make_loop(round_sizes=5).run(X, y)
    with pytest.raises(ValueError, match="both X_test and y_test"):
        make_loop().run(X, y, X_test=X)
    with pytest.raises(ValueError, match="checkpoint_dir"):
        make_loop().run(X, y, resume=True)


# -- round 0 and the default strategy ---------------------------------------------------------


def test_the_default_loop_covers_the_pool_from_zero_labels_and_records_the_strategy(data):
    X, y, X_test, y_test = data
    loop = ActiveLearningLoop(
        initial_size=20, round_sizes=[20, 20], estimator=logreg(), random_state=0, verbose=False
    ).run(X, y, X_test=X_test, y_test=y_test)
    strategies = [r["strategy"] for r in loop.history_]
    assert strategies == ["typiclust"] * 3  # 2-4 labels per class: still the cold start
    assert len(set(loop.labeled_indices_)) == 60
    # A cold start that covers the pool labels more classes in round 0 than chance needs.
    assert len(np.unique(y[loop.labeled_indices_[:20]])) >= 8


def test_round_zero_is_random_for_methods_that_need_labels_and_under_the_paper_schedule(data):
    X, y, _, _ = data
    loop = make_loop(initial_size=30, round_sizes=[10]).run(X, y)  # entropy needs a proxy
    assert [r["strategy"] for r in loop.history_] == ["random", "entropy"]
    paper = ActiveLearningLoop.with_paper_schedule(
        ProxySelector(method="typiclust"), random_state=0, verbose=False
    )
    assert paper.initial == "random"
    first = paper.run(X, y).history_[0]
    assert first["strategy"] == "random"


def test_initial_selector_uses_the_selector_and_random_never_does(data):
    X, y, _, _ = data
    sel = ProxySelector(method="maxherding")
    picked = ActiveLearningLoop(
        sel, initial_size=15, round_sizes=[], initial="selector", random_state=1, verbose=False
    ).run(X, y)
    assert picked.history_[0]["strategy"] == "maxherding"
    drawn = ActiveLearningLoop(
        sel, initial_size=15, round_sizes=[], initial="random", random_state=1, verbose=False
    ).run(X, y)
    assert drawn.history_[0]["strategy"] == "random"
    assert set(drawn.labeled_indices_) != set(picked.labeled_indices_)


def test_initial_selector_with_a_method_that_needs_labels_says_so(data):
    X, y, _, _ = data
    loop = make_loop(initial="selector", initial_size=10, round_sizes=[])
    with pytest.raises(ValueError, match="needs a proxy trained on labeled rows"):
        loop.run(X, y)


def test_bad_initial_is_refused(data):
    X, y, _, _ = data
    with pytest.raises(ValueError, match="initial"):
        make_loop(initial="first").run(X, y)


@pytest.mark.parametrize("cut", [5, -5])
def test_an_oracle_array_of_another_length_is_refused_before_any_round(data, tmp_path, cut):
    X, y, _, _ = data
    oracle = y[:-cut] if cut > 0 else np.concatenate([y, y[:-cut]])
    with pytest.raises(ValueError, match=rf"oracle is an array of shape \({len(oracle)},\), but "):
        make_loop(checkpoint_dir=tmp_path).run(X, oracle)
    assert not checkpoint_path(tmp_path).exists()  # nothing ran, nothing was recorded
    with pytest.raises(ValueError, match="one true label per pool row"):
        make_loop().run(X, y[:, None])


def test_resume_from_a_damaged_checkpoint_names_the_file(data, tmp_path):
    X, y, _, _ = data
    make_loop(checkpoint_dir=tmp_path, round_sizes=[10]).run(X, y)
    path = checkpoint_path(tmp_path)
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(ValueError, match=f"the checkpoint {path} is damaged"):
        make_loop(checkpoint_dir=tmp_path, round_sizes=[10]).run(X, y, resume=True)


# -- the checkpoint's parameter fingerprint holds across processes (skorch proxies) -----------

#: A loop with a skorch proxy carrying callbacks (whose reprs hold memory addresses). argv:
#: "fingerprint" LR EPOCHS (prints the fingerprint), or "run" FOLDER (runs the loop on the
#: digits and SIGKILLs itself while the third round asks for labels).
SKORCH_LOOP = textwrap.dedent(
    """
    import os, signal, sys
    import numpy as np
    from sklearn.datasets import load_digits
    from skorch.callbacks import EarlyStopping, EpochTimer
    from svpkit import ProxySelector, make_default_proxy
    from svpkit.active import ActiveLearningLoop

    def make_loop(lr=1e-3, epochs=2, folder=None):
        proxy = make_default_proxy(
            max_epochs=epochs, lr=lr, module__hidden_units=(16,),
            callbacks=[EpochTimer(), ("stop", EarlyStopping(monitor="train_loss", patience=5))],
        )
        return ActiveLearningLoop(
            ProxySelector(proxy, method="margin"), initial_size=40, round_sizes=[20, 20, 20],
            checkpoint_dir=folder, random_state=0, verbose=False,
        )

    if __name__ == "__main__":
        if sys.argv[1] == "fingerprint":
            loop = make_loop(float(sys.argv[2]), int(sys.argv[3]))
            print(loop._fingerprint(np.zeros((100, 3)), [40, 20, 20, 20])["loop_params"])
            sys.exit(0)
        X, y = load_digits(return_X_y=True)
        X, y = X[:500] / 16.0, y[:500]
        asked = []

        def oracle(indices):
            asked.append(indices)
            if len(asked) == 3:  # die while the third round asks for labels
                os.kill(os.getpid(), signal.SIGKILL)
            return y[indices]

        make_loop(folder=sys.argv[2]).run(X, oracle)
    """
)


def _skorch_loop_module(tmp_path):
    script = tmp_path / "skorch_loop.py"
    script.write_text(SKORCH_LOOP)
    spec = importlib.util.spec_from_file_location("skorch_loop", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return script, module


def _child_fingerprint(script, lr, epochs):
    proc = subprocess.run(
        [sys.executable, str(script), "fingerprint", str(lr), str(epochs)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip()


def test_the_parameter_fingerprint_is_the_same_in_another_process(tmp_path):
    script, module = _skorch_loop_module(tmp_path)
    here = module.make_loop()._fingerprint(np.zeros((100, 3)), [40, 20, 20, 20])["loop_params"]
    assert _child_fingerprint(script, 1e-3, 2) == here
    # still sensitive to the parameters that matter
    assert _child_fingerprint(script, 1e-2, 2) != here
    assert _child_fingerprint(script, 1e-3, 3) != here


def test_resume_with_a_skorch_proxy_in_a_new_process_is_accepted(tmp_path):
    script, module = _skorch_loop_module(tmp_path)
    folder = tmp_path / "ckpt"
    proc = subprocess.run(
        [sys.executable, str(script), "run", str(folder)], capture_output=True, timeout=300
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    saved, _, meta = load_checkpoint(folder)
    assert len(meta["history"]) == 2 and len(saved) == 60
    X, y = load_digits(return_X_y=True)
    X, y = X[:500] / 16.0, y[:500]
    asked = []

    def oracle(indices):
        asked.extend(indices.tolist())
        return y[indices]

    resumed = module.make_loop(folder=folder).run(X, oracle, resume=True)
    assert [r["round"] for r in resumed.history_] == [0, 1, 2, 3]
    assert len(asked) == 40 and set(asked).isdisjoint(saved)  # no answer asked twice


def test_a_checkpoint_with_the_earlier_fingerprint_still_resumes(data, tmp_path):
    from svpkit.active.checkpoint import save_checkpoint
    from svpkit.active.loop import _legacy_params_fingerprint

    X, y, _, _ = data
    calls = []

    def oracle(indices):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return y[indices]

    loop = make_loop(checkpoint_dir=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        loop.run(X, oracle)
    indices, labels, meta = load_checkpoint(tmp_path)  # as an earlier svpkit wrote it
    meta["loop_params"] = _legacy_params_fingerprint(loop._loop_params(deep=True))
    save_checkpoint(tmp_path, indices, labels, meta)
    resumed = make_loop(checkpoint_dir=tmp_path).run(X, y, resume=True)
    np.testing.assert_array_equal(resumed.labeled_indices_, make_loop().run(X, y).labeled_indices_)
    other = ActiveLearningLoop(  # and a real change is still refused
        ProxySelector(logreg(), method="margin"),
        initial_size=40,
        round_sizes=[30, 30, 30],
        checkpoint_dir=tmp_path,
        random_state=0,
        verbose=False,
    )
    with pytest.raises(ValueError, match="different selector or loop parameters"):
        other.run(X, y, resume=True)
