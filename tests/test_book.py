"""The book builds cleanly from scratch, shows what it should, and never shows stale outputs."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

import prose_numbers
from losscourse import book
from losscourse.book import make
from losscourse.site import links

ROOT = book.ROOT


def _toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [ch["file"] for ch in part["chapters"]]
    files += [ch["file"] for ch in toc.get("chapters", [])]
    return files


@pytest.fixture(scope="module")
def built(built_book: Path) -> Path:
    return built_book


def test_every_toc_page_is_built(built):
    for name in _toc_files():
        assert (built / f"{name}.html").is_file(), f"{name} is in _toc.yml but was not built"


def test_no_solution_or_exercise_is_published(built):
    leaked = [p for p in built.rglob("*") if p.is_file() and ("solutions" in p.parts or "exercises" in p.parts)]
    assert not leaked, f"the book published files it must not: {leaked[:5]}"
    for page in built.rglob("*.html"):
        assert "BEGIN SOLUTION" not in page.read_text(errors="ignore"), f"{page} shows a solution"


def test_chapter_one_has_figures_and_equations(built):
    html = (built / "book" / "01-likelihood.html").read_text()
    images = re.findall(r'<img[^>]+src="([^"]+)"', html)
    figures = [src for src in images if "_images" in src]
    assert len(figures) >= 6, f"chapter 1 shows {len(figures)} figures, expected at least 6"
    for src in figures:
        assert (built / "book" / src).resolve().is_file(), f"chapter 1 links a missing image {src}"
    assert html.count('class="math') >= 10, "chapter 1 should typeset its derivations"


def test_no_cell_output_is_an_error(built):
    for page in built.rglob("*.html"):
        html = page.read_text(errors="ignore")
        assert "output traceback" not in html, f"{page.name} shows a traceback"
        assert "output stderr" not in html, (
            f"{page.name} shows output on stderr (a warning?): silence it where it is expected"
        )


def test_losslib_change_clears_the_execution_cache(tmp_path, monkeypatch):
    """A stale fingerprint makes the next build drop the cache and re-read every page."""
    out = tmp_path / "_build"
    for cached in (".jupyter_cache", ".doctrees"):
        (out / cached).mkdir(parents=True)
        (out / cached / "marker").write_text("old")
    (out / ".losslib-fingerprint").write_text("fingerprint of an older losslib")
    (out / ".last-build-ok").touch()
    calls = []
    monkeypatch.setattr(make.subprocess, "call", lambda cmd, cwd: calls.append(cmd) or 0)
    assert book.build(out) == 0
    assert not (out / ".jupyter_cache").exists() and not (out / ".doctrees").exists()
    assert (out / ".losslib-fingerprint").read_text() == book.fingerprint()

    # Unchanged losslib: the cache is kept and the build is incremental.
    (out / ".jupyter_cache").mkdir()
    assert book.build(out) == 0
    assert (out / ".jupyter_cache").exists()
    assert "--all" not in calls[-1]


def test_a_failed_build_forces_a_full_rebuild(tmp_path, monkeypatch):
    out = tmp_path / "_build"
    calls = []
    monkeypatch.setattr(make.subprocess, "call", lambda cmd, cwd: calls.append(cmd) or 1)
    assert book.build(out) == 1
    assert not (out / ".last-build-ok").exists()
    monkeypatch.setattr(make.subprocess, "call", lambda cmd, cwd: calls.append(cmd) or 0)
    assert book.build(out) == 0
    assert "--all" in calls[-1], "after a failed build every page must be re-read"


def test_fingerprint_changes_with_losslib_source(tmp_path):
    for folder in book.FINGERPRINTED:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.py").write_text("a = 1\n")
    before = book.fingerprint(tmp_path)
    (tmp_path / "losslib" / "x.py").write_text("a = 2\n")
    assert book.fingerprint(tmp_path) != before


def test_math_is_typeset_by_the_bundled_mathjax(built):
    """Equations must render offline: MathJax is served from the book, never from a CDN."""
    for page in built.rglob("*.html"):
        html = page.read_text(errors="ignore")
        assert "cdn.jsdelivr.net" not in html and "mathjax@" not in html, f"{page.name} loads MathJax from a CDN"
    html = (built / "book" / "01-likelihood.html").read_text()
    scripts = re.findall(r'<script[^>]+src="([^"]*tex-mml-chtml\.js)[^"]*"', html)
    assert scripts, "chapter 1 does not load MathJax"
    assert (built / "book" / scripts[0]).resolve().is_file(), f"{scripts[0]} is not in the built book"
    fonts = built / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    assert len(list(fonts.glob("*.woff"))) > 10, "MathJax's fonts are missing"


CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]-*.md"))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_a_chapters_notebook_download_starts_with_the_install_cell(built, chapter):
    """What the page's ".ipynb" button serves: the executed notebook, the install cell first (#21)."""
    nb = nbformat.read(built / "_sources" / "book" / f"{chapter.stem}.ipynb", as_version=4)
    assert nb.cells[0].source == links.install_cell_source(), f"{chapter.stem}.ipynb does not start with it"
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "the download keeps the outputs"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_no_number_in_the_prose_is_a_typed_copy_of_a_computed_one(built, chapter):
    """Numbers that a cell computes are glued into the text ({glue:text}), never typed by hand."""
    html = (built / "book" / f"{chapter.stem}.html").read_text()
    typed = prose_numbers.hand_typed(html, prose_numbers.page_code(chapter))
    assert not typed, f"{chapter.name} types numbers that its cells compute (glue them instead): " + "; ".join(
        f"{t.text} (computed {t.matches!r}) in '...{t.context}...'" for t in typed
    )


def test_the_typed_number_check_sees_a_copy_and_spares_inputs_and_glue():
    html = (
        '<article><p>The loss is 0.632 at delta 1.345, and <span class="pasted-text">0.250</span> '
        "after 12 steps; 41 % of the points.</p>"
        '<div class="cell_output"><pre>0.63245 12 0.4132 0.25</pre></div></article>'
    )
    typed = prose_numbers.hand_typed(html, ["delta = 1.345\nsteps = 12"])
    assert [(t.text, t.matches) for t in typed] == [("0.632", 0.63245), ("41", 0.4132)]
