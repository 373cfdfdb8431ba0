r"""Margin losses of binary labels :math:`y \in \{-1, +1\}` and real scores :math:`s`, functions of the
margin :math:`y s`: the hinge, the squared hinge and the exponential loss of AdaBoost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numpy as np
import numpy.typing as npt

from .. import _kernels
from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import grad_scale, reduce, reduce_readable
from .._typing import FloatArray, Reduced
from .._validation import (
    fast_then_full,
    float_pair,
)
from .._wrappers import gradient
from ._inputs import _sign_inputs

__all__ = [
    "exponential",
    "exponential_grad",
    "hinge",
    "hinge_grad",
    "squared_hinge",
    "squared_hinge_grad",
]


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
        y, s = float_pair(y_true, y_pred, reduction, nan=False)
        if not (np.isfinite(s.min()) and np.isfinite(s.max())):
            raise ValueError

    return _kernels.elementwise_pair(
        kernel, y, s, value=value, grad=grad, reduction=reduction, n_tmp=n_tmp, options={"full": full}
    )


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


@shared_doc
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
    {reduction_elementwise}

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


hinge_grad = gradient(
    hinge,
    _hinge,
    doc=r"""(Sub)gradient of :func:`hinge` with respect to the scores.

    .. math:: \frac{\partial \ell}{\partial s} = \begin{cases} -y & y s < 1 \\ 0 & y s \ge 1 \end{cases}

    At the kink :math:`y s = 1` it returns 0, an element of the subdifferential
    :math:`[\min(0, -y), \max(0, -y)]`.

    Examples
    --------
    >>> hinge_grad([1, -1, 1], [0.5, 0.5, 1.0], reduction="sum")
    array([-1.,  1.,  0.])
    """,
)


def _sign_sampler(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Labels -1/+1 and scores whose margins y s lie in [-2.5, 3], at least 0.1 from the hinge at 1."""
    y = rng.choice([-1.0, 1.0], size=n)
    margin = rng.uniform(-2.5, 3.0, size=n)
    margin = np.where(np.abs(margin - 1) < 0.1, margin + 0.25, margin)
    return {"y_true": y, "y_pred": y * margin}


register(
    hinge,
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
    equivalents=Equivalents(
        keras="keras.losses.Hinge()(y_true, y_pred)",
        optax="optax.losses.hinge_loss(y_pred, y_true).mean()",
        note=(
            "Keras turns 0/1 labels into -1/+1 silently (losslib refuses them); optax's loss is per element. "
            "PyTorch has no hinge loss (`hinge_embedding_loss` is a loss on distances)."
        ),
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


@shared_doc
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
    {reduction_elementwise}

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


squared_hinge_grad = gradient(
    squared_hinge,
    _squared_hinge,
    doc=r"""Gradient of :func:`squared_hinge` with respect to the scores: :math:`-2y\max(0, 1 - ys)`.

    Examples
    --------
    >>> squared_hinge_grad([1, -1, 1], [0.5, 0.5, 2.0], reduction="sum")
    array([-1.,  3.,  0.])
    """,
)


register(
    squared_hinge,
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
    equivalents=Equivalents(
        keras="keras.losses.SquaredHinge()(y_true, y_pred)",
        note="Keras turns 0/1 labels into -1/+1 silently (losslib refuses them). PyTorch and optax have no squared hinge.",
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


@shared_doc
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
    {reduction_elementwise}

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


exponential_grad = gradient(
    exponential,
    _exponential,
    doc=r"""Gradient of :func:`exponential` with respect to the scores: :math:`-y\, e^{-y s}`.

    Examples
    --------
    >>> exponential_grad([1, -1], [0.0, float(np.log(2.0))], reduction="sum")
    array([-1.,  2.])
    """,
)


register(
    exponential,
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
    equivalents=Equivalents(
        note="None of PyTorch, Keras and optax has AdaBoost's exponential loss.",
    ),
)
