"""losslib: loss functions and their gradients in numpy, exact and numerically stable.

Every loss is ``name(y_true, y_pred, *, reduction="mean", **options)`` and its
gradient with respect to ``y_pred`` is ``name_grad(...)`` with the same arguments.
:data:`LOSSES` lists them all with their properties and sources.
"""

from .classification import (
    binary_cross_entropy,
    binary_cross_entropy_grad,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_grad,
    cross_entropy,
    cross_entropy_grad,
)
from .registry import LOSSES, LossInfo, markdown_table, select
from .regression import huber, huber_grad, mae, mae_grad, mse, mse_grad
from .special import log_sigmoid, log_softmax, logsumexp, sigmoid, softmax, softplus

__version__ = "0.1.0"

__all__ = [
    "LOSSES",
    "LossInfo",
    "__version__",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "huber",
    "huber_grad",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "mae",
    "mae_grad",
    "markdown_table",
    "mse",
    "mse_grad",
    "select",
    "sigmoid",
    "softmax",
    "softplus",
]
