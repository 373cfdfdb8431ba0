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


def _feedback_exporter(cls):
    return cls(template_name="feedback", extra_template_basedirs=[str(TEMPLATES)], mathjax_url=MATHJAX_URL)


def copy_mathjax(feedback: Path) -> Path:
    """Copy the MathJax the feedback pages load into ``feedback/mathjax/`` (about 3 MB, once per
    run, whatever the number of pages); returns that folder."""
    from ..offline_math import copy_mathjax as copy

    return copy(feedback / MATHJAX_FOLDER)


class _Highlighted(str):
    """Pygments' HTML of a code cell: escaped by construction, so not re-sanitized."""


_EXPORTER = None


def _exporter():
    """One HTML exporter per process (building one, and its first render, cost a second).

    It renders what nbconvert's ``HTMLExporter(template_name="lab")`` renders, without two
    passes that re-parse HTML we made ourselves (most of its time): sanitizing the highlighted
    code (pygments escapes every token; Markdown and outputs are still sanitized) and the
    BeautifulSoup pass that adds ``tabindex`` to cells and alt text to images (done here with
    the same result; a page with an image takes nbconvert's own pass).
    """
    global _EXPORTER
    if _EXPORTER is not None:
        return _EXPORTER
    from nbconvert import HTMLExporter

    try:
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML, _pygments_highlight
        from nbconvert.filters.strings import clean_html
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
        from pygments.formatters import HtmlFormatter
    except ImportError:  # another nbconvert: its own exporter, slower but the same page
        _EXPORTER = _feedback_exporter(HTMLExporter)
        return _EXPORTER

    formatters: dict = {}

    def clean(text):
        return text if isinstance(text, _Highlighted) else clean_html(text)

    class FeedbackExporter(HTMLExporter):
        def _validate_preprocessor(self, nbc, preprocessor):
            """nbconvert validates the whole notebook after each of its preprocessors (a third of
            the time here); the notebook is ours, made valid by nbformat's constructors."""

        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlighter = Highlight2HTML(pygments_lexer=lexer, parent=self)

            def highlight_code(source, language=None, metadata=None):
                # Highlight2HTML's own steps, with one pygments formatter per language (it makes
                # a new one, and its stylesheet, for every cell).
                language = language or highlighter.pygments_lexer
                if language not in formatters:
                    formatters[language] = HtmlFormatter(
                        cssclass=html.escape(f" highlight hl-{language}"), **highlighter.extra_formatter_options
                    )
                html_code = _pygments_highlight(
                    source if len(source) > 0 else " ", formatters[language], language, metadata
                )
                # Control characters are what sanitizing changes in escaped text: leave those to it.
                return html_code if _CONTROLS.search(html_code) else _Highlighted(html_code)

            resources = self._init_resources(resources)
            data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", data_type)
            self.register_filter("clean_html", clean)
            body, out = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            if "<img" in body:  # images may need alt text: nbconvert's own pass
                return HTMLExporter.from_notebook_node(self, nb, resources, **kw)
            return _TABINDEX.sub(r'\g<0> tabindex="0"', body), out

    _EXPORTER = _feedback_exporter(FeedbackExporter)
    return _EXPORTER


# The elements nbconvert's BeautifulSoup pass makes focusable (".jp-Notebook div.jp-Cell-inputWrapper"
# and ".jp-Notebook div.jp-OutputArea-output"), as the lab template writes them.
_TABINDEX = re.compile(
    r'<div class="(?:[^"<>]* )?(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?: [^"<>]*)?"[^<>]*?(?=>)'
)


_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r]")


def warm_up() -> None:
    """Build this process's exporter and compile its templates (a grader does it before forking)."""
    render_feedback_html(new_notebook(cells=[new_markdown_cell("#"), new_code_cell("x = 1")]))


def render_feedback_html(nb) -> str:
    body, _ = _exporter().from_notebook_node(nb)
    return body


def write_feedback_html(nb, path: Path) -> None:
    body = render_feedback_html(nb)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
