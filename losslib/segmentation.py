r"""Segmentation losses on soft masks: soft Dice and soft Jaccard (IoU).

Both compare a predicted soft mask :math:`p \in [0, 1]^d` with a target mask
:math:`y \in [0, 1]^d` through overlap sums taken over **every axis but the first**: the
first axis holds the examples, and each example gets one loss (a 1-D input is one example).
``reduction="mean"`` averages over the examples, ``"sum"`` adds them and ``"none"`` returns
one loss per example (shape ``(N,)``, or ``()`` for a 1-D input).

With the sums :math:`I = \sum_i y_i p_i` (soft intersection), :math:`Y = \sum_i y_i` and
:math:`P = \sum_i p_i`, the two are

.. math:: \mathrm{Dice} = 1 - \frac{2I + s}{Y + P + s}, \qquad
          \mathrm{Jaccard} = 1 - \frac{I + s}{Y + P - I + s},

and, for :math:`s = 0`, :math:`1 - \mathrm{Jaccard} = D / (2 - D)` with
:math:`D = 1 - \mathrm{Dice}` the Dice coefficient.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from . import _kernels
from ._docstrings import shared_doc
from ._info import Equivalents, register
from ._reduction import divisor, grad_scale, reduce, reduce_readable
from ._typing import FloatArray, Reduced
from ._validation import (
    as_float_array,
    check_flag,
    check_in_unit_interval,
    check_positive_scalar,
    check_reduction,
    check_same_shape,
    fast_then_full,
    option_in_dtype,
)
from ._wrappers import gradient

__all__ = ["dice", "dice_grad", "soft_jaccard", "soft_jaccard_grad"]


def _mask_inputs(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, smooth: float, reduction: str
) -> tuple[FloatArray, FloatArray, float, tuple[int, ...], int]:
    """Validate a soft-mask call; return ``(y, p, smooth, axes, n_examples)``."""
    check_reduction(reduction)
    s = check_positive_scalar(smooth, "smooth", allow_zero=True)
    p = as_float_array(y_pred, "y_pred")
    y = as_float_array(y_true, "y_true", dtype=p.dtype)
    check_same_shape(y, "y_true", p, "y_pred")
    if p.ndim == 0:
        raise ValueError(
            "y_pred is a scalar; a mask needs at least one axis: pass shape (d,) for one example "
            "or (N, ...) for N examples"
        )
    option_in_dtype(s, "smooth", p.dtype, zero_ok=True)
    check_in_unit_interval(p, "y_pred", "; pass probabilities (apply a sigmoid or softmax to logits first)")
    check_in_unit_interval(y, "y_true", "; targets are 0/1 masks or soft masks in [0, 1]")
    axes = tuple(range(1, p.ndim)) if p.ndim > 1 else (0,)
    n = p.shape[0] if p.ndim > 1 else 1
    return y, p, s, axes, n


def _check_defined(denominator: FloatArray, name: str) -> None:
    """With smooth = 0 an example whose masks are both empty has the undefined ratio 0/0."""
    empty = denominator == 0
    if np.any(empty):
        index = int(np.argmax(np.reshape(empty, -1)))
        raise ValueError(
            f"{name} is undefined (0/0) for example {index}: y_true and y_pred are both all zeros "
            "there and smooth=0; use smooth > 0 (e.g. the default 1.0) or drop empty examples"
        )


def _per_example(ratio: FloatArray, ndim: int) -> FloatArray:
    """The per-example losses from the keepdims sums: shape (N,), or () for a 1-D input."""
    return np.reshape(ratio, ratio.shape[:1] if ndim > 1 else ())


def dice_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, smooth: float = 1.0, squared: bool = False, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`dice` and :func:`dice_grad`: the definition, as chapter 5 writes it.

    Per example, with the sums over every axis but the first, :math:`a = 2\sum_i y_i p_i + s` and
    :math:`b = \sum_i y_i + \sum_i p_i + s` (squares inside the sums if ``squared``),

    .. math::

        \ell = 1 - \frac{a}{b}, \qquad
        \frac{\partial \ell}{\partial p_j} = \frac{a\, \partial b / \partial p_j - 2 y_j\, b}{b^2},
        \qquad \frac{\partial b}{\partial p_j} = 1 \ (\text{or } 2 p_j)

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_dice`` is tested against it.
    """
    y, p = np.asarray(y_true), np.asarray(y_pred)
    axes = tuple(range(1, p.ndim)) if p.ndim > 1 else None  # a 1-D input is one example
    a = 2 * np.sum(y * p, axis=axes, keepdims=True) + smooth
    b = np.sum(y**2 + p**2 if squared else y + p, axis=axes, keepdims=True) + smooth
    loss = 1 - a / b
    grad = (a * (2 * p if squared else 1) - 2 * y * b) / b**2
    return reduce_readable(loss.reshape(p.shape[:1] if p.ndim > 1 else ()), grad, reduction)


def _dice(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    smooth: float = 1.0,
    squared: bool = False,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`dice_readable`: value and/or gradient by blocks of examples, sharing the
    overlap sums."""
    check_flag(squared, "squared")
    # the checks of _mask_inputs without the scans for NaNs (the sums find them)
    with fast_then_full(lambda: _mask_inputs(y_true, y_pred, smooth, reduction)):
        check_reduction(reduction)
        s = check_positive_scalar(smooth, "smooth", allow_zero=True)
        p = as_float_array(y_pred, "y_pred", nan=False)
        y = as_float_array(y_true, "y_true", dtype=p.dtype, nan=False)
        check_same_shape(y, "y_true", p, "y_pred")
        if p.ndim == 0:
            raise ValueError
        option_in_dtype(s, "smooth", p.dtype, zero_ok=True)
    out = _dice_rows(y, p, s, squared, reduction, value, grad)
    if out is not None:
        return out
    return _dice_general(y_true, y_pred, smooth, squared, reduction, value, grad)


def _dice_rows(
    y: FloatArray, p: FloatArray, s: float, squared: bool, reduction: str, value: bool, grad: bool
) -> tuple[Reduced | None, FloatArray | None] | None:
    r"""Dice by blocks of examples, from row sums and BLAS row dots; None (for the general path,
    which raises the error) for NaNs, values outside [0, 1] or a 0/0 ratio.

    With :math:`D = \sum_i y_i(1 - p_i) + p_i(1 - y_i)` (or :math:`\sum_i (p_i - y_i)^2`), sums of
    non-negative terms, and :math:`S = \sum_i y_i + p_i + s` (or with squares), the loss
    :math:`D/S` and its gradient :math:`D'/S - D S'/S^2`, as in :func:`_dice_general`.
    """
    n = p.shape[0] if p.ndim > 1 else 1
    y2, p2 = y.reshape(n, -1), p.reshape(n, -1)
    dt = p.dtype.type
    count = divisor(reduction, n)
    size = min(_kernels.block_len(p.dtype, p2.shape[1]), n)
    per = np.empty(n, p.dtype)
    g_all = np.empty(p2.shape, p.dtype) if grad else None

    def task(first: int, stop: int) -> None:
        a, b = np.empty((size, p2.shape[1]), p.dtype), np.empty((size, p2.shape[1]), p.dtype)
        for k in range(first, stop):
            sl = slice(k * size, min((k + 1) * size, n))
            yb, pb = y2[sl], p2[sl]
            if not (pb.min() >= 0 and pb.max() <= 1 and yb.min() >= 0 and yb.max() <= 1):
                raise _kernels.Fallback
            ta, tb = a[: yb.shape[0]], b[: yb.shape[0]]
            if squared:
                np.subtract(pb, yb, out=ta)  # p - y
                diff = _kernels.rowdot(ta, ta)
                den = _kernels.rowdot(yb, yb) + _kernels.rowdot(pb, pb) + dt(s)
            else:
                np.subtract(1, pb, out=ta)
                np.subtract(1, yb, out=tb)
                diff = _kernels.rowdot(yb, ta) + _kernels.rowdot(pb, tb)  # y (1 - p) + p (1 - y) >= 0
                den = diff + 2 * _kernels.rowdot(yb, pb) + dt(s)  # sum(y + p) + s, as a sum of terms >= 0
            if not np.all(den > 0) or np.isnan(diff).any():
                raise _kernels.Fallback  # NaN or 0/0: the general path raises
            per[sl] = diff / den
            if g_all is not None:
                gb = g_all[sl]
                inv = 1 / (den * dt(count))
                if squared:  # (2 (p - y) S - 2 p D) / S^2
                    np.multiply(ta, (2 * inv)[:, None], out=gb)
                    np.multiply(pb, (2 * inv * (diff / den))[:, None], out=tb)
                    np.subtract(gb, tb, out=gb)
                else:  # ((1 - 2 y) S - D) / S^2 = -2 y / S + (S - D) / S^2
                    np.multiply(yb, (-2 * inv)[:, None], out=gb)
                    np.add(gb, (inv - inv * (diff / den))[:, None], out=gb)

    try:
        _kernels.run_chunks(-(-n // size), task, p.size)
    except _kernels.Fallback:
        return None
    v = reduce(per if p.ndim > 1 else per.reshape(()), reduction) if value else None
    return v, (g_all.reshape(p.shape) if g_all is not None else None)


def _dice_general(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, smooth: float, squared: bool, reduction: str, value: bool, grad: bool
) -> tuple[Reduced | None, FloatArray | None]:
    """Dice on whole arrays (validates fully: NaNs, a 0/0 ratio)."""
    y, p, s, axes, n = _mask_inputs(y_true, y_pred, smooth, reduction)
    t = p.dtype.type
    # loss = diff / den with diff = den - numerator: a sum of non-negative terms (no cancellation)
    if squared:
        diff = np.sum((p - y) ** 2, axis=axes, keepdims=True)
        den = np.sum(y * y + p * p, axis=axes, keepdims=True) + t(s)
    else:
        diff = np.sum(y * (t(1) - p) + p * (t(1) - y), axis=axes, keepdims=True)
        den = np.sum(y + p, axis=axes, keepdims=True) + t(s)
    _check_defined(den, "the Dice ratio")
    v = g = None
    if value:
        v = reduce(_per_example(diff / den, p.ndim), reduction)
    if grad:
        # d(diff/den)/dp_j = (ddiff_j den - diff dden_j) / den^2
        ddiff, dden = (t(2) * (p - y), t(2) * p) if squared else (t(1) - t(2) * y, t(1))
        g = (ddiff * den - diff * dden) / (den * den) * t(grad_scale(reduction, n))
    return v, g


@shared_doc
def dice(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, smooth: float = 1.0, squared: bool = False, reduction: str = "mean"
) -> Reduced:
    r"""Soft Dice loss: one minus the (smoothed) Dice coefficient of two soft masks.

    .. math:: \ell(y, p) = 1 - \frac{2 \sum_i y_i p_i + s}{\sum_i y_i + \sum_i p_i + s}

    the sums running over every axis but the first (one loss per example). With
    ``squared=True`` the denominator is :math:`\sum_i y_i^2 + \sum_i p_i^2 + s`, the
    variant of V-Net (Milletari et al. 2016); for 0/1 targets only the :math:`p_i^2` differ.

    The loss depends on the overlap of the whole mask, not on each pixel separately, so a
    small foreground is not drowned by the background as with pixelwise cross-entropy.

    Parameters
    ----------
    y_true : array_like, shape ``(N, ...)`` or ``(d,)``
        Target masks in [0, 1] (0/1 labels or soft masks).
    y_pred : array_like, same shape as ``y_true``
        Predicted probabilities in [0, 1] (apply the sigmoid or softmax first).
    smooth : float >= 0
        Added to numerator and denominator. It keeps the loss defined for empty masks
        (both empty: loss 0) and softens the gradient on small ones. With ``smooth=0`` an
        example whose two masks are both all zeros is refused (0/0).
    squared : bool
        Square the terms of the denominator (V-Net's form).
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per example, shape ``(N,)`` (``()`` for a 1-D input);
        ``"mean"`` averages them.

    {returns}

    Notes
    -----
    PyTorch has no Dice loss. Libraries differ in three choices, fixed here as follows:
    the sums run per example (not over the whole batch, as some implementations do, which
    gives one loss per batch), ``smooth`` is added to both numerator and denominator (as
    ``segmentation_models_pytorch`` and MONAI's ``smooth_nr = smooth_dr``), and the
    denominator is linear by default (``squared=False``; MONAI's ``squared_pred=False``).
    For several classes, put them on an axis after the first: the loss then pools all
    classes into one overlap; for one loss per class, call it on each class's slice.

    The loss is not convex in ``y_pred`` (a ratio of two linear functions), and it is not a
    proper scoring rule: the expected loss over 0/1 targets drawn with probabilities
    :math:`q` is not minimised by :math:`p = q`, so Dice-trained probabilities are
    badly calibrated (typically over-confident).

    References
    ----------
    .. [1] Milletari, F., Navab, N. and Ahmadi, S.-A. (2016). V-Net: fully convolutional
       neural networks for volumetric medical image segmentation. *3DV 2016*, 565-571.
       (milletari2016v)

    Examples
    --------
    >>> round(float(dice([[1.0, 1.0, 0.0, 0.0]], [[0.9, 0.6, 0.2, 0.0]])), 6)
    0.148936
    """
    return cast(Reduced, _dice(y_true, y_pred, smooth=smooth, squared=squared, reduction=reduction, grad=False)[0])


dice_grad = gradient(
    dice,
    _dice,
    doc=r"""Gradient of :func:`dice` with respect to ``y_pred``.

    With numerator :math:`a = 2\sum_i y_i p_i + s` and denominator :math:`b`,

    .. math:: \frac{\partial \ell}{\partial p_j} = \frac{a\, \partial b / \partial p_j - 2 y_j b}{b^2},
        \qquad \frac{\partial b}{\partial p_j} = 1 \ (\text{or } 2 p_j \text{ if squared})

    divided by the number of examples for ``"mean"``.

    Examples
    --------
    >>> dice_grad([1.0, 0.0], [1.0, 0.0], smooth=0.0)
    array([-0.5,  0.5])
    """,
)


def _sample_masks(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """``n`` examples of 8-pixel masks: 0/1 targets (none empty) and probabilities in (0.02, 0.98)."""
    y = rng.integers(0, 2, size=(n, 8)).astype(float)
    y[:, 0] = 1.0
    return {"y_true": y, "y_pred": rng.uniform(0.02, 0.98, size=(n, 8))}


register(
    dice,
    family="segmentation",
    prediction="probability",
    target="binary",
    distribution=None,
    convex=False,
    differentiable=True,
    robust=None,
    proper=False,
    reference="milletari2016v",
    summary="One minus the soft Dice overlap of a predicted and a target mask, per example.",
    oracle="closed form",
    sampler=_sample_masks,
    equivalents=Equivalents(
        optax="optax.losses.binary_dice_loss(jnp.log(y_pred) - jnp.log1p(-y_pred), y_true, smooth=smooth / 2).mean()",
        note=(
            "optax takes logits (the log-odds of y_pred) and its coefficient is (2I + 2s)/(P + T + 2s): pass "
            "half of losslib's `smooth`; it has no `squared` denominator. Keras' `Dice` has a fixed 1e-7 in the "
            "denominator only; PyTorch has no Dice loss."
        ),
    ),
)


def soft_jaccard_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, smooth: float = 1.0, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`soft_jaccard` and :func:`soft_jaccard_grad`: the definition, as chapter 5
    writes it.

    Per example, with the sums over every axis but the first, the soft intersection
    :math:`a = \sum_i y_i p_i + s` and union :math:`b = \sum_i (y_i + p_i - y_i p_i) + s`,

    .. math::

        \ell = 1 - \frac{a}{b}, \qquad \frac{\partial \ell}{\partial p_j} = \frac{a\,(1 - y_j) - y_j\, b}{b^2}

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_soft_jaccard`` is tested against it.
    """
    y, p = np.asarray(y_true), np.asarray(y_pred)
    axes = tuple(range(1, p.ndim)) if p.ndim > 1 else None  # a 1-D input is one example
    a = np.sum(y * p, axis=axes, keepdims=True) + smooth
    b = np.sum(y + p - y * p, axis=axes, keepdims=True) + smooth
    loss = 1 - a / b
    grad = (a * (1 - y) - y * b) / b**2
    return reduce_readable(loss.reshape(p.shape[:1] if p.ndim > 1 else ()), grad, reduction)


def _soft_jaccard(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    smooth: float = 1.0,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`soft_jaccard_readable`: value and/or gradient, sharing the overlap sums."""
    y, p, s, axes, n = _mask_inputs(y_true, y_pred, smooth, reduction)
    t = p.dtype.type
    # loss = (union - intersection) / (union + s), both sums of non-negative terms:
    # union - intersection = sum(y (1 - p) + p (1 - y)), union = sum(y + p (1 - y))
    diff = np.sum(y * (t(1) - p) + p * (t(1) - y), axis=axes, keepdims=True)
    den = np.sum(y + p * (t(1) - y), axis=axes, keepdims=True) + t(s)
    _check_defined(den, "the Jaccard ratio")
    v = g = None
    if value:
        v = reduce(_per_example(diff / den, p.ndim), reduction)
    if grad:
        # d(diff/den)/dp_j = ((1 - 2 y_j) den - diff (1 - y_j)) / den^2
        g = ((t(1) - t(2) * y) * den - diff * (t(1) - y)) / (den * den) * t(grad_scale(reduction, n))
    return v, g


@shared_doc
def soft_jaccard(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, smooth: float = 1.0, reduction: str = "mean"
) -> Reduced:
    r"""Soft Jaccard (intersection-over-union) loss of two soft masks.

    .. math:: \ell(y, p) = 1 - \frac{\sum_i y_i p_i + s}{\sum_i (y_i + p_i - y_i p_i) + s}

    the sums running over every axis but the first (one loss per example). For 0/1
    masks the fraction is :math:`|Y \cap P| / |Y \cup P|`; the soft version replaces the
    intersection by :math:`\sum y_i p_i` and the union by :math:`\sum y_i + \sum p_i - \sum y_i p_i`.
    For ``smooth=0`` it is a monotone function of the Dice loss :math:`\ell_D`:
    :math:`\ell_J = 2\ell_D / (1 + \ell_D)`.

    Parameters
    ----------
    y_true : array_like, shape ``(N, ...)`` or ``(d,)``
        Target masks in [0, 1].
    y_pred : array_like, same shape as ``y_true``
        Predicted probabilities in [0, 1].
    smooth : float >= 0
        Added to numerator and denominator, as in :func:`dice`. With ``smooth=0`` an
        example whose two masks are both all zeros is refused (0/0).
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per example; ``"mean"`` averages them.

    {returns}

    Notes
    -----
    PyTorch has no Jaccard loss; ``segmentation_models_pytorch``'s ``JaccardLoss`` and
    MONAI's ``DiceLoss(jaccard=True)`` compute the same fraction, with the sums over the
    batch or per example depending on options (here: per example). Not convex, and not a
    proper scoring rule (see :func:`dice`).

    References
    ----------
    .. [1] Rahman, M. A. and Wang, Y. (2016). Optimizing intersection-over-union in deep
       neural networks for image segmentation. *ISVC 2016*, LNCS 10072, 234-244.
       (rahman2016optimizing)

    Examples
    --------
    >>> round(float(soft_jaccard([1.0, 1.0, 0.0, 0.0], [0.9, 0.6, 0.2, 0.0], smooth=0.0)), 6)
    0.318182
    """
    return cast(Reduced, _soft_jaccard(y_true, y_pred, smooth=smooth, reduction=reduction, grad=False)[0])


soft_jaccard_grad = gradient(
    soft_jaccard,
    _soft_jaccard,
    doc=r"""Gradient of :func:`soft_jaccard` with respect to ``y_pred``.

    With :math:`a = \sum_i y_i p_i + s` and :math:`b = \sum_i (y_i + p_i - y_i p_i) + s`,

    .. math:: \frac{\partial \ell}{\partial p_j} = \frac{a\,(1 - y_j) - y_j\, b}{b^2}

    divided by the number of examples for ``"mean"``.

    Examples
    --------
    >>> soft_jaccard_grad([1.0, 0.0], [1.0, 1.0], smooth=0.0)
    array([-0.5 ,  0.25])
    """,
)


register(
    soft_jaccard,
    family="segmentation",
    prediction="probability",
    target="binary",
    distribution=None,
    convex=False,
    differentiable=True,
    robust=None,
    proper=False,
    reference="rahman2016optimizing",
    summary="One minus the soft intersection over union of two masks, per example.",
    oracle="closed form",
    sampler=_sample_masks,
    equivalents=Equivalents(
        optax="optax.losses.dice_loss((jnp.log(y_pred) - jnp.log1p(-y_pred))[..., None], y_true[..., None], smooth=smooth, alpha=1.0, beta=1.0).mean()",
        note=(
            "optax's Tversky-style `dice_loss` with `alpha = beta = 1` is the Jaccard loss; it takes logits with "
            "a class axis last. Keras' `Tversky` has a fixed 1e-7 in the denominator only; PyTorch has no Jaccard "
            "loss."
        ),
    ),
)
