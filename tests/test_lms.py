"""``losscourse grade`` reads Canvas's and Moodle's exports as they are downloaded (issue #19).

The layout logic (:mod:`losscourse.grader.lms`, :func:`losscourse.grader.collect.collect`) is
tested on its own, on zips built to each LMS's file names from the course's notebooks; a few
small end-to-end ``grade`` runs check the rows, the feedback file names and the merged
grades.csv.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from pathlib import Path

import pytest

from losscourse import cli
from losscourse.assignments import RELEASE, SOURCE, ScratchCourse
from losscourse.grader.collect import CollectError, collect
from losscourse.grader.lms import Candidate, choose, copy_stem
from losscourse.grader.lms_export import write_moodle_feedback_zip
from losscourse.grader.run import grade

ASSIGNMENT = "01-likelihood"
NOTEBOOK = "likelihood.ipynb"
FULL = 10.0
SOLUTION = (SOURCE / ASSIGNMENT / NOTEBOOK).read_bytes()
BLANK = (RELEASE / ASSIGNMENT / NOTEBOOK).read_bytes()


def make_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for i, (name, data) in enumerate(files.items()):
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 1, 10, i, 0))
            zf.writestr(info, data)
    return path


def make_dir(path: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(data)
    return path


def read(path: Path, **kw):
    return collect(path, expected=NOTEBOOK, assignment=ASSIGNMENT, **kw)


def by_id(collected) -> dict:
    return {e.student_id: e for e in collected.entries}


CANVAS = {
    "doejane_12345_678901_likelihood.ipynb": BLANK,
    "doejane_12345_678905_likelihood-1.ipynb": SOLUTION,  # Canvas's name for a resubmitted file
    "smithjohn_LATE_23456_678902_likelihood.ipynb": SOLUTION,
    "anon_77777_678910_likelihood.ipynb": SOLUTION,
    "müllerjörg_34567_678911_Likelihood.ipynb": SOLUTION,
    "doejane_12345_text.html": b"<p>see my notebook</p>",
    "smithjohn_23456_link.html": b"<a href='https://example.org'>x</a>",
    "README.txt": b"not a submission",
}


def check_canvas(collected) -> None:
    assert collected.layout == "canvas"
    students = by_id(collected)
    assert list(students) == ["12345", "23456", "34567", "anon_77777"]
    jane = students["12345"]
    assert (jane.name, jane.late, jane.shown) == ("doejane", False, "likelihood-1.ipynb")
    assert jane.notebook.read_bytes() == SOLUTION
    assert any("highest attachment id, 678905" in n and "678901" in n for n in jane.notes), jane.notes
    john = students["23456"]
    assert (john.name, john.late, john.shown) == ("smithjohn", True, NOTEBOOK)
    assert students["anon_77777"].name == ""
    jorg = students["34567"]
    assert jorg.name == "müllerjörg" and any("copy suffix or case" in n for n in jorg.notes)
    notes = " | ".join(collected.notes)
    assert "ignored doejane_12345_text.html: a text entry" in notes
    assert "ignored smithjohn_23456_link.html: a website URL entry" in notes
    assert "1 entry fits no canvas file name" in notes and "README.txt" in notes


def test_canvas_zip(tmp_path):
    collected = read(make_zip(tmp_path / "canvas.zip", CANVAS))
    check_canvas(collected)
    collected.cleanup()


def test_canvas_unzipped_folder(tmp_path):
    check_canvas(read(make_dir(tmp_path / "submissions", CANVAS)))


def test_canvas_zip_wrapped_in_one_folder_is_not_one_student(tmp_path):
    collected = read(make_zip(tmp_path / "c.zip", {f"submissions/{k}": v for k, v in CANVAS.items()}))
    check_canvas(collected)
    assert any("wrapped in one folder, submissions/" in n for n in collected.notes)


def test_canvas_layout_can_be_forced_and_loses_nothing(tmp_path):
    check_canvas(read(make_dir(tmp_path / "s", CANVAS), layout="canvas"))
    assert all(p.exists() for p in (tmp_path / "s").iterdir()) and len(list((tmp_path / "s").iterdir())) == 8


def test_canvas_two_students_with_one_id(tmp_path):
    collected = read(
        make_zip(
            tmp_path / "c.zip",
            {
                "doejane_12345_678901_likelihood.ipynb": SOLUTION,
                "smithjohn_12345_678902_likelihood.ipynb": SOLUTION,
                "leeann_555_678903_likelihood.ipynb": SOLUTION,
            },
        )
    )
    students = by_id(collected)
    assert students["555"].notebook is not None
    clash = students["12345"]
    assert clash.notebook is None
    assert "two students have the id 12345" in clash.problem and "doejane" in clash.problem
    assert "smithjohn" in clash.problem
    assert any("two students have the id 12345" in n for n in collected.notes)


def test_a_zip_a_student_handed_in_is_looked_into(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("work/likelihood.ipynb", SOLUTION)
    collected = read(make_zip(tmp_path / "c.zip", {"doejane_12345_678901_work.zip": inner.getvalue()}))
    jane = by_id(collected)["12345"]
    assert jane.shown == "work.zip/work/likelihood.ipynb" and jane.notebook.read_bytes() == SOLUTION
    assert any("work.zip is a zip" in n for n in jane.notes)
    collected.cleanup()
    assert not jane.notebook.exists()


def test_an_export_zipped_again_is_read(tmp_path):
    inner = make_zip(tmp_path / "canvas.zip", CANVAS)
    collected = read(make_zip(tmp_path / "outer.zip", {"canvas.zip": inner.read_bytes()}))
    check_canvas(collected)
    assert any("holds one zip, canvas.zip" in n for n in collected.notes)


MOODLE = {
    "Jane Doe_657737_assignsubmission_file/likelihood.ipynb": BLANK,
    "Jane Doe_657737_assignsubmission_file/likelihood-final.ipynb": SOLUTION,
    "Jane Doe_657737_assignsubmission_onlinetext/onlinetext.html": b"<p>hi</p>",
    "John Smith_657738_assignsubmission_file_/Likelihood (1).ipynb": SOLUTION,  # Moodle < 4.1
    "Ann Lee-Brown_657739_assignsubmission_file_likelihood.ipynb": SOLUTION,  # flat download
    "Bo Chen_657740_assignsubmission_onlinetext/onlinetext.html": b"<p>only text</p>",
    "Cy Dunn_657741_assignsubmission_file/notes.txt": b"no notebook",
    "stray.ipynb": SOLUTION,
}


def test_moodle_zip(tmp_path):
    collected = read(make_zip(tmp_path / "moodle.zip", MOODLE))
    assert collected.layout == "moodle"
    students = by_id(collected)
    assert list(students) == ["657737", "657738", "657739", "657741"]
    jane = students["657737"]
    assert (jane.name, jane.late, jane.shown) == ("Jane Doe", False, NOTEBOOK)
    assert any("other notebooks not graded: likelihood-final.ipynb" in n for n in jane.notes), jane.notes
    john = students["657738"]
    assert john.name == "John Smith" and john.shown == "Likelihood (1).ipynb"
    assert any("copy suffix or case" in n for n in john.notes)
    assert students["657739"].name == "Ann Lee-Brown" and students["657739"].notebook.read_bytes() == SOLUTION
    cy = students["657741"]
    assert cy.notebook is None and "no notebook found" in cy.problem and "notes.txt" in cy.problem
    notes = " | ".join(collected.notes)
    assert "ignored Jane Doe_657737_assignsubmission_onlinetext/: a onlinetext submission" in notes
    assert "Bo Chen_657740_assignsubmission_onlinetext/" in notes
    assert "fits no moodle file name" in notes and "stray.ipynb" in notes


def test_moodle_two_participants_with_one_id(tmp_path):
    collected = read(
        make_zip(
            tmp_path / "m.zip",
            {
                "Jane Doe_657737_assignsubmission_file/likelihood.ipynb": SOLUTION,
                "John Smith_657737_assignsubmission_file/likelihood.ipynb": SOLUTION,
            },
        )
    )
    entry = by_id(collected)["657737"]
    assert entry.notebook is None and "'Jane Doe' and 'John Smith'" in entry.problem


def _patch_names(path: Path, placeholder: bytes, raw: bytes) -> None:
    data = path.read_bytes()
    assert len(placeholder) == len(raw) and data.count(placeholder) == 2  # local header + central directory
    path.write_bytes(data.replace(placeholder, raw))


def test_non_utf8_file_names(tmp_path):
    """A zip made where names are latin-1 (no UTF-8 flag): read as cp437, said, nobody lost."""
    archive = make_zip(
        tmp_path / "m.zip",
        {
            "JosX DXaz_657737_assignsubmission_file/likelihood.ipynb": SOLUTION,
            "mXller_12_assignsubmission_file/likelihood.ipynb": SOLUTION,
        },
    )
    _patch_names(archive, b"JosX DXaz", "José Díaz".encode("latin-1"))
    _patch_names(archive, b"mXller", "müller".encode("latin-1"))
    collected = read(archive)
    students = by_id(collected)
    assert list(students) == ["12", "657737"]
    assert students["657737"].name == "José Díaz".encode("latin-1").decode("cp437")
    assert sum("is not UTF-8" in n for n in collected.notes) == 2


def test_utf8_names_without_the_flag_are_read_as_utf8(tmp_path):
    archive = make_zip(tmp_path / "c.zip", {"mXXller_12_3_likelihood.ipynb": SOLUTION})
    _patch_names(archive, b"mXXller", "müller".encode())
    collected = read(archive)
    assert by_id(collected)["12"].name == "müller"
    assert not any("UTF-8" in n for n in collected.notes)


def test_non_utf8_names_in_a_folder(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    name = os.fsdecode("Jos\xe9_657737_assignsubmission_file".encode("latin-1"))
    (folder / name).mkdir()
    (folder / name / NOTEBOOK).write_bytes(SOLUTION)
    students = by_id(read(folder))
    assert students["657737"].name == "Jos\xe9".encode("latin-1").decode("cp437")


def test_folders_layout_is_unchanged_and_reports_loose_files(tmp_path):
    folder = make_dir(
        tmp_path / "s",
        {
            "ann/likelihood.ipynb": SOLUTION,
            "ben/01-likelihood/likelihood.ipynb": SOLUTION,
            "cat/likelihood.ipynb": BLANK,
            "cat/likelihood-final.ipynb": SOLUTION,
            "loose.ipynb": SOLUTION,
        },
    )
    collected = read(folder)
    assert collected.layout == "folders"
    students = by_id(collected)
    assert list(students) == ["ann", "ben", "cat"]
    assert students["ann"].notes == [] and students["ben"].notes == [] and students["ben"].name == ""
    assert students["cat"].shown == NOTEBOOK
    assert students["cat"].notes == ["graded likelihood.ipynb; other notebooks not graded: likelihood-final.ipynb"]
    assert any("outside any student folder" in n and "loose.ipynb" in n for n in collected.notes)


@pytest.mark.parametrize(
    ("files", "problem"),
    [({}, "is empty"), ({"__MACOSX/._x": b""}, "is empty"), ({"empty/": b""}, "is empty")],
)
def test_an_empty_export_is_refused(tmp_path, files, problem):
    archive = tmp_path / "e.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    with pytest.raises(CollectError, match=problem):
        read(archive)
    (tmp_path / "empty").mkdir()
    with pytest.raises(CollectError, match="is empty"):
        read(tmp_path / "empty")


def test_an_export_with_nothing_to_grade_is_refused_and_says_why(tmp_path):
    archive = make_zip(tmp_path / "c.zip", {"doejane_12345_text.html": b"x", "leeann_555_link.html": b"y"})
    with pytest.raises(CollectError, match="holds no submission to grade") as info:
        read(archive)
    assert "ignored doejane_12345_text.html: a text entry" in str(info.value)
    assert "ignored leeann_555_link.html" in str(info.value)


def test_an_input_that_fits_no_layout_says_what_it_holds(tmp_path):
    folder = make_dir(tmp_path / "s", {"likelihood.ipynb": SOLUTION, "notes.txt": b"x"})
    with pytest.raises(CollectError) as info:
        read(folder)
    message = str(info.value)
    assert "fits none of the layouts" in message and "2 file(s): likelihood.ipynb, notes.txt" in message


def test_a_forced_layout_that_does_not_fit_is_refused(tmp_path):
    folder = make_dir(tmp_path / "s", {"ann/likelihood.ipynb": SOLUTION})
    with pytest.raises(CollectError, match=r"not a canvas export \(--layout canvas\).*found 1 folder\(s\): ann/"):
        read(folder, layout="canvas")
    with pytest.raises(CollectError, match="not a layout"):
        read(folder, layout="blackboard")


@pytest.mark.parametrize(
    "name",
    ["likelihood.ipynb", "likelihood (1).ipynb", "likelihood-1.ipynb", "likelihood_copy.ipynb", "LIKELIHOOD.ipynb"],
)
def test_copy_suffixes_and_case(name):
    assert copy_stem(name) == "likelihood"
    chosen, notes, _ = choose([Candidate(Path(name), name), Candidate(Path("other.ipynb"), "other.ipynb")], NOTEBOOK)
    assert chosen.shown == name
    if name != NOTEBOOK:
        assert "copy suffix or case" in notes[0]
    assert "other notebooks not graded: other.ipynb" in notes[-1]


def test_of_several_attempts_in_a_folder_the_latest_is_graded(tmp_path):
    collected = read(
        make_zip(
            tmp_path / "m.zip",
            {
                "Jane Doe_657737_assignsubmission_file/likelihood.ipynb": BLANK,  # zipped first: older
                "Jane Doe_657737_assignsubmission_file/likelihood (1).ipynb": SOLUTION,
            },
        )
    )
    jane = by_id(collected)["657737"]
    assert jane.shown == "likelihood (1).ipynb" and jane.notebook.read_bytes() == SOLUTION
    assert jane.notes == [
        "graded likelihood (1).ipynb (expected likelihood.ipynb: its name differs only by a copy suffix or case), "
        "the latest of 2 attempts (the most recently modified); not graded: likelihood.ipynb"
    ]


def test_collecting_changes_no_submission(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("likelihood.ipynb", SOLUTION)
    folder = make_dir(tmp_path / "s", {**CANVAS, "leeann_555_678999_work.zip": inner.getvalue()})

    def digest() -> dict:
        return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}

    before = digest()
    collected = read(folder)
    assert by_id(collected)["555"].shown == "work.zip/likelihood.ipynb"
    collected.cleanup()
    assert digest() == before


def test_several_unrelated_notebooks_are_invalid_and_listed():
    chosen, _, problem = choose([Candidate(Path(n), n) for n in ("a.ipynb", "b.ipynb")], NOTEBOOK)
    assert chosen is None and "2 notebooks found and none is named likelihood.ipynb: a.ipynb, b.ipynb" in problem


# --------------------------------------------------------------------------
# End to end (each run costs ~4 s of start-up: few and small)
# --------------------------------------------------------------------------


def read_csv(path: Path) -> dict[str, dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


def test_grade_a_canvas_export_then_one_late_student(tmp_path):
    archive = make_zip(
        tmp_path / "canvas.zip",
        {
            "doejane_12345_678901_likelihood.ipynb": BLANK,
            "doejane_12345_678905_likelihood-1.ipynb": SOLUTION,
            "leeann_34567_678906_likelihood.ipynb": BLANK,
            "doejane_12345_text.html": b"<p>text</p>",
        },
    )
    late = make_zip(tmp_path / "late.zip", {"smithjohn_LATE_23456_678999_likelihood.ipynb": SOLUTION})
    out = tmp_path / "out"
    logs: list[str] = []
    with ScratchCourse() as course:
        kw = dict(out=out, jobs=1, timeout=5.0, root=course.root, log=logs.append)
        grade(ASSIGNMENT, archive, **kw)
        first = read_csv(out / "grades.csv")
        grade(ASSIGNMENT, late, **kw)
    assert list(first) == ["12345", "34567"]
    jane, ann = first["12345"], first["34567"]
    assert (jane["name"], jane["late"], jane["status"], float(jane["score"])) == ("doejane", "false", "graded", FULL)
    assert "highest attachment id" in jane["message"]
    assert (ann["status"], float(ann["score"]), ann["name"]) == ("blank", 0.0, "leeann")
    assert (out / "feedback" / "12345.html").exists() and (out / "feedback" / "34567.html").exists()
    assert any("layout: canvas" in line for line in logs)
    assert any("ignored doejane_12345_text.html" in line for line in logs)
    merged = read_csv(out / "grades.csv")
    assert list(merged) == ["12345", "23456", "34567"]
    assert merged["12345"] == jane and merged["34567"] == ann
    assert (merged["23456"]["late"], merged["23456"]["name"], float(merged["23456"]["score"])) == (
        "true",
        "smithjohn",
        FULL,
    )
    assert any("merged with the earlier one by student_id: 2 earlier row(s) kept" in line for line in logs)
    saved = list((out / "history").glob("grades-*.csv"))
    assert len(saved) == 1 and list(read_csv(saved[0])) == ["12345", "34567"]
    assert archive.exists() and late.exists()


def test_grade_a_moodle_export(tmp_path):
    archive = make_zip(
        tmp_path / "moodle.zip",
        {
            "Jane Doe_657737_assignsubmission_file/likelihood.ipynb": BLANK,
            "Jane Doe_657737_assignsubmission_file/likelihood-final.ipynb": SOLUTION,
            "John Smith_657738_assignsubmission_file_likelihood.ipynb": SOLUTION,
            "John Smith_657738_assignsubmission_onlinetext/onlinetext.html": b"x",
        },
    )
    out = tmp_path / "out"
    with ScratchCourse() as course:
        grade(ASSIGNMENT, archive, out=out, jobs=2, timeout=5.0, root=course.root, log=lambda *a: None)
    rows = read_csv(out / "grades.csv")
    assert list(rows) == ["657737", "657738"]
    jane, john = rows["657737"], rows["657738"]
    assert (jane["name"], jane["status"], float(jane["score"])) == ("Jane Doe", "blank", 0.0)
    assert "likelihood-final.ipynb" in jane["message"] and "not graded" in jane["message"]
    assert (john["name"], john["status"], float(john["score"]), john["late"]) == ("John Smith", "graded", FULL, "false")
    assert sorted(p.name for p in (out / "feedback").iterdir() if p.suffix == ".html") == [
        "657737.html",
        "657738.html",
    ]
    # The feedback zip for Moodle's "Upload multiple feedback files in a zip": one page per
    # participant, under the name Moodle matches, byte for byte the feedback page.
    with zipfile.ZipFile(out / "feedback-moodle.zip") as zf:
        names = sorted(zf.namelist())
        assert names == [
            f"Jane Doe_657737_assignsubmission_file_feedback-{ASSIGNMENT}.html",
            f"John Smith_657738_assignsubmission_file_feedback-{ASSIGNMENT}.html",
        ]
        for name in names:
            pid, plugin, filename = moodle_match(name)
            assert (plugin, filename) == (("assignsubmission", "file"), f"feedback-{ASSIGNMENT}.html")
            assert zf.read(name) == (out / "feedback" / f"{pid}.html").read_bytes()


def moodle_match(path: str) -> tuple[str, tuple[str, str], str]:
    """What Moodle's assignfeedback_file importer (is_valid_filename_for_import) reads from a
    path in the zip: the participant id, the plugin and the feedback file's name."""
    parts = path.split("/")
    while parts:
        info = parts.pop(0).split("_", 4)
        if len(info) < 4 or not info[1].isdigit():
            continue
        return info[1], (info[2], info[3]), "/".join([info[4] if len(info) > 4 else "", *parts])
    raise AssertionError(f"Moodle matches no participant to {path!r}")


def test_moodle_feedback_zip_names_and_what_it_leaves_out(tmp_path):
    feedback = make_dir(
        tmp_path / "feedback",
        {"657737.html": b"<p>jane</p>", "657738.html": b"<p>ann</p>", "657739.html": b"x", "s001.html": b"x"},
    )
    rows = [
        {"student_id": "657737", "name": "Jane Doe"},
        {"student_id": "657738", "name": "Ann_Lee Brown"},  # Moodle's download never has "_" in a name
        {"student_id": "657739", "name": "A B; C D"},  # two students with one id: no page
        {"student_id": "657740", "name": "No Page"},
        {"student_id": "s001", "name": ""},
    ]
    zip_path = tmp_path / "feedback-moodle.zip"
    zip_path.write_bytes(b"an earlier zip")
    notes = write_moodle_feedback_zip(rows, feedback, zip_path, ASSIGNMENT)
    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
        assert [moodle_match(n)[0] for n in names] == ["657737", "657738"]
        assert names[1] == f"Ann Lee Brown_657738_assignsubmission_file_feedback-{ASSIGNMENT}.html"
        assert zf.read(names[0]) == b"<p>jane</p>"
    text = " | ".join(notes)
    assert "2 feedback page(s)" in text
    assert "657739 (two students with this id)" in text and "657740 (no feedback page)" in text
    assert "s001 (not a Moodle participant id)" in text
    saved = list((tmp_path / "history").glob("feedback-moodle-*.zip"))
    assert len(saved) == 1 and saved[0].read_bytes() == b"an earlier zip" and str(saved[0]) in text


def test_no_moodle_feedback_zip_for_other_layouts(tmp_path):
    out = tmp_path / "out"
    with ScratchCourse() as course:
        grade(
            ASSIGNMENT,
            make_dir(tmp_path / "s", {"s001/likelihood.ipynb": SOLUTION}),
            out=out,
            jobs=1,
            timeout=5.0,
            root=course.root,
            log=lambda *a: None,
        )
    assert (out / "feedback" / "s001.html").is_file() and not (out / "feedback-moodle.zip").exists()


def test_cli_refuses_what_fits_no_layout(tmp_path, capsys):
    make_dir(tmp_path / "s", {"likelihood.ipynb": SOLUTION})
    assert cli.main(["grade", ASSIGNMENT, str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "fits none of the layouts" in err and "likelihood.ipynb" in err
    assert cli.main(["grade", ASSIGNMENT, str(tmp_path / "s"), "--layout", "moodle"]) == 2
    assert "not a moodle export" in capsys.readouterr().err
    make_zip(tmp_path / "empty.zip", {})
    assert cli.main(["grade", ASSIGNMENT, str(tmp_path / "empty.zip")]) == 2
    assert "is empty" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["grade", ASSIGNMENT, str(tmp_path / "s"), "--layout", "blackboard"])
    assert "invalid choice: 'blackboard'" in capsys.readouterr().err
