"""The chapters as notebooks: ``book/NN-topic.md`` -> ``book/_notebooks/NN-topic.ipynb``.

Colab opens only ``.ipynb`` files from GitHub, and the chapters are MyST markdown notebooks. So
each chapter has a generated twin (no outputs; an introduction, then the install cell of
:mod:`losscourse.site.links`, then the chapter's cells, with MyST roles and labels turned into
plain text that Jupyter can show), which the launch buttons open. Regenerate them after changing a
chapter (``make book`` does): :func:`write_notebooks`; :func:`stale_notebooks` lists those that
are missing or out of date. The executed notebook that a chapter page offers for download gets
the same install cell first (:func:`downloadable`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .links import (
    INSTALL_CELL_ID,
    ROOT,
    install_cell,
    install_cell_source,
    is_install_cell,
    read_yaml,
    settings,
    version,
)

TOC = ROOT / "_toc.yml"
NOTEBOOKS = ROOT / "book" / "_notebooks"  # the chapters as .ipynb, for Colab, Binder and JupyterHub
CHAPTER = re.compile(r"^book/(\d\d)-[\w-]+$")


def toc_files(toc: Path = TOC) -> list[str]:
    """Every page of ``_toc.yml``, as docnames, in the order of the book."""
    data = read_yaml(toc)
    files = [data["root"]]
    for part in data.get("parts", []):
        files += [ch["file"] for ch in part.get("chapters", [])]
    files += [ch["file"] for ch in data.get("chapters", [])]
    return files


def chapters(toc: Path = TOC) -> list[str]:
    """The numbered chapters of the book, as docnames (``book/01-likelihood``)."""
    return [f for f in toc_files(toc) if CHAPTER.match(f)]


def notebook_path(docname: str) -> str:
    """Where the chapter's notebook twin is, relative to the repository root."""
    return f"{NOTEBOOKS.relative_to(ROOT).as_posix()}/{docname.rsplit('/', 1)[-1]}.ipynb"


_ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
TITLE_TARGET = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)


def _plain_role(match: re.Match[str]) -> str:
    """A MyST role as readable text in Jupyter, which does not know them."""
    role, text = match.group(1), match.group(2)
    titled = TITLE_TARGET.match(text)
    if role.startswith("cite"):
        return "[" + ", ".join(k.strip() for k in text.split(",")) + "]"
    if role == "eq":
        return f"({text})"
    if role.startswith("py:") or role in ("func", "class", "meth", "mod", "data"):
        return f"`{titled.group(1) if titled else text.lstrip('~')}`"
    if titled:
        return titled.group(1)
    if role == "numref":
        return f"the figure or table `{text}`"
    if role.startswith("glue"):  # a number a cell computes: the book pastes it, Jupyter names it
        return f"`{text.split(':', 1)[0]}`"
    return text


def _plain_markdown(text: str) -> str:
    text = re.sub(r"^\([\w-]+\)=\n", "", text, flags=re.M)  # label lines: (ch-likelihood)=
    text = re.sub(r"^(\s*\$\$)\s*\([\w-]+\)\s*$", r"\1", text, flags=re.M)  # equation labels: $$ (eq-x)
    text = re.sub(r"```\{bibliography\}.*?```", "*The references are listed in the book.*", text, flags=re.S)
    return _ROLE.sub(_plain_role, text)


def _install_cell(root: Path) -> Any:
    """The install cell of the repository at ``root`` (its ``_config.yml`` and release)."""
    cell = install_cell(nbgrader=False)
    cell.source = install_cell_source(settings(read_yaml(root / "_config.yml")).repo, version(root))
    return cell


def chapter_notebook(docname: str, root: Path = ROOT) -> Any:
    """The chapter's notebook twin: its cells, an introduction and the install cell, no outputs."""
    import nbformat
    from myst_nb.core.read import read_myst_markdown_notebook

    source = root / f"{docname}.md"
    repo = settings(read_yaml(root / "_config.yml")).repo
    read = read_myst_markdown_notebook(source.read_text(encoding="utf-8"))
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    note = (
        f"*This notebook is generated from the chapter `{docname}.md` of the course "
        f"[Loss Functions, from Likelihood to Embeddings]({repo.url}), release {version(root)}; "
        "do not edit it, edit the chapter. The book shows the same text with its cross-references, "
        "citations and figure captions typeset. Run the first code cell first: on Colab it installs "
        "the course's packages.*"
    )
    cells = [nbformat.v4.new_markdown_cell(note), _install_cell(root)]
    for cell in read.cells:
        if cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(_plain_markdown(cell.source))
        elif cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(cell.source)
        else:
            new = nbformat.v4.new_raw_cell(cell.source)
        if cell.metadata.get("tags"):
            new.metadata["tags"] = list(cell.metadata["tags"])
        cells.append(new)
    stem = docname.rsplit("/", 1)[-1]
    for i, cell in enumerate(cells):
        if cell.get("id") != INSTALL_CELL_ID:
            cell["id"] = f"{stem}-{i:03d}"
    nb.cells = cells
    nbformat.validate(nb)
    return nb


def _dump(nb: Any) -> str:
    import nbformat

    return nbformat.writes(nb) + "\n"


def stale_notebooks(root: Path = ROOT) -> list[str]:
    """The chapter twins that are missing or differ from what their chapters generate now."""
    stale = []
    for docname in chapters(root / "_toc.yml"):
        path = root / notebook_path(docname)
        if not path.is_file() or path.read_text(encoding="utf-8") != _dump(chapter_notebook(docname, root)):
            stale.append(notebook_path(docname))
    return stale


def write_notebooks(root: Path = ROOT) -> list[str]:
    """(Re)write every chapter's twin; remove twins of chapters no longer in the book."""
    written = []
    wanted = set()
    for docname in chapters(root / "_toc.yml"):
        path = root / notebook_path(docname)
        wanted.add(path.name)
        text = _dump(chapter_notebook(docname, root))
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(notebook_path(docname))
    for old in (root / NOTEBOOKS.relative_to(ROOT)).glob("*.ipynb"):
        if old.name not in wanted:
            old.unlink()
            written.append(f"removed {old.relative_to(root).as_posix()}")
    return written


def downloadable(path: Path, root: Path = ROOT) -> bool:
    """Put the install cell first in the executed chapter notebook at ``path`` (what the page's
    ".ipynb" download button serves, outputs included), so that it runs where the course is not
    installed, as the twin does. Returns whether the file changed (not when it has the cell already).
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    wanted = _install_cell(root)
    if nb.cells and is_install_cell(nb.cells[0]) and nb.cells[0].source == wanted.source:
        return False
    nb.cells = [wanted] + [c for c in nb.cells if not is_install_cell(c)]
    nb.nbformat_minor = max(nb.nbformat_minor, 5)  # (cell ids are nbformat 4.5's)
    for i, cell in enumerate(nb.cells):
        cell.setdefault("id", f"{path.stem}-{i:03d}")
    nbformat.validate(nb)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return True
