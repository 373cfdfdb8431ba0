"""Registry-driven checks that every entry of ``losslib.LOSSES`` gets, whatever its arguments.

Inputs come from ``info.example(rng, n)`` (the entry's sampler, or its prediction/target kinds);
how to call the entry from ``info.args``, ``info.grad_wrt`` and ``info.core``. Nothing here names a
loss except the explicit, reasoned exceptions below, so a new entry is checked as soon as it is
registered, and an entry whose inputs cannot be drawn fails (``example`` raises) instead of
being skipped. Loss-specific checks (options, closed forms, identities) live in
``test_losslib_gradients.py``, ``test_losslib_validation.py`` and ``test_losslib_<family>.py``;
the claimed properties (convex, differentiable, robust, proper, distribution) in
``test_registry.py``.

Checked for every entry, at default options:

* gradients against central finite differences, for every ``grad_wrt`` argument and reduction;
* ``core`` and ``value_and_grad`` return exactly ``(loss(...), grad(...))``; the gradient's
  structure (NamedTuple with fields ``grad_wrt``, or an array), shapes and dtypes;
* float32 in (every float input) gives float32 out, close to the float64 result;
* ``"sum" == "none".sum()`` and ``"mean" == "sum" / (number of items of "none")`` for values and
  gradients, except where the mean has another denominator by design (``MEAN_RULES``);
* bad input: unknown reduction, NaN in any float input, an empty first argument, non-numbers in
  any input, options passed by position;
* signatures (the parameters without a default are ``args``, by keyword and in order, none
  positional-only; options keyword-only; loss, gradient, core and readable form alike)
  and docstrings (``.. math::``, References, Examples).
"""

from __future__ import annotations

import dataclasses
import inspect
import re

import numpy as np
import pytest

import losslib
from conftest import (
    REDUCTIONS,
    as_grads,
    by_entry,
    central_difference,
    draw,
    float_args,
    gradient,
    is_float,
    named,
    replace,
    rng_for,
    soften,
    total,
    value,
)

# --------------------------------------------------------------------------
# Known exceptions, each with its reason
# --------------------------------------------------------------------------

MEAN_RULES = {
    # name -> (reason, expected "mean" from the inputs and the "none" values). Every other entry:
    # "mean" == "none".sum() / "none".size. (cross_entropy's weighted / ignore_index mean is an
    # option, not a default: test_losslib_gradients.py checks it.)
    "ctc": (
        "as PyTorch's ctc_loss: each sequence's loss is divided by its target length "
        "(at least 1) before averaging over the batch",
        lambda inputs, none: np.mean(none / np.maximum(inputs["target_lengths"], 1)),
    ),
}

DEFAULT_REDUCTION = {
    # family -> (default of ``reduction``, reason); every other family: "mean", as in the conventions.
    "penalty": ("sum", "a penalty is a total added to a loss (as weight decay), not an average"),
}


# --------------------------------------------------------------------------
# The inputs themselves
# --------------------------------------------------------------------------


@by_entry()
def test_example_inputs_are_valid(info):
    """``example`` gives the entry's arguments, float64 floats, finite losses, one shape per n."""
    rng = rng_for(info, "valid")
    first = draw(info, rng)
    again = draw(info, rng)
    for a in info.args:
        assert first[a].shape == again[a].shape, (
            f"{info.name}: example(rng, n) gives {a} of shape {first[a].shape}, then {again[a].shape}"
        )
    for inputs in (first, soften(info, first, rng)):
        for a in float_args(info, inputs):
            assert np.all(np.isfinite(inputs[a])), f"{info.name}: example()[{a!r}] is not finite"
        none = np.asarray(value(info, inputs, "none"))
        assert none.size > 0 and np.all(np.isfinite(none)), f"{info.name}: loss at example inputs: {none}"
        for w, g in gradient(info, inputs, "none").items():
            assert np.all(np.isfinite(g)), f"{info.name}: gradient wrt {w} at example inputs: {g}"


# --------------------------------------------------------------------------
# Gradients against finite differences
# --------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@by_entry()
def test_gradient_matches_finite_differences(info, reduction):
    inputs = draw(info, rng_for(info, "fd"))
    grads = gradient(info, inputs, reduction)
    # roundoff of a central difference is ~ eps |f| / h: allow for it with the size of the loss terms
    magnitude = max(1.0, float(np.sum(np.abs(value(info, inputs, "none")))))
    for w in info.grad_wrt:
        numeric = central_difference(lambda x: total(info, replace(inputs, **{w: x}), reduction), inputs[w])
        scale = float(np.abs(numeric).max())
        np.testing.assert_allclose(
            grads[w],
            numeric,
            rtol=1e-6,
            atol=1e-8 * scale + 1e-9 * magnitude,
            err_msg=f"{info.name} ({reduction}): analytic gradient wrt {w} vs central differences "
            f"at {', '.join(f'{a}={inputs[a].tolist()}' for a in info.args)}",
        )


# --------------------------------------------------------------------------
# core, value_and_grad, structure, shapes, dtypes
# --------------------------------------------------------------------------


def _assert_identical(got, expected, what: str) -> None:
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype, f"{what}: dtype {got.dtype}, expected {expected.dtype}"
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, expected {expected.shape}"
    np.testing.assert_array_equal(got, expected, err_msg=what)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@by_entry()
def test_core_and_value_and_grad_return_exactly_loss_and_grad(info, reduction):
    inputs = draw(info, rng_for(info, "core"))
    args = named(info, inputs)
    loss = info.loss(**args, reduction=reduction)
    grads = as_grads(info, info.grad(**args, reduction=reduction))
    for how, (v, g) in {
        "core": info.core(**args, reduction=reduction),
        "value_and_grad": losslib.value_and_grad(info.name, **args, reduction=reduction),
        "value_and_grad by position": losslib.value_and_grad(info.name, *args.values(), reduction=reduction),
    }.items():
        _assert_identical(v, loss, f"{info.name}: {how}(...)[0] vs {info.name}(...)")
        g = as_grads(info, g)
        for w in info.grad_wrt:
            _assert_identical(g[w], grads[w], f"{info.name}: {how}(...)[1] wrt {w} vs {info.name}_grad(...)")
    # the one-sided calls of the core (what the public wrappers use)
    v_only, none = info.core(**args, reduction=reduction, grad=False)
    assert none is None, f"{info.name}: core(..., grad=False) computed a gradient"
    _assert_identical(v_only, loss, f"{info.name}: core(..., grad=False)[0]")
    none, g_only = info.core(**args, reduction=reduction, value=False)
    assert none is None, f"{info.name}: core(..., value=False) computed a value"
    for w, g in as_grads(info, g_only).items():
        _assert_identical(g, grads[w], f"{info.name}: core(..., value=False)[1] wrt {w}")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@by_entry()
def test_gradients_have_the_shape_and_dtype_of_their_argument(info, reduction):
    inputs = draw(info, rng_for(info, "shape"))
    for w, g in gradient(info, inputs, reduction).items():
        assert g.shape == inputs[w].shape, f"{info.name}: gradient wrt {w} has shape {g.shape}, not {inputs[w].shape}"
        assert g.dtype == inputs[w].dtype, f"{info.name}: gradient wrt {w} is {g.dtype}, not {inputs[w].dtype}"
    v = np.asarray(value(info, inputs, reduction))
    assert v.dtype == np.float64, f"{info.name}: float64 in gives {v.dtype} out"
    if reduction != "none":
        assert v.ndim == 0, f"{info.name}: reduction={reduction!r} gives shape {v.shape}, not a scalar"


@pytest.mark.parametrize("reduction", REDUCTIONS)
@by_entry()
def test_float32_in_gives_float32_out(info, reduction):
    inputs = draw(info, rng_for(info, "float32"))
    inputs32 = {a: (x.astype(np.float32) if is_float(x) else x) for a, x in inputs.items()}
    v32 = value(info, inputs32, reduction)
    g32 = gradient(info, inputs32, reduction)
    assert np.asarray(v32).dtype == np.float32, f"{info.name}: float32 in gives a {np.asarray(v32).dtype} value"
    for w, g in g32.items():
        assert g.dtype == np.float32, f"{info.name}: float32 in gives a {g.dtype} gradient wrt {w}"
        assert g.shape == inputs[w].shape
    # ... and the integer inputs were left alone
    for a, x in inputs.items():
        if not is_float(x):
            assert inputs32[a].dtype == x.dtype
    # float32 is float64 to float32 precision
    v64 = np.asarray(value(info, inputs, reduction))
    np.testing.assert_allclose(
        v32,
        v64,
        rtol=1e-4,
        atol=1e-5 * max(1.0, float(np.abs(v64).max())),
        err_msg=f"{info.name}: float32 value vs float64",
    )
    for w, g in gradient(info, inputs, reduction).items():
        np.testing.assert_allclose(
            g32[w],
            g,
            rtol=1e-4,
            atol=1e-4 * max(1e-3, float(np.abs(g).max())),
            err_msg=f"{info.name}: float32 gradient wrt {w} vs float64",
        )


# --------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------


def expected_mean(info, inputs, none: np.ndarray) -> float:
    if info.name in MEAN_RULES:
        return MEAN_RULES[info.name][1](inputs, none)
    return none.sum() / none.size


@by_entry()
def test_reductions_are_related(info):
    inputs = draw(info, rng_for(info, "reductions"))
    v = {r: np.asarray(value(info, inputs, r)) for r in REDUCTIONS}
    g = {r: gradient(info, inputs, r) for r in REDUCTIONS}
    none = v["none"]
    atol = 1e-13 * max(1.0, float(np.abs(none).sum()))
    np.testing.assert_allclose(v["sum"], none.sum(), rtol=1e-12, atol=atol, err_msg=f"{info.name}: sum vs none.sum()")
    np.testing.assert_allclose(
        v["mean"],
        expected_mean(info, inputs, none),
        rtol=1e-12,
        atol=atol,
        err_msg=f"{info.name}: mean vs "
        + (MEAN_RULES[info.name][0] if info.name in MEAN_RULES else "none.sum() / none.size"),
    )
    for w in info.grad_wrt:
        gatol = 1e-15 * max(1.0, float(np.abs(g["none"][w]).max()))
        np.testing.assert_allclose(
            g["sum"][w], g["none"][w], rtol=1e-12, atol=gatol, err_msg=f"{info.name}: gradient wrt {w}, sum vs none"
        )
        if info.name not in MEAN_RULES:  # otherwise the mean's gradient is checked by finite differences
            np.testing.assert_allclose(
                g["mean"][w],
                g["sum"][w] / none.size,
                rtol=1e-12,
                atol=gatol,
                err_msg=f"{info.name}: gradient wrt {w}, mean vs sum / none.size",
            )


# --------------------------------------------------------------------------
# Bad input: both the loss and its gradient validate
# --------------------------------------------------------------------------


def _both(info):
    return [(info.name, info.loss), (info.name + "_grad", info.grad)]


def _messages(info, inputs, changed, error) -> dict[str, str]:
    """Call the loss and its gradient on ``inputs`` with the arguments in ``changed`` replaced: each
    must raise ``error``. Their names -> the messages."""
    messages = {}
    for name, fn in _both(info):
        with pytest.raises(error) as err:
            fn(**named(info, replace(inputs, **changed)))
        messages[name] = str(err.value)
    return messages


@pytest.mark.parametrize("bad", ["avg", "MEAN", "", None, 1])
@by_entry()
def test_unknown_reduction_is_a_value_error_naming_reduction(info, bad):
    args = named(info, draw(info, rng_for(info, "validation")))
    for name, fn in _both(info):
        with pytest.raises(ValueError) as err:
            fn(**args, reduction=bad)
        message = str(err.value)
        for fragment in ("reduction", repr(bad), "'mean'", "'sum'", "'none'"):
            assert fragment in message, f"{name}(reduction={bad!r}): {fragment} is not in {message!r}"


@by_entry()
def test_nan_in_any_float_input_is_a_value_error_naming_it(info):
    inputs = draw(info, rng_for(info, "validation"))
    for a in float_args(info, inputs):
        x = inputs[a].copy()
        x.flat[min(1, x.size - 1)] = np.nan
        for name, message in _messages(info, inputs, {a: x}, ValueError).items():
            assert a in message and re.search(r"\bnan\b", message, re.IGNORECASE), (
                f"{name} with a NaN in {a}: {message!r}"
            )


@by_entry()
def test_an_empty_first_argument_is_a_value_error_naming_it(info):
    inputs = draw(info, rng_for(info, "validation"))
    first = info.args[0]
    x = inputs[first]
    empty = np.empty((0, *x.shape[1:]), dtype=x.dtype)
    for name, message in _messages(info, inputs, {first: empty}, ValueError).items():
        assert first in message, f"{name} with an empty {first}: {message!r}"


@by_entry()
def test_non_numbers_in_any_input_are_a_type_error_naming_it(info):
    inputs = draw(info, rng_for(info, "validation"))
    for a in info.args:
        for bad in (np.full(inputs[a].shape, "a"), np.full(inputs[a].shape, 1 + 2j)):
            for name, message in _messages(info, inputs, {a: bad}, TypeError).items():
                assert a in message, f"{name} with {bad.dtype} in {a}: {message!r}"


@by_entry()
def test_array_likes_are_accepted(info):
    """Nested lists are converted with np.asarray: the same value and gradient as the arrays."""
    inputs = draw(info, rng_for(info, "lists"))
    lists = {a: x.tolist() for a, x in inputs.items()}
    for reduction in REDUCTIONS:
        np.testing.assert_array_equal(value(info, lists, reduction), value(info, inputs, reduction))
        for w, g in gradient(info, lists, reduction).items():
            np.testing.assert_array_equal(g, gradient(info, inputs, reduction)[w])


@by_entry()
def test_options_are_keyword_only(info):
    args = named(info, draw(info, rng_for(info, "validation")))
    by_position = [a for a, kind, _ in _parameters(info.loss) if kind in _POSITIONAL]
    leading = [args.pop(a) for a in by_position]  # the arguments that may come by position, in order
    for _name, fn in _both(info):
        with pytest.raises(TypeError, match="positional argument"):
            fn(*leading, "sum", **args)


# --------------------------------------------------------------------------
# Signatures and docstrings
# --------------------------------------------------------------------------

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _parameters(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


_BY_NAME = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def _arguments(fn):
    """The names of ``fn``'s parameters without a default, in order, and those it refuses by keyword."""
    params = inspect.signature(fn).parameters.values()
    return tuple(p.name for p in params if p.default is p.empty), [p.name for p in params if p.kind not in _BY_NAME]


@by_entry()
def test_signatures_follow_the_registry(info):
    """The registry calls every loss, gradient and core by name: ``info.loss(**{a: x for a in info.args}, ...)``."""
    for fn in (info.loss, info.core):
        names, not_by_name = _arguments(fn)
        assert names == info.args, (
            f"{fn.__name__}: the parameters without a default are {names}, but the entry says args={info.args}"
        )
        assert not not_by_name, f"{fn.__name__}: {not_by_name} cannot be passed by name (positional-only, * or **)"
        options = [p for p in inspect.signature(fn).parameters.values() if p.name not in info.args]
        assert all(p.kind == inspect.Parameter.KEYWORD_ONLY for p in options), (
            f"{fn.__name__}: options must be keyword-only: {[(p.name, p.kind.name) for p in options]}"
        )
    assert set(info.grad_wrt) <= set(info.args) and len(set(info.args)) == len(info.args)
    default, reason = DEFAULT_REDUCTION.get(info.family, ("mean", "the conventions"))
    reduction = inspect.signature(info.loss).parameters.get("reduction")
    assert reduction is not None and reduction.default == default, (
        f"{info.name}: reduction's default should be {default!r} ({reason})"
    )
    assert _parameters(info.grad) == _parameters(info.loss), (
        f"{info.name}_grad takes other parameters than {info.name}: {_parameters(info.grad)}"
    )
    core = {p.name: p for p in inspect.signature(info.core).parameters.values()}
    for name, kind, default in _parameters(info.loss):
        if kind == inspect.Parameter.KEYWORD_ONLY:
            assert name in core and core[name].default == default, f"{info.name}: core lacks option {name}={default!r}"
    assert {"value", "grad"} <= set(core), f"{info.core.__name__} must take value= and grad="


def _has_section(doc: str, title: str) -> bool:
    return re.search(rf"^\s*{title}\s*\n\s*-{{{len(title)}}}\s*$", doc, flags=re.MULTILINE) is not None


@by_entry()
def test_the_docstring_has_the_formula_references_and_examples(info):
    doc = inspect.getdoc(info.loss) or ""
    assert doc.strip(), f"{info.name} has no docstring"
    assert ".. math::" in doc, f"{info.name}: the docstring needs the formula in a `.. math::` block"
    assert _has_section(doc, "References"), f"{info.name}: the docstring needs a References section"
    assert info.reference in doc, f"{info.name}: the References section should give the key {info.reference!r}"
    assert _has_section(doc, "Examples") and ">>>" in doc.split("Examples", 1)[1], (
        f"{info.name}: the docstring needs an Examples section with a doctest"
    )


# --------------------------------------------------------------------------
# The checks above catch what they promise to catch (on altered copies of mse)
# --------------------------------------------------------------------------


def _altered(**changes):
    return dataclasses.replace(losslib.LOSSES["mse"], name="mse", **changes)


def _mse_grad_times(factor, dtype=None):
    def grad(y_true, y_pred, *, reduction="mean"):
        g = factor * losslib.mse_grad(y_true, y_pred, reduction=reduction)
        return g if dtype is None else g.astype(dtype)

    return grad


@pytest.mark.parametrize(
    ("test", "changes"),
    [
        (test_gradient_matches_finite_differences, {"grad": _mse_grad_times(1.001)}),
        (test_core_and_value_and_grad_return_exactly_loss_and_grad, {"grad": _mse_grad_times(1.0 + 2**-40)}),
        (test_gradients_have_the_shape_and_dtype_of_their_argument, {"grad": _mse_grad_times(1.0, np.float32)}),
        (test_float32_in_gives_float32_out, {"grad": _mse_grad_times(1.0, np.float64)}),
        (
            test_reductions_are_related,
            {"grad": lambda y_true, y_pred, *, reduction="mean": losslib.mse_grad(y_true, y_pred, reduction="sum")},
        ),
        (test_gradient_matches_finite_differences, {"grad_wrt": ("y_true", "y_pred")}),  # a tuple, not a NamedTuple
    ],
    ids=["wrong-gradient", "core-differs", "float32-gradient", "float64-gradient", "mean-not-divided", "structure"],
)
def test_a_wrong_entry_fails(test, changes):
    kwargs = {"reduction": "mean"} if "reduction" in inspect.signature(test).parameters else {}
    with pytest.raises(AssertionError):
        test(_altered(**changes), **kwargs)
