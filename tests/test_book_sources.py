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


# --------------------------------------------------------------------------
# Links from the prose: glossary terms and losslib's API (CONTRIBUTING, "Add a chapter")
# --------------------------------------------------------------------------

GLOSSARY = ROOT / "book" / "glossary.md"
FENCED = re.compile(r"^(`{3,}|~{3,}|:{3,})\{(code-cell|bibliography)\}.*?^\1\s*$|^\$\$.*?\$\$[^\n]*$", re.S | re.M)
ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")


def glossary_terms() -> list[str]:
    """The terms of the glossary, in its order."""
    block = re.search(r"```\{glossary\}\n(.*?)^```", GLOSSARY.read_text(), re.S | re.M).group(1)
    return [line.strip() for line in block.splitlines() if line and not line[0].isspace()]


def role_target(text: str) -> str:
    """The target of a role's content: ``logits <logit>`` -> ``logit``."""
    explicit = re.fullmatch(r"(?s).*<([^<>]+)>", text.strip())
    return " ".join((explicit.group(1) if explicit else text).split())


def prose(text: str) -> list[tuple[int, str]]:
    """``(line number, paragraph)`` of a chapter's prose: no code cells, display maths, headings, labels or
    front matter; inline code, inline maths and roles blanked (a role's content is not a use)."""
    text = re.sub(r"\A---\n.*?\n---\n", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = FENCED.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    text = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    paragraphs, start, lines = [], 0, []
    for number, line in enumerate(text.splitlines() + [""], 1):
        if not line.strip() or line.lstrip().startswith("#") or re.fullmatch(r"\s*\(.*\)=\s*", line):
            if lines:
                paragraphs.append((start, " ".join(lines)))
            lines = []
            continue
        start = number if not lines else start
        lines.append(line.strip())
    blank = lambda m: " " * len(m.group(0))  # noqa: E731
    out = []
    for number, paragraph in paragraphs:
        paragraph = ROLE.sub(blank, paragraph)
        paragraph = re.sub(r"`[^`]*`|\$[^$]+\$|\]\([^)]*\)", blank, paragraph)
        out.append((number, paragraph))
    return out


def term_pattern(term: str) -> re.Pattern[str]:
    """A use of ``term`` in prose: any case, a plural too, not inside a longer word or hyphenated name."""
    words = r"\s+".join(re.escape(w) for w in term.split())
    words = words[:-1] + "(?:y|ies)" if term.endswith("y") else words + "(?:s|es)?"
    return re.compile(rf"(?<![\w-]){words}(?![\w-])", re.I)


def unlinked_terms(text: str, terms: list[str]) -> dict[str, int]:
    """Glossary terms the prose uses but never links with ``{term}``: term -> line of its first use.
    A use inside a longer term ("risk" in "empirical risk") counts as a use of the longer term only."""
    linked = {role_target(body).lower() for role, body in ROLE.findall(text) if role == "term"}
    first: dict[str, int] = {}
    for number, paragraph in prose(text):
        for term in sorted(terms, key=len, reverse=True):
            pattern = term_pattern(term)
            if term.lower() not in linked and term not in first and pattern.search(paragraph):
                first[term] = number
            paragraph = pattern.sub(lambda m: " " * len(m.group(0)), paragraph)
    return first


# Glossary words that a chapter uses only in their everyday sense, so it does not link them:
# chapter -> {term: where}.
EVERYDAY = {
    "02-regression": {"temperature": "a temperature sensor", "cost": "the verb: 'costs a few per cent'"},
    "03-classification": {
        "hard negative": "the focal loss's hard negative examples (not metric learning)",
        "risk": "'to price risk', 'risk scores'",
    },
    "04-embeddings": {"risk": "the hardest negative's risks"},
    "07-likelihoods": {"cost": "the verb: 'predicting one star costs the same'"},
}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_glossary_term_a_chapter_uses_is_linked_once(chapter):
    everyday = EVERYDAY.get(chapter.stem, {})
    missing = {
        term: line
        for term, line in unlinked_terms(chapter.read_text(), glossary_terms()).items()
        if term not in everyday
    }
    assert not missing, (
        f"{chapter.name} uses glossary terms without linking them: link the first use with {{term}}`term` "
        f"(or {{term}}`terms <term>`): " + ", ".join(f"{t!r} (line {n})" for t, n in missing.items())
    )


def test_the_term_check_sees_an_unlinked_term_and_accepts_a_linked_one():
    terms = ["risk", "empirical risk", "logit", "cross-entropy", "loss"]
    text = (
        "---\ntitle: loss\n---\n# A loss\n\nThe {term}`empirical risk` of `logit` and $risk$.\n\n"
        "```{code-cell} ipython3\nloss = 1\n```\nTwo logits and the cross-entropies,\nthe empirical risk.\n"
    )
    assert unlinked_terms(text, terms) == {"logit": 11, "cross-entropy": 11}
    assert unlinked_terms(text.replace("Two logits", "Two {term}`logits <logit>`"), terms) == {"cross-entropy": 11}
    assert {"loss", "logit", "margin", "temperature"} <= set(glossary_terms())


API_NAMES = set(losslib.__all__) - {"__version__"}
# `mse`, `mse(y, p)` or `losslib.mse` in prose (not a role's target: those are preceded by "<" or "}")
API_MENTION = re.compile(r"(?<![}\w<])`(?:losslib\.)?(\w+)(?:\([^`]*\))?`")
API_LINK = re.compile(r"\{py:(?:func|data|class)\}`(?:[^`<]*<)?~?losslib\.(\w+)>?`")


def unlinked_api_names(text: str) -> list[str]:
    """losslib's names that the prose shows as code but never links to the API reference."""
    text = FENCED.sub("", text)
    linked = set(API_LINK.findall(text))
    named = [name for name in API_MENTION.findall(text) if name in API_NAMES]
    return sorted(set(named) - linked)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_losslib_name_in_a_chapters_prose_links_its_api_entry(chapter):
    plain = unlinked_api_names(chapter.read_text())
    assert not plain, (
        f"{chapter.name} names {plain} without linking the API reference: link the first mention with "
        "{py:func}`losslib.name` or {py:func}`name <losslib.name>` ({py:data}`losslib.LOSSES` for the registry)"
    )


def test_the_api_link_check_sees_a_plain_name():
    text = "The `mse` and `huber(y, p, delta=2)`, {py:func}`hinge <losslib.hinge>`, `losslib.LOSSES`, `x`."
    assert unlinked_api_names(text) == ["LOSSES", "huber", "mse"]
    text += " {py:func}`losslib.mse`, {py:func}`~losslib.huber` and {py:data}`losslib.LOSSES`."
    assert unlinked_api_names(text) == []


# --------------------------------------------------------------------------
# The landing page's chapter map (book/index.md): each box names losses its chapter treats
# --------------------------------------------------------------------------


def chapter_map(index: Path = ROOT / "book" / "index.md") -> dict:
    """The map's ``CHAPTERS`` dict, read from the landing page's code without running it."""
    for source in code_cells(index):
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["CHAPTERS"]:
                return ast.literal_eval(node.value)
    raise AssertionError(f"{index} assigns no CHAPTERS dict: the chapter map moved; update this test")


def names_not_in_their_chapter(chapters: dict, book: Path = ROOT / "book") -> dict[str, list[str]]:
    """The registry names of each box that its chapter's source never names, by chapter number."""
    absent = {}
    for number, (*_, losses) in chapters.items():
        (source,) = book.glob(f"{number}-*.md")
        text = source.read_text()
        missing = [name for name, _ in losses if not re.search(rf"\b{name}\b", text)]
        if missing:
            absent[number] = missing
    return absent


def test_each_box_of_the_chapter_map_names_losses_its_chapter_treats():
    # (the penalties are in chapter 5, not in chapter 6); the landing page checks the registry names
    chapters = chapter_map()
    assert len(chapters) >= 7
    absent = names_not_in_their_chapter(chapters)
    assert not absent, f"the chapter map puts losses in chapters whose source never names them: {absent}"


def test_the_chapter_map_check_sees_a_loss_its_chapter_never_names():
    assert names_not_in_their_chapter({"06": ("t", 2, (0, 0), [("mse", "MSE"), ("l1_penalty", "L1")])}) == {
        "06": ["l1_penalty"]
    }
