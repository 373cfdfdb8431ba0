"""The likelihoods of chapter 7 against SciPy (the oracle), their limits, their stability, their errors.

Every value is the complete negative log-density (or log-mass) of ``scipy.stats``; Student-t must
tend to the Gaussian as the degrees of freedom grow and the negative binomial to the Poisson as
the dispersion shrinks, digit for digit; the Tweedie deviance is scikit-learn's
``mean_tweedie_deviance`` (its closed forms, transcribed below from scikit-learn's
``_mean_tweedie_deviance``, since scikit-learn is not in the lock). Gradients are checked against
finite differences by the registry-driven tests; here, against closed forms in the limits.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.special as sps
import scipy.stats as stats

import losslib

RTOL = 1e-13
rng = np.random.default_rng(2026)
N = 40


def close(got, expected, rtol=RTOL, atol=0.0):
    np.testing.assert_allclose(np.asarray(got, dtype=float), expected, rtol=rtol, atol=atol)


def all_reductions(fn, args, expected_none, atol=0.0):
    close(fn(*args, reduction="none"), expected_none, atol=atol)
    close(fn(*args, reduction="sum"), expected_none.sum())
    close(fn(*args, reduction="mean"), expected_none.mean())
    # float32 in, float32 out, to float32 precision
    args32 = [a.astype(np.float32) if np.asarray(a).dtype.kind == "f" else a for a in args]
    out = fn(*args32, reduction="none")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected_none, rtol=2e-5, atol=2e-5)


# --------------------------------------------------------------------------
# Student-t
# --------------------------------------------------------------------------


def test_student_t_is_scipy():
    y, loc = 3 * rng.normal(size=N), 3 * rng.normal(size=N)
    scale, df = rng.uniform(0.1, 5, N), np.exp(rng.uniform(np.log(0.1), np.log(100), N))
    all_reductions(losslib.student_t_nll, (y, loc, scale, df), -stats.t.logpdf(y, df, loc, scale))


def test_student_t_tends_to_the_gaussian_digit_for_digit():
    """The differences from the Gaussian are O((1 + z^2)^2 / df): below 1e-13 relative from df = 1e16 on."""
    y, loc, scale = 3 * rng.normal(size=N), rng.normal(size=N), rng.uniform(0.3, 3, N)
    z = (y - loc) / scale

    def near(got, limit, df, rtol=1e-13):
        bound = (rtol + 10 * (1 + z**2) ** 2 / df) * (1 + np.abs(limit))
        assert np.all(np.abs(np.asarray(got) - limit) <= bound), (df, np.max(np.abs(got - limit) / bound))

    for df in (1e8, 1e12, 1e16, 1e300):
        nu = np.full(N, df)
        near(losslib.student_t_nll(y, loc, scale, nu, reduction="none"), -stats.norm.logpdf(y, loc, scale), df)
        g = losslib.student_t_nll_grad(y, loc, scale, nu, reduction="sum")
        near(g.loc, -z / scale, df)
        near(g.scale, (1 - z**2) / scale, df, rtol=1e-12)
        if df < 1e100:  # the gradient wrt df vanishes like (z^4 - 2 z^2 - 1) / (4 df^2)
            near(g.df * df**2, (z**4 - 2 * z**2 - 1) / 4, df, rtol=1e-9)


def test_student_t_df_gradient_keeps_its_digits_for_large_df():
    """Against mpmath (40 digits; values committed): d/dnu of -log t_nu(2) for nu = 1e3 and 1e6."""
    g = losslib.student_t_nll_grad([2.0, 2.0], [0.0, 0.0], [1.0, 1.0], [1e3, 1e6], reduction="sum").df
    # mp.diff(lambda n: -log(gamma((n+1)/2)/gamma(n/2)/sqrt(n*pi)*(1+4/n)**(-(n+1)/2)), nu)
    close(g, [1.73673051125613e-06, 1.7499866667307913e-12], rtol=1e-10)


def test_student_t_stays_finite_for_huge_residuals_and_tiny_df():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = losslib.student_t_nll([1e300, -1e300], [0.0, 0.0], [1e-10, 1.0], [0.01, 3.0], reduction="none")
        g = losslib.student_t_nll_grad([1e300, -1e300], [0.0, 0.0], [1e-10, 1.0], [0.01, 3.0], reduction="none")
    # z = 1e310 overflows, its logarithm does not: (nu + 1)/2 log(z^2/nu) + log s + log B(1/2, nu/2) sqrt(nu)
    nu = np.array([0.01, 3.0])
    log_z = np.log([1e300, 1e300]) - np.log([1e-10, 1.0])
    expected = (nu + 1) * (log_z - 0.5 * np.log(nu)) + np.log([1e-10, 1.0]) + sps.betaln(0.5, nu / 2) + 0.5 * np.log(nu)
    close(v, expected)
    assert all(np.isfinite(x).all() for x in g)
    close(g.scale, [-0.01 / 1e-10, -3.0], rtol=1e-12)  # -> -nu / s: a bounded pull on the scale
    assert abs(g.loc[1]) < 1e-299  # and none on the location


def test_student_t_at_one_df_is_cauchy():
    y = 5 * rng.normal(size=N)
    close(losslib.student_t_nll(y, 0 * y, 1 + 0 * y, 1 + 0 * y, reduction="none"), -stats.cauchy.logpdf(y))


# --------------------------------------------------------------------------
# Gamma and Beta
# --------------------------------------------------------------------------


def test_gamma_is_scipy_including_concentrations_near_zero():
    y = rng.gamma(1.0, 2.0, N) + 1e-3
    a, b = np.exp(rng.uniform(np.log(1e-8), np.log(50), N)), rng.uniform(0.1, 5, N)
    all_reductions(losslib.gamma_nll, (y, a, b), -stats.gamma.logpdf(y, a, scale=1 / b))
    g = losslib.gamma_nll_grad(y, a, b, reduction="none")
    close(g.concentration, sps.digamma(a) - np.log(b * y), rtol=1e-12)
    close(g.rate, y - a / b, rtol=1e-12)


def test_beta_is_scipy_including_concentrations_near_zero():
    y = rng.uniform(1e-6, 1 - 1e-6, N)
    a, b = np.exp(rng.uniform(np.log(1e-6), np.log(50), (2, N)))
    all_reductions(losslib.beta_nll, (y, a, b), -stats.beta.logpdf(y, a, b))


def test_beta_keeps_the_digits_of_log1p_near_zero():
    close(losslib.beta_nll([1e-20], [1.0], [2.0]), -np.log(2.0))  # density 2 (1 - y): log(1 - 1e-20) is not 0


@pytest.mark.parametrize(
    ("fn", "args", "match"),
    [
        (losslib.gamma_nll, ([0.0], [1.0], [1.0]), r"y_true must hold positive observations .*y_true\[0\] = 0.0"),
        (losslib.gamma_nll, ([1.0], [-1.0], [1.0]), r"concentration must hold concentrations \(> 0\)"),
        (losslib.beta_nll, ([1.0], [1.0], [1.0]), r"open interval \(0, 1\) but y_true\[0\] = 1.0; .*np\.clip"),
        (losslib.student_t_nll, ([0.0], [0.0], [1.0], [0.0]), r"df must hold degrees of freedom \(> 0\)"),
        (losslib.student_t_nll, ([0.0, 1.0], [0.0], [1.0], [1.0]), r"loc has shape \(1,\) but y_true has shape"),
        (losslib.student_t_nll, ([np.inf], [0.0], [1.0], [1.0]), r"y_true must hold finite numbers"),
    ],
)
def test_densities_refuse_bad_input_naming_the_argument(fn, args, match):
    with pytest.raises(ValueError, match=match):
        fn(*args)


# --------------------------------------------------------------------------
# Negative binomial
# --------------------------------------------------------------------------


def test_negative_binomial_is_scipy():
    mean, disp = rng.uniform(0.1, 30, N), np.exp(rng.uniform(np.log(0.01), np.log(20), N))
    y = rng.negative_binomial(1 / disp, 1 / (1 + disp * mean)).astype(float)
    expected = -stats.nbinom.logpmf(y, 1 / disp, 1 / (1 + disp * mean))
    all_reductions(losslib.negative_binomial_nll, (y, mean, disp), expected)
    close(losslib.negative_binomial_nll(y.astype(int), mean, disp, reduction="none"), expected)


def test_negative_binomial_tends_to_the_poisson_digit_for_digit():
    mean = rng.uniform(0.1, 30, N)
    y = rng.poisson(mean).astype(float)
    for disp in (1e-9, 1e-14, 1e-100, 1e-300, 5e-324):
        phi = np.full(N, disp)
        close(
            losslib.negative_binomial_nll(y, mean, phi, reduction="none"),
            -stats.poisson.logpmf(y, mean),
            rtol=1e-13 + 100 * disp,
        )
        g = losslib.negative_binomial_nll_grad(y, mean, phi, reduction="none")
        close(g.mean, 1 - y / mean, rtol=1e-12 + 100 * disp)
        # d/dphi at phi -> 0: (y - (y - mu)^2) / 2
        limit = (y - (y - mean) ** 2) / 2
        close(g.dispersion, limit, rtol=0, atol=(1e-9 + 1e5 * disp) * (1 + np.abs(limit).max()))


def test_negative_binomial_refuses_fractional_counts_and_zero_dispersion():
    with pytest.raises(ValueError, match=r"y_true must hold counts .*y_true\[1\] = 1.5"):
        losslib.negative_binomial_nll([1.0, 1.5], [1.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"dispersion must hold dispersions .*poisson_nll"):
        losslib.negative_binomial_nll([1.0], [1.0], [0.0])


# --------------------------------------------------------------------------
# Tweedie deviance: scikit-learn's closed forms
# --------------------------------------------------------------------------


def sklearn_tweedie(y, mu, p):
    """sklearn.metrics._regression._mean_tweedie_deviance (scikit-learn 1.5), per element."""
    if p < 0:
        return 2 * (
            np.where(y > 0, y, 0.0) ** (2 - p) / ((1 - p) * (2 - p))
            - y * mu ** (1 - p) / (1 - p)
            + mu ** (2 - p) / (2 - p)
        )
    if p == 0:
        return (y - mu) ** 2
    if p == 1:
        return 2 * (sps.xlogy(y, y / mu) - y + mu)
    if p == 2:
        return 2 * (np.log(mu / y) + y / mu - 1)
    return 2 * (y ** (2 - p) / ((1 - p) * (2 - p)) - y * mu ** (1 - p) / (1 - p) + mu ** (2 - p) / (2 - p))


@pytest.mark.parametrize("power", [-1.5, 0, 1, 1.2, 1.5, 1.9, 2, 3, 4.5])
def test_tweedie_is_sklearn(power):
    mu = rng.uniform(0.2, 10, N)
    y = rng.uniform(0.1, 10, N) if power >= 2 else np.where(rng.uniform(size=N) < 0.3, 0.0, rng.uniform(0, 10, N))
    if power < 0:
        y = rng.normal(2, 3, N)
    expected = sklearn_tweedie(y, mu, power)
    close(losslib.tweedie_deviance(y, mu, power=power, reduction="none"), expected, rtol=1e-11, atol=1e-14)
    close(losslib.tweedie_deviance(y, mu, power=power), expected.mean(), rtol=1e-12)
    close(losslib.tweedie_deviance_grad(y, mu, power=power, reduction="sum"), 2 * (mu - y) * mu**-power, rtol=1e-13)


def test_tweedie_matches_the_documented_sklearn_value():
    # scikit-learn's and torchmetrics' documented example: targets 1..4, predictions 4..1, power 2
    assert round(float(losslib.tweedie_deviance([1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0], power=2)), 4) == 1.2083


@pytest.mark.parametrize("power", [1, 1.5, 2, 3])
def test_tweedie_keeps_its_digits_near_a_perfect_prediction(power):
    """d = mu^-p (y - mu)^2 (1 + O(w)): the closed form's terms cancel to 0 at w = 1e-9."""
    mu = np.array([0.5, 2.0, 7.0])
    y = mu * (1 + 1e-9)
    w = (y - mu) / mu  # 1e-9 as rounded (y - mu is exact)
    close(losslib.tweedie_deviance(y, mu, power=power, reduction="none"), mu ** (2 - power) * w**2, rtol=1e-8)
    assert np.all(losslib.tweedie_deviance(mu, mu, power=power, reduction="none") == 0)


def test_tweedie_refuses_powers_without_a_distribution():
    with pytest.raises(ValueError, match=r"power must be <= 0 or >= 1 .*got 0.5"):
        losslib.tweedie_deviance([1.0], [1.0], power=0.5)
    with pytest.raises(TypeError, match="power must be a real number"):
        losslib.tweedie_deviance([1.0], [1.0], power="2")
    with pytest.raises(ValueError, match=r"y_pred must hold predicted means"):
        losslib.tweedie_deviance([1.0], [0.0], power=1.5)
    with pytest.raises(ValueError, match=r"y_true must hold observations"):
        losslib.tweedie_deviance([0.0], [1.0], power=2)


# --------------------------------------------------------------------------
# Weibull with censoring
# --------------------------------------------------------------------------


def test_weibull_is_scipy_with_and_without_censoring():
    t, lam, k = rng.weibull(1.3, N) + 1e-3, rng.uniform(0.2, 5, N), rng.uniform(0.2, 6, N)
    censored = rng.uniform(size=N) < 0.4
    # near the mode the log-density is a small difference of O(1) terms (here and in scipy): absolute digits
    all_reductions(losslib.weibull_nll, (t, lam, k), -stats.weibull_min.logpdf(t, k, scale=lam), atol=1e-15)
    expected = np.where(censored, -stats.weibull_min.logsf(t, k, scale=lam), -stats.weibull_min.logpdf(t, k, scale=lam))
    close(losslib.weibull_nll(t, lam, k, censored=censored, reduction="none"), expected, atol=1e-15)
    value, grad = losslib.value_and_grad("weibull_nll", t, lam, k, censored=censored, reduction="sum")
    readable = losslib.LOSSES["weibull_nll"].readable(t, lam, k, censored=censored, reduction="sum")
    close(value, readable[0], rtol=1e-12)
    for got, ref in zip(grad, readable[1]):
        close(got, ref, rtol=1e-12, atol=1e-13)


def test_weibull_censoring_must_be_boolean_and_of_the_shape():
    with pytest.raises(TypeError, match=r"censored must be None or a boolean array .*astype\(bool\)"):
        losslib.weibull_nll([1.0], [1.0], [1.0], censored=[1])
    with pytest.raises(ValueError, match=r"censored has shape \(2,\) but y_true has shape \(1,\)"):
        losslib.weibull_nll([1.0], [1.0], [1.0], censored=[True, False])


# --------------------------------------------------------------------------
# Multivariate Gaussian
# --------------------------------------------------------------------------


def _tril(n, d, rng):
    lower = np.tril(rng.normal(size=(n, d, d)), k=-1)
    lower[:, np.arange(d), np.arange(d)] = rng.uniform(0.2, 3, (n, d))
    return lower


@pytest.mark.parametrize("d", [1, 2, 5])
def test_multivariate_gaussian_is_scipy(d):
    n = 12
    y, mean, lower = rng.normal(size=(n, d)), rng.normal(size=(n, d)), _tril(n, d, rng)
    expected = np.array([-stats.multivariate_normal.logpdf(y[i], mean[i], lower[i] @ lower[i].T) for i in range(n)])
    all_reductions(losslib.multivariate_gaussian_nll, (y, mean, lower), expected)


def test_multivariate_gaussian_ignores_the_upper_triangle_and_is_gaussian_nll_in_1d():
    y, mean, lower = rng.normal(size=(6, 3)), rng.normal(size=(6, 3)), _tril(6, 3, rng)
    noisy = lower + np.triu(rng.normal(size=(6, 3, 3)), k=1)
    close(losslib.multivariate_gaussian_nll(y, mean, noisy), losslib.multivariate_gaussian_nll(y, mean, lower))
    assert np.all(np.triu(losslib.multivariate_gaussian_nll_grad(y, mean, noisy).scale_tril, k=1) == 0)
    s = rng.uniform(0.5, 2, 6)
    close(
        losslib.multivariate_gaussian_nll(y[:, :1], mean[:, :1], s[:, None, None], reduction="none"),
        losslib.gaussian_nll(y[:, 0], mean[:, 0], s**2, full=True, reduction="none"),
    )


def test_multivariate_gaussian_refuses_a_non_positive_diagonal_and_wrong_shapes():
    with pytest.raises(ValueError, match=r"positive diagonal but scale_tril\[0, 1, 1\] = 0.0"):
        losslib.multivariate_gaussian_nll([[0.0, 0.0]], [[0.0, 0.0]], [[[1.0, 0.0], [0.0, 0.0]]])
    with pytest.raises(ValueError, match=r"it must have shape \(1, 2, 2\)"):
        losslib.multivariate_gaussian_nll([[0.0, 0.0]], [[0.0, 0.0]], np.eye(2))


# --------------------------------------------------------------------------
# Mixtures
# --------------------------------------------------------------------------


def test_mixture_gaussian_is_scipy():
    y, a, loc, log_s = rng.normal(size=N), 2 * rng.normal(size=(N, 4)), rng.normal(size=(N, 4)), rng.normal(size=(N, 4))
    expected = -sps.logsumexp(sps.log_softmax(a, axis=-1) + stats.norm.logpdf(y[:, None], loc, np.exp(log_s)), axis=-1)
    all_reductions(losslib.mixture_gaussian_nll, (y, a, loc, log_s), expected)


def test_a_far_component_costs_nothing_and_pulls_on_nothing():
    """One component 1e6 standard deviations away: its density is 0 in floating point."""
    y, loc = np.array([0.3]), np.array([[0.0, 1e6]])
    a, log_s = np.array([[0.0, 0.0]]), np.array([[0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = losslib.mixture_gaussian_nll(y, a, loc, log_s)
        g = losslib.mixture_gaussian_nll_grad(y, a, loc, log_s, reduction="sum")
    close(value, -stats.norm.logpdf(0.3) + np.log(2))
    close(g.loc, [[-0.3, 0.0]], rtol=1e-15)
    close(g.logits, [[-0.5, 0.5]], rtol=1e-15)
    # and every component far away: the loss is large and finite, the nearest one takes it all
    far = losslib.mixture_gaussian_nll_grad([0.0], [[0.0, 0.0]], [[50.0, 60.0]], [[0.0, 0.0]], reduction="sum")
    close(far.loc, [[50.0, 0.0]], rtol=1e-12, atol=1e-200)


def test_mixture_gaussian_with_extreme_logits_stays_finite():
    value = losslib.mixture_gaussian_nll([0.0], [[1e4, -1e4]], [[0.0, 1.0]], [[0.0, 0.0]])
    close(value, -stats.norm.logpdf(0.0))
    v32 = losslib.mixture_gaussian_nll(
        np.float32([0.0]), np.float32([[80, -80]]), np.float32([[0, 1]]), np.float32([[0, 0]])
    )
    assert v32.dtype == np.float32 and np.isfinite(v32)


def test_mixture_von_mises_is_scipy_and_one_component_is_von_mises_nll():
    y, a = rng.uniform(-np.pi, np.pi, N), rng.normal(size=(N, 3))
    loc, log_k = rng.uniform(-np.pi, np.pi, (N, 3)), rng.uniform(-3, 4, (N, 3))
    expected = -sps.logsumexp(
        sps.log_softmax(a, axis=-1) + stats.vonmises.logpdf(y[:, None], np.exp(log_k), loc=loc), axis=-1
    )
    all_reductions(losslib.mixture_von_mises_nll, (y, a, loc, log_k), expected)
    one = losslib.mixture_von_mises_nll(y, a[:, :1], loc[:, :1], log_k[:, :1], reduction="none")
    close(one, losslib.von_mises_nll(y, loc[:, 0], np.exp(log_k[:, 0]), full=True, reduction="none"))


def test_mixture_von_mises_is_stable_for_huge_concentrations():
    """kappa = e^600 ~ 4e260: np.i0 overflows beyond 713; the Gaussian limit N(0, 1/kappa) holds."""
    kappa = np.exp(600.0)
    d = 1e-131
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = losslib.mixture_von_mises_nll([d], [[0.0]], [[0.0]], [[600.0]])
        g = losslib.mixture_von_mises_nll_grad([d], [[0.0]], [[0.0]], [[600.0]], reduction="sum")
    close(value, -stats.norm.logpdf(d, 0, 1 / np.sqrt(kappa)), rtol=1e-12)
    close(g.loc, [[-kappa * d]], rtol=1e-12)
    close(g.log_concentration, [[kappa * d**2 / 2 - 0.5]], rtol=1e-6)  # kappa (1 - cos d) - kappa (1 - I1/I0)


def test_mixtures_refuse_mismatched_shapes_and_huge_log_concentrations():
    with pytest.raises(ValueError, match=r"logits has shape \(3, 2\) but y_true has shape \(2,\)"):
        losslib.mixture_gaussian_nll([0.0, 1.0], np.zeros((3, 2)), np.zeros((3, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"log_scale has shape \(2, 3\) but logits has shape \(2, 2\)"):
        losslib.mixture_gaussian_nll([0.0, 1.0], np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"log_concentration must be <= 690 .*point mass"):
        losslib.mixture_von_mises_nll([0.0], [[0.0]], [[0.0]], [[700.0]])


# --------------------------------------------------------------------------
# Ordinal
# --------------------------------------------------------------------------


def test_ordinal_logistic_is_the_difference_of_logistic_cdfs():
    cut = np.array([-2.0, -0.5, 0.3, 2.5])
    y, s = rng.integers(0, 5, N), 2 * rng.normal(size=N)
    upper = stats.logistic.cdf(np.append(cut, np.inf)[y] - s)
    lower = stats.logistic.cdf(np.insert(cut, 0, -np.inf)[y] - s)
    all_reductions(losslib.ordinal_logistic_nll, (y, s, cut), -np.log(upper - lower))


def test_ordinal_logistic_with_two_classes_is_binary_cross_entropy_with_logits():
    y, s, theta = rng.integers(0, 2, N), 3 * rng.normal(size=N), 0.7
    close(
        losslib.ordinal_logistic_nll(y, s, [theta], reduction="none"),
        losslib.binary_cross_entropy_with_logits(y.astype(float), s - theta, reduction="none"),
    )


def test_ordinal_logistic_keeps_classes_of_probability_near_zero_and_one():
    cut = np.array([-1.0, 1.0])
    value = losslib.ordinal_logistic_nll([0, 2, 1, 1], [1e4, 1e4, 0.0, 800.0], cut, reduction="none")
    # -log sigma(-1 - 1e4) = 1e4 + 1 (+ e^-10001); -log sigma(1e4 - 1) = e^-9999; middle at 800: 799 + log(1/(1 - e^-2))
    close(value, [1e4 + 1, np.exp(-9999.0), -np.log(sps.expit(1) - sps.expit(-1)), 799 - np.log(-np.expm1(-2.0))])
    g = losslib.ordinal_logistic_nll_grad([0, 2, 1, 1], [1e4, 1e4, 0.0, 800.0], cut, reduction="none")
    assert np.isfinite(g.score).all() and np.isfinite(g.cutpoints).all()
    close(g.score, [1.0, -0.0, 0.0, 1.0], atol=1e-300)


def test_ordinal_logistic_refuses_unordered_cutpoints_and_unknown_classes():
    with pytest.raises(ValueError, match=r"strictly increasing but cutpoints\[1\] = 1.0 >= cutpoints\[2\] = 1.0"):
        losslib.ordinal_logistic_nll([0], [0.0], [-1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"classes 0 to 2 .*y_true\[1\] = 3"):
        losslib.ordinal_logistic_nll([0, 3], [0.0, 0.0], [-1.0, 1.0])
    with pytest.raises(TypeError, match="y_true must hold integer class labels"):
        losslib.ordinal_logistic_nll([0.0], [0.0], [-1.0, 1.0])
