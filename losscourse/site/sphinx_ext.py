"""The Sphinx extension that puts the course's links on the book's pages (``sphinx.extra_extensions``
in ``_config.yml``).

- Chapters' launch buttons open their notebook twin (:mod:`losscourse.site.twins`), and their
  ".ipynb" download starts with the install cell; other pages get neither launch buttons nor an
  ".ipynb" download. The theme (sphinx-book-theme) makes the buttons; this extension re-points them,
  found by their label.
- The directive ``assignment-list`` lists the released assignments on ``book/exercises.md``, each
  with its download and launch links.
- The role ``chapter`` links a chapter if it is in the book, and names it "(in preparation)" if not.
- The explorer's script and style are served on its page only; ``{{ course_version }}`` and
  ``{{ repository_link }}`` are MyST substitutions.
- Every image opens full size when clicked (:mod:`losscourse.site.figure_links`).
- The search ranks the pages that teach a term above the bibliography, and its snippets show no TeX
  (:mod:`losscourse.site.search`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from losscourse.assignments import released

from .links import CONFIG, LABELS, ROOT, Launch, settings, version
from .twins import CHAPTER, TITLE_TARGET, chapters, downloadable, notebook_path

STATIC = ROOT / "book" / "_static"  # the explorer's script and style (served on its page only)


def _launch_from_theme(app: Any) -> Launch:
    """The launch settings as Jupyter Book passed them to the theme (from _config.yml)."""
    opts = app.config.html_theme_options or {}
    buttons = opts.get("launch_buttons") or {}
    return settings(
        {
            "repository": {"url": opts.get("repository_url", ""), "branch": opts.get("repository_branch", "")},
            "launch_buttons": buttons,
        }
    )


def _header_buttons(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Chapters launch their notebook twin, and their .ipynb download starts with the install cell;
    other pages get no launch buttons and no .ipynb download."""
    buttons = context.get("header_buttons")
    if buttons is None:
        return
    is_chapter = bool(CHAPTER.match(pagename)) and pagename in chapters()
    if is_chapter and context.get("ipynb_source"):  # copied there by the theme (priority 501), executed
        downloadable(Path(app.outdir) / "_sources" / context["ipynb_source"], Path(app.srcdir))
    for group in list(buttons):
        if group.get("label") == "launch-buttons":
            if not is_chapter:
                buttons.remove(group)
                continue
            launch = _launch_from_theme(app)
            path = notebook_path(pagename)
            by_text = {LABELS[p]: url for p, url in launch.links(path).items()}
            for button in group["buttons"]:
                if button.get("text") in by_text:
                    button["url"] = by_text[button["text"]]
        elif group.get("label") == "download-buttons" and not is_chapter:
            group["buttons"] = [b for b in group["buttons"] if b.get("label") != "download-notebook-button"]
    if pagename == "book/explorer":
        app.add_js_file("explorer.js", defer="defer")
        app.add_css_file("explorer.css")


def _chapter_role(name, rawtext, text, lineno, inliner, options=None, content=None):  # noqa: ARG001
    """``{chapter}`Title <04-embeddings>``: a link to the chapter if it is in the book, else the
    title in italics with "(in preparation)", so pages can name chapters being written."""
    from docutils import nodes
    from sphinx import addnodes

    match = TITLE_TARGET.match(text)
    title, target = (match.group(1), match.group(2)) if match else (text, text)
    env = inliner.document.settings.env
    docname = target if target.startswith("book/") else f"book/{target}"
    if docname in env.found_docs:
        ref = addnodes.pending_xref(
            rawtext, refdomain="std", reftype="doc", reftarget=f"/{docname}", refexplicit=True, refwarn=True
        )
        ref["refdoc"] = env.docname
        ref += nodes.inline(rawtext, title, classes=["xref", "std", "std-doc"])
        return [ref], []
    return [nodes.emphasis(rawtext, title), nodes.Text(" (in preparation)")], []


def _assignment_list_directive() -> Any:
    from docutils import nodes
    from sphinx import addnodes
    from sphinx.util.docutils import SphinxDirective

    class AssignmentList(SphinxDirective):
        """One section per assignment in ``exercises/``: download, Colab, Binder, JupyterHub, GitHub."""

        has_content = False

        def run(self) -> list[Any]:
            launch = _launch_from_theme(self.env.app)
            self.env.note_dependency(str(CONFIG))
            out: list[Any] = []
            found = released()
            if not found:
                return [nodes.paragraph(text="No assignment is released yet.")]
            for a in found:
                self.env.note_dependency(str(ROOT / a.path))
                section = nodes.section(ids=[f"exercise-{a.id}"], names=[f"exercise-{a.id}"])
                section["classes"].append("assignment")
                section += nodes.title(text=a.title)
                self.state.document.note_explicit_target(section)
                about = nodes.paragraph()
                chapter = next((d for d in self.env.found_docs if re.match(rf"book/{a.number}-", d)), None)
                about += nodes.Text(f"Assignment {a.id}: {a.tasks} graded tasks, {a.points:g} points. ")
                if chapter:
                    about += nodes.Text("It goes with the chapter ")
                    ref = addnodes.pending_xref(
                        "", refdomain="std", reftype="doc", reftarget=f"/{chapter}", refexplicit=False
                    )
                    ref["refdoc"] = self.env.docname
                    ref += nodes.inline("", chapter, classes=["xref", "std", "std-doc"])
                    about += ref
                    about += nodes.Text(".")
                section += about
                items = nodes.bullet_list(classes=["assignment-links"])

                def item(*children: Any, items: Any = items) -> None:
                    para = nodes.paragraph()
                    for child in children:
                        para += child
                    items.append(nodes.list_item("", para))

                download = addnodes.download_reference(
                    "", "", reftarget=f"/{a.path}", refdoc=self.env.docname, refexplicit=True
                )
                download += nodes.literal(text=a.filename)
                download["classes"].append("assignment-download")
                item(nodes.Text("Download the notebook: "), download, nodes.Text(" (the student version)"))
                for provider, url in launch.links(a.path).items():
                    ref = nodes.reference("", f"Open in {LABELS[provider]}", refuri=url)
                    ref["classes"] += ["assignment-launch", f"launch-{provider}"]
                    item(ref)
                github = nodes.reference("", "View it on GitHub", refuri=launch.repo.blob(a.path))
                github["classes"] += ["assignment-launch", "launch-github"]
                item(github)
                section += items
                check = nodes.paragraph()
                if a.uses_check:
                    check += nodes.Text("Check your work: run the test cell under each answer (")
                    check += nodes.literal(text='check("task")')
                    check += nodes.Text("); the last cell, ")
                    check += nodes.literal(text="check()")
                    check += nodes.Text(", lists every task as passed, failed (and why) or not done yet.")
                else:
                    check += nodes.Text(
                        "Check your work: run the test cell under each answer; it says what went wrong, "
                        "without giving the answer away."
                    )
                section += check
                out.append(section)
            return out

    return AssignmentList


def _static_path(app: Any, config: Any) -> None:
    path = str(STATIC)
    if STATIC.is_dir() and path not in config.html_static_path:
        config.html_static_path.append(path)
    # {{ course_version }} and {{ repository_link }} in the pages: from losslib and _config.yml.
    subs = dict(getattr(config, "myst_substitutions", None) or {})
    subs.setdefault("course_version", version())
    url = (config.html_theme_options or {}).get("repository_url", "")
    if url:
        subs.setdefault("repository_link", f"[{url}]({url})")
    config.myst_substitutions = subs


def _reread_on_new_pages(app: Any, env: Any, added: set, changed: set, removed: set) -> list[str]:
    """Pages that link chapters if they exist ({chapter} role, assignment list) are re-read when
    pages come or go, so an incremental build links a chapter as soon as it is in the book."""
    if added or removed:
        return [d for d in ("book/index", "book/exercises") if d in env.found_docs]
    return []


def setup(app: Any) -> dict[str, Any]:
    app.setup_extension("losscourse.site.figure_links")
    app.setup_extension("losscourse.site.search")
    app.connect("config-inited", _static_path)
    app.connect("env-get-outdated", _reread_on_new_pages)
    # After the theme's handlers (priority 501), which make the buttons.
    app.connect("html-page-context", _header_buttons, priority=600)
    app.add_role("chapter", _chapter_role)
    app.add_directive("assignment-list", _assignment_list_directive())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
