"""The tests of every assignment catch the slips students make, and accept correct variations.

For each assignment, :mod:`losscourse.mutation` mutates every solution region (mean for sum,
a flipped sign, a dropped constant or 1/N, the wrong axis, log for log1p, max for min, an
unstabilised log-sum-exp, ...), adds the hand-written bugs and alternative solutions of
``tests/submissions/<topic>.py``, hands each in as a student would and grades it with
``losscourse grade``. At least 90% of the mutants must lose points, every hand-written bug
must, and every alternative must get full marks. Every trivial answer (a constant or
pass-through, generated from each task's function, and the ``__trivial_`` answers of
``tests/submissions``) must score 0 on its task. The per-assignment report (kill rate,
survivors) is printed at the end of the test run.
"""

from __future__ import annotations

import pytest

from losscourse import mutation
from losscourse.assignments import list_assignments

ASSIGNMENTS = list_assignments()


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def report(request):
    return mutation.run(request.param, jobs=2, log=lambda *_: None)


def test_kill_rate_is_at_least_90_percent(report, record_property):
    record_property("mutation_report", report.text())  # printed at the end of the run (conftest.py)
    assert report.kill_rate >= mutation.TARGET_KILL_RATE, report.text()


def test_every_handwritten_bug_loses_points(report):
    bugs = report.of("bug")
    assert bugs, f"tests/submissions for {report.assignment} has no __bug_ functions"
    survived = [o.mutant.label for o in bugs if not o.killed]
    assert not survived, f"these realistic bugs get full marks in {report.assignment}: {survived}"


def tasks_without(report, kind: str) -> list[str]:
    """The graded tasks (those whose solution the operators mutate) that have no mutant of ``kind``, sorted."""
    tasks = {o.mutant.task for o in report.of("operator")}
    return sorted(tasks - {o.mutant.task for o in report.of(kind)})


def test_every_alternative_solution_gets_full_marks(report):
    alternatives = report.of("alternative")
    missing = tasks_without(report, "alternative")
    assert not missing, f"no alternative correct solution for {missing} in tests/submissions"
    short = [(o.mutant.task, o.mutant.label, o.messages) for o in alternatives if o.killed]
    assert not short, f"correct alternative solutions lost points: {short}"


def test_every_trivial_answer_scores_zero_on_its_task(report):
    trivial = report.of("trivial")
    missing = tasks_without(report, "trivial")
    assert not missing, f"no trivial answers were generated for {missing}"
    scoring = [
        (o.mutant.task, o.mutant.label, f"{o.task_points:g}/{o.task_max_points:g}")
        for o in trivial
        if not o.scores_zero
    ]
    assert not scoring, f"trivial answers earn points in {report.assignment}: {scoring}"


def test_trivial_answers_are_generated_from_the_function():
    source = (
        "def f(y_true, y_pred, delta=1.0):\n"
        "    ### BEGIN SOLUTION\n"
        "    return np.mean(np.abs(np.asarray(y_pred) - y_true))\n"
        "    ### END SOLUTION\n"
    )
    answers = {m.label: m for m in mutation.trivial_answers("f", source)}
    for label in (
        "trivial `return 0.0`",
        "trivial `np.zeros_like(y_true)`",
        "trivial `np.ones_like(y_true)`",
        "trivial `np.mean(y_true)`",
        "trivial `return y_true`",
        "trivial `return y_pred`",
        "trivial zeros in the shape and dtype of the answer",
        "trivial ones in the shape and dtype of the answer",
        "trivial np.mean(y_true) in the shape and dtype of the answer",
    ):
        assert label in answers, f"{label} not generated; got {sorted(answers)}"
    assert all(m.kind == "trivial" for m in answers.values())
    import numpy as np

    scope = {"np": np}
    exec(answers["trivial zeros in the shape and dtype of the answer"].source, scope)
    got = scope["f"](np.ones(3, dtype=np.float32), np.zeros(3, dtype=np.float32))
    assert got == 0 and got.dtype == np.float32 and np.ndim(got) == 0
    exec(answers["trivial `return y_pred`"].source, scope)
    assert scope["f"]([1.0], [2.0]) == [2.0]

    choose = (
        "def choose(situation):\n"
        "    ### BEGIN SOLUTION\n"
        "    return {'a': 'mse', 'b': 'mae', 'c': 'mse'}[situation]\n"
        "    ### END SOLUTION\n"
    )
    labels = [m.label for m in mutation.trivial_answers("choose", choose)]
    assert labels == ["trivial always 'mse'", "trivial always 'mae'"], labels


def test_declared_equivalent_mutants_still_exist(report):
    assert not report.stale_equivalents, (
        f"EQUIVALENT lists mutants that are no longer generated: {report.stale_equivalents}"
    )


def test_mutation_operators_cover_the_usual_slips():
    source = (
        "def f(y, z):\n"
        "    ### BEGIN SOLUTION\n"
        "    m = np.max(z, axis=-1, keepdims=True)\n"
        "    s = z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))\n"
        "    return -np.mean(0.5 * s[np.arange(len(y)), y] / len(y)) + np.log1p(np.logaddexp(0, z).sum())\n"
        "    ### END SOLUTION\n"
    )
    labels = [m.label for m in mutation.mutants_of_cell("f", source)]
    expected = [
        "`np.max(z, axis=-1, keepdims=True)` -> `np.min(z, axis=-1, keepdims=True)`",
        "`np.max(z, axis=-1, keepdims=True)` -> `np.max(z, axis=0, keepdims=True)`",
        "`np.max(z, axis=-1, keepdims=True)` -> `np.max(z, axis=-1, keepdims=False)`",
        "`z - m` -> `z`",
        "`np.mean(0.5 * s[np.arange(len(y)), y] / len(y))` -> `np.sum(0.5 * s[np.arange(len(y)), y] / len(y))`",
        "`0.5` -> `1.0`",
        "`0.5 * s[np.arange(len(y)), y] / len(y)` -> `0.5 * s[np.arange(len(y)), y]`",
        "`np.log1p(np.logaddexp(0, z).sum())` -> `np.log(np.logaddexp(0, z).sum())`",
        "`np.logaddexp(0, z)` -> `np.log(np.exp(0) + np.exp(z))`",
        "`-np.mean(0.5 * s[np.arange(len(y)), y] / len(y))` -> `np.mean(0.5 * s[np.arange(len(y)), y] / len(y))`",
    ]
    for label in expected:
        assert label in labels, f"{label} not generated; got {labels}"
    outside = mutation.mutants_of_cell("f", "def f(x):\n    return np.mean(x)\n")
    assert outside == [], "only the solution region is mutated"
