"""The instructor's command: ``losscourse release | grade | export``.

Run it from the course root (it finds the course from its own installation anyway)::

    losscourse release 01-likelihood                  # regenerate exercises/01-likelihood/
    losscourse grade 01-likelihood submissions.zip    # grades.csv + feedback/ under grading/reports/
    losscourse export                                 # every grade of every assignment, one CSV

Exit codes: 0 when every submission got a row (whatever the students did), 2 for the
instructor's mistakes (unknown assignment, unreadable path), with a message saying which.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .assignments import ROOT, list_assignments
from .grader.lms import LAYOUTS


def _memory(text: str) -> int:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("the memory cap must be positive (GiB)")
    return int(value * 1024**3)


GRADE_DESCRIPTION = """\
Autograde a class's submissions into grades.csv and one feedback page per student.

SUBMISSIONS is a folder or a .zip in one of these layouts, recognised from its file names
(--layout forces one; an input that fits none is refused, exit 2, saying what it holds):
  folders  one folder per student: <student_id>/<notebook>.ipynb
  canvas   Canvas's "Download Submissions" zip, as downloaded:
           <name>_<user_id>_<attachment_id>_<file>, <name>_LATE_<user_id>_..., anon_<id>_...
           (text and URL entries, <name>_<user_id>_text.html / _link.html, are not graded)
  moodle   Moodle's "Download all submissions" zip, as downloaded:
           <Full Name>_<participant id>_assignsubmission_file/ (or ..._file_/), or flat files
           <Full Name>_<participant id>_assignsubmission_file_<file>
           (other plugins' folders, e.g. ..._assignsubmission_onlinetext/, are not graded)

student_id is the LMS's id (Canvas user id or anon_<id>, Moodle participant id). Each student's
notebook is the assignment's (also with a copy suffix " (1)", "-1", "_copy", or another case);
of several attempts the latest (Canvas: the highest attachment id). grades.csv has the columns
student_id,score,max_score,status,message,name,late; status is graded, blank (the handed-out
notebook, unchanged), timeout, error or invalid. It is merged with an earlier grades.csv in the
output folder (other students' rows are kept; the earlier file is saved under history/).
Submissions are never modified. Exit 0 whatever the students did, 2 for the instructor's mistakes.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="losscourse", description="Release and grade the course's exercises.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="regenerate the student version(s) in exercises/ from solutions/")
    p.add_argument("assignment", nargs="*", help="assignment id(s), e.g. 01-likelihood (default: all)")

    p = sub.add_parser(
        "grade",
        help="autograde a class's submissions into grades.csv and feedback",
        description=GRADE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("assignment", help="assignment id, e.g. 01-likelihood")
    p.add_argument(
        "submissions",
        type=Path,
        help="a folder or a .zip: one subfolder per student, or Canvas's or Moodle's download as it comes",
    )
    p.add_argument(
        "--layout",
        choices=LAYOUTS,
        default=None,
        help="force the layout of SUBMISSIONS (default: recognised from the file names; see above)",
    )
    p.add_argument("--out", type=Path, help="output folder (default: grading/reports/ASSIGNMENT/)")
    p.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: number of cores)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per cell and per tested call (default 30)")
    p.add_argument("--memory", type=_memory, default=2 * 1024**3, help="memory cap per submission in GiB (default 2)")

    p = sub.add_parser("export", help="every grade of every assignment as one CSV")
    p.add_argument("--out", type=Path, default=ROOT / "grading" / "grades.csv", help="default: grading/grades.csv")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "release":
        from .assignments import release

        unknown = [a for a in args.assignment if a not in list_assignments()]
        if unknown:
            print(
                f"losscourse: unknown assignment(s) {', '.join(unknown)}: choose from {', '.join(list_assignments())}",
                file=sys.stderr,
            )
            return 2
        release(args.assignment)
        return 0
    if args.command == "grade":
        from .grader.run import UsageError, grade

        if args.jobs is not None and args.jobs < 1:
            print("losscourse: --jobs must be at least 1", file=sys.stderr)
            return 2
        if args.timeout <= 0:
            print("losscourse: --timeout must be positive", file=sys.stderr)
            return 2
        try:
            grade(
                args.assignment,
                args.submissions,
                out=args.out,
                jobs=args.jobs,
                timeout=args.timeout,
                memory=args.memory,
                layout=args.layout,
            )
        except UsageError as exc:
            print(f"losscourse: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.command == "export":
        from .grader.gradebook import export

        rows = export(args.out)
        print(f"wrote {rows} grade(s) to {args.out}")
        return 0
    return 2  # pragma: no cover - argparse requires a command


if __name__ == "__main__":
    sys.exit(main())
