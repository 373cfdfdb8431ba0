"""The public gradient of a loss, made from the loss and its core.

Every loss has a core ``_name(args..., *, options..., value=True, grad=True) -> (value, gradient)``
(its fast path) and two public functions that call it: ``name`` returns the value, ``name_grad``
the gradient. ``name`` is written out, with the signature and docstring users read; ``name_grad``
takes exactly the same arguments, so :func:`gradient` makes it from ``name`` and the core::

    huber_grad = gradient(huber, _huber, doc=r'''Gradient of :func:`huber` ...''')

The result calls ``core(*args, **options, value=False)`` with the arguments as it got them (the
registry passes them by name) and returns the gradient: one call, as a hand-written wrapper makes. It is named ``huber_grad``, belongs to ``huber``'s module (so its
doctest runs with that module's), and has ``huber``'s signature with the core's gradient type as
its return annotation: :func:`inspect.signature`, ``help`` and the API page show it, and type
checkers read the same parameters through the ``ParamSpec``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

P = ParamSpec("P")
G = TypeVar("G")

_CORE_RETURN = re.compile(r"tuple\[.+?, (?P<grad>.+) \| None\]")
"""A core's return annotation, ``tuple[Reduced | None, <gradient type> | None]``."""


def gradient(loss: Callable[P, Any], core: Callable[..., tuple[Any, G | None]], doc: str) -> Callable[P, G]:
    """The gradient ``<loss>_grad`` of ``loss``: its arguments passed to ``core``, the gradient returned.

    ``core`` must take the arguments of ``loss`` with the same defaults (checked here, once, when
    the module is imported), plus ``value`` and ``grad``; ``doc`` is the gradient's docstring.
    """
    returns = _CORE_RETURN.fullmatch(str(inspect.signature(core).return_annotation))
    if returns is None:
        raise TypeError(f"{core.__name__} should be annotated -> tuple[Reduced | None, <gradient> | None]")
    signature = inspect.signature(loss)
    core_parameters = [p for p in inspect.signature(core).parameters.values() if p.name not in ("value", "grad")]
    if [(p.name, p.kind, p.default) for p in core_parameters] != [
        (p.name, p.kind, p.default) for p in signature.parameters.values()
    ]:
        raise TypeError(f"{core.__name__} and {loss.__name__} take different arguments or defaults")

    def grad(*args: P.args, **options: P.kwargs) -> G:
        return cast(G, core(*args, **options, value=False)[1])

    name = f"{loss.__name__}_grad"
    grad.__name__ = grad.__qualname__ = name
    grad.__code__ = grad.__code__.replace(co_name=name, co_qualname=name)  # tracebacks say "in <name>"
    grad.__module__ = loss.__module__
    grad.__doc__ = doc
    grad.__dict__["__signature__"] = signature.replace(return_annotation=returns["grad"])
    return grad
