r"""The negative evidence lower bound of a variational autoencoder: ``vae_elbo(x, x_recon, mu, logvar)``,
with its gradient with respect to every model output it takes.
"""

from __future__ import annotations

from typing import NamedTuple, cast

import numpy as np
import numpy.typing as npt

from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import grad_scale, reduce, reduce_readable
from .._typing import FloatArray, Reduced
from .._validation import (
    as_float_array,
    check_choice,
    check_in_unit_interval,
    check_no_nan_or_inf,
    check_reduction,
    check_same_shape,
)
from .._wrappers import gradient
from ..special import log_sigmoid, sigmoid

__all__ = [
    "vae_elbo",
    "vae_elbo_grad",
]


# --------------------------------------------------------------------------
# VAE: negative evidence lower bound
# --------------------------------------------------------------------------

_LIKELIHOODS = ("bernoulli", "gaussian")


class VaeElboGrad(NamedTuple):
    """Gradient of :func:`vae_elbo` with respect to each model output."""

    x_recon: FloatArray
    mu: FloatArray
    logvar: FloatArray


def _vae_inputs(
    x: npt.ArrayLike,
    x_recon: npt.ArrayLike,
    mu: npt.ArrayLike,
    logvar: npt.ArrayLike,
    likelihood: object,
    reduction: str,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    check_reduction(reduction)
    check_choice(likelihood, "likelihood", _LIKELIHOODS)
    z = as_float_array(x_recon, "x_recon", nan=likelihood != "bernoulli")
    if likelihood == "bernoulli":  # logits: refused where infinite, as every logit in losslib
        check_no_nan_or_inf(z, "x_recon", "logits", "an infinite logit claims a probability of exactly 0 or 1")
    x = as_float_array(x, "x", dtype=z.dtype)
    check_same_shape(x, "x", z, "x_recon")
    mu = as_float_array(mu, "mu", dtype=z.dtype)
    logvar = as_float_array(logvar, "logvar", dtype=z.dtype, nan=False)
    check_no_nan_or_inf(logvar, "logvar", "log-variances", "an infinite log-variance is a variance of 0 or inf")
    check_same_shape(mu, "mu", logvar, "logvar")
    if z.ndim == 0 or mu.ndim == 0:
        raise ValueError(
            f"x_recon has shape {z.shape} and mu has shape {mu.shape}; both need at least one axis: "
            "(D,) and (K,) for one example, or (N, ...) and (N, K) for N examples"
        )
    if (z.ndim == 1) != (mu.ndim == 1) or (z.ndim > 1 and z.shape[0] != mu.shape[0]):
        raise ValueError(
            f"x_recon has shape {z.shape} but mu has shape {mu.shape}; they must hold the same examples: "
            "(D,) with (K,) for one example, or (N, ...) with (N, K) for N examples"
        )
    if likelihood == "bernoulli":
        check_in_unit_interval(
            x, "x", "; the Bernoulli likelihood needs data in [0, 1] (use likelihood='gaussian' for real data)"
        )
    return x, z, mu, logvar


def _example_sum(a: FloatArray) -> FloatArray:
    """Sum over every axis but the first (all axes for a 1-D array: one example, a 0-d array)."""
    total: FloatArray = a.sum(axis=tuple(range(1, a.ndim))) if a.ndim > 1 else np.asarray(a.sum())
    return total


def vae_elbo_readable(
    x: npt.ArrayLike,
    x_recon: npt.ArrayLike,
    mu: npt.ArrayLike,
    logvar: npt.ArrayLike,
    *,
    likelihood: str = "bernoulli",
    reduction: str = "mean",
) -> tuple[Reduced, VaeElboGrad]:
    r"""Readable form of :func:`vae_elbo` and :func:`vae_elbo_grad`, as chapter 5 writes them.

    Per example, the reconstruction's negative log-likelihood summed over the features plus
    the KL divergence of the encoder's Gaussian from the prior, summed over the latent axis:

    .. math::

        \ell = \sum_i -\big(x_i \log \sigma(\hat x_i) + (1 - x_i) \log(1 - \sigma(\hat x_i))\big)
            \ \text{or} \ \sum_i \tfrac12 (x_i - \hat x_i)^2
            \; + \; \tfrac12 \sum_k \big(\mu_k^2 + e^{\lambda_k} - 1 - \lambda_k\big)

    with the gradients :math:`\sigma(\hat x) - x` (Bernoulli) or :math:`\hat x - x` (Gaussian),
    :math:`\mu` and :math:`\tfrac12 (e^{\lambda} - 1)`. The logarithms of the sigmoid are
    :func:`losslib.special.log_sigmoid`, since :math:`1 - \sigma(\hat x) = \sigma(-\hat x)`:
    ``np.log(sigmoid(z))`` is :math:`\log 0` below :math:`z \approx -745`, and
    ``np.log(1 - sigmoid(z))`` already beyond :math:`z \approx 37` (:math:`1 - \sigma(z)` rounds
    to 0; at :math:`z = 30` it is off by 0.001). The fast path ``_vae_elbo`` is tested against it.
    """
    x, z, mu, lv = np.asarray(x), np.asarray(x_recon), np.asarray(mu), np.asarray(logvar)
    if likelihood == "bernoulli":
        recon = -(x * log_sigmoid(z) + (1 - x) * log_sigmoid(-z))
        g_recon = sigmoid(z) - x
    else:
        recon = 0.5 * (x - z) ** 2
        g_recon = z - x
    kl = 0.5 * (mu**2 + np.exp(lv) - 1 - lv)
    loss = _example_sum(recon) + _example_sum(kl)  # one per example (one value for 1-D inputs)
    return reduce_readable(loss, VaeElboGrad(g_recon, mu, 0.5 * (np.exp(lv) - 1)), reduction)


def _vae_elbo(
    x: npt.ArrayLike,
    x_recon: npt.ArrayLike,
    mu: npt.ArrayLike,
    logvar: npt.ArrayLike,
    *,
    likelihood: str = "bernoulli",
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, VaeElboGrad | None]:
    """Fast path of :func:`vae_elbo_readable` (with validation, sharing exp(-|x_recon|) and exp(logvar))."""
    x, z, mu, lv = _vae_inputs(x, x_recon, mu, logvar, likelihood, reduction)
    t = z.dtype.type
    n = z.shape[0] if z.ndim > 1 else 1
    em1 = np.expm1(lv)  # exp(logvar) - 1 without cancellation near logvar = 0
    v: Reduced | None = None
    g: VaeElboGrad | None = None
    if likelihood == "bernoulli":
        e = np.exp(-np.abs(z))
    if value:
        if likelihood == "bernoulli":
            # BCE with logits, as in binary_cross_entropy_with_logits: every term >= 0
            sp = np.log1p(e)
            recon = x * (sp - np.minimum(z, 0)) + (t(1) - x) * (sp + np.maximum(z, 0))
        else:
            recon = t(0.5) * (x - z) ** 2
        kl = t(0.5) * (mu * mu + (em1 - lv))  # exp(lv) - 1 - lv >= 0
        v = reduce(np.asarray(_example_sum(recon) + _example_sum(kl)), reduction)
    if grad:
        scale = t(grad_scale(reduction, n))
        if likelihood == "bernoulli":
            s_pos = np.where(z >= 0, 1 / (1 + e), e / (1 + e))  # sigmoid(z)
            s_neg = np.where(z >= 0, e / (1 + e), 1 / (1 + e))  # sigmoid(-z), no cancellation
            g_z = (t(1) - x) * s_pos - x * s_neg
        else:
            g_z = z - x
        g = VaeElboGrad(
            (g_z * scale).astype(z.dtype, copy=False),
            (mu * scale).astype(z.dtype, copy=False),
            (t(0.5) * em1 * scale).astype(z.dtype, copy=False),
        )
    return v, g


@shared_doc
def vae_elbo(
    x: npt.ArrayLike,
    x_recon: npt.ArrayLike,
    mu: npt.ArrayLike,
    logvar: npt.ArrayLike,
    *,
    likelihood: str = "bernoulli",
    reduction: str = "mean",
) -> Reduced:
    r"""Negative evidence lower bound (ELBO) of a variational autoencoder: a loss to minimise.

    With a Gaussian encoder :math:`q(z\mid x) = \mathcal N(\mu, \operatorname{diag} e^{\lambda})`
    (:math:`\lambda` = ``logvar``), a standard-normal prior and a decoder whose output for a
    sampled :math:`z` is ``x_recon``,

    .. math::

        \ell = \underbrace{-\log p(x \mid z)}_{\text{reconstruction}}
             + \underbrace{\tfrac12 \sum_k \big(\mu_k^2 + e^{\lambda_k} - 1 - \lambda_k\big)}_{
               \mathrm{KL}(q(z\mid x)\,\|\,\mathcal N(0, I))}

    where the reconstruction term is summed over the features of each example:

    - ``likelihood="bernoulli"`` (``x`` in [0, 1], ``x_recon`` **logits**):
      :math:`\sum_i \operatorname{softplus}(\hat x_i) - x_i \hat x_i`, the binary
      cross-entropy with logits;
    - ``likelihood="gaussian"`` (``x`` real, ``x_recon`` the mean, unit variance):
      :math:`\tfrac12 \sum_i (x_i - \hat x_i)^2`, the Gaussian negative log-likelihood
      **without** its constant :math:`\tfrac D2 \log 2\pi` (add it for the exact bound;
      it has no gradient).

    :math:`-\ell` is a lower bound on :math:`\log p(x)` (Kingma and Welling 2014), so
    :math:`\ell` is an upper bound on the negative log-likelihood of the model.

    Parameters
    ----------
    x : array_like, shape ``(N, ...)`` or ``(D,)``
        The data (the target).
    x_recon : array_like, same shape as ``x``
        The decoder's output: logits (Bernoulli; finite, ±inf is refused) or means (Gaussian).
    mu, logvar : array_like, shape ``(N, K)`` or ``(K,)``
        Mean and log-variance of the encoder's Gaussian (``logvar`` finite: ±inf is refused).
    likelihood : {"bernoulli", "gaussian"}
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per example, shape ``(N,)`` (``()`` for one example
        given as 1-D arrays); ``"mean"`` averages over the examples.

    {returns}

    Notes
    -----
    Stability: the reconstruction uses the log-sigmoid form of
    :func:`binary_cross_entropy_with_logits` (finite for logits up to 1e4), the KL term
    computes :math:`e^{\lambda} - 1` with ``expm1``, and the Bernoulli gradient
    :math:`\sigma(\hat x) - x` is formed without cancellation.

    PyTorch has no ELBO function; the usual PyTorch code is
    ``F.binary_cross_entropy_with_logits(x_recon, x, reduction="sum") - 0.5 * torch.sum(1 +
    logvar - mu**2 - logvar.exp())``, which is ``vae_elbo(..., reduction="sum")``. Many
    examples use ``F.mse_loss(..., reduction="sum")`` for the Gaussian case: that is twice
    the reconstruction term here (it weights the KL term by 1/2 relative to the likelihood).
    The default ``"mean"`` averages over examples, not over features.

    For fixed ``mu`` and ``logvar`` the reconstruction term is the Bernoulli log score of
    :math:`\sigma(\hat x)`, so the loss is a strictly proper scoring rule in ``x_recon``
    (registry: ``proper=True``). It is convex in ``(x_recon, mu, logvar)`` jointly (a sum of
    convex terms in separate variables), though not in the networks' weights.

    References
    ----------
    .. [1] Kingma, D. P. and Welling, M. (2014). Auto-encoding variational Bayes. *ICLR 2014*,
       arXiv:1312.6114. (kingma2014auto)

    Examples
    --------
    >>> round(float(vae_elbo([1.0, 0.0], [0.0, 0.0], [1.0], [0.0])), 6)
    1.886294
    """
    return cast(Reduced, _vae_elbo(x, x_recon, mu, logvar, likelihood=likelihood, reduction=reduction, grad=False)[0])


vae_elbo_grad = gradient(
    vae_elbo,
    _vae_elbo,
    doc=r"""Gradient of :func:`vae_elbo` with respect to ``x_recon``, ``mu`` and ``logvar``.

    .. math:: \frac{\partial \ell}{\partial \hat x} = \sigma(\hat x) - x \ \text{(Bernoulli)}
        \text{ or } \hat x - x \ \text{(Gaussian)}, \qquad
        \frac{\partial \ell}{\partial \mu} = \mu, \qquad
        \frac{\partial \ell}{\partial \lambda} = \tfrac12 (e^{\lambda} - 1)

    each divided by the number of examples for ``"mean"``.

    Returns
    -------
    VaeElboGrad
        NamedTuple ``(x_recon, mu, logvar)`` of arrays shaped like the inputs.

    Examples
    --------
    >>> g = vae_elbo_grad([1.0, 0.0], [0.0, 0.0], [1.0], [0.0])
    >>> g.x_recon, g.mu, g.logvar
    (array([-0.5,  0.5]), array([1.]), array([0.]))
    """,
)


def _sample_vae(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    """``n`` examples of 6 binary features and a 3-dimensional latent."""
    return {
        "x": rng.integers(0, 2, size=(n, 6)).astype(float),
        "x_recon": 3.0 * rng.normal(size=(n, 6)),
        "mu": rng.normal(size=(n, 3)),
        "logvar": rng.normal(size=(n, 3)),
    }


register(
    vae_elbo,
    family="generative",
    prediction="logit",
    target="binary",
    distribution=None,
    convex=True,
    differentiable=True,
    robust=None,
    proper=True,
    reference="kingma2014auto",
    summary="Negative ELBO of a VAE: reconstruction NLL plus KL of the encoder from the prior.",
    args=("x", "x_recon", "mu", "logvar"),
    grad_wrt=("x_recon", "mu", "logvar"),
    oracle="torch",
    sampler=_sample_vae,
    equivalents=Equivalents(
        note=(
            "None of PyTorch, Keras and optax has an ELBO function: it is written from a reconstruction loss and "
            "the KL term."
        ),
    ),
)
