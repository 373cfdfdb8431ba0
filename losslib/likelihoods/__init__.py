r"""Negative log-likelihoods of distributional regression: the model predicts a distribution's
parameters (a mean and a variance, a rate, a concentration), not just a point.

Each loss is the negative log-likelihood of one observation, elementwise: ``reduction="mean"``
averages over every element and ``"none"`` returns one loss per element, as in PyTorch. The
constant terms of the likelihood are dropped unless ``full=True``. Losses of several
differentiable inputs return their gradients as a ``NamedTuple`` with one field per input.
"""

from __future__ import annotations

# The registry lists the losses in the order their modules are imported: keep this order.
# isort: off
from .gaussian import *  # noqa: F403
from .laplace import *  # noqa: F403
from .poisson import *  # noqa: F403
from .von_mises import *  # noqa: F403

# isort: on

# The names of the modules' __all__, listed here too so that type checkers see them (mypy does not
# add up __all__ of submodules); tests/test_api_docs.py checks that the two agree.
__all__ = [
    "gaussian_nll",
    "gaussian_nll_grad",
    "laplace_nll",
    "laplace_nll_grad",
    "poisson_nll",
    "poisson_nll_grad",
    "von_mises_nll",
    "von_mises_nll_grad",
]
