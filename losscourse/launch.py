"""Where the course lives online, and the links and environments that open it there.

One setting says where the repository is: ``repository.url`` (and ``branch``) in
``_config.yml``. Everything else derives from it: the book's launch buttons (Binder, Colab, a
JupyterHub), the links of the exercises page, the Colab install cell (pinned to this release,
``losslib.__version__``, and to the lock's versions of numpy, scipy and matplotlib) and the chapter notebooks that Colab opens. The tests check that the
README, ``CITATION.cff`` and ``binder/`` agree with it.

Colab opens only ``.ipynb`` files from GitHub, and the chapters are MyST markdown notebooks
(``book/NN-topic.md``). So each chapter has a generated twin, ``book/_notebooks/NN-topic.ipynb``
(no outputs, an install cell first), which the launch buttons open; regenerate them after
changing a chapter::

    python -m losscourse.launch notebooks            # write book/_notebooks/*.ipynb
    python -m losscourse.launch notebooks --check    # exit 1 if one is missing or stale (tests run this)
    python -m losscourse.launch install-cell solutions/*/*.ipynb   # add/refresh the install cell
    python -m losscourse.launch links exercises/01-likelihood/likelihood.ipynb

It is also the Sphinx extension (``sphinx.extra_extensions`` in ``_config.yml``) that points the
chapters' launch buttons at the twins, keeps launch buttons off the other pages, lists the
assignments on ``book/exercises.md`` (directive ``assignment-list``), links chapters that may
not exist yet (role ``chapter``) and serves the explorer's script.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "_config.yml"
TOC = ROOT / "_toc.yml"
EXERCISES = ROOT / "exercises"
NOTEBOOKS = ROOT / "book" / "_notebooks"  # the chapters as .ipynb, for Colab, Binder and JupyterHub
STATIC = ROOT / "book" / "_static"  # the explorer's script and style (served on its page only)
CHAPTER = re.compile(r"^book/(\d\d)-[\w-]+$")
INSTALL_CELL_ID = "colab-install"  # nbgrader grade_id and cell id of the install cell
PROVIDERS = ("binderhub", "colab", "jupyterhub")


def _yaml(path: Path) -> dict[str, Any]:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def version(root: Path = ROOT) -> str:
    """``losslib.__version__``, read from the source (the one place the version lives)."""
    text = (root / "losslib" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if match is None:
        raise RuntimeError("losslib/__init__.py has no __version__ = '...' line")
    return match.group(1)


@dataclass(frozen=True)
class Repository:
    """The course's repository on GitHub, as ``_config.yml`` says."""

    url: str  # https://github.com/<org>/<name>
    branch: str

    @property
    def org(self) -> str:
        return self._parts()[0]

    @property
    def name(self) -> str:
        return self._parts()[1]

    def _parts(self) -> tuple[str, str]:
        match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)/?", self.url)
        if match is None:
            raise ValueError(
                f"repository.url in _config.yml is {self.url!r}; the launch links need a GitHub "
                "repository, https://github.com/<organisation>/<name>"
            )
        return match.group(1), match.group(2)

    def blob(self, path: str) -> str:
        """The file's page on GitHub."""
        return f"{self.url}/blob/{self.branch}/{path}"

    def raw(self, path: str) -> str:
        """The file's bytes, from GitHub."""
        return f"https://raw.githubusercontent.com/{self.org}/{self.name}/{self.branch}/{path}"


@dataclass(frozen=True)
class Launch:
    """Where notebooks open: ``launch_buttons`` in ``_config.yml`` (an empty URL: no such button)."""

    repo: Repository
    binderhub_url: str = ""
    colab_url: str = ""
    jupyterhub_url: str = ""
    notebook_interface: str = "jupyterlab"

    @property
    def _ui(self) -> str:
        prefixes = {"classic": "tree", "jupyterlab": "lab/tree"}
        if self.notebook_interface not in prefixes:
            raise ValueError(f"launch_buttons.notebook_interface must be one of {sorted(prefixes)}")
        return prefixes[self.notebook_interface]

    def binder(self, path: str) -> str:
        hub = self.binderhub_url.rstrip("/")
        return f"{hub}/v2/gh/{self.repo.org}/{self.repo.name}/{self.repo.branch}?urlpath={self._ui}/{path}"

    def colab(self, path: str) -> str:
        colab = self.colab_url.rstrip("/")
        return f"{colab}/github/{self.repo.org}/{self.repo.name}/blob/{self.repo.branch}/{path}"

    def jupyterhub(self, path: str) -> str:
        """nbgitpuller's link: the hub clones (or updates) the repository, then opens the file."""
        hub = self.jupyterhub_url.rstrip("/")
        query = urlencode(
            {"repo": self.repo.url, "urlpath": f"{self._ui}/{self.repo.name}/{path}", "branch": self.repo.branch},
            safe="/",
        )
        return f"{hub}/hub/user-redirect/git-pull?{query}"

    def links(self, path: str) -> dict[str, str]:
        """``{provider: url}`` for the configured providers, in the order Binder, Colab, JupyterHub."""
        made = {"binderhub": self.binder, "colab": self.colab, "jupyterhub": self.jupyterhub}
        return {p: made[p](path) for p in PROVIDERS if getattr(self, f"{p}_url")}


LABELS = {"binderhub": "Binder", "colab": "Colab", "jupyterhub": "JupyterHub"}


def settings(config: dict[str, Any] | None = None) -> Launch:
    """The launch settings of ``_config.yml`` (or of the given parsed configuration)."""
    config = _yaml(CONFIG) if config is None else config
    repository = config.get("repository") or {}
    if not repository.get("url"):
        raise ValueError("_config.yml has no repository.url: the launch links need it")
    repo = Repository(repository["url"].rstrip("/"), repository.get("branch") or "main")
    buttons = config.get("launch_buttons") or {}
    return Launch(
        repo,
        binderhub_url=buttons.get("binderhub_url") or "",
        colab_url=buttons.get("colab_url") or "",
        jupyterhub_url=buttons.get("jupyterhub_url") or "",
        notebook_interface=buttons.get("notebook_interface") or "jupyterlab",
    )


# --------------------------------------------------------------------------
# The install cell: Colab (or any Jupyter without the course) gets this release
# --------------------------------------------------------------------------


STUDENT_REQUIREMENTS = "requirements/student.txt"  # derived from the lock by make lock


def requirement(repo: Repository | None = None, release: str | None = None) -> str:
    """pip's requirement for this release of the course: the tag ``v<version>`` of the repository."""
    repo = settings().repo if repo is None else repo
    release = version() if release is None else release
    return f"losslib[student] @ git+{repo.url}@v{release}"


def constraints(repo: Repository | None = None, release: str | None = None) -> str:
    """The URL of this release's ``requirements/student.txt``: the lock's versions of what students import."""
    repo = settings().repo if repo is None else repo
    release = version() if release is None else release
    return Repository(repo.url, f"v{release}").raw(STUDENT_REQUIREMENTS)


def install_cell_source(repo: Repository | None = None, release: str | None = None) -> str:
    """The first code cell of every notebook students open online.

    It installs nothing where the course is installed (a local venv, Binder, a JupyterHub whose
    image has it, the grader's sandbox). On Colab it installs losslib and losscourse of this
    release with numpy, scipy and matplotlib at the versions of the course's lock (pip's ``-c`` of
    the release's ``requirements/student.txt``), the ones the book and the tests ran with. A
    library the session had already imported at another version needs a restart: the cell says so.
    """
    return (
        "# On Colab (or wherever the course is not installed): install losslib and losscourse of this release,\n"
        "# with the versions of numpy, scipy and matplotlib that the course is tested with.\n"
        "import importlib.metadata, importlib.util, subprocess, sys\n"
        "\n"
        'if importlib.util.find_spec("losscourse") is None:\n'
        '    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet",\n'
        f'                           "-c", "{constraints(repo, release)}",\n'
        f'                           "{requirement(repo, release)}"])\n'
        "    importlib.invalidate_caches()\n"
        '    changed = [m for m in ("numpy", "scipy", "matplotlib")\n'
        "               if m in sys.modules and sys.modules[m].__version__ != importlib.metadata.version(m)]\n"
        "    if changed:\n"
        '        print("Restart the session (Colab: Runtime > Restart session), then run the notebook again:",\n'
        '              ", ".join(changed), "changed version after it was imported.")'
    )


def install_cell(nbgrader: bool) -> Any:
    """The install cell as an nbformat code cell (locked and ungraded for nbgrader's source notebooks)."""
    import nbformat

    cell = nbformat.v4.new_code_cell(install_cell_source())
    cell["id"] = INSTALL_CELL_ID
    if nbgrader:
        cell.metadata["nbgrader"] = {
            "grade": False,
            "grade_id": INSTALL_CELL_ID,
            "locked": True,
            "schema_version": 3,
            "solution": False,
            "task": False,
        }
    return cell


def _is_install_cell(cell: Any) -> bool:
    grade_id = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
    return cell.get("cell_type") == "code" and (cell.get("id") == INSTALL_CELL_ID or grade_id == INSTALL_CELL_ID)


def add_install_cell(path: Path) -> bool:
    """Put the current install cell before the first code cell of the notebook at ``path``
    (replacing an older one). Returns whether the file changed. For ``solutions/``: then run
    ``losscourse release`` to regenerate ``exercises/``."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nbgrader = any("nbgrader" in c.get("metadata", {}) for c in nb.cells)
    wanted = install_cell(nbgrader)
    old = [i for i, c in enumerate(nb.cells) if _is_install_cell(c)]
    if old and nb.cells[old[0]].source == wanted.source and len(old) == 1:
        return False
    for i in reversed(old):
        del nb.cells[i]
    first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
    nb.cells.insert(first_code, wanted)
    nbformat.validate(nb)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return True


def has_current_install_cell(nb: Any) -> bool:
    cells = [c for c in nb.cells if _is_install_cell(c)]
    return len(cells) == 1 and cells[0].source == install_cell_source()


# --------------------------------------------------------------------------
# Assignments (exercises/<id>/<name>.ipynb, the student versions)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    id: str  # NN-topic
    path: str  # relative to the repository root: exercises/NN-topic/name.ipynb
    title: str
    tasks: int
    points: float
    uses_check: bool  # the setup cell imports losscourse.checks' check()

    @property
    def number(self) -> str:
        return self.id.split("-", 1)[0]

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def assignments(root: Path = ROOT) -> list[Assignment]:
    """Every assignment released in ``exercises/``, in chapter order. Never looks at ``solutions/``."""
    import nbformat

    found = []
    for path in sorted((root / "exercises").glob("*/*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        nb = nbformat.read(path, as_version=4)
        title = path.stem
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                heading = re.search(r"^#\s+(.+)$", cell.source, re.M)
                if heading:
                    title = heading.group(1).strip()
                    break
        tests = [
            c.metadata["nbgrader"]
            for c in nb.cells
            if (c.metadata.get("nbgrader") or {}).get("grade") and not c.metadata["nbgrader"].get("solution")
        ]
        uses_check = any(
            re.search(r"^from losscourse\.checks[\w.]* import .*\bcheck\b", c.source, re.M)
            for c in nb.cells
            if c.cell_type == "code"
        )
        found.append(
            Assignment(
                id=path.parent.name,
                path=path.relative_to(root).as_posix(),
                title=title,
                tasks=len(tests),
                points=sum(float(t.get("points", 0)) for t in tests),
                uses_check=uses_check,
            )
        )
    return found


# --------------------------------------------------------------------------
# Chapter notebooks: book/NN-topic.md -> book/_notebooks/NN-topic.ipynb
# --------------------------------------------------------------------------


def toc_files(toc: Path = TOC) -> list[str]:
    data = _yaml(toc)
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
_TITLE_TARGET = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)


def _plain_role(match: re.Match[str]) -> str:
    """A MyST role as readable text in Jupyter, which does not know them."""
    role, text = match.group(1), match.group(2)
    titled = _TITLE_TARGET.match(text)
    if role.startswith("cite"):
        return "[" + ", ".join(k.strip() for k in text.split(",")) + "]"
    if role == "eq":
        return f"({text})"
    if role.startswith("py:") or role in ("func", "class", "meth", "mod", "data"):
        return f"`{text.lstrip('~')}`"
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


def chapter_notebook(docname: str, root: Path = ROOT) -> Any:
    """The chapter's notebook twin: its cells, an introduction and the install cell, no outputs."""
    import nbformat
    from myst_nb.core.read import read_myst_markdown_notebook

    source = root / f"{docname}.md"
    repo = settings(_yaml(root / "_config.yml")).repo
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
    install = install_cell(nbgrader=False)
    install.source = install_cell_source(repo, version(root))
    cells = [nbformat.v4.new_markdown_cell(note), install]
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


# --------------------------------------------------------------------------
# Sphinx extension
# --------------------------------------------------------------------------


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
    """Chapters launch their notebook twin; other pages get no launch buttons and no .ipynb download."""
    buttons = context.get("header_buttons")
    if buttons is None:
        return
    is_chapter = bool(CHAPTER.match(pagename)) and pagename in chapters()
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

    match = _TITLE_TARGET.match(text)
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
            found = assignments()
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
    app.connect("config-inited", _static_path)
    app.connect("env-get-outdated", _reread_on_new_pages)
    # After the theme's handlers (priority 501), which make the buttons.
    app.connect("html-page-context", _header_buttons, priority=600)
    app.add_role("chapter", _chapter_role)
    app.add_directive("assignment-list", _assignment_list_directive())
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m losscourse.launch", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("notebooks", help="write the chapters' notebook twins into book/_notebooks/")
    p.add_argument("--check", action="store_true", help="only check; exit 1 if one is missing or stale")
    p = sub.add_parser("install-cell", help="add or refresh the install cell of notebooks (e.g. solutions/*/*.ipynb)")
    p.add_argument("paths", nargs="+", type=Path)
    p = sub.add_parser("links", help="print the launch links of a file of the repository")
    p.add_argument("path")
    args = parser.parse_args(argv)
    if args.command == "notebooks":
        if args.check:
            stale = stale_notebooks()
            for path in stale:
                print(f"{path} is missing or stale: run python -m losscourse.launch notebooks", file=sys.stderr)
            return 1 if stale else 0
        for path in write_notebooks():
            print(path)
        return 0
    if args.command == "install-cell":
        for path in args.paths:
            print(f"{path}: {'updated' if add_install_cell(path) else 'already current'}")
        if any("solutions" in Path(p).parts for p in args.paths):
            print("Now regenerate the student versions: losscourse release")
        return 0
    launch = settings()
    print(json.dumps({"github": launch.repo.blob(args.path), **launch.links(args.path)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = [
    "Assignment",
    "Launch",
    "Repository",
    "add_install_cell",
    "assignments",
    "chapter_notebook",
    "chapters",
    "constraints",
    "install_cell_source",
    "requirement",
    "settings",
    "version",
]
