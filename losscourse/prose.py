"""Numbers for the chapters' prose: ``glue`` a value computed in a cell, to be shown by ``{glue:text}``.

The chapters never type a number that a cell computes: the cell glues it, the prose pastes it with
MyST-NB's ``{glue:text}`key:.3f``` role. :func:`glue` is MyST-NB's ``glue(key, value, display=False)``
with two differences:

- numpy scalars are turned into Python numbers first. MyST-NB formats a glued value from its
  ``text/plain`` representation, and numpy 2 represents ``np.float64(0.5)`` as ``np.float64(0.5)``,
  which ``{glue:text}`key:.2f``` cannot format;
- where MyST-NB is not installed (a chapter's notebook twin on Colab), it does nothing, so the
  chapter's code runs there unchanged.
"""

from __future__ import annotations

from typing import Any


def plain(value: Any) -> Any:
    """``value`` as a Python ``float``, ``int``, ``bool`` or ``str`` when it is a numpy scalar or a 0-d array."""
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", None) == 0:
        return item()
    return value


def glue(key: str, value: Any) -> Any:
    """Glue ``value`` under ``key`` for the prose (MyST-NB, not displayed); returns the plain value."""
    value = plain(value)
    if isinstance(value, (list, tuple, dict)) or getattr(value, "ndim", 0):
        raise TypeError(f"glue {key!r}: expected one number or string, got {type(value).__name__}")
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # Colab or a bare Jupyter: nothing renders the prose
        return value
    myst_glue(key, value, display=False)
    return value


def power_of_ten(exponent: Any) -> str:
    """A power of ten as text for the prose, ``'10⁻¹⁴'`` for -14 (MyST cannot paste into math)."""
    exponent = plain(exponent)
    if float(exponent) != int(exponent):
        raise ValueError(f"power_of_ten: the exponent should be a whole number, got {exponent!r}")
    return "10" + str(int(exponent)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
