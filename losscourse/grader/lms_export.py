"""Writing an assignment's grades back into the LMS's own files (issue #19, export).

canvas
    The gradebook CSV exported from Canvas (*Grades > Export*), written back with the
    assignment's column filled: students matched by the ``ID`` column (Canvas's user id, the
    ``student_id`` of a Canvas export), points scaled to the column's *Points Possible*, students
    without a submission left blank; every other row and column is kept as it was.
moodle
    Moodle's offline grading worksheet (*Download grading worksheet*): ``Grade`` scaled to
    ``Maximum Grade``, ``Feedback comments`` a one-line summary, rows matched by ``Identifier``
    (``Participant <id>``), ``Last modified (grade)`` kept exactly (Moodle uses it to refuse
    stale uploads); UTF-8.

The grades come from the assignment's ``grades.csv`` written by ``losscourse grade``. The LMS's
file is only read; the result goes to another file.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path


class ExportError(Exception):
    """The instructor's input cannot be used; the message names the argument and the fix."""


@dataclass
class Report:
    filled: list[str] = field(default_factory=list)  # student ids written
    blank: list[str] = field(default_factory=list)  # LMS rows without a submission
    unmatched: list[str] = field(default_factory=list)  # submissions the LMS file does not list
    column: str = ""
    not_graded: list[str] = field(default_factory=list)  # "id (status)" of rows written as 0 without grading

    def lines(self, out: Path) -> list[str]:
        lines = [
            f"wrote {out}: {len(self.filled)} grade(s) filled" + (f" in column {self.column!r}" if self.column else "")
        ]
        if self.blank:
            lines.append(f"{len(self.blank)} student(s) without a submission left blank: {_names(self.blank)}")
        if self.not_graded:
            lines.append(
                f"warning: {len(self.not_graded)} submission(s) were written as 0 but not graded normally (see the "
                f"message in grades.csv): {_names(self.not_graded)}"
            )
        if self.unmatched:
            lines.append(
                f"warning: {len(self.unmatched)} submission(s) match no student of the file and were not written: "
                f"{_names(self.unmatched)}"
            )
        return lines


def _names(items: list[str], limit: int = 30) -> str:
    return ", ".join(items[:limit]) + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")


def read_grades(path: Path) -> dict[str, dict]:
    """The rows of a grades.csv written by ``losscourse grade``, by student id."""
    if not path.is_file():
        raise ExportError(
            f"--grades {path}: no such file; grade the assignment first (losscourse grade), or pass the grades.csv "
            "it wrote with --grades"
        )
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    missing = {"student_id", "score", "max_score", "status"} - set(rows[0] if rows else [])
    if rows and missing:
        raise ExportError(f"--grades {path} is not a grades.csv of losscourse grade: it has no {', '.join(missing)}")
    return {r["student_id"]: r for r in rows}


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", ".")) if text.strip() else None
    except ValueError:
        return None


def _fmt(value: float) -> str:
    return f"{round(value, 2):.2f}".rstrip("0").rstrip(".")


def _scaled(row: dict, possible: float) -> float:
    max_score = float(row["max_score"]) or 1.0
    return float(row["score"]) / max_score * possible


def _check_status(report: Report, sid: str, row: dict) -> None:
    if row.get("status") in ("invalid", "error", "blank"):
        report.not_graded.append(f"{sid} ({row['status']})")


def _read_csv(path: Path, arg: str) -> tuple[list[list[str]], bool]:
    if not path.is_file():
        raise ExportError(f"{arg} {path}: no such file")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExportError(f"{arg} {path} is not UTF-8 ({exc}): export it again from the LMS as UTF-8") from None
    bom = text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    if not rows:
        raise ExportError(f"{arg} {path} is empty")
    return rows, bom


def _write_csv(path: Path, rows: list[list[str]], bom: bool, source: Path) -> None:
    if path.resolve() == source.resolve():
        raise ExportError(f"--out {path} is the LMS's file itself: write to another file (the input is only read)")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        csv.writer(f).writerows(rows)


# -- Canvas ---------------------------------------------------------------------------------------

_CANVAS_FIXED = {
    "Student",
    "ID",
    "SIS User ID",
    "SIS Login ID",
    "Integration ID",
    "Root Account",
    "Section",
}
_ASSIGNMENT_COLUMN = re.compile(r"^(?P<title>.+) \((?P<id>\d+)\)$")


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def canvas_column(header: list[str], assignment: str, column: str | None) -> int:
    """The index of the assignment's column in Canvas's header."""
    columns = [h for h in header if _ASSIGNMENT_COLUMN.match(h) and h not in _CANVAS_FIXED]
    if column is not None:
        if column not in header:
            raise ExportError(
                f"--column {column!r} is not a column of the gradebook; its assignment columns are: {_names(columns)}"
            )
        return header.index(column)
    topic = _words(re.sub(r"^\d+-", "", assignment))
    full = _words(assignment)
    matches = [
        h
        for h in columns
        if full in _words(_ASSIGNMENT_COLUMN.match(h)["title"])
        or re.search(rf"\b{re.escape(topic)}\b", _words(_ASSIGNMENT_COLUMN.match(h)["title"]))
    ]
    if len(matches) == 1:
        return header.index(matches[0])
    if not matches:
        raise ExportError(
            f"no assignment column of the gradebook matches {assignment!r}: pass --column with one of: {_names(columns)}"
        )
    raise ExportError(
        f"{len(matches)} columns of the gradebook match {assignment!r}: {_names(matches)}; choose one with --column"
    )


def canvas(assignment: str, gradebook: Path, grades: dict[str, dict], out: Path, column: str | None = None) -> Report:
    rows, bom = _read_csv(gradebook, "--canvas")
    header = rows[0]
    if "ID" not in header:
        raise ExportError(
            f"--canvas {gradebook} has no ID column (found: {_names(header, 12)}): it is not Canvas's gradebook "
            "export (Grades > Export > Export Entire Gradebook)"
        )
    id_col = header.index("ID")
    col = canvas_column(header, assignment, column)
    report = Report(column=header[col])
    possible: float | None = None
    seen: set[str] = set()
    for row in rows[1:]:
        if len(row) <= max(col, id_col):
            continue
        first = row[0].strip()
        if first == "Points Possible":
            possible = _number(row[col])
            continue
        sid = row[id_col].strip()
        if not sid or not sid.isdigit():
            continue  # Canvas's other non-student rows (e.g. "Manual Posting", "read only")
        if possible is None:
            raise ExportError(
                f"--canvas {gradebook} has no 'Points Possible' row before its students: export the gradebook again"
            )
        seen.add(sid)
        if sid in grades:
            row[col] = _fmt(_scaled(grades[sid], possible))
            report.filled.append(sid)
            _check_status(report, sid, grades[sid])
        else:
            row[col] = ""
            report.blank.append(sid)
    report.unmatched = sorted(set(grades) - seen)
    _write_csv(out, rows, bom, gradebook)
    return report


# -- Moodle ---------------------------------------------------------------------------------------

MOODLE_HEADERS = ("Identifier", "Grade", "Maximum Grade", "Feedback comments", "Last modified (grade)")


def summary_line(row: dict) -> str:
    """A one-line feedback comment: score, status and the grader's message."""
    text = f"{float(row['score']):g} / {float(row['max_score']):g} ({row['status']})"
    message = " ".join(str(row.get("message", "")).split())
    if message:
        text += f": {message}"
    return text[:1000]


def moodle(worksheet: Path, grades: dict[str, dict], out: Path) -> Report:
    rows, bom = _read_csv(worksheet, "--moodle")
    header = rows[0]
    for name in MOODLE_HEADERS:
        if name not in header:
            raise ExportError(
                f"--moodle {worksheet} has no column {name!r} (found: {_names(header, 12)}): Moodle names the "
                "worksheet's columns in the user's language; download it again with the language set to English"
            )
    idx = {name: header.index(name) for name in MOODLE_HEADERS}
    report = Report(column="Grade")
    seen: set[str] = set()
    for row in rows[1:]:
        if len(row) <= max(idx.values()):
            continue
        match = re.fullmatch(r"\s*Participant\s+(\d+)\s*", row[idx["Identifier"]])
        if not match:
            continue
        pid = match.group(1)
        seen.add(pid)
        if pid not in grades:
            report.blank.append(pid)
            continue
        maximum = _number(row[idx["Maximum Grade"]])
        if maximum is None:
            raise ExportError(
                f"--moodle {worksheet}: Participant {pid} has no Maximum Grade ({row[idx['Maximum Grade']]!r})"
            )
        row[idx["Grade"]] = f"{_scaled(grades[pid], maximum):.2f}"
        row[idx["Feedback comments"]] = summary_line(grades[pid])
        report.filled.append(pid)
        _check_status(report, pid, grades[pid])
    report.unmatched = sorted(set(grades) - seen)
    _write_csv(out, rows, bom, worksheet)
    return report


# -- Moodle's feedback files -------------------------------------------------------------------------

MOODLE_FEEDBACK_ZIP = "feedback-moodle.zip"


def moodle_feedback_name(name: str, participant: str, assignment: str) -> str:
    """The name Moodle's *Upload multiple feedback files in a zip* matches to a participant.

    Moodle splits each path part at its first four underscores and reads
    ``<Full Name>_<participant id>_<plugin type>_<plugin name>_<file>``, as in its own download;
    the full name must hold no underscore (Moodle's download writes it with spaces), and the
    participant id is the one of the download (``657737``, the worksheet's ``Participant 657737``).
    The student sees ``feedback-<assignment>.html``."""
    clean = " ".join(name.replace("_", " ").replace("/", " ").split()) or "Participant"
    return f"{clean}_{participant}_assignsubmission_file_feedback-{assignment}.html"


def write_moodle_feedback_zip(rows: list[dict], feedback: Path, path: Path, assignment: str) -> list[str]:
    """Write ``path``: each row's feedback page (``feedback/<id>.html``) under the name Moodle
    matches to its participant (:func:`moodle_feedback_name`). An earlier zip there is first moved
    to ``history/``. Returns what happened, for the log: who is in it and who is not, and why."""
    from .collect import safe_name
    from .results import history_path

    entries: list[tuple[str, Path]] = []
    left_out: list[str] = []
    for row in rows:
        sid, name = str(row["student_id"]), str(row.get("name", ""))
        page = feedback / f"{safe_name(sid)}.html"
        if not sid.isdigit():
            left_out.append(f"{sid} (not a Moodle participant id)")
        elif not name or ";" in name:
            left_out.append(f"{sid} ({'no name' if not name else 'two students with this id'})")
        elif not page.is_file():
            left_out.append(f"{sid} (no feedback page)")
        else:
            entries.append((moodle_feedback_name(name, sid, assignment), page))
    notes = []
    if path.exists():
        saved = history_path(path)
        path.replace(saved)
        notes.append(f"the earlier {path.name} is saved as {saved}")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for arcname, page in entries:
            zf.write(page, arcname)
    notes.insert(
        0,
        f"{path}: {len(entries)} feedback page(s) of this run, named for Moodle's 'Upload multiple feedback files "
        "in a zip' (Moodle matches each to its participant)",
    )
    if left_out:
        notes.append(f"warning: not in {path.name}: {_names(left_out)}")
    return notes
