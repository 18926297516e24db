"""With ``verbose``, the long steps show progress: proxy epochs, proxy inference, k-centers
picks; without it, nothing is printed (issue 12, item 7)."""

import numpy as np
import tqdm.auto

from svpkit import CoresetSelector
from tests.helpers import small_proxy


def _fit(digits, verbose, method="kcenters"):
    X, y = digits
    CoresetSelector(
        small_proxy(),
        method=method,
        fraction=0.2,
        class_balance=False,
        random_state=0,
        verbose=verbose,
    ).fit(X, y)


class _RecordedBar(tqdm.auto.tqdm):
    """A real tqdm bar that remembers how far it got (fast steps are not drawn to the end)."""

    closed: list = []

    def close(self):
        if not self.disable:
            _RecordedBar.closed.append((self.desc, self.n, self.total))
        super().close()


def test_verbose_shows_every_long_step(digits, capsys, monkeypatch):
    monkeypatch.setattr(tqdm.auto, "tqdm", _RecordedBar)
    _RecordedBar.closed = []
    _fit(digits, True)
    assert "proxy inference" in capsys.readouterr().err
    done = {desc: (n, total) for desc, n, total in _RecordedBar.closed}
    assert done["proxy inference"] == (600, 600)  # every row went through inference
    assert done["k-centers picks"] == (120, 120)  # every pick was reported (0.2 of 600 rows)
    assert done["k-centers weights"] == (600, 600)  # every row assigned to its center
    assert done["proxy"] == (3, 3)  # epochs


def test_quiet_by_default(digits, capsys):
    _fit(digits, False)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_progress_does_not_change_the_selection(digits):
    X, y = digits
    picks = [
        CoresetSelector(small_proxy(), method="kcenters", fraction=0.2, random_state=0, verbose=v)
        .fit(X, y)
        .sample_indices_
        for v in (False, True)
    ]
    np.testing.assert_array_equal(*picks)
