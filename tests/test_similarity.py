"""``losscourse similarity`` (issue #19): copies between students and of the public reference
solution are listed, renamed variables or not; independent correct answers, blank notebooks and
the notebook's given code are not."""

from __future__ import annotations

import csv
import html
import inspect
import re

import nbformat
import pytest

from losscourse import cli
from losscourse.assignments import RELEASE, SOURCE
from losscourse.grader.similarity import REFERENCE, similarity
from losscourse.mutation import submissions_module

ASSIGNMENT = "01-likelihood"
NOTEBOOK = "likelihood.ipynb"
alternatives = submissions_module(ASSIGNMENT)


def solution_cells() -> dict[str, str]:
    cells = {}
    for cell in nbformat.read(SOURCE / ASSIGNMENT / NOTEBOOK, 4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            cells[meta["grade_id"]] = "\n".join(line for line in cell.source.splitlines() if "### " not in line)
    return cells


def alternative(task: str, which: str) -> str:
    """One of the alternative correct answers of tests/submissions/, named as the task's function."""
    return inspect.getsource(getattr(alternatives, f"{task}__alt_{which}")).replace(f"{task}__alt_{which}", task)


def renamed(code: str) -> str:
    for old, new in (("y", "obs"), ("mu", "m"), ("sigma", "s"), ("z", "t"), ("shifted", "u"), ("labels", "lab")):
        code = re.sub(rf"\b{old}\b", new, code)
    return code


def notebook(answers: dict[str, str]) -> bytes:
    """The handed-out notebook with these answer cells filled in (the others left as handed out)."""
    nb = nbformat.read(RELEASE / ASSIGNMENT / NOTEBOOK, 4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in answers:
            cell.source = answers[grade_id]
    return nbformat.writes(nb).encode()


TASKS = ("gaussian_nll", "gaussian_nll_grad", "fit_gaussian", "log_softmax", "softmax_cross_entropy")
ONE = dict(zip(TASKS, ("loop", "loop", "loops", "logaddexp", "loop"), strict=True))
TWO = dict(zip(TASKS, ("constant_outside", "chain_rule", "np_std", "logsumexp_plus_max", "one_hot"), strict=True))


HAL = """def gaussian_nll(y, mu, sigma):
    r = np.asarray(y, dtype=float) - mu
    var = sigma * sigma
    return float(np.log(np.sqrt(2 * np.pi * var)) + np.sum(r * r) / (2 * var * r.size))
"""
IVY = """def fit_gaussian(y):
    data = np.asarray(y, dtype=float).ravel()
    centre = data.sum() / data.size
    return centre, np.sqrt(((data - centre) ** 2).sum() / data.size)
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    base = tmp_path_factory.mktemp("similarity")
    solution = solution_cells()
    one = {task: alternative(task, which) for task, which in ONE.items()}
    two = {task: alternative(task, which) for task, which in TWO.items()}
    students = {
        "ann": notebook({task: renamed(code) for task, code in solution.items()}),  # the solution, renamed
        "bob": notebook(solution),  # the solution as published
        "cy": notebook(one),  # an independent correct answer
        "dee": (RELEASE / ASSIGNMENT / NOTEBOOK).read_bytes(),  # blank
        "dan": (RELEASE / ASSIGNMENT / NOTEBOOK).read_bytes(),  # blank too: not a pair with dee
        "eve": b"{not json",
        "fay": notebook(two),
        "gus": notebook({task: renamed(code) for task, code in two.items()}),  # fay's, renamed
        # one task each, written by themselves, the other four stubs left as handed out
        "hal": notebook({"gaussian_nll": HAL}),
        "ivy": notebook({"fit_gaussian": IVY}),
    }
    for student, data in students.items():
        (base / "subs" / student).mkdir(parents=True)
        (base / "subs" / student / NOTEBOOK).write_bytes(data)
    logs: list[str] = []
    result = similarity(ASSIGNMENT, base / "subs", out=base / "out", log=logs.append)
    return result, base, logs


def test_copies_are_listed_and_independent_answers_are_not(report):
    result, _, _ = report
    assert {frozenset((p.a, p.b)) for p in result.pairs} == {frozenset(("ann", "bob")), frozenset(("fay", "gus"))}
    assert all(p.share_a > 0.9 and p.share_b > 0.9 for p in result.pairs)
    assert sorted(p.a for p in result.reference) == ["ann", "bob"] and {p.b for p in result.reference} == {REFERENCE}
    # the given code (stubs left in place) does not make hal and ivy alike
    assert sorted(result.compared) == ["ann", "bob", "cy", "fay", "gus", "hal", "ivy"]


def test_what_is_not_compared_is_said(report):
    result, base, logs = report
    assert result.not_compared["dee"].startswith("blank") and result.not_compared["dan"].startswith("blank")
    assert "JSON" in result.not_compared["eve"]
    text = "\n".join(logs)
    assert "not compared: 3 submission(s)" in text and "eve" in text
    assert "2 pair(s) alike, 2 near-copy(ies) of the reference solution" in text


def test_the_csv_and_the_offline_html_report(report):
    result, base, _ = report
    with open(base / "out" / "similarity.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["student_a", "student_b", "share_a", "share_b", "common_characters"]
    assert {frozenset((r["student_a"], r["student_b"])) for r in rows} == {
        frozenset(p) for p in (("ann", "bob"), ("fay", "gus"), ("ann", REFERENCE), ("bob", REFERENCE))
    }
    page = (base / "out" / "similarity.html").read_text(encoding="utf-8")
    assert "<script" not in page and not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page)
    assert "class='highlight-red'" in page and "Not compared" in page
    assert re.search(r"<h3>(?:ann and bob|bob and ann)</h3>", page) and "<h3>ann and reference solution</h3>" in page
    shown = html.unescape(re.sub(r"<[^>]+>", "", page))  # the code as read, without the marks of shared parts
    assert "def gaussian_nll(obs, m, s):" in shown  # ann's own code, shown for review


def test_a_second_run_keeps_the_earlier_report(report):
    _, base, _ = report
    before = (base / "out" / "similarity.html").read_bytes()
    logs: list[str] = []
    similarity(ASSIGNMENT, base / "subs", out=base / "out", log=logs.append)
    saved = list((base / "out" / "history").glob("similarity-*.html"))
    assert len(saved) == 1 and saved[0].read_bytes() == before
    assert any(str(saved[0]) in line for line in logs)


def test_cli_errors_name_the_argument(tmp_path, capsys):
    (tmp_path / "s" / "ann").mkdir(parents=True)
    assert cli.main(["similarity", ASSIGNMENT, str(tmp_path / "s"), "--threshold", "50"]) == 2
    assert "--threshold 50" in capsys.readouterr().err
    assert cli.main(["similarity", "99-nope", str(tmp_path / "s")]) == 2
    assert "unknown assignment '99-nope'" in capsys.readouterr().err
    assert cli.main(["similarity", ASSIGNMENT, str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
