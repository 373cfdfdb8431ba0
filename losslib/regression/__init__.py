r"""Regression losses: functions of the residual :math:`r = \hat y - y` (and, for :func:`msle`,
of :math:`\log(1 + \hat y) - \log(1 + y)`), for point predictions of a real target.

All losses here are elementwise: ``reduction="mean"`` averages over every element
and ``reduction="none"`` returns one loss per element, as in PyTorch. Losses that predict a
whole distribution (a mean and a variance, a rate) are in :mod:`losslib.likelihoods`.
"""

from __future__ import annotations

# The registry lists the losses in the order their modules are imported: keep this order.
# isort: off
from .mse_mae import *  # noqa: F403
from .huber_like import *  # noqa: F403
from .pinball import *  # noqa: F403
from .tukey_charbonnier import *  # noqa: F403
from .log_error import *  # noqa: F403

# isort: on

# The names of the modules' __all__, listed here too so that type checkers see them (mypy does not
# add up __all__ of submodules); tests/test_api_docs.py checks that the two agree.
__all__ = [
    "charbonnier",
    "charbonnier_grad",
    "huber",
    "huber_grad",
    "log_cosh",
    "log_cosh_grad",
    "mae",
    "mae_grad",
    "mse",
    "mse_grad",
    "msle",
    "msle_grad",
    "pseudo_huber",
    "pseudo_huber_grad",
    "quantile",
    "quantile_grad",
    "tukey_biweight",
    "tukey_biweight_grad",
]
