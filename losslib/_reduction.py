"""How per-item losses become one number, and what that does to the gradient."""

from __future__ import annotations

from typing import TypeVar, cast

import numpy as np

from ._typing import Float, FloatArray, Grad, Reduced

GradsT = TypeVar("GradsT", bound=Grad)


def reduce(values: FloatArray, reduction: str, count: float | None = None) -> Reduced:
    """Reduce per-item losses.

    ``"none"`` returns ``values``; ``"sum"`` their sum; ``"mean"`` their sum
    divided by ``count`` (default: the number of items). Scalars come back as
    numpy scalars of the input's dtype, so float32 in gives float32 out.
    """
    if reduction == "none":
        return values
    total: Float = values.sum(dtype=values.dtype)
    if reduction == "sum":
        return total
    n = values.size if count is None else count
    mean: Float = values.dtype.type(total / n)
    return mean


def divisor(reduction: str, count: float) -> float:
    """What a reduction divides the sum of the losses by: ``count`` (the number of items, or the
    total weight) for ``"mean"``, 1 for ``"sum"`` and ``"none"``."""
    return float(count) if reduction == "mean" else 1.0


def grad_scale(reduction: str, count: float) -> float:
    """Factor by which a reduction multiplies each item's gradient."""
    return 1.0 / divisor(reduction, count)


def reduce_readable(
    values: FloatArray, grads: GradsT, reduction: str, count: float | None = None
) -> tuple[Reduced, GradsT]:
    """Reduce a readable form's per-item losses and gradients the way the fast path does.

    ``values`` holds one loss per item; ``grads`` is the gradient of each item's loss with
    respect to its own inputs (an array, or a NamedTuple of arrays). ``"none"`` returns them as
    they are (the gradient of the sum, item by item), ``"sum"`` sums the losses, ``"mean"``
    divides both by ``count`` (default: the number of items).
    """
    values = np.asarray(values)
    scale = grad_scale(reduction, values.size if count is None else count)
    if scale != 1.0:
        grads = _scaled(grads, scale)
    return reduce(values, reduction, count), grads


def _scaled(grads: GradsT, scale: float) -> GradsT:
    """``grads * scale``: an array, or each field of a NamedTuple of arrays."""
    if isinstance(grads, tuple):
        return type(grads)(*(g * scale for g in grads))
    return cast(GradsT, grads * scale)  # an array times a Python float: an array of the same dtype
