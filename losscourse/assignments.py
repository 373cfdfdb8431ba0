"""Assignments: the released ones (:func:`released`, listed by the book's exercises page), releasing
the student version and autograding submissions with nbgrader.

nbgrader keeps its state in a course folder (``nbgrader_config.py``, a gradebook,
``submitted/``, ``autograded/``...). To release or grade without touching the
instructor's ``grading/`` folder, :class:`ScratchCourse` makes a throw-away course
folder that reads ``solutions/`` from the repository and keeps everything else to itself.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "solutions"
RELEASE = ROOT / "exercises"


def list_assignments(source: Path = SOURCE) -> list[str]:
    """Assignment ids (``NN-topic``), in chapter order."""
    return sorted(p.name for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))


@dataclass(frozen=True)
class Assignment:
    """A released assignment, as the exercises page lists it."""

    id: str  # NN-topic
    path: str  # relative to the repository root: exercises/NN-topic/name.ipynb
    title: str
    tasks: int
    points: float
    uses_check: bool  # the setup cell imports losscourse.checks' check()

    @property
    def number(self) -> str:
        return self.id.split("-", 1)[0]

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def released(root: Path = ROOT) -> list[Assignment]:
    """Every assignment released in ``exercises/``, in chapter order. Never looks at ``solutions/``."""
    import nbformat

    found = []
    for path in sorted((root / "exercises").glob("*/*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        nb = nbformat.read(path, as_version=4)
        title = path.stem
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                heading = re.search(r"^#\s+(.+)$", cell.source, re.M)
                if heading:
                    title = heading.group(1).strip()
                    break
        tests = [
            c.metadata["nbgrader"]
            for c in nb.cells
            if (c.metadata.get("nbgrader") or {}).get("grade") and not c.metadata["nbgrader"].get("solution")
        ]
        uses_check = any(
            re.search(r"^from losscourse\.checks[\w.]* import .*\bcheck\b", c.source, re.M)
            for c in nb.cells
            if c.cell_type == "code"
        )
        found.append(
            Assignment(
                id=path.parent.name,
                path=path.relative_to(root).as_posix(),
                title=title,
                tasks=len(tests),
                points=sum(float(t.get("points", 0)) for t in tests),
                uses_check=uses_check,
            )
        )
    return found


def nbgrader_env() -> dict[str, str]:
    """The environment for an nbgrader subprocess.

    nbgrader runs ``alembic`` (to set up its gradebook) by name, so the folder of
    this interpreter's scripts must be on PATH even when the venv is not activated.
    """
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def run_nbgrader(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``nbgrader ARGS`` in the course folder ``cwd``; raise with its log if it fails."""
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=cwd,
        env=nbgrader_env(),
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"nbgrader {' '.join(args)} failed with exit code {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


@dataclass(frozen=True)
class Score:
    score: float
    max_score: float


class ScratchCourse:
    """A temporary nbgrader course folder that shares ``solutions/`` with the repository.

    Use as a context manager; the folder is removed on exit.
    """

    def __init__(self, source: Path = SOURCE) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="losscourse-")
        self.root = Path(self._tmp.name)
        shutil.copy(ROOT / "nbgrader_config.py", self.root / "nbgrader_config.py")
        (self.root / "solutions").symlink_to(source, target_is_directory=True)

    def __enter__(self) -> ScratchCourse:
        return self

    def __exit__(self, *exc: object) -> None:
        self._tmp.cleanup()

    @property
    def release(self) -> Path:
        return self.root / "exercises"

    def generate(self, assignment: str) -> Path:
        """Generate the student version; returns its folder."""
        run_nbgrader(["generate_assignment", assignment, "--force"], cwd=self.root)
        return self.release / assignment

    def generate_all(self) -> None:
        """Generate the student version of every assignment, in one nbgrader process (each
        process costs a few CPU seconds of start-up)."""
        run_nbgrader(["generate_assignment", "*", "--force"], cwd=self.root)

    def autograde_all(self, submissions: dict[str, dict[str, Path]]) -> dict[str, dict[str, Score]]:
        """Autograde ``{assignment: {student_id: folder holding the submitted notebooks}}`` in one
        nbgrader process; the scores by assignment and student.

        An assignment not generated yet is generated first (nbgrader grades against the
        gradebook's copy of the test cells, not against what the student handed in).
        """
        for assignment, students in submissions.items():
            if not (self.release / assignment).exists():
                self.generate(assignment)
            for student, folder in students.items():
                dest = self.root / "grading" / "submitted" / student / assignment
                dest.mkdir(parents=True)
                for nb in Path(folder).glob("*.ipynb"):
                    shutil.copy(nb, dest / nb.name)
        which = next(iter(submissions)) if len(submissions) == 1 else "*"
        run_nbgrader(["autograde", which, "--force"], cwd=self.root)
        return {assignment: self.scores(assignment, list(students)) for assignment, students in submissions.items()}

    def scores(self, assignment: str, students: list[str]) -> dict[str, Score]:
        from nbgrader.api import Gradebook

        db = f"sqlite:///{self.root / 'grading' / 'gradebook.db'}"
        with Gradebook(db, "loss-functions") as gb:
            out = {}
            for student in students:
                sub = gb.find_submission(assignment, student)
                out[student] = Score(float(sub.score), float(sub.max_score))
        return out


def release(assignments: list[str] | None = None) -> None:
    """Regenerate ``exercises/<assignment>/`` from ``solutions/`` (all assignments by default).

    Runs in the course root, so nbgrader's gradebook (``grading/gradebook.db``)
    learns the assignment's graded cells too, ready for ``nbgrader autograde``.
    """
    for assignment in assignments or list_assignments():
        if not (SOURCE / assignment).is_dir():
            raise SystemExit(f"unknown assignment {assignment!r}: choose from {', '.join(list_assignments())}")
        run_nbgrader(["generate_assignment", assignment, "--force"], cwd=ROOT)
        print(f"released {assignment} -> exercises/{assignment}/")
