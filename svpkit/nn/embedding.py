"""Proxies the user already has: a frozen encoder and a cheap head trained on its features.

A pretrained encoder (a torch module, or any function from rows to vectors) often ranks data
better per second than a small net trained from scratch: its features are computed once per
pool, and only a linear head is fitted on them, in well under a second. :class:`EmbeddingProxy`
is that proxy as a scikit-learn classifier; :func:`make_embedding_proxy` builds one.

Its ``embed(X)`` method is the embedding protocol of svpkit's pools
(:func:`svpkit.pools.outputs.read_outputs`): a proxy with an ``embed`` method gives the methods
that read embeddings (k-centers, BADGE, TypiClust, ...) its own vectors, as a skorch proxy gives
its penultimate layer.

:func:`wordllama_encoder` is a text encoder that needs no download: WordLlama's 256-d token
embeddings (``l2_supercat``, from Llama 2's vocabulary), shipped inside the ``wordllama`` wheel
(MIT), averaged per text.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import numbers
import sys
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from .._validation import array_fingerprint, is_text
from ..utils import derive_seed

__all__ = ["EmbeddingProxy", "make_embedding_proxy", "WordLlamaEncoder", "wordllama_encoder"]

#: Pools whose features an :class:`EmbeddingProxy` and its clones keep (least recently used
#: first out). Active learning needs two: the pool, read every round, and the labeled rows.
MAX_CACHED_POOLS = 4
#: Inverse regularisation of the default head (see :func:`default_head`).
DEFAULT_HEAD_C = 0.1


def default_head() -> Any:
    """The head :class:`EmbeddingProxy` fits when given none: standardised features, then
    logistic regression with ``C=0.1``.

    A frozen encoder's features are many (hundreds) and the labeled rows often few, so the
    head is regularised more than scikit-learn's default ``C=1``. Measured by 5-fold
    cross-validation on training rows only (never a test split), on WordLlama features of the
    Rotten Tomatoes pool (256-d) and on scikit-learn's digits (64 pixels, identity encoder),
    at 100, 300 and 1,000 rows and on the whole set: ``C=0.1`` was best or within a point of
    the best in every case, ``C=1`` lost up to 3 points on the text features, ``C=0.01`` up to
    9 points on digits at 100 rows. Standardising first makes one ``C`` fit encoders whose
    features have different scales.

    Returns
    -------
    head : sklearn.pipeline.Pipeline
        Unfitted ``make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=1000))``.

    Examples
    --------
    >>> from svpkit.nn.embedding import default_head
    >>> default_head()[-1].C
    0.1
    """
    return make_pipeline(StandardScaler(), LogisticRegression(C=DEFAULT_HEAD_C, max_iter=1000))


def _text_fingerprint(texts: Sequence[str]) -> tuple:
    """What identifies a list of texts: their count and a hash of every text, in order."""
    digest = hashlib.blake2b(digest_size=16)
    for text in texts:
        data = text.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return ("text", len(texts), digest.hexdigest())


def _is_module(encoder: Any) -> bool:
    torch = sys.modules.get("torch")  # a torch module exists only where torch is imported
    return torch is not None and isinstance(encoder, torch.nn.Module)


def _tensors(module: Any) -> Any:
    return itertools.chain(module.parameters(), module.buffers())


def _encoder_state(encoder: Any) -> Hashable:
    """What changes when a torch module's weights change (each tensor's in-place version
    counter: an optimizer step or ``load_state_dict`` bumps it); None for a callable, which is
    taken to be a fixed function of its input."""
    if not _is_module(encoder):
        return None
    return tuple((id(t), t._version) for t in _tensors(encoder))


class _FeatureCache:
    """Encoder features of the latest pools, shared by an :class:`EmbeddingProxy` and its
    clones (never pickled or deep-copied: a copy starts empty)."""

    def __init__(self, encoder: Any, max_pools: int = MAX_CACHED_POOLS) -> None:
        self.encoder = encoder
        self.max_pools = max_pools
        self.entries: OrderedDict[Hashable, np.ndarray] = OrderedDict()

    def get(self, key: Hashable) -> np.ndarray | None:
        features = self.entries.get(key)
        if features is not None:
            self.entries.move_to_end(key)
        return features

    def put(self, key: Hashable, features: np.ndarray) -> None:
        self.entries[key] = features
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_pools:
            self.entries.popitem(last=False)


def _head_has(name: str) -> Callable[[Any], bool]:
    """Whether the (fitted, else template) head has method ``name``: for ``available_if``."""

    def check(proxy: EmbeddingProxy) -> bool:
        head = getattr(proxy, "head_", None)
        return hasattr(proxy._head_template() if head is None else head, name)

    return check


class EmbeddingProxy(ClassifierMixin, BaseEstimator):
    """A frozen encoder's features, then a cheap head: a proxy from a model the user has.

    ``fit`` computes the encoder's features of ``X`` (in batches; a torch module in eval mode
    under ``torch.no_grad()``) and fits a clone of ``head`` on them; ``predict_proba`` and
    ``predict`` are the head's on the features. Features are computed once per pool content:
    they are kept, keyed by a fingerprint of the rows (a hash of an in-memory array or of the
    texts; a memory map's file identity and sampled rows), for the latest
    :data:`MAX_CACHED_POOLS` pools, and the cache is shared with clones, so a selector that
    fits a clone of the proxy and then reads its probabilities and embeddings on the same pool
    encodes it once, and so do the rounds of an active-learning loop.

    **The embedding protocol.** ``embed(X)`` returns the encoder's features, an
    ``(n_rows, n_features)`` float32 array. svpkit's pools read a proxy's embeddings through
    this method where it has one (k-centers and the other methods that read embeddings use
    them), as they read a skorch proxy's penultimate layer; any estimator with such a method
    is read the same way.

    Parameters
    ----------
    encoder : torch.nn.Module or callable
        Maps a batch of rows to their features, ``(n_rows, n_features)``. A torch module is
        called in eval mode (its mode is restored afterwards) under ``torch.no_grad()`` on the
        device and floating dtype of its parameters: array rows become a tensor (uint8 pixels
        scaled to ``[0, 1]``, svpkit's convention; other arrays cast to that dtype), a batch of
        texts is passed as a list of strings. A module whose forward returns ``(logits,
        embedding)`` and says so with ``returns_embedding = True`` (svpkit's modules) gives its
        embedding. Any other callable gets the batch as it is (a numpy array of rows, or a
        list of strings) and may return a numpy array, a torch tensor or a nested list.
        The encoder is assumed frozen: it is never trained here, and a callable is assumed to
        give the same features for the same rows (a module's weights are checked: changing
        them in place invalidates its cached features).
        ``clone`` keeps the *same* encoder object (it is not deep-copied: a pretrained model
        can be large, and it is never modified here); ``head`` is cloned as usual.
    head : classifier, default=None
        Fitted (a clone of it) on the features. None: :func:`default_head`, standardised
        features and ``LogisticRegression(C=0.1, max_iter=1000)``. ``predict_proba`` exists
        when the head has it.
    batch_size : int, default=256
        Rows per encoder call.
    cache : bool, default=True
        Keep the features of the latest pools (shared with clones). False: encode on every
        call.
    random_state : int, RandomState instance or None, default=None
        Passed to every ``random_state`` parameter of the head that is unset (None). svpkit's
        selectors set it from their own seed when it is None.

    Attributes
    ----------
    head_ : classifier
        The fitted clone of ``head``.
    classes_ : ndarray of shape (n_classes,)
        The class labels (the head's).
    n_features_in_ : int
        Columns of ``X`` seen in ``fit``, for array rows (not set for texts).
    feature_names_in_ : ndarray of str
        Column names of a DataFrame ``X`` seen in ``fit``.
    embedding_dim_ : int
        Width of the encoder's features.

    See Also
    --------
    make_embedding_proxy : Builds one.
    wordllama_encoder : A text encoder that ships with its weights.

    Examples
    --------
    A torch module as the encoder (here a fixed random projection of digits' pixels):

    >>> import torch
    >>> from sklearn.datasets import load_digits
    >>> from svpkit import ProxySelector
    >>> from svpkit.nn import EmbeddingProxy
    >>> X, y = load_digits(return_X_y=True)
    >>> _ = torch.manual_seed(0)
    >>> encoder = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU())
    >>> proxy = EmbeddingProxy(encoder).fit(X, y)
    >>> proxy.predict_proba(X[:2]).shape, proxy.embed(X[:2]).shape, proxy.embed(X).dtype
    ((2, 10), (2, 32), dtype('float32'))
    >>> sel = ProxySelector(EmbeddingProxy(encoder), method="margin", n_select=50,
    ...                     random_state=0).fit(X, y)
    >>> len(sel.sample_indices_)
    50
    """

    _parameter_constraints: ClassVar[dict] = {
        "encoder": [callable],
        "head": [None, HasMethods(["fit", "predict"])],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "cache": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        encoder: Any,
        head: Any = None,
        *,
        batch_size: int = 256,
        cache: bool = True,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.encoder = encoder
        self.head = head
        self.batch_size = batch_size
        self.cache = cache
        self.random_state = random_state

    # -- scikit-learn protocol ------------------------------------------------------------

    def __sklearn_clone__(self) -> EmbeddingProxy:
        """An unfitted copy with the same encoder object (not deep-copied), a clone of the
        head, and the same feature cache."""
        params = self.get_params(deep=False)
        new = type(self)(
            **{k: (v if k == "encoder" else clone(v, safe=False)) for k, v in params.items()}
        )
        if self.cache:
            new._feature_cache = self._shared_cache()
        return new

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())  # a copy: object's own is the live __dict__
        state.pop("_feature_cache", None)
        return state

    def _head_template(self) -> Any:
        return default_head() if self.head is None else self.head

    # -- features -------------------------------------------------------------------------

    def _shared_cache(self) -> _FeatureCache:
        cache = getattr(self, "_feature_cache", None)
        if cache is None or cache.encoder is not self.encoder:
            cache = self._feature_cache = _FeatureCache(self.encoder)
        return cache

    def _rows(self, X: Any, *, reset: bool) -> tuple[Any, Hashable]:
        """The rows as the encoder gets them (a list of str, or an array) and their
        fingerprint; array rows are validated as scikit-learn does (feature count, names)."""
        if is_text(X):
            values = X.tolist() if hasattr(X, "tolist") else list(X)
            bad = [i for i, t in enumerate(values) if not isinstance(t, str)]
            if bad:
                raise ValueError(
                    f"X is a list of texts, but {len(bad)} of its {len(values)} rows are not "
                    f"strings (first: row {bad[0]}, {values[bad[0]]!r}). Fill missing texts "
                    "with '' or drop those rows."
                )
            if reset:
                for name in ("n_features_in_", "feature_names_in_"):
                    self.__dict__.pop(name, None)
            return values, _text_fingerprint(values)
        X = validate_data(self, X, reset=reset, allow_nd=True, dtype="numeric")
        return X, ("array", str(X.dtype), array_fingerprint(X))

    def _features(self, rows: Any, fingerprint: Hashable) -> np.ndarray:
        encoder = self.encoder
        if not callable(encoder):
            raise TypeError(
                "encoder must be a torch.nn.Module or a callable encoder(rows) -> array of "
                f"shape (n_rows, n_features); got {type(encoder).__name__}."
            )
        if not self.cache:
            return self._encode(rows)
        cache = self._shared_cache()
        key = (fingerprint, _encoder_state(encoder))
        features = cache.get(key)
        if features is None:
            features = self._encode(rows)
            features.flags.writeable = False  # shared: nobody may change it in place
            cache.put(key, features)
        return features

    def _encode(self, rows: Any) -> np.ndarray:
        n_rows = len(rows)
        if _is_module(self.encoder):
            call, restore = self._module_caller()
        else:
            call, restore = self.encoder, None
        features = None
        try:
            for start in range(0, n_rows, self.batch_size):
                stop = min(start + self.batch_size, n_rows)
                block = self._checked(call(rows[start:stop]), start, stop)
                if features is None:
                    features = np.empty((n_rows, block.shape[1]), dtype=np.float32)
                elif block.shape[1] != features.shape[1]:
                    raise ValueError(
                        f"encoder returned {block.shape[1]} features for rows {start}-{stop - 1} "
                        f"but {features.shape[1]} for the rows before: it must give every row "
                        "the same number of features."
                    )
                features[start:stop] = block
        finally:
            if restore is not None:
                restore()
        if features is None:
            raise ValueError("X has no rows to encode.")
        return features

    def _module_caller(self) -> tuple[Callable[[Any], Any], Callable[[], None]]:
        """A batch -> features function for a torch module (eval mode, no grad, its device and
        dtype), and what restores the module's mode afterwards."""
        import torch

        module = self.encoder
        floats = [t for t in _tensors(module) if t.is_floating_point()]
        anything = next(_tensors(module), None)
        device = (
            floats[0].device if floats else (anything.device if anything is not None else "cpu")
        )
        dtype = floats[0].dtype if floats else torch.float32
        was_training = module.training
        module.eval()

        def call(batch: Any) -> Any:
            if isinstance(batch, np.ndarray):
                tensor = torch.from_numpy(np.ascontiguousarray(batch)).to(device)
                batch = (
                    tensor.to(dtype).div_(255.0)
                    if tensor.dtype == torch.uint8
                    else (tensor.to(dtype))
                )
            with torch.no_grad():
                out = module(batch)
            if isinstance(out, (tuple, list)):
                if getattr(module, "returns_embedding", False) and len(out) == 2:
                    return out[1]
                raise ValueError(
                    f"encoder {type(module).__name__} returned a {type(out).__name__} of "
                    f"{len(out)} items; it must return one tensor of features (n_rows, "
                    "n_features). Wrap it, e.g. lambda rows: module(rows)[0], or set "
                    "returns_embedding = True on a module that returns (logits, embedding)."
                )
            return out

        return call, lambda: module.train(was_training)

    def _checked(self, out: Any, start: int, stop: int) -> np.ndarray:
        """One batch's features as float32, refused with the fix when they cannot be."""
        name = f"encoder {type(self.encoder).__name__}"
        if hasattr(out, "detach"):  # a torch tensor: to the CPU, float (bf16 has no numpy)
            out = out.detach().cpu()
            out = (out if out.dtype.is_floating_point else out.double()).float().numpy()
        try:
            block = np.asarray(out, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{name} returned {type(out).__name__}, which is not an array of numbers; it "
                "must return an array of shape (n_rows, n_features)."
            ) from exc
        n = stop - start
        if block.ndim != 2:
            raise ValueError(
                f"{name} returned features of shape {block.shape} for a batch of {n} rows; it "
                "must return a 2-D array (n_rows, n_features), one feature vector per row. "
                "Flatten or pool its output (e.g. out.reshape(len(out), -1), or a global "
                "average pool over the spatial axes)."
            )
        if len(block) != n:
            raise ValueError(
                f"{name} returned {len(block)} rows of features for a batch of {n} rows (rows "
                f"{start}-{stop - 1}); it must return one row per input row."
            )
        finite = np.isfinite(block).all(axis=1)
        if not finite.all():
            bad = np.flatnonzero(~finite)
            raise ValueError(
                f"{name} returned non-finite features (NaN or inf) for {len(bad)} rows (first: "
                f"row {start + int(bad[0])}). Check those rows (an empty input?) and the "
                "encoder's numerics (e.g. a half-precision overflow)."
            )
        return block

    # -- estimator ------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: Any, y: Any) -> EmbeddingProxy:
        """Encode ``X`` (once per pool content) and fit a clone of the head on its features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W), or list of str
            Rows as the encoder reads them (texts: a list, array or pandas Series of str).
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : EmbeddingProxy
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        rows, fingerprint = self._rows(X, reset=True)
        y = column_or_1d(y, warn=True)
        check_consistent_length(rows, y)
        check_classification_targets(y)
        features = self._features(rows, fingerprint)
        head = clone(self._head_template())
        if self.random_state is not None:
            seed = (
                int(self.random_state)
                if isinstance(self.random_state, numbers.Integral)
                else derive_seed(check_random_state(self.random_state))
            )
            unset = {
                key: seed
                for key, value in head.get_params(deep=True).items()
                if (key == "random_state" or key.endswith("__random_state")) and value is None
            }
            head.set_params(**unset)
        self.head_ = head.fit(features, y)
        self.classes_ = self.head_.classes_
        self.embedding_dim_ = int(features.shape[1])
        return self

    def _fitted_features(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "head_")
        return self._features(*self._rows(X, reset=False))

    def predict(self, X: Any) -> np.ndarray:
        """The head's class predictions on the encoder's features of ``X``.

        Parameters
        ----------
        X : array-like or list of str
            Rows of the kind seen in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        features = self._fitted_features(X)
        return self.head_.predict(features)

    @available_if(_head_has("predict_proba"))
    def predict_proba(self, X: Any) -> np.ndarray:
        """The head's class probabilities on the encoder's features of ``X``.

        Parameters
        ----------
        X : array-like or list of str
            Rows of the kind seen in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        features = self._fitted_features(X)
        return self.head_.predict_proba(features)

    @available_if(_head_has("decision_function"))
    def decision_function(self, X: Any) -> np.ndarray:
        """The head's decision function on the encoder's features of ``X``.

        Parameters
        ----------
        X : array-like or list of str

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        features = self._fitted_features(X)
        return self.head_.decision_function(features)

    def embed(self, X: Any) -> np.ndarray:
        """The encoder's features of ``X``: the proxy's embeddings (the embedding protocol).

        Needs no ``fit`` (the encoder is frozen); after one, array rows must have the columns
        seen in it. Computed once per pool content (see ``cache``).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or list of str

        Returns
        -------
        embedding : ndarray of shape (n_samples, n_features), float32
            A copy: changing it leaves the cached features alone.
        """
        return np.array(self._features(*self._rows(X, reset=False)), dtype=np.float32)


def make_embedding_proxy(encoder: Any, head: Any = None, **params: Any) -> EmbeddingProxy:
    """A proxy from a frozen encoder the user has: its features, then a cheap head.

    Parameters
    ----------
    encoder : torch.nn.Module or callable
        ``encoder(rows) -> (n_rows, n_features)``; see :class:`EmbeddingProxy`. For texts,
        :func:`wordllama_encoder` needs no download.
    head : classifier, default=None
        None: standardised features and ``LogisticRegression(C=0.1, max_iter=1000)``.
    **params
        Other :class:`EmbeddingProxy` parameters (``batch_size``, ``cache``,
        ``random_state``).

    Returns
    -------
    proxy : EmbeddingProxy
        Unfitted.

    Examples
    --------
    A callable encoder, any function from a batch of rows to a 2-D array:

    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from svpkit import CoresetSelector
    >>> from svpkit.nn import make_embedding_proxy
    >>> X, y = load_digits(return_X_y=True)
    >>> proxy = make_embedding_proxy(lambda rows: np.sqrt(rows))
    >>> sel = CoresetSelector(proxy, method="margin", fraction=0.5, random_state=0).fit(X, y)
    >>> sel.n_selected_, sel.proxy_.embedding_dim_
    (899, 64)
    """
    return EmbeddingProxy(encoder, head, **params)


# -- WordLlama --------------------------------------------------------------------------------

#: The WordLlama model shipped in the wordllama wheel: its weights and tokenizer (package data).
_WORDLLAMA_WEIGHTS = ("weights", "l2_supercat_256.safetensors")
_WORDLLAMA_TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")
_WORDLLAMA_DIMS = (64, 128, 256)


def _import_quietly(name: str) -> Any:
    """Import an optional module, undoing any logging setup it does on import (wordllama
    calls ``logging.basicConfig(level=INFO)``, which would configure the user's root
    logger)."""
    from .._optional import import_optional

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return import_optional(name)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


class WordLlamaEncoder:
    """Texts -> WordLlama sentence embeddings, from the model inside the ``wordllama`` wheel.

    WordLlama (``wordllama`` 0.4.0.post1, MIT) keeps the token embedding table of Llama 2's
    32,000-token vocabulary, distilled to 256 dimensions (``l2_supercat``); a text's vector is
    the mean of its tokens'. The wheel ships the weights and the tokenizer, which are read from
    the installed package here: nothing is downloaded. Loaded on the first call (a fraction
    of a second) and kept; a pickle holds only the settings.

    Parameters
    ----------
    dim : {64, 128, 256}, default=256
        Leading dimensions kept (the model was trained so that its prefixes are embeddings).
    normalize : bool, default=True
        Scale each vector to unit length (an empty text stays the zero vector).

    Examples
    --------
    >>> from svpkit.nn import WordLlamaEncoder
    >>> encoder = WordLlamaEncoder(dim=64)
    >>> encoder(["a gem of a film", "dull and far too long"]).shape
    (2, 64)
    """

    def __init__(self, dim: int = 256, *, normalize: bool = True) -> None:
        if dim not in _WORDLLAMA_DIMS:
            raise ValueError(f"dim must be one of {_WORDLLAMA_DIMS}; got {dim!r}.")
        self.dim = dim
        self.normalize = normalize
        self._model: Any = None

    def __repr__(self) -> str:
        return f"WordLlamaEncoder(dim={self.dim}, normalize={self.normalize})"

    def __getstate__(self) -> dict:
        return {"dim": self.dim, "normalize": self.normalize}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _model=None)

    def _load(self) -> Any:
        if self._model is None:
            from importlib.resources import as_file, files

            wordllama = _import_quietly("wordllama")
            tokenizers = _import_quietly("tokenizers")
            safetensors_numpy = _import_quietly("safetensors.numpy")
            package = files("wordllama")
            weights_file, tokenizer_file = (
                package.joinpath(*parts) for parts in (_WORDLLAMA_WEIGHTS, _WORDLLAMA_TOKENIZER)
            )
            for path in (weights_file, tokenizer_file):
                if not path.is_file():
                    raise FileNotFoundError(
                        f"the wordllama package at {package} has no {path.name}, which its wheel "
                        "ships (version 0.4.0.post1): reinstall it, pip install "
                        "wordllama==0.4.0.post1."
                    )
            with as_file(weights_file) as path:
                table = safetensors_numpy.load_file(str(path))["embedding.weight"]
            with as_file(tokenizer_file) as path:
                tokenizer = tokenizers.Tokenizer.from_file(str(path))
            self._model = wordllama.WordLlamaInference(table[:, : self.dim], tokenizer)
        return self._model

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """Embed a batch of texts.

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        embedding : ndarray of shape (n_texts, dim), float32
        """
        texts = texts.tolist() if hasattr(texts, "tolist") else list(texts)
        if any(not isinstance(t, str) for t in texts):
            raise TypeError("WordLlamaEncoder embeds texts: every row must be a str.")
        vectors = self._load().embed(texts, norm=False)
        if self.normalize:
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.where(norms > 0, norms, 1.0)
        return vectors.astype(np.float32, copy=False)


def wordllama_encoder(dim: int = 256, *, normalize: bool = True) -> WordLlamaEncoder:
    """A text encoder that needs no download: WordLlama from the installed ``wordllama`` wheel.

    Install it with ``pip install -e ".[text-encoder]"`` (``wordllama==0.4.0.post1``, MIT; it
    brings ``tokenizers``, ``safetensors`` and ``pydantic``, not torch). Embeds about 10,000
    short texts a second on one CPU core.

    Parameters
    ----------
    dim : {64, 128, 256}, default=256
        Leading dimensions of the 256-d model kept.
    normalize : bool, default=True
        Unit-length vectors.

    Returns
    -------
    encoder : WordLlamaEncoder
        A callable ``encoder(texts) -> (n_texts, dim)`` float32, for
        :func:`make_embedding_proxy`.

    Examples
    --------
    >>> from svpkit.nn import make_embedding_proxy, wordllama_encoder
    >>> texts = ["a gem of a film", "loved every minute", "dull and far too long",
    ...          "a tedious mess"] * 5
    >>> proxy = make_embedding_proxy(wordllama_encoder())
    >>> proxy.fit(texts, [1, 1, 0, 0] * 5).predict(["a gem", "tedious"]).tolist()
    [1, 0]
    >>> proxy.embed(texts).shape
    (20, 256)
    """
    return WordLlamaEncoder(dim, normalize=normalize)
