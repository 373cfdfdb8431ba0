"""One submission's grading, from plain data to plain data: what a worker runs.

The coordinator (:mod:`losscourse.grader.run`) reads the assignment and the submissions and
sends, per student, a :class:`Job` (the notebook's bytes and what the LMS said) with one
:class:`Spec` (the source notebook's bytes, the limits). A worker, a process of the local pool
or of a Dask cluster, runs :func:`grade_job`: the student's code in its sandbox
(:mod:`losscourse.grader.sandbox`), the tests in the trusted judge (:mod:`losscourse.grader.judge`),
and returns the row as a dict, with the feedback page as an HTML string. A worker writes nothing
that lasts (a temporary copy of the notebook, hidden from the sandbox): the coordinator alone
writes the results, grades.csv, the feedback and the gradebook. Since the tests travel with the
spec, a worker needs no copy of ``solutions/``; it needs the course installed at the coordinator's
version (:func:`course_version`), which :func:`prepare_worker` checks on a cluster's workers.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..assignments import ROOT
from .judge import Verdict, judge
from .notebooks import MAX_NOTEBOOK_BYTES, InvalidSubmission, SourceNotebook, read_source, read_submission, student_code
from .sandbox import ISOLATION, Sandbox


class WorkerRefused(Exception):
    """A worker that must not grade: another course version, no bubblewrap, or a grading
    environment in which the reference solution does not get full marks."""


@dataclass(frozen=True)
class Spec:
    """What every job of a run shares (sent with each job; a few tens of kB)."""

    assignment: str
    source_name: str  # e.g. likelihood.ipynb
    source: bytes  # the source notebook: solutions and tests, hidden ones included
    release_code: tuple[str, ...] | None  # the handed-out notebook's code cells (to recognise a blank one)
    timeout: float
    memory: int
    hide: tuple[str, ...] = ()  # the coordinator's folders to hide, where they exist on the worker too
    feedback: bool = True
    course: dict | None = None  # the coordinator's course_version(); checked by a cluster's workers

    @property
    def source_sha256(self) -> str:
        return hashlib.sha256(self.source).hexdigest()


@dataclass(frozen=True)
class Job:
    """One student's submission as plain data (the notebook's bytes, not its path: a worker of a
    cluster does not see the coordinator's files)."""

    student_id: str
    name: str = ""
    late: bool = False
    notes: tuple[str, ...] = ()
    problem: str = ""  # why there is no notebook (then notebook is None)
    notebook_name: str = ""
    notebook: bytes | None = None

    @classmethod
    def from_entry(cls, entry) -> Job:
        """The job of a :class:`losscourse.grader.lms.Entry` (reads at most the size a notebook may
        have, plus one byte: the worker refuses a larger one with the usual message)."""
        data, problem = None, entry.problem
        if entry.notebook is not None:
            try:
                with open(entry.notebook, "rb") as f:
                    data = f.read(MAX_NOTEBOOK_BYTES + 1)
            except OSError as exc:
                problem = f"{entry.notebook.name} cannot be read ({exc.strerror or exc})"
        return cls(
            entry.student_id,
            entry.name,
            entry.late,
            tuple(entry.notes),
            problem,
            entry.notebook.name if entry.notebook is not None else "",
            data,
        )

    def key_parts(self) -> dict:
        """What of the job decides its result (with the spec's parts: :func:`result_key`)."""
        return {
            "student_id": self.student_id,
            "name": self.name,
            "late": self.late,
            "notes": list(self.notes),
            "problem": self.problem,
            "notebook_name": self.notebook_name,
            "notebook_sha256": None if self.notebook is None else hashlib.sha256(self.notebook).hexdigest(),
        }


def result_key(job: Job, spec: Spec) -> dict:
    """Everything a result depends on, for :func:`losscourse.grader.results.key_of`."""
    release = None if spec.release_code is None else hashlib.sha256("\0".join(spec.release_code).encode()).hexdigest()
    return {
        "job": job.key_parts(),
        "source_sha256": spec.source_sha256,
        "release_sha256": release,
        "course": {k: v for k, v in course_version().items() if k in COMPARED},
        "timeout": spec.timeout,
        "memory": spec.memory,
        "feedback": spec.feedback,
    }


# -- the course's version ------------------------------------------------------------------------

# What must be equal on the coordinator and every worker: the course's code (losslib and
# losscourse as installed: their .py files and the feedback template) and the numerics the tests
# compare with. The git commit and Python's version are shown, not compared (an image built from
# a commit has no .git; another patch release of Python grades alike).
COMPARED = ("losslib", "sources", "numpy", "scipy")


@cache
def course_version() -> dict:
    """This process's course: ``losslib.__version__``, the sha256 of the installed sources of
    losslib and losscourse (the files a wheel installs), numpy's and scipy's versions, and, for
    the messages, the git commit (``LOSSCOURSE_COMMIT``, or ``git rev-parse`` of a checkout)."""
    import numpy
    import scipy

    import losslib

    digest = hashlib.sha256()
    for package in ("losslib", "losscourse"):
        spec = importlib.util.find_spec(package)
        base = Path(next(iter(spec.submodule_search_locations))).resolve()
        files = [p for p in base.rglob("*.py")] + [p for p in (base / "grader" / "templates").rglob("*") if p.is_file()]
        for path in sorted(p for p in files if "__pycache__" not in p.parts):
            digest.update(f"{package}/{path.relative_to(base).as_posix()}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return {
        "losslib": losslib.__version__,
        "sources": digest.hexdigest(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "commit": os.environ.get("LOSSCOURSE_COMMIT") or _git_commit(),
        "python": sys.version.split()[0],
    }


def _git_commit() -> str | None:
    if not (ROOT / ".git").exists():
        return None
    try:
        proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() or None


def version_differences(mine: dict, theirs: dict) -> list[str]:
    """What differs between two :func:`course_version` dicts, in words ([] if nothing compared does)."""
    names = {
        "losslib": "losslib version",
        "sources": "sha256 of the course sources",
        "numpy": "numpy",
        "scipy": "scipy",
    }
    return [
        f"{names[k]} {theirs.get(k)} (coordinator: {mine.get(k)})" for k in COMPARED if mine.get(k) != theirs.get(k)
    ]


# -- the worker's side ---------------------------------------------------------------------------


@dataclass
class _Prepared:
    source_path: Path
    source: SourceNotebook
    hide: list[Path] = field(default_factory=list)


_PREPARED: dict[tuple, _Prepared] = {}
_SCRATCH: list[str] = []


def _scratch() -> Path:
    """This process's folder for the source notebook (hidden from every sandbox, removed at exit)."""
    if not _SCRATCH:
        _SCRATCH.append(tempfile.mkdtemp(prefix="losscourse-worker-"))
        atexit.register(shutil.rmtree, _SCRATCH[0], True)
    return Path(_SCRATCH[0])


def installed_locations() -> list[Path]:
    """Where the sandbox's interpreter (``python -I``) would import losslib and losscourse from.

    They must be hidden too: an editable install may point at another checkout than ``ROOT``."""
    code = (
        "import importlib.util as u\n"
        "for name in ('losslib', 'losscourse'):\n"
        "    spec = u.find_spec(name)\n"
        "    for loc in (spec.submodule_search_locations or []) if spec else []:\n"
        "        print(loc)"
    )
    proc = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, cwd="/")
    return [Path(line).resolve() for line in proc.stdout.splitlines() if line.strip()]


def git_dirs(root: Path) -> list[Path]:
    """In a git worktree, ``.git`` is a file naming the repository's git folder (which holds the
    solutions' history): that folder is hidden too."""
    dot_git = root / ".git"
    if not dot_git.is_file():
        return []
    try:
        line = dot_git.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return []
    if not line.startswith("gitdir:"):
        return []
    gitdir = (root / line.split(":", 1)[1].strip()).resolve()
    common = gitdir / "commondir"
    dirs = [gitdir]
    if common.is_file():
        dirs.append((gitdir / common.read_text(encoding="utf-8").strip()).resolve())
    return dirs


@cache
def machine_hide() -> tuple[Path, ...]:
    """What the sandbox hides on this machine whoever sent the job: this installation's course
    (sources, solutions, tests, the gradebook, git), the home folder and the source's scratch."""
    paths = [
        *(ROOT / name for name in ("solutions", "exercises", "grading", "losslib", "losscourse", "tests", "book")),
        ROOT / ".git",
        *git_dirs(ROOT),
        Path.home(),
        *installed_locations(),
        _scratch(),
    ]
    return tuple(p for p in paths if p.exists())


def prepare(spec: Spec) -> _Prepared:
    """The parsed source notebook of ``spec`` and the folders to hide, made once per process."""
    key = (spec.source_sha256, spec.hide)
    if key not in _PREPARED:
        folder = _scratch() / spec.source_sha256
        folder.mkdir(exist_ok=True)
        path = folder / spec.source_name
        if not path.is_file():
            path.write_bytes(spec.source)
        hide = [*machine_hide(), *(Path(p) for p in spec.hide if Path(p).exists())]
        _PREPARED.clear()
        _PREPARED[key] = _Prepared(path, read_source(path), list(dict.fromkeys(hide)))
    return _PREPARED[key]


def self_check(spec: Spec) -> None:
    """Grade the reference solution: if it does not get full marks here, the grading environment
    or the tests are broken, and grading the class would blame the students (:class:`WorkerRefused`)."""
    prepared = prepare(spec)
    with Sandbox(
        student_code(read_submission(prepared.source_path), prepared.source),
        hide=prepared.hide,
        timeout=spec.timeout,
        memory=spec.memory,
    ) as box:
        verdict = judge(prepared.source, box)
    if verdict.score != verdict.max_score:
        failed = "; ".join(f"{t.grade_id}: {t.message}" for t in verdict.tasks if not t.passed)
        raise WorkerRefused(
            f"the reference solution of {spec.assignment} scores {verdict.score:g} / {verdict.max_score:g} "
            f"in this grading environment, so no student could be graded fairly. Failed: {failed[:2000]}"
        )


_READY: set[tuple] = set()


def prepare_worker(spec: Spec) -> dict:
    """Check that this worker of a cluster may grade ``spec``'s jobs: the course at the
    coordinator's version and bubblewrap (every time: cheap), full marks for the reference
    solution here (once per process and spec); then build the feedback exporter. Returns this worker's :func:`course_version` (with ``isolation``);
    raises :class:`WorkerRefused` saying what to fix."""
    here = {**course_version(), "isolation": ISOLATION, "host": os.uname().nodename}
    if spec.course is not None:
        differ = version_differences(spec.course, here)
        if differ:
            raise WorkerRefused(
                f"its course differs from the coordinator's: {'; '.join(differ)}. Install the coordinator's "
                f"commit ({spec.course.get('commit') or 'unknown'}) on it (README: Grading on a Dask cluster)"
            )
        if ISOLATION != "bubblewrap":
            raise WorkerRefused(
                "bubblewrap (bwrap) is not installed on it, so student code would run without filesystem and "
                "network isolation: install it (Debian: apt-get install bubblewrap) or use the worker image"
            )
    key = (spec.source_sha256, spec.timeout, spec.memory)
    if key in _READY:
        return here
    self_check(spec)
    if spec.feedback:
        from .feedback import warm_up

        warm_up()
    _READY.add(key)
    return here


def grade_job(job: Job, spec: Spec) -> dict:
    """Grade one submission; never raises for anything the student did (only
    :class:`WorkerRefused`, on a worker that must not grade)."""
    if spec.course is not None:
        prepare_worker(spec)
    with tempfile.TemporaryDirectory(prefix="losscourse-job-") as tmp:
        path = None
        if job.notebook is not None:
            path = Path(tmp) / job.notebook_name
            path.write_bytes(job.notebook)
        return _grade(job, path, spec, Path(tmp))


def _grade(job: Job, path: Path | None, spec: Spec, tmp: Path) -> dict:
    started = time.perf_counter()
    prepared = prepare(spec)
    source = prepared.source
    submission = None
    message = ""
    timings: dict[str, float] = {}
    try:
        if path is None:
            raise InvalidSubmission(job.problem or f"no notebook found; expected {spec.source_name}")
        submission = read_submission(path)
        with Sandbox(
            student_code(submission, source), hide=[*prepared.hide, tmp], timeout=spec.timeout, memory=spec.memory
        ) as box:
            verdict = judge(source, box)
        timings.update(verdict.timings)
        release = list(spec.release_code) if spec.release_code is not None else None
        if verdict.status == "graded" and code_cells(submission) == release:
            verdict.status = "blank"
            verdict.notes.insert(0, "blank: the notebook's code is the handed-out version's, unchanged")
        verdict.notes[:0] = job.notes
    except InvalidSubmission as exc:
        verdict = Verdict(0.0, source.max_score, "invalid")
        message = "; ".join([*job.notes, str(exc)])
    except Exception as exc:  # noqa: BLE001 - a grader bug must not stop the class; it shows in the row
        verdict = Verdict(0.0, source.max_score, "error")
        message = f"the grader failed on this submission ({type(exc).__name__}: {exc}); please report it"
    if not message:
        failed = [t.grade_id for t in verdict.tasks if not t.passed]
        message = "; ".join(verdict.notes + ([f"failed: {', '.join(failed)}"] if failed else []))
    page = None
    if spec.feedback:
        from .feedback import feedback_notebook, render_feedback_html

        feedback_started = time.perf_counter()
        try:
            page = render_feedback_html(
                feedback_notebook(prepared.source_path, submission, verdict, job.student_id, message)
            )
        except Exception as exc:  # noqa: BLE001
            message += f" (no feedback file: {type(exc).__name__}: {exc})"
        timings["feedback"] = time.perf_counter() - feedback_started
    return {
        "student_id": job.student_id,
        "name": job.name,
        "late": job.late,
        "score": verdict.score,
        "max_score": verdict.max_score,
        "status": verdict.status,
        "message": message,
        "points": {t.grade_id: t.points for t in verdict.tasks},
        "messages": {t.grade_id: t.message for t in verdict.tasks if not t.passed},
        "seconds": time.perf_counter() - started,
        "timings": timings,  # where the seconds went: sandbox_start, student_cells, tests, feedback
        "feedback_html": page,
    }


def code_cells(nb) -> list[str]:
    """Every code cell's text (test cells too: editing them is not leaving the notebook blank)."""
    cells = []
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            text = cell.get("source", "")
            text = ("".join(text) if isinstance(text, list) else str(text)).strip()
            if text:
                cells.append(text)
    return cells
