"""How per-item losses become one number, and what that does to the gradient."""

from __future__ import annotations

from typing import Any

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


def reduce_readable(values: np.ndarray, grads: Any, reduction: str, count: float | None = None) -> tuple[Any, Any]:
    """Reduce a readable form's per-item losses and gradients the way the fast path does.

    ``values`` holds one loss per item; ``grads`` is the gradient of each item's loss with
    respect to its own inputs (an array, or a NamedTuple of arrays). ``"none"`` returns them as
    they are (the gradient of the sum, item by item), ``"sum"`` sums the losses, ``"mean"``
    divides both by ``count`` (default: the number of items).
    """
    values = np.asarray(values)
    scale = grad_scale(reduction, values.size if count is None else count)
    if scale != 1.0:
        grads = type(grads)(*(g * scale for g in grads)) if isinstance(grads, tuple) else grads * scale
    return reduce(values, reduction, count), grads
