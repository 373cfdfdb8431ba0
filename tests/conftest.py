"""Shared settings and helpers of the losslib tests.

The helpers live here, not in a module of their own, so that the only files of the suite are
the test files; import them with ``from conftest import ...`` (pytest puts ``tests/`` on
``sys.path``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import HealthCheck, settings

# Property tests: modest and deterministic, so the whole suite stays fast and reproducible.
settings.register_profile(
    "losslib",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("losslib")


def central_difference(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    step: Callable[[float], float] | None = None,
) -> np.ndarray:
    """Gradient of the scalar function ``f`` at ``x`` by central differences, one entry at a time.

    ``step(x_i)`` gives the step for entry ``i`` (default ``1e-6 * max(1, |x_i|)``); the
    quotient divides by the distance actually travelled, ``(x_i + h) - (x_i - h)`` as rounded.
    """
    x = np.asarray(x, dtype=np.float64)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        h = 1e-6 * max(1.0, abs(x[i])) if step is None else step(float(x[i]))
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (float(f(up)) - float(f(down))) / (up[i] - down[i])
    return grad


def one_sided_derivatives(f: Callable[[np.ndarray], float], x: np.ndarray, index: tuple, h: float = 1e-7):
    """``(left, right)`` difference quotients of ``f`` at ``x`` along entry ``index``."""
    x = np.asarray(x, dtype=np.float64)
    up, down = x.copy(), x.copy()
    up[index] += h
    down[index] -= h
    f0 = float(f(x))
    return (f0 - float(f(down))) / h, (float(f(up)) - f0) / h
