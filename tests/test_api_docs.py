"""The API reference (book/api.md) documents every public name of losslib, and chapters can link them.

The whole book is built once by tests/test_book.py; to keep this cheap, here Jupyter Book builds
the API page alone, with the project's own _config.yml and a table of contents that holds only
that page, with warnings as errors (-W -n --keep-going --all) into a fresh folder (about 10 s).
"""

from __future__ import annotations

import inspect
import pkgutil
import posixpath
import subprocess
import sys
from pathlib import Path

import bs4  # comes with jupyter-book (its HTML theme needs it)
import pytest
from sphinx.util.inventory import InventoryFile

import losslib
from losscourse import book

ROOT = book.ROOT
PAGE = "book/api"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The HTML folder of a strict build of the API page alone."""
    tmp = tmp_path_factory.mktemp("api")
    toc = tmp / "_toc.yml"
    toc.write_text(f"format: jb-book\nroot: {PAGE}\n")
    cmd = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(ROOT),
        "--toc",
        str(toc),
        "--path-output",
        str(tmp),
        "--builder",
        "html",
        "-W",
        "-n",
        "--keep-going",
        "--all",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    log = (proc.stdout + proc.stderr)[-6000:]
    assert proc.returncode == 0, f"the API page does not build with -W -n --keep-going:\n{log}"
    return tmp / "_build" / "html"


@pytest.fixture(scope="module")
def page(site):
    return bs4.BeautifulSoup((site / f"{PAGE}.html").read_text(), "html.parser")


@pytest.fixture(scope="module")
def inventory(site):
    with open(site / "objects.inv", "rb") as stream:
        return InventoryFile.load(stream, "", posixpath.join)


def _role(obj) -> str:
    if inspect.isclass(obj):
        return "py:class"
    return "py:function" if callable(obj) else "py:data"


def _public_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(losslib.__path__) if not m.name.startswith("_"))


def test_every_public_name_is_documented(page):
    missing = [name for name in losslib.__all__ if page.find(id=f"losslib.{name}") is None]
    assert not missing, (
        f"book/api.html has no entry for losslib.{missing[0]} (and {len(missing) - 1} more: {missing[1:]}); "
        "a name in a module's __all__ appears there once the module has a section in book/api.md"
    )


def test_every_module_has_a_section(page):
    missing = [m for m in _public_modules() if page.find(id=f"module-losslib.{m}") is None]
    assert not missing, (
        f"losslib modules without a section in book/api.md: {missing}; add an api(losslib.<module>) cell"
    )


def test_chapters_can_link_every_public_name(inventory):
    """{py:func}`losslib.mse` in a chapter resolves: the name is in Sphinx's inventory, on the API page."""
    wrong = {}
    for name in losslib.__all__:
        role = _role(getattr(losslib, name))
        entry = inventory.get(role, {}).get(f"losslib.{name}")
        if entry is None or entry[2] != f"{PAGE}.html#losslib.{name}":
            wrong[f"{role} losslib.{name}"] = entry and entry[2]
    assert not wrong, f"not linkable as documented on {PAGE}.html: {wrong}"


def test_losses_show_their_formula_typeset(page):
    """Every registered loss whose docstring has math shows it typeset (MathJax's class "math")."""
    assert len(page.select(".math")) >= 10, "the API page typesets almost no math"
    untypeset = []
    for name, info in losslib.LOSSES.items():
        if ":math:" not in (info.loss.__doc__ or ""):
            continue
        entry = page.find(id=f"losslib.{name}")
        body = entry.find_next_sibling("dd") if entry else None
        if body is None or not body.select(".math"):
            untypeset.append(name)
    assert not untypeset, f"these losses' formulas are not typeset on the API page: {untypeset}"


def test_registry_table_lists_every_loss_with_its_source(page):
    table = page.find("table")
    assert table is not None, "the API page has no registry table"
    header = [th.get_text(strip=True) for th in table.find_all("th")]
    for column in (
        "Family",
        "Prediction",
        "NLL of",
        "Convex",
        "Differentiable",
        "Robust to outliers",
        "Proper scoring rule",
        "Source",
    ):
        assert column in header, f"the registry table has no {column!r} column: {header}"
    rows = {tr.find("td").get_text(strip=True): tr for tr in table.find_all("tr") if tr.find("td")}
    missing = [name for name in losslib.LOSSES if name not in rows]
    assert not missing, f"the registry table leaves out {missing}"
    unlinked = [name for name, tr in rows.items() if tr.find_all("td")[-1].find("a") is None]
    assert not unlinked, f"the Source column of {unlinked} is not a resolved citation"
    assert "{cite" not in table.get_text(), "a {cite} role was printed instead of rendered"


def test_a_module_without_losses_yet_says_so(page):
    """A module whose __all__ is empty (a part of the course being written) still gets its section."""
    for name in _public_modules():
        module = getattr(losslib, name)
        target = page.find(id=f"module-losslib.{name}")
        if target is None:
            continue  # test_every_module_has_a_section says so
        section = target.find_parent("section")
        empty_note = "Nothing here yet" in section.get_text()
        assert empty_note == (not module.__all__), f"the section of losslib.{name} is wrong about being empty"
