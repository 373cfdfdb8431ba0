"""The one figure policy of the book: size, resolution, fonts, colours.

Chapters call :func:`use_book_style` once at the top and make every figure with
:func:`subplots` (or :func:`figure`); they never set a figure width, a dpi or a
font size of their own. The policy:

- **Size.** Every figure is drawn at the width of the book's text column,
  ``COLUMN_WIDTH_IN`` = 7 in, which is 672 CSS px at the CSS ratio of
  96 px per inch. A figure shown at that width shows a font of *s* points at
  *s* x 96/72 CSS px, so the font sizes below are the sizes a reader sees:
  the smallest, ``MIN_FONT_PT`` = 8 pt, is 10.7 CSS px, above the 9 px the
  book promises (issue #21). Only the height varies from figure to figure.
- **Resolution.** PNG at ``DPI`` = 192, twice the CSS pixel density, so lines
  and text stay sharp on high-density screens and the browser scales the image
  down by a factor of two on ordinary ones.
- **Colours.** ``PALETTE`` holds the hues of Okabe and Ito's colour-blind-safe
  palette [1]_, with orange, sky blue, reddish purple and yellow darkened until
  each has a contrast ratio of at least 3:1 against the white figure background
  (WCAG 2.1, 1.4.11 non-text contrast). Every series also gets its own line
  style, so no figure relies on colour alone. ``INK`` (text, axes), ``GREY``
  (reference lines) and ``SOFT_GREY`` (wide lines behind others) pass the same
  bar; fills and grid lines may be lighter, since they only support what an
  edge, a line or a label already shows.
- **Dark mode.** Figures keep their white background. The theme shows images in
  dark mode through the CSS filter ``DARK_MODE_FILTER``, which maps a colour
  channel *c* in [0, 1] to 1.2 (0.8 *c* - 0.5) + 0.5: the figure becomes a
  light-grey card and every colour keeps at least 3:1 against it
  (``tests/test_plotting.py`` checks both modes). Dark variants of every figure
  would double the images a page loads, and MyST-NB cannot mark a cell's output
  as light-only or dark-only.

So that the browser tests can check what a reader sees, every figure shown in a
notebook is saved by :func:`png` with its smallest font size (in points) as PNG
text metadata (``MIN_FONT_KEY``) and its resolution in the PNG's ``pHYs``
chunk: shown at a width of *w* CSS px, a PNG of *n* px has a smallest font of
``min_font_pt * dpi / 72 * w / n`` CSS px.

References
----------
.. [1] M. Okabe and K. Ito (2008), "Color Universal Design (CUD): how to make
   figures and presentations that are friendly to colorblind people",
   https://jfly.uni-koeln.de/color/.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from cycler import cycler

CSS_PX_PER_INCH = 96
COLUMN_WIDTH_IN = 7.0  # the text column of the book at desktop width: 672 CSS px
DPI = 2 * CSS_PX_PER_INCH
MIN_FONT_PT = 8.0  # the smallest font a figure may use (10.7 CSS px at the column's width)
MIN_FONT_KEY = "losscourse:min-font-pt"  # PNG text metadata: the smallest font of the figure, in points

# Okabe & Ito's hues, in their order; the four lightest darkened to reach 3:1 against white.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#BB8100",  # Okabe-Ito #E69F00 (2.3:1 on white)
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#C870A1",  # #CC79A7 (3.1:1)
    "sky": "#1C95D9",  # #56B4E9 (2.3:1)
    "yellow": "#978E0C",  # #F0E442 (1.3:1)
    "black": "#000000",
}
COLOURS = list(PALETTE.values())  # the cycle: "C0" is blue, "C1" orange, ... "C7" black
INK = "#262626"  # text, axes, ticks
GREY = "#6E6E6E"  # thin reference lines, contours, data clouds: 5.1:1 on white
SOFT_GREY = "#8C8C8C"  # wide lines drawn behind others (a true line, a diagonal): 3.4:1 on white
FIGURE_BACKGROUND = "#FFFFFF"
DARK_MODE_FILTER = "brightness(0.8) contrast(1.2)"  # what the theme applies to images in dark mode
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 2, 2, 2))]

BOOK_STYLE = {
    "figure.figsize": (COLUMN_WIDTH_IN, 3.6),
    "figure.dpi": CSS_PX_PER_INCH,
    "savefig.dpi": DPI,
    "figure.facecolor": FIGURE_BACKGROUND,
    "savefig.facecolor": FIGURE_BACKGROUND,
    "savefig.transparent": False,
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10,
    "figure.titlesize": 11,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "lines.linewidth": 1.8,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=COLOURS) + cycler(linestyle=LINESTYLES),
    "image.cmap": "viridis",
}


def use_book_style() -> None:
    """Apply the book's style to every figure made afterwards in this process.

    In IPython (the book's build, Jupyter, Colab) figures are also shown through
    :func:`png`, which records the smallest font size of each figure.
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    mpl.rcParams.update(BOOK_STYLE)
    # Load the backend now (matplotlib loads it with the first figure): Jupyter's inline backend
    # registers its own PNG formatter when it loads, which would replace the one below.
    plt.switch_backend(mpl.get_backend())
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover (IPython comes with Jupyter)
        return
    shell = get_ipython()
    if shell is not None:
        from matplotlib.figure import Figure

        shell.display_formatter.formatters["image/png"].for_type(Figure, png)


def subplots(nrows: int = 1, ncols: int = 1, *, height: float, **kwargs: Any):
    """``plt.subplots`` at the column's width: ``height`` in inches, the rest as in matplotlib.

    The layout is matplotlib's constrained layout, which fits labels and
    legends into the column's width.
    """
    import matplotlib.pyplot as plt

    _refuse_own_size(kwargs)
    return plt.subplots(nrows, ncols, figsize=(COLUMN_WIDTH_IN, height), layout="constrained", **kwargs)


def figure(*, height: float, **kwargs: Any):
    """``plt.figure`` at the column's width (for grids of axes of different sizes)."""
    import matplotlib.pyplot as plt

    _refuse_own_size(kwargs)
    return plt.figure(figsize=(COLUMN_WIDTH_IN, height), layout="constrained", **kwargs)


def _refuse_own_size(kwargs: dict) -> None:
    own = sorted({"figsize", "dpi", "layout"} & kwargs.keys())
    if own:
        raise TypeError(
            f"the book's figures take their width, dpi and layout from losscourse.plotting; got {own}: "
            "pass only height= (in inches)"
        )


def smallest_font_pt(fig) -> float:
    """The smallest font size, in points, of the visible, non-empty text of ``fig`` as last drawn."""
    from matplotlib.text import Text

    sizes = [text.get_fontsize() for text in fig.findobj(Text) if text.get_visible() and text.get_text().strip()]
    return min(sizes) if sizes else float("inf")


def png(fig) -> str | None:
    """The figure as a base64 PNG at ``DPI``, recording its smallest font (IPython's ``image/png`` formatter).

    Saved with a tight bounding box, as IPython's inline backend does.
    """
    if not fig.axes and not fig.lines and not fig.texts and not fig.patches:
        return None  # an empty figure shows nothing, as in IPython
    fig.canvas.draw()  # lay out the figure: tick labels exist only once drawn
    metadata = {MIN_FONT_KEY: f"{smallest_font_pt(fig):g}"}
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", metadata=metadata)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
