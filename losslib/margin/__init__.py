r"""Margin losses of classifiers that output scores: hinge, squared hinge, multiclass hinge
(Crammer-Singer) and the exponential loss of AdaBoost.

A score :math:`s` is any real number (a decision function, not a probability). Binary labels
are :math:`y \in \{-1, +1\}` and the losses are functions of the margin :math:`y s`; the
multiclass hinge takes integer class labels and one score per class on the last axis.
None of them is the negative log-likelihood of a distribution, and none scores a predicted
distribution, so the registry's ``distribution`` and ``proper`` are ``None``.
"""

from __future__ import annotations

# The registry lists the losses in the order their modules are imported: keep this order.
# isort: off
from .binary import *  # noqa: F403
from .multiclass import *  # noqa: F403

# isort: on

# The names of the modules' __all__, listed here too so that type checkers see them (mypy does not
# add up __all__ of submodules); tests/test_api_docs.py checks that the two agree.
__all__ = [
    "exponential",
    "exponential_grad",
    "hinge",
    "hinge_grad",
    "multiclass_hinge",
    "multiclass_hinge_grad",
    "squared_hinge",
    "squared_hinge_grad",
]
