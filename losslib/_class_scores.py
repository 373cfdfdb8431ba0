r"""What the losses on a row of class scores and an integer label share: input checks, a stable softmax.

:mod:`losslib.noisy_labels` (logits) and :mod:`losslib.angular_margin` (cosines) take
``labels`` of shape ``(N,)`` and scores of shape ``(N, C)`` (or any leading shape, one label per
row of ``C`` scores); they compute in float64 and return the dtype of the scores.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from ._typing import FloatArray
from ._validation import (
    _first_index,
    _where,
    as_float_array,
    as_label_array,
    check_no_nan_or_inf,
    check_reduction,
    check_scalar,
    option_in_dtype,
)


def class_inputs(
    reduction: str, labels: npt.ArrayLike, scores: npt.ArrayLike, name: str, what: str, why: str
) -> tuple[npt.NDArray[np.intp], FloatArray, np.dtype[Any]]:
    """Validate ``reduction``, integer ``labels`` and the finite class scores ``name`` (``what``: their kind).

    Returns ``(labels, scores in float64, the scores' dtype)``.
    """
    check_reduction(reduction)
    s = as_float_array(scores, name, nan=False)
    check_no_nan_or_inf(s, name, what, why)
    if s.ndim == 0:
        raise ValueError(f"{name} must have shape (N, C), one row of C class {what} per example, got a scalar")
    y = as_label_array(labels, "labels")
    if y.shape != s.shape[:-1]:
        raise ValueError(
            f"labels has shape {y.shape} but {name} has shape {s.shape}; labels needs shape {s.shape[:-1]}, "
            f"one class index per row of {name} (classes on the last axis of {name})"
        )
    n_classes = s.shape[-1]
    bad = (y < 0) | (y >= n_classes)
    if bad.any():
        index = _first_index(bad)
        raise ValueError(
            f"{_where('labels', index)} = {y[index].item()!r} is not a class of {name}, which has {n_classes} "
            f"classes; labels must be in [0, {n_classes - 1}]"
        )
    return y.astype(np.intp, copy=False), s.astype(np.float64, copy=False), s.dtype


def scalar_option(value: object, name: str, dtype: np.dtype[Any], arg: str, **interval: Any) -> float:
    """A scalar option (``check_scalar`` with ``interval``) as a float, refused if it rounds to 0 or
    overflows in ``dtype``, the dtype of the argument ``arg`` (the loss computes in float64)."""
    v = float(check_scalar(value, name, **interval))
    option_in_dtype(v, name, dtype, arg, zero_ok=True)
    return v


class SoftmaxRows(NamedTuple):
    """The softmax cross-entropy of each row, with what the losses built on it need."""

    ce: FloatArray
    """:math:`-\\log p_y \\ge 0`, one per row."""
    grad: FloatArray
    """:math:`p - e_y`, the gradient of ``ce`` with respect to the logits (shape of the logits)."""
    p_y: FloatArray
    """:math:`p_y`, one per row."""
    rest: FloatArray
    """:math:`1 - p_y = \\sum_{j \\ne y} p_j`, summed (no cancellation where :math:`p_y \\approx 1`)."""


def softmax_rows(z: FloatArray, y: npt.NDArray[np.intp]) -> SoftmaxRows:
    r"""Softmax cross-entropy of each row of logits ``z`` (float64) with its label ``y``, stably.

    With :math:`m` the row maximum, :math:`e_j = e^{z_j - m}` and :math:`\rho = \sum_{j \ne y} e_j`:
    :math:`-\log p_y = \operatorname{log1p}(\rho)` where :math:`z_y = m` (a loss near 0 keeps its
    digits), else :math:`(m - z_y) + \log\sum_j e_j`; :math:`1 - p_y = \rho / \sum_j e_j`.
    """
    y_ = y[..., None]
    m = z.max(axis=-1, keepdims=True)
    e = np.exp(z - m)
    total = e.sum(axis=-1)
    e_y = np.take_along_axis(e, y_, axis=-1)[..., 0]
    z_y = np.take_along_axis(z, y_, axis=-1)[..., 0]
    others = np.where(np.arange(z.shape[-1]) == y_, 0.0, e).sum(axis=-1)  # summed, not total - e_y
    ce = np.where(z_y == m[..., 0], np.log1p(others), (m[..., 0] - z_y) + np.log(total))
    grad = e / total[..., None]
    np.put_along_axis(grad, y_, -(others / total)[..., None], axis=-1)
    return SoftmaxRows(ce, grad, e_y / total, others / total)
