"""The sandboxed side of grading: run a student's code, then answer calls of their functions.

This file is copied into the sandbox's scratch folder with ``wire.py`` and run as a script::

    python worker.py JOB.json REQUEST_FD REPLY_FD

``JOB.json`` holds the student's code cells and the indices of cells to skip. The worker
runs each cell in an IPython shell (so magics work), catching errors cell by cell, and
reports each cell as it finishes; then it reports the names of the functions the student
defined and serves calls ``{"call": name, "args": [...], "kwargs": {...}}`` until its input
closes. The student's own output goes to ``/dev/null``. Nothing here is trusted: the judge
decides what the replies are worth.
"""

from __future__ import annotations

import json
import os
import sys
import types


def _send(out, message: dict) -> None:
    import wire

    out.write(wire.dumps(message))
    out.flush()


def _error(exc: BaseException) -> dict:
    return {"type": type(exc).__name__, "message": str(exc)[:2000]}


class _ChecksStub:
    """Import hook: ``losscourse.checks.<topic>`` here is a stub whose ``check`` does nothing.

    A notebook's setup cell imports ``check`` from ``losscourse.checks``, and its last cell
    calls ``check()``. The real checks import losslib, which the sandbox does not have; the
    judge runs them itself, outside. So the student's notebook runs here as it did for them,
    without import errors, and nothing else of losscourse is importable."""

    def find_spec(self, name, path=None, target=None):
        import importlib.machinery

        if name in ("losscourse", "losscourse.checks") or name.startswith("losscourse.checks."):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        module.__path__ = []
        if module.__name__.startswith("losscourse.checks."):
            module.check = lambda *args, **kwargs: None


def main() -> int:
    # Run with python -I, which does not put the script's folder on sys.path.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    job = json.loads(open(sys.argv[1], encoding="utf-8").read())
    requests = os.fdopen(int(sys.argv[2]), "rb", buffering=0)
    replies = os.fdopen(int(sys.argv[3]), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)

    import wire

    sys.meta_path.insert(0, _ChecksStub())
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    # No display here: plots go to the Agg backend (MPLBACKEND), and %matplotlib is a no-op.
    shell.register_magic_function(lambda line="": None, "line", "matplotlib")
    builtin_names = set(shell.user_ns)
    _send(replies, {"event": "started"})  # the per-cell time limits start now

    skip = set(job.get("skip", []))
    for index, source in enumerate(job["cells"]):
        if index in skip:
            _send(replies, {"event": "cell", "index": index, "error": {"type": "Skipped", "message": "skipped"}})
            continue
        try:
            result = shell.run_cell(source, store_history=False, silent=True)
            exc = result.error_before_exec or result.error_in_exec
            error = None if exc is None else _error(exc)
        except BaseException as exc:  # noqa: BLE001 - the student's code may raise anything, even SystemExit
            error = _error(exc)
        _send(replies, {"event": "cell", "index": index, "error": error})

    functions = sorted(
        name
        for name, value in shell.user_ns.items()
        if name not in builtin_names
        and not name.startswith("_")
        and callable(value)
        and not isinstance(value, (types.ModuleType, type))
    )
    _send(replies, {"event": "ready", "functions": functions})

    for line in requests:
        try:
            request = wire.loads(line)
            fn = shell.user_ns[request["call"]]
            args = wire.decode(request.get("args", []))
            kwargs = wire.decode(request.get("kwargs", {"__dict__": {}}))
        except Exception as exc:  # noqa: BLE001
            _send(replies, {"event": "raised", "error": _error(exc)})
            continue
        try:
            value = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            _send(replies, {"event": "raised", "error": _error(exc)})
            continue
        try:
            _send(replies, {"event": "result", "value": wire.encode(value)})
        except TypeError as exc:
            _send(replies, {"event": "unsupported", "error": _error(exc)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
