"""The dependency side of the book build: which executed pages are stale, from what their kernels ran.

A kernel's record (:mod:`losscourse.book.record`) becomes hashes as of the sources before the
build (:func:`deps_of`): the *skeleton* of each module it imported (its code with each function's
body cut out: imports, constants, registry entries, signatures, defaults, decorators, docstrings),
the body of each function it ran, the whole content of each file it read. Hashes are of syntax
trees, so comments and layout count for nothing. Before the next build, :func:`invalidate` removes
from jupyter-cache the records of the pages whose hashes changed (:func:`why_stale`); the
build's state is ``_build/.book-deps/state.json``.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import shutil
from pathlib import Path

from .record import IGNORED, docstring_node, file_hash, repo_relative, unit_defs

ROOT = Path(__file__).resolve().parent.parent.parent
# What chapter outputs depend on besides the chapters' own code.
FINGERPRINTED = ("losslib", "losscourse")
DEPS = ".book-deps"  # in the build folder: what each executed page used, and the records of this build
STATE_VERSION = 1


def fingerprint(root: Path = ROOT) -> str:
    """SHA-256 over the Python sources the chapters import."""
    h = hashlib.sha256()
    for folder in FINGERPRINTED:
        for path in sorted((root / folder).rglob("*.py")):
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


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
        doc = docstring_node(node)
        body = node.body[1:] if doc is not None else node.body
        bodies.setdefault(qualname, []).append(ast.dump(ast.Module(body=body, type_ignores=[])))
        node.body = ([doc] if doc is not None else []) + [ast.Pass()]
    skeleton = _digest(ast.dump(tree))
    return skeleton, {q: _digest(*dumps) for q, dumps in bodies.items()}


class Snapshot:
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
                        rel = repo_relative(path, root)
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


def deps_of(record: dict, before: Snapshot, fp: str) -> dict:
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


def why_stale(deps: dict, now: Snapshot, fp: str) -> str | None:
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
        if file_hash(now.root / rel) != digest:
            return f"{rel} changed (the page read it)"
    return None


def load_state(folder: Path) -> dict | None:
    try:
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and state.get("version") == STATE_VERSION else None


def save_state(folder: Path, state: dict) -> None:
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


def invalidate(out: Path, root: Path = ROOT, log=print) -> list[str]:
    """Remove the cache records of pages whose dependencies changed; return their docnames.

    Also drops Sphinx's saved environment when code the Sphinx process imported changed, and
    falls back to dropping everything (the old rule) when there is no record of dependencies."""
    folder = out / DEPS
    stamp = out / ".losslib-fingerprint"
    current = fingerprint(root)
    state = load_state(folder)
    if state is None:
        if not stamp.exists() or stamp.read_text() != current:
            for cached in (out / ".jupyter_cache", out / ".doctrees"):
                shutil.rmtree(cached, ignore_errors=True)
        return []
    now = Snapshot(root, read_now=False)
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
    save_state(folder, state)
    return reread


def cache_records(out: Path) -> dict[tuple[str, str], object]:
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


def collect(out: Path, state: dict, before: Snapshot, fp: str, old: set, full: bool, log=print) -> list[str]:
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
    current = cache_records(out)
    for key, record in current.items():
        if key in old:
            continue  # not executed by this build
        name = _docname(record.uri, before.root) or record.uri
        kernel = kernels.get(os.path.abspath(record.uri))
        if kernel is None:
            log(f"book: no record of what {name} used: it will be re-executed when losslib/losscourse change")
            state["records"].pop(record.hashkey, None)
            continue
        state["records"][record.hashkey] = deps_of(kernel, before, fp)
        executed.append(name)
    hashkeys = {hashkey for hashkey, _ in current}
    state["records"] = {key: deps for key, deps in state["records"].items() if key in hashkeys}
    # What Sphinx ran: doctrees read by earlier builds depend on what those ran, so it accumulates
    # until every page is re-read. Unknown (no record) is handled as before: by the fingerprint.
    try:
        sphinx = deps_of(json.loads((folder / "sphinx.json").read_text(encoding="utf-8")), before, fp)
    except (OSError, ValueError):
        sphinx = None
    if sphinx is None or full:
        state["sphinx"] = sphinx
    elif state.get("sphinx") is not None:
        state["sphinx"] = _merge(state["sphinx"], sphinx)
    return executed
