r"""Focal loss on logits: binary cross-entropy that down-weights the examples already classified well."""

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
    _first_index,
    _where,
    check_in_unit_interval,
    check_positive_scalar,
    check_scalar,
    float_pair,
    option_in_dtype,
)
from .._wrappers import gradient
from ..special import log_sigmoid, sigmoid
from .binary import _binary_logits_loss, _other_factor, _sigmoid_parts

__all__ = [
    "focal",
    "focal_grad",
]


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
    y, x = float_pair(y_true, y_pred, reduction)
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


@shared_doc
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
    {reduction_elementwise}

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


focal_grad = gradient(
    focal,
    _focal,
    doc=r"""Gradient of :func:`focal` with respect to the logits.

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
    """,
)


register(
    focal,
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
    equivalents=Equivalents(
        keras="keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=alpha, gamma=gamma, from_logits=True)(y_true, y_pred)",
        optax="optax.losses.sigmoid_focal_loss(y_pred, y_true, alpha=alpha, gamma=gamma).mean()",
        note=(
            "Keras weights by `alpha` only with `apply_class_balancing=True`. Keras and optax form 1 - p_t by "
            "subtraction, which loses the digits of well-classified examples (|logit| above about 10). PyTorch "
            "itself has none (torchvision's `ops.sigmoid_focal_loss` is the same function)."
        ),
    ),
)
