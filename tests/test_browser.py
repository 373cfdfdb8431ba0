"""The built book in a real browser: every page loads cleanly, with typeset math and working links.

The book is served on localhost and opened in Debian's Chromium, driven by Playwright (PyPI),
with the flags this machine needs (no background networking: the network is closed). Each page
fails on untypeset math, a broken image, an image without alt text, a dead internal link or
anchor, or a console error. A screenshot of every page is saved under ``_build/screenshots/``
for a human to look at. Without Chromium the tests are skipped with a message saying how to
install it (``.ci/run`` installs it).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
SCREENSHOTS = Path(__file__).resolve().parent.parent / "_build" / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it"
)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site(built_book):
    handler = functools.partial(_Quiet, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", built_book
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def _pages(root: Path) -> list[str]:
    skip = {"genindex.html", "search.html", "py-modindex.html"}
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*.html")
        if p.name not in skip and "_static" not in p.parts and "_sources" not in p.parts
    )


def _visit(browser, url: str) -> dict:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(url, wait_until="networkidle")
    has_mathjax = page.evaluate("typeof window.MathJax !== 'undefined' && !!window.MathJax.startup")
    if has_mathjax:
        page.evaluate("MathJax.startup.promise")
    info = page.evaluate("""() => ({
        untypeset: Array.from(document.querySelectorAll('.math')).filter(e => !e.querySelector('mjx-container'))
                        .map(e => e.textContent.slice(0, 80)),
        raw_tex: document.body.innerText.match(/\\\\\\(|\\\\\\[|\\$\\$/g) || [],
        broken_images: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
        no_alt: Array.from(document.images).filter(i => !i.hasAttribute('alt')).map(i => i.src),
        links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
        ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
        title: document.title,
    })""")
    info["errors"], info["failed"], info["page"] = errors, failed, page
    return info


@pytest.fixture(scope="module")
def visited(site, browser):
    base, root = site
    results = {}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for rel in _pages(root):
        info = _visit(browser, urljoin(base, rel))
        info["page"].screenshot(
            path=str(SCREENSHOTS / (rel.replace("/", "_").removesuffix(".html") + ".png")), full_page=False
        )
        info["page"].close()
        del info["page"]
        results[rel] = info
    return results


def test_every_page_is_visited(site, visited):
    assert {"index.html", "book/01-likelihood.html", "book/bibliography.html"} <= set(visited)


def test_no_page_shows_raw_or_untypeset_math(visited):
    for rel, info in visited.items():
        assert not info["untypeset"], f"{rel}: math left untypeset: {info['untypeset'][:3]}"
        assert not info["raw_tex"], f"{rel}: raw TeX delimiters visible: {info['raw_tex'][:3]}"


def test_no_console_error_or_failed_request(visited):
    for rel, info in visited.items():
        assert not info["errors"], f"{rel}: console errors {info['errors'][:3]}"
        assert not info["failed"], f"{rel}: failed requests {info['failed'][:3]}"


def test_images_load_and_have_alt_text(visited):
    for rel, info in visited.items():
        assert not info["broken_images"], f"{rel}: broken images {info['broken_images'][:3]}"
        assert not info["no_alt"], f"{rel}: images without alt text {info['no_alt'][:3]}"


def test_internal_links_and_anchors_resolve(site, visited):
    base, root = site
    ids = {rel: set(info["ids"]) for rel, info in visited.items()}
    dead = []
    for rel, info in visited.items():
        for href in info["links"]:
            if not href.startswith(base):
                continue
            target, fragment = urldefrag(href)
            path = unquote(urlparse(target).path).lstrip("/") or "index.html"
            if path.endswith("/"):
                path += "index.html"
            if not (root / path).is_file():
                dead.append(f"{rel} -> {href}")
            elif fragment and path in ids and fragment not in ids[path]:
                dead.append(f"{rel} -> {href} (no such anchor)")
    assert not dead, f"{len(dead)} dead internal link(s): {dead[:5]}"


def test_screenshots_are_saved_for_every_chapter(visited):
    for rel in visited:
        if rel.startswith("book/"):
            shot = SCREENSHOTS / (rel.replace("/", "_").removesuffix(".html") + ".png")
            assert shot.is_file() and shot.stat().st_size > 10_000, f"no screenshot of {rel}"
