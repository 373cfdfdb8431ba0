r"""Classification losses: negative log-likelihoods of Bernoulli and categorical models.

Losses on probabilities and losses on logits are separate functions, so a
gradient is always with respect to the argument you passed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._info import LossInfo
from ._reduction import grad_scale, reduce
from ._validation import (
    _first_index,
    _where,
    as_float_array,
    as_weight,
    check_in_unit_interval,
    check_not_empty,
    check_reduction,
    check_same_shape,
)
from .special import log_softmax

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "cross_entropy",
    "cross_entropy_grad",
]

# PyTorch clamps log-probabilities at -100 in binary_cross_entropy so that a
# confident mistake costs 100 nats instead of infinity. We do the same.
_LOG_CLAMP = -100.0


# --------------------------------------------------------------------------
# Binary cross-entropy on probabilities
# --------------------------------------------------------------------------

def _bce_inputs(y_true: Any, y_pred: Any, weight: Any, reduction: str):
    check_reduction(reduction)
    y_pred = as_float_array(y_pred, "y_pred")
    y_true = as_float_array(y_true, "y_true", dtype=y_pred.dtype)
    check_same_shape(y_true, "y_true", y_pred, "y_pred")
    check_in_unit_interval(
        y_pred, "y_pred",
        "; if these are logits (any real number), use binary_cross_entropy_with_logits",
    )
    check_in_unit_interval(y_true, "y_true", "; targets are 0/1 labels or probabilities")
    w = None if weight is None else as_weight(weight, "weight", y_pred.shape, y_pred.dtype)
    return y_true, y_pred, w


def _binary_cross_entropy(
    y_true: Any, y_pred: Any, *, weight: Any = None, reduction: str = "mean", value: bool = True, grad: bool = True
):
    """Value and/or gradient of :func:`binary_cross_entropy`, sharing the logs."""
    y, p, w = _bce_inputs(y_true, y_pred, weight, reduction)
    with np.errstate(divide="ignore"):
        log_p, log_q = np.log(p), np.log1p(-p)
    v = g = None
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


def binary_cross_entropy(y_true: Any, y_pred: Any, *, weight: Any = None, reduction: str = "mean"):
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
        Per-element weights, broadcastable to ``y_pred``'s shape.
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
    return _binary_cross_entropy(y_true, y_pred, weight=weight, reduction=reduction, grad=False)[0]


def binary_cross_entropy_grad(
    y_true: Any, y_pred: Any, *, weight: Any = None, reduction: str = "mean"
) -> np.ndarray:
    r"""Gradient of :func:`binary_cross_entropy` with respect to the probabilities ``y_pred``.

    .. math:: \frac{\partial \ell}{\partial p} = w\left(\frac{1-y}{1-p} - \frac{y}{p}\right)

    Each term is zero where its log is clamped (there the value does not depend on :math:`p`).

    Examples
    --------
    >>> binary_cross_entropy_grad([1.0, 0.0], [0.5, 0.5], reduction="sum")
    array([-2.,  2.])
    """
    return _binary_cross_entropy(y_true, y_pred, weight=weight, reduction=reduction, value=False)[1]


# --------------------------------------------------------------------------
# Binary cross-entropy on logits
# --------------------------------------------------------------------------

def _bce_logits_inputs(y_true: Any, y_pred: Any, weight: Any, pos_weight: Any, reduction: str):
    check_reduction(reduction)
    x = as_float_array(y_pred, "y_pred")
    y = as_float_array(y_true, "y_true", dtype=x.dtype)
    check_same_shape(y, "y_true", x, "y_pred")
    check_in_unit_interval(y, "y_true", "; targets are 0/1 labels or probabilities")
    w = None if weight is None else as_weight(weight, "weight", x.shape, x.dtype)
    pw = None if pos_weight is None else as_weight(pos_weight, "pos_weight", x.shape, x.dtype)
    return y, x, w, pw


def _binary_cross_entropy_with_logits(
    y_true: Any, y_pred: Any, *, weight: Any = None, pos_weight: Any = None, reduction: str = "mean",
    value: bool = True, grad: bool = True,
):
    """Value and/or gradient of :func:`binary_cross_entropy_with_logits`, sharing exp(-|x|)."""
    y, x, w, pw = _bce_logits_inputs(y_true, y_pred, weight, pos_weight, reduction)
    e = np.exp(-np.abs(x))
    pos = y if pw is None else pw * y
    v = g = None
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


def binary_cross_entropy_with_logits(
    y_true: Any, y_pred: Any, *, weight: Any = None, pos_weight: Any = None, reduction: str = "mean"
):
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
        Logits (any real numbers).
    weight : array_like, optional
        Per-element weights, broadcastable to ``y_pred``'s shape.
    pos_weight : array_like, optional
        Weight :math:`p_w` of the positive term, broadcastable to ``y_pred``'s
        shape (a vector with one entry per class broadcasts along the last axis).
        ``pos_weight = n_negative / n_positive`` balances a rare positive class.
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
    return _binary_cross_entropy_with_logits(
        y_true, y_pred, weight=weight, pos_weight=pos_weight, reduction=reduction, grad=False
    )[0]


def binary_cross_entropy_with_logits_grad(
    y_true: Any, y_pred: Any, *, weight: Any = None, pos_weight: Any = None, reduction: str = "mean"
) -> np.ndarray:
    r"""Gradient of :func:`binary_cross_entropy_with_logits` with respect to the logits.

    .. math:: \frac{\partial \ell}{\partial x} = w\,\big[(1 - y)\,\sigma(x) - p_w\, y\,\sigma(-x)\big]

    which is :math:`w(\sigma(x) - y)` without ``pos_weight``.

    Examples
    --------
    >>> binary_cross_entropy_with_logits_grad([1.0, 0.0], [0.0, 0.0], reduction="sum")
    array([-0.5,  0.5])
    """
    return _binary_cross_entropy_with_logits(
        y_true, y_pred, weight=weight, pos_weight=pos_weight, reduction=reduction, value=False
    )[1]


# --------------------------------------------------------------------------
# Softmax cross-entropy
# --------------------------------------------------------------------------

def _cross_entropy_inputs(
    y_true: Any, y_pred: Any, weight: Any, ignore_index: Any, label_smoothing: Any, reduction: str
):
    """Validate a cross-entropy call.

    Returns ``(z, labels, probs, w, eps)`` where exactly one of ``labels``
    (integers, shape ``z.shape[:-1]``) and ``probs`` (shape ``z.shape``) is set.
    """
    check_reduction(reduction)
    z = as_float_array(y_pred, "y_pred")
    if z.ndim == 0:
        raise ValueError(
            "y_pred must have a class axis (the last one) holding one logit per class; "
            "got a scalar. For a single binary logit use binary_cross_entropy_with_logits"
        )
    n_classes = z.shape[-1]
    if isinstance(label_smoothing, bool) or not np.isscalar(label_smoothing) or not np.isreal(label_smoothing):
        raise TypeError(f"label_smoothing must be a float in [0, 1], got {label_smoothing!r}")
    eps = float(label_smoothing)  # type: ignore[arg-type]
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing!r}")
    w = None
    if weight is not None:
        w = as_float_array(weight, "weight", dtype=z.dtype)
        if w.shape != (n_classes,):
            raise ValueError(
                f"weight has shape {w.shape} but y_pred has {n_classes} classes on its last "
                f"axis; weight needs one entry per class, shape ({n_classes},)"
            )

    target = np.asarray(y_true)
    check_not_empty(target, "y_true")
    labels = probs = None
    if target.dtype.kind in "iu":
        if target.shape != z.shape[:-1]:
            hint = ""
            if target.shape == z.shape:
                hint = (" (it has y_pred's shape: if its rows are one-hot, pass "
                        "y_true.argmax(-1) as labels or y_true.astype(float) as probabilities)")
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
        raise TypeError(
            f"y_true must hold integer class labels or float class probabilities, got dtype {target.dtype}"
        )
    return z, labels, probs, w, eps


def _ce_forward(z, labels, probs, w, eps, ignore_index):
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
    else:
        q = probs if eps == 0 else (1 - eps) * probs + eps / n_classes
        coef = q if w is None else q * w
        count = logp.size // n_classes
    coef = coef.astype(z.dtype, copy=False)
    # 0 - s, not -s: a perfect prediction gives 0.0, not -0.0
    per_item = 0.0 - (coef * logp).sum(axis=-1)
    return logp, per_item, count, coef


def _cross_entropy(
    y_true: Any, y_pred: Any, *, weight: Any = None, ignore_index: int = -100, label_smoothing: float = 0.0,
    reduction: str = "mean", value: bool = True, grad: bool = True,
):
    """Value and/or gradient of :func:`cross_entropy`, sharing the log-softmax."""
    z, labels, probs, w, eps = _cross_entropy_inputs(
        y_true, y_pred, weight, ignore_index, label_smoothing, reduction
    )
    logp, per_item, count, coef = _ce_forward(z, labels, probs, w, eps, ignore_index)
    v = g = None
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
    y_true: Any,
    y_pred: Any,
    *,
    weight: Any = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
):
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
        Logits, with the classes on the **last** axis.
    weight : array_like, shape ``(C,)``, optional
        Per-class weights.
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
    return _cross_entropy(
        y_true, y_pred, weight=weight, ignore_index=ignore_index, label_smoothing=label_smoothing,
        reduction=reduction, grad=False,
    )[0]


def cross_entropy_grad(
    y_true: Any,
    y_pred: Any,
    *,
    weight: Any = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
) -> np.ndarray:
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
    return _cross_entropy(
        y_true, y_pred, weight=weight, ignore_index=ignore_index, label_smoothing=label_smoothing,
        reduction=reduction, value=False,
    )[1]


ENTRIES = [
    LossInfo("binary_cross_entropy", binary_cross_entropy, binary_cross_entropy_grad, _binary_cross_entropy,
             "classification", "probability", "binary", "Bernoulli",
             convex=True, differentiable=True, robust=None, proper=True,
             reference="cox1958regression",
             summary="Log loss of a predicted probability."),
    LossInfo("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits,
             binary_cross_entropy_with_logits_grad, _binary_cross_entropy_with_logits,
             "classification", "logit", "binary", "Bernoulli",
             convex=True, differentiable=True, robust=None, proper=True,
             reference="cox1958regression",
             summary="Log loss of a logit, via the stable log-sigmoid."),
    LossInfo("cross_entropy", cross_entropy, cross_entropy_grad, _cross_entropy,
             "classification", "logit", "class", "Categorical",
             convex=True, differentiable=True, robust=None, proper=True,
             reference="good1952rational",
             summary="Log loss of softmax logits over C classes."),
]
