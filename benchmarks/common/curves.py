"""Training instrumentation: a skorch callback that records a net's test curve.

Imported where a benchmark trains (it needs skorch, hence torch), never to render a page.
"""

from __future__ import annotations

import time

from skorch.callbacks import Callback

__all__ = ["TestCurve"]


class TestCurve(Callback):
    """Test accuracy and cumulative steps after every epoch (for steps-to-accuracy).

    The seconds spent scoring the test set are kept in ``eval_seconds_``, so a benchmark can
    leave them out of the training time.

    Parameters
    ----------
    X_test, y_test : array-like
        The held-out rows scored after every epoch.

    Examples
    --------
    >>> import numpy as np
    >>> from benchmarks.common.curves import TestCurve
    >>> from svpkit.nn import ProxyNet
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.randn(64, 4).astype(np.float32), np.arange(64) % 2
    >>> net = ProxyNet(max_epochs=2, callbacks=[("curve", TestCurve(X, y))], random_state=0)
    >>> history = net.fit(X, y).history
    >>> history[:, "total_steps"], len(history[:, "test_accuracy"])
    ([1, 2], 2)
    """

    def __init__(self, X_test=None, y_test=None):
        self.X_test, self.y_test = X_test, y_test

    def on_train_begin(self, net, **kwargs):
        self.eval_seconds_ = 0.0  # excluded from the arm's training time

    def on_epoch_end(self, net, **kwargs):
        start = time.perf_counter()
        steps = len(net.history[-1, "batches"])
        total = steps + (net.history[-2, "total_steps"] if len(net.history) > 1 else 0)
        net.history.record("total_steps", total)
        net.history.record("test_accuracy", float(net.score(self.X_test, self.y_test)))
        self.eval_seconds_ += time.perf_counter() - start
