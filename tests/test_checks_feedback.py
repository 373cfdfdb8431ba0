"""The visible tests' feedback names the slip, not only the numbers, for every realistic bug.

``tests/graders/<topic>.py`` holds each assignment's hand-written bugs (``<function>__bug_*``).
Every bug that a visible test catches must get a diagnosis in the student's terms ("did you sum
instead of averaging?", "do not clip alpha"), not just the generic "returned x, expected y
(largest relative error e)". Bugs that pass the visible test are the hidden tests' to catch,
which ``tests/test_mutation.py`` checks.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from losscourse.assignments import list_assignments
from losscourse.checks import Check, CheckFailed, for_assignment
from losscourse.mutation import graders_module


def _bugs():
    for assignment in list_assignments():
        graders = graders_module(assignment)
        for name, _ in inspect.getmembers(graders, inspect.isfunction):
            if "__bug_" in name:
                yield pytest.param(assignment, name, id=f"{assignment}-{name}")


def _correct(graders, function: str):
    """A correct version of a notebook function (its first hand-written alternative)."""
    return next(
        f for name, f in inspect.getmembers(graders, inspect.isfunction) if name.startswith(function + "__alt_")
    )


@pytest.mark.parametrize(("assignment", "bug"), list(_bugs()))
def test_a_bug_caught_by_a_visible_test_gets_a_diagnosis(assignment, bug, monkeypatch):
    graders, tasks = graders_module(assignment), for_assignment(assignment)
    function = bug.split("__bug_")[0]
    names = {name for task in tasks.tasks.values() for name in task.functions}
    for name in names:  # the bug's module sees correct versions of the notebook's other functions
        monkeypatch.setattr(graders, name, _correct(graders, name), raising=False)
    namespace = {name: _correct(graders, name) for name in names}
    namespace[function] = getattr(graders, bug)
    task = next(t for t in tasks.tasks.values() if function in t.functions)
    try:
        with np.errstate(all="ignore"):  # (the naive formulas overflow on purpose)
            Check.run(task, namespace)
    except CheckFailed as exc:
        message = str(exc)
        assert "largest relative error" not in message, f"{bug} gets only the generic message: {message}"
