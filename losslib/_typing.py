"""Type aliases shared by losslib's modules (PEP 484 annotations; see ``numpy.typing``)."""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.floating[Any]]
"""An array of floats (float16, float32 or float64): what the losses compute on and return."""

Float: TypeAlias = np.floating[Any]
"""A numpy float scalar, of the dtype of the inputs (float32 in, float32 out)."""

Reduced: TypeAlias = Float | FloatArray
"""A reduced loss: a numpy scalar for ``"mean"`` and ``"sum"``, an array of losses for ``"none"``."""

Grad: TypeAlias = FloatArray | tuple[FloatArray, ...]
"""A gradient: one array, or a NamedTuple with one array per differentiable input."""
