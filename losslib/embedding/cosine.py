r"""The cosine embedding loss: the cosine similarity of a pair, pulled up for similar pairs and
pushed below a margin for dissimilar ones (PyTorch's ``cosine_embedding_loss``).
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import numpy.typing as npt

from .. import _kernels
from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import grad_scale, reduce, reduce_readable
from .._typing import FloatArray, Reduced
from .._validation import (
    check_positive_scalar,
    check_reduction,
    check_scalar,
    option_in_dtype,
)
from .._wrappers import gradient
from ._rows import _D, PairGrad, _either, _embeddings, _labels, _unit_rows

__all__ = [
    "cosine_embedding",
    "cosine_embedding_grad",
]

# PyTorch's cosine_embedding_loss adds a hard-coded EPSILON to both squared norms; it is the
# float32 constant 1e-12f, i.e. 9.999999960041972e-13 also in float64 (measured on torch 2.13).
_COSINE_EPS = float(np.float32(1e-12))


# --------------------------------------------------------------------------
# Cosine embedding loss
# --------------------------------------------------------------------------


def _cosine_of_huge_rows(
    a: FloatArray, b: FloatArray, eps: np.floating[Any]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The cosines of rows ``(M, D)`` whose squared norms overflow, and d cos / d a, d cos / d b.

    Each row is divided by a power of two near its largest entry (exact), u = a / s:
    cos = (u . v) / sqrt((|u|^2 + eps / s^2)(|v|^2 + eps / t^2)), the same number without overflow,
    and d cos / d a = (v / den - u cos / n_u) / s, with den and n_u the scaled denominators.
    """
    one = a.dtype.type(1)
    sa = np.ldexp(one, -np.frexp(np.max(np.abs(a), axis=-1))[1])[:, None]  # 2**-k, exact
    sb = np.ldexp(one, -np.frexp(np.max(np.abs(b), axis=-1))[1])[:, None]
    u, v = a * sa, b * sb
    nu = np.einsum("md,md->m", u, u)[:, None] + eps * sa * sa
    nv = np.einsum("md,md->m", v, v)[:, None] + eps * sb * sb
    den = np.sqrt(nu) * np.sqrt(nv)
    cos = np.einsum("md,md->m", u, v)[:, None] / den
    with np.errstate(under="ignore"):  # the gradient of a huge vector is tiny: it may round to 0
        d1 = (v / den - u * (cos / nu)) * sa
        d2 = (u / den - v * (cos / nv)) * sb
    return cos[:, 0], d1, d2


def cosine_embedding_readable(
    y_true: npt.ArrayLike,
    x1: npt.ArrayLike,
    x2: npt.ArrayLike,
    *,
    margin: float = 0.0,
    eps: float = _COSINE_EPS,
    reduction: str = "mean",
) -> tuple[Reduced, PairGrad]:
    r"""Readable form of :func:`cosine_embedding` and :func:`cosine_embedding_grad`: the definition, as
    chapter 4 writes it.

    With :math:`n_k = \|x_k\|^2 + \epsilon` and :math:`\cos = x_1 \cdot x_2 / \sqrt{n_1 n_2}`,

    .. math::

        \ell = \begin{cases} 1 - \cos & y = 1 \\ \max(0,\, \cos - m) & y = -1 \end{cases}, \qquad
        \frac{\partial \cos}{\partial x_1} = \frac{x_2}{\sqrt{n_1 n_2}} - \cos\,\frac{x_1}{n_1}

    (and symmetrically for :math:`x_2`), times -1 for a similar pair and 1 for a dissimilar pair
    with :math:`\cos \ge m` (the hinge passes the gradient at :math:`\cos = m`, as PyTorch's).

    Returns ``(value, gradients)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_cosine_embedding`` is tested against it.
    """
    y, x1, x2 = np.asarray(y_true), np.asarray(x1), np.asarray(x2)
    n1, n2 = np.sum(x1**2, axis=-1) + eps, np.sum(x2**2, axis=-1) + eps
    den = np.sqrt(n1 * n2)
    cos = np.sum(x1 * x2, axis=-1) / den
    loss = np.where(y == 1, 1 - cos, np.maximum(0, cos - margin))
    coef = np.where(y == 1, -1.0, np.where(cos >= margin, 1.0, 0.0))[..., None]
    d1 = x2 / den[..., None] - (cos / n1)[..., None] * x1  # d cos / d x1
    d2 = x1 / den[..., None] - (cos / n2)[..., None] * x2
    return reduce_readable(loss, PairGrad(coef * d1, coef * d2), reduction)


def _cosine_embedding(
    y_true: npt.ArrayLike,
    x1: npt.ArrayLike,
    x2: npt.ArrayLike,
    *,
    margin: float = 0.0,
    eps: float = _COSINE_EPS,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, PairGrad | None]:
    """Fast path of :func:`cosine_embedding_readable`: value and/or gradient, sharing the cosines."""
    check_reduction(reduction)
    margin = check_scalar(
        margin, "margin", low=-1, high=1, about="it is compared with a cosine similarity; 0 to 0.5 is usual"
    )
    eps = check_positive_scalar(eps, "eps")
    (a, b), dtypes = _embeddings({"x1": x1, "x2": x2}, single=True)
    y = _labels(
        y_true,
        a,
        "x1",
        (-1, 1),
        "1 for a similar pair, -1 for a dissimilar one",
        "; for 0/1 labels pass 2 * y_true - 1",
    )
    t = a.dtype.type
    # eps only keeps 0/0 away: one that rounds to 0 in the dtype is taken as its smallest positive number
    tiny = float(_kernels.finfo(a.dtype).smallest_subnormal)
    eps = float(option_in_dtype(max(eps, tiny), "eps", a.dtype, "x1"))
    # the formulas of PyTorch, so that the two agree to rounding; the sums as BLAS row dots
    a2, b2 = a.reshape(-1, a.shape[-1]), b.reshape(-1, b.shape[-1])
    with np.errstate(over="ignore", invalid="ignore"):  # inf - inf too: rows past the range are recomputed below
        prod = _kernels.rowdot(a2, b2).reshape(a.shape[:-1])
        m1 = _kernels.rowdot(a2, a2).reshape(a.shape[:-1]) + t(eps)
        m2 = _kernels.rowdot(b2, b2).reshape(a.shape[:-1]) + t(eps)
        denom = np.sqrt(m1) * np.sqrt(m2)  # not sqrt(m1 * m2): the product overflows long before the loss does
        cos = np.asarray(prod / denom)  # an array even for a single pair, so that rows can be replaced
    huge = ~(np.isfinite(prod) & np.isfinite(denom))  # rows whose squared norms pass the dtype's range
    if huge.any():
        cos[huge], huge_d1, huge_d2 = _cosine_of_huge_rows(a[huge], b[huge], t(eps))
    similar = y == 1
    v = g = None
    if value:
        v = reduce(np.where(similar, 1 - cos, np.maximum(cos - t(margin), 0)), reduction)
    if grad:
        # d cos / d x1 = x2 / denom - cos x1 / m1; the hinge passes the gradient at cos = margin
        coef = np.where(similar, -1.0, (cos - t(margin) >= 0).astype(a.dtype)) * t(grad_scale(reduction, cos.size))
        coef, cos, denom = coef[..., None], cos[..., None], denom[..., None]
        g1 = np.divide(b, denom)
        g1 -= a * (cos / m1[..., None])
        g1 *= coef
        g2 = np.divide(a, denom)
        g2 -= b * (cos / m2[..., None])
        g2 *= coef
        if huge.any():
            g1[huge], g2[huge] = coef[huge] * huge_d1, coef[huge] * huge_d2
        g = PairGrad(g1.astype(dtypes[0], copy=False), g2.astype(dtypes[1], copy=False))
    return v, g


@shared_doc
def cosine_embedding(
    y_true: npt.ArrayLike,
    x1: npt.ArrayLike,
    x2: npt.ArrayLike,
    *,
    margin: float = 0.0,
    eps: float = _COSINE_EPS,
    reduction: str = "mean",
) -> Reduced:
    r"""Cosine embedding loss: similar pairs should point the same way, dissimilar ones should not.

    .. math::

        \ell(y, x_1, x_2) = \begin{cases}
            1 - \cos(x_1, x_2) & y = 1 \\
            \max\big(0,\, \cos(x_1, x_2) - m\big) & y = -1
        \end{cases}, \qquad
        \cos(x_1, x_2) = \frac{x_1 \cdot x_2}{\sqrt{(\|x_1\|^2 + \epsilon)(\|x_2\|^2 + \epsilon)}}

    Parameters
    ----------
    y_true : array_like, shape ``(N,)`` (or ``()`` for a single pair)
        1 for a similar pair, -1 for a dissimilar one.
    x1, x2 : array_like, shape ``(N, D)`` (or ``(D,)``)
        The embeddings of the two members of each pair (finite: ±inf is refused).
    margin : float in [-1, 1]
        Cosine below which a dissimilar pair costs nothing (0 to 0.5 is usual).
    eps : float > 0
        Added to both squared norms, so that a zero vector has cosine 0 with everything
        instead of NaN. The default is PyTorch's constant: 1e-12 rounded to float32
        (9.99999996e-13). An ``eps`` below the smallest positive number of the inputs'
        dtype is taken as that number (it still keeps 0/0 away); one that overflows the
        dtype is refused.
    {reduction_per_pair}

    Notes
    -----
    Same as ``torch.nn.functional.cosine_embedding_loss(x1, x2, y_true, margin)``, zero vectors
    included (their gradient is large, :math:`\|x_2\| / \sqrt{\epsilon}` in size, but finite),
    with the subgradient of PyTorch at :math:`\cos = m` (the hinge passes the gradient). Differences:
    PyTorch gives a loss of 0 to labels other than 1 and -1, losslib refuses them; PyTorch has
    no ``eps`` argument (losslib's default is its constant); the two embedding arrays must have
    the same shape. The loss is invariant to rescaling either embedding (up to :math:`\epsilon`),
    not convex, and not differentiable at :math:`\cos = m` for dissimilar pairs.

    Siamese networks comparing two embeddings by their cosine go back to Bromley et al.
    (1993); this hinge form is the one of Torch7's ``CosineEmbeddingCriterion``, which PyTorch
    kept, and has no paper of its own.

    References
    ----------
    .. [1] Bromley, J., Guyon, I., LeCun, Y., Säckinger, E. and Shah, R. (1993). Signature
       verification using a "Siamese" time delay neural network. *NIPS 6*, 737-744. (bromley1993signature)

    Examples
    --------
    >>> cosine_embedding([1, -1], [[1.0, 0.0], [1.0, 0.0]], [[1.0, 1.0], [1.0, 1.0]], margin=0.5,
    ...                  reduction="none").round(6)
    array([0.292893, 0.207107])
    """
    return cast(Reduced, _cosine_embedding(y_true, x1, x2, margin=margin, eps=eps, reduction=reduction, grad=False)[0])


cosine_embedding_grad = gradient(
    cosine_embedding,
    _cosine_embedding,
    doc=r"""Gradients of :func:`cosine_embedding` with respect to ``x1`` and ``x2``.

    With :math:`n_k = \|x_k\|^2 + \epsilon`,

    .. math::

        \frac{\partial \cos}{\partial x_1} = \frac{x_2}{\sqrt{n_1 n_2}} - \cos(x_1, x_2)\,\frac{x_1}{n_1}

    (and symmetrically for :math:`x_2`), times -1 for a similar pair and 1 for a dissimilar
    pair inside the margin.

    Examples
    --------
    >>> g = cosine_embedding_grad([1], [[1.0, 0.0]], [[0.0, 2.0]], reduction="sum")
    >>> g.x1.round(6), g.x2.round(6)
    (array([[-0., -1.]]), array([[-0.5, -0. ]]))
    """,
)


def _sample_cosine(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    # cosines with 0.15 <= |cos| <= 0.9: away from the hinge at the default margin 0
    u = _unit_rows(rng, n)
    w = rng.normal(size=(n, _D))
    w -= (w * u).sum(axis=1, keepdims=True) * u
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    c = _either(rng, n, (-0.9, -0.15), (0.15, 0.9))[:, None]
    x1 = u * rng.uniform(0.5, 2.0, size=(n, 1))
    x2 = (c * u + np.sqrt(1 - c * c) * w) * rng.uniform(0.5, 2.0, size=(n, 1))
    return {"y_true": rng.choice([-1.0, 1.0], size=n), "x1": x1, "x2": x2}


register(
    cosine_embedding,
    family="embedding",
    prediction="embedding",
    target="sign",
    distribution=None,
    convex=False,
    differentiable=False,
    robust=None,
    proper=None,
    reference="bromley1993signature",
    summary="Cosine 1 for similar pairs, below a margin for dissimilar ones.",
    args=("y_true", "x1", "x2"),
    grad_wrt=("x1", "x2"),
    oracle="torch",
    sampler=_sample_cosine,
    equivalents=Equivalents(
        torch="torch.nn.functional.cosine_embedding_loss(x1, x2, y_true, margin=margin)",
        note=(
            "PyTorch's order is (x1, x2, y_true); it has no `eps` (losslib's default is its constant) and gives "
            "labels other than ±1 a loss of 0. Keras' `CosineSimilarity` (-cos) and optax's `cosine_distance` "
            "(1 - cos) have no labels and no margin."
        ),
    ),
)
