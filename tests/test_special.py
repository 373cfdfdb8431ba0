"""losslib.special against scipy.special: sigmoid, log-sigmoid, softplus, softmax, log-softmax, logsumexp,
gammaln, digamma and the exponentially scaled Bessel functions i0e and i1e."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sps

import losslib
from conftest import BESSEL_RATIO

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


# --------------------------------------------------------------------------
# gammaln and digamma (numpy only) against scipy.special and, where scipy itself loses digits
# (just below 1 and 2 for gammaln, near the poles for digamma), against mpmath at 40 digits
# (values generated once with mpmath 1.3.0: mp.loggamma(x).real, mp.digamma(x); committed)
# --------------------------------------------------------------------------

GAMMALN_MPMATH = [
    (0.999, 0.0005780385328913802),
    (1.001, -0.0005763935982833062),
    (1.9993, -0.00029579100261573467),
    (2.0007, 0.0002961070203184671),
    (1.25, -0.09827183642181316),
    (1.75, -0.08440112102048555),
    (0.9999999999999999, 6.408381213480008e-17),
    (1.0000000000000002, -1.2816762426960008e-16),
    (1.9999999999999998, -9.387698065543117e-17),
    (2.0000000000000004, 1.8775396131086244e-16),
    (0.99999999, 5.772156760265731e-09),
    (2.00000001, 4.227843357536779e-09),
    (5e-324, 744.4400719213812),
    (1e-300, 690.7755278982137),
    (1e-20, 46.051701859880914),
    (0.5, 0.5723649429247001),
    (1.5, -0.12078223763524522),
    (2.5, 0.2846828704729192),
    (13.0, 19.987214495661885),
    (100000.0, 1051287.7089736569),
    (1e17, 3.8143946580898775e18),
    (1e300, 6.897755278982137e302),
    (-0.5, 1.2655121234846454),
    (-2.5, -0.056243716497674054),
    (-3.14, 0.02820254304019114),
    (-13.75, -23.033497839812),
    (-100.5, -364.90096830942736),
    (-10000000000.5, -220258509322.20462),
]
DIGAMMA_MPMATH = [
    (1.4616321449683622, -9.241265521729427e-17),
    (1.46163214496836, -2.2410766695906462e-15),
    (1.4616321, -4.3514636958769774e-08),
    (1.0, -0.5772156649015329),
    (2.0, 0.42278433509846713),
    (1e-300, -9.999999999999999e299),
    (0.5, -1.9635100260214235),
    (9.99, 2.250700372831201),
    (10.0, 2.251752589066721),
    (100000.0, 11.512920464961896),
    (1e300, 690.7755278982137),
    (-0.5, 0.03648997397857652),
    (-1.9999, -9999.076926173364),
    (-2.0000001, 10000000.939149834),
    (-0.9, -9.312643829299969),
    (-100.3, 6.895643124860435),
]


def _positive_grid() -> np.ndarray:
    return np.concatenate(
        [
            np.logspace(-300, 300, 6001),
            np.linspace(0.0, 30.0, 30001)[1:],
            1.0 + np.linspace(-0.5, 0.5, 2001),
            2.0 + np.linspace(-0.5, 0.5, 2001),
            1.4616321449683622 + np.linspace(-0.4, 0.4, 2001),
            [12.999999999999998, 13.0, 9.999999999999998, 10.0, 2.5, 1.5, 0.5],
        ]
    )


@pytest.mark.parametrize(("ours", "theirs"), [(losslib.gammaln, sps.gammaln), (losslib.digamma, sps.digamma)])
def test_gammaln_and_digamma_match_scipy_for_positive_x(ours, theirs):
    x = _positive_grid()
    got, ref = ours(x), theirs(x)
    # scipy.special.gammaln flushes subnormal x to inf (log Gamma(5e-324) is 744.44), and near its
    # zeros 1 and 2 it is accurate to about an ulp of 1 in absolute terms only (6e-13 relative at
    # x = 1 + 7e-4, where losslib is within 2e-16 of mpmath: see the mpmath values below)
    near_zero = (np.abs(x - 1) < 1e-2) | (np.abs(x - 2) < 1e-2)
    ok = np.isfinite(ref) & ~near_zero
    np.testing.assert_allclose(got[ok], ref[ok], rtol=1e-13, atol=0)
    np.testing.assert_allclose(got[near_zero], ref[near_zero], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize(("x", "expected"), GAMMALN_MPMATH)
def test_gammaln_against_mpmath(x, expected):
    got = float(losslib.gammaln(x))
    # relative precision everywhere, but near a zero of log|Gamma| for x < 0 (reflection): absolute
    tol = 1e-14 * abs(expected) if x > 0 else 1e-14 * max(1.0, abs(expected))
    assert abs(got - expected) <= tol, (x, got, expected)


@pytest.mark.parametrize(("x", "expected"), DIGAMMA_MPMATH)
def test_digamma_against_mpmath(x, expected):
    got = float(losslib.digamma(x))
    assert abs(got - expected) <= 1e-14 * abs(expected) + (1e-16 if x > 0 else 0.0), (x, got, expected)


def test_gammaln_is_exactly_zero_at_one_and_two():
    assert losslib.gammaln(1.0) == 0.0 and losslib.gammaln(2.0) == 0.0
    assert losslib.gammaln(np.float32(1.0)) == 0.0 and losslib.gammaln(np.float32(2.0)).dtype == np.float32


def test_gammaln_and_digamma_for_negative_x_match_scipy_away_from_zeros():
    x = -np.concatenate([np.linspace(0.0, 30.0, 30001)[1:], np.logspace(1.5, 15, 500)])
    x = x[x != np.round(x)]
    for ours, theirs in ((losslib.gammaln, sps.gammaln), (losslib.digamma, sps.digamma)):
        got, ref = ours(x), theirs(x)
        # both use a reflection near the poles: there only an absolute error of one ulp of the
        # largest term is meaningful; elsewhere, relative
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-13)


def test_gammaln_and_digamma_at_poles_and_infinities():
    special = np.array([0.0, -1.0, -2.0, -1e20, np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(losslib.gammaln(special), [np.inf, np.inf, np.inf, np.inf, np.inf, np.inf, np.nan])
    np.testing.assert_array_equal(losslib.digamma(special), sps.digamma(special))
    assert losslib.gammaln(1e306) == np.inf and losslib.gammaln(2e305) == sps.gammaln(2e305)


def test_gammaln_and_digamma_keep_the_float_dtype_and_shape():
    x32 = np.array([[0.5, 3.0], [7.0, 100.0]], dtype=np.float32)
    for f, ref in ((losslib.gammaln, sps.gammaln), (losslib.digamma, sps.digamma)):
        out = f(x32)
        assert out.dtype == np.float32 and out.shape == (2, 2)
        np.testing.assert_allclose(out, ref(x32.astype(np.float64)), rtol=1e-6)
        assert f(3).dtype == np.float64 and f([1, 2, 3]).shape == (3,)


def test_gammaln_and_digamma_raise_no_warnings_at_the_edges():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losslib.gammaln(np.array([0.0, -3.0, 5e-324, 1e308, np.inf, -np.inf, np.nan]))
        losslib.digamma(np.array([0.0, -3.0, 5e-324, 1e308, np.inf, -np.inf, np.nan]))


# The exponentially scaled Bessel functions of the von Mises likelihoods (losslib.special)


def test_one_minus_the_bessel_ratio_keeps_every_digit():
    kappa, expected = np.array(BESSEL_RATIO).T
    # the direct (i0e - i1e) / i0e would lose log10(2 kappa) digits: 1e-4 relative at kappa = 1e12
    np.testing.assert_allclose(losslib.one_minus_bessel_ratio(kappa), expected, rtol=2e-14, atol=0)
    assert losslib.one_minus_bessel_ratio(0.0) == 1.0


def test_exponentially_scaled_bessel_functions_match_scipy():
    x = np.concatenate(
        [
            [0.0, 5e-324, 1e-300, 1e-8],
            np.linspace(0, 20, 401),
            [8 - 2**-50, 8.0, 8 + 2**-49],
            np.logspace(-3, 6, 200),
            [1e10, 1e100, 1e300],
        ]
    )
    np.testing.assert_allclose(losslib.i0e(x), sps.i0e(x), rtol=1e-15, atol=0)
    np.testing.assert_allclose(losslib.i1e(x), sps.i1e(x), rtol=1e-15, atol=0)
    np.testing.assert_array_equal(losslib.i0e(-x), losslib.i0e(x))  # even
    np.testing.assert_array_equal(losslib.i1e(-x), -losslib.i1e(x))  # odd
    # where np.i0 is finite, it agrees too (np.i0 overflows beyond about 713)
    small = x[x < 700]
    np.testing.assert_allclose(losslib.i0e(small), np.i0(small) * np.exp(-small), rtol=1e-13, atol=0)
