"""Invariants of every registered loss, checked with Hypothesis, and limits between losses.

Non-negativity holds for every loss except those listed in ``CAN_BE_NEGATIVE`` with the reason;
a new loss is checked automatically. Inputs come from each entry's own sampler, seeded by
Hypothesis, so they are valid by construction.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import losslib

# Losses whose value can be negative, and why (everything else must be >= 0).
CAN_BE_NEGATIVE = {
    "gaussian_nll": "a density above 1 (small variance) has a negative log",
    "laplace_nll": "a density above 1 (small scale) has a negative log",
    "von_mises_nll": "a density above 1 (large concentration) has a negative log",
    "poisson_nll": "without the log(y!) term (full=False) the NLL is shifted by a target-dependent constant",
    "student_t_nll": "a density above 1 (small scale) has a negative log",
    "gamma_nll": "a density above 1 (a concentrated Gamma) has a negative log",
    "beta_nll": "a density above 1 (most Beta densities somewhere in (0, 1)) has a negative log",
    "weibull_nll": "a density above 1 (a concentrated Weibull) has a negative log",
    "multivariate_gaussian_nll": "a density above 1 (a small covariance) has a negative log",
    "mixture_gaussian_nll": "a density above 1 (a narrow component) has a negative log",
    "mixture_von_mises_nll": "a density above 1 (a concentrated component) has a negative log",
    "gan_discriminator": "not for the default kind; the Wasserstein critic's loss is a difference of means",
    "gan_generator": "the minimax generator loss is log(1 - D), which is negative",
}
ENTRIES = sorted(losslib.LOSSES)
REGRESSION_PAIRS = [
    n
    for n, i in losslib.LOSSES.items()
    if i.family == "regression" and i.args == ("y_true", "y_pred") and i.target == "real"
]


def _args(info, seed: int, n: int = 5):
    inputs = info.example(np.random.default_rng(seed), n=n)
    return {a: inputs[a] for a in info.args}


@pytest.mark.parametrize("name", [n for n in ENTRIES if n not in CAN_BE_NEGATIVE])
@given(seed=st.integers(0, 2**32 - 1))
def test_losses_are_non_negative(name, seed):
    info = losslib.LOSSES[name]
    values = np.asarray(info.loss(**_args(info, seed), reduction="none"))
    assert np.all(values >= 0), f"{name} gave {values.min()} < 0"


def test_the_exceptions_are_real_losses_that_do_go_negative():
    assert set(CAN_BE_NEGATIVE) <= set(losslib.LOSSES)
    assert float(losslib.gaussian_nll([0.0], [0.0], [0.01])) < 0
    assert float(losslib.laplace_nll([0.0], [0.0], [0.1])) < 0
    assert float(losslib.von_mises_nll([0.0], [0.0], [50.0])) < 0
    assert float(losslib.poisson_nll([5.0], [np.log(5.0)])) < 0
    assert float(losslib.student_t_nll([0.0], [0.0], [0.1], [5.0])) < 0
    assert float(losslib.gamma_nll([1.0], [100.0], [100.0])) < 0
    assert float(losslib.beta_nll([0.5], [2.0], [2.0])) < 0
    assert float(losslib.weibull_nll([1.0], [1.0], [10.0])) < 0
    assert float(losslib.multivariate_gaussian_nll([[0.0, 0.0]], [[0.0, 0.0]], 0.1 * np.eye(2)[None])) < 0
    assert float(losslib.mixture_gaussian_nll([0.0], [[0.0, 0.0]], [[0.0, 5.0]], [[-3.0, 0.0]])) < 0
    assert float(losslib.mixture_von_mises_nll([0.0], [[0.0, 0.0]], [[0.0, 2.0]], [[4.0, 0.0]])) < 0
    assert float(losslib.gan_discriminator([2.0], [-1.0], kind="wasserstein")) < 0  # real scored above fake
    assert float(losslib.gan_generator([0.0], kind="minimax")) < 0


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("name", REGRESSION_PAIRS)
@given(y=arrays(np.float64, st.integers(1, 8), elements=st.floats(-0.99, 1e3)))
def test_regression_losses_are_zero_at_a_perfect_prediction(name, y):
    info = losslib.LOSSES[name]
    assert np.all(info.loss(y_true=y, y_pred=y, reduction="none") == 0)
    assert np.all(info.grad(y_true=y, y_pred=y, reduction="sum") == 0)


@given(r=arrays(np.float64, st.integers(1, 8), elements=finite), y=st.floats(-10, 10))
def test_huber_and_pseudo_huber_become_half_the_squared_error_as_delta_grows(r, y):
    y_true = np.full_like(r, y)
    half_mse = 0.5 * losslib.mse(y_true, y_true + r)
    for loss in (losslib.huber, losslib.pseudo_huber):
        np.testing.assert_allclose(loss(y_true, y_true + r, delta=1e9), half_mse, rtol=1e-6, atol=1e-12)


@given(r=arrays(np.float64, st.integers(1, 8), elements=finite))
def test_huber_over_delta_becomes_the_absolute_error_as_delta_shrinks(r):
    y = np.zeros_like(r)
    delta = 1e-9
    np.testing.assert_allclose(losslib.huber(y, r, delta=delta) / delta, losslib.mae(y, r), rtol=1e-6, atol=1e-8)


@given(r=arrays(np.float64, st.integers(1, 8), elements=finite))
def test_quantile_at_the_median_is_half_the_absolute_error(r):
    y = np.zeros_like(r)
    np.testing.assert_allclose(losslib.quantile(y, r, tau=0.5), 0.5 * losslib.mae(y, r), rtol=1e-12)


@given(
    x=arrays(np.float64, st.integers(1, 8), elements=st.floats(-30, 30)),
    y=arrays(np.float64, st.integers(1, 8), elements=st.sampled_from([0.0, 1.0])),
)
def test_focal_loss_without_focusing_is_binary_cross_entropy(x, y):
    n = min(x.size, y.size)
    x, y = x[:n], y[:n]
    np.testing.assert_allclose(
        losslib.focal(y, x, gamma=0.0, alpha=-1.0),
        losslib.binary_cross_entropy_with_logits(y, x),
        rtol=1e-12,
        atol=1e-300,
    )


@given(
    z=arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(2, 6)), elements=st.floats(-50, 50)),
    shift=st.floats(-100, 100),
    seed=st.integers(0, 2**32 - 1),
)
def test_softmax_and_cross_entropy_are_shift_invariant(z, shift, seed):
    labels = np.random.default_rng(seed).integers(0, z.shape[1], size=z.shape[0])
    np.testing.assert_allclose(losslib.softmax(z + shift), losslib.softmax(z), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(
        losslib.cross_entropy(labels, z + shift), losslib.cross_entropy(labels, z), rtol=1e-9, atol=1e-12
    )


LOGIT_ENTRIES = [n for n, i in losslib.LOSSES.items() if i.prediction == "logit"]
# The arguments that hold logits (the rest, e.g. the VAE's mu and logvar, keep their sampled values).
LOGIT_ARGS = {"gan_discriminator": ("real_scores", "fake_scores")}


@pytest.mark.parametrize("name", LOGIT_ENTRIES)
@pytest.mark.parametrize(("dtype", "big"), [(np.float64, 1e4), (np.float32, 80.0)], ids=["float64-1e4", "float32-80"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_logit_losses_stay_finite_at_extreme_logits(name, dtype, big, reduction):
    info = losslib.LOSSES[name]
    rng = np.random.default_rng(7)
    inputs = info.example(rng, n=4)
    for arg in LOGIT_ARGS.get(name, info.grad_wrt[:1]):
        shape = inputs[arg].shape
        inputs[arg] = big * rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 1.0, size=shape)
    args = {n: inputs[n].astype(dtype) if inputs[n].dtype.kind == "f" else inputs[n] for n in info.args}
    value, grad = info.core(**args, reduction=reduction)
    grads = grad if len(info.grad_wrt) > 1 else (grad,)
    assert np.all(np.isfinite(value)), f"{name}: value {value} at logits of +-{big:g} ({np.dtype(dtype)})"
    for field, g in zip(info.grad_wrt, grads):
        assert np.all(np.isfinite(g)), f"{name}: gradient wrt {field} not finite at logits of +-{big:g}"
        assert np.asarray(g).dtype == dtype
