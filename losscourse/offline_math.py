"""Sphinx extension: typeset the book's equations with a bundled MathJax, no network needed
(and keep each page's script tags free of duplicates).

MathJax 3 comes from the PyPI package ``sphinx-mathjax-offline`` (it carries the
files; we do not use its own hook, which copies all 24 MB). After a successful
build we copy only what the pages load: the ``tex-mml-chtml`` bundle, the TeX
extensions MathJax autoloads (``\\boldsymbol``...), the CHTML fonts, the menu and
the assistive-MathML module, about 3 MB, into ``_static/mathjax/``. The files are
copied into the *output* folder: a ``_static/`` folder in the book's sources would
make Jupyter Book add a script tag per ``.js`` file and load MathJax twice.
"""

from __future__ import annotations

import shutil
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

ENTRY = "tex-mml-chtml.js"
PARTS = (ENTRY, "input/tex/extensions", "output/chtml/fonts/woff-v2", "ui", "a11y", "adaptors")


def mathjax_source() -> Path:
    """Folder of the MathJax 3 distribution shipped by ``sphinx-mathjax-offline``."""
    try:
        dist = distribution("sphinx-mathjax-offline")
    except PackageNotFoundError:
        raise RuntimeError(
            "sphinx-mathjax-offline is not installed; it carries the MathJax files the book "
            "bundles. Install the course's dependencies: pip install -e '.[course]'"
        ) from None
    folder = Path(str(dist.locate_file("sphinx-mathjax-offline/static/mathjax")))
    if not (folder / ENTRY).is_file():
        raise RuntimeError(f"MathJax's {ENTRY} is missing from {folder}")
    return folder


def copy_mathjax(target: Path) -> Path:
    """Copy what a page loads (:data:`PARTS`, about 3 MB) into ``target``; a page loads
    ``target/tex-mml-chtml.js``. Also used for the grader's feedback pages."""
    source = mathjax_source()
    for part in PARTS:
        src, dst = source / part, target / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    return target


def _copy(app: Any, exc: Exception | None) -> None:
    if exc is not None or app.builder.format != "html":
        return
    copy_mathjax(Path(app.outdir) / "_static" / "mathjax")


def _dedupe_scripts(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Drop repeated script tags: sphinx-thebe registers its inline configuration once per
    ``env-before-read-docs`` event, which a Jupyter Book build fires twice, and a page that
    declares ``const THEBE_JS_URL`` twice stops with a JavaScript error."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # the same inline script comes once with filename None and once with "": one key for both
        key = (getattr(script, "filename", str(script)) or "", repr(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app: Any) -> dict[str, Any]:
    mathjax_source()  # fail early, with the fix, if the files are missing
    # A relative mathjax_path is relative to _static/.
    app.config.mathjax_path = f"mathjax/{ENTRY}"
    app.connect("build-finished", _copy)
    # Early: html-page-context stops at the first handler that returns a template name.
    app.connect("html-page-context", _dedupe_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
