"""BADGE's k-means++ seeding on gradient embeddings, without materialising them.

BADGE (Ash et al., ICLR 2020) embeds each row by the gradient of the cross-entropy loss, at
the proxy's predicted label, with respect to the last layer's weights: ``g = a (x) h`` with
``a = p - onehot(argmax p)`` (K values) and ``h`` the penultimate activations (d values).
Materialised, that is an ``n x (K d)`` matrix. It never is here: for two rows

    ``<g_i, g_j> = <a_i, a_j> <h_i, h_j>``, so
    ``||g_i - g_j||^2 = |a_i|^2 |h_i|^2 + |a_j|^2 |h_j|^2 - 2 <a_i, a_j> <h_i, h_j>``,

and each k-means++ step costs ``O(n (K + d))`` time and ``O(n)`` extra memory.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["gradient_factors", "badge_select"]


def gradient_factors(proba: ArrayLike, embedding: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The two factors of BADGE's gradient embedding: ``a = p - onehot(argmax p)`` and ``h``.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.badge import gradient_factors
    >>> a, h = gradient_factors(np.array([[0.7, 0.3]]), np.array([[1.0, 2.0]]))
    >>> a.round(2).tolist(), h.tolist()
    ([[-0.3, 0.3]], [[1.0, 2.0]])
    """
    a = np.array(proba, dtype=np.float64)
    a[np.arange(len(a)), a.argmax(axis=1)] -= 1.0
    h = np.asarray(embedding, dtype=np.float64).reshape(len(a), -1)
    return a, h


def badge_select(
    proba: ArrayLike,
    embedding: ArrayLike,
    n_select: int,
    rng: np.random.RandomState,
) -> np.ndarray:
    """k-means++ seeding on the gradient embeddings (BADGE's selection), factorised.

    The first pick is the row with the largest gradient norm (as in the paper's code); each
    next pick is drawn with probability proportional to its squared distance to the nearest
    pick so far (rows already picked have distance 0 and are never drawn again).

    Parameters
    ----------
    proba : array-like of shape (n, K)
        The proxy's class probabilities.
    embedding : array-like of shape (n, d)
        The proxy's penultimate activations.
    n_select : int
    rng : numpy.random.RandomState

    Returns
    -------
    picks : ndarray of int64
        Rows in pick order.

    Examples
    --------
    >>> import numpy as np
    >>> from svpkit.kernels.badge import badge_select
    >>> proba = np.array([[0.5, 0.5], [0.99, 0.01], [0.6, 0.4]])
    >>> emb = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> badge_select(proba, emb, 2, np.random.RandomState(0)).tolist()
    [0, 2]
    """
    a, h = gradient_factors(proba, embedding)
    n = len(a)
    n_select = int(min(n_select, n))
    if n_select == 0:
        return np.empty(0, dtype=np.int64)
    sq = np.einsum("ij,ij->i", a, a) * np.einsum("ij,ij->i", h, h)  # |g_i|^2
    pick = int(np.argmax(sq))
    picks = [pick]
    nearest = np.full(n, np.inf)
    for _ in range(n_select - 1):
        dist = sq + sq[pick] - 2.0 * (a @ a[pick]) * (h @ h[pick])
        nearest = np.minimum(nearest, np.maximum(dist, 0.0))
        nearest[picks] = 0.0  # exact zero for the picks (float error could leave them > 0)
        total = nearest.sum()
        if total <= 0:  # every row coincides with a pick: the rest at random
            rest = np.setdiff1d(np.arange(n), picks)
            picks.extend(rng.permutation(rest)[: n_select - len(picks)].tolist())
            break
        pick = int(rng.choice(n, p=nearest / total))
        picks.append(pick)
    return np.asarray(picks, dtype=np.int64)
