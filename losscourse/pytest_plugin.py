"""The course's pytest plugin (pyproject.toml loads it with ``-p losscourse.pytest_plugin``), for every
test path: ``tests/``, the doctests and the solution notebooks that nbval runs.

- It tells pytest-xdist what must run in one process when it spreads the suite over the cores
  (``make test`` runs ``pytest -n auto --dist loadscope``): a file's tests (its module fixtures, a
  notebook's cells in order), the users of the session's built book (built once), and in
  ``tests/test_mutation.py`` one assignment's tests (its mutants are graded once per assignment).
- It prints the mutation reports of the assignments at the end of the run.
- It runs BLAS on one thread (:mod:`losscourse.threads`) in pytest-xdist's workers and in every
  process they start (kernels, nbgrader): xdist already keeps every core busy.
"""

from __future__ import annotations

import os

import pytest

from losscourse.threads import one_blas_thread

# Inherited by pytest-xdist's workers, which start later, and by every process a test starts. (Not
# by this process's numpy: the warning filters of pyproject.toml that name numpy's warnings have
# loaded it already; with -n 0 its tests run with the machine's default.)
os.environ.update(one_blas_thread())


def pytest_terminal_summary(terminalreporter):
    """Print the mutation reports of the assignments (tests/test_mutation.py records them as the
    user property ``mutation_report``, which pytest-xdist carries back from its workers)."""
    reports = {}
    for outcome in ("passed", "failed"):
        for rep in terminalreporter.stats.get(outcome, []):
            for key, text in getattr(rep, "user_properties", ()):
                if key == "mutation_report":
                    reports[rep.nodeid] = text
    if reports:
        terminalreporter.section("mutation testing of the assignments' tests")
        for nodeid in sorted(reports):
            terminalreporter.write_line(reports[nodeid])


# The files whose tests use the session fixture ``built_book`` (tests/conftest.py): one worker runs them
# all, so the book is built once. pytest_itemcollected keeps this list true.
BOOK_FILES = ("tests/test_book.py", "tests/test_browser.py")
# Files whose tests are grouped by their parameter (a costly module-scoped parametrised fixture).
BY_PARAMETER = ("tests/test_mutation.py",)


def group_of(nodeid: str) -> str:
    """The tests that pytest-xdist must run in one process, named (from the test's node id)."""
    path = nodeid.split("::")[0]
    if path in BOOK_FILES:
        return "built-book"
    if path in BY_PARAMETER and nodeid.endswith("]"):
        return path + nodeid[nodeid.rindex("[") :]
    return path


# The groups that take longest (a clean-clone run, two workers): the built book's users (its build,
# then axe-core on every page in two colour modes), then the assignments' mutants and their solution
# notebooks. xdist starts them first; the rest follow, largest first.
LONGEST_FIRST = ("built-book", "tests/test_mutation.py[", "solutions/")


def start_order(group: str, tests: dict) -> tuple[int, int]:
    """Where a group stands in the queue: by :data:`LONGEST_FIRST`, then by its number of tests."""
    rank = next((i for i, prefix in enumerate(LONGEST_FIRST) if group.startswith(prefix)), len(LONGEST_FIRST))
    return rank, -len(tests)


def pytest_itemcollected(item):
    path = item.nodeid.split("::")[0]
    if "built_book" in getattr(item, "fixturenames", ()) and path not in BOOK_FILES:
        raise pytest.UsageError(f"{path} uses built_book: add it to BOOK_FILES in {__name__}")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's scope scheduling, with :func:`group_of` as the scope. (Its ``loadgroup`` mode,
    which reads ``xdist_group`` marks, does not group with pytest 9: xdist 3.8 renames the
    ``_nodeid`` attribute that pytest 9 no longer has.)"""
    from xdist.scheduler import LoadScopeScheduling

    class CourseScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

        def _assign_work_unit(self, node) -> None:
            # Longest first: the groups that run longest start at once, so no worker is left
            # running one of them alone at the end of the run.
            if self.workqueue:
                ordered = sorted(self.workqueue.items(), key=lambda unit: start_order(*unit))
                self.workqueue.clear()
                self.workqueue.update(ordered)
            super()._assign_work_unit(node)

    return CourseScheduling(config, log)
