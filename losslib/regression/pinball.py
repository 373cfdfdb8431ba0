r"""The quantile (pinball) loss: an asymmetric absolute error that estimates the conditional
:math:`\tau`-quantile.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import grad_scale, reduce, reduce_readable
from .._typing import FloatArray, Reduced
from .._validation import check_scalar
from .._wrappers import gradient
from ._residuals import _residual

__all__ = [
    "quantile",
    "quantile_grad",
]


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


@shared_doc
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
    {reduction}

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


quantile_grad = gradient(
    quantile,
    _quantile,
    doc=r"""Gradient of :func:`quantile` with respect to ``y_pred``.

    :math:`-\tau` where :math:`\hat y < y`, :math:`1 - \tau` where :math:`\hat y > y` and
    the subgradient 0 at :math:`\hat y = y`; over N for the mean.

    Examples
    --------
    >>> quantile_grad([1.0, 1.0, 1.0], [0.0, 3.0, 1.0], tau=0.9, reduction="sum")
    array([-0.9,  0.1,  0. ])
    """,
)


register(
    quantile,
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
    equivalents=Equivalents(
        note=(
            "None of PyTorch, Keras and optax has a pinball loss (tensorflow-addons' `pinball_loss` is the same "
            "function averaged over the last axis)."
        ),
    ),
)
