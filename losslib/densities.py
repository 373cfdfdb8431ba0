r"""Complete negative log-densities of richer continuous likelihoods: Student-t, Gamma and Beta.

Each loss is the negative log-density of one observation, with every constant
(``-scipy.stats.<dist>.logpdf``), elementwise: the target and every predicted parameter have one
shape, ``reduction="none"`` returns one loss per element and ``"mean"`` averages them. The
gradient is a ``NamedTuple`` with one field per predicted parameter.
"""

from __future__ import annotations

from typing import NamedTuple, cast

import numpy as np
import numpy.typing as npt

from ._distributions import (
    ASYMPTOTIC_FROM,
    check_open_unit,
    check_positive,
    digamma_rest,
    finish,
    float_inputs,
    log1p_minus_ratio,
    log1p_minus_x,
    stirling_rest,
)
from ._docstrings import shared_doc
from ._info import Equivalents, register
from ._reduction import reduce_readable
from ._typing import FloatArray, Reduced
from ._wrappers import gradient
from .special import digamma, gammaln

__all__ = [
    "beta_nll",
    "beta_nll_grad",
    "gamma_nll",
    "gamma_nll_grad",
    "student_t_nll",
    "student_t_nll_grad",
]

_HALF_LOG_2PI = 0.5 * float(np.log(2 * np.pi))


# --------------------------------------------------------------------------
# Student-t
# --------------------------------------------------------------------------


class StudentTNLLGrad(NamedTuple):
    """Gradient of :func:`student_t_nll` with respect to ``loc``, ``scale`` and ``df``."""

    loc: FloatArray
    scale: FloatArray
    df: FloatArray


def student_t_nll_readable(
    y_true: npt.ArrayLike, loc: npt.ArrayLike, scale: npt.ArrayLike, df: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, StudentTNLLGrad]:
    r"""Readable form of :func:`student_t_nll` and its gradient: the density as the book writes it.

    .. math::

        \ell = \log\Gamma\big(\tfrac\nu2\big) - \log\Gamma\big(\tfrac{\nu+1}2\big) + \tfrac12\log(\nu\pi)
            + \log s + \tfrac{\nu+1}2 \log\Big(1 + \frac{z^2}{\nu}\Big), \qquad z = \frac{y - \mu}{s}
    """
    y, mu, s, nu = (np.asarray(a, dtype=float) for a in (y_true, loc, scale, df))
    z = (y - mu) / s
    loss = gammaln(nu / 2) - gammaln((nu + 1) / 2) + 0.5 * np.log(nu * np.pi) + np.log(s)
    loss = loss + (nu + 1) / 2 * np.log(1 + z**2 / nu)
    g_loc = -(nu + 1) * z / (s * (nu + z**2))
    g_scale = 1 / s - (nu + 1) * z**2 / (s * (nu + z**2))
    g_df = 0.5 * (digamma(nu / 2) - digamma((nu + 1) / 2) + 1 / nu + np.log(1 + z**2 / nu))
    g_df = g_df - (nu + 1) / 2 * z**2 / (nu * (nu + z**2))
    return reduce_readable(loss, StudentTNLLGrad(g_loc, g_scale, g_df), reduction)


def _lgamma_half_step(a: FloatArray) -> FloatArray:
    r""":math:`\log\Gamma(a + \frac12) - \log\Gamma(a) - \frac12\log a`, which tends to 0 as :math:`a \to \infty`."""
    big = a >= ASYMPTOTIC_FROM
    ab = np.where(big, a, ASYMPTOTIC_FROM)
    series = ab * log1p_minus_x(1 / (2 * ab)) + stirling_rest(ab + 0.5) - stirling_rest(ab)
    asmall = np.where(big, 1.0, a)
    direct = gammaln(asmall + 0.5) - gammaln(asmall) - 0.5 * np.log(asmall)
    return np.where(big, series, direct)


def _digamma_half_step(a: FloatArray) -> FloatArray:
    r""":math:`\psi(a + \frac12) - \psi(a) - \frac1{2a}`, which tends to 0 like :math:`1/(8a^2)`."""
    big = a >= ASYMPTOTIC_FROM
    ab = np.where(big, a, ASYMPTOTIC_FROM)
    series = log1p_minus_ratio(1 / (2 * ab)) - digamma_rest(ab + 0.5) + digamma_rest(ab)
    asmall = np.where(big, 1.0, a)
    direct = digamma(asmall + 0.5) - digamma(asmall) - 1 / (2 * asmall)
    return np.where(big, series, direct)


def _student_t_nll(
    y_true: npt.ArrayLike,
    loc: npt.ArrayLike,
    scale: npt.ArrayLike,
    df: npt.ArrayLike,
    *,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, StudentTNLLGrad | None]:
    """Fast path of :func:`student_t_nll_readable`: stable for any df and any residual."""
    dtype, (y, mu, s, nu) = float_inputs(reduction, ("y_true", y_true), ("loc", loc), ("scale", scale), ("df", df))
    check_positive(s, "scale", "scales")
    check_positive(nu, "df", "degrees of freedom")
    r = y - mu
    with np.errstate(over="ignore"):
        z = r / s  # inf where |r| / s overflows: the logarithms below do not
    az = np.abs(z)
    t = az / np.sqrt(nu)  # z^2 / nu = t^2, without squaring a huge z
    big = t > 1
    with np.errstate(divide="ignore"):
        log_t = np.where(big, np.log(np.abs(r)) - np.log(s) - 0.5 * np.log(nu), 0.0)
    it = np.where(big, np.exp(-log_t), 0.0)  # 1 / t
    ts = np.where(big, 0.0, t)
    log1p_u = np.where(big, 2 * log_t + np.log1p(it * it), np.log1p(ts * ts))
    ratio = np.where(big, 1 / (1 + it * it), ts * ts / (1 + ts * ts))  # u / (1 + u) = z^2 / (nu + z^2)
    values = -_lgamma_half_step(nu / 2) + _HALF_LOG_2PI + np.log(s) + (nu + 1) / 2 * log1p_u
    # z / (nu + z^2) and (nu - nu z^2) / (nu + z^2), written so that neither nu nor z overflows
    large = az > 1
    iz = np.where(large, s / np.where(large, r, 1.0), 1.0)  # 1 / z
    zs = np.where(large, 0.0, z)
    q = np.where(large, iz / (iz * iz + 1 / nu), zs / (1 + zs * zs / nu)) / nu
    g_loc = -(nu + 1) * q / s
    g_scale = np.where(large, (iz - 1) * (iz + 1) / (iz * iz + 1 / nu), (1 - zs) * (1 + zs) / (1 + zs * zs / nu)) / s
    u = ts * ts
    f = np.where(~big & (u < 0.25), log1p_minus_ratio(np.minimum(u, 0.25)), log1p_u - ratio)  # log(1 + u) - u / (1 + u)
    g_df = 0.5 * (f - ratio / nu - _digamma_half_step(nu / 2))
    return finish(values, [g_loc, g_scale, g_df], dtype, reduction, y.size, StudentTNLLGrad, value, grad)


@shared_doc
def student_t_nll(
    y_true: npt.ArrayLike, loc: npt.ArrayLike, scale: npt.ArrayLike, df: npt.ArrayLike, *, reduction: str = "mean"
) -> Reduced:
    r"""Student-t negative log-likelihood with a predicted location, scale and degrees of freedom.

    .. math::

        \ell(y; \mu, s, \nu) = -\log\frac{\Gamma(\frac{\nu+1}{2})}{\Gamma(\frac\nu2)\sqrt{\nu\pi}\, s}
            + \frac{\nu+1}{2}\log\Big(1 + \frac{z^2}{\nu}\Big), \qquad z = \frac{y - \mu}{s}

    the complete negative log-density, ``-scipy.stats.t.logpdf(y_true, df, loc, scale)``. Its
    tails fall like :math:`|y|^{-(\nu+1)}`, so an outlier costs only a logarithm: the gradient
    with respect to :math:`\mu` is bounded (by :math:`(\nu + 1)/(2 s\sqrt\nu)`) and tends to 0
    for large residuals, which makes the fit of the location robust (Lange et al., 1989). As
    :math:`\nu \to \infty` it becomes the Gaussian NLL with standard deviation :math:`s`; at
    :math:`\nu = 1` it is the Cauchy NLL.

    Parameters
    ----------
    y_true : array_like, any shape
        Observations.
    loc : array_like, same shape
        Predicted locations :math:`\mu`. Its floating dtype is the dtype of the result.
    scale : array_like, same shape
        Predicted scales :math:`s > 0`.
    df : array_like, same shape
        Predicted degrees of freedom :math:`\nu > 0` (for a fixed one, ``np.full_like(loc, 4.0)``).
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per element.

    {returns}

    Raises
    ------
    ValueError
        For non-positive scales or degrees of freedom, NaN or ±inf anywhere, or different shapes.

    Notes
    -----
    Stable for every finite input: :math:`\log(1 + z^2/\nu)` is computed from
    :math:`|z|/\sqrt\nu` (no overflow for huge residuals), and for :math:`\nu \ge 26` the
    difference :math:`\log\Gamma(\frac{\nu+1}2) - \log\Gamma(\frac\nu2)` and the matching
    difference of digammas in the gradient are computed from their asymptotic series, whose
    terms tend to 0 (the direct differences of two numbers near :math:`\frac\nu2\log\frac\nu2`
    would lose every digit at :math:`\nu = 10^{15}`); so the loss and the gradient tend to the
    Gaussian ones, digit for digit. The gradient with respect to :math:`\nu` grows like
    :math:`\frac12\log(z^2/\nu)` with the residual. Neither PyTorch nor Keras has the loss
    (``torch.distributions.StudentT(df, loc, scale).log_prob`` is its negative).

    References
    ----------
    .. [1] Student (1908). The probable error of a mean. *Biometrika* 6(1), 1-25. (student1908probable)
    .. [2] Lange, K. L., Little, R. J. A. and Taylor, J. M. G. (1989). Robust statistical modeling using
       the t distribution. *JASA* 84(408), 881-896. (lange1989robust)

    Examples
    --------
    >>> round(float(student_t_nll([0.0], [0.0], [1.0], [1.0])), 12)  # Cauchy: log(pi)
    1.144729885849
    """
    return cast(Reduced, _student_t_nll(y_true, loc, scale, df, reduction=reduction, grad=False)[0])


student_t_nll_grad = gradient(
    student_t_nll,
    _student_t_nll,
    doc=r"""Gradient of :func:`student_t_nll` with respect to ``loc``, ``scale`` and ``df``.

    .. math::

        \frac{\partial\ell}{\partial\mu} = -\frac{(\nu+1)\, z}{s(\nu + z^2)}, \quad
        \frac{\partial\ell}{\partial s} = \frac{\nu(1 - z^2)}{s(\nu + z^2)}, \quad
        \frac{\partial\ell}{\partial\nu} = \frac12\Big(\psi\big(\tfrac\nu2\big) - \psi\big(\tfrac{\nu+1}2\big)
            + \frac1\nu + \log\Big(1 + \frac{z^2}\nu\Big) - \frac{(\nu+1) z^2}{\nu(\nu + z^2)}\Big)

    Examples
    --------
    >>> g = student_t_nll_grad([1.0], [0.0], [1.0], [1.0], reduction="sum")
    >>> float(g.loc[0]), float(g.scale[0])
    (-1.0, 0.0)
    """,
)


def _sample_student_t(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {
        "y_true": 3.0 * rng.normal(size=n),
        "loc": 3.0 * rng.normal(size=n),
        "scale": rng.uniform(0.3, 3.0, size=n),
        "df": rng.uniform(0.5, 30.0, size=n),
    }


register(
    student_t_nll,
    family="likelihood",
    prediction="location, scale and degrees of freedom",
    target="real",
    distribution="Student-t",
    convex=False,
    differentiable=True,
    robust=None,
    proper=True,
    reference="lange1989robust",
    args=("y_true", "loc", "scale", "df"),
    grad_wrt=("loc", "scale", "df"),
    oracle="scipy",
    sampler=_sample_student_t,
    summary="Student-t NLL: heavy tails, a bounded pull of outliers on the location.",
    equivalents=Equivalents(
        torch="(-torch.distributions.StudentT(df, loc, scale).log_prob(y_true)).mean()",
        note="PyTorch has the distribution, not a loss (its order is df, loc, scale). Keras and optax have none.",
    ),
)


# --------------------------------------------------------------------------
# Gamma
# --------------------------------------------------------------------------


class GammaNLLGrad(NamedTuple):
    """Gradient of :func:`gamma_nll` with respect to ``concentration`` and ``rate``."""

    concentration: FloatArray
    rate: FloatArray


def gamma_nll_readable(
    y_true: npt.ArrayLike, concentration: npt.ArrayLike, rate: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, GammaNLLGrad]:
    r"""Readable form of :func:`gamma_nll` and its gradient: the density as the book writes it.

    .. math:: \ell = \log\Gamma(\alpha) - \alpha\log\beta - (\alpha - 1)\log y + \beta y
    """
    y, a, b = (np.asarray(v, dtype=float) for v in (y_true, concentration, rate))
    loss = gammaln(a) - a * np.log(b) - (a - 1) * np.log(y) + b * y
    return reduce_readable(loss, GammaNLLGrad(digamma(a) - np.log(b) - np.log(y), y - a / b), reduction)


def _gamma_nll(
    y_true: npt.ArrayLike,
    concentration: npt.ArrayLike,
    rate: npt.ArrayLike,
    *,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, GammaNLLGrad | None]:
    """The readable form, with its checks: every term is already stable (no cancellation to avoid)."""
    dtype, (y, a, b) = float_inputs(reduction, ("y_true", y_true), ("concentration", concentration), ("rate", rate))
    check_positive(y, "y_true", "positive observations", "; a Gamma variable is > 0")
    check_positive(a, "concentration", "concentrations")
    check_positive(b, "rate", "rates")
    log_y, log_b = np.log(y), np.log(b)
    values = gammaln(a) - a * log_b - (a - 1) * log_y + b * y
    grads = [digamma(a) - log_b - log_y, y - a / b]
    return finish(values, grads, dtype, reduction, y.size, GammaNLLGrad, value, grad)


@shared_doc
def gamma_nll(
    y_true: npt.ArrayLike, concentration: npt.ArrayLike, rate: npt.ArrayLike, *, reduction: str = "mean"
) -> Reduced:
    r"""Gamma negative log-likelihood of positive observations, with a predicted concentration and rate.

    .. math::

        \ell(y; \alpha, \beta) = \log\Gamma(\alpha) - \alpha\log\beta - (\alpha - 1)\log y + \beta y

    the complete negative log-density, ``-scipy.stats.gamma.logpdf(y_true, concentration,
    scale=1 / rate)``. The mean is :math:`\alpha/\beta` and the variance :math:`\alpha/\beta^2`:
    for positive, right-skewed targets (durations, amounts, rainfall) whose spread grows with
    their size.

    Parameters
    ----------
    y_true : array_like, any shape
        Observations, > 0.
    concentration : array_like, same shape
        Predicted shapes :math:`\alpha > 0`. Its floating dtype is the dtype of the result.
    rate : array_like, same shape
        Predicted rates :math:`\beta > 0` (the inverse of scipy's ``scale``).
    {reduction}

    Raises
    ------
    ValueError
        For observations or parameters <= 0, NaN or ±inf anywhere, or different shapes.

    Notes
    -----
    For a concentration near 0 the terms :math:`\log\Gamma(\alpha) \approx -\log\alpha` and
    :math:`\psi(\alpha) \approx -1/\alpha` are computed to full precision by
    :func:`losslib.gammaln` and :func:`losslib.digamma`. PyTorch has the distribution
    (``torch.distributions.Gamma(concentration, rate).log_prob`` is the negative of the loss).
    The loss is jointly convex in :math:`(\alpha, \beta)`: its Hessian has determinant
    :math:`(\alpha\psi'(\alpha) - 1)/\beta^2 > 0`.

    References
    ----------
    .. [1] McCullagh, P. and Nelder, J. A. (1989). *Generalized Linear Models*, 2nd edition,
       chapter 8. Chapman and Hall. (mccullagh1989generalized)

    Examples
    --------
    >>> float(gamma_nll([2.0], [1.0], [1.0]))  # exponential(1) at 2: -log(exp(-2))
    2.0
    """
    return cast(Reduced, _gamma_nll(y_true, concentration, rate, reduction=reduction, grad=False)[0])


gamma_nll_grad = gradient(
    gamma_nll,
    _gamma_nll,
    doc=r"""Gradient of :func:`gamma_nll` with respect to ``concentration`` and ``rate``.

    .. math::

        \frac{\partial\ell}{\partial\alpha} = \psi(\alpha) - \log(\beta y), \qquad
        \frac{\partial\ell}{\partial\beta} = y - \frac\alpha\beta

    Examples
    --------
    >>> gamma_nll_grad([2.0], [1.0], [1.0], reduction="sum").rate
    array([1.])
    """,
)


def _sample_gamma(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {
        "y_true": rng.gamma(2.0, 1.0, size=n) + 0.05,
        "concentration": rng.uniform(0.3, 6.0, size=n),
        "rate": rng.uniform(0.3, 4.0, size=n),
    }


register(
    gamma_nll,
    family="likelihood",
    prediction="concentration and rate",
    target="positive",
    distribution="Gamma",
    convex=True,
    differentiable=True,
    robust=None,
    proper=True,
    reference="mccullagh1989generalized",
    args=("y_true", "concentration", "rate"),
    grad_wrt=("concentration", "rate"),
    oracle="scipy",
    sampler=_sample_gamma,
    summary="Gamma NLL of positive, right-skewed targets (spread growing with the mean).",
    equivalents=Equivalents(
        torch="(-torch.distributions.Gamma(concentration, rate).log_prob(y_true)).mean()",
        note="PyTorch has the distribution, not a loss. Keras and optax have none.",
    ),
)


# --------------------------------------------------------------------------
# Beta
# --------------------------------------------------------------------------


class BetaNLLGrad(NamedTuple):
    """Gradient of :func:`beta_nll` with respect to ``alpha`` and ``beta``."""

    alpha: FloatArray
    beta: FloatArray


def beta_nll_readable(
    y_true: npt.ArrayLike, alpha: npt.ArrayLike, beta: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, BetaNLLGrad]:
    r"""Readable form of :func:`beta_nll` and its gradient: the density as the book writes it.

    .. math:: \ell = \log B(\alpha, \beta) - (\alpha - 1)\log y - (\beta - 1)\log(1 - y)
    """
    y, a, b = (np.asarray(v, dtype=float) for v in (y_true, alpha, beta))
    loss = gammaln(a) + gammaln(b) - gammaln(a + b) - (a - 1) * np.log(y) - (b - 1) * np.log(1 - y)
    g = BetaNLLGrad(digamma(a) - digamma(a + b) - np.log(y), digamma(b) - digamma(a + b) - np.log(1 - y))
    return reduce_readable(loss, g, reduction)


def _beta_nll(
    y_true: npt.ArrayLike,
    alpha: npt.ArrayLike,
    beta: npt.ArrayLike,
    *,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, BetaNLLGrad | None]:
    """The readable form with its checks, and log1p(-y) for log(1 - y) (exact for small y)."""
    dtype, (y, a, b) = float_inputs(reduction, ("y_true", y_true), ("alpha", alpha), ("beta", beta))
    check_open_unit(y, "y_true", "proportions")
    check_positive(a, "alpha", "concentrations")
    check_positive(b, "beta", "concentrations")
    log_y, log_1my = np.log(y), np.log1p(-y)
    values = gammaln(a) + gammaln(b) - gammaln(a + b) - (a - 1) * log_y - (b - 1) * log_1my
    psi_ab = digamma(a + b)
    grads = [digamma(a) - psi_ab - log_y, digamma(b) - psi_ab - log_1my]
    return finish(values, grads, dtype, reduction, y.size, BetaNLLGrad, value, grad)


@shared_doc
def beta_nll(y_true: npt.ArrayLike, alpha: npt.ArrayLike, beta: npt.ArrayLike, *, reduction: str = "mean") -> Reduced:
    r"""Beta negative log-likelihood of proportions in (0, 1), with predicted concentrations.

    .. math::

        \ell(y; \alpha, \beta) = \log B(\alpha, \beta) - (\alpha - 1)\log y - (\beta - 1)\log(1 - y),
        \qquad B(\alpha, \beta) = \frac{\Gamma(\alpha)\Gamma(\beta)}{\Gamma(\alpha + \beta)}

    the complete negative log-density, ``-scipy.stats.beta.logpdf(y_true, alpha, beta)``. For
    targets that are fractions (a share, a rate, a probability): the mean is
    :math:`\alpha/(\alpha+\beta)` and :math:`\alpha + \beta` sets how concentrated it is.

    Parameters
    ----------
    y_true : array_like, any shape
        Observations in the open interval (0, 1).
    alpha, beta : array_like, same shape
        Predicted concentrations, > 0. ``alpha``'s floating dtype is the dtype of the result.
    {reduction}

    Raises
    ------
    ValueError
        For observations outside (0, 1) (the density is 0 or infinite at the ends: clip them),
        concentrations <= 0, NaN or ±inf anywhere, or different shapes.

    Notes
    -----
    :math:`\log(1 - y)` is computed as ``log1p(-y)``. For concentrations near 0 the gamma
    and digamma terms keep full precision; for very large ones (:math:`\alpha + \beta > 10^6`)
    :math:`\log B` is a difference of large numbers and keeps about
    :math:`16 - \log_{10}(\alpha + \beta)` digits. PyTorch has the distribution
    (``torch.distributions.Beta``), not the loss.

    References
    ----------
    .. [1] Ferrari, S. and Cribari-Neto, F. (2004). Beta regression for modelling rates and
       proportions. *Journal of Applied Statistics* 31(7), 799-815. (ferrari2004beta)

    Examples
    --------
    >>> round(float(beta_nll([0.5], [2.0], [2.0])), 12)  # density 6 y (1 - y) = 1.5: -log(1.5)
    -0.405465108108
    """
    return cast(Reduced, _beta_nll(y_true, alpha, beta, reduction=reduction, grad=False)[0])


beta_nll_grad = gradient(
    beta_nll,
    _beta_nll,
    doc=r"""Gradient of :func:`beta_nll` with respect to ``alpha`` and ``beta``.

    .. math::

        \frac{\partial\ell}{\partial\alpha} = \psi(\alpha) - \psi(\alpha + \beta) - \log y, \qquad
        \frac{\partial\ell}{\partial\beta} = \psi(\beta) - \psi(\alpha + \beta) - \log(1 - y)

    Examples
    --------
    >>> g = beta_nll_grad([0.5], [1.0], [1.0], reduction="sum")  # psi(1) - psi(2) + log 2
    >>> round(float(g.alpha[0]), 12), round(float(g.beta[0]), 12)
    (-0.30685281944, -0.30685281944)
    """,
)


def _sample_beta(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {
        "y_true": rng.uniform(0.02, 0.98, size=n),
        "alpha": rng.uniform(0.3, 8.0, size=n),
        "beta": rng.uniform(0.3, 8.0, size=n),
    }


register(
    beta_nll,
    family="likelihood",
    prediction="two concentrations",
    target="proportion",
    distribution="Beta",
    convex=True,
    differentiable=True,
    robust=None,
    proper=True,
    reference="ferrari2004beta",
    args=("y_true", "alpha", "beta"),
    grad_wrt=("alpha", "beta"),
    oracle="scipy",
    sampler=_sample_beta,
    summary="Beta NLL of proportions in (0, 1).",
    equivalents=Equivalents(
        torch="(-torch.distributions.Beta(alpha, beta).log_prob(y_true)).mean()",
        note="PyTorch has the distribution, not a loss. Keras and optax have none.",
    ),
)
