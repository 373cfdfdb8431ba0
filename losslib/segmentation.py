"""Segmentation losses on soft masks: soft Dice and soft Jaccard."""

from __future__ import annotations

from ._info import LossInfo

__all__: list[str] = []

ENTRIES: list[LossInfo] = []
