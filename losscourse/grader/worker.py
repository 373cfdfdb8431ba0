"""The sandboxed side of grading: run a student's code, then answer calls of their functions.

This file is copied into the sandbox's scratch folder with ``wire.py`` and run as a script::

    python worker.py JOB.json REQUEST_FD REPLY_FD

``JOB.json`` holds the student's code cells and the indices of cells to skip. The worker
runs each cell as an IPython shell would (so magics work), catching errors cell by cell, and
reports each cell as it finishes; then it reports the names of the functions the student
defined and serves calls ``{"call": name, "args": [...], "kwargs": {...}}`` until its input
closes. The student's own output goes to ``/dev/null``. Nothing here is trusted: the judge
decides what the replies are worth.

Starting IPython is a third of the worker's start-up, and most notebooks are plain Python. So
when every cell is plain Python that uses nothing of IPython's (no magic or shell syntax, no
``get_ipython``, ``display``, ``In``/``Out``, ``exit``... and no import of IPython), the
cells run with ``exec`` in a ``__main__`` module set up as IPython's user namespace is, which
is what IPython itself does with such a cell (``run_cell(silent=True)`` compiles valid Python
unchanged and displays nothing). Any other notebook runs in an IPython shell, as before.
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


# IPython's user namespace when the worker creates its shell (tests/test_grader.py checks it
# against the installed IPython): none of them is ever reported as the student's function.
_MODULE_NAMES = frozenset(
    {"__builtin__", "__builtins__", "__doc__", "__loader__", "__name__", "__package__", "__spec__"}
)
IPYTHON_NAMESPACE = _MODULE_NAMES | {
    "In",
    "Out",
    "_",
    "__",
    "___",
    "_dh",
    "_ih",
    "_oh",
    "exit",
    "get_ipython",
    "open",
    "quit",
}
IPYTHON_BUILTINS = frozenset({"display", "__IPYTHON__"})  # what IPython adds to builtins
# Names whose value differs without IPython; the others of the namespace (the module's own
# names) are set up the same.
_NEEDS_IPYTHON = (IPYTHON_NAMESPACE | IPYTHON_BUILTINS) - _MODULE_NAMES
_IPYTHON_MODULES = frozenset({"IPython", "ipykernel", "ipywidgets", "matplotlib_inline", "traitlets"})
_MAIN_DOC = "Automatically created module for IPython interactive environment"


def needs_ipython(source: str) -> bool:
    """Whether a cell must run in an IPython shell: it is not plain Python (magics, shell
    commands, help syntax, top-level await), or it uses, or may use, something IPython provides
    (any identifier, attribute or string naming one, an import of IPython)."""
    import ast

    try:
        tree = compile(source, "<cell>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        # Some errors come from compiling, not parsing ("return" outside a function): IPython
        # runs the statements before such a line, so such a cell goes to IPython.
        compile(tree, "<cell>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError):
        return True
    try:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in _UNDERSCORES:
                if isinstance(node.ctx, ast.Del):
                    return True
                continue  # a read of "_" is looked at by scope below; "for _ in ..." is common
            for _, value in ast.iter_fields(node):
                for text in value if isinstance(value, list) else [value]:
                    if (
                        isinstance(text, str)
                        and text not in _UNDERSCORES
                        and (text in _NEEDS_IPYTHON or text.split(".")[0] in _IPYTHON_MODULES)
                    ):
                        return True
        return _reads_global_underscore(source)
    except (RecursionError, SyntaxError, ValueError):
        return True


_UNDERSCORES = frozenset({"_", "__", "___"})  # IPython's output history ("" here: nothing is displayed)


def _reads_global_underscore(source: str) -> bool:
    """Whether the cell may read ``_``, ``__`` or ``___`` from its namespace (where IPython has
    them and plain Python does not): a read at module or class level, or a read of the global
    name in a function. A loop variable ``_`` inside a function is the function's own."""
    import symtable

    tables = [symtable.symtable(source, "<cell>", "exec")]
    while tables:
        table = tables.pop()
        tables.extend(table.get_children())
        for name in _UNDERSCORES:
            try:
                symbol = table.lookup(name)
            except KeyError:
                continue
            if not symbol.is_referenced():
                continue
            if table.get_type() != "function" or symbol.is_global():
                return True
    return False


class _PlainShell:
    """Runs plain-Python cells as IPython's ``run_cell(silent=True)`` would, without IPython."""

    def __init__(self) -> None:
        import builtins
        import warnings

        main = types.ModuleType("__main__", _MAIN_DOC)
        main.__dict__.update({"__builtin__": builtins, "__builtins__": builtins})
        sys.modules["__main__"] = main  # as IPython does: pickling what the student defines works
        self.user_ns = main.__dict__
        self.flags = 0  # __future__ imports carry over to later cells, as in IPython
        warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")  # as IPython does

    def run(self, source: str, index: int) -> dict | None:
        import __future__

        try:
            code = compile(source, f"<cell {index}>", "exec", self.flags, dont_inherit=True)
        except BaseException as exc:  # noqa: BLE001 - needs_ipython() let it through: report like IPython
            return _error(exc)
        for name in __future__.all_feature_names:
            feature = getattr(__future__, name)
            if code.co_flags & feature.compiler_flag:
                self.flags |= feature.compiler_flag
        try:
            exec(code, self.user_ns)
        except BaseException as exc:  # noqa: BLE001 - the student's code may raise anything, even SystemExit
            return _error(exc)
        return None


def _ipython_shell():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    # No display here: plots go to the Agg backend (MPLBACKEND), and %matplotlib is a no-op.
    shell.register_magic_function(lambda line="": None, "line", "matplotlib")
    return shell


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
    skip = set(job.get("skip", []))
    mode = job.get("mode", "auto")
    plain = mode == "plain" or (
        mode == "auto" and not any(needs_ipython(c) for i, c in enumerate(job["cells"]) if i not in skip)
    )
    shell = _PlainShell() if plain else _ipython_shell()
    builtin_names = set(IPYTHON_NAMESPACE) if plain else set(shell.user_ns)
    _send(replies, {"event": "started", "ipython": not plain})  # the per-cell time limits start now

    for index, source in enumerate(job["cells"]):
        if index in skip:
            _send(replies, {"event": "cell", "index": index, "error": {"type": "Skipped", "message": "skipped"}})
            continue
        if plain:
            error = shell.run(source, index)
        else:
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
