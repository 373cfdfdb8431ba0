"""Input checks shared by every loss.

Every check raises ``ValueError`` or ``TypeError`` with a message that names the
argument, says what was received and what was expected, and, where there is one,
suggests the fix. None of them uses ``assert`` (asserts vanish under ``python -O``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._kernels import finfo

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: Any) -> str:
    """Return ``reduction`` if it is one of ``"mean"``, ``"sum"``, ``"none"``."""
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _first_index(mask: np.ndarray) -> tuple[int, ...]:
    """Index of the first True entry of a boolean array, as a tuple of ints."""
    flat = int(np.argmax(mask.reshape(-1)))
    return tuple(int(i) for i in np.unravel_index(flat, mask.shape))


def _where(name: str, index: tuple[int, ...]) -> str:
    return f"{name}[{', '.join(map(str, index))}]" if index else name


def as_float_array(x: Any, name: str, dtype: np.dtype | None = None, *, nan: bool = True) -> np.ndarray:
    """Convert ``x`` to a floating array, refusing what cannot be a number.

    Integers and booleans become float64 (or ``dtype`` if given); float16/32/64
    stay as they are unless ``dtype`` is given. Strings, objects and complex
    numbers are refused with a ``TypeError``. Empty arrays and NaNs are refused
    with a ``ValueError`` saying where the first NaN is. ``nan=False`` skips the
    NaN scan, for a caller that looks for NaNs while it computes (and then calls
    :func:`check_no_nan` itself).
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(
            f"{name} could not be converted to a numeric array ({exc}); "
            "pass a numpy array or a (nested) list of numbers of equal lengths"
        ) from None
    if arr.dtype.kind in "biu":
        arr = arr.astype(dtype or np.float64)
    elif arr.dtype.kind == "f":
        if dtype is not None and arr.dtype != dtype:
            arr = arr.astype(dtype)
    else:
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {arr.dtype}")
    check_not_empty(arr, name)
    if nan:
        check_no_nan(arr, name)
    return arr


def as_any_array(x: Any, name: str) -> np.ndarray:
    """``np.asarray(x)``, refusing ragged nested lists with a message naming ``name``.

    For label and target arguments, whose dtype the caller checks itself.
    """
    try:
        return np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(
            f"{name} could not be converted to an array ({exc}); "
            "pass a numpy array or a (nested) list of numbers of equal lengths"
        ) from None


def as_label_array(x: Any, name: str) -> np.ndarray:
    """Convert ``x`` to an integer array of class labels."""
    arr = as_any_array(x, name)
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must hold integer class labels, got dtype {arr.dtype}; "
            "convert it with .astype(int) if the values are whole numbers"
        )
    check_not_empty(arr, name)
    return arr


def check_not_empty(arr: np.ndarray, name: str) -> None:
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); a loss needs at least one element")


def check_no_nan(arr: np.ndarray, name: str) -> None:
    """Refuse NaNs, naming the first one. Costs one reduction in the common case."""
    # The sum is NaN if any element is NaN (or if +inf and -inf meet); only then
    # do we pay for an elementwise scan to find out which.
    with np.errstate(all="ignore"):
        total = arr.sum()
    if np.isnan(total):
        bad = np.isnan(arr)
        if bad.any():
            raise ValueError(
                f"{name} contains NaN at {_where(name, _first_index(bad))} "
                f"({int(bad.sum())} NaN value(s) in all); remove or impute them first"
            )


def check_no_nan_or_inf(arr: np.ndarray, name: str, what: str, why: str) -> None:
    """Refuse NaN and ±inf, naming the first one: the one reduction of :func:`check_no_nan`."""
    with np.errstate(all="ignore"):
        total = arr.sum()
    if not np.isfinite(total):  # a NaN or inf, or finite values whose sum overflows: look closer
        check_no_nan(arr, name)
        check_finite(arr, name, what, why)


def check_same_shape(a: np.ndarray, a_name: str, b: np.ndarray, b_name: str) -> None:
    """Refuse arrays of different shapes instead of broadcasting them silently.

    Broadcasting ``(n,)`` against ``(n, 1)`` gives an ``(n, n)`` loss: a classic
    bug that produces a wrong number without any error.
    """
    if a.shape != b.shape:
        hint = ""
        if a.ndim > 1 and b.shape == a.shape[::-1]:
            # a transposed array: reshaping it would scramble its elements
            hint = (
                f" (one is the other transposed: pass {b_name}.T, or {a_name}.T if {a_name} is the "
                "transposed one; a reshape would scramble the elements)"
            )
        elif a.size == b.size:
            hint = (
                f" (they hold the same number of elements: if {b_name} holds its elements in {a_name}'s "
                f"order, reshape it with .reshape({a_name}.shape))"
            )
        raise ValueError(
            f"{b_name} has shape {b.shape} but {a_name} has shape {a.shape}; they must have the same shape{hint}"
        )


def check_in_unit_interval(arr: np.ndarray, name: str, hint: str = "") -> None:
    """Refuse values outside [0, 1], naming the first offender."""
    # Two reductions decide the common case without temporaries; NaN (which is in no
    # interval but, like the comparisons below, refuses nothing) takes the slow path.
    if arr.size == 0 or (arr.min() >= 0 and arr.max() <= 1):
        return
    bad = (arr < 0) | (arr > 1)
    if bad.any():
        index = _first_index(bad)
        raise ValueError(
            f"{name} must hold probabilities in [0, 1] but {_where(name, index)} = {arr[index].item()!r}{hint}"
        )


def is_real_scalar(value: Any) -> bool:
    """True for a real Python or numpy number (not a bool, not a complex, even ``1+0j``)."""
    # np.isreal(1+0j) is True (it looks at the imaginary part), and float(1+0j) then raises
    # Python's own TypeError: refuse complex types whatever their value.
    return (
        not isinstance(value, (bool, np.bool_, complex, np.complexfloating))
        and np.isscalar(value)
        and isinstance(value, (int, float, np.integer, np.floating))
    )


def check_positive_scalar(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is a finite number > 0 (or >= 0)."""
    if not is_real_scalar(value):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    ok = v >= 0 if allow_zero else v > 0
    if not np.isfinite(v) or not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return v


def as_weight(weight: Any, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Convert a per-element or per-class weight, checking it is finite and broadcasts to ``shape``."""
    w = as_float_array(weight, name, dtype=dtype, nan=False)
    check_no_nan_or_inf(w, name, "weights", "an infinite weight makes the loss inf or NaN (inf * 0)")
    try:
        np.broadcast_shapes(w.shape, shape)
    except ValueError:
        raise ValueError(
            f"{name} has shape {w.shape}, which does not broadcast to the shape {shape} of the loss terms"
        ) from None
    if np.broadcast_shapes(w.shape, shape) != shape:
        raise ValueError(
            f"{name} has shape {w.shape}, which would enlarge the loss terms "
            f"of shape {shape}; give it a shape that broadcasts to {shape}"
        )
    return w


def option_in_dtype(
    value: float, name: str, dtype: np.dtype, arg: str = "y_pred", *, zero_ok: bool = False, reciprocal: bool = False
):
    """``value`` (a finite float, already checked) as a scalar of ``dtype``, refusing a rounding to 0 or inf.

    An option cast to float32 can underflow to 0 (``temperature=1e-50``) or overflow to inf
    (``delta=1e39``); the loss would then be undefined, or NaN where the maths is finite. An
    option of exactly 0 is kept with ``zero_ok``. With ``reciprocal`` (a temperature, which
    divides), ``1 / value`` must be finite too.
    """
    info = finfo(dtype)
    size = abs(value)
    hi = float(info.max)  # Python floats: comparing with numpy's float32 would cast value (and overflow)
    lo = 1 / hi if reciprocal else float(info.smallest_subnormal)
    if (size == 0 and zero_ok) or lo <= size <= hi:
        return dtype.type(value)
    if size > hi:
        raise ValueError(
            f"{name}={value!r} overflows to inf in {dtype}, the dtype of {arg}; "
            f"pass {name} <= {hi:.3g} or float64 inputs"
        )
    if reciprocal:
        raise ValueError(
            f"{name}={value!r} is so small that 1/{name} overflows to inf in {dtype}, the dtype of {arg}; "
            f"pass {name} >= {lo:.3g} or float64 inputs"
        )
    raise ValueError(
        f"{name}={value!r} rounds to 0 in {dtype}, the dtype of {arg}, and the loss would be undefined; "
        f"pass {name} >= {info.smallest_subnormal:.3g} or float64 inputs"
    )


def check_finite(arr: np.ndarray, name: str, what: str, why: str) -> None:
    """Refuse ±inf (NaN is refused already), naming the first one.

    For arguments where an infinite value is not a plain limit of the loss (logits, log-rates,
    embeddings, angles, weights): the loss would be NaN, or a number that depends on how the
    limit is taken. One ``np.isfinite(...).all()``; call it where the data are scanned anyway.
    """
    if not np.isfinite(arr).all():
        bad = ~np.isfinite(arr)
        index = _first_index(bad)
        raise ValueError(f"{name} must hold finite {what}, but {_where(name, index)} = {arr[index].item()!r}; {why}")
