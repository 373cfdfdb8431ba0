"""What the hidden tests of every assignment may import (CONTRIBUTING.md, "Add an assignment", step 3).

Hidden tests run outside the student's sandbox, in the grader's environment, and students never
see them. They may import numpy, scipy, losslib, ``losscourse.testing`` and the reference helpers
of their own assignment's checks module (the one its setup cell imports ``check`` from), so that
the visible and the hidden test of a task share one reference rather than two copies.
"""

from __future__ import annotations

import ast

import pytest

from losscourse.assignments import SOURCE, list_assignments
from losscourse.grader.notebooks import read_source

ALLOWED = ("numpy", "scipy", "losslib", "losscourse.testing")


def _imports(source: str) -> list[str]:
    """The modules a piece of code imports (``from a.b import c`` gives ``a.b``)."""
    modules = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules.append("." * node.level + (node.module or ""))
    return modules


def _within(module: str, allowed: tuple[str, ...]) -> bool:
    return any(module == a or module.startswith(a + ".") for a in allowed)


def _hidden_sources(assignment: str):
    for path in sorted((SOURCE / assignment).glob("*.ipynb")):
        notebook = read_source(path)
        own = [m for cell in notebook.setup for m in _imports(cell) if m.startswith("losscourse.checks.")]
        for test in notebook.tests:
            lines = test.source.splitlines()
            hidden = "\n".join(lines[i - 1] for i in test.hidden_lines)
            if hidden:
                yield path.name, test.grade_id, hidden, tuple(own)


@pytest.mark.parametrize("assignment", list_assignments())
def test_hidden_tests_import_only_the_grading_libraries(assignment):
    found = list(_hidden_sources(assignment))
    assert found, f"{assignment} has no hidden tests"
    for name, grade_id, hidden, own in found:
        for module in _imports(hidden):
            assert _within(module, ALLOWED + own), (
                f"{assignment}/{name}, cell {grade_id}: its hidden tests import {module!r}; they may import "
                f"only {', '.join(ALLOWED + own)} (CONTRIBUTING.md, 'Add an assignment', step 3)"
            )


def test_the_import_rule_can_fail():
    assert not _within("losscourse.checks.regression", ALLOWED + ("losscourse.checks.likelihoods",))
    assert not _within("numpyro", ALLOWED)
    assert _imports("from losscourse.checks.likelihoods import student_t_fit\nimport scipy.optimize as o") == [
        "losscourse.checks.likelihoods",
        "scipy.optimize",
    ]
