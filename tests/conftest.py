"""Shared settings and helpers of the losslib tests.

The helpers live here, not in a module of their own, so that the only files of the suite are
the test files; import them with ``from conftest import ...`` (pytest puts ``tests/`` on
``sys.path``).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import losslib
from losslib.gradcheck import numerical_grad

# Property tests: modest and deterministic, so the whole suite stays fast and reproducible.
settings.register_profile(
    "losslib",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("losslib")


def central_difference(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    step: Callable[[float], float] | None = None,
) -> np.ndarray:
    """Gradient of the scalar function ``f`` at ``x`` by central differences, one entry at a time.

    ``step(x_i)`` gives the step for entry ``i`` (default ``1e-6 * max(1, |x_i|)``); the
    quotient divides by the distance actually travelled, ``(x_i + h) - (x_i - h)`` as rounded.
    """
    if step is None:
        return numerical_grad(f, x)  # losslib's checker, itself tested in test_gradcheck.py
    x = np.asarray(x, dtype=np.float64)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        h = step(float(x[i]))
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (float(f(up)) - float(f(down))) / (up[i] - down[i])
    return grad


def one_sided_derivatives(f: Callable[[np.ndarray], float], x: np.ndarray, index: tuple, h: float = 1e-7):
    """``(left, right)`` difference quotients of ``f`` at ``x`` along entry ``index``."""
    x = np.asarray(x, dtype=np.float64)
    up, down = x.copy(), x.copy()
    up[index] += h
    down[index] -= h
    f0 = float(f(x))
    return (f0 - float(f(down))) / h, (float(f(up)) - f0) / h


# --------------------------------------------------------------------------
# Registry-driven machinery: every entry of losslib.LOSSES, whatever its arguments
# --------------------------------------------------------------------------
#
# An entry says how to call it (``args``, ``grad_wrt``) and how to draw valid inputs
# (``info.example(rng, n)``: its sampler, or its prediction/target kinds). The helpers below
# use nothing else, so a new entry is tested by every registry-driven test at once, and an
# entry whose inputs cannot be drawn fails loudly (``example`` raises) instead of being skipped.

REDUCTIONS = ("mean", "sum", "none")
N_EXAMPLES = 4  # small batches keep finite differences cheap

ENTRIES = list(losslib.LOSSES.values())


def by_entry(argname: str = "info"):
    """Parametrise a test by every registry entry, with the entry's name as the id."""
    return pytest.mark.parametrize(argname, ENTRIES, ids=[e.name for e in ENTRIES])


def rng_for(info, purpose: str) -> np.random.Generator:
    """A generator fixed by the entry and the purpose (``hash`` of a str changes between runs)."""
    return np.random.default_rng([zlib.crc32(info.name.encode()), zlib.crc32(purpose.encode())])


def draw(info, rng: np.random.Generator, n: int = N_EXAMPLES) -> dict[str, np.ndarray]:
    """``info.example(rng, n)`` as ``{arg: array}`` in the order of ``info.args``, checked.

    Raises (so the calling test fails, never skips) if the entry cannot give inputs, gives other
    arguments than ``info.args``, gives something that is not a real array, float inputs that are
    not float64, or a ``grad_wrt`` argument that is not a float array.
    """
    raw = info.example(rng, n)
    if not isinstance(raw, Mapping):
        raise TypeError(f"{info.name}: example() must return a dict {{arg: array}}, got {type(raw).__name__}")
    missing = [a for a in info.args if a not in raw]
    extra = [k for k in raw if k not in info.args]
    if missing or extra:
        raise ValueError(
            f"{info.name}: example() gives {list(raw)} but the entry's args are {info.args} "
            f"(missing {missing}, unexpected {extra}); fix the sampler or args"
        )
    out = {a: np.asarray(raw[a]) for a in info.args}
    for a, v in out.items():
        if v.dtype.kind not in "fiub":
            raise TypeError(f"{info.name}: example()[{a!r}] has dtype {v.dtype}; inputs must be real arrays")
        if v.dtype.kind == "f" and v.dtype != np.float64:
            raise TypeError(f"{info.name}: example()[{a!r}] is {v.dtype}; samplers give float64 inputs")
    for w in info.grad_wrt:
        if w not in out or out[w].dtype.kind != "f":
            raise ValueError(f"{info.name}: grad_wrt names {w!r}, which is not a float argument of {info.args}")
    return out


def is_float(x: np.ndarray) -> bool:
    """Float arguments are differentiated and converted to float32; integers (labels, lengths) never."""
    return np.asarray(x).dtype.kind == "f"


def float_args(info, inputs) -> list[str]:
    return [a for a in info.args if is_float(inputs[a])]


def replace(inputs: Mapping[str, np.ndarray], **new) -> dict[str, np.ndarray]:
    out = dict(inputs)
    out.update(new)
    return out


def named(info, inputs) -> dict[str, np.ndarray]:
    """The entry's arguments, by name: the registry calls a loss ``info.loss(**named(info, inputs), **options)``."""
    return {a: inputs[a] for a in info.args}


def value(info, inputs, reduction: str, **options):
    return info.loss(**named(info, inputs), reduction=reduction, **options)


def total(info, inputs, reduction: str = "sum", **options) -> float:
    """The reduced loss as a float (for ``"none"``: the sum of the per-item losses)."""
    return float(np.sum(value(info, inputs, reduction, **options)))


def as_grads(info, g) -> dict[str, np.ndarray]:
    """The gradient(s) as ``{arg: array}``, checking the structure the conventions promise.

    A NamedTuple whose fields are ``grad_wrt`` (in order) when there are several; an array otherwise.
    """
    if len(info.grad_wrt) > 1:
        fields = getattr(g, "_fields", None)
        if not isinstance(g, tuple) or tuple(fields or ()) != tuple(info.grad_wrt):
            raise AssertionError(
                f"{info.name}: the gradient must be a NamedTuple with fields {info.grad_wrt}, "
                f"got {type(g).__name__} with fields {fields}"
            )
        return dict(zip(info.grad_wrt, g))
    if isinstance(g, tuple) or not isinstance(g, (np.ndarray, np.generic)):
        raise AssertionError(
            f"{info.name}: the gradient with respect to the single argument {info.grad_wrt[0]!r} "
            f"must be an array, got {type(g).__name__}"
        )
    return {info.grad_wrt[0]: g}


def gradient(info, inputs, reduction: str, **options) -> dict[str, np.ndarray]:
    return as_grads(info, info.grad(**named(info, inputs), reduction=reduction, **options))


SOFT_TARGET_DISTRIBUTIONS = ("Bernoulli", "Categorical")


def soften(info, inputs, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The same inputs with soft targets (probabilities) instead of hard labels.

    Only for log losses described by kinds (``Bernoulli``/``Categorical`` NLLs without a sampler):
    cross-entropies take probabilities as targets (as PyTorch's do). Other entries are unchanged.
    """
    if (
        info.sampler is not None
        or info.args != ("y_true", "y_pred")
        or info.distribution not in SOFT_TARGET_DISTRIBUTIONS
    ):
        return dict(inputs)
    y_pred = inputs["y_pred"]
    if info.target == "binary":
        return replace(inputs, y_true=rng.uniform(size=y_pred.shape))
    if info.target == "class":
        return replace(inputs, y_true=rng.dirichlet(np.ones(y_pred.shape[-1]), size=y_pred.shape[:-1]))
    return dict(inputs)


def segment(info, rng: np.random.Generator, n: int = 3, soft: bool = False):
    """Two valid inputs ``a`` and ``b`` that differ only in the ``grad_wrt`` arguments.

    Every point of the segment between them is valid where the domain of the ``grad_wrt``
    arguments is convex (reals, (0, inf), [0, 1], the simplex), whatever the other arguments are.
    """
    a, other = draw(info, rng, n), draw(info, rng, n)
    for w in info.grad_wrt:
        if a[w].shape != other[w].shape:
            raise ValueError(
                f"{info.name}: example(rng, {n}) gives {w} of shape {a[w].shape} and then "
                f"{other[w].shape}; lines through the inputs need one shape per n"
            )
    if soft:
        a = soften(info, a, rng)
    return a, replace(a, **{w: other[w] for w in info.grad_wrt})


def along(info, a, b, t: float) -> dict[str, np.ndarray]:
    """The point ``(1 - t) a + t b`` (``grad_wrt`` arguments only; the others are ``a``'s)."""
    return replace(a, **{w: (1 - t) * a[w] + t * b[w] for w in info.grad_wrt})


# --------------------------------------------------------------------------
# The book, built once per test session (tests/test_book.py and tests/test_browser.py)
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """A full build with warnings as errors (-W -n --keep-going --all) into a fresh folder;
    returns the ``html`` folder."""
    from losscourse import book

    out = tmp_path_factory.mktemp("book") / "_build"
    code = book.build(out, strict=True, force_all=True)
    assert code == 0, "jupyter-book build -W -n --keep-going failed: see the captured output above"
    return out / "html"


# 1 - I1(k)/I0(k) (losslib.one_minus_bessel_ratio, the von Mises gradients), computed with mpmath at 60 (and for 1e300: 340) significant digits
BESSEL_RATIO = [
    (1e-3, 0.99950000006249998958),
    (0.5, 0.75750038741919805465),
    (7.9, 0.06561871314011326089),
    (8.1, 0.063932394060346003193),
    (29.99, 0.016816099667254829089),
    (30.0, 0.016810444634663907313),
    (100.0, 0.0050126269948312344126),
    (1e3, 0.00050012512519571980108),
    (1e4, 0.000050001250125019535314),
    (1e6, 5.000001250001250002e-7),
    (1e8, 5.000000012500000125e-9),
    (1e12, 5.00000000000125e-13),
    (1e16, 5.000000000000000125e-17),
    (1e300, 5.0e-301),
]
