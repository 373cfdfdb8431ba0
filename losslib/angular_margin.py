r"""Angular-margin losses of face recognition: CosFace and ArcFace.

Both take integer ``labels`` of shape ``(N,)`` and ``cosines`` of shape ``(N, C)``: the cosine
:math:`\cos\theta_j` between an example's normalised embedding and the normalised weight
vector (the prototype) of class :math:`j`. Both are the softmax cross-entropy of
:math:`s\cos\theta_j`, with the true class's logit lowered by a margin, so that an embedding
must be closer to its class than the plain softmax asks. They return one loss per row for
``reduction="none"`` and average over rows for ``"mean"``; the gradient is with respect to the
cosines (the chain rule through the normalisation is the model's).
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from ._class_scores import class_inputs, scalar_option, softmax_rows
from ._distributions import finish
from ._docstrings import shared_doc
from ._info import Equivalents, register
from ._reduction import reduce_readable
from ._typing import FloatArray, Reduced
from ._validation import _first_index, _where
from ._wrappers import gradient
from .special import log_softmax, softmax

__all__ = ["arcface", "arcface_grad", "cosface", "cosface_grad"]

_C = 4  # classes of the sampler


def _cosine_inputs(
    reduction: str, labels: npt.ArrayLike, cosines: npt.ArrayLike
) -> tuple[npt.NDArray[np.intp], FloatArray, np.dtype[Any]]:
    y, c, dtype = class_inputs(
        reduction, labels, cosines, "cosines", "cosines", "a cosine is a number in [-1, 1]; normalise the embeddings"
    )
    outside = (c < -1) | (c > 1)
    if outside.any():
        index = _first_index(outside)
        raise ValueError(
            f"cosines must lie in [-1, 1], but {_where('cosines', index)} = {c[index].item()!r}; compute them "
            "from L2-normalised embeddings and class weights (and np.clip(cosines, -1, 1) after rounding)"
        )
    return y, c, dtype


def _options(scale: float, margin: float, dtype: np.dtype[Any], high: float | None) -> tuple[float, float]:
    s = scalar_option(scale, "scale", dtype, "cosines", low=0, closed="neither", about="multiplies the cosines")
    closed = "left" if high is not None else "both"
    m = scalar_option(margin, "margin", dtype, "cosines", low=0, high=high, closed=closed, about="the margin")
    return s, m


def _sample(rng: np.random.Generator, n: int) -> dict[str, npt.NDArray[Any]]:
    return {"labels": rng.integers(0, _C, size=n), "cosines": rng.uniform(-0.95, 0.95, size=(n, _C))}


def _with_true_logit(
    cosines: FloatArray, labels: npt.ArrayLike, scale: float, true_logit: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``scale * cosines`` with the true class's entry replaced by ``true_logit``, and the one-hot labels."""
    one_hot = np.eye(cosines.shape[-1])[np.asarray(labels)]
    return np.where(one_hot == 1, true_logit[..., None], scale * cosines), one_hot


# --------------------------------------------------------------------------
# CosFace
# --------------------------------------------------------------------------


def cosface_readable(
    labels: npt.ArrayLike, cosines: npt.ArrayLike, *, scale: float = 64.0, margin: float = 0.35, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`cosface` and its gradient, as the book writes them.

    .. math::

        \ell = -\log\operatorname{softmax}(z)_y, \quad z_j = s\cos\theta_j - s\,m\,[j = y], \qquad
        \frac{\partial\ell}{\partial\cos\theta} = s\,(\operatorname{softmax}(z) - e_y)
    """
    c = np.asarray(cosines, dtype=float)
    y = np.asarray(labels)
    c_y = np.take_along_axis(c, y[..., None], axis=-1)[..., 0]
    z, one_hot = _with_true_logit(c, y, scale, scale * (c_y - margin))
    loss = -np.sum(one_hot * log_softmax(z, axis=-1), axis=-1)
    return reduce_readable(loss, scale * (softmax(z, axis=-1) - one_hot), reduction)


def _cosface(
    labels: npt.ArrayLike,
    cosines: npt.ArrayLike,
    *,
    scale: float = 64.0,
    margin: float = 0.35,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of the readable form, with the stable cross-entropy of :func:`softmax_rows`."""
    y, c, dtype = _cosine_inputs(reduction, labels, cosines)
    s, m = _options(scale, margin, dtype, None)
    z = s * c
    np.put_along_axis(z, y[..., None], s * (np.take_along_axis(c, y[..., None], axis=-1) - m), axis=-1)
    rows = softmax_rows(z, y)
    return finish(rows.ce, [s * rows.grad], dtype, reduction, y.size, None, value, grad)


@shared_doc
def cosface(
    labels: npt.ArrayLike, cosines: npt.ArrayLike, *, scale: float = 64.0, margin: float = 0.35, reduction: str = "mean"
) -> Reduced:
    r"""CosFace (large margin cosine loss): softmax cross-entropy of scaled cosines, the true one minus a margin.

    .. math::

        \ell(y, \cos\theta) = -\log \frac{e^{s(\cos\theta_y - m)}}
            {e^{s(\cos\theta_y - m)} + \sum_{j \ne y} e^{s\cos\theta_j}}

    An example is classified correctly with margin only if :math:`\cos\theta_y - m` exceeds every
    other cosine, so the classes' regions on the unit sphere are separated by a band of width
    :math:`m` in cosine (Wang et al., 2018). ``scale`` :math:`s` sets the temperature of the
    softmax over cosines in :math:`[-1, 1]`.

    Parameters
    ----------
    labels : array_like of int, shape (N,)
        The class of each example, in ``[0, C)``.
    cosines : array_like, shape (N, C)
        :math:`\cos\theta_j` between each normalised embedding and each normalised class weight,
        in :math:`[-1, 1]`. Its floating dtype is the dtype of the result.
    scale : float > 0
        :math:`s` (default 64, the paper's).
    margin : float >= 0
        :math:`m`, subtracted from the true class's cosine (default 0.35, the paper's).
    {reduction_per_row}

    Raises
    ------
    ValueError
        For cosines outside :math:`[-1, 1]` (or NaN, ±inf), labels outside ``[0, C)``, shapes
        that do not match, ``scale <= 0`` or ``margin < 0``.
    TypeError
        For labels that are not integers.

    Notes
    -----
    The gradient with respect to the cosines is :math:`s\,(p - e_y)` with :math:`p` the softmax
    of the margin logits: a cross-entropy of an affine function of the cosines, so the loss is
    convex and smooth in them, also at :math:`\pm 1`. The cross-entropy is a log-softmax shifted
    by the row maximum, with :math:`1 - p_y` summed over the other classes. At :math:`m = 0` it
    is ``cross_entropy(s * cosines)``. PyTorch has no such loss (the usual implementation is
    ``F.cross_entropy(s * (cosines - m * one_hot), labels)``).

    References
    ----------
    .. [1] Wang, H., Wang, Y., Zhou, Z., Ji, X., Gong, D., Zhou, J., Li, Z. and Liu, W. (2018).
       CosFace: large margin cosine loss for deep face recognition. *CVPR*, 5265-5274.
       (wang2018cosface)

    Examples
    --------
    >>> round(float(cosface([0], [[0.5, 0.5]], scale=1.0, margin=0.0)), 12)  # log 2
    0.69314718056
    """
    return cast(Reduced, _cosface(labels, cosines, scale=scale, margin=margin, reduction=reduction, grad=False)[0])


cosface_grad = gradient(
    cosface,
    _cosface,
    doc=r"""Gradient of :func:`cosface` with respect to the cosines: :math:`s\,(p - e_y)`.

    Examples
    --------
    >>> cosface_grad([0], [[0.5, 0.5]], scale=1.0, margin=0.0)
    array([[-0.5,  0.5]])
    """,
)


register(
    cosface,
    family="embedding",
    prediction="cosine",
    target="class",
    distribution=None,
    convex=True,
    differentiable=True,
    robust=None,
    proper=None,
    reference="wang2018cosface",
    args=("labels", "cosines"),
    grad_wrt=("cosines",),
    sampler=_sample,
    summary="Softmax of s cos(theta) with the true class's cosine minus a margin m.",
    equivalents=Equivalents(
        note="None of PyTorch, Keras and optax has CosFace.",
    ),
)


# --------------------------------------------------------------------------
# ArcFace
# --------------------------------------------------------------------------


def arcface_readable(
    labels: npt.ArrayLike, cosines: npt.ArrayLike, *, scale: float = 64.0, margin: float = 0.5, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`arcface` and its gradient, as the book writes them.

    .. math::

        \ell = -\log\operatorname{softmax}(z)_y, \quad z_y = s\cos(\theta_y + m),\ z_j = s\cos\theta_j, \qquad
        \frac{\partial\ell}{\partial\cos\theta} = s\,(\operatorname{softmax}(z) - e_y) \odot
            \big(1 + [j = y]\,(\tfrac{d\cos(\theta_y + m)}{d\cos\theta_y} - 1)\big)

    with :math:`\frac{d\cos(\theta + m)}{d\cos\theta} = \cos m + \sin m \cot\theta`, taken as
    :math:`\cos m` at :math:`\cos\theta = \pm 1` (see :func:`arcface`).
    """
    c = np.asarray(cosines, dtype=float)
    y = np.asarray(labels)
    c_y = np.take_along_axis(c, y[..., None], axis=-1)[..., 0]
    theta = np.arccos(c_y)
    z, one_hot = _with_true_logit(c, y, scale, scale * np.cos(theta + margin))
    loss = -np.sum(one_hot * log_softmax(z, axis=-1), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(np.abs(c_y) < 1, np.cos(margin) + np.sin(margin) * c_y / np.sin(theta), np.cos(margin))
    grad = scale * (softmax(z, axis=-1) - one_hot) * (1 + one_hot * (slope[..., None] - 1))
    return reduce_readable(loss, grad, reduction)


def _arcface(
    labels: npt.ArrayLike,
    cosines: npt.ArrayLike,
    *,
    scale: float = 64.0,
    margin: float = 0.5,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    r"""Fast path of the readable form, without ``arccos``:
    :math:`\cos(\theta + m) = c\cos m - \sin m\sqrt{(1 - c)(1 + c)}`, accurate up to :math:`c = \pm 1`."""
    y, c, dtype = _cosine_inputs(reduction, labels, cosines)
    s, m = _options(scale, margin, dtype, math.pi)
    c_y = np.take_along_axis(c, y[..., None], axis=-1)
    sin_y = np.sqrt((1 - c_y) * (1 + c_y))  # sin(theta_y) >= 0
    z = s * c
    np.put_along_axis(z, y[..., None], s * (c_y * math.cos(m) - math.sin(m) * sin_y), axis=-1)
    rows = softmax_rows(z, y)
    g = s * rows.grad
    edge = sin_y == 0
    slope = math.cos(m) + math.sin(m) * c_y / np.where(edge, 1.0, sin_y)
    g_y = np.take_along_axis(g, y[..., None], axis=-1) * np.where(edge, math.cos(m), slope)
    np.put_along_axis(g, y[..., None], g_y, axis=-1)
    return finish(rows.ce, [g], dtype, reduction, y.size, None, value, grad)


@shared_doc
def arcface(
    labels: npt.ArrayLike, cosines: npt.ArrayLike, *, scale: float = 64.0, margin: float = 0.5, reduction: str = "mean"
) -> Reduced:
    r"""ArcFace (additive angular margin loss): softmax cross-entropy of scaled cosines, the true angle plus a margin.

    .. math::

        \ell(y, \cos\theta) = -\log \frac{e^{s\cos(\theta_y + m)}}
            {e^{s\cos(\theta_y + m)} + \sum_{j \ne y} e^{s\cos\theta_j}},
        \qquad \theta_y = \arccos(\cos\theta_y)

    The margin is added to the *angle* between an embedding and its class's weight vector, a
    geodesic distance on the unit sphere, rather than subtracted from the cosine as in
    :func:`cosface` (Deng et al., 2019).

    Parameters
    ----------
    labels : array_like of int, shape (N,)
        The class of each example, in ``[0, C)``.
    cosines : array_like, shape (N, C)
        :math:`\cos\theta_j` between each normalised embedding and each normalised class weight,
        in :math:`[-1, 1]`. Its floating dtype is the dtype of the result.
    scale : float > 0
        :math:`s` (default 64, the paper's).
    margin : float in [0, pi)
        :math:`m`, added to the true class's angle (default 0.5, the paper's).
    {reduction_per_row}

    Raises
    ------
    ValueError
        For cosines outside :math:`[-1, 1]` (or NaN, ±inf), labels outside ``[0, C)``, shapes
        that do not match, ``scale <= 0``, ``margin`` outside :math:`[0, \pi)`.
    TypeError
        For labels that are not integers.

    Notes
    -----
    The true logit is computed without ``arccos`` as
    :math:`\cos(\theta + m) = c\cos m - \sin m\,\sqrt{(1 - c)(1 + c)}`, exact up to
    :math:`c = \pm 1` (``arccos`` loses half the digits there). Its derivative
    :math:`\frac{d}{dc}\cos(\arccos c + m) = \cos m + \sin m\,\frac{c}{\sqrt{1 - c^2}}` is
    infinite at :math:`c = \pm 1`, where the loss has no derivative in :math:`c_y` (a square-root
    cusp at the ends of the interval). **At** :math:`c_y = \pm 1` **the gradient returned takes
    that derivative as** :math:`\cos m`, dropping the infinite term :math:`\sin m \cot\theta_y`:
    it is finite, of the right sign at :math:`c_y = 1` (the loss still falls as the true cosine
    grows), and at :math:`m = 0` equals the exact derivative 1 of the plain softmax. The other
    classes' entries are :math:`s\,p_j` everywhere. Implementations that clamp the cosines to
    :math:`[-1 + \epsilon, 1 - \epsilon]` before ``arccos`` return 0 there instead.

    The formula is the paper's: for :math:`\theta_y + m > \pi` the true logit rises again as
    :math:`\theta_y` grows (:math:`\cos` is not monotone beyond :math:`\pi`); the InsightFace
    code replaces it there by :math:`s(\cos\theta_y - m\sin m)`, which losslib does not. Not
    convex in the cosines; differentiable on the open interval. PyTorch has no such loss.

    References
    ----------
    .. [1] Deng, J., Guo, J., Xue, N. and Zafeiriou, S. (2019). ArcFace: additive angular margin
       loss for deep face recognition. *CVPR*, 4690-4699. (deng2019arcface)

    Examples
    --------
    >>> round(float(arcface([0], [[0.0, 0.0]], scale=1.0, margin=0.0)), 12)  # log 2
    0.69314718056
    >>> arcface_grad([0], [[1.0, 0.0]], scale=1.0, margin=0.0).round(6)  # finite at cos = 1
    array([[-0.268941,  0.268941]])
    """
    return cast(Reduced, _arcface(labels, cosines, scale=scale, margin=margin, reduction=reduction, grad=False)[0])


arcface_grad = gradient(
    arcface,
    _arcface,
    doc=r"""Gradient of :func:`arcface` with respect to the cosines.

    :math:`s\,p_j` for :math:`j \ne y` and :math:`s\,(p_y - 1)(\cos m + \sin m\cot\theta_y)` for the
    true class (with :math:`\cos m` for the bracket at :math:`\cos\theta_y = \pm 1`).

    Examples
    --------
    >>> arcface_grad([0], [[0.0, 0.0]], scale=1.0, margin=0.0)
    array([[-0.5,  0.5]])
    """,
)


register(
    arcface,
    family="embedding",
    prediction="cosine",
    target="class",
    distribution=None,
    convex=False,
    differentiable=True,
    robust=None,
    proper=None,
    reference="deng2019arcface",
    args=("labels", "cosines"),
    grad_wrt=("cosines",),
    sampler=_sample,
    summary="Softmax of s cos(theta) with the true class's angle plus a margin m.",
    equivalents=Equivalents(
        note="None of PyTorch, Keras and optax has ArcFace.",
    ),
)
