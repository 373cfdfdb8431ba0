"""Finding the submissions: a folder or a .zip, in one of the layouts of :mod:`losscourse.grader.lms`
(one subfolder per student, Canvas's or Moodle's export).

A zip is extracted into a temporary folder, entry by entry, refusing entries that would land
outside it (absolute paths, ``..``, links) and stopping at a size cap (zip bombs). The
submissions themselves are only ever read.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .lms import LAYOUTS, Entry, LayoutError, classify, recognise, students, text, unwrap, visible

MAX_ZIP_BYTES = 2 * 1024**3
MAX_ZIP_ENTRIES = 100_000


class CollectError(Exception):
    """The instructor's input cannot be used (not a folder or zip, unreadable, no known layout)."""


@dataclass
class Collected:
    layout: str  # folders | canvas | moodle
    entries: list[Entry]  # one per student, sorted by student id
    notes: list[str] = field(default_factory=list)  # for the instructor: what was refused or ignored
    _tmp: list[tempfile.TemporaryDirectory[str]] = field(default_factory=list)

    @property
    def students(self) -> dict[str, Entry]:
        return {e.student_id: e for e in self.entries}

    def cleanup(self) -> None:
        for tmp in self._tmp:
            tmp.cleanup()


def collect(path: Path, layout: str | None = None, expected: str = "", assignment: str = "") -> Collected:
    """The students of ``path`` (a folder or a .zip) in its layout (recognised, or ``layout``).

    ``expected`` is the assignment's notebook name (e.g. likelihood.ipynb), used to choose each
    student's notebook. The input is only read: zips are extracted into a temporary folder,
    removed by :meth:`Collected.cleanup`.
    """
    path = Path(path)
    if not path.exists():
        raise CollectError(f"{path} does not exist")
    if layout is not None and layout not in LAYOUTS:
        raise CollectError(f"--layout {layout!r} is not a layout: choose from {', '.join(LAYOUTS)}")
    tmps: list[tempfile.TemporaryDirectory[str]] = []

    def scratch() -> Path:
        if not tmps:
            tmps.append(tempfile.TemporaryDirectory(prefix="losscourse-zip-"))
        return Path(tempfile.mkdtemp(dir=tmps[0].name))

    notes: list[str] = []
    try:
        if path.is_dir():
            root, from_zip = path, False
        elif path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
            root, from_zip = scratch(), True
            try:
                notes += extract_zip(path, root)
            except (zipfile.BadZipFile, OSError) as exc:
                raise CollectError(f"{path} is not a readable zip file: {exc}") from None
        else:
            raise CollectError(f"{path} is neither a folder nor a .zip file")
        entries = visible(root)
        if (
            len(entries) == 1
            and entries[0].is_file()
            and zipfile.is_zipfile(entries[0])
            and not any(classify(entries).values())  # not one student's zip in a Canvas or Moodle export
        ):
            inner = scratch()
            try:
                notes += extract_zip(entries[0], inner)
            except (zipfile.BadZipFile, OSError) as exc:
                raise CollectError(f"{path} holds only {entries[0].name}, a zip that cannot be read: {exc}") from None
            notes.append(f"{path.name} holds one zip, {text(entries[0].name)}, and nothing else: graded what it holds")
            root, from_zip = inner, True
        wrapper = unwrap(root, layout, from_zip)
        if wrapper is not None:
            notes.append(f"{path.name} is wrapped in one folder, {text(wrapper.name)}/: read what it holds")
            root = wrapper
        chosen = recognise(root, layout, label=str(path))
        found = students(root, chosen, expected, assignment, scratch, extract_zip)
        if not found.entries:
            raise CollectError(
                f"{path} holds no submission to grade (read as {chosen}): " + "; ".join(notes + found.notes)
            )
    except (LayoutError, CollectError) as exc:
        for tmp in tmps:
            tmp.cleanup()
        raise CollectError(str(exc)) from None
    except PermissionError as exc:
        for tmp in tmps:
            tmp.cleanup()
        raise CollectError(f"{path} cannot be read: {exc}") from None
    except BaseException:
        for tmp in tmps:
            tmp.cleanup()
        raise
    return Collected(chosen, found.entries, notes + found.notes, tmps)


def extract_zip(archive: Path, dest: Path) -> list[str]:
    """Extract ``archive`` into ``dest`` safely; return notes on what was refused."""
    notes: list[str] = []
    total = 0
    dest = dest.resolve()
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise OSError(f"the zip holds {len(infos)} entries, more than {MAX_ZIP_ENTRIES}")
        for info in infos:
            name = info.filename
            if not info.flag_bits & 0x800 and not name.isascii():
                # No UTF-8 flag: zipfile read the name as cp437. Many tools write UTF-8 anyway.
                raw = name.encode("cp437")
                try:
                    name = raw.decode("utf-8")
                except UnicodeDecodeError:
                    notes.append(f"zip entry {name!r}: its name is not UTF-8 ({raw!r}); it was read as cp437")
            parts = PurePosixPath(name.replace("\\", "/")).parts
            mode = info.external_attr >> 16
            if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts or not parts:
                notes.append(f"refused zip entry {name!r}: it points outside the submissions folder")
                continue
            if stat.S_ISLNK(mode):
                notes.append(f"refused zip entry {name!r}: links are not extracted")
                continue
            target = dest.joinpath(*parts)
            if not target.resolve().is_relative_to(dest):
                notes.append(f"refused zip entry {name!r}: it points outside the submissions folder")
                continue
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            total += info.file_size
            if total > MAX_ZIP_BYTES:
                raise OSError(f"the zip expands to more than {MAX_ZIP_BYTES / 1024**3:.0f} GiB")
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            try:  # keep the zip's modification time: it says which of two attempts is the later
                stamp = time.mktime((*info.date_time, 0, 0, -1))
                os.utime(target, (stamp, stamp))
            except (OverflowError, ValueError, OSError):
                pass
    return notes


def safe_name(student_id: str) -> str:
    """A file name for a student id (feedback files), without path separators or oddities."""
    cleaned = re.sub(r"[^A-Za-z0-9._@+-]", "_", student_id).strip(".") or "student"
    return cleaned[:100]
