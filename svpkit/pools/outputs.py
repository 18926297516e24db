"""Train a clone of the proxy and read what selection needs from it, in one cacheable step.

This is the expensive part of a selection, and it does not depend on ``fraction``: a grid over
fractions hits the joblib cache and trains the proxy once per fold.
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
import weakref
from functools import partial
from typing import Any

import numpy as np
import scipy.sparse
from sklearn.base import clone

from .._validation import (
    ProxyOutputCheck,
    SelectionWarning,
    constant_rows,
    n_classes_of,
    take_rows,
)
from ..methods import TRAINING_OUTPUTS, PoolOutputs, methods_not_reading, methods_reading_only
from ..nn.kinds import has_embed, is_frozen, is_proxy_net, is_torch_proxy, unfrozen
from ..utils import fit_seeded

_DYNAMICS_CB = "svpkit_dynamics"

#: Bytes above which a proxy output array (the embeddings, usually) is written to a memory map
#: in ``scratch_dir`` instead of RAM: 10M rows x 128 float32 embeddings are 5 GB.
OUTPUT_MEMORY_BUDGET = 1 << 30


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def output_array(
    shape: tuple[int, ...],
    dtype: Any,
    *,
    scratch_dir: str | None = None,
    budget: int = OUTPUT_MEMORY_BUDGET,
) -> np.ndarray:
    """An uninitialised output array: in RAM up to ``budget`` bytes, else a memory map.

    The map is a ``.npy`` file in ``scratch_dir`` (None: the system's temporary directory),
    unlinked at once where the system allows it (the pages live as long as the array, and
    the page cache, not the process's anonymous memory, holds them), else removed when the
    array is freed.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.pools.outputs import output_array
    >>> type(output_array((4, 2), np.float32)).__name__
    'ndarray'
    >>> type(output_array((4, 2), np.float32, budget=0)).__name__
    'memmap'
    """
    dtype = np.dtype(dtype)
    if int(np.prod(shape)) * dtype.itemsize <= budget:
        return np.empty(shape, dtype=dtype)
    fd, path = tempfile.mkstemp(prefix="svpkit-output-", suffix=".npy", dir=scratch_dir)
    os.close(fd)
    array = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=tuple(shape))
    try:
        os.remove(path)  # POSIX: the map keeps the file's pages until it is closed
    except OSError:  # e.g. Windows, where an open file cannot be removed
        weakref.finalize(array, _remove, path)
    return array


def _n_rows(X: Any) -> int:
    """Rows of an array, sparse matrix or torch Dataset (sparse matrices have no len)."""
    return X.shape[0] if hasattr(X, "shape") else len(X)


def check_proxy(proxy: Any, needs: frozenset, method: str) -> None:
    """Fail early, naming the fix, when a proxy cannot give the outputs a method reads."""
    if needs & TRAINING_OUTPUTS and is_frozen(proxy):
        raise ValueError(
            f"method={method!r} reads the proxy's training dynamics (recorded while it trains), "
            "but the proxy is frozen (sklearn.frozen.FrozenEstimator: used as it is, never "
            "trained here), so there are none. Pass the unfitted proxy to train it, or use "
            f"{methods_reading_only({'proba', 'embedding'})}."
        )
    if needs & TRAINING_OUTPUTS and not is_proxy_net(proxy):
        raise ValueError(
            f"method={method!r} reads the proxy's training dynamics (recorded while it trains), "
            f"which needs a svpkit.nn.ProxyNet proxy (or proxy=None); got "
            f"{type(proxy).__name__}."
        )
    if "proba" in needs and not hasattr(proxy, "predict_proba"):
        raise ValueError(
            f"proxy {type(proxy).__name__} has no predict_proba, which method={method!r} reads. "
            "Use a classifier with predict_proba (e.g. LogisticRegression, a skorch net) or "
            f"{methods_not_reading('proba')}."
        )


def no_embedding_message(proxy: Any, features: str, fixes: str) -> str:
    """Why a pool's input features cannot stand in for embeddings (no torch proxy embeds),
    and the fixes."""
    has = "no proxy" if proxy is None else f"proxy {type(proxy).__name__}"
    return (
        f"this method reads embeddings, and with {has} they would be {features}. {fixes}, or "
        "use a method that reads probabilities."
    )


#: Why the cold-start methods (which cluster the input features) refuse a sparse pool.
SPARSE_FEATURES_MESSAGE = (
    "this method clusters the input features, which for a sparse pool are no dense distance "
    "space. Reduce them first (sklearn.decomposition.TruncatedSVD to a few hundred dense "
    "columns) or use a method that reads the proxy's outputs."
)


def sparse_embedding_message(proxy: Any) -> str:
    return no_embedding_message(
        proxy,
        "the input features of a sparse pool: k-centers needs dense vectors",
        "Use a torch proxy (svpkit.nn.ProxyNet or proxy=None with labeled rows; its embeddings "
        "are dense), or reduce the features first (sklearn.decomposition.TruncatedSVD)",
    )


def _with_callbacks(proxy: Any, extra: list) -> Any:
    callbacks = list(proxy.callbacks or [])
    return proxy.set_params(callbacks=callbacks + extra)


def train_proxy(
    proxy: Any,
    X_train: np.ndarray,
    y_train: np.ndarray,
    seed: int,
    *,
    track_dynamics: bool = False,
    verbose: bool = False,
) -> Any:
    """Fit a clone of ``proxy`` reproducibly (torch seeded in a scope; ``random_state`` set
    when the proxy leaves it unset), optionally recording its training dynamics. A frozen
    proxy (:class:`sklearn.frozen.FrozenEstimator`) is returned as it is, untrained."""
    if is_frozen(proxy):
        return proxy
    proxy_ = clone(proxy)
    torch_proxy = is_torch_proxy(proxy_)
    extra_callbacks = []
    if track_dynamics or (verbose and torch_proxy):
        from ..nn.callbacks import DynamicsRecorder, EpochProgressBar
    if track_dynamics:
        extra_callbacks.append((_DYNAMICS_CB, DynamicsRecorder()))
    if verbose and torch_proxy:
        extra_callbacks.append(("svpkit_progress", EpochProgressBar("proxy")))
    if extra_callbacks:
        proxy_ = _with_callbacks(proxy_, extra_callbacks)
    proxy_ = fit_seeded(proxy_, X_train, y_train, seed)
    if torch_proxy:  # a net that trained no epoch would rank with its random weights
        from ..nn.net import check_trained

        check_trained(proxy_)
    return proxy_


def train_and_read(
    proxy: Any,
    X: np.ndarray,
    y_enc: np.ndarray,
    train_rows: np.ndarray,
    seed: int,
    needs: tuple[str, ...] | str,
    verbose: bool = False,
    scratch_dir: str | None = None,
    row_scores: dict | None = None,
) -> tuple[Any, PoolOutputs, dict[str, float]]:  # X may also be a scipy sparse matrix
    """Fit a clone of ``proxy`` on ``X[train_rows]`` and read its outputs on all of ``X``.

    Parameters
    ----------
    proxy : estimator
        Unfitted template; never modified.
    X : ndarray, float32
        The whole pool.
    y_enc : ndarray of int64
        Encoded labels for the pool (only ``train_rows`` are used): one per row, or a
        multi-label indicator matrix.
    train_rows : ndarray of int
        Rows to train on.
    seed : int
        Seeds torch (in a scope that restores the caller's RNG) and, when the proxy leaves it
        unset, its ``random_state``.
    needs : tuple of {"proba", "embedding", "forgetting", "dynamics"}, or "all"
        What to read out (a sorted tuple: it is part of the cache key). ``"all"`` reads
        everything the proxy can give (training dynamics and forgetting counts for a ProxyNet,
        probabilities, embeddings), so one cached training serves every method.
    verbose : bool
        Show an epoch progress bar for torch proxies.
    scratch_dir : str or None
        Where outputs larger than :data:`OUTPUT_MEMORY_BUDGET` are memory-mapped.
    row_scores : dict or None
        Per-row kernels of the probabilities, applied during inference (:func:`read_outputs`).

    Returns
    -------
    proxy_ : fitted clone
    outputs : PoolOutputs
    seconds : dict
        ``{"proxy_fit": ..., "score": ...}``: wall time of training and of reading outputs.
    """
    if needs == "all":
        track_dynamics = is_proxy_net(proxy)  # a frozen net trains no epoch here
        # a label indicator (multi-label) is read as per-label probabilities
        needs = ("embedding", "label_proba" if np.ndim(y_enc) == 2 else "proba")
    else:
        track_dynamics = bool(set(needs) & TRAINING_OUTPUTS)
    start = time.perf_counter()
    proxy_ = train_proxy(
        proxy,
        take_rows(X, train_rows),  # a torch Dataset's rows are a Subset
        y_enc[train_rows],
        seed,
        track_dynamics=track_dynamics,
        verbose=verbose,
    )
    fitted = time.perf_counter()

    outputs = read_outputs(
        proxy_,
        X,
        frozenset(needs) - TRAINING_OUTPUTS - {"residual"},
        verbose=verbose,
        scratch_dir=scratch_dir,
        row_scores=row_scores,
    )
    if "residual" in needs:  # two more trainings on halves: part of the proxy's cost
        from .regression import cross_fitted_residuals

        start_residuals = time.perf_counter()
        outputs.residual = cross_fitted_residuals(proxy, X, y_enc, train_rows, seed, _n_rows(X))
        fitted += time.perf_counter() - start_residuals
    if track_dynamics:  # recorded during training: reading them is free
        from ..kernels.dynamics import forgetting_from_dynamics

        dynamics = dict(proxy_.callbacks_)[_DYNAMICS_CB].dynamics_
        dynamics.rows = np.asarray(train_rows, dtype=np.int64)
        outputs.dynamics = dynamics
        outputs.forgetting = np.full(_n_rows(X), np.nan)
        outputs.forgetting[train_rows] = forgetting_from_dynamics(dynamics)
    seconds = {"proxy_fit": fitted - start, "score": time.perf_counter() - fitted}
    return proxy_, outputs, seconds


def read_outputs(
    proxy_: Any,
    X: np.ndarray,
    needs: frozenset,
    *,
    verbose: bool = False,
    scratch_dir: str | None = None,
    row_scores: dict[str, Any] | None = None,
) -> PoolOutputs:
    """Outputs of an already fitted proxy (or of none: embeddings are then the features).

    Embeddings come from a torch proxy's penultimate layer, or from a proxy's own
    ``embed(X)`` method (:func:`svpkit.nn.make_embedding_proxy`); a frozen proxy is read
    through the estimator it wraps. With ``verbose``, a torch proxy's inference shows a
    progress bar over the rows. A torch proxy's outputs larger than
    :data:`OUTPUT_MEMORY_BUDGET` go to memory maps in ``scratch_dir``
    (:func:`output_array`). ``row_scores`` (names to per-row kernels of the probabilities)
    fills ``outputs.row_scores``: a torch proxy's are computed batch by batch during
    inference, and its probabilities are kept only when ``"proba"`` is in ``needs``."""
    if needs & (TRAINING_OUTPUTS | {"residual"}):
        raise ValueError(
            "training dynamics (forgetting events, EL2N, AUM, ...) and regression residuals are "
            "recorded while the proxy trains on the pool's labeled rows, so they cannot be read "
            "for a pool that was not passed to fit. "
            "Call fit (or fit_resample) on this pool, or use a method that reads probabilities "
            "or embeddings."
        )
    outputs = PoolOutputs()
    want_proba = "proba" in needs
    want_embedding = "embedding" in needs
    kernels = dict(row_scores or {})
    model = unfrozen(proxy_)
    if proxy_ is not None and is_torch_proxy(proxy_) and (want_proba or want_embedding or kernels):
        from tqdm.auto import tqdm

        from ..nn.net import predict_outputs

        # probabilities come with the same pass (kept only when a method reads them)
        with tqdm(
            total=_n_rows(X), desc="proxy inference", unit="row", leave=False, disable=not verbose
        ) as bar:
            outputs.proba, outputs.embedding, outputs.row_scores = predict_outputs(
                model,
                X,
                embed=want_embedding,
                predict=want_proba,
                progress=bar.update,
                allocate=partial(output_array, scratch_dir=scratch_dir),
                row_scores=kernels,
            )
    elif proxy_ is not None:
        check = ProxyOutputCheck(model, _n_rows(X), n_classes_of(model))
        if (want_proba or kernels) and hasattr(model, "predict_proba"):
            proba = model.predict_proba(X)
            # impossible outputs are refused here, before any score is computed from them
            check.proba_array(proba)
            outputs.row_scores = {name: kernel(proba) for name, kernel in kernels.items()}
            outputs.proba = proba if want_proba else None
        if want_embedding and has_embed(model):
            outputs.embedding = embedding_array(model.embed(X), check)
        if "label_proba" in needs:
            from .multilabel import label_probabilities

            n_labels = n_classes_of(model)
            outputs.label_proba = label_probabilities(model, X, check, n_labels)
        if "variance" in needs:
            from .regression import predictive_variance

            outputs.variance = predictive_variance(proxy_, X)
    if want_embedding and outputs.embedding is None:
        if scipy.sparse.issparse(X):
            raise ValueError(sparse_embedding_message(proxy_))
        # no learned embedding: the input features (an empty block keeps its width), as
        # float32 (pixels are uint8; FAISS and the distance kernels read float32)
        flat = X.reshape(X.shape[0], int(np.prod(X.shape[1:])))
        outputs.embedding = flat if flat.dtype == np.float32 else flat.astype(np.float32)
    return outputs


def embedding_array(embedding: Any, check: ProxyOutputCheck) -> np.ndarray:
    """Embeddings a proxy's ``embed`` (or a user) gave: one finite float32 row per pool row."""
    embedding = np.asarray(embedding)
    if embedding.ndim != 2:
        raise ValueError(
            f"{check.name} returned embeddings of shape {embedding.shape}; embed must return a "
            "2-D array, one row of features per input row."
        )
    check.rows(len(embedding), "embeddings")
    embedding = embedding if embedding.dtype == np.float32 else embedding.astype(np.float32)
    check.embedding(embedding)
    return embedding


def warn_if_degenerate(
    proxy_: Any, outputs: PoolOutputs, candidates: np.ndarray, *, training: bool = True
) -> None:
    """Warn (:class:`~svpkit.SelectionWarning`) when a trained proxy cannot rank the
    candidates: its training loss was not finite, or every candidate gets the same
    probabilities, streamed scores or embeddings (a diverged or untrained net), so any order
    of them is arbitrary. ``training=False`` leaves the training loss out (a proxy fitted
    earlier, already checked).

    Read after the outputs (cached ones included): the comparison stops at the first block of
    candidates that differs, so for outputs that vary it costs one block.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from svpkit.methods import PoolOutputs
    >>> from svpkit.pools.outputs import warn_if_degenerate
    >>> outputs = PoolOutputs(proba=np.full((4, 2), 0.5))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_if_degenerate(DummyClassifier(), outputs, np.arange(4))
    >>> caught[0].category.__name__, "same probabilities" in str(caught[0].message)
    ('SelectionWarning', True)
    """
    if proxy_ is None:
        return
    name = f"proxy {type(proxy_).__name__}"
    if training and is_torch_proxy(proxy_) and not is_frozen(proxy_):
        from ..nn.net import nonfinite_loss_epoch

        epoch = nonfinite_loss_epoch(proxy_)
        if epoch is not None:
            warnings.warn(
                f"{name}'s training loss was not finite (NaN or inf from epoch {epoch} on): its "
                "training diverged and its outputs rank nothing. Scale the features (e.g. "
                "sklearn.preprocessing.StandardScaler) or lower the learning rate.",
                SelectionWarning,
                stacklevel=3,
            )
    candidates = np.asarray(candidates)
    own_embedding = is_torch_proxy(proxy_) or has_embed(proxy_)  # not the input features
    same = [
        what
        for what, values in (
            ("probabilities", outputs.proba),
            *((f"{key} scores", scores) for key, scores in outputs.row_scores.items()),
            ("embeddings", outputs.embedding if own_embedding else None),
        )
        if values is not None and constant_rows(values, candidates)
    ]
    if same:
        warnings.warn(
            f"{name} gives all {len(candidates)} candidate rows the same "
            f"{' and '.join(same)}, so every candidate gets the same score and the selection "
            "is an arbitrary one, not a ranking. Its training probably diverged or learned "
            "nothing: scale the features (e.g. sklearn.preprocessing.StandardScaler), lower "
            "the learning rate, train more epochs, or check the labels.",
            SelectionWarning,
            stacklevel=3,
        )
