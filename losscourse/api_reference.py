"""The API reference of losslib (``book/api.md``), generated from the package itself.

:func:`api` writes the reference of one module as reStructuredText for an ``{eval-rst}`` block:
the module's docstring, then every name of its ``__all__`` (so a new loss appears as soon as its
module exports it), each loss next to its gradient in the order of the registry, then the module's
other names. A loss with a readable form (:attr:`losslib.LossInfo.readable`) shows its source in
a "Readable form" dropdown inside its entry: the definition, of which the loss's own code is an
optimisation tested against it (``tests/test_losslib_readable.py``).

Every name is documented under the name users type, so ``{py:func}`losslib.mse``` in a chapter
links to the API page (``losslib.regression.mse`` would not: Sphinx records the defining module
as a second name for classes and constants, not for functions).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from collections.abc import Mapping, Sequence
from types import ModuleType

import losslib

NOTHING_YET = "*Nothing here yet: this part of the course is being written.*"


def _modules() -> list[ModuleType]:
    """losslib and each of its modules, those of its packages too (private ones included: a constant
    may be defined there)."""
    names = [m.name for m in pkgutil.walk_packages(losslib.__path__, "losslib.")]
    return [losslib] + [importlib.import_module(name) for name in names]


def ordered_names(module: ModuleType) -> list[str]:
    """``module.__all__``, with each registered loss followed by its gradient, in registry order, first."""
    names = list(module.__all__)
    ordered: list[str] = []
    for entry in (e for e in losslib.LOSSES.values() if defines(module, e.loss)):
        for fn in (entry.loss, entry.grad):
            if fn.__name__ in names and fn.__name__ not in ordered:
                ordered.append(fn.__name__)
    return ordered + [n for n in names if n not in ordered]


def defines(module: ModuleType, function: object) -> bool:
    """Whether ``function`` is one of ``module``'s own: defined in it or, for a package such as
    ``losslib.classification``, in one of its modules."""
    home = getattr(function, "__module__", "")
    return home == module.__name__ or (hasattr(module, "__path__") and home.startswith(module.__name__ + "."))


def constant_docstring(module: ModuleType, name: str) -> str | None:
    """The docstring of the constant ``name`` (the string literal after its assignment at the top
    level of ``module``): ``""`` if it has none, ``None`` if ``module`` does not assign ``name``."""
    body = ast.parse(inspect.getsource(module)).body
    for node, after in zip(body, [*body[1:], None]):
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
                return inspect.cleandoc(str(after.value.value))
            return ""
    return None


def _data(module: ModuleType, name: str, target: str) -> str:
    """A module-level constant. autodoc would show the docstring of its type (dict's, for the
    registry), so the constant's own docstring is taken from the module that defines it."""
    home = next((m for m in [module, *_modules()] if constant_docstring(m, name) is not None), module)
    doc = constant_docstring(home, name) or ""
    value = getattr(module, name)
    module_name, _, short = target.rpartition(".")
    lines = [f".. py:data:: {short}", f"   :module: {module_name}"]
    if f"{home.__name__}.{name}" != target:
        lines.append(f"   :canonical: {home.__name__}.{name}")
    if not isinstance(value, Mapping):  # the registry is described, not printed
        lines.append(f"   :value: {value!r}")
    lines.append("")
    lines += [f"   {line}".rstrip() for line in doc.splitlines()]
    return "\n".join(lines) + "\n"


def readable_form(name: str) -> str:
    """A "Readable form" dropdown with the source of the loss ``name``'s readable form, as rST.

    ``""`` for a loss that has none (yet). The dropdown is sphinx-design's (``<details>`` in HTML).
    """
    info = losslib.LOSSES[name]
    if info.readable is None:
        return ""
    source = textwrap.dedent(inspect.getsource(info.readable)).rstrip()
    code = "\n".join(f"      {line}".rstrip() for line in source.splitlines())
    return (
        ".. dropdown:: Readable form\n\n"
        f"   The loss and its gradient as the book writes them, in plain numpy. :func:`{info.loss.__name__}` "
        f"and :func:`{info.grad.__name__}` compute the same in a fast path: an optimisation of this "
        "definition, tested against it on every input the tests draw.\n\n"
        "   .. code-block:: python\n"
        "      :class: readable-form\n\n"
        f"{code}\n"
    )


def directive(module: ModuleType, name: str) -> str:
    """The rST that documents ``module.name``: autodoc for functions and classes, ``py:data`` for constants.

    A registered loss gets its readable form (:func:`readable_form`) inside its entry.
    """
    obj = getattr(module, name)
    public = name in losslib.__all__ and getattr(losslib, name) is obj
    target = f"losslib.{name}" if public else f"{module.__name__}.{name}"
    if inspect.isclass(obj):
        # A NamedTuple's fields are described in its docstring; autodoc would add
        # an "Alias for field number 0" entry per field.
        members = "" if issubclass(obj, tuple) else "   :members:\n"
        return f".. autoclass:: {target}\n{members}"
    if callable(obj):
        entry = losslib.LOSSES.get(name)
        readable = readable_form(name) if entry is not None and entry.loss is obj else ""
        body = textwrap.indent(readable, "   ", lambda line: bool(line.strip()))
        return f".. autofunction:: {target}\n" + (f"\n{body}" if body else "")
    return _data(module, name, target)


def api(module: ModuleType, names: Sequence[str] | None = None) -> str:
    """The reference of ``module`` as an ``{eval-rst}`` block of MyST markdown: its docstring, then
    each of its public names (all of ``__all__`` by default, see :func:`ordered_names`)."""
    # The module's target and docstring, read in the context of the package: the docstrings'
    # cross-references (:func:`triplet`) name the public objects, documented as losslib.triplet.
    # (automodule would read them in the module's own context, losslib.embedding.triplet.)
    doc = inspect.cleandoc(module.__doc__ or "")
    blocks = [f".. py:module:: {module.__name__}\n.. py:currentmodule:: losslib\n\n{doc}\n"]
    names = ordered_names(module) if names is None else names
    if not names:
        blocks.append(NOTHING_YET + "\n")
    blocks += [directive(module, name) for name in names]
    if module is losslib:  # __version__ above the first heading: keep it out of the page's contents
        blocks = [b.replace("   :module: losslib\n", "   :module: losslib\n   :no-contents-entry:\n") for b in blocks]
    return "```{eval-rst}\n" + "\n".join(blocks) + "```\n"


def currentmodule_block(names: Sequence[str]) -> str:
    """Names of ``losslib`` itself, documented in a section of their own (the threads' functions)."""
    return (
        "```{eval-rst}\n.. py:currentmodule:: losslib\n\n" + "\n".join(directive(losslib, n) for n in names) + "```\n"
    )
