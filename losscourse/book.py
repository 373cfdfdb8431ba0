"""Build the HTML book, never showing outputs computed with an older losslib.

Jupyter Book's execution cache keys each notebook on its own code only, so a
change in ``losslib`` would leave old outputs in place. We fingerprint the
sources the chapters import and, when the fingerprint changes, drop the
execution cache and Sphinx's saved environment, so every page is re-read and
re-executed. A failed build also forces the next build to re-read every page
(an incremental build would otherwise skip the unchanged, failing page).

Usage: ``python -m losscourse.book [--out DIR]`` (``make book`` runs it).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What chapter outputs depend on besides the chapters' own code.
FINGERPRINTED = ("losslib", "losscourse")


def fingerprint(root: Path = ROOT) -> str:
    """SHA-256 over the Python sources the chapters import."""
    h = hashlib.sha256()
    for folder in FINGERPRINTED:
        for path in sorted((root / folder).rglob("*.py")):
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def build(out: Path, *, strict: bool = True, force_all: bool = False) -> int:
    """Build the book into the folder ``out`` (named ``_build``; ``out/html`` holds the pages).

    Returns jupyter-book's exit code.
    """
    if out.name != "_build":
        raise ValueError(f"the build folder must be named _build (jupyter-book's rule), got {out}")
    out.mkdir(parents=True, exist_ok=True)
    stamp = out / ".losslib-fingerprint"
    ok_marker = out / ".last-build-ok"
    current = fingerprint()
    stale = not stamp.exists() or stamp.read_text() != current
    if stale:
        for cached in (out / ".jupyter_cache", out / ".doctrees"):
            shutil.rmtree(cached, ignore_errors=True)
    cmd = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(ROOT),
        "--builder",
        "html",
        "--path-output",
        str(out.parent),
    ]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    if force_all or not ok_marker.exists():
        cmd += ["--all"]
    ok_marker.unlink(missing_ok=True)
    code = subprocess.call(cmd, cwd=ROOT)
    if code == 0:
        stamp.write_text(current)
        ok_marker.touch()
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "_build", help="build folder, named _build (default: ./_build)"
    )
    parser.add_argument("--all", action="store_true", help="re-read every page")
    args = parser.parse_args(argv)
    code = build(args.out.resolve(), force_all=args.all)
    index = args.out.resolve() / "html" / "index.html"
    if code == 0:
        print(f"\nThe book is built. Open it in a browser: file://{index}")
    else:
        print("\nThe book build failed: see the messages above.", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
