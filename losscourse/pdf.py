"""The whole book as one PDF, printed from the built HTML by Chromium (issue #21).

``make book`` (:func:`losscourse.book.build`) calls :func:`write` after a successful HTML build:
every page of ``_toc.yml``, in its order, is opened in Debian's Chromium through Playwright (served
on localhost, as a reader sees it), MathJax is awaited so that the equations are typeset, and the
page is printed to PDF with the theme's print styles (no sidebars, no buttons) plus a few of ours
(folded code cells stay folded without their "Show code" prompt, code wraps instead of being cut,
wide tables shrink to the page). pypdf then merges the pages behind a title and contents page that
gives the page where each chapter starts, keeps Chromium's outline of each page (its sections) as
bookmarks under the page's title, and stamps continuous page numbers (printed by Chromium too, on blank pages).

Links between pages of the book cannot point anywhere in a PDF: they are printed as plain text;
links inside a page stay links, and links to other sites stay links.

Each page's print is kept in the build folder, ``_build/.pdf-pages/``, with the hashes of the
files it loaded (its HTML, style sheets, scripts, fonts, images) and of what printed it (this
module's code and Chromium's version): the next ``make book`` prints again only the pages for
which one of those changed (but for the search index, :data:`NOT_PRINTED`), and merges. After a one-line change in a chapter that is one page of
the thirteen, not the whole book.

No new system package: Chromium is what the browser tests use. Where it (or Playwright) is
missing, :func:`write` says so and returns None; the HTML book is built all the same.

The Sphinx side (:func:`setup`) adds "Whole book (.pdf)" to every page's download menu.
"""

from __future__ import annotations

import functools
import hashlib
import html
import http.server
import io
import json
import re
import shutil
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PDF_NAME = "loss-functions.pdf"  # at the root of the HTML build: _build/html/loss-functions.pdf
PAGE_CACHE = ".pdf-pages"  # in the build folder, next to html/: each page's print, and what it loaded
NOT_PRINTED = frozenset({"searchindex.js"})
"""Files every page loads that change nothing it prints: Sphinx's search index, the words of every
page, which each build that changes a page rewrites and which only the search box reads. Were it
in the pages' keys, a one-line change in one chapter would print every page again."""
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
MARGIN = {"top": "16mm", "bottom": "18mm", "left": "15mm", "right": "15mm"}

# Print styles added to the theme's own: folded cells print folded without their prompt, code wraps
# at the column, wide tables and equations shrink to fit, figures and equations are not split.
PRINT_CSS = """
@media print {
  html { font-size: 13px; }
  details.hide:not([open]) { display: none !important; }
  pre, pre code { white-space: pre-wrap !important; overflow-wrap: anywhere; }
  div.highlight, .cell_output pre { overflow: visible !important; }
  .table-wrapper, .pst-scrollable-table-container { overflow: visible !important; }
  table { font-size: 0.74em; width: 100% !important; table-layout: auto; }
  table td, table th { overflow-wrap: break-word; hyphens: auto; }
  table code.literal, table code.literal span.pre { overflow-wrap: anywhere !important; white-space: normal !important; }
  figure, img, mjx-container[display="true"] { break-inside: avoid; }
  mjx-container[display="true"] { overflow: visible !important; }
  h1, h2, h3, h4 { break-after: avoid; }
  .bd-article-container, .bd-article { max-width: none !important; }
  .prev-next-area, .bd-footer-article, .bd-footer, .footer-article-items { display: none !important; }
  a.headerlink { display: none !important; }
}
"""

# Same-site links lead nowhere in a PDF: within the page they become fragments (PDF links), to other
# pages of the book they become plain text.
UNLINK_JS = """() => {
  for (const a of document.querySelectorAll('a[href]')) {
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) continue;
    if (url.pathname === location.pathname && url.hash) a.setAttribute('href', url.hash);
    else a.removeAttribute('href');
  }
  for (const d of document.querySelectorAll('details[open]')) d.open = true;
}"""


# The page's headings as its article shows them (without the "#" link): the bookmarks' titles.
HEADINGS_JS = """() => Array.from(document.querySelectorAll('article h1, article h2, article h3, article h4'))
  .map(h => { const c = h.cloneNode(true); c.querySelectorAll('.headerlink').forEach(a => a.remove());
              return c.textContent.replace(/\\s+/g, ' ').trim(); })"""


def toc_pages(root: Path = ROOT) -> list[str]:
    """The book's pages in the order of ``_toc.yml``, as paths of the HTML build (``book/x.html``)."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    docs = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries or []:
            if "file" in entry:
                docs.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return [f"{doc.removesuffix('.md')}.html" for doc in docs]


def chromium() -> str | None:
    """Debian's Chromium, or None."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def _contents_html(title: str, author: str, entries: list[tuple[str, int]]) -> str:
    rows = "\n".join(
        f'<li><span class="t">{html.escape(t)}</span><span class="dots"></span><span class="p">{p}</span></li>'
        for t, p in entries
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
 body {{ font-family: "DejaVu Sans", "Liberation Sans", sans-serif; color: #222; }}
 h1 {{ font-size: 26pt; margin: 30mm 0 4mm; }}
 .by {{ font-size: 13pt; color: #444; margin-bottom: 18mm; }}
 h2 {{ font-size: 16pt; }}
 ol {{ list-style: none; padding: 0; font-size: 12pt; }}
 li {{ display: flex; margin: 2.5mm 0; }}
 .dots {{ flex: 1; border-bottom: 1px dotted #888; margin: 0 2mm 1.2mm; }}
 .note {{ font-size: 10pt; color: #444; margin-top: 12mm; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="by">{html.escape(author)}</p>
<h2>Contents</h2>
<ol>{rows}</ol>
<p class="note">Printed from the HTML book on {date.today().isoformat()} by <code>make book</code>.
The HTML book is the reference edition: it has the interactive explorer, search, and links
between chapters; the PDF's bookmarks lead to every chapter and section.</p>
</body></html>"""


def _numbers_html(n: int) -> str:
    pages = "".join(f'<div class="pg"><span>{i}</span></div>' for i in range(1, n + 1))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><style>
 @page {{ size: A4; margin: 0; }}
 html, body {{ margin: 0; }}
 .pg {{ height: 297mm; position: relative; break-after: page; overflow: hidden; }}
 .pg span {{ position: absolute; bottom: 8mm; width: 100%; text-align: center;
            font: 9pt "DejaVu Sans", sans-serif; color: #444; }}
</style></head><body>{pages}</body></html>"""


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class PageCache:
    """The pages printed by earlier builds, each with the hashes of the files it loaded.

    A print is reused when every one of those files is unchanged and the printer is the same
    (``printer``: this module's code and Chromium's version); otherwise the page is printed again."""

    def __init__(self, html_dir: Path, printer: str) -> None:
        self.html_dir, self.printer = html_dir, printer
        self.folder = html_dir.parent / PAGE_CACHE
        try:
            self.index = json.loads((self.folder / "index.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.index = {}

    def _file(self, rel: str) -> Path:
        return self.folder / (hashlib.sha256(rel.encode()).hexdigest()[:24] + ".pdf")

    def get(self, rel: str) -> tuple[str, list[str], bytes] | None:
        """``(title, headings, pdf)`` of the page's earlier print, if it is current."""
        entry = self.index.get(rel)
        if not entry or entry.get("printer") != self.printer:
            return None
        if any(_digest(self.html_dir / name) != digest for name, digest in entry["files"].items()):
            return None
        try:
            return entry["title"], entry["headings"], self._file(rel).read_bytes()
        except OSError:
            return None

    def put(self, rel: str, title: str, headings: list[str], data: bytes, loaded: set[str]) -> None:
        """Keep a print, with the hashes of the page and of the files (paths in the build) it loaded,
        but for :data:`NOT_PRINTED`."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._file(rel).write_bytes(data)
        files = {name: _digest(self.html_dir / name) for name in sorted((loaded - NOT_PRINTED) | {rel})}
        self.index[rel] = {"printer": self.printer, "title": title, "headings": headings, "files": files}

    def save(self) -> None:
        tmp = self.folder / "index.json.tmp"
        tmp.write_text(json.dumps(self.index, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(self.folder / "index.json")


def _loaded_file(url: str, base: str, html_dir: Path) -> str | None:
    """The file of the build that a request of the page fetched (path relative to ``html_dir``)."""
    if not url.startswith(base):
        return None
    rel = url[len(base) :].split("#")[0].split("?")[0]
    return rel if rel and (html_dir / rel).is_file() else None


def write(html_dir: Path, root: Path = ROOT, log=print) -> Path | None:
    """Print the book in ``html_dir`` to ``html_dir / PDF_NAME``; the path, or None (and why) when
    Chromium or Playwright is missing."""
    browser_path = chromium()
    if browser_path is None:
        log("book: no PDF of the book: Chromium is not installed (Debian: apt-get install chromium); the HTML is built")
        return None
    try:
        from playwright.sync_api import sync_playwright
        from pypdf import PdfReader, PdfWriter
    except ImportError as exc:
        log(f"book: no PDF of the book: {exc.name} is missing (make book installs it); the HTML is built")
        return None
    import yaml

    start = time.monotonic()
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    pages = [rel for rel in toc_pages(root) if (html_dir / rel).is_file()]
    handler = functools.partial(_Quiet, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    printed: list[tuple[str, bytes]] = []
    reprinted: list[str] = []
    headings: list[list[str]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=browser_path, args=FLAGS)
            try:
                cache = PageCache(html_dir, _digest(Path(__file__)) + " " + browser.version)
                page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="light")
                loaded: set[str] = set()
                page.on("request", lambda request: loaded.add(request.url))

                for rel in pages:
                    kept = cache.get(rel)
                    if kept is not None:
                        title, shown, data = kept
                        printed.append((title, data))
                        headings.append(shown)
                        continue
                    loaded.clear()
                    page.goto(base + rel, wait_until="networkidle")
                    if page.evaluate("typeof window.MathJax !== 'undefined' && !!window.MathJax.startup"):
                        page.evaluate("MathJax.startup.promise")
                    title = page.evaluate(
                        "() => (document.querySelector('article h1') || {textContent: document.title})"
                        ".textContent.replace(/[#¶]/g, '').trim()"
                    )
                    headings.append(page.evaluate(HEADINGS_JS))
                    page.add_style_tag(content=PRINT_CSS)
                    page.evaluate(UNLINK_JS)
                    page.emulate_media(media="print")
                    data = page.pdf(format="A4", margin=MARGIN, print_background=True, outline=True, tagged=True)
                    printed.append((title, data))
                    page.emulate_media(media="screen")
                    files = {_loaded_file(url, base, html_dir) for url in loaded} - {None}
                    cache.put(rel, title, headings[-1], data, files)
                    reprinted.append(rel)
                cache.save()
                readers = [PdfReader(io.BytesIO(data)) for _, data in printed]
                counts = [len(reader.pages) for reader in readers]
                entries, at = [], 0
                for (title, _), n in zip(printed, counts):
                    entries.append((title, at))
                    at += n
                front = None
                for _ in range(2):  # the contents' own length shifts every page number
                    k = len(PdfReader(io.BytesIO(front)).pages) if front else 1
                    page.set_content(
                        _contents_html(
                            config["title"], config.get("author", ""), [(t, at + k + 1) for t, at in entries]
                        )
                    )
                    front = page.pdf(format="A4", margin=MARGIN)
                    if len(PdfReader(io.BytesIO(front)).pages) == k:
                        break
                total = len(PdfReader(io.BytesIO(front)).pages) + sum(counts)
                page.set_content(_numbers_html(total))
                numbers = PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))
            finally:
                browser.close()
    finally:
        server.shutdown()
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(front)), import_outline=False)
    writer.add_outline_item(title="Contents", page_number=0)
    for (title, _), reader, shown in zip(printed, readers, headings):
        first = len(writer.pages)
        writer.append(reader, import_outline=False)
        top = writer.add_outline_item(title=title, page_number=first)
        outline = reader.outline
        # Chromium's outline of a page: its h1 (the bookmark just made), then the sections under it.
        sections = outline[1] if len(outline) == 2 and isinstance(outline[1], list) else outline
        _copy_outline(writer, reader, sections, top, first, shown)
    for page_obj, number in zip(writer.pages, numbers.pages):
        page_obj.merge_page(number)
        page_obj.compress_content_streams()  # merging leaves the page's content uncompressed (2.3x the size)
    writer.add_metadata({"/Title": config["title"], "/Author": config.get("author", "")})
    writer.page_mode = "/UseOutlines"
    out = html_dir / PDF_NAME
    with open(out, "wb") as fh:
        writer.write(fh)
    kept = f", {len(pages) - len(reprinted)} of them as printed before" if len(reprinted) < len(pages) else ""
    log(
        f"book: wrote {out} ({len(writer.pages)} pages) in {time.monotonic() - start:.0f} s: printed "
        f"{len(reprinted)} of {len(pages)} page(s) of the book{kept}"
    )
    return out


def heading_title(bookmark: str, headings: list[str]) -> str:
    """The page's heading that Chromium's bookmark title stands for. Chromium joins a wrapped heading's
    lines without a space ("absoluteerror?") and repeats parts of some ("1.1. 1.1. LossesLosses"): the
    heading whose text, spaces aside, is the title, or else the longest one whose number starts the
    title and whose words end it; the title itself when no heading fits."""
    compact = "".join(bookmark.split())
    fits = []
    for heading in headings:
        number, words = re.match(r"((?:\d+\.)*)\s*(.*)", heading, re.S).groups()
        whole = "".join(heading.split())
        if whole == compact:
            return heading
        if compact.startswith(number) and compact.endswith("".join(words.split())):
            fits.append(heading)
    return max(fits, key=len) if fits else " ".join(bookmark.split())


def _copy_outline(writer: Any, reader: Any, items: list, parent: Any, offset: int, headings: list[str]) -> None:
    """Chromium's bookmarks of one printed page, nested as they are, under ``parent``, titled as the
    page's ``headings``."""
    last = parent
    for item in items:
        if isinstance(item, list):
            _copy_outline(writer, reader, item, last, offset, headings)
        elif " ".join(item.title.split()) == "Contents":  # the theme's printed list of the page's sections
            last = parent
        else:
            page = offset + reader.get_destination_page_number(item)
            title = heading_title(item.title, headings)
            last = writer.add_outline_item(title=title, page_number=page, parent=parent)


# --------------------------------------------------------------------------
# Sphinx extension: the download menu of every page offers the whole book
# --------------------------------------------------------------------------


def _download_button(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    for group in context.get("header_buttons") or []:
        if group.get("label") == "download-buttons":
            group["buttons"].append(
                {
                    "type": "link",
                    "url": context["pathto"](PDF_NAME, 1),
                    "text": "Whole book (.pdf)",
                    "tooltip": "Download the whole book as one PDF",
                    "icon": "fas fa-book",
                    "label": "download-book-pdf-button",
                }
            )


def setup(app: Any) -> dict[str, Any]:
    # After the theme's handlers (priority 501), which make the buttons.
    app.connect("html-page-context", _download_button, priority=610)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
