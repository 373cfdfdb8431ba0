r"""Classification losses for noisy labels: generalized cross-entropy and symmetric cross-entropy.

Both take integer ``labels`` of shape ``(N,)`` and ``logits`` of shape ``(N, C)`` (any leading
shape, classes on the last axis), score :math:`p = \operatorname{softmax}(z)`, return one loss per
row for ``reduction="none"`` and average over rows for ``"mean"``. They bound or damp what one
confidently wrong label can cost, where the cross-entropy :math:`-\log p_y` grows without bound.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import numpy.typing as npt

from ._class_scores import class_inputs, scalar_option, softmax_rows
from ._distributions import exprel, finish
from ._docstrings import shared_doc
from ._info import Equivalents, register
from ._reduction import reduce_readable
from ._typing import FloatArray, Reduced
from ._wrappers import gradient
from .special import softmax

__all__ = [
    "generalized_cross_entropy",
    "generalized_cross_entropy_grad",
    "symmetric_cross_entropy",
    "symmetric_cross_entropy_grad",
]

_INF_LOGIT = "an infinite logit claims a probability of exactly 0 or 1"
_C = 4  # classes of the samplers


def _logit_inputs(
    reduction: str, labels: npt.ArrayLike, logits: npt.ArrayLike
) -> tuple[npt.NDArray[np.intp], FloatArray, np.dtype[Any]]:
    return class_inputs(reduction, labels, logits, "logits", "logits", _INF_LOGIT)


def _sample(rng: np.random.Generator, n: int) -> dict[str, npt.NDArray[Any]]:
    return {"labels": rng.integers(0, _C, size=n), "logits": 3.0 * rng.normal(size=(n, _C))}


def _one_hot(labels: npt.ArrayLike, n_classes: int) -> FloatArray:
    eye: FloatArray = np.eye(n_classes)[np.asarray(labels)]
    return eye


# --------------------------------------------------------------------------
# Generalized cross-entropy
# --------------------------------------------------------------------------


def generalized_cross_entropy_readable(
    labels: npt.ArrayLike, logits: npt.ArrayLike, *, q: float = 0.7, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`generalized_cross_entropy` and its gradient, as the book writes them.

    .. math::

        \ell = \frac{1 - p_y^q}{q}, \qquad
        \frac{\partial\ell}{\partial z} = p_y^q\,(p - e_y), \qquad p = \operatorname{softmax}(z)
    """
    z = np.asarray(logits, dtype=float)
    p = softmax(z, axis=-1)
    p_y = np.take_along_axis(p, np.asarray(labels)[..., None], axis=-1)[..., 0]
    loss = (1 - p_y**q) / q
    grad = p_y[..., None] ** q * (p - _one_hot(labels, z.shape[-1]))
    return reduce_readable(loss, grad, reduction)


def _generalized_cross_entropy(
    labels: npt.ArrayLike,
    logits: npt.ArrayLike,
    *,
    q: float = 0.7,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    r"""Fast path of the readable form, from the cross-entropy :math:`L = -\log p_y`:
    :math:`\ell = L\,\frac{e^{-qL} - 1}{-qL}` (``expm1``: no cancellation as :math:`q \to 0`)."""
    y, z, dtype = _logit_inputs(reduction, labels, logits)
    q = scalar_option(q, "q", dtype, "logits", low=0, high=1, closed="right", about="the power of p_y")
    rows = softmax_rows(z, y)
    values = rows.ce * exprel(-q * rows.ce)
    return finish(values, [np.exp(-q * rows.ce)[..., None] * rows.grad], dtype, reduction, y.size, None, value, grad)


@shared_doc
def generalized_cross_entropy(
    labels: npt.ArrayLike, logits: npt.ArrayLike, *, q: float = 0.7, reduction: str = "mean"
) -> Reduced:
    r"""Generalized cross-entropy (GCE): a Box-Cox power of the true class's probability.

    .. math::

        \ell(y, z) = \frac{1 - p_y^{\,q}}{q}, \qquad p = \operatorname{softmax}(z), \quad 0 < q \le 1

    As :math:`q \to 0` it tends to the cross-entropy :math:`-\log p_y`; at :math:`q = 1` it is
    :math:`1 - p_y`, the mean absolute error between :math:`p` and the one-hot label (up to a
    factor 2), which is robust to label noise but slow to train. In between, the loss is bounded
    by :math:`1/q` and its gradient :math:`p_y^q (p - e_y)` down-weights the examples the model
    finds implausible (small :math:`p_y`), which are often the mislabelled ones (Zhang and
    Sabuncu, 2018).

    Parameters
    ----------
    labels : array_like of int, shape (N,)
        The (possibly noisy) class of each example, in ``[0, C)``.
    logits : array_like, shape (N, C)
        Unnormalised scores (finite: ±inf is refused). Its floating dtype is the dtype of the result.
    q : float in (0, 1]
        The power; the paper's default 0.7.
    {reduction_per_row}

    Raises
    ------
    ValueError
        For labels outside ``[0, C)``, shapes that do not match, NaN or ±inf logits, ``q``
        outside (0, 1].
    TypeError
        For labels that are not integers.

    Notes
    -----
    Computed from the cross-entropy :math:`L = -\log p_y` (a log-softmax shifted by the row
    maximum) as :math:`L \cdot \operatorname{expm1}(-qL)/(-qL)`, so that it is finite for logits
    of any size and keeps its digits for :math:`q` near 0, where :math:`(1 - p_y^q)/q` cancels.
    The truncated variant of the paper (a threshold :math:`k` on :math:`p_y`) is not included.
    Not convex in the logits and not a proper scoring rule (the expected loss is minimised by
    :math:`p \propto \pi^{1/(1-q)}`, not by the true distribution :math:`\pi`). PyTorch has no
    such loss.

    References
    ----------
    .. [1] Zhang, Z. and Sabuncu, M. R. (2018). Generalized cross entropy loss for training deep
       neural networks with noisy labels. *NeurIPS 31*, 8778-8788. (zhang2018generalized)

    Examples
    --------
    >>> round(float(generalized_cross_entropy([0], [[0.0, 0.0]], q=1.0)), 12)  # 1 - p_y = 1/2
    0.5
    """
    return cast(Reduced, _generalized_cross_entropy(labels, logits, q=q, reduction=reduction, grad=False)[0])


generalized_cross_entropy_grad = gradient(
    generalized_cross_entropy,
    _generalized_cross_entropy,
    doc=r"""Gradient of :func:`generalized_cross_entropy` with respect to the logits: :math:`p_y^q\,(p - e_y)`.

    Examples
    --------
    >>> generalized_cross_entropy_grad([0], [[0.0, 0.0]], q=1.0)
    array([[-0.25,  0.25]])
    """,
)


register(
    generalized_cross_entropy,
    family="classification",
    prediction="logit",
    target="class",
    distribution=None,
    convex=False,
    differentiable=True,
    robust=None,
    proper=False,
    reference="zhang2018generalized",
    args=("labels", "logits"),
    grad_wrt=("logits",),
    sampler=_sample,
    summary="(1 - p_y^q)/q: between cross-entropy (q -> 0) and MAE (q = 1), for noisy labels.",
    equivalents=Equivalents(
        keras="keras.losses.CategoricalGeneralizedCrossEntropy(q=q)(labels, jax.nn.softmax(logits))",
        note=(
            "Keras takes probabilities (the softmax of the logits) and q in (0, 1) only (losslib also q = 1), and "
            "computes (1 - p^q)/q directly, which loses digits as q approaches 0. PyTorch and optax have no GCE."
        ),
    ),
)


# --------------------------------------------------------------------------
# Symmetric cross-entropy
# --------------------------------------------------------------------------


def symmetric_cross_entropy_readable(
    labels: npt.ArrayLike,
    logits: npt.ArrayLike,
    *,
    alpha: float = 0.1,
    beta: float = 1.0,
    log_zero: float = -4.0,
    reduction: str = "mean",
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`symmetric_cross_entropy` and its gradient, as the book writes them.

    .. math::

        \ell = -\alpha \log p_y - \beta A (1 - p_y), \qquad
        \frac{\partial\ell}{\partial z} = (\alpha - \beta A\, p_y)(p - e_y)

    with :math:`A` = ``log_zero``, :math:`p = \operatorname{softmax}(z)`.
    """
    z = np.asarray(logits, dtype=float)
    p = softmax(z, axis=-1)
    p_y = np.take_along_axis(p, np.asarray(labels)[..., None], axis=-1)[..., 0]
    loss = -alpha * np.log(p_y) - beta * log_zero * (1 - p_y)
    grad = (alpha - beta * log_zero * p_y)[..., None] * (p - _one_hot(labels, z.shape[-1]))
    return reduce_readable(loss, grad, reduction)


def _symmetric_cross_entropy(
    labels: npt.ArrayLike,
    logits: npt.ArrayLike,
    *,
    alpha: float = 0.1,
    beta: float = 1.0,
    log_zero: float = -4.0,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    r"""Fast path of the readable form: :math:`-\log p_y` by a shifted log-softmax, :math:`1 - p_y` summed."""
    y, z, dtype = _logit_inputs(reduction, labels, logits)
    alpha = scalar_option(alpha, "alpha", dtype, "logits", low=0, about="the weight of CE")
    beta = scalar_option(beta, "beta", dtype, "logits", low=0, about="the weight of RCE")
    a = scalar_option(log_zero, "log_zero", dtype, "logits", high=0, closed="neither", about="what stands for log 0")
    rows = softmax_rows(z, y)
    values = alpha * rows.ce - beta * a * rows.rest
    g = (alpha - beta * a * rows.p_y)[..., None] * rows.grad
    return finish(values, [g], dtype, reduction, y.size, None, value, grad)


@shared_doc
def symmetric_cross_entropy(
    labels: npt.ArrayLike,
    logits: npt.ArrayLike,
    *,
    alpha: float = 0.1,
    beta: float = 1.0,
    log_zero: float = -4.0,
    reduction: str = "mean",
) -> Reduced:
    r"""Symmetric cross-entropy (SCE): cross-entropy plus the reverse cross-entropy.

    .. math::

        \ell(y, z) = \alpha\,\underbrace{(-\log p_y)}_{\text{CE}}
            + \beta\,\underbrace{\big(-A\,(1 - p_y)\big)}_{\text{RCE}}, \qquad
        p = \operatorname{softmax}(z)

    The reverse cross-entropy :math:`-\sum_k p_k \log q_k` swaps the roles of the prediction and
    the one-hot label :math:`q`; its :math:`\log 0` is replaced by the constant :math:`A` =
    ``log_zero`` < 0, which makes it :math:`-A(1 - p_y)`, bounded and robust to label noise
    (Wang et al., 2019). The CE term keeps the fit of the clean classes fast.

    Parameters
    ----------
    labels : array_like of int, shape (N,)
        The (possibly noisy) class of each example, in ``[0, C)``.
    logits : array_like, shape (N, C)
        Unnormalised scores (finite: ±inf is refused). Its floating dtype is the dtype of the result.
    alpha, beta : float >= 0
        Weights of the CE and RCE terms (defaults 0.1 and 1.0, the paper's for CIFAR-10).
    log_zero : float < 0
        :math:`A`, the value that stands for :math:`\log 0` (default -4).
    {reduction_per_row}

    Raises
    ------
    ValueError
        For labels outside ``[0, C)``, shapes that do not match, NaN or ±inf logits, negative
        weights, ``log_zero >= 0``.
    TypeError
        For labels that are not integers.

    Notes
    -----
    The gradient is :math:`(\alpha - \beta A\,p_y)(p - e_y)`. :math:`-\log p_y` comes from a
    log-softmax shifted by the row maximum and :math:`1 - p_y` is summed over the other classes,
    so both keep their digits for logits of any size. With :math:`\beta = 0` it is
    ``alpha`` times the cross-entropy, with :math:`\alpha = 0` the RCE alone, :math:`-A` times
    the MAE-like :math:`1 - p_y` of :func:`generalized_cross_entropy` at :math:`q = 1`. Not
    convex in the logits (the RCE term is not) and, for :math:`\beta > 0`, not a proper scoring
    rule. PyTorch has no such loss.

    References
    ----------
    .. [1] Wang, Y., Ma, X., Chen, Z., Luo, Y., Yi, J. and Bailey, J. (2019). Symmetric cross
       entropy for robust learning with noisy labels. *ICCV*, 322-330. (wang2019symmetric)

    Examples
    --------
    >>> round(float(symmetric_cross_entropy([0], [[0.0, 0.0]], alpha=0.0)), 12)  # 4 (1 - 1/2)
    2.0
    """
    return cast(
        Reduced,
        _symmetric_cross_entropy(
            labels, logits, alpha=alpha, beta=beta, log_zero=log_zero, reduction=reduction, grad=False
        )[0],
    )


symmetric_cross_entropy_grad = gradient(
    symmetric_cross_entropy,
    _symmetric_cross_entropy,
    doc=r"""Gradient of :func:`symmetric_cross_entropy` with respect to the logits: :math:`(\alpha - \beta A\,p_y)(p - e_y)`.

    Examples
    --------
    >>> symmetric_cross_entropy_grad([0], [[0.0, 0.0]], alpha=0.0)
    array([[-1.,  1.]])
    """,
)


register(
    symmetric_cross_entropy,
    family="classification",
    prediction="logit",
    target="class",
    distribution=None,
    convex=False,
    differentiable=True,
    robust=None,
    proper=False,
    reference="wang2019symmetric",
    args=("labels", "logits"),
    grad_wrt=("logits",),
    sampler=_sample,
    summary="alpha CE + beta reverse CE (log 0 := A): bounded, for noisy labels.",
    equivalents=Equivalents(
        note="None of PyTorch, Keras and optax has the symmetric cross-entropy.",
    ),
)
