"""The book's figure policy (losscourse.plotting): legible sizes, colours with enough contrast.

Contrast ratios follow WCAG 2.1 (relative luminance of sRGB colours, (L1 + 0.05) / (L2 + 0.05));
1.4.11 asks 3:1 for the lines and marks a reader needs, 1.4.3 asks 4.5:1 for text. Dark mode is
modelled by the CSS filter the theme puts on images, applied to both the colour and the figure's
background; tests/test_browser.py checks that the theme applies that very filter.
"""

from __future__ import annotations

import base64
import io

import matplotlib
import pytest
from matplotlib.colors import to_rgb
from PIL import Image

matplotlib.use("Agg")

from losscourse import plotting  # noqa: E402


def luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour with channels in [0, 1]."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b) -> float:
    high, low = sorted((luminance(to_rgb(a)), luminance(to_rgb(b))), reverse=True)
    return (high + 0.05) / (low + 0.05)


def dark_mode(colour) -> tuple[float, float, float]:
    """A colour as the theme shows it in dark mode: CSS brightness(0.8) then contrast(1.2), per channel."""
    assert plotting.DARK_MODE_FILTER == "brightness(0.8) contrast(1.2)", "update this model with the filter"
    return tuple(min(1.0, max(0.0, 1.2 * (0.8 * c - 0.5) + 0.5)) for c in to_rgb(colour))


def test_the_contrast_formula_matches_wcag_examples():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)  # the lightest AA grey on white
    assert contrast("#E69F00", "#FFFFFF") == pytest.approx(2.25, abs=0.01)  # why Okabe-Ito's orange is darkened
    assert dark_mode("#FFFFFF") == pytest.approx((0.86, 0.86, 0.86))


MARKS = {**plotting.PALETTE, "GREY": plotting.GREY, "SOFT_GREY": plotting.SOFT_GREY}


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("name", MARKS)
def test_every_line_colour_has_3_to_1_against_the_figure_background(name, mode):
    colour, background = MARKS[name], plotting.FIGURE_BACKGROUND
    if mode == "dark":
        colour, background = dark_mode(colour), dark_mode(background)
    ratio = contrast(colour, background)
    assert ratio >= 3.0, f"{name} ({MARKS[name]}) has {ratio:.2f}:1 against the figure in {mode} mode (WCAG 1.4.11)"


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_text_has_4_5_to_1_against_the_figure_background(mode):
    ink, background = plotting.INK, plotting.FIGURE_BACKGROUND
    if mode == "dark":
        ink, background = dark_mode(ink), dark_mode(background)
    assert contrast(ink, background) >= 4.5


def test_the_cycle_is_the_palette_and_every_series_has_its_own_line_style():
    cycle = plotting.BOOK_STYLE["axes.prop_cycle"].by_key()
    assert cycle["color"] == list(plotting.PALETTE.values())
    assert len(set(map(str, cycle["linestyle"]))) == len(cycle["color"])


def test_the_smallest_font_is_at_least_9_css_px_at_the_columns_width():
    sizes = [v for k, v in plotting.BOOK_STYLE.items() if k.endswith(("size", "labelsize")) and k != "figure.figsize"]
    assert min(sizes) >= plotting.MIN_FONT_PT
    assert plotting.MIN_FONT_PT * plotting.CSS_PX_PER_INCH / 72 >= 9
    assert plotting.BOOK_STYLE["figure.figsize"][0] == plotting.COLUMN_WIDTH_IN


def _png_of(fig) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(plotting.png(fig))))


def test_a_figure_records_its_smallest_font_and_its_resolution():
    import matplotlib.pyplot as plt

    plotting.use_book_style()
    fig, ax = plotting.subplots(1, 2, height=3)
    ax[0].plot([0, 1], [0, 1], label="a line")
    ax[0].legend()
    image = _png_of(fig)
    assert float(image.info[plotting.MIN_FONT_KEY]) == plotting.BOOK_STYLE["legend.fontsize"]
    assert image.info["dpi"] == pytest.approx((plotting.DPI, plotting.DPI), abs=0.01)
    assert abs(image.width - plotting.COLUMN_WIDTH_IN * plotting.DPI) < 0.1 * image.width  # tight box: about 7 in
    ax[1].text(0.5, 0.5, "tiny", fontsize=6)  # what a chapter must not do: the record shows it
    assert float(_png_of(fig).info[plotting.MIN_FONT_KEY]) == 6
    plt.close(fig)


def test_figures_take_their_size_from_the_policy():
    with pytest.raises(TypeError, match="pass only height"):
        plotting.subplots(figsize=(12, 4), height=4)
    with pytest.raises(TypeError, match=r"\['dpi'\]"):
        plotting.figure(height=4, dpi=300)
