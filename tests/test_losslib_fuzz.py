"""Bad input for every loss and gradient of the registry: a clear error or a documented result.

The fuzz of issue #22 (``/work/shared/reviews/fuzz.md``), kept as a property test. For every entry
of ``losslib.LOSSES`` (generated from the registry: a new entry is fuzzed as soon as it is
registered), its loss and its gradient get every case of these classes of bad input:

* NaN, +inf and -inf in each float argument (at a position Hypothesis draws);
* complex scalars (``1+0j``, ``1+1j``, ``np.complex128(2)``) for each scalar option;
* a ragged nested list for each argument;
* each 2-D argument transposed;
* each float option at ``1e-50`` and ``1e39`` with float32 inputs (it rounds to 0, or to inf);
* wrong reductions.

The property (:func:`_check`): either a ``ValueError``/``TypeError`` whose message names the
argument (or option), or a result without NaN that is the limit of the maths: where an input is
±inf, each output equals the output at ±1e200 in its place (finite limits), or is ±inf where the
outputs grow without bound from ±1e100 to ±1e200. Everything runs with numpy's RuntimeWarnings as
errors. A hint to ``.reshape`` a transposed array (which would scramble it) is a failure too.

Hypothesis draws the valid inputs around the bad one (a seed of ``info.example``), where the bad
value goes and the reduction; every case runs on the one-block path and on the blocked fast paths
of :mod:`losslib._kernels` (tiny blocks), which find NaNs and infinities while computing rather
than up front. Derandomized (the ``losslib``
profile of ``conftest.py``), so CI sees the same examples every run.
"""

from __future__ import annotations

import inspect
import re
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import losslib
from conftest import as_grads, by_entry
from losslib import _kernels

BAD_REDUCTIONS = ("avg", "MEAN", None, 1, ("mean",), "mean ", "batchmean")
COMPLEX = (1 + 0j, 1 + 1j, np.complex128(2))
F32_EXTREMES = (1e-50, 1e39)
N = 6  # examples per call: row counts differ from the class/feature counts, so a transpose is never square


def _scalar_options(info) -> dict[str, object]:
    """The keyword options of the loss whose default is a number (not a bool), from its signature."""
    params = inspect.signature(info.loss).parameters.values()
    return {
        p.name: p.default
        for p in params
        if p.kind is p.KEYWORD_ONLY
        and p.name != "reduction"
        and isinstance(p.default, (int, float))
        and not isinstance(p.default, bool)
    }


def _cases(info, inputs: dict[str, np.ndarray]) -> list[tuple]:
    """Every bad-input case of the entry: ``(kind, argument or option, detail)``."""
    cases: list[tuple] = []
    for a in info.args:
        arr = inputs[a]
        if arr.dtype.kind == "f":
            cases += [("value", a, v) for v in (np.nan, np.inf, -np.inf)]
        if arr.ndim >= 1 and arr.size >= 2:
            cases.append(("ragged", a, None))
        if arr.ndim == 2 and arr.shape[0] != arr.shape[1]:
            cases.append(("transposed", a, None))
    for name, default in _scalar_options(info).items():
        cases += [("complex", name, z) for z in COMPLEX]
        if isinstance(default, float):
            cases += [("float32", name, v) for v in F32_EXTREMES]
    cases += [("reduction", "reduction", r) for r in BAD_REDUCTIONS]
    return cases


def _ragged(arr: np.ndarray) -> list:
    """A nested list like ``arr`` whose last row (or last element, in 1-D) is one short."""
    rows = arr.tolist()
    if arr.ndim == 1:
        return [rows[:-1], rows[-1:]]
    rows[-1] = rows[-1][:-1]
    return rows


def _call(fn: Callable, info, inputs: dict, reduction, options: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning is a failure: losslib must decide, not numpy
        return fn(**{a: inputs[a] for a in info.args}, reduction=reduction, **options)


def _outputs(info, value, grad) -> dict[str, np.ndarray]:
    out = {"value": np.asarray(value, dtype=np.float64)}
    out.update({f"grad wrt {k}": np.asarray(g, dtype=np.float64) for k, g in as_grads(info, grad).items()})
    return out


def _quiet(fn: Callable, info, inputs: dict, reduction, options: dict):
    """The oracle's calls: finite huge inputs, whose overflow warnings are numpy's business."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(**{a: inputs[a] for a in info.args}, reduction=reduction, **options)
        except (ValueError, TypeError):
            return None


def _names(message: str, name: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", message) is not None


def _check(info, kind: str, name: str, detail, inputs: dict, options: dict, reduction, index) -> list[str]:
    """The failures of one case (empty if it passes), for the loss and the gradient."""
    failures = []
    results = {}
    for label, fn in (("loss", info.loss), ("grad", info.grad)):
        try:
            results[label] = _call(fn, info, inputs, reduction, options)
        except (ValueError, TypeError) as exc:
            msg = str(exc)
            if not _names(msg, name):
                failures.append(f"{label}: {type(exc).__name__} does not name {name!r}: {msg}")
            if kind == "transposed" and ".reshape(" in msg:
                failures.append(f"{label}: suggests a reshape for a transposed {name}, which scrambles it: {msg}")
        except Exception as exc:  # noqa: BLE001 - any other exception (or a RuntimeWarning) fails the case
            failures.append(f"{label}: {type(exc).__name__}: {exc}")
    if len(results) == 1:
        failures.append(f"only the {next(iter(results))} accepted it: loss and gradient must agree")
    if len(results) < 2:
        return failures
    if kind in ("ragged", "transposed", "complex", "reduction"):
        return failures + [f"accepted (loss {results['loss']!r}); expected an error naming {name!r}"]
    got = _outputs(info, results["loss"], results["grad"])
    for out, arr in got.items():
        if np.isnan(arr).any():
            failures.append(f"{out} is NaN: {arr.tolist()}")
    if kind == "value" and np.isinf(detail):
        failures += _check_limit(info, name, detail, inputs, options, reduction, index, got)
    if kind == "float32":
        failures += _check_float32(info, name, inputs, options, reduction, got)
    return failures


def _at(inputs: dict, name: str, index, v: float) -> dict:
    arr = inputs[name].copy()
    arr[index] = v
    return {**inputs, name: arr}


def _check_limit(info, name, inf, inputs, options, reduction, index, got) -> list[str]:
    """An input of ±inf gives the limit of the outputs at ±1e100, ±1e200, ... (or an error)."""
    sign = np.sign(inf)
    near = _oracle(info, _at(inputs, name, index, sign * 1e100), options, reduction)
    far = _oracle(info, _at(inputs, name, index, sign * 1e200), options, reduction)
    if near is None or far is None:
        return [f"{name}={inf} accepted, but ±1e100/±1e200 in its place are refused: no limit to compare with"]
    failures = []
    for out, arr in got.items():
        lo, hi = near[out], far[out]
        fin = np.isfinite(arr)
        scale = np.abs(hi[np.isfinite(hi)]).max(initial=0)
        with np.errstate(invalid="ignore"):  # inf - inf where the limit is infinite: judged by `grows`
            ok_finite = np.isclose(arr, hi, rtol=1e-6, atol=1e-12 * (1 + scale))
        grows = np.isinf(arr) & ((hi == arr) | ((np.sign(hi) == np.sign(arr)) & (np.abs(hi) > np.abs(lo))))
        bad = ~np.where(fin, ok_finite, grows)
        if bad.any():
            failures.append(
                f"{out} with {name}[{index}]={inf}: {arr.ravel().tolist()}, but the limit from "
                f"{name}[{index}]={sign * 1e100:g}, {sign * 1e200:g} is {lo.ravel().tolist()} -> {hi.ravel().tolist()}"
            )
    return failures


def _oracle(info, inputs, options, reduction):
    value = _quiet(info.loss, info, inputs, reduction, options)
    grad = _quiet(info.grad, info, inputs, reduction, options)
    return None if value is None or grad is None else _outputs(info, value, grad)


def _check_float32(info, name, inputs, options, reduction, got) -> list[str]:
    """A float32 call that is accepted is finite where float64 is, and close to it."""
    f64 = {a: (v.astype(np.float64) if v.dtype.kind == "f" else v) for a, v in inputs.items()}
    ref = _oracle(info, f64, options, reduction)
    if ref is None:
        return []  # float64 refuses it (with its own message, checked elsewhere)
    failures = []
    for out, arr in got.items():
        r = ref[out]
        scale = np.abs(r).max(initial=0)
        if not np.allclose(arr, r, rtol=1e-3, atol=1e-4 * scale + 1e-30, equal_nan=False):
            failures.append(
                f"{out} with {name}={options[name]!r} in float32: {arr.ravel()[:6]}, float64: {r.ravel()[:6]}"
            )
    return failures


def _apply(kind, name, detail, inputs: dict, index) -> tuple[dict, dict, object]:
    """The case applied to valid inputs: ``(inputs, options, reduction)``."""
    if kind == "value":
        return _at(inputs, name, index, detail), {}, "mean"
    if kind == "ragged":
        return {**inputs, name: _ragged(inputs[name])}, {}, "mean"
    if kind == "transposed":
        return {**inputs, name: inputs[name].T}, {}, "mean"
    if kind == "complex":
        return inputs, {name: detail}, "mean"
    if kind == "float32":
        f32 = {a: (v.astype(np.float32) if v.dtype.kind == "f" else v) for a, v in inputs.items()}
        return f32, {name: detail}, "mean"
    return inputs, {}, detail  # a bad reduction


@pytest.mark.parametrize("tiny_blocks", [False, True], ids=["one-block", "blocked"])
@pytest.mark.parametrize("info", [pytest.param(i, id=i.name) for i in losslib.LOSSES.values()])
@settings(max_examples=20)
@given(
    seed=st.integers(0, 2**32 - 1),
    where=st.floats(0, 1, exclude_max=True),
    reduction=st.sampled_from(("mean", "sum", "none")),
)
def test_bad_input_gives_a_clear_error_or_the_documented_result(info, seed, where, tiny_blocks, reduction):
    inputs = {a: np.asarray(v) for a, v in info.example(np.random.default_rng(seed), N).items()}
    saved = _kernels.BLOCK_BYTES, _kernels.ROW_BLOCK_BYTES
    failures = []
    try:
        if tiny_blocks:  # the blocked fast paths, which find bad values while computing
            _kernels.BLOCK_BYTES = _kernels.ROW_BLOCK_BYTES = 24
        for kind, name, detail in _cases(info, inputs):
            index = np.unravel_index(int(where * inputs[name].size), inputs[name].shape) if kind == "value" else None
            case_inputs, options, red = _apply(kind, name, detail, inputs, index)
            red = reduction if red == "mean" and kind in ("value", "float32") else red
            for f in _check(info, kind, name, detail, case_inputs, options, red, index):
                failures.append(f"{info.name} [{kind} {name}={detail!r}, reduction={red!r}]: {f}")
    finally:
        _kernels.BLOCK_BYTES, _kernels.ROW_BLOCK_BYTES = saved
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures)


@by_entry()
def test_every_entry_is_fuzzed_with_every_class(info):
    """The cases come from the registry: every entry gets NaN/inf, ragged and reduction cases, and
    every numeric option complex and float32 cases (so a new option is fuzzed without a list)."""
    inputs = {a: np.asarray(v) for a, v in info.example(np.random.default_rng(0), N).items()}
    kinds = {(k, n) for k, n, _ in _cases(info, inputs)}
    assert ("reduction", "reduction") in kinds
    for a in info.args:
        assert ("ragged", a) in kinds
        if inputs[a].dtype.kind == "f":
            assert ("value", a) in kinds
    for name, default in _scalar_options(info).items():
        assert ("complex", name) in kinds
        if isinstance(default, float):
            assert ("float32", name) in kinds


# --------------------------------------------------------------------------
# Cases the registry-wide fuzz does not generate (weights, extra axes, hint wording)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.inf, -np.inf, -1.0])
@pytest.mark.parametrize("fn", [losslib.cross_entropy, losslib.cross_entropy_grad])
def test_cross_entropy_refuses_infinite_and_negative_class_weights(fn, bad):
    """weight=[inf, 1, 1] gave NaN (inf/inf), [1, -1, 1] with labels [0, 1] NaN and an infinite
    gradient (the weighted mean's denominator cancelled); NaN weights were already refused."""
    with pytest.raises(ValueError, match=r"weight must hold .*weight\[1\] = "):
        fn([0, 1], [[0.0, 1.0, 2.0], [1.0, 0.0, 0.5]], weight=[1.0, bad, 1.0])


@pytest.mark.parametrize("option", ["weight", "pos_weight"])
def test_bce_with_logits_refuses_infinite_weights(option):
    with pytest.raises(ValueError, match=rf"{option} must hold finite weights, but {option}\[0\] = inf"):
        losslib.binary_cross_entropy_with_logits([1.0, 0.0], [0.5, -0.5], **{option: [np.inf, 1.0]})


@pytest.mark.parametrize("name", ["triplet", "contrastive", "cosine_embedding", "info_nce", "nt_xent"])
def test_embeddings_with_a_trailing_axis_of_one_get_squeeze(name):
    """(N, D, 1) embeddings were told to reshape(-1, 1): N*D one-number embeddings."""
    info = losslib.LOSSES[name]
    inputs = {a: np.asarray(v) for a, v in info.example(np.random.default_rng(0), N).items()}
    first = next(a for a in info.args if inputs[a].dtype.kind == "f" and inputs[a].ndim == 2)
    inputs[first] = inputs[first][..., None]
    with pytest.raises(ValueError, match=rf"{first}\.squeeze\(-1\)") as err:
        info.loss(**{a: inputs[a] for a in info.args})
    assert ".reshape(" not in str(err.value)


def test_cross_entropy_logits_with_a_trailing_axis_of_one_get_squeeze():
    with pytest.raises(ValueError, match=r"y_pred\.squeeze\(-1\), of shape \(5, 4\)"):
        losslib.cross_entropy([0, 1, 2, 3, 0], np.zeros((5, 4, 1)))


@pytest.mark.parametrize("malformed", ["y_true", "y_pred"])
def test_transposed_hint_says_T_for_either_argument(malformed):
    """The hint was '.reshape(y_true.shape)', which scrambles a transposed array, and it named
    y_pred even when y_true was the transposed one."""
    y = np.arange(12.0).reshape(3, 4)
    args = {"y_true": y, "y_pred": y + 1}
    args[malformed] = args[malformed].T
    with pytest.raises(ValueError, match=r"pass y_pred\.T, or y_true\.T if y_true is the transposed one") as err:
        losslib.mse(**args)
    assert ".reshape(" not in str(err.value)


def test_same_size_shapes_that_are_not_transposes_still_get_reshape():
    with pytest.raises(ValueError, match=r"reshape it with \.reshape\(y_true\.shape\)"):
        losslib.mse(np.zeros((2, 6)), np.zeros((3, 4)))


@pytest.mark.parametrize("value", ["1.0", 1 + 0j, np.complex64(1), True])
def test_scalar_options_refuse_strings_complex_and_bools(value):
    """np.isreal(1+0j) is True, so a complex option reached float() and Python's message."""
    with pytest.raises(TypeError, match=r"delta must be a real number"):
        losslib.huber([0.0], [1.0], delta=value)


def test_cosine_embedding_eps_below_the_dtype_is_its_smallest_number():
    """eps=1e-50 in float32 rounded to 0, and a zero vector gave NaN (0/0); float64 gives 1.0."""
    x1, x2 = np.zeros((1, 3), np.float32), np.ones((1, 3), np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert losslib.cosine_embedding([1], x1, x2, eps=1e-50) == np.float32(1.0)
        assert np.isfinite(losslib.cosine_embedding_grad([1], x1, x2, eps=1e-50).x1).all()
