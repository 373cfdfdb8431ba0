"""``losscourse export --canvas/--moodle``: grades written into the LMS's own files (issue #19)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from losscourse import cli

ASSIGNMENT = "01-likelihood"

GRADES = (
    "student_id,score,max_score,status,message,name,late\n"
    "12345,8,10,graded,failed: test_log_softmax,doejane,false\n"
    "23456,10,10,graded,,smithjohn,true\n"
    "34567,0,10,invalid,no notebook found; expected likelihood.ipynb,leeann,false\n"
    "99999,5,10,graded,,ghost,false\n"
    '657737,7.5,10,graded,"graded likelihood (1).ipynb\nfailed: a, b",Jane Doe,false\n'
)

CANVAS = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Likelihood (1001),Regression (1002),Current Score\n"
    "    Points Possible,,,,,20.00,15.00,(read only)\n"
    '"Doe, Jane",12345,s1,jdoe,Section A,,12.00,80\n'
    '"Smith, John",23456,s2,jsmith,Section A,3.00,15.00,90\n'
    '"Lee, Ann",34567,s3,alee,Section B,,,70\n'
    '"Park, Bo",45678,s4,bpark,Section B,19.00,14.00,95\n'
)

MOODLE = (
    "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
    "Last modified (submission),Online text,Last modified (grade),Feedback comments\n"
    "Participant 657737,Jane Doe,jane@example.org,Submitted for grading,,50.00,Yes,"
    '"Monday, 7 December 2026, 10:00 AM",,"Monday, 7 December 2026, 11:03 AM",\n'
    "Participant 657738,John Smith,john@example.org,No submission,,50.00,Yes,-,,-,\n"
)


@pytest.fixture
def files(tmp_path):
    grades = tmp_path / "grades.csv"
    grades.write_text(GRADES, encoding="utf-8")
    canvas = tmp_path / "gradebook.csv"
    canvas.write_bytes(CANVAS.encode("utf-8"))
    moodle = tmp_path / "worksheet.csv"
    moodle.write_text(MOODLE, encoding="utf-8")
    return tmp_path, grades, canvas, moodle


def rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_canvas_gradebook_is_filled(files, capsys):
    tmp, grades, canvas, _ = files
    before = canvas.read_bytes()
    out = tmp / "import.csv"
    argv = ["export", "--assignment", ASSIGNMENT, "--canvas", str(canvas), "--grades", str(grades)]
    assert cli.main([*argv, "--out", str(out)]) == 0
    assert canvas.read_bytes() == before
    assert out.read_bytes().startswith("\ufeff".encode())
    got, original = rows(out), rows(canvas)
    assert got[0] == original[0] and got[1] == original[1]  # header and Points Possible kept
    col = original[0].index("Likelihood (1001)")
    assert [r[col] for r in got[2:]] == ["16", "20", "0", ""]  # scaled to 20 points; Bo has no submission
    for new, old in zip(got, original, strict=True):
        assert new[:col] + new[col + 1 :] == old[:col] + old[col + 1 :]  # no other column changed
    printed = capsys.readouterr().out
    assert "3 grade(s) filled in column 'Likelihood (1001)'" in printed
    assert "without a submission left blank: 45678" in printed
    assert "match no student" in printed and "99999" in printed and "657737" in printed
    assert "1 submission(s) were written as 0 but not graded normally" in printed and "34567 (invalid)" in printed


def test_canvas_column_by_name_and_ambiguity(files, capsys):
    tmp, grades, canvas, _ = files
    argv = ["export", "--assignment", ASSIGNMENT, "--canvas", str(canvas), "--grades", str(grades)]
    assert cli.main([*argv, "--out", str(tmp / "o.csv"), "--column", "Regression (1002)"]) == 0
    col = rows(canvas)[0].index("Regression (1002)")
    assert [r[col] for r in rows(tmp / "o.csv")[2:]] == ["12", "15", "0", ""]
    capsys.readouterr()
    canvas.write_bytes(CANVAS.replace("Regression (1002)", "Likelihood quiz (1002)").encode())
    assert cli.main([*argv, "--out", str(tmp / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "2 columns of the gradebook match '01-likelihood'" in err and "Likelihood quiz (1002)" in err
    assert "--column" in err
    assert cli.main([*argv, "--out", str(tmp / "o.csv"), "--column", "Nope (1)"]) == 2
    assert "--column 'Nope (1)' is not a column" in capsys.readouterr().err


def test_canvas_refuses_to_overwrite_its_input_and_other_files(files, capsys):
    tmp, grades, canvas, moodle = files
    argv = ["export", "--assignment", ASSIGNMENT, "--grades", str(grades)]
    assert cli.main([*argv, "--canvas", str(canvas), "--out", str(canvas)]) == 2
    assert "is the LMS's file itself" in capsys.readouterr().err
    assert cli.main([*argv, "--canvas", str(moodle), "--out", str(tmp / "o.csv")]) == 2
    assert "has no ID column" in capsys.readouterr().err
    assert cli.main(["export", "--canvas", str(canvas)]) == 2
    assert "--canvas needs --assignment" in capsys.readouterr().err


def test_moodle_worksheet_is_filled(files, capsys):
    tmp, grades, _, moodle = files
    out = tmp / "upload.csv"
    argv = ["export", "--assignment", ASSIGNMENT, "--moodle", str(moodle), "--grades", str(grades)]
    assert cli.main([*argv, "--out", str(out)]) == 0
    got, original = rows(out), rows(moodle)
    header = original[0]
    assert got[0] == header
    jane = dict(zip(header, got[1], strict=True))
    assert jane["Grade"] == "37.50"
    assert jane["Feedback comments"] == "7.5 / 10 (graded): graded likelihood (1).ipynb failed: a, b"
    assert jane["Last modified (grade)"] == "Monday, 7 December 2026, 11:03 AM"
    assert got[2] == original[2]  # John has no submission: unchanged
    assert "657738" in capsys.readouterr().out


def test_moodle_worksheet_in_another_language_is_refused(files, capsys):
    tmp, grades, _, moodle = files
    moodle.write_text(MOODLE.replace("Identifier", "Identifiant").replace("Grade,", "Note,"), encoding="utf-8")
    argv = ["export", "--assignment", ASSIGNMENT, "--moodle", str(moodle), "--grades", str(grades)]
    assert cli.main([*argv, "--out", str(tmp / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "has no column 'Identifier'" in err and "English" in err
    assert not (tmp / "o.csv").exists()
