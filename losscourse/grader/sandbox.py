"""Run a student's code in a sandbox and call their functions from outside.

With bubblewrap (``bwrap``, Debian package ``bubblewrap``) the worker sees a read-only
filesystem in which the course's sources, the solutions, the gradebook, every submission,
the output folder and the instructor's home are replaced by empty folders; it has no network,
its own PID namespace (every process it starts dies with it), a private ``/tmp`` and a memory
cap. Without bubblewrap (macOS, some containers) it falls back to the strongest isolation we
have without it: memory, file-size and core-dump limits, a scratch working folder, a scrubbed
environment and its own session, and :data:`ISOLATION` says so, so the grader can warn.
"""

from __future__ import annotations

import os
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..threads import BLAS_THREAD_VARIABLES
from . import wire

HERE = Path(__file__).resolve().parent
BWRAP = shutil.which("bwrap")
ISOLATION = "bubblewrap" if BWRAP else "rlimits only"
DEFAULT_MEMORY = 2 * 1024**3  # 2 GiB per submission
STARTUP_SECONDS = 120.0


class SandboxError(Exception):
    """Base class of what can go wrong on the student's side."""


class CallTimeout(SandboxError):
    pass


class WorkerDied(SandboxError):
    pass


class StudentRaised(SandboxError):
    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(f"{type_name}: {message}")
        self.type_name = type_name
        self.message = message


class Unsupported(SandboxError):
    pass


@dataclass
class StartReport:
    cell_errors: dict[int, dict[str, str]] = field(default_factory=dict)
    functions: list[str] = field(default_factory=list)
    timed_out_cell: int | None = None
    crashed_cell: int | None = None
    # Where the time went (seconds, summed over restarts): starting the sandboxed Python and its
    # imports, then running the student's cells.
    seconds_startup: float = 0.0
    seconds_cells: float = 0.0


def _limits(memory: int) -> None:
    """Applied in the child between fork and exec."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024**2, 64 * 1024**2))
    if os.getuid() != 0:  # root ignores RLIMIT_NPROC; bwrap's PID namespace covers that case
        resource.setrlimit(resource.RLIMIT_NPROC, (512, 512))


class Sandbox:
    """One sandboxed worker process holding one student's code.

    Parameters
    ----------
    cells : list of str
        The student's code cells (tests excluded), run in order.
    hide : list of paths
        Folders the worker must not see (with bubblewrap).
    timeout : float
        Seconds allowed per cell and per call.
    memory : int
        Address-space cap in bytes.
    """

    # How the worker runs the cells: "auto" (plain Python with exec, anything else in IPython),
    # "ipython" or "plain" (tests compare them).
    mode = "auto"

    def __init__(
        self, cells: list[str], *, hide: list[Path], timeout: float = 30.0, memory: int = DEFAULT_MEMORY
    ) -> None:
        self.cells = cells
        self.hide = [Path(p).resolve() for p in hide]
        self.timeout = timeout
        self.memory = memory
        self.skip: set[int] = set()
        self.proc: subprocess.Popen[bytes] | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._buffer = b""
        self._selector: selectors.BaseSelector | None = None  # waits on the worker's replies
        self._launched: float | None = None  # when launch() started the worker

    # -- lifecycle -----------------------------------------------------------------------------

    def launch(self) -> None:
        """Start the worker process without waiting for it; :meth:`start` waits (the judge
        prepares its tests meanwhile)."""
        if self.proc is None:
            self._launched = time.perf_counter()
            self._spawn()

    def start(self) -> StartReport:
        """Start the worker and run the cells; a cell that times out is skipped on restart."""
        report = StartReport()
        problems: dict[int, dict[str, str]] = {}
        while True:
            started = None
            if self.proc is not None and self._launched is not None:  # launched by launch()
                spawned, self._launched = self._launched, None
            else:
                spawned = time.perf_counter()
                self._spawn()
            report.cell_errors = dict(problems)
            try:
                done = -1
                # Starting Python and IPython is the grader's cost, not the student's: a generous limit.
                first = self._receive(time.monotonic() + max(STARTUP_SECONDS, self.timeout))
                if first.get("event") != "started":
                    raise WorkerDied(f"unexpected message {first.get('event')!r}")
                started = time.perf_counter()
                report.seconds_startup += started - spawned
                while True:
                    message = self._receive(time.monotonic() + self.timeout)
                    if message.get("event") == "cell":
                        done = int(message["index"])
                        if message.get("error") and message["error"].get("type") != "Skipped":
                            report.cell_errors[done] = message["error"]
                    elif message.get("event") == "ready":
                        report.functions = [str(f) for f in message.get("functions", [])]
                        report.seconds_cells += time.perf_counter() - started
                        return report
                    else:
                        raise WorkerDied(f"unexpected message {message.get('event')!r}")
            except (CallTimeout, WorkerDied) as exc:
                if started is None:
                    report.seconds_startup += time.perf_counter() - spawned
                else:
                    report.seconds_cells += time.perf_counter() - started
                # The cell after the last one reported hangs or kills the worker: skip it from now on.
                hung = done + 1
                while hung in self.skip:
                    hung += 1
                self.close()
                if hung >= len(self.cells):
                    raise
                self.skip.add(hung)
                if isinstance(exc, CallTimeout):
                    report.timed_out_cell = hung if report.timed_out_cell is None else report.timed_out_cell
                    problems[hung] = {"type": "Timeout", "message": f"the cell ran longer than {self.timeout:g} s"}
                else:
                    report.crashed_cell = hung if report.crashed_cell is None else report.crashed_cell
                    problems[hung] = {
                        "type": "Crashed",
                        "message": "the cell stopped the Python process "
                        f"(more than {self.memory / 1024**3:g} GiB of memory, os._exit, or a crash)",
                    }

    def restart(self) -> StartReport:
        self.close()
        return self.start()

    def close(self) -> None:
        if self.proc is not None:
            self._kill_group(self.proc)
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream:
                    stream.close()
            self.proc = None
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        for fd in getattr(self, "_fds", []):
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds = []
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- calls -----------------------------------------------------------------------------------

    def call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Call the student's function ``name``; raise :class:`SandboxError` subclasses on failure."""
        if self.proc is None:
            raise WorkerDied("the worker is not running")
        try:
            request = wire.dumps({"call": name, "args": wire.encode(list(args)), "kwargs": wire.encode(kwargs)})
        except TypeError as exc:
            raise Unsupported(f"the test passes a value the grader cannot send: {exc}") from None
        try:
            os.write(self._req_w, request)
        except (BrokenPipeError, OSError):
            raise WorkerDied("the student's code stopped the worker") from None
        message = self._receive(time.monotonic() + self.timeout)
        event = message.get("event")
        if event == "result":
            try:
                return wire.decode(message.get("value"))
            except wire.WireError as exc:
                raise WorkerDied(f"the worker sent an invalid value ({exc})") from None
        error = message.get("error") or {}
        if event == "raised":
            raise StudentRaised(str(error.get("type", "Exception")), str(error.get("message", "")))
        if event == "unsupported":
            raise Unsupported(str(error.get("message", "")))
        raise WorkerDied(f"unexpected message {event!r}")

    # -- internals ------------------------------------------------------------------------------

    def _spawn(self) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="losscourse-sandbox-")
        scratch = Path(self._scratch.name)
        for name in ("worker.py", "wire.py"):
            shutil.copy(HERE / name, scratch / name)
        job = {"cells": self.cells, "skip": sorted(self.skip), "mode": self.mode}
        (scratch / "job.json").write_text(__import__("json").dumps(job), encoding="utf-8")
        req_r, self._req_w = os.pipe()
        self._rep_r, rep_w = os.pipe()
        self._fds = [self._req_w, self._rep_r]
        os.set_inheritable(req_r, True)
        os.set_inheritable(rep_w, True)
        code_dir = "/tmp/sandbox" if BWRAP else str(scratch)
        worker = [sys.executable, "-I", f"{code_dir}/worker.py", f"{code_dir}/job.json", str(req_r), str(rep_w)]
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": "/tmp" if BWRAP else str(scratch),
            "IPYTHONDIR": ("/tmp" if BWRAP else str(scratch)) + "/ipython",
            "MPLCONFIGDIR": ("/tmp" if BWRAP else str(scratch)) + "/matplotlib",
            "MPLBACKEND": "Agg",
            "PYTHONDONTWRITEBYTECODE": "1",
            **dict.fromkeys(BLAS_THREAD_VARIABLES, "1"),  # one BLAS thread, whatever the grader's own setting
        }
        if BWRAP:
            cmd = [BWRAP, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
            for path in self.hide:
                if path.is_dir():
                    cmd += ["--tmpfs", str(path)]
                elif path.exists():  # a file, such as the .git of a git worktree: --tmpfs needs a folder
                    (scratch / "empty").touch()  # (/dev/null bound elsewhere cannot be opened: nodev)
                    cmd += ["--ro-bind", str(scratch / "empty"), str(path)]
            # The interpreter and its packages must stay visible even if a hidden folder holds them.
            for prefix in {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}:
                cmd += ["--ro-bind", str(prefix), str(prefix)]
            cmd += [
                "--ro-bind",
                str(scratch),
                code_dir,
                "--unshare-all",
                "--die-with-parent",
                "--new-session",
                "--chdir",
                "/tmp",
                "--clearenv",
            ]
            for key, value in env.items():
                cmd += ["--setenv", key, value]
            cmd += ["--", *worker]
            cwd, run_env = "/", None
        else:
            cmd, cwd, run_env = worker, str(scratch), env
        self.proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=run_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(req_r, rep_w),
            start_new_session=True,
            preexec_fn=lambda: _limits(self.memory),
        )
        os.close(req_r)
        os.close(rep_w)
        self._buffer = b""

    def _receive(self, deadline: float) -> dict:
        """The next message from the worker, or :class:`CallTimeout` / :class:`WorkerDied`."""
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.close_for_timeout()
                raise CallTimeout(f"no answer within {self.timeout:g} s")
            if self._selector is None:
                self._selector = selectors.DefaultSelector()
                self._selector.register(self._rep_r, selectors.EVENT_READ)
            if not self._selector.select(timeout=min(remaining, 1.0)):
                continue
            chunk = os.read(self._rep_r, 1 << 20)
            if not chunk:
                raise WorkerDied("the worker exited (a crash, the memory cap, or os._exit in the student's code)")
            self._buffer += chunk
            if len(self._buffer) > wire.MAX_BYTES:
                raise WorkerDied("the worker sent too much data")
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            return wire.loads(line)
        except wire.WireError as exc:
            raise WorkerDied(f"the worker sent an invalid message ({exc})") from None

    @staticmethod
    def _kill_group(proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker's process group (nothing to do if it is gone already)."""
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def close_for_timeout(self) -> None:
        """Kill a worker stuck in the student's code (an infinite loop, a sleep)."""
        if self.proc is not None:
            self._kill_group(self.proc)
