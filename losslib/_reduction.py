"""How per-item losses become one number, and what that does to the gradient."""

from __future__ import annotations

import numpy as np


def reduce(values: np.ndarray, reduction: str, count: float | None = None):
    """Reduce per-item losses.

    ``"none"`` returns ``values``; ``"sum"`` their sum; ``"mean"`` their sum
    divided by ``count`` (default: the number of items). Scalars come back as
    numpy scalars of the input's dtype, so float32 in gives float32 out.
    """
    if reduction == "none":
        return values
    total = values.sum(dtype=values.dtype)
    if reduction == "sum":
        return total
    n = values.size if count is None else count
    return values.dtype.type(total / n)


def grad_scale(reduction: str, count: float) -> float:
    """Factor by which a reduction multiplies each item's gradient."""
    return 1.0 / count if reduction == "mean" else 1.0
