"""Regression and distributional-regression losses: closed forms, SciPy, limits, extremes, errors.

The PyTorch and scikit-learn oracles (gaussian_nll, poisson_nll, quantile, msle) are committed data,
compared in tests/test_losslib_oracle.py; this file checks the rest against exact arithmetic
(``decimal``, 60 digits) and SciPy, the gradients of every loss against central differences for
every option and reduction (and against closed forms where scikit-learn has none), the limits and
identities the docstrings promise, float32, inputs as extreme as float64 allows, and the error
messages. Neither PyTorch nor scikit-learn is imported.
"""

from __future__ import annotations

import decimal
import functools
import math
import re
from decimal import Decimal

import numpy as np
import pytest
import scipy.special as sps
import scipy.stats as stats

import losslib
from conftest import BESSEL_RATIO
from losslib.gradcheck import numerical_grad
from reference.common import data_file, load_reference

REDUCTIONS = ("mean", "sum", "none")
RTOL = 1e-13  # exact-arithmetic oracles: a few ulps (the project's bar against other libraries is 1e-10)
CTX = decimal.Context(prec=60, Emax=10**8, Emin=-(10**8))
D = CTX.create_decimal_from_float  # exact: every float64 is a short decimal


def exact(fn):
    """Run ``fn`` with Decimal arithmetic at 60 significant digits (operators use the local context)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with decimal.localcontext(CTX):
            return fn(*args, **kwargs)

    return wrapper


MINE = (
    "pseudo_huber",
    "log_cosh",
    "quantile",
    "msle",
    "tukey_biweight",
    "gaussian_nll",
    "laplace_nll",
    "poisson_nll",
    "von_mises_nll",
)


def _rng(*parts) -> np.random.Generator:
    return np.random.default_rng([sum(map(ord, str(p))) for p in parts])


@exact
def _reduced(per_item: list[Decimal], reduction: str):
    """Reduce exact per-item values, then round once to float64."""
    if reduction == "none":
        return np.array([float(v) for v in per_item])
    total = CTX.create_decimal(0)
    for v in per_item:
        total = CTX.add(total, v)
    return float(total if reduction == "sum" else CTX.divide(total, len(per_item)))


def _assert_close(actual, desired, rtol=RTOL, what=""):
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=0, err_msg=what)


# --------------------------------------------------------------------------
# Closed forms in exact arithmetic: pseudo-Huber, log-cosh, Tukey's biweight
# --------------------------------------------------------------------------


@exact
def _exact_pseudo_huber(r: Decimal, delta: float):
    d = D(delta)
    root = CTX.sqrt(1 + (r / d) ** 2)
    return d * d * (root - 1), r / root


@exact
def _exact_log_cosh(r: Decimal, _):
    if abs(r) < Decimal("1e-10"):  # Taylor: the next terms are below 1e-40 relative
        return r * r / 2 - r**4 / 12, r - r**3 / 3
    if abs(r) > 10_000:  # log cosh r = |r| - log 2 + log(1 + e^{-2|r|}), and e^{-20000} is far below 60 digits
        return abs(r) - CTX.ln(2), Decimal(1).copy_sign(r)
    e, e_minus = CTX.exp(r), CTX.exp(-r)
    return CTX.ln((e + e_minus) / 2), (e - e_minus) / (e + e_minus)


@exact
def _exact_tukey(r: Decimal, c: float):
    c = D(c)
    if abs(r) > c:
        return c * c / 6, Decimal(0)
    w = 1 - (r / c) ** 2
    return c * c / 6 * (1 - w**3), r * w * w


EXACT = {
    "pseudo_huber": (_exact_pseudo_huber, "delta", (1.0, 0.3, 50.0)),
    "log_cosh": (_exact_log_cosh, None, (None,)),
    "tukey_biweight": (_exact_tukey, "c", (4.685, 1.0, 10.0)),
}

# residuals from tiny to huge, either side of log_cosh's switch at 2 and of typical c and delta
EXTREME_R = np.array(
    [
        5e-324,
        1e-300,
        1e-12,
        1e-8,
        1e-3,
        0.1,
        0.3,
        1.0,
        1.9999999999999998,
        2.0,
        2.0000000000000004,
        4.685,
        4.6850000000000005,
        5.0,
        30.0,
        89.0,
        710.0,
        1e3,
        1e10,
        1e154,
        1e200,
        1e300,
    ]
)


def _exact_params():
    out = []
    for loss, (_, opt, values) in EXACT.items():
        for v in values:
            options = {} if opt is None else {opt: v}
            for reduction in REDUCTIONS:
                out.append(pytest.param(loss, options, reduction, id=f"{loss}-{options}-{reduction}"))
    return out


@pytest.mark.parametrize(("loss", "options", "reduction"), _exact_params())
@exact
def test_closed_form_losses_match_exact_arithmetic(loss, options, reduction):
    exact, _, _ = EXACT[loss]
    rng = _rng(loss, options)
    y_true = np.concatenate([rng.normal(size=12), np.zeros(2 * EXTREME_R.size)])
    y_pred = np.concatenate([y_true[:12] + 3.0 * rng.normal(size=12), EXTREME_R, -EXTREME_R])
    param = next(iter(options.values()), None)
    pairs = [exact(CTX.subtract(D(p), D(t)), param) for t, p in zip(y_true, y_pred)]
    fn, grad = getattr(losslib, loss), getattr(losslib, loss + "_grad")
    value = fn(y_true, y_pred, reduction=reduction, **options)
    _assert_close(value, _reduced([v for v, _ in pairs], reduction), what=f"{loss} value")
    scale = Decimal(1) / len(pairs) if reduction == "mean" else Decimal(1)
    g_ref = np.array([float(CTX.multiply(g, scale)) for _, g in pairs])
    g = grad(y_true, y_pred, reduction=reduction, **options)
    np.testing.assert_array_equal(g == 0, g_ref == 0)  # e.g. Tukey beyond c
    _assert_close(g, g_ref, what=f"{loss} gradient")


# --------------------------------------------------------------------------
# Limits and identities promised by the docstrings
# --------------------------------------------------------------------------


@pytest.mark.parametrize("delta", [0.2, 1.0, 7.0])
def test_pseudo_huber_is_half_the_square_near_zero_and_delta_abs_far_away(delta):
    r = delta * np.array([1e-7, -3e-6, 1e-5])
    _assert_close(losslib.pseudo_huber(np.zeros(3), r, delta=delta, reduction="none"), r * r / 2, rtol=1e-9)
    _assert_close(losslib.pseudo_huber_grad(np.zeros(3), r, delta=delta, reduction="sum"), r, rtol=1e-9)
    r = delta * np.array([1e9, -3e10, 1e15])
    _assert_close(
        losslib.pseudo_huber(np.zeros(3), r, delta=delta, reduction="none"), delta * np.abs(r) - delta**2, rtol=1e-15
    )
    _assert_close(
        losslib.pseudo_huber_grad(np.zeros(3), r, delta=delta, reduction="sum"), delta * np.sign(r), rtol=1e-15
    )
    # and its gradient never exceeds delta, not even by rounding: bounded influence
    g = losslib.pseudo_huber_grad(np.zeros(50), np.logspace(-3, 300, 50), delta=delta, reduction="sum")
    assert np.all(g <= delta) and abs(g[-1] - delta) <= delta * 2**-52


def test_log_cosh_is_half_the_square_near_zero_and_abs_minus_log2_far_away():
    r = np.array([1e-300, 1e-8, -1e-6])
    _assert_close(losslib.log_cosh(np.zeros(3), r, reduction="none"), r * r / 2, rtol=1e-12)
    r = np.array([40.0, -1e3, 1e300])
    _assert_close(losslib.log_cosh(np.zeros(3), r, reduction="none"), np.abs(r) - np.log(2), rtol=1e-16)
    # the hyperbolic secant density sech(r) / pi integrates to 1: exp(-loss) / pi is that density
    r = np.linspace(-40, 40, 40001)
    assert abs(np.trapezoid(np.exp(-losslib.log_cosh(np.zeros_like(r), r, reduction="none")) / np.pi, r) - 1) < 1e-9


@pytest.mark.parametrize("c", [1.0, 4.685])
def test_tukey_biweight_is_constant_beyond_c_and_half_the_square_near_zero(c):
    r = c * np.array([1.0, 1.0 + 1e-12, 1.5, -3.0, 1e10, -1e300])
    np.testing.assert_array_equal(losslib.tukey_biweight(np.zeros(6), r, c=c, reduction="none"), c * c / 6)
    np.testing.assert_array_equal(losslib.tukey_biweight_grad(np.zeros(6), r, c=c, reduction="none"), 0.0)
    r = c * np.array([1e-8, -1e-6])
    _assert_close(losslib.tukey_biweight(np.zeros(2), r, c=c, reduction="none"), r * r / 2, rtol=1e-11)
    # twice continuously differentiable at |r| = c: psi and psi' vanish there
    h = 1e-6
    inside = losslib.tukey_biweight_grad([0.0], [c * (1 - h)], c=c, reduction="sum")[0]
    assert 0 < inside < 10 * c * h * h


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_quantile_at_one_half_is_half_the_absolute_error(reduction):
    rng = _rng("q-mae", reduction)
    y, p = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    p[0, :2] = y[0, :2]  # the kink, where both take the subgradient 0
    np.testing.assert_array_equal(
        losslib.quantile(y, p, reduction=reduction), losslib.mae(y, p, reduction=reduction) / 2
    )
    np.testing.assert_array_equal(
        losslib.quantile_grad(y, p, reduction=reduction), losslib.mae_grad(y, p, reduction=reduction) / 2
    )


@pytest.mark.parametrize("tau", [0.1, 0.5, 0.8])
def test_quantile_loss_is_minimised_by_the_tau_quantile(tau):
    # the empirical risk is piecewise linear with its minimum at a data point (unique: n tau is no integer)
    y = _rng("q-min", tau).standard_exponential(size=401)
    risk = [losslib.quantile(y, np.full_like(y, c), tau=tau) for c in y]
    assert y[int(np.argmin(risk))] == np.quantile(y, tau, method="inverted_cdf")


@pytest.mark.parametrize("tau", [0.0, 0.1, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_quantile_gradient_is_the_closed_form_subgradient(tau, reduction):
    y = np.array([0.0, 0.0, 0.0, 1.0, -2.0])
    p = np.array([-1.0, 0.0, 3.0, 1.0 + 1e-15, -2.5])
    scale = 1 / 5 if reduction == "mean" else 1.0
    expected = np.array([-tau, 0.0, 1 - tau, 1 - tau, -tau]) * scale
    np.testing.assert_array_equal(losslib.quantile_grad(y, p, tau=tau, reduction=reduction), expected)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@exact
def test_msle_gradient_is_the_closed_form(reduction):
    y = np.array([0.0, 3.0, -0.5, 1e6, 2.0])
    p = np.array([np.e - 1, 3.0, 0.25, 1.0, -0.999])
    exact = [2 * (CTX.ln(1 + D(b)) - CTX.ln(1 + D(a))) / (1 + D(b)) for a, b in zip(y, p)]
    scale = Decimal(1) / 5 if reduction == "mean" else Decimal(1)
    _assert_close(losslib.msle_grad(y, p, reduction=reduction), [float(CTX.multiply(g, scale)) for g in exact])


def test_msle_is_the_squared_error_of_log1p_and_refuses_the_edge_of_its_domain():
    y, p = np.array([0.0, 9.0, -0.75]), np.array([1.0, 99.0, 0.0])
    np.testing.assert_array_equal(losslib.msle(y, p, reduction="none"), (np.log1p(p) - np.log1p(y)) ** 2)
    with pytest.raises(ValueError, match=re.escape("y_pred[1] = -1.0")):
        losslib.msle([0.0, 0.0], [0.0, -1.0])


@pytest.mark.parametrize(
    ("loss", "shift"),
    [
        ("gaussian_nll", 0.5 * math.log(2 * math.pi)),
        ("laplace_nll", math.log(2)),
        ("von_mises_nll", math.log(2 * math.pi)),
    ],
)
def test_full_adds_exactly_the_dropped_constant(loss, shift):
    info = losslib.LOSSES[loss]
    inputs = info.example(_rng("full", loss), n=9)
    args = [inputs[a] for a in info.args]
    fn, grad = info.loss, info.grad
    _assert_close(fn(*args, full=True, reduction="none") - fn(*args, reduction="none"), np.full(9, shift), rtol=1e-12)
    _assert_close(fn(*args, full=True), fn(*args) + shift, rtol=1e-14)
    for g_full, g in zip(grad(*args, full=True), grad(*args)):
        np.testing.assert_array_equal(g_full, g)


def test_gaussian_and_laplace_with_unit_spread_are_half_the_squared_and_the_absolute_error():
    rng = _rng("unit")
    y, mu = rng.normal(size=8), rng.normal(size=8)
    _assert_close(losslib.gaussian_nll(y, mu, np.ones(8), reduction="none"), 0.5 * (mu - y) ** 2, rtol=1e-15)
    _assert_close(losslib.gaussian_nll_grad(y, mu, 1.0, reduction="sum").mean, mu - y, rtol=1e-15)
    _assert_close(losslib.laplace_nll(y, mu, 1.0, reduction="none"), np.abs(mu - y), rtol=1e-15)
    np.testing.assert_array_equal(losslib.laplace_nll_grad(y, mu, 1.0, reduction="sum").loc, np.sign(mu - y))


# --------------------------------------------------------------------------
# Laplace and von Mises against SciPy
# --------------------------------------------------------------------------

# (loc shape, scale/concentration shape): one per element, one per row, a 1 in one axis, a scalar
SPREAD_SHAPES = [
    ((7,), (7,)),
    ((4, 3), (4, 3)),
    ((2, 3, 4), (2, 3, 4)),
    ((4, 3), (4,)),
    ((2, 3, 4), (2, 1, 4)),
    ((4, 3), (4, 1)),
    ((4, 3), ()),
    ((5,), (1,)),
]


def _expand(spread: np.ndarray, shape) -> np.ndarray:
    """PyTorch's broadcasting of var: a missing last axis is unsqueezed, then numpy broadcasting."""
    if spread.ndim and spread.shape == shape[:-1] and spread.shape != shape:
        spread = spread[..., None]
    return np.broadcast_to(spread, shape)


def _summed_to(g_full: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """The gradient of a shared parameter: the sum of its elements' gradients."""
    if spread.ndim == 0:
        return np.asarray(g_full.sum())
    expanded = spread[..., None] if spread.shape == g_full.shape[:-1] and spread.shape != g_full.shape else spread
    axes = tuple(i for i, s in enumerate(expanded.shape) if s == 1 and g_full.shape[i] != 1)
    return g_full.sum(axis=axes, keepdims=True).reshape(spread.shape)


def _scaled(per_item: np.ndarray, reduction: str):
    return per_item if reduction == "none" else (per_item.sum() if reduction == "sum" else per_item.mean())


@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "sshape"), SPREAD_SHAPES, ids=lambda s: "x".join(map(str, s)) or "scalar")
def test_laplace_nll_matches_scipy(shape, sshape, reduction, full):
    rng = _rng("laplace", shape, sshape)
    y, loc = 2.0 * rng.normal(size=shape), 2.0 * rng.normal(size=shape)
    scale = rng.uniform(0.05, 3.0, size=sshape)
    b = _expand(scale, shape)
    per_item = -stats.laplace.logpdf(y, loc=loc, scale=b) - (0.0 if full else math.log(2))
    _assert_close(
        losslib.laplace_nll(y, loc, scale, full=full, reduction=reduction), _scaled(per_item, reduction), rtol=1e-12
    )
    factor = 1 / y.size if reduction == "mean" else 1.0
    g = losslib.laplace_nll_grad(y, loc, scale, full=full, reduction=reduction)
    _assert_close(g.loc, np.sign(loc - y) / b * factor, rtol=1e-15)
    _assert_close(g.scale, _summed_to((1 / b - np.abs(y - loc) / b**2) * factor, scale), rtol=1e-12)


def _wrap(angle):
    """Into [-pi, pi]: the oracle sees the principal angle, losslib the raw one (periodicity is tested)."""
    return np.mod(angle + np.pi, 2 * np.pi) - np.pi


@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "sshape"), SPREAD_SHAPES, ids=lambda s: "x".join(map(str, s)) or "scalar")
def test_von_mises_nll_matches_scipy(shape, sshape, reduction, full):
    rng = _rng("vonmises", shape, sshape)
    y, loc = rng.uniform(-7, 7, size=shape), rng.uniform(-4, 4, size=shape)  # beyond one turn: periodic
    kappa = np.exp(rng.uniform(-3, 6, size=sshape))
    k = _expand(kappa, shape)
    per_item = -stats.vonmises.logpdf(_wrap(y - loc), k) - (0.0 if full else math.log(2 * math.pi))
    _assert_close(
        losslib.von_mises_nll(y, loc, kappa, full=full, reduction=reduction), _scaled(per_item, reduction), rtol=1e-12
    )
    factor = 1 / y.size if reduction == "mean" else 1.0
    g = losslib.von_mises_nll_grad(y, loc, kappa, full=full, reduction=reduction)
    _assert_close(g.loc, -k * np.sin(y - loc) * factor, rtol=1e-13)
    _assert_close(g.concentration, _summed_to((sps.i1e(k) / sps.i0e(k) - np.cos(y - loc)) * factor, kappa), rtol=1e-10)


def test_von_mises_nll_is_finite_and_accurate_for_huge_concentrations():
    kappa = np.array([0.0, 1e-300, 1e-3, 8.0, 713.0, 1e4, 1e6, 1e8, 1e12, 1e300])
    d = np.array([3.0, -2.0, 1.0, 0.5, 0.1, 0.01, 1e-3, 1e-4, 1e-6, 1e-150])
    value = losslib.von_mises_nll(d, np.zeros_like(d), kappa, full=True, reduction="none")
    _assert_close(value, -stats.vonmises.logpdf(d, kappa), rtol=1e-13)
    g = losslib.von_mises_nll_grad(d, np.zeros_like(d), kappa, reduction="none")
    assert np.all(np.isfinite(g.loc)) and np.all(np.isfinite(g.concentration))


@exact
def _exact_one_minus_cos(x: float) -> Decimal:
    """1 - cos x = 2 sin^2(x/2) by its Taylor series, for |x| <= 1."""
    half, term, total, n = D(x) / 2, D(x) / 2, Decimal(0), 1
    while abs(term) > Decimal("1e-80") * max(abs(total), Decimal("1e-300")):
        total += term
        term = -term * half * half / ((n + 1) * (n + 2))
        n += 2
    return 2 * total * total


@exact
def test_von_mises_concentration_gradient_keeps_every_digit_for_huge_concentrations():
    # away from the optimum (1 - cos d = 1 - I1/I0), where the gradient is a difference of equal terms
    for kappa, one_minus_ratio in BESSEL_RATIO:
        for s in (0.1, 3.0):
            d = min(s / math.sqrt(kappa), 1.0)
            got = losslib.von_mises_nll_grad([d], [0.0], [kappa], reduction="sum").concentration[0]
            _assert_close(
                got, float(_exact_one_minus_cos(d) - D(one_minus_ratio)), rtol=1e-13, what=f"kappa={kappa}, d={d}"
            )


# --------------------------------------------------------------------------
# Gaussian NLL: PyTorch's shape rules and clamping, extremes; Poisson: SciPy and the Stirling term
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("shape", "sshape"), SPREAD_SHAPES, ids=lambda s: "x".join(map(str, s)) or "scalar")
def test_gaussian_nll_shared_variances_equal_their_explicit_broadcast(shape, sshape):
    rng = _rng("gauss-shape", shape, sshape)
    y, mu, var = rng.normal(size=shape), rng.normal(size=shape), rng.uniform(0.1, 2.0, size=sshape)
    full_var = np.array(_expand(var, shape))
    for reduction in REDUCTIONS:
        np.testing.assert_array_equal(
            losslib.gaussian_nll(y, mu, var, reduction=reduction),
            losslib.gaussian_nll(y, mu, full_var, reduction=reduction),
        )
        g, g_full = (losslib.gaussian_nll_grad(y, mu, v, reduction=reduction) for v in (var, full_var))
        np.testing.assert_array_equal(g.mean, g_full.mean)
        assert g.var.shape == var.shape
        _assert_close(g.var, _summed_to(g_full.var, var), rtol=1e-14)


def test_gaussian_nll_takes_a_row_variance_for_each_row_like_pytorch():
    # a (4,) variance for (4, 4) means is one per row (PyTorch unsqueezes it), not one per column
    mu, var = np.zeros((4, 4)), np.array([1.0, 2.0, 3.0, 4.0])
    per_item = losslib.gaussian_nll(np.ones((4, 4)), mu, var, reduction="none")
    _assert_close(per_item, np.repeat(0.5 * (np.log(var) + 1 / var)[:, None], 4, axis=1), rtol=1e-15)


@pytest.mark.parametrize("eps", [1e-6, 0.1])
def test_gaussian_nll_clamps_small_variances_and_their_gradient_is_the_one_at_eps(eps):
    y, mu = np.array([0.0, 1.0, 2.0]), np.array([0.5, 1.0, -1.0])
    small = np.array([0.0, eps / 3, eps])
    at_eps = np.full(3, eps)
    np.testing.assert_array_equal(
        losslib.gaussian_nll(y, mu, small, eps=eps, reduction="none"),
        losslib.gaussian_nll(y, mu, at_eps, eps=eps, reduction="none"),
    )
    g, g_at = (losslib.gaussian_nll_grad(y, mu, v, eps=eps, reduction="sum") for v in (small, at_eps))
    np.testing.assert_array_equal(g.var, g_at.var)  # PyTorch's convention: not 0 although the value is flat
    _assert_close(g.var, 0.5 * (1 / eps - (mu - y) ** 2 / eps**2), rtol=1e-15)
    # the same holds for laplace_nll's scale
    gl, gl_at = (losslib.laplace_nll_grad(y, mu, v, eps=eps, reduction="sum") for v in (small, at_eps))
    np.testing.assert_array_equal(gl.scale, gl_at.scale)


def test_gaussian_nll_accepts_eps_zero_with_positive_variances():
    y, mu, var = np.array([0.0, 1.0]), np.array([1.0, 1.0]), np.array([1e-300, 2.0])
    _assert_close(
        losslib.gaussian_nll(y, mu, var, eps=0.0, reduction="none"),
        0.5 * (np.log(var) + (mu - y) ** 2 / var),
        rtol=1e-15,
    )


@exact
def test_gaussian_nll_is_finite_wherever_the_result_is():
    # (r/var) * r instead of r**2 / var: r**2 overflows at 1e160, the quotient 1e220 does not
    y, mu, var = np.array([0.0, 0.0, 0.0]), np.array([1e160, -1e-160, 1e4]), np.array([1e100, 1e-6, 1e-300])
    exact = [
        CTX.multiply(Decimal("0.5"), CTX.ln(D(max(v, 1e-6))) + CTX.power(D(m), 2) / D(max(v, 1e-6)))
        for m, v in zip(mu, var)
    ]
    _assert_close(losslib.gaussian_nll(y, mu, var, reduction="none"), [float(e) for e in exact])
    g = losslib.gaussian_nll_grad(y, mu, var, reduction="none")
    _assert_close(g.mean, [float(D(m) / D(max(v, 1e-6))) for m, v in zip(mu, var)])


@exact
def test_gradients_are_backward_stable_where_they_are_ill_conditioned():
    """At r^2 = var (Gaussian) and e^x = y (Poisson) a gradient is a difference of nearly equal terms.

    No float64 formula gets its relative error below cond * 1e-16 there (PyTorch's neither). What
    can be asked, and is: the result is the exact gradient at inputs perturbed by a few ulps.
    """
    ulp = 2.0**-52
    # Gaussian: d/dvar at mean - y = 1e-3 (as rounded), var = 1e-6
    y, mu, var = 0.7, 0.7 + 1e-3, 1e-6
    got = float(losslib.gaussian_nll_grad([y], [mu], [var], reduction="sum").var[0])
    r = CTX.subtract(D(mu), D(y))
    bounds = [
        float(CTX.multiply(Decimal("0.5"), (D(var) - (r * Decimal(1 + s * 4 * ulp)) ** 2) / D(var) ** 2))
        for s in (-1, 1)
    ]
    assert min(bounds) <= got <= max(bounds), (got, bounds)
    # Poisson: d/dx = e^x - y at x = -1e-9, y = 1
    got = float(losslib.poisson_nll_grad([1.0], [-1e-9], reduction="sum")[0])
    bounds = [float(CTX.exp(D(-1e-9)) - Decimal(1 + s * 2 * ulp)) for s in (-1, 1)]
    assert min(bounds) <= got <= max(bounds), (got, bounds)


def test_poisson_nll_is_the_poisson_nll_up_to_log_factorials():
    rng = _rng("poisson-scipy")
    rate = np.exp(rng.normal(1.0, 1.0, size=20))
    y = rng.poisson(rate).astype(float)
    target = -stats.poisson.logpmf(y, rate) - sps.gammaln(y + 1)
    _assert_close(losslib.poisson_nll(y, np.log(rate), reduction="none"), target, rtol=1e-12)
    _assert_close(losslib.poisson_nll(y, rate, log_input=False, eps=0.0, reduction="none"), target, rtol=1e-12)


@exact
def test_poisson_nll_full_adds_the_stirling_term_only_above_one():
    y = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 10.0, 1e6])
    x = np.zeros_like(y)
    stirling = [Decimal(0) if t <= 1 else D(t) * CTX.ln(D(t)) - D(t) + CTX.ln(2 * D(math.pi) * D(t)) / 2 for t in y]
    added = losslib.poisson_nll(y, x, full=True, reduction="none") - losslib.poisson_nll(y, x, reduction="none")
    _assert_close(added[y > 1], [float(s) for s, t in zip(stirling, y) if t > 1], rtol=1e-10)
    np.testing.assert_array_equal(added[y <= 1], 0.0)
    # and approximates log y! to within 1/(12 y) for y > 1 (Stirling's next term)
    small = (y > 1) & (y <= 10)
    assert np.all(np.abs(added[small] - sps.gammaln(y[small] + 1)) <= 1 / (12 * y[small]))


def test_poisson_nll_zero_rate_and_zero_count_cost_nothing():
    # 0 log 0 = 0: PyTorch returns NaN for this with eps=0
    assert losslib.poisson_nll([0.0], [0.0], log_input=False, eps=0.0) == 0.0
    assert losslib.poisson_nll_grad([0.0], [0.0], log_input=False, eps=0.0)[0] == 1.0
    assert losslib.poisson_nll([2.0], [0.0], log_input=False, eps=0.0) == np.inf


def test_poisson_nll_extreme_log_rates():
    x = np.array([-1e4, -745.0, 0.0, 700.0])
    y = np.array([3.0, 0.0, 1.0, 5.0])
    np.testing.assert_array_equal(
        losslib.poisson_nll(y, x, reduction="none"), [3e4, np.exp(-745.0), 1.0, np.exp(700.0) - 3500.0]
    )
    x32 = np.array([-80.0, 80.0], dtype=np.float32)
    v = losslib.poisson_nll(np.array([2.0, 0.0], np.float32), x32, reduction="none")
    g = losslib.poisson_nll_grad(np.array([2.0, 0.0], np.float32), x32, reduction="none")
    assert v.dtype == g.dtype == np.float32 and np.all(np.isfinite(v)) and np.all(np.isfinite(g))
    _assert_close(v, [160.0, np.exp(80.0)], rtol=1e-6)


# --------------------------------------------------------------------------
# Every gradient against central differences, for every option and reduction
# --------------------------------------------------------------------------


def _grads(info, grad) -> tuple:
    """A gradient as a tuple with one array per ``grad_wrt`` argument."""
    return tuple(grad) if len(info.grad_wrt) > 1 else (grad,)


def _away_from(r, kinks, margin=0.05):
    for k in kinks:
        r = np.where(np.abs(np.abs(r) - k) < margin, np.sign(r) * (k + 2 * margin), r)
    return np.where(np.abs(r) < margin, margin, r)


def _pair(kinks=()):
    def draw(rng, shape):
        y = rng.normal(size=shape)
        return {"y_true": y, "y_pred": y + _away_from(3.0 * rng.normal(size=shape), kinks)}

    return draw


def _msle_inputs(rng, shape):
    return {"y_true": np.expm1(rng.uniform(-1.5, 3, size=shape)), "y_pred": np.expm1(rng.uniform(-1.5, 3, size=shape))}


def _gaussian_inputs(rng, shape):
    return {
        "y_true": rng.normal(size=shape),
        "mean": 2 * rng.normal(size=shape),
        "var": rng.uniform(0.2, 3, size=shape),
    }


def _laplace_inputs(rng, shape):
    y = rng.normal(size=shape)
    return {
        "y_true": y,
        "loc": y + _away_from(2 * rng.normal(size=shape), ()),
        "scale": rng.uniform(0.2, 3, size=shape),
    }


def _poisson_inputs(log_input):
    def draw(rng, shape):
        x = rng.normal(1.0, 1.0, size=shape)
        return {"y_true": rng.poisson(3.0, size=shape).astype(float), "y_pred": x if log_input else np.exp(x)}

    return draw


def _von_mises_inputs(rng, shape):
    return {
        "y_true": rng.uniform(-4, 4, size=shape),
        "loc": rng.uniform(-4, 4, size=shape),
        "concentration": np.exp(rng.uniform(-2, 4, size=shape)),
    }


FD_CONFIGS = [
    ("pseudo_huber", {}, _pair()),
    ("pseudo_huber", {"delta": 0.3}, _pair()),
    ("pseudo_huber", {"delta": 20.0}, _pair()),
    ("log_cosh", {}, _pair()),
    ("quantile", {}, _pair((0.0,))),
    ("quantile", {"tau": 0.1}, _pair((0.0,))),
    ("quantile", {"tau": 0.95}, _pair((0.0,))),
    ("msle", {}, _msle_inputs),
    ("tukey_biweight", {}, _pair((4.685,))),
    ("tukey_biweight", {"c": 1.5}, _pair((1.5,))),
    ("gaussian_nll", {}, _gaussian_inputs),
    ("gaussian_nll", {"full": True, "eps": 0.1}, _gaussian_inputs),
    ("laplace_nll", {}, _laplace_inputs),
    ("laplace_nll", {"full": True, "eps": 0.1}, _laplace_inputs),
    ("poisson_nll", {}, _poisson_inputs(True)),
    ("poisson_nll", {"full": True}, _poisson_inputs(True)),
    ("poisson_nll", {"log_input": False}, _poisson_inputs(False)),
    ("poisson_nll", {"log_input": False, "full": True, "eps": 0.5}, _poisson_inputs(False)),
    ("von_mises_nll", {}, _von_mises_inputs),
    ("von_mises_nll", {"full": True}, _von_mises_inputs),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("loss", "options", "draw"), FD_CONFIGS, ids=[f"{c[0]}-{c[1]}" for c in FD_CONFIGS])
def test_gradients_match_central_differences(loss, options, draw, reduction):
    # losslib.check_grad cannot be used here: its own keyword eps (the step) would swallow the loss's option eps
    info = losslib.LOSSES[loss]
    for shape in ((5,), (2, 3)):
        inputs = draw(_rng("fd", loss, options, shape), shape)
        grads = info.grad(**{a: inputs[a] for a in info.args}, reduction=reduction, **options)
        for position, wrt in enumerate(info.grad_wrt):

            def f(x, wrt=wrt):
                trial = dict(inputs, **{wrt: x})
                return float(np.sum(info.loss(**{a: trial[a] for a in info.args}, reduction=reduction, **options)))

            numeric = numerical_grad(f, inputs[wrt])
            analytic = grads[position] if len(info.grad_wrt) > 1 else grads
            np.testing.assert_allclose(
                analytic,
                numeric,
                rtol=1e-6,
                atol=1e-8 * np.abs(numeric).max(),
                err_msg=f"{loss} {options} {reduction}: d/d{wrt} vs central differences",
            )


# --------------------------------------------------------------------------
# float32 in, float32 out
# --------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("loss", "options", "draw"), FD_CONFIGS, ids=[f"{c[0]}-{c[1]}" for c in FD_CONFIGS])
def test_float32_in_gives_float32_out(loss, options, draw, reduction):
    info = losslib.LOSSES[loss]
    inputs = draw(_rng("f32", loss, options), (3, 4))
    args64 = {a: inputs[a] for a in info.args}
    args32 = {a: x.astype(np.float32) for a, x in args64.items()}
    value = info.loss(**args32, reduction=reduction, **options)
    assert np.asarray(value).dtype == np.float32
    np.testing.assert_allclose(value, info.loss(**args64, reduction=reduction, **options), rtol=2e-5, atol=1e-6)
    grads = _grads(info, info.grad(**args32, reduction=reduction, **options))
    grads64 = _grads(info, info.grad(**args64, reduction=reduction, **options))
    for name, g, g64 in zip(info.grad_wrt, grads, grads64):
        assert g.dtype == np.float32 and g.shape == inputs[name].shape, (name, g.dtype, g.shape)
        np.testing.assert_allclose(g, g64, rtol=2e-5, atol=1e-6 * np.abs(g64).max())


def test_float32_extremes_stay_finite():
    r = np.array([-80.0, -1e-30, 0.0, 1e-30, 80.0, 3e38], dtype=np.float32)
    for loss in ("pseudo_huber", "log_cosh", "quantile", "tukey_biweight"):
        v = getattr(losslib, loss)(np.zeros_like(r), r, reduction="none")
        g = getattr(losslib, loss + "_grad")(np.zeros_like(r), r, reduction="none")
        assert v.dtype == g.dtype == np.float32 and np.all(np.isfinite(v)) and np.all(np.isfinite(g)), loss
    _assert_close(
        losslib.log_cosh(np.zeros(2, np.float32), np.float32([80.0, 1e-18]), reduction="none"),
        [80 - math.log(2), 5e-37],
        rtol=1e-6,
    )


# --------------------------------------------------------------------------
# Bad input: ValueError/TypeError naming the argument, what was received, the fix
# --------------------------------------------------------------------------

Y3 = [0.0, 1.0, 2.0]
BAD = [
    ("pseudo_huber", (Y3, Y3), {"delta": 0.0}, ValueError, r"delta must be a finite number > 0, got 0\.0"),
    ("pseudo_huber", (Y3, Y3), {"delta": "1"}, TypeError, r"delta must be a real number, got '1'"),
    ("pseudo_huber", (Y3, [[0.0, 1.0, 2.0]]), {}, ValueError, r"y_pred has shape \(1, 3\) but y_true has shape \(3,\)"),
    ("log_cosh", (Y3, [0.0, np.nan, 1.0]), {}, ValueError, r"y_pred contains NaN at y_pred\[1\]"),
    ("log_cosh", ([], []), {}, ValueError, r"y_pred is empty"),
    ("log_cosh", (Y3, Y3), {"reduction": "avg"}, ValueError, r"reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (
        "quantile",
        (Y3, Y3),
        {"tau": 1.5},
        ValueError,
        r"tau must be a finite number in \[0, 1\] \(a quantile level\), got 1\.5",
    ),
    (
        "quantile",
        (Y3, Y3),
        {"tau": -0.1},
        ValueError,
        r"tau must be a finite number in \[0, 1\] \(a quantile level\), got -0\.1",
    ),
    ("quantile", (Y3, Y3), {"alpha": 0.5}, TypeError, r"unexpected keyword argument 'alpha'"),
    (
        "msle",
        ([0.0, -1.5, 1.0], Y3),
        {},
        ValueError,
        r"y_true must be > -1 for msle .* y_true\[1\] = -1\.5; .* use mse",
    ),
    ("msle", (Y3, [0.0, 1.0, -1.0]), {}, ValueError, r"y_pred must be > -1 .* y_pred\[2\] = -1\.0"),
    ("tukey_biweight", (Y3, Y3), {"c": -1.0}, ValueError, r"c must be a finite number > 0, got -1\.0"),
    ("tukey_biweight", (Y3, Y3), {"c": np.inf}, ValueError, r"c must be a finite number > 0, got inf"),
    (
        "gaussian_nll",
        (Y3, Y3, [1.0, -0.5, 1.0]),
        {},
        ValueError,
        r"var must hold variances \(>= 0\) but var\[1\] = -0\.5",
    ),
    (
        "gaussian_nll",
        (Y3, Y3, [1.0, 1.0]),
        {},
        ValueError,
        r"var has shape \(2,\), which does not fit mean's shape \(3,\); give it the same shape",
    ),
    (
        "gaussian_nll",
        (np.zeros((4, 3)), np.zeros((4, 3)), np.ones((3,))),
        {},
        ValueError,
        r"var has shape \(3,\), which does not fit mean's shape \(4, 3\).*the shape \(4,\) \(one per row\)",
    ),
    (
        "gaussian_nll",
        (np.zeros((4, 3, 2)), np.zeros((4, 3, 2)), np.ones((4, 1, 1))),
        {},
        ValueError,
        r"var has shape \(4, 1, 1\)",
    ),
    (
        "gaussian_nll",
        (Y3, [1.0, 2.0], [1.0, 1.0]),
        {},
        ValueError,
        r"y_true has shape \(3,\) but mean has shape \(2,\)",
    ),
    ("gaussian_nll", (Y3, Y3, [1.0, 0.0, 1.0]), {"eps": 0.0}, ValueError, r"var\[1\] is 0 and eps=0.*pass eps > 0"),
    ("gaussian_nll", (Y3, Y3, Y3), {"eps": -1e-6}, ValueError, r"eps must be a finite number >= 0, got -1e-06"),
    ("gaussian_nll", (Y3, Y3, Y3), {"full": "yes"}, TypeError, r"full must be True or False, got 'yes'"),
    ("gaussian_nll", (Y3, Y3, [1.0, np.nan, 1.0]), {}, ValueError, r"var contains NaN at var\[1\]"),
    ("gaussian_nll", (Y3, Y3, ["a", "b", "c"]), {}, TypeError, r"var must hold real numbers"),
    (
        "laplace_nll",
        (Y3, Y3, [-1.0, 1.0, 1.0]),
        {},
        ValueError,
        r"scale must hold scales \(>= 0\) but scale\[0\] = -1\.0",
    ),
    ("laplace_nll", (Y3, Y3, np.ones((3, 2))), {}, ValueError, r"scale has shape \(3, 2\), which does not fit loc's"),
    (
        "poisson_nll",
        ([0.0, -2.0, 1.0], Y3),
        {},
        ValueError,
        r"y_true must hold counts \(>= 0\) but y_true\[1\] = -2\.0",
    ),
    (
        "poisson_nll",
        (Y3, [1.0, -0.5, 1.0]),
        {"log_input": False},
        ValueError,
        r"y_pred must hold rates \(>= 0\) but y_pred\[1\] = -0\.5; if these are log-rates, pass log_input=True",
    ),
    ("poisson_nll", (Y3, Y3), {"log_input": 1}, TypeError, r"log_input must be True or False, got 1"),
    ("poisson_nll", (Y3, Y3), {"eps": np.nan}, ValueError, r"eps must be a finite number >= 0, got nan"),
    (
        "von_mises_nll",
        (Y3, Y3, [1.0, -1.0, 1.0]),
        {},
        ValueError,
        r"concentration must hold concentrations \(>= 0\) but concentration\[1\] = -1\.0",
    ),
    (
        "von_mises_nll",
        (Y3, Y3, [1.0, np.inf, 1.0]),
        {},
        ValueError,
        r"concentration must be finite but concentration\[1\]",
    ),
    (
        "von_mises_nll",
        (Y3, Y3, [1.0, 1.0]),
        {},
        ValueError,
        r"concentration has shape \(2,\), which does not fit loc's",
    ),
    ("von_mises_nll", (Y3, Y3, Y3), {"reduction": None}, ValueError, r"reduction must be 'mean', 'sum' or 'none'"),
]


@pytest.mark.parametrize("with_grad", [False, True], ids=["loss", "grad"])
@pytest.mark.parametrize(
    ("loss", "args", "options", "error", "message"), BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)]
)
def test_bad_input_is_refused_with_a_helpful_message(loss, args, options, error, message, with_grad):
    fn = getattr(losslib, loss + "_grad" * with_grad)
    with pytest.raises(error, match=message):
        fn(*args, **options)


# --------------------------------------------------------------------------
# Registry entries and reference data
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", MINE)
def test_registry_entry_is_consistent_with_the_function(name):
    info = losslib.LOSSES[name]
    inputs = info.example(_rng("example", name), n=7)
    assert list(inputs) == list(info.args) and all(a.dtype == np.float64 for a in inputs.values())
    args = {a: inputs[a] for a in info.args}
    assert np.all(np.isfinite(info.loss(**args, reduction="none")))
    value, grad = losslib.value_and_grad(name, *args.values(), reduction="sum")
    assert value == info.loss(**args, reduction="sum")
    if len(info.grad_wrt) > 1:
        assert grad._fields == info.grad_wrt
    for g, expected in zip(_grads(info, grad), _grads(info, info.grad(**args, reduction="sum"))):
        np.testing.assert_array_equal(g, expected)
    assert info.oracle in ("torch", "sklearn", "scipy", "closed form")


def _expected_nll(name, true, candidate) -> float:
    """E_{y ~ true} loss(y; candidate) by quadrature (sums for counts) over the true distribution."""
    info = losslib.LOSSES[name]
    if name == "poisson_nll":
        y = np.arange(0.0, 200.0)
        w = stats.poisson.pmf(y, np.exp(true[0]))
        return float(np.sum(w * info.loss(**info.named([y, np.full_like(y, candidate[0])]), reduction="none")))
    if name == "von_mises_nll":
        y = np.linspace(-np.pi, np.pi, 2001)[:-1]  # periodic trapezoid rule: spectrally accurate
        w = stats.vonmises.pdf(y, true[1], loc=true[0]) * (2 * np.pi / y.size)
    else:
        dist = stats.norm(true[0], np.sqrt(true[1])) if name == "gaussian_nll" else stats.laplace(true[0], true[1])
        y = np.linspace(true[0] - 30, true[0] + 30, 60001)
        w = dist.pdf(y) * (y[1] - y[0])
    ones = np.ones_like(y)
    return float(np.sum(w * info.loss(**info.named([y, candidate[0] * ones, candidate[1] * ones]), reduction="none")))


@pytest.mark.parametrize(
    ("name", "true"),
    [
        ("gaussian_nll", (0.3, 1.7)),
        ("laplace_nll", (-0.4, 0.8)),
        ("poisson_nll", (np.log(4.5),)),
        ("von_mises_nll", (2.5, 3.0)),
    ],
)
def test_proper_claim_the_true_parameters_minimise_the_expected_loss(name, true):
    assert losslib.LOSSES[name].proper is True
    at_true = _expected_nll(name, true, true)
    for step in (1e-2, 0.1, 0.5):
        for direction in ([1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [-1, 1])[: 2 if len(true) == 1 else 6]:
            other = tuple(t + step * d for t, d in zip(true, direction))
            assert _expected_nll(name, true, other) > at_true, (name, other)


def _cases(family: str) -> list[dict]:
    return load_reference(data_file(family))[1]


def test_reference_data_covers_every_option_and_shape_rule():
    torch_cases, sklearn_cases = _cases("regression_torch"), _cases("regression_sklearn")
    gaussian = [c for c in torch_cases if c["loss"] == "gaussian_nll"]
    assert {c["options"].get("full", False) for c in gaussian} == {False, True}
    assert any("eps" in c["options"] for c in gaussian)
    var_ndims = {
        (c["inputs"]["mean"].ndim, c["inputs"]["var"].ndim, c["inputs"]["var"].shape == c["inputs"]["mean"].shape)
        for c in gaussian
    }
    assert {(2, 1, False), (3, 2, False), (2, 2, False), (3, 3, False), (1, 0, False), (3, 3, True)} <= var_ndims
    assert any((c["inputs"]["var"] < c["options"].get("eps", 1e-6)).any() for c in gaussian)
    poisson = [c for c in torch_cases if c["loss"] == "poisson_nll"]
    combos = {
        (c["options"].get("log_input", True), c["options"].get("full", False), "eps" in c["options"]) for c in poisson
    }
    assert {
        (True, False, False),
        (True, True, False),
        (False, False, False),
        (False, True, False),
        (False, False, True),
        (False, True, True),
    } <= combos
    assert max(np.abs(c["inputs"]["y_pred"]).max() for c in poisson) >= 1e4
    taus = {c["options"].get("tau", 0.5) for c in sklearn_cases if c["loss"] == "quantile"}
    assert {0.0, 0.5, 1.0} <= taus and len(taus) >= 5
    msle_inputs = np.concatenate(
        [np.ravel(c["inputs"][k]) for c in sklearn_cases if c["loss"] == "msle" for k in ("y_true", "y_pred")]
    )
    assert msle_inputs.min() < -0.999 and msle_inputs.max() >= 1e300


# --------------------------------------------------------------------------
# Charbonnier: exact arithmetic, the relation to pseudo-Huber, extremes, errors
# --------------------------------------------------------------------------


@exact
def _exact_charbonnier(r: Decimal, eps: float):
    e = D(eps)
    root = CTX.sqrt(r * r + e * e)
    return root - e, r / root


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("eps", [1e-3, 0.3, 50.0])
@exact
def test_charbonnier_matches_exact_arithmetic(eps, reduction):
    rng = _rng("charbonnier", eps)
    y_true = np.concatenate([rng.normal(size=12), np.zeros(2 * EXTREME_R.size + 1)])
    y_pred = np.concatenate([y_true[:12] + 3.0 * rng.normal(size=12), EXTREME_R, -EXTREME_R, [0.0]])
    pairs = [_exact_charbonnier(CTX.subtract(D(p), D(t)), eps) for t, p in zip(y_true, y_pred)]
    value = losslib.charbonnier(y_true, y_pred, eps=eps, reduction=reduction)
    _assert_close(value, _reduced([v for v, _ in pairs], reduction), what="charbonnier value")
    scale = Decimal(1) / len(pairs) if reduction == "mean" else Decimal(1)
    g_ref = np.array([float(CTX.multiply(g, scale)) for _, g in pairs])
    _assert_close(losslib.charbonnier_grad(y_true, y_pred, eps=eps, reduction=reduction), g_ref, what="gradient")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("eps", [1e-3, 0.3, 1.0, 50.0])
def test_charbonnier_is_pseudo_huber_over_eps_and_the_lapsrn_loss_minus_eps(eps, dtype):
    rng = _rng("charbonnier-ph", eps)
    y = rng.normal(size=40).astype(dtype)
    p = (
        y + eps * np.concatenate([10.0 ** rng.uniform(-6, 6, size=20), -(10.0 ** rng.uniform(-6, 6, size=20))])
    ).astype(dtype)
    per_item = losslib.charbonnier(y, p, eps=eps, reduction="none")
    assert per_item.dtype == dtype
    # the identity holds to rounding, element by element (the two are computed independently;
    # their exact values are checked against 60-digit arithmetic above and in the pseudo-Huber tests)
    np.testing.assert_array_max_ulp(
        per_item * dtype(eps), losslib.pseudo_huber(y, p, delta=eps, reduction="none"), maxulp=4
    )
    ulps = 4 * np.finfo(dtype).eps
    for reduction in REDUCTIONS:
        _assert_close(
            losslib.charbonnier(y, p, eps=eps, reduction=reduction) * dtype(eps),
            losslib.pseudo_huber(y, p, delta=eps, reduction=reduction),
            rtol=ulps,
        )
        _assert_close(
            losslib.charbonnier_grad(y, p, eps=eps, reduction=reduction) * dtype(eps),
            losslib.pseudo_huber_grad(y, p, delta=eps, reduction=reduction),
            rtol=ulps,
        )
    # the image-restoration form sqrt(r^2 + eps^2) (LapSRN) is charbonnier + eps
    r = (p - y).astype(np.float64)
    _assert_close(per_item + dtype(eps), np.hypot(r, eps), rtol=ulps)
    # a perfect prediction costs exactly nothing, with a zero gradient
    assert losslib.charbonnier(y, y, eps=eps, reduction="sum") == 0
    np.testing.assert_array_equal(losslib.charbonnier_grad(y, y, eps=eps, reduction="none"), 0.0)


@pytest.mark.parametrize("eps", [1e-3, 0.2, 7.0])
def test_charbonnier_is_a_quadratic_bowl_near_zero_and_the_absolute_error_minus_eps_far_away(eps):
    r = eps * np.array([1e-7, -3e-6, 1e-5])
    _assert_close(losslib.charbonnier(np.zeros(3), r, eps=eps, reduction="none"), r * r / (2 * eps), rtol=1e-9)
    _assert_close(losslib.charbonnier_grad(np.zeros(3), r, eps=eps, reduction="sum"), r / eps, rtol=1e-9)
    r = eps * np.array([1e9, -3e10, 1e15])
    _assert_close(losslib.charbonnier(np.zeros(3), r, eps=eps, reduction="none"), np.abs(r) - eps, rtol=1e-15)
    _assert_close(losslib.charbonnier_grad(np.zeros(3), r, eps=eps, reduction="sum"), np.sign(r), rtol=1e-15)
    # its gradient never exceeds 1, not even by rounding: bounded influence
    g = losslib.charbonnier_grad(np.zeros(60), np.logspace(-5, 308, 60), eps=eps, reduction="sum")
    assert np.all(g <= 1) and g[-1] == 1.0


def test_charbonnier_default_eps_is_lapsrns_and_small_eps_gives_the_absolute_error():
    rng = _rng("charbonnier-default")
    y, p = rng.normal(size=9), rng.normal(size=9)
    assert losslib.charbonnier(y, p) == losslib.charbonnier(y, p, eps=1e-3)
    _assert_close(losslib.charbonnier(y, p, eps=1e-12), losslib.mae(y, p), rtol=1e-10)
    _assert_close(losslib.charbonnier_grad(y, p, eps=1e-12), losslib.mae_grad(y, p), rtol=1e-10)


def test_charbonnier_huge_residuals_do_not_overflow():
    big = np.finfo(np.float64).max
    r = np.array([1e154, -1e200, 1e300, big, -big])
    v = losslib.charbonnier(np.zeros(5), r, reduction="none")
    np.testing.assert_array_equal(v, np.abs(r))  # |r| - 1e-3 rounds to |r|
    np.testing.assert_array_equal(losslib.charbonnier_grad(np.zeros(5), r, reduction="sum"), np.sign(r))
    # float32: r^2 would overflow beyond 1.8e19 (the sum of these values, 3e38, still fits)
    r32 = np.array([-1e38, -80.0, -1e-30, 0.0, 1e-30, 1e19, 2e19, 2e38], dtype=np.float32)
    for reduction in REDUCTIONS:
        v = losslib.charbonnier(np.zeros_like(r32), r32, reduction=reduction)
        g = losslib.charbonnier_grad(np.zeros_like(r32), r32, reduction=reduction)
        assert np.asarray(v).dtype == g.dtype == np.float32 and g.shape == r32.shape
        assert np.all(np.isfinite(v)) and np.all(np.isfinite(g)), reduction
    _assert_close(
        losslib.charbonnier(np.zeros_like(r32), r32, reduction="none"),
        np.hypot(r32.astype(np.float64), 1e-3) - 1e-3,
        rtol=4e-7,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("eps", [1e-3, 0.3, 20.0])
def test_charbonnier_gradient_matches_central_differences(eps, reduction):
    for shape in ((5,), (2, 3)):
        inputs = _pair()(_rng("fd-charbonnier", eps, shape), shape)
        y, p = inputs["y_true"], inputs["y_pred"]
        numeric = numerical_grad(lambda x: float(np.sum(losslib.charbonnier(y, x, eps=eps, reduction=reduction))), p)
        np.testing.assert_allclose(
            losslib.charbonnier_grad(y, p, eps=eps, reduction=reduction),
            numeric,
            rtol=1e-6,
            atol=1e-8 * np.abs(numeric).max(),
        )


CHARBONNIER_BAD = [
    ((Y3, Y3), {"eps": 0.0}, ValueError, r"eps must be a finite number > 0, got 0\.0"),
    ((Y3, Y3), {"eps": -1e-3}, ValueError, r"eps must be a finite number > 0, got -0\.001"),
    ((Y3, Y3), {"eps": np.inf}, ValueError, r"eps must be a finite number > 0, got inf"),
    ((Y3, Y3), {"eps": np.nan}, ValueError, r"eps must be a finite number > 0, got nan"),
    ((Y3, Y3), {"eps": "1e-3"}, TypeError, r"eps must be a real number, got '1e-3'"),
    ((Y3, Y3), {"eps": True}, TypeError, r"eps must be a real number, got True"),
    ((Y3, Y3), {"eps": [1e-3]}, TypeError, r"eps must be a real number"),
    ((Y3, Y3), {"delta": 1.0}, TypeError, r"unexpected keyword argument 'delta'"),
    (
        (np.zeros(3, np.float32), np.zeros(3, np.float32)),
        {"eps": 1e-50},
        ValueError,
        r"eps=1e-50 rounds to 0 in float32, the dtype of y_pred.*or float64 inputs",
    ),
    ((Y3, [[0.0, 1.0, 2.0]]), {}, ValueError, r"y_pred has shape \(1, 3\) but y_true has shape \(3,\)"),
    ((Y3, [0.0, np.nan, 1.0]), {}, ValueError, r"y_pred contains NaN at y_pred\[1\]"),
    ((Y3, Y3), {"reduction": "avg"}, ValueError, r"reduction must be 'mean', 'sum' or 'none', got 'avg'"),
]


@pytest.mark.parametrize("with_grad", [False, True], ids=["loss", "grad"])
@pytest.mark.parametrize(("args", "options", "error", "message"), CHARBONNIER_BAD)
def test_charbonnier_refuses_bad_input_with_a_helpful_message(args, options, error, message, with_grad):
    fn = losslib.charbonnier_grad if with_grad else losslib.charbonnier
    with pytest.raises(error, match=message):
        fn(*args, **options)
    # float64 inputs take what float32 cannot represent
    assert losslib.charbonnier([0.0], [0.0], eps=1e-50) == 0.0
