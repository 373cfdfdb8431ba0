"""The registry of losses: what each loss is, where it comes from, what it guarantees.

The book's tables are generated from :data:`LOSSES`, and ``tests/test_registry.py``
checks every property claimed here, so a table can never say something false.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from . import classification as _cls
from . import regression as _reg

FAMILIES = ("regression", "classification")


@dataclass(frozen=True)
class LossInfo:
    """One entry of the registry.

    Attributes
    ----------
    name : str
        The function's name in ``losslib``.
    loss, grad : callable
        The loss ``loss(y_true, y_pred, **options)`` and its gradient with respect to ``y_pred``.
    family : str
        One of :data:`FAMILIES`.
    prediction : str
        What ``y_pred`` holds: ``"real"``, ``"probability"`` or ``"logit"``.
    target : str
        What ``y_true`` holds: ``"real"``, ``"binary"`` (0/1 or probability) or ``"class"``
        (integer labels or class probabilities).
    distribution : str or None
        The distribution whose negative log-likelihood the loss is (up to constants), if any.
    convex : bool
        Convex in ``y_pred``.
    differentiable : bool
        Differentiable everywhere in ``y_pred`` (on the open domain).
    robust : bool or None
        For regression: the gradient stays bounded as the residual grows, so one
        outlier has bounded influence. ``None`` where the notion does not apply.
    proper : bool or None
        A strictly proper scoring rule: the expected loss is minimised only by
        predicting the true distribution. ``None`` for point predictions.
    reference : str
        BibTeX key in ``book/references.bib`` of the loss's original source.
    summary : str
        One line for tables.
    """

    name: str
    loss: Callable[..., Any]
    grad: Callable[..., Any]
    family: str
    prediction: str
    target: str
    distribution: str | None
    convex: bool
    differentiable: bool
    robust: bool | None
    proper: bool | None
    reference: str
    summary: str


_ENTRIES = [
    LossInfo("mse", _reg.mse, _reg.mse_grad, "regression", "real", "real", "Gaussian",
             convex=True, differentiable=True, robust=False, proper=None,
             reference="gauss1809theoria",
             summary="Squared residual; estimates the conditional mean."),
    LossInfo("mae", _reg.mae, _reg.mae_grad, "regression", "real", "real", "Laplace",
             convex=True, differentiable=False, robust=True, proper=None,
             reference="koenker1978regression",
             summary="Absolute residual; estimates the conditional median."),
    LossInfo("huber", _reg.huber, _reg.huber_grad, "regression", "real", "real", None,
             convex=True, differentiable=True, robust=True, proper=None,
             reference="huber1964robust",
             summary="Quadratic for small residuals, linear for large ones."),
    LossInfo("binary_cross_entropy", _cls.binary_cross_entropy, _cls.binary_cross_entropy_grad,
             "classification", "probability", "binary", "Bernoulli",
             convex=True, differentiable=True, robust=None, proper=True,
             reference="cox1958regression",
             summary="Log loss of a predicted probability."),
    LossInfo("binary_cross_entropy_with_logits", _cls.binary_cross_entropy_with_logits,
             _cls.binary_cross_entropy_with_logits_grad,
             "classification", "logit", "binary", "Bernoulli",
             convex=True, differentiable=True, robust=None, proper=True,
             reference="cox1958regression",
             summary="Log loss of a logit, via the stable log-sigmoid."),
    LossInfo("cross_entropy", _cls.cross_entropy, _cls.cross_entropy_grad,
             "classification", "logit", "class", "Categorical",
             convex=True, differentiable=True, robust=None, proper=True,
             reference="good1952rational",
             summary="Log loss of softmax logits over C classes."),
]

LOSSES: Mapping[str, LossInfo] = {entry.name: entry for entry in _ENTRIES}
"""Every loss in losslib, by name."""


def select(**criteria: Any) -> Iterator[LossInfo]:
    """The registry entries whose attributes equal the given values, in registry order.

    Examples
    --------
    >>> [info.name for info in select(family="regression", robust=True)]
    ['mae', 'huber']
    """
    for info in LOSSES.values():
        if all(getattr(info, key) == value for key, value in criteria.items()):
            yield info


_COLUMNS = {
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
}


def _yes_no(value: bool | None) -> str:
    return "–" if value is None else ("yes" if value else "no")


def markdown_table(
    entries: Iterator[LossInfo] | list[LossInfo] | None = None,
    columns: tuple[str, ...] = ("name", "distribution", "convex", "differentiable", "robust", "summary"),
) -> str:
    """A MyST markdown table of registry entries (all of them by default).

    The ``reference`` column renders as a ``{cite:t}`` role, which the book resolves
    against ``book/references.bib``.
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
