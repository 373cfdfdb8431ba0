"""Grading on a Dask cluster: ``losscourse grade ... --scheduler tcp://HOST:8786``.

The coordinator connects a :class:`distributed.Client` to the scheduler, checks every worker
(:func:`losscourse.grader.task.prepare_worker`: the course at the coordinator's version,
bubblewrap, full marks for the reference solution there) and hands the jobs to
``client.get_executor()``, a :class:`concurrent.futures.Executor`: the grading loop of
:mod:`losscourse.grader.run` is the one of a local run. A job whose worker dies is run again on
another by the scheduler (``distributed.scheduler.allowed-failures``, 3 by default); a job that
raises is tried again :data:`RETRIES` times (Dask's ``retries``). A worker that joins later is
checked by its first job.

:class:`ProcessCluster` starts a scheduler and workers as real ``dask scheduler`` and
``dask worker`` processes on this machine (loopback only, ports chosen by the system), for a
try on a laptop, the tests and the benchmark.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .task import Spec, WorkerRefused, prepare_worker

CONNECT_SECONDS = 30  # to reach the scheduler
WORKER_WAIT_SECONDS = 120  # for a first worker to join
CHECK_SECONDS = 600  # for each worker's check (its self-check grades the reference solution)
RETRIES = 2  # Dask's retries of a job that raised (a worker that died is handled by the scheduler)


class ClusterError(Exception):
    """The cluster cannot grade: no scheduler at the address, no worker, or a refused worker."""


class DaskBackend:
    """A connected client, its checked workers, and the executor the run submits to."""

    def __init__(self, address: str, spec: Spec, log=print) -> None:
        from distributed import Client

        try:
            self.client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(
                f"cannot reach the Dask scheduler at {address} ({type(exc).__name__}: {exc}); start one with "
                "`dask scheduler` and give its address (tcp://HOST:8786) to --scheduler"
            ) from None
        self.address = address
        self._threads: tuple[float, dict] = (0.0, {})
        self._alone_since: float | None = None  # since when the cluster has had no worker
        try:
            self.client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
        except TimeoutError:
            self.client.close()
            raise ClusterError(
                f"the Dask scheduler at {address} has no worker (waited {WORKER_WAIT_SECONDS} s): start workers "
                f"with `dask worker {address} --nthreads 1` (README: Grading on a Dask cluster)"
            ) from None
        try:
            self.check_workers(spec, log)
        except BaseException:
            self.client.close()
            raise
        self.executor = self.client.get_executor(pure=False, retries=RETRIES)

    def check_workers(self, spec: Spec, log) -> None:
        """Run :func:`prepare_worker` on every worker now connected, at once; refuse the run,
        naming each refused worker and why, if any is refused."""
        workers = sorted(self.client.nthreads())
        futures = {
            w: self.client.submit(prepare_worker, spec, workers=[w], allow_other_workers=False, pure=False)
            for w in workers
        }
        refused, reports = [], {}
        for worker, future in futures.items():
            try:
                reports[worker] = future.result(timeout=CHECK_SECONDS)
            except WorkerRefused as exc:
                refused.append(f"{worker}: {exc}")
            except TimeoutError:
                log(f"warning: worker {worker} did not answer its check in {CHECK_SECONDS} s (its first job checks it)")
                future.cancel()
        if refused:
            raise ClusterError(
                f"{len(refused)} of the {len(workers)} worker(s) of {self.address} cannot grade: "
                + " | ".join(refused)
                + ". Nothing was graded; fix or stop those workers and run again"
            )
        hosts = sorted({r["host"] for r in reports.values()})
        log(f"cluster: {self.address}, {len(workers)} worker(s) checked on {len(hosts)} host(s), course as here")

    def threads(self) -> dict:
        """Each worker's threads (asked of the scheduler at most once a second)."""
        asked, threads = self._threads
        if time.monotonic() - asked > 1.0:
            threads = self.client.nthreads()
            self._threads = (time.monotonic(), threads)
        return threads

    def capacity(self) -> int:
        return max(1, sum(self.threads().values()))

    def workers(self) -> int:
        return len(self.threads())

    def problem(self) -> str | None:
        """Why the run cannot go on (no worker for :data:`WORKER_WAIT_SECONDS`), or None."""
        if self.workers():
            self._alone_since = None
            return None
        self._alone_since = self._alone_since or time.monotonic()
        if time.monotonic() - self._alone_since < WORKER_WAIT_SECONDS:
            return None
        return (
            f"the Dask scheduler at {self.address} has had no worker for {WORKER_WAIT_SECONDS} s; the results "
            "that arrived are kept: start workers and run the same command with --resume"
        )

    def close(self, cancel: bool = False) -> None:
        self.executor.shutdown(wait=not cancel)  # wait=False cancels what is still queued or running
        self.client.close()


class ProcessCluster:
    """A Dask scheduler and ``workers`` workers as real processes on 127.0.0.1 (``dask scheduler``
    and ``dask worker --nworkers 1 --nthreads THREADS``), their ports chosen by the system.

    A context manager: on exit, every process it started is stopped (its whole process group).
    ``address`` is the scheduler's; :meth:`add_worker` and :meth:`kill` start and kill a worker."""

    def __init__(self, workers: int = 2, threads: int = 1, folder: Path | None = None) -> None:
        self.n_workers, self.threads = workers, threads
        self._tmp = None if folder else tempfile.TemporaryDirectory(prefix="losscourse-cluster-")
        self.folder = Path(folder or self._tmp.name)
        self.scheduler_file = self.folder / "scheduler.json"
        self.scheduler: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.address = ""

    def _start(self, args: list[str], log: str) -> subprocess.Popen:
        with open(self.folder / log, "ab") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_" + args[0], *args[1:]],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # a process group of its own: killed whole, children included
                cwd=self.folder,
            )

    def __enter__(self) -> ProcessCluster:
        try:
            self.scheduler = self._start(
                [
                    "scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--no-dashboard",
                    "--scheduler-file",
                    str(self.scheduler_file),
                ],
                "scheduler.log",
            )
            deadline = time.monotonic() + 60
            while not self.scheduler_file.is_file() or not self.scheduler_file.read_text().strip():
                if self.scheduler.poll() is not None or time.monotonic() > deadline:
                    raise ClusterError(f"the scheduler did not start: {self.log('scheduler.log')}")
                time.sleep(0.1)
            self.address = json.loads(self.scheduler_file.read_text())["address"]
            for _ in range(self.n_workers):
                self.add_worker(wait=False)
            self.wait_for_workers(self.n_workers)
        except BaseException:
            self.close()
            raise
        return self

    def add_worker(self, wait: bool = True) -> subprocess.Popen:
        n = len(self.workers)
        (self.folder / f"worker-{n}").mkdir(exist_ok=True)
        proc = self._start(
            [
                "worker",
                self.address,
                "--nworkers",
                "1",
                "--nthreads",
                str(self.threads),
                "--host",
                "127.0.0.1",
                "--no-dashboard",
                "--name",
                f"worker-{n}",
                "--local-directory",
                str(self.folder / f"worker-{n}"),
            ],
            f"worker-{n}.log",
        )
        self.workers.append(proc)
        if wait:
            self.wait_for_workers(sum(p.poll() is None for p in self.workers))
        return proc

    def wait_for_workers(self, n: int, timeout: float = 120) -> None:
        from distributed import Client

        with Client(self.address, timeout=CONNECT_SECONDS, set_as_default=False) as client:
            try:
                client.wait_for_workers(n, timeout=timeout)
            except TimeoutError:
                logs = " | ".join(self.log(f"worker-{i}.log") for i in range(len(self.workers)))
                raise ClusterError(f"{n} worker(s) did not join in {timeout} s: {logs}") from None

    def kill(self, proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        """Kill a process started here and every process of its group (a worker: its nanny too)."""
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def log(self, name: str) -> str:
        path = self.folder / name
        return path.read_text(errors="replace")[-2000:] if path.is_file() else "(no log)"

    def close(self) -> None:
        for proc in [*self.workers, *([self.scheduler] if self.scheduler else [])]:
            if proc.poll() is None:
                self.kill(proc, signal.SIGTERM)
            else:  # the leader exited: its group may still hold a child
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        if self._tmp is not None:
            self._tmp.cleanup()

    def __exit__(self, *exc: object) -> None:
        self.close()
