"""The results of every grading run, kept: one file per student and run, written once, never changed.

``losscourse grade`` writes each student's result the moment it arrives, so a run that dies
(Ctrl-C, a lost coordinator, a power cut) loses only the submissions that were being graded,
and ``--resume`` grades only those. Regrading adds a new version beside the earlier ones. In the
output folder::

    results/runs/<run>.json              what a run set out to grade (written when it starts)
    results/runs/<run>.done.json         its summary (written when it ends): a run without one
                                         was interrupted
    results/<student>/<run>.json         the student's row of that run, with its key
    results/<student>/<run>.html.gz      the feedback page of that result (gzip: a tenth of its size)

A result's *key* is a hash of everything that decides it: the notebook's bytes and file name,
what the LMS said of the student (name, late, notes), the assignment's source notebook (the
tests), the release, the course's version and the limits. A student "has a result" when a file
holds a result with the key their submission has now; a changed test or a new attempt has none.

Each file is written to a temporary name, flushed to disk and then linked to its final name,
which fails if the name exists: a file is complete or absent, and never replaced, so a result
that arrives twice (a task run again after its worker died) is kept once.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import secrets
import time
from collections.abc import Iterable
from pathlib import Path

from .collect import safe_name

RESULTS = "results"
_RUN = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{6}$")


def key_of(parts: dict) -> str:
    """The sha256 of ``parts`` as canonical JSON: what a result was computed from."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _written(path: Path, data: bytes) -> Path:
    """``data`` in a new temporary file beside ``path``, flushed to disk; returns its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)  # e.g. a full disk: no half-written file stays behind
        raise
    return tmp


def write_once(path: Path, data: bytes) -> bool:
    """Create ``path`` holding ``data``, atomically; False (and nothing written) if it exists."""
    tmp = _written(path, data)
    try:
        os.link(tmp, path)  # atomic, and refuses an existing name (os.replace would overwrite it)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    _sync_folder(path.parent)
    return True


def write_replacing(path: Path, data: bytes) -> None:
    """Write a report (a feedback page, grades.csv) atomically: readers see the old file or the new."""
    tmp = _written(path, data)
    try:
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def history_path(path: Path, suffix: str | None = None) -> Path:
    """A free name in ``history/`` beside ``path`` for its earlier version (the folder made if need be):
    ``<stem>-<local time><suffix>``, then ``-2``, ``-3``... if taken; ``suffix`` defaults to ``path``'s."""
    history = path.parent / "history"
    history.mkdir(exist_ok=True)
    stamp, suffix = time.strftime("%Y%m%dT%H%M%S"), path.suffix if suffix is None else suffix
    saved = history / f"{path.stem}-{stamp}{suffix}"
    n = 1
    while saved.exists():
        n += 1
        saved = history / f"{path.stem}-{stamp}-{n}{suffix}"
    return saved


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some systems cannot open a folder
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def student_folder(student_id: str) -> str:
    """A folder name for a student id: the id itself when it is a safe file name, otherwise
    its safe form and a hash of the id (two ids never share a folder)."""
    safe = safe_name(student_id)
    if safe == student_id:
        return safe
    return f"{safe}-{hashlib.sha256(student_id.encode()).hexdigest()[:10]}"


class Store:
    """The ``results/`` folder of one output folder."""

    def __init__(self, out: Path) -> None:
        self.folder = Path(out) / RESULTS
        self.runs = self.folder / "runs"

    # -- runs ------------------------------------------------------------------------------------

    def begin(self, plan: dict) -> str:
        """Record a new run's plan; return its id (its start time, sortable, and a random tail)."""
        while True:
            run = f"{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
            record = {"run": run, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **plan}
            if write_once(self.runs / f"{run}.json", _json(record)):
                return run

    def finish(self, run: str, summary: dict) -> None:
        write_once(self.runs / f"{run}.done.json", _json({"run": run, **summary}))

    def interrupted(self) -> dict | None:
        """The plan of the latest run if it never finished, else None."""
        if not self.runs.is_dir():
            return None
        started = sorted(p.stem for p in self.runs.glob("*.json") if _RUN.match(p.stem))
        if not started or (self.runs / f"{started[-1]}.done.json").exists():
            return None
        return json.loads((self.runs / f"{started[-1]}.json").read_text(encoding="utf-8"))

    # -- results ---------------------------------------------------------------------------------

    def save(self, run: str, row: dict, key: str, feedback_html: str | None) -> bool:
        """Keep one student's result of ``run`` (the page first: a result file implies its page).
        False if this run already has a result of this student (kept as it is)."""
        folder = self.folder / student_folder(row["student_id"])
        if feedback_html is not None:
            write_once(folder / f"{run}.html.gz", gzip.compress(feedback_html.encode("utf-8"), mtime=0))
        return write_once(folder / f"{run}.json", _json({"run": run, "key": key, "row": row}))

    def history(self, students: Iterable[str]) -> dict[str, list[dict]]:
        """Every kept result of each of ``students``, oldest first: dicts with run, key, row."""
        found: dict[str, list[dict]] = {}
        for student in students:
            folder = self.folder / student_folder(student)
            kept = []
            for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
                if not _RUN.match(path.stem):
                    continue
                try:
                    record = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue  # not ours, or damaged by hand: never a result
                if record.get("row", {}).get("student_id") == student:
                    kept.append(record)
            found[student] = kept
        return found

    def page(self, student: str, run: str) -> bytes | None:
        """The feedback page kept with a result (None if that run wrote none)."""
        path = self.folder / student_folder(student) / f"{run}.html.gz"
        return gzip.decompress(path.read_bytes()) if path.is_file() else None


def _json(value: dict) -> bytes:
    return (json.dumps(value, indent=1, sort_keys=True) + "\n").encode("utf-8")
