"""Every assignment round-trips through nbgrader.

- the committed student version (exercises/) is exactly what nbgrader generates from solutions/;
- the solution notebook, handed in as a submission, gets full marks;
- the untouched student version gets zero (every graded test really depends on the student's code).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from losscourse.assignments import RELEASE, SOURCE, ScratchCourse, list_assignments

ASSIGNMENTS = list_assignments()


def test_there_is_an_assignment_per_chapter_so_far():
    assert "01-likelihood" in ASSIGNMENTS


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def graded():
    """Generate and autograde every assignment once, in one scratch course (one nbgrader process
    generates them all, one grades them all)."""
    results = {}
    with ScratchCourse() as course:
        course.generate_all()
        releases = {assignment: course.release / assignment for assignment in ASSIGNMENTS}
        files = {
            assignment: {f: (release / f).read_bytes() for f in _tree(release)}
            for assignment, release in releases.items()
        }
        scores = course.autograde_all(
            {
                assignment: {"solution": SOURCE / assignment, "untouched": release}
                for assignment, release in releases.items()
            }
        )
        for assignment, release in releases.items():
            results[assignment] = (_tree(release), files[assignment], scores[assignment])
    return results


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_in_sync_with_solutions(graded, assignment):
    files, contents, _ = graded[assignment]
    committed = RELEASE / assignment
    assert committed.is_dir(), f"{committed} is missing: run `make release` and commit exercises/"
    assert _tree(committed) == files, "exercises/ and the generated release hold different files: run `make release`"
    for name in files:
        assert (committed / name).read_bytes() == contents[name], (
            f"exercises/{assignment}/{name} differs from what nbgrader generates from solutions/: "
            "never edit exercises/ by hand; run `make release` and commit the result"
        )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_gets_full_marks(graded, assignment):
    score = graded[assignment][2]["solution"]
    assert score.max_score >= 5, "an assignment needs graded tests worth points"
    assert score.score == score.max_score


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_gets_zero(graded, assignment):
    score = graded[assignment][2]["untouched"]
    assert score.score == 0, f"the untouched student notebook earned {score.score} points"


def test_release_has_no_solution_or_hidden_test():
    for assignment in ASSIGNMENTS:
        for nb in (RELEASE / assignment).glob("*.ipynb"):
            text = nb.read_text()
            for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
                assert marker not in text, f"{nb} contains '{marker}'"
