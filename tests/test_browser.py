"""The built book in a real browser: every page loads cleanly, with typeset math and working links.

The book is served on localhost and opened in Debian's Chromium, driven by Playwright (PyPI),
with the flags this machine needs (no background networking: the network is closed). Each page
fails on untypeset math, a broken image, an image without alt text, a dead internal link or
anchor, or a console error. A screenshot of every page is saved under ``_build/screenshots/``
for a human to look at. Without Chromium the tests are skipped with a message saying how to
install it (``.ci/run`` installs it).

Launching and practising: chapter pages have launch buttons (Binder, Colab, and JupyterHub when
``_config.yml`` sets one) that open the chapter's notebook twin, and download buttons whose
``.ipynb`` is a real notebook; other pages have no launch buttons; the exercises page offers
each student notebook (byte for byte the one in ``exercises/``) and launch links into
``exercises/``, and no page links into ``solutions/``; the explorer follows its slider moved with
the keyboard and shows losslib's numbers, and without JavaScript shows the static figure; the
landing page shows the chapter map with alt text.

Navigation, clicked as a reader would at desktop (1280 px) and phone (390 px) width: the visible ☰
button hides and shows the chapter list (a dialog on a phone), the contents button (or the margin on
a desktop) jumps to a section, the search button finds a chapter; there is no empty top bar and one
search field. Accessibility: axe-core (npm, pinned in package-lock.json, installed by ``make test``)
finds no violation of the WCAG 2.0/2.1 A and AA rules, whatever the impact, on any page, in light and
in dark mode (issue #21).
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import re
import shutil
import threading
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import nbformat
import numpy as np
import pytest

import losslib
from losscourse import explorer
from losscourse.assignments import released
from losscourse.pdf import FLAGS  # the Chromium flags this machine needs, one list for the PDF and the tests
from losscourse.site import links, twins

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "_build" / "screenshots"

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
        launch: Array.from(document.querySelectorAll('.dropdown-launch-buttons a.dropdown-item'))
                     .map(a => [a.textContent.trim(), a.href]),
        downloads: Array.from(document.querySelectorAll('.dropdown-download-buttons .dropdown-item'))
                        .map(a => [a.textContent.trim(), a.href || null]),
        assignments: Array.from(document.querySelectorAll('section.assignment')).map(s => ({
            id: s.id,
            download: Array.from(s.querySelectorAll('a.assignment-download')).map(a => a.href),
            launch: Array.from(s.querySelectorAll('a.assignment-launch')).map(a => [a.className, a.href]),
        })),
        ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
        title: document.title,
    })""")
    info["errors"], info["failed"], info["page"] = errors, failed, page
    return info


@pytest.fixture(scope="module")
def visited(site, browser):
    """Every page opened once at 1280 px in light mode: what the checks of a page at the desktop width
    read (math, links, images, buttons; reflow, figures, image links, axe-core, code width), gathered
    in that order because the last opens the folded cells. One visit a page keeps the run short."""
    base, root = site
    results = {}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for rel in _pages(root):
        info = _visit(browser, urljoin(base, rel))
        page = info.pop("page")
        try:
            page.screenshot(path=str(SCREENSHOTS / (rel.replace("/", "_").removesuffix(".html") + ".png")))
            info["overflow"] = page.evaluate(_OVERFLOW)
            info["figures"] = page.evaluate(_FIGURES)
            info["image_links"] = page.evaluate(_IMAGE_LINKS)
            info["theme"], info["axe"] = _axe(page)
            info["wide_code"] = page.evaluate(_WIDE_CODE)
        finally:
            page.close()
        results[rel] = info
    return results


@pytest.fixture(scope="module")
def at_phone_width(site, browser):
    """Every page (and the search page with results, and the indexes) opened once at 390 px: its
    reflow and its figures, for the phone checks."""
    base, root = site
    results = {}
    page = browser.new_page(viewport=dict(zip(("width", "height"), WIDTHS["phone"])))
    try:
        for rel in _axe_pages(root):
            page.goto(urljoin(base, rel), wait_until="networkidle")  # index.html redirects
            _settled(page, rel)
            results[rel] = {"overflow": page.evaluate(_OVERFLOW), "figures": page.evaluate(_FIGURES)}
    finally:
        page.close()
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


# --------------------------------------------------------------------------
# Launch and download buttons, the exercises page
# --------------------------------------------------------------------------

LAUNCH = links.settings()
PROVIDER_TEXT = {"binderhub": "Binder", "colab": "Colab", "jupyterhub": "JupyterHub"}
CHAPTER_PAGES = [f"{doc}.html" for doc in twins.chapters()]


def test_chapter_pages_launch_their_notebook_on_every_configured_service(visited):
    """Binder and Colab always (set in _config.yml); JupyterHub exactly when jupyterhub_url is set."""
    assert CHAPTER_PAGES and set(CHAPTER_PAGES) <= set(visited)
    for rel in CHAPTER_PAGES:
        twin = twins.notebook_path(rel.removesuffix(".html"))
        assert (ROOT / twin).is_file(), f"{rel}: its launch buttons open {twin}, which does not exist"
        expected = {PROVIDER_TEXT[p]: url for p, url in LAUNCH.links(twin).items()}
        assert dict(visited[rel]["launch"]) == expected, f"{rel}: launch buttons {visited[rel]['launch']}"
        assert {"Binder", "Colab"} <= set(expected)
        assert ("JupyterHub" in expected) == bool(LAUNCH.jupyterhub_url)


def test_chapter_pages_download_the_notebook_and_the_source(site, visited, browser):
    base, root = site
    page = browser.new_page()
    try:
        for rel in CHAPTER_PAGES:
            downloads = dict(visited[rel]["downloads"])
            assert {".ipynb", ".md", ".pdf"} <= set(downloads), f"{rel}: download buttons {downloads}"
            response = page.request.get(downloads[".ipynb"])
            assert response.ok, f"{rel}: the .ipynb download fails"
            nb = nbformat.reads(response.text(), as_version=4)
            outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
            assert outputs, f"{rel}: the downloaded notebook should carry the executed outputs"
            source = page.request.get(downloads[".md"]).text()
            assert source == (ROOT / rel.replace(".html", ".md")).read_text(), f"{rel}: .md is not the chapter"
    finally:
        page.close()


def test_other_pages_have_no_launch_buttons(visited):
    for rel, info in visited.items():
        if rel not in CHAPTER_PAGES:
            assert not info["launch"], f"{rel} is not a chapter but has launch buttons {info['launch']}"
            assert ".ipynb" not in dict(info["downloads"]), f"{rel} offers a notebook download"


def test_the_exercises_page_offers_every_student_notebook(site, visited, browser):
    info = visited["book/exercises.html"]
    listed = {a["id"]: a for a in info["assignments"]}
    assignments = released()
    assert set(listed) == {f"exercise-{a.id}" for a in assignments}, "one section per released assignment"
    page = browser.new_page()
    try:
        for a in assignments:
            entry = listed[f"exercise-{a.id}"]
            assert len(entry["download"]) == 1
            body = page.request.get(entry["download"][0]).body()
            assert body == (ROOT / a.path).read_bytes(), f"{a.id}: the download is not {a.path}"
            found = {re.search(r"\blaunch-(\w+)", cls).group(1): href for cls, href in entry["launch"]}
            expected = {**LAUNCH.links(a.path), "github": LAUNCH.repo.blob(a.path)}
            assert found == expected, f"{a.id}: launch links {found}"
            assert all("/exercises/" in href for href in found.values())
    finally:
        page.close()


def test_no_page_links_into_solutions(visited):
    for rel, info in visited.items():
        bad = [href for href in info["links"] if "solutions" in urlparse(href).path.split("/")]
        assert not bad, f"{rel} links into solutions/: {bad[:3]}"


def test_the_launch_menu_opens_on_a_chapter(site, browser):
    base, _ = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(urljoin(base, CHAPTER_PAGES[0]), wait_until="networkidle")
        menu = page.locator(".dropdown-launch-buttons")
        menu.locator("button.dropdown-toggle").click()
        colab = menu.get_by_text("Colab", exact=True)
        colab.wait_for(state="visible")
        assert menu.locator("a.dropdown-item").count() == len(LAUNCH.links("x"))
    finally:
        page.close()


# --------------------------------------------------------------------------
# The landing page's chapter map
# --------------------------------------------------------------------------


def test_the_landing_page_shows_the_chapter_map_and_where_to_start(site, browser):
    base, _ = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(urljoin(base, "book/index.html"), wait_until="networkidle")
        figure = page.locator("figure#fig-chapter-map")
        image = figure.locator("img")
        assert image.count() == 1 and image.is_visible()
        alt = image.get_attribute("alt") or ""
        assert len(alt) > 100 and "chapter 1" in alt.lower(), f"the chapter map's alt text is {alt!r}"
        assert image.evaluate("i => i.naturalWidth") > 500
        assert "Fig" in figure.locator("figcaption").inner_text()
        for doc in twins.chapters():
            href = doc.split("/")[-1] + ".html"
            assert page.locator(f'article a[href$="{href}"]').count() >= 1, f"the landing page does not link {doc}"
        # A clear start on the first screen: chapter 1 for readers, the exercises, the README for instructors
        start = page.locator("article .start-here")
        assert start.count() == 1 and start.is_visible(), "one 'Start here' box"
        assert start.bounding_box()["y"] + start.bounding_box()["height"] < 900, "it is on the first screen"
        links = {a.inner_text().strip(): a.get_attribute("href") for a in start.locator("a").all()}
        assert any(t.startswith("Start reading") and h.endswith("01-likelihood.html") for t, h in links.items()), links
        assert any(h.endswith("exercises.html") for h in links.values()), links
        assert any(h.startswith(LAUNCH.repo.url) for h in links.values()), "instructors: the repository's README"
    finally:
        page.close()


# --------------------------------------------------------------------------
# The loss explorer
# --------------------------------------------------------------------------


def _shown(root) -> dict[str, tuple[float, float]]:
    return root.evaluate("""r => Object.fromEntries(Array.from(r.querySelectorAll('.lx-panel')).map(p => [
        p.dataset.loss,
        [Number(p.querySelector('[data-kind=value]').dataset.value),
         Number(p.querySelector('[data-kind=grad]').dataset.value)]]))""")


@pytest.mark.parametrize("family", explorer.FAMILIES)
def test_the_explorer_follows_the_keyboard_and_shows_losslibs_values(site, browser, family):
    base, _ = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(urljoin(base, "book/explorer.html"), wait_until="networkidle")
        root = page.locator(f'.loss-explorer[data-family="{family}"]')
        data = json.loads(root.locator("script.loss-explorer-data").text_content())
        axis = data["axis"]
        names = [entry["name"] for entry in data["losses"]]
        assert names == [i.name for i in losslib.select(family=family)], "every loss of the family, from losslib"
        assert root.locator(".lx-panel").count() == len(names)
        assert page.locator(f".tag_explorer-static-{family}").is_hidden(), "JavaScript on: the static figure hides"

        slider = root.get_by_label(axis["label"])
        assert slider.get_attribute("type") == "range", "the slider is labelled"
        before = _shown(root)
        slider.focus()
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        x = float(slider.input_value())
        assert x == pytest.approx(axis["initial"] + 5 * axis["slider_step"])
        assert slider.locator("xpath=following-sibling::output").inner_text() == f"{axis['name']} = {x:.2f}"
        after = _shown(root)
        i = round((x - axis["start"]) / axis["step"])
        i0 = round((axis["initial"] - axis["start"]) / axis["step"])
        x_grid = np.array([axis["start"] + i * axis["step"]])
        for entry in data["losses"]:
            name = entry["name"]
            assert after[name] == pytest.approx((entry["value"][i], entry["grad"][i]), rel=1e-12, abs=1e-15)
            if (entry["value"][i], entry["grad"][i]) != (entry["value"][i0], entry["grad"][i0]):
                assert after[name] != before[name], f"{name} did not respond to the slider"
            value, slope, _ = explorer.curves(losslib.LOSSES[name], x_grid, family)
            assert after[name] == pytest.approx((value[0], slope[0]), rel=1e-6, abs=1e-9), f"{name} is not losslib's"
        assert any(after[n] != before[n] for n in names)
        _check_option_sliders(page, root, data, family, i, x_grid)

        slider.focus()
        page.keyboard.press("End")
        end = _shown(root)
        assert float(slider.input_value()) == pytest.approx(axis["start"] + axis["step"] * (axis["n"] - 1))
        for entry in data["losses"]:
            assert end[entry["name"]] == pytest.approx((entry["value"][-1], entry["grad"][-1]), rel=1e-12)

        root.locator(".lx-panel").last.scroll_into_view_if_needed()
        box, screen = slider.bounding_box(), page.viewport_size
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= screen["height"], (
            "the sliders stay in view while the panels scroll"
        )
        on_top = slider.evaluate(
            "(s, [x, y]) => document.elementFromPoint(x, y) === s",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert on_top, "nothing covers the sliders (a sticky header)"

        styles = root.evaluate("""r => [getComputedStyle(r.querySelector('.lx-loss')).strokeDasharray,
                                       getComputedStyle(r.querySelector('.lx-grad')).strokeDasharray]""")
        assert styles[0] == "none" and styles[1] != "none", "loss and gradient differ by line style, not colour only"
        root.screenshot(path=str(SCREENSHOTS / f"explorer-{family}.png"))
        assert not errors, errors
    finally:
        page.close()


def _check_option_sliders(page, root, data, family: str, i: int, x_grid: np.ndarray) -> None:
    """Each option slider (Huber's delta, focal gamma, ...), moved with the keyboard, changes exactly the
    panels of the losses that take the option, to losslib's values with the option set."""
    options = {o["name"]: o for o in data["options"]}
    expected = {o.name for o in explorer.OPTIONS[family]}
    assert set(options) == expected, f"the {family} explorer has sliders for {sorted(options)}"
    for name, option in options.items():
        takers = [e for e in data["losses"] if e.get("option") == name]
        assert [e["name"] for e in takers] == option["losses"] and takers, name
        assert all(explorer.takes(losslib.LOSSES[e["name"]], explorer.OPTIONS_BY_NAME[name]) for e in takers)
        slider = root.get_by_label(option["label"])
        assert slider.get_attribute("type") == "range", f"the {name} slider is labelled"
        before = _shown(root)
        slider.focus()
        page.keyboard.press("ArrowRight" if option["initial"] < len(option["values"]) - 1 else "ArrowLeft")
        k = int(slider.input_value())
        said = f"{option['symbol']} = {option['values'][k]:g}"
        assert slider.get_attribute("aria-valuetext") == said, "a screen reader hears the option's value"
        assert slider.locator("xpath=following-sibling::output").inner_text() == said
        after = _shown(root)
        for entry in data["losses"]:
            if entry.get("option") != name:
                assert after[entry["name"]] == before[entry["name"]], f"{entry['name']} moved with {name}"
                continue
            assert after[entry["name"]] == pytest.approx(
                (entry["values"][k][i], entry["grads"][k][i]), rel=1e-12, abs=1e-15
            )
            value, slope, _ = explorer.curves(
                losslib.LOSSES[entry["name"]], x_grid, family, **{name: option["values"][k]}
            )
            assert after[entry["name"]] == pytest.approx((value[0], slope[0]), rel=1e-6, abs=1e-9), (
                f"{entry['name']} with {name} = {option['values'][k]} is not losslib's"
            )
            assert after[entry["name"]] != before[entry["name"]], f"{entry['name']} did not respond to {name}"
        page.keyboard.press("Home")
        assert int(slider.input_value()) == 0
        page.keyboard.press("End")
        assert int(slider.input_value()) == len(option["values"]) - 1
        page.keyboard.press("Home")  # back to the default for the next option's check
        for _ in range(option["initial"]):
            page.keyboard.press("ArrowRight")
        assert _shown(root) == before


def test_the_explorer_without_javascript_shows_the_static_figures(site, browser):
    base, _ = site
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(urljoin(base, "book/explorer.html"), wait_until="networkidle")
        for family in explorer.FAMILIES:
            root = page.locator(f'.loss-explorer[data-family="{family}"]')
            assert root.locator(".loss-explorer-ui").is_hidden(), "without JavaScript the empty explorer stays hidden"
            assert root.locator(".loss-explorer-note").is_visible(), "a note says why the explorer is not there"
            image = page.locator(f".tag_explorer-static-{family} img")
            assert image.count() == 1 and image.is_visible()
            assert len(image.get_attribute("alt") or "") > 80, "the static figure has alt text"
        page.screenshot(path=str(SCREENSHOTS / "explorer-without-javascript.png"), full_page=True)
    finally:
        context.close()


# --------------------------------------------------------------------------
# Navigation: the visible controls, clicked, at desktop and phone width
# --------------------------------------------------------------------------

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def expect(target):
    """Playwright's waiting assertions (imported here: the module loads without Playwright)."""
    return pytest.importorskip("playwright.sync_api").expect(target)


def _open(browser, base: str, rel: str, width: str):
    w, h = WIDTHS[width]
    page = browser.new_page(viewport={"width": w, "height": h})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(urljoin(base, rel), wait_until="networkidle")
    return page, errors


def _only_visible(page, selector: str):
    """The one visible element matching selector (hidden copies of a control are what broke #21)."""
    visible = page.locator(f"{selector}:visible")
    assert visible.count() == 1, f"{visible.count()} visible {selector} (expected one)"
    return visible


@pytest.mark.parametrize("width", WIDTHS)
def test_no_empty_top_bar_and_one_search_field(site, browser, width):
    base, _ = site
    page, errors = _open(browser, base, CHAPTER_PAGES[0], width)
    try:
        header = page.locator("header.bd-header")
        height = header.evaluate("e => e.getBoundingClientRect().height") if header.count() else 0
        assert height == 0, f"a {height} px top bar above the page (the theme's navbar, empty but for search)"
        _only_visible(page, ".search-button__button")
        heading = page.locator("article h1").first
        assert heading.evaluate("e => e.getBoundingClientRect().top") < 150, "the title starts near the top"
        assert not errors, errors
    finally:
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_menu_button_shows_the_chapter_list(site, browser, width):
    """☰ hides and shows the sidebar on a desktop, opens the chapter list as a dialog on a phone;
    a chapter in it opens."""
    base, _ = site
    page, errors = _open(browser, base, CHAPTER_PAGES[0], width)
    try:
        sidebar = page.locator("#pst-primary-sidebar")
        toggle = _only_visible(page, ".primary-toggle")
        target = CHAPTER_PAGES[1].split("/")[-1]
        if width == "desktop":
            expect(sidebar).to_be_in_viewport()
            toggle.click()
            expect(sidebar).not_to_be_in_viewport()
            toggle.click()
            expect(sidebar).to_be_in_viewport()
            chapter = sidebar.locator(f'nav a[href$="{target}"]')
        else:
            expect(sidebar).not_to_be_in_viewport()
            toggle.click()
            dialog = page.locator("dialog#pst-primary-sidebar-modal")
            expect(dialog).to_have_attribute("open", "")
            chapter = dialog.locator(f'nav a[href$="{target}"]')
            expect(chapter).to_be_in_viewport()
            page.keyboard.press("Escape")
            expect(dialog).not_to_have_attribute("open", "")
            toggle.click()
        chapter.click()
        page.wait_for_url(f"**/{target}")
        assert not errors, errors
    finally:
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_contents_lead_to_a_section(site, browser, width):
    """The page's contents: in the margin on a desktop, behind the contents button on a phone. A
    section in them scrolls the page to it (and, on a phone, closes the dialog)."""
    base, _ = site
    page, errors = _open(browser, base, CHAPTER_PAGES[0], width)
    try:
        if width == "desktop":
            assert page.locator(".secondary-toggle:visible").count() == 0, "the margin shows the contents"
            contents = page.locator("#pst-secondary-sidebar")
        else:
            expect(page.locator("#pst-secondary-sidebar")).not_to_be_in_viewport()
            _only_visible(page, ".secondary-toggle").click()
            contents = page.locator("dialog#pst-secondary-sidebar-modal")
            expect(contents).to_have_attribute("open", "")
        link = contents.locator("nav a.nav-link[href^='#']").last
        expect(link).to_be_in_viewport()
        anchor = link.get_attribute("href").removeprefix("#")
        section = page.locator(f'[id="{anchor}"]')
        expect(section).not_to_be_in_viewport()
        link.click()
        page.wait_for_url(f"**#{anchor}")
        expect(section).to_be_in_viewport()
        if width == "phone":
            expect(contents).not_to_have_attribute("open", "")
        assert not errors, errors
    finally:
        page.close()


def _wait_for_search(page) -> None:
    """Sphinx's search page lists its results one by one, then says it has finished."""
    expect(page.locator("#search-results .search-summary")).to_contain_text("Search finished", timeout=20_000)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_search_button_finds_a_chapter(site, browser, width):
    base, _ = site
    page, errors = _open(browser, base, CHAPTER_PAGES[0], width)
    try:
        _only_visible(page, ".search-button__button").click()
        field = page.locator("input[name=q]:visible")
        expect(field).to_be_focused()
        field.fill("huber")
        field.press("Enter")
        page.wait_for_url("**/search.html?q=huber*")
        _wait_for_search(page)
        assert page.locator('#search-results a[href*="02-regression.html"]').count() >= 1
        assert not errors, errors
    finally:
        page.close()


# --------------------------------------------------------------------------
# Accessibility: axe-core on every page, in light and dark mode
# --------------------------------------------------------------------------

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _axe_pages(root: Path) -> list[str]:
    """Every page of the book, the search page with results, and the generated indexes."""
    extra = ["search.html?q=huber", "genindex.html", "py-modindex.html"]
    return _pages(root) + [rel for rel in extra if (root / rel.split("?")[0]).is_file()]


def _no_transition(page) -> None:
    """Wait for the transitions under way (finite ones) to end."""
    page.evaluate("""() => Promise.all(document.getAnimations()
        .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity).map(a => a.finished))
        .then(() => true)""")


def _settled(page, rel: str) -> None:
    """The page as a reader sees it once it has loaded: math typeset, fonts loaded, search results
    listed, and no colour transition under way (the theme fades buttons into dark mode, and a colour
    read halfway is not the page's)."""
    if page.evaluate("typeof window.MathJax !== 'undefined' && !!window.MathJax.startup"):
        page.evaluate("MathJax.startup.promise")
    if rel.startswith("search.html"):
        _wait_for_search(page)
    page.evaluate("document.fonts.ready.then(() => true)")
    _no_transition(page)


def _axe(page) -> tuple[str, list[dict] | None]:
    """The page's colour mode and axe-core's violations of the WCAG tags (None without axe-core)."""
    if not AXE.is_file():
        return "", None
    _no_transition(page)
    theme = page.evaluate("document.documentElement.dataset.theme")
    page.add_script_tag(path=str(AXE))
    # resultTypes: every rule still runs on every node, and every violation is reported in full; axe
    # only stops building selectors for each node that passed or was inapplicable (it keeps one), which
    # we never read: about half of axe's time on the long pages (axe-core's API.md, "Performance").
    options = "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}"
    return theme, page.evaluate(f"tags => axe.run({options})", WCAG_TAGS)["violations"]


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_no_page_violates_wcag_a_or_aa_rules(site, browser, visited, mode):
    """axe-core run as pydata-sphinx-theme's own tests do (injected, axe.run with WCAG tags); every rule
    and impact counts. The page follows the reader's colour scheme (html_context default_mode auto).
    In light mode the pages are the ones :func:`visited` opened (Playwright's default scheme is light)."""
    if not AXE.is_file():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: run `npm ci` (make test does) to install axe-core")
    base, root = site
    found, results = {}, {}
    for rel in _axe_pages(root):
        if mode == "light" and rel in visited:
            results[rel] = (visited[rel]["theme"], visited[rel]["axe"])
            continue
        page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=mode)
        try:
            page.goto(urljoin(base, rel), wait_until="networkidle")  # index.html redirects
            _settled(page, rel)
            results[rel] = _axe(page)
        finally:
            page.close()
    for rel, (theme, violations) in results.items():
        assert theme == mode, f"{rel} is not in {mode} mode"
        for v in violations:
            targets = [" ".join(map(str, n["target"])) for n in v["nodes"][:3]]
            found.setdefault(rel, []).append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}x: {targets}) {v['helpUrl']}")
    total = sum(len(v) for v in found.values())
    assert not found, f"{mode} mode: {total} axe rule(s) violated on {len(found)} page(s):\n" + "\n".join(
        f"{rel}: {line}" for rel, lines in found.items() for line in lines
    )


# --------------------------------------------------------------------------
# The whole book as one PDF (make book prints it with Chromium, losscourse/pdf.py)
# --------------------------------------------------------------------------


def _outline_titles(reader) -> list[tuple[str, int]]:
    """The PDF's top-level bookmarks, with the page (from 0) each opens."""
    return [
        (item.title, reader.get_destination_page_number(item)) for item in reader.outline if not isinstance(item, list)
    ]


def _heading(path: Path) -> str:
    """The page's title as its article shows it, with the chapter's number ("2. Regression losses")."""
    h1 = next(h for h in re.findall(r"<h1>(.*?)</h1>", path.read_text(encoding="utf-8"), re.S) if "headerlink" in h)
    h1 = h1.split('<a class="headerlink"')[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", h1)).split())


def _sections(path: Path) -> list[str]:
    """The titles of a page's sections (its h2 headings), as its article shows them."""
    found = re.findall(r"<h2>(.*?)</h2>", path.read_text(encoding="utf-8"), re.S)
    titles = [h.split('<a class="headerlink"')[0] for h in found if "headerlink" in h]
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", t)).split()) for t in titles]


def test_the_whole_book_is_one_pdf_with_contents_figures_and_text(site):
    from pypdf import PdfReader

    from losscourse import pdf

    _, root = site
    path = root / pdf.PDF_NAME
    assert path.is_file(), "make book (losscourse.book.build) writes the whole book as one PDF"
    reader = PdfReader(path)
    assert len(reader.pages) > 100, f"the PDF has {len(reader.pages)} pages"
    assert sum(len(page.images) for page in reader.pages) >= 40, "the figures are in the PDF"

    titles = [_heading(root / rel) for rel in pdf.toc_pages()]
    bookmarks = _outline_titles(reader)
    assert [t for t, _ in bookmarks] == ["Contents", *titles], "one bookmark per page of the book, in order"
    starts = [page for _, page in bookmarks]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)

    def text(i: int) -> str:
        return " ".join(unicodedata.normalize("NFKC", reader.pages[i].extract_text()).split())  # ﬁ -> fi

    contents = text(0)
    for (title, start), following in zip(bookmarks[1:], bookmarks[2:] + [(None, len(reader.pages))]):
        assert re.search(re.escape(title) + r"\s+" + str(start + 1) + r"\b", contents), (
            f"the contents page gives {title!r} on page {start + 1}"
        )
        first = text(start)
        shown = re.sub(r"^\d+\. ", "", title)  # the page shows the chapter's title; its number is in the bookmark
        assert shown in first, f"{title!r} does not start on its page"
        assert str(start + 1) in first.split(), f"page {start + 1} is numbered"
        assert following[1] > start
    outline = reader.outline
    for rel in CHAPTER_PAGES:
        at = next(
            n for n, item in enumerate(outline) if not isinstance(item, list) and item.title == _heading(root / rel)
        )
        children = outline[at + 1] if at + 1 < len(outline) and isinstance(outline[at + 1], list) else []
        shown = {" ".join(item.title.split()) for item in children if not isinstance(item, list)}
        sections = _sections(root / rel)
        assert sections and set(sections) <= shown, f"{rel}: its bookmarks lack sections {set(sections) - shown}"
    chapter = [b for b in bookmarks if b[0] == titles[2]][0][1]
    words = " ".join(text(i) for i in range(chapter, chapter + 5)).split()
    assert len(words) > 1000, "the chapters' text is extractable"


def test_the_landing_page_and_every_download_menu_link_the_pdf(site, visited):
    from losscourse import pdf

    base, _ = site
    url = urljoin(base, pdf.PDF_NAME)
    assert url in visited["book/index.html"]["links"], "the landing page links the PDF"
    for rel in CHAPTER_PAGES:
        downloads = dict(visited[rel]["downloads"])
        assert downloads.get("Whole book (.pdf)") == url, f"{rel}: download menu {downloads}"


# --------------------------------------------------------------------------
# Reflow: no page scrolls sideways on a phone; what is wider than the column scrolls in its own box
# --------------------------------------------------------------------------

# Every display equation and table: it fits the article's column, or it (or a box around it, inside
# the column) scrolls sideways (overflow-x auto or scroll) and that box fits the column.
_OVERFLOW = """() => {
  const column = document.querySelector('article.bd-article') || document.body;
  const right = column.getBoundingClientRect().right + 1;
  const scrolls = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const bad = [];
  for (const e of document.querySelectorAll('mjx-container[display="true"], table')) {
    if (e.getBoundingClientRect().width === 0) continue;  // hidden (a folded cell)
    const fits = e.getBoundingClientRect().right <= right && e.scrollWidth <= e.clientWidth + 1;
    let box = e;
    while (box && box !== column && !scrolls(box)) box = box.parentElement;
    const contained = box && box !== column && box.getBoundingClientRect().right <= right;
    if (!fits && !contained) bad.push(`${e.tagName.toLowerCase()} ${e.scrollWidth}px: ${e.textContent.trim().slice(0, 50)}`);
  }
  return {scroll: document.documentElement.scrollWidth, inner: innerWidth, bad};
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways_and_wide_content_scrolls_in_its_own_box(
    site, browser, visited, at_phone_width, width
):
    """At 390 px no page is wider than the screen; at 390 and 1280 px every display equation and
    table fits the column or scrolls inside a box of its own (issue #21)."""
    base, root = site
    problems = []
    page = browser.new_page(viewport=dict(zip(("width", "height"), WIDTHS["desktop"])))
    try:
        for rel in _axe_pages(root):
            if width == "phone":
                found = at_phone_width[rel]["overflow"]
            elif rel in visited:
                found = visited[rel]["overflow"]
            else:
                page.goto(urljoin(base, rel), wait_until="networkidle")
                _settled(page, rel)
                found = page.evaluate(_OVERFLOW)
            if found["scroll"] > found["inner"]:
                problems.append(f"{rel}: the page is {found['scroll']} px wide on a {found['inner']} px screen")
            problems += [f"{rel}: {item} overflows the column" for item in found["bad"]]
    finally:
        page.close()
    assert not problems, f"{width}: {len(problems)} problem(s):\n" + "\n".join(problems[:20])


# --------------------------------------------------------------------------
# Legible figures: the smallest text of every figure, as shown in the column (issue #21)
# --------------------------------------------------------------------------

MIN_FIGURE_TEXT_PX = 9  # CSS px, at the desktop width and on a phone

# Each shown image, and the box it scrolls in on a phone (its full-size link, book/_static/reflow.css).
_FIGURES = """() => Array.from(document.querySelectorAll('article.bd-article img'))
  .filter(i => i.getBoundingClientRect().width > 0)
  .map(i => {
    const box = i.closest('a') || i.parentElement;
    return {src: i.currentSrc || i.src, natural: i.naturalWidth, shown: i.getBoundingClientRect().width,
            filter: getComputedStyle(i).filter, boxRight: box.getBoundingClientRect().right,
            boxWidth: box.clientWidth, scrolls: ['auto', 'scroll'].includes(getComputedStyle(box).overflowX)};
  })"""


def _smallest_text_px(root: Path, figure: dict) -> tuple[float | None, str]:
    """The smallest text of a shown figure in CSS px, from the font size and dpi its PNG records
    (losscourse.plotting.png writes them), scaled by how much the browser shrinks the image."""
    from PIL import Image

    from losscourse.plotting import MIN_FONT_KEY

    path = root / unquote(urlparse(figure["src"]).path).lstrip("/")
    with Image.open(path) as image:
        info = dict(image.info)
    if MIN_FONT_KEY not in info or "dpi" not in info:
        return None, f"{path.name} does not record its smallest font and dpi: make it with losscourse.plotting"
    pt, dpi = float(info[MIN_FONT_KEY]), float(info["dpi"][0])
    px = pt * dpi / 72 * figure["shown"] / figure["natural"]
    return px, f"{path.name}: {pt:g} pt at {dpi:.0f} dpi, {figure['natural']} px shown at {figure['shown']:.0f} px"


def _figure_problems(figures: list[dict], screen: int, root: Path, rel: str) -> tuple[list[str], list[float]]:
    """Figures whose smallest text is below the minimum, or wider than the screen without a box of
    their own that scrolls sideways inside it."""
    problems, sizes = [], []
    for figure in figures:
        px, how = _smallest_text_px(root, figure)
        if px is None or px < MIN_FIGURE_TEXT_PX:
            problems.append(f"{rel}: {how}" + ("" if px is None else f": smallest text {px:.1f} CSS px"))
        if figure["shown"] > figure["boxWidth"] + 1 and not (figure["scrolls"] and figure["boxRight"] <= screen + 1):
            problems.append(f"{rel}: {how}, wider than its box ({figure['boxWidth']} px), which does not scroll")
        if px is not None:
            sizes.append(px)
    return problems, sizes


@pytest.mark.parametrize("width", WIDTHS)
def test_every_figure_shows_its_smallest_text_at_9_css_px_or_more(site, browser, visited, at_phone_width, width):
    """At 1280 and 390 px, every figure on every page, and the explorer's static figures without
    JavaScript. On a phone a figure keeps the column's width and scrolls sideways in its own box."""
    base, root = site
    viewport = dict(zip(("width", "height"), WIDTHS[width]))
    problems, sizes, scrolled = [], [], 0
    for rel in _pages(root):
        seen = (at_phone_width if width == "phone" else visited)[rel]
        figures, screen = seen["figures"], seen["overflow"]["inner"]
        found, shown = _figure_problems(figures, screen, root, rel)
        problems, sizes = problems + found, sizes + shown
        scrolled += sum(f["shown"] > f["boxWidth"] + 1 for f in figures)
    context = browser.new_context(java_script_enabled=False, viewport=viewport)
    try:
        page = context.new_page()
        page.goto(urljoin(base, "book/explorer.html"), wait_until="networkidle")
        found, shown = _figure_problems(
            page.evaluate(_FIGURES), page.evaluate("innerWidth"), root, "book/explorer.html without JavaScript"
        )
        problems, sizes = problems + found, sizes + shown
    finally:
        context.close()
    assert len(sizes) >= 60, f"only {len(sizes)} figures measured"
    assert not problems, f"{len(problems)} figure(s) with text below {MIN_FIGURE_TEXT_PX} CSS px:\n" + "\n".join(
        problems
    )
    if width == "phone":
        assert scrolled >= 60, f"on a phone only {scrolled} figures keep the column's width and scroll"


def test_dark_mode_shows_figures_through_the_filter_their_colours_are_checked_with(site, browser):
    """tests/test_plotting.py checks the palette's contrast under plotting.DARK_MODE_FILTER: the theme's."""
    from losscourse.plotting import DARK_MODE_FILTER

    base, _ = site
    page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    try:
        page.goto(urljoin(base, "book/02-regression.html"), wait_until="networkidle")
        filters = {figure["filter"] for figure in page.evaluate(_FIGURES)}
    finally:
        page.close()
    assert filters == {DARK_MODE_FILTER}, f"dark mode shows the figures through {filters}"


# --------------------------------------------------------------------------
# Code fits the column: no code cell or output scrolls sideways at the desktop width (issue #21)
# --------------------------------------------------------------------------

_WIDE_CODE = """() => {
  document.querySelectorAll('article.bd-article details').forEach(d => { d.open = true; });  // folded cells too
  return Array.from(document.querySelectorAll('article.bd-article pre'))
    .filter(p => p.getBoundingClientRect().width > 0 && p.scrollWidth > p.clientWidth + 1)
    .map(p => {
      const longest = p.textContent.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), '');
      return `${p.scrollWidth} px in ${p.clientWidth} px: ${longest.length} characters: ${longest.trim().slice(0, 70)}`;
    });
}"""


def test_no_code_cell_or_output_scrolls_sideways_at_the_desktop_width(visited):
    problems = [f"{rel}: {line}" for rel, info in visited.items() for line in info["wide_code"]]
    assert not problems, f"{len(problems)} code block(s) wider than the column:\n" + "\n".join(problems)


# --------------------------------------------------------------------------
# Figures open full size (issue #21): at 390 px a figure's text is about 6 CSS px
# --------------------------------------------------------------------------

_IMAGE_LINKS = """() => Array.from(document.querySelectorAll('article.bd-article img')).map(i => {
  const a = i.closest('a[href]');
  const number = i.closest('figure')?.querySelector('figcaption .caption-number');
  return {src: i.src, href: a ? a.href : null, label: a ? a.getAttribute('aria-label') : null,
          focusable: !!a && a.tabIndex >= 0, number: number ? number.textContent.trim() : null};
})"""


def test_every_image_is_a_link_to_itself_full_size_named_by_its_figure_number(site, browser, visited):
    """Every image in every page's article (folded cells and the explorer's static figures too) is in a
    focusable link to its own PNG, named "Open Fig. N.M full size" (the number its caption shows) or
    "Open the image full size"; the link loads an image; Enter on a focused link opens it, at phone width."""
    base, root = site
    problems, count = [], 0
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        for rel, info in visited.items():
            for image in info["image_links"]:
                count += 1
                name = Path(urlparse(image["src"]).path).name
                expected = f"Open {image['number'] or 'the image'} full size"
                if image["href"] != image["src"] or not image["focusable"]:
                    problems.append(f"{rel}: {name} is not in a focusable link to itself (href {image['href']})")
                elif image["label"] != expected:
                    problems.append(f"{rel}: {name}'s link is named {image['label']!r}, not {expected!r}")
                else:
                    response = page.request.get(image["href"])
                    if not response.ok or not response.headers.get("content-type", "").startswith("image/"):
                        problems.append(f"{rel}: {image['href']} gives {response.status} {response.headers}")
    finally:
        page.close()
    assert count >= 60, f"only {count} images found"
    assert not problems, f"{len(problems)} image(s) that do not open full size:\n" + "\n".join(problems)

    page, _ = _open(browser, base, "book/02-regression.html", "phone")
    try:
        link = page.get_by_role("link", name="Open Fig. 2.1 full size")
        link.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith(".png"), f"Enter on the figure's link went to {page.url}"
    finally:
        page.close()


# --------------------------------------------------------------------------
# A lighter page (issue #21): the theme's icons without Font Awesome's 1.49 MB script
# --------------------------------------------------------------------------

# Bytes of JavaScript, CSS and fonts a chapter page loads (losscourse/icons.py). Measured on
# book/02-regression.html: 3,884,950 with pydata-sphinx-theme's fontawesome.js (1,489,308 of it),
# 2,429,236 without it (icons.js 9.7 kB); MathJax (1.17 MB with its fonts) and the theme's CSS (0.40 MB) are most of the rest.
PAGE_ASSET_BUDGET = 2_500_000
_ASSETS = """() => performance.getEntriesByType('resource')
  .map(e => [e.name, e.decodedBodySize])
  .filter(([name]) => /\\.(js|css|woff2?|ttf|otf)([?#].*)?$/.test(name))"""
_ICONS = """() => ({
  undrawn: Array.from(document.querySelectorAll("i[class*='fa-'], span[class*='fa-']")).map(e => e.className),
  drawn: Array.from(document.querySelectorAll('svg.svg-inline--fa')).map(s => ({
    name: s.getAttribute('class'), path: (s.querySelector('path') || {getAttribute: () => ''}).getAttribute('d') || '',
    hidden: s.getAttribute('aria-hidden'), width: s.getBoundingClientRect().width})),
  buttons: Array.from(document.querySelectorAll('.article-header-buttons .btn, .primary-toggle'))
    .filter(b => b.getBoundingClientRect().width > 0)
    .map(b => [b.getAttribute('aria-label') || b.title,  // the widest: the colour-mode button hides two
               Math.max(0, ...Array.from(b.querySelectorAll('svg.svg-inline--fa'), s => s.getBoundingClientRect().width))]),
})"""


def test_a_chapter_loads_its_icons_within_the_asset_budget(site, browser):
    """No fontawesome.js; the fonts, CSS and JavaScript a chapter loads stay below PAGE_ASSET_BUDGET bytes;
    every Font Awesome icon of the page is drawn (an SVG with an outline, hidden from screen readers) and
    each visible header button shows one."""
    base, _ = site
    page, errors = _open(browser, base, "book/02-regression.html", "desktop")
    try:
        if page.evaluate("typeof window.MathJax !== 'undefined' && !!window.MathJax.startup"):
            page.evaluate("MathJax.startup.promise")
        page.wait_for_load_state("networkidle")
        assets = page.evaluate(_ASSETS)
        icons = page.evaluate(_ICONS)
    finally:
        page.close()
    total = sum(size for _, size in assets)
    largest = ", ".join(f"{name.rsplit('/', 1)[-1]} {size:,}" for name, size in sorted(assets, key=lambda a: -a[1])[:5])
    assert not [name for name, _ in assets if "fontawesome.js" in name], "the page still loads fontawesome.js"
    assert total < PAGE_ASSET_BUDGET, f"{total:,} bytes of JS, CSS and fonts (budget {PAGE_ASSET_BUDGET:,}): {largest}"
    assert not errors, errors
    assert not icons["undrawn"], f"icons not drawn: {icons['undrawn']}"
    assert len(icons["drawn"]) >= 10, f"only {len(icons['drawn'])} icons drawn"
    assert all(i["path"].startswith("M") and i["hidden"] == "true" for i in icons["drawn"]), icons["drawn"]
    assert len(icons["buttons"]) >= 4 and all(width > 0 for _, width in icons["buttons"]), icons["buttons"]


# --------------------------------------------------------------------------
# Search (issue #21): the chapter that teaches a term before the bibliography, snippets without TeX
# --------------------------------------------------------------------------


def test_the_search_lists_the_chapter_before_the_bibliography_and_quotes_no_tex(site, browser):
    base, _ = site
    page, errors = _open(browser, base, "search.html?q=huber", "desktop")
    try:
        _wait_for_search(page)
        results = page.evaluate("""() => Array.from(document.querySelectorAll('#search-results li')).map(li => ({
            href: li.querySelector('a').getAttribute('href'),
            snippet: (li.querySelector('.context') || {textContent: ''}).textContent}))""")
    finally:
        page.close()
    pages = [r["href"].split("#")[0].split("?")[0].removeprefix("./") for r in results]
    assert "book/02-regression.html" in pages and "book/bibliography.html" in pages, pages
    assert pages.index("book/02-regression.html") < pages.index("book/bibliography.html"), pages
    snippets = [r["snippet"] for r in results]
    assert sum(bool(s.strip()) for s in snippets) >= 3, snippets
    tex = [s for s in snippets if re.search(r"\\[A-Za-z]+|\\[()\[\]]", s)]
    assert not tex, f"{len(tex)} snippet(s) quote TeX: {tex[:3]}"
    assert not errors, errors
