r"""Barron's general and adaptive robust loss: one shape parameter spans the robust losses of chapter 2.

.. math::

    \rho(x, \alpha) = \frac{|\alpha - 2|}{\alpha}\Big(\Big(\frac{x^2}{|\alpha - 2|} + 1\Big)^{\alpha/2} - 1\Big),
    \qquad x = \frac{\hat y - y}{c}

:math:`\alpha = 2` is half the squared error, :math:`\alpha = 1` pseudo-Huber (Charbonnier),
:math:`\alpha = 0` Cauchy (Lorentzian), :math:`\alpha = -2` Geman-McClure, :math:`\alpha \to
-\infty` Welsch. The gradient with respect to :math:`\alpha` makes the shape learnable.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from ._distributions import exprel, finish, log1p_minus_ratio
from ._docstrings import shared_doc
from ._info import Equivalents, register
from ._reduction import reduce_readable
from ._typing import FloatArray, Reduced
from ._validation import (
    _first_index,
    _where,
    as_float_array,
    check_finite,
    check_reduction,
    check_same_shape,
)
from ._wrappers import gradient

__all__ = ["barron_loss", "barron_loss_grad"]


class BarronLossGrad(NamedTuple):
    """Gradient of :func:`barron_loss` with respect to ``y_pred`` and ``alpha``."""

    y_pred: FloatArray
    alpha: FloatArray


# --------------------------------------------------------------------------
# Readable form
# --------------------------------------------------------------------------


def barron_loss_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, alpha: npt.ArrayLike, scale: npt.ArrayLike, reduction: str = "mean"
) -> tuple[Reduced, BarronLossGrad]:
    r"""Readable form of :func:`barron_loss` and its gradient, as the book writes them.

    With :math:`x = (\hat y - y)/c`, :math:`b = |\alpha - 2|`, :math:`u = x^2/b`,
    :math:`E = (1 + u)^{\alpha/2}` and :math:`\sigma = \operatorname{sign}(\alpha - 2)`:

    .. math::

        \rho = \frac b\alpha (E - 1), \qquad
        \frac{\partial\rho}{\partial\hat y} = \frac xc\,(1 + u)^{\alpha/2 - 1}, \qquad
        \frac{\partial\rho}{\partial\alpha} = \frac{2\sigma(E - 1)}{\alpha^2}
            + E\Big(\frac{b\log(1 + u)}{2\alpha} - \frac{\sigma u}{2(1 + u)}\Big)

    and the limits at :math:`\alpha = 0, 2, \pm\infty` (at 2 the derivative in :math:`\alpha` is
    :math:`+\infty` for :math:`x \ne 0`; at :math:`\pm\infty` it is 0).
    """
    y, p = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    a, c = np.broadcast_arrays(np.asarray(alpha, dtype=float), np.asarray(scale, dtype=float), p)[:2]
    x = (p - y) / c
    special = (a == 0) | (a == 2) | np.isinf(a)
    with np.errstate(all="ignore"):
        b = np.where(special, 2.0, np.abs(a - 2))
        s = np.sign(a - 2)
        u = x**2 / b
        e = (1 + u) ** (a / 2)
        general = b / a * (e - 1)
        g_general = 2 * s * (e - 1) / a**2 + e * (b * np.log(1 + u) / (2 * a) - s * u / (2 * (1 + u)))
        at_zero = np.log(1 + u) ** 2 / 4 - (np.log(1 + u) - u / (1 + u)) / 2  # b = 2, u = x^2 / 2
        loss = np.select(
            [a == 2, a == 0, a == -np.inf, a == np.inf],
            [x**2 / 2, np.log(x**2 / 2 + 1), 1 - np.exp(-(x**2) / 2), np.exp(x**2 / 2) - 1],
            general,
        )
        psi = np.select(
            [a == 2, a == -np.inf, a == np.inf],
            [x, x * np.exp(-(x**2) / 2), x * np.exp(x**2 / 2)],
            x * (1 + u) ** (a / 2 - 1),
        )
        g_alpha = np.select([a == 2, a == 0, np.isinf(a)], [np.where(x == 0, 0.0, np.inf), at_zero, 0.0], g_general)
    g_alpha = _sum_to(g_alpha, np.shape(alpha))
    return reduce_readable(loss, BarronLossGrad(psi / c, g_alpha), reduction, count=p.size)


def _sum_to(g: FloatArray, shape: tuple[int, ...]) -> FloatArray:
    """``g`` summed over the axes that broadcasting added or stretched, to ``shape``."""
    lead = g.ndim - len(shape)
    out = g.sum(axis=tuple(range(lead))) if lead else g
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and out.shape[i] != 1)
    summed: FloatArray = out.sum(axis=stretched, keepdims=True) if stretched else out
    return summed


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def _broadcastable(arr: FloatArray, name: str, shape: tuple[int, ...]) -> None:
    try:
        wide = np.broadcast_shapes(arr.shape, shape)
    except ValueError:
        wide = None
    if wide != shape:
        raise ValueError(
            f"{name} has shape {arr.shape}, which does not broadcast to the shape {shape} of y_pred; pass one "
            f"{name} for all (a number), or one per element (shape {shape}), or a shape that broadcasts to it"
        )


_INF_RESIDUAL = (
    "at an infinite residual the loss tends to |alpha - 2|/|alpha| for alpha < 0 and to inf otherwise, and "
    "its gradient to 0, a constant or inf depending on alpha; clip or drop such targets and predictions"
)


def _inputs(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, alpha: npt.ArrayLike, scale: npt.ArrayLike, reduction: str
) -> tuple[FloatArray, FloatArray, FloatArray, tuple[int, ...], np.dtype[Any]]:
    """``(x, alpha, scale)`` in float64, broadcast to y_pred's shape, with alpha's own shape and y_pred's dtype."""
    check_reduction(reduction)
    p = as_float_array(y_pred, "y_pred")
    y = as_float_array(y_true, "y_true")
    check_same_shape(y, "y_true", p, "y_pred")
    a = as_float_array(alpha, "alpha")
    c = as_float_array(scale, "scale")
    _broadcastable(a, "alpha", p.shape)
    _broadcastable(c, "scale", p.shape)
    if not (c > 0).all():
        index = _first_index(~(c > 0))
        raise ValueError(
            f"scale must hold positive numbers (the residual that counts as 1), but {_where('scale', index)} = "
            f"{c[index].item()!r}"
        )
    for arr, name in ((y, "y_true"), (p, "y_pred")):
        check_finite(arr, name, "numbers", _INF_RESIDUAL)
    x = (p.astype(np.float64) - y.astype(np.float64)) / c.astype(np.float64)  # 0 where scale = inf
    shape = p.shape
    a64 = np.broadcast_to(a.astype(np.float64), shape)
    c64 = np.broadcast_to(c.astype(np.float64), shape)
    return x, a64, c64, a.shape, p.dtype


# --------------------------------------------------------------------------
# Fast path
# --------------------------------------------------------------------------

_SERIES_TERMS = 40


def _alpha_series(y: FloatArray, u: FloatArray, s: FloatArray) -> FloatArray:
    r""":math:`\partial\rho/\partial\alpha` for small :math:`y = x^2` and :math:`u = y/b \le 1/4`.

    Expanding :math:`\rho = \frac b\alpha((1 + u)^{\alpha/2} - 1)` in powers of :math:`u`, with
    :math:`\alpha/2 - 1 = \sigma b/2`, gives :math:`\rho = \frac y2 + \frac{\sigma y^2}8 + \frac y2\sum_{k \ge 3}
    \frac{P_k}{k!}`, :math:`P_k = \frac\sigma2 \prod_{j=1}^{k-2}\big(\frac{\sigma y}2 - j u\big)`; the first
    two terms do not depend on :math:`\alpha`, and :math:`\partial u/\partial\alpha = -\sigma u/b` gives

    .. math:: \frac{\partial\rho}{\partial\alpha} = -\frac{y u^2}4 \sum_{k \ge 3} \frac{D_k}{k!}, \qquad
        D_k = \sum_{j=1}^{k-2} (-j) \prod_{i \ne j} \Big(\frac{\sigma y}2 - i u\Big)

    (leading term :math:`y u^2/24`), which the closed forms would get by cancelling terms of order :math:`y`.
    """
    r = s * y / 2 - u  # the product for k = 3
    d = -np.ones_like(u)  # D_3
    fact = 6.0  # k!
    total = d / fact
    for k in range(3, _SERIES_TERMS):
        step = s * y / 2 - (k - 1) * u
        r, d = r * step, d * step - (k - 1) * r
        fact *= k + 1
        total = total + d / fact
    return -(y * u * u / 4) * total


def _h(t: FloatArray) -> FloatArray:
    r""":math:`(t e^t - e^t + 1)/t^2`, :math:`\frac12 + \frac t3 + \frac{t^2}8 + \dots` (for :math:`t \le 1`)."""
    small = np.abs(t) < 0.5
    ts = np.where(small, t, 0.0)
    series = np.zeros_like(t)
    if small.any():
        for k in range(20, 1, -1):
            series = series * ts + (k - 1) / math.factorial(k)
    tb = np.where(small, 1.0, t)
    return np.where(small, series, (1 + np.exp(tb) * (tb - 1)) / (tb * tb))


def _barron_grads(
    x: FloatArray,
    a: FloatArray,
    c: FloatArray,
    y: FloatArray,
    b: FloatArray,
    ag: FloatArray,
    s: FloatArray,
    lg: FloatArray,
    t: FloatArray,
    big: npt.NDArray[np.bool_],
    ratio: FloatArray,
    half_x2: FloatArray,
    rho_general: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """The derivatives of :func:`_barron_loss` in y_pred and in alpha, from the value's intermediates."""
    with np.errstate(all="ignore"):
        # d rho / d x = x (1 + u)^(alpha/2 - 1) = x W
        w = np.select(
            [a == -np.inf, a == np.inf, a == 2], [np.exp(-half_x2), np.exp(half_x2), 1.0], np.exp(s * b * lg / 2)
        )
        # x W, in logarithms where W underflows but x W does not (alpha < 0, huge residuals)
        log_psi = np.log(np.abs(x)) + np.select([a == -np.inf, a == np.inf], [-half_x2, half_x2], s * b * lg / 2)
        tiny_w = (w == 0) & (x != 0)
        psi = np.where(tiny_w, np.sign(x) * np.exp(np.where(tiny_w, log_psi, 0.0)), x * w)
        g_pred = psi / c

        # d rho / d alpha
        u = np.where(big, np.inf, ratio)
        gu = np.where(big, lg - 1.0, log1p_minus_ratio(np.where(big, 1.0, u)))  # log(1 + u) - u/(1 + u)
        inv_b = 1 / b
        series_ok = (y <= 1) & (y * inv_b <= 0.25)
        series = np.zeros_like(y)
        if series_ok.any():
            series[series_ok] = _alpha_series(y[series_ok], (y * inv_b)[series_ok], s[series_ok])
        near_two = np.abs(a - 2) < 0.5
        by_w = (s * np.expm1(s * b * lg / 2) + (b + y) * w * gu / 2 - rho_general) / ag
        t_big = t > 1
        tb = np.where(t_big, t, 0.0)
        elsewhere = np.where(
            t_big,
            0.5 * np.exp(tb) * (gu - (4 / (ag * ag)) * (tb - 1 + np.exp(-tb))),
            np.exp(np.where(t_big, 0.0, t)) / 2 * gu - lg * lg / 2 * _h(np.where(t_big, 0.0, t)),
        )
        elsewhere = s * elsewhere
        g_alpha = np.where(series_ok, series, np.where(near_two, by_w, elsewhere))
        # where x^2 overflows: the limit 2/alpha^2 for alpha < 0; inf otherwise (the derivative exceeds 1e154)
        g_alpha = np.where(np.isinf(y), np.where(a < 0, 2 / (ag * ag), np.inf), g_alpha)
        g_alpha = np.where(a == 2, np.where(x == 0, 0.0, np.inf), g_alpha)
        g_alpha = np.where(np.isfinite(a), g_alpha, 0.0)
    return g_pred, g_alpha


def _barron_loss(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    alpha: npt.ArrayLike,
    scale: npt.ArrayLike,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, BarronLossGrad | None]:
    r"""Fast path of :func:`barron_loss_readable`, continuous in :math:`\alpha` and finite wherever the maths is.

    With :math:`L = \log(1 + u)` (from :math:`\log x^2 - \log b` where :math:`x^2/b` overflows) and
    :math:`t = \alpha L/2`: :math:`\rho = \frac{bL}2 \frac{e^t - 1}t` for :math:`|t| < 1` (no
    :math:`0/0` as :math:`\alpha \to 0`), near 2 :math:`\rho = (x^2 + (b + x^2)\operatorname{expm1}(\sigma bL/2))/\alpha`
    (no exponential of a large :math:`t \approx L`), :math:`\frac b\alpha \operatorname{expm1}(t)` otherwise;
    :math:`\partial\rho/\partial\hat y = \frac xc e^{\sigma bL/2}`. The derivative in :math:`\alpha`
    comes from a series for small residuals (:func:`_alpha_series`), near :math:`\alpha = 2` from
    :math:`\alpha\rho' = \sigma(W - 1) + \frac{b + x^2}2 W g(u) - \rho` (:math:`W = e^{\sigma bL/2}`,
    :math:`g(u) = \log(1 + u) - \frac u{1 + u}`), elsewhere from
    :math:`\rho' = \sigma\big(\frac{e^t}2 g(u) - \frac{L^2}2 h(t)\big)`, :math:`h(t) = (te^t - e^t + 1)/t^2`,
    none of which divides by :math:`\alpha` near 0 nor subtracts terms of order :math:`x^2/b` near 2.
    """
    x, a, c, alpha_shape, dtype = _inputs(y_true, y_pred, alpha, scale, reduction)
    with np.errstate(all="ignore"):
        y = x * x  # inf where |x| > 1.3e154 (the logarithms below do not overflow)
        finite_a = np.isfinite(a)
        general = finite_a & (a != 2)
        b = np.where(general, np.abs(a - 2), 1.0)  # b = 2 at alpha = 0: the general formulas hold there
        ag = np.where(general, a, 1.0)
        s = np.where(a > 2, 1.0, -1.0)
        ratio = y / b
        big = ~np.isfinite(ratio)
        log_x2 = 2 * np.log(np.abs(x))
        big_l = log_x2 - np.log(b)
        lg = np.where(big, big_l, np.log1p(np.where(big, 0.0, ratio)))  # L = log(1 + x^2/b)
        t = ag * lg / 2
        small_t = np.abs(t) < 1
        rho_small = (b * lg / 2) * exprel(np.where(small_t, t, 0.0))
        huge_t = t > 700  # expm1 would overflow before the product
        rho_large = np.where(huge_t, np.exp(t + np.log(b / np.abs(ag))), b / ag * np.expm1(np.where(huge_t, 0.0, t)))
        rho_general = np.where(small_t, rho_small, rho_large)
        # near 2, alpha rho = (b + x^2) W - b with W = e^(sigma b L/2) near 1: no exp of a large t
        calm = (np.abs(a - 2) < 0.5) & (np.abs(b * lg) < 1) & np.isfinite(y) & ~small_t
        rho_calm = (y + (b + y) * np.expm1(np.where(calm, s * b * lg / 2, 0.0))) / ag
        rho_general = np.where(calm, rho_calm, rho_general)
        half_x2 = (0.5 * x) * x
        values = np.select(
            [a == 2, a == -np.inf, a == np.inf], [half_x2, -np.expm1(-half_x2), np.expm1(half_x2)], rho_general
        )

    grads: list[FloatArray] = []
    if grad:
        g_pred, g_alpha = _barron_grads(x, a, c, y, b, ag, s, lg, t, big, ratio, half_x2, rho_general)
        grads = [g_pred, _sum_to(g_alpha, alpha_shape)]
    return finish(values, grads, dtype, reduction, x.size, BarronLossGrad, value, grad)


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------


@shared_doc
def barron_loss(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, alpha: npt.ArrayLike, scale: npt.ArrayLike, reduction: str = "mean"
) -> Reduced:
    r"""Barron's general robust loss: one shape parameter :math:`\alpha` spans the robust losses.

    With :math:`x = (\hat y - y)/c` (:math:`c` = ``scale``),

    .. math::

        \rho(x, \alpha) = \frac{|\alpha - 2|}{\alpha}
            \Big(\Big(\frac{x^2}{|\alpha - 2|} + 1\Big)^{\alpha/2} - 1\Big)

    and its limits: :math:`\tfrac12 x^2` at :math:`\alpha = 2` (least squares),
    :math:`\log(\tfrac12 x^2 + 1)` at 0 (Cauchy), :math:`1 - e^{-x^2/2}` at :math:`-\infty`
    (Welsch), :math:`e^{x^2/2} - 1` at :math:`+\infty`; :math:`\alpha = 1` is
    :math:`\sqrt{x^2 + 1} - 1`, pseudo-Huber with :math:`\delta = c` up to the factor
    :math:`c^2`, and :math:`-2` Geman-McClure. For :math:`\alpha \le 1` the gradient is bounded
    (robust), for :math:`\alpha < 0` the loss too (:math:`\rho \to |\alpha - 2|/|\alpha|`).
    Every :math:`\rho` is about :math:`\tfrac12 x^2` for small :math:`x`. Barron (2019) learns
    :math:`\alpha` (and :math:`c`) with the model, which is why the gradient with respect to
    :math:`\alpha` is returned too. :math:`\rho` grows with :math:`\alpha`, so minimising
    :math:`\rho` alone drives :math:`\alpha` to :math:`-\infty`: Barron minimises the negative
    log-likelihood :math:`\rho + \log Z(\alpha)` (:math:`+ \log c`) of the density
    :math:`\propto e^{-\rho}`, whose normaliser :math:`Z(\alpha)` is not part of this loss.

    Parameters
    ----------
    y_true : array_like, any shape
        Targets.
    y_pred : array_like, same shape
        Predictions. Its floating dtype is the dtype of the result.
    alpha : array_like, broadcastable to y_pred's shape
        The shape :math:`\alpha`, any real number, ``-inf`` and ``inf`` included: one for all
        (a number) or one per element (or per column, ...). Keyword-only, as
        ``barron_loss(y, yhat, alpha=1.0, scale=0.5)``.
    scale : array_like, broadcastable to y_pred's shape
        :math:`c > 0` (keyword-only), the residual at which the loss leaves its quadratic bowl (``inf`` allowed:
        the loss is then 0).
    reduction : {"mean", "sum", "none"}
        Elementwise: ``"none"`` returns one loss per element of ``y_pred``.

    {returns}

    Raises
    ------
    ValueError
        For NaN anywhere, ±inf in ``y_true`` or ``y_pred``, shapes that do not match or
        broadcast, ``scale <= 0``.

    Notes
    -----
    The formula is :math:`0/0` at :math:`\alpha = 0` and :math:`2` and cancels near them; the
    loss is computed as :math:`\frac{bL}2\frac{\operatorname{expm1}(t)}{t}` with
    :math:`L = \operatorname{log1p}(x^2/b)`, :math:`t = \alpha L/2` (no division by
    :math:`\alpha`), which is continuous in :math:`\alpha` through 0 and 2, digit for digit, and
    finite for residuals up to the largest float (:math:`L` from logarithms where :math:`x^2/b`
    overflows). Infinite targets or predictions are refused: the limit of the gradient at an
    infinite residual depends on :math:`\alpha` (0, a constant or :math:`\infty`) and is
    reached too slowly near :math:`\alpha = 1` to be of use. Where :math:`x^2` overflows
    (:math:`|x| > 1.3 \cdot 10^{154}`) the derivative in :math:`\alpha` is returned as its limit
    :math:`2/\alpha^2` for :math:`\alpha < 0` and as :math:`\infty` otherwise.

    The derivative with respect to :math:`\alpha` is finite for every :math:`\alpha \ne 2`, and 0
    at :math:`\pm\infty`. **At** :math:`\alpha = 2` **it is** :math:`+\infty` for
    :math:`x \ne 0` (and 0 at :math:`x = 0`): near 2, :math:`\rho` moves like
    :math:`-\tfrac14 x^2 (\alpha - 2)\log|\alpha - 2|`, continuous with a vertical tangent. So
    the loss is not differentiable in :math:`\alpha` there (the registry says so); Barron keeps
    a learned :math:`\alpha` inside :math:`(0, 2)` (or :math:`(0.001, 1.999)`) with a sigmoid.
    It is not convex for :math:`\alpha < 1`. Unlike Barron's code, losslib does not replace
    :math:`\alpha` near 0 and 2 by :math:`\alpha \pm \epsilon` (it needs no such guard).
    Neither PyTorch nor Keras has the loss.

    References
    ----------
    .. [1] Barron, J. T. (2019). A general and adaptive robust loss function. *CVPR*,
       4331-4339. (barron2019general)

    Examples
    --------
    >>> float(barron_loss([0.0], [2.0], alpha=2.0, scale=1.0))  # x^2 / 2
    2.0
    >>> round(float(barron_loss([0.0], [2.0], alpha=0.0, scale=1.0)), 12)  # log(3)
    1.098612288668
    >>> round(float(barron_loss([0.0], [2.0], alpha=1.0, scale=1.0)), 12)  # sqrt(5) - 1
    1.2360679775
    """
    return cast(Reduced, _barron_loss(y_true, y_pred, alpha=alpha, scale=scale, reduction=reduction, grad=False)[0])


barron_loss_grad = gradient(
    barron_loss,
    _barron_loss,
    doc=r"""Gradient of :func:`barron_loss` with respect to ``y_pred`` and ``alpha``.

    With :math:`b = |\alpha - 2|`, :math:`u = x^2/b`, :math:`E = (1 + u)^{\alpha/2}` and
    :math:`\sigma = \operatorname{sign}(\alpha - 2)`,

    .. math::

        \frac{\partial\rho}{\partial\hat y} = \frac xc\,(1 + u)^{\alpha/2 - 1}, \qquad
        \frac{\partial\rho}{\partial\alpha} = \frac{2\sigma(E - 1)}{\alpha^2}
            + E\Big(\frac{b\log(1 + u)}{2\alpha} - \frac{\sigma u}{2(1 + u)}\Big)

    with their limits at :math:`\alpha = 0` and :math:`\pm\infty` (0 there), and
    :math:`+\infty` at :math:`\alpha = 2` for :math:`x \ne 0` (see :func:`barron_loss`).
    The ``alpha`` field has the shape of ``alpha`` (summed over the elements it is broadcast to).

    Returns
    -------
    BarronLossGrad
        NamedTuple ``(y_pred, alpha)``.

    Examples
    --------
    >>> g = barron_loss_grad([0.0], [2.0], alpha=0.0, scale=1.0)
    >>> float(g.y_pred[0])  # x / (1 + x^2 / 2)
    0.6666666666666666
    """,
)


def _sample(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    """Shapes between 0 and 4 (where the loss is robust, alpha <= 1, and where not), away from 2."""
    alpha = rng.uniform(0.1, 3.6, size=n)
    return {
        "y_true": 3.0 * rng.normal(size=n),
        "y_pred": 3.0 * rng.normal(size=n),
        "alpha": np.where(alpha > 1.8, alpha + 0.4, alpha),
        "scale": rng.uniform(0.5, 2.0, size=n),
    }


register(
    barron_loss,
    family="regression",
    prediction="real",
    target="real",
    distribution=None,
    convex=False,
    differentiable=False,
    robust=False,
    proper=None,
    reference="barron2019general",
    args=("y_true", "y_pred", "alpha", "scale"),
    grad_wrt=("y_pred", "alpha"),
    oracle="mpmath",
    sampler=_sample,
    summary="Barron's general loss: alpha = 2 half the squared error, 1 pseudo-Huber, 0 Cauchy, -inf Welsch; alpha learnable (d/d alpha infinite at 2).",
    equivalents=Equivalents(
        note="None of PyTorch, Keras and optax has Barron's loss.",
    ),
)
