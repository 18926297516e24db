"""The public names stay importable where they were, and every public function fails clearly.

Each bad call below must raise an error whose message names the parameter (or the fix).
"""

import importlib

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

import svpkit
from svpkit import (
    CoresetSelector,
    ProxySelector,
    SelectThenFit,
    assign_to_centers,
    estimate_resources,
    greedy_kcenters,
    make_default_proxy,
    make_proxy,
    register_method,
    smallest_fraction_within,
)

# Public names of 0.1.0 and where they were importable from.
NAMES_0_1_0 = {
    "svpkit": [
        "CoresetSelector",
        "ProxySelector",
        "SelectThenFit",
        "make_proxy",
        "make_default_proxy",
        "greedy_kcenters",
        "KCentersResult",
        "assign_to_centers",
        "estimate_resources",
        "available_methods",
        "register_method",
        "smallest_fraction_within",
        "__version__",
    ],
    "svpkit.nn": [
        "MLP",
        "SmallCNN",
        "ResNet",
        "ProxyNet",
        "make_default_proxy",
        "make_proxy",
        "predict_proba_and_embed",
        "ForgettingTracker",
        "EpochProgressBar",
        "PreciseBatchNorm",
    ],
    "svpkit.active": ["ActiveLearningLoop", "PAPER_SCHEDULE", "warm_started"],
    "svpkit.datasets": ["ImageDataset", "load_image_dataset"],
    "svpkit.utils": ["cuda_available", "resolve_device", "torch_seed_scope", "derive_seed"],
    "svpkit.methods": [
        "PoolOutputs",
        "SelectionMethod",
        "register_method",
        "get_method",
        "available_methods",
    ],
}


@pytest.mark.parametrize("module", sorted(NAMES_0_1_0))
def test_names_stay_importable(module):
    mod = importlib.import_module(module)
    missing = [name for name in NAMES_0_1_0[module] if not hasattr(mod, name)]
    assert not missing
    assert set(NAMES_0_1_0["svpkit"]) <= set(svpkit.__all__)


X3 = np.eye(3)
y3 = np.array([0, 1, 0])
BAD_CALLS = [
    (lambda: CoresetSelector(fraction=1.5).fit(X3, y3), ValueError, r"'fraction' .* \(0, 1\]"),
    (lambda: CoresetSelector(method="nope").fit(X3, y3), ValueError, r"method='nope'.*Choose"),
    (lambda: CoresetSelector(class_balance="yes").fit(X3, y3), TypeError, "class_balance"),
    (lambda: ProxySelector(n_select=5).fit(X3, [0, -1, -1]), ValueError, "2 unlabeled rows"),
    (lambda: ProxySelector(LinearSVC()).fit(X3, y3), ValueError, "no predict_proba"),
    (lambda: ProxySelector().fit(np.arange(3), y3), ValueError, "X is 1-D"),
    (lambda: ProxySelector().fit(X3, [0, 1]), ValueError, "2 labels but X has 3 rows"),
    (lambda: ProxySelector().transform(X3), Exception, "not fitted"),
    (
        lambda: SelectThenFit(CoresetSelector(), LogisticRegression()).fit(X3, None),
        ValueError,
        "requires y",
    ),
    (lambda: make_proxy(LogisticRegression(), nope=1), ValueError, "nope"),
    (lambda: make_default_proxy(epochs=3), ValueError, r"unknown parameters \['epochs'\]"),
    (lambda: greedy_kcenters(np.zeros((3, 2)), 5), ValueError, "n_centers=5"),
    (lambda: greedy_kcenters(np.zeros(3), 1), ValueError, "must be 2-D"),
    (lambda: greedy_kcenters(X3, 1, algorithm="fast"), ValueError, "algorithm"),
    (lambda: greedy_kcenters(X3, 1, existing_as="all"), ValueError, "existing_as"),
    (lambda: assign_to_centers(X3, [7]), ValueError, r"outside \[0, 3\)"),
    (
        lambda: estimate_resources(0, 5, 1),
        ValueError,
        r"'n_samples' .* must be an int in the range \[1, inf\)",
    ),
    (lambda: estimate_resources(10, 5, 11), ValueError, "n_centers=11"),
    (lambda: estimate_resources(10, 5, 1, dtype="int8"), ValueError, "dtype"),
    (lambda: smallest_fraction_within(-0.1), ValueError, "tolerance"),
    (lambda: register_method("x", rank="not callable"), TypeError, "rank must be callable"),
    (lambda: register_method("x", lambda c: c, needs="logits"), ValueError, "unknown outputs"),
]


@pytest.mark.parametrize(("call", "error", "match"), BAD_CALLS)
def test_public_functions_fail_with_a_message_that_names_the_fix(call, error, match):
    with pytest.raises(error, match=match):
        call()
