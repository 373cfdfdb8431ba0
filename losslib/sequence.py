"""Sequence losses: connectionist temporal classification (CTC)."""

from __future__ import annotations

from ._info import LossInfo

__all__: list[str] = []

ENTRIES: list[LossInfo] = []
