r"""Binary cross-entropy: the Bernoulli negative log-likelihood, on probabilities and on logits.

Losses on probabilities and losses on logits are separate functions, so a gradient is always
with respect to the argument you passed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from .. import _kernels
from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import grad_scale, reduce, reduce_readable
from .._typing import FloatArray, Reduced
from .._validation import (
    as_weight,
    check_finite,
    check_in_unit_interval,
    fast_then_full,
    float_pair,
)
from .._wrappers import gradient
from ..special import log_sigmoid, sigmoid

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
]

# PyTorch clamps log-probabilities at -100 in binary_cross_entropy so that a
# confident mistake costs 100 nats instead of infinity. We do the same.
_LOG_CLAMP = -100.0


# --------------------------------------------------------------------------
# Binary cross-entropy on probabilities
# --------------------------------------------------------------------------


def _bce_inputs(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, weight: npt.ArrayLike | None, reduction: str
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    y_true, y_pred = float_pair(y_true, y_pred, reduction)
    check_in_unit_interval(
        y_pred,
        "y_pred",
        "; if these are logits (any real number), use binary_cross_entropy_with_logits",
    )
    check_in_unit_interval(y_true, "y_true", "; targets are 0/1 labels or probabilities")
    w = None if weight is None else as_weight(weight, "weight", y_pred.shape, y_pred.dtype)
    return y_true, y_pred, w


def binary_cross_entropy_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, weight: npt.ArrayLike | None = None, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`binary_cross_entropy` and :func:`binary_cross_entropy_grad`: the definition,
    as chapter 1 writes it.

    .. math::

        \ell = -w\,\big[\, y \log p + (1 - y) \log(1 - p) \,\big], \qquad
        \frac{\partial \ell}{\partial p} = w\left(\frac{1-y}{1-p} - \frac{y}{p}\right)

    with each log clamped at :math:`-100`, as PyTorch does: where a log is clamped its term does
    not depend on :math:`p`, and its part of the gradient is 0. :math:`\log(1 - p)` is
    ``log1p(-p)``, which keeps the digits of a small :math:`p`.

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_binary_cross_entropy`` is tested against it.
    """
    y, p = np.asarray(y_true), np.asarray(y_pred)
    w = 1.0 if weight is None else np.asarray(weight)
    log_p, log_q = np.log(p), np.log1p(-p)
    loss = -w * (y * np.maximum(log_p, -100) + (1 - y) * np.maximum(log_q, -100))
    grad = w * (np.where(log_q > -100, (1 - y) / (1 - p), 0) - np.where(log_p > -100, y / p, 0))
    return reduce_readable(loss, grad, reduction)


def _binary_cross_entropy(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    weight: npt.ArrayLike | None = None,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`binary_cross_entropy_readable` (value and/or gradient, sharing the logs)."""
    y, p, w = _bce_inputs(y_true, y_pred, weight, reduction)
    with np.errstate(divide="ignore"):
        log_p, log_q = np.log(p), np.log1p(-p)
    v: Reduced | None = None
    g: FloatArray | None = None
    if value:
        values = -(y * np.maximum(log_p, _LOG_CLAMP) + (1 - y) * np.maximum(log_q, _LOG_CLAMP))
        v = reduce(values if w is None else values * w, reduction)
    if grad:
        # Each term is zero where its log is clamped (the value does not depend on p there).
        live_p = (log_p > _LOG_CLAMP) & (y != 0)
        live_q = (log_q > _LOG_CLAMP) & (y != 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = (np.where(live_q, (1 - y) / (1 - p), 0) - np.where(live_p, y / p, 0)).astype(p.dtype, copy=False)
        if w is not None:
            g = g * w
        g = g * p.dtype.type(grad_scale(reduction, p.size))
    return v, g


@shared_doc
def binary_cross_entropy(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, weight: npt.ArrayLike | None = None, reduction: str = "mean"
) -> Reduced:
    r"""Binary cross-entropy between targets and predicted probabilities.

    .. math:: \ell(y, p) = -w\,\big[\, y \log p + (1 - y) \log(1 - p) \,\big]

    The negative log-likelihood of a Bernoulli distribution with parameter
    :math:`p`; the targets :math:`y` may be 0/1 labels or probabilities.

    Parameters
    ----------
    y_true : array_like, any shape
        Targets in [0, 1].
    y_pred : array_like, same shape as ``y_true``
        Predicted probabilities in [0, 1]. For logits use
        :func:`binary_cross_entropy_with_logits`, which is also more accurate.
    weight : array_like, optional
        Per-element weights, broadcastable to ``y_pred``'s shape. Finite (±inf is refused);
        negative weights are applied as written, as in PyTorch (the mean divides by the
        number of elements, so they cannot cancel a denominator).
    reduction : {"mean", "sum", "none"}
        ``"mean"`` divides the weighted sum by the number of elements (not by the
        sum of weights), as PyTorch does.

    {returns}

    Notes
    -----
    Like ``torch.nn.functional.binary_cross_entropy``, each log is clamped at
    :math:`-100`, so :math:`p = 0` with :math:`y = 1` costs 100, not infinity.
    :math:`\log(1-p)` is computed with ``log1p``, which keeps the digits for tiny
    :math:`p` (so does PyTorch 2.13: the values agree). The gradient is the exact derivative
    of the clamped value; PyTorch instead divides by :math:`\max(p(1-p), 10^{-12})`,
    so the two gradients differ only for :math:`p` within :math:`10^{-12}` of 0 or 1.

    References
    ----------
    .. [1] Cox, D. R. (1958). The regression analysis of binary sequences.
       *JRSS B* 20(2), 215-242. (cox1958regression)

    Examples
    --------
    >>> round(float(binary_cross_entropy([1.0, 0.0], [0.9, 0.2])), 6)
    0.164252
    """
    return cast(Reduced, _binary_cross_entropy(y_true, y_pred, weight=weight, reduction=reduction, grad=False)[0])


binary_cross_entropy_grad = gradient(
    binary_cross_entropy,
    _binary_cross_entropy,
    doc=r"""Gradient of :func:`binary_cross_entropy` with respect to the probabilities ``y_pred``.

    .. math:: \frac{\partial \ell}{\partial p} = w\left(\frac{1-y}{1-p} - \frac{y}{p}\right)

    Each term is zero where its log is clamped (there the value does not depend on :math:`p`).

    Examples
    --------
    >>> binary_cross_entropy_grad([1.0, 0.0], [0.5, 0.5], reduction="sum")
    array([-2.,  2.])
    """,
)


register(
    binary_cross_entropy,
    family="classification",
    prediction="probability",
    target="binary",
    distribution="Bernoulli",
    convex=True,
    differentiable=True,
    robust=None,
    proper=True,
    reference="cox1958regression",
    summary="Log loss of a predicted probability.",
    equivalents=Equivalents(
        torch="torch.nn.functional.binary_cross_entropy(y_pred, y_true, weight=weight)",
        keras="keras.losses.BinaryCrossentropy()(y_true, y_pred)",
        note=(
            "Keras clips the probabilities to [1e-7, 1 - 1e-7] (losslib and PyTorch clamp each log at -100) and "
            "has no elementwise `weight`. optax has a cross-entropy on logits only "
            "(`sigmoid_binary_cross_entropy`)."
        ),
    ),
)


# --------------------------------------------------------------------------
# Binary cross-entropy on logits
# --------------------------------------------------------------------------


_INF_LOGIT = (
    "losslib refuses infinite logits (as focal and hinge do): an infinite logit claims a probability "
    "of exactly 0 or 1; clip the logits (np.clip(y_pred, -1e4, 1e4)) or find where they overflowed"
)


def _bce_logits_inputs(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    weight: npt.ArrayLike | None,
    pos_weight: npt.ArrayLike | None,
    reduction: str,
) -> tuple[FloatArray, FloatArray, FloatArray | None, FloatArray | None]:
    y, x = float_pair(y_true, y_pred, reduction)
    check_in_unit_interval(y, "y_true", "; targets are 0/1 labels or probabilities")
    check_finite(x, "y_pred", "logits", _INF_LOGIT)
    w = None if weight is None else as_weight(weight, "weight", x.shape, x.dtype)
    pw = None if pos_weight is None else as_weight(pos_weight, "pos_weight", x.shape, x.dtype)
    return y, x, w, pw


def binary_cross_entropy_with_logits_readable(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    weight: npt.ArrayLike | None = None,
    pos_weight: npt.ArrayLike | None = None,
    reduction: str = "mean",
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`binary_cross_entropy_with_logits` and its gradient: the definition, as
    chapter 3 writes it.

    .. math::

        \ell = -w\,\big[\, p_w\, y \log\sigma(x) + (1 - y) \log\sigma(-x) \,\big], \qquad
        \frac{\partial \ell}{\partial x} = w\,\big[(1 - y)\,\sigma(x) - p_w\, y\,\sigma(-x)\big]

    :math:`\log\sigma` is :func:`losslib.special.log_sigmoid`, finite for every finite logit
    (``np.log(sigmoid(x))`` is ``-inf`` below :math:`x \approx -745`), and :math:`1 - \sigma(x)`
    is written :math:`\sigma(-x)`, which keeps its digits where :math:`\sigma(x)` rounds to 1.

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_binary_cross_entropy_with_logits`` is tested against it.
    """
    y, x = np.asarray(y_true), np.asarray(y_pred)
    w = 1.0 if weight is None else np.asarray(weight)
    pw = 1.0 if pos_weight is None else np.asarray(pos_weight)
    loss = -w * (pw * y * log_sigmoid(x) + (1 - y) * log_sigmoid(-x))
    grad = w * ((1 - y) * sigmoid(x) - pw * y * sigmoid(-x))
    return reduce_readable(loss, grad, reduction)


def _binary_cross_entropy_with_logits(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    weight: npt.ArrayLike | None = None,
    pos_weight: npt.ArrayLike | None = None,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`binary_cross_entropy_with_logits_readable` (value and/or gradient, sharing
    exp(-|x|); by blocks without weights)."""
    if weight is None and pos_weight is None:
        return _binary_logits_loss(
            _bce_logits_kernel, y_true, y_pred, reduction, value, grad, 6, summable=True, refuse_inf=True
        )
    y, x, w, pw = _bce_logits_inputs(y_true, y_pred, weight, pos_weight, reduction)
    e = np.exp(-np.abs(x))
    pos = y if pw is None else pw * y
    v: Reduced | None = None
    g: FloatArray | None = None
    if value:
        # log sigma(x) = min(x,0) - sp and log sigma(-x) = -max(x,0) - sp, sp = log1p(exp(-|x|))
        sp = np.log1p(e)
        values = pos * (sp - np.minimum(x, 0)) + (1 - y) * (sp + np.maximum(x, 0))
        v = reduce(values if w is None else values * w, reduction)
    if grad:
        s_pos = np.where(x >= 0, 1 / (1 + e), e / (1 + e))  # sigma(x)
        s_neg = np.where(x >= 0, e / (1 + e), 1 / (1 + e))  # sigma(-x) = 1 - sigma(x), without cancellation
        g = ((1 - y) * s_pos - pos * s_neg).astype(x.dtype, copy=False)
        if w is not None:
            g = g * w
        g = g * x.dtype.type(grad_scale(reduction, x.size))
    return v, g


def _binary_logits_loss(
    kernel: Callable[..., None],
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    reduction: str,
    value: bool,
    grad: bool,
    n_tmp: int,
    summable: bool = False,
    refuse_inf: bool = False,
    **options: Any,
) -> tuple[Reduced | None, FloatArray | None]:
    """An elementwise loss of 0/1 (or soft) targets and logits, block by block (see :mod:`losslib._kernels`).

    The checks of :func:`_bce_logits_inputs` without the scans for NaNs: ``kernel`` must make the
    losses and the gradient of a block NaN where an input is NaN (the NaN check happens there).
    If a check fails, the full validation runs, so that the first error in its order is raised.
    With ``refuse_inf``, ``kernel`` makes the losses of an infinite logit NaN or infinite, and the
    full validation (which refuses it) runs where a block's sum is not finite.
    """

    def full() -> None:
        _bce_logits_inputs(y_true, y_pred, None, None, reduction)

    with fast_then_full(full):
        y, x = float_pair(y_true, y_pred, reduction, nan=False)
        check_in_unit_interval(y, "y_true", "; targets are 0/1 labels or probabilities")

    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        return _kernels.elementwise_pair(
            kernel,
            y,
            x,
            value=value,
            grad=grad,
            reduction=reduction,
            n_tmp=n_tmp,
            recheck=full,
            options=options,
            summable=summable,
            finite=1 if refuse_inf else None,
        )


def _sigmoid_parts(x: FloatArray, e: FloatArray, u: FloatArray, f1: FloatArray, mask: npt.NDArray[np.bool_]) -> None:
    r"""From ``x``: ``e`` = exp(-|x|), ``u`` = 1 + e, ``f1`` and ``mask`` = [x >= 0], with
    :math:`\sigma(x) = f_1/u`, without cancellation and without selections.

    :math:`f_1 = \max(e, [x \ge 0])` is 1 for :math:`x \ge 0` and :math:`e` below;
    :math:`f_2 = \max(e, [x < 0])` (see :func:`_other_factor`) gives :math:`\sigma(-x) = f_2/u`.
    """
    np.abs(x, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)
    np.add(e, 1, out=u)
    np.greater_equal(x, 0, out=mask)
    np.maximum(e, mask, out=f1)


def _other_factor(e: FloatArray, mask: npt.NDArray[np.bool_], f2: FloatArray) -> None:
    """``f2`` = max(e, [x < 0]) from ``mask`` = [x >= 0] (which it inverts in place)."""
    np.logical_not(mask, out=mask)
    np.maximum(e, mask, out=f2)


def _bce_logits_kernel(
    y: FloatArray,
    x: FloatArray,
    v: FloatArray | None,
    g: FloatArray | None,
    count: float,
    tmp: list[FloatArray],
    summed: bool = False,
) -> None:
    r"""Binary cross-entropy with logits on a block: :math:`\operatorname{sp} + (1 - y)\max(x, 0) -
    y\min(x, 0)` with :math:`\operatorname{sp} = \operatorname{log1p}(e^{-|x|})`, and its gradient
    :math:`(1 - y)\sigma(x) - y\sigma(-x)` (both terms without cancellation). When only the sum
    is wanted (``summed``), the ``log1p`` terms are summed by :func:`losslib._kernels.log1p_sum`."""
    e, u, f, omy, t, mask_f = tmp
    mask = mask_f.view(bool)[: x.size]
    _sigmoid_parts(x, e, u, f, mask)
    np.subtract(1, y, out=omy)
    if v is not None:
        if summed:
            np.maximum(x, 0, out=v)
            np.multiply(v, omy, out=v)
        else:
            _kernels.log1p_from(e, u, v, t)
            np.maximum(x, 0, out=t)
            np.multiply(t, omy, out=t)
            np.add(v, t, out=v)
        np.minimum(x, 0, out=t)
        np.multiply(t, y, out=t)
        np.subtract(v, t, out=v)
    if g is not None:
        np.multiply(omy, f, out=g)  # (1 - y) sigma(x) (1 + e)
        _other_factor(e, mask, f)
        np.multiply(f, y, out=f)  # y sigma(-x) (1 + e)
        np.subtract(g, f, out=g)
        if count != 1:
            np.multiply(u, count, out=u)
        np.divide(g, u, out=g)
    if v is not None and summed:  # e is no longer needed by the gradient
        parts = _kernels.log1p_sum(e, t)
        np.add(v[: parts.size], parts, out=v[: parts.size])


@shared_doc
def binary_cross_entropy_with_logits(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    weight: npt.ArrayLike | None = None,
    pos_weight: npt.ArrayLike | None = None,
    reduction: str = "mean",
) -> Reduced:
    r"""Binary cross-entropy on logits, computed through the log-sigmoid.

    .. math::

        \ell(y, x) = -w\,\big[\, p_w\, y \log\sigma(x) + (1 - y) \log\sigma(-x) \,\big]

    with :math:`\log\sigma(x) = \min(x, 0) - \log(1 + e^{-|x|})`, which is finite
    for every finite logit. It equals :func:`binary_cross_entropy` of
    :math:`\sigma(x)` but keeps every digit where :math:`\sigma(x)` rounds to 0 or 1.

    Parameters
    ----------
    y_true : array_like, any shape
        Targets in [0, 1].
    y_pred : array_like, same shape as ``y_true``
        Logits (any finite real numbers; ±inf is refused).
    weight : array_like, optional
        Per-element weights, broadcastable to ``y_pred``'s shape. Finite (±inf is refused);
        negative weights are applied as written, as in PyTorch (the mean divides by the
        number of elements, so they cannot cancel a denominator).
    pos_weight : array_like, optional
        Weight :math:`p_w` of the positive term, broadcastable to ``y_pred``'s
        shape (a vector with one entry per class broadcasts along the last axis).
        ``pos_weight = n_negative / n_positive`` balances a rare positive class.
        Finite (±inf is refused); applied as written otherwise, as in PyTorch.
    {reduction}

    Notes
    -----
    Same as ``torch.nn.functional.binary_cross_entropy_with_logits``.

    References
    ----------
    .. [1] Cox, D. R. (1958). The regression analysis of binary sequences.
       *JRSS B* 20(2), 215-242. (cox1958regression)

    Examples
    --------
    >>> float(binary_cross_entropy_with_logits([1.0], [-1000.0]))
    1000.0
    """
    return cast(
        Reduced,
        _binary_cross_entropy_with_logits(
            y_true, y_pred, weight=weight, pos_weight=pos_weight, reduction=reduction, grad=False
        )[0],
    )


binary_cross_entropy_with_logits_grad = gradient(
    binary_cross_entropy_with_logits,
    _binary_cross_entropy_with_logits,
    doc=r"""Gradient of :func:`binary_cross_entropy_with_logits` with respect to the logits.

    .. math:: \frac{\partial \ell}{\partial x} = w\,\big[(1 - y)\,\sigma(x) - p_w\, y\,\sigma(-x)\big]

    which is :math:`w(\sigma(x) - y)` without ``pos_weight``.

    Examples
    --------
    >>> binary_cross_entropy_with_logits_grad([1.0, 0.0], [0.0, 0.0], reduction="sum")
    array([-0.5,  0.5])
    """,
)


register(
    binary_cross_entropy_with_logits,
    family="classification",
    prediction="logit",
    target="binary",
    distribution="Bernoulli",
    convex=True,
    differentiable=True,
    robust=None,
    proper=True,
    reference="cox1958regression",
    summary="Log loss of a logit, via the stable log-sigmoid.",
    equivalents=Equivalents(
        torch="torch.nn.functional.binary_cross_entropy_with_logits(y_pred, y_true, weight=weight, pos_weight=pos_weight)",
        keras="keras.losses.BinaryCrossentropy(from_logits=True)(y_true, y_pred)",
        optax="optax.losses.sigmoid_binary_cross_entropy(y_pred, y_true).mean()",
        note=(
            "Keras' `BinaryCrossentropy(from_logits=True)` has no `weight` or `pos_weight` (its `sample_weight` "
            "weights whole examples); optax's loss is per element and has neither."
        ),
    ),
)
