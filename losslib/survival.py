r"""Survival times: the Weibull negative log-likelihood, with right-censored observations.

A time that is right-censored (the study ended, the patient left, the machine is still running)
says only that the event happens later: it contributes the log of the survival function
:math:`S(t) = P(T > t)` instead of the log-density. Elementwise, like the other likelihoods.
"""

from __future__ import annotations

from typing import NamedTuple, cast

import numpy as np
import numpy.typing as npt

from ._distributions import check_positive, finish, float_inputs
from ._docstrings import shared_doc
from ._info import Equivalents, register
from ._reduction import reduce_readable
from ._typing import FloatArray, Reduced
from ._validation import as_any_array, check_same_shape
from ._wrappers import gradient

__all__ = ["weibull_nll", "weibull_nll_grad"]


class WeibullNLLGrad(NamedTuple):
    """Gradient of :func:`weibull_nll` with respect to ``scale`` and ``concentration``."""

    scale: FloatArray
    concentration: FloatArray


def weibull_nll_readable(
    y_true: npt.ArrayLike,
    scale: npt.ArrayLike,
    concentration: npt.ArrayLike,
    *,
    censored: npt.ArrayLike | None = None,
    reduction: str = "mean",
) -> tuple[Reduced, WeibullNLLGrad]:
    r"""Readable form of :func:`weibull_nll` and its gradient: the likelihood as the book writes it.

    .. math::

        \ell = \Big(\frac t\lambda\Big)^k - \delta\Big(\log\frac k\lambda + (k - 1)\log\frac t\lambda\Big),
        \qquad \delta = 0 \text{ if censored, else } 1
    """
    t, lam, k = (np.asarray(v, dtype=float) for v in (y_true, scale, concentration))
    observed = 1.0 if censored is None else 1.0 - np.asarray(censored, dtype=float)
    loss = (t / lam) ** k - observed * (np.log(k / lam) + (k - 1) * np.log(t / lam))
    g_scale = k * (observed - (t / lam) ** k) / lam
    g_conc = (t / lam) ** k * np.log(t / lam) - observed * (1 / k + np.log(t / lam))
    return reduce_readable(loss, WeibullNLLGrad(g_scale, g_conc), reduction)


def _censoring(censored: npt.ArrayLike | None, shape: tuple[int, ...]) -> FloatArray:
    """``1.0`` where the time is observed, ``0.0`` where it is right-censored."""
    if censored is None:
        return np.ones(shape)
    c = as_any_array(censored, "censored")
    if c.dtype.kind != "b":
        raise TypeError(
            f"censored must be None or a boolean array (True where the time is right-censored), got dtype "
            f"{c.dtype}; for 0/1 indicators pass censored.astype(bool)"
        )
    check_same_shape(np.empty(shape), "y_true", c, "censored")
    return 1.0 - c.astype(np.float64)


def _weibull_nll(
    y_true: npt.ArrayLike,
    scale: npt.ArrayLike,
    concentration: npt.ArrayLike,
    *,
    censored: npt.ArrayLike | None = None,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, WeibullNLLGrad | None]:
    """The readable form with its checks, sharing log(t / scale) and (t / scale)^k; an overflowing power is inf."""
    dtype, (t, lam, k) = float_inputs(reduction, ("y_true", y_true), ("scale", scale), ("concentration", concentration))
    check_positive(t, "y_true", "positive times")
    check_positive(lam, "scale", "scales")
    check_positive(k, "concentration", "concentrations")
    observed = _censoring(censored, t.shape)
    log_ratio = np.log(t) - np.log(lam)
    with np.errstate(over="ignore", invalid="ignore"):
        power = np.exp(k * log_ratio)  # (t / scale)^k
        values = power - observed * (np.log(k) - np.log(lam) + (k - 1) * log_ratio)
        g_scale = k * (observed - power) / lam
        g_conc = power * log_ratio - observed * (1 / k + log_ratio)
    return finish(values, [g_scale, g_conc], dtype, reduction, t.size, WeibullNLLGrad, value, grad)


@shared_doc
def weibull_nll(
    y_true: npt.ArrayLike,
    scale: npt.ArrayLike,
    concentration: npt.ArrayLike,
    *,
    censored: npt.ArrayLike | None = None,
    reduction: str = "mean",
) -> Reduced:
    r"""Weibull negative log-likelihood of event times, with a predicted scale and shape, and right-censoring.

    .. math::

        \ell(t; \lambda, k) = \Big(\frac{t}{\lambda}\Big)^k
            - \delta \Big(\log\frac{k}{\lambda} + (k - 1)\log\frac{t}{\lambda}\Big)

    where :math:`\delta = 1` for an observed event time (the complete negative log-density,
    ``-scipy.stats.weibull_min.logpdf(t, k, scale=lam)``) and :math:`\delta = 0` for a
    right-censored one, which contributes :math:`-\log S(t) = (t/\lambda)^k`
    (``-weibull_min.logsf``). A shape :math:`k > 1` gives a hazard rising with time (wear),
    :math:`k < 1` a falling one (infant mortality), :math:`k = 1` the exponential.

    Parameters
    ----------
    y_true : array_like, any shape
        Event or censoring times, > 0.
    scale : array_like, same shape
        Predicted scales :math:`\lambda > 0`. Its floating dtype is the dtype of the result.
    concentration : array_like, same shape
        Predicted shapes :math:`k > 0`.
    censored : None or array_like of bool, same shape
        True where the time is right-censored; None (default): every time is an observed event.
    {reduction}

    Raises
    ------
    ValueError
        For times or parameters <= 0, NaN or ±inf, or different shapes.
    TypeError
        For a ``censored`` that is not boolean.

    Notes
    -----
    :math:`(t/\lambda)^k` is computed as :math:`\exp(k(\log t - \log\lambda))`; where it overflows
    the loss is ``inf``, its limit. Censoring makes the likelihood of survival analysis (Cox and
    Oakes, 1984); PyTorch has ``torch.distributions.Weibull(scale, concentration)`` but no loss.

    References
    ----------
    .. [1] Weibull, W. (1951). A statistical distribution function of wide applicability.
       *Journal of Applied Mechanics* 18(3), 293-297. (weibull1951statistical)

    Examples
    --------
    >>> weibull_nll([1.0, 1.0], [1.0, 1.0], [1.0, 1.0], censored=[False, True], reduction="none")
    array([1., 1.])
    """
    return cast(
        Reduced, _weibull_nll(y_true, scale, concentration, censored=censored, reduction=reduction, grad=False)[0]
    )


weibull_nll_grad = gradient(
    weibull_nll,
    _weibull_nll,
    doc=r"""Gradient of :func:`weibull_nll` with respect to ``scale`` and ``concentration``.

    .. math::

        \frac{\partial\ell}{\partial\lambda} = \frac{k}{\lambda}\Big(\delta - \Big(\frac t\lambda\Big)^k\Big), \qquad
        \frac{\partial\ell}{\partial k} = \Big(\frac t\lambda\Big)^k\log\frac t\lambda - \delta\Big(\frac1k + \log\frac t\lambda\Big)

    Examples
    --------
    >>> weibull_nll_grad([2.0], [1.0], [1.0], reduction="sum").scale
    array([-1.])
    """,
)


def _sample_weibull(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {
        "y_true": rng.weibull(1.5, size=n) * 2.0 + 0.05,
        "scale": rng.uniform(0.5, 4.0, size=n),
        "concentration": rng.uniform(0.5, 4.0, size=n),
    }


register(
    weibull_nll,
    family="likelihood",
    prediction="scale and shape",
    target="positive time",
    distribution="Weibull",
    convex=False,
    differentiable=True,
    robust=None,
    proper=True,
    reference="weibull1951statistical",
    args=("y_true", "scale", "concentration"),
    grad_wrt=("scale", "concentration"),
    oracle="scipy",
    sampler=_sample_weibull,
    summary="Weibull NLL of event times; censored times contribute -log S(t).",
    equivalents=Equivalents(
        torch="(-torch.distributions.Weibull(scale, concentration).log_prob(y_true)).mean()",
        note=(
            "PyTorch has the distribution, not a loss, and no censoring: a censored time contributes (t/λ)^k, "
            "which the comparison leaves out (`censored=None`). Keras and optax have none."
        ),
    ),
)
