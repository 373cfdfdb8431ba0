"""Numerically stable building blocks: sigmoid, softplus, log-sigmoid, softmax, log-softmax.

Each keeps its input's floating dtype (integers become float64) and stays finite
wherever the mathematics is finite, for inputs as large as the dtype allows.
Like ``scipy.special`` they are plain elementwise maths: NaN in gives NaN out.
"""

from __future__ import annotations

from typing import Any

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


# --------------------------------------------------------------------------
# log-gamma and digamma in numpy (the likelihoods of Student-t, Gamma, Beta and negative
# binomial need them), to about 1e-15 relative accuracy against scipy.special.
# --------------------------------------------------------------------------

__all__ += ["digamma", "gammaln"]

_FloatArray = npt.NDArray[np.floating[Any]]

_ZETA_MINUS_ONE = (  # zeta(k) - 1 for k = 2, 3, ..., 31
    0.6449340668482264,
    0.2020569031595943,
    0.08232323371113819,
    0.03692775514336993,
    0.01734306198444914,
    0.008349277381922827,
    0.00407735619794434,
    0.0020083928260822143,
    0.0009945751278180853,
    0.0004941886041194645,
    0.0002460865533080483,
    0.00012271334757848915,
    6.124813505870483e-05,
    3.058823630702049e-05,
    1.528225940865187e-05,
    7.637197637899763e-06,
    3.81729326499984e-06,
    1.908212716553939e-06,
    9.539620338727962e-07,
    4.769329867878064e-07,
    2.38450502727733e-07,
    1.1921992596531106e-07,
    5.960818905125948e-08,
    2.980350351465228e-08,
    1.4901554828365043e-08,
    7.45071178983543e-09,
    3.725334024788457e-09,
    1.862659723513049e-09,
    9.313274324196682e-10,
    4.656629065033784e-10,
)
_PSI_ROOT_SERIES = (  # (-1)^(k+1) zeta(k + 1, x0) for k = 1, 2, ..., 26: psi(x0 + z) = sum_k c_k z^k
    0.9676722454476212,
    -0.4427631689835921,
    0.258499760955651,
    -0.16394270544240652,
    0.10782405069126237,
    -0.07219956125645471,
    0.04880428816414311,
    -0.03316112647484736,
    0.022597648232218104,
    -0.01542476590494896,
    0.010538791616612175,
    -0.007204534386356869,
    0.004926781395729853,
    -0.003369801655439328,
    0.002305126326734928,
    -0.0015769367714301972,
    0.0010788252019162967,
    -0.0007380709389960052,
    0.000504953265834602,
    -0.0003454680251063077,
    0.00023635601564027053,
    -0.00016170622091974803,
    0.0001106337276874741,
    -7.569179582195066e-05,
    5.178575795222081e-05,
    -3.5430070947659604e-05,
)
_PSI_ROOT_HI, _PSI_ROOT_LO = 1.4616321449683622, 9.549995429965697e-17  # the positive zero of digamma, hi + lo
_HALF_LOG_2PI = 0.9189385332046728
# Bernoulli numbers' terms B_2k / (2k (2k - 1)) of Stirling's series for log Gamma, and B_2k / (2k) for digamma
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400)
_PSI_ASYMPTOTIC = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12, -3617 / 8160)


def _float64(x: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], np.dtype[Any]]:
    """``x`` as float64, with the floating dtype of the result (float64 for integers)."""
    arr = np.asarray(x)
    dtype = arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float64)
    return arr.astype(np.float64), dtype


def _polyval(coef: tuple[float, ...], z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``sum_k coef[k] z^(k+1)`` by Horner's rule."""
    out = np.zeros_like(z)
    for c in coef[::-1]:
        out = (out + c) * z
    return out


_LGAMMA_NEAR_TWO = (1 - 0.5772156649015329,) + tuple(
    (-1) ** k * c / k for k, c in enumerate(_ZETA_MINUS_ONE, start=2)
)  # Euler's constant is 0.5772...


def _lgamma_near_two(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    r""":math:`\log\Gamma(2 + z)` for :math:`|z| \le 1/2`, from its Taylor series
    :math:`(1 - \gamma) z + \sum_{k \ge 2} (-1)^k (\zeta(k) - 1) z^k / k` (exactly 0 at z = 0)."""
    return _polyval(_LGAMMA_NEAR_TWO, z)


def _lgamma_positive(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """log Gamma for finite x > 0, each range on its own elements."""
    out = np.empty_like(x)
    # (0, 1/2): log Gamma(x) = log Gamma(2 + x) - log(1 + x) - log(x)
    small = x < 0.5
    z = x[small]
    out[small] = _lgamma_near_two(z) - np.log1p(z) - np.log(z)
    # [1/2, 3/2): log Gamma(1 + z) = log Gamma(2 + z) - log(1 + z), z = x - 1 exact; 0 at x = 1
    near_one = (x >= 0.5) & (x < 1.5)
    z = x[near_one] - 1
    out[near_one] = _lgamma_near_two(z) - np.log1p(z)
    # [3/2, 13): down to [3/2, 5/2) by log Gamma(x) = log Gamma(x - n) + log((x - 1) ... (x - n)); 0 at x = 2
    mid = (x >= 1.5) & (x < 13)
    xm = x[mid]
    n = np.floor(xm - 1.5)
    prod = np.ones_like(xm)
    for j in range(1, int(n.max(initial=0)) + 1):
        prod *= np.where(j <= n, xm - j, 1.0)
    out[mid] = _lgamma_near_two(xm - n - 2) + np.log(prod)
    # [13, inf): Stirling's series, with x (log x - 1) first so that it overflows only where the result does
    big = x >= 13
    xb = x[big]
    with np.errstate(over="ignore"):
        out[big] = xb * (np.log(xb) - 1) - 0.5 * np.log(xb) + _HALF_LOG_2PI + _polyval(_STIRLING, 1 / xb**2) * xb
    return out


def gammaln(x: npt.ArrayLike) -> _FloatArray:
    r"""Logarithm of the absolute value of the gamma function, :math:`\log|\Gamma(x)|`, elementwise.

    .. math:: \log\Gamma(x) = \log \int_0^\infty t^{x-1} e^{-t}\, dt

    As ``scipy.special.gammaln``, to about :math:`10^{-15}` relative accuracy for :math:`x > 0`
    (0 exactly at :math:`x = 1` and :math:`x = 2`); ``+inf`` at :math:`x = 0, -1, -2, \dots`
    and at :math:`\pm\infty`; NaN for NaN. For :math:`x < 0` the reflection formula
    :math:`\log|\Gamma(x)| = \log\pi - \log|\sin\pi x| - \log\Gamma(1 - x)` is used (below
    :math:`-13`; an upward recurrence above), accurate to about :math:`10^{-15}` absolute
    where the result is near one of its zeros.

    Method: near 1 and 2 the Taylor series of :math:`\log\Gamma(2 + z)` (coefficients
    :math:`\zeta(k) - 1`); between, recurrences onto :math:`[3/2, 5/2)`; from 13 on, Stirling's
    series (Abramowitz and Stegun 6.1.41). Keeps a float input's dtype.

    Examples
    --------
    >>> gammaln([1.0, 2.0, 5.0])
    array([0.        , 0.        , 3.17805383])
    """
    x, dtype = _float64(x)
    out = np.full_like(x, np.inf)
    with np.errstate(invalid="ignore"):
        pos = (x > 0) & np.isfinite(x)
        out[pos] = _lgamma_positive(x[pos])
        neg = (x < 0) & (x != np.floor(x))  # NaN and -inf are not, negative integers are poles
        xn = x[neg]
        n = np.ceil(1.5 - xn)
        near = n <= 15
        # (-13.5, 0): up to [3/2, 5/2) by log|Gamma(x)| = log Gamma(x + n) - log|x (x + 1) ... (x + n - 1)|
        xs = np.where(near, xn, -0.5)
        ns = np.where(near, n, 2.0)
        prod = np.ones_like(xs)
        for j in range(16):
            prod *= np.where(j < ns, xs + j, 1.0)
        up = _lgamma_positive(xs + ns) - np.log(np.abs(prod))
        # below: reflection; sin(pi r) with r = x - round(x) in [-1/2, 1/2] (exact), as sin(pi x) loses digits
        xf = np.where(near, -20.5, xn)
        sin = np.abs(np.sin(np.pi * (xf - np.round(xf))))
        reflected = np.log(np.pi) - np.log(sin) - _lgamma_positive(1 - xf)
        out[neg] = np.where(near, up, reflected)
        out[np.isnan(x)] = np.nan
    return out.astype(dtype, copy=False)


def digamma(x: npt.ArrayLike) -> _FloatArray:
    r"""The digamma function :math:`\psi(x) = \frac{d}{dx}\log\Gamma(x)`, elementwise.

    .. math:: \psi(x) = \frac{\Gamma'(x)}{\Gamma(x)}, \qquad \psi(x + 1) = \psi(x) + \frac1x

    As ``scipy.special.digamma``, to about :math:`10^{-15}` relative accuracy for :math:`x > 0`,
    including near its positive zero :math:`x_0 = 1.4616\dots`, where a Taylor series about
    :math:`x_0` is used (coefficients :math:`(-1)^{k+1}\zeta(k + 1, x_0)`). Other positive
    :math:`x` go up by the recurrence to :math:`x \ge 10` and use the asymptotic series
    :math:`\log x - \frac1{2x} - \sum_k \frac{B_{2k}}{2k\,x^{2k}}` (Abramowitz and Stegun 6.3.18).
    Negative :math:`x` use the reflection :math:`\psi(1 - x) - \pi/\tan(\pi x)`, accurate to about
    :math:`10^{-15}` absolute near its zeros. ``-inf`` at 0 (as ``scipy.special.digamma(0.0)``),
    NaN at the negative integers and at ``-inf``, ``+inf`` at ``+inf``. Keeps a float input's dtype.

    Examples
    --------
    >>> digamma([1.0, 2.0])  # -Euler's constant, 1 - Euler's constant
    array([-0.57721566,  0.42278434])
    """
    x, dtype = _float64(x)
    out = np.full_like(x, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        pos = (x > 0) & np.isfinite(x)
        out[pos] = _digamma_positive(x[pos])
        out[x == np.inf] = np.inf
        out[x == 0] = -np.inf  # scipy's convention (the limit from the right)
        neg = (x < 0) & (x != np.floor(x))
        xn = x[neg]
        r = xn - np.round(xn)  # tan(pi x) has period 1: reduce exactly first
        out[neg] = _digamma_positive(1 - xn) - np.pi / np.tan(np.pi * r)
    return out.astype(dtype, copy=False)


def _digamma_positive(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """digamma for finite x > 0, each range on its own elements."""
    out = np.empty_like(x)
    root = np.abs(x - _PSI_ROOT_HI) <= 0.3
    out[root] = _polyval(_PSI_ROOT_SERIES, (x[root] - _PSI_ROOT_HI) - _PSI_ROOT_LO)
    # elsewhere: psi(x) = psi(x + n) - sum_{j < n} 1 / (x + j), with x + n >= 10, then the asymptotic series
    xs = x[~root]
    n = np.maximum(np.ceil(10 - xs), 0)
    shift = np.zeros_like(xs)
    with np.errstate(over="ignore", divide="ignore"):  # 1/x for subnormal x, (x + n)^2 for huge x: -inf, 0
        for j in range(int(n.max(initial=0))):
            shift += np.where(j < n, 1 / (xs + j), 0.0)
        y = xs + n
        out[~root] = np.log(y) - 0.5 / y - _polyval(_PSI_ASYMPTOTIC, 1 / y**2) - shift
    return out
