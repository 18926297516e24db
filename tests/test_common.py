"""scikit-learn's estimator checks over every svpkit estimator."""

from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from svpkit import CoresetSelector, KnnCandidates, ProxySelector, SelectThenFit

# A selector's transform returns the *selected rows*, by design (DESIGN.md): fewer rows than it
# was given, chosen with respect to the whole pool. The checks below assume a row-wise
# transformer (same number of rows out, each row transformed on its own), so they cannot pass.
_ROW_SELECTION = (
    "transform returns the selected rows (fewer than n_samples) by design; a row selector is "
    "not a row-wise transformer"
)
_POOL_DEPENDENT = (
    "the selection depends on the whole pool: transform on a permuted or partial pool selects "
    "from that pool"
)
SELECTOR_EXPECTED_FAILURES = {
    "check_transformer_general": _ROW_SELECTION,
    "check_transformer_data_not_an_array": _ROW_SELECTION,
    "check_methods_sample_order_invariance": _POOL_DEPENDENT,
    "check_methods_subset_invariance": _POOL_DEPENDENT,
}


def _proxy():
    return LogisticRegression(max_iter=200)


ESTIMATORS = [
    CoresetSelector(_proxy(), random_state=0),
    CoresetSelector(_proxy(), method="kcenters", class_balance=True, random_state=0),
    ProxySelector(_proxy(), method="entropy", random_state=0),
    ProxySelector(_proxy(), method="badge", random_state=0),
    ProxySelector(method="maxherding", random_state=0),  # no proxy: coverage of the features
    ProxySelector(method="typiclust", random_state=0),
    ProxySelector(_proxy(), method="margin", candidates="knn", random_state=0),  # SEALS
    ProxySelector(_proxy(), method="targeted", query=[0], random_state=0),
    # Class balance keeps every class in the core-set (the checks fit 3 tight blobs, where a
    # margin-ranked half could drop a whole class).
    SelectThenFit(
        CoresetSelector(_proxy(), method="margin", class_balance=True, random_state=0), _proxy()
    ),
    KnnCandidates(n_neighbors=3),
]


def _expected_failed_checks(estimator):
    if isinstance(estimator, (SelectThenFit, KnnCandidates)):
        return {}  # both pass every check
    if estimator.get_params().get("method") == "targeted":
        return {
            **SELECTOR_EXPECTED_FAILURES,
            "check_fit_idempotent": "targeted selection is relative to query rows of the fitted "
            "pool; transform on a new pool is refused with the fix",
        }
    return SELECTOR_EXPECTED_FAILURES


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
