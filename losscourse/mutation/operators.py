"""Mutation operators (each takes an AST node and yields replacements) and the mutants they make
of one solution cell's solution region.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .constants import BEGIN, END

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
