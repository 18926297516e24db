"""Training-dynamics kernels against brute-force references on hand-made trajectories."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from svpkit.kernels.dynamics import (
    BYTES_PER_ROW_EPOCH,
    TrainingDynamics,
    aum_scores,
    dual_scores,
    dyn_unc_scores,
    el2n_scores,
    forgetting_from_dynamics,
    tdds_scores,
)
from svpkit.kernels.scoring import forgetting_scores


def trajectory(p_true, margin=None, error=None, kl=None):
    p_true = np.asarray(p_true, dtype=np.float16)
    d = TrainingDynamics.empty(*p_true.shape)
    d.p_true[:] = p_true
    for name, value in (("margin", margin), ("error", error), ("kl_step", kl)):
        if value is not None:
            getattr(d, name)[:] = value
    return d


probs = arrays(
    np.float64, st.tuples(st.integers(3, 12), st.integers(1, 6)), elements=st.floats(0.0, 1.0)
)


@settings(max_examples=40, deadline=None)
@given(probs, st.integers(2, 12))
def test_dyn_unc_and_dual_match_loops(p, window):
    d = trajectory(p)
    p16 = d.p_true.astype(np.float64)
    w = min(window, len(p))
    unc, dual = [], []
    for start in range(len(p) - w + 1):
        part = p16[start : start + w]
        unc.append(part.std(axis=0, ddof=1))
        dual.append(part.std(axis=0, ddof=1) * (1 - part.mean(axis=0)))
    np.testing.assert_allclose(dyn_unc_scores(d, window), np.mean(unc, 0), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(dual_scores(d, window), np.mean(dual, 0), rtol=1e-4, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(probs, st.integers(2, 12), st.floats(0.1, 0.95))
def test_tdds_matches_loop(kl, window, decay):
    d = trajectory(np.zeros_like(kl), kl=kl)
    steps = d.kl_step[1:].astype(np.float64)
    w = min(window, len(steps))
    n_windows = len(steps) - w + 1
    expected = np.zeros(kl.shape[1])
    for k in range(n_windows):
        part = steps[k : k + w]
        dev = part - part.mean(axis=0)
        expected += decay * (1 - decay) ** (n_windows - 1 - k) * np.sqrt((dev**2).sum(0))
    np.testing.assert_allclose(tdds_scores(d, window, decay), expected, rtol=1e-4, atol=1e-6)


def test_el2n_averages_the_first_half_of_epochs():
    error = np.array([[1.0, 0.1], [0.5, 0.3], [0.0, 0.0], [0.0, 0.0]])
    d = trajectory(np.zeros_like(error), error=error)
    np.testing.assert_allclose(el2n_scores(d), [0.75, 0.2], atol=1e-3)
    np.testing.assert_allclose(el2n_scores(d, n_epochs=1), [1.0, 0.1], atol=1e-3)


def test_aum_ranks_the_mislabeled_row_first():
    # row 0 learned fast, row 1 slowly, row 2 never (its label fights the others)
    margin = np.array([[0.2, -0.4, -0.6], [0.8, 0.1, -0.5], [0.9, 0.5, -0.4]])
    scores = aum_scores(trajectory(np.zeros_like(margin), margin=margin))
    assert np.argsort(-scores).tolist() == [2, 1, 0]
    np.testing.assert_allclose(scores, -margin.mean(0), atol=1e-3)


def test_forgetting_from_margins_matches_the_correctness_history():
    rng = np.random.RandomState(0)
    margin = rng.uniform(-1, 1, size=(8, 30))
    expected = forgetting_scores(margin.astype(np.float16) > 0)
    got = forgetting_from_dynamics(trajectory(np.zeros_like(margin), margin=margin))
    np.testing.assert_array_equal(got, expected)


def test_forgetting_skips_epochs_a_row_missed():
    margin = np.array([[0.5], [np.nan], [-0.5]])  # correct, absent, wrong: one event
    assert forgetting_from_dynamics(trajectory(np.zeros((3, 1)), margin=margin)).tolist() == [1.0]


def test_direction_hard_and_unstable_rows_first():
    stable_easy = [0.95, 0.96, 0.97, 0.98]
    unstable = [0.2, 0.7, 0.1, 0.8]
    d = trajectory(np.array([stable_easy, unstable]).T)
    assert np.argmax(dyn_unc_scores(d, 3)) == 1
    assert np.argmax(dual_scores(d, 3)) == 1


def test_windowed_scores_need_two_epochs():
    with pytest.raises(ValueError, match="at least 2 epochs.*max_epochs"):
        dyn_unc_scores(trajectory(np.ones((1, 3))))
    with pytest.raises(ValueError, match="at least 3 epochs"):
        tdds_scores(trajectory(np.ones((2, 3))))


def test_take_maps_pool_rows_and_refuses_untrained_ones():
    d = trajectory(np.arange(6, dtype=float).reshape(2, 3) / 10)
    d.rows = np.array([7, 3, 5])  # unsorted on purpose
    np.testing.assert_allclose(d.take([5, 7]).p_true, [[0.2, 0.0], [0.5, 0.3]], atol=1e-3)
    with pytest.raises(ValueError, match="no training dynamics"):
        d.take([4])


def test_memmap_channels_and_byte_count(tmp_path):
    d = TrainingDynamics.empty(5, 100, directory=str(tmp_path))
    assert isinstance(d.p_true, np.memmap)
    assert d.nbytes == 5 * 100 * BYTES_PER_ROW_EPOCH
    assert np.isnan(d.margin).all()
