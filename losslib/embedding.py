r"""Embedding and metric-learning losses: contrastive, triplet, cosine embedding, InfoNCE / NT-Xent.

These losses compare embeddings with each other instead of a prediction with a target: a pair
should be close or far apart (:func:`contrastive`, :func:`cosine_embedding`), an anchor closer
to its positive than to its negative (:func:`triplet`), a query more similar to its own key than
to every other key of the batch (:func:`info_nce`, :func:`nt_xent`).

Conventions of the module:

- Embeddings are arrays of shape ``(N, D)``, one row of ``D`` numbers per example (the pair
  and triplet losses also take a single example of shape ``(D,)``). The embedding arguments of
  one call must have the same shape: PyTorch broadcasts them, losslib refuses.
- ``reduction="none"`` returns one loss per example (pair, triplet, query or view), ``"mean"``
  averages over the examples.
- Every embedding argument is differentiable, so ``name_grad`` returns a NamedTuple with one
  gradient per embedding argument, each of its argument's shape and dtype. Embeddings of
  different float dtypes are combined in their common dtype.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TypeAlias, cast

import numpy as np
import numpy.typing as npt

from . import _kernels
from ._info import register
from ._reduction import divisor, grad_scale, reduce, reduce_readable
from ._typing import FloatArray, Reduced
from ._validation import (
    _first_index,
    _where,
    as_any_array,
    as_float_array,
    check_choice,
    check_flag,
    check_no_nan_or_inf,
    check_positive_scalar,
    check_reduction,
    check_scalar,
    option_in_dtype,
)
from .special import log_softmax, softmax

__all__ = [
    "contrastive",
    "contrastive_grad",
    "cosine_embedding",
    "cosine_embedding_grad",
    "info_nce",
    "info_nce_grad",
    "nt_xent",
    "nt_xent_grad",
    "triplet",
    "triplet_grad",
]

# PyTorch's cosine_embedding_loss adds a hard-coded EPSILON to both squared norms; it is the
# float32 constant 1e-12f, i.e. 9.999999960041972e-13 also in float64 (measured on torch 2.13).
_COSINE_EPS = float(np.float32(1e-12))
# F.normalize divides by max(||x||, 1e-12).
_NORMALIZE_EPS = 1e-12


RNGLike: TypeAlias = np.random.Generator | int | None
"""What ``numpy.random.default_rng`` takes: a generator, a seed, or None (fresh entropy)."""


class PairGrad(NamedTuple):
    """Gradients of a loss of two embeddings, with respect to ``x1`` and ``x2``."""

    x1: np.ndarray
    x2: np.ndarray


class TripletGrad(NamedTuple):
    """Gradients of :func:`triplet` with respect to its three embeddings."""

    anchor: np.ndarray
    positive: np.ndarray
    negative: np.ndarray


class InfoNCEGrad(NamedTuple):
    """Gradients of :func:`info_nce` with respect to the queries and the keys."""

    queries: np.ndarray
    keys: np.ndarray


class NTXentGrad(NamedTuple):
    """Gradients of :func:`nt_xent` with respect to the two views."""

    z1: np.ndarray
    z2: np.ndarray


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


_INF_EMBEDDING = (
    "an infinite coordinate has no direction and no finite distance to anything; "
    "look for an overflow upstream, or normalise the embeddings"
)


def _embeddings(
    named: dict[str, npt.ArrayLike], *, single: bool, nan: bool = True
) -> tuple[list[FloatArray], list[np.dtype[Any]]]:
    """Validate embedding arrays of one call: ``(N, D)`` (or ``(D,)`` if ``single``), equal shapes.

    Returns the arrays in their common floating dtype and each argument's own dtype (the dtype
    of its gradient). ``nan=False`` skips the scans for NaNs (for a caller that finds them).
    """
    arrays = {name: as_float_array(x, name, nan=False) for name, x in named.items()}
    if nan:  # the one reduction of the NaN scan finds infinities too
        for name, arr in arrays.items():
            check_no_nan_or_inf(arr, name, "numbers", _INF_EMBEDDING)
    allowed = "(N, D) or (D,)" if single else "(N, D)"
    for name, a in arrays.items():
        if a.ndim in ((1, 2) if single else (2,)):
            continue
        if a.ndim == 0:
            hint = "; one embedding is a 1-D array of D numbers"
        elif a.ndim == 1:
            hint = f"; for a single example pass {name}[None, :] (with one example the loss is 0)"
        elif a.shape[-1] == 1 and a.ndim == 3:
            # (N, D, 1): a column per example; reshape(-1, 1) would make N*D one-number embeddings
            hint = f"; drop the trailing axis of length 1 with {name}.squeeze(-1), giving shape {a.shape[:-1]}"
        else:
            hint = f"; flatten the leading axes with {name}.reshape(-1, {a.shape[-1]})"
        raise ValueError(
            f"{name} has shape {a.shape}, but embeddings must have shape {allowed}, "
            f"one row of D numbers per example{hint}"
        )
    names = list(arrays)
    first = arrays[names[0]]
    for name in names[1:]:
        if arrays[name].shape != first.shape:
            raise ValueError(
                f"{name} has shape {arrays[name].shape} but {names[0]} has shape {first.shape}; "
                f"{', '.join(names)} must have the same shape (N, D), row i of each belonging to "
                "example i (losslib does not broadcast embeddings)"
            )
    dtype = np.result_type(*arrays.values())
    return [a.astype(dtype, copy=False) for a in arrays.values()], [a.dtype for a in arrays.values()]


def _labels(
    y_true: npt.ArrayLike, x: FloatArray, x_name: str, allowed: tuple[int, int], meaning: str, hint: str
) -> FloatArray:
    """Pair labels of shape ``x.shape[:-1]`` taking only the ``allowed`` values, in ``x``'s dtype."""
    y = as_any_array(y_true, "y_true")
    if y.dtype.kind not in "biuf":
        raise TypeError(f"y_true must hold numeric labels ({meaning}), got an array of dtype {y.dtype}")
    if y.shape != x.shape[:-1]:
        raise ValueError(
            f"y_true has shape {y.shape} but {x_name} has shape {x.shape}; y_true needs shape "
            f"{x.shape[:-1]}, one label per pair"
        )
    bad = ~np.isin(y, allowed)
    if bad.any():
        index = _first_index(bad)
        raise ValueError(
            f"y_true must hold only {allowed[0]} and {allowed[1]} ({meaning}), but "
            f"{_where('y_true', index)} = {y[index].item()!r}{hint}"
        )
    return y.astype(x.dtype)


def _triplet_options_in_dtype(margin: float, eps: float, dtype: np.dtype[Any]) -> None:
    option_in_dtype(margin, "margin", dtype, "anchor", zero_ok=True)
    option_in_dtype(eps, "eps", dtype, "anchor", zero_ok=True)


# --------------------------------------------------------------------------
# Shared pieces: p-norms, normalisation, cross-entropy over rows of similarities
# --------------------------------------------------------------------------


def _pnorm(v: FloatArray, p: float, want_grad: bool) -> tuple[FloatArray, FloatArray | None]:
    r"""The p-norm of ``v`` along its last axis and, if asked, its gradient :math:`\partial\|v\|_p/\partial v`.

    The norm is computed as :math:`m \|v/m\|_p` with :math:`m = \max_i |v_i|`, so it neither
    overflows nor underflows; the gradient :math:`\operatorname{sign}(v)\,(|v|/\|v\|_p)^{p-1}` is
    0 where the norm is 0 (PyTorch's choice of subgradient).
    """
    a = np.abs(v)
    if p == 1.0:
        return a.sum(axis=-1), (np.sign(v) if want_grad else None)
    m = a.max(axis=-1, keepdims=True)
    r = a / np.where(m > 0, m, 1)
    s = np.sqrt((r * r).sum(axis=-1, keepdims=True)) if p == 2.0 else (r**p).sum(axis=-1, keepdims=True) ** (1 / p)
    g = None
    if want_grad:
        ratio = r / np.where(s > 0, s, 1)  # |v| / ||v||, 0 where v = 0
        g = np.sign(v) * (ratio if p == 2.0 else ratio ** (p - 1))
    return (m * s)[..., 0], g


def _normalize(x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Rows of ``x`` divided by ``max(||x||, 1e-12)``, as ``F.normalize``; returns ``(x_hat, norm, divisor)``."""
    norm = _pnorm(x, 2.0, False)[0][..., None]
    divisor = np.maximum(norm, x.dtype.type(_NORMALIZE_EPS))
    return x / divisor, norm, divisor


def _normalize_backward(g: FloatArray, x_hat: FloatArray, norm: FloatArray, divisor: FloatArray) -> FloatArray:
    r"""Chain rule through :func:`_normalize`.

    :math:`(g - \hat x\,(\hat x \cdot g)) / \|x\|`, or :math:`g / \epsilon` where :math:`\|x\| < \epsilon`.
    """
    radial: FloatArray = (g * x_hat).sum(axis=-1, keepdims=True) * (norm >= x_hat.dtype.type(_NORMALIZE_EPS))
    return (g - x_hat * radial) / divisor


def _normalize_backward_inplace(
    g: FloatArray, x_hat: FloatArray, norm: FloatArray, divisor: FloatArray, tmp: FloatArray
) -> FloatArray:
    """:func:`_normalize_backward` computed in ``g``'s memory (``tmp``: a scratch array of its shape)."""
    radial = _kernels.rowdot(g, x_hat)[:, None] * (norm >= x_hat.dtype.type(_NORMALIZE_EPS))
    np.multiply(x_hat, radial, out=tmp)
    np.subtract(g, tmp, out=g)
    return np.divide(g, divisor, out=g)


def _similarity_cross_entropy(
    left: FloatArray, right: FloatArray, positive: npt.NDArray[np.intp], tau: float, scale: float, want_grad: bool
) -> tuple[FloatArray, tuple[FloatArray, FloatArray, FloatArray] | None]:
    r"""Row :math:`i` of :math:`s = \textrm{left} \cdot \textrm{right}^T / \tau`: the loss of
    :func:`_row_cross_entropy` with the positive ``positive[i]``, by blocks of rows, never holding
    the whole :math:`N \times N` matrix (nor its softmax or gradient).

    Returns the per-row losses and, if ``want_grad``, the gradients of ``scale`` times their sum
    with respect to ``left`` and to ``right`` (and a scratch array of ``right``'s shape). The
    log-sum-exp is :math:`m + \operatorname{log1p}(\rho)` with :math:`\rho` the sum of the
    exponentials without one maximum, and the gradient at the positive minus the sum of the other
    probabilities (:math:`\rho`, or :math:`1 + \rho - e_{c_i}`), as in :func:`_row_cross_entropy`.
    """
    n_rows, n_cols = left.shape[0], right.shape[0]
    t = left.dtype.type
    size = min(n_rows, max(1, 2 * _kernels.block_len(left.dtype, n_cols)))  # 2 MiB of similarities
    buf = np.empty((size, n_cols), left.dtype)
    per = np.empty(n_rows, left.dtype)
    grads = (np.empty_like(left), np.zeros_like(right), np.empty_like(right)) if want_grad else None
    for sl in _kernels.blocks(n_rows, size):
        rows = np.arange(sl.stop - sl.start)
        s = np.matmul(left[sl], right.T, out=buf[: rows.size])
        np.divide(s, t(tau), out=s)
        top = np.argmax(s, axis=1)
        m = s[rows, top]
        pos = positive[sl]
        per[sl] = m - s[rows, pos]
        np.subtract(s, m[:, None], out=s)
        np.exp(s, out=s)
        s[rows, top] = 0
        rest = s.sum(axis=1)
        s[rows, top] = 1
        per[sl] += np.log1p(rest)
        if grads is not None:
            g_left, g_right, partial = grads
            total = 1 + rest
            others = np.where(pos == top, rest, total - s[rows, pos])
            np.multiply(s, (t(scale) / total)[:, None], out=s)
            s[rows, pos] = -t(scale) * (others / total)
            np.matmul(s, right, out=g_left[sl])
            np.matmul(s.T, left[sl], out=partial)
            np.add(g_right, partial, out=g_right)
    return per, grads


def _row_cross_entropy(
    logits: FloatArray, positive: npt.NDArray[np.intp], want_grad: bool
) -> tuple[FloatArray, FloatArray | None]:
    r"""Per-row loss :math:`\operatorname{logsumexp}_j s_{ij} - s_{i,c_i}` and its gradient in ``logits``.

    ``-inf`` entries are excluded. The loss is :math:`(m_i - s_{i c_i}) + \log k_i + \operatorname{log1p}(\rho_i/k_i)`
    with :math:`m_i` the row maximum, attained :math:`k_i` times, and :math:`\rho_i` the sum of
    the other :math:`e^{s_{ij} - m_i}`, so a loss near 0 keeps its digits; the gradient's entry
    at the positive, :math:`-\sum_{j \ne c_i} p_{ij}`, is summed rather than computed as
    :math:`p_{i c_i} - 1`.
    """
    rows = np.arange(logits.shape[0])
    m = logits.max(axis=-1, keepdims=True)
    e = np.exp(logits - m)  # 0 at excluded entries, 1 at the maxima
    is_max = logits == m
    k = is_max.sum(axis=-1).astype(logits.dtype)
    rest = np.where(is_max, 0, e).sum(axis=-1)
    per_row = (m[:, 0] - logits[rows, positive]) + (np.log(k) + np.log1p(rest / k))
    g = None
    if want_grad:
        total = e.sum(axis=-1, keepdims=True)
        g = e / total
        others = np.where(np.arange(logits.shape[1]) == positive[:, None], 0, e).sum(axis=-1)
        g[rows, positive] = -others / total[:, 0]
    return per_row, g


# --------------------------------------------------------------------------
# Samplers' building blocks: the registry draws valid, generic inputs (away from kinks and zero
# vectors), with embeddings of dimension _D
# --------------------------------------------------------------------------


_D = 3  # embedding dimension of the samplers


def _unit_rows(rng: np.random.Generator, n: int) -> FloatArray:
    u = rng.normal(size=(n, _D))
    norm: FloatArray = np.linalg.norm(u, axis=1, keepdims=True)
    return u / norm


def _either(rng: np.random.Generator, n: int, low: tuple[float, float], high: tuple[float, float]) -> FloatArray:
    """``n`` numbers, each uniform in one of two intervals (chosen at random)."""
    return np.where(rng.random(n) < 0.5, rng.uniform(*low, size=n), rng.uniform(*high, size=n))


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
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per pair, ``"mean"`` averages over the pairs.

    Returns
    -------
    float or ndarray
        A scalar, or shape ``(N,)`` for ``"none"``.

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


def contrastive_grad(
    y_true: npt.ArrayLike,
    x1: npt.ArrayLike,
    x2: npt.ArrayLike,
    *,
    margin: float = 1.0,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> PairGrad:
    r"""Gradients of :func:`contrastive` with respect to ``x1`` and ``x2``.

    .. math::

        \frac{\partial \ell}{\partial x_1} = -\frac{\partial \ell}{\partial x_2}
        = \big(y\, d - (1 - y)\max(0,\, m - d)\big)\, \frac{x_1 - x_2 + \epsilon\mathbf 1}{d}

    Examples
    --------
    >>> g = contrastive_grad([1], [[0.0, 0.0]], [[3.0, 4.0]], eps=0.0, reduction="sum")
    >>> g.x1, g.x2
    (array([[-3., -4.]]), array([[3., 4.]]))
    """
    return cast(PairGrad, _contrastive(y_true, x1, x2, margin=margin, eps=eps, reduction=reduction, value=False)[1])


def _sample_contrastive(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    # distances 0.2..0.8 (inside the default margin 1) or 1.2..2.2 (beyond it)
    x1 = rng.normal(size=(n, _D))
    x2 = x1 + _either(rng, n, (0.2, 0.8), (1.2, 2.2))[:, None] * _unit_rows(rng, n)
    return {"y_true": rng.integers(0, 2, size=n).astype(float), "x1": x1, "x2": x2}


register(
    loss=contrastive,
    grad=contrastive_grad,
    core=_contrastive,
    readable=contrastive_readable,
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
)


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
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per triplet, ``"mean"`` averages over the triplets.

    Returns
    -------
    float or ndarray
        A scalar, or shape ``(N,)`` for ``"none"``.

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


def triplet_grad(
    anchor: npt.ArrayLike,
    positive: npt.ArrayLike,
    negative: npt.ArrayLike,
    *,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
) -> TripletGrad:
    r"""Gradients of :func:`triplet` with respect to the anchor, the positive and the negative.

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
    """
    return cast(
        TripletGrad,
        _triplet(anchor, positive, negative, margin=margin, p=p, eps=eps, swap=swap, reduction=reduction, value=False)[
            1
        ],
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
    loss=triplet,
    grad=triplet_grad,
    core=_triplet,
    readable=triplet_readable,
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
)


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
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per pair, ``"mean"`` averages over the pairs.

    Returns
    -------
    float or ndarray
        A scalar, or shape ``(N,)`` for ``"none"``.

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


def cosine_embedding_grad(
    y_true: npt.ArrayLike,
    x1: npt.ArrayLike,
    x2: npt.ArrayLike,
    *,
    margin: float = 0.0,
    eps: float = _COSINE_EPS,
    reduction: str = "mean",
) -> PairGrad:
    r"""Gradients of :func:`cosine_embedding` with respect to ``x1`` and ``x2``.

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
    """
    return cast(
        PairGrad, _cosine_embedding(y_true, x1, x2, margin=margin, eps=eps, reduction=reduction, value=False)[1]
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
    loss=cosine_embedding,
    grad=cosine_embedding_grad,
    core=_cosine_embedding,
    readable=cosine_embedding_readable,
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
)


# --------------------------------------------------------------------------
# InfoNCE
# --------------------------------------------------------------------------


def info_nce_readable(
    queries: npt.ArrayLike, keys: npt.ArrayLike, *, temperature: float = 0.1, reduction: str = "mean"
) -> tuple[Reduced, InfoNCEGrad]:
    r"""Readable form of :func:`info_nce` and :func:`info_nce_grad`: the definition, as chapter 4 writes it.

    With the normalised rows :math:`\hat q_i = q_i / \|q_i\|`, :math:`\hat k_j = k_j / \|k_j\|` and
    the similarities :math:`s_{ij} = \hat q_i \cdot \hat k_j / \tau`,

    .. math::

        \ell_i = -\log \operatorname{softmax}(s_{i\cdot})_i, \qquad
        \frac{\partial \sum_i \ell_i}{\partial s} = \operatorname{softmax}(s) - I

    row by row; then :math:`\partial / \partial \hat Q = G \hat K` and :math:`\partial / \partial
    \hat K = G^\top \hat Q` with :math:`G = (\operatorname{softmax}(s) - I) / \tau`, and through the
    normalisation a row's gradient :math:`g` becomes :math:`(g - \hat q\,(\hat q \cdot g)) / \|q\|`
    (its radial part drops out). The log-softmax is :func:`losslib.special.log_softmax`, shifted by
    the row maximum, so small temperatures cannot overflow. A zero vector has no direction and no
    cosine: the fast path divides it by :math:`10^{-12}`, as ``F.normalize`` does (similarities 0).

    Returns ``(value, gradients)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_info_nce`` is tested against it.
    """
    q, k = np.asarray(queries), np.asarray(keys)
    q_len, k_len = np.linalg.norm(q, axis=-1, keepdims=True), np.linalg.norm(k, axis=-1, keepdims=True)
    q_hat, k_hat = q / q_len, k / k_len
    s = q_hat @ k_hat.T / temperature
    rows = np.arange(len(s))
    loss = -log_softmax(s)[rows, rows]  # key i is the positive of query i
    g_s = (softmax(s) - np.eye(len(s))) / temperature
    g_q, g_k = g_s @ k_hat, g_s.T @ q_hat  # with respect to q_hat and k_hat
    g_q = (g_q - q_hat * np.sum(g_q * q_hat, axis=-1, keepdims=True)) / q_len
    g_k = (g_k - k_hat * np.sum(g_k * k_hat, axis=-1, keepdims=True)) / k_len
    return reduce_readable(loss, InfoNCEGrad(g_q, g_k), reduction)


def _info_nce(
    queries: npt.ArrayLike,
    keys: npt.ArrayLike,
    *,
    temperature: float = 0.1,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, InfoNCEGrad | None]:
    """Fast path of :func:`info_nce_readable`: value and/or gradient by blocks of queries, sharing the
    similarities and their softmax."""
    check_reduction(reduction)
    tau = check_positive_scalar(temperature, "temperature")
    (q, k), dtypes = _embeddings({"queries": queries, "keys": keys}, single=False)
    option_in_dtype(tau, "temperature", q.dtype, "queries", reciprocal=True)
    q_hat, q_norm, q_div = _normalize(q)
    k_hat, k_norm, k_div = _normalize(k)
    scale = grad_scale(reduction, q.shape[0]) / tau
    with np.errstate(over="ignore"):
        per_query, grads = _similarity_cross_entropy(q_hat, k_hat, np.arange(q.shape[0]), tau, scale, grad)
    v: Reduced | None = None
    g: InfoNCEGrad | None = None
    if value:
        v = reduce(per_query, reduction)
    if grads is not None:
        g_q, g_k, tmp = grads
        g_q = _normalize_backward_inplace(g_q, q_hat, q_norm, q_div, tmp)
        g_k = _normalize_backward_inplace(g_k, k_hat, k_norm, k_div, tmp)
        g = InfoNCEGrad(g_q.astype(dtypes[0], copy=False), g_k.astype(dtypes[1], copy=False))
    return v, g


def info_nce(
    queries: npt.ArrayLike, keys: npt.ArrayLike, *, temperature: float = 0.1, reduction: str = "mean"
) -> Reduced:
    r"""InfoNCE: each query should pick out its own key among all the keys of the batch.

    With L2-normalised rows :math:`\hat q_i = q_i / \|q_i\|` and :math:`\hat k_j = k_j / \|k_j\|`
    and the temperature :math:`\tau`,

    .. math::

        \ell_i = -\log \frac{\exp(\hat q_i \cdot \hat k_i / \tau)}{\sum_{j=1}^{N} \exp(\hat q_i \cdot \hat k_j / \tau)}

    the cross-entropy of row :math:`i` of the cosine-similarity matrix with label :math:`i`:
    key :math:`i` is the positive of query :math:`i`, the other keys of the batch its negatives.

    Parameters
    ----------
    queries : array_like, shape ``(N, D)``
        One query embedding per row (finite: ±inf is refused, as in ``keys``).
    keys : array_like, shape ``(N, D)``
        Row :math:`i` is the positive key of query :math:`i`.
    temperature : float > 0
        Divides the cosine similarities; small values sharpen the softmax.
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per query, ``"mean"`` averages over the queries.

    Returns
    -------
    float or ndarray
        A scalar, or shape ``(N,)`` for ``"none"``.

    Notes
    -----
    Equals ``F.cross_entropy(F.normalize(q) @ F.normalize(k).T / temperature, torch.arange(N))``
    (PyTorch has no InfoNCE of its own). Rows are divided by :math:`\max(\|x\|, 10^{-12})` as in
    ``F.normalize``, so zero vectors give similarities 0 instead of NaN. The log-softmax is
    shifted by the row maximum and the loss near 0 is computed with ``log1p``, so temperatures
    down to 1e-3 give finite values and gradients in float32, and a loss of 1e-30 keeps its
    digits where PyTorch returns 0.

    The loss is invariant to rescaling any row, bounded, not convex, and differentiable wherever
    no embedding is zero (the domain of the cosine). The bound :math:`\log N - \ell` on the
    mutual information is the motivation of van den Oord et al. (2018), who score pairs with a
    log-bilinear model; cosine similarities with a temperature are the form of later work
    (e.g. SimCLR, :func:`nt_xent`). It is a categorical negative log-likelihood over the keys,
    not of a distribution of a target, so ``distribution`` is None in the registry.

    References
    ----------
    .. [1] van den Oord, A., Li, Y. and Vinyals, O. (2018). Representation learning with
       contrastive predictive coding. arXiv:1807.03748. (oord2018representation)

    Examples
    --------
    >>> round(float(info_nce([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 2.0]], temperature=1.0)), 6)
    0.313262
    """
    return cast(Reduced, _info_nce(queries, keys, temperature=temperature, reduction=reduction, grad=False)[0])


def info_nce_grad(
    queries: npt.ArrayLike, keys: npt.ArrayLike, *, temperature: float = 0.1, reduction: str = "mean"
) -> InfoNCEGrad:
    r"""Gradients of :func:`info_nce` with respect to the queries and the keys.

    With :math:`P` the row-wise softmax of the similarities and :math:`G = (P - I)/\tau`,
    :math:`\partial\ell/\partial\hat Q = G\hat K` and :math:`\partial\ell/\partial\hat K = G^\top\hat Q`;
    each row then goes through the normalisation,
    :math:`\partial\ell/\partial q = (g - \hat q(\hat q\cdot g))/\|q\|`: the gradient is
    orthogonal to its embedding.

    Examples
    --------
    >>> g = info_nce_grad([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], temperature=1.0, reduction="sum")
    >>> g.queries.round(6)
    array([[0.      , 0.268941],
           [0.268941, 0.      ]])
    """
    return cast(InfoNCEGrad, _info_nce(queries, keys, temperature=temperature, reduction=reduction, value=False)[1])


def _sample_info_nce(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    queries = rng.normal(size=(n, _D))
    return {"queries": queries, "keys": queries + 0.7 * rng.normal(size=(n, _D))}


register(
    loss=info_nce,
    grad=info_nce_grad,
    core=_info_nce,
    readable=info_nce_readable,
    family="embedding",
    prediction="embedding",
    target="none",
    distribution=None,
    convex=False,
    differentiable=True,
    robust=None,
    proper=None,
    reference="oord2018representation",
    summary="Softmax over cosine similarities: each query picks its own key.",
    args=("queries", "keys"),
    grad_wrt=("queries", "keys"),
    oracle="torch",
    sampler=_sample_info_nce,
)


# --------------------------------------------------------------------------
# NT-Xent (SimCLR)
# --------------------------------------------------------------------------


def nt_xent_readable(
    z1: npt.ArrayLike, z2: npt.ArrayLike, *, temperature: float = 0.5, reduction: str = "mean"
) -> tuple[Reduced, NTXentGrad]:
    r"""Readable form of :func:`nt_xent` and :func:`nt_xent_grad`: the definition, as chapter 4 writes it.

    The :math:`2N` views :math:`\hat z_a` (``z1`` then ``z2``, normalised), their similarities
    :math:`s_{ab} = \hat z_a \cdot \hat z_b / \tau` with :math:`s_{aa} = -\infty` (a view is not its
    own negative), and :math:`\pi(a)` the other view of the same example:

    .. math::

        \ell_a = -\log \operatorname{softmax}(s_{a\cdot})_{\pi(a)}, \qquad
        \frac{\partial \sum_a \ell_a}{\partial \hat Z} = (G + G^\top) \hat Z, \quad
        G = \big(\operatorname{softmax}(s) - P_\pi\big) / \tau

    (:math:`P_\pi` the permutation matrix of :math:`\pi`, :math:`s` symmetric), then through the
    normalisation, as in :func:`info_nce_readable`. :func:`losslib.special.log_softmax` shifts by the
    row maximum and takes :math:`e^{-\infty} = 0`. A zero vector has no cosine: the fast path
    divides it by :math:`10^{-12}`, as ``F.normalize`` does.

    Returns ``(value, gradients)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_nt_xent`` is tested against it.
    """
    z = np.concatenate([np.asarray(z1), np.asarray(z2)])
    n = len(z) // 2
    z_len = np.linalg.norm(z, axis=-1, keepdims=True)
    z_hat = z / z_len
    s = z_hat @ z_hat.T / temperature
    np.fill_diagonal(s, -np.inf)
    other = (np.arange(2 * n) + n) % (2 * n)  # view i of z1 and view i of z2 are each other's positive
    loss = -log_softmax(s)[np.arange(2 * n), other]
    g_s = (softmax(s) - np.eye(2 * n)[other]) / temperature
    g = (g_s + g_s.T) @ z_hat  # with respect to z_hat
    g = (g - z_hat * np.sum(g * z_hat, axis=-1, keepdims=True)) / z_len
    return reduce_readable(loss, NTXentGrad(g[:n], g[n:]), reduction)


def _nt_xent(
    z1: npt.ArrayLike,
    z2: npt.ArrayLike,
    *,
    temperature: float = 0.5,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, NTXentGrad | None]:
    """Fast path of :func:`nt_xent_readable`: value and/or gradient, sharing the similarities and their
    softmax."""
    check_reduction(reduction)
    tau = check_positive_scalar(temperature, "temperature")
    (a, b), dtypes = _embeddings({"z1": z1, "z2": z2}, single=False)
    option_in_dtype(tau, "temperature", a.dtype, "z1", reciprocal=True)
    t = a.dtype.type
    n = a.shape[0]
    z_hat, z_norm, z_div = _normalize(np.concatenate([a, b]))
    logits = (z_hat @ z_hat.T) / t(tau)
    np.fill_diagonal(logits, -np.inf)  # a view is not its own negative
    per_view, g_logits = _row_cross_entropy(logits, (np.arange(2 * n) + n) % (2 * n), grad)
    v: Reduced | None = None
    g: NTXentGrad | None = None
    if value:
        v = reduce(per_view, reduction)
    if g_logits is not None:
        g_logits = g_logits * t(grad_scale(reduction, 2 * n) / tau)
        g_z = _normalize_backward((g_logits + g_logits.T) @ z_hat, z_hat, z_norm, z_div)
        g = NTXentGrad(g_z[:n].astype(dtypes[0], copy=False), g_z[n:].astype(dtypes[1], copy=False))
    return v, g


def nt_xent(z1: npt.ArrayLike, z2: npt.ArrayLike, *, temperature: float = 0.5, reduction: str = "mean") -> Reduced:
    r"""NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR.

    The :math:`2N` rows of :math:`z_1` and :math:`z_2` are two views of :math:`N` examples. With
    :math:`\hat z_a` the L2-normalised views and :math:`s_{ab} = \hat z_a \cdot \hat z_b / \tau`,

    .. math::

        \ell_a = -\log \frac{\exp(s_{a,\pi(a)})}{\sum_{b \ne a} \exp(s_{ab})}

    where :math:`\pi(a)` is the other view of the same example (view :math:`i` of ``z1`` and
    view :math:`i` of ``z2``): every other view of the batch is a negative, and a view is never
    compared with itself.

    Parameters
    ----------
    z1, z2 : array_like, shape ``(N, D)``
        The embeddings of the two views; row :math:`i` of each comes from example :math:`i`
        (finite: ±inf is refused).
    temperature : float > 0
        Divides the cosine similarities.
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns the :math:`2N` losses, those of the rows of ``z1`` first, then of
        ``z2``; ``"mean"`` averages over the :math:`2N` views.

    Returns
    -------
    float or ndarray
        A scalar, or shape ``(2N,)`` for ``"none"``.

    Notes
    -----
    Equals ``F.cross_entropy(s, labels)`` with ``s`` the similarity matrix of
    ``F.normalize(torch.cat([z1, z2]))`` divided by the temperature, its diagonal filled with
    ``-inf``, and ``labels = (arange(2N) + N) % 2N`` (PyTorch has no NT-Xent of its own). As in
    :func:`info_nce`, zero vectors are divided by :math:`10^{-12}` (no NaN) and the softmax is
    stable for temperatures down to 1e-3 in float32. With :math:`N = 1` each view has no
    negative and the loss is 0.

    The loss is invariant to rescaling any row, not convex, and differentiable wherever no
    embedding is zero.

    References
    ----------
    .. [1] Chen, T., Kornblith, S., Norouzi, M. and Hinton, G. (2020). A simple framework for
       contrastive learning of visual representations. *ICML*, PMLR 119, 1597-1607. (chen2020simple)

    Examples
    --------
    >>> round(float(nt_xent([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]])), 6)
    0.239545
    """
    return cast(Reduced, _nt_xent(z1, z2, temperature=temperature, reduction=reduction, grad=False)[0])


def nt_xent_grad(
    z1: npt.ArrayLike, z2: npt.ArrayLike, *, temperature: float = 0.5, reduction: str = "mean"
) -> NTXentGrad:
    r"""Gradients of :func:`nt_xent` with respect to the two views ``z1`` and ``z2``.

    With :math:`G` the derivative of the losses with respect to the similarity matrix (the
    masked softmax minus the positives, over :math:`\tau`), :math:`\partial\ell/\partial\hat Z = (G + G^\top)\hat Z`,
    then each row goes through the normalisation.

    Examples
    --------
    >>> g = nt_xent_grad([[1.0, 0.0]], [[0.0, 1.0]])  # one example: no negatives, loss 0
    >>> g.z1, g.z2
    (array([[0., 0.]]), array([[0., 0.]]))
    """
    return cast(NTXentGrad, _nt_xent(z1, z2, temperature=temperature, reduction=reduction, value=False)[1])


def _sample_nt_xent(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    z1 = rng.normal(size=(n, _D))
    return {"z1": z1, "z2": z1 + 0.7 * rng.normal(size=(n, _D))}


register(
    loss=nt_xent,
    grad=nt_xent_grad,
    core=_nt_xent,
    readable=nt_xent_readable,
    family="embedding",
    prediction="embedding",
    target="none",
    distribution=None,
    convex=False,
    differentiable=True,
    robust=None,
    proper=None,
    reference="chen2020simple",
    summary="SimCLR: each of 2N views picks its other view among all views.",
    args=("z1", "z2"),
    grad_wrt=("z1", "z2"),
    oracle="torch",
    sampler=_sample_nt_xent,
)


# --------------------------------------------------------------------------
# Selection procedures for metric learning: pairwise distances and triplet mining
# (not losses: they choose which examples a loss compares)
# --------------------------------------------------------------------------

__all__ += ["mine_negatives", "mine_triplets", "pairwise_distances"]

_STRATEGIES = ("random", "semi-hard", "hard")


def pairwise_distances(x: npt.ArrayLike, y: npt.ArrayLike | None = None, *, squared: bool = False) -> FloatArray:
    r"""Euclidean distances between every row of ``x`` and every row of ``y``.

    .. math::

        D_{ij} = \|x_i - y_j\|_2^2 = \|x_i\|^2 + \|y_j\|^2 - 2\, x_i \cdot y_j

    computed with one matrix product, without a loop and without the ``(N, M, D)`` array of
    differences, then clipped at 0 (rounding can make the expansion slightly negative for
    nearly equal rows) and, if ``squared`` is False, square-rooted.

    Parameters
    ----------
    x : array_like, shape ``(N, D)``
        One embedding per row.
    y : array_like, shape ``(M, D)``, optional
        Another set of embeddings; by default ``x`` itself, and then the diagonal is exactly 0.
    squared : bool
        Return the squared distances (cheaper, and what FaceNet's triplet loss uses).

    Returns
    -------
    ndarray, shape ``(N, M)``
        Non-negative distances, in the common floating dtype of ``x`` and ``y`` (float32 in,
        float32 out).

    Notes
    -----
    The expansion loses relative accuracy for rows much closer to each other than to the
    origin (a squared distance below about ``1e-16 * ||x||^2`` in float64 is rounding noise);
    centre the embeddings first if that matters. ``scipy.spatial.distance.cdist`` subtracts
    coordinate by coordinate instead, which is exact to rounding but slower for large ``D``.

    Examples
    --------
    >>> pairwise_distances([[0.0, 0.0], [3.0, 4.0]])
    array([[0., 5.],
           [5., 0.]])
    >>> pairwise_distances([[0.0, 0.0], [3.0, 4.0]], [[0.0, 1.0]], squared=True)
    array([[ 1.],
           [18.]])
    """
    squared = check_flag(squared, "squared")
    if y is None:
        (a,), _ = _embeddings({"x": x}, single=False)
        b = a
    else:
        (a,) = _embeddings({"x": x}, single=False)[0]
        (b,) = _embeddings({"y": y}, single=False)[0]
        if a.shape[1] != b.shape[1]:
            raise ValueError(
                f"x has shape {a.shape} and y has shape {b.shape}; their rows must have the same "
                "length D (the embedding dimension)"
            )
        dtype = np.result_type(a, b)
        a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
    sq_a = (a * a).sum(axis=1)
    sq_b = sq_a if y is None else (b * b).sum(axis=1)
    d2: FloatArray = np.maximum(sq_a[:, None] + sq_b[None, :] - 2 * (a @ b.T), 0)
    if y is None:
        np.fill_diagonal(d2, 0)
    return d2 if squared else np.sqrt(d2)


def _square_distances(dist: npt.ArrayLike) -> FloatArray:
    d = as_float_array(dist, "dist")
    if d.ndim != 2 or d.shape[0] != d.shape[1]:
        raise ValueError(
            f"dist has shape {d.shape}, but it must be a square (N, N) matrix of distances between "
            "the N examples of a batch (see pairwise_distances)"
        )
    return d


def _mining_labels(labels: npt.ArrayLike, n: int) -> npt.NDArray[Any]:
    y = np.asarray(labels)
    if y.dtype.kind not in "biu":
        raise TypeError(f"labels must hold integer class labels, got an array of dtype {y.dtype}")
    if y.shape != (n,):
        raise ValueError(f"labels has shape {y.shape} but dist has shape ({n}, {n}); labels needs shape ({n},)")
    return y


def _indices(x: npt.ArrayLike, name: str, n: int) -> npt.NDArray[np.intp]:
    i = np.asarray(x)
    if i.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer indices of examples, got an array of dtype {i.dtype}")
    if i.ndim != 1:
        raise ValueError(f"{name} has shape {i.shape}, but it must be a 1-D array of indices")
    if i.size and (i.min() < 0 or i.max() >= n):
        raise ValueError(f"{name} holds indices outside 0..{n - 1} (the rows of dist)")
    return i.astype(np.intp, copy=False)


def mine_negatives(
    dist: npt.ArrayLike,
    labels: npt.ArrayLike,
    anchors: npt.ArrayLike,
    positives: npt.ArrayLike,
    *,
    strategy: str = "semi-hard",
    rng: RNGLike = None,
) -> npt.NDArray[np.intp]:
    r"""Choose a negative for each (anchor, positive) pair of a batch: randomly, semi-hard or hard.

    A negative of anchor :math:`a` is an example of another class. With :math:`d` the distances
    between the examples of the batch,

    - ``"random"``: a negative drawn uniformly;
    - ``"hard"``: the closest negative, :math:`\arg\min_n d(a, n)`;
    - ``"semi-hard"``: the closest negative that is farther from the anchor than the positive,
      :math:`\arg\min \{d(a, n) : d(a, n) > d(a, p)\}` (FaceNet's semi-hard negatives); if no
      negative is farther than the positive, the farthest negative.

    Parameters
    ----------
    dist : array_like, shape ``(N, N)``
        Distances (or squared distances: only their order matters) between the ``N`` examples.
    labels : array_like of int, shape ``(N,)``
        The class of each example.
    anchors, positives : array_like of int, shape ``(T,)``
        Indices of the anchors and of their positives (examples of the anchor's class).
    strategy : {"semi-hard", "hard", "random"}
        How to choose.
    rng : numpy.random.Generator, int or None
        Random numbers for ``"random"`` (passed to ``numpy.random.default_rng``).

    Returns
    -------
    ndarray of int, shape ``(T,)``
        The index of the negative of each pair. Ties go to the lowest index.

    Raises
    ------
    ValueError
        If an anchor has no negative in the batch (every example has its class).

    Notes
    -----
    Schroff et al. (2015) pick negatives with :math:`d(a, p) < d(a, n)` "inside the margin"; the
    choice of the closest such negative, and of the farthest negative when there is none, is
    that of TensorFlow Addons' ``triplet_semihard_loss``. The hardest negatives can collapse a
    model early in training (every embedding at one point, loss = margin), which is why FaceNet
    uses semi-hard ones.

    References
    ----------
    .. [1] Schroff, F., Kalenichenko, D. and Philbin, J. (2015). FaceNet: a unified embedding
       for face recognition and clustering. *CVPR*, 815-823. (schroff2015facenet)

    Examples
    --------
    >>> dist = [[0.0, 1.0, 0.5, 2.0], [1.0, 0.0, 1.2, 0.3], [0.5, 1.2, 0.0, 1.0], [2.0, 0.3, 1.0, 0.0]]
    >>> labels = [0, 0, 1, 1]
    >>> mine_negatives(dist, labels, [0, 1], [1, 0], strategy="hard")
    array([2, 3])
    >>> mine_negatives(dist, labels, [0, 1], [1, 0], strategy="semi-hard")
    array([3, 2])
    """
    d = _square_distances(dist)
    n = d.shape[0]
    y = _mining_labels(labels, n)
    a = _indices(anchors, "anchors", n)
    p = _indices(positives, "positives", n)
    if a.shape != p.shape:
        raise ValueError(f"anchors has shape {a.shape} but positives has shape {p.shape}; one positive per anchor")
    strategy = check_choice(strategy, "strategy", _STRATEGIES)
    is_neg = y[a][:, None] != y[None, :]  # (T, N)
    no_neg = ~is_neg.any(axis=1)
    if no_neg.any():
        i = int(np.argmax(no_neg))
        raise ValueError(
            f"anchor {a[i]} (class {y[a[i]]}) has no negative: every example of the batch is of its class; "
            "a batch needs at least two classes"
        )
    d_an = d[a]  # (T, N)
    if strategy == "random":
        gen = np.random.default_rng(rng)
        u = np.where(is_neg, gen.random(is_neg.shape), -1.0)
        chosen: npt.NDArray[np.intp] = np.argmax(u, axis=1)
    elif strategy == "hard":
        chosen = np.argmin(np.where(is_neg, d_an, np.inf), axis=1)
    else:
        farther = is_neg & (d_an > d[a, p][:, None])
        closest_farther = np.argmin(np.where(farther, d_an, np.inf), axis=1)
        farthest = np.argmax(np.where(is_neg, d_an, -np.inf), axis=1)
        chosen = np.where(farther.any(axis=1), closest_farther, farthest)
    return chosen


def mine_triplets(
    embeddings: npt.ArrayLike, labels: npt.ArrayLike, *, strategy: str = "semi-hard", rng: RNGLike = None
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    r"""Triplets (anchor, positive, negative) of a batch, as indices, for :func:`triplet`.

    With ``"random"``, ``"semi-hard"`` or ``"hard"``, every ordered pair of two different
    examples of the same class is an (anchor, positive) pair, as in FaceNet, and
    :func:`mine_negatives` chooses its negative. With ``"batch-hard"`` (Hermans et al. 2017)
    every example is an anchor once, with its farthest positive and its closest negative.
    Examples without a positive in the batch (the only one of their class) are not anchors.

    Parameters
    ----------
    embeddings : array_like, shape ``(N, D)``
        The embeddings of the batch.
    labels : array_like of int, shape ``(N,)``
        The class of each example; the batch needs at least two classes.
    strategy : {"semi-hard", "hard", "random", "batch-hard"}
        How to choose the triplets.
    rng : numpy.random.Generator, int or None
        Random numbers for ``"random"``.

    Returns
    -------
    anchors, positives, negatives : ndarray of int, shape ``(T,)``
        Index arrays: ``triplet(z[anchors], z[positives], z[negatives])`` is the loss of the
        mined triplets of embeddings ``z``.

    References
    ----------
    .. [1] Hermans, A., Beyer, L. and Leibe, B. (2017). In defense of the triplet loss for
       person re-identification. arXiv:1703.07737. (hermans2017defense)

    Examples
    --------
    >>> z = [[0.0, 0.0], [1.0, 0.0], [0.6, 0.0], [3.0, 0.0]]
    >>> a, p, n = mine_triplets(z, [0, 0, 1, 1], strategy="batch-hard")
    >>> a, p, n
    (array([0, 1, 2, 3]), array([1, 0, 3, 2]), array([2, 2, 1, 1]))
    """
    strategy = check_choice(strategy, "strategy", (*_STRATEGIES, "batch-hard"))
    d = pairwise_distances(embeddings, squared=True)
    n = d.shape[0]
    y = _mining_labels(labels, n)
    same = y[:, None] == y[None, :]
    if same.all():
        raise ValueError("every example of the batch has the same label; triplets need at least two classes")
    if strategy == "batch-hard":
        anchors = np.flatnonzero(same.sum(axis=1) > 1)
        pos_d = np.where(same & ~np.eye(n, dtype=bool), d, -np.inf)[anchors]
        neg_d = np.where(~same, d, np.inf)[anchors]
        return anchors, np.argmax(pos_d, axis=1), np.argmin(neg_d, axis=1)
    anchors, positives = np.nonzero(same & ~np.eye(n, dtype=bool))
    return anchors, positives, mine_negatives(d, y, anchors, positives, strategy=strategy, rng=rng)
