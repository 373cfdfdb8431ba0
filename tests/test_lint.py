"""ruff (lint and format) is clean on the whole repository and mypy on losslib (config: pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]],
    ids=["ruff-check", "ruff-format", "mypy-losslib"],
)
def test_static_checks_pass(command):
    proc = subprocess.run([str(BIN / command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, (
        f"{' '.join(command)} failed (run `.venv/bin/ruff format . && .venv/bin/ruff check --fix .` "
        f"for the mechanical part):\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}"
    )
