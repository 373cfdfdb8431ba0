r"""The Huber loss and its smooth relatives, pseudo-Huber and log-cosh: quadratic near zero, linear
in the tails, so one outlier has a bounded influence.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from .. import _kernels
from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import reduce_readable
from .._typing import Float, FloatArray, Reduced
from .._validation import (
    check_positive_scalar,
    option_in_dtype,
)
from .._wrappers import gradient
from ._residuals import _pair, _run

__all__ = [
    "huber",
    "huber_grad",
    "log_cosh",
    "log_cosh_grad",
    "pseudo_huber",
    "pseudo_huber_grad",
]


def huber_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, delta: float = 1.0, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`huber` and :func:`huber_grad`: the definition, as chapter 2 writes it.

    .. math::

        \ell = \begin{cases} \tfrac12 r^2 & |r| \le \delta \\
                              \delta\,(|r| - \tfrac12\delta) & |r| > \delta \end{cases},
        \qquad \frac{\partial \ell}{\partial \hat y} = \operatorname{clip}(r, -\delta, \delta),
        \qquad r = \hat y - y

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_huber`` is tested against it.
    """
    r = np.asarray(y_pred) - np.asarray(y_true)
    loss = np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))
    grad = np.clip(r, -delta, delta)
    return reduce_readable(loss, grad, reduction)


def _huber(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    delta: float = 1.0,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`huber_readable` (value and/or gradient in one blocked pass, sharing the residual)."""
    delta = check_positive_scalar(delta, "delta")
    y_true, y_pred = _pair(y_true, y_pred, reduction, nan=False)
    d = option_in_dtype(delta, "delta", y_pred.dtype)
    return _run(_huber_kernel, y_true, y_pred, reduction, value, grad, validated=True, delta=d)


def _huber_kernel(
    y: FloatArray,
    p: FloatArray,
    v: FloatArray | None,
    g: FloatArray | None,
    count: float,
    tmp: list[FloatArray],
    *,
    delta: Float,
) -> None:
    r = np.subtract(p, y, out=tmp[0])
    c = g if g is not None else tmp[1]  # r clipped to [-delta, delta]: the gradient of the sum
    np.minimum(np.maximum(r, -delta, out=c), delta, out=c)  # (as np.clip, without its wrapper's cost)
    if v is not None:
        # c (r - c/2): r^2/2 inside [-delta, delta], delta (|r| - delta/2) outside, with the same roundings
        np.multiply(c, 0.5, out=v)
        np.subtract(r, v, out=v)
        np.multiply(v, c, out=v)
    if g is not None and count != 1:
        np.divide(g, count, out=g)


@shared_doc
def huber(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, delta: float = 1.0, reduction: str = "mean") -> Reduced:
    r"""Huber loss: quadratic near zero, linear in the tails.

    .. math::

        \ell_\delta(r) = \begin{cases}
            \tfrac12 r^2 & |r| \le \delta \\
            \delta\,(|r| - \tfrac12\delta) & |r| > \delta
        \end{cases}, \qquad r = \hat y - y

    The two pieces meet with equal value and slope at :math:`|r| = \delta`, so the
    loss is convex and differentiable, and its gradient is bounded by
    :math:`\delta`: a single outlier cannot pull the fit arbitrarily far.
    As :math:`\delta \to \infty` it becomes half the squared error.

    Parameters
    ----------
    y_true : array_like, any shape
    y_pred : array_like, same shape as ``y_true``
    delta : float > 0
        Where the loss turns from quadratic to linear, in units of the target.
    {reduction}

    Notes
    -----
    Same as ``torch.nn.functional.huber_loss``. ``smooth_l1_loss`` with ``beta``
    equals ``huber(..., delta=beta) / beta``.

    References
    ----------
    .. [1] Huber, P. J. (1964). Robust estimation of a location parameter.
       *Annals of Mathematical Statistics* 35(1), 73-101. (huber1964robust)

    Examples
    --------
    >>> huber([0.0, 0.0], [0.5, 3.0], reduction="none")
    array([0.125, 2.5  ])
    """
    return cast(Reduced, _huber(y_true, y_pred, delta=delta, reduction=reduction, grad=False)[0])


huber_grad = gradient(
    huber,
    _huber,
    doc=r"""Gradient of :func:`huber`: the residual clipped to :math:`[-\delta, \delta]`, over N for the mean.

    Examples
    --------
    >>> huber_grad([0.0, 0.0], [0.5, 3.0], reduction="sum")
    array([0.5, 1. ])
    """,
)


register(
    huber,
    family="regression",
    prediction="real",
    target="real",
    distribution=None,
    convex=True,
    differentiable=True,
    robust=True,
    proper=None,
    reference="huber1964robust",
    summary="Quadratic for small residuals, linear for large ones.",
    equivalents=Equivalents(
        torch="torch.nn.functional.huber_loss(y_pred, y_true, delta=delta)",
        keras="keras.losses.Huber(delta=delta)(y_true, y_pred)",
        optax="optax.losses.huber_loss(y_pred, y_true, delta=delta).mean()",
        note=(
            "optax's `huber_loss` is per element (take the mean). PyTorch's `smooth_l1_loss(beta=delta)` is "
            "`huber / delta`."
        ),
    ),
)


# --------------------------------------------------------------------------
# Smooth and robust relatives of the absolute error
# --------------------------------------------------------------------------


def pseudo_huber_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, delta: float = 1.0, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`pseudo_huber` and :func:`pseudo_huber_grad`, as chapter 2 writes them.

    .. math::

        \ell = \delta^2\left(\sqrt{1 + (r/\delta)^2} - 1\right), \qquad
        \frac{\partial \ell}{\partial \hat y} = \frac{r}{\sqrt{1 + (r/\delta)^2}}, \qquad r = \hat y - y

    The textbook value cancels for :math:`|r| \ll \delta` (its error is about
    :math:`\delta^2` times the machine epsilon, absolute), and :math:`(r/\delta)^2` overflows
    beyond :math:`|r/\delta| \approx 10^{154}`; the fast path ``_pseudo_huber``, tested
    against this form, computes :math:`\delta r^2 / (\sqrt{\delta^2 + r^2} + \delta)` instead.
    """
    r = np.asarray(y_pred) - np.asarray(y_true)
    root = np.sqrt(1 + (r / delta) ** 2)
    return reduce_readable(delta**2 * (root - 1), r / root, reduction)


def _pseudo_huber(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    delta: float = 1.0,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`pseudo_huber_readable` (one blocked pass, sharing ``hypot(delta, r)``)."""
    delta = check_positive_scalar(delta, "delta")
    y_true, y_pred = _pair(y_true, y_pred, reduction, nan=False)
    d = option_in_dtype(delta, "delta", y_pred.dtype)
    info = _kernels.finfo(y_pred.dtype)
    # sqrt(r^2 + delta^2) equals hypot(r, delta) to rounding unless a square over- or underflows:
    # delta^2 is checked here, r^2 block by block (an infinite h), where hypot takes over.
    with np.errstate(over="ignore"):
        squares_ok = bool(info.tiny / info.eps <= d * d < info.max)
        return _run(
            _pseudo_huber_kernel,
            y_true,
            y_pred,
            reduction,
            value,
            grad,
            n_tmp=3,
            validated=True,
            d=d,
            squares_ok=squares_ok,
        )


def _pseudo_huber_kernel(
    y: FloatArray,
    p: FloatArray,
    v: FloatArray | None,
    g: FloatArray | None,
    count: float,
    tmp: list[FloatArray],
    *,
    d: Float,
    squares_ok: bool,
) -> None:
    r = np.subtract(p, y, out=tmp[0])
    h = tmp[1]  # sqrt(delta^2 + r^2) = delta sqrt(1 + (r/delta)^2)
    rr = tmp[2]
    if squares_ok:
        np.multiply(r, r, out=rr)
        np.add(rr, d * d, out=h)
        np.sqrt(h, out=h)
    infinite = None  # where r = +-inf (found only on the rare path of overflowing squares)
    if not squares_ok or h.max() == np.inf:
        # hypot does not overflow; delta |r| (|r| / (h + delta)) neither
        np.hypot(d, r, out=h)
        np.add(h, d, out=rr)
        if np.isinf(h.max()):  # an infinite residual: r / (h + delta) -> sign(r), not inf / inf
            infinite = np.isinf(r)
            with np.errstate(invalid="ignore"):
                np.divide(r, rr, out=rr)
            np.copyto(rr, np.sign(r), where=infinite)
        else:
            np.divide(r, rr, out=rr)
        np.multiply(rr, r, out=rr)
        np.multiply(rr, d, out=rr)
        if v is not None:
            v[...] = rr
    elif v is not None:
        # delta^2 (sqrt(1 + (r/delta)^2) - 1) = delta r^2 / (h + delta): no cancellation for small r
        np.add(h, d, out=v)
        np.divide(rr, v, out=v)
        if d != 1:
            np.multiply(v, d, out=v)
    if g is not None:
        # r delta / h, clipped: |gradient| <= delta also after rounding (bounded influence, exactly)
        bound = d / d.dtype.type(count)
        np.divide(bound, h, out=g)
        if infinite is not None:  # the limit +-delta at r = +-inf, not 0 * inf
            with np.errstate(invalid="ignore"):
                np.multiply(g, r, out=g)
            np.copyto(g, np.sign(r) * bound, where=infinite)
        else:
            np.multiply(g, r, out=g)
        np.minimum(np.maximum(g, -bound, out=g), bound, out=g)


def pseudo_huber(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, delta: float = 1.0, reduction: str = "mean"
) -> Reduced:
    r"""Pseudo-Huber loss: a smooth Huber loss.

    .. math::

        \ell_\delta(r) = \delta^2\left(\sqrt{1 + (r/\delta)^2} - 1\right), \qquad r = \hat y - y

    It behaves like :math:`r^2/2` for :math:`|r| \ll \delta` and like
    :math:`\delta\,|r| - \delta^2` for :math:`|r| \gg \delta`. Unlike the Huber loss it has
    derivatives of every order, and its gradient :math:`r/\sqrt{1 + (r/\delta)^2}` is
    bounded by :math:`\delta`.

    Parameters
    ----------
    y_true : array_like, any shape
        Targets.
    y_pred : array_like, same shape as ``y_true``
        Predictions. Its floating dtype is the dtype of the result.
    delta : float > 0
        Scale of the residual at which the loss turns from quadratic to linear. Refused if
        it rounds to 0 or overflows in ``y_pred``'s dtype.
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per element. An infinite residual gives the limits: loss
        inf, gradient :math:`\pm\delta` (divided by the mean's count).

    Returns
    -------
    float or ndarray
        A scalar for ``"mean"`` and ``"sum"``, an array of ``y_pred``'s shape for ``"none"``.

    Notes
    -----
    Computed as :math:`\delta\, r^2 / (\sqrt{\delta^2 + r^2} + \delta)` with
    ``np.hypot``: the textbook form cancels catastrophically for small residuals
    (it gives 0 for :math:`r = 10^{-9}`) and :math:`(r/\delta)^2` overflows beyond
    :math:`|r/\delta| \approx 10^{154}`; this one keeps full relative precision everywhere.
    PyTorch and Keras have no pseudo-Huber loss. The Charbonnier loss of image restoration,
    :func:`charbonnier`, is the same curve scaled to slope 1 in the tails:
    ``charbonnier(y, p, eps=e) == pseudo_huber(y, p, delta=e) / e``.

    References
    ----------
    .. [1] Charbonnier, P., Blanc-Féraud, L., Aubert, G. and Barlaud, M. (1994). Two deterministic
       half-quadratic regularization algorithms for computed imaging. *ICIP*. (charbonnier1994two)
    .. [2] Hartley, R. and Zisserman, A. (2004). *Multiple View Geometry in Computer Vision*,
       2nd ed., appendix A6.8. (hartley2004multiple)

    Examples
    --------
    >>> pseudo_huber([0.0, 0.0], [0.75, 2.4], reduction="none")
    array([0.25, 1.6 ])
    """
    return cast(Reduced, _pseudo_huber(y_true, y_pred, delta=delta, reduction=reduction, grad=False)[0])


pseudo_huber_grad = gradient(
    pseudo_huber,
    _pseudo_huber,
    doc=r"""Gradient of :func:`pseudo_huber`: :math:`r / \sqrt{1 + (r/\delta)^2}`, over N for the mean.

    Examples
    --------
    >>> np.round(pseudo_huber_grad([0.0, 0.0], [0.75, -2.4], reduction="sum"), 6)
    array([ 0.6     , -0.923077])
    """,
)


register(
    pseudo_huber,
    family="regression",
    prediction="real",
    target="real",
    distribution="hyperbolic",
    convex=True,
    differentiable=True,
    robust=True,
    proper=None,
    reference="charbonnier1994two",
    oracle="closed form",
    summary="Smooth Huber: quadratic near zero, linear in the tails, every derivative.",
    equivalents=Equivalents(
        note="None of PyTorch, Keras and optax has a pseudo-Huber loss.",
    ),
)


def log_cosh_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`log_cosh` and :func:`log_cosh_grad`, as chapter 2 writes them.

    .. math:: \ell = \log\cosh r, \qquad \frac{\partial \ell}{\partial \hat y} = \tanh r,
        \qquad r = \hat y - y

    ``np.cosh`` overflows beyond :math:`|r| \approx 710`, and the logarithm of a number near 1
    keeps only absolute precision for small :math:`r`; the fast path ``_log_cosh``, tested
    against this form, has neither problem (see :func:`log_cosh`).
    """
    r = np.asarray(y_pred) - np.asarray(y_true)
    return reduce_readable(np.log(np.cosh(r)), np.tanh(r), reduction)


# Below this |r|, log cosh r is computed as log1p(cosh r - 1), above it as |r| - log 2 +
# log1p(e^{-2|r|}): each is free of cancellation on its side.
_LOG_COSH_SWITCH = 1.0
_LOG2 = float(np.log(2.0))


def _log_cosh(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean", value: bool = True, grad: bool = True
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`log_cosh_readable` (one blocked pass, sharing one ``expm1``)."""
    return _run(_log_cosh_kernel, y_true, y_pred, reduction, value, grad, n_tmp=6, summable=True)


def _log_cosh_kernel(
    y: FloatArray,
    p: FloatArray,
    v: FloatArray | None,
    g: FloatArray | None,
    count: float,
    tmp: list[FloatArray],
    summed: bool = False,
) -> None:
    r"""log cosh and tanh of a block from one ``expm1``, without selections of the whole block.

    With :math:`a = |r|`, :math:`m = \operatorname{expm1}(-a)` and :math:`w = 1 + m = e^{-a}`:
    :math:`\tanh a = -m(2 + m) / (1 + w^2)` (no cancellation: :math:`-m \ge 0`), and
    :math:`\log\cosh r = \operatorname{log1p}(m^2 / 2w)` below the switch (:math:`m^2/2w =
    \cosh a - 1`), :math:`a - \log 2 + \operatorname{log1p}(w^2)` above it. The argument of the
    ``log1p`` is :math:`m^2/2w` or :math:`w^2`, chosen per element; when only the sum is wanted
    (``summed``) the ``log1p`` terms are summed by :func:`losslib._kernels.log1p_sum`.
    """
    r, m, w, arg, above_f, sq = tmp
    np.subtract(p, y, out=r)
    np.abs(r, out=w)
    np.negative(w, out=m)
    np.expm1(m, out=m)
    if v is not None:
        dt = r.dtype.type
        above = np.greater_equal(w, _LOG_COSH_SWITCH, out=above_f.view(bool)[: r.size])
        np.subtract(w, dt(_LOG2), out=v)
        np.multiply(v, above, out=v)  # a - log 2 above the switch, 0 below (and NaN for NaN)
    np.add(m, 1, out=w)  # w = exp(-a), exact for m <= -1/2 (Sterbenz)
    if v is not None:
        np.multiply(m, m, out=arg)
        with np.errstate(divide="ignore"):
            np.divide(arg, w, out=arg)
        np.multiply(arg, dt(0.5), out=arg)  # cosh a - 1 (inf where w = 0: replaced just below)
        np.multiply(w, w, out=sq)
        np.copyto(arg, sq, where=above)
    if g is not None:
        np.multiply(w, w, out=g)
        np.add(g, 1, out=g)  # 1 + w^2
        if count != 1:
            np.multiply(g, count, out=g)
        np.add(m, 2, out=w)
        np.multiply(w, m, out=w)  # -(1 - w^2) = m (2 + m)
        np.divide(w, g, out=g)  # -tanh |r| (/ count)
        np.copysign(g, r, out=g)  # tanh r (/ count)
    if v is not None:
        if summed:
            parts = _kernels.log1p_sum(arg, m)
            np.add(v[: parts.size], parts, out=v[: parts.size])
        else:
            np.add(v, np.log1p(arg, out=arg), out=v)


@shared_doc
def log_cosh(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> Reduced:
    r"""Log-cosh loss: :math:`r^2/2` near zero, :math:`|r| - \log 2` in the tails.

    .. math:: \ell(r) = \log\cosh(r), \qquad r = \hat y - y

    Smooth (derivatives of every order), convex, with the bounded gradient
    :math:`\tanh(r)`: a smooth relative of the Huber loss with :math:`\delta = 1`. It is
    the negative log-likelihood of the hyperbolic secant distribution,
    :math:`p(y) = \operatorname{sech}(y - \hat y)/\pi`.

    Parameters
    ----------
    y_true : array_like, any shape
    y_pred : array_like, same shape as ``y_true``
    {reduction}

    Notes
    -----
    ``np.log(np.cosh(r))`` overflows to ``inf`` beyond :math:`|r| \approx 710` (float64) and
    :math:`89` (float32), and loses every digit below :math:`|r| \approx 10^{-8}`. losslib
    uses, with :math:`t = \tanh r` (which the gradient needs anyway),
    :math:`-\frac12\log(1 - t^2)` (as ``log1p``) for :math:`|r| < 1` and
    :math:`|r| - \log(1 + |t|)` beyond, both without cancellation, so the value keeps full
    relative precision for every finite :math:`r` (up to :math:`10^{300}` and beyond). Keras's ``log_cosh`` computes :math:`r + \operatorname{softplus}(-2r) - \log 2`
    everywhere, which loses every digit below :math:`|r| \approx 10^{-8}`, and averages over the
    last axis first; PyTorch has no log-cosh loss.

    References
    ----------
    .. [1] Saleh, R. A. and Saleh, A. K. Md. E. (2022). Statistical properties of the log-cosh
       loss function used in machine learning. arXiv:2208.04564. (saleh2022statistical)

    Examples
    --------
    >>> round(float(log_cosh([0.0, 0.0], [1.0, -3.0])), 12)
    1.37155466753
    """
    return cast(Reduced, _log_cosh(y_true, y_pred, reduction=reduction, grad=False)[0])


log_cosh_grad = gradient(
    log_cosh,
    _log_cosh,
    doc=r"""Gradient of :func:`log_cosh`: :math:`\tanh(\hat y - y)`, over N for the mean.

    Examples
    --------
    >>> log_cosh_grad([0.0, 0.0], [0.0, 1e4], reduction="sum")
    array([0., 1.])
    """,
)


register(
    log_cosh,
    family="regression",
    prediction="real",
    target="real",
    distribution="hyperbolic secant",
    convex=True,
    differentiable=True,
    robust=True,
    proper=None,
    reference="saleh2022statistical",
    oracle="closed form",
    summary="log cosh of the residual: smooth, with gradient tanh(r).",
    equivalents=Equivalents(
        keras="keras.losses.LogCosh()(y_true, y_pred)",
        optax="optax.losses.log_cosh(y_pred, y_true).mean()",
        note=(
            "Keras and optax compute log(cosh r) as a log-sum-exp minus log 2, which loses the digits of "
            "residuals below about 1e-8; optax's loss is per element. PyTorch has no log-cosh loss."
        ),
    ),
)
