"""Mutation testing of an assignment's tests: do they catch the slips students make?

For every solution cell of the source notebook, the solution region (between ``### BEGIN
SOLUTION`` and ``### END SOLUTION``) is mutated with the slips seen in loss code: mean for
sum, a flipped sign, a dropped constant or division by N, the wrong axis, ``log`` for
``log1p``, ``max`` for ``min``, a log-sum-exp without its max subtracted, and so on
(:data:`OPERATORS`). Each mutant is handed in as a student would hand it in, a copy of the
notebook with that cell changed, and graded by ``losscourse grade``; it is *killed* if the
tests of its task lose points.

Three more kinds of submissions come from ``tests/submissions/<topic>.py``:

- ``<function>__alt_<what>``: a correct solution written differently; it must get full marks;
- ``<function>__bug_<what>``: a realistic slip the operators do not produce; it must be killed;
- ``<function>__trivial_<what>``: a constant or pass-through answer that only this task can
  phrase (the majority class of a fit, a constant line); it must score 0 on its task.

Every task also gets *trivial* answers generated from its function (:func:`trivial_answers`):
``return 0.0``, ``zeros_like``/``ones_like``/the mean of its first argument, that argument
itself, zeros, ones and that mean in the shape and dtype of the right answer, and, for a task
that answers with one of a list of names, each name every time (the most common choice
among them). A trivial answer must score 0 on its task's tests, visible and hidden.

A mutant that cannot change behaviour (``x <= d`` for ``x < d`` where ties are impossible)
is listed in that module's ``EQUIVALENT`` with the reason, and left out of the kill rate.

To keep it fast, mutants of tasks that share nothing (no function calls between them, no
test calling both) go into the same submission; a task's points are read separately.

Run ``losscourse mutate 04-embeddings`` for the report of one assignment.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from ..assignments import ROOT, SOURCE, ScratchCourse
from .cells import components, read_cells
from .constants import KINDS, TARGET_KILL_RATE
from .handwritten import handwritten, submissions_module
from .operators import OPERATORS, Mutant, mutants_of_cell
from .report import Outcome, Report
from .trivial import trivial_answers

__all__ = [
    "KINDS",
    "OPERATORS",
    "TARGET_KILL_RATE",
    "Mutant",
    "Outcome",
    "Report",
    "check",
    "generated_mutants",
    "mutants_of_cell",
    "run",
    "submissions_module",
    "trivial_answers",
]


def _notebook(assignment: str, source: Path) -> Path:
    return sorted((source / assignment).glob("*.ipynb"))[0]


def run(
    assignment: str,
    *,
    jobs: int = 2,
    root: Path = ROOT,
    log: Callable[[str], None] = print,
    kinds: Sequence[str] = KINDS,
) -> Report:
    """Grade every mutant, alternative, bug and trivial answer of ``assignment`` (of ``kinds`` only,
    if given); return the report."""
    from ..grader.run import grade

    notebook = _notebook(assignment, root / "solutions")
    cells = read_cells(notebook)
    module = submissions_module(assignment, root)
    equivalent: dict[str, dict[str, str]] = getattr(module, "EQUIVALENT", {})
    extra = handwritten(module, cells)
    groups = components(assignment, cells, extra)

    # queues[g] = the submissions' worth of mutants of group g, one per submission
    queues: list[list[Mutant]] = []
    for solutions, _ in groups:
        queue: list[Mutant] = []
        for cell in solutions:
            queue += mutants_of_cell(cell.grade_id, cell.source)
            queue += trivial_answers(cell.grade_id, cell.source)
        queue += [m for m in extra if m.task in {c.grade_id for c in solutions}]
        queue = [m for m in queue if m.kind in kinds]
        queues.append(queue)

    import nbformat

    base = nbformat.read(notebook, as_version=4)
    work = Path(tempfile.mkdtemp(prefix=f"mutants-{assignment}-"))
    try:
        plan: dict[str, list[tuple[int, Mutant]]] = {}
        for k in range(max((len(q) for q in queues), default=0)):
            nb = nbformat.from_dict(base)
            chosen = []
            for g, queue in enumerate(queues):
                if k < len(queue):
                    mutant = queue[k]
                    cell = next(c for c in cells if c.grade_id == mutant.task)
                    nb.cells[cell.index].source = mutant.source
                    chosen.append((g, mutant))
            student = f"m{k:04d}"
            (work / "subs" / student).mkdir(parents=True)
            nbformat.write(nb, work / "subs" / student / notebook.name)
            plan[student] = chosen
        log(f"{assignment}: grading {sum(map(len, queues))} mutants in {len(plan)} submissions")
        with ScratchCourse(root / "solutions") as course:
            rows = grade(
                assignment,
                work / "subs",
                out=work / "out",
                jobs=jobs,
                root=course.root,
                record=False,
                feedback=False,
                log=lambda *_: None,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    points = {row["student_id"]: row["points"] for row in rows}
    messages = {row["student_id"]: row.get("messages", {}) for row in rows}
    outcomes = []
    used_equivalents = set()
    for student, chosen in plan.items():
        for g, mutant in chosen:
            tests = groups[g][1]
            got = sum(points[student].get(t.grade_id, 0.0) for t in tests)
            reason = ""
            if mutant.kind == "operator":
                function = next(iter(c.defines for c in cells if c.grade_id == mutant.task), {mutant.task})
                for name in sorted(function) + [mutant.task]:
                    if mutant.label in equivalent.get(name, {}):
                        reason = equivalent[name][mutant.label]
                        used_equivalents.add((name, mutant.label))
            failed = {t.grade_id: messages[student][t.grade_id] for t in tests if t.grade_id in messages[student]}
            own = [t for t in tests if t.grade_id in (f"test_{mutant.task}", f"test_{mutant.task}_hidden")]
            outcomes.append(
                Outcome(
                    mutant,
                    got,
                    sum(t.points for t in tests),
                    reason,
                    failed,
                    sum(points[student].get(t.grade_id, 0.0) for t in own),
                    sum(t.points for t in own),
                )
            )
    stale = [
        f"{f}: {label}"
        for f, labels in equivalent.items()
        for label in labels
        if (f, label) not in used_equivalents and "operator" in kinds
    ]
    return Report(assignment, outcomes, stale)


def generated_mutants(assignment: str, source: Path = SOURCE) -> list[Mutant]:
    """The mutants and trivial answers generated from ``assignment``'s solution cells (the
    hand-written ones of ``tests/submissions/`` are not listed)."""
    found = []
    for cell in read_cells(_notebook(assignment, source)):
        if cell.kind == "solution":
            found += mutants_of_cell(cell.grade_id, cell.source) + trivial_answers(cell.grade_id, cell.source)
    return found


def check(assignments: Sequence[str], *, jobs: int = 2, kinds: Sequence[str] = KINDS) -> bool:
    """Grade the mutants of each assignment (:func:`run`), with a progress bar on a terminal, and
    print each report; return whether every assignment :attr:`Report.passed`."""
    from tqdm import tqdm

    passed = True
    bar = tqdm(assignments, desc="mutation testing", unit="assignment", disable=None)
    for assignment in bar:
        bar.set_postfix_str(assignment)
        report = run(assignment, jobs=jobs, kinds=kinds, log=tqdm.write)
        tqdm.write(report.text())
        passed = passed and report.passed
    return passed
