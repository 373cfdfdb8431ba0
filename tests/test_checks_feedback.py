"""The visible tests' feedback names the slip, not only the numbers, for the realistic bugs of 01.

``tests/graders/likelihood.py`` holds hand-written bugs (``<function>__bug_*``) of the
assignment ``01-likelihood``. Every bug that a visible test catches must get a diagnosis in the
student's terms ("did you sum instead of averaging?"), not just the generic "returned x,
expected y (largest relative error e)". Bugs that only the hidden tests catch pass the visible
test; they are listed here, so that a bug slipping past a visible test is noticed too.
"""

from __future__ import annotations

import inspect

import pytest

from losscourse.checks import Check, CheckFailed, for_assignment
from losscourse.mutation import graders_module

ASSIGNMENT = "01-likelihood"
GRADERS = graders_module(ASSIGNMENT)
TASKS = for_assignment(ASSIGNMENT)
BUGS = sorted(name for name, _ in inspect.getmembers(GRADERS, inspect.isfunction) if "__bug_" in name)
CAUGHT_ONLY_BY_HIDDEN_TESTS = {
    "fit_gaussian__bug_one_pass_variance",  # right on small data: the hidden test shifts it by 1e8
    "log_softmax__bug_float64",  # the hidden test feeds float32
    "log_softmax__bug_global_max",  # the hidden test has rows of very different scales
    "softmax_cross_entropy__bug_naive_probabilities",  # the hidden test has large logits
}


def _correct(function: str):
    """A correct version of a notebook function (its first hand-written alternative)."""
    return next(
        f for name, f in inspect.getmembers(GRADERS, inspect.isfunction) if name.startswith(function + "__alt_")
    )


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # the naive log-softmax bug
@pytest.mark.parametrize("bug", BUGS)
def test_a_caught_bug_gets_a_diagnosis(bug, monkeypatch):
    function = bug.split("__bug_")[0]
    for task in TASKS.tasks.values():  # the bug's module sees correct versions of the other functions
        for name in task.functions:
            monkeypatch.setattr(GRADERS, name, _correct(name), raising=False)
    namespace = {name: _correct(name) for task in TASKS.tasks.values() for name in task.functions}
    namespace[function] = getattr(GRADERS, bug)
    task = next(t for t in TASKS.tasks.values() if function in t.functions)
    try:
        Check.run(task, namespace)
    except CheckFailed as exc:
        message = str(exc)
        assert bug not in CAUGHT_ONLY_BY_HIDDEN_TESTS, f"{bug} is caught by the visible test now: unlist it"
        assert "largest relative error" not in message, f"{bug} gets only the generic message: {message}"
    else:
        assert bug in CAUGHT_ONLY_BY_HIDDEN_TESTS, f"{bug} passes the visible test of {task.task_id}"
