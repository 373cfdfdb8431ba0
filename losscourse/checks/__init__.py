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

A task registered with ``float32=True`` promises "float32 in, float32 out", which its hidden
tests check: once its visible test passes, ``check`` calls the function again on the visible
test's first input cast to float32 and warns if the result is float64 (the visible test itself
stays in float64, so its point does not depend on it).

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

import numpy as np

from ..testing import CheckFailed, call_without_losslib

__all__ = ["Tasks", "Check", "for_assignment", "CheckFailed"]


class NotImplementedYet(CheckFailed):
    """The student's function is still the stub that raises ``NotImplementedError``."""


@dataclass(frozen=True)
class Task:
    task_id: str
    test: Callable[..., None]
    functions: tuple[str, ...]  # the student's functions the test calls, by name
    float32: bool = False  # the task promises float32 in, float32 out: check() warns on float64


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


def _recorded(func: Callable[..., Any], calls: dict[str, tuple]) -> Callable[..., Any]:
    """``func``, remembering the arguments of its first call in ``calls[name]``."""

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        calls.setdefault(func.__name__, (args, kwargs))
        return func(*args, **kwargs)

    return call


def _to_float32(x: Any) -> Any:
    if isinstance(x, np.ndarray) and x.dtype == np.float64:
        return x.astype(np.float32)
    if isinstance(x, list | tuple) and any(isinstance(v, np.ndarray) for v in x):
        return type(x)(_to_float32(v) for v in x)
    return x


def _float64_parts(x: Any) -> bool:
    if isinstance(x, list | tuple):
        return any(_float64_parts(v) for v in x)
    return isinstance(x, float | np.floating | np.ndarray) and np.asarray(x).dtype == np.float64


def _float32_warnings(name: str, func: Callable[..., Any], args: tuple, kwargs: dict) -> list[str]:
    """Call ``func`` on float32 copies of its float64 array arguments; warn if anything float64 comes back."""
    args32 = tuple(_to_float32(a) for a in args)
    kwargs32 = {k: _to_float32(v) for k, v in kwargs.items()}
    if all(a is b for a, b in zip(args32, args, strict=True)) and all(kwargs32[k] is kwargs[k] for k in kwargs):
        return []  # no float64 array to convert
    try:
        with np.errstate(all="ignore"):
            result = func(*args32, **kwargs32)
    except CheckFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - a student's function may raise anything
        return [f"{name} raised {type(exc).__name__} ({exc}) on the visible test's input in float32"]
    if _float64_parts(result):
        return [
            f"{name} returned float64 for the visible test's input in float32: the hidden tests check float32 in, "
            "float32 out (avoid np.asarray(x, dtype=float), np.float64(...) and float64 constants such as "
            "np.log(2); convert a constant with x.dtype.type(...))"
        ]
    return []


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
            warnings = self.run(task, namespace)
        except CheckFailed as exc:
            raise CheckFailed(str(exc)) from None  # keep the notebook's traceback short
        print(f"{task.task_id}: the visible test passed.")
        for warning in warnings:
            print(f"Warning: {warning}")

    def _task(self, task_id: str) -> Task:
        if not isinstance(task_id, str) or task_id not in self._tasks.tasks:
            raise ValueError(
                f"no task {task_id!r} in {self._tasks.assignment}: choose one of {', '.join(self._tasks.tasks)}"
            )
        return self._tasks.tasks[task_id]

    @staticmethod
    def run(task: Task, namespace: dict[str, Any]) -> list[str]:
        """Run ``task``'s visible test against the functions defined in ``namespace``; return its
        warnings (a float64 result for float32 input, if the task promises float32)."""
        functions = {}
        calls: dict[str, tuple] = {}
        for name in task.functions:
            if name not in namespace:
                raise CheckFailed(
                    f"{name} is not defined: run the cell that defines it, and keep the name the exercise gives"
                )
            functions[name] = _recorded(_guard(name, namespace[name]), calls)
        task.test(**functions)
        if task.float32 and task.task_id in calls:
            return _float32_warnings(task.task_id, functions[task.task_id], *calls[task.task_id])
        return []

    def report(self, namespace: dict[str, Any]) -> dict[str, str]:
        """Run every visible test and print one line per task; return ``{task_id: status}``."""
        statuses = {}
        width = max(map(len, self._tasks.tasks))
        for task in self._tasks.tasks.values():
            warnings: list[str] = []
            try:
                warnings = self.run(task, namespace)
            except NotImplementedYet:
                status, line = "todo", "not implemented yet"
            except CheckFailed as exc:
                status, line = "failed", str(exc)
            except Exception as exc:  # noqa: BLE001 - a student's function may raise anything
                status, line = "failed", f"{type(exc).__name__}: {exc}"
            else:
                status, line = "passed", "passed" + "".join(f"; warning: {w}" for w in warnings)
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

    def visible(self, task_id: str, *, float32: bool = False) -> Callable[[Callable[..., None]], Callable[..., None]]:
        """Register the decorated function as ``task_id``'s visible test.

        Its parameters are the names of the student's functions it calls. ``float32=True``: the task
        promises float32 in, float32 out, and ``check`` warns when the function breaks it."""

        def register(test: Callable[..., None]) -> Callable[..., None]:
            if task_id in self.tasks:
                raise ValueError(f"task {task_id!r} of {self.assignment} has two visible tests")
            names = tuple(inspect.signature(test).parameters)
            self.tasks[task_id] = Task(task_id, test, names, float32)
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
