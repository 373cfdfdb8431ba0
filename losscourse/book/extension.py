"""The Sphinx extension of the book build (added to the configuration by
:func:`losscourse.book.make.build`, first): re-read the pages whose cache entries
:func:`losscourse.book.deps.invalidate` removed, tell each kernel which page it executes, and
record what Sphinx's own process runs from the repository (extensions, losslib for the API page).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .deps import ROOT
from .record import Recorder, install


def _deps_folder() -> Path | None:
    folder = os.environ.get("LOSSCOURSE_BOOK_DEPS")
    return Path(folder) if folder else None


def _page_started(app, docname: str, source: list[str]) -> None:
    os.environ["LOSSCOURSE_BOOK_PAGE"] = os.path.abspath(os.fspath(app.env.doc2path(docname)))


def _outdated(app, env, added, changed, removed) -> list[str]:
    folder = _deps_folder()
    try:
        names = json.loads((folder / "reread.json").read_text(encoding="utf-8")) if folder else []
    except (OSError, ValueError):
        names = []
    return [name for name in names if name in env.found_docs and name not in added and name not in changed]


_SPHINX_RECORDER: Recorder | None = None


def _sphinx_record(app, exception) -> None:
    if _SPHINX_RECORDER is not None:
        _SPHINX_RECORDER.write()


def setup(app) -> dict:
    """Set up the extension; it does nothing outside :func:`losscourse.book.make.build` (no deps folder)."""
    global _SPHINX_RECORDER
    folder = _deps_folder()
    if folder is not None:
        app.connect("source-read", _page_started)
        app.connect("env-get-outdated", _outdated)
        if _SPHINX_RECORDER is None:
            # What the Sphinx process runs from the repository (extensions, losslib for the API
            # page): modules loaded from now on are instrumented, those loaded before count whole.
            root = Path(os.environ.get("LOSSCOURSE_BOOK_ROOT", ROOT))
            _SPHINX_RECORDER = Recorder(root, folder / "sphinx.json", "<sphinx>")
            install(_SPHINX_RECORDER, audit=False)
        app.connect("build-finished", _sphinx_record)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
