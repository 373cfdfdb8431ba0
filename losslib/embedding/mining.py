r"""Selection procedures for metric learning: pairwise distances and triplet mining. They are not
losses: they choose which examples a loss compares.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from .._typing import FloatArray
from .._validation import (
    as_float_array,
    check_choice,
    check_flag,
)
from ._rows import _embeddings

__all__ = ["mine_negatives", "mine_triplets", "pairwise_distances"]

RNGLike: TypeAlias = np.random.Generator | int | None
"""What ``numpy.random.default_rng`` takes: a generator, a seed, or None (fresh entropy)."""


# --------------------------------------------------------------------------
# Selection procedures for metric learning: pairwise distances and triplet mining
# (not losses: they choose which examples a loss compares)
# --------------------------------------------------------------------------


_STRATEGIES = ("random", "semi-hard", "hard")


def pairwise_distances(x: npt.ArrayLike, y: npt.ArrayLike | None = None, *, squared: bool = False) -> FloatArray:
    r"""Euclidean distances between every row of ``x`` and every row of ``y``.

    .. math::

        D_{ij} = \|x_i - y_j\|_2^2 = \|x_i\|^2 + \|y_j\|^2 - 2\, x_i \cdot y_j

    computed with one matrix product, without a loop and without the ``(N, M, D)`` array of
    differences, then clipped at 0 (rounding can make the expansion slightly negative for
    nearly equal rows) and, if ``squared`` is False, square-rooted.

    Parameters
    ----------
    x : array_like, shape ``(N, D)``
        One embedding per row.
    y : array_like, shape ``(M, D)``, optional
        Another set of embeddings; by default ``x`` itself, and then the diagonal is exactly 0.
    squared : bool
        Return the squared distances (cheaper, and what FaceNet's triplet loss uses).

    Returns
    -------
    ndarray, shape ``(N, M)``
        Non-negative distances, in the common floating dtype of ``x`` and ``y`` (float32 in,
        float32 out).

    Notes
    -----
    The expansion loses relative accuracy for rows much closer to each other than to the
    origin (a squared distance below about ``1e-16 * ||x||^2`` in float64 is rounding noise);
    centre the embeddings first if that matters. ``scipy.spatial.distance.cdist`` subtracts
    coordinate by coordinate instead, which is exact to rounding but slower for large ``D``.

    Examples
    --------
    >>> pairwise_distances([[0.0, 0.0], [3.0, 4.0]])
    array([[0., 5.],
           [5., 0.]])
    >>> pairwise_distances([[0.0, 0.0], [3.0, 4.0]], [[0.0, 1.0]], squared=True)
    array([[ 1.],
           [18.]])
    """
    squared = check_flag(squared, "squared")
    if y is None:
        (a,), _ = _embeddings({"x": x}, single=False)
        b = a
    else:
        (a,) = _embeddings({"x": x}, single=False)[0]
        (b,) = _embeddings({"y": y}, single=False)[0]
        if a.shape[1] != b.shape[1]:
            raise ValueError(
                f"x has shape {a.shape} and y has shape {b.shape}; their rows must have the same "
                "length D (the embedding dimension)"
            )
        dtype = np.result_type(a, b)
        a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
    sq_a = (a * a).sum(axis=1)
    sq_b = sq_a if y is None else (b * b).sum(axis=1)
    d2: FloatArray = np.maximum(sq_a[:, None] + sq_b[None, :] - 2 * (a @ b.T), 0)
    if y is None:
        np.fill_diagonal(d2, 0)
    return d2 if squared else np.sqrt(d2)


def _square_distances(dist: npt.ArrayLike) -> FloatArray:
    d = as_float_array(dist, "dist")
    if d.ndim != 2 or d.shape[0] != d.shape[1]:
        raise ValueError(
            f"dist has shape {d.shape}, but it must be a square (N, N) matrix of distances between "
            "the N examples of a batch (see pairwise_distances)"
        )
    return d


def _mining_labels(labels: npt.ArrayLike, n: int) -> npt.NDArray[Any]:
    y = np.asarray(labels)
    if y.dtype.kind not in "biu":
        raise TypeError(f"labels must hold integer class labels, got an array of dtype {y.dtype}")
    if y.shape != (n,):
        raise ValueError(f"labels has shape {y.shape} but dist has shape ({n}, {n}); labels needs shape ({n},)")
    return y


def _indices(x: npt.ArrayLike, name: str, n: int) -> npt.NDArray[np.intp]:
    i = np.asarray(x)
    if i.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer indices of examples, got an array of dtype {i.dtype}")
    if i.ndim != 1:
        raise ValueError(f"{name} has shape {i.shape}, but it must be a 1-D array of indices")
    if i.size and (i.min() < 0 or i.max() >= n):
        raise ValueError(f"{name} holds indices outside 0..{n - 1} (the rows of dist)")
    return i.astype(np.intp, copy=False)


def mine_negatives(
    dist: npt.ArrayLike,
    labels: npt.ArrayLike,
    anchors: npt.ArrayLike,
    positives: npt.ArrayLike,
    *,
    strategy: str = "semi-hard",
    rng: RNGLike = None,
) -> npt.NDArray[np.intp]:
    r"""Choose a negative for each (anchor, positive) pair of a batch: randomly, semi-hard or hard.

    A negative of anchor :math:`a` is an example of another class. With :math:`d` the distances
    between the examples of the batch,

    - ``"random"``: a negative drawn uniformly;
    - ``"hard"``: the closest negative, :math:`\arg\min_n d(a, n)`;
    - ``"semi-hard"``: the closest negative that is farther from the anchor than the positive,
      :math:`\arg\min \{d(a, n) : d(a, n) > d(a, p)\}` (FaceNet's semi-hard negatives); if no
      negative is farther than the positive, the farthest negative.

    Parameters
    ----------
    dist : array_like, shape ``(N, N)``
        Distances (or squared distances: only their order matters) between the ``N`` examples.
    labels : array_like of int, shape ``(N,)``
        The class of each example.
    anchors, positives : array_like of int, shape ``(T,)``
        Indices of the anchors and of their positives (examples of the anchor's class).
    strategy : {"semi-hard", "hard", "random"}
        How to choose.
    rng : numpy.random.Generator, int or None
        Random numbers for ``"random"`` (passed to ``numpy.random.default_rng``).

    Returns
    -------
    ndarray of int, shape ``(T,)``
        The index of the negative of each pair. Ties go to the lowest index.

    Raises
    ------
    ValueError
        If an anchor has no negative in the batch (every example has its class).

    Notes
    -----
    Schroff et al. (2015) pick negatives with :math:`d(a, p) < d(a, n)` "inside the margin"; the
    choice of the closest such negative, and of the farthest negative when there is none, is
    that of TensorFlow Addons' ``triplet_semihard_loss``. The hardest negatives can collapse a
    model early in training (every embedding at one point, loss = margin), which is why FaceNet
    uses semi-hard ones.

    References
    ----------
    .. [1] Schroff, F., Kalenichenko, D. and Philbin, J. (2015). FaceNet: a unified embedding
       for face recognition and clustering. *CVPR*, 815-823. (schroff2015facenet)

    Examples
    --------
    >>> dist = [[0.0, 1.0, 0.5, 2.0], [1.0, 0.0, 1.2, 0.3], [0.5, 1.2, 0.0, 1.0], [2.0, 0.3, 1.0, 0.0]]
    >>> labels = [0, 0, 1, 1]
    >>> mine_negatives(dist, labels, [0, 1], [1, 0], strategy="hard")
    array([2, 3])
    >>> mine_negatives(dist, labels, [0, 1], [1, 0], strategy="semi-hard")
    array([3, 2])
    """
    d = _square_distances(dist)
    n = d.shape[0]
    y = _mining_labels(labels, n)
    a = _indices(anchors, "anchors", n)
    p = _indices(positives, "positives", n)
    if a.shape != p.shape:
        raise ValueError(f"anchors has shape {a.shape} but positives has shape {p.shape}; one positive per anchor")
    strategy = check_choice(strategy, "strategy", _STRATEGIES)
    is_neg = y[a][:, None] != y[None, :]  # (T, N)
    no_neg = ~is_neg.any(axis=1)
    if no_neg.any():
        i = int(np.argmax(no_neg))
        raise ValueError(
            f"anchor {a[i]} (class {y[a[i]]}) has no negative: every example of the batch is of its class; "
            "a batch needs at least two classes"
        )
    d_an = d[a]  # (T, N)
    if strategy == "random":
        gen = np.random.default_rng(rng)
        u = np.where(is_neg, gen.random(is_neg.shape), -1.0)
        chosen: npt.NDArray[np.intp] = np.argmax(u, axis=1)
    elif strategy == "hard":
        chosen = np.argmin(np.where(is_neg, d_an, np.inf), axis=1)
    else:
        farther = is_neg & (d_an > d[a, p][:, None])
        closest_farther = np.argmin(np.where(farther, d_an, np.inf), axis=1)
        farthest = np.argmax(np.where(is_neg, d_an, -np.inf), axis=1)
        chosen = np.where(farther.any(axis=1), closest_farther, farthest)
    return chosen


def mine_triplets(
    embeddings: npt.ArrayLike, labels: npt.ArrayLike, *, strategy: str = "semi-hard", rng: RNGLike = None
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    r"""Triplets (anchor, positive, negative) of a batch, as indices, for :func:`triplet`.

    With ``"random"``, ``"semi-hard"`` or ``"hard"``, every ordered pair of two different
    examples of the same class is an (anchor, positive) pair, as in FaceNet, and
    :func:`mine_negatives` chooses its negative. With ``"batch-hard"`` (Hermans et al. 2017)
    every example is an anchor once, with its farthest positive and its closest negative.
    Examples without a positive in the batch (the only one of their class) are not anchors.

    Parameters
    ----------
    embeddings : array_like, shape ``(N, D)``
        The embeddings of the batch.
    labels : array_like of int, shape ``(N,)``
        The class of each example; the batch needs at least two classes.
    strategy : {"semi-hard", "hard", "random", "batch-hard"}
        How to choose the triplets.
    rng : numpy.random.Generator, int or None
        Random numbers for ``"random"``.

    Returns
    -------
    anchors, positives, negatives : ndarray of int, shape ``(T,)``
        Index arrays: ``triplet(z[anchors], z[positives], z[negatives])`` is the loss of the
        mined triplets of embeddings ``z``.

    References
    ----------
    .. [1] Hermans, A., Beyer, L. and Leibe, B. (2017). In defense of the triplet loss for
       person re-identification. arXiv:1703.07737. (hermans2017defense)

    Examples
    --------
    >>> z = [[0.0, 0.0], [1.0, 0.0], [0.6, 0.0], [3.0, 0.0]]
    >>> a, p, n = mine_triplets(z, [0, 0, 1, 1], strategy="batch-hard")
    >>> a, p, n
    (array([0, 1, 2, 3]), array([1, 0, 3, 2]), array([2, 2, 1, 1]))
    """
    strategy = check_choice(strategy, "strategy", (*_STRATEGIES, "batch-hard"))
    d = pairwise_distances(embeddings, squared=True)
    n = d.shape[0]
    y = _mining_labels(labels, n)
    same = y[:, None] == y[None, :]
    if same.all():
        raise ValueError("every example of the batch has the same label; triplets need at least two classes")
    if strategy == "batch-hard":
        anchors = np.flatnonzero(same.sum(axis=1) > 1)
        pos_d = np.where(same & ~np.eye(n, dtype=bool), d, -np.inf)[anchors]
        neg_d = np.where(~same, d, np.inf)[anchors]
        return anchors, np.argmax(pos_d, axis=1), np.argmin(neg_d, axis=1)
    anchors, positives = np.nonzero(same & ~np.eye(n, dtype=bool))
    return anchors, positives, mine_negatives(d, y, anchors, positives, strategy=strategy, rng=rng)
