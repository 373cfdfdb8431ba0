"""Negative log-likelihoods of distributional regression: the model predicts a distribution's
parameters (a mean and a variance, a rate, a concentration), not just a point."""

from __future__ import annotations

from ._info import LossInfo

__all__: list[str] = []

ENTRIES: list[LossInfo] = []
