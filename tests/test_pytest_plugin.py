"""The course's pytest plugin groups tests for pytest-xdist (losscourse/pytest_plugin.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from losscourse.pytest_plugin import group_of
from losscourse.threads import BLAS_THREAD_VARIABLES, one_blas_thread


def test_a_files_tests_a_notebooks_cells_the_books_users_and_one_assignments_mutants_stay_together():
    assert group_of("tests/test_cli.py::test_a") == group_of("tests/test_cli.py::test_b[x]") == "tests/test_cli.py"
    assert group_of("solutions/01-likelihood/likelihood.ipynb::Cell 3") == "solutions/01-likelihood/likelihood.ipynb"
    assert group_of("tests/test_book.py::test_x") == group_of("tests/test_browser.py::test_y[dark]") == "built-book"
    a, b = "tests/test_mutation.py::test_kill[01-likelihood]", "tests/test_mutation.py::test_bugs[01-likelihood]"
    assert group_of(a) == group_of(b) != group_of("tests/test_mutation.py::test_kill[02-regression]")
    assert group_of("tests/test_mutation.py::test_operators") == "tests/test_mutation.py"


def test_the_scheduler_sends_a_group_to_one_worker(tmp_path):
    """The book's two test files run on one worker (plain --dist loadscope would split them)."""
    (tmp_path / "tests").mkdir()
    for name in ("book", "browser"):
        (tmp_path / "tests" / f"test_{name}.py").write_text(
            'import pytest\n\n\n@pytest.mark.parametrize("i", range(6))\ndef test_x(i):\n    pass\n'
        )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "losscourse.pytest_plugin", "-p", "no:cacheprovider", "-n", "2"]
        + ["--dist", "loadscope", "-v", "-o", "addopts=", "--rootdir", str(tmp_path), "tests"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    workers = [line.split("]")[0] for line in proc.stdout.splitlines() if line.startswith("[gw") and "PASSED" in line]
    assert len(workers) == 12 and len(set(workers)) == 1, workers


def test_the_longest_groups_start_first():
    from losscourse.pytest_plugin import start_order

    groups = {
        "tests/test_cli.py": dict.fromkeys("abc"),
        "solutions/01-likelihood/likelihood.ipynb": dict.fromkeys("ab"),
        "tests/test_mutation.py[03-classification]": dict.fromkeys("a"),
        "built-book": dict.fromkeys("a"),
        "tests/test_losslib_generic.py": dict.fromkeys("abcdefgh"),
    }
    ordered = sorted(groups, key=lambda group: start_order(group, groups[group]))
    assert ordered == [
        "built-book",
        "tests/test_mutation.py[03-classification]",
        "solutions/01-likelihood/likelihood.ipynb",
        "tests/test_losslib_generic.py",
        "tests/test_cli.py",
    ]


def test_blas_runs_on_one_thread_unless_the_user_chose():
    assert one_blas_thread({}) == dict.fromkeys(BLAS_THREAD_VARIABLES, "1")
    assert one_blas_thread({"OPENBLAS_NUM_THREADS": "4"})["OPENBLAS_NUM_THREADS"] == "4"
    # set by the plugin in this process's environment, which its subprocesses (and xdist's workers) inherit
    for name in BLAS_THREAD_VARIABLES:
        assert os.environ.get(name), f"{name} is not set: the plugin should set it (losscourse.threads)"
