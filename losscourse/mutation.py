"""Mutation testing of an assignment's tests: do they catch the slips students make?

For every solution cell of the source notebook, the solution region (between ``### BEGIN
SOLUTION`` and ``### END SOLUTION``) is mutated with the slips seen in loss code: mean for
sum, a flipped sign, a dropped constant or division by N, the wrong axis, ``log`` for
``log1p``, ``max`` for ``min``, a log-sum-exp without its max subtracted, and so on
(:data:`OPERATORS`). Each mutant is handed in as a student would hand it in, a copy of the
notebook with that cell changed, and graded by ``losscourse grade``; it is *killed* if the
tests of its task lose points.

Three more kinds of submissions come from ``tests/submissions/<topic>.py``:

- ``<function>__alt_<what>``: a correct solution written differently; it must get full marks;
- ``<function>__bug_<what>``: a realistic slip the operators do not produce; it must be killed;
- ``<function>__trivial_<what>``: a constant or pass-through answer that only this task can
  phrase (the majority class of a fit, a constant line); it must score 0 on its task.

Every task also gets *trivial* answers generated from its function (:func:`trivial_answers`):
``return 0.0``, ``zeros_like``/``ones_like``/the mean of its first argument, that argument
itself, zeros, ones and that mean in the shape and dtype of the right answer, and, for a task
that answers with one of a list of names, each name every time (the most common choice
among them). A trivial answer must score 0 on its task's tests, visible and hidden.

A mutant that cannot change behaviour (``x <= d`` for ``x < d`` where ties are impossible)
is listed in that module's ``EQUIVALENT`` with the reason, and left out of the kill rate.

To keep it fast, mutants of tasks that share nothing (no function calls between them, no
test calling both) go into the same submission; a task's points are read separately.

Run ``losscourse mutate 04-embeddings`` for the report of one assignment.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
import shutil
import tempfile
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from .assignments import ROOT, SOURCE, ScratchCourse

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
TARGET_KILL_RATE = 0.9
KINDS = ("operator", "bug", "alternative", "trivial")  # of Mutant.kind


# --------------------------------------------------------------------------
# Mutation operators: each takes an AST node and yields (label, replacement node)
# --------------------------------------------------------------------------

SWAPS = {
    "mean": "sum",
    "sum": "mean",
    "max": "min",
    "min": "max",
    "amax": "amin",
    "amin": "amax",
    "maximum": "minimum",
    "minimum": "maximum",
    "log": "log1p",
    "log1p": "log",
    "exp": "expm1",
    "expm1": "exp",
    "argmax": "argmin",
    "argmin": "argmax",
}
BINOP_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
CMP_FLIPS = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE}


def _func_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _copy(node: ast.AST) -> ast.AST:
    return ast.parse(ast.unparse(node), mode="eval").body


def op_swap_function(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """np.mean <-> np.sum, max <-> min, log <-> log1p, exp <-> expm1 (functions and methods)."""
    name = _func_name(node) if isinstance(node, ast.Call) else None
    if name not in SWAPS:
        return
    new = _copy(node)
    if isinstance(new.func, ast.Attribute):
        new.func.attr = SWAPS[name]
    elif name in ("max", "min"):  # the builtins
        new.func.id = SWAPS[name]
    else:
        return
    yield f"{name} -> {SWAPS[name]}", new


def op_swap_binop(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """a + b <-> a - b, a * b <-> a / b."""
    if isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAPS:
        new = _copy(node)
        new.op = BINOP_SWAPS[type(node.op)]()
        yield "operator", new


def op_drop_operand(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """a / b -> a (e.g. a gradient not divided by N), a * b -> a and -> b, a - max(a) -> a."""
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Div | ast.Mult | ast.Sub | ast.Add):
            yield "drop right operand", _copy(node.left)
        if isinstance(node.op, ast.Mult | ast.Add):
            yield "drop left operand", _copy(node.right)


def op_negate(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """-x -> x."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield "drop minus", _copy(node.operand)


def op_constant(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """A numeric constant in arithmetic: 0.5 -> 1, 2 -> 1, 1 -> 2, c -> 2c."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float) and not isinstance(node.value, bool):
        value = node.value
        new = {0.5: 1.0, 2: 1, 1: 2, 0: 1}.get(value, value * 2 if value else 1)
        yield "constant", ast.Constant(type(value)(new))


def op_axis(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """axis=-1 <-> axis=0, axis=1 -> 0, keepdims=True -> False, axis=... dropped."""
    if not isinstance(node, ast.Call):
        return
    for i, kw in enumerate(node.keywords):
        if kw.arg == "axis" and isinstance(kw.value, ast.Constant | ast.UnaryOp):
            text = ast.unparse(kw.value)
            new = _copy(node)
            new.keywords[i].value = ast.Constant(0) if text != "0" else ast.UnaryOp(ast.USub(), ast.Constant(1))
            yield "axis", new
            new = _copy(node)
            del new.keywords[i]
            yield "no axis", new
        if kw.arg == "keepdims" and isinstance(kw.value, ast.Constant) and kw.value.value is True:
            new = _copy(node)
            new.keywords[i].value = ast.Constant(False)
            yield "keepdims", new


def op_compare(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """a < b -> a > b (and the other flips)."""
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in CMP_FLIPS:
        new = _copy(node)
        new.ops = [CMP_FLIPS[type(node.ops[0])]()]
        yield "comparison", new


def op_naive_logaddexp(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """np.logaddexp(a, b) -> np.log(np.exp(a) + np.exp(b)): overflows for large inputs."""
    if isinstance(node, ast.Call) and _func_name(node) == "logaddexp" and len(node.args) == 2:
        a, b = (ast.unparse(x) for x in node.args)
        yield "naive logaddexp", ast.parse(f"np.log(np.exp({a}) + np.exp({b}))", mode="eval").body


def op_drop_call(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """np.sqrt(x) -> x, np.abs(x) -> x, np.clip(x, ...) -> x."""
    if isinstance(node, ast.Call) and _func_name(node) in ("sqrt", "abs", "clip", "log", "exp") and node.args:
        yield f"drop {_func_name(node)}", _copy(node.args[0])


OPERATORS: tuple[Callable[[ast.AST], Iterator[tuple[str, ast.AST]]], ...] = (
    op_swap_function,
    op_swap_binop,
    op_drop_operand,
    op_negate,
    op_constant,
    op_axis,
    op_compare,
    op_naive_logaddexp,
    op_drop_call,
)


def _return_negations(tree: ast.Module) -> Iterator[tuple[ast.Return, ast.AST]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) and node.value is not None:
            yield node, ast.UnaryOp(ast.USub(), _copy(node.value))


# --------------------------------------------------------------------------
# Mutants of one solution cell
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    task: str  # the solution cell's grade id
    label: str  # stable description, e.g. "`np.mean(x)` -> `np.sum(x)`"
    source: str  # the whole cell's new source
    kind: str = "operator"  # operator | bug | alternative | trivial


def _region_lines(source: str) -> range:
    lines = source.splitlines()
    begin = next((i for i, line in enumerate(lines, 1) if line.strip() == BEGIN), None)
    end = next((i for i, line in enumerate(lines, 1) if line.strip() == END), None)
    if begin is None or end is None:
        return range(0)
    return range(begin + 1, end)


def _short(node: ast.AST, limit: int = 60) -> str:
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def mutants_of_cell(task: str, source: str) -> list[Mutant]:
    """Every distinct, compilable mutant of the solution region of one cell."""
    region = _region_lines(source)
    tree = ast.parse(source)
    original = ast.unparse(tree)
    seen: dict[str, Mutant] = {}
    counts: dict[str, int] = {}

    def add(label: str, new_tree: ast.Module) -> None:
        try:
            text = ast.unparse(ast.fix_missing_locations(new_tree))
            compile(text, "<mutant>", "exec")
        except (SyntaxError, ValueError, TypeError):
            return
        if text == original or text in seen:
            return
        n = counts.get(label, 0)
        counts[label] = n + 1
        unique = label if n == 0 else f"{label} #{n + 1}"
        seen[text] = Mutant(task, unique, text)

    # Keyword values (axis=-1, dtype=float, keepdims=True) are mutated by op_axis only.
    in_keywords = {id(n) for kw in ast.walk(tree) if isinstance(kw, ast.keyword) for n in ast.walk(kw.value)}
    candidates = [n for n in ast.walk(tree) if getattr(n, "lineno", 0) in region and id(n) not in in_keywords]
    for node in candidates:
        for operator in OPERATORS:
            for _, replacement in operator(node):
                add(f"`{_short(node)}` -> `{_short(replacement)}`", _replace_at(source, node, replacement))
    for ret, negated in _return_negations(tree):
        if ret.lineno in region:
            add(f"`return {_short(ret.value)}` -> `return -(...)`", _replace_at(source, ret.value, negated))
    return list(seen.values())


def _key(node: ast.AST) -> tuple:
    return (
        type(node).__name__,
        getattr(node, "lineno", None),
        getattr(node, "col_offset", None),
        getattr(node, "end_lineno", None),
        getattr(node, "end_col_offset", None),
    )


def _replace_at(source: str, target: ast.AST, replacement: ast.AST) -> ast.Module:
    """A fresh tree of ``source`` with the node at ``target``'s position replaced."""
    tree = ast.parse(source)
    key = _key(target)

    class Swap(ast.NodeTransformer):
        done = False

        def visit(self, node: ast.AST) -> ast.AST:
            if not self.done and _key(node) == key:
                self.done = True
                return replacement
            return super().visit(node)

    return Swap().visit(tree)


# --------------------------------------------------------------------------
# Trivial answers of one solution cell: constants and pass-throughs
# --------------------------------------------------------------------------


def _task_function(task: str, tree: ast.Module) -> ast.FunctionDef | None:
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    return next((f for f in functions if f.name == task), functions[0] if functions else None)


def _answer_names(function: ast.FunctionDef) -> list[str]:
    """The string constants ``function`` answers with (dict values, returned strings), in order."""
    found: list[str] = []
    for node in ast.walk(function):
        values: list[ast.AST] = []
        if isinstance(node, ast.Dict):
            values = list(node.values)
        elif isinstance(node, ast.Return) and node.value is not None:
            values = [node.value]
        for v in values:
            if isinstance(v, ast.Constant) and isinstance(v.value, str) and v.value not in found:
                found.append(v.value)
    return found


def trivial_answers(task: str, source: str) -> list[Mutant]:
    """Constant and pass-through answers to the task of one solution cell.

    ``return 0.0``; ``np.zeros_like(a)``, ``np.ones_like(a)``, ``a`` and ``np.mean(a)`` of the first
    argument ``a``; and zeros, ones and ``np.mean(a)`` in the shape and dtype of the right answer
    (the solution still runs, its result is then replaced). A task that answers with names
    (``choose_loss``) gets instead each of its names as a constant answer: the most common choice
    is among them."""
    tree = ast.parse(source)
    function = _task_function(task, tree)
    if function is None or not _region_lines(source):
        return []
    args = function.args
    params = [a.arg for a in args.posonlyargs + args.args]
    if not params:
        return []
    first = params[0]
    signature = ast.unparse(args)
    call = ", ".join(
        params
        + ([f"*{args.vararg.arg}"] if args.vararg else [])
        + [f"{a.arg}={a.arg}" for a in args.kwonlyargs]
        + ([f"**{args.kwarg.arg}"] if args.kwarg else [])
    )
    names = _answer_names(function)
    bodies: list[tuple[str, str]] = []
    if names:
        bodies = [(f"always {name!r}", f"return {name!r}") for name in names]
    else:
        bodies = [
            ("`return 0.0`", "return 0.0"),
            (f"`np.zeros_like({first})`", f"return np.zeros_like({first})"),
            (f"`np.ones_like({first})`", f"return np.ones_like({first})"),
            (f"`np.mean({first})`", f"return np.mean({first})"),
        ] + [(f"`return {p}`", f"return {p}") for p in params[: len(params) - len(args.defaults)] or params[:1]]
    solution = f"_solution_{function.name}"
    like = textwrap.dedent(
        f"""\
        def {function.name}({signature}):
            def like(v, fill):
                if isinstance(v, tuple | list):
                    return type(v)(like(x, fill) for x in v)
                v = np.asarray(v)
                out = np.full(v.shape, fill, dtype=v.dtype if v.dtype.kind in "fciu" else float)
                return out if out.ndim else out[()]
            return like({solution}({call}), FILL)
        """
    )
    renamed = ast.parse(source)
    _task_function(task, renamed).name = solution
    head = ast.unparse(renamed)
    found = []
    for label, body in bodies:
        text = f"def {function.name}({signature}):\n    {body}\n"
        found.append(Mutant(task, f"trivial {label}", _with(source, function, text), "trivial"))
    if not names:
        for label, fill in (("zeros", "0"), ("ones", "1"), (f"np.mean({first})", f"np.mean({first})")):
            text = head + "\n\n\n" + like.replace("FILL", fill)
            found.append(Mutant(task, f"trivial {label} in the shape and dtype of the answer", text, "trivial"))
    return found


def _with(source: str, function: ast.FunctionDef, replacement: str) -> str:
    """``source`` with the top-level ``function`` replaced by the text ``replacement``."""
    tree = ast.parse(source)
    body = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function.name:
            body += ast.parse(replacement).body
        else:
            body.append(node)
    tree.body = body
    return ast.unparse(tree)


# --------------------------------------------------------------------------
# The assignment: solution cells, tasks, test cells and what they depend on
# --------------------------------------------------------------------------


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
        from .checks import for_assignment

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


# --------------------------------------------------------------------------
# Alternatives, bugs and trivial answers from tests/submissions/<topic>.py
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# Grading the mutants
# --------------------------------------------------------------------------


@dataclass
class Outcome:
    mutant: Mutant
    points: float
    max_points: float
    equivalent: str = ""  # the reason, if declared equivalent
    messages: dict[str, str] = field(default_factory=dict)  # failed test -> message

    task_points: float = 0.0  # of the mutated task's own tests (visible and hidden)
    task_max_points: float = 0.0

    @property
    def killed(self) -> bool:
        return self.points < self.max_points

    @property
    def scores_zero(self) -> bool:
        """Whether the mutated task's own tests give it nothing (what a trivial answer must get)."""
        return self.task_points == 0


@dataclass
class Report:
    assignment: str
    outcomes: list[Outcome]
    stale_equivalents: list[str]

    def of(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.mutant.kind == kind]

    @property
    def counted(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.mutant.kind in ("operator", "bug") and not o.equivalent]

    @property
    def trivial_scoring(self) -> list[Outcome]:
        """Trivial answers that earn points on their task (there must be none)."""
        return [o for o in self.of("trivial") if not o.scores_zero]

    @property
    def kill_rate(self) -> float:
        counted = self.counted
        return sum(o.killed for o in counted) / len(counted) if counted else 1.0

    @property
    def survivors(self) -> list[Outcome]:
        return [o for o in self.counted if not o.killed]

    @property
    def passed(self) -> bool:
        """Whether the tests are good enough: kill rate reached, no alternative short of full marks,
        no trivial answer scoring on its task."""
        alternatives_short = any(o.killed for o in self.of("alternative"))
        return self.kill_rate >= TARGET_KILL_RATE and not alternatives_short and not self.trivial_scoring

    def text(self) -> str:
        counted = self.counted
        lines = [
            f"{self.assignment}: {sum(o.killed for o in counted)} of {len(counted)} mutants killed "
            f"({self.kill_rate:.1%}; {len(self.of('bug'))} hand-written bugs among them), "
            f"{sum(bool(o.equivalent) for o in self.outcomes)} declared equivalent, "
            f"{sum(not o.killed for o in self.of('alternative'))} of {len(self.of('alternative'))} "
            "alternative solutions at full marks, "
            f"{len(self.of('trivial')) - len(self.trivial_scoring)} of {len(self.of('trivial'))} trivial answers "
            "score 0 on their task"
        ]
        per_task: dict[str, list[Outcome]] = {}
        for o in counted:
            per_task.setdefault(o.mutant.task, []).append(o)
        for task, outs in per_task.items():
            lines.append(f"  {task}: {sum(o.killed for o in outs)}/{len(outs)} killed")
        for o in self.survivors:
            lines.append(f"  SURVIVED {o.mutant.task}: {o.mutant.label}")
        for o in self.of("alternative"):
            if o.killed:
                lines.append(
                    f"  ALTERNATIVE LOST POINTS {o.mutant.task}: {o.mutant.label} ({o.points:g}/{o.max_points:g}): "
                    + "; ".join(f"{k}: {v[:300]}" for k, v in o.messages.items())
                )
        for o in self.trivial_scoring:
            lines.append(
                f"  TRIVIAL ANSWER SCORES {o.mutant.task}: {o.mutant.label} ({o.task_points:g}/{o.task_max_points:g})"
            )
        for label in self.stale_equivalents:
            lines.append(f"  STALE EQUIVALENT (no such mutant): {label}")
        return "\n".join(lines)


def _notebook(assignment: str, source: Path) -> Path:
    return sorted((source / assignment).glob("*.ipynb"))[0]


def run(
    assignment: str,
    *,
    jobs: int = 2,
    root: Path = ROOT,
    log: Callable[[str], None] = print,
    kinds: Sequence[str] = KINDS,
) -> Report:
    """Grade every mutant, alternative, bug and trivial answer of ``assignment`` (of ``kinds`` only,
    if given); return the report."""
    from .grader.run import grade

    notebook = _notebook(assignment, root / "solutions")
    cells = read_cells(notebook)
    module = submissions_module(assignment, root)
    equivalent: dict[str, dict[str, str]] = getattr(module, "EQUIVALENT", {})
    extra = handwritten(module, cells)
    groups = components(assignment, cells, extra)

    # queues[g] = the submissions' worth of mutants of group g, one per submission
    queues: list[list[Mutant]] = []
    for solutions, _ in groups:
        queue: list[Mutant] = []
        for cell in solutions:
            queue += mutants_of_cell(cell.grade_id, cell.source)
            queue += trivial_answers(cell.grade_id, cell.source)
        queue += [m for m in extra if m.task in {c.grade_id for c in solutions}]
        queue = [m for m in queue if m.kind in kinds]
        queues.append(queue)

    import nbformat

    base = nbformat.read(notebook, as_version=4)
    work = Path(tempfile.mkdtemp(prefix=f"mutants-{assignment}-"))
    try:
        plan: dict[str, list[tuple[int, Mutant]]] = {}
        for k in range(max((len(q) for q in queues), default=0)):
            nb = nbformat.from_dict(base)
            chosen = []
            for g, queue in enumerate(queues):
                if k < len(queue):
                    mutant = queue[k]
                    cell = next(c for c in cells if c.grade_id == mutant.task)
                    nb.cells[cell.index].source = mutant.source
                    chosen.append((g, mutant))
            student = f"m{k:04d}"
            (work / "subs" / student).mkdir(parents=True)
            nbformat.write(nb, work / "subs" / student / notebook.name)
            plan[student] = chosen
        log(f"{assignment}: grading {sum(map(len, queues))} mutants in {len(plan)} submissions")
        with ScratchCourse(root / "solutions") as course:
            rows = grade(
                assignment,
                work / "subs",
                out=work / "out",
                jobs=jobs,
                root=course.root,
                record=False,
                feedback=False,
                log=lambda *_: None,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    points = {row["student_id"]: row["points"] for row in rows}
    messages = {row["student_id"]: row.get("messages", {}) for row in rows}
    outcomes = []
    used_equivalents = set()
    for student, chosen in plan.items():
        for g, mutant in chosen:
            tests = groups[g][1]
            got = sum(points[student].get(t.grade_id, 0.0) for t in tests)
            reason = ""
            if mutant.kind == "operator":
                function = next(iter(c.defines for c in cells if c.grade_id == mutant.task), {mutant.task})
                for name in sorted(function) + [mutant.task]:
                    if mutant.label in equivalent.get(name, {}):
                        reason = equivalent[name][mutant.label]
                        used_equivalents.add((name, mutant.label))
            failed = {t.grade_id: messages[student][t.grade_id] for t in tests if t.grade_id in messages[student]}
            own = [t for t in tests if t.grade_id in (f"test_{mutant.task}", f"test_{mutant.task}_hidden")]
            outcomes.append(
                Outcome(
                    mutant,
                    got,
                    sum(t.points for t in tests),
                    reason,
                    failed,
                    sum(points[student].get(t.grade_id, 0.0) for t in own),
                    sum(t.points for t in own),
                )
            )
    stale = [
        f"{f}: {label}"
        for f, labels in equivalent.items()
        for label in labels
        if (f, label) not in used_equivalents and "operator" in kinds
    ]
    return Report(assignment, outcomes, stale)


def generated_mutants(assignment: str, source: Path = SOURCE) -> list[Mutant]:
    """The mutants and trivial answers generated from ``assignment``'s solution cells (the
    hand-written ones of ``tests/submissions/`` are not listed)."""
    found = []
    for cell in read_cells(_notebook(assignment, source)):
        if cell.kind == "solution":
            found += mutants_of_cell(cell.grade_id, cell.source) + trivial_answers(cell.grade_id, cell.source)
    return found


def check(assignments: Sequence[str], *, jobs: int = 2, kinds: Sequence[str] = KINDS) -> bool:
    """Grade the mutants of each assignment (:func:`run`), with a progress bar on a terminal, and
    print each report; return whether every assignment :attr:`Report.passed`."""
    from tqdm import tqdm

    passed = True
    bar = tqdm(assignments, desc="mutation testing", unit="assignment", disable=None)
    for assignment in bar:
        bar.set_postfix_str(assignment)
        report = run(assignment, jobs=jobs, kinds=kinds, log=tqdm.write)
        tqdm.write(report.text())
        passed = passed and report.passed
    return passed
