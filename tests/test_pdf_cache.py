"""``make book`` prints again only the pages of the PDF whose files changed (losscourse/pdf.py's
PageCache); the PDF itself is checked in tests/test_browser.py."""

from __future__ import annotations

from losscourse.pdf import NOT_PRINTED, PageCache, _loaded_file


def _site(tmp_path):
    html = tmp_path / "_build" / "html"
    (html / "book").mkdir(parents=True)
    (html / "_static").mkdir()
    (html / "book" / "a.html").write_text("<h1>A</h1>")
    (html / "book" / "b.html").write_text("<h1>B</h1>")
    (html / "_static" / "style.css").write_text("h1 { color: red }")
    return html


def _print(cache, rel):
    cache.put(rel, rel.upper(), [f"heading of {rel}"], f"%PDF {rel}".encode(), {"_static/style.css"})


def test_a_print_is_reused_until_a_file_it_loaded_changes(tmp_path):
    html = _site(tmp_path)
    cache = PageCache(html, "printer 1")
    for rel in ("book/a.html", "book/b.html"):
        _print(cache, rel)
    cache.save()

    again = PageCache(html, "printer 1")  # the next build
    assert again.get("book/a.html") == ("BOOK/A.HTML", ["heading of book/a.html"], b"%PDF book/a.html")
    (html / "book" / "a.html").write_text("<h1>A, edited</h1>")
    assert again.get("book/a.html") is None, "the page changed"
    assert again.get("book/b.html") is not None, "another page's change reprints nothing here"
    (html / "_static" / "style.css").write_text("h1 { color: blue }")
    assert again.get("book/b.html") is None, "a style sheet the page loaded changed"
    assert again.get("book/new.html") is None, "never printed"


def test_a_new_printer_prints_every_page_again(tmp_path):
    html = _site(tmp_path)
    cache = PageCache(html, "printer 1")
    _print(cache, "book/a.html")
    cache.save()
    assert PageCache(html, "printer 2").get("book/a.html") is None
    (html.parent / ".pdf-pages" / "index.json").write_text("not json")
    assert PageCache(html, "printer 1").get("book/a.html") is None, "an unreadable cache is an empty one"


def test_the_files_a_page_loaded_are_the_builds_files(tmp_path):
    html = _site(tmp_path)
    base = "http://127.0.0.1:8000/"
    assert _loaded_file(base + "_static/style.css?v=1a2b", base, html) == "_static/style.css"
    assert _loaded_file(base + "book/a.html#section", base, html) == "book/a.html"
    assert _loaded_file(base + "_static/missing.js", base, html) is None
    assert _loaded_file("https://example.org/_static/style.css", base, html) is None


def test_the_search_index_changes_no_print(tmp_path):
    """Every page loads searchindex.js, and every build that changes one page rewrites it."""
    html = _site(tmp_path)
    (html / "searchindex.js").write_text("Search.setIndex({})")
    cache = PageCache(html, "printer 1")
    cache.put("book/a.html", "A", [], b"%PDF a", {"_static/style.css", "searchindex.js"})
    (html / "searchindex.js").write_text("Search.setIndex({'docnames': ['book/b']})")
    assert cache.get("book/a.html") is not None, "a page whose own files are unchanged is not printed again"
    assert NOT_PRINTED == {"searchindex.js"}, "say here why any other file changes nothing a page prints"
    (html / "_static" / "style.css").write_text("h1 { color: green }")
    assert cache.get("book/a.html") is None
