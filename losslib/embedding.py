"""Embedding and metric-learning losses: contrastive, triplet, cosine embedding, InfoNCE / NT-Xent."""

from __future__ import annotations

from ._info import LossInfo

__all__: list[str] = []

ENTRIES: list[LossInfo] = []
