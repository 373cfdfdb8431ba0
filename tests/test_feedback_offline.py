"""Feedback pages render their math offline (issue #19): they load MathJax from the copy the
grader puts beside them, once per run (not inlined into every page), and nothing from the network."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from losscourse.assignments import SOURCE, ScratchCourse
from losscourse.grader.run import grade

ASSIGNMENT = "01-likelihood"
NOTEBOOK = "likelihood.ipynb"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
FLAGS += ["--no-first-run", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    base = tmp_path_factory.mktemp("feedback")
    for student in ("ann", "ben"):
        (base / "subs" / student).mkdir(parents=True)
        shutil.copy(SOURCE / ASSIGNMENT / NOTEBOOK, base / "subs" / student / NOTEBOOK)
    with ScratchCourse() as course:
        grade(ASSIGNMENT, base / "subs", out=base / "out", jobs=1, timeout=5.0, root=course.root, log=lambda *a: None)
    return base / "out" / "feedback"


def references(page: str) -> list[str]:
    """Every resource a page loads: script and link targets, CSS imports and url()s."""
    found = re.findall(r"<script\b[^>]*\bsrc=[\"']([^\"']*)", page, re.I)
    found += re.findall(r"<link\b[^>]*\bhref=[\"']([^\"']*)", page, re.I)
    found += re.findall(r"@import\s+(?:url\()?[\"']?([^\"')\s;]+)", page, re.I)
    found += re.findall(r"url\(\s*[\"']?((?!data:)[^\"')\s]+)", page, re.I)
    found += re.findall(r"\bimport\(\s*[\"']([^\"']+)", page)
    return found


def test_feedback_pages_load_nothing_remote_and_mathjax_once(feedback):
    pages = sorted(feedback.glob("*.html"))
    assert [p.name for p in pages] == ["ann.html", "ben.html"]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        refs = references(html)
        assert "mathjax/tex-mml-chtml.js" in refs
        remote = [r for r in refs if re.match(r"^(?:[a-z][a-z0-9+.-]*:|//)", r, re.I)]
        assert remote == [], f"{page.name} loads {remote}"
        assert all((feedback / r).is_file() for r in refs), refs  # every reference resolves beside it
        assert "cdnjs" not in html and "require.min.js" not in html
        assert len(html) < 1_000_000  # MathJax (1.6 MB+) is referenced, not inlined
    mathjax = feedback / "mathjax"
    assert (mathjax / "tex-mml-chtml.js").stat().st_size > 1_000_000
    assert list((mathjax / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
def test_math_renders_in_a_browser_without_network(feedback):
    sync_api = pytest.importorskip("playwright.sync_api")
    page_file = feedback / "ann.html"
    assert re.search(r"\$[^$\n]+\$", page_file.read_text(encoding="utf-8")), "the page has no math to render"
    requested: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()

            def route(r):
                requested.append(r.request.url)
                return r.continue_() if r.request.url.startswith("file://") else r.abort()

            page.route("**/*", route)
            page.goto(page_file.as_uri())
            page.wait_for_selector("mjx-container", timeout=30_000)
            rendered = page.locator("mjx-container").count()
        finally:
            browser.close()
    assert rendered > 0
    assert [u for u in requested if not u.startswith("file://")] == []
