"""The registry of losses: what each loss is, where it comes from, what it guarantees.

The book's tables are generated from :data:`LOSSES`, and ``tests/test_registry.py``
checks every property claimed here, so a table can never say something false.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ._info import FAMILIES, ORACLES, REGISTERED, Equivalents, LossInfo
from ._typing import Grad, Reduced

__all__ = ["FAMILIES", "LOSSES", "ORACLES", "Equivalents", "LossInfo", "markdown_table", "select", "value_and_grad"]

# Each family module records its losses next to their functions (losslib._info.register) when
# losslib imports it; the registry lists them family by family.
LOSSES: Mapping[str, LossInfo] = {
    entry.name: entry for entry in sorted(REGISTERED, key=lambda entry: FAMILIES.index(entry.family))
}
"""Every loss in losslib, by name."""


def value_and_grad(name: str, *args: Any, **options: Any) -> tuple[Reduced, Grad]:
    """The loss ``name`` and its gradient in one pass, sharing intermediate results.

    This is what a training loop calls: it costs about as much as the gradient alone.
    ``args`` and ``options`` are those of the loss (``value_and_grad("huber", y, yhat,
    delta=2.0)``); the gradient is what ``name_grad`` returns. ``args`` are bound in order
    to the names in the entry's ``args`` and passed on by name, so a loss's keyword-only
    arguments may be given here by position or by keyword (``value_and_grad("barron_loss", y, yhat,
    1.0, 0.5)`` or ``value_and_grad("barron_loss", y, yhat, alpha=1.0, scale=0.5)``).

    Examples
    --------
    >>> value, grad = value_and_grad("mse", [0.0, 0.0], [1.0, -3.0])
    >>> float(value), grad
    (5.0, array([ 1., -3.]))
    """
    try:
        info = LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; losslib.LOSSES lists them all") from None
    value, grad = info.core(**info.named(args), **options)
    if value is None or grad is None:  # a core asked for both returns both: a bug in losslib if not
        raise RuntimeError(f"the core of {name} returned {value!r}, {grad!r} when asked for its value and gradient")
    return value, grad


def select(**criteria: Any) -> Iterator[LossInfo]:
    """The registry entries whose attributes equal the given values, in registry order.

    Examples
    --------
    >>> [info.name for info in select(family="classification", distribution="Bernoulli")]
    ['binary_cross_entropy', 'binary_cross_entropy_with_logits']
    """
    for info in LOSSES.values():
        if all(getattr(info, key) == value for key, value in criteria.items()):
            yield info


_COLUMNS: dict[str, tuple[str, Callable[[LossInfo], str]]] = {
    "name": ("Loss", lambda i: f"`{i.name}`"),
    "family": ("Family", lambda i: i.family),
    "prediction": ("Prediction", lambda i: i.prediction),
    "distribution": ("NLL of", lambda i: i.distribution or "–"),
    "convex": ("Convex", lambda i: _yes_no(i.convex)),
    "differentiable": ("Differentiable", lambda i: _yes_no(i.differentiable)),
    "robust": ("Robust to outliers", lambda i: _yes_no(i.robust)),
    "proper": ("Proper scoring rule", lambda i: _yes_no(i.proper)),
    "reference": ("Source", lambda i: f"{{cite:t}}`{i.reference}`"),
    "summary": ("In one line", lambda i: i.summary),
    "torch": ("PyTorch", lambda i: _equivalent(i, "torch")),
    "keras": ("Keras", lambda i: _equivalent(i, "keras")),
    "optax": ("optax", lambda i: _equivalent(i, "optax")),
    "differences": ("Differences", lambda i: _cell(i.equivalents.note) or "—"),
}


def _yes_no(value: bool | None) -> str:
    return "–" if value is None else ("yes" if value else "no")


def _cell(text: str | None) -> str:
    """``text`` fit for one cell of a markdown table: on one line, its pipes escaped."""
    return " ".join((text or "").split()).replace("|", "\\|")


def _equivalent(info: LossInfo, framework: str) -> str:
    """The call of ``info``'s counterpart in ``framework`` as inline code, or "—" where it has none."""
    call = info.equivalents.calls.get(framework)
    return f"`{_cell(call)}`" if call else "—"


def markdown_table(
    entries: Iterable[LossInfo] | None = None,
    columns: tuple[str, ...] = ("name", "distribution", "convex", "differentiable", "robust", "summary"),
) -> str:
    """A MyST markdown table of registry entries (all of them by default).

    The ``reference`` column renders as a ``{cite:t}`` role, which the book resolves
    against ``book/references.bib``. The columns ``torch``, ``keras`` and ``optax`` show the
    call of the loss's counterpart in that framework (:class:`Equivalents`, in
    losslib's argument and option names) as inline code, "—" where the framework has none;
    ``differences`` shows its ``note``.

    Examples
    --------
    >>> print(markdown_table([LOSSES["mae"]], columns=("name", "torch")))
    | Loss | PyTorch |
    |---|---|
    | `mae` | `torch.nn.functional.l1_loss(y_pred, y_true)` |
    """
    rows = list(LOSSES.values() if entries is None else entries)
    unknown = [c for c in columns if c not in _COLUMNS]
    if unknown:
        raise ValueError(f"unknown column(s) {unknown}; choose from {sorted(_COLUMNS)}")
    header = [_COLUMNS[c][0] for c in columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(columns)]
    for info in rows:
        lines.append("| " + " | ".join(_COLUMNS[c][1](info) for c in columns) + " |")
    return "\n".join(lines)
