"""nbgrader's gradebook: the course's record of every grade, shared with nbgrader's own tools.

The grader writes each student's scores as nbgrader's autograder would (one ``Grade`` per
graded cell, its ``auto_score``), from one process, after the parallel grading, so the
sqlite file is only ever written by one writer. ``nbgrader formgrade``, ``nbgrader export``
and :func:`export` read it.

nbgrader keeps scores only; each row's ``status`` and ``message`` (``invalid``: why) are kept
beside them, in the same sqlite file, in the table ``losscourse_status``, which nbgrader
ignores. :func:`grades` lists what is recorded and :func:`remove` removes an assignment's
grades (all, or some students'), after saving a copy of the file under ``grading/history/``.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import sys
import tempfile
import time
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
    with _status_db(root) as con:
        con.executemany(
            "INSERT OR REPLACE INTO losscourse_status (assignment, student_id, status, message) VALUES (?, ?, ?, ?)",
            [(assignment, r["student_id"], r.get("status", ""), r.get("message", "")) for r in results],
        )
    con.close()


def db_path(root: Path | None = None) -> Path:
    return (root or ROOT) / "grading" / "gradebook.db"


def _status_db(root: Path) -> sqlite3.Connection:
    """The table of each recorded row's status and message, in nbgrader's sqlite file."""
    con = sqlite3.connect(db_path(root))
    con.execute(
        "CREATE TABLE IF NOT EXISTS losscourse_status (assignment TEXT NOT NULL, student_id TEXT NOT NULL, "
        "status TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (assignment, student_id))"
    )
    return con


def _statuses(root: Path) -> dict[tuple[str, str], tuple[str, str]]:
    with _status_db(root) as con:
        found = {(a, s): (st, m) for a, s, st, m in con.execute("SELECT * FROM losscourse_status")}
    con.close()
    return found


EXPORT_COLUMNS = ["assignment", "student_id", "score", "max_score", "status", "message"]


def grades(root: Path | None = None, assignment: str | None = None) -> list[dict]:
    """Every recorded grade (of ``assignment`` only, if given), sorted by assignment and student:
    dicts with :data:`EXPORT_COLUMNS` (``status`` and ``message`` are "" for a grade recorded
    before they were kept)."""
    root = root or ROOT
    if not db_path(root).is_file():
        return []
    statuses = _statuses(root)
    rows = []
    with _gradebook(root) as gb:
        for a in sorted(gb.assignments, key=lambda a: a.name):
            if assignment is not None and a.name != assignment:
                continue
            for submission in sorted(a.submissions, key=lambda s: s.student.id):
                sid = submission.student.id
                status, message = statuses.get((a.name, sid), ("", ""))
                rows.append(
                    {
                        "assignment": a.name,
                        "student_id": sid,
                        "score": f"{submission.score:g}",
                        "max_score": f"{submission.max_score:g}",
                        "status": status,
                        "message": message,
                    }
                )
    return rows


def export(out: Path, root: Path = ROOT) -> int:
    """Every grade of every assignment as one CSV; returns the number of rows.

    The columns are ``assignment,student_id,score,max_score`` then ``status,message`` (appended,
    so readers of the first four are unchanged)."""
    rows = grades(root)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


class GradebookError(Exception):
    """What the instructor asked to remove is not in the gradebook; nothing was removed."""


def remove(assignment: str, students: list[str] | None, root: Path | None = None, *, dry_run: bool = False):
    """Remove the recorded grades of ``assignment``: of ``students``, or all its grades if None.

    Every student named must have a grade of the assignment, or nothing is removed
    (:class:`GradebookError` names the missing ones and those recorded). Unless ``dry_run``, the
    gradebook file is first copied to ``grading/history/gradebook-<time>.db``. The assignment
    itself (its graded cells) stays. Returns the removed rows (as :func:`grades`) and the copy."""
    root = root or ROOT
    recorded = {r["student_id"]: r for r in grades(root, assignment)}
    if not recorded:
        known = sorted({r["assignment"] for r in grades(root)})
        raise GradebookError(
            f"the gradebook {db_path(root)} holds no grade of {assignment!r}"
            + (f"; it holds grades of: {', '.join(known)}" if known else "; it holds no grade at all")
        )
    if students is None:
        chosen = list(recorded)
    else:
        missing = [s for s in students if s not in recorded]
        if missing:
            raise GradebookError(
                f"no grade of {assignment} is recorded for {', '.join(missing)}; nothing was removed. Recorded: "
                f"{', '.join(list(recorded)[:50])}{' ...' if len(recorded) > 50 else ''}"
            )
        chosen = list(dict.fromkeys(students))
    removed = [recorded[s] for s in chosen]
    if dry_run:
        return removed, None
    history = root / "grading" / "history"
    history.mkdir(parents=True, exist_ok=True)
    backup = history / f"gradebook-{time.strftime('%Y%m%dT%H%M%S')}.db"
    n = 1
    while backup.exists():
        n += 1
        backup = history / f"gradebook-{time.strftime('%Y%m%dT%H%M%S')}-{n}.db"
    with sqlite3.connect(db_path(root)) as src, sqlite3.connect(backup) as dst:
        src.backup(dst)  # a consistent copy, even of a file in use
    src.close()
    dst.close()
    with _gradebook(root) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        for student in chosen:
            gb.remove_submission(assignment, student)
    with _status_db(root) as con:
        con.executemany(
            "DELETE FROM losscourse_status WHERE assignment = ? AND student_id = ?", [(assignment, s) for s in chosen]
        )
    con.close()
    return removed, backup
