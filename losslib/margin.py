r"""Margin losses of classifiers that output scores: hinge, squared hinge, multiclass hinge
(Crammer-Singer) and the exponential loss of AdaBoost.

A score :math:`s` is any real number (a decision function, not a probability). Binary labels
are :math:`y \in \{-1, +1\}` and the losses are functions of the margin :math:`y s`; the
multiclass hinge takes integer class labels and one score per class on the last axis.
None of them is the negative log-likelihood of a distribution, and none scores a predicted
distribution, so the registry's ``distribution`` and ``proper`` are ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from . import _kernels
from ._info import register
from ._reduction import grad_scale, reduce, reduce_readable
from ._typing import FloatArray, Reduced
from ._validation import (
    _first_index,
    _where,
    as_any_array,
    as_float_array,
    as_label_array,
    check_reduction,
    check_same_shape,
    fast_then_full,
)

__all__ = [
    "exponential",
    "exponential_grad",
    "hinge",
    "hinge_grad",
    "multiclass_hinge",
    "multiclass_hinge_grad",
    "squared_hinge",
    "squared_hinge_grad",
]


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def _scores(y_pred: npt.ArrayLike) -> FloatArray:
    """``y_pred`` as a floating array of finite scores."""
    s = as_float_array(y_pred, "y_pred")
    finite = np.isfinite(s)
    if not finite.all():
        index = _first_index(~finite)
        raise ValueError(f"y_pred must hold finite scores, but {_where('y_pred', index)} = {s[index].item()!r}")
    return s


def _sign_inputs(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, reduction: str) -> tuple[FloatArray, FloatArray]:
    """Validate a binary margin-loss call; return labels ``y`` (-1/+1, in s's dtype) and scores ``s``."""
    check_reduction(reduction)
    s = _scores(y_pred)
    y = as_float_array(y_true, "y_true", dtype=s.dtype)
    check_same_shape(y, "y_true", s, "y_pred")
    bad = (y != 1) & (y != -1)
    if bad.any():
        index = _first_index(bad)
        if np.all((y == 0) | (y == 1)):
            raise ValueError(
                f"y_true holds 0/1 labels ({_where('y_true', index)} = {y[index].item()!r}), but margin "
                "losses need labels -1 and +1: pass 2 * y_true - 1"
            )
        raise ValueError(f"y_true must hold the labels -1 and +1, but {_where('y_true', index)} = {y[index].item()!r}")
    return y, s


# --------------------------------------------------------------------------
# Hinge and squared hinge
# --------------------------------------------------------------------------


def _sign_loss(
    kernel: Callable[..., None],
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    reduction: str,
    value: bool,
    grad: bool,
    n_tmp: int,
) -> tuple[Reduced | None, FloatArray | None]:
    """A binary margin loss by blocks (see :mod:`losslib._kernels`), with the checks of
    :func:`_sign_inputs` as reductions: finite scores by their minimum and maximum, labels -1/+1
    block by block (``y * y == 1`` exactly for them only). If a check fails, the full checks run
    and raise the error in their order."""

    def full() -> None:
        _sign_inputs(y_true, y_pred, reduction)

    with fast_then_full(full):
        check_reduction(reduction)
        s = as_float_array(y_pred, "y_pred", nan=False)
        y = as_float_array(y_true, "y_true", dtype=s.dtype, nan=False)
        check_same_shape(y, "y_true", s, "y_pred")
        if not (np.isfinite(s.min()) and np.isfinite(s.max())):
            raise ValueError

    v, g = _kernels.elementwise(
        kernel,
        (y, s),
        value=value,
        grad=grad,
        reduction=reduction,
        n_tmp=n_tmp,
        options={"full": full},
        split=True,
    )
    return v, (g[0] if g is not None else None)


def _hinge_kernel(
    y: FloatArray,
    s: FloatArray,
    v: FloatArray | None,
    g: FloatArray | None,
    count: float,
    tmp: list[FloatArray],
    *,
    full: Callable[[], None],
) -> None:
    yy = np.multiply(y, y, out=tmp[0])
    if not yy.min() == 1 == yy.max():
        full()  # raises: a label other than -1 and +1 (y * y == 1 for them only)
    slack = np.multiply(y, s, out=tmp[0])
    np.subtract(1, slack, out=slack)  # 1 - y s
    if v is not None:
        np.maximum(slack, 0, out=v)
    if g is not None:
        active = tmp[1].view(bool)[: s.size]
        np.greater(slack, 0, out=active)
        np.multiply(y, active, out=g)
        np.subtract(0, g, out=g)  # -y where active, 0.0 (not -0.0) elsewhere
        if count != 1:
            np.divide(g, count, out=g)


def hinge_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`hinge` and :func:`hinge_grad`: the definition, as chapter 3 writes it.

    .. math::

        \ell = \max(0,\ 1 - y s), \qquad
        \frac{\partial \ell}{\partial s} = \begin{cases} -y & y s < 1 \\ 0 & y s \ge 1 \end{cases}

    (the subgradient 0 at the kink :math:`y s = 1`), for labels :math:`y \in \{-1, +1\}`.

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_hinge`` is tested against it.
    """
    y, s = np.asarray(y_true), np.asarray(y_pred)
    slack = 1 - y * s
    return reduce_readable(np.maximum(0, slack), np.where(slack > 0, -y, 0), reduction)


def _hinge(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean", value: bool = True, grad: bool = True
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`hinge_readable`: value and/or gradient, sharing the margins."""
    return _sign_loss(_hinge_kernel, y_true, y_pred, reduction, value, grad, 2)


def hinge(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> Reduced:
    r"""Hinge loss of a support vector machine.

    .. math:: \ell(y, s) = \max(0,\ 1 - y s), \qquad y \in \{-1, +1\}

    Zero once the example is on the right side with a margin :math:`y s \ge 1`, linear in
    the score otherwise: a convex upper bound of the 0/1 error :math:`[y s \le 0]`, the loss
    of the soft-margin support vector machine (Cortes and Vapnik 1995).

    Parameters
    ----------
    y_true : array_like, any shape
        Labels -1 or +1 (0/1 labels are refused: pass ``2 * y_true - 1``).
    y_pred : array_like, same shape as ``y_true``
        Finite scores (decision function values).
    reduction : {"mean", "sum", "none"}
        Elementwise: ``"mean"`` averages over all elements.

    Returns
    -------
    float or ndarray

    Notes
    -----
    ``reduction="mean"`` equals ``sklearn.metrics.hinge_loss(y_true, y_pred)`` (which has no
    other reduction) whenever ``y_true`` holds both labels. scikit-learn maps the label values
    it sees to -1/+1 (the larger becomes +1), so a batch of +1 labels only is scored as if they
    were -1 (``hinge_loss([1, 1], [2.0, 2.0])`` is 3.0, not 0), and 0/1 labels are silently
    accepted; Keras' ``hinge`` also turns 0/1 labels into -1/+1 and averages over the last
    axis only. losslib refuses labels other than -1/+1 rather than guess. PyTorch's
    ``hinge_embedding_loss`` is a different loss (on distances). At the kink
    :math:`y s = 1` the gradient is the subgradient 0.

    References
    ----------
    .. [1] Cortes, C. and Vapnik, V. (1995). Support-vector networks. *Machine Learning*
       20(3), 273-297. (cortes1995support)

    Examples
    --------
    >>> hinge([1, -1, 1], [0.5, 0.5, 2.0], reduction="none")
    array([0.5, 1.5, 0. ])
    >>> float(hinge([1, -1, 1], [0.5, 0.5, 2.0]))  # (0.5 + 1.5 + 0) / 3
    0.6666666666666666
    """
    return cast(Reduced, _hinge(y_true, y_pred, reduction=reduction, grad=False)[0])


def hinge_grad(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> FloatArray:
    r"""(Sub)gradient of :func:`hinge` with respect to the scores.

    .. math:: \frac{\partial \ell}{\partial s} = \begin{cases} -y & y s < 1 \\ 0 & y s \ge 1 \end{cases}

    At the kink :math:`y s = 1` it returns 0, an element of the subdifferential
    :math:`[\min(0, -y), \max(0, -y)]`.

    Examples
    --------
    >>> hinge_grad([1, -1, 1], [0.5, 0.5, 1.0], reduction="sum")
    array([-1.,  1.,  0.])
    """
    return cast(FloatArray, _hinge(y_true, y_pred, reduction=reduction, value=False)[1])


def _sign_sampler(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Labels -1/+1 and scores whose margins y s lie in [-2.5, 3], at least 0.1 from the hinge at 1."""
    y = rng.choice([-1.0, 1.0], size=n)
    margin = rng.uniform(-2.5, 3.0, size=n)
    margin = np.where(np.abs(margin - 1) < 0.1, margin + 0.25, margin)
    return {"y_true": y, "y_pred": y * margin}


register(
    loss=hinge,
    grad=hinge_grad,
    core=_hinge,
    readable=hinge_readable,
    family="classification",
    prediction="score",
    target="sign",
    distribution=None,
    convex=True,
    differentiable=False,
    robust=None,
    proper=None,
    reference="cortes1995support",
    summary="Support vector machine loss max(0, 1 - y s) on a score.",
    oracle="sklearn",
    sampler=_sign_sampler,
    equivalents={
        "torch": None,
        "keras": "keras.losses.Hinge",
        "optax": "optax.losses.hinge_loss",
    },
    equivalent_calls={
        "keras": "keras.losses.Hinge()(y_true, y_pred)",
        "optax": "optax.losses.hinge_loss(y_pred, y_true).mean()",
    },
    equivalents_note=(
        "Keras turns 0/1 labels into -1/+1 silently (losslib refuses them); optax's loss is per element. "
        "PyTorch has no hinge loss (`hinge_embedding_loss` is a loss on distances)."
    ),
)


def squared_hinge_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`squared_hinge` and :func:`squared_hinge_grad`: the definition, as chapter 3
    writes it.

    .. math::

        \ell = \max(0,\ 1 - y s)^2, \qquad \frac{\partial \ell}{\partial s} = -2 y \max(0,\ 1 - y s)

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_squared_hinge`` is tested against it.
    """
    y, s = np.asarray(y_true), np.asarray(y_pred)
    h = np.maximum(0, 1 - y * s)
    return reduce_readable(h**2, -2 * y * h, reduction)


def _squared_hinge(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean", value: bool = True, grad: bool = True
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`squared_hinge_readable`: value and/or gradient, sharing the clipped slack."""
    y, s = _sign_inputs(y_true, y_pred, reduction)
    h = np.maximum(1 - y * s, 0)
    v = reduce(h * h, reduction) if value else None
    g = (0.0 - 2 * y * h) * s.dtype.type(grad_scale(reduction, s.size)) if grad else None
    return v, g


def squared_hinge(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> Reduced:
    r"""Squared hinge loss (the L2-SVM loss).

    .. math:: \ell(y, s) = \max(0,\ 1 - y s)^2, \qquad y \in \{-1, +1\}

    Differentiable (its derivative :math:`-2y\max(0, 1 - ys)` is continuous at the hinge),
    convex, and more severe than :func:`hinge` on large violations.

    Parameters
    ----------
    y_true : array_like, any shape
        Labels -1 or +1 (0/1 labels are refused: pass ``2 * y_true - 1``).
    y_pred : array_like, same shape as ``y_true``
        Finite scores.
    reduction : {"mean", "sum", "none"}
        Elementwise: ``"mean"`` averages over all elements.

    Returns
    -------
    float or ndarray

    Notes
    -----
    The loss of ``sklearn.svm.LinearSVC(loss="squared_hinge")`` (its default). Keras'
    ``squared_hinge`` turns 0/1 labels into -1/+1 and averages over the last axis only;
    losslib refuses 0/1 labels and averages over all elements. PyTorch has no such loss;
    ``MultiMarginLoss(p=2)`` is the multiclass Weston-Watkins form.

    References
    ----------
    .. [1] Cortes, C. and Vapnik, V. (1995). Support-vector networks. *Machine Learning*
       20(3), 273-297. (cortes1995support; the soft margin with squared slacks)

    Examples
    --------
    >>> squared_hinge([1, -1, 1], [0.5, 0.5, 2.0], reduction="none")
    array([0.25, 2.25, 0.  ])
    """
    return cast(Reduced, _squared_hinge(y_true, y_pred, reduction=reduction, grad=False)[0])


def squared_hinge_grad(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> FloatArray:
    r"""Gradient of :func:`squared_hinge` with respect to the scores: :math:`-2y\max(0, 1 - ys)`.

    Examples
    --------
    >>> squared_hinge_grad([1, -1, 1], [0.5, 0.5, 2.0], reduction="sum")
    array([-1.,  3.,  0.])
    """
    return cast(FloatArray, _squared_hinge(y_true, y_pred, reduction=reduction, value=False)[1])


register(
    loss=squared_hinge,
    grad=squared_hinge_grad,
    core=_squared_hinge,
    readable=squared_hinge_readable,
    family="classification",
    prediction="score",
    target="sign",
    distribution=None,
    convex=True,
    differentiable=True,
    robust=None,
    proper=None,
    reference="cortes1995support",
    summary="Squared hinge max(0, 1 - y s)^2: smooth, harsher on violations.",
    oracle="closed form",
    sampler=_sign_sampler,
    equivalents={
        "torch": None,
        "keras": "keras.losses.SquaredHinge",
        "optax": None,
    },
    equivalent_calls={
        "keras": "keras.losses.SquaredHinge()(y_true, y_pred)",
    },
    equivalents_note=(
        "Keras turns 0/1 labels into -1/+1 silently (losslib refuses them). PyTorch and optax have no squared hinge."
    ),
)


# --------------------------------------------------------------------------
# Exponential loss
# --------------------------------------------------------------------------


def exponential_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`exponential` and :func:`exponential_grad`: the definition, as chapter 3
    writes it.

    .. math:: \ell = e^{-y s}, \qquad \frac{\partial \ell}{\partial s} = -y\, e^{-y s}

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_exponential`` is tested against it.
    """
    y, s = np.asarray(y_true), np.asarray(y_pred)
    e = np.exp(-y * s)
    return reduce_readable(e, -y * e, reduction)


def _exponential(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean", value: bool = True, grad: bool = True
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`exponential_readable`: value and/or gradient, sharing exp(-y s)."""
    y, s = _sign_inputs(y_true, y_pred, reduction)
    with np.errstate(over="ignore"):
        e = np.exp(-y * s)
        v = reduce(e, reduction) if value else None
        g = (0.0 - y * e) * s.dtype.type(grad_scale(reduction, s.size)) if grad else None
    return v, g


def exponential(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> Reduced:
    r"""Exponential loss of AdaBoost.

    .. math:: \ell(y, s) = e^{-y s}, \qquad y \in \{-1, +1\}

    AdaBoost is stagewise minimisation of this loss (Freund and Schapire 1997; the view of
    Friedman, Hastie and Tibshirani 2000); its population minimiser is half the log-odds,
    :math:`s = \tfrac12 \log\frac{P(y=1)}{P(y=-1)}`. It is convex and smooth, but a
    misclassified point costs exponentially much, so it is very sensitive to label noise.

    Parameters
    ----------
    y_true : array_like, any shape
        Labels -1 or +1 (0/1 labels are refused: pass ``2 * y_true - 1``).
    y_pred : array_like, same shape as ``y_true``
        Finite scores.
    reduction : {"mean", "sum", "none"}
        Elementwise: ``"mean"`` averages over all elements.

    Returns
    -------
    float or ndarray

    Notes
    -----
    The value and the gradient :math:`-y e^{-ys}` overflow to ``inf`` exactly where the true
    number exceeds the largest float: for margins :math:`ys < -709.78` in float64 and
    :math:`ys < -88.72` in float32 (so at :math:`|s| = 80` float32 is still finite). That is
    the correctly rounded result, not an instability; scale the scores if it happens.
    Neither PyTorch nor scikit-learn has this loss as a function (scikit-learn's
    ``GradientBoostingClassifier(loss="exponential")`` uses it internally).

    References
    ----------
    .. [1] Freund, Y. and Schapire, R. E. (1997). A decision-theoretic generalization of
       on-line learning and an application to boosting. *Journal of Computer and System
       Sciences* 55(1), 119-139. (freund1997decision)

    Examples
    --------
    >>> exponential([1, -1], [0.0, float(np.log(2.0))], reduction="none")  # e^0, e^(log 2)
    array([1., 2.])
    """
    return cast(Reduced, _exponential(y_true, y_pred, reduction=reduction, grad=False)[0])


def exponential_grad(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> FloatArray:
    r"""Gradient of :func:`exponential` with respect to the scores: :math:`-y\, e^{-y s}`.

    Examples
    --------
    >>> exponential_grad([1, -1], [0.0, float(np.log(2.0))], reduction="sum")
    array([-1.,  2.])
    """
    return cast(FloatArray, _exponential(y_true, y_pred, reduction=reduction, value=False)[1])


register(
    loss=exponential,
    grad=exponential_grad,
    core=_exponential,
    readable=exponential_readable,
    family="classification",
    prediction="score",
    target="sign",
    distribution=None,
    convex=True,
    differentiable=True,
    robust=None,
    proper=None,
    reference="freund1997decision",
    summary="AdaBoost's exp(-y s); harsh on misclassified points.",
    oracle="closed form",
    sampler=_sign_sampler,
    equivalents={
        "torch": None,
        "keras": None,
        "optax": None,
    },
    equivalent_calls={},
    equivalents_note="None of PyTorch, Keras and optax has AdaBoost's exponential loss.",
)


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

    Returns
    -------
    float or ndarray

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


def multiclass_hinge_grad(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> FloatArray:
    r"""(Sub)gradient of :func:`multiclass_hinge` with respect to the scores.

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
    """
    return cast(FloatArray, _multiclass_hinge(y_true, y_pred, reduction=reduction, value=False)[1])


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
    loss=multiclass_hinge,
    grad=multiclass_hinge_grad,
    core=_multiclass_hinge,
    readable=multiclass_hinge_readable,
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
    equivalents={
        "torch": None,
        "keras": None,
        "optax": "optax.losses.multiclass_hinge_loss",
    },
    equivalent_calls={
        "optax": "optax.losses.multiclass_hinge_loss(y_pred, y_true).mean()",
    },
    equivalents_note=(
        "optax's loss is per example. PyTorch's `multi_margin_loss` is the Weston-Watkins form (a mean over "
        "the wrong classes) and Keras' `CategoricalHinge` never goes below 0 for the best wrong score: both "
        "are other losses."
    ),
)
