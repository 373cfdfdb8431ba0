r"""Classification losses: negative log-likelihoods of Bernoulli and categorical models.

Losses on probabilities and losses on logits are separate functions, so a
gradient is always with respect to the argument you passed.
"""

from __future__ import annotations

# The registry lists the losses in the order their modules are imported: keep this order.
# isort: off
from .binary import *  # noqa: F403
from .multiclass import *  # noqa: F403
from .focal_loss import *  # noqa: F403
from .probabilities import *  # noqa: F403

# isort: on

# The names of the modules' __all__, listed here too so that type checkers see them (mypy does not
# add up __all__ of submodules); tests/test_api_docs.py checks that the two agree.
__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "categorical_cross_entropy",
    "categorical_cross_entropy_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "focal",
    "focal_grad",
    "kl_divergence",
    "kl_divergence_grad",
]
