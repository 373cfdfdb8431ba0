"""Penalties on parameters: L1, L2 and elastic net."""

from __future__ import annotations

from ._info import LossInfo

__all__: list[str] = []

ENTRIES: list[LossInfo] = []
