"""Input checks shared by every loss.

Every check raises ``ValueError`` or ``TypeError`` with a message that names the
argument, says what was received and what was expected, and, where there is one,
suggests the fix. None of them uses ``assert`` (asserts vanish under ``python -O``).

The vocabulary, in the spirit of scikit-learn's ``check_scalar`` and its parameter
constraints (``Interval``, ``StrOptions``):

- arrays: :func:`as_float_array`, :func:`as_label_array`, :func:`as_any_array`,
  :func:`as_weight`, then :func:`check_same_shape`, :func:`check_in_unit_interval`,
  :func:`check_finite`, :func:`check_no_nan`, :func:`check_no_nan_or_inf`;
- options: :func:`check_scalar` (a real number in an interval, optionally cast to the
  inputs' dtype), :func:`check_flag` (True or False), :func:`check_choice` (one of some
  strings; :func:`check_reduction` is one), :func:`option_in_dtype`;
- a fast path that skips some scans: :func:`fast_then_full`.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, TypeGuard, TypeVar, overload

import numpy as np
import numpy.typing as npt

from ._kernels import finfo
from ._typing import FloatArray

REDUCTIONS = ("mean", "sum", "none")

FloatT = TypeVar("FloatT", bound=np.floating[Any])
RealScalar = int | float | np.integer[Any] | np.floating[Any]
Closed = Literal["both", "left", "right", "neither"]


# --------------------------------------------------------------------------
# Options: numbers in an interval, flags, choices
# --------------------------------------------------------------------------


def check_reduction(reduction: object) -> str:
    """Return ``reduction`` if it is one of ``"mean"``, ``"sum"``, ``"none"``.

    Examples
    --------
    >>> check_reduction("avg")
    Traceback (most recent call last):
    ...
    ValueError: reduction must be 'mean', 'sum' or 'none', got 'avg'
    """
    return check_choice(reduction, "reduction", REDUCTIONS)


def check_choice(value: object, name: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of the strings ``choices``, else raise ``ValueError``.

    The message lists the choices and, for a near miss (a typo, another case), the one
    that was probably meant.

    Examples
    --------
    >>> check_choice("hinge", "kind", ("minimax", "hinge"))
    'hinge'
    >>> check_choice("Hinge", "kind", ("minimax", "hinge"))
    Traceback (most recent call last):
    ...
    ValueError: kind must be 'minimax' or 'hinge', got 'Hinge'; did you mean 'hinge'?
    """
    if isinstance(value, str) and value in choices:
        return value
    listed = [repr(c) for c in choices]
    expected = listed[0] if len(listed) == 1 else f"{', '.join(listed[:-1])} or {listed[-1]}"
    hint = ""
    if isinstance(value, str):
        lowered = {c.lower(): c for c in choices}
        close = difflib.get_close_matches(value.lower(), list(lowered), n=1)
        hint = f"; did you mean {lowered[close[0]]!r}?" if close else ""
    raise ValueError(f"{name} must be {expected}, got {value!r}{hint}")


def check_flag(value: object, name: str) -> bool:
    """Return ``value`` as a ``bool`` if it is ``True`` or ``False`` (numpy's ``np.True_`` too).

    Numbers are refused, 0 and 1 included: a flag passed by position where a number was
    meant (or the other way round) is a bug that a silent ``bool(value)`` would hide.

    Examples
    --------
    >>> check_flag(np.True_, "full")
    True
    >>> check_flag(1, "full")
    Traceback (most recent call last):
    ...
    TypeError: full must be True or False, got 1
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _interval(low: float | None, high: float | None, left: bool, right: bool) -> str:
    """The interval in words (``left``, ``right``: its ends belong to it): ``"> 0"``, ``"in (0, 1]"``."""
    if low is not None and high is not None:
        return f"in {'[' if left else '('}{low:g}, {high:g}{']' if right else ')'}"
    if low is not None:
        return f"{'>=' if left else '>'} {low:g}"
    if high is not None:
        return f"{'<=' if right else '<'} {high:g}"
    return ""


@overload
def check_scalar(
    value: object,
    name: str,
    *,
    low: float | None = ...,
    high: float | None = ...,
    closed: Closed = ...,
    dtype: None = ...,
    arg: str = ...,
    about: str = ...,
) -> float: ...


@overload
def check_scalar(
    value: object,
    name: str,
    *,
    low: float | None = ...,
    high: float | None = ...,
    closed: Closed = ...,
    dtype: np.dtype[FloatT],
    arg: str = ...,
    about: str = ...,
) -> FloatT: ...


def check_scalar(
    value: object,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    closed: Closed = "both",
    dtype: np.dtype[FloatT] | None = None,
    arg: str = "y_pred",
    about: str = "",
) -> float | FloatT:
    """Return the option ``value`` as a float if it is a finite real number in an interval.

    The interval runs from ``low`` to ``high`` (``None``: unbounded on that side);
    ``closed`` says which ends belong to it: ``"both"``, ``"left"`` (``low`` only),
    ``"right"`` (``high`` only) or ``"neither"``. NaN and ±inf are always refused.
    Booleans, strings and complex numbers (``1+0j`` too) raise ``TypeError``, a number
    outside the interval ``ValueError``; ``about`` says what the option is, for the message.

    With ``dtype`` (the floating dtype of the inputs, known once they are converted; ``arg``
    names the argument it comes from), the value is returned as a scalar of that dtype, and
    refused if it rounds to 0 or overflows to inf there (see :func:`option_in_dtype`): the loss
    would be undefined or NaN where the maths is finite.

    Examples
    --------
    >>> check_scalar(0.25, "tau", low=0, high=1, about="a quantile level")
    0.25
    >>> check_scalar(1.5, "tau", low=0, high=1, about="a quantile level")
    Traceback (most recent call last):
    ...
    ValueError: tau must be a finite number in [0, 1] (a quantile level), got 1.5
    >>> check_scalar("1", "delta", low=0, closed="neither")
    Traceback (most recent call last):
    ...
    TypeError: delta must be a real number, got '1' (str); pass a number > 0
    >>> check_scalar(1e-50, "delta", low=0, closed="neither", dtype=np.dtype(np.float32))
    Traceback (most recent call last):
    ...
    ValueError: delta=1e-50 rounds to 0 in float32, the dtype of y_pred, and the loss would be undefined; pass delta >= 1.4e-45 or float64 inputs
    """
    left = closed in ("both", "left")
    right = closed in ("both", "right")
    interval = _interval(low, high, left, right)
    meaning = f" ({about})" if about else ""
    if not is_real_scalar(value):
        wanted = f"a number {interval}" if interval else "a number"
        raise TypeError(f"{name} must be a real number{meaning}, got {value!r} ({type(value).__name__}); pass {wanted}")
    v = float(value)
    inside = (
        np.isfinite(v)
        and (low is None or (v >= low if left else v > low))
        and (high is None or (v <= high if right else v < high))
    )
    if not inside:
        bound = f" {interval}" if interval else ""
        raise ValueError(f"{name} must be a finite number{bound}{meaning}, got {value!r}")
    if dtype is None:
        return v
    return option_in_dtype(v, name, dtype, arg, zero_ok=True)


@contextlib.contextmanager
def fast_then_full(full_checks: Callable[[], object]) -> Iterator[None]:
    """Run a fast path's checks in a ``with`` block; if one fails, raise the full checks' first error.

    A fast path validates less up front than the full validation (it leaves the scans for NaN
    and inf to the blocks, see :func:`losslib._kernels.elementwise`) and in its own order. When
    one of its checks raises ``TypeError`` or ``ValueError``, the user must still get the error
    the full validation gives first (the NaN in ``y_true`` before the shape of ``y_pred``, say):
    ``full_checks()`` runs and raises it. Should it pass (a fast check that is stricter), the fast
    check's own error is raised.

    Examples
    --------
    >>> def full():
    ...     x = as_float_array([np.nan, 1.0], "y_true")
    >>> with fast_then_full(full):
    ...     x = as_float_array([np.nan, 1.0], "y_true", nan=False)  # no NaN scan on the fast path
    ...     raise ValueError("a check the fast path makes first")
    Traceback (most recent call last):
    ...
    ValueError: y_true contains NaN at y_true[0] (1 NaN value(s) in all); remove or impute them first
    """
    try:
        yield
    except (TypeError, ValueError):
        full_checks()
        raise


# --------------------------------------------------------------------------
# Arrays
# --------------------------------------------------------------------------


def _first_index(mask: npt.NDArray[np.bool_]) -> tuple[int, ...]:
    """Index of the first True entry of a boolean array, as a tuple of ints."""
    flat = int(np.argmax(mask.reshape(-1)))
    return tuple(int(i) for i in np.unravel_index(flat, mask.shape))


def _where(name: str, index: tuple[int, ...]) -> str:
    """``name[i, j]`` for the entry at ``index`` (just ``name`` for a 0-d array)."""
    return f"{name}[{', '.join(map(str, index))}]" if index else name


def as_float_array(
    x: npt.ArrayLike, name: str, dtype: np.dtype[np.floating[Any]] | None = None, *, nan: bool = True
) -> FloatArray:
    """Convert ``x`` to a floating array, refusing what cannot be a number.

    Integers and booleans become float64 (or ``dtype`` if given); float16/32/64
    stay as they are unless ``dtype`` is given. Strings, objects and complex
    numbers are refused with a ``TypeError``. Empty arrays and NaNs are refused
    with a ``ValueError`` saying where the first NaN is. ``nan=False`` skips the
    NaN scan, for a caller that looks for NaNs while it computes (and then calls
    :func:`check_no_nan` itself).
    """
    try:
        raw = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(
            f"{name} could not be converted to a numeric array ({exc}); "
            "pass a numpy array or a (nested) list of numbers of equal lengths"
        ) from None
    arr: FloatArray
    if raw.dtype.kind in "biu":
        arr = raw.astype(dtype or np.float64)
    elif raw.dtype.kind == "f":
        arr = raw.astype(dtype) if dtype is not None and raw.dtype != dtype else raw
    else:
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {raw.dtype}")
    check_not_empty(arr, name)
    if nan:
        check_no_nan(arr, name)
    return arr


def as_any_array(x: npt.ArrayLike, name: str) -> npt.NDArray[Any]:
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


def as_label_array(x: npt.ArrayLike, name: str) -> npt.NDArray[np.integer[Any]]:
    """Convert ``x`` to an integer array of class labels."""
    arr = as_any_array(x, name)
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must hold integer class labels, got dtype {arr.dtype}; "
            "convert it with .astype(int) if the values are whole numbers"
        )
    check_not_empty(arr, name)
    return arr


def check_not_empty(arr: npt.NDArray[Any], name: str) -> None:
    """Refuse an empty array: the mean of no losses is undefined."""
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); a loss needs at least one element")


def check_no_nan(arr: npt.NDArray[Any], name: str) -> None:
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


def check_no_nan_or_inf(arr: npt.NDArray[Any], name: str, what: str, why: str) -> None:
    """Refuse NaN and ±inf, naming the first one: the one reduction of :func:`check_no_nan`."""
    with np.errstate(all="ignore"):
        total = arr.sum()
    if not np.isfinite(total):  # a NaN or inf, or finite values whose sum overflows: look closer
        check_no_nan(arr, name)
        check_finite(arr, name, what, why)


def check_same_shape(a: npt.NDArray[Any], a_name: str, b: npt.NDArray[Any], b_name: str) -> None:
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


def float_pair(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, reduction: str, *, nan: bool = True
) -> tuple[FloatArray, FloatArray]:
    """The checks a loss of ``(y_true, y_pred)`` on real numbers starts with, in this order:
    ``reduction``, then ``y_pred`` and ``y_true`` as floating arrays in y_pred's dtype, then their
    shapes. ``nan=False`` skips the scans for NaNs (for a caller that looks for them as it
    computes). Returns ``(y_true, y_pred)``."""
    check_reduction(reduction)
    p = as_float_array(y_pred, "y_pred", nan=nan)
    y = as_float_array(y_true, "y_true", dtype=p.dtype, nan=nan)
    check_same_shape(y, "y_true", p, "y_pred")
    return y, p


def check_in_unit_interval(arr: FloatArray, name: str, hint: str = "") -> None:
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


def is_real_scalar(value: object) -> TypeGuard[RealScalar]:
    """True for a real Python or numpy number (not a bool, not a complex, even ``1+0j``)."""
    # np.isreal(1+0j) is True (it looks at the imaginary part), and float(1+0j) then raises
    # Python's own TypeError: refuse complex types whatever their value.
    return (
        not isinstance(value, (bool, np.bool_, complex, np.complexfloating))
        and np.isscalar(value)
        and isinstance(value, (int, float, np.integer, np.floating))
    )


def check_positive_scalar(value: object, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is a finite number > 0 (or >= 0): :func:`check_scalar` with ``low=0``."""
    return check_scalar(value, name, low=0, closed="left" if allow_zero else "neither")


def as_weight(
    weight: npt.ArrayLike, name: str, shape: tuple[int, ...], dtype: np.dtype[np.floating[Any]]
) -> FloatArray:
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
    value: float,
    name: str,
    dtype: np.dtype[FloatT],
    arg: str = "y_pred",
    *,
    zero_ok: bool = False,
    reciprocal: bool = False,
) -> FloatT:
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


def check_finite(arr: npt.NDArray[Any], name: str, what: str, why: str) -> None:
    """Refuse ±inf (NaN is refused already), naming the first one.

    For arguments where an infinite value is not a plain limit of the loss (logits, log-rates,
    embeddings, angles, weights): the loss would be NaN, or a number that depends on how the
    limit is taken. One ``np.isfinite(...).all()``; call it where the data are scanned anyway.
    """
    if not np.isfinite(arr).all():
        bad = ~np.isfinite(arr)
        index = _first_index(bad)
        raise ValueError(f"{name} must hold finite {what}, but {_where(name, index)} = {arr[index].item()!r}; {why}")
