"""Margin losses of classifiers that output scores: hinge, squared hinge, multiclass hinge
(Crammer-Singer) and the exponential loss of AdaBoost. Labels are -1/+1 (binary) or class indices."""

from __future__ import annotations

from ._info import LossInfo

__all__: list[str] = []

ENTRIES: list[LossInfo] = []
