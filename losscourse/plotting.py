"""The one matplotlib style of the book: colour-blind-safe colours, distinct line styles, readable fonts.

Chapters call :func:`use_book_style` once at the top. Colours come from Okabe and
Ito's palette, and every series also gets its own line style, so no figure relies
on colour alone.
"""

from __future__ import annotations

from cycler import cycler

# Okabe & Ito (2008), "Color Universal Design": distinguishable under common colour-vision deficiencies.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 2, 2, 2))]

BOOK_STYLE = {
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "legend.fontsize": 11,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "lines.linewidth": 2.0,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=OKABE_ITO) + cycler(linestyle=LINESTYLES),
    "image.cmap": "viridis",
}


def use_book_style() -> None:
    """Apply the book's style to every figure made afterwards in this process."""
    import matplotlib as mpl

    mpl.rcParams.update(BOOK_STYLE)
