"""Where the course lives online, and the links and the install cell that open it there.

One setting says where the repository is: ``repository.url`` (and ``branch``) in ``_config.yml``.
Everything here derives from it: the launch links (Binder, Colab, a JupyterHub) of the book's
chapters and of the exercises page, and the install cell, the first code cell of every notebook
students open online (pinned to this release, ``losslib.__version__``, and to the lock's versions
of numpy, scipy and matplotlib). The tests check that the README, ``CITATION.cff`` and
``binder/`` agree with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent.parent
CONFIG = ROOT / "_config.yml"
INSTALL_CELL_ID = "colab-install"  # nbgrader grade_id and cell id of the install cell
PROVIDERS = ("binderhub", "colab", "jupyterhub")


def read_yaml(path: Path) -> dict[str, Any]:
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
    config = read_yaml(CONFIG) if config is None else config
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


def is_install_cell(cell: Any) -> bool:
    """Whether ``cell`` is an install cell (found by its id, or its nbgrader grade id)."""
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
    old = [i for i, c in enumerate(nb.cells) if is_install_cell(c)]
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
    """Whether the notebook has exactly one install cell, and it is this release's."""
    cells = [c for c in nb.cells if is_install_cell(c)]
    return len(cells) == 1 and cells[0].source == install_cell_source()
