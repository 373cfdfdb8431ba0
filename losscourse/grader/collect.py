"""Finding the submissions: a folder with one subfolder per student, or a .zip of the same shape.

A zip is extracted into a temporary folder, entry by entry, refusing entries that would land
outside it (absolute paths, ``..``, links) and stopping at a size cap (zip bombs). The
submissions themselves are only ever read.
"""

from __future__ import annotations

import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_ZIP_BYTES = 2 * 1024**3
MAX_ZIP_ENTRIES = 100_000


class CollectError(Exception):
    """The instructor's input cannot be used (not a folder or zip, unreadable)."""


@dataclass
class Collected:
    students: dict[str, Path]  # student id -> folder of their files
    notes: list[str] = field(default_factory=list)
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    def cleanup(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def collect(path: Path) -> Collected:
    """The student folders under ``path`` (a folder or a .zip)."""
    path = Path(path)
    if not path.exists():
        raise CollectError(f"{path} does not exist")
    if path.is_dir():
        try:
            return Collected(_student_dirs(path))
        except PermissionError as exc:
            raise CollectError(f"{path} cannot be read: {exc}") from None
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        tmp = tempfile.TemporaryDirectory(prefix="losscourse-zip-")
        try:
            notes = extract_zip(path, Path(tmp.name))
        except (zipfile.BadZipFile, OSError) as exc:
            tmp.cleanup()
            raise CollectError(f"{path} is not a readable zip file: {exc}") from None
        root = Path(tmp.name)
        # An export wrapped in one top folder (course/<student>/...) is unwrapped.
        entries = [p for p in root.iterdir() if p.name != "__MACOSX"]
        if len(entries) == 1 and entries[0].is_dir() and not any(entries[0].glob("*.ipynb")):
            root = entries[0]
        return Collected(_student_dirs(root), notes, tmp)
    raise CollectError(f"{path} is neither a folder nor a .zip file")


def _student_dirs(root: Path) -> dict[str, Path]:
    return {p.name: p for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith((".", "__MACOSX"))}


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
    return notes


def safe_name(student_id: str) -> str:
    """A file name for a student id (feedback files), without path separators or oddities."""
    cleaned = re.sub(r"[^A-Za-z0-9._@+-]", "_", student_id).strip(".") or "student"
    return cleaned[:100]
