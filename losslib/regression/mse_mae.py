r"""The squared and the absolute error: the Gaussian and the Laplace negative log-likelihoods of a
point prediction, estimating the conditional mean and the conditional median.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import reduce_readable
from .._typing import FloatArray, Reduced
from .._wrappers import gradient
from ._residuals import _run

__all__ = [
    "mae",
    "mae_grad",
    "mse",
    "mse_grad",
]


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


mse_grad = gradient(
    mse,
    _mse,
    doc=r"""Gradient of :func:`mse` with respect to ``y_pred``: :math:`2(\hat y - y)/N` for the mean.

    Examples
    --------
    >>> mse_grad([0.0, 0.0], [1.0, -3.0])
    array([ 1., -3.])
    """,
)


register(
    mse,
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
    equivalents=Equivalents(
        torch="torch.nn.functional.mse_loss(y_pred, y_true)",
        keras="keras.losses.MeanSquaredError()(y_true, y_pred)",
        optax="optax.losses.squared_error(y_pred, y_true).mean()",
        note=(
            "PyTorch broadcasts inputs of different shapes, losslib refuses them; optax's `squared_error` is per "
            "element (take the mean)."
        ),
    ),
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


@shared_doc
def mae(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> Reduced:
    r"""Mean absolute error.

    .. math:: \ell(y, \hat y) = |\hat y - y|

    The negative log-likelihood of a Laplace distribution with location
    :math:`\hat y` and fixed scale; minimising it estimates the conditional median.

    Parameters
    ----------
    y_true : array_like, any shape
    y_pred : array_like, same shape as ``y_true``
    {reduction}

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


mae_grad = gradient(
    mae,
    _mae,
    doc=r"""Gradient of :func:`mae`: :math:`\operatorname{sign}(\hat y - y)/N` for the mean.

    At a perfect prediction the loss has a kink; like PyTorch we return the
    subgradient 0 there.

    Examples
    --------
    >>> mae_grad([0.0, 0.0, 0.0], [2.0, 0.0, -1.0], reduction="sum")
    array([ 1.,  0., -1.])
    """,
)


register(
    mae,
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
    equivalents=Equivalents(
        torch="torch.nn.functional.l1_loss(y_pred, y_true)",
        keras="keras.losses.MeanAbsoluteError()(y_true, y_pred)",
        note="optax has no absolute-error loss.",
    ),
)
