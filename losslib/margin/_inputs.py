"""The checks of the margin losses' inputs: finite scores, labels -1/+1."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .._typing import FloatArray
from .._validation import (
    _first_index,
    _where,
    as_float_array,
    check_reduction,
    check_same_shape,
)


def _scores(y_pred: npt.ArrayLike) -> FloatArray:
    """``y_pred`` as a floating array of finite scores."""
    s = as_float_array(y_pred, "y_pred")
    finite = np.isfinite(s)
    if not finite.all():
        index = _first_index(~finite)
        raise ValueError(f"y_pred must hold finite scores, but {_where('y_pred', index)} = {s[index].item()!r}")
    return s


def _sign_inputs(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, reduction: str) -> tuple[FloatArray, FloatArray]:
    """Validate a binary margin-loss call; return labels ``y`` (-1/+1, in s's dtype) and scores ``s``."""
    check_reduction(reduction)
    s = _scores(y_pred)
    y = as_float_array(y_true, "y_true", dtype=s.dtype)
    check_same_shape(y, "y_true", s, "y_pred")
    bad = (y != 1) & (y != -1)
    if bad.any():
        index = _first_index(bad)
        if np.all((y == 0) | (y == 1)):
            raise ValueError(
                f"y_true holds 0/1 labels ({_where('y_true', index)} = {y[index].item()!r}), but margin "
                "losses need labels -1 and +1: pass 2 * y_true - 1"
            )
        raise ValueError(f"y_true must hold the labels -1 and +1, but {_where('y_true', index)} = {y[index].item()!r}")
    return y, s
