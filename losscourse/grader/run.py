"""``losscourse grade``: grade a whole class, in parallel, into grades.csv and feedback.

The submissions are found by :func:`losscourse.grader.collect.collect` in their layout (one
folder per student, Canvas's or Moodle's download; :mod:`losscourse.grader.lms`). Every student
gets a row, whatever they handed in: ``graded``, ``blank`` (the handed-out notebook, unchanged),
``timeout`` (some code ran past the time limit; what finished still counts), ``error`` (some
code crashed the sandboxed Python, e.g. past the memory cap) or ``invalid`` (no readable
notebook). grades.csv is merged with an earlier one by student id. Submissions are only read; each is graded in its own sandbox (:mod:`losscourse.grader.sandbox`) by a trusted judge
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
from .lms import Entry
from .notebooks import (
    InvalidSubmission,
    SourceNotebook,
    read_source,
    read_submission,
    student_code,
)
from .sandbox import DEFAULT_MEMORY, ISOLATION, Sandbox

COLUMNS = ["student_id", "score", "max_score", "status", "message", "name", "late"]
STATUSES = ("graded", "blank", "timeout", "error", "invalid")

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
    release: Path | None = None  # the student version of the notebook (to recognise an untouched one)

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


_RELEASES: dict[tuple, list[str] | None] = {}


def source_notebooks(assignment: str, root: Path = ROOT) -> list[Path]:
    """The source notebooks of ``assignment`` in ``root/solutions``; ``UsageError`` if there are none."""
    known = list_assignments(root / "solutions")
    if assignment not in known:
        raise UsageError(f"unknown assignment {assignment!r}: choose from {', '.join(known)}")
    notebooks = sorted((root / "solutions" / assignment).glob("*.ipynb"))
    if not notebooks:
        raise UsageError(f"solutions/{assignment}/ holds no notebook")
    return notebooks


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


def _release_code(settings: Settings) -> list[str] | None:
    """The code cells of the notebook as handed out (None if there is none to compare with)."""
    path = settings.release
    if path is None or not path.is_file():
        return None
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _RELEASES:
        _RELEASES.clear()
        try:
            _RELEASES[key] = code_cells(read_submission(path))
        except InvalidSubmission:
            _RELEASES[key] = None
    return _RELEASES[key]


def grade_one(entry: Entry, settings: Settings) -> dict:
    """Grade one student's notebook; never raises for anything the student did."""
    started = time.perf_counter()
    source_nb, source = _source(settings)
    student_id = entry.student_id
    submission = None
    message = ""
    timings: dict[str, float] = {}
    try:
        if entry.notebook is None:
            raise InvalidSubmission(entry.problem or f"no notebook found; expected {source_nb.name}")
        submission = read_submission(entry.notebook)
        with Sandbox(
            student_code(submission, source),
            hide=list(settings.hide) + [entry.notebook.parent],
            timeout=settings.timeout,
            memory=settings.memory,
        ) as box:
            verdict = judge(source, box)
        timings.update(verdict.timings)
        if verdict.status == "graded" and code_cells(submission) == _release_code(settings):
            verdict.status = "blank"
            verdict.notes.insert(0, "blank: the notebook's code is the handed-out version's, unchanged")
        verdict.notes[:0] = entry.notes
    except InvalidSubmission as exc:
        verdict = Verdict(0.0, source.max_score, "invalid")
        message = "; ".join([*entry.notes, str(exc)])
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
        "name": entry.name,
        "late": entry.late,
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
    layout: str | None = None,
    log=print,
) -> list[dict]:
    """Grade every submission of ``assignment`` found in ``submissions`` (in ``layout``, one of
    :data:`losscourse.grader.lms.LAYOUTS`, recognised when None); return this run's rows.

    ``grades.csv`` in ``out`` is merged with the one already there: rows of students not in this
    run are kept (the earlier file is saved under ``out/history/``)."""
    phases: dict[str, float] = {}
    LAST_PHASES.clear()
    begun = time.perf_counter()
    notebooks = source_notebooks(assignment, root)
    try:
        collected = collect(Path(submissions), layout, notebooks[0].name, assignment)
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
    source = (root / "solutions").resolve()
    release = root / "exercises" / assignment / notebooks[0].name
    if not release.is_file() and source == SOURCE.resolve():
        release = ROOT / "exercises" / assignment / notebooks[0].name
    settings = Settings(assignment, out, timeout, memory, hide, source, feedback, release)
    phases["setup"] = time.perf_counter() - begun
    mark = time.perf_counter()
    self_check(settings)  # also imports what the tests need, before the pool's processes fork
    phases["self_check"] = time.perf_counter() - mark
    mark = time.perf_counter()
    if feedback:
        from .feedback import copy_mathjax, warm_up

        copy_mathjax(out / "feedback")  # the pages' MathJax, beside them: math renders offline
        warm_up()  # the HTML exporter, built once here and inherited by every process of the pool
    _source(settings)
    phases["warm_up"] = time.perf_counter() - mark
    if ISOLATION != "bubblewrap":
        log(
            "warning: bubblewrap (bwrap) is not installed, so submissions run without filesystem and network "
            "isolation (memory, file-size and time limits only). Install it (Debian: apt-get install bubblewrap)."
        )
    log(f"layout: {collected.layout} ({len(collected.entries)} student(s))")
    for note in collected.notes:
        log(f"warning: {note}")
    started = time.perf_counter()
    rows: dict[str, dict] = {}
    prepared: _Prepare | None = None
    progress = Progress(len(collected.entries))
    entries = {e.student_id: e for e in collected.entries}
    try:
        if jobs == 1:
            for student, entry in entries.items():
                rows[student] = grade_one(entry, settings)
                progress.step(student)
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = {pool.submit(grade_one, e, settings): s for s, e in entries.items()}
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
                            "name": entries[student].name,
                            "late": entries[student].late,
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
    for note in merge_csv(out / "grades.csv", ordered):
        log(note)
    if feedback and collected.layout == "moodle" and ordered:
        from .lms_export import MOODLE_FEEDBACK_ZIP, write_moodle_feedback_zip

        for note in write_moodle_feedback_zip(ordered, out / "feedback", out / MOODLE_FEEDBACK_ZIP, assignment):
            log(note)
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


def _csv_row(row: dict) -> dict[str, str]:
    late = row.get("late", False)
    return {
        "student_id": row["student_id"],
        "score": f"{row['score']:g}",
        "max_score": f"{row['max_score']:g}",
        "status": row["status"],
        "message": row["message"],
        "name": row.get("name", ""),
        "late": late if isinstance(late, str) else ("true" if late else "false"),
    }


def write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, COLUMNS, restval="", extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row if isinstance(row.get("score"), str) else _csv_row(row))


def merge_csv(path: Path, rows: list[dict]) -> list[str]:
    """Write ``rows`` into ``path``, keeping the rows of an earlier grades.csv whose students are
    not among them (a re-graded student's row is replaced). The earlier file is first copied to
    ``history/``. Returns what happened, for the log."""
    if not path.exists():
        write_csv(path, rows)
        return []
    stamp = time.strftime("%Y%m%dT%H%M%S")
    history = path.parent / "history"
    history.mkdir(exist_ok=True)
    saved = history / f"{path.stem}-{stamp}.csv"
    n = 1
    while saved.exists():
        n += 1
        saved = history / f"{path.stem}-{stamp}-{n}.csv"
    saved.write_bytes(path.read_bytes())
    try:
        with open(path, newline="", encoding="utf-8") as f:
            earlier = list(csv.DictReader(f))
        if earlier and "student_id" not in earlier[0]:
            raise ValueError("it has no student_id column")
    except (ValueError, UnicodeDecodeError, csv.Error) as exc:
        write_csv(path, rows)
        return [f"warning: the earlier {path.name} could not be read ({exc}): replaced; it is saved as {saved}"]
    new = {r["student_id"] for r in rows}
    kept = [r for r in earlier if r.get("student_id") not in new]
    replaced = [r["student_id"] for r in earlier if r.get("student_id") in new]
    merged = sorted([*kept, *(_csv_row(r) for r in rows)], key=lambda r: r["student_id"])
    write_csv(path, merged)
    notes = [f"{path.name}: merged with the earlier one by student_id: {len(kept)} earlier row(s) kept"]
    if replaced:
        notes[0] += f", {len(replaced)} replaced by this run ({', '.join(replaced[:20])})"
    notes[0] += f"; the earlier file is saved as {saved}"
    return notes


def summary(rows: list[dict], elapsed: float, out: Path) -> str:
    counts = {s: sum(r["status"] == s for r in rows) for s in STATUSES}
    mean = sum(r["score"] for r in rows) / len(rows) if rows else 0.0
    max_score = max((r["max_score"] for r in rows), default=0.0)
    parts = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    return (
        f"graded {len(rows)} submission(s) in {elapsed:.1f} s ({parts or 'none'}); mean score "
        f"{mean:.2f} / {max_score:g}\ngrades: {out / 'grades.csv'}\nfeedback: {out / 'feedback'}/"
    )
