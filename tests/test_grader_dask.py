"""Grading on a Dask cluster, resumable, nothing lost (issue #20).

A real ``dask scheduler`` and two ``dask worker`` processes (``--nworkers 1 --nthreads 1``) on
127.0.0.1, ports chosen by the system, started by the module's fixture and always stopped
(:class:`losscourse.grader.cluster.ProcessCluster`). One small class of ``01-likelihood`` (six
students: full marks, untouched, partly solved, a renamed function, an invalid file and no
notebook) is graded locally once; every other run must give exactly its grades.csv (and, where
recorded, its gradebook): on the cluster, with a worker killed mid-run, and interrupted (the
coordinator killed; Ctrl-C) then resumed. Then who is graded: ``--only``, ``--regrade`` after a
test changed (whose score changed, by how much), earlier results kept.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from losscourse import cli
from losscourse.assignments import RELEASE, SOURCE, ScratchCourse
from losscourse.grader import gradebook, run
from losscourse.grader.cluster import ProcessCluster
from losscourse.grader.results import Store
from losscourse.grader.run import UsageError, grade

ASSIGNMENT = "01-likelihood"
NOTEBOOK = "likelihood.ipynb"
TIMEOUT = 10.0
SILENT = {"log": lambda *a: None}


def _write_class(folder: Path) -> list[str]:
    solution = nbformat.read(SOURCE / ASSIGNMENT / NOTEBOOK, as_version=4)
    release = nbformat.read(RELEASE / ASSIGNMENT / NOTEBOOK, as_version=4)
    partial = nbformat.read(RELEASE / ASSIGNMENT / NOTEBOOK, as_version=4)
    solved = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in solution.cells}
    for cell in partial.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "gaussian_nll":
            cell.source = solved["gaussian_nll"]
    renamed = nbformat.read(SOURCE / ASSIGNMENT / NOTEBOOK, as_version=4)
    for cell in renamed.cells:
        cell.source = cell.source.replace("def gaussian_nll(", "def gaussian_nll_v2(")
    for student, nb in (("ann", solution), ("ben", release), ("cy", partial), ("dee", renamed)):
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / NOTEBOOK)
    (folder / "eve").mkdir()
    (folder / "eve" / NOTEBOOK).write_bytes(b"{not json")
    (folder / "fay").mkdir()
    (folder / "fay" / "answers.txt").write_text("on paper")
    return ["ann", "ben", "cy", "dee", "eve", "fay"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with ProcessCluster(workers=2, threads=1, folder=tmp_path_factory.mktemp("cluster")) as c:
        yield c


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """The class, a scratch course, and the reference: the class graded locally (and recorded)."""
    base = tmp_path_factory.mktemp("dask-class")
    students = _write_class(base / "subs")
    with ScratchCourse() as course:
        out = base / "local"
        grade(ASSIGNMENT, base / "subs", out=out, jobs=2, timeout=TIMEOUT, root=course.root, record=True, **SILENT)
        yield {
            "base": base,
            "subs": base / "subs",
            "root": course.root,
            "students": students,
            "csv": (out / "grades.csv").read_bytes(),
            "book": gradebook.grades(course.root, ASSIGNMENT),
            "feedback": out / "feedback",
        }


def _page(path: Path) -> str:
    return re.sub(r'id="cell-id=[0-9a-f-]+"', 'id="cell-id"', path.read_text(encoding="utf-8"))


def _forget(root: Path) -> None:
    """Remove the assignment's grades from the gradebook, so the next run must record them all."""
    if gradebook.grades(root, ASSIGNMENT):
        gradebook.remove(ASSIGNMENT, None, root)
    assert gradebook.grades(root, ASSIGNMENT) == []


def _results_of_run(out: Path, run_id: str) -> list[str]:
    """The students with a result of ``run_id`` in ``out/results`` (one entry per result file)."""
    files = [p for p in (out / "results").glob(f"*/{run_id}.json") if p.parent.name != "runs"]
    return sorted(json.loads(p.read_text())["row"]["student_id"] for p in files)


def _runs(out: Path) -> list[dict]:
    runs = sorted((out / "results" / "runs").glob("*.json"))
    return [json.loads(p.read_text()) for p in runs if not p.name.endswith(".done.json")]


def test_the_reference_grades_are_the_expected_ones(local):
    rows = {r.split(",")[0]: r.split(",")[1:4] for r in local["csv"].decode().splitlines()[1:]}
    assert rows == {
        "ann": ["10", "10", "graded"],
        "ben": ["0", "10", "blank"],
        "cy": ["2", "10", "graded"],
        "dee": ["8", "10", "graded"],
        "eve": ["0", "10", "invalid"],
        "fay": ["0", "10", "invalid"],
    }
    assert [r["student_id"] for r in local["book"]] == local["students"]


def test_a_cluster_grades_exactly_as_this_machine(cluster, local):
    _forget(local["root"])
    out = local["base"] / "cluster"
    logs: list[str] = []
    rows = grade(
        ASSIGNMENT,
        local["subs"],
        out=out,
        scheduler=cluster.address,
        timeout=TIMEOUT,
        root=local["root"],
        record=True,
        log=logs.append,
    )
    assert [r["student_id"] for r in rows] == local["students"]
    assert (out / "grades.csv").read_bytes() == local["csv"]
    assert gradebook.grades(local["root"], ASSIGNMENT) == local["book"]
    for student in local["students"]:  # the same pages, but for the random ids nbformat gives new cells
        page = f"{student}.html"
        assert _page(out / "feedback" / page) == _page(local["feedback"] / page), page
    assert any("2 worker(s) checked" in line for line in logs)
    [plan] = _runs(out)
    assert _results_of_run(out, plan["run"]) == local["students"]


def _worker_running_a_job(address: str, timeout: float = 120) -> str:
    """The name of a worker that is grading a submission now."""
    from distributed import Client

    deadline = time.monotonic() + timeout
    with Client(address, set_as_default=False) as client:
        while time.monotonic() < deadline:
            for worker, keys in client.processing().items():
                if any(str(k).startswith("grade_job") for k in keys):
                    return client.scheduler_info()["workers"][worker]["name"]
            time.sleep(0.05)
    raise AssertionError("no worker started grading a submission")


def test_a_worker_killed_mid_run_loses_nothing(cluster, local):
    out = local["base"] / "killed"
    outcome: dict = {}

    def coordinator() -> None:
        try:
            grade(ASSIGNMENT, local["subs"], out=out, scheduler=cluster.address, timeout=TIMEOUT, root=local["root"], record=False, **SILENT)  # fmt: skip
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            outcome["error"] = exc

    thread = threading.Thread(target=coordinator)
    thread.start()
    try:
        name = _worker_running_a_job(cluster.address)
        victim = cluster.workers[int(name.rsplit("-", 1)[1])]
        cluster.kill(victim)  # the worker and its nanny, with the job it was grading
    finally:
        thread.join(timeout=600)
    cluster.add_worker()  # two workers again for the next tests
    assert "error" not in outcome, outcome.get("error")
    assert (out / "grades.csv").read_bytes() == local["csv"]
    [plan] = _runs(out)
    assert _results_of_run(out, plan["run"]) == local["students"]  # each once


def _count_results(out: Path) -> int:
    return len([p for p in (out / "results").glob("*/*.json") if p.parent.name != "runs"])


_COORDINATOR = """
import sys
from pathlib import Path
from losscourse.grader.run import grade
grade("01-likelihood", Path(sys.argv[1]), out=Path(sys.argv[2]), scheduler=sys.argv[3], timeout=float(sys.argv[4]),
      root=Path(sys.argv[5]), record=False)
"""


def _interrupt_when_graded(proc: subprocess.Popen, out: Path, sig: int, n: int) -> int:
    """Send ``sig`` to ``proc`` once a first result is kept; return how many were kept then."""
    deadline = time.monotonic() + 300
    while _count_results(out) == 0:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no result arrived"
        time.sleep(0.05)
    done = _count_results(out)
    os.kill(proc.pid, sig)
    proc.wait(timeout=120)
    assert 1 <= done < n, f"the run was interrupted after {done} of {n} results: not mid-run"
    return done


def test_a_lost_coordinator_resumed_gives_the_uninterrupted_result(cluster, local):
    """The coordinator of a cluster run is killed (SIGKILL: no clean-up at all); ``--resume``,
    here on this machine, grades only what has no result and gives the uninterrupted result,
    gradebook included."""
    out = local["base"] / "lost"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _COORDINATOR,
            str(local["subs"]),
            str(out),
            cluster.address,
            str(TIMEOUT),
            str(local["root"]),
        ],  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    done = _interrupt_when_graded(proc, out, signal.SIGKILL, len(local["students"]))
    with pytest.raises(UsageError, match="was interrupted. --resume grades only"):
        grade(ASSIGNMENT, local["subs"], out=out, jobs=2, timeout=TIMEOUT, root=local["root"], record=False, **SILENT)
    _forget(local["root"])
    grade(ASSIGNMENT, local["subs"], out=out, jobs=2, timeout=TIMEOUT, root=local["root"], resume=True, **SILENT)
    first, resumed = _runs(out)
    assert len(resumed["students"]) == len(local["students"]) - done
    assert sorted(first["students"]) == local["students"]
    assert not set(resumed["students"]) & set(_results_of_run(out, first["run"]))
    assert (out / "grades.csv").read_bytes() == local["csv"]
    assert gradebook.grades(local["root"], ASSIGNMENT) == local["book"]


def test_ctrl_c_then_resume_on_the_cluster_gives_the_uninterrupted_result(cluster, local, tmp_path):
    """Ctrl-C (SIGINT) stops a local run of the command line: exit 130, what arrived is kept, and
    the message says how to go on; ``--resume`` on the cluster grades the rest."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "losscourse.cli", "grade", ASSIGNMENT, str(local["subs"]), "--out", str(out)]
    proc = subprocess.Popen(
        [*command, "--no-record", "--jobs", "2", "--timeout", str(TIMEOUT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    done = _interrupt_when_graded(proc, out, signal.SIGINT, len(local["students"]))
    assert proc.returncode == 130
    assert "--resume" in proc.stderr.read()
    rows = grade(ASSIGNMENT, local["subs"], out=out, scheduler=cluster.address, timeout=TIMEOUT, record=False, resume=True, **SILENT)  # fmt: skip
    assert [r["student_id"] for r in rows] == local["students"]
    assert len(_runs(out)[-1]["students"]) == len(local["students"]) - done
    assert (out / "grades.csv").read_bytes() == local["csv"]


def test_a_worker_of_another_course_version_is_refused(cluster, local, monkeypatch):
    changed = {**run.course_version(), "sources": "0" * 64}
    monkeypatch.setattr(run, "course_version", lambda: changed)
    out = local["base"] / "refused"
    with pytest.raises(UsageError) as refused:
        grade(ASSIGNMENT, local["subs"], out=out, scheduler=cluster.address, timeout=TIMEOUT, root=local["root"], record=False, **SILENT)  # fmt: skip
    message = str(refused.value)
    assert "2 of the 2 worker(s)" in message and "sha256 of the course sources" in message and "0" * 64 in message
    assert not (out / "results").exists()  # nothing graded, no run begun


def test_no_scheduler_at_the_address_is_a_clear_error(local, capsys, monkeypatch):
    from losscourse.grader import cluster

    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 2)
    code = cli.main(["grade", ASSIGNMENT, str(local["subs"]), "--out", str(local["base"] / "nowhere"), "--scheduler", "tcp://127.0.0.1:9"])  # fmt: skip
    assert code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err


def test_only_and_regrade_keep_every_earlier_result_and_report_changes(local, tmp_path):
    """--only grades some students again; after a test changed, --regrade grades everyone and says
    whose score changed and by how much. No earlier result (or submission) is changed."""
    solutions = tmp_path / "solutions"
    shutil.copytree(SOURCE / ASSIGNMENT, solutions / ASSIGNMENT)
    subs = tmp_path / "subs"
    for student in ("ann", "cy", "eve"):
        shutil.copytree(local["subs"] / student, subs / student)
    before = {p: p.read_bytes() for p in subs.rglob("*") if p.is_file()}
    out = tmp_path / "out"
    kw = dict(out=out, jobs=1, timeout=TIMEOUT, record=False)
    with ScratchCourse(source=solutions) as course:
        grade(ASSIGNMENT, subs, root=course.root, **kw, **SILENT)
        kept = {p: p.read_bytes() for p in (out / "results").rglob("*") if p.is_file()}
        logs: list[str] = []
        rows = grade(ASSIGNMENT, subs, root=course.root, only=["cy"], **kw, log=logs.append)
        assert [r["student_id"] for r in rows] == ["cy"]
        assert "graded again: 1 student(s) had an earlier result; 0 score(s) changed" in logs
        with pytest.raises(UsageError, match="--only names student.* not in .*: zed"):
            grade(ASSIGNMENT, subs, root=course.root, only=["cy", "zed"], **kw, **SILENT)
        # The test of gaussian_nll (2 points, which ann and cy get) is now worth 3.
        path = solutions / ASSIGNMENT / NOTEBOOK
        nb = nbformat.read(path, as_version=4)
        [test] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_gaussian_nll"]
        test.metadata["nbgrader"]["points"] += 1
        nbformat.write(nb, path)
        logs.clear()
        grade(ASSIGNMENT, subs, root=course.root, regrade=True, **kw, log=logs.append)
    assert "graded again: 3 student(s) had an earlier result; 2 score(s) changed" in logs
    assert "  ann: 10 -> 11 (+1)" in logs and "  cy: 2 -> 3 (+1)" in logs
    assert {r.split(",")[0]: r.split(",")[1] for r in (out / "grades.csv").read_text().splitlines()[1:]} == {
        "ann": "11",
        "cy": "3",
        "eve": "0",
    }
    assert all(p.read_bytes() == data for p, data in kept.items())  # earlier results: unchanged
    history = Store(out).history(["ann", "cy", "eve"])
    assert [len(history[s]) for s in ("ann", "cy", "eve")] == [2, 3, 2]
    assert {p: p.read_bytes() for p in subs.rglob("*") if p.is_file()} == before
    assert len(list((out / "history").glob("grades-*.csv"))) == 2


def test_a_result_is_written_once_and_never_replaced(tmp_path):
    """The store keeps the first result of a student in a run (a task run twice after its worker
    died is kept once), gives two ids that make one file name two folders, and knows an unfinished run."""
    store = Store(tmp_path)
    run_id = store.begin({"students": ["a/b", "a_b"]})
    assert store.interrupted()["run"] == run_id
    assert store.save(run_id, {"student_id": "a/b", "score": 1.0}, "k1", "<p>first</p>")
    assert store.save(run_id, {"student_id": "a_b", "score": 2.0}, "k2", None)
    assert not store.save(run_id, {"student_id": "a/b", "score": 9.0}, "k1", "<p>again</p>")
    history = store.history(["a/b", "a_b", "nobody"])
    assert [r["row"]["score"] for r in history["a/b"]] == [1.0] and history["a_b"][0]["key"] == "k2"
    assert history["nobody"] == []
    assert store.page("a/b", run_id) == b"<p>first</p>" and store.page("a_b", run_id) is None
    store.finish(run_id, {"graded": 2})
    assert store.interrupted() is None
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
