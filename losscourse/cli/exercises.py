"""The commands of the exercises: ``release`` (the students' notebooks) and ``mutate`` (do their
tests catch students' slips?).
"""

from __future__ import annotations

from ..assignments import list_assignments
from ._common import _fail, _unknown_assignments


def _release_parser(sub) -> None:
    p = sub.add_parser(
        "release",
        help="regenerate exercises/ from solutions/ with nbgrader",
        description="Regenerate the student version(s) in exercises/ from the source notebooks in solutions/ "
        "(nbgrader generate_assignment), and let nbgrader's gradebook learn their graded cells.",
    )
    p.add_argument("assignment", nargs="*", help="assignment id(s), e.g. 01-likelihood (default: all)")
    p.set_defaults(run=_release)


def _release(args) -> int:
    from ..assignments import release

    if problem := _unknown_assignments(args.assignment):
        return _fail(problem)
    release(args.assignment)
    return 0


def _mutate_parser(sub) -> None:
    from ..mutation import KINDS, TARGET_KILL_RATE

    p = sub.add_parser(
        "mutate",
        help="check that an assignment's tests catch students' slips",
        description=f"Mutation testing of the assignments' tests: hand in every mutant of the solutions "
        f"(mean for sum, a flipped sign, log for log1p, ...), the hand-written bugs, alternative "
        f"solutions and trivial answers of tests/submissions/, grade them, and print the report. "
        f"Exit 1 unless at least {TARGET_KILL_RATE:.0%} of the mutants and every bug lose points, every "
        f"alternative gets full marks and every trivial answer scores 0 on its task.",
    )
    p.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    p.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    p.add_argument("--list", action="store_true", help="list the generated mutants, grade nothing")
    p.add_argument("--only", nargs="+", choices=KINDS, help="grade only these kinds")
    p.set_defaults(run=_mutate)


def _mutate(args) -> int:
    from .. import mutation

    if problem := _unknown_assignments(args.assignments):
        return _fail(problem)
    if args.jobs < 1:
        return _fail("--jobs must be at least 1")
    chosen = args.assignments or list_assignments()
    if args.list:
        for assignment in chosen:
            for m in mutation.generated_mutants(assignment):
                print(f"{assignment} {m.task}: {m.label}")
        return 0
    passed = mutation.check(chosen, jobs=args.jobs, kinds=args.only or mutation.KINDS)
    return 0 if passed else 1
