"""Sphinx extension: the book's navigation works and its markup passes axe-core's WCAG 2.0/2.1 A and AA rules.

What the themes (sphinx-book-theme 1.3 with pydata-sphinx-theme 0.17), docutils and MyST-NB get wrong,
fixed by a theme option, two templates (``book/_templates``), two node visitors, a script and a
stylesheet (``book/_static``); no rule is switched off. tests/test_browser.py clicks the controls at
desktop and phone width and runs axe-core on every page in light and dark mode.

- **No top bar.** pydata-sphinx-theme 0.17 sets ``navbar_persistent`` to its search field whenever the
  project's theme options do not name that key (overriding sphinx-book-theme's empty default), and a
  non-empty navbar renders a header of its own: an empty 64 px bar with a second search box and hidden
  copies of the ☰ and contents buttons. Both themes' scripts bind
  ``document.querySelector(".primary-toggle")`` (and ``.secondary-toggle``), which found the hidden
  copies, so the visible buttons did nothing. Naming ``navbar_persistent`` empty removes that header:
  the first match is the visible button again, and the sidebar's search field is the only one.
- **Buttons are named by what they show** (axe: ``label-content-name-mismatch``, WCAG 2.5.3, Label in
  Name). The theme's search field is labelled "Search" but shows "Search Ctrl+K":
  ``book/_templates/search-button-field.html`` leaves its name to the visible text. The colour-mode
  button, "Color mode", held icons titled "Light", "Dark", "System Settings":
  ``book/_templates/theme-switcher.html`` makes them decorative. MyST-NB's "Show code cell source"
  toggles were labelled "Toggle hidden content": their name is now the visible prompt.
- **Reference lists are lists.** docutils writes each citation as ``role="doc-biblioentry"`` inside
  ``role="list"``; DPUB-ARIA 1.1 deprecates that role (axe: ``aria-deprecated-role``) and so a list of
  them has no list items (``aria-required-children``, critical). The citations become ``listitem``.
- **The phone's contents dialog closes on a link.** On narrow screens the chapter list and the page's
  contents open as modal dialogs; a section link scrolled the page behind the still open dialog.
  ``book/_static/sidebar-dialogs.js`` closes the dialog when a link in it is followed.
- **Pages reflow to a phone** (WCAG 1.4.10, Reflow; issue #21). At 390 px long inline code, signatures
  and field lists widened the page (Sphinx keeps each ``span.pre`` on one line), and the generated
  index's table too. ``book/_static/reflow.css`` lets them wrap and the index scroll in its own box;
  display equations and tables that are wider than the column scroll in their own box (the theme's
  ``overflow-x: auto``) and show a shadow on the side where more is hidden.
- **Search results are legible in dark mode.** ``book/_static/a11y.css``: a highlighted search term in
  a result's title had 2.1:1 contrast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

BOOK = Path(__file__).resolve().parent.parent / "book"
TEMPLATES = BOOK / "_templates"  # search-button-field.html, theme-switcher.html
STATIC = BOOK / "_static"  # sidebar-dialogs.js, a11y.css, reflow.css


def _configure(app: Any, config: Any) -> None:
    options = config.html_theme_options
    if options is None:
        options = config.html_theme_options = {}
    options.setdefault("navbar_persistent", [])
    if str(TEMPLATES) not in config.templates_path:
        config.templates_path.insert(0, str(TEMPLATES))
    if str(STATIC) not in config.html_static_path:
        config.html_static_path.append(str(STATIC))


def visit_citation(self: Any, node: Any) -> None:
    """A citation as an item of a list (docutils: the deprecated ``doc-biblioentry`` role)."""
    if not isinstance(node.previous_sibling(), type(node)):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


def depart_citation(self: Any, node: Any) -> None:
    self.body.append("</div>\n")
    if not isinstance(node.next_node(descend=False, siblings=True), type(node)):
        self.body.append("</div>\n")


def visit_hidden_cell_input(self: Any, node: Any) -> None:
    """MyST-NB's folded code cell (``hide-input``), named by its visible prompt ("Show code cell source"):
    MyST-NB's ``aria-label="Toggle hidden content"`` named it by something it does not show."""
    from html import escape

    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def depart_hidden_cell_input(self: Any, node: Any) -> None:
    self.body.append("</details>\n")


def setup(app: Any) -> dict[str, Any]:
    from docutils import nodes
    from myst_nb.sphinx_ import HideCodeCellNode

    app.setup_extension("myst_nb")  # its node visitors first, so that ours replace them
    app.connect("config-inited", _configure)
    app.add_node(nodes.citation, override=True, html=(visit_citation, depart_citation))
    app.add_node(HideCodeCellNode, override=True, html=(visit_hidden_cell_input, depart_hidden_cell_input))
    app.add_js_file("sidebar-dialogs.js", defer="defer")
    app.add_css_file("a11y.css")
    app.add_css_file("reflow.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
