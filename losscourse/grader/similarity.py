"""``losscourse similarity``: pairs of submissions whose answers are suspiciously alike, and
near-copies of the (public) reference solution, in an HTML report for an instructor to review.

The detection is copydetect's (winnowed fingerprints of the code with names and literals
abstracted, as MOSS does). It sees each student's answers only: the code cells they wrote or
filled in. The notebook's given code (its setup and test cells, and every code cell of the
handed-out notebook, stubs included, as copydetect's boilerplate) is left out, so untouched
notebooks do not all match each other. Each student's answers are also compared with the
reference solution in ``solutions/``, which is public in an open course.

A similarity is the share of one student's answer code found in the other's; a pair is listed
when either share reaches the threshold. The report says what was not compared and why
(no notebook, the handed-out notebook unchanged). Submissions are only read.
"""

from __future__ import annotations

import csv
import html
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..assignments import ROOT
from .collect import CollectError, collect, safe_name
from .notebooks import InvalidSubmission, read_source, read_submission, student_code
from .run import UsageError, code_cells, source_notebooks

REFERENCE = "reference solution"
DEFAULT_THRESHOLD = 0.5
NOISE = 25  # copydetect's defaults: matches shorter than this many characters are noise,
GUARANTEE = 30  # and matches this long are always found


@dataclass
class Pair:
    a: str  # student id
    b: str  # student id, or REFERENCE
    share_a: float  # share of a's answer code found in b's
    share_b: float
    tokens: int  # characters of filtered code in common
    code_a: str  # a's answers as HTML, the shared parts marked
    code_b: str


@dataclass
class Result:
    pairs: list[Pair] = field(default_factory=list)  # between students, most alike first
    reference: list[Pair] = field(default_factory=list)  # students against the reference solution
    compared: list[str] = field(default_factory=list)
    not_compared: dict[str, str] = field(default_factory=dict)  # student id -> why
    notes: list[str] = field(default_factory=list)  # the collection's notes (ignored files...)
    html: Path | None = None
    csv: Path | None = None


def answers(nb, source, given: set[str]) -> str:
    """The student's answer code: the code cells grading runs after the setup (solution cells
    and cells the student added), less those that are exactly the handed-out notebook's."""
    cells = student_code(nb, source)[len(source.setup) :]
    return "\n\n".join(c.strip() for c in cells if c.strip() and c.strip() not in given) + "\n"


def similarity(
    assignment: str,
    submissions: Path,
    *,
    out: Path | None = None,
    layout: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    root: Path = ROOT,
    log=print,
) -> Result:
    """Compare the answers of every submission of ``assignment`` in ``submissions`` with each
    other and with the reference solution; write ``similarity.html`` and ``similarity.csv``
    into ``out`` (default ``grading/reports/ASSIGNMENT/``; earlier ones are moved to ``history/``)."""
    from copydetect import CopyDetector

    if not 0 < threshold <= 1:
        raise UsageError(f"--threshold {threshold:g} is not a share: give a number above 0 and at most 1, e.g. 0.5")
    notebooks = source_notebooks(assignment, root)
    solution = notebooks[0]
    release = root / "exercises" / assignment / solution.name
    if not release.is_file():
        release = ROOT / "exercises" / assignment / solution.name
    if not release.is_file():
        raise UsageError(
            f"exercises/{assignment}/{solution.name} (the handed-out notebook) is missing: run "
            f"losscourse release {assignment} first; its code is what the comparison leaves out"
        )
    try:
        collected = collect(Path(submissions), layout, solution.name, assignment)
    except CollectError as exc:
        raise UsageError(str(exc)) from None
    out = (Path(out) if out else root / "grading" / "reports" / assignment).resolve()
    result = Result(notes=list(collected.notes))
    source = read_source(solution)
    given_cells = code_cells(read_submission(release))
    given = set(given_cells)
    try:
        with tempfile.TemporaryDirectory(prefix="losscourse-similarity-") as tmp:
            base = Path(tmp)
            students, reference, boilerplate = base / "students", base / "reference", base / "given"
            for folder in (students, reference, boilerplate):
                folder.mkdir()
            (boilerplate / "given.py").write_text("\n\n".join([*source.setup, *given_cells]) + "\n", encoding="utf-8")
            files: dict[str, str] = {}  # file -> student id
            blank_answers = answers(read_submission(release), source, set())
            for entry in collected.entries:
                sid = entry.student_id
                if entry.notebook is None:
                    result.not_compared[sid] = entry.problem or "no notebook"
                    continue
                try:
                    nb = read_submission(entry.notebook)
                except InvalidSubmission as exc:
                    result.not_compared[sid] = str(exc)
                    continue
                if answers(nb, source, set()) == blank_answers:
                    result.not_compared[sid] = "blank: the handed-out notebook, unchanged"
                    continue
                text = answers(nb, source, given)
                if not text.strip():
                    result.not_compared[sid] = "no answer code"
                    continue
                path = students / safe_name(sid) / "answers.py"
                path.parent.mkdir()
                path.write_text(text, encoding="utf-8")
                files[str(path)] = sid
                result.compared.append(sid)
            ref_file = reference / "answers.py"
            ref_code = answers(read_submission(solution), source, given)
            ref_code = re.sub(r"(?m)^[ \t]*### (?:BEGIN|END) SOLUTION[ \t]*\n", "", ref_code)  # nbgrader's markers
            ref_file.write_text(ref_code, encoding="utf-8")
            files[str(ref_file)] = REFERENCE
            if result.compared:
                detector = CopyDetector(
                    test_dirs=[str(students)],
                    ref_dirs=[str(students), str(reference)],
                    boilerplate_dirs=[str(boilerplate)],
                    extensions=["py"],
                    noise_t=NOISE,
                    guarantee_t=GUARANTEE,
                    display_t=threshold,
                    silent=True,
                    autoopen=False,
                    out_file=str(base / "copydetect.html"),
                )
                detector.run()
                for share_a, share_b, file_a, file_b, code_a, code_b, tokens in detector.get_copied_code_list():
                    a, b = files[str(file_a)], files[str(file_b)]
                    pair = Pair(a, b, float(share_a), float(share_b), int(tokens), code_a, code_b)
                    if b == REFERENCE:
                        result.reference.append(pair)
                    elif a == REFERENCE:  # never: the reference is not a test file
                        continue
                    else:
                        result.pairs.append(pair)
    finally:
        collected.cleanup()
    result.pairs = _unique(result.pairs)
    result.pairs.sort(key=lambda p: (-max(p.share_a, p.share_b), p.a, p.b))
    result.reference.sort(key=lambda p: (-p.share_a, p.a))
    out.mkdir(parents=True, exist_ok=True)
    result.html, result.csv = out / "similarity.html", out / "similarity.csv"
    saved = [_keep_earlier(p) for p in (result.html, result.csv)]
    result.html.write_text(report_html(assignment, result, threshold), encoding="utf-8")
    _write_csv(result.csv, result)
    for line in summary(result, threshold):
        log(line)
    for note in saved:
        if note:
            log(note)
    return result


def _unique(pairs: list[Pair]) -> list[Pair]:
    """One row per pair of students. copydetect may list a pair in both orders, in the order the
    file system lists the folders; the row kept is the one with the names in alphabetical order,
    so the same submissions always give the same report."""
    seen, kept = set(), []
    for p in sorted(pairs, key=lambda p: (p.a > p.b, p.a, p.b)):
        key = frozenset((p.a, p.b))
        if key not in seen:
            seen.add(key)
            kept.append(p)
    return kept


def _keep_earlier(path: Path) -> str:
    if not path.exists():
        return ""
    history = path.parent / "history"
    history.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    saved, n = history / f"{path.stem}-{stamp}{path.suffix}", 1
    while saved.exists():
        n += 1
        saved = history / f"{path.stem}-{stamp}-{n}{path.suffix}"
    path.replace(saved)
    return f"the earlier {path.name} is saved as {saved}"


CSV_COLUMNS = ["student_a", "student_b", "share_a", "share_b", "common_characters"]


def _write_csv(path: Path, result: Result) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for p in [*result.pairs, *result.reference]:
            writer.writerow([p.a, p.b, f"{p.share_a:.2f}", f"{p.share_b:.2f}", p.tokens])


def summary(result: Result, threshold: float) -> list[str]:
    lines = [
        f"compared the answers of {len(result.compared)} submission(s) with each other and with the reference "
        f"solution (threshold {threshold:.0%}): {len(result.pairs)} pair(s) alike, {len(result.reference)} "
        "near-copy(ies) of the reference solution"
    ]
    if result.not_compared:
        lines.append(
            f"not compared: {len(result.not_compared)} submission(s): "
            + "; ".join(f"{sid} ({why})" for sid, why in list(result.not_compared.items())[:30])
        )
    lines += [f"warning: {note}" for note in result.notes]
    lines.append(f"report: {result.html} (and {result.csv.name}); review each pair before concluding anything")
    return lines


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; background: #fff; }
table { border-collapse: collapse; margin: 1rem 0; } td, th { border: 1px solid #999; padding: .3rem .6rem; }
th { background: #eee; } .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
pre { background: #f6f6f6; padding: .6rem; overflow-x: auto; font-size: .85rem; border: 1px solid #ccc; }
.highlight-red { background: #ffd0d0; } .highlight-green { background: #c8f0c8; }
@media (prefers-color-scheme: dark) {
  body { color: #e6e6e6; background: #161616; } th { background: #333; } pre { background: #222; border-color: #555; }
  .highlight-red { background: #6b2020; } .highlight-green { background: #1f5a1f; }
}
"""


def _pair_section(p: Pair, index: str) -> str:
    b = html.escape(p.b)
    return (
        f'<section id="{index}"><h3>{html.escape(p.a)} and {b}</h3>'
        f"<p>{p.share_a:.0%} of {html.escape(p.a)}'s answer code is in {b}'s; {p.share_b:.0%} of {b}'s is in "
        f"{html.escape(p.a)}'s ({p.tokens} characters in common, names and literals abstracted).</p>"
        f'<div class="pair"><div><h4>{html.escape(p.a)}</h4><pre>{p.code_a}</pre></div>'
        f"<div><h4>{b}</h4><pre>{p.code_b}</pre></div></div></section>"
    )


def report_html(assignment: str, result: Result, threshold: float) -> str:
    """One self-contained page (no script, nothing loaded): the tables, then each pair's code side
    by side with the shared parts marked. copydetect escapes the code it marks."""

    def table(pairs: list[Pair], prefix: str) -> str:
        if not pairs:
            return "<p>None.</p>"
        rows = "".join(
            f'<tr><td><a href="#{prefix}{i}">{html.escape(p.a)}</a></td><td>{html.escape(p.b)}</td>'
            f"<td>{p.share_a:.0%}</td><td>{p.share_b:.0%}</td><td>{p.tokens}</td></tr>"
            for i, p in enumerate(pairs)
        )
        return (
            "<table><tr><th>student</th><th>alike</th><th>share of the first's code</th>"
            f"<th>share of the second's</th><th>characters in common</th></tr>{rows}</table>"
        )

    not_compared = "".join(
        f"<li>{html.escape(sid)}: {html.escape(why)}</li>" for sid, why in result.not_compared.items()
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in result.notes)
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Similarity: {html.escape(assignment)}</title><style>{_STYLE}</style></head><body><main>",
        f"<h1>Similar answers in {html.escape(assignment)}</h1>",
        f"<p>{len(result.compared)} submission(s) compared by their answer code only (the handed-out notebook's "
        f"code left out), with copydetect; a pair is listed when at least {threshold:.0%} of either student's "
        "answer code is in the other's. Alike is not proof: short answers to one exercise often look the same. "
        "Review the code below before concluding anything.</p>",
        "<h2>Pairs of students</h2>",
        table(result.pairs, "pair"),
        "<h2>Near-copies of the reference solution</h2>",
        "<p>The reference solutions are public (<code>solutions/</code>): these answers are largely the same code.</p>",
        table(result.reference, "ref"),
    ]
    if not_compared:
        parts += ["<h2>Not compared</h2>", f"<ul>{not_compared}</ul>"]
    if notes:
        parts += ["<h2>Not read from the submissions</h2>", f"<ul>{notes}</ul>"]
    if result.pairs or result.reference:
        parts.append("<h2>The code, side by side</h2>")
        parts += [_pair_section(p, f"pair{i}") for i, p in enumerate(result.pairs)]
        parts += [_pair_section(p, f"ref{i}") for i, p in enumerate(result.reference)]
    parts.append("</main></body></html>\n")
    return "\n".join(parts)
