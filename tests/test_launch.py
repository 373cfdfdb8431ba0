"""Where the course opens online: one repository URL, launch links, the Binder environment,
the Colab install cell, the chapters' notebook twins, the exercises list and the explorer's data.

Everything here is fast except ``test_binder_environment_installs_and_runs_an_exercise``, which
builds ``binder/requirements.txt`` into a fresh venv as Binder does (about a minute: pip may use
the package registries) and runs an exercise's first cells in it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
import venv
from pathlib import Path

import nbformat
import numpy as np
import pytest
import yaml
from packaging.utils import canonicalize_name

import losslib
from losscourse import assignments, explorer, lockfile
from losscourse.site import links, twins

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
URL = CONFIG["repository"]["url"]


# --------------------------------------------------------------------------
# One repository URL
# --------------------------------------------------------------------------


def test_the_repository_is_named_once_in_the_config():
    settings = links.settings()
    assert URL == settings.repo.url and re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", URL)
    assert settings.repo.branch == CONFIG["repository"]["branch"]
    assert CONFIG["launch_buttons"]["binderhub_url"] and CONFIG["launch_buttons"]["colab_url"]


def test_readme_and_citation_agree_with_the_config():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["repository-code"] == URL, "CITATION.cff's repository-code must be _config.yml's repository.url"
    readme = (ROOT / "README.md").read_text()
    launch_section = readme.split("## Launch", 1)[1].split("\n## ", 1)[0]
    settings = links.settings()
    expected = {
        settings.binder(twins.notebook_path("book/01-likelihood")),
        settings.colab(twins.notebook_path("book/01-likelihood")),
        links.requirement(),
    }
    missing = [u for u in expected if u not in launch_section]
    assert not missing, f"README's Launch section should show these links (derived from _config.yml): {missing}"
    org_repo = f"{settings.repo.org}/{settings.repo.name}"
    for found in re.findall(r"github\.com/([\w.-]+/[\w.-]+?)(?:[/@)\s]|$)", launch_section):
        assert found == org_repo, f"README names the repository {found}, _config.yml says {org_repo}"


def test_no_page_or_module_hard_codes_the_repository():
    """The book's sources, the course package and binder/ derive the URL; they never spell it."""
    org = links.settings().repo.org
    offenders = []
    for path in [
        *(ROOT / "book").glob("*.md"),
        *(ROOT / "losscourse").rglob("*.py"),
        *BINDER.iterdir(),
        *(ROOT / "book" / "_static").iterdir(),
    ]:
        if path.is_file() and org in path.read_text(errors="ignore"):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"these files spell the repository's address instead of deriving it: {offenders}"


# --------------------------------------------------------------------------
# Launch links
# --------------------------------------------------------------------------


def test_launch_links_point_at_the_file_in_the_repository():
    repo = links.Repository("https://github.com/org/course", "main")
    s = links.Launch(
        repo, binderhub_url="https://mybinder.org/", colab_url="https://colab.research.google.com", jupyterhub_url=""
    )
    path = "exercises/01-likelihood/likelihood.ipynb"
    made = s.links(path)
    assert set(made) == {"binderhub", "colab"}, "no JupyterHub link unless jupyterhub_url is set"
    assert made["binderhub"] == f"https://mybinder.org/v2/gh/org/course/main?urlpath=lab/tree/{path}"
    assert made["colab"] == f"https://colab.research.google.com/github/org/course/blob/main/{path}"
    hub = links.Launch(repo, jupyterhub_url="https://hub.example.edu/").links(path)
    assert hub == {
        "jupyterhub": "https://hub.example.edu/hub/user-redirect/git-pull?"
        f"repo=https%3A//github.com/org/course&urlpath=lab/tree/course/{path}&branch=main"
    }
    classic = links.Launch(repo, binderhub_url="https://b.org", notebook_interface="classic")
    assert classic.binder(path).endswith(f"urlpath=tree/{path}")
    with pytest.raises(ValueError, match="GitHub"):
        links.Launch(links.Repository("https://gitlab.com/a/b", "main"), colab_url="x").colab(path)


# --------------------------------------------------------------------------
# The Colab install cell
# --------------------------------------------------------------------------


def _run_install_cell(monkeypatch, find_spec_result):
    """Run the install cell with losscourse found (or not) and pip replaced by a recorder."""
    import importlib.util

    calls = []
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: find_spec_result if name == "losscourse" else real(name, *a)
    )
    monkeypatch.setattr(subprocess, "check_call", lambda cmd, **kw: calls.append(cmd) or 0)
    exec(compile(links.install_cell_source(), "install-cell", "exec"), {})
    monkeypatch.undo()
    return calls


def test_the_install_cell_pins_this_release_and_installs_only_where_needed(monkeypatch):
    req = links.requirement()
    assert req == f"losslib[student] @ git+{URL}@v{losslib.__version__}"
    assert f'"{req}"' in links.install_cell_source()
    assert _run_install_cell(monkeypatch, find_spec_result=object()) == [], (
        "with the course installed, the cell installs nothing"
    )
    calls = _run_install_cell(monkeypatch, find_spec_result=None)
    assert len(calls) == 1 and calls[0][1:4] == ["-m", "pip", "install"] and calls[0][-1] == req


def test_the_install_cell_installs_the_versions_of_the_lock():
    """pip's -c names this release's requirements/student.txt, which pins what students import."""
    org, name = links.settings().repo.org, links.settings().repo.name
    url = f"https://raw.githubusercontent.com/{org}/{name}/v{losslib.__version__}/{links.STUDENT_REQUIREMENTS}"
    assert links.constraints() == url
    assert f'"-c", "{url}"' in links.install_cell_source()
    student = lockfile.wanted(ROOT / links.STUDENT_REQUIREMENTS)
    assert {"numpy", "scipy", "matplotlib"} <= set(student)


def test_the_install_cell_is_a_no_op_in_the_grader_sandbox():
    """The sandbox's import hook answers for losscourse, so the cell never calls pip there (no network)."""
    from losscourse.grader.worker import _ChecksStub

    assert _ChecksStub().find_spec("losscourse") is not None


def test_adding_the_install_cell_to_a_source_notebook(tmp_path):
    from losscourse.assignments import ScratchCourse
    from losscourse.grader.notebooks import read_source, student_code

    assignment = "01-likelihood"
    source = tmp_path / "solutions"
    shutil.copytree(ROOT / "solutions" / assignment, source / assignment)
    path = next((source / assignment).glob("*.ipynb"))
    nb = nbformat.read(path, as_version=4)  # the notebook as it was before it had the cell
    nb.cells = [c for c in nb.cells if not links.is_install_cell(c)]
    nbformat.write(nb, path)
    before = read_source(path)
    assert links.add_install_cell(path) is True
    assert links.add_install_cell(path) is False, "adding it twice changes nothing"
    nb = nbformat.read(path, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.source == links.install_cell_source() and first_code.metadata["nbgrader"]["locked"]
    after = read_source(path)
    assert after.setup[0] == links.install_cell_source() and after.setup[1:] == before.setup
    assert after.max_score == before.max_score and [t.grade_id for t in after.tests] == [
        t.grade_id for t in before.tests
    ]
    with ScratchCourse(source=source) as course:
        student = nbformat.read(next(course.generate(assignment).glob("*.ipynb")), as_version=4)
    assert links.has_current_install_cell(student), "nbgrader's student version keeps the install cell"
    assert student_code(student, after)[0] == links.install_cell_source()


def test_released_notebooks_have_the_current_install_cell_once_it_is_added():
    notebooks = sorted((ROOT / "exercises").glob("*/*.ipynb"))
    having = [p for p in notebooks if any(links.is_install_cell(c) for c in nbformat.read(p, 4).cells)]
    if not having:
        pytest.skip(
            "no exercise has the install cell yet: losscourse install-cell solutions/*/*.ipynb && losscourse release"
        )
    stale = [p.relative_to(ROOT) for p in notebooks if not links.has_current_install_cell(nbformat.read(p, 4))]
    assert not stale, (
        f"{stale} lack the current install cell (release {losslib.__version__}, {URL}): "
        "losscourse install-cell solutions/*/*.ipynb && losscourse release"
    )


# --------------------------------------------------------------------------
# The chapters as notebooks (what the launch buttons open)
# --------------------------------------------------------------------------


def test_every_chapter_has_a_current_notebook_twin():
    stale = twins.stale_notebooks()
    assert not stale, f"{stale} are missing or stale: run make book (or losscourse notebooks)"


def test_make_book_rewrites_the_twins_before_it_builds(monkeypatch):
    from losscourse import book
    from losscourse.book import make

    calls = []
    monkeypatch.setattr(twins, "write_notebooks", lambda *a, **k: calls.append("notebooks") or [])
    monkeypatch.setattr(make, "build", lambda *a, **k: calls.append("build") or 0)
    assert book.make_book(book.ROOT / "_build") == 0
    assert calls == ["notebooks", "build"]


def test_the_downloaded_chapter_notebook_starts_with_the_install_cell(tmp_path):
    """A chapter page's ".ipynb" download is the executed notebook: it gets the twin's install cell
    first (issue #21: without it, it fails with ModuleNotFoundError where the course is not
    installed), keeps its outputs, and a second page write adds nothing."""
    from myst_nb.core.read import read_myst_markdown_notebook

    executed = read_myst_markdown_notebook((ROOT / "book" / "01-likelihood.md").read_text())
    first_code = next(c for c in executed.cells if c.cell_type == "code")
    first_code.outputs = [nbformat.v4.new_output("stream", text="computed\n")]
    path = tmp_path / "01-likelihood.ipynb"
    nbformat.write(executed, path)
    assert twins.downloadable(path) is True
    got = nbformat.read(path, as_version=4)
    nbformat.validate(got)
    twin = twins.chapter_notebook("book/01-likelihood")
    twin_install = next(c for c in twin.cells if c.cell_type == "code")
    assert got.cells[0].cell_type == "code" and got.cells[0].source == twin_install.source
    assert twin_install.source == links.install_cell_source()
    assert [c.source for c in got.cells[1:]] == [c.source for c in executed.cells]
    assert got.cells[1 + executed.cells.index(first_code)].outputs[0].text == "computed\n", "outputs are kept"
    before = path.read_bytes()
    assert twins.downloadable(path) is False and path.read_bytes() == before, "a second write adds nothing"


@pytest.mark.parametrize("docname", twins.chapters())
def test_a_chapter_twin_runs_the_chapters_code_after_the_install_cell(docname):
    from myst_nb.core.read import read_myst_markdown_notebook

    twin = twins.chapter_notebook(docname)
    code = [c.source for c in twin.cells if c.cell_type == "code"]
    assert code[0] == links.install_cell_source()
    chapter = read_myst_markdown_notebook((ROOT / f"{docname}.md").read_text())
    assert code[1:] == [c.source for c in chapter.cells if c.cell_type == "code"]
    markdown = "\n".join(c.source for c in twin.cells if c.cell_type == "markdown")
    assert not re.search(r"\{[\w:-]+\}`", markdown), "MyST roles should read as text in Jupyter"
    assert not re.search(r"^\([\w-]+\)=$", markdown, re.M), "MyST labels should not show in Jupyter"


def test_a_twin_shows_a_links_title_not_its_target():
    text = "{py:func}`huber <losslib.huber>`, {py:func}`losslib.mse`, {term}`logits <logit>` and {term}`loss`."
    assert twins._plain_markdown(text) == "`huber`, `losslib.mse`, logits and loss."


# --------------------------------------------------------------------------
# Assignments (the exercises page)
# --------------------------------------------------------------------------


def test_assignments_are_the_released_student_notebooks():
    found = assignments.released()
    released = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "exercises").glob("*/*.ipynb"))
    assert [a.path for a in found] == released and found
    for a in found:
        assert a.path.startswith("exercises/") and "solutions" not in a.path
        assert a.tasks > 0 and a.points > 0 and a.title
        text = (ROOT / a.path).read_text()
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text


# --------------------------------------------------------------------------
# Binder
# --------------------------------------------------------------------------


def _requirements() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def test_binder_installs_the_student_environment_derived_from_the_lock():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.\d+", runtime)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    minimum = re.search(r">=\s*3\.(\d+)", pyproject["project"]["requires-python"]).group(1)
    assert int(runtime.split(".")[1]) >= int(minimum), f"{runtime} is older than requires-python"
    assert _requirements() == ["-r ../requirements/student.txt", "."], (
        "binder/requirements.txt installs requirements/student.txt (derived from the lock), then the course ('.')"
    )
    post = BINDER / "postBuild"
    assert post.read_text().startswith("#!/bin/bash") and os.access(post, os.X_OK)


def test_binder_environment_installs_and_runs_an_exercise(tmp_path):
    """What Binder builds, in a fresh venv: requirements.txt from a copy of the repository, postBuild,
    then the install cell (if any) and the setup cell of exercise 01, and its check()."""
    repo = tmp_path / "repo"
    for name in ("pyproject.toml", "README.md", "LICENSE", "losslib", "losscourse", "binder", "requirements"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            repo.mkdir(exist_ok=True)
            shutil.copy2(src, repo / name)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    runtime = (BINDER / "runtime.txt").read_text().strip().removeprefix("python-")
    got = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True)
    assert got.stdout.decode().strip() == runtime, f"this test needs Python {runtime} (binder/runtime.txt)"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-compile", "-r", "binder/requirements.txt"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, f"pip install -r binder/requirements.txt failed:\n{install.stderr[-3000:]}"
    post = subprocess.run(["bash", "binder/postBuild"], cwd=repo, env=env, capture_output=True, text=True)
    assert post.returncode == 0, f"postBuild failed:\n{post.stdout}\n{post.stderr}"
    assert f"losslib {losslib.__version__}" in post.stdout
    freeze = subprocess.run(
        [python, "-m", "pip", "list", "--format=json"], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    got = {canonicalize_name(d["name"]): d["version"] for d in json.loads(freeze.stdout)}
    want = lockfile.wanted(ROOT / "requirements" / "student.txt")
    unpinned = {n: v for n, v in got.items() if n not in want and n not in {"losslib", "pip", "setuptools"}}
    assert not unpinned, f"Binder installed what requirements/student.txt does not pin: {unpinned}"
    assert {n: got.get(n) for n in want} == want, "Binder's versions are requirements/student.txt's"

    notebook = ROOT / "exercises" / "01-likelihood" / "likelihood.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    setup = [
        c.source
        for c in nb.cells
        if c.cell_type == "code"
        and (c.metadata.get("nbgrader") or {}).get("locked")
        and not c.metadata["nbgrader"].get("grade")
    ]
    assert any("losscourse.checks" in s for s in setup), "exercise 01's setup cell imports losscourse.checks"
    script = "\n\n".join(setup) + "\n\ncheck()\n"
    work = tmp_path / "student"
    work.mkdir()
    run = subprocess.run([python, "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"the exercise's setup failed in the Binder environment:\n{run.stderr[-3000:]}"
    assert re.search(r"0 of \d+ visible tests pass", run.stdout), run.stdout
    where = subprocess.run(
        [python, "-c", "import losslib, losscourse; print(losslib.__file__, losscourse.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert str(env_dir) in where.stdout, f"the packages must come from the Binder venv, not from {where.stdout}"


# --------------------------------------------------------------------------
# The explorer's data: losslib's numbers, sliced correctly
# --------------------------------------------------------------------------


@pytest.mark.parametrize("family", explorer.FAMILIES)
def test_the_explorer_samples_every_loss_of_the_family(family):
    data = explorer.sample(family)
    assert [entry["name"] for entry in data["losses"]] == [i.name for i in losslib.select(family=family)]
    axis = data["axis"]
    x = explorer.AXES[family].grid
    assert axis["n"] == len(x) and 0.0 in x and (family != "classification" or 1.0 in x), "kinks are grid points"
    steps = (axis["slider_step"] / axis["step"], (axis["initial"] - axis["start"]) / axis["step"])
    assert all(abs(s - round(s)) < 1e-9 for s in steps), "slider positions must be grid points"
    for entry in data["losses"]:
        info = losslib.LOSSES[entry["name"]]
        value, slope, _ = explorer.curves(info, x, family)
        np.testing.assert_allclose(entry["value"], value, rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(entry["grad"], slope, rtol=1e-6, atol=1e-12)
        # the derivative along the slider is the slope of the sampled values, away from kinks
        numeric = np.gradient(np.asarray(entry["value"]), axis["step"])
        smooth = np.abs(np.gradient(np.gradient(value, axis["step"]), axis["step"])) < 50
        smooth[:2] = smooth[-2:] = False
        for k in (0.0, 1.0, -1.0):  # kinks of mae, huber, hinge, quantile...
            smooth &= np.abs(x - k) > 0.05
        np.testing.assert_allclose(numeric[smooth], np.asarray(entry["grad"])[smooth], rtol=2e-2, atol=2e-3)


@pytest.mark.parametrize("family", explorer.FAMILIES)
def test_the_explorer_samples_each_option_slider_value_from_losslib(family):
    data = explorer.sample(family)
    x = explorer.AXES[family].grid
    sliders = {o["name"]: o for o in data["options"]}
    assert set(sliders) == {o.name for o in explorer.OPTIONS[family]}, "each option has some loss that takes it"
    for entry in data["losses"]:
        info = losslib.LOSSES[entry["name"]]
        takes = [o.name for o in explorer.OPTIONS[family] if explorer.takes(info, o)]
        assert takes == ([entry["option"]] if "option" in entry else []), entry["name"]
        if not takes:
            continue
        option = sliders[entry["option"]]
        assert entry["name"] in option["losses"]
        default = option["values"][option["initial"]]
        assert default == explorer.OPTIONS_BY_NAME[option["name"]].default
        assert entry["values"][option["initial"]] == entry["value"], "the default's curve is the plain one"
        assert len(entry["values"]) == len(entry["grads"]) == len(option["values"])
        for value, values, grads in zip(option["values"], entry["values"], entry["grads"]):
            want, slope, _ = explorer.curves(info, x, family, **{option["name"]: value})
            np.testing.assert_allclose(values, want, rtol=1e-6, atol=1e-12)
            np.testing.assert_allclose(grads, slope, rtol=1e-6, atol=1e-12)
        assert len({tuple(v) for v in entry["values"]}) == len(option["values"]), "each value draws its own curve"


def test_the_explorer_script_draws_and_never_computes_a_loss():
    js = (ROOT / "book" / "_static" / "explorer.js").read_text()
    for forbidden in ("Math.exp", "Math.log", "Math.cosh", "fetch(", "XMLHttpRequest", "http://", "https://"):
        assert forbidden not in js.replace("http://www.w3.org/2000/svg", ""), f"explorer.js uses {forbidden}"
    html = explorer.widget(explorer.sample("regression"))
    assert 'type="range"' in html and "<label for=" in html and "<noscript>" in html
    assert html.count('type="range"') == html.count("<label for=") == 3, "residual, Huber's delta, quantile tau"
    assert html.count("aria-valuetext=") == 2, "each option slider says its value (explorer.js keeps it)"
    assert "</script>" in html and html.count("</script>") == 1, "the JSON cannot close its script tag early"


def test_the_book_uses_this_extension():
    assert "losscourse.site.sphinx_ext" in CONFIG["sphinx"]["extra_extensions"]
    toc = twins.toc_files()
    assert {"book/exercises", "book/explorer"} <= set(toc)
