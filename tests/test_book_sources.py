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


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_no_wrapped_line_starts_a_list_or_a_quote(chapter):
    """A prose line that follows a paragraph line and starts with "1.", "-", "+", "*" or ">" is a list or a quote."""
    offenders, in_code, in_math, previous = [], False, False, ""
    for number, line in enumerate(chapter.read_text().splitlines(), 1):
        if line.startswith("```"):
            in_code, previous = not in_code, ""
            continue
        if line.lstrip().startswith("$$") and not in_code:  # display math: $$ ... $$ (label)
            one_line = line.strip().endswith("$$") and len(line.strip()) > 2
            in_math, previous = (in_math if one_line else not in_math), ""
            continue
        if in_code or in_math:
            continue
        starts_block = re.match(r"\s*(1[.)]|[-+*>])(\s|$)", line)
        in_paragraph = previous.strip() and not re.match(r"\s*(\d+[.)]|[-+*]|\$\$|#|\||:)", previous.lstrip()[:3])
        if starts_block and in_paragraph and not previous.startswith(" "):
            offenders.append(f"line {number}: {line.strip()[:40]!r}")
        previous = line
    assert not offenders, f"{chapter.name}: wrapped lines that start a list or a quote: {offenders}"
