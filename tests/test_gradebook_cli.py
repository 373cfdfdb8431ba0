"""The gradebook an instructor can trust (issue #19): trial runs with ``--out`` are not recorded
unless asked, recorded grades can be listed and removed (never silently: a dry run first, a copy
of the file before), and ``export`` carries each grade's status and message."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from losscourse import cli
from losscourse.assignments import SOURCE, ScratchCourse
from losscourse.grader import gradebook, run

ASSIGNMENT = "01-likelihood"
NOTEBOOK = "likelihood.ipynb"
SOLUTION = (SOURCE / ASSIGNMENT / NOTEBOOK).read_bytes()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    base = tmp_path_factory.mktemp("gradebook")
    subs = base / "subs"
    for student, data in (("ann", SOLUTION), ("ben", b"{not json"), ("cy", SOLUTION)):
        (subs / student).mkdir(parents=True)
        (subs / student / NOTEBOOK).write_bytes(data)
    with ScratchCourse() as scratch:
        run.grade(
            ASSIGNMENT, subs, out=base / "out", jobs=1, timeout=5.0, root=scratch.root, record=True, log=lambda *a: None
        )
        yield scratch.root, base


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_export_appends_status_and_message(course):
    root, base = course
    n = gradebook.export(base / "export.csv", root=root)
    with open(base / "export.csv", encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    assert header == ["assignment", "student_id", "score", "max_score", "status", "message"]
    rows = {r["student_id"]: r for r in read_csv(base / "export.csv")}
    assert n == 3 and sorted(rows) == ["ann", "ben", "cy"]
    assert (rows["ann"]["status"], float(rows["ann"]["score"])) == ("graded", 10.0)
    assert (rows["ben"]["status"], float(rows["ben"]["score"])) == ("invalid", 0.0)
    assert "JSON" in rows["ben"]["message"]
    # the same status and message as the run's grades.csv
    csv_rows = {r["student_id"]: r for r in read_csv(base / "out" / "grades.csv")}
    assert all((rows[s]["status"], rows[s]["message"]) == (r["status"], r["message"]) for s, r in csv_rows.items())


def test_remove_is_a_dry_run_first_then_keeps_a_copy(course, monkeypatch, capsys):
    root, _ = course
    monkeypatch.setattr(gradebook, "ROOT", root)
    assert cli.main(["gradebook", "list", ASSIGNMENT]) == 0
    out = capsys.readouterr().out
    assert "3 grade(s) of 01-likelihood" in out and "ben\t0 / 10\tinvalid" in out

    assert cli.main(["gradebook", "remove", ASSIGNMENT, "cy"]) == 0
    out = capsys.readouterr().out
    assert "would remove 1 grade(s) of 01-likelihood: cy" in out and "--yes" in out
    assert [r["student_id"] for r in gradebook.grades(root, ASSIGNMENT)] == ["ann", "ben", "cy"]

    assert cli.main(["gradebook", "remove", ASSIGNMENT, "cy", "nobody", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "nobody" in err and "nothing was removed" in err
    assert len(gradebook.grades(root, ASSIGNMENT)) == 3

    assert cli.main(["gradebook", "remove", ASSIGNMENT]) == 2
    assert "or --all" in capsys.readouterr().err
    assert cli.main(["gradebook", "remove", "99-nope", "--all"]) == 2
    assert "unknown assignment '99-nope'" in capsys.readouterr().err

    assert cli.main(["gradebook", "remove", ASSIGNMENT, "cy", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "removed 1 grade(s) of 01-likelihood: cy" in out
    backups = list((root / "grading" / "history").glob("gradebook-*.db"))
    assert len(backups) == 1 and str(backups[0]) in out
    assert [r["student_id"] for r in gradebook.grades(root, ASSIGNMENT)] == ["ann", "ben"]
    with sqlite3.connect(backups[0]) as con:  # the copy still holds cy's grade and status
        assert con.execute("SELECT status FROM losscourse_status WHERE student_id = 'cy'").fetchall() == [("graded",)]
    con.close()

    assert cli.main(["gradebook", "remove", ASSIGNMENT, "--all", "--yes"]) == 0
    assert "removed 2 grade(s) of 01-likelihood: ann, ben" in capsys.readouterr().out
    assert gradebook.grades(root) == []
    assert cli.main(["gradebook", "remove", ASSIGNMENT, "--all"]) == 2
    assert "holds no grade of '01-likelihood'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "record", "said"),
    [
        ([], True, False),
        (["--out", "trial"], False, True),
        (["--out", "trial", "--record"], True, False),
        (["--no-record"], False, True),
    ],
)
def test_a_trial_run_with_out_is_not_recorded_unless_asked(monkeypatch, capsys, tmp_path, options, record, said):
    calls = []
    monkeypatch.setattr(run, "grade", lambda *a, **kw: calls.append(kw))
    assert cli.main(["grade", ASSIGNMENT, str(tmp_path), *options]) == 0
    assert calls[0]["record"] is record
    assert ("not recorded in the gradebook" in capsys.readouterr().out) is said
