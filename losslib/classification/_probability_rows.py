r"""The validation of rows of probabilities (a target distribution, predicted probabilities) that
:mod:`losslib.classification.probabilities` shares between its losses.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .._typing import FloatArray
from .._validation import (
    _first_index,
    as_any_array,
    as_float_array,
    check_in_unit_interval,
    check_reduction,
    check_same_shape,
)


def _sum_tolerance(n_classes: int, dtype: np.dtype[Any]) -> float:
    """How far a row of probabilities may sum from 1.

    1e-5, or more for few-digit dtypes and many classes (a float32 softmax of C classes
    sums to 1 within about C ulps). It must exceed the 1e-6 steps of central finite
    differences, which move one probability, and so the row's sum, by 1e-6.
    """
    return max(1e-5, 4 * n_classes * float(np.finfo(dtype).eps))


def _check_rows_sum_to_one(arr: FloatArray, name: str, hint: str) -> None:
    """Refuse rows (last axis) that are not probability distributions, naming the first."""
    sums = arr.sum(axis=-1, dtype=np.float64)
    tol = _sum_tolerance(arr.shape[-1], arr.dtype)
    bad = np.abs(sums - 1.0) > tol
    if np.any(bad):
        index = _first_index(np.asarray(bad))
        row = f"{name}[{', '.join(map(str, index))}, :]" if index else name
        raise ValueError(
            f"{row} sums to {float(np.asarray(sums)[index])!r} over its last axis (the classes), but "
            f"class probabilities must sum to 1 (within {tol:.1g}){hint}"
        )


def _distribution_inputs(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, reduction: str, loss: str
) -> tuple[FloatArray, FloatArray]:
    """Validate a call of a loss between two distributions over the last axis: ``(y, p)``."""
    check_reduction(reduction)
    p = as_float_array(y_pred, "y_pred")
    if p.ndim == 0:
        raise ValueError(
            "y_pred must have a class axis (the last one) holding one probability per class; got a "
            "scalar. For the probability of a single binary event use binary_cross_entropy"
        )
    target = as_any_array(y_true, "y_true")
    if target.dtype.kind in "iu" and target.shape == p.shape[:-1] and target.size > 0:
        raise ValueError(
            f"y_true holds integer class labels of shape {target.shape}, but {loss} compares two "
            f"distributions and needs class probabilities of y_pred's shape {p.shape}: pass the one-hot "
            f"rows np.eye({p.shape[-1]})[y_true], or use cross_entropy, which takes labels and logits"
        )
    y = as_float_array(target, "y_true", dtype=p.dtype)
    check_same_shape(y, "y_true", p, "y_pred")
    logits_hint = (
        "; if these are logits (any real numbers), use cross_entropy, which takes logits and is "
        "more accurate, or turn them into probabilities with losslib.softmax"
    )
    check_in_unit_interval(p, "y_pred", logits_hint)
    check_in_unit_interval(y, "y_true", "; targets are class probabilities or one-hot rows")
    _check_rows_sum_to_one(
        p,
        "y_pred",
        "; losslib does not renormalise them silently as Keras does: check the class axis (the last one), "
        "or, if the rows are scores or logits, pass the logits to cross_entropy (more accurate) or "
        "normalise them yourself (losslib.softmax of logits)",
    )
    _check_rows_sum_to_one(y, "y_true", "; targets are class probabilities or one-hot rows")
    return y, p


def _distribution_inputs_fast(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, reduction: str
) -> tuple[FloatArray, FloatArray] | None:
    """``(y, p)`` after the checks that cost no pass over the data; None where the full
    :func:`_distribution_inputs` must decide (it raises the error, in the order of its checks).

    The checks of the values (NaN, [0, 1], rows summing to 1) are left to :func:`_rows_min`,
    block by block, in cache.
    """
    try:
        check_reduction(reduction)
        p = as_float_array(y_pred, "y_pred", nan=False)
        target = as_any_array(y_true, "y_true")
        if p.ndim == 0 or target.shape != p.shape or target.dtype.kind not in "biuf":
            return None
        y = as_float_array(target, "y_true", dtype=p.dtype, nan=False)
    except (TypeError, ValueError):
        return None
    return y, p


def _rows_min(arr: FloatArray, tol: float) -> float | None:
    """The smallest entry if every entry is in [0, 1] (no NaN) and every row sums to 1 within
    ``tol`` (the checks of :func:`_distribution_inputs` on a block, as reductions only), else None."""
    sums = arr.sum(axis=-1, dtype=np.float64)
    smallest = arr.min()
    if smallest >= 0 and arr.max() <= 1 and np.all(np.abs(sums - 1.0) <= tol):
        return float(smallest)
    return None
