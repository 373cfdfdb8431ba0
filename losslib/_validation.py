"""Input checks shared by every loss.

Every check raises ``ValueError`` or ``TypeError`` with a message that names the
argument, says what was received and what was expected, and, where there is one,
suggests the fix. None of them uses ``assert`` (asserts vanish under ``python -O``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

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


def as_label_array(x: Any, name: str) -> np.ndarray:
    """Convert ``x`` to an integer array of class labels."""
    arr = np.asarray(x)
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


def check_same_shape(a: np.ndarray, a_name: str, b: np.ndarray, b_name: str) -> None:
    """Refuse arrays of different shapes instead of broadcasting them silently.

    Broadcasting ``(n,)`` against ``(n, 1)`` gives an ``(n, n)`` loss: a classic
    bug that produces a wrong number without any error.
    """
    if a.shape != b.shape:
        hint = ""
        if a.size == b.size:
            hint = f" (they hold the same number of elements: reshape {b_name} with .reshape({a_name}.shape))"
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


def check_positive_scalar(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is a finite number > 0 (or >= 0)."""
    if isinstance(value, bool) or not np.isscalar(value) or not np.isreal(value):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    ok = v >= 0 if allow_zero else v > 0
    if not np.isfinite(v) or not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return v


def as_weight(weight: Any, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Convert a per-element or per-class weight, checking it broadcasts to ``shape``."""
    w = as_float_array(weight, name, dtype=dtype)
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
