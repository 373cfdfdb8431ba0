"""Command line of the course's online side (:mod:`losscourse.site`), until ``losscourse`` has one CLI::

python -m losscourse.launch notebooks            # write book/_notebooks/*.ipynb
python -m losscourse.launch notebooks --check    # exit 1 if one is missing or stale (tests run this)
python -m losscourse.launch install-cell solutions/*/*.ipynb   # add/refresh the install cell
python -m losscourse.launch links exercises/01-likelihood/likelihood.ipynb
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from losscourse.site import links, twins


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m losscourse.launch", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("notebooks", help="write the chapters' notebook twins into book/_notebooks/")
    p.add_argument("--check", action="store_true", help="only check; exit 1 if one is missing or stale")
    p = sub.add_parser("install-cell", help="add or refresh the install cell of notebooks (e.g. solutions/*/*.ipynb)")
    p.add_argument("paths", nargs="+", type=Path)
    p = sub.add_parser("links", help="print the launch links of a file of the repository")
    p.add_argument("path")
    args = parser.parse_args(argv)
    if args.command == "notebooks":
        if args.check:
            stale = twins.stale_notebooks()
            for path in stale:
                print(f"{path} is missing or stale: run python -m losscourse.launch notebooks", file=sys.stderr)
            return 1 if stale else 0
        for path in twins.write_notebooks():
            print(path)
        return 0
    if args.command == "install-cell":
        for path in args.paths:
            print(f"{path}: {'updated' if links.add_install_cell(path) else 'already current'}")
        if any("solutions" in Path(p).parts for p in args.paths):
            print("Now regenerate the student versions: losscourse release")
        return 0
    launch = links.settings()
    print(json.dumps({"github": launch.repo.blob(args.path), **launch.links(args.path)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
