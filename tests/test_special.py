"""losslib.special against scipy.special: sigmoid, log-sigmoid, softplus, softmax, log-softmax, logsumexp."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sps

import losslib

RTOL = 1e-12
# scipy's expit flushes results below the smallest normal float to 0 (expit(-720) = 0, while
# losslib returns the subnormal e^-720 = 2.03e-313); that far down only absolute errors count.
TINY = np.finfo(np.float64).tiny


def _inputs() -> dict[str, np.ndarray]:
    """Rows of logits: ordinary, huge, dominated by one entry, tied, with infinities."""
    rng = np.random.default_rng(7)
    return {
        "normal": rng.normal(scale=3.0, size=(6, 5)),
        "wide": rng.uniform(-800.0, 800.0, size=(6, 5)),
        "pm1e4": np.array(
            [
                [1e4, -1e4, 0.0, 5e3, -5e3],
                [-1e4, -1e4, -1e4, -1e4, -1e4],
                [1e4, 1e4 - 1, 1e4 - 10, 1e4 - 40, 1e4],
                [1e4, 1e4, 1e4, 1e4, 1e4],
            ]
        ),
        "dominated": np.array(
            [
                [0.0, -50.0, -60.0, -70.0, -80.0],
                [0.0, -745.0, -1e4, -40.0, -36.0],
                [-1e-3, -30.0, -30.0, -30.0, -30.0],
                [1e-8, -1e-8, -700.0, -720.0, -740.0],
            ]
        ),
        "masked": np.array([[-np.inf, 0.0, 1.0, -np.inf, 2.0], [-np.inf, -np.inf, -np.inf, -np.inf, 3.0]]),
    }


INPUTS = _inputs()
ALL = pytest.mark.parametrize("name", sorted(INPUTS))

ELEMENTWISE = [
    pytest.param(losslib.sigmoid, sps.expit, id="sigmoid-expit"),
    pytest.param(losslib.log_sigmoid, sps.log_expit, id="log_sigmoid-log_expit"),
    pytest.param(losslib.softplus, lambda x: -sps.log_expit(-x), id="softplus-minus_log_expit_of_minus_x"),
]


@ALL
@pytest.mark.parametrize(("ours", "ref"), ELEMENTWISE)
def test_elementwise_functions_match_scipy(ours, ref, name):
    x = INPUTS[name]
    np.testing.assert_allclose(ours(x), ref(x), rtol=RTOL, atol=TINY)


@pytest.mark.parametrize(("ours", "ref"), ELEMENTWISE)
def test_elementwise_functions_at_the_extremes(ours, ref):
    x = np.array([-np.inf, -1e308, -1e4, -745.2, -40.0, -1e-300, 0.0, 1e-300, 40.0, 745.2, 1e4, 1e308, np.inf])
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(ours(x), ref(x), rtol=RTOL, atol=TINY)


def test_softplus_matches_scipy_softplus():
    x = np.concatenate([INPUTS["normal"].ravel(), [-1e4, -745.0, -36.0, 36.0, 745.0, 1e4]])
    np.testing.assert_allclose(losslib.softplus(x), sps.softplus(x), rtol=RTOL, atol=0)


@ALL
@pytest.mark.parametrize("axis", [-1, 0])
def test_logsumexp_matches_scipy(name, axis):
    x = INPUTS[name]
    np.testing.assert_allclose(losslib.logsumexp(x, axis=axis), sps.logsumexp(x, axis=axis), rtol=RTOL, atol=0)
    kept = losslib.logsumexp(x, axis=axis, keepdims=True)
    np.testing.assert_allclose(kept, sps.logsumexp(x, axis=axis, keepdims=True), rtol=RTOL, atol=0)


def test_logsumexp_keeps_the_digits_of_a_dominated_sum():
    # log(1 + e^-50) = e^-50 (1 - e^-50 / 2): a sum dominated by one term is not rounded to 0
    np.testing.assert_allclose(losslib.logsumexp([0.0, -50.0]), np.exp(-50.0), rtol=1e-15)
    np.testing.assert_allclose(losslib.logsumexp([1e4, 1e4]), 1e4 + np.log(2), rtol=1e-15)


def test_logsumexp_of_all_minus_inf_rows_is_minus_inf_without_warnings():
    x = np.array([[-np.inf, -np.inf, -np.inf], [0.0, -np.inf, -np.inf], [-np.inf, 1.0, np.log(2)]])
    with np.errstate(all="raise"):  # no division by zero or invalid operation on the way
        got = losslib.logsumexp(x)
    np.testing.assert_array_equal(got[0], -np.inf)
    np.testing.assert_allclose(got, sps.logsumexp(x, axis=-1), rtol=RTOL, atol=0)


def test_logsumexp_of_rows_with_plus_inf_or_nan():
    x = np.array([[np.inf, 0.0, -np.inf], [np.nan, 0.0, 1.0]])
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(losslib.logsumexp(x), sps.logsumexp(x, axis=-1))


@ALL
@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_matches_scipy(name, axis):
    x = INPUTS[name]
    with np.errstate(invalid="ignore"):  # an all -inf column (masked, axis 0) is 0/0 = NaN in both
        np.testing.assert_allclose(losslib.softmax(x, axis=axis), sps.softmax(x, axis=axis), rtol=RTOL, atol=0)


@ALL
@pytest.mark.parametrize("axis", [-1, 0])
def test_log_softmax_matches_scipy(name, axis):
    x = INPUTS[name]
    with np.errstate(divide="ignore", invalid="ignore"):  # as above: NaN for an all -inf column
        np.testing.assert_allclose(losslib.log_softmax(x, axis=axis), sps.log_softmax(x, axis=axis), rtol=RTOL, atol=0)


def test_log_softmax_is_accurate_for_near_ties_at_large_logits():
    # log softmax([1e4, 1e4 - 10])[0] = -log(1 + e^-10) = -4.54e-5: subtracting the whole
    # logsumexp (1e4 + 4.54e-5, rounded to the spacing 1.8e-12 of 1e4) would leave ~8 digits
    np.testing.assert_allclose(losslib.log_softmax([1e4, 1e4 - 10.0])[0], -np.log1p(np.exp(-10.0)), rtol=RTOL)


def test_softmax_rows_sum_to_one_and_exp_of_log_softmax_is_softmax():
    for name, x in INPUTS.items():
        s = losslib.softmax(x)
        np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=1e-15, err_msg=name)
        np.testing.assert_allclose(np.exp(losslib.log_softmax(x)), s, rtol=1e-13, atol=1e-300, err_msg=name)


ALL_FUNCTIONS = [
    losslib.sigmoid,
    losslib.log_sigmoid,
    losslib.softplus,
    losslib.softmax,
    losslib.log_softmax,
    losslib.logsumexp,
]


@pytest.mark.parametrize("fn", ALL_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(fn, dtype):
    x = INPUTS["normal"].astype(dtype)
    out = fn(x)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, fn(x.astype(np.float64)), rtol=1e-5 if dtype == np.float32 else 0, atol=1e-6)


@pytest.mark.parametrize("fn", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_integers_become_float64(fn):
    out = fn(np.array([[1, 2, 3], [0, -1, 5]]))
    assert out.dtype == np.float64


@pytest.mark.parametrize("fn", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_float32_stays_finite_at_80(fn):
    x = np.array([[80.0, -80.0, 0.0], [-80.0, -80.0, 80.0]], dtype=np.float32)
    out = fn(x)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    np.testing.assert_allclose(out, fn(x.astype(np.float64)), rtol=1e-6, atol=1e-30)


def test_shapes():
    x = np.zeros((2, 3, 4))
    for fn in (losslib.sigmoid, losslib.log_sigmoid, losslib.softplus, losslib.softmax, losslib.log_softmax):
        assert fn(x).shape == x.shape
    assert losslib.logsumexp(x).shape == (2, 3)
    assert losslib.logsumexp(x, axis=1).shape == (2, 4)
    assert losslib.logsumexp(x, axis=0, keepdims=True).shape == (1, 3, 4)
    assert losslib.softmax(x, axis=1).sum(axis=1) == pytest.approx(np.ones((2, 4)))
