r"""What the embedding losses share: the validation of embeddings (rows of vectors) and labels,
p-norms, normalisation and its backward pass, the cross-entropy over rows of similarities, and
the samplers' building blocks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from .. import _kernels
from .._typing import FloatArray
from .._validation import (
    _first_index,
    _where,
    as_any_array,
    as_float_array,
    check_no_nan_or_inf,
    option_in_dtype,
)


class PairGrad(NamedTuple):
    """Gradients of a loss of two embeddings, with respect to ``x1`` and ``x2``."""

    x1: np.ndarray
    x2: np.ndarray


# F.normalize divides by max(||x||, 1e-12).
_NORMALIZE_EPS = 1e-12


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


def _two_views(first: str, second: str) -> Callable[[np.random.Generator, int], dict[str, np.ndarray]]:
    """A sampler of two views of each of ``n`` examples: ``{first: x, second: x + 0.7 noise}``, x normal."""

    def sample(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
        x = rng.normal(size=(n, _D))
        return {first: x, second: x + 0.7 * rng.normal(size=(n, _D))}

    return sample
