"""Alternatives, bugs and trivial answers written by hand in ``tests/submissions/<topic>.py``."""

from __future__ import annotations

import importlib.util
import inspect
import re
import textwrap
from pathlib import Path
from types import ModuleType

from ..assignments import ROOT
from .cells import Cell
from .operators import Mutant


def submissions_module(assignment: str, root: Path = ROOT) -> ModuleType:
    """``tests/submissions/<topic>.py`` of ``assignment``, imported."""
    topic = assignment.split("-", 1)[-1].replace("-", "_")
    path = root / "tests" / "submissions" / f"{topic}.py"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: write an alternative correct solution and realistic bugs for every task "
            "(see CONTRIBUTING.md, 'Add an assignment')"
        )
    spec = importlib.util.spec_from_file_location(f"_submissions_{topic}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def handwritten(module: ModuleType, cells: list[Cell]) -> list[Mutant]:
    """The module's ``<function>__alt_*``, ``__bug_*`` and ``__trivial_*`` as whole-cell replacements."""
    by_function = {name: c for c in cells if c.kind == "solution" for name in c.defines}
    found = []
    for name, obj in vars(module).items():
        match = re.fullmatch(r"(\w+?)__(alt|bug|trivial)_(\w+)", name)
        if not match or not inspect.isfunction(obj):
            continue
        function, kind, what = match.groups()
        if function not in by_function:
            raise ValueError(f"{name}: the assignment has no task function {function!r}")
        text = textwrap.dedent(inspect.getsource(obj))
        text = re.sub(rf"def {re.escape(name)}\(", f"def {function}(", text, count=1)
        label = f"{kind} {what}"
        kind = {"alt": "alternative"}.get(kind, kind)
        found.append(Mutant(by_function[function].grade_id, label, text, kind))
    return found
