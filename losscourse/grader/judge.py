"""The judge: run the instructor's tests in a trusted process against a sandboxed submission.

The tests are the source notebook's test cells, hidden tests included, executed here, where
the student's code cannot reach. Each name the student defined as a function is bound to a
:class:`RemoteFunction` that forwards the call to the sandbox and returns the (validated)
value; so a submission can influence what its functions return, and nothing else: patching
the test helpers, numpy, IPython or builtins inside the sandbox changes nothing here.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from . import sandbox as sb
from .notebooks import SourceNotebook, TestCell


@dataclass
class TaskResult:
    grade_id: str
    points: float
    max_points: float
    passed: bool
    message: str = ""
    hidden: bool = False  # the failure happened in the hidden part of the cell


@dataclass
class Verdict:
    score: float
    max_score: float
    status: str  # graded | timeout | error (run.py adds blank and invalid)
    tasks: list[TaskResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cell_errors: dict[int, dict[str, str]] = field(default_factory=dict)
    # Seconds: starting the sandbox, running the student's cells, running the tests.
    timings: dict[str, float] = field(default_factory=dict)


class _TimedOut(Exception):
    pass


class _Crashed(Exception):
    pass


class RemoteFunction:
    """Stands for a function defined in the sandbox; calling it runs it there."""

    def __init__(self, box: sb.Sandbox, name: str, on_restart: Any) -> None:
        self._box = box
        self.__name__ = name
        self._on_restart = on_restart

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        name = self.__name__
        try:
            return self._box.call(name, args, kwargs)
        except sb.CallTimeout:
            self._on_restart()
            raise _TimedOut(
                f"{name} did not return within {self._box.timeout:g} s: is there an infinite loop?"
            ) from None
        except sb.WorkerDied as exc:
            self._on_restart()
            raise _Crashed(f"calling {name} stopped the Python process running your code: {exc}") from None
        except sb.StudentRaised as exc:
            if "losslib" in exc.message:
                raise AssertionError(
                    f"{name} uses losslib, which is not available when your work is graded: this exercise "
                    "asks you to write it yourself with numpy (losslib is the reference your answer is "
                    "compared against)"
                ) from None
            if exc.type_name == "NotImplementedError":
                raise AssertionError(
                    f"{name} is not implemented yet: replace `raise NotImplementedError()` with your code"
                ) from None
            raise AssertionError(f"{name} raised {exc.type_name}: {exc.message}") from None
        except sb.Unsupported as exc:
            raise AssertionError(f"{name} returned something that is not a number or an array: {exc}") from None

    def __repr__(self) -> str:
        return f"<your function {self.__name__}>"


def _failure_line(exc: BaseException, filename: str) -> int | None:
    """Line of the test cell where ``exc`` was raised (innermost frame of that cell)."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    return line


def _message(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, NameError):
        name = getattr(exc, "name", None) or text
        return (
            f"{name} is not defined: did you rename, delete or not run the function? Keep the names the exercise gives"
        )
    return text or type(exc).__name__


def judge(source: SourceNotebook, box: sb.Sandbox) -> Verdict:
    """Start the sandbox, run every test cell, and return the verdict."""
    verdict = Verdict(score=0.0, max_score=source.max_score, status="graded")
    box.launch()  # the sandboxed Python starts while the setup cells run here

    namespace: dict[str, Any] = {"__name__": "__grader__"}
    for code in source.setup:
        exec(compile(code, "<setup>", "exec"), namespace)  # trusted: the instructor's setup cells

    report = box.start()
    tests_started = time.perf_counter()
    verdict.cell_errors = report.cell_errors
    if report.crashed_cell is not None:
        verdict.status = "error"
        verdict.notes.append(
            report.cell_errors[report.crashed_cell]["message"].replace("the cell", "a cell of your notebook", 1)
            + "; it was skipped"
        )
    if report.timed_out_cell is not None:
        verdict.status = "timeout"
        verdict.notes.append(f"a cell of your notebook ran longer than {box.timeout:g} s and was skipped")

    def bind(functions: list[str]) -> None:
        for name in functions:
            if name not in namespace or isinstance(namespace[name], RemoteFunction):
                namespace[name] = RemoteFunction(box, name, restart)

    def restart() -> None:
        bind(box.restart().functions)

    bind(report.functions)

    for cell in source.tests:
        filename = f"<test {cell.grade_id}>"
        scope = dict(namespace)
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # the tests' "passed" prints
                failures = run_test_cell(cell.source, filename, scope)
            if failures:
                verdict.tasks.append(_result(cell, failures, filename))
                continue
        except _TimedOut as exc:
            verdict.status = "timeout"
            verdict.tasks.append(_result(cell, exc, filename))
        except _Crashed as exc:
            if verdict.status == "graded":
                verdict.status = "error"
            verdict.tasks.append(_result(cell, exc, filename))
        except Exception as exc:  # noqa: BLE001 - any failure of a test is a failed task
            verdict.tasks.append(_result(cell, exc, filename))
        else:
            verdict.tasks.append(TaskResult(cell.grade_id, cell.points, cell.points, True))
    verdict.score = sum(t.points for t in verdict.tasks)
    verdict.timings = {
        "sandbox_start": report.seconds_startup,
        "student_cells": report.seconds_cells,
        "tests": time.perf_counter() - tests_started,
    }
    return verdict


def run_test_cell(source: str, filename: str, scope: dict[str, Any]) -> list[AssertionError]:
    """Run a test cell in ``scope`` statement by statement; return its failed assertions.

    A failed assertion of a top-level expression statement (a ``check_close(...)`` or
    ``hidden(...)`` that binds nothing the next statements need) does not stop the cell: the
    feedback names every property that fails, not only the first. Any other failure stops it:
    then the failures so far are returned, or, if there are none (or it is a timeout or a crash),
    the exception propagates."""
    failures: list[AssertionError] = []
    for statement in ast.parse(source, filename).body:
        code = compile(ast.Module(body=[statement], type_ignores=[]), filename, "exec")
        try:
            exec(code, scope)  # trusted: the instructor's tests
        except AssertionError as exc:
            failures.append(exc)
            if not isinstance(statement, ast.Expr):
                break
        except (_TimedOut, _Crashed):
            raise
        except Exception:
            if not failures:
                raise
            break
    return failures


def _result(cell: TestCell, failures: BaseException | list[BaseException], filename: str) -> TaskResult:
    messages: list[str] = []
    hidden = False
    for exc in failures if isinstance(failures, list) else [failures]:
        line = _failure_line(exc, filename)
        in_hidden = line is not None and line in cell.hidden_lines
        hidden = hidden or in_hidden
        message = _message(exc)
        if in_hidden and not re.match(r"(A hidden test failed|\d+ hidden tests failed)", message):
            message = f"A hidden test failed: {message}"
        if message not in messages:
            messages.append(message)
    return TaskResult(cell.grade_id, 0.0, cell.points, False, " | ".join(messages), hidden)
