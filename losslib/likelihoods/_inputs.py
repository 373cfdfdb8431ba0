r"""What the distributional likelihoods share: the validation of a point (the target and a location)
and of a spread (a variance, a scale), broadcasting a spread to the point's shape and back.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .._typing import FloatArray
from .._validation import (
    _first_index,
    _where,
    as_float_array,
    check_reduction,
    check_same_shape,
    option_in_dtype,
)

_LOG_2PI = float(np.log(2 * np.pi))


def _check_not_below(arr: FloatArray, name: str, bound: float, what: str, hint: str = "") -> None:
    """Refuse entries below ``bound``, naming the first offender."""
    if arr.size == 0 or arr.min() >= bound:  # one reduction in the common case (a NaN: the slow path)
        return
    bad = arr < bound
    if bad.any():
        index = _first_index(bad)
        raise ValueError(
            f"{name} must hold {what} (>= {bound:g}) but {_where(name, index)} = {arr[index].item()!r}{hint}"
        )


def _point_inputs(
    y_true: npt.ArrayLike, point: npt.ArrayLike, point_name: str, reduction: str, nan: bool = True
) -> tuple[FloatArray, FloatArray]:
    """Validate the target and the location-like prediction; the prediction's dtype wins.

    ``nan=False`` skips the scans for NaNs (for a caller that finds them in its results).
    """
    check_reduction(reduction)
    point = as_float_array(point, point_name, nan=nan)
    y_true = as_float_array(y_true, "y_true", dtype=point.dtype, nan=nan)
    check_same_shape(point, point_name, y_true, "y_true")
    return y_true, point


def _spread_input(value: npt.ArrayLike, name: str, what: str, dtype: np.dtype[np.floating[Any]]) -> FloatArray:
    """A variance, scale or concentration: a float array of ``dtype`` with no entry below 0."""
    arr = as_float_array(value, name, dtype=dtype)
    _check_not_below(arr, name, 0.0, what)
    return arr


def _expand(arr: FloatArray, name: str, point_name: str, shape: tuple[int, ...]) -> FloatArray:
    """``arr`` made broadcastable to ``shape`` by PyTorch's ``gaussian_nll_loss`` rules for ``var``.

    Accepted: ``shape`` itself (one per element); ``shape`` without its last axis (one per row, as
    PyTorch unsqueezes it); ``shape`` with a 1 in exactly one axis (shared along that axis); a
    scalar (shared by every element).
    """
    if arr.shape == shape or arr.ndim == 0:
        return arr
    if arr.shape == shape[:-1]:
        return arr[..., None]
    mismatched = [i for i, (s, t) in enumerate(zip(arr.shape, shape)) if s != t]
    if arr.ndim == len(shape) and len(mismatched) == 1 and arr.shape[mismatched[0]] == 1:
        return arr
    raise ValueError(
        f"{name} has shape {arr.shape}, which does not fit {point_name}'s shape {shape}; give it the same shape "
        f"(one {name} per element), the shape {shape[:-1]} (one per row), {shape} with a 1 in one axis "
        "(shared along that axis), or a scalar, as torch.nn.functional.gaussian_nll_loss accepts"
    )


def _sum_to(grad: FloatArray, expanded_shape: tuple[int, ...], shape: tuple[int, ...]) -> FloatArray:
    """Sum a gradient of the broadcast shape back to a parameter's (expanded, then original) shape."""
    lead = grad.ndim - len(expanded_shape)
    if lead:
        grad = grad.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(expanded_shape) if s == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _clamped_spread(
    value: npt.ArrayLike,
    name: str,
    point_name: str,
    shape: tuple[int, ...],
    dtype: np.dtype[np.floating[Any]],
    eps: float,
    what: str,
) -> tuple[FloatArray, tuple[int, ...], tuple[int, ...]]:
    """A variance or scale: validated, clamped at ``eps`` as PyTorch does, made broadcastable to ``shape``.

    Returns ``(clamped expanded array, its shape, the argument's own shape)``.
    """
    arr = _spread_input(value, name, what, dtype)
    if eps == 0 and not (arr > 0).all():
        index = _first_index(~(arr > 0))
        raise ValueError(
            f"{_where(name, index)} is 0 and eps=0, so the likelihood is degenerate; "
            f"pass eps > 0 (default 1e-6) or a positive {name}"
        )
    expanded = _expand(
        np.maximum(arr, option_in_dtype(eps, "eps", dtype, point_name, zero_ok=True)), name, point_name, shape
    )
    return expanded, expanded.shape, arr.shape
