"""The course's one command line, ``losscourse COMMAND`` (``make book`` and ``make release`` run it).

Run it from the course root (it finds the course from its own installation anyway)::

    losscourse book                                   # the HTML book (and its PDF) in _build/html/
    losscourse notebooks [--check]                    # the chapters' notebook twins in book/_notebooks/
    losscourse install-cell solutions/*/*.ipynb       # add or refresh the notebooks' install cell
    losscourse links exercises/01-likelihood/likelihood.ipynb  # a file's launch links (Colab, Binder)
    losscourse release 01-likelihood                  # regenerate exercises/01-likelihood/
    losscourse mutate 01-likelihood                   # do the assignment's tests catch students' slips?
    losscourse grade 01-likelihood submissions.zip    # grades.csv + feedback/ under grading/reports/
    losscourse similarity 01-likelihood submissions.zip  # pairs of alike answers, for review
    losscourse export                                 # every grade of every assignment, one CSV
    losscourse gradebook list [ASSIGNMENT]            # what nbgrader's gradebook holds
    losscourse gradebook remove ASSIGNMENT STUDENT... # (or --all) remove recorded grades, with --yes
    losscourse env sync                               # make .venv exactly requirements/lock.txt

Each command is a parser function (``_<command>_parser``) and a function that calls the module
doing the work (``_<command>``), in a module of this package by subject (``book``, ``exercises``,
``grading``, ``env``); ``losscourse COMMAND --help`` says what it does and takes.

Exit codes: 0 when the command did its job (grade: every submission got a row, whatever the
students did), 1 when a check found a problem (``notebooks --check``, ``mutate``, ``env``), 2 for
the instructor's mistakes (unknown assignment, unreadable path), with a message saying which.
"""

from __future__ import annotations

import argparse

from .book import _book_parser, _install_cell_parser, _links_parser, _notebooks_parser
from .env import _env_parser
from .exercises import _mutate_parser, _release_parser
from .grading import _export_parser, _grade_parser, _gradebook_parser, _similarity_parser

# --------------------------------------------------------------------------
# One parser
# --------------------------------------------------------------------------

# In the order of --help: the book, the assignments, grading, the environment.
COMMANDS = (
    _book_parser,
    _notebooks_parser,
    _install_cell_parser,
    _links_parser,
    _release_parser,
    _mutate_parser,
    _grade_parser,
    _similarity_parser,
    _export_parser,
    _gradebook_parser,
    _env_parser,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="losscourse",
        description="Build the book, release the exercises, check their tests, grade, export.",
        epilog="losscourse COMMAND --help says more about each command.",
    )
    sub = parser.add_subparsers(title="commands", dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
