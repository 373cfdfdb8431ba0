"""Numbers typed into a chapter's prose that one of its cells computes.

A page's *computed* numbers are those its cells print (the outputs in the built HTML) and those
glued into the prose (MyST-NB's ``{glue:text}`` roles, ``span.pasted-text``). Its *typed* numbers
are those in the prose proper: paragraphs, lists, captions, admonitions, not code, not math, not
glued. A typed number that equals a computed one (at the precision it is written with, or as a
percentage of it) is a hand copy that goes stale when the code changes, unless it is an input:
a literal that the page's own code also types (a seed, delta = 1.345, N = 200). Single digits are
left out (they are counts of things, chapter numbers, small inputs), and so are years.

What it cannot see: a number that no cell prints or glues (read off a figure, or computed in a
hidden cell and never shown). Those are the reviewer's to catch (CONTRIBUTING: Review a chapter
change).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup

# 2 000 and 1,000 (grouped thousands), 0.632, 60, but not parts of names (x1, f2) or of versions.
NUMBER = re.compile(r"(?<![\w.\-−])(\d{1,3}(?:[ ,\u2009\u202f\u00a0]\d{3})+|\d+)(\.\d+)?(?![\w]|\.\d)")
# (section-number, caption-number, std-numref: the numbers Sphinx gives sections, figures and their references)
NOT_PROSE = (
    "cell_input",
    "cell_output",
    "math",
    "pasted-text",
    "pasted-inline",
    "pasted-math",
    "highlight",
    "section-number",
    "caption-number",
    "std-numref",
)


@dataclass(frozen=True)
class Typed:
    text: str  # the number as written
    context: str  # the words around it
    matches: float  # the computed number it copies


def _value(whole: str, decimals: str | None) -> float:
    return float(re.sub(r"[ ,\u2009\u202f\u00a0]", "", whole) + (decimals or ""))


def numbers_in(text: str) -> list[tuple[str, float, int, int]]:
    """``(as written, value, decimals, position)`` of every number in ``text``."""
    return [
        (m.group(0), _value(m.group(1), m.group(2)), len(m.group(2) or ".") - 1, m.start())
        for m in NUMBER.finditer(text)
    ]


def code_literals(sources: list[str]) -> set[float]:
    """Every numeric literal in the page's code cells (hidden ones included): the page's inputs."""
    found: set[float] = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, int | float)
                and not isinstance(node.value, bool)
            ):
                found.add(float(node.value))
    return found


def _prose_text(soup: BeautifulSoup) -> str:
    main = soup.select_one("article") or soup
    for tag in main.select(", ".join(f".{c}" for c in NOT_PROSE) + ", code, pre, script, style, .citation, .footnote"):
        tag.decompose()
    for tag in main.select("a"):  # citations [Huber 1964], links to sections and equations
        if tag.get("href", "").startswith("#") or "bibliography" in tag.get("href", ""):
            tag.decompose()
    return " ".join(main.get_text(" ").split())


def _computed(soup: BeautifulSoup) -> set[float]:
    values: set[float] = set()
    for tag in soup.select(".cell_output, .pasted-text, .pasted-inline"):
        for _, value, _, _ in numbers_in(tag.get_text(" ")):
            values.add(value)
    # numbers printed in scientific or signed form: 1.2e-05, -0.63
    for tag in soup.select(".cell_output"):
        for m in re.finditer(r"-?\d+\.\d+(?:e[-+]\d+)?", tag.get_text(" ")):
            values.add(abs(float(m.group(0))))
    return values


def hand_typed(html: str, code: list[str]) -> list[Typed]:
    """The typed numbers of a built page that copy one of its computed numbers."""
    computed = _computed(BeautifulSoup(html, "html.parser"))
    inputs = code_literals(code)
    prose = _prose_text(BeautifulSoup(html, "html.parser"))
    found = []
    for written, value, decimals, at in numbers_in(prose):
        if decimals == 0 and (value < 10 or 1900 <= value <= 2100):
            continue
        percent = prose[at + len(written) : at + len(written) + 2].strip().startswith("%")
        if value in inputs or (percent and round(value / 100, 12) in inputs):
            continue
        for c in computed:
            if round(c, decimals) == value or (percent and round(100 * c, decimals) == value):
                if decimals == 0 and c != value and not percent:
                    continue  # 60 copies a printed 60, not 60.4 (which would be written 60.4)
                found.append(Typed(written, prose[max(0, at - 50) : at + 50], c))
                break
    return found


def page_code(source: Path) -> list[str]:
    """The code cells of a MyST chapter, options and magics dropped."""
    cells = []
    for body in re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", source.read_text(), re.S):
        body = re.sub(r"\A---\n.*?\n---\n", "", body, flags=re.S)
        cells.append("\n".join(line for line in body.splitlines() if not line.startswith((":", "%", "!"))))
    return cells
