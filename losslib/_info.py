"""The record that describes one loss in the registry (see :mod:`losslib.registry`)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ._typing import Grad, Reduced

FAMILIES = (
    "regression",
    "classification",
    "embedding",
    "segmentation",
    "generative",
    "sequence",
    "penalty",
    "likelihood",
    "ranking",
)
ORACLES = ("torch", "sklearn", "scipy", "mpmath", "closed form")
FRAMEWORKS = ("torch", "keras", "optax")
"""The frameworks whose counterparts each registry entry records (``LossInfo.equivalents``)."""


@dataclass(frozen=True, kw_only=True)
class Equivalents:
    """A loss's counterparts in PyTorch, Keras 3 and optax, each as the call that gives losslib's value.

    Each call is a Python expression in the loss's argument and option names that calls the
    counterpart by its fully qualified public name and gives losslib's value at the loss's default
    ``reduction``: ``Equivalents(torch="torch.nn.functional.huber_loss(y_pred, y_true,
    delta=delta)", optax="optax.losses.huber_loss(y_pred, y_true, delta=delta).mean()")``. Options
    that the call does not name are those where the counterpart agrees only at losslib's default.
    A framework left out (``None``) has no counterpart that computes the same number.
    ``tests/reference/equivalents_frameworks.py`` evaluates every call with the live framework
    (float64) and ``tests/test_equivalents.py`` checks losslib against the stored results.

    Attributes
    ----------
    torch, keras, optax : str or None
        The call in PyTorch, Keras 3 and optax, or ``None``.
    note : str
        What a user must know when switching (argument order, logits or probabilities, a scale, a
        clip, an option the counterpart lacks), and why a framework has no counterpart; ``""``
        only where every framework has one and nothing differs.
    """

    torch: str | None = None
    keras: str | None = None
    optax: str | None = None
    note: str = ""

    @property
    def calls(self) -> dict[str, str]:
        """The calls of the frameworks that have a counterpart, by framework (in the order torch, keras, optax).

        Examples
        --------
        >>> Equivalents(optax="optax.losses.l2_loss(y_pred, y_true).mean()", note="half").calls
        {'optax': 'optax.losses.l2_loss(y_pred, y_true).mean()'}
        """
        calls: dict[str, str | None] = {framework: getattr(self, framework) for framework in FRAMEWORKS}
        return {framework: call for framework, call in calls.items() if call is not None}


@dataclass(frozen=True, kw_only=True)
class LossInfo:
    """One entry of the registry, written next to its loss with ``losslib._info.register``.

    Attributes
    ----------
    name : str
        The function's name in ``losslib``.
    loss, grad : callable
        The loss and its gradient (found by name: ``<name>_grad``), called with the arguments in ``args`` **by name** and keyword
        options: ``loss(**{a: inputs[a] for a in args}, **options)`` (:meth:`named` binds
        arguments given in the order of ``args``). Every argument is a parameter without a default
        that can be passed by keyword (none is positional-only); the leading ones (``y_true,
        y_pred``) can also be passed by position, and a loss may make the others keyword-only
        (``barron_loss(y_true, y_pred, *, alpha, scale)``). Options have defaults and are
        keyword-only.
    core : callable
        Found by name: ``_<name>``. ``core(**named_args, **options, value=True, grad=True) -> (value, gradient)``, with the
        parameters of ``loss``: both in one pass, sharing intermediates (what :func:`losslib.value_and_grad` calls). This is the
        fast path: an optimisation of ``readable``, tested against it.
    readable : callable
        Found by name: ``<name>_readable``. ``readable(**named_args, **options) -> (value, gradient)``, with the signature of
        ``loss``: the loss and its gradient as the
        book writes them, in a few lines of plain numpy, with the same arguments, reduction
        and results as ``core``. It is the definition; the tests use it as an oracle for the
        fast path on every input they draw.
    family : str
        One of :data:`FAMILIES`.
    prediction, target : str
        What the model output and the target are. For two-argument losses the kinds
        ``"real"``, ``"probability"``, ``"logit"`` (prediction) and ``"real"``, ``"binary"``,
        ``"class"`` (target) let :meth:`example` draw valid inputs; other losses give a ``sampler``.
    distribution : str or None
        The distribution whose negative log-likelihood the loss is (up to constants), if any.
    convex : bool
        Convex in the arguments of ``grad_wrt`` (jointly).
    differentiable : bool
        Differentiable everywhere in ``grad_wrt`` on the open domain.
    robust : bool or None
        For regression: the gradient stays bounded as the residual grows, so one outlier has
        bounded influence. ``None`` where the notion does not apply.
    proper : bool or None
        A strictly proper scoring rule: the expected loss is minimised only by predicting the
        true distribution. ``None`` where the loss does not score a predicted distribution.
    reference : str
        BibTeX key in ``book/references.bib`` of the loss's original source.
    summary : str
        One line for tables.
    args : tuple of str
        The arguments (the parameters without a default), in order (``("y_true", "y_pred")`` for
        most losses), by which name the registry's users pass them.
    grad_wrt : tuple of str
        The arguments the gradient is taken with respect to. With more than one, ``grad``
        returns a NamedTuple with one field per argument, in this order.
    oracle : str
        What the tests compare values and gradients against, one of :data:`ORACLES`.
    sampler : callable or None
        ``sampler(rng, n) -> {arg: array}``: valid float64 inputs for ``n`` examples, for
        losses whose inputs the prediction/target kinds cannot describe.
    equivalents : Equivalents
        The loss's counterparts in PyTorch, Keras 3 and optax, as calls, and what differs
        (see :class:`Equivalents`). Every entry gives it, also when no framework has one.
    """

    name: str
    loss: Callable[..., Reduced]
    grad: Callable[..., Grad]
    core: Callable[..., tuple[Reduced | None, Grad | None]]
    readable: Callable[..., tuple[Reduced, Grad]]
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
    args: tuple[str, ...] = ("y_true", "y_pred")
    grad_wrt: tuple[str, ...] = ("y_pred",)
    oracle: str = "torch"
    sampler: Callable[[np.random.Generator, int], dict[str, npt.NDArray[Any]]] | None = None
    equivalents: Equivalents

    def named(self, args: Sequence[Any]) -> dict[str, Any]:
        """Arguments given by position, in the order of the entry's ``args`` (the first ones or all), by name.

        What :func:`losslib.value_and_grad` and :func:`losslib.check_grad` pass on to the loss.

        Examples
        --------
        >>> import losslib
        >>> losslib.LOSSES["barron_loss"].named([0.0, 1.0, 2.0])
        {'y_true': 0.0, 'y_pred': 1.0, 'alpha': 2.0}
        """
        if len(args) > len(self.args):
            raise TypeError(
                f"{self.name} takes {len(self.args)} arguments {self.args}, but {len(args)} were given by position"
            )
        return dict(zip(self.args, args))

    def example(self, rng: np.random.Generator | None = None, n: int = 6) -> dict[str, npt.NDArray[Any]]:
        """Valid inputs for ``n`` examples, as ``{argument name: array}``.

        Examples
        --------
        >>> import losslib
        >>> sorted(losslib.LOSSES["mse"].example(n=3))
        ['y_pred', 'y_true']
        """
        rng = np.random.default_rng(0) if rng is None else rng
        if self.sampler is not None:
            return self.sampler(rng, n)
        return _kind_example(self, rng, n)


REGISTERED: list[LossInfo] = []
"""Every record :func:`register` has made, in the order the family modules were imported."""


def register(loss: Callable[..., Reduced], /, **fields: Any) -> LossInfo:
    """Record ``loss`` in the registry, with keyword-only fields (see :class:`LossInfo`).

    Each family module calls it right after a loss's functions, so that a loss's readable
    form, fast path and record sit together::

        register(huber, family="regression", prediction="real", ..., equivalents=Equivalents(...))

    ``name`` defaults to ``loss.__name__``. The gradient, the fast path and the readable form are
    the functions named ``<name>_grad``, ``_<name>`` and ``<name>_readable`` in the loss's module
    (``huber_grad``, ``_huber``, ``huber_readable``), unless ``grad``, ``core`` or ``readable``
    names another. Returns the record.
    """
    name = fields.pop("name", loss.__name__)
    module = sys.modules[loss.__module__]
    for field, function in (("grad", f"{name}_grad"), ("core", f"_{name}"), ("readable", f"{name}_readable")):
        if field not in fields:
            if not hasattr(module, function):
                raise NameError(
                    f"register({name}) looks for its {field} {function!r} in {module.__name__}, which has none: "
                    f"define {function} above the register call, or pass {field}=..."
                )
            fields[field] = getattr(module, function)
    info = LossInfo(name=name, loss=loss, **fields)
    if any(other.name == info.name for other in REGISTERED):
        raise RuntimeError(f"two registry entries are named {info.name!r}")
    REGISTERED.append(info)
    return info


_N_CLASSES = 4


def _kind_example(info: LossInfo, rng: np.random.Generator, n: int) -> dict[str, npt.NDArray[Any]]:
    shape = (n, _N_CLASSES) if info.target == "class" else (n,)
    Draw = Callable[[], npt.NDArray[Any]]
    predictions: dict[str, Draw] = {
        "real": lambda: 3.0 * rng.normal(size=shape),
        "probability": lambda: rng.uniform(1e-3, 1 - 1e-3, size=shape),
        "logit": lambda: 3.0 * rng.normal(size=shape),
        "score": lambda: 2.0 * rng.normal(size=shape),
    }
    targets: dict[str, Draw] = {
        "real": lambda: 3.0 * rng.normal(size=shape),
        "binary": lambda: rng.integers(0, 2, size=shape).astype(float),
        "sign": lambda: rng.choice([-1.0, 1.0], size=shape),
        "class": lambda: rng.integers(0, shape[-1], size=shape[:-1]),
        "distribution": lambda: rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]),
    }
    if info.prediction not in predictions or info.target not in targets or info.args != ("y_true", "y_pred"):
        raise ValueError(
            f"{info.name}: no example inputs for prediction={info.prediction!r}, target={info.target!r}, "
            f"args={info.args}; give the registry entry a sampler"
        )
    y_pred = predictions[info.prediction]()
    y_true = targets[info.target]()
    return {"y_true": y_true, "y_pred": y_pred}
