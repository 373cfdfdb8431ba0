"""Per-student feedback: the student's notebook with each test's result under it, as HTML.

The notebook follows the assignment's structure: the instructions, the student's code in
place of each solution, each test cell as students see it (its hidden part removed) with the
grader's verdict as its output, and any other code the student wrote at the end. Hidden tests
never appear: neither their code nor a traceback quoting it; a failed hidden test is described
in words. Rendered with nbconvert, as nbgrader's own feedback is, with the template
``templates/feedback`` (nbconvert's lab page that loads nothing from the network): the math is
typeset by the MathJax 3 that :func:`copy_mathjax` puts beside the pages, once per run
(``feedback/mathjax/``, from the ``sphinx-mathjax-offline`` package, as the book's), so a
feedback folder renders offline.
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from .judge import Verdict
from .notebooks import HIDDEN_BEGIN, TestCell


def _ids(cell) -> set[str]:
    meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
    return {meta.get("grade_id", ""), cell.get("id") or ""} - {""}


def feedback_notebook(source_path: Path, submission, verdict: Verdict, student_id: str, status_message: str = ""):
    """The feedback notebook of one student (``submission`` may be None for an invalid one)."""
    source = nbformat.read(source_path, as_version=4)
    by_id = {}
    used = set()
    if submission is not None:
        for cell in submission.cells:
            for key in _ids(cell):
                by_id.setdefault(key, cell)
    results = {t.grade_id: t for t in verdict.tasks}
    header = [
        f"# Feedback for {html.escape(student_id)}",
        f"**Score: {verdict.score:g} / {verdict.max_score:g}** (status: {verdict.status})",
    ]
    if status_message:
        header.append(html.escape(status_message))
    header += [f"- {html.escape(note)}" for note in verdict.notes]
    cells = [new_markdown_cell("\n\n".join(header))]
    for cell in source.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
        grade_id = meta.get("grade_id", "")
        if cell.cell_type == "markdown":
            cells.append(new_markdown_cell(cell.source))
        elif meta.get("grade") and not meta.get("solution"):
            test = TestCell(grade_id, float(meta.get("points", 0)), cell.source, cell.get("id"))
            code = new_code_cell(test.visible_source.replace(HIDDEN_BEGIN, "").rstrip())
            result = results.get(grade_id)
            if result is None:
                text = "not graded"
            elif result.passed:
                text = f"passed: {result.points:g} / {result.max_points:g} point(s)"
            else:
                text = f"failed: 0 / {result.max_points:g} point(s)\n{result.message}"
            name = "stdout" if result is not None and result.passed else "stderr"
            code.outputs = [new_output("stream", name=name, text=text + "\n")]
            cells.append(code)
        elif meta.get("solution"):
            mine = None
            for key in _ids(cell):
                if key in by_id:
                    mine = by_id[key]
                    used.add(id(mine))
                    break
            text = mine.source if mine is not None else "# This cell is missing from your submission."
            cells.append(new_code_cell(text))
        else:
            cells.append(new_code_cell(cell.source))
    if submission is not None:
        extra = [c for c in submission.cells if c.cell_type == "code" and id(c) not in used and not _ids(c)]
        if extra:
            cells.append(new_markdown_cell("## Other code in your notebook"))
            cells += [new_code_cell(c.source) for c in extra]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return nb


TEMPLATES = Path(__file__).parent / "templates"
MATHJAX_FOLDER = "mathjax"
MATHJAX_URL = f"{MATHJAX_FOLDER}/tex-mml-chtml.js"  # relative to the feedback page


def copy_mathjax(feedback: Path) -> Path:
    """Copy the MathJax the feedback pages load into ``feedback/mathjax/`` (about 3 MB, once per
    run, whatever the number of pages); returns that folder."""
    from ..offline_math import copy_mathjax as copy

    return copy(feedback / MATHJAX_FOLDER)


# What nbconvert's sanitizer (bleach) changes in text that pygments has escaped: control characters.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r]")


def clean_highlighted(code: str) -> str:
    """nbconvert's ``clean_html`` of a highlighted code cell, where it changes something: pygments
    escapes every character HTML gives a meaning to, so only control characters are left to it."""
    from nbconvert.filters import clean_html

    return clean_html(code) if _CONTROLS.search(code) else code


@functools.cache
def exporter():
    """nbconvert's HTML exporter with the feedback template, one per process.

    The template (``templates/feedback``) is nbconvert's lab page loading nothing from the network,
    its code cells sanitized by :func:`clean_highlighted`. The notebook comes from nbformat's
    constructors, so it is validated once, after nbconvert's preprocessors, rather than after
    each of them (``optimistic_validation``).
    """
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="feedback",
        extra_template_basedirs=[str(TEMPLATES)],
        mathjax_url=MATHJAX_URL,
        optimistic_validation=True,
        filters={"clean_highlighted": clean_highlighted},
    )


def warm_up() -> None:
    """Build this process's exporter and compile its templates (building one, and its first page,
    take a second: a grader does it once, before its processes fork)."""
    render_feedback_html(new_notebook(cells=[new_markdown_cell("#"), new_code_cell("x = 1")]))


def render_feedback_html(nb) -> str:
    body, _ = exporter().from_notebook_node(nb)
    return body


def write_feedback_html(nb, path: Path) -> None:
    body = render_feedback_html(nb)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
