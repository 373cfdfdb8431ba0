"""``losscourse grade``: grade a whole class, in parallel or on a Dask cluster, into grades.csv and feedback.

The submissions are found by :func:`losscourse.grader.collect.collect` in their layout (one
folder per student, Canvas's or Moodle's download; :mod:`losscourse.grader.lms`). Every student
gets a row, whatever they handed in: ``graded``, ``blank`` (the handed-out notebook, unchanged),
``timeout`` (some code ran past the time limit; what finished still counts), ``error`` (some
code crashed the sandboxed Python, e.g. past the memory cap) or ``invalid`` (no readable
notebook). Submissions are only read.

This process is the coordinator. It sends each submission, as plain data, to a worker
(:func:`losscourse.grader.task.grade_job`): a pool of ``jobs`` local processes, or the workers
of a Dask cluster (``scheduler``; :mod:`losscourse.grader.cluster`), both behind one
:class:`concurrent.futures.Executor`. Each worker grades in its own sandbox with the trusted
judge and returns the row and the feedback page; the coordinator alone writes. It keeps each
result as it arrives (:mod:`losscourse.grader.results`: versioned, never overwritten), so an
interrupted run is finished by ``resume`` and regrading keeps the earlier results; then it
writes grades.csv (merged with an earlier one by student id), the feedback pages and nbgrader's
gradebook, in student order, so a parallel or distributed run gives exactly the grades of a
sequential one.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from ..assignments import ROOT, SOURCE, list_assignments
from . import gradebook
from .collect import CollectError, collect, safe_name
from .notebooks import InvalidSubmission, read_submission
from .results import Store, history_path, key_of, write_replacing
from .sandbox import DEFAULT_MEMORY, ISOLATION
from .task import (
    Job,
    Spec,
    WorkerRefused,
    code_cells,
    course_version,
    grade_job,
    installed_locations,  # noqa: F401 - part of this module's interface (tests, similarity)
    prepare,
    result_key,
)
from .task import self_check as _self_check

COLUMNS = ["student_id", "score", "max_score", "status", "message", "name", "late"]
STATUSES = ("graded", "blank", "timeout", "error", "invalid")
LOCAL_RETRIES = 1  # a local job whose process died (e.g. killed by the OS) is graded once more

# Seconds spent in each phase of the last grade() in this process (for benchmarks/bench_grading.py):
# setup, self_check, warm_up, grading (the class, in parallel), csv, gradebook, total.
LAST_PHASES: dict[str, float] = {}


class UsageError(Exception):
    """The instructor's mistake: unknown assignment, unreadable path. Exit code 2."""

    exit_code = 2


class Interrupted(UsageError):
    """Ctrl-C during grading: what was graded is kept; ``--resume`` grades the rest."""

    exit_code = 130


def source_notebooks(assignment: str, root: Path = ROOT) -> list[Path]:
    """The source notebooks of ``assignment`` in ``root/solutions``; ``UsageError`` if there are none."""
    known = list_assignments(root / "solutions")
    if assignment not in known:
        raise UsageError(f"unknown assignment {assignment!r}: choose from {', '.join(known)}")
    notebooks = sorted((root / "solutions" / assignment).glob("*.ipynb"))
    if not notebooks:
        raise UsageError(f"solutions/{assignment}/ holds no notebook")
    return notebooks


def _release_code(path: Path) -> tuple[str, ...] | None:
    """The code cells of the notebook as handed out (None if there is none to compare with)."""
    if not path.is_file():
        return None
    try:
        return tuple(code_cells(read_submission(path)))
    except InvalidSubmission:
        return None


class Progress:
    """Submissions done, failures and workers, as a tqdm bar on a terminal; nothing otherwise."""

    def __init__(self, total: int, stream=sys.stderr, workers: int | None = None) -> None:
        self.total, self.done, self.failed = total, 0, 0
        active = hasattr(stream, "isatty") and stream.isatty()
        self.bar = tqdm(total=total, file=stream, disable=not active, unit="submission", dynamic_ncols=True)
        self.workers = workers

    def step(self, label: str, failed: bool = False, workers: int | None = None) -> None:
        self.done += 1
        self.failed += failed
        self.workers = workers if workers is not None else self.workers
        postfix = {"failed": self.failed}
        if self.workers is not None:
            postfix["workers"] = self.workers
        postfix["last"] = label[:30]
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)
        if self.done >= self.total:
            self.close()

    def close(self) -> None:
        self.bar.close()


class _LocalBackend:
    """``jobs`` processes of this machine (one: a thread of this process), as an Executor."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.generation = 0  # how many pools were replaced
        self.executor = self._new()

    def _new(self):
        return ThreadPoolExecutor(max_workers=1) if self.jobs == 1 else ProcessPoolExecutor(max_workers=self.jobs)

    def replace(self) -> None:
        """A new pool, after one of its processes died (a broken pool takes no more jobs)."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._new()
        self.generation += 1

    def capacity(self) -> int:
        return self.jobs

    def workers(self) -> int:
        return self.jobs

    def problem(self) -> str | None:
        return None

    def close(self, cancel: bool = False) -> None:
        self.executor.shutdown(wait=not cancel, cancel_futures=cancel)


@dataclass
class _Run:
    """What one grading loop produced: rows by student, and the jobs the grader itself failed on."""

    rows: dict[str, dict] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)


def _failure_row(job: Job, exc: BaseException, max_score: float) -> dict:
    return {
        "student_id": job.student_id,
        "name": job.name,
        "late": job.late,
        "score": 0.0,
        "max_score": max_score,
        "status": "error",
        "message": f"the grader failed on this submission ({type(exc).__name__}: {exc}); no result was kept: "
        "run again with --resume to grade it",
        "points": {},
        "messages": {},
        "seconds": 0.0,
        "timings": {},
    }


def _grade_all(backend, todo: list[str], make_job, spec: Spec, keep, progress, on_first_submit=None) -> _Run:
    """Submit the jobs of ``todo`` (at most twice the workers' threads at a time, so neither the
    coordinator nor the scheduler holds the whole class) and keep each result as it arrives."""
    run = _Run()
    max_score = prepare(spec).source.max_score
    queue = list(reversed(todo))
    pending: dict[Future, tuple[Job, int]] = {}
    attempts: dict[str, int] = {}

    def top_up() -> None:
        nonlocal on_first_submit
        while queue and len(pending) < 2 * backend.capacity() + 2:
            job = make_job(queue[-1])
            try:
                pending[backend.executor.submit(grade_job, job, spec)] = (job, getattr(backend, "generation", 0))
            except BrokenProcessPool:
                backend.replace()
                continue
            queue.pop()
            if on_first_submit is not None:
                on_first_submit()
                on_first_submit = None

    try:
        top_up()
        while pending:
            done, _ = wait(pending, timeout=5.0, return_when=FIRST_COMPLETED)
            if not done and (problem := backend.problem()):
                raise UsageError(problem)
            for future in done:
                job, generation = pending.pop(future)
                student = job.student_id
                try:
                    result = future.result()
                except WorkerRefused as exc:
                    raise UsageError(f"a worker refused to grade: {exc}. Nothing more was graded") from None
                except BrokenProcessPool as exc:
                    attempts[student] = attempts.get(student, 0) + 1
                    if attempts[student] <= LOCAL_RETRIES:
                        if generation == backend.generation:  # the pool it ran in is broken: a new one
                            backend.replace()
                        queue.append(student)
                        continue
                    result = _failure_row(job, exc, max_score)
                    run.lost.append(student)
                except Exception as exc:  # noqa: BLE001 - e.g. Dask's KilledWorker: the row says so
                    result = _failure_row(job, exc, max_score)
                    run.lost.append(student)
                else:
                    keep(result)
                run.rows[student] = result
                progress.step(student, failed=result["status"] not in ("graded", "blank"), workers=backend.workers())
            top_up()
    except BaseException:  # Ctrl-C, a refused worker: stop what is queued or running, keep what arrived
        for future in pending:
            future.cancel()
        backend.close(cancel=True)
        raise
    backend.close()
    return run


def score_changes(history: dict[str, list[dict]], rows: dict[str, dict]) -> dict[str, tuple[float, float]]:
    """``{student: (previous score, new score)}`` for each student of ``rows`` whose latest earlier
    result (``history``, oldest first) has another score."""
    changes = {}
    for student, row in sorted(rows.items()):
        if history.get(student):
            before = float(history[student][-1]["row"]["score"])
            if before != float(row["score"]):
                changes[student] = (before, float(row["score"]))
    return changes


def change_report(history: dict[str, list[dict]], rows: dict[str, dict], changes: dict) -> list[str]:
    """Log lines: how many students were graded again, and whose score changed by how much."""
    again = [s for s in rows if history.get(s)]
    if not again:
        return []
    lines = [f"graded again: {len(again)} student(s) had an earlier result; {len(changes)} score(s) changed"]
    for student, (before, after) in list(changes.items())[:200]:
        lines.append(f"  {student}: {before:g} -> {after:g} ({after - before:+g})")
    if len(changes) > 200:
        lines.append(f"  ... and {len(changes) - 200} more (every change: the run's file in results/runs/)")
    return lines


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
    scheduler: str | None = None,
    resume: bool = False,
    regrade: bool = False,
    only: list[str] | None = None,
    log=print,
) -> list[dict]:
    """Grade the submissions of ``assignment`` found in ``submissions`` (in ``layout``, one of
    :data:`losscourse.grader.lms.LAYOUTS`, recognised when None); return the rows of the students
    this run is about, in student order.

    Who is graded: every student (the default; refused if the last run into ``out`` was
    interrupted, since ``resume`` would finish it), those without a result for their current
    submission and tests (``resume``), everyone again (``regrade``), or the students of ``only``.
    Results are kept in ``out/results/`` (:mod:`losscourse.grader.results`), earlier ones too; each
    student graded again is compared with their previous result and the changed scores are logged.
    ``scheduler``: the address of a Dask scheduler whose workers grade (default: ``jobs`` local
    processes). ``grades.csv`` in ``out`` is merged with the one already there: rows of students
    not in this run are kept (the earlier file is saved under ``out/history/``)."""
    phases: dict[str, float] = {}
    LAST_PHASES.clear()
    begun = time.perf_counter()
    if sum((bool(resume), bool(regrade), only is not None)) > 1:
        raise UsageError("--resume, --regrade and --only choose who is graded: give one of them")
    notebooks = source_notebooks(assignment, root)
    try:
        collected = collect(Path(submissions), layout, notebooks[0].name, assignment)
    except CollectError as exc:
        raise UsageError(str(exc)) from None
    try:
        out = (Path(out) if out else root / "grading" / "reports" / assignment).resolve()
        store = Store(out)
        entries = {e.student_id: e for e in collected.entries}
        mode = "resume" if resume else "regrade" if regrade else "only" if only is not None else "all"
        interrupted = store.interrupted()
        if interrupted and mode == "all":
            raise UsageError(
                f"the last run into {out} (run {interrupted['run']}, {interrupted.get('mode', 'all')}, started "
                f"{interrupted.get('started', '?')}) was interrupted. --resume grades only the submissions "
                "without a result; --regrade grades everyone again"
            )
        if only is not None:
            missing = [s for s in dict.fromkeys(only) if s not in entries]
            if missing or not only:
                raise UsageError(
                    f"--only names student(s) not in {submissions}: {', '.join(missing) or '(none given)'}; "
                    f"it holds {', '.join(list(entries)[:30])}{' ...' if len(entries) > 30 else ''}"
                )
        (out / "feedback").mkdir(parents=True, exist_ok=True)
        jobs = max(1, jobs or os.cpu_count() or 1)
        source_path = notebooks[0]
        release = root / "exercises" / assignment / source_path.name
        if not release.is_file() and (root / "solutions").resolve() == SOURCE.resolve():
            release = ROOT / "exercises" / assignment / source_path.name
        hide = (
            root / "solutions",
            (root / "solutions").resolve(),
            root / "exercises",
            root / "grading",
            Path(submissions).resolve().parent if Path(submissions).is_file() else Path(submissions).resolve(),
            out,
        )
        spec = Spec(
            assignment,
            source_path.name,
            source_path.read_bytes(),
            _release_code(release),
            timeout,
            memory,
            tuple(str(p) for p in hide if p.exists()),
            feedback,
            course_version() if scheduler else None,
        )
        chosen = list(dict.fromkeys(only)) if only is not None else list(entries)
        keys = {s: key_of(result_key(Job.from_entry(entries[s]), spec)) for s in chosen}
        history = store.history(chosen)
        kept = {s: next((r for r in reversed(history[s]) if r["key"] == keys[s]), None) for s in chosen}
        todo = [s for s in chosen if kept[s] is None] if resume else chosen
        phases["setup"] = time.perf_counter() - begun
        log(f"layout: {collected.layout} ({len(collected.entries)} student(s))")
        for note in collected.notes:
            log(f"warning: {note}")
        if resume:
            log(f"resume: {len(chosen) - len(todo)} of {len(chosen)} submission(s) have a result; grading {len(todo)}")
        backend = None
        if todo and scheduler:
            mark = time.perf_counter()
            from .cluster import ClusterError, DaskBackend

            try:
                backend = DaskBackend(scheduler, spec, log)  # each worker grades the reference solution first
            except ClusterError as exc:
                raise UsageError(str(exc)) from None
            phases["cluster"] = time.perf_counter() - mark
        elif todo:
            mark = time.perf_counter()
            try:
                _self_check(spec)  # also imports what the tests need, before the pool's processes fork
            except WorkerRefused as exc:
                raise UsageError(str(exc)) from None
            phases["self_check"] = time.perf_counter() - mark
            mark = time.perf_counter()
            if feedback:
                from .feedback import warm_up

                warm_up()  # the HTML exporter, built once here and inherited by every process of the pool
            phases["warm_up"] = time.perf_counter() - mark
            if ISOLATION != "bubblewrap":
                log(
                    "warning: bubblewrap (bwrap) is not installed, so submissions run without filesystem and network "
                    "isolation (memory, file-size and time limits only). Install it (Debian: apt-get install bubblewrap)."
                )
            backend = _LocalBackend(jobs)
        if feedback:
            from .feedback import copy_mathjax

            copy_mathjax(out / "feedback")  # the pages' MathJax, beside them: math renders offline
        plan = {"assignment": assignment, "mode": mode, "students": todo, "scheduler": scheduler or f"local, {jobs}"}
        run_id = store.begin(plan)
        started = time.perf_counter()

        def keep(result: dict) -> None:
            page = result.pop("feedback_html", None)
            store.save(run_id, result, keys[result["student_id"]], page)
            if page is not None:
                write_replacing(out / "feedback" / f"{safe_name(result['student_id'])}.html", page.encode("utf-8"))

        prepared, ensured = None, []
        progress = Progress(len(todo), workers=backend.workers() if backend else None)
        try:
            if record and todo:
                # nbgrader's API takes seconds to import: ready the gradebook meanwhile. After the
                # first submit, so the pool's processes are forked before this thread exists.
                prepared = ThreadPoolExecutor(max_workers=1, thread_name_prefix="losscourse-gradebook")
            graded = _Run()
            if todo:
                graded = _grade_all(
                    backend,
                    todo,
                    lambda s: Job.from_entry(entries[s]),
                    spec,
                    keep,
                    progress,
                    (lambda: ensured.append(prepared.submit(gradebook.ensure_assignment, assignment, root)))
                    if prepared
                    else None,
                )
        except KeyboardInterrupt:
            raise Interrupted(
                f"interrupted: the results that arrived are kept in {store.folder}; run the same command with "
                "--resume to grade only the submissions without one"
            ) from None
        finally:
            progress.close()
            if prepared is not None:
                prepared.shutdown(wait=False)
    finally:
        collected.cleanup()
    phases["grading"] = time.perf_counter() - started

    mark = time.perf_counter()
    rows: dict[str, dict] = {}
    for s in chosen:
        if s in graded.rows:
            rows[s] = graded.rows[s]
        elif kept[s] is not None:
            rows[s] = kept[s]["row"]
            page = store.page(s, kept[s]["run"]) if feedback else None
            if page is not None:
                write_replacing(out / "feedback" / f"{safe_name(s)}.html", page)
    ordered = [rows[s] for s in sorted(rows)]
    changes = score_changes(history, {s: r for s, r in graded.rows.items() if s not in graded.lost})
    for note in merge_csv(out / "grades.csv", ordered):
        log(note)
    if feedback and collected.layout == "moodle" and ordered:
        from .lms_export import MOODLE_FEEDBACK_ZIP, write_moodle_feedback_zip

        for note in write_moodle_feedback_zip(ordered, out / "feedback", out / MOODLE_FEEDBACK_ZIP, assignment):
            log(note)
    phases["csv"] = time.perf_counter() - mark
    mark = time.perf_counter()
    if record and ordered:
        if ensured:
            ensured[0].result()  # waits for the thread above, and re-raises what it raised
        else:
            gradebook.ensure_assignment(assignment, root)
        gradebook.record(assignment, source_path.stem, ordered, root)
    phases["gradebook"] = time.perf_counter() - mark
    store.finish(
        run_id,
        {
            "graded": len(graded.rows) - len(graded.lost),
            "lost": graded.lost,
            "changed": {s: [a, b] for s, (a, b) in changes.items()},
        },
    )
    elapsed = time.perf_counter() - started
    phases["total"] = time.perf_counter() - begun
    LAST_PHASES.update(phases)
    for line in change_report(history, {s: r for s, r in graded.rows.items() if s not in graded.lost}, changes):
        log(line)
    if graded.lost:
        log(
            f"warning: the grader failed on {len(graded.lost)} submission(s) ({', '.join(graded.lost[:20])}): "
            "their rows say error and no result was kept; run the same command with --resume to grade them"
        )
    log(summary(ordered, elapsed, out))
    return ordered


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
    """Write grades.csv atomically: a reader (or a crash) sees the earlier file or the new one."""
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, COLUMNS, restval="", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row if isinstance(row.get("score"), str) else _csv_row(row))
    write_replacing(path, text.getvalue().encode("utf-8"))


def merge_csv(path: Path, rows: list[dict]) -> list[str]:
    """Write ``rows`` into ``path``, keeping the rows of an earlier grades.csv whose students are
    not among them (a re-graded student's row is replaced). The earlier file is first copied to
    ``history/``. Returns what happened, for the log."""
    if not path.exists():
        write_csv(path, rows)
        return []
    saved = history_path(path, ".csv")
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
