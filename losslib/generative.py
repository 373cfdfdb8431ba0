"""Losses of generative models: the VAE evidence lower bound and the GAN losses."""

from __future__ import annotations

from ._info import LossInfo

__all__: list[str] = []

ENTRIES: list[LossInfo] = []
