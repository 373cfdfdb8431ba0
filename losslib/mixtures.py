r"""Mixture likelihoods: the output layer of a mixture density network (Bishop, 1994).

The model predicts, for each example, :math:`K` components: mixing logits, locations and
(log-)spreads. The loss is the complete negative log-density of the mixture,

.. math:: \ell = -\log\sum_{k=1}^K \pi_k\, p_k(y), \qquad \pi = \operatorname{softmax}(\text{logits}),

computed as a log-sum-exp of :math:`\log\pi_k + \log p_k(y)`, so that a component far from
:math:`y` (whose density underflows to 0) costs nothing and cannot make the loss infinite. Its
gradients are written with the responsibilities :math:`\gamma_k = \pi_k p_k(y) / \sum_j \pi_j p_j(y)`.
One loss per example: ``y_true`` has shape (N,), the parameters (N, K).
"""

from __future__ import annotations

from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from ._distributions import finish, float_inputs
from ._docstrings import shared_doc
from ._info import Equivalents, register
from ._reduction import reduce_readable
from ._typing import FloatArray, Reduced
from ._validation import _first_index, _where
from ._wrappers import gradient
from .special import i0e, i1e, log_softmax, logsumexp, one_minus_bessel_ratio, softmax

__all__ = ["mixture_gaussian_nll", "mixture_gaussian_nll_grad", "mixture_von_mises_nll", "mixture_von_mises_nll_grad"]

_LOG_2PI = float(np.log(2 * np.pi))


def _mixture_inputs(
    reduction: str,
    y_true: npt.ArrayLike,
    logits: npt.ArrayLike,
    loc: npt.ArrayLike,
    spread: npt.ArrayLike,
    spread_name: str,
) -> tuple[np.dtype[Any], FloatArray, FloatArray, FloatArray, FloatArray]:
    """Validated ``(dtype of logits, y of shape S, logits, loc, spread of shape S + (K,))`` in float64."""
    dtype, (a, mu, s) = float_inputs(reduction, ("logits", logits), ("loc", loc), (spread_name, spread), dtype_from=0)
    _, (y,) = float_inputs(reduction, ("y_true", y_true), dtype_from=0)
    if a.ndim == 0 or a.shape[:-1] != y.shape:
        raise ValueError(
            f"logits has shape {a.shape} but y_true has shape {y.shape}; logits, loc and {spread_name} must have "
            f"shape {y.shape + (a.shape[-1] if a.ndim else 1,)}: one row of K components per example"
        )
    return dtype, y, a, mu, s


# --------------------------------------------------------------------------
# Gaussian mixture
# --------------------------------------------------------------------------


class MixtureGaussianNLLGrad(NamedTuple):
    """Gradient of :func:`mixture_gaussian_nll` with respect to ``logits``, ``loc`` and ``log_scale``."""

    logits: FloatArray
    loc: FloatArray
    log_scale: FloatArray


def mixture_gaussian_nll_readable(
    y_true: npt.ArrayLike,
    logits: npt.ArrayLike,
    loc: npt.ArrayLike,
    log_scale: npt.ArrayLike,
    *,
    reduction: str = "mean",
) -> tuple[Reduced, MixtureGaussianNLLGrad]:
    r"""Readable form of :func:`mixture_gaussian_nll` and its gradient: densities, summed and logged.

    .. math::

        \ell = -\log\sum_k \pi_k\,\mathcal N(y; \mu_k, \sigma_k^2), \quad
        \frac{\partial\ell}{\partial a_k} = \pi_k - \gamma_k, \quad
        \frac{\partial\ell}{\partial\mu_k} = -\gamma_k\frac{z_k}{\sigma_k}, \quad
        \frac{\partial\ell}{\partial\log\sigma_k} = \gamma_k(1 - z_k^2)
    """
    y = np.asarray(y_true, dtype=float)[..., None]
    a, mu, log_s = (np.asarray(v, dtype=float) for v in (logits, loc, log_scale))
    weights = np.exp(a) / np.sum(np.exp(a), axis=-1, keepdims=True)
    sigma = np.exp(log_s)
    z = (y - mu) / sigma
    joint = weights * np.exp(-0.5 * z**2) / (sigma * np.sqrt(2 * np.pi))
    density = np.sum(joint, axis=-1)
    resp = joint / density[..., None]
    grads = MixtureGaussianNLLGrad(weights - resp, -resp * z / sigma, resp * (1 - z**2))
    return reduce_readable(-np.log(density), grads, reduction)


def _mixture_gaussian_nll(
    y_true: npt.ArrayLike,
    logits: npt.ArrayLike,
    loc: npt.ArrayLike,
    log_scale: npt.ArrayLike,
    *,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, MixtureGaussianNLLGrad | None]:
    """Fast path of the readable form, in the log domain: a log-sum-exp over components."""
    dtype, y, a, mu, log_s = _mixture_inputs(reduction, y_true, logits, loc, log_scale, "log_scale")
    with np.errstate(over="ignore"):
        z = (y[..., None] - mu) * np.exp(-log_s)
        z2 = z * z
    log_comp = -0.5 * z2 - log_s - 0.5 * _LOG_2PI
    joint = log_softmax(a, axis=-1) + log_comp
    values = -logsumexp(joint, axis=-1)
    resp = softmax(joint, axis=-1)
    with np.errstate(over="ignore", invalid="ignore"):
        taken = resp > 0  # a component with responsibility 0 (z^2 = inf) pulls on nothing
        g_loc = np.where(taken, -resp * z * np.exp(-log_s), 0.0)
        g_log_s = np.where(taken, resp * (1 - z2), 0.0)
    grads = [softmax(a, axis=-1) - resp, g_loc, g_log_s]
    return finish(values, grads, dtype, reduction, y.size, MixtureGaussianNLLGrad, value, grad)


@shared_doc
def mixture_gaussian_nll(
    y_true: npt.ArrayLike,
    logits: npt.ArrayLike,
    loc: npt.ArrayLike,
    log_scale: npt.ArrayLike,
    *,
    reduction: str = "mean",
) -> Reduced:
    r"""Negative log-likelihood of a Gaussian mixture (a mixture density network's output).

    .. math::

        \ell(y) = -\log\sum_{k=1}^K \pi_k\,\frac{1}{\sigma_k\sqrt{2\pi}}
            \exp\Big(-\frac{(y - \mu_k)^2}{2\sigma_k^2}\Big),
        \qquad \pi = \operatorname{softmax}(a), \quad \sigma_k = e^{s_k}

    the complete negative log-density. A mixture can put its mass in several places: for a
    target with several plausible values given the input (an inverse problem, a fork in a
    trajectory) the mean, which a single Gaussian fits, may be where no data are.

    Parameters
    ----------
    y_true : array_like, shape (N,)
        Observations.
    logits : array_like, shape (N, K)
        Mixing logits :math:`a` (any finite reals). Its floating dtype is the dtype of the result.
    loc : array_like, shape (N, K)
        Component means :math:`\mu_k`.
    log_scale : array_like, shape (N, K)
        Log standard deviations :math:`s_k = \log\sigma_k` (any finite reals).
    {reduction_per_example}

    Raises
    ------
    ValueError
        For wrong shapes, NaN or ±inf anywhere.

    Notes
    -----
    Computed as :math:`-\operatorname{logsumexp}_k(\log\pi_k + \log\mathcal N_k)` with
    :math:`\log\pi = \operatorname{log\_softmax}(a)`: no density is formed, so a component
    thousands of standard deviations away (whose density is 0 in floating point) neither makes
    the loss infinite nor produces a NaN gradient (its responsibility is 0). Equals
    ``-torch.distributions.MixtureSameFamily(Categorical(logits=a), Normal(mu, exp(s))).log_prob(y)``.

    References
    ----------
    .. [1] Bishop, C. M. (1994). Mixture density networks. Technical report NCRG/94/004, Aston
       University. (bishop1994mixture)

    Examples
    --------
    >>> round(float(mixture_gaussian_nll([0.0], [[0.0, 0.0]], [[0.0, 0.0]], [[0.0, 0.0]])), 12)  # log(2 pi) / 2
    0.918938533205
    """
    return cast(Reduced, _mixture_gaussian_nll(y_true, logits, loc, log_scale, reduction=reduction, grad=False)[0])


mixture_gaussian_nll_grad = gradient(
    mixture_gaussian_nll,
    _mixture_gaussian_nll,
    doc=r"""Gradient of :func:`mixture_gaussian_nll` with respect to ``logits``, ``loc`` and ``log_scale``.

    .. math::

        \frac{\partial\ell}{\partial a_k} = \pi_k - \gamma_k, \qquad
        \frac{\partial\ell}{\partial\mu_k} = -\gamma_k\,\frac{y - \mu_k}{\sigma_k^2}, \qquad
        \frac{\partial\ell}{\partial s_k} = \gamma_k\Big(1 - \frac{(y - \mu_k)^2}{\sigma_k^2}\Big)

    with the responsibilities :math:`\gamma_k = \pi_k\mathcal N_k / \sum_j \pi_j\mathcal N_j`.

    Examples
    --------
    >>> g = mixture_gaussian_nll_grad([1.0], [[0.0, 0.0]], [[1.0, 1.0]], [[0.0, 0.0]], reduction="sum")
    >>> g.logits, g.log_scale
    (array([[0., 0.]]), array([[0.5, 0.5]]))
    """,
)


_K = 3


def _sample_mixture_gaussian(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {
        "y_true": 2.0 * rng.normal(size=n),
        "logits": rng.normal(size=(n, _K)),
        "loc": 2.0 * rng.normal(size=(n, _K)),
        "log_scale": rng.uniform(-0.7, 0.7, size=(n, _K)),
    }


register(
    mixture_gaussian_nll,
    family="likelihood",
    prediction="mixing logits, means and log-scales",
    target="real",
    distribution="Gaussian mixture",
    convex=False,
    differentiable=True,
    robust=None,
    proper=True,
    reference="bishop1994mixture",
    args=("y_true", "logits", "loc", "log_scale"),
    grad_wrt=("logits", "loc", "log_scale"),
    oracle="scipy",
    sampler=_sample_mixture_gaussian,
    summary="Gaussian mixture NLL (mixture density network), by log-sum-exp over components.",
    equivalents=Equivalents(
        torch="(-torch.distributions.MixtureSameFamily(torch.distributions.Categorical(logits=logits), torch.distributions.Normal(loc, torch.exp(log_scale))).log_prob(y_true)).mean()",
        note="PyTorch has the distribution, not a loss. Keras and optax have none.",
    ),
)


# --------------------------------------------------------------------------
# von Mises mixture
# --------------------------------------------------------------------------


class MixtureVonMisesNLLGrad(NamedTuple):
    """Gradient of :func:`mixture_von_mises_nll` wrt ``logits``, ``loc`` and ``log_concentration``."""

    logits: FloatArray
    loc: FloatArray
    log_concentration: FloatArray


def mixture_von_mises_nll_readable(
    y_true: npt.ArrayLike,
    logits: npt.ArrayLike,
    loc: npt.ArrayLike,
    log_concentration: npt.ArrayLike,
    *,
    reduction: str = "mean",
) -> tuple[Reduced, MixtureVonMisesNLLGrad]:
    r"""Readable form of :func:`mixture_von_mises_nll` and its gradient: densities, summed and logged.

    .. math::

        \ell = -\log\sum_k \pi_k \frac{e^{\kappa_k\cos(y - \mu_k)}}{2\pi I_0(\kappa_k)}, \quad
        \frac{\partial\ell}{\partial\mu_k} = -\gamma_k\kappa_k\sin(y - \mu_k), \quad
        \frac{\partial\ell}{\partial\log\kappa_k} = -\gamma_k\kappa_k\Big(\cos(y - \mu_k) - \frac{I_1(\kappa_k)}{I_0(\kappa_k)}\Big)
    """
    y = np.asarray(y_true, dtype=float)[..., None]
    a, mu, log_k = (np.asarray(v, dtype=float) for v in (logits, loc, log_concentration))
    weights = np.exp(a) / np.sum(np.exp(a), axis=-1, keepdims=True)
    kappa = np.exp(log_k)
    joint = weights * np.exp(kappa * np.cos(y - mu)) / (2 * np.pi * np.i0(kappa))
    density = np.sum(joint, axis=-1)
    resp = joint / density[..., None]
    ratio = i1e(kappa) / i0e(kappa)  # I1 / I0
    grads = MixtureVonMisesNLLGrad(
        weights - resp, -resp * kappa * np.sin(y - mu), -resp * kappa * (np.cos(y - mu) - ratio)
    )
    return reduce_readable(-np.log(density), grads, reduction)


_MAX_LOG_CONCENTRATION = 690.0  # exp(690) ~ 1e300: beyond, the Bessel ratios lose their meaning


def _mixture_von_mises_nll(
    y_true: npt.ArrayLike,
    logits: npt.ArrayLike,
    loc: npt.ArrayLike,
    log_concentration: npt.ArrayLike,
    *,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, MixtureVonMisesNLLGrad | None]:
    """Fast path of the readable form: log-sum-exp over components and the scaled Bessel function
    :math:`\\log I_0(\\kappa) = \\kappa + \\log(e^{-\\kappa} I_0(\\kappa))`, finite for any concentration."""
    dtype, y, a, mu, log_k = _mixture_inputs(reduction, y_true, logits, loc, log_concentration, "log_concentration")
    if log_k.max() > _MAX_LOG_CONCENTRATION:
        index = _first_index(log_k > _MAX_LOG_CONCENTRATION)
        raise ValueError(
            f"log_concentration must be <= {_MAX_LOG_CONCENTRATION:g} but {_where('log_concentration', index)} = "
            f"{log_k[index].item()!r}; a concentration of exp({log_k[index].item():g}) is a point mass"
        )
    kappa = np.exp(log_k)
    d = y[..., None] - mu
    half = np.sin(d / 2)
    one_minus_cos = 2 * half * half  # 1 - cos d, without cancellation near 0
    log_comp = -kappa * one_minus_cos - _LOG_2PI - np.log(i0e(kappa))  # kappa (cos d - 1) - log(2 pi e^-k I0)
    joint = log_softmax(a, axis=-1) + log_comp
    values = -logsumexp(joint, axis=-1)
    resp = softmax(joint, axis=-1)
    # d log p_k / d kappa = cos d - I1/I0 = (1 - I1/I0) - (1 - cos d)
    g_log_k = -resp * kappa * (one_minus_bessel_ratio(kappa) - one_minus_cos)
    grads = [softmax(a, axis=-1) - resp, -resp * kappa * np.sin(d), g_log_k]
    return finish(values, grads, dtype, reduction, y.size, MixtureVonMisesNLLGrad, value, grad)


@shared_doc
def mixture_von_mises_nll(
    y_true: npt.ArrayLike,
    logits: npt.ArrayLike,
    loc: npt.ArrayLike,
    log_concentration: npt.ArrayLike,
    *,
    reduction: str = "mean",
) -> Reduced:
    r"""Negative log-likelihood of a mixture of von Mises distributions, for angles.

    .. math::

        \ell(y) = -\log\sum_{k=1}^K \pi_k\,\frac{\exp(\kappa_k\cos(y - \mu_k))}{2\pi I_0(\kappa_k)},
        \qquad \pi = \operatorname{softmax}(a), \quad \kappa_k = e^{c_k}

    the complete negative log-density of angles in radians: a mixture density network for
    directions (a wind that blows from two quarters, the orientation of a symmetric object).

    Parameters
    ----------
    y_true : array_like, shape (N,)
        Observed angles in radians.
    logits : array_like, shape (N, K)
        Mixing logits. Its floating dtype is the dtype of the result.
    loc : array_like, shape (N, K)
        Component mean directions :math:`\mu_k` in radians.
    log_concentration : array_like, shape (N, K)
        :math:`c_k = \log\kappa_k`, finite and at most 690 (:math:`\kappa \approx 10^{300}`).
    {reduction_per_example}

    Raises
    ------
    ValueError
        For wrong shapes, a log-concentration above 690, NaN or ±inf anywhere.

    Notes
    -----
    :math:`\log I_0(\kappa)` is :math:`\kappa + \log(e^{-\kappa}I_0(\kappa))` with the exponentially
    scaled Bessel function (``np.i0`` overflows beyond :math:`\kappa \approx 713`), and
    :math:`\kappa\cos d - \kappa` is :math:`-2\kappa\sin^2(d/2)`, so a sharply concentrated
    component costs no cancellation; the components are combined by log-sum-exp.
    ``mixture_von_mises_nll`` with one component equals
    ``von_mises_nll(..., full=True)``.

    References
    ----------
    .. [1] Bishop, C. M. (1994). Mixture density networks. Technical report NCRG/94/004, Aston
       University. (bishop1994mixture)
    .. [2] Mardia, K. V. and Jupp, P. E. (2000). *Directional Statistics*. Wiley. (mardia2000directional)

    Examples
    --------
    >>> round(float(mixture_von_mises_nll([1.0], [[0.0, 0.0]], [[0.0, 2.0]], [[-50.0, -50.0]])), 12)  # uniform
    1.837877066409
    """
    return cast(
        Reduced, _mixture_von_mises_nll(y_true, logits, loc, log_concentration, reduction=reduction, grad=False)[0]
    )


mixture_von_mises_nll_grad = gradient(
    mixture_von_mises_nll,
    _mixture_von_mises_nll,
    doc=r"""Gradient of :func:`mixture_von_mises_nll` with respect to ``logits``, ``loc`` and ``log_concentration``.

    .. math::

        \frac{\partial\ell}{\partial a_k} = \pi_k - \gamma_k, \quad
        \frac{\partial\ell}{\partial\mu_k} = -\gamma_k\kappa_k\sin(y - \mu_k), \quad
        \frac{\partial\ell}{\partial c_k} = -\gamma_k\kappa_k\Big(\cos(y - \mu_k) - \frac{I_1(\kappa_k)}{I_0(\kappa_k)}\Big)

    Examples
    --------
    >>> g = mixture_von_mises_nll_grad([0.0], [[0.0]], [[0.0]], [[0.0]], reduction="sum")
    >>> g.logits, g.loc
    (array([[0.]]), array([[-0.]]))
    """,
)


def _sample_mixture_von_mises(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {
        "y_true": rng.uniform(-np.pi, np.pi, size=n),
        "logits": rng.normal(size=(n, _K)),
        "loc": rng.uniform(-np.pi, np.pi, size=(n, _K)),
        "log_concentration": rng.uniform(-1.0, 2.0, size=(n, _K)),
    }


register(
    mixture_von_mises_nll,
    family="likelihood",
    prediction="mixing logits, mean angles and log-concentrations",
    target="angle",
    distribution="von Mises mixture",
    convex=False,
    differentiable=True,
    robust=None,
    proper=True,
    reference="bishop1994mixture",
    args=("y_true", "logits", "loc", "log_concentration"),
    grad_wrt=("logits", "loc", "log_concentration"),
    oracle="scipy",
    sampler=_sample_mixture_von_mises,
    summary="von Mises mixture NLL of angles, by log-sum-exp with scaled Bessel functions.",
    equivalents=Equivalents(
        torch="(-torch.distributions.MixtureSameFamily(torch.distributions.Categorical(logits=logits), torch.distributions.VonMises(loc, torch.exp(log_concentration))).log_prob(y_true)).mean()",
        note="PyTorch has the distribution, not a loss. Keras and optax have none.",
    ),
)
