"""Gradients, dtypes, stability and reductions of the first losses under their options, without PyTorch.

Every registry entry gets the generic checks of ``test_losslib_generic.py`` at its default
options (finite differences for every argument and reduction, core/value_and_grad, float32,
reduction rules). This file adds what those cannot know: configurations of options (weights,
pos_weight, label smoothing, ignore_index, delta) and their samplers away from kinks, several
shapes, the mean's denominator under weights and ignore_index, closed forms at extreme logits
and probabilities, and mathematical identities checked with Hypothesis.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import losslib
from conftest import central_difference

REDUCTIONS = ("mean", "sum", "none")
ELEMENTWISE_SHAPES = [(7,), (3, 4), (2, 3, 4)]
CLASS_SHAPES = [(6, 5), (2, 3, 4)]  # logits; the classes are on the last axis


# --------------------------------------------------------------------------
# Configurations: a loss, its options, and a sampler of valid inputs away from kinks
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    id: str
    loss: str
    sample: Callable[[np.random.Generator, tuple[int, ...]], tuple[np.ndarray, np.ndarray, dict]]
    shapes: tuple[tuple[int, ...], ...]

    @property
    def fn(self):
        return getattr(losslib, self.loss)

    @property
    def grad(self):
        return getattr(losslib, self.loss + "_grad")


def _residuals(rng, shape, kinks=(0.0,), margin=0.05):
    """Residuals of size 0.05..3 whose absolute values stay ``margin`` away from every kink."""
    r = rng.uniform(0.05, 3.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    for k in kinks:
        near = np.abs(np.abs(r) - k) < margin
        r = np.where(near, np.sign(r) * (k + 2 * margin), r)
    return r


def regression(loss, **opts):
    kinks = (0.0, opts.get("delta", 1.0)) if loss == "huber" else (0.0,)

    def sample(rng, shape):
        y = rng.normal(size=shape)
        return y, y + _residuals(rng, shape, kinks), dict(opts)

    tag = "".join(f"-{k}{v}" for k, v in opts.items())
    return Config(f"{loss}{tag}", loss, sample, tuple(ELEMENTWISE_SHAPES))


def bce(soft=False, weight=False):
    def sample(rng, shape):
        y = rng.uniform(size=shape) if soft else rng.integers(0, 2, size=shape).astype(float)
        opts = {"weight": rng.uniform(0.2, 3.0, size=shape)} if weight else {}
        return y, rng.uniform(0.02, 0.98, size=shape), opts

    return Config(
        "binary_cross_entropy" + "-soft" * soft + "-weight" * weight,
        "binary_cross_entropy",
        sample,
        tuple(ELEMENTWISE_SHAPES),
    )


def bce_logits(soft=False, weight=False, pos_weight=False):
    def sample(rng, shape):
        y = rng.uniform(size=shape) if soft else rng.integers(0, 2, size=shape).astype(float)
        opts = {}
        if weight:
            opts["weight"] = rng.uniform(0.2, 3.0, size=shape)
        if pos_weight:
            opts["pos_weight"] = rng.uniform(0.2, 5.0, size=shape[-1:])  # one per column, broadcast
        return y, 3.0 * rng.normal(size=shape), opts

    tag = "-soft" * soft + "-weight" * weight + "-pos_weight" * pos_weight
    return Config(
        "binary_cross_entropy_with_logits" + tag, "binary_cross_entropy_with_logits", sample, tuple(ELEMENTWISE_SHAPES)
    )


def ce(probs=False, weight=False, label_smoothing=0.0, ignore=None):
    def sample(rng, shape):
        n_classes = shape[-1]
        opts = {}
        if weight:
            opts["weight"] = rng.uniform(0.2, 3.0, size=n_classes)
        if label_smoothing:
            opts["label_smoothing"] = label_smoothing
        if probs:
            g = rng.gamma(1.0, size=shape)
            y = g / g.sum(axis=-1, keepdims=True)
        else:
            y = rng.integers(0, n_classes, size=shape[:-1])
            if ignore is not None:
                y.flat[::3] = ignore
                if ignore != -100:
                    opts["ignore_index"] = ignore
        return y, 2.0 * rng.normal(size=shape), opts

    tag = ("-probs" if probs else "-labels") + "-weight" * weight
    tag += f"-smooth{label_smoothing}" if label_smoothing else ""
    tag += f"-ignore{ignore}" if ignore is not None else ""
    return Config("cross_entropy" + tag, "cross_entropy", sample, tuple(CLASS_SHAPES))


CONFIGS = [
    regression("mse"),
    regression("mae"),
    regression("huber"),
    regression("huber", delta=0.3),
    regression("huber", delta=4.0),
    bce(),
    bce(soft=True),
    bce(weight=True),
    bce_logits(),
    bce_logits(weight=True),
    bce_logits(pos_weight=True),
    bce_logits(soft=True, weight=True, pos_weight=True),
    ce(),
    ce(weight=True),
    ce(label_smoothing=0.2),
    ce(label_smoothing=1.0),
    ce(ignore=-100),
    ce(ignore=1),
    ce(weight=True, label_smoothing=0.3, ignore=-100),
    ce(probs=True),
    ce(probs=True, weight=True, label_smoothing=0.15),
]


def _seed(*parts) -> int:
    """A seed fixed by the test's parameters (``hash`` of a str changes between runs)."""
    return zlib.crc32(repr(parts).encode())


def _params(with_shapes=True, with_reductions=True):
    out = []
    for cfg in CONFIGS:
        for shape in cfg.shapes if with_shapes else cfg.shapes[:1]:
            for reduction in REDUCTIONS if with_reductions else (None,):
                pid = "-".join([cfg.id, "x".join(map(str, shape))] + ([reduction] if reduction else []))
                out.append(pytest.param(cfg, shape, reduction, id=pid))
    return out


def _inputs(cfg: Config, shape, tag=""):
    return cfg.sample(np.random.default_rng(_seed(cfg.id, shape, tag)), shape)


def _scalar_loss(cfg: Config, y_true, options, reduction):
    """y_pred -> the reduced loss (for "none": the sum of the per-item losses) as a float."""

    def f(y_pred):
        value = cfg.fn(y_true, y_pred, reduction=reduction, **options)
        return float(np.sum(value))

    return f


def _fd_step(cfg: Config):
    if cfg.loss == "binary_cross_entropy":  # stay inside (0, 1)
        return lambda p: 1e-6 * min(p, 1 - p)
    return None


# --------------------------------------------------------------------------
# Finite differences
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("cfg", "shape", "reduction"), _params())
def test_gradient_matches_finite_differences(cfg, shape, reduction):
    y_true, y_pred, options = _inputs(cfg, shape)
    grad = cfg.grad(y_true, y_pred, reduction=reduction, **options)
    assert grad.shape == y_pred.shape
    numeric = central_difference(_scalar_loss(cfg, y_true, options, reduction), y_pred, _fd_step(cfg))
    scale = np.abs(numeric).max()
    np.testing.assert_allclose(
        grad, numeric, rtol=1e-6, atol=1e-8 * scale, err_msg=f"{cfg.id} {reduction}: analytic vs central differences"
    )


@pytest.mark.parametrize(
    ("p", "y", "value", "grad"),
    [
        # The exact derivative of the clamped value (PyTorch divides by max(p(1-p), 1e-12) instead).
        (0.0, 0.0, 0.0, 1.0),  # d/dp -log1p(-p) at 0
        (1.0, 1.0, 0.0, -1.0),  # d/dp -log(p) at 1
        (0.0, 1.0, 100.0, 0.0),  # log 0 clamped at -100: flat
        (1.0, 0.0, 100.0, 0.0),
        (1e-300, 1.0, 100.0, 0.0),  # log p < -100: clamped, flat
        (1e-13, 1.0, 13 * np.log(10), -1e13),
        (1 - 2**-45, 0.0, 45 * np.log(2), 2.0**45),
        (0.5, 0.5, np.log(2), 0.0),
    ],
)
def test_binary_cross_entropy_at_the_edges_of_the_unit_interval(p, y, value, grad):
    got = losslib.binary_cross_entropy([y], [p], reduction="sum")
    got_grad = losslib.binary_cross_entropy_grad([y], [p], reduction="sum")
    np.testing.assert_allclose(got, value, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(got_grad, [grad], rtol=1e-12, atol=1e-300)
    # and agrees with finite differences with a relative step (near 0, where floats are dense
    # enough for one; near 1 the spacing 2**-53 is too coarse to resolve 1 - p = 2**-45)
    if 0 < p <= 0.5 and grad != 0:
        numeric = central_difference(
            lambda q: losslib.binary_cross_entropy([y], q, reduction="sum"), [p], lambda q: 1e-4 * min(q, 1 - q)
        )
        np.testing.assert_allclose(got_grad, numeric, rtol=1e-6)


# --------------------------------------------------------------------------
# dtype and shape
# --------------------------------------------------------------------------


def _as_float32(y_true, y_pred, options, weights_float64=False):
    y32 = y_true.astype(np.float32) if y_true.dtype.kind == "f" else y_true
    opts = {
        k: (v if weights_float64 or not isinstance(v, np.ndarray) else v.astype(np.float32)) for k, v in options.items()
    }
    return y32, y_pred.astype(np.float32), opts


@pytest.mark.parametrize("weights_float64", [False, True], ids=["float32-weights", "float64-weights"])
@pytest.mark.parametrize(("cfg", "shape", "reduction"), _params(with_shapes=False))
def test_float32_in_gives_float32_out(cfg, shape, reduction, weights_float64):
    y_true, y_pred, options = _inputs(cfg, shape)
    y32, p32, o32 = _as_float32(y_true, y_pred, options, weights_float64)
    value = cfg.fn(y32, p32, reduction=reduction, **o32)
    grad = cfg.grad(y32, p32, reduction=reduction, **o32)
    assert np.asarray(value).dtype == np.float32, f"value is {np.asarray(value).dtype}"
    assert grad.dtype == np.float32, f"gradient is {grad.dtype}"
    assert grad.shape == y_pred.shape
    # and float32 is float64 to float32 precision
    np.testing.assert_allclose(value, cfg.fn(y_true, y_pred, reduction=reduction, **options), rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(grad, cfg.grad(y_true, y_pred, reduction=reduction, **options), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize(("cfg", "shape", "reduction"), _params())
def test_gradient_has_the_shape_of_y_pred_and_value_the_documented_shape(cfg, shape, reduction):
    y_true, y_pred, options = _inputs(cfg, shape)
    value = np.asarray(cfg.fn(y_true, y_pred, reduction=reduction, **options))
    assert cfg.grad(y_true, y_pred, reduction=reduction, **options).shape == y_pred.shape
    per_item_shape = y_pred.shape[:-1] if cfg.loss == "cross_entropy" else y_pred.shape
    assert value.shape == (per_item_shape if reduction == "none" else ())


@pytest.mark.parametrize("name", ["mse", "mae", "huber", "binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_elementwise_losses_accept_a_scalar(name):
    value = getattr(losslib, name)(0.0, 0.25, reduction="none")
    grad = getattr(losslib, name + "_grad")(0.0, 0.25)
    assert np.shape(value) == () and np.shape(grad) == ()


def test_cross_entropy_accepts_unbatched_logits():
    z = np.array([0.5, -1.0, 2.0])
    assert np.shape(losslib.cross_entropy(np.array(2), z, reduction="none")) == ()
    assert losslib.cross_entropy_grad(np.array(2), z).shape == (3,)


# --------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------


def mean_denominator(loss, y_true, y_pred, options) -> float:
    """N of ``mean = sum / N``, by the rule of the conventions (as in PyTorch).

    Elementwise losses: the number of elements. Cross-entropy: the number of examples for
    class probabilities; for labels, the sum of the class weights of the non-ignored labels.
    """
    if loss != "cross_entropy":
        return y_pred.size
    if y_true.dtype.kind == "f":
        return y_pred.size // y_pred.shape[-1]
    valid = y_true != options.get("ignore_index", -100)
    weight = options.get("weight")
    w_y = np.ones(y_true.shape) if weight is None else weight[np.where(valid, y_true, 0)]
    return float((w_y * valid).sum())


@pytest.mark.parametrize(("cfg", "shape", "reduction"), _params(with_reductions=False))
def test_reductions_are_related(cfg, shape, reduction):
    y_true, y_pred, options = _inputs(cfg, shape)
    n = mean_denominator(cfg.loss, y_true, y_pred, options)
    value = {r: cfg.fn(y_true, y_pred, reduction=r, **options) for r in REDUCTIONS}
    grad = {r: cfg.grad(y_true, y_pred, reduction=r, **options) for r in REDUCTIONS}
    np.testing.assert_allclose(value["sum"], value["mean"] * n, rtol=1e-12)
    np.testing.assert_allclose(value["none"].sum(), value["sum"], rtol=1e-12)
    np.testing.assert_allclose(grad["sum"], grad["mean"] * n, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grad["none"], grad["sum"], rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------
# Stability: logits up to 1e4 in float64 and 80 in float32
# --------------------------------------------------------------------------

LIMITS = [pytest.param(np.float64, 1e4, id="float64-1e4"), pytest.param(np.float32, 80.0, id="float32-80")]


def _check_finite(value, grad, dtype):
    assert np.all(np.isfinite(value)), f"non-finite value {value}"
    assert np.all(np.isfinite(grad)), f"non-finite gradient {grad}"
    assert np.asarray(value).dtype == dtype and grad.dtype == dtype


def _rtol(dtype):
    return 1e-6 if dtype == np.float32 else 1e-14


@pytest.mark.parametrize(("dtype", "big"), LIMITS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_logit_losses_stay_finite_at_extreme_logits(dtype, big, reduction):
    x = np.array([-big, -big / 2, -1.0, 0.0, 1.0, big / 2, big], dtype=dtype)
    for y in (np.zeros_like(x), np.ones_like(x), np.linspace(0, 1, x.size, dtype=dtype)):
        for opts in ({}, {"weight": np.linspace(0.5, 2, x.size, dtype=dtype), "pos_weight": np.array([3.0], dtype)}):
            _check_finite(
                losslib.binary_cross_entropy_with_logits(y, x, reduction=reduction, **opts),
                losslib.binary_cross_entropy_with_logits_grad(y, x, reduction=reduction, **opts),
                dtype,
            )
    z = np.array([[big, -big, 0.0], [-big, -big, -big], [big, big, big], [big, big - 1, -big]], dtype=dtype)
    q = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0], [1 / 3, 1 / 3, 1 / 3], [0.2, 0.0, 0.8]], dtype=dtype)
    for y, opts in (
        (np.array([1, 0, 2, 2]), {}),
        (np.array([1, 0, 2, 2]), {"weight": np.array([0.5, 2.0, 1.0], dtype), "label_smoothing": 0.1}),
        (q, {}),
        (q, {"weight": np.array([0.5, 2.0, 1.0], dtype), "label_smoothing": 0.1}),
    ):
        _check_finite(
            losslib.cross_entropy(y, z, reduction=reduction, **opts),
            losslib.cross_entropy_grad(y, z, reduction=reduction, **opts),
            dtype,
        )


@pytest.mark.parametrize(("dtype", "big"), LIMITS)
def test_bce_with_logits_closed_forms_at_extreme_logits(dtype, big):
    # loss = softplus(x) - y x, gradient = sigmoid(x) - y; at |x| = big the exponentials are e^-big.
    tiny = np.exp(-np.float64(big))  # 0 in float64 for big = 1e4, 1.8e-35 for big = 80
    x = np.array([-big, big, big, -big, big], dtype=dtype)
    y = np.array([1.0, 0.0, 1.0, 0.0, 0.5], dtype=dtype)
    value = losslib.binary_cross_entropy_with_logits(y, x, reduction="none")
    grad = losslib.binary_cross_entropy_with_logits_grad(y, x, reduction="none")
    np.testing.assert_allclose(value, [big, big, tiny, tiny, big / 2 + tiny], rtol=_rtol(dtype), atol=0)
    np.testing.assert_allclose(grad, [-1.0, 1.0, -tiny, tiny, 0.5], rtol=_rtol(dtype), atol=0)
    # with pos_weight 3 and weight 2: the positive term is weighted 6, the negative 2
    value = losslib.binary_cross_entropy_with_logits(
        y, x, weight=np.full(5, 2.0, dtype), pos_weight=np.array([3.0], dtype), reduction="none"
    )
    np.testing.assert_allclose(value, [6 * big, 2 * big, 6 * tiny, 2 * tiny, big + 3 * tiny], rtol=_rtol(dtype), atol=0)


def test_bce_with_logits_keeps_the_digits_of_tiny_losses():
    # Where sigmoid(x) rounds to 0 or 1 the loss is e^-|x| (1 - e^-|x| / 2 + ...), not 0.
    # (PyTorch returns 0 and -2.22e-16 here: the gradient sigmoid(x) - y cancels.)
    for a in (36.0, 50.0, 700.0):
        e = np.exp(-a)
        log1p_e = e * (1 - e / 2)
        np.testing.assert_allclose(
            losslib.binary_cross_entropy_with_logits([0.0], [-a], reduction="sum"), log1p_e, rtol=1e-15
        )
        np.testing.assert_allclose(
            losslib.binary_cross_entropy_with_logits([1.0], [a], reduction="sum"), log1p_e, rtol=1e-15
        )
        np.testing.assert_allclose(
            losslib.binary_cross_entropy_with_logits_grad([1.0], [a], reduction="sum"), [-e / (1 + e)], rtol=1e-15
        )
        np.testing.assert_allclose(
            losslib.binary_cross_entropy_with_logits_grad([0.0], [-a], reduction="sum"), [e / (1 + e)], rtol=1e-15
        )


@pytest.mark.parametrize(("dtype", "big"), LIMITS)
def test_cross_entropy_closed_forms_at_extreme_logits(dtype, big):
    z = np.array([[big, -big, 0.0], [big, -big, 0.0], [big, big, big], [-big, -big, -big]], dtype=dtype)
    labels = np.array([1, 0, 2, 0])
    value = losslib.cross_entropy(labels, z, reduction="none")
    grad = losslib.cross_entropy_grad(labels, z, reduction="sum")
    # wrong by 2 big; right with a margin of big (loss e^-big, below float32's resolution of 1);
    # three equal logits: log 3 and gradient 1/3 - onehot
    np.testing.assert_allclose(value, [2 * big, 0.0, np.log(3), np.log(3)], rtol=_rtol(dtype), atol=np.exp(-big) * 2)
    third = 1 / 3
    np.testing.assert_allclose(
        grad,
        [[1, -1, 0], [0, 0, 0], [third, third, third - 1], [third - 1, third, third]],
        rtol=_rtol(dtype),
        atol=2 * np.exp(-big) + (1e-7 if dtype == np.float32 else 1e-16),
    )
    # class probabilities: -(0.5 * 0 + 0.5 * (-2 big)) = big
    q = np.array([[0.5, 0.5, 0.0]], dtype=dtype)
    np.testing.assert_allclose(losslib.cross_entropy(q, z[:1], reduction="sum"), big, rtol=_rtol(dtype))
    np.testing.assert_allclose(
        losslib.cross_entropy_grad(q, z[:1], reduction="sum"),
        [[0.5, -0.5, 0.0]],
        rtol=_rtol(dtype),
        atol=2 * np.exp(-big),
    )


# --------------------------------------------------------------------------
# Properties (Hypothesis)
# --------------------------------------------------------------------------


def _finite(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


shapes = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)


@st.composite
def regression_inputs(draw):
    shape = draw(shapes)
    y = draw(arrays(np.float64, shape, elements=_finite(-1e6, 1e6)))
    p = draw(arrays(np.float64, shape, elements=_finite(-1e6, 1e6)))
    return y, p


@st.composite
def class_inputs(draw, max_logit=50.0):
    """``(labels, logits, n_classes)`` with logits of shape (n, C)."""
    n = draw(st.integers(1, 6))
    c = draw(st.integers(2, 6))
    z = draw(arrays(np.float64, (n, c), elements=_finite(-max_logit, max_logit)))
    labels = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    return labels, z, c


def _class_weight(c, seed):
    return np.random.default_rng(seed).uniform(0.1, 3.0, size=c)


@given(regression_inputs(), st.sampled_from(["mse", "mae", "huber"]), _finite(0.01, 100.0))
def test_regression_losses_are_non_negative(inputs, name, delta):
    y, p = inputs
    opts = {"delta": delta} if name == "huber" else {}
    assert (getattr(losslib, name)(y, p, reduction="none", **opts) >= 0).all()


@given(regression_inputs(), st.sampled_from(["mse", "mae", "huber"]), _finite(0.01, 100.0))
def test_regression_losses_are_zero_at_a_perfect_prediction(inputs, name, delta):
    y, _ = inputs
    opts = {"delta": delta} if name == "huber" else {}
    for reduction in REDUCTIONS:
        assert np.all(getattr(losslib, name)(y, y.copy(), reduction=reduction, **opts) == 0)
        assert np.all(getattr(losslib, name + "_grad")(y, y.copy(), reduction=reduction, **opts) == 0)


@given(st.data(), shapes, st.booleans())
def test_binary_losses_are_non_negative(data, shape, soft):
    targets = _finite(0, 1) if soft else st.sampled_from([0.0, 1.0])
    y = data.draw(arrays(np.float64, shape, elements=targets))
    p = data.draw(arrays(np.float64, shape, elements=_finite(0, 1)))
    x = data.draw(arrays(np.float64, shape, elements=_finite(-1e4, 1e4)))
    assert (losslib.binary_cross_entropy(y, p, reduction="none") >= 0).all()
    assert (losslib.binary_cross_entropy_with_logits(y, x, reduction="none") >= 0).all()


@given(class_inputs(max_logit=1e4), _finite(0, 1), st.booleans(), st.integers(0, 2**32 - 1))
def test_cross_entropy_is_non_negative(inputs, smoothing, weighted, seed):
    labels, z, c = inputs
    w = _class_weight(c, seed) if weighted else None
    assert (losslib.cross_entropy(labels, z, weight=w, label_smoothing=smoothing, reduction="none") >= 0).all()


@given(class_inputs(), _finite(-100, 100), _finite(0, 1), st.booleans(), st.integers(0, 2**32 - 1))
def test_cross_entropy_is_invariant_to_shifting_the_logits(inputs, shift, smoothing, weighted, seed):
    labels, z, c = inputs
    opts = {"weight": _class_weight(c, seed) if weighted else None, "label_smoothing": smoothing}
    row_shift = shift * np.arange(1, z.shape[0] + 1)[:, None] / z.shape[0]
    for reduction in REDUCTIONS:
        a = losslib.cross_entropy(labels, z, reduction=reduction, **opts)
        b = losslib.cross_entropy(labels, z + row_shift, reduction=reduction, **opts)
        # shifting rounds z + c, which moves the loss by a few ulps of |z| + |c|
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12 * (1 + np.abs(z).max() + abs(shift)))
        ga = losslib.cross_entropy_grad(labels, z, reduction=reduction, **opts)
        gb = losslib.cross_entropy_grad(labels, z + row_shift, reduction=reduction, **opts)
        np.testing.assert_allclose(gb, ga, rtol=1e-10, atol=1e-12 * (1 + np.abs(z).max() + abs(shift)))


@given(class_inputs(max_logit=1e4), _finite(0, 1), st.booleans(), st.integers(0, 2**32 - 1))
def test_cross_entropy_with_one_hot_probabilities_equals_labels(inputs, smoothing, weighted, seed):
    labels, z, c = inputs
    onehot = np.eye(c)[labels]
    w = _class_weight(c, seed) if weighted else None
    # "mean" divides by the summed weights of the labels but by N for probabilities (as in
    # PyTorch), so with weights only "none" and "sum" are the same.
    for reduction in ("none", "sum") if weighted else REDUCTIONS:
        opts = {"weight": w, "label_smoothing": smoothing, "reduction": reduction}
        np.testing.assert_allclose(
            losslib.cross_entropy(onehot, z, **opts), losslib.cross_entropy(labels, z, **opts), rtol=1e-12, atol=1e-300
        )
        np.testing.assert_allclose(
            losslib.cross_entropy_grad(onehot, z, **opts),
            losslib.cross_entropy_grad(labels, z, **opts),
            rtol=1e-12,
            atol=1e-15,
        )


@given(st.data(), shapes, st.booleans())
def test_bce_with_logits_is_bce_of_the_sigmoid(data, shape, soft):
    targets = _finite(0, 1) if soft else st.sampled_from([0.0, 1.0])
    y = data.draw(arrays(np.float64, shape, elements=targets))
    x = data.draw(arrays(np.float64, shape, elements=_finite(-15, 15)))
    p = 1 / (1 + np.exp(-x))
    for reduction in REDUCTIONS:
        np.testing.assert_allclose(
            losslib.binary_cross_entropy_with_logits(y, x, reduction=reduction),
            losslib.binary_cross_entropy(y, p, reduction=reduction),
            rtol=1e-8,
            atol=1e-15,
        )
        # chain rule: d/dx = d/dp * sigmoid'(x) = d/dp * p (1 - p)
        np.testing.assert_allclose(
            losslib.binary_cross_entropy_with_logits_grad(y, x, reduction=reduction),
            losslib.binary_cross_entropy_grad(y, p, reduction=reduction) * p * (1 - p),
            rtol=1e-8,
            atol=1e-15,
        )


@given(class_inputs(max_logit=30.0))
def test_two_class_cross_entropy_is_bce_with_logits_of_the_difference(inputs):
    labels, z, _ = inputs
    z = z[:, :2]
    labels = labels % 2
    x = z[:, 1] - z[:, 0]
    np.testing.assert_allclose(
        losslib.cross_entropy(labels, z, reduction="none"),
        losslib.binary_cross_entropy_with_logits(labels.astype(float), x, reduction="none"),
        rtol=1e-9,
        atol=1e-13,
    )
