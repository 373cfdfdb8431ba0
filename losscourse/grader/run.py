"""``losscourse grade``: grade a whole class, in parallel, into grades.csv and feedback.

Every submission gets a row, whatever it holds: ``graded``, ``timeout`` (some code ran past
the time limit; what finished still counts), ``error`` (some code crashed the sandboxed
Python, e.g. past the memory cap) or ``invalid`` (no readable notebook). Submissions are only
read; each is graded in its own sandbox (:mod:`losscourse.grader.sandbox`) by a trusted judge
(:mod:`losscourse.grader.judge`), in a pool of ``jobs`` processes. The gradebook and the CSV
are written afterwards by this process alone, in student order, so a parallel run gives
exactly the grades of a sequential one.
"""

from __future__ import annotations

import csv
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from ..assignments import ROOT, SOURCE, list_assignments
from . import gradebook
from .collect import CollectError, collect, safe_name
from .judge import Verdict, judge
from .notebooks import (
    InvalidSubmission,
    SourceNotebook,
    find_notebook,
    read_source,
    read_submission,
    student_code,
)
from .sandbox import DEFAULT_MEMORY, ISOLATION, Sandbox

COLUMNS = ["student_id", "score", "max_score", "status", "message"]

# Seconds spent in each phase of the last grade() in this process (for benchmarks/bench_grading.py):
# setup, self_check, warm_up, grading (the class, in parallel), csv, gradebook, total.
LAST_PHASES: dict[str, float] = {}


class UsageError(Exception):
    """The instructor's mistake: unknown assignment, unreadable path. Exit code 2."""


@dataclass(frozen=True)
class Settings:
    assignment: str
    out: Path
    timeout: float
    memory: int
    hide: tuple[Path, ...]
    source: Path = SOURCE  # the solutions/ folder
    feedback: bool = True  # write each student's feedback HTML

    @property
    def source_notebook(self) -> Path:
        return sorted((self.source / self.assignment).glob("*.ipynb"))[0]


def installed_locations() -> list[Path]:
    """Where the sandbox's interpreter (``python -I``) would import losslib and losscourse from.

    They must be hidden too: an editable install may point at another checkout than ``ROOT``."""
    import subprocess

    code = (
        "import importlib.util as u\n"
        "for name in ('losslib', 'losscourse'):\n"
        "    spec = u.find_spec(name)\n"
        "    for loc in (spec.submodule_search_locations or []) if spec else []:\n"
        "        print(loc)"
    )
    proc = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, cwd="/")
    return [Path(line).resolve() for line in proc.stdout.splitlines() if line.strip()]


def self_check(settings: Settings) -> None:
    """Grade the reference solution first: if it does not get full marks, the grading
    environment or the tests are broken, and grading the class would blame the students."""
    source_nb = settings.source_notebook
    source = read_source(source_nb)
    with Sandbox(
        student_code(read_submission(source_nb), source),
        hide=list(settings.hide),
        timeout=settings.timeout,
        memory=settings.memory,
    ) as box:
        verdict = judge(source, box)
    if verdict.score != verdict.max_score:
        failed = "; ".join(f"{t.grade_id}: {t.message}" for t in verdict.tasks if not t.passed)
        raise UsageError(
            f"the reference solution of {settings.assignment} scores {verdict.score:g} / {verdict.max_score:g} "
            f"in this grading environment, so no student could be graded fairly. Failed: {failed[:2000]}"
        )


def _git_dirs(root: Path) -> list[Path]:
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


_SOURCES: dict[tuple, tuple[Path, SourceNotebook]] = {}


def _source(settings: Settings) -> tuple[Path, SourceNotebook]:
    """The source notebook and its parsed tests, read once per process (again if the file changes)."""
    path = settings.source_notebook
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _SOURCES:
        _SOURCES.clear()
        _SOURCES[key] = (path, read_source(path))
    return _SOURCES[key]


def grade_one(student_id: str, folder: Path, settings: Settings) -> dict:
    """Grade one student's folder; never raises for anything the student did."""
    started = time.perf_counter()
    source_nb, source = _source(settings)
    submission = None
    message = ""
    timings: dict[str, float] = {}
    try:
        path, note = find_notebook(folder, source_nb.name, settings.assignment)
        submission = read_submission(path)
        with Sandbox(
            student_code(submission, source),
            hide=list(settings.hide) + [folder],
            timeout=settings.timeout,
            memory=settings.memory,
        ) as box:
            verdict = judge(source, box)
        timings.update(verdict.timings)
        if note:
            verdict.notes.insert(0, note)
    except InvalidSubmission as exc:
        verdict = Verdict(0.0, source.max_score, "invalid")
        message = str(exc)
    except Exception as exc:  # noqa: BLE001 - a grader bug must not stop the class; it shows in the row
        verdict = Verdict(0.0, source.max_score, "error")
        message = f"the grader failed on this submission ({type(exc).__name__}: {exc}); please report it"
    if not message:
        failed = [t.grade_id for t in verdict.tasks if not t.passed]
        message = "; ".join(verdict.notes + ([f"failed: {', '.join(failed)}"] if failed else []))
    if settings.feedback:
        from .feedback import feedback_notebook, write_feedback_html

        feedback_started = time.perf_counter()
        try:
            nb = feedback_notebook(source_nb, submission, verdict, student_id, message)
            write_feedback_html(nb, settings.out / "feedback" / f"{safe_name(student_id)}.html")
        except Exception as exc:  # noqa: BLE001
            message += f" (no feedback file: {type(exc).__name__}: {exc})"
        timings["feedback"] = time.perf_counter() - feedback_started
    return {
        "student_id": student_id,
        "score": verdict.score,
        "max_score": verdict.max_score,
        "status": verdict.status,
        "message": message,
        "points": {t.grade_id: t.points for t in verdict.tasks},
        "messages": {t.grade_id: t.message for t in verdict.tasks if not t.passed},
        "seconds": time.perf_counter() - started,
        "timings": timings,  # where the seconds went: sandbox_start, student_cells, tests, feedback
    }


class Progress:
    """A progress bar on a terminal, nothing otherwise."""

    def __init__(self, total: int, stream=sys.stderr) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self.active = hasattr(stream, "isatty") and stream.isatty()

    def step(self, label: str) -> None:
        self.done += 1
        if self.active:
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {label[:30]:30}")
            if self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()


def grade(
    assignment: str,
    submissions: Path,
    *,
    out: Path | None = None,
    jobs: int | None = None,
    timeout: float = 30.0,
    memory: int = DEFAULT_MEMORY,
    root: Path = ROOT,
    record: bool = True,
    feedback: bool = True,
    log=print,
) -> list[dict]:
    """Grade every submission of ``assignment`` found in ``submissions``; return the rows."""
    phases: dict[str, float] = {}
    LAST_PHASES.clear()
    begun = time.perf_counter()
    known = list_assignments(root / "solutions")
    if assignment not in known:
        raise UsageError(f"unknown assignment {assignment!r}: choose from {', '.join(known)}")
    try:
        collected = collect(Path(submissions))
    except CollectError as exc:
        raise UsageError(str(exc)) from None
    out = Path(out) if out else root / "grading" / "reports" / assignment
    out = out.resolve()
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    jobs = max(1, jobs or os.cpu_count() or 1)
    hide = tuple(
        p
        for p in (
            root / "solutions",
            (root / "solutions").resolve(),
            ROOT / "solutions",
            root / "exercises",
            root / "grading",
            ROOT / "grading",
            ROOT / "losslib",
            ROOT / "losscourse",
            ROOT / "tests",
            ROOT / "book",
            ROOT / ".git",
            *_git_dirs(ROOT),
            Path(submissions).resolve().parent if Path(submissions).is_file() else Path(submissions).resolve(),
            out,
            Path.home(),
            *installed_locations(),
        )
        if p.exists()
    )
    settings = Settings(assignment, out, timeout, memory, hide, (root / "solutions").resolve(), feedback)
    phases["setup"] = time.perf_counter() - begun
    mark = time.perf_counter()
    self_check(settings)  # also imports what the tests need, before the pool's processes fork
    phases["self_check"] = time.perf_counter() - mark
    mark = time.perf_counter()
    if feedback:
        from .feedback import warm_up

        warm_up()  # the HTML exporter, built once here and inherited by every process of the pool
    _source(settings)
    phases["warm_up"] = time.perf_counter() - mark
    if ISOLATION != "bubblewrap":
        log(
            "warning: bubblewrap (bwrap) is not installed, so submissions run without filesystem and network "
            "isolation (memory, file-size and time limits only). Install it (Debian: apt-get install bubblewrap)."
        )
    for note in collected.notes:
        log(f"warning: {note}")
    started = time.perf_counter()
    rows: dict[str, dict] = {}
    prepared: _Prepare | None = None
    progress = Progress(len(collected.students))
    try:
        if jobs == 1:
            for student, folder in collected.students.items():
                rows[student] = grade_one(student, folder, settings)
                progress.step(student)
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = {pool.submit(grade_one, s, f, settings): s for s, f in collected.students.items()}
                if record and futures:
                    # The pool's processes are forked (all at the first submit): a thread is safe
                    # now. It readies the gradebook (importing nbgrader's API takes seconds) while
                    # the class is graded.
                    prepared = _Prepare(assignment, root)
                for future in as_completed(futures):
                    student = futures[future]
                    try:
                        rows[student] = future.result()
                    except Exception as exc:  # noqa: BLE001 - e.g. a worker process killed by the OS
                        rows[student] = {
                            "student_id": student,
                            "score": 0.0,
                            "max_score": 0.0,
                            "status": "error",
                            "message": f"the grader failed on this submission: {exc}",
                            "points": {},
                            "messages": {},
                            "seconds": 0.0,
                            "timings": {},
                        }
                    progress.step(student)
    finally:
        collected.cleanup()
    phases["grading"] = time.perf_counter() - started
    mark = time.perf_counter()
    ordered = [rows[s] for s in sorted(rows)]
    write_csv(out / "grades.csv", ordered)
    phases["csv"] = time.perf_counter() - mark
    mark = time.perf_counter()
    if record and ordered:
        notebook = settings.source_notebook.stem
        if prepared is not None:
            prepared.result()
        else:
            gradebook.ensure_assignment(assignment, root)
        gradebook.record(assignment, notebook, ordered, root)
    phases["gradebook"] = time.perf_counter() - mark
    elapsed = time.perf_counter() - started
    phases["total"] = time.perf_counter() - begun
    LAST_PHASES.update(phases)
    log(summary(ordered, elapsed, out))
    return ordered


class _Prepare(threading.Thread):
    """:func:`gradebook.ensure_assignment` in a thread; :meth:`result` waits and re-raises."""

    def __init__(self, assignment: str, root: Path) -> None:
        super().__init__(name="losscourse-gradebook", daemon=True)
        self.assignment, self.root = assignment, root
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            gradebook.ensure_assignment(self.assignment, self.root)
        except BaseException as exc:  # noqa: BLE001 - re-raised by result(), where it was raised before
            self.error = exc

    def result(self) -> None:
        self.join()
        if self.error is not None:
            raise self.error


def write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(
                [row["student_id"], f"{row['score']:g}", f"{row['max_score']:g}", row["status"], row["message"]]
            )


def summary(rows: list[dict], elapsed: float, out: Path) -> str:
    counts = {s: sum(r["status"] == s for r in rows) for s in ("graded", "timeout", "error", "invalid")}
    mean = sum(r["score"] for r in rows) / len(rows) if rows else 0.0
    max_score = max((r["max_score"] for r in rows), default=0.0)
    parts = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    return (
        f"graded {len(rows)} submission(s) in {elapsed:.1f} s ({parts or 'none'}); mean score "
        f"{mean:.2f} / {max_score:g}\ngrades: {out / 'grades.csv'}\nfeedback: {out / 'feedback'}/"
    )
