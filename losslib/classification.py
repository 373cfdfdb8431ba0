r"""Classification losses: negative log-likelihoods of Bernoulli and categorical models.

Losses on probabilities and losses on logits are separate functions, so a
gradient is always with respect to the argument you passed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeAlias, cast

import numpy as np
import numpy.typing as npt

from . import _kernels
from ._info import register
from ._reduction import divisor, grad_scale, reduce, reduce_readable
from ._typing import FloatArray, Reduced
from ._validation import (
    _first_index,
    _where,
    as_any_array,
    as_float_array,
    as_weight,
    check_finite,
    check_in_unit_interval,
    check_not_empty,
    check_positive_scalar,
    check_reduction,
    check_same_shape,
    check_scalar,
    fast_then_full,
    option_in_dtype,
)
from .special import log_sigmoid, log_softmax, sigmoid, softmax

IntArray: TypeAlias = npt.NDArray[np.integer[Any]]
Rows: TypeAlias = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]
"""``rows(y, p) -> (per-row losses, gradient of their sum)``: a loss between distributions on whole arrays."""
RowsKernel: TypeAlias = Callable[
    [FloatArray, FloatArray, FloatArray | None, FloatArray | None, float, list[FloatArray], float], bool
]
"""A block of a loss between distributions: see :func:`_distribution_loss`."""

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "categorical_cross_entropy",
    "categorical_cross_entropy_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "focal",
    "focal_grad",
    "kl_divergence",
    "kl_divergence_grad",
]

# PyTorch clamps log-probabilities at -100 in binary_cross_entropy so that a
# confident mistake costs 100 nats instead of infinity. We do the same.
_LOG_CLAMP = -100.0
_P_UNCLAMPED = math.exp(_LOG_CLAMP + 1e-9)  # above this, log(p) > -100 also after rounding
_RATIO_FINITE = 1e-300  # for p above this, y / p <= 1e300 (y <= 1): finite


# --------------------------------------------------------------------------
# Binary cross-entropy on probabilities
# --------------------------------------------------------------------------


def _bce_inputs(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, weight: npt.ArrayLike | None, reduction: str
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    check_reduction(reduction)
    y_pred = as_float_array(y_pred, "y_pred")
    y_true = as_float_array(y_true, "y_true", dtype=y_pred.dtype)
    check_same_shape(y_true, "y_true", y_pred, "y_pred")
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

    Returns
    -------
    float or ndarray

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


def binary_cross_entropy_grad(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, weight: npt.ArrayLike | None = None, reduction: str = "mean"
) -> FloatArray:
    r"""Gradient of :func:`binary_cross_entropy` with respect to the probabilities ``y_pred``.

    .. math:: \frac{\partial \ell}{\partial p} = w\left(\frac{1-y}{1-p} - \frac{y}{p}\right)

    Each term is zero where its log is clamped (there the value does not depend on :math:`p`).

    Examples
    --------
    >>> binary_cross_entropy_grad([1.0, 0.0], [0.5, 0.5], reduction="sum")
    array([-2.,  2.])
    """
    return cast(FloatArray, _binary_cross_entropy(y_true, y_pred, weight=weight, reduction=reduction, value=False)[1])


register(
    loss=binary_cross_entropy,
    grad=binary_cross_entropy_grad,
    core=_binary_cross_entropy,
    readable=binary_cross_entropy_readable,
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
    check_reduction(reduction)
    x = as_float_array(y_pred, "y_pred")
    y = as_float_array(y_true, "y_true", dtype=x.dtype)
    check_same_shape(y, "y_true", x, "y_pred")
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
        check_reduction(reduction)
        x = as_float_array(y_pred, "y_pred", nan=False)
        y = as_float_array(y_true, "y_true", dtype=x.dtype, nan=False)
        check_same_shape(y, "y_true", x, "y_pred")
        check_in_unit_interval(y, "y_true", "; targets are 0/1 labels or probabilities")

    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        v, g = _kernels.elementwise(
            kernel,
            (y, x),
            value=value,
            grad=grad,
            reduction=reduction,
            n_tmp=n_tmp,
            recheck=full,
            options=options,
            split=True,
            summable=summable,
            finite=1 if refuse_inf else None,
        )
    return v, (g[0] if g is not None else None)


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
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    float or ndarray

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


def binary_cross_entropy_with_logits_grad(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    weight: npt.ArrayLike | None = None,
    pos_weight: npt.ArrayLike | None = None,
    reduction: str = "mean",
) -> FloatArray:
    r"""Gradient of :func:`binary_cross_entropy_with_logits` with respect to the logits.

    .. math:: \frac{\partial \ell}{\partial x} = w\,\big[(1 - y)\,\sigma(x) - p_w\, y\,\sigma(-x)\big]

    which is :math:`w(\sigma(x) - y)` without ``pos_weight``.

    Examples
    --------
    >>> binary_cross_entropy_with_logits_grad([1.0, 0.0], [0.0, 0.0], reduction="sum")
    array([-0.5,  0.5])
    """
    return cast(
        FloatArray,
        _binary_cross_entropy_with_logits(
            y_true, y_pred, weight=weight, pos_weight=pos_weight, reduction=reduction, value=False
        )[1],
    )


register(
    loss=binary_cross_entropy_with_logits,
    grad=binary_cross_entropy_with_logits_grad,
    core=_binary_cross_entropy_with_logits,
    readable=binary_cross_entropy_with_logits_readable,
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
)


# --------------------------------------------------------------------------
# Softmax cross-entropy
# --------------------------------------------------------------------------


def _cross_entropy_inputs(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    weight: npt.ArrayLike | None,
    ignore_index: int,
    label_smoothing: float,
    reduction: str,
    nan: bool | None = True,
) -> tuple[FloatArray, IntArray | None, FloatArray | None, FloatArray | None, float]:
    """Validate a cross-entropy call.

    Returns ``(z, labels, probs, w, eps)`` where exactly one of ``labels``
    (integers, shape ``z.shape[:-1]``) and ``probs`` (shape ``z.shape``) is set.
    ``nan=False`` does not scan the logits for NaNs (the caller finds them in the row maxima);
    if another check fails, the full validation runs, so that the first error in the order of
    the checks is the one raised.
    """
    if nan is False:
        with fast_then_full(
            lambda: _cross_entropy_inputs(y_true, y_pred, weight, ignore_index, label_smoothing, reduction)
        ):
            return _cross_entropy_inputs(y_true, y_pred, weight, ignore_index, label_smoothing, reduction, nan=None)
    check_reduction(reduction)
    z = as_float_array(y_pred, "y_pred", nan=nan is not None)
    if z.ndim == 0:
        raise ValueError(
            "y_pred must have a class axis (the last one) holding one logit per class; "
            "got a scalar. For a single binary logit use binary_cross_entropy_with_logits"
        )
    if nan is not None:
        check_finite(z, "y_pred", "logits", _INF_LOGIT + "; to mask a class, give it a large negative finite logit")
    n_classes = z.shape[-1]
    eps = check_scalar(label_smoothing, "label_smoothing", low=0, high=1)
    w = None
    if weight is not None:
        w = as_float_array(weight, "weight", dtype=z.dtype)
        if w.shape != (n_classes,):
            raise ValueError(
                f"weight has shape {w.shape} but y_pred has {n_classes} classes on its last "
                f"axis; weight needs one entry per class, shape ({n_classes},)"
            )
        check_finite(w, "weight", "class weights", "give every class a finite weight >= 0")
        if (w < 0).any():
            index = _first_index(w < 0)
            raise ValueError(
                f"weight must hold class weights >= 0, but {_where('weight', index)} = {w[index].item()!r}; "
                "a negative weight can cancel the mean's denominator (NaN or an infinite gradient)"
            )

    target = as_any_array(y_true, "y_true")
    check_not_empty(target, "y_true")
    labels = probs = None
    if target.dtype.kind in "iu":
        if target.shape != z.shape[:-1]:
            hint = ""
            if target.shape == z.shape:
                hint = (
                    " (it has y_pred's shape: if its rows are one-hot, pass "
                    "y_true.argmax(-1) as labels or y_true.astype(float) as probabilities)"
                )
            elif z.shape[-1] == 1 and z.ndim >= 2 and target.shape == z.shape[:-2]:
                hint = (
                    f" (y_pred has a trailing axis of length 1: if its last axis but one holds the "
                    f"classes, pass y_pred.squeeze(-1), of shape {z.shape[:-1]})"
                )
            raise ValueError(
                f"y_true holds integer class labels of shape {target.shape}, but y_pred has "
                f"shape {z.shape}; labels need shape {z.shape[:-1]}, one per row of y_pred{hint}"
            )
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
            raise TypeError(f"ignore_index must be an integer, got {ignore_index!r}")
        bad = (target != ignore_index) & ((target < 0) | (target >= n_classes))
        if bad.any():
            index = _first_index(bad)
            raise ValueError(
                f"y_true contains label {target[index].item()!r} at {_where('y_true', index)}, but y_pred "
                f"has {n_classes} classes on its last axis; labels must be in [0, {n_classes - 1}]"
                f" (or equal ignore_index={ignore_index})"
            )
        labels = target
    elif target.dtype.kind == "f":
        if target.shape != z.shape:
            hint = ""
            if target.shape == z.shape[:-1]:
                hint = " (if these are class labels, pass them as integers: y_true.astype(int))"
            raise ValueError(
                f"y_true holds class probabilities of shape {target.shape}, but y_pred has shape "
                f"{z.shape}; probabilities need y_pred's shape{hint}"
            )
        probs = as_float_array(target, "y_true", dtype=z.dtype)
        check_in_unit_interval(probs, "y_true", "; class probabilities lie in [0, 1]")
    else:
        raise TypeError(f"y_true must hold integer class labels or float class probabilities, got dtype {target.dtype}")
    return z, labels, probs, w, eps


def _ce_forward(
    z: FloatArray,
    labels: IntArray | None,
    probs: FloatArray | None,
    w: FloatArray | None,
    eps: float,
    ignore_index: int,
) -> tuple[FloatArray, FloatArray, float, FloatArray]:
    """Shared part of value and gradient.

    Returns ``(logp, per_item, count, coef)`` where ``per_item`` are the losses
    per example, ``count`` the mean's denominator and ``coef`` the effective
    target weights ``t`` such that the per-example gradient is
    ``t.sum(-1) * softmax(z) - t``.
    """
    n_classes = z.shape[-1]
    logp = log_softmax(z)
    if labels is not None:
        valid = labels != ignore_index
        safe = np.where(valid, labels, 0)
        onehot = np.zeros_like(logp)
        np.put_along_axis(onehot, safe[..., None], 1.0, axis=-1)
        w_y = (w[safe] if w is not None else np.ones(labels.shape, z.dtype)) * valid
        # effective target: (1 - eps) * w_y * onehot + eps / C * w * valid
        coef = (1 - eps) * w_y[..., None] * onehot
        if eps > 0:
            wc = w if w is not None else np.ones(n_classes, z.dtype)
            coef = coef + (eps / n_classes) * valid[..., None] * wc
        count = w_y.sum()
    elif probs is not None:  # exactly one of labels and probs is set
        q = probs if eps == 0 else (1 - eps) * probs + eps / n_classes
        coef = q if w is None else q * w
        count = logp.size // n_classes
    coef = coef.astype(z.dtype, copy=False)
    # 0 - s, not -s: a perfect prediction gives 0.0, not -0.0
    per_item = 0.0 - (coef * logp).sum(axis=-1)
    return logp, per_item, count, coef


def cross_entropy_readable(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    weight: npt.ArrayLike | None = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`cross_entropy` and :func:`cross_entropy_grad`: the definition, as chapter 3
    writes it.

    The target of a row is the smoothed one-hot vector :math:`q^\varepsilon = (1 - \varepsilon)\,
    e_y + \varepsilon / C` (for class probabilities :math:`q`: :math:`(1 - \varepsilon)\, q +
    \varepsilon / C`), all zeros where the label equals ``ignore_index``; with the class weights
    :math:`w` the effective target is :math:`t = w \odot q^\varepsilon`, and

    .. math::

        \ell = -\sum_{c=1}^{C} t_c \log \operatorname{softmax}(z)_c, \qquad
        \nabla_z\, \ell = \Big(\sum_c t_c\Big) \operatorname{softmax}(z) - t

    The log-softmax is :func:`losslib.special.log_softmax`, :math:`z_c - m - \log\sum_j e^{z_j - m}`
    with the row maximum :math:`m`, which cannot overflow. ``"mean"`` divides by the summed
    weights :math:`\sum_i w_{y_i}` of the labels that are not ignored (by the number of rows for
    class probabilities), as PyTorch does; if every label is ignored that is 0/0: NaN, and the
    gradient is 0.

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_cross_entropy`` is tested against it.
    """
    y, z = np.asarray(y_true), np.asarray(y_pred)
    n_classes = z.shape[-1]
    w = np.ones(n_classes) if weight is None else np.asarray(weight)
    eps = label_smoothing
    count = None  # the mean's denominator; None: the number of rows
    if y.dtype.kind in "iu":  # class labels
        kept = (y != ignore_index)[..., None]
        onehot = np.arange(n_classes) == y[..., None]
        target = kept * ((1 - eps) * onehot + eps / n_classes)
        count = np.sum(kept * onehot * w)  # the weights of the labels that are not ignored
    else:  # class probabilities
        target = (1 - eps) * y + eps / n_classes
    t = w * target
    loss = -np.sum(t * log_softmax(z), axis=-1)
    grad = np.sum(t, axis=-1, keepdims=True) * softmax(z) - t
    if reduction == "mean" and count == 0:  # every label ignored
        return z.dtype.type(np.nan), np.zeros_like(grad)
    return reduce_readable(loss, grad, reduction, count)


def _cross_entropy(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    weight: npt.ArrayLike | None = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`cross_entropy_readable` (value and/or gradient by blocks of rows, sharing the
    softmax: see :func:`_ce_blocks`)."""
    args = (y_true, y_pred, weight, ignore_index, label_smoothing, reduction)
    z, labels, probs, w, eps = _cross_entropy_inputs(*args, nan=False)
    if z.ndim >= 1 and z.shape[-1] >= 1:
        out = _ce_blocks(
            z, labels, probs, w, eps, ignore_index, reduction, value, grad, lambda: _cross_entropy_inputs(*args)
        )
        if out is not None:
            return out
    _cross_entropy_inputs(*args)  # the NaN scan skipped above
    return _cross_entropy_general(z, labels, probs, w, eps, ignore_index, reduction, value, grad)


def _ce_blocks(
    z: FloatArray,
    labels: IntArray | None,
    probs: FloatArray | None,
    w: FloatArray | None,
    eps: float,
    ignore_index: int,
    reduction: str,
    value: bool,
    grad: bool,
    recheck: Callable[[], object],
) -> tuple[Reduced | None, FloatArray | None] | None:
    r"""Cross-entropy by blocks of rows, in one pass over the logits; None if a logit is +-inf.

    Per row, with the maximum :math:`m` at :math:`j^*` and :math:`e = \exp(z - m)`: the sum of the
    exponentials is :math:`1 + \rho`, :math:`\rho` the sum without :math:`e_{j^*} = 1`, so that
    :math:`\log\sum e = \operatorname{log1p}(\rho)` keeps every digit of a loss near 0. The
    softmax is :math:`e / (1 + \rho)`, computed in place in the gradient's memory, and the
    gradient at the label, :math:`p_y - 1 = -\sum_{j \ne y} p_j`, is computed as that sum
    (:math:`\rho` when :math:`y = j^*`), without cancellation. The loss of a row is
    :math:`\sum_c t_c (\log\sum e - (z_c - m))`, a sum of non-negative terms, with the
    effective target weights :math:`t` of :func:`_ce_forward`; its gradient
    :math:`(\sum_c t_c)\,\operatorname{softmax}(z) - t`. NaN logits call ``recheck`` (which raises).
    """
    n_classes = z.shape[-1]
    batch_shape = z.shape[:-1]
    dt = z.dtype.type
    z2 = z.reshape(-1, n_classes)
    n_rows = z2.shape[0]
    smoothing = eps > 0
    if labels is not None:
        lab = labels.reshape(-1)
        valid = lab != ignore_index
        safe = np.where(valid, lab, 0)
        w_y = (w[safe] if w is not None else np.ones(n_rows, z.dtype)) * valid
        count = divisor(reduction, float(w_y.sum(dtype=np.float64)))
        if reduction == "mean" and count == 0:
            return None  # every label ignored: NaN mean, zero gradient (the general path)
        wc = w if w is not None else np.ones(n_classes, z.dtype)
        w_sum = wc.sum()
    elif probs is not None:  # exactly one of labels and probs is set
        q = probs.reshape(-1, n_classes)
        count = divisor(reduction, n_rows)
    scale = dt(1.0 / count)
    g_all = np.empty((n_rows, n_classes), z.dtype) if grad else None
    v_all = np.empty(n_rows, z.dtype) if value else None
    size = min(_kernels.block_len(z.dtype, n_classes), n_rows)

    def task(first: int, stop: int) -> None:
        # scratch blocks, empty where not used: the softmax without a gradient to hold it, the targets
        work = np.empty((size if g_all is None else 0, n_classes), z.dtype)
        coef_buf = np.empty((size if labels is None or smoothing else 0, n_classes), z.dtype)
        for b in range(first, stop):
            sl = slice(b * size, min((b + 1) * size, n_rows))
            _ce_block(sl, work, coef_buf)

    def _ce_block(sl: slice, work: FloatArray, coef_buf: FloatArray) -> None:
        zb = z2[sl]
        rows = np.arange(zb.shape[0])
        e = g_all[sl] if g_all is not None else work[: zb.shape[0]]
        top = np.argmax(zb, axis=1)
        m = zb[rows, top]
        if not (np.isfinite(m).all() and np.isfinite(zb.min())):
            if np.isnan(m).any():
                recheck()  # raises for a NaN logit
            raise _kernels.Fallback  # +-inf logits: refused by the full validation
        np.subtract(zb, m[:, None], out=e)  # shifted logits, <= 0
        if labels is None:
            t = coef_buf[: zb.shape[0]]  # effective targets: (1 - eps) q + eps / C, times w
            if smoothing:
                np.multiply(q[sl], dt(1 - eps), out=t)
                np.add(t, dt(eps / n_classes), out=t)
            else:
                t[...] = q[sl]
            if w is not None:
                np.multiply(t, w, out=t)
            t_sum = t.sum(axis=1)
            t_dot = _kernels.rowdot(t, e)  # sum_c t_c (z_c - m) <= 0
        elif smoothing:
            w_dot = np.matmul(e[:, None, :], wc[:, None])[:, 0, 0]  # sum_c w_c (z_c - m) <= 0
        np.exp(e, out=e)
        e[rows, top] = 0
        rest = e.sum(axis=1)
        e[rows, top] = 1
        log_sum = np.log1p(rest)  # log sum_c exp(z_c - m)
        total = 1 + rest
        if labels is not None:
            valid_b, safe_b, w_b = valid[sl], safe[sl], w_y[sl]
            nll = log_sum - (zb[rows, safe_b] - m)  # -log softmax(z)_y >= 0
            if v_all is not None:
                per = (1 - eps) * w_b * nll if smoothing else w_b * nll
                if smoothing:
                    per = per + dt(eps / n_classes) * valid_b * (w_sum * log_sum - w_dot)
                v_all[sl] = np.where(valid_b, per, 0)  # 0 - s: 0.0, not -0.0, for a perfect prediction
            if g_all is not None:
                e_y = e[rows, safe_b]
                coef_sum = (1 - eps) * w_b + (dt(eps / n_classes) * w_sum) * valid_b if smoothing else w_b
                np.multiply(e, (coef_sum * scale / total)[:, None], out=e)
                if smoothing:
                    np.multiply((dt(eps / n_classes) * scale) * valid_b[:, None], wc, out=coef_buf[: zb.shape[0]])
                    np.subtract(e, coef_buf[: zb.shape[0]], out=e)
                    e[rows, safe_b] -= (1 - eps) * w_b * scale
                else:
                    # p_y - 1 = -(sum of the other probabilities), rest when y is the maximum
                    others = np.where(safe_b == top, rest, 1 + (rest - e_y))
                    e[rows, safe_b] = np.where(valid_b, -(w_b * scale) * (others / total), 0)
                if not valid_b.all():
                    e[~valid_b] = 0
        else:
            if v_all is not None:
                v_all[sl] = t_sum * log_sum - t_dot
            if g_all is not None:
                np.multiply(e, (t_sum * scale / total)[:, None], out=e)
                np.multiply(t, scale, out=t)
                np.subtract(e, t, out=e)

    try:
        _kernels.run_chunks(-(-n_rows // size), task, z.size)
    except _kernels.Fallback:
        return None
    v: Reduced | None = None
    g: FloatArray | None = None
    if v_all is not None:
        if reduction == "none":
            v = v_all.reshape(batch_shape)
            v = v[()] if v.ndim == 0 else v
        else:
            total_loss = _kernels.exact_sum(_partial_sums(v_all, size))
            v = dt(total_loss / count)
    if g_all is not None:
        g = g_all.reshape(z.shape)
    return v, g


def _partial_sums(values: FloatArray, size: int) -> list[float]:
    return [float(values[sl].sum()) for sl in _kernels.blocks(values.size, max(size, 1))]


def _cross_entropy_general(
    z: FloatArray,
    labels: IntArray | None,
    probs: FloatArray | None,
    w: FloatArray | None,
    eps: float,
    ignore_index: int,
    reduction: str,
    value: bool,
    grad: bool,
) -> tuple[Reduced | None, FloatArray | None]:
    """The straightforward cross-entropy on whole arrays: for a batch whose every label is ignored."""
    logp, per_item, count, coef = _ce_forward(z, labels, probs, w, eps, ignore_index)
    v: Reduced | None = None
    g: FloatArray | None = None
    if value:
        if reduction == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                v = z.dtype.type(per_item.sum() / count)
        else:
            v = reduce(per_item, reduction)
    if grad:
        g = coef.sum(axis=-1, keepdims=True) * np.exp(logp) - coef
        if reduction == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                g = g / z.dtype.type(count)
            if labels is not None:
                # Ignored labels contribute nothing, so their gradient is exactly 0, also when
                # every label is ignored and the mean is NaN (0/0), as in PyTorch.
                g = np.where((labels != ignore_index)[..., None], g, 0)
        g = g.astype(z.dtype, copy=False)
    return v, g


def cross_entropy(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    weight: npt.ArrayLike | None = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
) -> Reduced:
    r"""Softmax cross-entropy between targets and logits.

    With integer labels :math:`y` and per-class weights :math:`w`,

    .. math::

        \ell(y, z) = -(1-\varepsilon)\, w_y \log \operatorname{softmax}(z)_y
                     - \frac{\varepsilon}{C} \sum_{c=1}^{C} w_c \log \operatorname{softmax}(z)_c

    and with class probabilities :math:`q`,
    :math:`\ell(q, z) = -\sum_c w_c\, q'_c \log \operatorname{softmax}(z)_c` where
    :math:`q' = (1-\varepsilon)\,q + \varepsilon/C`. The log-softmax is computed as
    :math:`z_c - \operatorname{logsumexp}(z)`, which cannot overflow.

    Parameters
    ----------
    y_true : array_like of int, shape ``(...)``, or of float, shape ``(..., C)``
        Integer class labels in ``[0, C)``, or class probabilities.
    y_pred : array_like, shape ``(..., C)``
        Finite logits, with the classes on the **last** axis (±inf is refused; to mask a
        class, give it a large negative finite logit).
    weight : array_like, shape ``(C,)``, optional
        Per-class weights, finite and ``>= 0`` (negative or infinite weights are refused:
        they can make the weighted mean 0/0 or inf/inf).
    ignore_index : int
        Labels equal to it contribute nothing, to the value or to the mean's
        denominator. Only used with integer labels.
    label_smoothing : float in [0, 1]
        Mixes the target with the uniform distribution (Szegedy et al. 2016).
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per example (shape ``(...)``). ``"mean"``
        divides by the sum of the weights of the non-ignored labels (integer
        labels) or by the number of examples (probabilities), as PyTorch does;
        if every label is ignored the mean is NaN (and its gradient 0), as in PyTorch.

    Returns
    -------
    float or ndarray

    Notes
    -----
    Matches ``torch.nn.functional.cross_entropy`` in every option, with one
    difference of layout: PyTorch puts the classes on axis 1, losslib on the
    last axis (as Keras and optax do). For ``(N, C)`` logits the two agree.

    References
    ----------
    .. [1] Good, I. J. (1952). Rational decisions. *JRSS B* 14(1), 107-114. (good1952rational)
    .. [2] Szegedy, C. et al. (2016). Rethinking the Inception architecture for
       computer vision. *CVPR*. (szegedy2016rethinking)

    Examples
    --------
    >>> round(float(cross_entropy([0, 2], [[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]])), 6)
    0.284519
    >>> float(cross_entropy([1], [[1000.0, -1000.0]]))
    2000.0
    """
    return cast(
        Reduced,
        _cross_entropy(
            y_true,
            y_pred,
            weight=weight,
            ignore_index=ignore_index,
            label_smoothing=label_smoothing,
            reduction=reduction,
            grad=False,
        )[0],
    )


def cross_entropy_grad(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    weight: npt.ArrayLike | None = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
) -> FloatArray:
    r"""Gradient of :func:`cross_entropy` with respect to the logits.

    For each example, with effective target weights :math:`t` (the coefficients
    of :math:`-\log\operatorname{softmax}(z)_c` in the loss),

    .. math:: \frac{\partial \ell}{\partial z} = \Big(\sum_c t_c\Big)\, \operatorname{softmax}(z) - t

    which is the familiar :math:`\operatorname{softmax}(z) - \operatorname{onehot}(y)`
    without weights or smoothing.

    Examples
    --------
    >>> cross_entropy_grad([0], [[0.0, 0.0]], reduction="sum")
    array([[-0.5,  0.5]])
    """
    return cast(
        FloatArray,
        _cross_entropy(
            y_true,
            y_pred,
            weight=weight,
            ignore_index=ignore_index,
            label_smoothing=label_smoothing,
            reduction=reduction,
            value=False,
        )[1],
    )


register(
    loss=cross_entropy,
    grad=cross_entropy_grad,
    core=_cross_entropy,
    readable=cross_entropy_readable,
    family="classification",
    prediction="logit",
    target="class",
    distribution="Categorical",
    convex=True,
    differentiable=True,
    robust=None,
    proper=True,
    reference="good1952rational",
    summary="Log loss of softmax logits over C classes.",
)


# --------------------------------------------------------------------------
# Focal loss on logits
# --------------------------------------------------------------------------


def _focal_options(alpha: float, gamma: float) -> tuple[float, float]:
    a = check_scalar(
        alpha,
        "alpha",
        high=1,
        about="the weight of the positive class in [0, 1], or negative to switch the weighting off "
        "(torchvision uses -1)",
    )
    g = check_positive_scalar(gamma, "gamma", allow_zero=True)
    return a, g


def focal_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, alpha: float = 0.25, gamma: float = 2.0, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`focal` and :func:`focal_grad`: the definition, as chapter 3 writes it.

    With :math:`p = \sigma(x)`, :math:`m = 1 - p_t = y\,(1 - p) + (1 - y)\,p`,
    :math:`\alpha_t = \alpha y + (1 - \alpha)(1 - y)` (1 for a negative ``alpha``) and the binary
    cross-entropy :math:`\operatorname{BCE} = -y \log\sigma(x) - (1 - y)\log\sigma(-x)`,

    .. math::

        \ell = \alpha_t\, m^\gamma \operatorname{BCE}, \qquad
        \frac{\partial \ell}{\partial x} = \alpha_t\, m^\gamma \Big[\gamma\,(1 - 2y)\,
        \frac{p(1-p)}{m} \operatorname{BCE} + (p - y)\Big]

    (:math:`\partial m / \partial x = (1 - 2y)\, p(1 - p)`). :math:`1 - p` is written
    :math:`\sigma(-x)`, so :math:`m` keeps its digits where :math:`p` rounds to 1, and the
    cross-entropy goes through :func:`losslib.special.log_sigmoid`, finite for every finite logit.

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path ``_focal``
    is tested against it.
    """
    y, x = np.asarray(y_true), np.asarray(y_pred)
    p, q = sigmoid(x), sigmoid(-x)  # p and 1 - p
    m = y * q + (1 - y) * p  # 1 - p_t
    alpha_t = alpha * y + (1 - alpha) * (1 - y) if alpha >= 0 else 1.0
    bce = -(y * log_sigmoid(x) + (1 - y) * log_sigmoid(-x))
    loss = alpha_t * m**gamma * bce
    grad = alpha_t * m**gamma * (gamma * (1 - 2 * y) * p * q / m * bce + (p - y))
    return reduce_readable(loss, grad, reduction)


def _focal(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    alpha: float = 0.25,
    gamma: float = 2.0,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`focal_readable`: by blocks (:func:`_focal_kernel`), or all in the log domain."""
    a, gam = _focal_options(alpha, gamma)
    steps = _power_steps(gam)
    if steps is not None:
        return _binary_logits_loss(
            _focal_kernel,
            y_true,
            y_pred,
            reduction,
            value,
            grad,
            14,
            alpha=a,
            gamma=gam,
            steps=steps,
            finite=lambda: _focal_general(y_true, y_pred, a, gam, reduction, False, False),
        )
    return _focal_general(y_true, y_pred, a, gam, reduction, value, grad)


def _power_steps(gamma: float) -> tuple[int, bool] | None:
    """How :func:`_focal_kernel` raises to ``gamma``: (integer part, add a square root?), or None."""
    twice = 2 * gamma
    if twice != int(twice) or gamma > 8:
        return None
    return int(gamma), twice % 2 == 1


def _focal_kernel(
    y: FloatArray,
    x: FloatArray,
    v: FloatArray | None,
    g: FloatArray | None,
    count: float,
    tmp: list[FloatArray],
    *,
    alpha: float,
    gamma: float,
    steps: tuple[int, bool],
    finite: Callable[[], object],
) -> None:
    r"""Focal loss on a block, from :func:`_sigmoid_parts` (one exp and one log1p per element).

    :math:`p = \sigma(x)` and :math:`q = \sigma(-x)` without cancellation, :math:`m = 1 - p_t =
    y q + (1 - y) p` (a sum of non-negative terms), :math:`m^\gamma` by products (and a square
    root for half-integer :math:`\gamma`), the cross-entropy as in :func:`_bce_logits_kernel`, and
    the gradient :math:`\alpha_t m^\gamma [\gamma (1 - 2y) (p q / m) \textrm{ce} + (p - y)]`
    with :math:`p q = e/u^2` and :math:`p - y = (1 - y) p - y q`, exact for 0/1 targets
    (``steps`` is :func:`_power_steps` of ``gamma``). A block with soft targets takes
    :func:`_focal_general` (``p - y`` cancels there, and the log-domain formulas round it as
    torchvision does). ``finite()`` raises for an infinite logit; a NaN makes the block NaN, for
    the caller's check.
    """
    e, u, p, q, omy, ce, m, mg, t, w, mask_f = tmp[:11]
    mask = mask_f.view(bool)[: x.size]
    ends = x.min() + x.max()
    np.subtract(1, y, out=omy)
    np.multiply(y, omy, out=t)  # nonzero for a soft target
    if np.isnan(ends) or np.isnan(t.sum()):
        for out in (v, g):
            if out is not None:
                out.fill(np.nan)
        return
    if not np.isfinite(ends):
        finite()  # raises: infinite logits are refused
    if t.any():
        values, grads = _focal_general(y, x, alpha, gamma, "none", v is not None, g is not None)
        if v is not None:
            v[...] = values
        if g is not None and grads is not None:
            np.divide(grads, count, out=g)
        return
    dt = x.dtype.type
    _sigmoid_parts(x, e, u, p, mask)
    _other_factor(e, mask, q)
    np.divide(p, u, out=p)  # sigma(x)
    np.divide(q, u, out=q)  # sigma(-x)
    _kernels.log1p_from(e, u, ce, t)  # ce = log1p(e) + (1 - y) max(x, 0) - y min(x, 0)
    np.maximum(x, 0, out=t)
    np.multiply(t, omy, out=t)
    np.add(ce, t, out=ce)
    np.minimum(x, 0, out=t)
    np.multiply(t, y, out=t)
    np.subtract(ce, t, out=ce)
    np.multiply(omy, p, out=w)  # (1 - y) p
    np.multiply(y, q, out=t)  # y q
    np.add(w, t, out=m)  # 1 - p_t
    whole, root = steps
    if root:
        np.sqrt(m, out=mg)
    else:
        mg.fill(1)
    for _ in range(whole):
        np.multiply(mg, m, out=mg)
    if alpha >= 0:  # alpha_t = alpha y + (1 - alpha)(1 - y), times m^gamma
        np.multiply(y, dt(2 * alpha - 1), out=mask_f)
        np.add(mask_f, dt(1 - alpha), out=mask_f)
        np.multiply(mg, mask_f, out=mg)
    if v is not None:
        np.multiply(mg, ce, out=v)
    if g is not None:
        np.subtract(w, t, out=w)  # p - y = (1 - y) p - y q
        if gamma != 0:
            np.maximum(m, _kernels.finfo(m.dtype).tiny, out=m)
            np.divide(e, u, out=t)
            np.divide(t, u, out=t)  # p q = e / (1 + e)^2
            np.divide(t, m, out=t)  # p q / m <= 1
            np.multiply(t, ce, out=t)
            np.subtract(omy, y, out=ce)  # 1 - 2y
            np.multiply(ce, dt(gamma), out=ce)
            np.multiply(t, ce, out=t)
            np.add(w, t, out=w)
        np.multiply(w, mg, out=g)
        if count != 1:
            np.divide(g, count, out=g)


def _focal_general(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, a: float, gam: float, reduction: str, value: bool, grad: bool
) -> tuple[Reduced | None, FloatArray | None]:
    """Focal loss on whole arrays in the log domain (any gamma); value=grad=False only validates."""
    check_reduction(reduction)
    x = as_float_array(y_pred, "y_pred")
    y = as_float_array(y_true, "y_true", dtype=x.dtype)
    check_same_shape(y, "y_true", x, "y_pred")
    check_in_unit_interval(y, "y_true", "; targets are 0/1 labels or probabilities")
    if not np.all(np.isfinite(x)):
        index = _first_index(~np.isfinite(x))
        raise ValueError(f"y_pred must hold finite logits, but {_where('y_pred', index)} = {x[index].item()!r}")
    option_in_dtype(gam, "gamma", x.dtype, zero_ok=True)
    if not (value or grad):
        return None, None
    dt = x.dtype.type
    ls_pos, ls_neg = log_sigmoid(x), log_sigmoid(-x)  # log p, log(1 - p)
    # log(1 - p_t), 1 - p_t = y (1 - p) + (1 - y) p: a sum of two non-negative terms, in logs
    with np.errstate(divide="ignore"):
        log_m = np.logaddexp(np.log(y) + ls_neg, np.log1p(-y) + ls_pos)
    m_gamma = np.exp(dt(gam) * log_m)  # (1 - p_t)^gamma, exact also where 1 - p_t underflows
    alpha_t = (a * y + (1 - a) * (1 - y)).astype(x.dtype, copy=False) if a >= 0 else None
    ce = -(y * ls_pos + (1 - y) * ls_neg)  # binary cross-entropy with logits
    v: Reduced | None = None
    g: FloatArray | None = None
    if value:
        values = (m_gamma * ce).astype(x.dtype, copy=False)
        v = reduce(values if alpha_t is None else alpha_t * values, reduction)
    if grad:
        # d/dx: m^g [g (1 - 2y) (p (1 - p) / m) ce + (p - y)], with p (1 - p) / m <= 1 in logs
        ratio = np.exp(ls_pos + ls_neg - log_m)
        p_minus_y = (1 - y) * np.exp(ls_pos) - y * np.exp(ls_neg)  # without cancellation
        g = (m_gamma * (dt(gam) * (1 - 2 * y) * ratio * ce + p_minus_y)).astype(x.dtype, copy=False)
        if alpha_t is not None:
            g = alpha_t * g
        g = g * dt(grad_scale(reduction, x.size))
    return v, g


def focal(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, alpha: float = 0.25, gamma: float = 2.0, reduction: str = "mean"
) -> Reduced:
    r"""Focal loss on logits: binary cross-entropy down-weighted where the prediction is already good.

    .. math::

        \ell(y, x) = \alpha_t\, (1 - p_t)^{\gamma}\, \operatorname{BCE}(y, x),
        \qquad p = \sigma(x),\quad p_t = p\, y + (1 - p)(1 - y),\quad
        \alpha_t = \alpha\, y + (1 - \alpha)(1 - y)

    where :math:`\operatorname{BCE}(y, x) = -y \log\sigma(x) - (1-y)\log\sigma(-x)` is
    :func:`binary_cross_entropy_with_logits`. The factor :math:`(1 - p_t)^\gamma` is near 0
    for well-classified examples, so the many easy negatives of dense detection stop
    dominating the sum (Lin et al. 2017). At :math:`\gamma = 0` without weighting it is the
    binary cross-entropy.

    Parameters
    ----------
    y_true : array_like, any shape
        Targets in [0, 1] (0/1 labels, or probabilities as torchvision allows).
    y_pred : array_like, same shape as ``y_true``
        Logits (finite real numbers).
    alpha : float in [0, 1], or negative
        Weight of the positive class (:math:`1 - \alpha` for the negative one); a negative
        ``alpha`` (torchvision uses -1) switches the weighting off, :math:`\alpha_t = 1`.
    gamma : float >= 0
        Focusing parameter.
    reduction : {"mean", "sum", "none"}
        Elementwise: ``"mean"`` averages over all elements.

    Returns
    -------
    float or ndarray

    Notes
    -----
    The same function as ``torchvision.ops.sigmoid_focal_loss(inputs=y_pred, targets=y_true,
    alpha, gamma, reduction)``, in losslib's argument order (targets first) and with losslib's
    default ``reduction="mean"`` (torchvision's default is ``"none"``), computed stably:
    :math:`\log(1 - p_t) = \operatorname{logaddexp}(\log y + \log\sigma(-x), \log(1-y) + \log\sigma(x))`,
    :math:`(1 - p_t)^\gamma = \exp(\gamma \log(1 - p_t))` and the cross-entropy through the
    log-sigmoid. torchvision forms :math:`1 - p_t` by subtracting :math:`\sigma(x)` from 1, which
    loses the digits of the small losses of well-classified examples (relative errors of
    :math:`10^{-11}` at :math:`|x| = 10` and :math:`10^{-7}` at :math:`|x| = 20` in float64,
    :math:`10^{-3}` at :math:`|x| = 10` in float32) and rounds them to 0 from
    :math:`|x| \approx 37` (float64) or 17 (float32); there, for :math:`\gamma < 1`, its
    gradient is NaN. losslib's value and gradient are finite and accurate for every finite
    logit. Like torchvision (and unlike the paper's
    :math:`\alpha`-balanced form for hard labels only), soft targets are allowed. Infinite
    logits are refused. ``alpha > 1`` is refused (it would give negative weights).

    The focal loss is not convex in the logit for :math:`\gamma > 0`, and not a proper
    scoring rule: the expected loss is not minimised by the true probability. Without
    weighting it is underconfident (at :math:`\gamma = 2` a true probability of 0.9 is best
    predicted as 0.69); with the default :math:`\alpha = 0.25` a true probability of 0.7 is best
    predicted as 0.48, on the wrong side of 1/2.

    References
    ----------
    .. [1] Lin, T.-Y., Goyal, P., Girshick, R., He, K. and Dollár, P. (2017). Focal loss for
       dense object detection. *ICCV*, 2980-2988. (lin2017focal)

    Examples
    --------
    >>> # y = 1, x = 0: p_t = 1/2, so 0.25 * (1/2)^2 * log 2
    >>> round(float(focal([1.0], [0.0])), 10)
    0.0433216988
    >>> float(focal([1.0], [-1e4], reduction="sum"))  # a confident mistake: alpha * |x|
    2500.0
    """
    return cast(Reduced, _focal(y_true, y_pred, alpha=alpha, gamma=gamma, reduction=reduction, grad=False)[0])


def focal_grad(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, alpha: float = 0.25, gamma: float = 2.0, reduction: str = "mean"
) -> FloatArray:
    r"""Gradient of :func:`focal` with respect to the logits.

    With :math:`m = 1 - p_t` and :math:`\operatorname{BCE}` as in :func:`focal`,

    .. math::

        \frac{\partial \ell}{\partial x} = \alpha_t\, m^{\gamma}
        \Big[\gamma\,(1 - 2y)\,\frac{p(1-p)}{m}\,\operatorname{BCE}(y, x) + (p - y)\Big]

    where :math:`p(1-p)/m \le 1` (it is :math:`p` for :math:`y = 1`) is computed in logs.

    Examples
    --------
    >>> # y = 1, x = 0: 0.25 * (1/4) * [2 * (-1) * (1/2) * log 2 - 1/2]
    >>> round(float(focal_grad([1.0], [0.0])[0]), 10)
    -0.0745716988
    """
    return cast(FloatArray, _focal(y_true, y_pred, alpha=alpha, gamma=gamma, reduction=reduction, value=False)[1])


register(
    loss=focal,
    grad=focal_grad,
    core=_focal,
    readable=focal_readable,
    family="classification",
    prediction="logit",
    target="binary",
    distribution=None,
    convex=False,
    differentiable=True,
    robust=None,
    proper=False,
    reference="lin2017focal",
    summary="Cross-entropy on logits, down-weighted on well-classified examples.",
)


# --------------------------------------------------------------------------
# Categorical cross-entropy and KL divergence on probabilities
# --------------------------------------------------------------------------


def _sum_tolerance(n_classes: int, dtype: np.dtype[Any]) -> float:
    """How far a row of probabilities may sum from 1.

    1e-5, or more for few-digit dtypes and many classes (a float32 softmax of C classes
    sums to 1 within about C ulps). It must exceed the 1e-6 steps of central finite
    differences, which move one probability, and so the row's sum, by 1e-6.
    """
    return max(1e-5, 4 * n_classes * float(np.finfo(dtype).eps))


def _check_rows_sum_to_one(arr: FloatArray, name: str, hint: str) -> None:
    """Refuse rows (last axis) that are not probability distributions, naming the first."""
    sums = arr.sum(axis=-1, dtype=np.float64)
    tol = _sum_tolerance(arr.shape[-1], arr.dtype)
    bad = np.abs(sums - 1.0) > tol
    if np.any(bad):
        index = _first_index(np.asarray(bad))
        row = f"{name}[{', '.join(map(str, index))}, :]" if index else name
        raise ValueError(
            f"{row} sums to {float(np.asarray(sums)[index])!r} over its last axis (the classes), but "
            f"class probabilities must sum to 1 (within {tol:.1g}){hint}"
        )


def _distribution_inputs(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, reduction: str, loss: str
) -> tuple[FloatArray, FloatArray]:
    """Validate a call of a loss between two distributions over the last axis: ``(y, p)``."""
    check_reduction(reduction)
    p = as_float_array(y_pred, "y_pred")
    if p.ndim == 0:
        raise ValueError(
            "y_pred must have a class axis (the last one) holding one probability per class; got a "
            "scalar. For the probability of a single binary event use binary_cross_entropy"
        )
    target = as_any_array(y_true, "y_true")
    if target.dtype.kind in "iu" and target.shape == p.shape[:-1] and target.size > 0:
        raise ValueError(
            f"y_true holds integer class labels of shape {target.shape}, but {loss} compares two "
            f"distributions and needs class probabilities of y_pred's shape {p.shape}: pass the one-hot "
            f"rows np.eye({p.shape[-1]})[y_true], or use cross_entropy, which takes labels and logits"
        )
    y = as_float_array(target, "y_true", dtype=p.dtype)
    check_same_shape(y, "y_true", p, "y_pred")
    logits_hint = (
        "; if these are logits (any real numbers), use cross_entropy, which takes logits and is "
        "more accurate, or turn them into probabilities with losslib.softmax"
    )
    check_in_unit_interval(p, "y_pred", logits_hint)
    check_in_unit_interval(y, "y_true", "; targets are class probabilities or one-hot rows")
    _check_rows_sum_to_one(
        p,
        "y_pred",
        "; losslib does not renormalise them silently as Keras does: check the class axis (the last one), "
        "or, if the rows are scores or logits, pass the logits to cross_entropy (more accurate) or "
        "normalise them yourself (losslib.softmax of logits)",
    )
    _check_rows_sum_to_one(y, "y_true", "; targets are class probabilities or one-hot rows")
    return y, p


def _distribution_inputs_fast(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, reduction: str
) -> tuple[FloatArray, FloatArray] | None:
    """``(y, p)`` after the checks that cost no pass over the data; None where the full
    :func:`_distribution_inputs` must decide (it raises the error, in the order of its checks).

    The checks of the values (NaN, [0, 1], rows summing to 1) are left to :func:`_rows_min`,
    block by block, in cache.
    """
    try:
        check_reduction(reduction)
        p = as_float_array(y_pred, "y_pred", nan=False)
        target = as_any_array(y_true, "y_true")
        if p.ndim == 0 or target.shape != p.shape or target.dtype.kind not in "biuf":
            return None
        y = as_float_array(target, "y_true", dtype=p.dtype, nan=False)
    except (TypeError, ValueError):
        return None
    return y, p


def _rows_min(arr: FloatArray, tol: float) -> float | None:
    """The smallest entry if every entry is in [0, 1] (no NaN) and every row sums to 1 within
    ``tol`` (the checks of :func:`_distribution_inputs` on a block, as reductions only), else None."""
    sums = arr.sum(axis=-1, dtype=np.float64)
    smallest = arr.min()
    if smallest >= 0 and arr.max() <= 1 and np.all(np.abs(sums - 1.0) <= tol):
        return float(smallest)
    return None


def _distribution_loss(
    kernel: RowsKernel,
    rows: Rows,
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    reduction: str,
    loss: str,
    value: bool,
    grad: bool,
) -> tuple[Reduced | None, FloatArray | None]:
    """Value and/or gradient of a loss between distributions over the last axis, by blocks of rows.

    ``kernel(y, p, v, g, count, tmp, p_min)`` computes a block of rows (``p_min`` is the smallest
    entry of the block of ``p``): the per-row losses into ``v``,
    the gradient divided by ``count`` (the mean's denominator, else 1) into ``g`` (either may be
    None), and returns False if the block needs ``rows(y, p) -> (per-row losses, gradient of their
    sum)``, the straightforward formulas on whole arrays, which then overwrite the block's outputs. The inputs are checked
    block by block; on any doubt the full validation runs (and raises).
    """
    fast = _distribution_inputs_fast(y_true, y_pred, reduction)
    if fast is None:
        y, p = _distribution_inputs(y_true, y_pred, reduction, loss)
        return _distribution_general(rows, y, p, reduction, value, grad)
    y, p = fast
    n_classes = p.shape[-1]
    y2, p2 = y.reshape(-1, n_classes), p.reshape(-1, n_classes)
    n_rows = p2.shape[0]
    tol = _sum_tolerance(n_classes, p.dtype)
    count = divisor(reduction, n_rows)
    size = min(_kernels.block_len(p.dtype, n_classes), n_rows)
    v_all = np.empty(n_rows, p.dtype) if value else None
    g_all = np.empty((n_rows, n_classes), p.dtype) if grad else None

    def task(first: int, stop: int) -> None:
        tmp = [np.empty((size, n_classes), p.dtype) for _ in range(4)]
        for b in range(first, stop):
            sl = slice(b * size, min((b + 1) * size, n_rows))
            yb, pb = y2[sl], p2[sl]
            p_min = _rows_min(pb, tol)
            if p_min is None or _rows_min(yb, tol) is None:
                raise _kernels.Fallback  # the full validation decides (and raises)
            vb = v_all[sl] if v_all is not None else None
            gb = g_all[sl] if g_all is not None else None
            if not kernel(yb, pb, vb, gb, count, [t[: yb.shape[0]] for t in tmp], p_min):
                per, g = rows(yb, pb)
                if vb is not None:
                    vb[...] = per
                if gb is not None:
                    np.divide(g, count, out=gb)

    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        try:
            _kernels.run_chunks(-(-n_rows // size), task, p.size)
        except _kernels.Fallback:
            y, p = _distribution_inputs(y_true, y_pred, reduction, loss)  # raises the error
            return _distribution_general(rows, y, p, reduction, value, grad)
    v: Reduced | None = None
    if v_all is not None:
        if reduction == "none":
            v = v_all.reshape(p.shape[:-1])
            v = v[()] if v.ndim == 0 else v
        else:
            total = _kernels.exact_sum(_partial_sums(v_all, size))
            v = p.dtype.type(total / count)
    return v, (g_all.reshape(p.shape) if g_all is not None else None)


def _distribution_general(
    rows: Rows, y: FloatArray, p: FloatArray, reduction: str, value: bool, grad: bool
) -> tuple[Reduced | None, FloatArray | None]:
    """The loss of :func:`_distribution_loss` on whole arrays, with ``rows`` only."""
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        per_item, g = rows(y, p)
    v = reduce(per_item.astype(p.dtype, copy=False), reduction) if value else None
    if grad:
        g = g * p.dtype.type(grad_scale(reduction, p.size // p.shape[-1]))
    return v, (g if grad else None)


def _cce_rows(y: FloatArray, p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per-row categorical cross-entropy (logs clamped at -100) and the gradient of its sum."""
    log_p = np.log(p)
    # 0 - s, not -s: a perfect prediction gives 0.0, not -0.0
    per_item = 0.0 - (y * np.maximum(log_p, _LOG_CLAMP)).sum(axis=-1)
    # zero where the log is clamped (the value does not depend on p there) or y = 0
    live = (log_p > _LOG_CLAMP) & (y != 0)
    return per_item, np.where(live, -y / p, 0).astype(p.dtype, copy=False)


def _cce_kernel(
    y: FloatArray,
    p: FloatArray,
    v: FloatArray | None,
    g: FloatArray | None,
    count: float,
    tmp: list[FloatArray],
    p_min: float,
) -> bool:
    if not p_min > _P_UNCLAMPED:  # a clamped log (p <= e^-100), or p = 0: _cce_rows
        return False
    log_p = np.log(p, out=tmp[0])
    if v is not None:
        np.subtract(0.0, _kernels.rowdot(y, log_p), out=v)
    if g is not None:
        np.subtract(0.0, y, out=g)  # 0 - y: 0.0, not -0.0, where y = 0
        np.divide(g, p, out=g)
        if count != 1:
            np.divide(g, count, out=g)  # -y / p / N, rounded twice
    return True


def categorical_cross_entropy_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`categorical_cross_entropy` and its gradient: the definition, as chapter 3
    writes it.

    .. math::

        \ell = -\sum_{c=1}^{C} y_c \log p_c, \qquad \frac{\partial \ell}{\partial p_c} = -\frac{y_c}{p_c}

    over the last axis, with each log clamped at :math:`-100` (as :func:`binary_cross_entropy`):
    where it is clamped the term does not depend on :math:`p_c`, and its gradient is 0.

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_categorical_cross_entropy`` is tested against it.
    """
    y, p = np.asarray(y_true), np.asarray(y_pred)
    log_p = np.log(p)
    loss = -np.sum(y * np.maximum(log_p, -100), axis=-1)
    grad = np.where(log_p > -100, -y / p, 0)
    return reduce_readable(loss, grad, reduction)


def _categorical_cross_entropy(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean", value: bool = True, grad: bool = True
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`categorical_cross_entropy_readable` (value and/or gradient by blocks of rows,
    sharing the logs)."""
    return _distribution_loss(
        _cce_kernel, _cce_rows, y_true, y_pred, reduction, "categorical_cross_entropy", value, grad
    )


def categorical_cross_entropy(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> Reduced:
    r"""Cross-entropy between target and predicted class probabilities.

    .. math:: \ell(y, p) = -\sum_{c=1}^{C} y_c \log p_c

    With one-hot targets this is :math:`-\log p_k` for the observed class :math:`k`: the
    negative log-likelihood of a categorical distribution with probabilities :math:`p`
    (the logarithmic score, a strictly proper scoring rule).

    Parameters
    ----------
    y_true : array_like, shape ``(..., C)``
        Target class probabilities or one-hot rows (integers are fine), each row summing to 1.
    y_pred : array_like, shape ``(..., C)``
        Predicted class probabilities, classes on the **last** axis, each row summing to 1
        (within :math:`10^{-5}`, or :math:`4 C` ulps of the dtype if that is more). For logits
        use :func:`cross_entropy`, which is also more accurate (it never forms a probability
        that rounds to 0).
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per example (shape ``(...)``); ``"mean"`` averages over
        the examples, not over the :math:`N C` entries.

    Returns
    -------
    float or ndarray

    Notes
    -----
    Like ``torch.nn.functional.binary_cross_entropy`` (and :func:`binary_cross_entropy`),
    each log is clamped at :math:`-100`: :math:`p_c = 0` with :math:`y_c > 0` costs
    :math:`100\, y_c` nats instead of infinity, and its gradient is 0 there (the clamped
    value does not depend on :math:`p_c`). A class with :math:`y_c = 0` contributes
    nothing, also where :math:`p_c = 0`.

    The gradient, :math:`-y_c / p_c`, treats every probability as a free variable (as
    autograd does for ``-(y * log(p)).sum(-1)``); its component along the simplex is the
    gradient minus its mean over the classes.

    Differences from Keras' ``categorical_crossentropy(from_logits=False)``: Keras divides
    ``y_pred`` by its row sums and clips it to :math:`[10^{-7}, 1 - 10^{-7}]`, silently. losslib
    refuses a row of ``y_pred`` or ``y_true`` whose sum is off from 1 by more than
    :math:`10^{-5}` (a sign of logits, unnormalised scores or the wrong class axis) and
    clamps only the log. PyTorch has no loss on probabilities over classes; this is
    ``-(y * log(p).clamp(min=-100)).sum(-1)``. Integer class labels are refused with a hint:
    pass one-hot rows, or logits and labels to :func:`cross_entropy`.

    References
    ----------
    .. [1] Good, I. J. (1952). Rational decisions. *JRSS B* 14(1), 107-114. (good1952rational)

    Examples
    --------
    >>> y = [[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]
    >>> p = [[0.5, 0.25, 0.25], [0.25, 0.25, 0.5]]
    >>> categorical_cross_entropy(y, p, reduction="none")  # log 2, (log 4 + log 2) / 2
    array([0.69314718, 1.03972077])
    """
    return cast(Reduced, _categorical_cross_entropy(y_true, y_pred, reduction=reduction, grad=False)[0])


def categorical_cross_entropy_grad(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean"
) -> FloatArray:
    r"""Gradient of :func:`categorical_cross_entropy` with respect to the probabilities ``y_pred``.

    .. math:: \frac{\partial \ell}{\partial p_c} = -\frac{y_c}{p_c}

    and 0 where :math:`y_c = 0` or the log is clamped (:math:`\log p_c < -100`).

    Examples
    --------
    >>> categorical_cross_entropy_grad([[0.0, 1.0]], [[0.75, 0.25]], reduction="sum")
    array([[ 0., -4.]])
    """
    return cast(FloatArray, _categorical_cross_entropy(y_true, y_pred, reduction=reduction, value=False)[1])


def _distribution_sampler(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Target and predicted distributions over 4 classes, predictions at least 0.025 from 0."""
    y_true = rng.dirichlet(np.ones(4), size=n)
    y_pred = 0.9 * rng.dirichlet(np.ones(4), size=n) + 0.1 / 4
    return {"y_true": y_true, "y_pred": y_pred / y_pred.sum(axis=-1, keepdims=True)}


register(
    loss=categorical_cross_entropy,
    grad=categorical_cross_entropy_grad,
    core=_categorical_cross_entropy,
    readable=categorical_cross_entropy_readable,
    family="classification",
    prediction="probability",
    target="distribution",
    distribution="Categorical",
    convex=True,
    differentiable=True,
    robust=None,
    proper=True,
    reference="good1952rational",
    summary="Log loss of predicted class probabilities (log clamped at -100).",
    sampler=_distribution_sampler,
)


def _log_ratio(y: FloatArray, p: FloatArray) -> FloatArray:
    """``log(y / p)`` for ``y > 0``, keeping the digits of a log near 0.

    Where ``p / 2 <= y <= 2 p`` it is ``log1p((y - p) / p)``: the difference is exact there
    (Sterbenz), so a ratio close to 1 keeps every digit (``log(y / p)`` would lose those of
    ``1 + delta`` when ``y / p`` is rounded). Elsewhere ``log(y / p)``, and ``log y - log p``
    where ``y / p`` overflows or underflows (``p = 0`` gives ``+inf``).
    """
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        ratio = y / p
        near = (ratio >= 0.5) & (ratio <= 2)
        normal = (ratio >= np.finfo(p.dtype).tiny) & (ratio <= np.finfo(p.dtype).max)
        safe_p = np.where(near, p, 1)
        return np.where(
            near,
            np.log1p((np.where(near, y, 1) - safe_p) / safe_p),
            np.where(normal, np.log(np.where(normal, ratio, 1)), np.log(y) - np.log(p)),
        )


def kl_divergence_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`kl_divergence` and :func:`kl_divergence_grad`: the definition, as chapter 1
    writes it.

    .. math::

        \operatorname{KL}(y \,\|\, p) = \sum_{c=1}^{C} y_c \log\frac{y_c}{p_c}, \qquad
        \frac{\partial \operatorname{KL}}{\partial p_c} = -\frac{y_c}{p_c}

    over the last axis, with :math:`0 \log(0 / p) = 0` (also for :math:`p = 0`) and a gradient of 0
    there.

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_kl_divergence`` is tested against it.
    """
    y, p = np.asarray(y_true), np.asarray(y_pred)
    present = y > 0
    loss = np.sum(y * np.log(np.where(present, y / p, 1)), axis=-1)
    grad = np.where(present, -y / p, 0)
    return reduce_readable(loss, grad, reduction)


def _kl_divergence(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean", value: bool = True, grad: bool = True
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`kl_divergence_readable` (value and/or gradient by blocks of rows, with the
    logs of ratios near 1 to full precision: see :func:`_kl_kernel`)."""
    if isinstance(reduction, str) and reduction == "batchmean":
        raise ValueError(
            "reduction must be 'mean', 'sum' or 'none', got 'batchmean' (PyTorch's name): losslib's "
            "'mean' already averages over the examples, as PyTorch's 'batchmean' does"
        )
    return _distribution_loss(_kl_kernel, _kl_rows, y_true, y_pred, reduction, "kl_divergence", value, grad)


def _kl_rows(y: FloatArray, p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per-row KL divergence and the gradient of its sum, on whole arrays (any p, also 0)."""
    present = y > 0
    y_safe = np.where(present, y, 1)  # keeps 0 * log(0 / 0) = NaN out of the discarded branch
    terms = np.where(present, y_safe * _log_ratio(y_safe, p), 0)  # 0 log(0 / p) = 0, also for p = 0
    return terms.sum(axis=-1), np.where(present, -y_safe / p, 0).astype(p.dtype, copy=False)


def _kl_kernel(
    y: FloatArray,
    p: FloatArray,
    v: FloatArray | None,
    g: FloatArray | None,
    count: float,
    tmp: list[FloatArray],
    p_min: float,
) -> bool:
    r"""A block of KL divergences, with :math:`\log(y/p)` to full relative precision.

    :math:`q = y/p` is rounded, :math:`q = (y/p)(1 + \epsilon)`, so :math:`\log q` is off by
    :math:`\epsilon`, which is all of the log's digits where :math:`y pprox p`. With
    :math:`d = (y - p)/p` (exact difference there, one rounding), :math:`(d - (q - 1))/q pprox
    -\epsilon` corrects it: :math:`\log(y/p) = \log q + (d - (q - 1))/q` to a few ulps, the
    precision of :func:`_log_ratio` in one log and no selection. :math:`q` is clamped at the
    smallest normal number: where :math:`y = 0` any finite log gives the term :math:`0`, and a
    positive :math:`y/p` below it (a subnormal :math:`y`) changes a term by less than
    :math:`10^{-305}`, far below the rounding of the row's sum. ``p = 0`` goes to :func:`_kl_rows`.
    """
    u, log_u, d, t = tmp
    if not p_min > _RATIO_FINITE:  # p = 0 (infinite or NaN ratios) or so small that y / p may overflow
        return False
    q = np.divide(y, p, out=g if g is not None else t)
    if v is not None:
        np.maximum(q, _kernels.finfo(q.dtype).tiny, out=u)
    if g is not None:
        np.subtract(0.0, g, out=g)  # 0 - y / p: 0.0, not -0.0, where y = 0
        if count != 1:
            np.divide(g, count, out=g)
    if v is not None:
        np.log(u, out=log_u)
        np.subtract(y, p, out=d)
        np.divide(d, p, out=d)
        np.subtract(u, 1, out=t)
        np.subtract(d, t, out=d)
        np.divide(d, u, out=d)
        np.add(log_u, d, out=log_u)
        v[...] = _kernels.rowdot(y, log_u)
    return True


def kl_divergence(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> Reduced:
    r"""Kullback-Leibler divergence of the predicted from the target distribution, KL(y_true || y_pred).

    .. math::

        \operatorname{KL}(y \,\|\, p) = \sum_{c=1}^{C} y_c \log\frac{y_c}{p_c}
        = \underbrace{-\sum_c y_c \log p_c}_{\text{cross-entropy}}
          - \underbrace{\Big(-\sum_c y_c \log y_c\Big)}_{\text{entropy of } y}

    over the last axis, with :math:`0 \log(0/p) = 0`. It is at least 0, with equality only
    for :math:`p = y`, and it differs from :func:`categorical_cross_entropy` by the entropy
    of the target, which does not depend on the prediction: the two have the same gradient.

    Parameters
    ----------
    y_true : array_like, shape ``(..., C)``
        The target distribution :math:`y` (class probabilities, each row summing to 1).
    y_pred : array_like, shape ``(..., C)``
        The predicted distribution :math:`p`, classes on the last axis, rows summing to 1
        (within :math:`10^{-5}`, or :math:`4 C` ulps of the dtype if that is more).
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one divergence per example (shape ``(...)``); ``"mean"`` averages
        over the examples: PyTorch's ``reduction="batchmean"``.

    Returns
    -------
    float or ndarray

    Notes
    -----
    **Argument order.** ``torch.nn.functional.kl_div(input, target)`` takes the *log* of the
    prediction first: ``kl_divergence(y, p)`` is ``kl_div(log(p), y, reduction="batchmean")``
    (for ``"none"``, ``kl_div(..., reduction="none").sum(-1)``). PyTorch's ``"mean"`` divides by
    the number of entries :math:`N C` rather than by :math:`N` (a frequent mistake);
    losslib's ``"mean"`` is the ``"batchmean"`` that equals the mathematical KL divergence.
    Keras' ``kl_divergence(y_true, y_pred)`` has losslib's order but clips both arguments to
    :math:`[10^{-7}, 1]`; scipy's ``rel_entr(y, p).sum(-1)`` is the same number.

    **Zeros.** A class with :math:`y_c = 0` contributes 0, also where :math:`p_c = 0` (PyTorch
    gives NaN there, from :math:`0 \cdot \log 0`). :math:`p_c = 0 < y_c` gives
    :math:`+\infty`, the true value (unlike :func:`categorical_cross_entropy`, which clamps
    the log at -100), and the gradient :math:`-\infty` there, as in PyTorch.

    **Accuracy.** Each term is computed as :math:`y_c \log(y_c / p_c)`, with the log of the
    rounded ratio :math:`q_c` corrected by :math:`(d_c - (q_c - 1))/q_c`, where
    :math:`d_c = (y_c - p_c)/p_c` (an exact difference where :math:`p_c/2 \le y_c \le 2p_c`),
    which restores the digits that rounding the ratio took from a log near 0, and not as a
    difference of two logs: a divergence between close
    distributions keeps its digits (relative error about :math:`10^{-16}/\delta` for
    :math:`y = p(1 + O(\delta))`, where PyTorch's ``xlogy(y, y) - y * log(p)`` has
    :math:`10^{-16}/\delta^2`), and ``kl_divergence(y, y)`` is exactly 0. The gradient treats
    every probability as a free variable.

    References
    ----------
    .. [1] Kullback, S. and Leibler, R. A. (1951). On information and sufficiency.
       *Annals of Mathematical Statistics* 22(1), 79-86. (kullback1951information)

    Examples
    --------
    >>> round(float(kl_divergence([[0.5, 0.5]], [[0.25, 0.75]])), 12)  # (log 2 + log(2/3)) / 2 = log(4/3) / 2
    0.143841036226
    >>> float(kl_divergence([[1.0, 0.0]], [[0.5, 0.5]]))  # 0 log 0 = 0
    0.6931471805599453
    """
    return cast(Reduced, _kl_divergence(y_true, y_pred, reduction=reduction, grad=False)[0])


def kl_divergence_grad(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> FloatArray:
    r"""Gradient of :func:`kl_divergence` with respect to the predicted distribution ``y_pred``.

    .. math:: \frac{\partial \operatorname{KL}}{\partial p_c} = -\frac{y_c}{p_c}

    (0 where :math:`y_c = 0`), the same as that of :func:`categorical_cross_entropy` away
    from its clamp: the entropy of the target does not depend on the prediction.

    Examples
    --------
    >>> kl_divergence_grad([[0.5, 0.5], [1.0, 0.0]], [[0.25, 0.75], [0.5, 0.5]])
    array([[-1.        , -0.33333333],
           [-1.        ,  0.        ]])
    """
    return cast(FloatArray, _kl_divergence(y_true, y_pred, reduction=reduction, value=False)[1])


register(
    loss=kl_divergence,
    grad=kl_divergence_grad,
    core=_kl_divergence,
    readable=kl_divergence_readable,
    family="classification",
    prediction="probability",
    target="distribution",
    distribution=None,
    convex=True,
    differentiable=True,
    robust=None,
    proper=True,
    reference="kullback1951information",
    summary="KL divergence of y_pred from y_true: cross-entropy minus the target's entropy.",
    sampler=_distribution_sampler,
)
