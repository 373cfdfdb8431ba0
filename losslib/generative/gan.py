r"""The losses of a generative adversarial network: ``gan_discriminator(real_scores, fake_scores)`` and
``gan_generator(fake_scores)``, in the minimax, non-saturating, Wasserstein, hinge and least-squares kinds.
"""

from __future__ import annotations

from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import grad_scale, reduce, reduce_readable
from .._typing import FloatArray, Reduced
from .._validation import (
    as_float_array,
    check_choice,
    check_reduction,
    check_same_shape,
)
from .._wrappers import gradient
from ..special import sigmoid, softplus

__all__ = [
    "gan_discriminator",
    "gan_discriminator_grad",
    "gan_generator",
    "gan_generator_grad",
]


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


@shared_doc
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

    {returns}

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


gan_discriminator_grad = gradient(
    gan_discriminator,
    _gan_discriminator,
    doc=r"""Gradient of :func:`gan_discriminator` with respect to both batches of scores.

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
    """,
)


def _sample_gan_pair(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {"real_scores": 3.0 * rng.normal(size=n), "fake_scores": 3.0 * rng.normal(size=n)}


register(
    gan_discriminator,
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
    equivalents=Equivalents(
        note=(
            "None of PyTorch, Keras and optax has GAN losses as functions: they are written from binary "
            "cross-entropies (or hinges, squares) of the scores."
        ),
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


@shared_doc
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

    {returns}

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


gan_generator_grad = gradient(
    gan_generator,
    _gan_generator,
    doc=r"""Gradient of :func:`gan_generator` with respect to the scores of the generated data.

    .. math:: \text{minimax: } -\sigma(f), \quad \text{non\_saturating: } -\sigma(-f), \quad
        \text{wasserstein, hinge: } -1, \quad \text{least\_squares: } f - 1

    divided by the number of scores for ``"mean"``.

    Examples
    --------
    >>> gan_generator_grad([-1e4, 0.0], kind="minimax", reduction="sum")
    array([-0. , -0.5])
    >>> gan_generator_grad([-1e4, 0.0], reduction="sum")
    array([-1. , -0.5])
    """,
)


def _sample_gan_fake(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {"fake_scores": 3.0 * rng.normal(size=n)}


register(
    gan_generator,
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
    equivalents=Equivalents(
        note=(
            "None of PyTorch, Keras and optax has GAN losses as functions: they are written from binary "
            "cross-entropies (or hinges, squares) of the scores."
        ),
    ),
)
