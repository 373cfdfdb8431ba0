"""The book's search (issue #21): pages that teach a term before the bibliography, snippets without TeX.

Sphinx scores a page by where the term occurs. For "huber" the bibliography (where every loss is in a
source's title) and the chapter that teaches it scored alike, and the bibliography came first:
``search_scorer.js`` (Sphinx's ``html_search_scorer``) keeps Sphinx's scores and lowers the
bibliography's by more than a title match. Result snippets quote the page's text as served, where
formulas are still TeX for MathJax (``\\(\\psi = \\rho'\\)``): ``book/_static/search-snippets.js``,
loaded on the search page, drops them from the quoted text. tests/test_browser.py searches "huber".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCORER = Path(__file__).resolve().parent / "search_scorer.js"


def _scorer(app: Any, config: Any) -> None:
    if not config.html_search_scorer:
        config.html_search_scorer = str(SCORER)


def _snippets(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if pagename == "search":
        app.add_js_file("search-snippets.js", defer="defer")  # book/_static (losscourse.a11y publishes it)


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", _scorer)
    app.connect("html-page-context", _snippets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
