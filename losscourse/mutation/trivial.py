"""Trivial answers of one solution cell: constants and pass-throughs that must score 0."""

from __future__ import annotations

import ast
import textwrap

from .operators import Mutant, _region_lines


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
