"""Grading on a Dask cluster: throughput with one worker against two, and what the cluster costs.

Builds a class of N submissions of one assignment (as ``bench_grading.py``: solutions, untouched
and partly solved notebooks), then, R times, grades it

- locally, ``--jobs 1`` (one thread of this process: the same work without a cluster), and
- with ``--scheduler`` on a real ``dask scheduler`` with one, then two, ``dask worker`` processes
  (``--nworkers 1 --nthreads 1``) on this machine (:class:`losscourse.grader.cluster.ProcessCluster`),

and prints, as medians: the grading phase's wall clock per submission and the throughput, the
speed-up of two workers over one, the per-submission overhead the cluster adds (the time outside
the task, one worker against the local run), the coordinator's own CPU time per submission (what
bounds one coordinator), the one-off cost of checking the workers, and an estimate, from the
measured cost of one submission on one worker, of the workers needed to grade 10 000 submissions
in 10 minutes. Scores must be identical in every run. On a shared machine, compare runs made side by side.

    python benchmarks/bench_grading_dask.py [--assignment 01-likelihood] [-n 16] [--repeat 2]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # losscourse from this checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grading import build_class  # noqa: E402

from losscourse.assignments import ScratchCourse  # noqa: E402
from losscourse.grader import run  # noqa: E402
from losscourse.grader.cluster import ProcessCluster  # noqa: E402

TARGET_SUBMISSIONS, TARGET_SECONDS = 10_000, 600


def grade_once(assignment: str, submissions: Path, out: Path, scheduler: str | None) -> dict:
    """One run; its grading phase's wall clock, the coordinator's CPU time in it, the scores."""
    with ScratchCourse() as course:
        cpu = time.process_time()
        rows = run.grade(
            assignment,
            submissions,
            out=out,
            jobs=1,
            scheduler=scheduler,
            root=course.root,
            record=False,
            log=lambda *a: None,
        )
        cpu = time.process_time() - cpu
    phases = dict(run.LAST_PHASES)
    return {
        "grading": phases["grading"],
        "cluster": phases.get("cluster", 0.0),
        "start": phases.get("self_check", 0.0) + phases.get("warm_up", 0.0),
        "cpu": cpu,
        "task": statistics.mean(r["seconds"] for r in rows),
        "scores": {r["student_id"]: r["score"] for r in rows},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="01-likelihood")
    parser.add_argument("-n", type=int, default=16, help="submissions (default 16)")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-dask-"))
    try:
        subs = tmp / "submissions"
        n = len(build_class(subs, args.assignment, args.n))
        print(f"{args.assignment}: {n} submissions; {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}", flush=True)
        runs: dict[str, list[dict]] = {"local --jobs 1": [], "1 worker": [], "2 workers": []}
        reference = None
        mismatches = 0
        for r in range(args.repeat):
            for name in runs:
                out = tmp / f"out-{r}-{name.replace(' ', '_')}"
                if name.startswith("local"):
                    result = grade_once(args.assignment, subs, out, None)
                else:
                    with ProcessCluster(workers=int(name[0]), threads=1, folder=None) as cluster:
                        result = grade_once(args.assignment, subs, out, cluster.address)
                runs[name].append(result)
                reference = reference or result["scores"]
                mismatches += result["scores"] != reference
                print(
                    f"run {r + 1} {name:15s} grading {result['grading']:6.1f} s ({result['grading'] / n:.2f} s/sub), "
                    f"in-task {result['task']:.2f} s/sub, coordinator CPU {result['cpu'] / n:.3f} s/sub, "
                    f"worker checks {result['cluster']:.1f} s | load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )

        def median(name: str, key: str) -> float:
            return statistics.median(x[key] for x in runs[name])

        local, one, two = (median(k, "grading") / n for k in runs)
        print()
        for name in runs:
            per = median(name, "grading") / n
            print(f"median {name:15s} {per:.3f} s/submission, {1 / per:.2f} submissions/s")
        print(f"two workers against one: {one / two:.2f}x the throughput (ideal 2.00; this machine has 2 cores)")
        # Outside the task: the wall clock per submission less the time spent inside grade_job
        # (scheduling, sending the job and the result, the coordinator keeping it), within each run.
        outside = {k: statistics.median(x["grading"] / n - x["task"] for x in runs[k]) for k in runs}
        print(
            f"per-submission time outside the task: local {outside['local --jobs 1'] * 1000:.0f} ms, "
            f"1 worker {outside['1 worker'] * 1000:.0f} ms: the cluster adds "
            f"{(outside['1 worker'] - outside['local --jobs 1']) * 1000:+.0f} ms per submission "
            f"(wall clock, 1 worker against local --jobs 1: {(one - local) * 1000:+.0f} ms, noisier)"
        )
        coordinator = min(median(k, "cpu") for k in ("1 worker", "2 workers")) / n
        print(
            f"coordinator CPU per submission with --scheduler: {coordinator * 1000:.0f} ms "
            f"(one coordinator keeps up with about {1 / coordinator:.0f} submissions/s)"
        )
        print(
            f"once per run: connecting and checking the workers (each imports the course and grades the reference "
            f"solution) {median('2 workers', 'cluster'):.1f} s, against {median('local --jobs 1', 'start'):.1f} s "
            "for the local self-check and warm-up"
        )
        need = math.ceil(TARGET_SUBMISSIONS * one / TARGET_SECONDS)
        rate = TARGET_SUBMISSIONS / TARGET_SECONDS
        print(
            f"estimate: {TARGET_SUBMISSIONS} submissions in {TARGET_SECONDS / 60:.0f} min need {rate:.1f} submissions/s; "
            f"at {one:.2f} s per submission per single-thread worker (measured, cluster overhead included) "
            f"that is {need} worker processes (one core each), plus the coordinator "
            f"({'enough' if coordinator < 1 / rate else 'NOT enough: it needs ' + str(math.ceil(coordinator * rate)) + ' coordinators'} "
            f"at {coordinator * rate:.0%} of one core) and the scheduler"
        )
        print(f"scores identical in every run: {'yes' if not mismatches else 'NO'}")
        return 0 if not mismatches else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
