"""Reference data of losslib's oracle tests, one module per family of losses.

Each module defines ``ORACLE`` (the library it asks: ``"torch"`` or ``"sklearn"``),
``build_cases()`` (the cases, without results) and ``reference(case, reduction)`` (the
oracle's ``{"value": ..., "grad": ...}``; ``"grad"`` may be ``None`` for an oracle without
gradients). ``tests/make_reference_data.py`` runs them and writes
``tests/data/reference_<module>.json``; the oracle libraries are imported only there.
"""

import importlib
import pkgutil
from pathlib import Path

FAMILIES = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).resolve().parent)]) if m.name != "common")


def family_module(name: str):
    return importlib.import_module(f"{__name__}.{name}")
