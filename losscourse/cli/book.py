"""The commands of the book and its notebooks: ``book``, ``notebooks``, ``install-cell``, ``links``."""

from __future__ import annotations

import sys
from pathlib import Path


def _book_parser(sub) -> None:
    p = sub.add_parser(
        "book",
        help="build the HTML book and its PDF into _build/",
        description="Build the HTML book into _build/html/ (and the PDF of every page), re-executing only the "
        "pages whose code, or the repository code they ran, changed. The chapters' notebook twins are "
        "regenerated first. Warnings are errors.",
    )
    p.add_argument("--out", type=Path, help="build folder, named _build (default: ./_build)")
    p.add_argument("--all", action="store_true", help="re-read every page")
    p.set_defaults(run=_book)


def _book(args) -> int:
    from .. import book

    return book.make_book(args.out or book.ROOT / "_build", force_all=args.all)


def _notebooks_parser(sub) -> None:
    p = sub.add_parser(
        "notebooks",
        help="write the chapters' notebook twins in book/_notebooks/",
        description="Write book/_notebooks/NN-topic.ipynb, each chapter as a notebook without outputs and "
        "with the install cell first: what the launch buttons (Colab, Binder) open. losscourse book "
        "does it too.",
    )
    p.add_argument("--check", action="store_true", help="only check; exit 1 if one is missing or stale")
    p.set_defaults(run=_notebooks)


def _notebooks(args) -> int:
    from ..site import twins

    if args.check:
        stale = twins.stale_notebooks()
        for path in stale:
            print(f"{path} is missing or stale: run losscourse notebooks", file=sys.stderr)
        return 1 if stale else 0
    for path in twins.write_notebooks():
        print(path)
    return 0


def _install_cell_parser(sub) -> None:
    p = sub.add_parser(
        "install-cell",
        help="add or refresh the install cell of notebooks",
        description="Add the install cell (losslib[student] at this release, for Colab) as the first cell of "
        "each notebook, or bring it up to date. After changing solutions/, run losscourse release.",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="NOTEBOOK", help="e.g. solutions/*/*.ipynb")
    p.set_defaults(run=_install_cell)


def _install_cell(args) -> int:
    from ..site import links

    for path in args.paths:
        print(f"{path}: {'updated' if links.add_install_cell(path) else 'already current'}")
    if any("solutions" in path.parts for path in args.paths):
        print("Now regenerate the student versions: losscourse release")
    return 0


def _links_parser(sub) -> None:
    p = sub.add_parser(
        "links",
        help="print a file's launch links (GitHub, Colab, Binder)",
        description="Print, as JSON, the links that open a file of the repository on GitHub, Colab, Binder "
        "and a JupyterHub (from repository.url in _config.yml).",
    )
    p.add_argument("path", help="a file of the repository, e.g. exercises/01-likelihood/likelihood.ipynb")
    p.set_defaults(run=_links)


def _links(args) -> int:
    import json

    from ..site import links

    where = links.settings()
    print(json.dumps({"github": where.repo.blob(args.path), **where.links(args.path)}, indent=2))
    return 0
