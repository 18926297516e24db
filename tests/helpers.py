"""Helpers shared by test modules: small proxies and brute-force references."""

import json
import signal
import subprocess
import sys
import textwrap
import tracemalloc

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.linear_model import LogisticRegression
from sklearn.utils import check_random_state

from svpkit import make_default_proxy
from svpkit.kernels.scoring import entropy, least_confidence, margin

KERNELS = {"least_confidence": least_confidence, "entropy": entropy, "margin": margin}


def small_proxy(**params):
    """A default MLP proxy small enough for tests."""
    return make_default_proxy(max_epochs=3, module__hidden_units=(32,), **params)


def logreg():
    return LogisticRegression(max_iter=300)


def brute_force_kcenters(X, n_centers, already_selected=None, random_state=None):
    """Textbook farthest-first traversal on a full float64 distance matrix."""
    X = np.asarray(X, dtype=np.float64)
    n = len(X)
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    centers = list(already_selected) if already_selected is not None else []
    picks, radii = [], []
    if not centers and n_centers:
        centers = [int(check_random_state(random_state).randint(n))]
        picks = list(centers)
        radii.append(D[centers].min(0).max())
    while len(picks) < n_centers:
        mind = D[centers].min(0)
        mind[centers] = -1.0
        p = int(np.argmax(mind))  # ties: lowest index
        centers.append(p)
        picks.append(p)
        radii.append(D[centers].min(0).max())
    return np.array(picks, dtype=np.int64), np.array(radii)


@st.composite
def integer_points(draw):
    # Small integer coordinates make every distance exact in float32 and float64, so ties
    # (duplicates included) are real ties and both sides must break them the same way.
    n = draw(st.integers(1, 30))
    d = draw(st.integers(1, 5))
    return draw(arrays(np.int64, (n, d), elements=st.integers(-4, 4)))


def peak_bytes(fn):
    """Peak of Python-traced allocations while ``fn`` runs."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


#: A digits active-learning loop (entropy, logistic-regression proxy, 40 + 3 x 30 labels) whose
#: oracle logs every request and SIGKILLs the process while the third round asks for labels.
#: argv: checkpoint folder, request log, JSON of extra loop parameters.
KILLED_LOOP = textwrap.dedent(
    """
    import json, os, signal, sys
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from svpkit import ProxySelector
    from svpkit.active import ActiveLearningLoop

    folder, log = sys.argv[1], sys.argv[2]
    X, y = load_digits(return_X_y=True)
    X, y = X[:900] / 16.0, y[:900]

    def oracle(indices):
        with open(log, "a") as fh:
            fh.write(json.dumps(indices.tolist()) + "\\n")
        if len(open(log).readlines()) == 3:  # die while the third round asks for labels
            os.kill(os.getpid(), signal.SIGKILL)
        return y[indices]

    loop = ActiveLearningLoop(
        ProxySelector(LogisticRegression(max_iter=300), method="entropy"),
        initial_size=40, round_sizes=[30, 30, 30], checkpoint_dir=folder,
        random_state=0, verbose=False, **json.loads(sys.argv[3]))
    loop.run(X, oracle)
    """
)


def run_killed_loop(tmp_path, **loop_params):
    """Run :data:`KILLED_LOOP` in a child process and check it died by SIGKILL; returns the
    checkpoint folder and the log of the rows it asked for (one JSON list per request)."""
    folder, log = tmp_path / "ckpt", tmp_path / "asked.jsonl"
    script = tmp_path / "child.py"
    script.write_text(KILLED_LOOP)
    proc = subprocess.run(
        [sys.executable, str(script), str(folder), str(log), json.dumps(loop_params)],
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    return folder, log


def cli_status(argv):
    """The exit status of ``svpkit ARGV`` run in this process (0, or SystemExit's code)."""
    from svpkit.cli import main

    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code


def cli_one_line_error(capsys, argv):
    """Run ``svpkit ARGV``, which must fail as a user error: exit status 2 and one line on
    stderr, no traceback. Returns that line."""
    from svpkit.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err
