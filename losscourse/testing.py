"""Helpers for the exercises' test cells: comparisons whose failures teach.

A failed check raises ``AssertionError`` with a message that names the input,
what was expected, what came back and, where the numbers point to one, the
likely misconception ("5 times too large: did you sum instead of averaging?").
The expected values come from ``losslib``, the course's reference.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import losslib

_LOSSLIB_DIR = str(Path(losslib.__file__).resolve().parent)

Hint = tuple[Callable[[np.ndarray, np.ndarray], bool], str]


class CheckFailed(AssertionError):
    """A test's expectation was not met; the message says why in the student's terms."""


def values(x: Any, digits: int = 4) -> str:
    """An array as ``[0.125, 1.5, 0.02]``: ``digits`` significant digits, no padding, no ``-0``."""
    arr = np.asarray(x)
    if arr.dtype.kind in "biu":
        arr = arr.astype(float)
    with np.printoptions(threshold=12, edgeitems=3):
        return np.array2string(arr, separator=", ", formatter={"float_kind": lambda v: f"{v + 0.0:.{digits}g}"})


def _fmt(x: Any) -> str:
    arr = np.asarray(x)
    if arr.ndim == 0:
        return f"{arr.item():.10g}" if arr.dtype.kind == "f" else repr(arr.item())
    return values(arr, 6) if arr.dtype.kind == "f" else np.array2string(arr, separator=", ", threshold=12)


SIGN_HINT = (
    "it has the wrong sign: check the minus signs of your formula (a negative log-likelihood keeps the minus in "
    "front of the log)"
)


def _ratio_hint(
    got: np.ndarray, expected: np.ndarray, n: int | None, *, gradient: bool = False, sign_hint: str | None = None
) -> str | None:
    """Explain a result that is a fixed multiple of the expected one (or all zeros)."""
    mask = np.abs(expected) > 1e-12
    if not mask.any():
        return None
    if np.all(got == 0):
        return (
            "it is 0 everywhere, where the expected values are not: is a placeholder (0, np.zeros_like) still "
            "returned, or does a factor vanish (an integer division, a mask that selects nothing)?"
        )
    ratios = got[mask] / expected[mask]
    r = float(np.median(ratios))
    if not np.allclose(ratios, r, rtol=1e-6):
        return None
    if n and n > 1 and np.isclose(r, n, rtol=1e-6):
        if gradient:
            return (
                f"it is {n} times too large (N = {n}): the gradient of a mean carries the mean's 1/N; "
                "divide by N, the number of elements"
            )
        return f"it is {n} times too large (N = {n}): did you sum instead of averaging?"
    if n and n > 1 and np.isclose(r, 1 / n, rtol=1e-6):
        if gradient:
            return f"it is {n} times too small (N = {n}): did you divide by N twice?"
        return f"it is {n} times too small (N = {n}): did you divide by N twice, or average where a sum was asked?"
    if np.isclose(r, -1.0, rtol=1e-6):
        return sign_hint or SIGN_HINT
    if np.isclose(r, 2.0, rtol=1e-6):
        return "it is twice too large: is a factor 1/2 missing?"
    if np.isclose(r, 0.5, rtol=1e-6):
        return "it is half the expected value: is there an extra factor 1/2 (or a missing 2)?"
    if got.size > 1 and not np.isclose(r, 1.0, rtol=1e-3):
        return f"it is {r:.4g} times the expected value everywhere, so the shape of your formula is right but a constant factor is off"
    return None


def otherwise(message: str, n: int | None = None) -> Hint:
    """A last hint, for a result that none of the specific ones (nor a constant factor) explains."""
    return (lambda g, e: _ratio_hint(g, e, n) is None, message)


def answers_among(
    choose: Callable[[str], Any], what: str, questions: Iterable[str], allowed: Sequence[str]
) -> dict[str, Any]:
    """``{question: choose(question)}`` for a task that answers with a name, failing unless every
    answer is one of the names ``allowed``; ``what`` names the student's function."""
    answers = {q: choose(q) for q in questions}
    for q, a in answers.items():
        if not (isinstance(a, str) and a in allowed):
            raise CheckFailed(
                f"{what}({q!r}) returned {a!r}, expected one of the allowed names: {', '.join(allowed)} "
                "(the name as a string, spelt as in the list, not the function itself)"
            )
    return answers


def check_close(
    got: Any,
    expected: Any,
    *,
    what: str,
    given: str,
    n: int | None = None,
    rtol: float = 1e-7,
    atol: float = 1e-12,
    hints: Iterable[Hint] = (),
    overflow_hint: str = "something overflowed (exp of a large number?) or took the log of 0",
    dtype: Any = None,
    gradient: bool = False,
    sign_hint: str | None = None,
) -> None:
    """Fail with a diagnosis unless ``got`` is close to ``expected``.

    Parameters
    ----------
    got : the student's result.
    expected : the reference result.
    what : how to name the result in the message, e.g. ``"gaussian_nll(y, mu, sigma)"``.
    given : a short description of the input, e.g. ``"y = [1, 2, 3], mu = 2, sigma = 1"``.
    n : the number of items averaged over, to recognise sum-vs-mean slips.
    hints : extra ``(predicate(got, expected), message)`` pairs tried before the generic ratio hints.
    overflow_hint : what to say when the result is NaN or infinite but should not be.
    dtype : if given, the result must have this dtype (e.g. float32 in, float32 out).
    gradient : the result is a gradient (of a mean): a factor N is a missing or doubled 1/N, not a sum.
    sign_hint : what to say when the result has the wrong sign (default :data:`SIGN_HINT`).
    """
    where = f"{what} with {given}"
    if got is None:
        raise CheckFailed(f"{where} returned None: did you forget the `return` statement?")
    if isinstance(got, str):
        raise CheckFailed(f"{where} returned the string {got!r}, expected a number or an array")
    if callable(got):
        raise CheckFailed(
            f"{where} returned a function, expected a number or an array: did you return a function instead of "
            "calling it?"
        )
    try:
        g = np.asarray(got)
    except Exception:  # pragma: no cover - exotic objects
        raise CheckFailed(f"{where} returned a {type(got).__name__}, expected a number or an array") from None
    if g.dtype.kind not in "biuf":
        raise CheckFailed(f"{where} returned a {type(got).__name__} of {g.dtype} values, expected a number or an array")
    e = np.asarray(expected)
    if g.shape != e.shape:
        hint = ""
        if e.ndim == 0 and g.ndim > 0:
            hint = ": a single number was expected; did you forget to reduce (np.mean or np.sum)?"
        elif e.ndim > 0 and g.ndim == 0:
            hint = ": an array was expected; did you reduce (np.mean/np.sum) where nothing should be reduced?"
        elif g.ndim == e.ndim + 1 or g.ndim + 1 == e.ndim:
            hint = ": check the axis you reduce over and keepdims"
        raise CheckFailed(f"{where} returned shape {g.shape}, expected shape {e.shape}{hint}")
    if dtype is not None and g.dtype != np.dtype(dtype):
        raise CheckFailed(
            f"{where} returned dtype {g.dtype}, expected {np.dtype(dtype)}: keep the input's precision "
            "(avoid np.asarray(x, dtype=float), np.float64(...) and float64 constants such as np.log(2), which "
            "convert float32 to float64)"
        )
    g = g.astype(np.float64)
    e = e.astype(np.float64)
    bad = ~np.isfinite(g) & np.isfinite(e)
    if bad.any():
        raise CheckFailed(f"{where} returned {_fmt(got)}, expected the finite value {_fmt(expected)}: {overflow_hint}")
    if np.allclose(g, e, rtol=rtol, atol=atol, equal_nan=True):
        return
    for predicate, message in hints:
        if predicate(g, e):
            raise CheckFailed(f"{where} returned {_fmt(got)}, expected {_fmt(expected)}: {message}")
    hint = _ratio_hint(g, e, n, gradient=gradient, sign_hint=sign_hint)
    with np.errstate(divide="ignore", invalid="ignore"):  # atol may be 0 where e is 0
        err = np.max(np.abs(g - e) / np.maximum(np.abs(e), max(atol, np.finfo(np.float64).tiny)))
    detail = f": {hint}" if hint else f" (largest relative error {err:.3g})"
    raise CheckFailed(f"{where} returned {_fmt(got)}, expected {_fmt(expected)}{detail}")


def call_without_losslib(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``func(*args, **kwargs)`` and fail if it runs any code of losslib.

    The exercises ask students to implement losses that losslib already has;
    losslib is the reference their answers are compared against, so an answer
    that calls it earns nothing. Calls are seen whatever name losslib was
    imported under, because we watch which source files execute.
    """
    used: list[str] = []

    def profiler(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and not used:
            filename = frame.f_code.co_filename
            if filename.startswith(_LOSSLIB_DIR):
                used.append(f"{Path(filename).stem}.{frame.f_code.co_name}")

    previous = sys.getprofile()
    sys.setprofile(profiler)
    try:
        result = func(*args, **kwargs)
    finally:
        sys.setprofile(previous)
    if used:
        name = getattr(func, "__name__", "your function")
        raise CheckFailed(
            f"{name} calls losslib ({used[0]}). This exercise asks you to write it yourself with numpy: "
            "losslib is the reference your answer is compared against, so a call to it earns no points."
        )
    return result


def hidden(description: str, condition: bool) -> None:
    """Assert a hidden test's property, saying which property failed in words (never the code)."""
    if not condition:
        raise CheckFailed(f"A hidden test failed: {description}.")


def hidden_all(cases: Iterable[tuple[str, bool]]) -> None:
    """Assert several hidden properties at once: the failure names every one that fails, not
    only the first (``cases`` are ``(description, condition)`` pairs, as for :func:`hidden`)."""
    failed = [description for description, condition in cases if not condition]
    if len(failed) == 1:
        raise CheckFailed(f"A hidden test failed: {failed[0]}.")
    if failed:
        raise CheckFailed(f"{len(failed)} hidden tests failed: " + "; ".join(failed) + ".")
