r"""The contrastive loss of Hadsell, Chopra and LeCun: pulls the embeddings of a similar pair
together and pushes a dissimilar pair at least a margin apart.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import grad_scale, reduce, reduce_readable
from .._typing import Reduced
from .._validation import (
    check_positive_scalar,
    check_reduction,
    option_in_dtype,
)
from .._wrappers import gradient
from ._rows import _D, PairGrad, _either, _embeddings, _labels, _pnorm, _unit_rows

__all__ = [
    "contrastive",
    "contrastive_grad",
]

# --------------------------------------------------------------------------
# Contrastive loss
# --------------------------------------------------------------------------


def contrastive_readable(
    y_true: npt.ArrayLike,
    x1: npt.ArrayLike,
    x2: npt.ArrayLike,
    *,
    margin: float = 1.0,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> tuple[Reduced, PairGrad]:
    r"""Readable form of :func:`contrastive` and :func:`contrastive_grad`: the definition, as chapter 4
    writes it.

    .. math::

        \ell = \tfrac12\, y\, d^2 + \tfrac12\,(1 - y) \max(0,\, m - d)^2, \qquad
        \frac{\partial \ell}{\partial x_1} = -\frac{\partial \ell}{\partial x_2}
        = \big(y\, d - (1 - y)\max(0,\, m - d)\big)\, \frac{x_1 - x_2 + \epsilon\mathbf 1}{d}

    with :math:`d = \|x_1 - x_2 + \epsilon\mathbf 1\|_2`.

    Returns ``(value, gradients)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_contrastive`` is tested against it.
    """
    y, x1, x2 = np.asarray(y_true), np.asarray(x1), np.asarray(x2)
    diff = x1 - x2 + eps
    d = np.linalg.norm(diff, axis=-1)
    short = np.maximum(0, margin - d)  # how far a dissimilar pair is inside the margin
    loss = 0.5 * (y * d**2 + (1 - y) * short**2)
    g1 = ((y * d - (1 - y) * short) / d)[..., None] * diff
    return reduce_readable(loss, PairGrad(g1, -g1), reduction)


def _contrastive(
    y_true: npt.ArrayLike,
    x1: npt.ArrayLike,
    x2: npt.ArrayLike,
    *,
    margin: float = 1.0,
    eps: float = 1e-6,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, PairGrad | None]:
    """Fast path of :func:`contrastive_readable`: value and/or gradient, sharing the distances."""
    check_reduction(reduction)
    margin = check_positive_scalar(margin, "margin", allow_zero=True)
    eps = check_positive_scalar(eps, "eps", allow_zero=True)
    (a, b), dtypes = _embeddings({"x1": x1, "x2": x2}, single=True)
    y = _labels(
        y_true,
        a,
        "x1",
        (0, 1),
        "1 for a similar pair, 0 for a dissimilar one",
        "; for labels in {-1, 1} pass (y_true + 1) / 2",
    )
    t = a.dtype.type
    option_in_dtype(margin, "margin", a.dtype, "x1", zero_ok=True)
    option_in_dtype(eps, "eps", a.dtype, "x1", zero_ok=True)
    d, unit = _pnorm(a - b + t(eps), 2.0, grad)  # unit: the gradient of d, if grad
    hinge = np.maximum(t(margin) - d, 0)
    v: Reduced | None = None
    g: PairGrad | None = None
    if value:
        v = reduce(t(0.5) * (y * d * d + (1 - y) * hinge * hinge), reduction)
    if unit is not None:
        coef = ((y * d - (1 - y) * hinge) * t(grad_scale(reduction, d.size)))[..., None]
        g1 = coef * unit
        g = PairGrad(g1.astype(dtypes[0], copy=False), (-g1).astype(dtypes[1], copy=False))
    return v, g


@shared_doc
def contrastive(
    y_true: npt.ArrayLike,
    x1: npt.ArrayLike,
    x2: npt.ArrayLike,
    *,
    margin: float = 1.0,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Reduced:
    r"""Contrastive loss of pairs of embeddings (Hadsell, Chopra & LeCun 2006).

    .. math::

        \ell(y, x_1, x_2) = \tfrac12\, y\, d^2 + \tfrac12\,(1 - y)\, \max(0,\, m - d)^2,
        \qquad d = \|x_1 - x_2 + \epsilon\mathbf 1\|_2

    Similar pairs (:math:`y = 1`) are pulled together by the squared distance; dissimilar pairs
    (:math:`y = 0`) are pushed apart until they are at least the margin :math:`m` apart, and
    cost nothing beyond it.

    Parameters
    ----------
    y_true : array_like, shape ``(N,)`` (or ``()`` for a single pair)
        1 for a similar pair, 0 for a dissimilar one (integers, booleans or floats).
    x1, x2 : array_like, shape ``(N, D)`` (or ``(D,)``)
        The embeddings of the two members of each pair, one row per pair (finite: ±inf is refused).
    margin : float >= 0
        Distance beyond which a dissimilar pair costs nothing.
    eps : float >= 0
        Added to every coordinate of :math:`x_1 - x_2` before the norm, as in
        ``torch.nn.functional.pairwise_distance``; keeps :math:`d > 0` when the two coincide.
    {reduction_per_pair}

    Notes
    -----
    The paper writes the loss with labels the other way round (:math:`Y = 0` similar) and
    leaves the distance function open; losslib uses the common convention of PyTorch metric
    learning code (1 = similar) and PyTorch's ``pairwise_distance``, which adds :math:`\epsilon`
    before the norm. PyTorch has no built-in contrastive loss; the reference tests compute it
    from ``F.pairwise_distance``.

    The squared hinge is differentiable at :math:`d = m`. The loss is not differentiable where
    :math:`d = 0` in a dissimilar pair (the cone of the norm, at :math:`x_1 - x_2 = -\epsilon\mathbf 1`);
    there the gradient is 0, as in PyTorch. It is not convex: the dissimilar term decreases
    with the convex :math:`d`.

    References
    ----------
    .. [1] Hadsell, R., Chopra, S. and LeCun, Y. (2006). Dimensionality reduction by learning
       an invariant mapping. *CVPR*, 1735-1742. (hadsell2006dimensionality)

    Examples
    --------
    >>> contrastive([1, 0], [[0.0, 0.0], [0.0, 0.0]], [[3.0, 4.0], [0.3, 0.4]], eps=0.0, reduction="none")
    array([12.5  ,  0.125])
    """
    return cast(Reduced, _contrastive(y_true, x1, x2, margin=margin, eps=eps, reduction=reduction, grad=False)[0])


contrastive_grad = gradient(
    contrastive,
    _contrastive,
    doc=r"""Gradients of :func:`contrastive` with respect to ``x1`` and ``x2``.

    .. math::

        \frac{\partial \ell}{\partial x_1} = -\frac{\partial \ell}{\partial x_2}
        = \big(y\, d - (1 - y)\max(0,\, m - d)\big)\, \frac{x_1 - x_2 + \epsilon\mathbf 1}{d}

    Examples
    --------
    >>> g = contrastive_grad([1], [[0.0, 0.0]], [[3.0, 4.0]], eps=0.0, reduction="sum")
    >>> g.x1, g.x2
    (array([[-3., -4.]]), array([[3., 4.]]))
    """,
)


def _sample_contrastive(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    # distances 0.2..0.8 (inside the default margin 1) or 1.2..2.2 (beyond it)
    x1 = rng.normal(size=(n, _D))
    x2 = x1 + _either(rng, n, (0.2, 0.8), (1.2, 2.2))[:, None] * _unit_rows(rng, n)
    return {"y_true": rng.integers(0, 2, size=n).astype(float), "x1": x1, "x2": x2}


register(
    contrastive,
    family="embedding",
    prediction="embedding",
    target="binary",
    distribution=None,
    convex=False,
    differentiable=False,
    robust=None,
    proper=None,
    reference="hadsell2006dimensionality",
    summary="Pulls similar pairs together, pushes dissimilar ones beyond a margin.",
    args=("y_true", "x1", "x2"),
    grad_wrt=("x1", "x2"),
    oracle="torch",
    sampler=_sample_contrastive,
    equivalents=Equivalents(
        note=(
            "None of PyTorch, Keras and optax has the pair contrastive loss (PyTorch's `hinge_embedding_loss` is "
            "a hinge on given distances)."
        ),
    ),
)
