r"""The triplet margin loss: an anchor closer to its positive than to its negative by a margin."""

from __future__ import annotations

from typing import NamedTuple, cast

import numpy as np
import numpy.typing as npt

from .. import _kernels
from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import divisor, grad_scale, reduce, reduce_readable
from .._typing import FloatArray, Reduced
from .._validation import (
    check_flag,
    check_positive_scalar,
    check_reduction,
    check_scalar,
)
from .._wrappers import gradient
from ._rows import _D, _either, _embeddings, _pnorm, _triplet_options_in_dtype, _unit_rows

__all__ = [
    "triplet",
    "triplet_grad",
]


class TripletGrad(NamedTuple):
    """Gradients of :func:`triplet` with respect to its three embeddings."""

    anchor: np.ndarray
    positive: np.ndarray
    negative: np.ndarray


# --------------------------------------------------------------------------
# Triplet margin loss
# --------------------------------------------------------------------------


def triplet_readable(
    anchor: npt.ArrayLike,
    positive: npt.ArrayLike,
    negative: npt.ArrayLike,
    *,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
) -> tuple[Reduced, TripletGrad]:
    r"""Readable form of :func:`triplet` and :func:`triplet_grad`: the definition, as chapter 4 writes it.

    .. math::

        \ell = \max\big(0,\; m + d(a, p) - d(a, n)\big), \qquad d(x, y) = \|x - y + \epsilon\mathbf 1\|_p,
        \qquad \frac{\partial d(x, y)}{\partial x} = \operatorname{sign}(v) \Big(\frac{|v|}{d(x, y)}\Big)^{p - 1}

    with :math:`v = x - y + \epsilon\mathbf 1`; where the hinge is active (also at 0, as PyTorch),
    :math:`\partial \ell / \partial a = u_{ap} - u_{an}`, :math:`\partial \ell / \partial p = -u_{ap}` and
    :math:`\partial \ell / \partial n = u_{an}`, :math:`u_{xy} = \partial d(x, y) / \partial x`. With
    ``swap``, :math:`d(a, n)` becomes :math:`\min(d(a, n), d(p, n))` and its gradient goes to the
    smaller distance (half to each in a tie).

    Returns ``(value, gradients)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_triplet`` is tested against it.
    """

    def distance(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        v = x - y + eps
        d = np.sum(np.abs(v) ** p, axis=-1) ** (1 / p)
        return d, np.sign(v) * (np.abs(v) / d[..., None]) ** (p - 1)

    a, pos, neg = np.asarray(anchor), np.asarray(positive), np.asarray(negative)
    d_ap, u_ap = distance(a, pos)
    d_an, u_an = distance(a, neg)
    d_pn, u_pn = distance(pos, neg)
    # with the swap, d(a, n) becomes min(d(a, n), d(p, n)); w is the share of d(a, n) (1/2 in a tie)
    w = np.where(d_an < d_pn, 1.0, np.where(d_an == d_pn, 0.5, 0.0)) if swap else np.ones_like(d_an)
    z = margin + d_ap - (np.minimum(d_an, d_pn) if swap else d_an)
    active = np.where(z >= 0, 1.0, 0.0)[..., None]  # the hinge passes the gradient at 0, as PyTorch's
    w = w[..., None]
    grads = TripletGrad(
        active * (u_ap - w * u_an),
        -active * (u_ap + (1 - w) * u_pn),
        active * (w * u_an + (1 - w) * u_pn),
    )
    return reduce_readable(np.maximum(0, z), grads, reduction)


def _triplet(
    anchor: npt.ArrayLike,
    positive: npt.ArrayLike,
    negative: npt.ArrayLike,
    *,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, TripletGrad | None]:
    """Fast path of :func:`triplet_readable`: value and/or gradient, sharing the distances."""
    check_reduction(reduction)
    margin = check_positive_scalar(margin, "margin")
    p = check_scalar(p, "p", low=1, about="the degree of the p-norm, 2 for the Euclidean distance")
    eps = check_positive_scalar(eps, "eps", allow_zero=True)
    swap = check_flag(swap, "swap")
    named = {"anchor": anchor, "positive": positive, "negative": negative}
    if p == 2.0 and not swap:
        (a, pos, neg), dtypes = _embeddings(named, single=True, nan=False)  # a NaN makes the fast path give up
        _triplet_options_in_dtype(margin, eps, a.dtype)
        out = _triplet_euclidean(a, pos, neg, margin, eps, reduction, value, grad)
        if out is not None:
            value_e, grads_e = out
            return value_e, (
                TripletGrad(*(x.astype(dt, copy=False) for x, dt in zip(grads_e, dtypes)))
                if grads_e is not None
                else None
            )
    (a, pos, neg), dtypes = _embeddings(named, single=True)
    _triplet_options_in_dtype(margin, eps, a.dtype)
    t = a.dtype.type
    d_pos, u_pos = _pnorm(a - pos + t(eps), p, grad)  # u_pos, u_neg, u_swap: the gradients, if grad
    d_neg, u_neg = _pnorm(a - neg + t(eps), p, grad)
    w_neg: FloatArray | None = None
    u_swap: FloatArray | None = None
    if swap:
        d_swap, u_swap = _pnorm(pos - neg + t(eps), p, grad)
        # the weight of d(a, n) in the minimum; a tie splits the gradient in halves, as PyTorch's min
        w_neg = np.where(d_neg < d_swap, 1.0, np.where(d_neg == d_swap, 0.5, 0.0)).astype(a.dtype)[..., None]
        d_neg = np.minimum(d_neg, d_swap)
    z = t(margin) + d_pos - d_neg
    v: Reduced | None = None
    g: TripletGrad | None = None
    if value:
        v = reduce(np.maximum(z, 0), reduction)
    if u_pos is not None and u_neg is not None:
        # the hinge passes the gradient at z = 0, as PyTorch's clamp_min does
        c = ((z >= 0) * t(grad_scale(reduction, z.size))).astype(a.dtype)[..., None]
        if w_neg is not None and u_swap is not None:  # swap
            g_a = c * (u_pos - w_neg * u_neg)
            g_p = -c * (u_pos + (1 - w_neg) * u_swap)
            g_n = c * (w_neg * u_neg + (1 - w_neg) * u_swap)
        else:
            g_a, g_p, g_n = c * (u_pos - u_neg), -c * u_pos, c * u_neg
        g = TripletGrad(*(x.astype(dt, copy=False) for x, dt in zip((g_a, g_p, g_n), dtypes)))
    return v, g


def _safe_squares(ss: FloatArray) -> bool:
    """Sums of squares far from over- and underflow (and no NaN): their square roots are the norms
    to rounding."""
    info = _kernels.finfo(ss.dtype)
    return bool(ss.min() >= info.tiny / (info.eps * info.eps) and ss.max() < info.max / 4)


def _triplet_euclidean(
    a: FloatArray, pos: FloatArray, neg: FloatArray, margin: float, eps: float, reduction: str, value: bool, grad: bool
) -> tuple[Reduced | None, list[FloatArray] | None] | None:
    """The triplet loss with Euclidean distances by blocks of rows, the norms as BLAS row dots
    (``sqrt(d . d)``, more accurate than :func:`_pnorm`'s scaling, which is only needed where a
    square over- or underflows: then None, for the general path)."""
    single = a.ndim == 1
    a2, p2, n2 = (x.reshape(-1, x.shape[-1]) for x in (a, pos, neg))
    n, d = a2.shape
    t = a.dtype.type
    count = divisor(reduction, n)
    per = np.empty(n, a.dtype)
    grads = [np.empty_like(a2) for _ in range(3)] if grad else None
    size = min(_kernels.block_len(a.dtype, d), n)

    def task(first: int, stop: int) -> None:
        dp_buf, dn_buf = np.empty((size, d), a.dtype), np.empty((size, d), a.dtype)
        for k in range(first, stop):
            sl = slice(k * size, min((k + 1) * size, n))
            dp, dn = dp_buf[: sl.stop - sl.start], dn_buf[: sl.stop - sl.start]
            np.subtract(a2[sl], p2[sl], out=dp)
            np.add(dp, t(eps), out=dp)  # a - p + eps
            np.subtract(a2[sl], n2[sl], out=dn)
            np.add(dn, t(eps), out=dn)
            ss_p, ss_n = _kernels.rowdot(dp, dp), _kernels.rowdot(dn, dn)
            if not (_safe_squares(ss_p) and _safe_squares(ss_n)):
                raise _kernels.Fallback  # a NaN, a zero distance, or a square that over- or underflows
            d_p, d_n = np.sqrt(ss_p), np.sqrt(ss_n)
            z = t(margin) + d_p - d_n
            per[sl] = np.maximum(z, 0)
            if grads is not None:
                g_a, g_p, g_n = (g[sl] for g in grads)
                c = ((z >= 0) / t(count))[:, None]  # the hinge passes the gradient at z = 0, as clamp_min
                np.divide(dp, d_p[:, None], out=dp)  # u_p, the unit vector of a - p
                np.divide(dn, d_n[:, None], out=dn)  # u_n
                np.subtract(dp, dn, out=g_a)
                np.multiply(g_a, c, out=g_a)  # c (u_p - u_n)
                np.multiply(dp, -c, out=g_p)
                np.multiply(dn, c, out=g_n)

    try:
        _kernels.run_chunks(-(-n // size), task, a.size)
    except _kernels.Fallback:
        return None
    v = reduce(per[0] if single else per, reduction) if value else None
    return v, ([g.reshape(a.shape) for g in grads] if grads is not None else None)


@shared_doc
def triplet(
    anchor: npt.ArrayLike,
    positive: npt.ArrayLike,
    negative: npt.ArrayLike,
    *,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
) -> Reduced:
    r"""Triplet margin loss: the anchor should be closer to the positive than to the negative by a margin.

    .. math::

        \ell(a, p, n) = \max\big(0,\; m + d(a, p) - d(a, n)\big), \qquad
        d(x, y) = \|x - y + \epsilon\mathbf 1\|_p

    With ``swap=True``, :math:`d(a, n)` is replaced by :math:`\min(d(a, n), d(p, n))`: the
    negative must also be far from the positive (the distance swap of Balntas et al. 2016).

    Parameters
    ----------
    anchor, positive, negative : array_like, shape ``(N, D)`` (or ``(D,)`` for one triplet)
        The embeddings, one triplet per row (finite: ±inf is refused).
    margin : float > 0
        The required gap between the two distances.
    p : float >= 1
        Degree of the norm of the distance (2: Euclidean, 1: Manhattan).
    eps : float >= 0
        Added to every coordinate of the differences before the norm, as in
        ``torch.nn.functional.pairwise_distance``.
    swap : bool
        Use the distance swap.
    {reduction_per_triplet}

    Notes
    -----
    Same as ``torch.nn.functional.triplet_margin_loss`` in every option, including the
    subgradients at the kinks: the hinge passes the gradient where the loss is exactly 0 at
    :math:`m + d(a, p) = d(a, n)`, a tie :math:`d(a, n) = d(p, n)` under ``swap`` splits it in
    halves, and a zero difference (only possible with ``eps=0``) has gradient 0. Differences:
    the three arrays must have the same shape (PyTorch broadcasts them), ``p`` must be a
    finite number >= 1 (PyTorch also takes ``inf`` and values below 1), and only ``(N, D)``
    and ``(D,)`` inputs are accepted. FaceNet (Schroff et al. 2015) uses squared Euclidean
    distances of L2-normalised embeddings; this is PyTorch's unsquared form.

    The loss is not convex (it decreases with the convex :math:`d(a, n)`) and not
    differentiable at the hinge :math:`m + d(a, p) = d(a, n)`.

    References
    ----------
    .. [1] Schroff, F., Kalenichenko, D. and Philbin, J. (2015). FaceNet: a unified embedding
       for face recognition and clustering. *CVPR*, 815-823. (schroff2015facenet)
    .. [2] Balntas, V., Riba, E., Ponsa, D. and Mikolajczyk, K. (2016). Learning local feature
       descriptors with triplets and shallow convolutional neural networks. *BMVC*. (balntas2016learning)

    Examples
    --------
    >>> triplet([[0.0, 0.0], [0.0, 0.0]], [[3.0, 4.0], [3.0, 4.0]], [[6.0, 8.0], [0.0, 1.0]],
    ...         eps=0.0, reduction="none")
    array([0., 5.])
    """
    return cast(
        Reduced,
        _triplet(anchor, positive, negative, margin=margin, p=p, eps=eps, swap=swap, reduction=reduction, grad=False)[
            0
        ],
    )


triplet_grad = gradient(
    triplet,
    _triplet,
    doc=r"""Gradients of :func:`triplet` with respect to the anchor, the positive and the negative.

    Where the hinge is active, with :math:`u_{xy} = \partial d(x, y)/\partial x`
    (:math:`= (x - y + \epsilon\mathbf 1)/d(x, y)` for :math:`p = 2`) and without the swap,

    .. math::

        \frac{\partial \ell}{\partial a} = u_{ap} - u_{an}, \qquad
        \frac{\partial \ell}{\partial p} = -u_{ap}, \qquad
        \frac{\partial \ell}{\partial n} = u_{an}

    and 0 elsewhere.

    Examples
    --------
    >>> g = triplet_grad([[0.0, 0.0]], [[3.0, 4.0]], [[0.0, 1.0]], eps=0.0)
    >>> g.anchor, g.positive, g.negative
    (array([[-0.6,  0.2]]), array([[0.6, 0.8]]), array([[ 0., -1.]]))
    """,
)


def _sample_triplet(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    # d(a, n) = d(a, p) + 1 - s with |s| in 0.2..0.8: the hinge (margin 1) is active for s > 0
    anchor = rng.normal(size=(n, _D))
    d_pos = rng.uniform(0.3, 1.5, size=n)
    d_neg = d_pos + 1.0 - _either(rng, n, (-0.8, -0.2), (0.2, 0.8))
    return {
        "anchor": anchor,
        "positive": anchor + d_pos[:, None] * _unit_rows(rng, n),
        "negative": anchor + d_neg[:, None] * _unit_rows(rng, n),
    }


register(
    triplet,
    family="embedding",
    prediction="embedding",
    target="none",
    distribution=None,
    convex=False,
    differentiable=False,
    robust=None,
    proper=None,
    reference="schroff2015facenet",
    summary="Anchor closer to its positive than to its negative, by a margin.",
    args=("anchor", "positive", "negative"),
    grad_wrt=("anchor", "positive", "negative"),
    oracle="torch",
    sampler=_sample_triplet,
    equivalents=Equivalents(
        torch="torch.nn.functional.triplet_margin_loss(anchor, positive, negative, margin=margin, p=p, eps=eps, swap=swap)",
        note=(
            "PyTorch broadcasts the three arrays, losslib wants one shape. optax's `triplet_margin_loss` adds "
            "`eps` to the sum of powers, not to the difference, and has no swap: another number. Keras has no "
            "triplet loss."
        ),
    ),
)
