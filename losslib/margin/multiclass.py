r"""The multiclass hinge of Crammer and Singer: integer class labels and one score per class on the last
axis, against the best wrong class.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import numpy.typing as npt

from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import grad_scale, reduce, reduce_readable
from .._typing import FloatArray, Reduced
from .._validation import (
    _first_index,
    _where,
    as_any_array,
    as_label_array,
    check_reduction,
)
from .._wrappers import gradient
from ._inputs import _scores

__all__ = [
    "multiclass_hinge",
    "multiclass_hinge_grad",
]


# --------------------------------------------------------------------------
# Multiclass hinge (Crammer-Singer)
# --------------------------------------------------------------------------


def _multiclass_inputs(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, reduction: str
) -> tuple[npt.NDArray[np.integer[Any]], FloatArray]:
    """Validate a multiclass hinge call; return integer labels ``(...)`` and scores ``(..., C)``."""
    check_reduction(reduction)
    s = _scores(y_pred)
    if s.ndim == 0:
        raise ValueError(
            "y_pred must have a class axis (the last one) holding one score per class; got a scalar. "
            "For a single binary score use hinge"
        )
    n_classes = s.shape[-1]
    if n_classes < 2:
        raise ValueError(
            f"y_pred has shape {s.shape}: {n_classes} score per example on its last axis, but the "
            "multiclass hinge needs at least 2 classes"
        )
    target = as_any_array(y_true, "y_true")
    if target.dtype.kind == "f":
        hint = (
            " (it has y_pred's shape: if its rows are one-hot, pass y_true.argmax(-1))"
            if target.shape == s.shape
            else " (if they are whole numbers, pass y_true.astype(int))"
        )
        raise TypeError(f"y_true must hold integer class labels, got dtype {target.dtype}{hint}")
    labels = as_label_array(target, "y_true")
    if labels.shape != s.shape[:-1]:
        raise ValueError(
            f"y_true holds class labels of shape {labels.shape}, but y_pred has shape {s.shape}; "
            f"labels need shape {s.shape[:-1]}, one per row of y_pred"
        )
    bad = (labels < 0) | (labels >= n_classes)
    if bad.any():
        index = _first_index(bad)
        raise ValueError(
            f"y_true contains label {labels[index].item()!r} at {_where('y_true', index)}, but y_pred "
            f"has {n_classes} classes on its last axis; labels must be in [0, {n_classes - 1}]"
        )
    return labels, s


def multiclass_hinge_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`multiclass_hinge` and :func:`multiclass_hinge_grad`: the definition, as
    chapter 3 writes it.

    .. math::

        \ell = \max\Big(0,\ 1 + \max_{j \ne y} s_j - s_y\Big), \qquad
        \nabla_s\, \ell = e_{j^*} - e_y \ \text{ where } \ell > 0 \text{ (else 0)}

    with :math:`j^*` the best wrong class; :math:`k` wrong classes tied for the best score share
    the :math:`+1` equally (:math:`1/k` each).

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_multiclass_hinge`` is tested against it.
    """
    y, s = np.asarray(y_true), np.asarray(y_pred)
    is_true = np.arange(s.shape[-1]) == y[..., None]
    wrong = np.where(is_true, -np.inf, s)
    best_wrong = np.max(wrong, axis=-1)
    slack = 1 + best_wrong - np.sum(s * is_true, axis=-1)  # 1 + max_{j != y} s_j - s_y
    best = wrong == best_wrong[..., None]
    grad = (slack > 0)[..., None] * (best / np.sum(best, axis=-1, keepdims=True) - is_true)
    return reduce_readable(np.maximum(0, slack), grad, reduction)


def _multiclass_hinge(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean", value: bool = True, grad: bool = True
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`multiclass_hinge_readable`: value and/or gradient, sharing the best wrong score."""
    labels, s = _multiclass_inputs(y_true, y_pred, reduction)
    is_true = np.arange(s.shape[-1]) == labels[..., None]
    others = np.where(is_true, -np.inf, s)
    top = others.max(axis=-1)
    s_true = np.take_along_axis(s, labels[..., None], axis=-1)[..., 0]
    slack = 1 + top - s_true
    v = reduce(np.maximum(slack, 0).astype(s.dtype, copy=False), reduction) if value else None
    g = None
    if grad:
        # the subgradient of the max is shared equally by the tied best wrong classes
        tied = others == top[..., None]
        share = tied / tied.sum(axis=-1, keepdims=True)
        g = np.where((slack > 0)[..., None], share - is_true, 0).astype(s.dtype, copy=False)
        g = g * s.dtype.type(grad_scale(reduction, labels.size))
    return v, g


@shared_doc
def multiclass_hinge(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> Reduced:
    r"""Multiclass hinge loss of Crammer and Singer.

    .. math:: \ell(y, s) = \max\Big(0,\ 1 + \max_{j \ne y} s_j - s_y\Big)

    Zero once the true class's score beats every other score by at least 1; otherwise the
    shortfall of the margin against the best wrong class.

    Parameters
    ----------
    y_true : array_like of int, shape ``(...)``
        Class labels in ``[0, C)``.
    y_pred : array_like, shape ``(..., C)``
        Finite scores, one per class on the **last** axis, :math:`C \ge 2`.
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per example (shape ``(...)``); ``"mean"`` averages over
        the examples.

    {returns}

    Notes
    -----
    ``reduction="mean"`` equals ``sklearn.metrics.hinge_loss(y_true, y_pred,
    labels=range(C))`` for :math:`C \ge 3` (scikit-learn treats two classes as the binary
    case, with one score per example: for :math:`C = 2` this loss is
    :func:`hinge` of :math:`s_1 - s_0` with labels :math:`2y - 1`). It is not PyTorch's
    ``multi_margin_loss``, the Weston-Watkins form
    :math:`\frac1C\sum_{j \ne y}\max(0, 1 - s_y + s_j)`, which sums over all wrong classes;
    and not exactly Keras' ``categorical_hinge``, whose best wrong score is
    :math:`\max_j (1 - y_j) s_j` with one-hot :math:`y`, so it is never below 0 (it differs
    when every wrong score is negative).

    References
    ----------
    .. [1] Crammer, K. and Singer, Y. (2001). On the algorithmic implementation of multiclass
       kernel-based vector machines. *JMLR* 2, 265-292. (crammer2001algorithmic)

    Examples
    --------
    >>> s = [[2.0, 1.5, -1.0], [0.0, 1.0, 0.5]]
    >>> multiclass_hinge([0, 2], s, reduction="none")  # 1 + 1.5 - 2, 1 + 1 - 0.5
    array([0.5, 1.5])
    """
    return cast(Reduced, _multiclass_hinge(y_true, y_pred, reduction=reduction, grad=False)[0])


multiclass_hinge_grad = gradient(
    multiclass_hinge,
    _multiclass_hinge,
    doc=r"""(Sub)gradient of :func:`multiclass_hinge` with respect to the scores.

    Where the loss is positive it is :math:`-1` at the true class and :math:`+1` at the best
    wrong class :math:`\arg\max_{j \ne y} s_j`; if :math:`k` wrong classes tie for the best
    score, each gets :math:`1/k` (the average of their subgradients, independent of the order
    of the classes, as the gradient of ``torch.amax``). Where the loss is 0, including the
    kink :math:`s_y - \max_{j \ne y} s_j = 1`, it is 0. Each is an element of the
    subdifferential.

    Examples
    --------
    >>> multiclass_hinge_grad([0, 2], [[2.0, 1.5, -1.0], [1.0, 1.0, 0.5]], reduction="sum")
    array([[-1. ,  1. ,  0. ],
           [ 0.5,  0.5, -1. ]])
    """,
)


def _class_sampler(rng: np.random.Generator, n: int, n_classes: int = 4) -> dict[str, np.ndarray]:
    """Integer labels and scores (n, 4) away from kinks: no two scores within 0.1 of each other,
    and the margin slack 1 + max_{j != y} s_j - s_y at least 0.1 from 0."""
    labels = rng.integers(0, n_classes, size=n)
    scores = np.empty((n, n_classes))
    for i in range(n):
        while True:
            row = 2.0 * rng.normal(size=n_classes)
            gaps = np.diff(np.sort(row))
            slack = 1 + np.max(np.delete(row, labels[i])) - row[labels[i]]
            if gaps.min() > 0.1 and abs(slack) > 0.1:
                scores[i] = row
                break
    return {"y_true": labels, "y_pred": scores}


register(
    multiclass_hinge,
    family="classification",
    prediction="score",
    target="class",
    distribution=None,
    convex=True,
    differentiable=False,
    robust=None,
    proper=None,
    reference="crammer2001algorithmic",
    summary="Crammer-Singer hinge against the best wrong class.",
    oracle="sklearn",
    sampler=_class_sampler,
    equivalents=Equivalents(
        optax="optax.losses.multiclass_hinge_loss(y_pred, y_true).mean()",
        note=(
            "optax's loss is per example. PyTorch's `multi_margin_loss` is the Weston-Watkins form (a mean over "
            "the wrong classes) and Keras' `CategoricalHinge` never goes below 0 for the best wrong score: both "
            "are other losses."
        ),
    ),
)
