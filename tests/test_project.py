"""The project's promises about itself: the two commands, licences, one version everywhere."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import yaml

import losslib

ROOT = Path(__file__).resolve().parent.parent


def test_readme_first_screen_shows_the_two_commands():
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:25])
    assert "make book" in first_screen and "make test" in first_screen


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_licences_are_stated():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    content = (ROOT / "LICENSE-CONTENT").read_text()
    assert "Creative Commons Attribution 4.0 International" in content
    assert "Section 1 – Definitions" in content and "Section 8 – Interpretation" in content  # the full legal code


def test_one_version_everywhere():
    version = losslib.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["version"] == version, "CITATION.cff's version must be losslib.__version__"
    assert f"## {version}" in (ROOT / "CHANGELOG.md").read_text(), "CHANGELOG.md needs a section for the version"
    assert 'dynamic = ["version"]' in (ROOT / "pyproject.toml").read_text()


def test_losslib_depends_on_numpy_only():
    text = (ROOT / "pyproject.toml").read_text()
    deps = re.search(r"^dependencies = \[(.*?)\]", text, re.M | re.S).group(1)
    assert re.findall(r'"([a-zA-Z0-9_.-]+)', deps) == ["numpy"]
    allowed = set(sys.stdlib_module_names) | {"numpy"}
    for path in (ROOT / "losslib").glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {
            alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        }
        imported |= {
            node.module.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
        }
        assert imported <= allowed, f"{path.name} imports {sorted(imported - allowed)}: losslib needs numpy only"
