r"""Relative errors: the mean squared logarithmic error, a squared error on :math:`\log(1 + y)`."""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import grad_scale, reduce, reduce_readable
from .._typing import FloatArray, Reduced
from .._validation import (
    _first_index,
    _where,
    float_pair,
)
from .._wrappers import gradient

__all__ = [
    "msle",
    "msle_grad",
]

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
    y_true, y_pred = float_pair(y_true, y_pred, reduction)
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


@shared_doc
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
    {reduction}

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


msle_grad = gradient(
    msle,
    _msle,
    doc=r"""Gradient of :func:`msle`: :math:`2\,(\log(1 + \hat y) - \log(1 + y)) / (1 + \hat y)`, over N for the mean.

    Examples
    --------
    >>> msle_grad([0.0], [np.e - 1], reduction="sum")
    array([0.73575888])
    """,
)


def _sample_msle(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Targets and predictions > -1 (msle's domain), spread over a few orders of magnitude."""
    return {"y_true": np.expm1(rng.uniform(-1.5, 3.0, size=n)), "y_pred": np.expm1(rng.uniform(-1.5, 3.0, size=n))}


register(
    msle,
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
    equivalents=Equivalents(
        keras="keras.losses.MeanSquaredLogarithmicError()(y_true, y_pred)",
        note=(
            "Keras clips both inputs at 1e-7 before the log, so it agrees for non-negative inputs only (losslib "
            "takes anything above -1). PyTorch and optax have no MSLE."
        ),
    ),
)
