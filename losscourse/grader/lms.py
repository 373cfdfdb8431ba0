"""Recognising an LMS's export, and choosing each student's notebook in it.

Three layouts (``LAYOUTS``), recognised by themselves or forced with ``--layout``:

folders
    ``<student_id>/<notebook>.ipynb`` (any depth below the student's folder, e.g. nbgrader's
    ``<student_id>/<assignment>/<notebook>.ipynb``).
canvas
    Canvas's *Download Submissions* zip, flat: ``<name>_<user_id>_<attachment_id>_<file>``,
    ``<name>_LATE_<user_id>_<attachment_id>_<file>``, ``anon_<id>_<attachment_id>_<file>``
    (anonymous grading). ``<name>_<user_id>_text.html`` and ``..._link.html`` are text and
    URL entries, not files: they add no row (and are reported).
moodle
    Moodle's *Download all submissions* zip: ``<Full Name>_<participant id>_assignsubmission_file/``
    (Moodle 4.1+), ``..._assignsubmission_file_/`` (older), or flat files
    ``<Full Name>_<participant id>_assignsubmission_file_<file>``. Other submission plugins
    (``..._assignsubmission_onlinetext/``) add no row (and are reported).

:func:`students` turns a folder in one of these layouts into one :class:`Entry` per student:
the LMS's id, the name as the LMS wrote it, whether it was late, the chosen notebook and notes
for the report. Nothing is modified; a zip a student handed in is extracted into ``scratch``.
What is not used is said, in :attr:`Layout.notes` (for the instructor) or in the entry's notes
(for the student's row).
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

LAYOUTS = ("folders", "canvas", "moodle")

# Canvas writes the sortable name lower-cased, without separators; it may be non-ASCII (and a
# zip whose names are not UTF-8 turns it into other non-ASCII characters).
_CANVAS_NAME = r"(?P<name>(?:[^\W\d_]|[^\x00-\x7f])+)"
CANVAS_ANON = re.compile(r"^anon_(?:(?P<late>LATE)_)?(?P<uid>[A-Za-z0-9]+)_(?P<att>\d+)_(?P<file>.+)$", re.S)
CANVAS_FILE = re.compile(rf"^{_CANVAS_NAME}_(?:(?P<late>LATE)_)?(?P<uid>\d+)_(?P<att>\d+)_(?P<file>.+)$", re.S)
CANVAS_TEXT = re.compile(
    rf"^(?:anon|{_CANVAS_NAME})_(?:(?P<late>LATE)_)?(?P<uid>[A-Za-z0-9]+)_(?P<kind>text|link)\.html$", re.S
)
MOODLE_DIR = re.compile(r"^(?P<name>.+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$", re.S)
MOODLE_FILE = re.compile(r"^(?P<name>.+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.+)$", re.S)

# A copy suffix: "likelihood (1)", "likelihood-1", "likelihood_copy", "likelihood - Copy", "likelihood copy 2".
_COPY_SUFFIX = re.compile(r"(?:\s*\(\d+\)|-\d+|[ _-]+copy(?:[ _-]*\d+)?)+$", re.I)
IGNORED_NAMES = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini"}


class LayoutError(Exception):
    """The input fits no layout (or not the one forced): the instructor's mistake."""


@dataclass
class Candidate:
    """One file a student handed in."""

    path: Path  # where it is on disk
    shown: str  # its name as the student handed it in (inside a zip: "work.zip/likelihood.ipynb")
    attempt: int | None = None  # Canvas's attachment id: a higher one is a later upload
    late: bool = False


@dataclass
class Entry:
    """One student's row: what :mod:`losscourse.grader.run` grades."""

    student_id: str
    name: str = ""  # as the LMS wrote it ("" in the folders layout)
    late: bool = False
    notebook: Path | None = None  # the chosen notebook; None: ``problem`` says why
    shown: str = ""  # the chosen notebook's name as handed in
    notes: list[str] = field(default_factory=list)  # for the student's row and feedback
    problem: str = ""  # why there is nothing to grade (the row is ``invalid``)


@dataclass
class Layout:
    name: str
    entries: list[Entry]
    notes: list[str] = field(default_factory=list)  # for the instructor: what was ignored and why


@dataclass
class _Student:
    names: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # the entries it came from, for messages
    files: list[Candidate] = field(default_factory=list)
    late: bool = False


def text(name: str) -> str:
    """A file name as text: names that are not UTF-8 (surrogate escapes) are read as cp437,
    which is what zip files without the UTF-8 flag use."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("cp437")


def visible(folder: Path) -> list[Path]:
    """The entries of ``folder`` that can be submissions (not hidden files or archivers' debris)."""
    return sorted(p for p in folder.iterdir() if p.name not in IGNORED_NAMES and not p.name.startswith("."))


def copy_stem(name: str) -> str:
    """The stem of a notebook's name without a copy suffix, lower-cased."""
    stem = PurePosixPath(name).name
    stem = stem[: -len(".ipynb")] if stem.lower().endswith(".ipynb") else stem
    return _COPY_SUFFIX.sub("", stem).strip().lower()


def _copy_number(name: str) -> int:
    match = re.search(r"(\d+)\D*$", PurePosixPath(name).stem)
    return int(match.group(1)) if match else 0


def classify(entries: list[Path]) -> dict[str, list[Path]]:
    """Which top-level entries each layout can read."""
    hits: dict[str, list[Path]] = {layout: [] for layout in LAYOUTS}
    for p in entries:
        name = text(p.name)
        if p.is_dir():
            if MOODLE_DIR.match(name):
                hits["moodle"].append(p)
            else:
                hits["folders"].append(p)
        elif MOODLE_FILE.match(name):
            hits["moodle"].append(p)
        elif CANVAS_TEXT.match(name) or CANVAS_ANON.match(name) or CANVAS_FILE.match(name):
            hits["canvas"].append(p)
    return hits


def recognise(root: Path, forced: str | None = None, label: str = "") -> str:
    """The layout of ``root`` (or ``forced``, if it fits); :class:`LayoutError` if none fits."""
    entries = visible(root)
    label = label or str(root)
    if not entries:
        raise LayoutError(f"{label} is empty: there are no submissions to grade (is it the right download?)")
    hits = classify(entries)
    if forced is not None:
        if forced not in LAYOUTS:
            raise LayoutError(f"--layout {forced!r} is not a layout: choose from {', '.join(LAYOUTS)}")
        if not hits[forced]:
            raise LayoutError(
                f"{label} is not a {forced} export (--layout {forced}): expected {_expected(forced)}; "
                f"found {found(entries)}. Without --layout the layout is recognised from the names."
            )
        return forced
    best = max(LAYOUTS[::-1], key=lambda layout: len(hits[layout]))  # ties: moodle, canvas, folders
    if not hits[best]:
        raise LayoutError(
            f"{label} fits none of the layouts ({'; '.join(f'{k}: {_expected(k)}' for k in LAYOUTS)}); "
            f"found {found(entries)}. Give the LMS's download as it came, or one folder per student."
        )
    return best


def _expected(layout: str) -> str:
    return {
        "folders": "one folder per student, <student_id>/<notebook>.ipynb",
        "canvas": "flat files <name>_<user_id>_<attachment_id>_<file> (Canvas's Download Submissions)",
        "moodle": "folders <Full Name>_<participant id>_assignsubmission_file/ (Moodle's Download all submissions)",
    }[layout]


def found(entries: list[Path], limit: int = 10) -> str:
    files = [p for p in entries if not p.is_dir()]
    dirs = [p for p in entries if p.is_dir()]
    parts = []
    if dirs:
        parts.append(f"{len(dirs)} folder(s): {_names([text(p.name) + '/' for p in dirs], limit)}")
    if files:
        parts.append(f"{len(files)} file(s): {_names([text(p.name) for p in files], limit)}")
    return " and ".join(parts) or "nothing"


def _names(names: list[str], limit: int = 10) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


def unwrap(root: Path, forced: str | None, from_zip: bool) -> Path | None:
    """The one folder an export is wrapped in (``course/<the export>``), or None."""
    entries = visible(root)
    if len(entries) != 1 or not entries[0].is_dir() or MOODLE_DIR.match(text(entries[0].name)):
        return None
    inner = entries[0]
    try:
        inside = visible(inner)
    except OSError:
        return None
    if not inside:
        return inner  # an export that holds one empty folder is empty
    hits = classify(inside)
    lms = [forced] if forced in ("canvas", "moodle") else [] if forced == "folders" else ["canvas", "moodle"]
    if any(hits[layout] for layout in lms):
        return inner
    # A zip of student folders wrapped in one folder (and not one student's own folder).
    if from_zip and inside and not any(p.suffix.lower() == ".ipynb" for p in inside) and hits["folders"]:
        return inner
    return None


def students(
    root: Path,
    layout: str,
    expected: str,
    assignment: str = "",
    scratch: Callable[[], Path] | None = None,
    extract: Callable[[Path, Path], list[str]] | None = None,
) -> Layout:
    """One :class:`Entry` per student of ``root`` read as ``layout``.

    ``expected`` is the assignment's notebook name; ``scratch()`` gives an empty folder to
    extract a zip a student handed in (with ``extract(zip, folder)``, which returns notes).
    """
    notes: list[str] = []
    found_students: dict[str, _Student] = {}

    def add(sid: str, name: str, source: str, files: list[Candidate], late: bool = False) -> None:
        student = found_students.setdefault(sid, _Student())
        if name not in student.names:
            student.names.append(name)
        student.sources.append(source)
        student.files += files
        student.late = student.late or late

    unmatched: list[str] = []
    loose: list[str] = []
    for p in visible(root):
        name = text(p.name)
        if name != p.name:
            notes.append(f"the file name {name!r} is not UTF-8; it was read as cp437")
        if layout == "folders":
            if p.is_dir():
                add(name, "", name + "/", _files_under(p))
            else:
                loose.append(name)
        elif layout == "canvas":
            match = None if p.is_dir() else CANVAS_TEXT.match(name)
            if match:
                kind = "a text entry" if match["kind"] == "text" else "a website URL entry"
                notes.append(f"ignored {name}: {kind}, not a notebook")
                continue
            match = None if p.is_dir() else CANVAS_ANON.match(name) or CANVAS_FILE.match(name)
            if not match:
                unmatched.append(name + ("/" if p.is_dir() else ""))
                continue
            anonymous = match.re is CANVAS_ANON
            sid = f"anon_{match['uid']}" if anonymous else match["uid"]
            late = bool(match["late"])
            add(
                sid,
                "" if anonymous else match["name"],
                name,
                [Candidate(p, match["file"], int(match["att"]), late)],
                late,
            )
        else:  # moodle
            match = MOODLE_DIR.match(name) if p.is_dir() else MOODLE_FILE.match(name)
            if not match:
                unmatched.append(name + ("/" if p.is_dir() else ""))
                continue
            if match["plugin"] != "file":
                notes.append(
                    f"ignored {name}{'/' if p.is_dir() else ''}: a {match['plugin']} submission, not a file submission"
                )
                continue
            files = _files_under(p) if p.is_dir() else [Candidate(p, match["file"])]
            add(match["pid"], match["name"], name + ("/" if p.is_dir() else ""), files)
    if unmatched:
        notes.append(
            f"{len(unmatched)} entr{'y fits' if len(unmatched) == 1 else 'ies fit'} no {layout} file name "
            f"({_expected(layout)}) and {'was' if len(unmatched) == 1 else 'were'} not graded: {_names(unmatched, 50)}"
        )
    if loose:
        notes.append(
            f"{len(loose)} file(s) at the top level, outside any student folder, were not graded: {_names(loose, 50)}"
        )
    entries = []
    for sid in sorted(found_students):
        student = found_students[sid]
        if len(student.names) > 1:
            shown = " and ".join(repr(n) for n in student.names)
            problem = (
                f"two students have the id {sid}: {shown} ({', '.join(student.sources)}); nothing was graded "
                "for this id: check the export (the files were not changed)"
            )
            notes.append(problem)
            entries.append(Entry(sid, "; ".join(student.names), student.late, problem=problem))
            continue
        entries.append(_entry(sid, student, expected, assignment, scratch, extract))
    return Layout(layout, entries, notes)


def _files_under(folder: Path) -> list[Candidate]:
    files = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if ".ipynb_checkpoints" in rel.parts or any(part in IGNORED_NAMES for part in rel.parts):
            continue
        if p.is_file() and not p.is_symlink():
            files.append(Candidate(p, text(rel.as_posix())))
    return files


def _entry(sid, student: _Student, expected, assignment, scratch, extract) -> Entry:
    notes: list[str] = []
    files: list[Candidate] = []
    for c in student.files:
        if c.path.suffix.lower() == ".zip" and zipfile.is_zipfile(c.path) and scratch and extract:
            folder = scratch()
            try:
                for note in extract(c.path, folder):
                    notes.append(f"{c.shown}: {note}")
            except (zipfile.BadZipFile, OSError) as exc:
                notes.append(f"{c.shown} is a zip that cannot be read ({exc})")
                files.append(c)
                continue
            inside = _files_under(folder)
            notes.append(f"{c.shown} is a zip: looked inside it ({len(inside)} file(s))")
            files += [Candidate(i.path, f"{c.shown}/{i.shown}", c.attempt, c.late) for i in inside]
        else:
            files.append(c)
    entry = Entry(sid, student.names[0], student.late)
    chosen, choice_notes, problem = choose(files, expected, assignment)
    entry.notes = notes + choice_notes
    if chosen is None:
        entry.problem = problem
    else:
        entry.notebook, entry.shown = chosen.path, chosen.shown
        if chosen.attempt is not None:
            entry.late = chosen.late
    return entry


def choose(files: list[Candidate], expected: str, assignment: str = "") -> tuple[Candidate | None, list[str], str]:
    """The student's notebook among ``files``: the assignment's name, or a copy of it (a copy
    suffix or another case), the latest if several; else the one notebook whose name starts
    like it; else the only notebook. Returns it (or None), notes for the report and, when
    there is none, why."""
    notebooks = [c for c in files if c.shown.lower().endswith(".ipynb")]
    others = [c.shown for c in files if c not in notebooks]
    if not notebooks:
        return (
            None,
            [],
            f"no notebook found; expected {expected}" + (f" (handed in: {_names(others)})" if others else ""),
        )
    want = copy_stem(expected)
    letters = re.sub(r"[^a-z]", "", want)

    def rank(c: Candidate) -> int:
        base = PurePosixPath(c.shown).name
        if base == expected or copy_stem(base) == want:
            return 0
        if letters and re.sub(r"[^a-z]", "", base.lower()).startswith(letters):
            return 1
        return 2

    best = min(rank(c) for c in notebooks)
    group = [c for c in notebooks if rank(c) == best]
    if best == 2 and len(notebooks) > 1:
        return (
            None,
            [],
            f"{len(notebooks)} notebooks found and none is named {expected}: {_names([c.shown for c in notebooks], 5)}",
        )

    def latest(c: Candidate):
        try:
            mtime = c.path.stat().st_mtime_ns
        except OSError:
            mtime = 0
        exact = PurePosixPath(c.shown).name == expected
        depth = len(PurePosixPath(c.shown).parts)
        return (c.attempt if c.attempt is not None else -1, mtime, _copy_number(c.shown), exact, -depth, c.shown)

    chosen = max(group, key=latest)
    note = f"graded {chosen.shown}"
    base = PurePosixPath(chosen.shown).name
    if base != expected:
        why = ": its name differs only by a copy suffix or case" if best == 0 else ""
        note += f" (expected {expected}{why})"
    if len(group) > 1:
        rest = [c for c in group if c is not chosen]
        if chosen.attempt is not None:
            how = f"the highest attachment id, {chosen.attempt}"
            listed = [f"{c.shown} (attachment {c.attempt})" for c in rest]
        else:
            how = "the most recently modified"
            listed = [c.shown for c in rest]
        note += f", the latest of {len(group)} attempts ({how}); not graded: {_names(listed)}"
    not_graded = [c.shown for c in notebooks if rank(c) != best]
    if not_graded:
        note += f"; other notebooks not graded: {_names(not_graded)}"
    notes = [note] if note != f"graded {chosen.shown}" else []
    return chosen, notes, ""
