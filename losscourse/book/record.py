"""The recording side of the book build: what a kernel (or Sphinx's process) runs from the repository.

Loaded by path in each kernel by the IPython startup file that :func:`losscourse.book.make.build`
writes (so it imports the standard library only, never the repository). :func:`record_kernel`
loads the repository's modules through an import hook that compiles them with a call of the
marker builtin ``__losscourse_book_hit__("file:qualname")`` at the start of each top-level function
and method body (line numbers, source and docstrings untouched), watches file reads and new Python
processes with an audit hook, and writes what it saw to a JSON record after every cell.
:mod:`losscourse.book.deps` turns the records into dependencies.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import sys
from pathlib import Path

# Folders of the repository that are never a page's dependency (the build, the venv, git).
IGNORED = (".venv", "_build", ".git", "node_modules", ".pytest_cache", ".hypothesis", "grading")
HIT = "__losscourse_book_hit__"  # the marker builtin the kernel's import hook calls


def docstring_node(node: ast.AST) -> ast.Expr | None:
    """The docstring statement of a function, class or module (None if it has none)."""
    body = getattr(node, "body", [])
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        if isinstance(body[0].value.value, str):
            return body[0]
    return None


def unit_defs(tree: ast.Module) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """The functions whose bodies are tracked one by one: those defined at the top level of the
    module and the methods of classes defined there (recursively through classes), with their
    ``__qualname__``. Everything else (a function defined under an ``if``, nested functions,
    lambdas) belongs to the module's skeleton or to the enclosing function's body."""
    found: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((prefix + node.name, node))
            elif isinstance(node, ast.ClassDef):
                visit(node.body, prefix + node.name + ".")

    visit(tree.body, "")
    return found


def file_hash(path: Path) -> str | None:
    """A short SHA-256 of the file's bytes (None if it cannot be read)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:32]
    except OSError:
        return None


def repo_relative(path: str | os.PathLike, root: Path) -> str | None:
    """``path`` relative to ``root`` (POSIX), if it is a file of the repository that can be a
    page's dependency; None otherwise."""
    if not path:
        return None
    try:
        full = Path(os.path.abspath(os.fsdecode(path)))
        rel = full.relative_to(root)
    except (ValueError, TypeError):
        return None
    if not rel.parts or rel.parts[0] in IGNORED or rel.parts[0].startswith("."):
        return None
    for prefix in _ENVIRONMENT:  # a virtual environment inside the repository: installed packages
        if prefix != root and prefix.is_relative_to(root) and full.is_relative_to(prefix):
            return None
    return rel.as_posix()


_ENVIRONMENT = tuple({Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})


class Recorder:
    """What one kernel used from the repository; written as JSON after every cell."""

    def __init__(self, root: Path, path: Path, page: str) -> None:
        self.root, self.path, self.page = root, path, page
        self.hits: set[str] = set()
        self.instrumented: set[str] = set()
        self.files: dict[str, str | None] = {}
        self.opaque: str | None = None
        self.quiet = 0  # >0 while the recorder itself reads files
        self._seen: dict = {}
        self.own = repo_relative(Path(__file__).parent, root)  # this tool is no page's dependency

    def tracked(self, path) -> str | None:
        cacheable = isinstance(path, str) and os.path.isabs(path)  # (a relative path depends on the cwd)
        if cacheable and path in self._seen:
            return self._seen[path]
        rel = repo_relative(path, self.root)
        if cacheable:
            self._seen[path] = rel
        return rel

    def is_own(self, rel: str) -> bool:
        """Whether ``rel`` is a file of this tool (losscourse/book/), which is no page's dependency."""
        return self.own is not None and (rel == self.own or rel.startswith(self.own + "/"))

    def hit(self, key: str) -> None:
        self.hits.add(key)

    def audit(self, event: str, args: tuple) -> None:
        if self.quiet:
            return
        try:
            if event == "open":
                self._opened(*args[:3])
            elif event in ("os.fork", "os.forkpty"):
                self.opaque = self.opaque or f"the page forked its kernel ({event})"
            elif event in ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.spawn", "os.system"):
                if self._runs_python(args):
                    self.opaque = self.opaque or f"the page started a Python process ({event})"
        except Exception:  # noqa: BLE001 - an audit hook must never break the page
            pass

    @staticmethod
    def _runs_python(args: tuple) -> bool:
        """Whether a program (and its first arguments, or a shell command) looks like Python."""
        words = []
        for arg in args:
            if isinstance(arg, (list, tuple)):
                words += list(arg[:3])
            elif not isinstance(arg, (int, dict)) and arg is not None:
                words.append(arg)
        executable = os.path.realpath(sys.executable)
        for word in words:
            with contextlib.suppress(TypeError, ValueError):
                text = os.fsdecode(word)
                if "python" in text.lower() or "jupyter" in text.lower() or os.path.realpath(text) == executable:
                    return True
        return False

    def _opened(self, path, mode=None, flags=0) -> None:
        if isinstance(path, int) or path is None:
            return
        if isinstance(mode, str):
            reading = "r" in mode or "+" in mode
        else:
            reading = (flags or 0) & 3 != os.O_WRONLY
        rel = self.tracked(path) if reading else None
        if rel is None or rel in self.files:
            return
        full = self.root / rel
        if not full.is_file():
            return
        self.quiet += 1
        try:
            self.files[rel] = file_hash(full)
        finally:
            self.quiet -= 1

    def write(self, *_: object) -> None:
        self.quiet += 1
        try:
            modules = set()
            for module in list(sys.modules.values()):
                rel = self.tracked(getattr(module, "__file__", None) or "")
                if rel is not None and rel not in self.instrumented and not self.is_own(rel):
                    modules.add(rel)  # loaded some other way: depend on the whole file
            data = {
                "page": self.page,
                "instrumented": sorted(self.instrumented),
                "hits": sorted(self.hits),
                "whole": sorted(modules),
                "files": self.files,
                "opaque": self.opaque,
            }
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, self.path)
        finally:
            self.quiet -= 1


def instrument(tree: ast.Module, rel: str) -> ast.Module:
    """Add ``__losscourse_book_hit__("rel:qualname")`` at the start of every tracked body
    (after its docstring), at the position of the body's first statement."""
    for qualname, node in unit_defs(tree):
        at = 1 if docstring_node(node) is not None else 0
        anchor = node.body[min(at, len(node.body) - 1)]
        call = ast.Expr(ast.Call(ast.Name(HIT, ast.Load()), [ast.Constant(f"{rel}:{qualname}")], []))
        for part in ast.walk(call):
            ast.copy_location(part, anchor)
            part.end_lineno, part.end_col_offset = anchor.lineno, anchor.col_offset
        node.body.insert(at, call)
    return tree


def install(recorder: Recorder, *, audit: bool) -> None:
    """Load the repository's modules instrumented from now on (and, with ``audit``, watch file
    reads and new processes)."""
    import builtins
    import importlib.abc
    import importlib.machinery

    class Loader(importlib.machinery.SourceFileLoader):
        def get_code(self, fullname):
            path = self.get_filename(fullname)
            recorder.quiet += 1
            try:
                source = self.get_data(path)
            finally:
                recorder.quiet -= 1
            rel = recorder.tracked(path)
            tree = instrument(ast.parse(source, path), rel)
            recorder.instrumented.add(rel)
            return compile(tree, path, "exec", dont_inherit=True)

    class Finder(importlib.abc.MetaPathFinder):
        busy = False

        def find_spec(self, name, path=None, target=None):
            if Finder.busy:  # (another thread's import: it is recorded as a whole file)
                return None
            Finder.busy = True
            try:
                spec = None
                for finder in sys.meta_path:
                    if finder is self or not hasattr(finder, "find_spec"):
                        continue
                    spec = finder.find_spec(name, path, target)
                    if spec is not None:
                        break
            finally:
                Finder.busy = False
            if (
                spec is not None
                and isinstance(spec.loader, importlib.machinery.SourceFileLoader)
                and spec.origin
                and spec.origin.endswith(".py")
                and recorder.tracked(spec.origin)
            ):
                spec.loader = Loader(spec.name, spec.origin)
            return spec

    setattr(builtins, HIT, recorder.hit)
    sys.meta_path.insert(0, Finder())
    if audit:
        sys.addaudithook(recorder.audit)
        try:  # multiprocessing's "spawn" and "forkserver" start Python with no audit event
            import _posixsubprocess

            fork_exec = _posixsubprocess.fork_exec

            def watched_fork_exec(*args, **kwargs):
                if recorder._runs_python(args[:2]):
                    recorder.opaque = recorder.opaque or "the page started a Python process (fork_exec)"
                return fork_exec(*args, **kwargs)

            _posixsubprocess.fork_exec = watched_fork_exec
        except (ImportError, AttributeError):
            pass


def record_kernel() -> None:
    """Start recording in this kernel (called by the IPython startup file that :func:`losscourse.book.make.build` writes)."""
    root = Path(os.environ["LOSSCOURSE_BOOK_ROOT"])
    page = os.environ.get("LOSSCOURSE_BOOK_PAGE", "")
    records = Path(os.environ["LOSSCOURSE_BOOK_RECORDS"])
    records.mkdir(parents=True, exist_ok=True)
    recorder = Recorder(root, records / (hashlib.sha256(page.encode()).hexdigest()[:24] + ".json"), page)
    for module in list(sys.modules.values()):
        if recorder.tracked(getattr(module, "__file__", None) or ""):
            recorder.opaque = "repository code was imported before the recording started"
    install(recorder, audit=True)
    try:
        from IPython import get_ipython

        get_ipython().events.register("post_run_cell", recorder.write)
    except Exception:  # noqa: BLE001 - no shell: write at exit only
        pass
    import atexit

    atexit.register(recorder.write)
    recorder.write()
