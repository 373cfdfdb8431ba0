"""The commands of grading: ``grade``, ``similarity``, ``export`` and ``gradebook``."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..assignments import ROOT, list_assignments
from ..grader.lms import LAYOUTS
from ._common import _fail


def _memory(text: str) -> int:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("the memory cap must be positive (GiB)")
    return int(value * 1024**3)


def _submissions_arguments(p: argparse.ArgumentParser, *, submissions_help: str, layout_help: str) -> None:
    """The arguments of the commands that read a class's submissions (``grade``, ``similarity``):
    ASSIGNMENT, SUBMISSIONS and ``--layout``, which both hand to ``losscourse.grader.collect``."""
    p.add_argument("assignment", help="assignment id, e.g. 01-likelihood")
    p.add_argument("submissions", type=Path, help=submissions_help)
    p.add_argument("--layout", choices=LAYOUTS, default=None, help=layout_help)


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
Feedback pages load MathJax from feedback/mathjax/ (copied there), nothing from the network; a
moodle run also writes feedback-moodle.zip for Moodle's "Upload multiple feedback files in a zip".
Grades are recorded in nbgrader's gradebook (read by export), except in a trial run with --out
(add --record to record it). Submissions are never modified.
Exit 0 whatever the students did, 2 for the instructor's mistakes.
"""


def _grade_parser(sub) -> None:
    p = sub.add_parser(
        "grade",
        help="autograde submissions: grades.csv and feedback",
        description=GRADE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _submissions_arguments(
        p,
        submissions_help="a folder or a .zip: one subfolder per student, or Canvas's or Moodle's download as it comes",
        layout_help="force the layout of SUBMISSIONS (default: recognised from the file names; see above)",
    )
    p.add_argument(
        "--out",
        type=Path,
        help="output folder (default: grading/reports/ASSIGNMENT/); a run with --out is a trial: "
        "its grades are not recorded in the gradebook unless --record",
    )
    p.add_argument(
        "--record",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="record the grades in nbgrader's gradebook (grading/gradebook.db, read by export): "
        "default yes, and no with --out",
    )
    p.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: number of cores)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per cell and per tested call (default 30)")
    p.add_argument("--memory", type=_memory, default=2 * 1024**3, help="memory cap per submission in GiB (default 2)")
    # Where and whom to grade (issue #20; README: Grading on a Dask cluster).
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on the workers of this Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: --jobs local processes)",
    )
    who = p.add_mutually_exclusive_group()
    who.add_argument(
        "--resume", action="store_true", help="grade only the submissions without a result (finish an interrupted run)"
    )
    who.add_argument(
        "--regrade",
        action="store_true",
        help="grade everyone again (e.g. after a test changed); report whose score changed",
    )
    who.add_argument("--only", nargs="+", metavar="ID", help="grade only these students (again)")
    p.set_defaults(run=_grade)


def _grade(args) -> int:
    from ..grader.run import UsageError, grade

    if args.jobs is not None and args.jobs < 1:
        return _fail("--jobs must be at least 1")
    if args.timeout <= 0:
        return _fail("--timeout must be positive")
    record = args.record if args.record is not None else args.out is None
    try:
        grade(
            args.assignment,
            args.submissions,
            out=args.out,
            record=record,
            jobs=args.jobs,
            timeout=args.timeout,
            memory=args.memory,
            layout=args.layout,
            scheduler=args.scheduler,
            resume=args.resume,
            regrade=args.regrade,
            only=args.only,
        )
    except UsageError as exc:
        return _fail(str(exc), exc.exit_code)
    if not record:
        how = "a trial run with --out" if args.record is None else "--no-record"
        print(
            f"not recorded in the gradebook ({how}): export does not list these grades; "
            "run again with --record to record them"
        )
    return 0


EXPORT_DESCRIPTION = """\
Without options: every grade of every assignment in nbgrader's gradebook, as one CSV with the
columns assignment,student_id,score,max_score,status,message (status: graded, blank, timeout,
error or invalid; empty for grades recorded before statuses were kept).

With --assignment A and --canvas GRADEBOOK.csv: Canvas's gradebook export (Grades > Export)
written to --out with A's column filled from A's grades.csv: students matched by the ID column,
points scaled to the column's Points Possible, students without a submission left blank, every
other row and column unchanged. The column is the one whose title matches A (--column "Title
(id)" chooses it). Import the result with Grades > Import.

With --assignment A and --moodle WORKSHEET.csv: Moodle's offline grading worksheet (Download
grading worksheet, in English) with Grade scaled to Maximum Grade and Feedback comments filled,
rows matched by Identifier (Participant <id>), Last modified (grade) kept. Upload it with
Upload grading worksheet. Submissions the file does not list are reported.
"""


SIMILARITY_DESCRIPTION = """\
Compare the answers of every submission with each other and with the reference solution
(public in an open course: solutions/), using copydetect (code fingerprints with names and
literals abstracted). Only the answer cells are compared: the handed-out notebook's code
(setup, tests, stubs) is left out, so untouched notebooks do not all match; blank and
unreadable submissions are listed as not compared. Writes similarity.html (each pair's code
side by side, the shared parts marked; it loads nothing from the network) and similarity.csv
(student_a,student_b,share_a,share_b,common_characters; student_b "reference solution" for a
near-copy). Alike is not proof: review each pair. Submissions are only read.
"""


def _similarity_parser(sub) -> None:
    p = sub.add_parser(
        "similarity",
        help="report answers that are suspiciously alike",
        description=SIMILARITY_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _submissions_arguments(
        p,
        submissions_help="a folder or a .zip, as for grade (Canvas's, Moodle's, folders)",
        layout_help="force the layout of SUBMISSIONS (as for grade)",
    )
    p.add_argument(
        "--out", type=Path, help="output folder (default: grading/reports/ASSIGNMENT/): similarity.html and .csv"
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        help="list a pair when at least this share of either student's answer code is in the other's (default 0.5)",
    )
    p.set_defaults(run=_similarity)


def _similarity(args) -> int:
    from ..grader.run import UsageError
    from ..grader.similarity import similarity

    try:
        similarity(args.assignment, args.submissions, out=args.out, layout=args.layout, threshold=args.threshold)
    except UsageError as exc:
        return _fail(str(exc))
    return 0


def _export_parser(sub) -> None:
    p = sub.add_parser(
        "export",
        help="grades as one CSV, or into Canvas's or Moodle's file",
        description=EXPORT_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--assignment", help="the assignment to write into the LMS's file (with --canvas or --moodle)")
    lms = p.add_mutually_exclusive_group()
    lms.add_argument("--canvas", type=Path, metavar="GRADEBOOK.csv", help="Canvas's gradebook export to fill")
    lms.add_argument("--moodle", type=Path, metavar="WORKSHEET.csv", help="Moodle's grading worksheet to fill")
    p.add_argument("--column", help='with --canvas: the gradebook column, e.g. "Likelihood (123456)"')
    p.add_argument(
        "--grades",
        type=Path,
        help="with --canvas/--moodle: the grades.csv to read (default: grading/reports/ASSIGNMENT/grades.csv)",
    )
    p.add_argument(
        "--out",
        type=Path,
        help="default: grading/grades.csv; with --canvas/--moodle: grading/reports/ASSIGNMENT/canvas.csv or moodle.csv",
    )
    p.set_defaults(run=_export)


def _export(args) -> int:
    if args.canvas or args.moodle:
        return _export_lms(args)
    if args.assignment or args.column or args.grades:
        return _fail("--assignment, --column and --grades go with --canvas or --moodle")
    from ..grader.gradebook import export

    out = args.out or ROOT / "grading" / "grades.csv"
    rows = export(out)
    print(f"wrote {rows} grade(s) to {out} (columns assignment,student_id,score,max_score,status,message)")
    return 0


GRADEBOOK_DESCRIPTION = """\
The grades recorded in nbgrader's gradebook (grading/gradebook.db), which export reads.

  losscourse gradebook list [ASSIGNMENT]
  losscourse gradebook remove ASSIGNMENT STUDENT... [--yes]
  losscourse gradebook remove ASSIGNMENT --all [--yes]

remove says what it would remove and removes nothing without --yes; with --yes, the gradebook
is first copied to grading/history/gradebook-<time>.db (copy it back to undo). Every student
named must have a grade of ASSIGNMENT, or nothing is removed. Reports (grades.csv, feedback)
are files: they are not touched.
"""


def _gradebook_parser(sub) -> None:
    p = sub.add_parser(
        "gradebook",
        help="list or remove the grades in nbgrader's gradebook",
        description=GRADEBOOK_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gsub = p.add_subparsers(dest="action", required=True)
    g = gsub.add_parser("list", help="the recorded grades, of one assignment or of all")
    g.add_argument("assignment", nargs="?", help="assignment id (default: every assignment)")
    g = gsub.add_parser("remove", help="remove an assignment's recorded grades (all, or some students')")
    g.add_argument("assignment", help="assignment id, e.g. 01-likelihood")
    g.add_argument("students", nargs="*", help="the student ids whose grade of ASSIGNMENT to remove")
    g.add_argument("--all", action="store_true", help="remove every grade of ASSIGNMENT")
    g.add_argument("--yes", action="store_true", help="do remove them (without it: only say what would be removed)")
    p.set_defaults(run=_gradebook)


def _gradebook(args) -> int:
    from ..grader import gradebook

    if args.assignment is not None and args.assignment not in list_assignments():
        return _fail(f"unknown assignment {args.assignment!r}: choose from {', '.join(list_assignments())}")
    if args.action == "list":
        rows = gradebook.grades(assignment=args.assignment)
        where = f"of {args.assignment} " if args.assignment else ""
        if not rows:
            print(f"the gradebook {gradebook.db_path()} holds no grade {where}".rstrip())
            return 0
        print(f"{len(rows)} grade(s) {where}in {gradebook.db_path()}:")
        print("assignment\tstudent_id\tscore\tstatus\tmessage")
        for r in rows:
            message = " ".join(r["message"].split())
            message = message[:80] + ("..." if len(message) > 80 else "")
            print(
                f"{r['assignment']}\t{r['student_id']}\t{r['score']} / {r['max_score']}\t{r['status'] or '-'}\t{message}"
            )
        return 0
    if bool(args.students) == args.all:
        return _fail(
            "gradebook remove needs the student ids to remove, or --all (not both), e.g. "
            f"losscourse gradebook remove {args.assignment} s001 s002"
        )
    try:
        removed, backup = gradebook.remove(args.assignment, None if args.all else args.students, dry_run=not args.yes)
    except gradebook.GradebookError as exc:
        return _fail(str(exc))
    ids = ", ".join(r["student_id"] for r in removed)
    if backup is None:
        print(f"would remove {len(removed)} grade(s) of {args.assignment}: {ids}")
        print("nothing was removed: run again with --yes to remove them")
        return 0
    print(f"removed {len(removed)} grade(s) of {args.assignment}: {ids}")
    print(f"the gradebook as it was is saved as {backup} (copy it back to undo)")
    return 0


def _export_lms(args) -> int:
    from ..grader import lms_export

    flag = "--canvas" if args.canvas else "--moodle"
    if not args.assignment:
        return _fail(f"{flag} needs --assignment, e.g. --assignment 01-likelihood")
    if args.assignment not in list_assignments():
        return _fail(f"unknown assignment {args.assignment!r}: choose from {', '.join(list_assignments())}")
    if args.column and not args.canvas:
        return _fail("--column goes with --canvas (Moodle's worksheet has one Grade column)")
    reports = ROOT / "grading" / "reports" / args.assignment
    out = args.out or reports / ("canvas.csv" if args.canvas else "moodle.csv")
    try:
        grades = lms_export.read_grades(args.grades or reports / "grades.csv")
        if args.canvas:
            report = lms_export.canvas(args.assignment, args.canvas, grades, out, args.column)
        else:
            report = lms_export.moodle(args.moodle, grades, out)
    except lms_export.ExportError as exc:
        return _fail(str(exc))
    for line in report.lines(out):
        print(line)
    return 0
