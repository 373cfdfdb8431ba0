"""``losscourse grade`` withstands what students hand in.

One class of honest, broken, runaway, tampering and damaging submissions of ``01-likelihood``
is graded twice, sequentially and with two jobs, in a scratch course (the real ``grading/``
is never touched). Each student's row is checked, the two runs must agree exactly, the
gradebook must hold what the CSV says, and nothing outside the output folder may change.
"""

from __future__ import annotations

import csv
import hashlib
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pytest

from losscourse import cli
from losscourse.assignments import RELEASE, ROOT, SOURCE, ScratchCourse
from losscourse.grader import gradebook, sandbox
from losscourse.grader.run import UsageError, grade

ASSIGNMENT = "01-likelihood"
NOTEBOOK = "likelihood.ipynb"
FULL = 10.0
TIMEOUT = 2.0
MEMORY = 1024**3

needs_bwrap = pytest.mark.skipif(
    sandbox.BWRAP is None,
    reason="bubblewrap is not installed (apt-get install bubblewrap): filesystem isolation cannot be tested",
)


# --------------------------------------------------------------------------
# Building submissions
# --------------------------------------------------------------------------


def solution() -> nbformat.NotebookNode:
    return nbformat.read(SOURCE / ASSIGNMENT / NOTEBOOK, as_version=4)


def release() -> nbformat.NotebookNode:
    return nbformat.read(RELEASE / ASSIGNMENT / NOTEBOOK, as_version=4)


def grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def replace_solution(nb, task: str, code: str):
    for cell in nb.cells:
        if grade_id(cell) == task:
            cell.source = code
            return nb
    raise KeyError(task)


def add_cell(nb, code: str, position: int | None = None):
    cell = nbformat.v4.new_code_cell(code)
    nb.cells.insert(len(nb.cells) if position is None else position, cell)
    return nb


def is_test(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


TAMPER = r"""
import builtins, sys
import numpy as np, numpy.testing
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
builtins.AssertionError = type("AssertionError", (Exception,), {})
sys.setprofile = lambda *a, **k: None
try:
    ip = get_ipython()
    ip.showtraceback = lambda *a, **k: None
    ip.run_cell = lambda *a, **k: None
except Exception:
    pass
try:
    import losscourse.testing as t
    t.check_close = lambda *a, **k: None
    t.call_without_losslib = lambda f, *a, **k: None
except Exception:
    pass
"""

DAMAGE = r"""
import os, shutil, pathlib
targets = [{root!r}, {solutions!r}, {gradebook!r}, {others!r}, os.path.expanduser("~"), "/tmp"]
for t in targets:
    p = pathlib.Path(t)
    try:
        shutil.rmtree(p)
    except Exception:
        pass
    try:
        (p / "pwned.txt").write_text("x")
    except Exception:
        pass
"""

LEFTOVER = r"""
import os, subprocess
subprocess.Popen(["sleep", "313"])
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "314"])
    os._exit(0)
"""


def build_class(folder: Path, course_root: Path) -> dict[str, tuple[float, str]]:
    """Write the submissions; return {student: (expected score, expected status)}."""
    expected: dict[str, tuple[float, str]] = {}

    def hand_in(student: str, nb, score: float, status: str = "graded", name: str = NOTEBOOK) -> None:
        (folder / student / name).parent.mkdir(parents=True)
        nbformat.write(nb, folder / student / name)
        expected[student] = (score, status)

    hand_in("honest", solution(), FULL)
    hand_in("untouched", release(), 0.0, "blank")
    partial = release()
    replace_solution(partial, "gaussian_nll", next(c.source for c in solution().cells if grade_id(c) == "gaussian_nll"))
    hand_in("partial", partial, 2.0)

    nb = solution()
    nb.cells = [c for c in nb.cells if not is_test(c)]
    hand_in("deleted_tests", nb, FULL)
    nb = release()
    for cell in nb.cells:
        if is_test(cell):
            cell.source = "pass  # all good!"
    hand_in("edited_tests", nb, 0.0)
    nb = solution()
    nb.cells = nb.cells[::-1]
    hand_in("reordered", nb, FULL)
    nb = solution()
    for cell in nb.cells:
        cell.source = cell.source.replace("def gaussian_nll(", "def gaussian_nll_v2(")
    hand_in("renamed_function", nb, FULL - 2)

    hand_in("tampering", add_cell(release(), TAMPER, position=1), 0.0)
    hand_in("tampering_after", add_cell(release(), TAMPER), 0.0)
    calls_losslib = replace_solution(
        solution(),
        "softmax_cross_entropy",
        "def softmax_cross_entropy(labels, logits):\n"
        "    import losslib\n    return losslib.cross_entropy(labels, logits)",
    )
    hand_in("calls_losslib", calls_losslib, FULL - 2)

    hand_in(
        "loop_in_function",
        replace_solution(solution(), "log_softmax", "def log_softmax(z):\n    while True:\n        pass"),
        FULL - 4,
        "timeout",
    )
    hand_in("loop_at_top", add_cell(solution(), "while True:\n    pass"), FULL, "timeout")
    hand_in("memory_bomb", add_cell(solution(), "import numpy as np\nhog = np.ones(10**10)"), FULL)
    hand_in(
        "memory_bomb_in_function",
        replace_solution(
            solution(),
            "fit_gaussian",
            "import numpy as np\ndef fit_gaussian(y):\n    hog = []\n    while True:\n"
            "        hog.append(np.empty(10**8, dtype=np.uint8))",
        ),
        FULL - 2,
    )
    hand_in("flood", add_cell(solution(), "for _ in range(200):\n    print('x' * 500_000)"), FULL)
    hand_in("exits_at_top", add_cell(solution(), "import os\nos._exit(3)"), FULL, "error")
    hand_in(
        "exits_in_function",
        replace_solution(solution(), "fit_gaussian", "import os\ndef fit_gaussian(y):\n    os._exit(0)"),
        FULL - 2,
        "error",
    )
    damage = DAMAGE.format(
        root=str(ROOT), solutions=str(SOURCE), gradebook=str(course_root / "grading"), others=str(folder)
    )
    hand_in("damage", add_cell(solution(), damage), FULL)
    hand_in("leftover_processes", add_cell(solution(), LEFTOVER), FULL)

    v3 = nbformat.convert(solution(), 3)
    (folder / "old_format").mkdir()
    nbformat.write(v3, folder / "old_format" / NOTEBOOK, version=3)
    expected["old_format"] = (FULL, "graded")
    hand_in("renamed_notebook", solution(), FULL, name="my final version.ipynb")
    hand_in("nbgrader_layout", solution(), FULL, name=f"{ASSIGNMENT}/{NOTEBOOK}")  # nbgrader collect's shape
    hand_in("extra_files", solution(), FULL)
    (folder / "extra_files" / "data.csv").write_text("a,b\n1,2\n")
    (folder / "extra_files" / "sub").mkdir()
    (folder / "extra_files" / "sub" / "notes.md").write_text("notes")
    for student, content in (("empty", b""), ("invalid_json", b"{not json"), ("not_a_notebook", b'{"a": 1}')):
        (folder / student).mkdir()
        (folder / student / NOTEBOOK).write_bytes(content)
        expected[student] = (0.0, "invalid")
    (folder / "no_notebook").mkdir()
    (folder / "no_notebook" / "answers.txt").write_text("I did it on paper")
    expected["no_notebook"] = (0.0, "invalid")
    return expected


def tree_digest(*folders: Path) -> str:
    h = hashlib.sha256()
    for folder in folders:
        for p in sorted(folder.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts:
                h.update(str(p).encode())
                h.update(p.read_bytes())
    return h.hexdigest()


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    subs = base / "submissions"
    with ScratchCourse() as course:
        expected = build_class(subs, course.root)
        before = tree_digest(subs, ROOT / "solutions", ROOT / "exercises", ROOT / "losslib")
        runs = {}
        for jobs in (1, 2):
            out = base / f"out-jobs{jobs}"
            rows = grade(
                ASSIGNMENT,
                subs,
                out=out,
                jobs=jobs,
                timeout=TIMEOUT,
                memory=MEMORY,
                root=course.root,
                log=lambda *a: None,
            )
            runs[jobs] = (out, rows)
        after = tree_digest(subs, ROOT / "solutions", ROOT / "exercises", ROOT / "losslib")
        with gradebook._gradebook(course.root) as gb:
            book = {s.student.id: s.score for s in gb.find_assignment(ASSIGNMENT).submissions}
        exported = base / "export.csv"
        n_exported = gradebook.export(exported, root=course.root)
        leftovers = subprocess.run(["pgrep", "-f", "sleep 31[34]"], capture_output=True, text=True).stdout
        yield {
            "expected": expected,
            "runs": runs,
            "before": before,
            "after": after,
            "book": book,
            "exported": (exported, n_exported),
            "leftovers": leftovers,
            "course": course.root,
        }


def test_every_submission_has_a_row(graded):
    out, rows = graded["runs"][2]
    assert [r["student_id"] for r in read_csv(out / "grades.csv")] == sorted(graded["expected"])
    assert list(read_csv(out / "grades.csv")[0]) == [
        "student_id",
        "score",
        "max_score",
        "status",
        "message",
        "name",
        "late",
    ]


STUDENTS = [
    "honest",
    "untouched",
    "partial",
    "deleted_tests",
    "edited_tests",
    "reordered",
    "renamed_function",
    "tampering",
    "tampering_after",
    "calls_losslib",
    "loop_in_function",
    "loop_at_top",
    "memory_bomb",
    "memory_bomb_in_function",
    "flood",
    "exits_at_top",
    "exits_in_function",
    "damage",
    "leftover_processes",
    "old_format",
    "renamed_notebook",
    "nbgrader_layout",
    "extra_files",
    "empty",
    "invalid_json",
    "not_a_notebook",
    "no_notebook",
]


def test_the_class_is_the_one_checked_below(graded):
    assert sorted(graded["expected"]) == sorted(STUDENTS)


@pytest.mark.parametrize("student", STUDENTS)
def test_score_and_status(graded, student):
    row = {r["student_id"]: r for r in read_csv(graded["runs"][2][0] / "grades.csv")}[student]
    score, status = graded["expected"][student]
    assert (float(row["score"]), row["status"]) == (score, status), row["message"]
    assert float(row["max_score"]) == FULL


def test_parallel_run_gives_exactly_the_sequential_grades(graded):
    one = (graded["runs"][1][0] / "grades.csv").read_text()
    two = (graded["runs"][2][0] / "grades.csv").read_text()
    assert one == two


def test_gradebook_holds_the_csv_scores(graded):
    rows = {r["student_id"]: float(r["score"]) for r in read_csv(graded["runs"][2][0] / "grades.csv")}
    assert graded["book"] == rows


def test_messages_explain_what_happened(graded):
    rows = {r["student_id"]: r["message"] for r in read_csv(graded["runs"][2][0] / "grades.csv")}
    assert "empty" in rows["empty"]
    assert "JSON" in rows["invalid_json"]
    assert "no notebook" in rows["no_notebook"]
    assert "my final version.ipynb" in rows["renamed_notebook"]
    assert rows["nbgrader_layout"] == ""
    assert "ran longer" in rows["loop_at_top"]
    assert "skipped" in rows["exits_at_top"]
    feedback = (graded["runs"][2][0] / "feedback" / "calls_losslib.html").read_text()
    assert "uses losslib" in feedback
    feedback = (graded["runs"][2][0] / "feedback" / "renamed_function.html").read_text()
    assert "gaussian_nll is not defined" in feedback
    feedback = (graded["runs"][2][0] / "feedback" / "loop_in_function.html").read_text()
    assert "infinite loop" in feedback


def test_feedback_never_shows_hidden_tests(graded):
    hidden_code = "rng = np.random.default_rng(11)"  # a line of the first hidden test
    assert hidden_code in (SOURCE / ASSIGNMENT / NOTEBOOK).read_text()
    for page in (graded["runs"][2][0] / "feedback").glob("*.html"):
        html = page.read_text()
        assert "BEGIN HIDDEN TESTS" not in html and hidden_code not in html, page.name
    untouched = (graded["runs"][2][0] / "feedback" / "untouched.html").read_text()
    assert "A hidden test failed" in untouched and "not implemented yet" in untouched


@needs_bwrap
def test_nothing_outside_the_output_folder_changed(graded):
    assert graded["before"] == graded["after"]
    assert not list(Path("/tmp").glob("pwned.txt")) and not (Path.home() / "pwned.txt").exists()


@needs_bwrap
def test_no_process_is_left_running(graded):
    assert graded["leftovers"] == ""


def grade_in_a_scratch_course(submissions: Path, out: Path) -> tuple[list[dict], list[str]]:
    """Grade ``submissions`` with one job in a scratch course: the rows and the grader's log lines."""
    logs: list[str] = []
    with ScratchCourse() as course:
        rows = grade(
            ASSIGNMENT, submissions, out=out, jobs=1, timeout=TIMEOUT, memory=MEMORY, root=course.root, log=logs.append
        )
    return rows, logs


def test_a_zip_export_is_graded_and_cannot_write_outside(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("course-export/ann/likelihood.ipynb", nbformat.writes(solution()))
        zf.writestr("course-export/ben/likelihood.ipynb", nbformat.writes(release()))
        zf.writestr("course-export/../../escaped.txt", "x")
        zf.writestr("/abs/escaped.txt", "x")
        link = zipfile.ZipInfo("course-export/ann/link")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
    rows, logs = grade_in_a_scratch_course(archive, tmp_path / "out")
    assert [(r["student_id"], r["score"]) for r in rows] == [("ann", FULL), ("ben", 0.0)]
    assert not (tmp_path.parent / "escaped.txt").exists() and not Path("/abs/escaped.txt").exists()
    assert sum("refused zip entry" in line for line in logs) == 3


def test_instructor_mistakes_exit_with_a_message(tmp_path, capsys):
    assert cli.main(["grade", "99-nope", str(tmp_path)]) == 2
    assert "unknown assignment '99-nope'" in capsys.readouterr().err
    assert cli.main(["grade", ASSIGNMENT, str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "file.txt").write_text("x")
    assert cli.main(["grade", ASSIGNMENT, str(tmp_path / "file.txt")]) == 2
    assert "neither a folder nor a .zip" in capsys.readouterr().err


def test_a_broken_grading_environment_is_refused(tmp_path, monkeypatch):
    """If the reference solution does not pass, no student is graded (they would all be blamed)."""
    subs = tmp_path / "subs"
    (subs / "ann").mkdir(parents=True)
    nbformat.write(solution(), subs / "ann" / NOTEBOOK)
    import losslib

    monkeypatch.setattr(losslib, "log_softmax", lambda z: z)  # the judge's reference is now wrong
    with ScratchCourse() as course, pytest.raises(UsageError, match="reference solution"):
        grade(ASSIGNMENT, subs, out=tmp_path / "out", jobs=1, timeout=TIMEOUT, root=course.root, log=lambda *a: None)


def test_without_bubblewrap_the_grader_says_so_and_still_grades(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "BWRAP", None)
    monkeypatch.setattr(sandbox, "ISOLATION", "rlimits only")
    import losscourse.grader.run as run

    monkeypatch.setattr(run, "ISOLATION", "rlimits only")
    subs = tmp_path / "subs"
    for student, nb in (("ann", solution()), ("ben", release())):
        (subs / student).mkdir(parents=True)
        nbformat.write(nb, subs / student / NOTEBOOK)
    rows, logs = grade_in_a_scratch_course(subs, tmp_path / "out")
    assert [(r["student_id"], r["score"]) for r in rows] == [("ann", FULL), ("ben", 0.0)]
    assert any("bubblewrap" in line and "without filesystem" in line for line in logs)


def test_export_lists_every_grade_of_the_gradebook(graded):
    path, n = graded["exported"]
    rows = read_csv(path)
    assert n == len(rows) == len(graded["expected"])
    assert {(r["assignment"], r["student_id"], float(r["score"])) for r in rows} == {
        (ASSIGNMENT, s, score) for s, score in graded["book"].items()
    }


def test_release_refuses_an_unknown_assignment(capsys):
    assert cli.main(["release", "99-nope"]) == 2
    assert "unknown assignment" in capsys.readouterr().err


def test_progress_bar_only_on_a_terminal():
    import io

    from losscourse.grader.run import Progress

    quiet = io.StringIO()
    bar = Progress(2, stream=quiet)
    bar.step("a")
    bar.step("b")
    assert quiet.getvalue() == ""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    term = Terminal()
    bar = Progress(2, stream=term)
    bar.step("ann")
    bar.step("ben")
    assert "2/2" in term.getvalue() and term.getvalue().endswith("\n")


def test_the_notebooks_own_check_cells_run_cleanly_in_the_sandbox():
    """The setup cell imports ``check`` and the last cell calls ``check()``: in the sandbox,
    which has neither losslib nor losscourse, both run without error (the judge runs the real
    checks outside), and nothing else of losscourse becomes importable."""
    from losscourse.grader.notebooks import read_source, read_submission, student_code
    from losscourse.grader.run import installed_locations

    source_nb = SOURCE / ASSIGNMENT / NOTEBOOK
    cells = student_code(read_submission(source_nb), read_source(source_nb))
    assert any("from losscourse.checks" in c for c in cells) and cells[-1].strip() == "check()"
    cells += ["import losscourse.testing", "import losslib"]
    hide = [ROOT / "losslib", ROOT / "losscourse", *installed_locations()]
    with sandbox.Sandbox(cells, hide=hide, timeout=30.0, memory=MEMORY) as box:
        report = box.start()
        errors = report.cell_errors
        assert set(errors) == {len(cells) - 2, len(cells) - 1}, errors
        assert all(e["type"] == "ModuleNotFoundError" for e in errors.values()), errors
        assert box.call("check", (), {}) is None


@pytest.mark.skipif(sandbox.BWRAP is None, reason="hiding files needs bubblewrap")
def test_a_hidden_file_is_empty_in_the_sandbox():
    """A path to hide may be a file, such as the ``.git`` of a git worktree: bubblewrap's --tmpfs
    needs a folder (and the worker died), so a file is covered with an empty file."""
    import os
    import shutil
    import tempfile

    # a folder outside /tmp, which the sandbox replaces (the repository itself may be a clone under /tmp)
    candidates = [Path("/var/tmp"), ROOT / "grading", Path.home()]
    parent = next(c for c in candidates if not c.resolve().is_relative_to("/tmp") and os.access(c.parent, os.W_OK))
    parent.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=parent))
    try:
        secret, seen = folder / "secret.txt", folder / "seen.txt"
        secret.write_text("the answers")
        seen.write_text("visible")
        cells = ["def peek(path):\n    return open(path).read()"]
        with sandbox.Sandbox(cells, hide=[secret, folder / "missing"], timeout=30.0, memory=MEMORY) as box:
            assert box.start().cell_errors == {}
            assert box.call("peek", (str(seen),), {}) == "visible"
            assert box.call("peek", (str(secret),), {}) == ""
    finally:
        shutil.rmtree(folder)


def test_a_test_cell_reports_every_failed_check_not_only_the_first():
    """Top-level checks that fail do not stop the cell (they bind nothing later lines need); a
    failure in a statement that binds a name (an assignment, a loop), or an error, does."""
    from losscourse.grader.judge import run_test_cell

    def check(ok, what):
        if not ok:
            raise AssertionError(what)

    source = "check(False, 'a')\ncheck(True, 'b')\ncheck(False, 'c')\nx = 1\n"
    failures = run_test_cell(source, "<t>", {"check": check})
    assert [str(f) for f in failures] == ["a", "c"]
    source = "check(False, 'a')\nfor k in range(3):\n    check(k < 1, f'loop {k}')\ncheck(False, 'after')\n"
    assert [str(f) for f in run_test_cell(source, "<t>", {"check": check})] == ["a", "loop 1"]  # a loop may bind
    source = "check(False, 'a')\ny = check(False, 'bound')\ncheck(False, 'never')\n"
    assert [str(f) for f in run_test_cell(source, "<t>", {"check": check})] == ["a", "bound"]
    source = "check(False, 'a')\nundefined_name\ncheck(False, 'never')\n"
    assert [str(f) for f in run_test_cell(source, "<t>", {"check": check})] == ["a"]
    with pytest.raises(NameError):
        run_test_cell("undefined_name\n", "<t>", {})
    assert run_test_cell("check(True, 'fine')\n", "<t>", {"check": check}) == []
