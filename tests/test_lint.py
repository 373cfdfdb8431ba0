"""ruff (lint and format) is clean on the whole repository, and losslib's types hold (config: pyproject.toml).

mypy runs in strict mode on the whole of losslib; an installed losslib carries its PEP 561
marker, so a user's type checker reads its annotations.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# The modules of losslib that pass `mypy --strict`. It must grow to all of losslib (the family modules
# are being annotated); then this test runs plain `mypy` (pyproject.toml: files = ["losslib"], strict).


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / command[0]), *command[1:]], capture_output=True, text=True, **kwargs)


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", "."], ["ruff", "format", "--check", "."]],
    ids=["ruff-check", "ruff-format"],
)
def test_ruff_passes(command):
    proc = _run(command, cwd=ROOT)
    assert proc.returncode == 0, (
        f"{' '.join(command)} failed (run `.venv/bin/ruff format . && .venv/bin/ruff check --fix .` "
        f"for the mechanical part):\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}"
    )


def test_mypy_strict_passes_on_losslib():
    # pyproject.toml's [tool.mypy]: strict, over the whole of losslib
    proc = _run(["mypy"], cwd=ROOT)
    assert proc.returncode == 0, f"mypy --strict found errors in losslib:\n{proc.stdout[-4000:]}{proc.stderr[-2000:]}"


# A user's code with two type errors that only losslib's annotations reveal.
USER_CODE = """\
import losslib

probabilities: str = losslib.sigmoid([0.0, 1.0])
losslib.huber([0.0], [1.0], delta="2")
"""


def test_a_users_type_checker_sees_losslibs_types(tmp_path):
    """Build the wheel, install it into a folder outside the repository, and run mypy on a user's code there."""
    source = _mkdir(tmp_path / "source")  # a copy, so that setuptools' build/ folder does not land in the repository
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for package in ("losslib", "losscourse"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    build = _run(
        ["python", "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", "../dist", "."], cwd=source
    )
    assert build.returncode == 0, f"the wheel does not build:\n{build.stdout[-3000:]}{build.stderr[-3000:]}"
    (wheel,) = (tmp_path / "dist").glob("losslib-*.whl")
    assert "losslib/py.typed" in zipfile.ZipFile(wheel).namelist(), (
        "the wheel has no losslib/py.typed: list it in pyproject.toml's [tool.setuptools.package-data]"
    )
    site = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)  # a pure-Python wheel installs by unpacking
    user = _mkdir(tmp_path / "user")
    (user / "analysis.py").write_text(USER_CODE)
    (user / "mypy.ini").write_text("[mypy]\n")

    def mypy() -> str:
        # PYTHONPATH puts the unpacked wheel on mypy's search path as an installed package (PEP 561)
        env = {**os.environ, "PYTHONPATH": str(site)}
        cache = str(tmp_path / "mypy-cache")
        proc = _run(["mypy", "--config-file", "mypy.ini", "--cache-dir", cache, "analysis.py"], cwd=user, env=env)
        return proc.stdout + proc.stderr

    out = mypy()
    assert 'variable has type "str"' in out and "analysis.py:3: error: Incompatible types in assignment" in out, out
    assert 'analysis.py:4: error: Argument "delta" to "huber" has incompatible type "str"; expected "float"' in out, out
    # Without the marker, mypy does not read the package's annotations at all: the test depends on it.
    (site / "losslib" / "py.typed").unlink()
    out = mypy()
    assert "missing library stubs or py.typed marker" in out, out


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
