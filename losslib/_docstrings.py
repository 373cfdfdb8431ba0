r"""Docstring text that many losses share, written once and filled in by :func:`shared_doc`.

A loss's docstring names a fragment by a line holding only ``{name}``, at the indentation of
the section it stands in; :func:`shared_doc` replaces it with ``FRAGMENTS[name]``, indented
alike, when the module is imported, so ``help``, the API reference and doctests read the whole
text (as pandas' ``@doc`` does)::

    @shared_doc
    def mse(y_true, y_pred, *, reduction="mean"):
        '''Mean squared error.
        ...
        {reduction}
        ...
        '''
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_RETURNS = """
Returns
-------
float or ndarray"""


def _per(item: str, items: str) -> str:
    """The ``reduction`` parameter and Returns section of a loss with one value per ``item``."""
    return (
        'reduction : {"mean", "sum", "none"}\n'
        f'    ``"none"`` returns one loss per {item}, ``"mean"`` averages over the {items}.\n'
        + _RETURNS
        + '\n    A scalar, or shape ``(N,)`` for ``"none"``.'
    )


FRAGMENTS = {
    "returns": _RETURNS.strip(),
    "reduction": 'reduction : {"mean", "sum", "none"}\n' + _RETURNS,
    "reduction_elementwise": 'reduction : {"mean", "sum", "none"}\n'
    '    Elementwise: ``"mean"`` averages over all elements.\n' + _RETURNS,
    "reduction_per_row": 'reduction : {"mean", "sum", "none"}\n'
    '    ``"none"`` returns one loss per row, shape (N,).\n' + _RETURNS,
    "reduction_per_example": 'reduction : {"mean", "sum", "none"}\n'
    '    ``"none"`` returns one loss per example, shape (N,).\n' + _RETURNS,
    "reduction_per_pair": _per("pair", "pairs"),
    "reduction_per_triplet": _per("triplet", "triplets"),
    "reduction_per_query": _per("query", "queries"),
}
"""The shared fragments by name: the Returns section of a loss (``returns``), and a loss's
``reduction`` parameter (the last one) with the Returns section after it, for a loss reduced
elementwise, per row, per example, per pair, per triplet or per query (``reduction...``)."""

_PLACEHOLDER = re.compile(r"^(?P<indent>[ ]*)\{(?P<name>\w+)\}$", re.M)


def shared_doc(function: F) -> F:
    """Fill the ``{name}`` lines of ``function``'s docstring with :data:`FRAGMENTS` (at least one)."""

    def fill(match: re.Match[str]) -> str:
        indent = match["indent"]
        return "\n".join(indent + line if line else line for line in FRAGMENTS[match["name"]].split("\n"))

    doc, n = _PLACEHOLDER.subn(fill, function.__doc__ or "")
    if n == 0:
        raise ValueError(f"the docstring of {function.__name__} has no {{name}} line of a shared fragment")
    function.__doc__ = doc
    return function
