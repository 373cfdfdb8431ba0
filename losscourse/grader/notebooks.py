"""Reading the source assignment and a student's submission.

Grading never trusts the structure of a submission: the tests, their points and the setup
come from the instructor's source notebook in ``solutions/``; from the submission we take
only the student's own code cells. So a deleted, edited or reordered test cell changes
nothing, and a submission that is not a readable notebook is reported as ``invalid``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024


class InvalidSubmission(ValueError):
    """The submission cannot be graded; the message says why, for the student."""


@dataclass(frozen=True)
class TestCell:
    grade_id: str
    points: float
    source: str
    cell_id: str | None

    @property
    def hidden_lines(self) -> range:
        """Line numbers (1-based) of the hidden part of the cell, empty if it has none."""
        lines = self.source.splitlines()
        try:
            begin = next(i for i, line in enumerate(lines, 1) if line.strip() == HIDDEN_BEGIN)
            end = next(i for i, line in enumerate(lines, 1) if line.strip() == HIDDEN_END)
        except StopIteration:
            return range(0)
        return range(begin, end + 1)

    @property
    def visible_source(self) -> str:
        """The cell as students see it: without its hidden tests."""
        hidden = self.hidden_lines
        return "\n".join(line for i, line in enumerate(self.source.splitlines(), 1) if i not in hidden)

    @property
    def description(self) -> str:
        """The cell's leading comment, which says in words what it checks."""
        words = []
        for line in self.source.splitlines():
            if not line.startswith("#") or line.strip() == HIDDEN_BEGIN:
                break
            words.append(line.lstrip("# ").strip())
        return " ".join(words)


@dataclass(frozen=True)
class SourceNotebook:
    name: str  # file name, e.g. likelihood.ipynb
    setup: list[str]  # locked code cells that are neither tests nor solutions (imports)
    setup_ids: set[str]
    solution_ids: list[str]
    tests: list[TestCell]
    test_ids: set[str] = field(default_factory=set)  # grade ids and cell ids of the tests

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tests)


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def read_source(path: Path) -> SourceNotebook:
    nb = nbformat.read(path, as_version=4)
    setup, setup_ids, solutions, tests, test_ids = [], set(), [], [], set()
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type != "code" or not meta:
            continue
        grade_id = meta.get("grade_id", "")
        if meta.get("grade") and not meta.get("solution"):
            tests.append(TestCell(grade_id, float(meta.get("points", 0)), cell.source, cell.get("id")))
            test_ids |= {grade_id, cell.get("id") or ""}
        elif meta.get("solution"):
            solutions.append(grade_id)
        elif meta.get("locked"):
            setup.append(cell.source)
            setup_ids |= {grade_id, cell.get("id") or ""}
    test_ids.discard("")
    setup_ids.discard("")
    return SourceNotebook(path.name, setup, setup_ids, solutions, tests, test_ids)


def read_submission(path: Path) -> nbformat.NotebookNode:
    """Read a submitted notebook, converting old formats; :class:`InvalidSubmission` if unreadable."""
    size = path.stat().st_size
    if size == 0:
        raise InvalidSubmission(f"{path.name} is an empty file")
    if size > MAX_NOTEBOOK_BYTES:
        raise InvalidSubmission(
            f"{path.name} is {size / 1e6:.0f} MB, more than a notebook can be "
            f"({MAX_NOTEBOOK_BYTES / 1e6:.0f} MB): clear its outputs and hand it in again"
        )
    try:
        raw = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidSubmission(f"{path.name} is not a valid notebook (its JSON does not parse: {exc})") from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise InvalidSubmission(f"{path.name} is JSON but not a Jupyter notebook")
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
    except Exception as exc:  # nbformat raises several types for malformed notebooks
        raise InvalidSubmission(f"{path.name} is not a notebook nbformat can read ({exc})") from None
    return nb


def student_code(nb: nbformat.NotebookNode, source: SourceNotebook) -> list[str]:
    """The code the sandbox runs: the course's setup, then every code cell of the student that
    is not a test cell or a copy of the setup, in the student's order."""
    cells = list(source.setup)
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        meta = _nbgrader(cell)
        ids = {meta.get("grade_id", ""), cell.get("id") or ""}
        if ids & source.test_ids or ids & source.setup_ids:
            continue
        if meta.get("grade") and not meta.get("solution"):
            continue  # a test cell the student added metadata to by hand
        text = cell.get("source", "")
        cells.append("".join(text) if isinstance(text, list) else str(text))
    return cells
