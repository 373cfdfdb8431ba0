"""How long ``make book`` takes: cold, after a one-line text change, after a losslib change.

Works on a scratch copy of the repository (the real ``_build`` is never touched) and builds it
with :func:`losscourse.book.build` (what ``make book`` runs, warnings as errors), three times
or more:

1. cold: an empty build folder, every page executed;
2. a one-line text change in a chapter (``--text-page``): the page is re-read from the cache;
3. a change in the body of one losslib function (``--touch FILE:FUNCTION``, a ``pass`` added at
   the end of its body, which changes its syntax tree but not what it computes): only the pages
   whose kernels ran that function re-execute;
4. optionally (``--docstring``) a change in that function's docstring, which every page that
   imports the module depends on.

Prints the seconds of each build, CPU seconds of the build and its kernels, and the pages that
re-executed. The machine's load average is printed too: on a shared machine, compare runs made
side by side.

    python benchmarks/bench_book.py [--touch losslib/regression/huber_like.py:huber] [--extra-pages book/04-embeddings ...]
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from losscourse import book  # noqa: E402

ROOT = book.ROOT
COPY_IGNORE = shutil.ignore_patterns(
    ".venv", "_build", ".git", "grading", "__pycache__", ".pytest_cache", ".hypothesis", "*.egg-info", "node_modules"
)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scratch_copy(dest: Path, extra_pages: list[str]) -> Path:
    repo = dest / "repo"
    shutil.copytree(ROOT, repo, ignore=COPY_IGNORE, symlinks=True)
    if extra_pages:
        toc = (repo / "_toc.yml").read_text()
        lines = "".join(f"      - file: {page}\n" for page in extra_pages)
        # after the last chapter of the first part
        toc = re.sub(r"(      - file: book/03-classification\n)", r"\1" + lines.replace("\\", "\\\\"), toc, count=1)
        (repo / "_toc.yml").write_text(toc)
    return repo


def touch_body(path: Path, function: str) -> None:
    """Append ``pass`` to the body of ``function`` (a change of its syntax tree, not of its result)."""
    source = path.read_text()
    tree = ast.parse(source)
    node = next(
        n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == function
    )
    lines = source.splitlines(keepends=True)
    indent = " " * node.body[-1].col_offset
    lines.insert(node.end_lineno, f"{indent}pass  # touched by bench_book.py\n")
    path.write_text("".join(lines))


def touch_docstring(path: Path, function: str) -> None:
    source = path.read_text()
    tree = ast.parse(source)
    node = next(
        n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == function
    )
    first = node.body[0]
    lines = source.splitlines(keepends=True)
    line = lines[first.lineno - 1]
    lines[first.lineno - 1] = line.replace('"""', '"""(touched) ', 1)
    path.write_text("".join(lines))


def text_change(page: Path) -> None:
    """Change one line of prose: the first paragraph line after the page's title."""
    lines = page.read_text().splitlines(keepends=True)
    title = next(i for i, line in enumerate(lines) if line.startswith("# "))
    for i in range(title + 1, len(lines)):
        if lines[i][:1].isalpha():
            lines[i] = lines[i].rstrip("\n") + " (Edited.)\n"
            break
    else:
        raise ValueError(f"no prose line after the title of {page}")
    page.write_text("".join(lines))


def timed_build(out: Path, repo: Path, label: str) -> dict:
    logs: list[str] = []
    cpu0, t0 = _cpu(), time.perf_counter()
    code = book.build(out, root=repo, log=logs.append)
    seconds, cpu = time.perf_counter() - t0, _cpu() - cpu0
    executed = []
    for line in logs:
        m = re.match(r"book: executed \d+ page\(s\): (.*)", line)
        if m:
            executed = m.group(1).split(", ")
    reasons = [line[len("book: ") :] for line in logs if line.startswith("book: re-executing")]
    sphinx = [line for line in logs if "every page is re-read" in line]
    print(
        f"{label:44s} {seconds:7.1f} s  (CPU {cpu:6.1f} s, load {os.getloadavg()[0]:4.1f})  exit {code}  "
        f"re-executed {len(executed)}: {', '.join(executed) or '-'}",
        flush=True,
    )
    for reason in reasons:
        print(f"{'':46s}{reason}")
    for line in sphinx:
        print(f"{'':46s}{line}")
    return {"label": label, "seconds": seconds, "cpu": cpu, "code": code, "executed": executed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--touch", default="losslib/regression/huber_like.py:huber", help="FILE:FUNCTION whose body to change"
    )
    parser.add_argument("--text-page", default="book/02-regression.md", help="chapter whose text to change")
    parser.add_argument("--extra-pages", nargs="*", default=[], help="pages to add to the scratch _toc.yml")
    parser.add_argument("--docstring", action="store_true", help="also change the function's docstring")
    parser.add_argument("--noop", action="store_true", help="also time a build with no change")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-book-"))
    try:
        repo = scratch_copy(tmp, args.extra_pages)
        out = repo / "_build"
        print(f"scratch copy: {repo}  (cores: {os.cpu_count()}, load: {os.getloadavg()})")
        results = [timed_build(out, repo, "cold build (empty _build)")]
        if args.noop:
            results.append(timed_build(out, repo, "no change"))
        text_change(repo / args.text_page)
        results.append(timed_build(out, repo, f"one-line text change in {args.text_page}"))
        rel, function = args.touch.split(":")
        touch_body(repo / rel, function)
        results.append(timed_build(out, repo, f"body of {function} ({rel}) changed"))
        if args.docstring:
            touch_docstring(repo / rel, function)
            results.append(timed_build(out, repo, f"docstring of {function} changed"))
        failed = [r["label"] for r in results if r["code"] != 0]
        if failed:
            print(f"FAILED builds: {failed}")
            return 1
        return 0
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
