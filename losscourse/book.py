"""Build the HTML book, never showing outputs computed with an older losslib, and re-executing
only the pages that a change in the repository's Python code can affect.

Jupyter Book's execution cache (jupyter-cache) keys each page on its own code only, so a change
in ``losslib`` would leave old outputs in place. Instead of dropping the whole cache when
``losslib/`` or ``losscourse/`` change, we record, for every executed page, what its kernel
actually used from the repository, and invalidate a page's cache entry only when one of those
things changed:

- every repository module the kernel imported, as its *skeleton*: the module's code with each
  function's body cut out (imports, constants, registry entries, class attributes, and each
  function's signature, defaults, decorators and docstring). A change there re-executes every
  page that imported the module;
- every function (or method) whose body the kernel started to run, as the hash of that body.
  Modules of the repository are loaded in the kernel by an import hook that compiles them with
  a marker call at the start of each top-level function and method body (line numbers, source
  and docstrings untouched), so the record covers functions run from anywhere: a page, the
  registry, another losslib function, or code run while importing. A change in the body of a
  function re-executes only the pages that ran it;
- every repository file the kernel opened for reading (``inspect.getsource``, a traceback or a
  warning quoting a line, a data file), as the hash of its whole content;
- a kernel that started another Python process (``subprocess``, ``os.fork``, ``os.system``,
  ``multiprocessing``), whose code the recording cannot see, is *opaque*: its page re-executes
  when any Python file of ``losslib/`` or ``losscourse/`` changes, as every page did before.

Hashes are of the code's syntax tree, so a change in comments or formatting re-executes nothing.
A page whose kernel left no record (an older build, a failed recording) is re-executed when
``losslib/`` or ``losscourse/`` change at all (the old rule). Invalidating a page removes its
jupyter-cache record and asks Sphinx to re-read it (``env-get-outdated``, this module being a
Sphinx extension that :func:`build` adds to the configuration); the other pages keep their
cache and their doctrees. Sphinx's own process is recorded the same way (this extension comes
first, so the other extensions and losslib, which autodoc imports for the API page, load
instrumented), summed over the builds since every page was last read: when something it ran
changes, every page is re-read, from the cache where the cache is current (autodoc itself
re-reads the API page when a module it documents changes). The kernel's record is written after
each cell, the build's state to ``_build/.book-deps/state.json``. A failed build forces the
next build to re-read every page (an incremental build would otherwise skip the unchanged,
failing page).

Usage: ``python -m losscourse.book [--out DIR]`` (``make book`` runs it).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What chapter outputs depend on besides the chapters' own code.
FINGERPRINTED = ("losslib", "losscourse")
# Folders of the repository that are never a page's dependency (the build, the venv, git).
IGNORED = (".venv", "_build", ".git", "node_modules", ".pytest_cache", ".hypothesis", "grading")
DEPS = ".book-deps"  # in the build folder: what each executed page used, and the records of this build
STATE_VERSION = 1
HIT = "__losscourse_book_hit__"  # the marker builtin the kernel's import hook calls
EXTENSION = "losscourse.book"


def fingerprint(root: Path = ROOT) -> str:
    """SHA-256 over the Python sources the chapters import."""
    h = hashlib.sha256()
    for folder in FINGERPRINTED:
        for path in sorted((root / folder).rglob("*.py")):
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


# --------------------------------------------------------------------------
# What a module is made of: a skeleton and function bodies
# --------------------------------------------------------------------------


def _docstring(node: ast.AST) -> ast.Expr | None:
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


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()[:32]


def code_units(source: bytes | str) -> tuple[str, dict[str, str]]:
    """``(skeleton hash, {qualname: body hash})`` of a Python module's source.

    The skeleton is the module with the body of every tracked function (see :func:`unit_defs`)
    replaced by ``pass``, its docstring kept; it holds everything that takes effect without
    calling a function. Hashes are of the syntax tree without positions: comments and layout
    do not count. A source that does not parse is all skeleton."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        raw = source if isinstance(source, bytes) else source.encode("utf-8", "surrogatepass")
        return "unparsable:" + hashlib.sha256(raw).hexdigest()[:32], {}
    bodies: dict[str, list[str]] = {}
    for qualname, node in unit_defs(tree):
        doc = _docstring(node)
        body = node.body[1:] if doc is not None else node.body
        bodies.setdefault(qualname, []).append(ast.dump(ast.Module(body=body, type_ignores=[])))
        node.body = ([doc] if doc is not None else []) + [ast.Pass()]
    skeleton = _digest(ast.dump(tree))
    return skeleton, {q: _digest(*dumps) for q, dumps in bodies.items()}


def _file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:32]
    except OSError:
        return None


def _tracked(path: str | os.PathLike, root: Path) -> str | None:
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


# --------------------------------------------------------------------------
# The kernel side: record what a page uses (run by an IPython startup file)
# --------------------------------------------------------------------------

_STARTUP = """\
# Written by losscourse/book.py: record which repository code this page's kernel uses.
def _losscourse_book_record():
    import importlib.util, os
    spec = importlib.util.spec_from_file_location("_losscourse_book_recorder", os.environ["LOSSCOURSE_BOOK_TOOL"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.record_kernel()
try:
    _losscourse_book_record()
finally:
    del _losscourse_book_record
"""


class _Recorder:
    """What one kernel used from the repository; written as JSON after every cell."""

    def __init__(self, root: Path, path: Path, page: str) -> None:
        self.root, self.path, self.page = root, path, page
        self.hits: set[str] = set()
        self.instrumented: set[str] = set()
        self.files: dict[str, str | None] = {}
        self.opaque: str | None = None
        self.quiet = 0  # >0 while the recorder itself reads files
        self._seen: dict = {}
        self.own = _tracked(__file__, root)  # this tool is no page's dependency

    def tracked(self, path) -> str | None:
        cacheable = isinstance(path, str) and os.path.isabs(path)  # (a relative path depends on the cwd)
        if cacheable and path in self._seen:
            return self._seen[path]
        rel = _tracked(path, self.root)
        if cacheable:
            self._seen[path] = rel
        return rel

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
            self.files[rel] = _file_hash(full)
        finally:
            self.quiet -= 1

    def write(self, *_: object) -> None:
        self.quiet += 1
        try:
            modules = set()
            for module in list(sys.modules.values()):
                rel = self.tracked(getattr(module, "__file__", None) or "")
                if rel is not None and rel not in self.instrumented and rel != self.own:
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


def _instrument(tree: ast.Module, rel: str) -> ast.Module:
    """Add ``__losscourse_book_hit__("rel:qualname")`` at the start of every tracked body
    (after its docstring), at the position of the body's first statement."""
    for qualname, node in unit_defs(tree):
        at = 1 if _docstring(node) is not None else 0
        anchor = node.body[min(at, len(node.body) - 1)]
        call = ast.Expr(ast.Call(ast.Name(HIT, ast.Load()), [ast.Constant(f"{rel}:{qualname}")], []))
        for part in ast.walk(call):
            ast.copy_location(part, anchor)
            part.end_lineno, part.end_col_offset = anchor.lineno, anchor.col_offset
        node.body.insert(at, call)
    return tree


def _install(recorder: _Recorder, *, audit: bool) -> None:
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
            tree = _instrument(ast.parse(source, path), rel)
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
    """Start recording in this kernel (called by the IPython startup file :func:`build` writes)."""
    root = Path(os.environ["LOSSCOURSE_BOOK_ROOT"])
    page = os.environ.get("LOSSCOURSE_BOOK_PAGE", "")
    records = Path(os.environ["LOSSCOURSE_BOOK_RECORDS"])
    records.mkdir(parents=True, exist_ok=True)
    recorder = _Recorder(root, records / (hashlib.sha256(page.encode()).hexdigest()[:24] + ".json"), page)
    for module in list(sys.modules.values()):
        if recorder.tracked(getattr(module, "__file__", None) or ""):
            recorder.opaque = "repository code was imported before the recording started"
    _install(recorder, audit=True)
    try:
        from IPython import get_ipython

        get_ipython().events.register("post_run_cell", recorder.write)
    except Exception:  # noqa: BLE001 - no shell: write at exit only
        pass
    import atexit

    atexit.register(recorder.write)
    recorder.write()


# --------------------------------------------------------------------------
# The Sphinx side: re-read invalidated pages, tell the kernel which page it runs
# --------------------------------------------------------------------------


def _deps_folder() -> Path | None:
    folder = os.environ.get("LOSSCOURSE_BOOK_DEPS")
    return Path(folder) if folder else None


def _page_started(app, docname: str, source: list[str]) -> None:
    os.environ["LOSSCOURSE_BOOK_PAGE"] = os.path.abspath(os.fspath(app.env.doc2path(docname)))


def _outdated(app, env, added, changed, removed) -> list[str]:
    folder = _deps_folder()
    try:
        names = json.loads((folder / "reread.json").read_text(encoding="utf-8")) if folder else []
    except (OSError, ValueError):
        names = []
    return [name for name in names if name in env.found_docs and name not in added and name not in changed]


_SPHINX_RECORDER: _Recorder | None = None


def _sphinx_record(app, exception) -> None:
    if _SPHINX_RECORDER is not None:
        _SPHINX_RECORDER.write()


def setup(app) -> dict:
    """Sphinx extension (added by :func:`build`): re-read the pages whose cache entries were
    invalidated, and tell each kernel which page it executes."""
    global _SPHINX_RECORDER
    folder = _deps_folder()
    if folder is not None:
        app.connect("source-read", _page_started)
        app.connect("env-get-outdated", _outdated)
        if _SPHINX_RECORDER is None:
            # What the Sphinx process runs from the repository (extensions, losslib for the API
            # page): modules loaded from now on are instrumented, those loaded before count whole.
            root = Path(os.environ.get("LOSSCOURSE_BOOK_ROOT", ROOT))
            _SPHINX_RECORDER = _Recorder(root, folder / "sphinx.json", "<sphinx>")
            _install(_SPHINX_RECORDER, audit=False)
        app.connect("build-finished", _sphinx_record)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# --------------------------------------------------------------------------
# The build: decide what is stale, build, record what each executed page used
# --------------------------------------------------------------------------


class _Snapshot:
    """The repository's Python sources as they are before a build (or now), parsed on demand."""

    def __init__(self, root: Path, read_now: bool = True) -> None:
        self.root = root
        self.sources: dict[str, bytes] = {}
        self._units: dict[str, tuple[str, dict[str, str]] | None] = {}
        if read_now:
            for folder, dirs, files in os.walk(root):
                top = folder == str(root)
                dirs[:] = [
                    d for d in dirs if not d.startswith(".") and d != "__pycache__" and not (top and d in IGNORED)
                ]
                for name in files:
                    if name.endswith(".py"):
                        path = Path(folder) / name
                        rel = _tracked(path, root)
                        if rel is not None:
                            with contextlib.suppress(OSError):
                                self.sources[rel] = path.read_bytes()

    def source(self, rel: str) -> bytes | None:
        if rel not in self.sources:
            try:
                self.sources[rel] = (self.root / rel).read_bytes()
            except OSError:
                return None
        return self.sources[rel]

    def units(self, rel: str) -> tuple[str, dict[str, str]] | None:
        if rel not in self._units:
            source = self.source(rel)
            self._units[rel] = None if source is None else code_units(source)
        return self._units[rel]

    def skeleton(self, rel: str) -> str | None:
        units = self.units(rel)
        return None if units is None else units[0]

    def body(self, rel: str, qualname: str) -> str | None:
        units = self.units(rel)
        return None if units is None else units[1].get(qualname)

    def file(self, rel: str) -> str | None:
        source = self.source(rel)
        return None if source is None else hashlib.sha256(source).hexdigest()[:32]


def _deps_of(record: dict, before: _Snapshot, fp: str) -> dict:
    """A kernel's record turned into the hashes its page depends on (as of ``before``)."""
    units: dict[str, dict[str, str | None]] = {}
    for key in record.get("hits", []):
        rel, _, qualname = key.rpartition(":")
        units.setdefault(rel, {})[qualname] = before.body(rel, qualname)
    files = {rel: before.file(rel) for rel in record.get("whole", [])}
    files.update(record.get("files", {}))
    return {
        "fp": fp,
        "opaque": record.get("opaque"),
        "skeletons": {rel: before.skeleton(rel) for rel in record.get("instrumented", [])},
        "units": units,
        "files": files,
    }


def why_stale(deps: dict, now: _Snapshot, fp: str) -> str | None:
    """Why a page recorded with ``deps`` must be re-executed now (None: its outputs are current)."""
    if deps.get("opaque") and deps.get("fp") != fp:
        return f"{deps['opaque']}, and losslib/losscourse changed"
    for rel, skeleton in deps.get("skeletons", {}).items():
        if now.skeleton(rel) != skeleton:
            return f"{rel} changed outside function bodies"
    for rel, bodies in deps.get("units", {}).items():
        for qualname, body in bodies.items():
            if now.body(rel, qualname) != body:
                return f"{rel}: {qualname} changed"
    for rel, digest in deps.get("files", {}).items():
        if _file_hash(now.root / rel) != digest:
            return f"{rel} changed (the page read it)"
    return None


def _load_state(folder: Path) -> dict | None:
    try:
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and state.get("version") == STATE_VERSION else None


def _save_state(folder: Path, state: dict) -> None:
    tmp = folder / "state.json.tmp"
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, folder / "state.json")


def _cache(out: Path):
    """The build's jupyter-cache, or None if there is none (never creates one)."""
    if not (out / ".jupyter_cache" / "global.db").is_file():
        return None
    from jupyter_cache import get_cache

    return get_cache(str(out / ".jupyter_cache"))


def _docname(uri: str, root: Path) -> str | None:
    try:
        return Path(uri).resolve().relative_to(root).with_suffix("").as_posix()
    except ValueError:
        return None


def _write_config(root: Path, folder: Path) -> Path:
    """The book's ``_config.yml`` with this module added to Sphinx's extensions."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    sphinx = config.setdefault("sphinx", {}) or {}
    config["sphinx"] = sphinx
    extensions = list(sphinx.get("extra_extensions") or [])
    if EXTENSION in extensions:
        extensions.remove(EXTENSION)
    extensions.insert(0, EXTENSION)  # first, so that it sees the other extensions' code run
    sphinx["extra_extensions"] = extensions
    path = folder / "_config.yml"
    path.write_text(
        "# Generated by losscourse/book.py from the book's _config.yml; edit that one.\n"
        + yaml.safe_dump(config, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    old = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def invalidate(out: Path, root: Path = ROOT, log=print) -> list[str]:
    """Remove the cache records of pages whose dependencies changed; return their docnames.

    Also drops Sphinx's saved environment when code the Sphinx process imported changed, and
    falls back to dropping everything (the old rule) when there is no record of dependencies."""
    folder = out / DEPS
    stamp = out / ".losslib-fingerprint"
    current = fingerprint(root)
    state = _load_state(folder)
    if state is None:
        if not stamp.exists() or stamp.read_text() != current:
            for cached in (out / ".jupyter_cache", out / ".doctrees"):
                shutil.rmtree(cached, ignore_errors=True)
        return []
    now = _Snapshot(root, read_now=False)
    sphinx = state.get("sphinx")
    if sphinx is None:
        reason = "no record of what Sphinx ran" if stamp.exists() and stamp.read_text() != current else None
    else:
        reason = why_stale(sphinx, now, current)
    if reason is not None:
        log(f"book: every page is re-read (from the cache where it is current): {reason} (Sphinx's process)")
        shutil.rmtree(out / ".doctrees", ignore_errors=True)
        state["sphinx"] = None
    cache = _cache(out)
    reread: list[str] = []
    if cache is None:
        return reread
    records = state.get("records", {})
    old_fp = stamp.read_text() if stamp.exists() else None
    for record in cache.list_cache_records():
        deps = records.get(record.hashkey)
        if deps is None:
            reason = None if old_fp == current else "no record of what it uses, and losslib/losscourse changed"
        else:
            reason = why_stale(deps, now, current)
        if reason is None:
            continue
        name = _docname(record.uri, root)
        log(f"book: re-executing {name or record.uri}: {reason}")
        cache.remove_cache(record.pk)
        records.pop(record.hashkey, None)
        if name:
            reread.append(name)
    _save_state(folder, state)
    return reread


def _records(out: Path) -> dict[tuple[str, str], object]:
    """The cache's records by (hashkey, creation time): a record made by a build is new to it."""
    cache = _cache(out)
    if cache is None:
        return {}
    return {(record.hashkey, str(record.created)): record for record in cache.list_cache_records()}


def _merge(old: dict, new: dict) -> dict:
    """The dependencies of both (Sphinx's doctrees accumulate what several builds ran)."""
    merged = {
        "fp": new["fp"],
        "opaque": old.get("opaque") or new.get("opaque"),
        "skeletons": {**old.get("skeletons", {}), **new["skeletons"]},
        "units": {rel: dict(bodies) for rel, bodies in old.get("units", {}).items()},
        "files": {**old.get("files", {}), **new["files"]},
    }
    for rel, bodies in new["units"].items():
        merged["units"].setdefault(rel, {}).update(bodies)
    return merged


def _collect(out: Path, state: dict, before: _Snapshot, fp: str, old: set, full: bool, log=print) -> list[str]:
    """Store the dependencies of the pages executed by this build; return their docnames."""
    folder = out / DEPS
    records_dir = folder / "kernels"
    kernels = {}
    for path in sorted(records_dir.glob("*.json")) if records_dir.is_dir() else []:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if record.get("page"):
            kernels[os.path.abspath(record["page"])] = record
    executed = []
    current = _records(out)
    for key, record in current.items():
        if key in old:
            continue  # not executed by this build
        name = _docname(record.uri, before.root) or record.uri
        kernel = kernels.get(os.path.abspath(record.uri))
        if kernel is None:
            log(f"book: no record of what {name} used: it will be re-executed when losslib/losscourse change")
            state["records"].pop(record.hashkey, None)
            continue
        state["records"][record.hashkey] = _deps_of(kernel, before, fp)
        executed.append(name)
    hashkeys = {hashkey for hashkey, _ in current}
    state["records"] = {key: deps for key, deps in state["records"].items() if key in hashkeys}
    # What Sphinx ran: doctrees read by earlier builds depend on what those ran, so it accumulates
    # until every page is re-read. Unknown (no record) is handled as before: by the fingerprint.
    try:
        sphinx = _deps_of(json.loads((folder / "sphinx.json").read_text(encoding="utf-8")), before, fp)
    except (OSError, ValueError):
        sphinx = None
    if sphinx is None or full:
        state["sphinx"] = sphinx
    elif state.get("sphinx") is not None:
        state["sphinx"] = _merge(state["sphinx"], sphinx)
    return executed


def build(
    out: Path, *, strict: bool = True, force_all: bool = False, pdf: bool = True, root: Path = ROOT, log=print
) -> int:
    """Build the book into the folder ``out`` (named ``_build``; ``out/html`` holds the pages), then,
    with ``pdf``, the whole book as one PDF (:mod:`losscourse.pdf`; skipped, with a message, where
    Chromium is missing, and when no page changed since the last PDF).

    Returns jupyter-book's exit code.
    """
    if out.name != "_build":
        raise ValueError(f"the build folder must be named _build (jupyter-book's rule), got {out}")
    out.mkdir(parents=True, exist_ok=True)
    folder = out / DEPS
    stamp = out / ".losslib-fingerprint"
    ok_marker = out / ".last-build-ok"
    before = _Snapshot(root)  # what the kernels of this build will run, as far as we can tell
    current = fingerprint(root)
    reread = invalidate(out, root, log=log)
    state = _load_state(folder) or {"version": STATE_VERSION, "records": {}, "sphinx": None}
    folder.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder / "kernels", ignore_errors=True)
    (folder / "sphinx.json").unlink(missing_ok=True)
    (folder / "reread.json").write_text(json.dumps(reread), encoding="utf-8")
    startup = folder / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-losscourse-book.py").write_text(_STARTUP, encoding="utf-8")
    config = _write_config(root, folder)
    cmd = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(root),
        "--builder",
        "html",
        "--path-output",
        str(out.parent),
        "--config",
        str(config),
    ]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    full = force_all or not ok_marker.exists() or not (out / ".doctrees").is_dir()
    if force_all or not ok_marker.exists():
        cmd += ["--all"]
    ok_marker.unlink(missing_ok=True)
    env = {
        "LOSSCOURSE_BOOK_DEPS": str(folder),
        "LOSSCOURSE_BOOK_ROOT": str(root.resolve()),
        "LOSSCOURSE_BOOK_RECORDS": str(folder / "kernels"),
        "LOSSCOURSE_BOOK_TOOL": str(Path(__file__).resolve()),
        "IPYTHONDIR": str(folder / "ipython"),
        # Sphinx and the kernels import losslib and losscourse from this checkout.
        "PYTHONPATH": os.pathsep.join([str(root), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    old = set(_records(out))
    with _environment(env):
        code = subprocess.call(cmd, cwd=root)
    executed = _collect(out, state, before, current, old, full, log=log)
    _save_state(folder, state)
    if executed:
        log(f"book: executed {len(executed)} page(s): {', '.join(sorted(executed))}")
    if code == 0:
        stamp.write_text(current)
        ok_marker.touch()
        if pdf:
            write_pdf(out / "html", root, log=log)
    return code


def write_pdf(html_dir: Path, root: Path = ROOT, log=print) -> Path | None:
    """The book's PDF (:func:`losscourse.pdf.write`), unless it is newer than every page it prints."""
    from losscourse import pdf

    target = html_dir / pdf.PDF_NAME
    pages = [html_dir / rel for rel in pdf.toc_pages(root)]
    if not any(p.is_file() for p in pages):
        log(f"book: no PDF: none of the pages of _toc.yml is in {html_dir}")
        return None
    newest = max(p.stat().st_mtime for p in pages if p.is_file())
    if target.is_file() and target.stat().st_mtime > newest:
        log(f"book: {target.name} is up to date (no page changed)")
        return target
    return pdf.write(html_dir, root, log=log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "_build", help="build folder, named _build (default: ./_build)"
    )
    parser.add_argument("--all", action="store_true", help="re-read every page")
    args = parser.parse_args(argv)
    from losscourse import launch  # (imports nbformat: only for a build)

    for path in launch.write_notebooks():
        print(f"book: regenerated {path} from its chapter (commit it with the chapter)")
    code = build(args.out.resolve(), force_all=args.all)
    index = args.out.resolve() / "html" / "index.html"
    if code == 0:
        print(f"\nThe book is built. Open it in a browser: file://{index}")
    else:
        print("\nThe book build failed: see the messages above.", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
