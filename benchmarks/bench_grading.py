"""Grading throughput: ``losscourse grade`` against stock ``nbgrader autograde``, same submissions.

Builds a class of N submissions of one assignment (the solution, the untouched student version,
and partly solved notebooks: the first k tasks solved), then, side by side and R times:

- stock ``nbgrader autograde`` over the whole class, in a scratch course (one process, one kernel
  per notebook, sequential: what nbgrader does);
- ``losscourse grade`` (the Python API, :func:`losscourse.grader.run.grade`) with ``--jobs``
  processes (default 2) and, with ``--sequential``, with one;

checks that every student gets the same score from both, and prints seconds per submission, the
throughput ratio (nbgrader's seconds / ours), and where our time goes: per submission (starting
the sandbox and its imports, the student's cells, the tests, the feedback page) and per run (the
self-check of the reference solution, warming up, grading the class, the CSV and the gradebook).
Both start from a course whose gradebook already knows the assignment. The machine's load
average is printed with each run: on a shared machine compare runs made side by side (medians).

    python benchmarks/bench_grading.py [--assignment 01-likelihood] [-n 24] [--repeat 3] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # losscourse from this checkout

from losscourse.assignments import RELEASE, SOURCE, ScratchCourse, nbgrader_env, run_nbgrader  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def _is_solution(cell) -> bool:
    return bool(cell.metadata.get("nbgrader", {}).get("solution"))


def build_class(folder: Path, assignment: str, n: int) -> dict[str, Path]:
    """N submissions: every third the solution, every third the untouched release, the rest
    partly solved (the first k solution cells filled in, k = 1, 2, ...)."""
    source = next((SOURCE / assignment).glob("*.ipynb"))
    release = RELEASE / assignment / source.name
    solution = nbformat.read(source, as_version=4)
    solved = {_grade_id(c): c.source for c in solution.cells if _is_solution(c)}
    tasks = list(solved)
    students = {}
    for i in range(n):
        kind = i % 3
        if kind == 0:
            nb = nbformat.read(source, as_version=4)
        else:
            nb = nbformat.read(release, as_version=4)
            if kind == 2:
                k = 1 + (i // 3) % max(1, len(tasks) - 1)
                for cell in nb.cells:
                    if _is_solution(cell) and _grade_id(cell) in tasks[:k]:
                        cell.source = solved[_grade_id(cell)]
        student = f"s{i:03d}-{['solution', 'release', 'partial'][kind]}"
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / source.name)
        students[student] = folder / student
    return students


def time_nbgrader(assignment: str, students: dict[str, Path]) -> tuple[float, dict[str, float]]:
    with ScratchCourse() as course:
        course.generate(assignment)
        for student, folder in students.items():
            dest = course.root / "grading" / "submitted" / student / assignment
            dest.mkdir(parents=True)
            for nb in folder.glob("*.ipynb"):
                shutil.copy(nb, dest / nb.name)
        started = time.perf_counter()
        run_nbgrader(["autograde", assignment, "--force"], cwd=course.root)
        seconds = time.perf_counter() - started
        scores = {s: score.score for s, score in course.scores(assignment, list(students)).items()}
    return seconds, scores


_GRADE = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from losscourse.assignments import ScratchCourse
from losscourse.grader import run
assignment, submissions, out, jobs = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5])
with ScratchCourse() as course:
    course.generate(assignment)
    started = time.perf_counter()
    rows = run.grade(assignment, submissions, out=out, jobs=jobs, root=course.root, log=lambda *a: None)
    seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rows": [{k: r.get(k) for k in ("student_id", "score", "timings")} for r in rows],
                  "phases": getattr(run, "LAST_PHASES", {})}))
"""


def time_losscourse(
    assignment: str, submissions: Path, jobs: int, out: Path, checkout: Path = ROOT
) -> tuple[float, list[dict], dict]:
    """``losscourse grade`` of ``checkout`` in a fresh process (imports included, as on the command line)."""
    proc = subprocess.run(
        [sys.executable, "-c", _GRADE, str(checkout), assignment, str(submissions), str(out), str(jobs)],
        capture_output=True,
        text=True,
        env=nbgrader_env(),
    )
    if proc.returncode != 0:
        raise RuntimeError(f"losscourse grade failed:\n{proc.stdout}\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result["seconds"], result["rows"], result["phases"]


def _breakdown(label: str, per_student: list[dict], phases_all: list[dict]) -> None:
    print(f"\nwhere {label}'s time goes, per submission (mean seconds inside one pool process):")
    for key in ("sandbox_start", "student_cells", "tests", "feedback"):
        values = [t[key] for t in per_student if t and key in t]
        if values:
            print(f"  {key:14s} {statistics.mean(values):.3f}")
    if any(phases_all):
        print("per run (median seconds, wall clock of the main process):")
    for key in ("setup", "self_check", "warm_up", "grading", "csv", "gradebook", "total"):
        values = [p[key] for p in phases_all if key in p]
        if values:
            print(f"  {key:14s} {statistics.median(values):.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="01-likelihood")
    parser.add_argument("-n", type=int, default=24, help="submissions (default 24)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sequential", action="store_true", help="also time losscourse grade --jobs 1")
    parser.add_argument("--skip-nbgrader", action="store_true", help="do not time nbgrader autograde")
    parser.add_argument(
        "--compare", type=Path, help="another checkout (e.g. before a change): its losscourse grade, timed alternately"
    )
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        subs = tmp / "submissions"
        students = build_class(subs, args.assignment, args.n)
        n = len(students)
        print(f"{args.assignment}: {n} submissions; {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}", flush=True)
        variants = [(f"losscourse --jobs {args.jobs}", ROOT, args.jobs)]
        if args.compare:
            variants.append((f"compared --jobs {args.jobs}", args.compare.resolve(), args.jobs))
        if args.sequential:
            variants.append(("losscourse --jobs 1", ROOT, 1))
        seconds: dict[str, list[float]] = {"nbgrader": []} | {name: [] for name, _, _ in variants}
        timings: dict[str, list[dict]] = {name: [] for name, _, _ in variants}
        phases: dict[str, list[dict]] = {name: [] for name, _, _ in variants}
        reference: dict[str, float] | None = None
        mismatches = 0
        for r in range(args.repeat):
            load = os.getloadavg()[0]
            parts = []
            if not args.skip_nbgrader:
                nb_seconds, reference = time_nbgrader(args.assignment, students)
                seconds["nbgrader"].append(nb_seconds)
                parts.append(f"nbgrader autograde {nb_seconds:6.1f} s ({nb_seconds / n:.2f} s/sub)")
            for name, checkout, jobs in variants:
                took, rows, run_phases = time_losscourse(
                    args.assignment, subs, jobs, tmp / f"out-{r}-{len(parts)}", checkout
                )
                seconds[name].append(took)
                timings[name] += [row.get("timings") or {} for row in rows]
                phases[name].append(run_phases)
                parts.append(f"{name} {took:6.1f} s ({took / n:.2f} s/sub)")
                scores = {row["student_id"]: row["score"] for row in rows}
                if reference is None:
                    reference = scores
                for student, score in scores.items():
                    if score != reference[student]:
                        mismatches += 1
                        print(f"   SCORE DIFFERS {student}: {name} {score}, reference {reference[student]}")
            print(f"run {r + 1}: " + " | ".join(parts) + f" | load {load:.1f}->{os.getloadavg()[0]:.1f}", flush=True)
        print()
        medians = {}
        for name, values in seconds.items():
            if values:
                medians[name] = statistics.median(values)
                print(
                    f"median {name:22s} {medians[name]:6.1f} s  {medians[name] / n:.3f} s/submission"
                    f"  (runs: {', '.join(f'{v:.1f}' for v in values)})"
                )
        ours = variants[0][0]
        if seconds["nbgrader"]:
            ratios = [a / b for a, b in zip(seconds["nbgrader"], seconds[ours])]
            print(
                f"throughput ratio nbgrader / {ours}: median {statistics.median(ratios):.2f}x "
                f"(runs: {', '.join(f'{x:.2f}' for x in ratios)})"
            )
        if args.compare:
            other = variants[1][0]
            ratios = [a / b for a, b in zip(seconds[other], seconds[ours])]
            print(
                f"speed-up over {args.compare}: median {statistics.median(ratios):.2f}x "
                f"(runs: {', '.join(f'{x:.2f}' for x in ratios)})"
            )
        what = "nbgrader's" if seconds["nbgrader"] else "the first run's"
        print(f"scores identical to {what} for every student in every run: {'yes' if not mismatches else 'NO'}")
        for name, _, _ in variants:
            _breakdown(name, timings[name], phases[name])
        return 0 if mismatches == 0 else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
