r"""The Poisson negative log-likelihood of counts, given a rate or a log-rate (PyTorch's
``poisson_nll_loss``).
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from .. import _kernels
from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import grad_scale, reduce, reduce_readable
from .._typing import FloatArray, Reduced
from .._validation import (
    check_finite,
    check_flag,
    check_positive_scalar,
    fast_then_full,
)
from .._wrappers import gradient
from ._inputs import _check_not_below, _point_inputs

__all__ = [
    "poisson_nll",
    "poisson_nll_grad",
]

# --------------------------------------------------------------------------
# Poisson
# --------------------------------------------------------------------------


def poisson_nll_readable(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`poisson_nll` and :func:`poisson_nll_grad`, as chapter 2 writes them.

    .. math::

        \ell = e^{x} - y\,x, \quad \frac{\partial \ell}{\partial x} = e^{x} - y
        \quad \text{(log-rates } x\text{)}; \qquad
        \ell = \lambda - y \log(\lambda + \varepsilon), \quad
        \frac{\partial \ell}{\partial \lambda} = 1 - \frac{y}{\lambda + \varepsilon}
        \quad \text{(rates, } 0 \log 0 = 0\text{)}

    ``full=True`` adds PyTorch's Stirling term :math:`y\log y - y + \frac12\log(2\pi y)` for
    :math:`y > 1`. The fast path ``_poisson_nll`` is tested against it.
    """
    y, x = np.asarray(y_true), np.asarray(y_pred)
    if log_input:
        loss, grad = np.exp(x) - y * x, np.exp(x) - y
    else:  # where y = 0 the term y log(rate + eps) is 0, whatever the rate
        loss = x - np.where(y > 0, y * np.log(x + eps), 0.0)
        grad = 1 - np.where(y > 0, y / (x + eps), 0.0)
    if full:
        y_big = np.where(y > 1, y, 2.0)  # the term is 0 for y <= 1 (and log 0 is not taken)
        loss = loss + np.where(y > 1, y_big * np.log(y_big) - y_big + 0.5 * np.log(2 * np.pi * y_big), 0.0)
    return reduce_readable(loss, grad, reduction)


def _poisson_nll(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`poisson_nll_readable` (blocks of one exp each for log-rates without ``full``)."""
    log_input = check_flag(log_input, "log_input")
    full = check_flag(full, "full")
    eps = check_positive_scalar(eps, "eps", allow_zero=True)
    if log_input and not full:
        return _poisson_log_input(y_true, y_pred, reduction, value, grad)
    y, x = _point_inputs(y_true, y_pred, "y_pred", reduction)
    _check_not_below(y, "y_true", 0.0, "counts", "; Poisson targets are counts (or other non-negative numbers)")
    if not log_input:
        _check_not_below(x, "y_pred", 0.0, "rates", "; if these are log-rates, pass log_input=True")
    _check_poisson_finite(y, x, log_input)
    out_v = out_g = None
    positive = y > 0
    values: FloatArray
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if log_input:
            e = np.exp(x)
        else:
            shifted = x + x.dtype.type(eps)
        if value:
            if log_input:
                values = e - y * x
            else:
                # y log(rate + eps), with 0 log 0 = 0 (PyTorch gives NaN for a zero rate with eps=0 and y=0)
                values = x - np.where(positive, y * np.log(shifted), 0)
            if full:
                big = y > 1
                ys = np.where(big, y, 2)
                stirling = ys * np.log(ys) - ys + 0.5 * np.log(2 * np.pi * ys)
                values = values + np.where(big, stirling, 0)
            out_v = reduce(values.astype(x.dtype, copy=False), reduction)
        if grad:
            g = e - y if log_input else 1 - np.where(positive, y / shifted, 0)
            out_g = (g * x.dtype.type(grad_scale(reduction, x.size))).astype(x.dtype, copy=False)
    return out_v, out_g


def _check_poisson_finite(y: FloatArray, x: FloatArray, log_input: bool) -> None:
    """Refuse infinite counts and (log-)rates: ``e^x - y x`` would be inf - inf (see CONTRIBUTING)."""
    check_finite(y, "y_true", "counts", "an infinite count has no Poisson likelihood")
    what = "log-rates" if log_input else "rates"
    check_finite(x, "y_pred", what, f"an infinite {what[:-1]} has no Poisson likelihood; clip y_pred")


def _poisson_log_input(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, reduction: str, value: bool, grad: bool
) -> tuple[Reduced | None, FloatArray | None]:
    """:func:`poisson_nll` with log-rates and without Stirling's term, by blocks: one exp per element."""

    def checked() -> None:
        y, x = _point_inputs(y_true, y_pred, "y_pred", reduction)
        _check_not_below(y, "y_true", 0.0, "counts", "; Poisson targets are counts (or other non-negative numbers)")
        _check_poisson_finite(y, x, True)

    # without the scans for NaNs: a NaN makes the block's results NaN, and then checked() raises
    with fast_then_full(checked):
        y, x = _point_inputs(y_true, y_pred, "y_pred", reduction, nan=False)
        if not y.min() >= 0:
            raise ValueError

    def kernel(
        y: FloatArray, x: FloatArray, v: FloatArray | None, g: FloatArray | None, count: float, tmp: list[FloatArray]
    ) -> None:
        e, t = tmp
        np.exp(x, out=e)
        if v is not None:
            np.multiply(y, x, out=t)
            np.subtract(e, t, out=v)  # e^x - y x
        if g is not None:
            np.subtract(e, y, out=g)
            if count != 1:
                np.divide(g, count, out=g)

    with np.errstate(over="ignore", invalid="ignore"):
        return _kernels.elementwise_pair(
            kernel, y, x, value=value, grad=grad, reduction=reduction, recheck=checked, finite=1
        )


@shared_doc
def poisson_nll(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> Reduced:
    r"""Poisson negative log-likelihood of counts, given a predicted log-rate (or rate).

    With ``log_input=True`` (the default) ``y_pred`` is the log-rate :math:`x = \log\lambda`:

    .. math:: \ell(y, x) = e^{x} - y\,x

    and with ``log_input=False`` it is the rate :math:`\lambda` itself:
    :math:`\ell(y, \lambda) = \lambda - y \log(\lambda + \varepsilon)`. Both drop
    :math:`\log y!`; ``full=True`` adds its Stirling approximation
    :math:`y\log y - y + \frac12\log(2\pi y)` for :math:`y > 1` (0 for :math:`y \le 1`).

    Parameters
    ----------
    y_true : array_like, any shape
        Counts, >= 0 (non-integers are accepted: the quasi-likelihood of GLMs).
    y_pred : array_like, same shape as ``y_true``
        Log-rates (any finite real number), or finite rates >= 0 with ``log_input=False``;
        ±inf is refused, in ``y_pred`` and in the counts ``y_true``.
    log_input : bool
        Whether ``y_pred`` is a log-rate (the canonical link: the loss is convex and needs
        no positivity constraint).
    full : bool
        Add the Stirling approximation of :math:`\log y!`.
    eps : float >= 0
        Added to the rate inside the log when ``log_input=False``.
    {reduction}

    Notes
    -----
    Same as ``torch.nn.functional.poisson_nll_loss(y_pred, y_true, log_input, full, eps=eps,
    reduction=reduction)`` in every option, including PyTorch's Stirling term (which is
    only an approximation of :math:`\log y!`: 0.651 instead of 0.693 at :math:`y = 2`),
    except that losslib refuses negative counts and negative rates, and takes
    :math:`0 \log 0 = 0`, so a zero rate with ``eps=0`` and a zero count costs 0 (PyTorch: NaN).
    With ``log_input=True``, :math:`e^{x}` overflows for :math:`x > 709` (float64) and
    :math:`x > 88` (float32), where the loss itself is that large. Keras's ``poisson``
    takes the rate and uses :math:`\log(\lambda + 10^{-7})`.

    References
    ----------
    .. [1] Nelder, J. A. and Wedderburn, R. W. M. (1972). Generalized linear models.
       *JRSS A* 135(3), 370-384. (nelder1972generalized)

    Examples
    --------
    >>> poisson_nll([0.0, 2.0], [0.0, np.log(2.0)], reduction="none")
    array([1.        , 0.61370564])
    """
    return cast(
        Reduced,
        _poisson_nll(y_true, y_pred, log_input=log_input, full=full, eps=eps, reduction=reduction, grad=False)[0],
    )


poisson_nll_grad = gradient(
    poisson_nll,
    _poisson_nll,
    doc=r"""Gradient of :func:`poisson_nll` with respect to ``y_pred``.

    :math:`e^{x} - y` for log-rates, :math:`1 - y/(\lambda + \varepsilon)` for rates (0 where
    :math:`y = 0`); over N for the mean.

    Examples
    --------
    >>> poisson_nll_grad([0.0, 2.0], [0.0, np.log(2.0)], reduction="sum")
    array([1., 0.])
    """,
)


def _sample_poisson(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    log_rate = rng.normal(1.0, 1.0, size=n)
    return {"y_true": rng.poisson(np.exp(log_rate)).astype(np.float64), "y_pred": rng.normal(1.0, 1.0, size=n)}


register(
    poisson_nll,
    family="regression",
    prediction="log-rate",
    target="count",
    distribution="Poisson",
    convex=True,
    differentiable=True,
    robust=False,
    proper=True,
    reference="nelder1972generalized",
    oracle="torch",
    sampler=_sample_poisson,
    summary="Poisson NLL of counts given a log-rate (the GLM with log link).",
    equivalents=Equivalents(
        torch="torch.nn.functional.poisson_nll_loss(y_pred, y_true, log_input=log_input, full=full, eps=eps)",
        note=(
            "Keras' `Poisson` takes the rate and adds 1e-7 inside the log (losslib's `log_input=False, "
            "eps=1e-7`), so it differs at the default `log_input=True`; optax has no Poisson loss."
        ),
    ),
)
