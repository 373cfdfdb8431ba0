"""The exercises' visible tests, and the ``check`` students run in their notebooks.

Each assignment has a module here (``01-likelihood`` -> :mod:`losscourse.checks.likelihood`)
that registers one visible test per task::

    tasks = Tasks("01-likelihood")

    @tasks.visible("gaussian_nll")
    def _(gaussian_nll):
        check_close(gaussian_nll(y, mu, sigma), expected, what=..., given=..., hints=[...])

    check = tasks.check

The test's parameters name the student's functions it needs; ``check`` finds them in the
notebook that calls it, and wraps each so that a call into losslib, a stub that still raises
``NotImplementedError`` or a missing function fails with a message in the student's terms.

In a notebook (the assignment's setup cell imports ``check``):

- ``check("gaussian_nll")`` runs that task's visible test, prints that it passed or raises
  :class:`~losscourse.testing.CheckFailed` with the diagnosis. It is the whole content of the
  task's visible test cell, so nbgrader and ``losscourse grade`` score exactly this.
- ``check()`` runs every visible test and prints one line per task (passed, failed and why,
  not implemented yet); it never raises.

Hidden tests are not here: they live in the source notebook's hidden-test regions, which
nbgrader removes from the student version, and this package ships to students.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..testing import CheckFailed, call_without_losslib

__all__ = ["Tasks", "Check", "for_assignment", "CheckFailed"]


class NotImplementedYet(CheckFailed):
    """The student's function is still the stub that raises ``NotImplementedError``."""


@dataclass(frozen=True)
class Task:
    task_id: str
    test: Callable[..., None]
    functions: tuple[str, ...]  # the student's functions the test calls, by name


def _guard(name: str, func: Any) -> Callable[..., Any]:
    """The student's ``func`` as the tests call it: without losslib, failures in words."""
    if not callable(func):
        raise CheckFailed(f"{name} is {type(func).__name__}, not a function: keep the `def {name}(...)` cell")

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return call_without_losslib(func, *args, **kwargs)
        except NotImplementedError:
            raise NotImplementedYet(
                f"{name} is not implemented yet: replace `raise NotImplementedError()` with your code"
            ) from None

    call.__name__ = name
    return call


class Check:
    """``check(task_id)`` runs one visible test; ``check()`` reports on every task."""

    def __init__(self, tasks: Tasks) -> None:
        self._tasks = tasks

    @property
    def task_ids(self) -> list[str]:
        return list(self._tasks.tasks)

    def __call__(self, task_id: str | None = None, namespace: dict[str, Any] | None = None) -> None:
        if namespace is None:
            namespace = sys._getframe(1).f_globals  # the notebook (or the grader's test scope)
        if task_id is None:
            self.report(namespace)
            return
        task = self._task(task_id)
        try:
            self.run(task, namespace)
        except CheckFailed as exc:
            raise CheckFailed(str(exc)) from None  # keep the notebook's traceback short
        print(f"{task.task_id}: the visible test passed.")

    def _task(self, task_id: str) -> Task:
        if not isinstance(task_id, str) or task_id not in self._tasks.tasks:
            raise ValueError(
                f"no task {task_id!r} in {self._tasks.assignment}: choose one of {', '.join(self._tasks.tasks)}"
            )
        return self._tasks.tasks[task_id]

    @staticmethod
    def run(task: Task, namespace: dict[str, Any]) -> None:
        """Run ``task``'s visible test against the functions defined in ``namespace``."""
        functions = {}
        for name in task.functions:
            if name not in namespace:
                raise CheckFailed(
                    f"{name} is not defined: run the cell that defines it, and keep the name the exercise gives"
                )
            functions[name] = _guard(name, namespace[name])
        task.test(**functions)

    def report(self, namespace: dict[str, Any]) -> dict[str, str]:
        """Run every visible test and print one line per task; return ``{task_id: status}``."""
        statuses = {}
        width = max(map(len, self._tasks.tasks))
        for task in self._tasks.tasks.values():
            try:
                self.run(task, namespace)
            except NotImplementedYet:
                status, line = "todo", "not implemented yet"
            except CheckFailed as exc:
                status, line = "failed", str(exc)
            except Exception as exc:  # noqa: BLE001 - a student's function may raise anything
                status, line = "failed", f"{type(exc).__name__}: {exc}"
            else:
                status, line = "passed", "passed"
            statuses[task.task_id] = status
            mark = {"passed": "[x]", "failed": "[!]", "todo": "[ ]"}[status]
            print(f"{mark} {task.task_id:<{width}}  {line}")
        passed = sum(s == "passed" for s in statuses.values())
        print(
            f"{passed} of {len(statuses)} visible tests pass. Hidden tests (edge cases) run when your work is graded."
        )
        return statuses


class Tasks:
    """The visible tests of one assignment, in task order."""

    def __init__(self, assignment: str) -> None:
        self.assignment = assignment
        self.tasks: dict[str, Task] = {}
        self.check = Check(self)

    def visible(self, task_id: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
        """Register the decorated function as ``task_id``'s visible test.

        Its parameters are the names of the student's functions it calls."""

        def register(test: Callable[..., None]) -> Callable[..., None]:
            if task_id in self.tasks:
                raise ValueError(f"task {task_id!r} of {self.assignment} has two visible tests")
            names = tuple(inspect.signature(test).parameters)
            self.tasks[task_id] = Task(task_id, test, names)
            return test

        return register


def module_name(assignment: str) -> str:
    """``"01-likelihood"`` -> ``"losscourse.checks.likelihood"``."""
    topic = assignment.split("-", 1)[-1].replace("-", "_")
    return f"{__name__}.{topic}"


def for_assignment(assignment: str) -> Tasks:
    """The registered visible tests of ``assignment``."""
    module = importlib.import_module(module_name(assignment))
    tasks = module.tasks
    if tasks.assignment != assignment:
        raise ValueError(f"{module.__name__} holds the tests of {tasks.assignment}, not of {assignment}")
    return tasks
