"""Selection from ``dask.array`` pools: scoring on the workers, two-round k-centers.

The proxy trains where ``fit`` is called, on the labeled rows (a small, in-memory set in active
learning; every row for a core-set, which must then fit in memory). It is then shipped once to
the workers as a single graph node, and every block of the pool is scored where it lives:

- uncertainty methods gather one probability row per pool row (O(n * n_classes), linear) and
  rank with exactly the in-memory code, so selections equal the in-memory ones;
- ``kcenters`` runs the two-round algorithm of Malkomes et al. (2015): greedy k-centers on each
  block (with the labeled rows as existing centers), then greedy k-centers on the union of the
  blocks' centers. Its covering radius is at most 4x the optimal k-center radius (the
  single-machine greedy guarantees 2x); ``covering_radius_`` reports the radius achieved,
  measured with one more blockwise pass.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from . import _validation as v
from .kcenters import _half_sq_norms, _nearest_center, greedy_kcenters
from .methods import PoolOutputs, SelectionMethod
from .utils import derive_seed


def is_dask_array(X: Any) -> bool:
    """True for a ``dask.array.Array`` (checked without importing dask)."""
    return type(X).__module__.startswith("dask.array") and hasattr(X, "chunks")


def _outputs(block: np.ndarray, proxy_: Any, needs: str) -> PoolOutputs:
    from ._proxy_outputs import read_outputs

    block = np.ascontiguousarray(block, dtype=np.float32)
    return read_outputs(proxy_, block, needs)


def _block_proba(block, proxy_):
    return _outputs(block, proxy_, "proba").proba


def _block_finite(block):
    return bool(np.isfinite(block).all())


def _block_centers(block, start, local_rows, proxy_, existing_emb, k, seed):
    """Round one: greedy k-centers inside one block, existing centers included."""
    if len(local_rows) == 0:
        return np.empty(0, dtype=np.int64), np.empty((0, existing_emb.shape[1]), np.float32)
    emb = _outputs(block[local_rows], proxy_, "embedding").embedding
    stacked = np.concatenate([existing_emb, emb]).astype(np.float32, copy=False)
    n_existing = len(existing_emb)
    picks, _ = greedy_kcenters(
        stacked,
        min(k, len(local_rows)),
        already_selected=np.arange(n_existing) if n_existing else None,
        random_state=seed,
    )
    picks = picks - n_existing
    return start + local_rows[picks], emb[picks]


def _block_max_distance(block, local_rows, proxy_, centers_emb):
    """Largest distance from the block's candidate rows to their nearest center."""
    if len(local_rows) == 0:
        return 0.0
    emb = _outputs(block[local_rows], proxy_, "embedding").embedding
    stacked = np.concatenate([centers_emb, emb]).astype(np.float32, copy=False)
    _, half_sq = _nearest_center(stacked, _half_sq_norms(stacked), np.arange(len(centers_emb)))
    return float(np.sqrt(2.0 * half_sq[len(centers_emb) :].max()))


def fit_dask(selector: Any, X: Any, y: Any) -> Any:
    """``selector.fit`` for a dask array pool (see the module docstring)."""
    import dask

    from ._proxy_outputs import check_proxy, is_torch_proxy, train_proxy
    from .methods import get_method

    method: SelectionMethod = get_method(selector.method, coreset=selector._coreset)
    v.check_fraction(selector.fraction)
    if X.ndim < 2:
        v.check_pool_array(X)
    X = X.astype(np.float32).rechunk({i: -1 for i in range(1, X.ndim)})
    if not all(dask.compute(*[dask.delayed(_block_finite)(b) for b in X.to_delayed().ravel()])):
        raise ValueError(
            "X contains NaN or inf. Impute them (e.g. sklearn.impute.SimpleImputer) or drop "
            "those rows before selecting."
        )
    y = v.check_labels(np.asarray(y), X.shape[0])
    labeled, candidates = selector._split_rows(y)
    n_select = v.n_to_select(
        selector.fraction, len(candidates), selector._candidate_description(labeled, len(y))
    )
    if method.needs == "forgetting":
        raise ValueError(
            "method='forgetting' needs the proxy's training dynamics over every row; compute "
            "the pool (X.compute()) and fit on the in-memory array."
        )
    if getattr(selector, "class_balance", False) and method.needs == "embedding":
        raise ValueError("class_balance=True with kcenters is not available for dask pools.")

    from sklearn.utils import check_random_state

    encoder, y_enc = selector._encode_labels(y, labeled)
    rng = check_random_state(selector.random_state)
    seed = derive_seed(rng)

    start = time.perf_counter()
    proxy_ = None
    if method.needs_proxy or (method.needs == "embedding" and len(labeled)):
        selector._check_trainable(y_enc, labeled)
        proxy = selector._resolved_proxy()
        check_proxy(proxy, method.needs)
        X_train = np.ascontiguousarray(X[labeled].compute())
        proxy_ = train_proxy(proxy, X_train, y_enc[labeled], seed, verbose=selector.verbose)
        if method.needs == "embedding" and not is_torch_proxy(proxy_):
            proxy_ = None  # no learned embedding: k-centers on the input features
    trained = time.perf_counter()
    proxy_d = dask.delayed(proxy_, pure=True, traverse=False)
    blocks = X.to_delayed().ravel()
    starts = np.cumsum((0,) + X.chunks[0])[:-1]

    radius = None
    if method.needs == "embedding":
        existing = selector._existing(labeled, candidates)
        existing_emb = (
            _outputs(X[existing].compute(), proxy_, "embedding").embedding
            if len(existing)
            else np.empty((0, int(np.prod(X.shape[1:]))), np.float32)
        )
        if proxy_ is not None and len(existing):
            existing_emb = existing_emb.astype(np.float32)
        is_cand = np.zeros(len(y), dtype=bool)
        is_cand[candidates] = True
        local = [
            np.flatnonzero(is_cand[s : s + n]) for s, n in zip(starts, X.chunks[0], strict=True)
        ]
        block_seeds = [derive_seed(rng) for _ in blocks]
        parts = dask.compute(
            *[
                dask.delayed(_block_centers)(b, s, rows, proxy_d, existing_emb, n_select, bs)
                for b, s, rows, bs in zip(blocks, starts, local, block_seeds, strict=True)
            ]
        )
        union_rows = np.concatenate([p[0] for p in parts])
        union_emb = np.concatenate([p[1] for p in parts]).astype(np.float32)
        # Round two: greedy on the union, ranked by the registered method (same scoring).
        all_rows = np.concatenate([existing, union_rows])
        local_out = PoolOutputs(embedding=np.concatenate([existing_emb, union_emb]))
        local_cands = np.arange(len(existing), len(all_rows))
        order_local, scores_local = method.rank(
            local_out, local_cands, n_select, np.arange(len(existing)), rng
        )
        order = all_rows[order_local]
        scores = np.full(len(candidates), np.nan)
        scores[np.searchsorted(candidates, union_rows)] = scores_local
        selected = order[:n_select]
        chosen_emb = local_out.embedding[np.concatenate([np.arange(len(existing)), order_local])]
        radius = max(
            dask.compute(
                *[
                    dask.delayed(_block_max_distance)(b, rows, proxy_d, chosen_emb)
                    for b, rows in zip(blocks, local, strict=True)
                ]
            )
        )
    elif method.needs == "proba":
        proba = np.concatenate(
            dask.compute(*[dask.delayed(_block_proba)(b, proxy_d) for b in blocks])
        )
        order, scores, selected = selector._rank(
            method, PoolOutputs(proba=proba), candidates, labeled, y_enc, n_select, rng
        )
    else:  # nothing to read (random)
        order, scores, selected = selector._rank(
            method, PoolOutputs(), candidates, labeled, y_enc, n_select, rng
        )

    selector.n_features_in_ = X.shape[1]
    # Scoring and selection interleave on the workers: reported together under "score".
    return selector._store_fit(
        proxy_=proxy_,
        fit_seconds={
            "proxy_fit": trained - start,
            "score": time.perf_counter() - trained,
            "select": 0.0,
        },
        encoder=encoder,
        n_rows=len(y),
        candidates=candidates,
        scores=scores,
        order=order,
        sample_indices=np.sort(np.asarray(selected, dtype=np.int64)),
        sample_weight=None,
        fingerprint=("dask", X.shape, X.name),
        covering_radius=radius,
    )
