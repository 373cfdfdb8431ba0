"""Checking a gradient against central finite differences.

Use it on your own losses as the course does on losslib's:

>>> import losslib
>>> result = losslib.check_grad("huber", [0.0, 1.0], [0.3, -2.0], delta=1.0)
>>> result.ok
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, SupportsFloat

import numpy as np
import numpy.typing as npt

__all__ = ["GradCheck", "check_grad", "numerical_grad"]


class GradCheck(NamedTuple):
    """Outcome of :func:`check_grad`."""

    ok: bool
    max_abs_error: float
    max_rel_error: float
    analytic: npt.NDArray[np.float64]
    numeric: npt.NDArray[np.float64]


def numerical_grad(
    f: Callable[[npt.NDArray[np.float64]], SupportsFloat], x: npt.ArrayLike, step: float = 1e-6
) -> npt.NDArray[np.float64]:
    r"""Gradient of the scalar function ``f`` at ``x`` by central differences.

    .. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h},
        \qquad h = \text{step} \cdot \max(1, |x_i|)

    The error is :math:`O(h^2)` for smooth ``f``; near a kink (``|x|`` at 0 for MAE) the
    quotient averages the two one-sided slopes. Costs ``2 * x.size`` calls of ``f``.

    Examples
    --------
    >>> np.round(numerical_grad(lambda v: float(np.sum(v**2)), np.array([1.0, -2.0])), 6)
    array([ 2., -4.])
    """
    point = np.array(x, dtype=np.float64)
    grad = np.empty_like(point)
    for i in np.ndindex(point.shape):
        h = step * max(1.0, abs(float(point[i])))
        up, down = point.copy(), point.copy()
        up[i] += h
        down[i] -= h
        # divide by the distance actually travelled after rounding, not by 2h
        grad[i] = (float(f(up)) - float(f(down))) / (up[i] - down[i])
    return grad


def check_grad(
    name: str,
    *args: npt.ArrayLike,
    wrt: str | None = None,
    step: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    **options: Any,
) -> GradCheck:
    """Compare the gradient of the registered loss ``name`` with central finite differences.

    Parameters
    ----------
    name : str
        A key of :data:`losslib.LOSSES`.
    *args : array_like
        The loss's arguments, all of them, in the order of the entry's ``args`` (``y_true, y_pred``
        for most losses); they are passed to the loss by name.
    wrt : str, optional
        The argument to differentiate (default: the first of the entry's ``grad_wrt``).
    step, rtol, atol : float
        Relative step of the finite differences, and the tolerances of the comparison.
    **options
        Keyword options of the loss (``eps`` of ``gaussian_nll`` among them), ``reduction`` included (for ``"none"`` the
        sum of the per-item losses is differentiated, as the gradient convention says).

    Returns
    -------
    GradCheck
        ``ok`` and the largest absolute and relative errors, with both gradients.
    """
    from .registry import LOSSES

    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; losslib.LOSSES lists them all")
    info = LOSSES[name]
    if len(args) != len(info.args):
        raise TypeError(f"{name} takes {len(info.args)} positional arguments {info.args}, got {len(args)}")
    wrt = info.grad_wrt[0] if wrt is None else wrt
    if wrt not in info.grad_wrt:
        raise ValueError(f"{name} has gradients with respect to {info.grad_wrt}, not {wrt!r}")
    values = info.named([np.asarray(a) for a in args])

    def f(x: npt.NDArray[np.float64]) -> float:
        return float(np.sum(info.loss(**{**values, wrt: x}, **options)))

    grad = info.grad(**values, **options)
    analytic = np.asarray(grad[info.grad_wrt.index(wrt)] if len(info.grad_wrt) > 1 else grad, dtype=np.float64)
    numeric = numerical_grad(f, values[wrt], step=step)
    abs_err = np.abs(analytic - numeric)
    rel_err = abs_err / np.maximum(np.abs(numeric), atol)
    ok = bool(np.all(abs_err <= atol + rtol * np.abs(numeric)))
    return GradCheck(ok, float(abs_err.max(initial=0.0)), float(rel_err.max(initial=0.0)), analytic, numeric)
