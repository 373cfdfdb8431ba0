r"""Regression losses: functions of the residual :math:`r = \hat y - y` (and, for :func:`msle`,
of :math:`\log(1 + \hat y) - \log(1 + y)`), for point predictions of a real target.

All losses here are elementwise: ``reduction="mean"`` averages over every element
and ``reduction="none"`` returns one loss per element, as in PyTorch. Losses that predict a
whole distribution (a mean and a variance, a rate) are in :mod:`losslib.likelihoods`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from . import _kernels
from ._info import register
from ._reduction import grad_scale, reduce, reduce_readable
from ._typing import Float, FloatArray, Reduced
from ._validation import (
    _first_index,
    _where,
    as_float_array,
    check_positive_scalar,
    check_reduction,
    check_same_shape,
    check_scalar,
    fast_then_full,
    option_in_dtype,
)

__all__ = [
    "charbonnier",
    "charbonnier_grad",
    "huber",
    "huber_grad",
    "log_cosh",
    "log_cosh_grad",
    "mae",
    "mae_grad",
    "mse",
    "mse_grad",
    "msle",
    "msle_grad",
    "pseudo_huber",
    "pseudo_huber_grad",
    "quantile",
    "quantile_grad",
    "tukey_biweight",
    "tukey_biweight_grad",
]


def _pair(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, reduction: str, nan: bool = True
) -> tuple[FloatArray, FloatArray]:
    """Validate a regression call: ``(y_true, y_pred)`` as arrays of y_pred's floating dtype.

    ``nan=False`` skips the scans for NaNs (the caller looks for them as it computes, see
    :func:`losslib._kernels.elementwise`); if another check fails, the full validation runs, so
    that the error is the one the checks in their order give.
    """

    def full() -> None:
        if not nan:
            _pair(y_true, y_pred, reduction)

    with fast_then_full(full):
        check_reduction(reduction)
        y_pred = as_float_array(y_pred, "y_pred", nan=nan)
        y_true = as_float_array(y_true, "y_true", dtype=y_pred.dtype, nan=nan)
        check_same_shape(y_true, "y_true", y_pred, "y_pred")
    return y_true, y_pred


def _residual(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, reduction: str) -> FloatArray:
    """Validate a regression call and return ``y_pred - y_true`` in y_pred's dtype."""
    y, p = _pair(y_true, y_pred, reduction)
    r: FloatArray = p - y
    return r


def _run(
    kernel: Callable[..., None],
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    reduction: str,
    value: bool,
    grad: bool,
    n_tmp: int = 2,
    summable: bool = False,
    **options: Any,
) -> tuple[Reduced | None, FloatArray | None]:
    """Validate and evaluate an elementwise regression loss block by block (see :mod:`losslib._kernels`).

    ``kernel(y, p, v, g, count, tmp, **options)`` writes the losses of a block into ``v`` and their
    gradient, divided by ``count``, into ``g`` (either may be None: not wanted). A NaN in ``y`` or
    ``p`` must make the losses and the gradient NaN: that is where the NaN check looks.
    """
    if options.pop("validated", False):  # arrays already (np.asarray returns them as they are)
        y, p = np.asarray(y_true), np.asarray(y_pred)
    else:
        y, p = _pair(y_true, y_pred, reduction, nan=False)
    v, g = _kernels.elementwise(
        kernel,
        (y, p),
        value=value,
        grad=grad,
        reduction=reduction,
        n_tmp=n_tmp,
        recheck=lambda: _pair(y_true, y_pred, reduction),
        options=options,
        split=True,
        summable=summable,
    )
    return v, (g[0] if g is not None else None)


def mse_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`mse` and :func:`mse_grad`: the definition, as chapter 2 writes it.

    .. math:: \ell = r^2, \qquad \frac{\partial \ell}{\partial \hat y} = 2r, \qquad r = \hat y - y

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_mse`` is tested against it.
    """
    r = np.asarray(y_pred) - np.asarray(y_true)
    return reduce_readable(r**2, 2 * r, reduction)


def _mse(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean", value: bool = True, grad: bool = True
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`mse_readable` (value and/or gradient in one blocked pass, sharing the residual)."""
    return _run(_mse_kernel, y_true, y_pred, reduction, value, grad, n_tmp=1)


def _mse_kernel(
    y: FloatArray, p: FloatArray, v: FloatArray | None, g: FloatArray | None, count: float, tmp: list[FloatArray]
) -> None:
    r = g if g is not None else tmp[0]
    np.subtract(p, y, out=r)
    if v is not None:
        np.multiply(r, r, out=v)
    if g is not None:
        np.divide(r, count / 2, out=g)  # 2 r / count, rounded once (count / 2 is exact)


def mse(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> Reduced:
    r"""Mean squared error.

    .. math:: \ell(y, \hat y) = (\hat y - y)^2

    It is, up to constants, the negative log-likelihood of a Gaussian with mean
    :math:`\hat y` and fixed variance, so minimising it estimates the conditional mean.

    Parameters
    ----------
    y_true : array_like, any shape
        Targets.
    y_pred : array_like, same shape as ``y_true``
        Predictions. Its floating dtype is the dtype of the result.
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per element.

    Returns
    -------
    float or ndarray
        A scalar for ``"mean"`` and ``"sum"``, an array of ``y_pred``'s shape for ``"none"``.

    Notes
    -----
    Same as ``torch.nn.functional.mse_loss``, except that arrays of different
    shapes are refused rather than broadcast.

    References
    ----------
    .. [1] Gauss, C. F. (1809). *Theoria motus corporum coelestium*. (gauss1809theoria)

    Examples
    --------
    >>> float(mse([1.0, 2.0, 3.0], [1.0, 2.0, 5.0]))
    1.3333333333333333
    """
    return cast(Reduced, _mse(y_true, y_pred, reduction=reduction, grad=False)[0])


def mse_grad(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> FloatArray:
    r"""Gradient of :func:`mse` with respect to ``y_pred``: :math:`2(\hat y - y)/N` for the mean.

    Examples
    --------
    >>> mse_grad([0.0, 0.0], [1.0, -3.0])
    array([ 1., -3.])
    """
    return cast(FloatArray, _mse(y_true, y_pred, reduction=reduction, value=False)[1])


register(
    loss=mse,
    grad=mse_grad,
    core=_mse,
    readable=mse_readable,
    family="regression",
    prediction="real",
    target="real",
    distribution="Gaussian",
    convex=True,
    differentiable=True,
    robust=False,
    proper=None,
    reference="gauss1809theoria",
    summary="Squared residual; estimates the conditional mean.",
)


def mae_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`mae` and :func:`mae_grad`: the definition, as chapter 2 writes it.

    .. math:: \ell = |r|, \qquad \frac{\partial \ell}{\partial \hat y} = \operatorname{sign}(r),
        \qquad r = \hat y - y

    with the subgradient 0 at :math:`r = 0`. Returns ``(value, gradient)``; the fast path
    ``_mae`` is tested against it.
    """
    r = np.asarray(y_pred) - np.asarray(y_true)
    return reduce_readable(np.abs(r), np.sign(r), reduction)


def _mae(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean", value: bool = True, grad: bool = True
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`mae_readable` (value and/or gradient in one blocked pass, sharing the residual)."""
    return _run(_mae_kernel, y_true, y_pred, reduction, value, grad, n_tmp=1)


def _mae_kernel(
    y: FloatArray, p: FloatArray, v: FloatArray | None, g: FloatArray | None, count: float, tmp: list[FloatArray]
) -> None:
    r = np.subtract(p, y, out=tmp[0])
    if v is not None:
        np.abs(r, out=v)
    if g is not None:
        np.sign(r, out=g)
        if count != 1:
            np.divide(g, count, out=g)


def mae(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> Reduced:
    r"""Mean absolute error.

    .. math:: \ell(y, \hat y) = |\hat y - y|

    The negative log-likelihood of a Laplace distribution with location
    :math:`\hat y` and fixed scale; minimising it estimates the conditional median.

    Parameters
    ----------
    y_true : array_like, any shape
    y_pred : array_like, same shape as ``y_true``
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    float or ndarray

    Notes
    -----
    Same as ``torch.nn.functional.l1_loss``.

    References
    ----------
    .. [1] Koenker, R. and Bassett, G. (1978). Regression quantiles. *Econometrica* 46(1). (koenker1978regression)

    Examples
    --------
    >>> float(mae([1.0, 2.0, 3.0], [1.0, 2.0, 6.0]))
    1.0
    """
    return cast(Reduced, _mae(y_true, y_pred, reduction=reduction, grad=False)[0])


def mae_grad(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> FloatArray:
    r"""Gradient of :func:`mae`: :math:`\operatorname{sign}(\hat y - y)/N` for the mean.

    At a perfect prediction the loss has a kink; like PyTorch we return the
    subgradient 0 there.

    Examples
    --------
    >>> mae_grad([0.0, 0.0, 0.0], [2.0, 0.0, -1.0], reduction="sum")
    array([ 1.,  0., -1.])
    """
    return cast(FloatArray, _mae(y_true, y_pred, reduction=reduction, value=False)[1])


register(
    loss=mae,
    grad=mae_grad,
    core=_mae,
    readable=mae_readable,
    family="regression",
    prediction="real",
    target="real",
    distribution="Laplace",
    convex=True,
    differentiable=False,
    robust=True,
    proper=None,
    reference="koenker1978regression",
    summary="Absolute residual; estimates the conditional median.",
)


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
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    float or ndarray

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


def huber_grad(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, delta: float = 1.0, reduction: str = "mean"
) -> FloatArray:
    r"""Gradient of :func:`huber`: the residual clipped to :math:`[-\delta, \delta]`, over N for the mean.

    Examples
    --------
    >>> huber_grad([0.0, 0.0], [0.5, 3.0], reduction="sum")
    array([0.5, 1. ])
    """
    return cast(FloatArray, _huber(y_true, y_pred, delta=delta, reduction=reduction, value=False)[1])


register(
    loss=huber,
    grad=huber_grad,
    core=_huber,
    readable=huber_readable,
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


def pseudo_huber_grad(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, delta: float = 1.0, reduction: str = "mean"
) -> FloatArray:
    r"""Gradient of :func:`pseudo_huber`: :math:`r / \sqrt{1 + (r/\delta)^2}`, over N for the mean.

    Examples
    --------
    >>> np.round(pseudo_huber_grad([0.0, 0.0], [0.75, -2.4], reduction="sum"), 6)
    array([ 0.6     , -0.923077])
    """
    return cast(FloatArray, _pseudo_huber(y_true, y_pred, delta=delta, reduction=reduction, value=False)[1])


register(
    loss=pseudo_huber,
    grad=pseudo_huber_grad,
    core=_pseudo_huber,
    readable=pseudo_huber_readable,
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
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    float or ndarray

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


def log_cosh_grad(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> FloatArray:
    r"""Gradient of :func:`log_cosh`: :math:`\tanh(\hat y - y)`, over N for the mean.

    Examples
    --------
    >>> log_cosh_grad([0.0, 0.0], [0.0, 1e4], reduction="sum")
    array([0., 1.])
    """
    return cast(FloatArray, _log_cosh(y_true, y_pred, reduction=reduction, value=False)[1])


register(
    loss=log_cosh,
    grad=log_cosh_grad,
    core=_log_cosh,
    readable=log_cosh_readable,
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
)


def quantile_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, tau: float = 0.5, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`quantile` and :func:`quantile_grad`, as chapter 2 writes them.

    .. math::

        \ell_\tau = \max\big(\tau\, e,\ (\tau - 1)\, e\big), \qquad
        \frac{\partial \ell_\tau}{\partial \hat y} = \begin{cases}
            -\tau & e > 0 \\ 1 - \tau & e < 0 \\ 0 & e = 0 \end{cases}, \qquad e = y - \hat y

    (the subgradient 0 at the kink). The fast path ``_quantile`` is tested against it.
    """
    e = np.asarray(y_true) - np.asarray(y_pred)
    loss = np.maximum(tau * e, (tau - 1) * e)
    grad = np.where(e > 0, -tau, np.where(e < 0, 1 - tau, 0.0))
    return reduce_readable(loss, grad, reduction)


def _quantile(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    tau: float = 0.5,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`quantile_readable` (value and/or gradient, sharing the residual)."""
    tau = check_scalar(tau, "tau", low=0, high=1, about="a quantile level")
    r = _residual(y_true, y_pred, reduction)  # y_pred - y_true = -(y_true - y_pred)
    t = r.dtype.type(tau)
    v = g = None
    if value:
        v = reduce(np.where(r <= 0, -t * r, (1 - t) * r).astype(r.dtype, copy=False), reduction)
    if grad:
        slope = np.where(r > 0, 1 - t, np.where(r < 0, -t, 0)).astype(r.dtype, copy=False)
        g = slope * r.dtype.type(grad_scale(reduction, r.size))
    return v, g


def quantile(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, tau: float = 0.5, reduction: str = "mean") -> Reduced:
    r"""Quantile (pinball) loss: its minimiser is the conditional :math:`\tau`-quantile.

    .. math::

        \ell_\tau(y, \hat y) = \max\big(\tau\, e,\ (\tau - 1)\, e\big), \qquad e = y - \hat y

    An under-prediction (:math:`e > 0`) costs :math:`\tau` per unit, an over-prediction
    :math:`1 - \tau`, so the minimiser of the expected loss is the :math:`\tau`-quantile of
    :math:`y`. :math:`\tau = 1/2` gives half the absolute error (the median).

    Parameters
    ----------
    y_true : array_like, any shape
    y_pred : array_like, same shape as ``y_true``
    tau : float in [0, 1]
        The quantile level (``alpha`` in scikit-learn).
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    float or ndarray

    Notes
    -----
    ``reduction="mean"`` equals ``sklearn.metrics.mean_pinball_loss(y_true, y_pred,
    alpha=tau)`` (for 2-D inputs: its uniform average over outputs, the same number).
    The loss is the negative log-likelihood of an asymmetric Laplace distribution with
    location :math:`\hat y`, up to constants. It has a kink at :math:`e = 0`, where the
    gradient is the subgradient 0, as for :func:`mae`. PyTorch and Keras have no pinball
    loss; tensorflow-addons' ``pinball_loss`` is the same function averaged over the last axis.

    References
    ----------
    .. [1] Koenker, R. and Bassett, G. (1978). Regression quantiles. *Econometrica* 46(1),
       33-50. (koenker1978regression)

    Examples
    --------
    >>> quantile([1.0, 1.0], [0.0, 3.0], tau=0.9, reduction="none")
    array([0.9, 0.2])
    """
    return cast(Reduced, _quantile(y_true, y_pred, tau=tau, reduction=reduction, grad=False)[0])


def quantile_grad(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, tau: float = 0.5, reduction: str = "mean"
) -> FloatArray:
    r"""Gradient of :func:`quantile` with respect to ``y_pred``.

    :math:`-\tau` where :math:`\hat y < y`, :math:`1 - \tau` where :math:`\hat y > y` and
    the subgradient 0 at :math:`\hat y = y`; over N for the mean.

    Examples
    --------
    >>> quantile_grad([1.0, 1.0, 1.0], [0.0, 3.0, 1.0], tau=0.9, reduction="sum")
    array([-0.9,  0.1,  0. ])
    """
    return cast(FloatArray, _quantile(y_true, y_pred, tau=tau, reduction=reduction, value=False)[1])


register(
    loss=quantile,
    grad=quantile_grad,
    core=_quantile,
    readable=quantile_readable,
    family="regression",
    prediction="real",
    target="real",
    distribution="asymmetric Laplace",
    convex=True,
    differentiable=False,
    robust=True,
    proper=None,
    reference="koenker1978regression",
    oracle="sklearn",
    summary="Pinball loss; estimates the conditional tau-quantile.",
)


def tukey_biweight_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, c: float = 4.685, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`tukey_biweight` and :func:`tukey_biweight_grad`, as chapter 2 writes them.

    .. math::

        \rho_c(r) = \begin{cases}
            \tfrac{c^2}{6}\Big(1 - \big(1 - (r/c)^2\big)^3\Big) & |r| \le c \\
            \tfrac{c^2}{6} & |r| > c \end{cases}, \qquad
        \psi_c(r) = \begin{cases} r\,\big(1 - (r/c)^2\big)^2 & |r| \le c \\ 0 & |r| > c \end{cases}

    with :math:`r = \hat y - y`. The textbook value cancels for :math:`|r| \ll c` (an absolute
    error of about :math:`c^2` times the machine epsilon); the fast path ``_tukey_biweight``,
    tested against this form, computes :math:`\frac{r^2}{6}(3 - 3u + u^2)`, :math:`u = (r/c)^2`.
    """
    r = np.asarray(y_pred) - np.asarray(y_true)
    inside = np.abs(r) <= c
    w = 1 - (r / c) ** 2
    loss = np.where(inside, c**2 / 6 * (1 - w**3), c**2 / 6)
    grad = np.where(inside, r * w**2, 0.0)
    return reduce_readable(loss, grad, reduction)


def _tukey_biweight(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    c: float = 4.685,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`tukey_biweight_readable` (value and/or gradient, sharing :math:`u = (r/c)^2`)."""
    c = check_positive_scalar(c, "c")
    r = _residual(y_true, y_pred, reduction)
    cc = option_in_dtype(c, "c", r.dtype)
    a = np.abs(r)
    inside = a <= cc
    m = np.minimum(a, cc)  # |r| clipped to c: no overflow in the squares below
    u = (m / cc) ** 2
    v = g = None
    if value:
        # c^2/6 (1 - (1 - u)^3) = r^2/6 (3 - 3u + u^2): no cancellation for small r
        v = reduce(
            np.where(inside, m * m * ((3 - 3 * u + u * u) / 6), cc * cc / 6).astype(r.dtype, copy=False), reduction
        )
    if grad:
        w = 1 - u
        # copysign(m, r) is r inside and finite outside (where w = 0): an infinite r gives 0, not inf * 0
        g = np.where(inside, np.copysign(m, r) * (w * w), 0).astype(r.dtype, copy=False) * r.dtype.type(
            grad_scale(reduction, r.size)
        )
    return v, g


def tukey_biweight(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, c: float = 4.685, reduction: str = "mean"
) -> Reduced:
    r"""Tukey's biweight (bisquare) loss: quadratic near zero, constant beyond :math:`c`.

    .. math::

        \rho_c(r) = \begin{cases}
            \dfrac{c^2}{6}\Big(1 - \big(1 - (r/c)^2\big)^3\Big) & |r| \le c \\[1ex]
            \dfrac{c^2}{6} & |r| > c
        \end{cases}, \qquad r = \hat y - y

    Its gradient :math:`\psi(r) = r\,(1 - (r/c)^2)^2` *redescends* to 0 at :math:`|r| = c`:
    residuals beyond :math:`c` have no influence at all, so gross outliers are ignored
    rather than merely down-weighted. The price is a non-convex loss (flat beyond
    :math:`c`): a fit can get stuck, so start it from a robust convex fit (Huber, L1).

    Parameters
    ----------
    y_true : array_like, any shape
    y_pred : array_like, same shape as ``y_true``
    c : float > 0
        The rejection point. The default 4.685 gives 95% efficiency at the Gaussian with
        unit scale; scale the residuals (e.g. by a robust estimate of their spread) first.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    float or ndarray

    Notes
    -----
    Computed as :math:`\frac{r^2}{6}\,(3 - 3u + u^2)` with :math:`u = (r/c)^2`, which
    keeps full precision for small residuals (the textbook form cancels). It is twice
    continuously differentiable: :math:`\psi` and :math:`\psi'` both vanish at
    :math:`|r| = c`. Neither PyTorch, Keras nor scikit-learn has it (statsmodels'
    ``TukeyBiweight`` norm is the same :math:`\rho`).

    References
    ----------
    .. [1] Beaton, A. E. and Tukey, J. W. (1974). The fitting of power series, meaning
       polynomials, illustrated on band-spectroscopic data. *Technometrics* 16(2), 147-185.
       (beaton1974fitting)

    Examples
    --------
    >>> tukey_biweight([0.0, 0.0], [1.0, 10.0], c=2.0, reduction="none")
    array([0.38541667, 0.66666667])
    """
    return cast(Reduced, _tukey_biweight(y_true, y_pred, c=c, reduction=reduction, grad=False)[0])


def tukey_biweight_grad(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, c: float = 4.685, reduction: str = "mean"
) -> FloatArray:
    r"""Gradient of :func:`tukey_biweight`: :math:`r\,(1 - (r/c)^2)^2` for :math:`|r| \le c`, else 0.

    Examples
    --------
    >>> tukey_biweight_grad([0.0, 0.0], [1.0, 10.0], c=2.0, reduction="sum")
    array([0.5625, 0.    ])
    """
    return cast(FloatArray, _tukey_biweight(y_true, y_pred, c=c, reduction=reduction, value=False)[1])


register(
    loss=tukey_biweight,
    grad=tukey_biweight_grad,
    core=_tukey_biweight,
    readable=tukey_biweight_readable,
    family="regression",
    prediction="real",
    target="real",
    distribution=None,
    convex=False,
    differentiable=True,
    robust=True,
    proper=None,
    reference="beaton1974fitting",
    oracle="closed form",
    summary="Redescending: residuals beyond c have no influence; not convex.",
)


# --------------------------------------------------------------------------
# Charbonnier loss: the smooth L1 of image restoration
# --------------------------------------------------------------------------


def charbonnier_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, eps: float = 1e-3, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`charbonnier` and :func:`charbonnier_grad`: the definition.

    .. math::

        \ell_\varepsilon = \sqrt{r^2 + \varepsilon^2} - \varepsilon, \qquad
        \frac{\partial \ell_\varepsilon}{\partial \hat y} = \frac{r}{\sqrt{r^2 + \varepsilon^2}},
        \qquad r = \hat y - y

    The textbook value cancels for :math:`|r| \ll \varepsilon` (an absolute error of about
    :math:`\varepsilon` times the machine epsilon) and :math:`r^2` overflows beyond
    :math:`|r| \approx 10^{154}`; the fast path ``_charbonnier``, tested against this form,
    computes :math:`r^2 / (\sqrt{r^2 + \varepsilon^2} + \varepsilon)` with ``np.hypot``.
    """
    r = np.asarray(y_pred) - np.asarray(y_true)
    root = np.sqrt(r**2 + eps**2)
    return reduce_readable(root - eps, r / root, reduction)


def _charbonnier(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    eps: float = 1e-3,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`charbonnier_readable` (value and/or gradient, sharing ``hypot(eps, r)``)."""
    eps = check_positive_scalar(eps, "eps")
    r = _residual(y_true, y_pred, reduction)
    e = option_in_dtype(eps, "eps", r.dtype)  # 0 would leave the loss undefined at r = 0
    a = np.abs(r)
    h = np.hypot(e, a)  # sqrt(r^2 + eps^2), without overflow of r^2
    infinite = np.isinf(h.max())  # an infinite residual: the limits below, not inf / inf
    v = g = None
    with np.errstate(invalid="ignore") if infinite else contextlib.nullcontext():
        if value:
            # sqrt(r^2 + eps^2) - eps = r^2 / (h + eps): no cancellation for small r, no overflow for large r
            terms = a * (a / (h + e))
            v = reduce(np.where(np.isinf(a), a, terms) if infinite else terms, reduction)
        if grad:
            # clipped: |r| / h <= 1 also after rounding (bounded influence, exactly); +-1 at r = +-inf
            ratio = r / h
            if infinite:
                ratio = np.where(np.isinf(r), np.sign(r), ratio)
            g = np.clip(ratio, -1, 1).astype(r.dtype, copy=False) * r.dtype.type(grad_scale(reduction, r.size))
    return v, g


def charbonnier(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, eps: float = 1e-3, reduction: str = "mean") -> Reduced:
    r"""Charbonnier loss: a smooth absolute error, :math:`\sqrt{r^2 + \varepsilon^2}` shifted to vanish at 0.

    .. math::

        \ell_\varepsilon(r) = \sqrt{r^2 + \varepsilon^2} - \varepsilon, \qquad r = \hat y - y

    It behaves like :math:`r^2/(2\varepsilon)` for :math:`|r| \ll \varepsilon` and like
    :math:`|r| - \varepsilon` for :math:`|r| \gg \varepsilon`: with the small default
    :math:`\varepsilon` it is the absolute error (the conditional median) made differentiable at 0.
    It is convex, has derivatives of every order, and its gradient
    :math:`r / \sqrt{r^2 + \varepsilon^2}` is bounded by 1, so one outlier has bounded influence.

    Parameters
    ----------
    y_true : array_like, any shape
        Targets.
    y_pred : array_like, same shape as ``y_true``
        Predictions. Its floating dtype is the dtype of the result.
    eps : float > 0
        The smoothing scale, in units of the target: the width of the quadratic bowl around 0.
        The default 1e-3 is LapSRN's. Refused if it rounds to 0 or overflows in ``y_pred``'s dtype.
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per element. An infinite residual gives the limits: loss
        inf, gradient :math:`\pm 1` (divided by the mean's count).

    Returns
    -------
    float or ndarray
        A scalar for ``"mean"`` and ``"sum"``, an array of ``y_pred``'s shape for ``"none"``.

    Raises
    ------
    ValueError
        If ``eps`` is not a finite number > 0, or rounds to 0 in ``y_pred``'s dtype.
    TypeError
        If ``eps`` is not a real number.

    Notes
    -----
    **The constant.** Image-restoration code (LapSRN and its successors) computes
    :math:`\sqrt{r^2 + \varepsilon^2}` without subtracting :math:`\varepsilon`; losslib subtracts
    it so that a perfect prediction costs 0, as for every other loss here, and so that
    ``reduction="sum"`` does not carry an offset of :math:`N\varepsilon`. The gradient is the same,
    so training is unaffected; to reproduce LapSRN's number add ``eps`` to the mean
    (``N * eps`` to the sum). Up to that constant, the loss is the negative log-likelihood of the
    symmetric hyperbolic distribution, with density proportional to
    :math:`\exp\big(-\sqrt{r^2 + \varepsilon^2}\big)`.

    **Relation to** :func:`pseudo_huber`. The two are the same function up to a scale:
    ``charbonnier(y, p, eps=e) == pseudo_huber(y, p, delta=e) / e`` (and so
    :math:`\sqrt{r^2 + \varepsilon^2} = \ell^{\text{pseudo-Huber}}_\varepsilon(r)/\varepsilon +
    \varepsilon`). The scale matters: pseudo-Huber fixes the curvature at 0 (it is :math:`r^2/2`
    near 0, and its gradient grows to :math:`\delta`), Charbonnier fixes the slope in the tails (1,
    as the absolute error, whatever :math:`\varepsilon`).

    **Stability.** Computed as :math:`r^2 / (\sqrt{r^2 + \varepsilon^2} + \varepsilon)` with
    ``np.hypot``: the textbook :math:`\sqrt{r^2 + \varepsilon^2} - \varepsilon` cancels
    catastrophically for :math:`|r| \ll \varepsilon` (it keeps 3 of 16 digits at
    :math:`r = 10^{-9}`, :math:`\varepsilon = 10^{-3}`) and :math:`r^2` overflows beyond
    :math:`|r| \approx 10^{154}` (float64) and :math:`10^{19}` (float32); this form keeps full
    relative precision for every finite :math:`r`. PyTorch and Keras have no Charbonnier loss.

    References
    ----------
    .. [1] Charbonnier, P., Blanc-Féraud, L., Aubert, G. and Barlaud, M. (1994). Two deterministic
       half-quadratic regularization algorithms for computed imaging. *Proc. ICIP* 2, 168-172.
       (charbonnier1994two)
    .. [2] Lai, W.-S., Huang, J.-B., Ahuja, N. and Yang, M.-H. (2017). Deep Laplacian pyramid
       networks for fast and accurate super-resolution. *CVPR*, 5835-5843. (lai2017deep)

    Examples
    --------
    With :math:`\varepsilon = 0.9` the residuals 1.2 and -4 make the right triangles 0.9-1.2-1.5 and
    0.9-4-4.1:

    >>> charbonnier([0.0, 0.0, 1.0], [0.0, 1.2, -3.0], eps=0.9, reduction="none")
    array([0. , 0.6, 3.2])
    >>> float(charbonnier([0.0, 0.0], [0.0, 1e200]))  # (0 + (1e200 - 0.001)) / 2
    5e+199
    """
    return cast(Reduced, _charbonnier(y_true, y_pred, eps=eps, reduction=reduction, grad=False)[0])


def charbonnier_grad(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, eps: float = 1e-3, reduction: str = "mean"
) -> FloatArray:
    r"""Gradient of :func:`charbonnier`: :math:`r / \sqrt{r^2 + \varepsilon^2}`, over N for the mean.

    Examples
    --------
    >>> charbonnier_grad([0.0, 0.0, 1.0], [0.0, 1.2, -3.0], eps=0.9, reduction="sum")  # 1.2/1.5, -4/4.1
    array([ 0.        ,  0.8       , -0.97560976])
    """
    return cast(FloatArray, _charbonnier(y_true, y_pred, eps=eps, reduction=reduction, value=False)[1])


register(
    loss=charbonnier,
    grad=charbonnier_grad,
    core=_charbonnier,
    readable=charbonnier_readable,
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
    summary="Charbonnier, sqrt(r^2 + eps^2) - eps: a smooth absolute error (not SmoothL1Loss, a scaled Huber).",
)


# --------------------------------------------------------------------------
# Relative errors: the mean squared logarithmic error
# --------------------------------------------------------------------------


def _check_above_minus_one(arr: np.ndarray, name: str) -> None:
    bad = ~(arr > -1)
    if bad.any():
        index = _first_index(bad)
        raise ValueError(
            f"{name} must be > -1 for msle (log(1 + {name}) is undefined at and below -1), but "
            f"{_where(name, index)} = {arr[index].item()!r}; msle suits non-negative quantities such "
            "as counts or prices: for signed targets use mse"
        )


def msle_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`msle` and :func:`msle_grad`, as chapter 2 writes them.

    .. math::

        \ell = \big(\log(1 + \hat y) - \log(1 + y)\big)^2, \qquad
        \frac{\partial \ell}{\partial \hat y} = \frac{2\,\big(\log(1 + \hat y) - \log(1 + y)\big)}{1 + \hat y}

    (``np.log1p`` is :math:`\log(1 + x)`, accurate also for small :math:`x`). The fast path
    ``_msle`` is tested against it.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    diff = np.log1p(y_pred) - np.log1p(y_true)
    return reduce_readable(diff**2, 2 * diff / (1 + y_pred), reduction)


def _msle(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean", value: bool = True, grad: bool = True
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`msle_readable` (value and/or gradient, sharing the log difference)."""
    check_reduction(reduction)
    y_pred = as_float_array(y_pred, "y_pred")
    y_true = as_float_array(y_true, "y_true", dtype=y_pred.dtype)
    check_same_shape(y_true, "y_true", y_pred, "y_pred")
    _check_above_minus_one(y_true, "y_true")
    _check_above_minus_one(y_pred, "y_pred")
    diff = np.log1p(y_pred) - np.log1p(y_true)
    v = g = None
    if value:
        v = reduce(diff * diff, reduction)
    if grad:
        if np.isinf(y_pred.max()):  # the limit 2 log(p) / p -> 0 where y_pred = +inf (not inf / inf)
            with np.errstate(invalid="ignore"):
                g = np.where(np.isinf(y_pred), 0, 2 * diff / (1 + y_pred))
        else:
            g = 2 * diff / (1 + y_pred)
        g = g * y_pred.dtype.type(grad_scale(reduction, y_pred.size))
    return v, g


def msle(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> Reduced:
    r"""Mean squared logarithmic error: the squared error of :math:`\log(1 + y)`.

    .. math:: \ell(y, \hat y) = \big(\log(1 + \hat y) - \log(1 + y)\big)^2

    It penalises the *ratio* :math:`(1 + \hat y)/(1 + y)`, so relative errors count, not
    absolute ones, and under-predicting costs more than over-predicting by the same amount.

    Parameters
    ----------
    y_true : array_like, any shape
        Targets, every one > -1.
    y_pred : array_like, same shape as ``y_true``
        Predictions, every one > -1.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    float or ndarray

    Raises
    ------
    ValueError
        If any target or prediction is :math:`\le -1`, where the logarithm is undefined.

    Notes
    -----
    The domain is :math:`y, \hat y > -1`, the domain of ``log1p``, as in scikit-learn's
    ``mean_squared_log_error`` (recent versions, such as 1.9; older ones required
    :math:`\ge 0`), whose value ``reduction="mean"`` equals. Keras's
    ``mean_squared_logarithmic_error`` instead clips both inputs at a small positive epsilon
    silently (a negative prediction counts as 0) and averages over the last axis first. The loss is not convex in
    :math:`\hat y` (it bends down once :math:`\log\frac{1 + \hat y}{1 + y} > 1`), and as the
    target grows, its gradient grows like :math:`\log y`: slowly, but without bound.

    References
    ----------
    .. [1] Tofallis, C. (2015). A better measure of relative prediction accuracy for model
       selection and model estimation. *Journal of the Operational Research Society* 66(8),
       1352-1362. (tofallis2015better)

    Examples
    --------
    >>> round(float(msle([0.0, 3.0], [1.0, 3.0])), 12)
    0.240226506959
    """
    return cast(Reduced, _msle(y_true, y_pred, reduction=reduction, grad=False)[0])


def msle_grad(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> FloatArray:
    r"""Gradient of :func:`msle`: :math:`2\,(\log(1 + \hat y) - \log(1 + y)) / (1 + \hat y)`, over N for the mean.

    Examples
    --------
    >>> msle_grad([0.0], [np.e - 1], reduction="sum")
    array([0.73575888])
    """
    return cast(FloatArray, _msle(y_true, y_pred, reduction=reduction, value=False)[1])


def _sample_msle(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Targets and predictions > -1 (msle's domain), spread over a few orders of magnitude."""
    return {"y_true": np.expm1(rng.uniform(-1.5, 3.0, size=n)), "y_pred": np.expm1(rng.uniform(-1.5, 3.0, size=n))}


register(
    loss=msle,
    grad=msle_grad,
    core=_msle,
    readable=msle_readable,
    family="regression",
    prediction="real",
    target="real",
    distribution=None,
    convex=False,
    differentiable=True,
    robust=False,
    proper=None,
    reference="tofallis2015better",
    oracle="sklearn",
    sampler=_sample_msle,
    summary="Squared error of log(1 + y); penalises ratios, for y > -1.",
)
