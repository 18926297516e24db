"""The demo on tiny settings."""

import numpy as np

from svpkit.cli.demo import format_table, run_demo


def test_run_demo_quick_reports_three_trainings():
    rows = run_demo(max_rows=240, proxy_epochs=2, target_epochs=2, verbose=False)
    assert [r.subset for r in rows] == ["full data", "proxy-selected (forgetting)", "random"]
    n_train = rows[0].rows
    assert rows[1].rows == rows[2].rows == int(np.ceil(0.5 * n_train))
    assert all(0.0 <= r.accuracy <= 1.0 for r in rows)
    assert rows[0].select_seconds == 0 and rows[1].select_seconds > 0
    assert all(r.target_seconds > 0 for r in rows)
    table = format_table(rows)
    assert "speed-up" in table and "1.00x" in table
