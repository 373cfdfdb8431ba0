"""The chapters' sources keep the course's contracts: losslib is the one source of formulas."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

import losslib

ROOT = Path(__file__).resolve().parent.parent
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
CHAPTERS = [
    ROOT / f"{ch['file']}.md"
    for part in TOC.get("parts", [])
    for ch in part["chapters"]
    if re.match(r"book/\d\d-", ch["file"])
]
CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.S)


def code_cells(path: Path) -> list[str]:
    cells = []
    for body in CELL.findall(path.read_text()):
        # drop cell options (a leading ---...--- block or :key: lines) and IPython magics
        body = re.sub(r"\A---\n.*?\n---\n", "", body, flags=re.S)
        lines = [line for line in body.splitlines() if not line.startswith((":", "%", "!"))]
        cells.append("\n".join(lines))
    return cells


def test_the_toc_lists_chapters():
    assert len(CHAPTERS) >= 1 and all(p.is_file() for p in CHAPTERS)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_no_chapter_redefines_a_loss_that_losslib_has(chapter):
    names = set(losslib.LOSSES) | {n + "_grad" for n in losslib.LOSSES} | set(losslib.special.__all__)
    offenders = []
    for i, source in enumerate(code_cells(chapter)):
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.Lambda)) and getattr(node, "name", None) in names:
                offenders.append(f"cell {i}: def {node.name}")
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id in names and isinstance(node.value, ast.Lambda):
                        offenders.append(f"cell {i}: {target.id} = lambda ...")
    assert not offenders, f"{chapter.name} re-defines losses that losslib has: {offenders}; call losslib instead"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapters_use_losslib_and_the_book_style(chapter):
    text = chapter.read_text()
    assert "import losslib" in text, f"{chapter.name} should take its losses from losslib"
    assert "use_book_style()" in text, f"{chapter.name} should use the book's shared plot style"
    assert "{bibliography}" in text, f"{chapter.name} should end with its references"


def test_the_check_sees_a_redefined_loss(tmp_path):
    fake = tmp_path / "99-fake.md"
    fake.write_text("```{code-cell} ipython3\n---\ntags: [hide-input]\n---\ndef huber(y, p):\n    return 0\n```\n")
    with pytest.raises(AssertionError, match="def huber"):
        test_no_chapter_redefines_a_loss_that_losslib_has(fake)


def test_glue_pastes_plain_numbers_and_powers_of_ten():
    import numpy as np

    from losscourse import prose

    assert type(prose.plain(np.float64(0.5))) is float and type(prose.plain(np.int64(3))) is int
    assert type(prose.plain(np.array(2.5))) is float and prose.plain("text") == "text"
    assert prose.glue("key", np.float32(0.25)) == 0.25  # returns the plain value, with or without MyST-NB
    with pytest.raises(TypeError, match="one number"):
        prose.glue("key", np.array([1.0, 2.0]))
    assert prose.power_of_ten(-14) == "10⁻¹⁴" and prose.power_of_ten(np.float64(3.0)) == "10³"
    with pytest.raises(ValueError, match="whole number"):
        prose.power_of_ten(2.5)


# A prose line that starts with "1." or "-", "+", "*", ">" inside a paragraph (a line wrapped at the wrong
# word) makes markdown start a list or a quote in the middle of a sentence.
LIST_OR_QUOTE = re.compile(r"(\d+[.)]|[-+*]|>)(\s|$)")


def accidental_blocks(text: str) -> list[tuple[int, str]]:
    """``(line number, line)`` of the prose lines that would start a list or quote mid-paragraph."""
    found = []
    fence = None  # the marker that closes the current code fence, directive or display math
    previous = ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if fence is not None:
            if stripped.startswith(fence) and (fence == "$$" or not stripped.strip(fence[0])):
                fence = None
            elif fence == "$$" and stripped.endswith("$$"):
                fence = None
            previous = ""
            continue
        opener = re.match(r"`{3,}|~{3,}|:{3,}|\$\$", stripped)
        if opener and not (opener.group(0) == "$$" and len(stripped) > 2 and stripped.endswith("$$")):
            fence = opener.group(0)
            previous = ""
            continue
        in_paragraph = (
            previous.strip()
            and not previous.startswith((" ", "\t"))  # a list item's continuation or an indented block
            and not LIST_OR_QUOTE.match(previous)  # the line before is itself a list item or a quote
            and not previous.lstrip().startswith(("#", "|", "<", "{", "-->"))
            and not re.fullmatch(r"\(.*\)=", previous.strip())  # a MyST label
            and not previous.rstrip().endswith(":")  # "... as follows:" introduces a list on purpose
        )
        if in_paragraph and LIST_OR_QUOTE.match(line):
            found.append((number, line))
        previous = line
    return found


@pytest.mark.parametrize("page", sorted((ROOT / "book").glob("*.md")), ids=lambda p: p.stem)
def test_no_wrapped_line_starts_a_list_or_a_quote(page):
    found = accidental_blocks(page.read_text())
    assert not found, (
        f"{page.name}: these lines continue a paragraph but start with a list or quote marker, so markdown "
        f"breaks the sentence there (re-wrap the paragraph): {found}"
    )


def test_the_wrap_check_sees_a_list_mid_sentence():
    text = (
        "The spread is\n1. The next section estimates it.\n\nSteps:\n1. one\n2. two\n\n- a\n- b\n"
        "$$\na\n+ b\n$$\n```{code-cell}\nx = 1\n- 2\n```\n(label)=\n# Title\nText\n> quoted by mistake\n"
    )
    assert accidental_blocks(text) == [(2, "1. The next section estimates it."), (21, "> quoted by mistake")]


# The one figure policy (losscourse.plotting): size, resolution, fonts and colours are set there, never in a page.
OWN_SIZE_KEYWORDS = {"figsize", "dpi", "fontsize", "labelsize", "titlesize"}
OWN_SIZE_CALLS = {"set_fontsize", "set_size", "tight_layout", "set_size_inches", "set_dpi"}
HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")


def own_figure_settings(source: str) -> list[str]:
    """What a code cell sets that the figure policy owns: sizes, dpi, fonts, hex colours, bare plt figures."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            found += [f"{k.arg}=" for k in node.keywords if k.arg in OWN_SIZE_KEYWORDS]
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in OWN_SIZE_CALLS:
                found.append(f".{func.attr}()")
            if (
                isinstance(func, ast.Attribute)
                and func.attr in {"subplots", "figure"}
                and isinstance(func.value, ast.Name)
            ):
                found.append(f"{func.value.id}.{func.attr}()")
        if isinstance(node, ast.Name | ast.Attribute) and getattr(node, "attr", getattr(node, "id", "")) == "rcParams":
            found.append("rcParams")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and HEX_COLOUR.fullmatch(node.value):
            found.append(repr(node.value))
    return found


DRAWING_PAGES = [p for p in sorted((ROOT / "book").glob("*.md")) if "use_book_style()" in p.read_text()]


@pytest.mark.parametrize("page", DRAWING_PAGES, ids=lambda p: p.stem)
def test_figures_take_size_fonts_and_colours_from_the_book_style(page):
    found = {i: own for i, source in enumerate(code_cells(page)) if (own := own_figure_settings(source))}
    assert not found, (
        f"{page.name} sets what losscourse.plotting owns (cell: settings): {found}; make figures with "
        "losscourse.plotting.subplots(..., height=...) and take colours from its PALETTE, GREY, SOFT_GREY"
    )


def test_the_figure_check_sees_a_page_of_its_own():
    source = 'fig, ax = plt.subplots(figsize=(12, 4))\nax.legend(fontsize=8)\nax.plot(x, color="#E69F00")\n'
    assert own_figure_settings(source) == ["figsize=", "plt.subplots()", "fontsize=", "'#E69F00'"]


CODE_WIDTH = 75  # characters of code that the column shows at 1280 px without scrolling (tests/test_browser.py)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_code_fits_the_column(chapter):
    long = [line for source in code_cells(chapter) for line in source.splitlines() if len(line) > CODE_WIDTH]
    assert not long, (
        f"{chapter.name}: {len(long)} code line(s) longer than {CODE_WIDTH} characters scroll sideways in the "
        f"book; wrap them (ruff format --line-length {CODE_WIDTH}), e.g. {long[0]!r}"
    )
