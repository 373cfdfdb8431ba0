"""nbgrader's gradebook: the course's record of every grade, shared with nbgrader's own tools.

The grader writes each student's scores as nbgrader's autograder would (one ``Grade`` per
graded cell, its ``auto_score``), from one process, after the parallel grading, so the
sqlite file is only ever written by one writer. ``nbgrader formgrade``, ``nbgrader export``
and :func:`export` read it.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
import warnings
from pathlib import Path

from ..assignments import ROOT, run_nbgrader

COURSE_ID = "loss-functions"


def _gradebook(root: Path):
    """nbgrader's Gradebook, which runs ``alembic`` by name: put this interpreter's scripts on PATH."""
    from nbgrader.api import Gradebook

    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    (root / "grading").mkdir(exist_ok=True)
    return Gradebook(db_url(root), COURSE_ID)


def db_url(root: Path = ROOT) -> str:
    return f"sqlite:///{root / 'grading' / 'gradebook.db'}"


def ensure_assignment(assignment: str, root: Path = ROOT) -> None:
    """Make sure nbgrader's gradebook knows the assignment's graded cells.

    nbgrader records them when it generates the student version; we let it do so into a
    temporary folder, so ``exercises/`` is not touched.
    """
    from nbgrader.api import MissingEntry

    with _gradebook(root) as gb:
        try:
            if gb.find_assignment(assignment).notebooks:
                return
        except MissingEntry:
            pass
    with tempfile.TemporaryDirectory(prefix="losscourse-release-") as tmp:
        run_nbgrader(
            ["generate_assignment", assignment, "--force", f"--CourseDirectory.release_directory={tmp}"], cwd=root
        )


def record(assignment: str, notebook: str, results: list[dict], root: Path = ROOT) -> None:
    """Write each result's task scores into the gradebook (invalid submissions score 0)."""
    with _gradebook(root) as gb, warnings.catch_warnings():
        # nbgrader's own add_submission triggers SQLAlchemy autoflush warnings; they are harmless.
        warnings.simplefilter("ignore", category=Warning)
        cells = [(cell.id, cell.name) for cell in gb.find_notebook(notebook, assignment).grade_cells]
        for result in results:
            student = result["student_id"]
            gb.update_or_create_student(student)
            gb.update_or_create_submission(assignment, student)
            # The submission's grades in one query (find_grade would make one per cell).
            grades = {g.cell_id: g for g in gb.find_submission_notebook(notebook, assignment, student).grades}
            for cell_id, name in cells:
                grade = grades.get(cell_id) or gb.find_grade(name, notebook, assignment, student)
                grade.auto_score = float(result["points"].get(name, 0.0))
                grade.manual_score = None
            gb.db.commit()


def export(out: Path, root: Path = ROOT) -> int:
    """Every grade of every assignment as one CSV; returns the number of rows."""
    rows = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with _gradebook(root) as gb, open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["assignment", "student_id", "score", "max_score"])
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            for submission in sorted(assignment.submissions, key=lambda s: s.student.id):
                writer.writerow(
                    [assignment.name, submission.student.id, f"{submission.score:g}", f"{submission.max_score:g}"]
                )
                rows += 1
    return rows
