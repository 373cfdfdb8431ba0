r"""Counts and non-negative amounts beyond the Poisson: the negative binomial NLL and the Tweedie deviance.

:func:`negative_binomial_nll` is the complete negative log-mass of overdispersed counts;
:func:`tweedie_deviance` is the unit deviance of the Tweedie family (squared error, Poisson,
compound Poisson-gamma, Gamma, inverse Gaussian), as ``sklearn.metrics.mean_tweedie_deviance``.
Both are elementwise.
"""

from __future__ import annotations

from typing import NamedTuple, cast

import numpy as np
import numpy.typing as npt

from ._distributions import (
    ASYMPTOTIC_FROM,
    check_positive,
    digamma_rest,
    finish,
    float_inputs,
    log1p_minus_x,
    one_plus_x_log1p_minus_x,
    stirling_rest,
)
from ._docstrings import shared_doc
from ._info import Equivalents, register
from ._reduction import reduce_readable
from ._typing import FloatArray, Reduced
from ._validation import _first_index, _where, is_real_scalar
from ._wrappers import gradient
from .special import digamma, gammaln

__all__ = [
    "negative_binomial_nll",
    "negative_binomial_nll_grad",
    "tweedie_deviance",
    "tweedie_deviance_grad",
]


# --------------------------------------------------------------------------
# Negative binomial (NB2)
# --------------------------------------------------------------------------


class NegativeBinomialNLLGrad(NamedTuple):
    """Gradient of :func:`negative_binomial_nll` with respect to ``mean`` and ``dispersion``."""

    mean: FloatArray
    dispersion: FloatArray


def negative_binomial_nll_readable(
    y_true: npt.ArrayLike, mean: npt.ArrayLike, dispersion: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, NegativeBinomialNLLGrad]:
    r"""Readable form of :func:`negative_binomial_nll` and its gradient: the mass as the book writes it.

    .. math::

        \ell = \log\Gamma(r) + \log\Gamma(y + 1) - \log\Gamma(y + r) + (r + y)\log(1 + \phi\mu) - y\log(\phi\mu),
        \qquad r = 1/\phi
    """
    y, mu, phi = (np.asarray(v, dtype=float) for v in (y_true, mean, dispersion))
    r = 1 / phi
    loss = gammaln(r) + gammaln(y + 1) - gammaln(y + r) + (r + y) * np.log(1 + phi * mu) - y * np.log(phi * mu)
    g_mean = (mu - y) / (mu * (1 + phi * mu))
    g_disp = r**2 * (digamma(y + r) - digamma(r) - np.log(1 + phi * mu)) + r * (mu - y) / (1 + phi * mu)
    return reduce_readable(loss, NegativeBinomialNLLGrad(g_mean, g_disp), reduction)


def _check_counts(y: FloatArray) -> None:
    bad = (y < 0) | (y != np.floor(y))
    if bad.any():
        index = _first_index(bad)
        raise ValueError(
            f"y_true must hold counts (whole numbers >= 0) but {_where('y_true', index)} = {y[index].item()!r}; "
            "the negative binomial has no mass elsewhere"
        )


def _negative_binomial_nll(
    y_true: npt.ArrayLike,
    mean: npt.ArrayLike,
    dispersion: npt.ArrayLike,
    *,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, NegativeBinomialNLLGrad | None]:
    """Fast path of :func:`negative_binomial_nll_readable`, which tends to the Poisson digit for digit as phi -> 0.

    With :math:`r = 1/\\phi \\ge 13`, :math:`\\log\\Gamma(y + r) - \\log\\Gamma(r) - y\\log r` and
    :math:`\\psi(y + r) - \\psi(r) - y/r` come from Stirling's series, whose terms vanish as
    :math:`r \\to \\infty`; the readable form's differences of large numbers cancel instead.
    """
    dtype, (y, mu, phi) = float_inputs(reduction, ("y_true", y_true), ("mean", mean), ("dispersion", dispersion))
    _check_counts(y)
    check_positive(mu, "mean", "means")
    check_positive(phi, "dispersion", "dispersions", "; with no overdispersion the counts are Poisson: poisson_nll")
    with np.errstate(over="ignore"):
        r = 1 / phi
    big = r >= ASYMPTOTIC_FROM
    rb = np.where(big, np.minimum(r, 1e100), ASYMPTOTIC_FROM)  # beyond 1e100 the Poisson limit is exact
    rs = np.where(big, 1.0, r)
    x = y / rb
    # D = log Gamma(y + r) - log Gamma(r) - y log r
    d_big = rb * one_plus_x_log1p_minus_x(x) - 0.5 * np.log1p(x) + stirling_rest(rb + y) - stirling_rest(rb)
    d_small = gammaln(y + rs) - gammaln(rs) - y * np.log(rs)
    phimu = phi * mu
    log1p_phimu = np.log1p(phimu)
    # (r + y) log(1 + phi mu), with r log(1 + phi mu) = mu log(1 + x) / x (r overflows for a subnormal phi)
    positive = phimu > 0
    log1p_over = np.where(positive, log1p_phimu / np.where(positive, phimu, 1.0), 1.0)
    values = -np.where(big, d_big, d_small) + gammaln(y + 1) + mu * log1p_over + y * log1p_phimu - y * np.log(mu)
    g_mean = (mu - y) / (mu * (1 + phimu))
    # d/dphi = r^2 (psi(y + r) - psi(r) - log(1 + phi mu)) + r (mu - y) / (1 + phi mu); for large r, with
    # E = psi(y + r) - psi(r) - y/r: r^2 E - r^2 (log(1 + phi mu) - phi mu) - (mu - y) mu / (1 + phi mu)
    e_big = log1p_minus_x(x) + y / (2 * rb * (rb + y)) - digamma_rest(rb + y) + digamma_rest(rb)
    pm = np.where(big, mu / rb, 0.0)
    g_big = rb * rb * (e_big - log1p_minus_x(pm)) - (mu - y) * mu / (1 + phimu)
    g_small = rs * rs * (digamma(y + rs) - digamma(rs) - log1p_phimu) + rs * (mu - y) / (1 + phimu)
    g_disp = np.where(big, g_big, g_small)
    return finish(values, [g_mean, g_disp], dtype, reduction, y.size, NegativeBinomialNLLGrad, value, grad)


@shared_doc
def negative_binomial_nll(
    y_true: npt.ArrayLike, mean: npt.ArrayLike, dispersion: npt.ArrayLike, *, reduction: str = "mean"
) -> Reduced:
    r"""Negative binomial (NB2) negative log-likelihood of counts, with a predicted mean and dispersion.

    .. math::

        \ell(y; \mu, \phi) = -\log\frac{\Gamma(y + r)}{\Gamma(r)\, y!}
            - r\log\frac{r}{r + \mu} - y\log\frac{\mu}{r + \mu}, \qquad r = \frac1\phi

    the complete negative log-mass, ``-scipy.stats.nbinom.logpmf(y_true, 1/dispersion,
    1/(1 + dispersion*mean))``. The mean is :math:`\mu` and the variance
    :math:`\mu + \phi\mu^2` (the "NB2" parametrisation of Hilbe, 2011): counts more spread out
    than a Poisson's, as a Poisson whose rate is itself Gamma-distributed. As
    :math:`\phi \to 0` it becomes the complete Poisson NLL.

    Parameters
    ----------
    y_true : array_like, any shape
        Counts (whole numbers >= 0, integer or float dtype).
    mean : array_like, same shape
        Predicted means :math:`\mu > 0`. Its floating dtype is the dtype of the result.
    dispersion : array_like, same shape
        Predicted dispersions :math:`\phi > 0` (PyTorch's and scipy's ``total_count`` / ``n``
        is :math:`1/\phi`).
    {reduction}

    Raises
    ------
    ValueError
        For negative or fractional counts, means or dispersions <= 0, NaN or ±inf anywhere, or
        different shapes.

    Notes
    -----
    For :math:`r = 1/\phi \ge 13`, :math:`\log\Gamma(y + r) - \log\Gamma(r)` and the matching
    digamma difference of the gradient come from Stirling's series, so that nothing cancels as
    :math:`\phi \to 0` (the direct difference loses :math:`\log_{10} r` digits) and the loss and
    gradient tend to the Poisson ones, finite for any :math:`\phi > 0`. PyTorch's
    ``torch.distributions.NegativeBinomial(total_count=1/phi, logits=log(phi*mu))`` has the
    same log-mass; it has no such loss.

    References
    ----------
    .. [1] Hilbe, J. M. (2011). *Negative Binomial Regression*, 2nd edition. Cambridge University
       Press. (hilbe2011negative)

    Examples
    --------
    >>> round(float(negative_binomial_nll([0.0], [1.0], [1.0])), 12)  # geometric(1/2) at 0: log 2
    0.69314718056
    """
    return cast(Reduced, _negative_binomial_nll(y_true, mean, dispersion, reduction=reduction, grad=False)[0])


negative_binomial_nll_grad = gradient(
    negative_binomial_nll,
    _negative_binomial_nll,
    doc=r"""Gradient of :func:`negative_binomial_nll` with respect to ``mean`` and ``dispersion``.

    .. math::

        \frac{\partial\ell}{\partial\mu} = \frac{\mu - y}{\mu(1 + \phi\mu)}, \qquad
        \frac{\partial\ell}{\partial\phi} = r^2\big(\psi(y + r) - \psi(r) - \log(1 + \phi\mu)\big)
            + \frac{r(\mu - y)}{1 + \phi\mu}

    Examples
    --------
    >>> negative_binomial_nll_grad([3.0], [1.0], [1.0], reduction="sum").mean
    array([-1.])
    """,
)


def _sample_negative_binomial(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    mean = rng.uniform(0.3, 8.0, size=n)
    dispersion = rng.uniform(0.05, 2.0, size=n)
    y = rng.negative_binomial(1 / dispersion, 1 / (1 + dispersion * mean))
    return {"y_true": y.astype(np.float64), "mean": mean, "dispersion": dispersion}


register(
    negative_binomial_nll,
    family="likelihood",
    prediction="mean and dispersion",
    target="count",
    distribution="negative binomial",
    convex=False,
    differentiable=True,
    robust=None,
    proper=True,
    reference="hilbe2011negative",
    args=("y_true", "mean", "dispersion"),
    grad_wrt=("mean", "dispersion"),
    oracle="scipy",
    sampler=_sample_negative_binomial,
    summary="Negative binomial NLL of overdispersed counts (variance mu + phi mu^2).",
    equivalents=Equivalents(
        torch="(-torch.distributions.NegativeBinomial(total_count=1 / dispersion, logits=torch.log(dispersion * mean)).log_prob(y_true)).mean()",
        note=(
            "PyTorch has the distribution, not a loss: `total_count` is 1/dispersion and the logits "
            "log(dispersion·mean). Keras and optax have none."
        ),
    ),
)


# --------------------------------------------------------------------------
# Tweedie deviance
# --------------------------------------------------------------------------

_MAX_POWER = 100.0


def tweedie_deviance_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, power: float = 1.5, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`tweedie_deviance` and its gradient: scikit-learn's closed forms.

    .. math::

        d_p(y, \mu) = 2\left(\frac{\max(y, 0)^{2-p}}{(1-p)(2-p)} - \frac{y\,\mu^{1-p}}{1-p}
            + \frac{\mu^{2-p}}{2-p}\right), \qquad \frac{\partial d_p}{\partial\mu} = 2(\mu - y)\,\mu^{-p}

    with the limits :math:`(y-\mu)^2` (p = 0), :math:`2(y\log\frac y\mu - y + \mu)` (p = 1) and
    :math:`2(\log\frac\mu y + \frac y\mu - 1)` (p = 2).
    """
    y, mu, p = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float), power
    if p == 0:
        loss = (y - mu) ** 2
    elif p == 1:
        loss = 2 * (np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0) - y + mu)
    elif p == 2:
        loss = 2 * (np.log(mu / y) + y / mu - 1)
    else:
        loss = 2 * (
            np.maximum(y, 0) ** (2 - p) / ((1 - p) * (2 - p)) - y * mu ** (1 - p) / (1 - p) + mu ** (2 - p) / (2 - p)
        )
    return reduce_readable(loss, 2 * (mu - y) * mu**-p, reduction)


def _binomial_rest(w: FloatArray, q: float) -> FloatArray:
    r""":math:`(1 + w)^q - 1 - q w` for :math:`w \ge -1`, by its binomial series near 0 (:math:`\approx q(q-1)w^2/2`).

    The series is used for :math:`|w| < 1/(4\max(1, |q|))`, where its terms shrink at once; beyond,
    the direct form loses at most a factor :math:`8` to cancellation.
    """
    small = np.abs(w) < 0.25 / max(1.0, abs(q))
    ws = np.where(small, w, 0.0)
    coef, term, series = q, np.ones_like(ws), np.zeros_like(ws)
    for k in range(2, 40):
        coef = coef * (q - k + 1) / k
        term = term * ws if k > 2 else ws * ws
        series = series + coef * term
    with np.errstate(divide="ignore"):
        direct = np.expm1(q * np.log1p(np.where(small, 0.0, w))) - q * np.where(small, 0.0, w)
    return np.where(small, series, direct)


def _check_power(power: object) -> float:
    if not is_real_scalar(power):
        raise TypeError(f"power must be a real number, got {power!r}")
    p = float(power)
    if not (-_MAX_POWER <= p <= _MAX_POWER) or 0 < p < 1:
        raise ValueError(
            f"power must be <= 0 or >= 1 (no Tweedie distribution has 0 < power < 1), and between "
            f"{-_MAX_POWER:g} and {_MAX_POWER:g} (beyond, mean ** (1 - power) over- or underflows), got {power!r}"
        )
    return p


def _tweedie_deviance(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    power: float = 1.5,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`tweedie_deviance_readable`: with :math:`w = (y - \\mu)/\\mu`, each deviance is
    written as :math:`\\mu^{2-p}` times a function of w that is computed without cancellation near w = 0."""
    p = _check_power(power)
    dtype, (y, mu) = float_inputs(reduction, ("y_true", y_true), ("y_pred", y_pred))
    if p != 0:
        check_positive(mu, "y_pred", "predicted means", f"; the Tweedie deviance with power={p:g} needs a mean > 0")
    if p >= 2:
        check_positive(y, "y_true", "observations", f"; the Tweedie deviance with power={p:g} needs y > 0")
    elif p >= 1 and not y.min() >= 0:
        index = _first_index(~(y >= 0))
        raise ValueError(
            f"y_true must hold observations >= 0 for power={p:g} but {_where('y_true', index)} = {y[index].item()!r}"
        )
    if p == 0:
        values = (y - mu) ** 2
    elif p < 0:
        q = 2 - p
        values = 2 * (np.maximum(y, 0) ** q / ((1 - p) * q) - y * mu ** (1 - p) / (1 - p) + mu**q / q)
    else:
        w = (y - mu) / mu  # >= -1
        if p == 1:
            h = one_plus_x_log1p_minus_x(w)  # x log x - x + 1, x = y / mu
        elif p == 2:
            h = -log1p_minus_x(w)  # x - 1 - log x
        else:
            h = _binomial_rest(w, 2 - p) / ((1 - p) * (2 - p))
        values = 2 * mu ** (2 - p) * h
    g = 2 * (mu - y) * mu**-p
    return finish(values, [g], dtype, reduction, y.size, None, value, grad)


@shared_doc
def tweedie_deviance(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, power: float = 1.5, reduction: str = "mean"
) -> Reduced:
    r"""Tweedie unit deviance of a predicted mean: squared error, Poisson, compound Poisson-gamma, Gamma, ...

    .. math::

        d_p(y, \mu) = 2\left(\frac{\max(y, 0)^{2-p}}{(1-p)(2-p)} - \frac{y\,\mu^{1-p}}{1-p}
            + \frac{\mu^{2-p}}{2-p}\right)

    with its limits :math:`(y - \mu)^2` at :math:`p = 0`, :math:`2(y\log\frac{y}{\mu} - y + \mu)`
    at :math:`p = 1` and :math:`2(\log\frac{\mu}{y} + \frac{y}{\mu} - 1)` at :math:`p = 2`. The
    Tweedie distributions (Jørgensen, 1987) have variance :math:`\phi\mu^p`; the deviance is
    twice the log-likelihood ratio of the saturated model, so minimising it fits the mean by
    maximum likelihood whatever the dispersion :math:`\phi`. With :math:`1 < p < 2` it models
    non-negative amounts with exact zeros (insurance claims, rainfall).

    Parameters
    ----------
    y_true : array_like, any shape
        Observations: any real for ``power <= 0`` (``max(y, 0)`` enters the first term), >= 0 for
        ``1 <= power < 2``, > 0 for ``power >= 2``.
    y_pred : array_like, same shape
        Predicted means, > 0 (any real for ``power = 0``). Its floating dtype is the dtype of the
        result.
    power : float
        The Tweedie power :math:`p`, <= 0 or >= 1 (between -100 and 100). The default 1.5 is
        the compound Poisson-gamma of LightGBM's and XGBoost's ``tweedie`` objectives.
    {reduction}

    Raises
    ------
    ValueError
        For a power in (0, 1), targets or means outside the domain of the power, NaN or ±inf.

    Notes
    -----
    With ``reduction="mean"`` this is ``sklearn.metrics.mean_tweedie_deviance(y_true, y_pred,
    power=power)`` (scikit-learn's default power is 0). For :math:`p \ge 1` it is computed as
    :math:`2\mu^{2-p} h(w)` with :math:`w = (y - \mu)/\mu`, where :math:`h` is evaluated by its
    series near :math:`w = 0`: the closed form's terms cancel as the prediction approaches the
    target, this way the deviance keeps its relative precision down to 0. It is not convex in
    :math:`\mu` for :math:`1 < p < 2` (at :math:`y = 0` it is :math:`2\mu^{2-p}/(2-p)`, concave).

    References
    ----------
    .. [1] Jørgensen, B. (1987). Exponential dispersion models. *JRSS B* 49(2), 127-162.
       (jorgensen1987exponential)

    Examples
    --------
    >>> float(tweedie_deviance([1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0], power=2))  # scikit-learn's example: 1.2083
    1.2083333333333333
    """
    return cast(Reduced, _tweedie_deviance(y_true, y_pred, power=power, reduction=reduction, grad=False)[0])


tweedie_deviance_grad = gradient(
    tweedie_deviance,
    _tweedie_deviance,
    doc=r"""Gradient of :func:`tweedie_deviance` with respect to ``y_pred``: :math:`2(\mu - y)\mu^{-p}`, over N for the mean.

    Examples
    --------
    >>> tweedie_deviance_grad([1.0], [2.0], power=1.0)
    array([1.])
    """,
)


def _sample_tweedie(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    counts = rng.poisson(1.2, size=n)
    amounts = np.array([rng.gamma(2.0, 1.0, size=c).sum() for c in counts])
    return {"y_true": amounts, "y_pred": rng.uniform(0.3, 5.0, size=n)}


register(
    tweedie_deviance,
    family="likelihood",
    prediction="mean",
    target="non-negative",
    distribution=None,
    convex=False,
    differentiable=True,
    robust=None,
    proper=None,
    reference="jorgensen1987exponential",
    oracle="closed form",
    sampler=_sample_tweedie,
    summary="Tweedie deviance of a mean: Poisson (p=1), compound Poisson-gamma (1<p<2), Gamma (p=2).",
    equivalents=Equivalents(
        note="None of PyTorch, Keras and optax has the Tweedie deviance (scikit-learn's `mean_tweedie_deviance` has).",
    ),
)
