"""The assignment's cells: solution cells (tasks), test cells, and what they depend on, to group
the tasks that share nothing into one submission.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .operators import Mutant


@dataclass
class Cell:
    index: int
    grade_id: str
    source: str
    kind: str  # solution | test | other
    points: float = 0.0
    defines: set[str] = field(default_factory=set)
    uses: set[str] = field(default_factory=set)


def _names(source: str) -> tuple[set[str], set[str]]:
    """(functions defined at top level, names used) of a cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set()
    defines = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    uses = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return defines, uses


def read_cells(notebook: Path) -> list[Cell]:
    import nbformat  # (here: importing it takes a while, and losscourse --help imports this module)

    nb = nbformat.read(notebook, as_version=4)
    cells = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        meta = c.metadata.get("nbgrader", {})
        kind = "solution" if meta.get("solution") else "test" if meta.get("grade") else "other"
        cell = Cell(i, meta.get("grade_id", ""), c.source, kind, float(meta.get("points", 0) or 0))
        cell.defines, cell.uses = _names(c.source)
        cells.append(cell)
    return cells


def _check_functions(assignment: str, source: str) -> set[str]:
    """Student functions a ``check("task")`` call in a test cell runs."""
    found = set()
    ids = re.findall(r"""check\(\s*["']([^"']+)["']""", source)
    if ids:
        from ..checks import for_assignment

        tasks = for_assignment(assignment).tasks
        for task_id in ids:
            if task_id in tasks:
                found |= set(tasks[task_id].functions)
    return found


def components(assignment: str, cells: list[Cell], extra: Sequence[Mutant] = ()) -> list[tuple[list[Cell], list[Cell]]]:
    """Groups of (solution cells, test cells) that share no function: mutants of different
    groups can be handed in together and scored apart. A task's solution, its hand-written
    alternatives and bugs (``extra``) and its tests all count: whatever calls another task's
    function joins that task's group."""
    solutions = [c for c in cells if c.kind == "solution"]
    owner = {name: c.grade_id for c in solutions for name in c.defines}
    parent = {c.grade_id: c.grade_id for c in solutions}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    for mutant in extra:
        for name in _names(mutant.source)[1]:
            if name in owner:
                union(mutant.task, owner[name])
    test_owners: dict[int, set[str]] = {}
    for c in cells:
        used = c.uses | (_check_functions(assignment, c.source) if c.kind == "test" else set())
        owners = {owner[n] for n in used if n in owner}
        if c.kind == "solution":
            for o in owners:
                union(c.grade_id, o)
        elif c.kind == "test":
            test_owners[c.index] = owners
            for a in owners:
                for b in owners:
                    union(a, b)
    groups: dict[str, tuple[list[Cell], list[Cell]]] = {}
    for c in solutions:
        groups.setdefault(find(c.grade_id), ([], []))[0].append(c)
    for c in cells:
        if c.kind == "test":
            owners = test_owners[c.index]
            if not owners:
                raise ValueError(
                    f"test cell {c.grade_id} of {assignment} calls no student function: it can never fail, "
                    "or it calls one in a way the mutation suite cannot see"
                )
            groups[find(next(iter(owners)))][1].append(c)
    return list(groups.values())
