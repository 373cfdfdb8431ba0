"""What the complete negative log-likelihoods of chapter 7 share: input checks and stable series.

The losses of :mod:`losslib.densities`, :mod:`losslib.counts`, :mod:`losslib.survival`,
:mod:`losslib.multivariate`, :mod:`losslib.mixtures`, :mod:`losslib.ordinal` and
:mod:`losslib.ranking` compute in float64 and return the dtype of their first predicted
parameter (float32 in, float32 out). The series below keep full relative precision where a
likelihood tends to a simpler one (Student-t to Gaussian as the degrees of freedom grow,
negative binomial to Poisson as the dispersion shrinks), where the closed forms cancel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar, overload

import numpy as np
import numpy.typing as npt

from ._reduction import grad_scale, reduce
from ._typing import FloatArray, Grad, Reduced
from ._validation import (
    _first_index,
    _where,
    as_float_array,
    check_finite,
    check_reduction,
    check_same_shape,
)
from .special import _PSI_ASYMPTOTIC, _STIRLING, _polyval


def float_inputs(
    reduction: str, *named: tuple[str, npt.ArrayLike], same_shape: bool = True, dtype_from: int = 1
) -> tuple[np.dtype[Any], list[FloatArray]]:
    """Validate ``reduction`` and the float arguments ``(name, value)``, targets first.

    The dtype of the result is that of argument ``dtype_from`` (the first prediction). Every
    argument must be finite (an infinite observation or parameter has no likelihood); with
    ``same_shape`` all have the first one's shape. Returns ``(dtype, arrays in float64)``.
    """
    check_reduction(reduction)
    dtype = as_float_array(named[dtype_from][1], named[dtype_from][0], nan=False).dtype
    arrays = [as_float_array(value, name) for name, value in named]
    for (name, _), arr in zip(named, arrays):
        check_finite(arr, name, "numbers", "an infinite observation or parameter has no likelihood")
    if same_shape:
        for (name, _), arr in zip(named[1:], arrays[1:]):
            check_same_shape(arrays[0], named[0][0], arr, name)
    return dtype, [arr.astype(np.float64, copy=False) for arr in arrays]


def check_positive(arr: FloatArray, name: str, what: str, hint: str = "") -> None:
    """Refuse entries <= 0, naming the first offender."""
    if arr.min() > 0:
        return
    index = _first_index(~(arr > 0))
    raise ValueError(f"{name} must hold {what} (> 0) but {_where(name, index)} = {arr[index].item()!r}{hint}")


def check_open_unit(arr: FloatArray, name: str, what: str) -> None:
    """Refuse entries outside the open interval (0, 1), naming the first offender."""
    if arr.min() > 0 and arr.max() < 1:
        return
    index = _first_index(~((arr > 0) & (arr < 1)))
    raise ValueError(
        f"{name} must hold {what} in the open interval (0, 1) but {_where(name, index)} = {arr[index].item()!r}; "
        "the density is 0 or infinite at the ends: clip the targets, e.g. np.clip(y, 1e-6, 1 - 1e-6)"
    )


GradT = TypeVar("GradT", bound=Grad)


@overload
def finish(
    values: FloatArray,
    grads: Sequence[FloatArray],
    dtype: np.dtype[Any],
    reduction: str,
    count: int,
    fields: None = ...,
    value: bool = ...,
    grad: bool = ...,
) -> tuple[Reduced | None, FloatArray | None]: ...


@overload
def finish(
    values: FloatArray,
    grads: Sequence[FloatArray],
    dtype: np.dtype[Any],
    reduction: str,
    count: int,
    fields: Callable[..., GradT],
    value: bool = ...,
    grad: bool = ...,
) -> tuple[Reduced | None, GradT | None]: ...


def finish(
    values: FloatArray,
    grads: Sequence[FloatArray],
    dtype: np.dtype[Any],
    reduction: str,
    count: int,
    fields: Callable[..., Grad] | None = None,
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, Grad | None]:
    """``(value, gradient)`` from float64 per-item losses and per-item gradients (of the sum).

    Reduces the losses, scales the gradients for the mean, casts both to ``dtype``; the gradient
    is ``fields(*grads)`` (a NamedTuple class) or, without ``fields``, the single array.
    """
    out_v: Reduced | None = None
    out_g: Grad | None = None
    if value:
        reduced = reduce(values, reduction, count)
        out_v = reduced.astype(dtype) if reduction == "none" else dtype.type(reduced)
    if grad:
        scale = grad_scale(reduction, count)
        cast = [(g * scale).astype(dtype) for g in grads]
        out_g = fields(*cast) if fields is not None else cast[0]
    return out_v, out_g


# --------------------------------------------------------------------------
# Series that keep the digits a closed form cancels
# --------------------------------------------------------------------------

_SMALL = 0.25
_TERMS = 30


def _series(x: FloatArray, coef: Callable[[int], float]) -> FloatArray:
    xs = np.where(np.abs(x) < _SMALL, x, 0.0)
    out = np.zeros_like(xs)
    for k in range(_TERMS + 1, 1, -1):
        out = (out + coef(k)) * xs
    return out * xs


def log1p_minus_x(x: FloatArray) -> FloatArray:
    r""":math:`\log(1 + x) - x` for :math:`x > -1`, to full relative precision near 0 (:math:`\approx -x^2/2`)."""
    series = _series(x, lambda k: (-1) ** (k + 1) / k)
    with np.errstate(divide="ignore"):
        return np.where(np.abs(x) < _SMALL, series, np.log1p(x) - x)


def log1p_minus_ratio(x: FloatArray) -> FloatArray:
    r""":math:`\log(1 + x) - x/(1 + x)` for :math:`x \ge 0` (:math:`\approx x^2/2`; finite for huge x)."""
    series = _series(x, lambda k: (-1) ** k * (k - 1) / k)
    with np.errstate(over="ignore"):
        ratio = np.where(x > 1, 1 / (1 + 1 / np.where(x > 1, x, 1.0)), x / (1 + x))
    return np.where(np.abs(x) < _SMALL, series, np.log1p(x) - ratio)


def one_plus_x_log1p_minus_x(x: FloatArray) -> FloatArray:
    r""":math:`(1 + x)\log(1 + x) - x` for :math:`x \ge 0` (:math:`\approx x^2/2`)."""
    series = _series(x, lambda k: (-1) ** k / (k * (k - 1)))
    xl = np.where(x > -1, x, 0.0)  # at x = -1 the limit is 1 (0 log 0 = 0)
    return np.where(np.abs(x) < _SMALL, series, np.where(x > -1, (1 + xl) * np.log1p(xl) - xl, 1.0))


def exprel(t: FloatArray) -> FloatArray:
    r""":math:`(e^t - 1)/t`, 1 at :math:`t = 0` (``expm1``: full relative precision near 0)."""
    safe = np.where(t == 0, 1.0, t)
    out: FloatArray = np.where(t == 0, 1.0, np.expm1(safe) / safe)
    return out


ASYMPTOTIC_FROM = 13.0
"""From here on the series below (8 terms) are exact to double precision."""


def stirling_rest(x: FloatArray) -> FloatArray:
    r""":math:`\log\Gamma(x) - (x - \tfrac12)\log x + x - \tfrac12\log 2\pi` for :math:`x \ge 13`."""
    with np.errstate(over="ignore"):
        return _polyval(_STIRLING, 1 / x**2) * x


def digamma_rest(x: FloatArray) -> FloatArray:
    r""":math:`\log x - \frac1{2x} - \psi(x)` for :math:`x \ge 13`."""
    with np.errstate(over="ignore"):
        return _polyval(_PSI_ASYMPTOTIC, 1 / x**2)
