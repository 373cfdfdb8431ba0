"""Numerically stable building blocks: sigmoid, softplus, log-sigmoid, softmax, log-softmax.

Each keeps its input's floating dtype (integers become float64) and stays finite
wherever the mathematics is finite, for inputs as large as the dtype allows.
Like ``scipy.special`` they are plain elementwise maths: NaN in gives NaN out.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._typing import Float, FloatArray

__all__ = ["log_sigmoid", "log_softmax", "logsumexp", "sigmoid", "softmax", "softplus"]


def _float(x: npt.ArrayLike) -> FloatArray:
    """``x`` as a floating array: its own floating dtype, float64 for anything else."""
    arr = np.asarray(x)
    floats: FloatArray = arr if arr.dtype.kind == "f" else arr.astype(np.float64)
    return floats


def sigmoid(x: npt.ArrayLike) -> FloatArray:
    r"""Logistic sigmoid, stable for large ``|x|``.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}} = \frac{e^{x}}{1 + e^{x}}

    The first form is used for ``x >= 0`` and the second for ``x < 0``, so
    ``exp`` is only ever taken of a non-positive number and cannot overflow.

    Examples
    --------
    >>> float(sigmoid(0.0))
    0.5
    >>> float(sigmoid(-1000.0)), float(sigmoid(1000.0))
    (0.0, 1.0)
    """
    x = _float(x)
    e = np.exp(-np.abs(x))
    out: FloatArray = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)
    return out


def softplus(x: npt.ArrayLike) -> Float | FloatArray:
    r"""Softplus, :math:`\log(1 + e^{x})`, computed as :math:`\max(x, 0) + \log(1 + e^{-|x|})`.

    Examples
    --------
    >>> float(softplus(0.0)) == float(np.log(2.0))
    True
    >>> float(softplus(1000.0))
    1000.0
    """
    x = _float(x)
    out: Float | FloatArray = np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
    return out


def log_sigmoid(x: npt.ArrayLike) -> Float | FloatArray:
    r"""Logarithm of the sigmoid, :math:`\log\sigma(x) = -\operatorname{softplus}(-x)`.

    Computed as :math:`\min(x, 0) - \log(1 + e^{-|x|})`, which is finite for
    every finite ``x`` (the naive ``np.log(sigmoid(x))`` is ``-inf`` below
    about ``-745`` in float64 and ``-104`` in float32).

    Examples
    --------
    >>> float(log_sigmoid(-1000.0))
    -1000.0
    """
    x = _float(x)
    out: Float | FloatArray = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
    return out


def logsumexp(x: npt.ArrayLike, axis: int = -1, keepdims: bool = False) -> FloatArray:
    r"""Log of the sum of exponentials along ``axis``, without overflow.

    .. math:: \log\sum_j e^{x_j} = m + \log k + \operatorname{log1p}\Big(\frac1k \sum_{j: x_j < m} e^{x_j - m}\Big),
        \quad m = \max_j x_j

    where :math:`k` is the number of maxima. Keeping the maxima out of the sum
    and using ``log1p`` keeps every digit when one term dominates
    (``logsumexp([0, -50])`` is :math:`1.9 \cdot 10^{-22}`, not 0), as in
    ``scipy.special.logsumexp``. A row of all ``-inf`` gives ``-inf``.

    Examples
    --------
    >>> float(logsumexp([1000.0, 1000.0])) == 1000.0 + float(np.log(2.0))
    True
    """
    x = _float(x)
    m = np.max(x, axis=axis, keepdims=True)
    is_max = x == m
    k = np.sum(is_max, axis=axis, keepdims=True, dtype=x.dtype)
    # A row whose maximum is -inf, +inf or NaN has that maximum as its result;
    # shifting by it would give NaN, so such rows are shifted by 0 and replaced below.
    finite = np.isfinite(m)
    shift = np.where(finite, m, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = np.sum(np.where(is_max, 0, np.exp(x - shift)), axis=axis, keepdims=True)
        out: FloatArray = np.where(finite, np.log1p(rest / k) + np.log(k) + shift, m).astype(x.dtype, copy=False)
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(x: npt.ArrayLike, axis: int = -1) -> FloatArray:
    r"""Log of the softmax along ``axis``: :math:`x_i - \log\sum_j e^{x_j}`.

    Examples
    --------
    >>> np.round(np.exp(log_softmax([0.0, np.log(3.0)])), 6)
    array([0.25, 0.75])
    """
    x = _float(x)
    # (x - m) - log(sum(exp(x - m))) as in PyTorch and SciPy: subtracting the
    # whole logsumexp from x instead would round it to the precision of max|x|
    # first (at logits ~1e4 a log-probability of -0.0067 kept only ~10 digits).
    m = np.max(x, axis=axis, keepdims=True)
    shifted = x - np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        out: FloatArray = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return out


def softmax(x: npt.ArrayLike, axis: int = -1) -> FloatArray:
    r"""Softmax along ``axis``: :math:`e^{x_i} / \sum_j e^{x_j}`, shifted by the maximum.

    Examples
    --------
    >>> softmax([1000.0, 1000.0])
    array([0.5, 0.5])
    """
    x = _float(x)
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - np.where(np.isfinite(m), m, 0))
    out: FloatArray = e / np.sum(e, axis=axis, keepdims=True)
    return out
