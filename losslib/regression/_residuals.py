r"""What the regression losses share: the validation of ``(y_true, y_pred)`` and the blocked runner of
an elementwise loss (:mod:`losslib._kernels`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import _kernels
from .._typing import FloatArray, Reduced
from .._validation import (
    fast_then_full,
    float_pair,
)


def _pair(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, reduction: str, nan: bool = True
) -> tuple[FloatArray, FloatArray]:
    """Validate a regression call: ``(y_true, y_pred)`` as arrays of y_pred's floating dtype.

    ``nan=False`` skips the scans for NaNs (the caller looks for them as it computes, see
    :func:`losslib._kernels.elementwise`); if another check fails, the full validation runs, so
    that the error is the one the checks in their order give.
    """

    def full() -> None:
        if not nan:
            _pair(y_true, y_pred, reduction)

    with fast_then_full(full):
        y_true, y_pred = float_pair(y_true, y_pred, reduction, nan=nan)
    return y_true, y_pred


def _residual(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, reduction: str) -> FloatArray:
    """Validate a regression call and return ``y_pred - y_true`` in y_pred's dtype."""
    y, p = _pair(y_true, y_pred, reduction)
    r: FloatArray = p - y
    return r


def _run(
    kernel: Callable[..., None],
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    reduction: str,
    value: bool,
    grad: bool,
    n_tmp: int = 2,
    summable: bool = False,
    **options: Any,
) -> tuple[Reduced | None, FloatArray | None]:
    """Validate and evaluate an elementwise regression loss block by block (see :mod:`losslib._kernels`).

    ``kernel(y, p, v, g, count, tmp, **options)`` writes the losses of a block into ``v`` and their
    gradient, divided by ``count``, into ``g`` (either may be None: not wanted). A NaN in ``y`` or
    ``p`` must make the losses and the gradient NaN: that is where the NaN check looks.
    """
    if options.pop("validated", False):  # arrays already (np.asarray returns them as they are)
        y, p = np.asarray(y_true), np.asarray(y_pred)
    else:
        y, p = _pair(y_true, y_pred, reduction, nan=False)
    return _kernels.elementwise_pair(
        kernel,
        y,
        p,
        value=value,
        grad=grad,
        reduction=reduction,
        n_tmp=n_tmp,
        recheck=lambda: _pair(y_true, y_pred, reduction),
        options=options,
        summable=summable,
    )
