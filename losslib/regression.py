r"""Regression losses: functions of the residual :math:`r = \hat y - y`.

All losses here are elementwise: ``reduction="mean"`` averages over every element
and ``reduction="none"`` returns one loss per element, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._info import LossInfo
from ._reduction import grad_scale, reduce
from ._validation import as_float_array, check_positive_scalar, check_reduction, check_same_shape

__all__ = ["huber", "huber_grad", "mae", "mae_grad", "mse", "mse_grad"]


def _residual(y_true: Any, y_pred: Any, reduction: str) -> np.ndarray:
    """Validate a regression call and return ``y_pred - y_true`` in y_pred's dtype."""
    check_reduction(reduction)
    y_pred = as_float_array(y_pred, "y_pred")
    y_true = as_float_array(y_true, "y_true", dtype=y_pred.dtype)
    check_same_shape(y_true, "y_true", y_pred, "y_pred")
    return y_pred - y_true


def _mse(y_true: Any, y_pred: Any, *, reduction: str = "mean", value: bool = True, grad: bool = True):
    """Value and/or gradient of :func:`mse`, sharing the residual."""
    r = _residual(y_true, y_pred, reduction)
    return (
        reduce(r * r, reduction) if value else None,
        r * (2.0 * grad_scale(reduction, r.size)) if grad else None,
    )


def mse(y_true: Any, y_pred: Any, *, reduction: str = "mean"):
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
    return _mse(y_true, y_pred, reduction=reduction, grad=False)[0]


def mse_grad(y_true: Any, y_pred: Any, *, reduction: str = "mean") -> np.ndarray:
    r"""Gradient of :func:`mse` with respect to ``y_pred``: :math:`2(\hat y - y)/N` for the mean.

    Examples
    --------
    >>> mse_grad([0.0, 0.0], [1.0, -3.0])
    array([ 1., -3.])
    """
    return _mse(y_true, y_pred, reduction=reduction, value=False)[1]


def _mae(y_true: Any, y_pred: Any, *, reduction: str = "mean", value: bool = True, grad: bool = True):
    """Value and/or gradient of :func:`mae`, sharing the residual."""
    r = _residual(y_true, y_pred, reduction)
    return (
        reduce(np.abs(r), reduction) if value else None,
        np.sign(r) * r.dtype.type(grad_scale(reduction, r.size)) if grad else None,
    )


def mae(y_true: Any, y_pred: Any, *, reduction: str = "mean"):
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
    return _mae(y_true, y_pred, reduction=reduction, grad=False)[0]


def mae_grad(y_true: Any, y_pred: Any, *, reduction: str = "mean") -> np.ndarray:
    r"""Gradient of :func:`mae`: :math:`\operatorname{sign}(\hat y - y)/N` for the mean.

    At a perfect prediction the loss has a kink; like PyTorch we return the
    subgradient 0 there.

    Examples
    --------
    >>> mae_grad([0.0, 0.0, 0.0], [2.0, 0.0, -1.0], reduction="sum")
    array([ 1.,  0., -1.])
    """
    return _mae(y_true, y_pred, reduction=reduction, value=False)[1]


def _huber(
    y_true: Any, y_pred: Any, *, delta: float = 1.0, reduction: str = "mean", value: bool = True, grad: bool = True
):
    """Value and/or gradient of :func:`huber`, sharing the residual."""
    delta = check_positive_scalar(delta, "delta")
    r = _residual(y_true, y_pred, reduction)
    v = g = None
    if value:
        a = np.abs(r)
        v = reduce(np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta)).astype(r.dtype, copy=False), reduction)
    if grad:
        g = np.clip(r, -delta, delta) * r.dtype.type(grad_scale(reduction, r.size))
    return v, g


def huber(y_true: Any, y_pred: Any, *, delta: float = 1.0, reduction: str = "mean"):
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
    return _huber(y_true, y_pred, delta=delta, reduction=reduction, grad=False)[0]


def huber_grad(y_true: Any, y_pred: Any, *, delta: float = 1.0, reduction: str = "mean") -> np.ndarray:
    r"""Gradient of :func:`huber`: the residual clipped to :math:`[-\delta, \delta]`, over N for the mean.

    Examples
    --------
    >>> huber_grad([0.0, 0.0], [0.5, 3.0], reduction="sum")
    array([0.5, 1. ])
    """
    return _huber(y_true, y_pred, delta=delta, reduction=reduction, value=False)[1]


ENTRIES = [
    LossInfo("mse", mse, mse_grad, _mse, "regression", "real", "real", "Gaussian",
             convex=True, differentiable=True, robust=False, proper=None,
             reference="gauss1809theoria",
             summary="Squared residual; estimates the conditional mean."),
    LossInfo("mae", mae, mae_grad, _mae, "regression", "real", "real", "Laplace",
             convex=True, differentiable=False, robust=True, proper=None,
             reference="koenker1978regression",
             summary="Absolute residual; estimates the conditional median."),
    LossInfo("huber", huber, huber_grad, _huber, "regression", "real", "real", None,
             convex=True, differentiable=True, robust=True, proper=None,
             reference="huber1964robust",
             summary="Quadratic for small residuals, linear for large ones."),
]
