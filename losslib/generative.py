r"""Losses of generative models: the VAE's negative evidence lower bound and the GAN losses.

These losses take several model outputs at once, so they are not ``(y_true, y_pred)``
functions: ``vae_elbo(x, x_recon, mu, logvar)``, ``gan_discriminator(real_scores,
fake_scores)`` and ``gan_generator(fake_scores)``. Each returns its gradient with respect to
every model output it takes (a NamedTuple when there are several).
"""

from __future__ import annotations

from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from ._info import register
from ._reduction import grad_scale, reduce, reduce_readable
from ._typing import FloatArray, Reduced
from ._validation import (
    as_float_array,
    check_choice,
    check_in_unit_interval,
    check_no_nan_or_inf,
    check_reduction,
    check_same_shape,
)
from .special import log_sigmoid, sigmoid, softplus

__all__ = [
    "gan_discriminator",
    "gan_discriminator_grad",
    "gan_generator",
    "gan_generator_grad",
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

    Returns
    -------
    float or ndarray

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


def vae_elbo_grad(
    x: npt.ArrayLike,
    x_recon: npt.ArrayLike,
    mu: npt.ArrayLike,
    logvar: npt.ArrayLike,
    *,
    likelihood: str = "bernoulli",
    reduction: str = "mean",
) -> VaeElboGrad:
    r"""Gradient of :func:`vae_elbo` with respect to ``x_recon``, ``mu`` and ``logvar``.

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
    """
    grads = _vae_elbo(x, x_recon, mu, logvar, likelihood=likelihood, reduction=reduction, value=False)[1]
    return cast(VaeElboGrad, grads)


def _sample_vae(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    """``n`` examples of 6 binary features and a 3-dimensional latent."""
    return {
        "x": rng.integers(0, 2, size=(n, 6)).astype(float),
        "x_recon": 3.0 * rng.normal(size=(n, 6)),
        "mu": rng.normal(size=(n, 3)),
        "logvar": rng.normal(size=(n, 3)),
    }


register(
    loss=vae_elbo,
    grad=vae_elbo_grad,
    core=_vae_elbo,
    readable=vae_elbo_readable,
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
    equivalents={
        "torch": None,
        "keras": None,
        "optax": None,
    },
    equivalent_calls={},
    equivalents_note=(
        "None of PyTorch, Keras and optax has an ELBO function: it is written from a reconstruction loss and "
        "the KL term."
    ),
)


# --------------------------------------------------------------------------
# GAN losses
# --------------------------------------------------------------------------

_KINDS = ("minimax", "non_saturating", "wasserstein", "hinge", "least_squares")


class GanDiscriminatorGrad(NamedTuple):
    """Gradient of :func:`gan_discriminator` with respect to the two batches of scores."""

    real_scores: FloatArray
    fake_scores: FloatArray


def gan_discriminator_readable(
    real_scores: npt.ArrayLike, fake_scores: npt.ArrayLike, *, kind: str = "minimax", reduction: str = "mean"
) -> tuple[Reduced, GanDiscriminatorGrad]:
    r"""Readable form of :func:`gan_discriminator` and :func:`gan_discriminator_grad`, as chapter 5 writes them.

    .. math::

        \ell(r, f) = \begin{cases}
            -\log D(x) - \log(1 - D(G(z))) = -\log\sigma(r) - \log\sigma(-f)
                & \text{minimax, non\_saturating} \\
            f - r & \text{wasserstein} \\
            \max(0, 1 - r) + \max(0, 1 + f) & \text{hinge} \\
            \tfrac12 (r - 1)^2 + \tfrac12 f^2 & \text{least\_squares}
        \end{cases}

    with the gradients :math:`(-\sigma(-r), \sigma(f))`, :math:`(-1, 1)`,
    :math:`(-[r < 1], [f > -1])` (the subgradient 0 at the hinges) and :math:`(r - 1, f)`. The log loss is
    :math:`\operatorname{softplus}(-r) + \operatorname{softplus}(f)`, as chapter 5 writes it, with
    :math:`\operatorname{softplus}(x) = \log(1 + e^x)` = ``np.logaddexp(0, x)``, numpy's log-sum-exp
    of :math:`\log 1` and :math:`x`: ``np.log(1 + np.exp(x))`` overflows beyond :math:`x \approx 709`.
    The fast path ``_gan_discriminator`` is tested against it.
    """
    r, f = np.asarray(real_scores), np.asarray(fake_scores)
    if kind in ("minimax", "non_saturating"):
        loss, g_real, g_fake = np.logaddexp(0, -r) + np.logaddexp(0, f), -sigmoid(-r), sigmoid(f)
    elif kind == "wasserstein":
        loss, g_real, g_fake = f - r, -np.ones_like(r), np.ones_like(f)
    elif kind == "least_squares":
        loss, g_real, g_fake = 0.5 * (r - 1) ** 2 + 0.5 * f**2, r - 1, f
    else:  # hinge
        loss = np.maximum(0, 1 - r) + np.maximum(0, 1 + f)
        g_real, g_fake = -1.0 * (r < 1), 1.0 * (f > -1)
    return reduce_readable(loss, GanDiscriminatorGrad(g_real, g_fake), reduction)


def _gan_discriminator(
    real_scores: npt.ArrayLike,
    fake_scores: npt.ArrayLike,
    *,
    kind: str = "minimax",
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, GanDiscriminatorGrad | None]:
    """Fast path of :func:`gan_discriminator_readable` (with validation, in the scores' dtype)."""
    check_reduction(reduction)
    check_choice(kind, "kind", _KINDS)
    r = as_float_array(real_scores, "real_scores")
    f = as_float_array(fake_scores, "fake_scores")
    dtype = np.result_type(r, f)
    r, f = r.astype(dtype, copy=False), f.astype(dtype, copy=False)
    check_same_shape(r, "real_scores", f, "fake_scores")
    t = r.dtype.type
    v: Any = None  # each stays None unless asked for
    g_r: Any = None
    g_f: Any = None
    if kind in ("minimax", "non_saturating"):
        # -log D(x) - log(1 - D(G(z))) with D = sigmoid: softplus(-r) + softplus(f)
        if value:
            v = softplus(-r) + softplus(f)
        if grad:
            g_r, g_f = -sigmoid(-r), sigmoid(f)
    elif kind == "wasserstein":
        if value:
            v = f - r
        if grad:
            g_r, g_f = np.full_like(r, -1), np.ones_like(f)
    elif kind == "least_squares":  # targets 1 for real, 0 for generated (the 0-1 coding of Mao et al.)
        if value:
            v = t(0.5) * (r - t(1)) ** 2 + t(0.5) * f * f
        if grad:
            g_r, g_f = r - t(1), f
    else:  # hinge
        if value:
            v = np.maximum(t(1) - r, 0) + np.maximum(t(1) + f, 0)
        if grad:
            # subgradient 0 at the hinges, as PyTorch's relu
            g_r, g_f = -(t(1) - r > 0).astype(dtype), (t(1) + f > 0).astype(dtype)
    grads = None
    if grad:
        scale = t(grad_scale(reduction, r.size))
        grads = GanDiscriminatorGrad((g_r * scale).astype(dtype, copy=False), (g_f * scale).astype(dtype, copy=False))
    return (reduce(v.astype(dtype, copy=False), reduction) if value else None), grads


def gan_discriminator(
    real_scores: npt.ArrayLike, fake_scores: npt.ArrayLike, *, kind: str = "minimax", reduction: str = "mean"
) -> Reduced:
    r"""Loss of a GAN's discriminator (critic), from its raw scores on real and generated data.

    With :math:`r` the discriminator's scores on real examples and :math:`f` on generated
    ones (logits for the first two kinds, :math:`D = \sigma(\cdot)`), the loss per pair is

    .. math::

        \ell(r, f) = \begin{cases}
            \operatorname{softplus}(-r) + \operatorname{softplus}(f)
              = -\log D(x) - \log(1 - D(G(z))) & \text{minimax, non\_saturating} \\
            f - r & \text{wasserstein} \\
            \max(0, 1 - r) + \max(0, 1 + f) & \text{hinge} \\
            \tfrac12 (r - 1)^2 + \tfrac12 f^2 & \text{least\_squares}
        \end{cases}

    The minimax and non-saturating GANs differ only in the generator's loss
    (:func:`gan_generator`); their discriminator is the binary cross-entropy of labelling
    real data 1 and generated data 0, whose minimiser is
    :math:`D^*(x) = p_\text{data}(x) / (p_\text{data}(x) + p_g(x))`.

    Parameters
    ----------
    real_scores : array_like, any shape
        Scores of a batch of real examples.
    fake_scores : array_like, same shape as ``real_scores``
        Scores of an equally sized batch of generated examples. Item :math:`i` of the
        per-item loss pairs ``real_scores[i]`` with ``fake_scores[i]``.
    kind : {"minimax", "non_saturating", "wasserstein", "hinge", "least_squares"}
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns the per-pair losses :math:`\ell(r_i, f_i)`; ``"mean"`` averages
        them, which equals the usual "mean over the real batch plus mean over the fake
        batch" (for wasserstein: :math:`\bar f - \bar r`).

    Returns
    -------
    float or ndarray

    Notes
    -----
    The softplus is computed as :math:`\max(x, 0) + \log(1 + e^{-|x|})`, finite and
    accurate for scores up to 1e4 (PyTorch's ``F.softplus`` switches to :math:`x` above
    ``threshold=20``, an error of :math:`e^{-20} \approx 2\cdot 10^{-9}`).
    The hinge uses the subgradient 0 at its kinks, like PyTorch's ``relu``. Wasserstein
    training also needs a Lipschitz constraint on the critic (weight clipping, gradient
    penalty or spectral normalisation), which is not part of this loss.

    ``"least_squares"`` is the LSGAN of Mao et al. (2017) with their 0-1 coding: the raw scores
    (no sigmoid) are pulled to 1 on real and to 0 on generated data, and the loss per pair is
    :math:`\frac12 (r - 1)^2 + \frac12 f^2`; with the generator's :math:`\frac12 (f - 1)^2` it
    minimises a Pearson :math:`\chi^2` divergence (their Theorem 1 is for the codes -1, 1, 0).
    The usual PyTorch code ``F.mse_loss(r, ones) + F.mse_loss(f, zeros)`` is twice this value.

    Registry claims are for the default ``kind="minimax"``: convex, differentiable, the
    Bernoulli negative log-likelihood of the real/fake labels, and a strictly proper scoring
    rule for :math:`D = \sigma(\text{score})`. The wasserstein and hinge kinds are convex too,
    but not proper, and the hinge is not differentiable.

    References
    ----------
    .. [1] Goodfellow, I. et al. (2014). Generative adversarial nets. *NeurIPS 27*.
       (goodfellow2014generative)
    .. [2] Arjovsky, M., Chintala, S. and Bottou, L. (2017). Wasserstein generative
       adversarial networks. *ICML*, PMLR 70, 214-223. (arjovsky2017wasserstein)
    .. [3] Lim, J. H. and Ye, J. C. (2017). Geometric GAN. arXiv:1705.02894. (lim2017geometric)
    .. [4] Miyato, T., Kataoka, T., Koyama, M. and Yoshida, Y. (2018). Spectral normalization
       for generative adversarial networks. *ICLR 2018*. (miyato2018spectral)
    .. [5] Mao, X., Li, Q., Xie, H., Lau, R. Y. K., Wang, Z. and Smolley, S. P. (2017). Least
       squares generative adversarial networks. *ICCV*, 2794-2802. (mao2017least)

    Examples
    --------
    >>> round(float(gan_discriminator([0.0], [0.0])), 6)  # 2 log 2: D cannot tell them apart
    1.386294
    >>> float(gan_discriminator([2.0, 0.5], [-3.0, 0.0], kind="hinge"))
    0.75
    >>> float(gan_discriminator([1.0, 0.0], [0.0, 1.0], kind="least_squares"))  # (0 + 0) and (1/2 + 1/2)
    0.5
    """
    return cast(Reduced, _gan_discriminator(real_scores, fake_scores, kind=kind, reduction=reduction, grad=False)[0])


def gan_discriminator_grad(
    real_scores: npt.ArrayLike, fake_scores: npt.ArrayLike, *, kind: str = "minimax", reduction: str = "mean"
) -> GanDiscriminatorGrad:
    r"""Gradient of :func:`gan_discriminator` with respect to both batches of scores.

    .. math:: \text{minimax, non\_saturating: } \frac{\partial\ell}{\partial r} = -\sigma(-r),\quad
        \frac{\partial\ell}{\partial f} = \sigma(f); \quad
        \text{wasserstein: } -1,\ 1; \quad
        \text{hinge: } -[r < 1],\ [f > -1]; \quad
        \text{least\_squares: } r - 1,\ f

    divided by the number of pairs for ``"mean"``.

    Returns
    -------
    GanDiscriminatorGrad
        NamedTuple ``(real_scores, fake_scores)``.

    Examples
    --------
    >>> g = gan_discriminator_grad([0.0], [0.0], reduction="sum")
    >>> g.real_scores, g.fake_scores
    (array([-0.5]), array([0.5]))
    """
    grads = _gan_discriminator(real_scores, fake_scores, kind=kind, reduction=reduction, value=False)[1]
    return cast(GanDiscriminatorGrad, grads)


def _sample_gan_pair(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {"real_scores": 3.0 * rng.normal(size=n), "fake_scores": 3.0 * rng.normal(size=n)}


register(
    loss=gan_discriminator,
    grad=gan_discriminator_grad,
    core=_gan_discriminator,
    readable=gan_discriminator_readable,
    family="generative",
    prediction="logit",
    target="none",
    distribution="Bernoulli",
    convex=True,
    differentiable=True,
    robust=None,
    proper=True,
    reference="goodfellow2014generative",
    summary="Discriminator of a GAN: log loss of real vs generated (or Wasserstein, hinge, least squares).",
    args=("real_scores", "fake_scores"),
    grad_wrt=("real_scores", "fake_scores"),
    oracle="torch",
    sampler=_sample_gan_pair,
    equivalents={
        "torch": None,
        "keras": None,
        "optax": None,
    },
    equivalent_calls={},
    equivalents_note=(
        "None of PyTorch, Keras and optax has GAN losses as functions: they are written from binary "
        "cross-entropies (or hinges, squares) of the scores."
    ),
)


def gan_generator_readable(
    fake_scores: npt.ArrayLike, *, kind: str = "non_saturating", reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`gan_generator` and :func:`gan_generator_grad`, as chapter 5 writes them.

    .. math::

        \ell(f) = \begin{cases}
            \log(1 - D(G(z))) = -\operatorname{softplus}(f) & \text{minimax} \\
            -\log D(G(z)) = \operatorname{softplus}(-f) & \text{non\_saturating} \\
            -f & \text{wasserstein, hinge} \\
            \tfrac12 (f - 1)^2 & \text{least\_squares}
        \end{cases}

    with the gradients :math:`-\sigma(f)`, :math:`-\sigma(-f)`, :math:`-1` and :math:`f - 1`. The softplus
    :math:`\log(1 + e^x)` is ``np.logaddexp(0, x)`` (``np.log(1 + np.exp(x))`` overflows beyond
    :math:`x \approx 709`), as in :func:`gan_discriminator_readable`. The fast path
    ``_gan_generator`` is tested against it.
    """
    f = np.asarray(fake_scores)
    if kind == "minimax":
        loss, grad = -np.logaddexp(0, f), -sigmoid(f)
    elif kind == "non_saturating":
        loss, grad = np.logaddexp(0, -f), -sigmoid(-f)
    elif kind == "least_squares":
        loss, grad = 0.5 * (f - 1) ** 2, f - 1
    else:  # wasserstein and hinge
        loss, grad = -f, -np.ones_like(f)
    return reduce_readable(loss, grad, reduction)


def _gan_generator(
    fake_scores: npt.ArrayLike,
    *,
    kind: str = "non_saturating",
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`gan_generator_readable` (with validation, in the scores' dtype)."""
    check_reduction(reduction)
    check_choice(kind, "kind", _KINDS)
    f = as_float_array(fake_scores, "fake_scores")
    v: Any = None
    g: Any = None
    if kind == "minimax":
        # log(1 - D(G(z))) = log sigmoid(-f) = -softplus(f); 0 - s so that f -> -inf gives 0.0, not -0.0
        if value:
            v = 0.0 - softplus(f)
        if grad:
            g = -sigmoid(f)
    elif kind == "non_saturating":
        # -log D(G(z)) = softplus(-f)
        if value:
            v = softplus(-f)
        if grad:
            g = -sigmoid(-f)
    elif kind == "least_squares":  # the generated data's scores pulled to 1, the code of real data
        one = f.dtype.type(1)
        if value:
            v = f.dtype.type(0.5) * (f - one) ** 2
        if grad:
            g = f - one
    else:  # wasserstein and hinge: -f
        if value:
            v = 0.0 - f
        if grad:
            g = np.full_like(f, -1)
    if grad:
        g = (g * f.dtype.type(grad_scale(reduction, f.size))).astype(f.dtype, copy=False)
    return (reduce(v.astype(f.dtype, copy=False), reduction) if value else None), g


def gan_generator(fake_scores: npt.ArrayLike, *, kind: str = "non_saturating", reduction: str = "mean") -> Reduced:
    r"""Loss of a GAN's generator, from the discriminator's raw scores on generated data.

    With :math:`f` the scores of generated examples (logits for the first two kinds,
    :math:`D = \sigma(f)`):

    .. math::

        \ell(f) = \begin{cases}
            \log(1 - D(G(z))) = -\operatorname{softplus}(f) & \text{minimax} \\
            -\log D(G(z)) = \operatorname{softplus}(-f) & \text{non\_saturating} \\
            -f & \text{wasserstein, hinge} \\
            \tfrac12 (f - 1)^2 & \text{least\_squares}
        \end{cases}

    The minimax loss is the discriminator's objective with the sign flipped (the game of
    Goodfellow et al.); it *saturates*: when the discriminator rejects the fakes
    confidently (:math:`f \to -\infty`), its gradient :math:`-\sigma(f)` vanishes. The
    non-saturating loss has the same fixed point (:math:`D = 1/2`, both gradients
    :math:`-1/2` there) but a gradient :math:`-\sigma(-f) \to -1` in that regime, which is
    why Goodfellow et al. train with it.

    Parameters
    ----------
    fake_scores : array_like, any shape
        Discriminator scores of generated examples.
    kind : {"minimax", "non_saturating", "wasserstein", "hinge", "least_squares"}
        Default ``"non_saturating"``, the one used in practice.
    reduction : {"mean", "sum", "none"}
        Elementwise: ``"none"`` returns one loss per score.

    Returns
    -------
    float or ndarray

    Notes
    -----
    Stable for scores up to 1e4 (softplus as in :func:`gan_discriminator`). The minimax
    loss :math:`-\operatorname{softplus}(f)` is concave, not convex, and negative; the
    others are convex. Registry claims are for the default ``kind="non_saturating"``:
    convex, differentiable, and the Bernoulli negative log-likelihood of labelling the
    generated data "real" (the label-flipping trick); no outcome is scored, so ``proper`` is
    ``None``. The hinge and wasserstein generators are both :math:`-f` (Lim and Ye 2017;
    Miyato et al. 2018). The least-squares generator :math:`\frac12 (f - 1)^2` (Mao et al.
    2017) pulls the raw scores of generated data to 1, the code of real data; it is convex, and
    its gradient :math:`f - 1` does not vanish for fakes the discriminator rejects confidently.

    References
    ----------
    .. [1] Goodfellow, I. et al. (2014). Generative adversarial nets. *NeurIPS 27*.
       (goodfellow2014generative)
    .. [2] Arjovsky, M., Chintala, S. and Bottou, L. (2017). Wasserstein generative
       adversarial networks. *ICML*, PMLR 70, 214-223. (arjovsky2017wasserstein)
    .. [3] Mao, X., Li, Q., Xie, H., Lau, R. Y. K., Wang, Z. and Smolley, S. P. (2017). Least
       squares generative adversarial networks. *ICCV*, 2794-2802. (mao2017least)

    Examples
    --------
    >>> round(float(gan_generator([0.0])), 6)  # -log(1/2)
    0.693147
    >>> float(gan_generator([-1e4])), float(gan_generator([-1e4], kind="minimax"))
    (10000.0, 0.0)
    """
    return cast(Reduced, _gan_generator(fake_scores, kind=kind, reduction=reduction, grad=False)[0])


def gan_generator_grad(
    fake_scores: npt.ArrayLike, *, kind: str = "non_saturating", reduction: str = "mean"
) -> FloatArray:
    r"""Gradient of :func:`gan_generator` with respect to the scores of the generated data.

    .. math:: \text{minimax: } -\sigma(f), \quad \text{non\_saturating: } -\sigma(-f), \quad
        \text{wasserstein, hinge: } -1, \quad \text{least\_squares: } f - 1

    divided by the number of scores for ``"mean"``.

    Examples
    --------
    >>> gan_generator_grad([-1e4, 0.0], kind="minimax", reduction="sum")
    array([-0. , -0.5])
    >>> gan_generator_grad([-1e4, 0.0], reduction="sum")
    array([-1. , -0.5])
    """
    return cast(FloatArray, _gan_generator(fake_scores, kind=kind, reduction=reduction, value=False)[1])


def _sample_gan_fake(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {"fake_scores": 3.0 * rng.normal(size=n)}


register(
    loss=gan_generator,
    grad=gan_generator_grad,
    core=_gan_generator,
    readable=gan_generator_readable,
    family="generative",
    prediction="logit",
    target="none",
    distribution="Bernoulli",
    convex=True,
    differentiable=True,
    robust=None,
    proper=None,
    reference="goodfellow2014generative",
    summary="Generator of a GAN: non-saturating -log D(G(z)) (or minimax, Wasserstein, hinge, least squares).",
    args=("fake_scores",),
    grad_wrt=("fake_scores",),
    oracle="torch",
    sampler=_sample_gan_fake,
    equivalents={
        "torch": None,
        "keras": None,
        "optax": None,
    },
    equivalent_calls={},
    equivalents_note=(
        "None of PyTorch, Keras and optax has GAN losses as functions: they are written from binary "
        "cross-entropies (or hinges, squares) of the scores."
    ),
)
