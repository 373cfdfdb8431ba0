"""Reference cases of the framework equivalents that the registry claims (``LossInfo.equivalents``).

Every registry entry records its counterpart in PyTorch, Keras 3 and optax, and a Python
expression in losslib's argument and option names that calls it
(``"torch.nn.functional.huber_loss(y_pred, y_true, delta=delta)"``). For every claimed
counterpart this module evaluates that very expression with the live framework, in float64, on
a few seeded inputs drawn by the entry's ``example`` (three sizes, and a 2-D layout for
elementwise losses) and on the option values of ``OPTION_CASES`` that the expression names;
the result is stored as the value of losslib's default ``reduction`` (no gradient).
``tests/test_equivalents.py`` checks losslib against the stored values to ``RTOL`` (``LOOSER``
lists the counterparts that are less precise, and why), so an equivalence that the table claims
but the framework does not compute fails the test suite.

The frameworks are not course dependencies: generate the data with a separate venv outside the
repository (a CPU PyTorch from this machine's disk; Keras on the JAX backend, both in float64)::

    python3 -m venv /tmp/frameworks && /tmp/frameworks/bin/pip install torch==2.13.0 \\
        && /tmp/frameworks/bin/pip install numpy scipy scikit-learn mpmath jax jaxlib optax keras
    /tmp/frameworks/bin/python tests/make_reference_data.py --family equivalents_frameworks

(``--check`` instead re-asks the live libraries and writes nothing; this venv also runs the
other families.)
"""

from __future__ import annotations

import ast
import inspect
import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from .common import check_unique_ids, make_case, rng_for

ORACLE = "frameworks"

# Option values to exercise, per loss: a dict, or a function of (rng, inputs) giving one, or
# giving (options, inputs) where an option needs other inputs (rates for log_input=False). A
# framework's cases use the ones whose every option its call names; the other options stay at
# losslib's defaults.
Options = dict[str, Any]
Inputs = dict[str, np.ndarray]
OptionCase = Options | Callable[[np.random.Generator, Inputs], Options | tuple[Options, Inputs]]


def _positive_rates(rng: np.random.Generator, x: Inputs, **options: Any) -> tuple[Options, Inputs]:
    return options, dict(x, y_pred=np.exp(x["y_pred"]))


def _other_blank(rng: np.random.Generator, x: Inputs) -> tuple[Options, Inputs]:
    """The last class as the blank: the labels 1..C-1 move down to 0..C-2."""
    return {"blank": x["y_pred"].shape[-1] - 1}, dict(x, y_true=x["y_true"] - 1)


OPTION_CASES: dict[str, list[OptionCase]] = {
    "gaussian_nll": [{"full": True}, lambda rng, x: {"eps": float(np.median(x["var"]))}],
    "laplace_nll": [{"full": True}],
    "poisson_nll": [
        {"full": True},
        lambda rng, x: _positive_rates(rng, x, log_input=False),
        lambda rng, x: _positive_rates(rng, x, log_input=False, eps=0.5, full=True),
    ],
    "von_mises_nll": [{"full": True}],
    "huber": [{"delta": 0.5}, {"delta": 2.5}],
    "binary_cross_entropy": [lambda rng, x: {"weight": rng.uniform(0.2, 2.0, size=x["y_pred"].shape)}],
    "binary_cross_entropy_with_logits": [
        lambda rng, x: {"weight": rng.uniform(0.2, 2.0, size=x["y_pred"].shape)},
        lambda rng, x: {"pos_weight": rng.uniform(0.2, 3.0, size=x["y_pred"].shape[-1:])},
    ],
    "focal": [{"alpha": 0.6, "gamma": 0.5}, {"gamma": 3.0}],
    "cross_entropy": [
        lambda rng, x: {"weight": rng.uniform(0.2, 2.0, size=x["y_pred"].shape[-1:])},
        {"label_smoothing": 0.15},
        lambda rng, x: {"ignore_index": int(x["y_true"].flat[0])},
    ],
    "generalized_cross_entropy": [{"q": 0.3}, {"q": 0.95}],
    "triplet": [{"margin": 0.5, "p": 1.0}, {"p": 3.0, "eps": 0.0}, {"swap": True}],
    "cosine_embedding": [{"margin": 0.3}],
    "nt_xent": [{"temperature": 0.2}, {"temperature": 1.0}],
    "dice": [{"smooth": 0.5}, {"smooth": 0.0}],
    "soft_jaccard": [{"smooth": 0.3}, {"smooth": 0.0}],
    "ctc": [_other_blank, {"zero_infinity": True}],
    "elastic_net": [{"alpha": 0.3, "l1_ratio": 0.2}, {"l1_ratio": 1.0}, {"alpha": 2.0, "l1_ratio": 0.0}],
}

# Inputs of a claim that holds on part of losslib's domain only (its note says so).
DOMAINS: dict[tuple[str, str], Callable[[Inputs], Inputs]] = {
    ("msle", "keras"): lambda x: {k: np.abs(v) for k, v in x.items()},  # Keras clips below 1e-7
}

# losslib against the stored framework values: relative error in float64 (relative to ZERO for
# values below it).
RTOL = 1e-12
ZERO = 1e-12
# Counterparts that compute the same function less precisely, with the tolerance their
# precision needs and why; each needs it (tests/test_equivalents.py checks).
#
# Keras computes every mean in float32, even with floatx "float64" and JAX's x64 on:
# keras.src.backend.common.dtypes.result_type maps float64 to float32 ("to be aligned with JAX's
# default behavior") and keras.ops.mean computes in result_type(x.dtype, "float32"), so the
# Keras losses that average over the last axis with keras.ops.mean are float32-accurate only.
KERAS_MEAN = 1e-6
# torch.distributions.VonMises computes log I0 from polynomial approximations
# (torch/distributions/von_mises.py, _log_modified_bessel_fn): about 1e-9 relative.
TORCH_VON_MISES = 1e-8
LOOSER = {
    **{
        (name, "keras"): KERAS_MEAN
        for name in (
            "mse",
            "mae",
            "huber",
            "log_cosh",
            "msle",
            "binary_cross_entropy",
            "binary_cross_entropy_with_logits",
            "focal",
            "hinge",
            "squared_hinge",
        )
    },
    ("von_mises_nll", "torch"): TORCH_VON_MISES,
    ("mixture_von_mises_nll", "torch"): TORCH_VON_MISES,
}


def relative_error(got, expected) -> float:
    """The largest relative error of ``got`` against ``expected`` (relative to ZERO below it)."""
    got, expected = np.asarray(got), np.asarray(expected)
    return float(np.max(np.abs(got - expected) / np.maximum(np.abs(expected), ZERO), initial=0.0))


def compare(case: dict, reduction: str, got: dict, expected: dict) -> None:
    """Raise AssertionError unless losslib's value ``got`` is the framework's ``expected`` (``--check``)."""
    rtol = LOOSER.get((case["loss"], case["framework"]), RTOL)
    err = relative_error(got["value"], expected["value"])
    if np.shape(got["value"]) != np.shape(expected["value"]) or not err <= rtol:
        raise AssertionError(f"{case['id']}: losslib and {case['call']} differ by {err:.2g} (relative, > {rtol:g})")


SIZES = (2, 4, 8)


def _names(call: str) -> set[str]:
    """The plain names an expression uses (``y_pred``, ``delta``, ``torch``, ...)."""
    return {node.id for node in ast.walk(ast.parse(call, mode="eval")) if isinstance(node, ast.Name)}


def _options(info) -> dict[str, Any]:
    """The loss's options with their defaults (every keyword parameter but ``reduction``)."""
    return {
        p.name: p.default
        for p in inspect.signature(info.loss).parameters.values()
        if p.default is not inspect.Parameter.empty and p.name != "reduction"
    }


def default_reduction(info) -> str:
    return inspect.signature(info.loss).parameters["reduction"].default


def _input_sets(info, cid: str) -> list[dict[str, np.ndarray]]:
    """Seeded inputs: ``example`` at each of ``SIZES``, and a 2-D layout of elementwise inputs."""
    rng = rng_for(cid)
    sets = [info.example(rng, n) for n in SIZES]
    last = sets[-1]
    if info.args == ("y_true", "y_pred") and all(np.ndim(v) == 1 for v in last.values()):
        sets.append({k: np.asarray(v).reshape(2, -1) for k, v in last.items()})
    return sets


def build_cases() -> list[dict]:
    """Every claimed (entry, framework) pair on a few inputs, without results."""
    import losslib

    cases = []
    for name, info in losslib.LOSSES.items():
        for framework, call in info.equivalents.calls.items():
            used = _names(call)
            base = f"{name}-{framework}"
            domain = DOMAINS.get((name, framework), lambda x: x)
            inputs = [domain(x) for x in _input_sets(info, base)]
            for i, x in enumerate(inputs):
                cases.append(_case(f"{base}-{i}", name, framework, call, x, {}))
            rng = rng_for(base + "-options")
            for j, option_case in enumerate(OPTION_CASES.get(name, [])):
                drawn = option_case(rng, inputs[1]) if callable(option_case) else dict(option_case)
                opts, x = drawn if isinstance(drawn, tuple) else (drawn, inputs[1])
                if set(opts) <= used:
                    cases.append(_case(f"{base}-option{j}", name, framework, call, x, opts))
    return check_unique_ids(cases)


def _case(cid: str, loss: str, framework: str, call: str, inputs: dict, options: dict) -> dict:
    return dict(make_case(cid, loss, inputs, **options), framework=framework, call=call)


def reductions(case: dict) -> tuple[str, ...]:
    """A framework's value is stored for losslib's default reduction only."""
    import losslib

    return (default_reduction(losslib.LOSSES[case["loss"]]),)


# --------------------------------------------------------------------------
# The frameworks
# --------------------------------------------------------------------------


def frameworks() -> dict[str, Any]:
    """The three frameworks' modules, set up for float64 (Keras on the JAX backend)."""
    if os.environ.setdefault("KERAS_BACKEND", "jax") != "jax":
        raise RuntimeError(f"KERAS_BACKEND is {os.environ['KERAS_BACKEND']!r}; run with KERAS_BACKEND=jax")
    os.environ["JAX_ENABLE_X64"] = "1"
    try:
        import jax
        import keras
        import optax
        import torch
    except ImportError as exc:
        raise ImportError(
            f"the family {__name__.rsplit('.', 1)[-1]} needs PyTorch, Keras, JAX and optax ({exc}); "
            "make their venv as its module's docstring says"
        ) from exc
    jax.config.update("jax_enable_x64", True)

    keras.config.set_floatx("float64")
    return {"torch": torch, "jax": jax, "keras": keras, "optax": optax}


def versions() -> dict[str, str]:
    """The metadata of the data file: each framework's version and Keras' backend."""
    mods = frameworks()
    import jaxlib

    found = {name: mods[name].__version__ for name in ("torch", "keras", "jax", "optax")}
    found["jaxlib"] = jaxlib.__version__
    return {
        **{f"{name}_version": version for name, version in found.items()},
        "frameworks_version": ", ".join(f"{name} {version}" for name, version in found.items()),
        "keras_backend": mods["keras"].backend.backend(),
    }


def _to_framework(framework: str, value: Any) -> Any:
    mods = frameworks()
    if not isinstance(value, np.ndarray):
        return value
    if framework == "torch":
        torch = mods["torch"]
        return torch.tensor(value, dtype=torch.int64 if value.dtype.kind in "iu" else torch.float64)
    jnp = mods["jax"].numpy
    return jnp.asarray(value, dtype=jnp.int64 if value.dtype.kind in "iu" else jnp.float64)


def evaluate(framework: str, call: str, inputs: dict[str, np.ndarray], options: dict[str, Any]) -> np.ndarray:
    """The value of ``call`` with the live ``framework``, in float64."""
    mods = frameworks()
    namespace: dict[str, Any] = {"math": math, framework: mods[framework]}
    if framework != "torch":
        namespace.update(jax=mods["jax"], jnp=mods["jax"].numpy)
    namespace.update({k: _to_framework(framework, v) for k, v in {**inputs, **options}.items()})
    out = eval(call, namespace)  # noqa: S307 -- the registry's own expressions, in a test tool
    if framework == "torch":
        out = out.detach()
    out = np.asarray(out)
    if out.dtype != np.float64:
        raise RuntimeError(f"{call} gave {out.dtype}, not float64: the framework is not set up for float64")
    return out


def reference(case: dict, reduction: str) -> dict:
    """The framework's value of one case, for losslib's default reduction (no gradient)."""
    import losslib

    info = losslib.LOSSES[case["loss"]]
    options = {**_options(info), **case["options"]}
    value = evaluate(case["framework"], case["call"], case["inputs"], options)
    return {"value": value, "grad": None}
