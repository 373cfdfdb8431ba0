"""The API reference (book/api.md) documents every public name of losslib, and chapters can link them.

losscourse.api_reference writes it: the last tests check that module without a build.

The whole book is built once by tests/test_book.py; to keep this cheap, here Jupyter Book builds
the API page alone, with the project's own _config.yml and a table of contents that holds only
that page, with warnings as errors (-W -n --keep-going --all) into a fresh folder (about 10 s).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import posixpath
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import bs4  # comes with jupyter-book (its HTML theme needs it)
import numpy as np
import pytest
from sphinx.util.inventory import InventoryFile

import losslib
from losscourse import api_reference, book

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


# --------------------------------------------------------------------------
# Readable forms on the page, and losscourse.api_reference, which writes the page
# --------------------------------------------------------------------------


def _entry_body(page, name):
    entry = page.find(id=f"losslib.{name}")
    assert entry is not None, f"book/api.html has no entry for losslib.{name}"
    return entry.find_next_sibling("dd")


def _readable_dropdowns(body):
    return [d for d in body.find_all("details") if "Readable form" in d.find("summary").get_text()]


def test_each_loss_shows_its_readable_form_next_to_its_fast_path(page):
    with_form = [name for name, info in losslib.LOSSES.items() if info.readable is not None]
    assert with_form, "no loss has a readable form: LossInfo.readable is never set"
    for name in with_form:
        info = losslib.LOSSES[name]
        dropdowns = _readable_dropdowns(_entry_body(page, name))
        assert len(dropdowns) == 1, f"losslib.{name}'s entry has {len(dropdowns)} 'Readable form' dropdowns, not 1"
        shown = dropdowns[0].find("pre").get_text()
        source = textwrap.dedent(inspect.getsource(info.readable))
        assert shown.strip() == source.strip(), (
            f"the readable form shown for {name} is not the source of {info.readable}"
        )
        text = " ".join(dropdowns[0].get_text().split())
        assert "an optimisation of this definition, tested against it" in text, text[:300]
        assert not _readable_dropdowns(_entry_body(page, info.grad.__name__)), f"{name}_grad repeats the readable form"


def test_a_loss_without_a_readable_form_shows_none(page):
    for name, info in losslib.LOSSES.items():
        if info.readable is None:
            assert not _readable_dropdowns(_entry_body(page, name)), f"{name} has no readable form, yet one is shown"


def test_readable_form_is_the_source_in_a_dropdown(monkeypatch):
    info = losslib.LOSSES["huber"]

    def plain(y_true, y_pred, *, delta=1.0, reduction="mean"):
        r = np.asarray(y_pred) - np.asarray(y_true)
        return r, r

    monkeypatch.setitem(losslib.LOSSES, "huber", dataclasses.replace(info, readable=plain))
    rst = api_reference.readable_form("huber")
    assert rst.startswith(".. dropdown:: Readable form\n")
    assert ":func:`huber` and :func:`huber_grad` compute the same in a fast path" in rst
    code = rst.split(".. code-block:: python\n      :class: readable-form\n\n", 1)[1]
    assert textwrap.dedent(code).strip() == textwrap.dedent(inspect.getsource(plain)).strip()
    # inside the loss's entry (indented under its autofunction), not the gradient's
    module_rst = api_reference.api(losslib.regression)
    loss_entry = module_rst.split(".. autofunction:: losslib.huber\n", 1)[1].split(".. autofunction::", 1)[0]
    assert "\n   .. dropdown:: Readable form\n" in loss_entry
    body = " " * (3 + 3 + 3 + 4)  # autofunction's content, the dropdown's, the code block's, the function's body
    assert f"\n{body}r = np.asarray(y_pred) - np.asarray(y_true)\n" in loss_entry
    monkeypatch.setitem(losslib.LOSSES, "huber", dataclasses.replace(info, readable=None))
    assert api_reference.readable_form("huber") == ""
    assert "Readable form" not in api_reference.directive(losslib.regression, "huber")


def test_every_name_of_a_module_is_documented_once_each_loss_before_its_gradient():
    for name in _public_modules():
        module = getattr(losslib, name)
        rst = api_reference.api(module)
        for public in module.__all__:
            lines = [
                line
                for line in rst.splitlines()
                if line.endswith(f" losslib.{public}") or line == f".. py:data:: {public}"
            ]
            assert len(lines) == 1, f"losslib.{public} is documented {len(lines)} times in the section of {name}"
        order = api_reference.ordered_names(module)
        for info in losslib.LOSSES.values():
            if api_reference.defines(module, info.loss) and info.grad.__name__ in order:
                assert order.index(info.grad.__name__) == order.index(info.loss.__name__) + 1, info.name


def test_constants_are_documented_with_their_own_docstring():
    assert api_reference.constant_docstring(losslib.registry, "LOSSES") == "Every loss in losslib, by name."
    assert api_reference.constant_docstring(losslib.registry, "value_and_grad") is None  # a function
    assert api_reference.constant_docstring(losslib._validation, "REDUCTIONS") == ""
    rst = api_reference.directive(losslib, "LOSSES")
    assert rst.startswith(".. py:data:: LOSSES\n   :module: losslib\n   :canonical: losslib.registry.LOSSES\n")
    assert ":value:" not in rst and "Every loss in losslib, by name." in rst  # the registry is described
    assert "   :value: ('mean', 'sum', 'none')" in api_reference.directive(losslib._validation, "REDUCTIONS")


def test_a_module_without_names_yet_says_so():
    module = types.ModuleType("losslib.future", "A family being written.")
    module.__all__ = []
    rst = api_reference.api(module)
    assert rst.startswith("```{eval-rst}\n.. py:module:: losslib.future\n.. py:currentmodule:: losslib\n")
    assert api_reference.NOTHING_YET in rst and rst.endswith("```\n")


def test_a_family_package_lists_the_names_of_its_modules():
    """losslib.classification & co. repeat their modules' __all__ (for type checkers): the two agree."""
    for name in _public_modules():
        package = getattr(losslib, name)
        if not hasattr(package, "__path__"):
            continue
        modules = [
            importlib.import_module(f"{package.__name__}.{m.name}") for m in pkgutil.iter_modules(package.__path__)
        ]
        from_modules = [n for module in modules for n in getattr(module, "__all__", [])]
        assert sorted(package.__all__) == sorted(from_modules), (
            f"losslib.{name}.__all__ and its modules' __all__ differ"
        )
