"""Loss-specific tests of categorical_cross_entropy, kl_divergence and focal (losslib.classification)
and of hinge, squared_hinge, multiclass_hinge and exponential (losslib.margin).

What the committed PyTorch / scikit-learn data (tests/test_losslib_oracle.py) cannot show is
checked here against independent closed forms (numpy formulas written out, SciPy's ``xlogy``,
``rel_entr`` and ``entropy``, and 60-digit ``decimal`` arithmetic where float64 formulas would
lose digits): limits and identities (focal at gamma = 0, KL(p || p) = 0, categorical
cross-entropy of a softmax), the clamp and zeros, extreme logits, float32, finite differences for
every option, subgradients at kinks, and bad input with the messages it gets. Neither PyTorch nor
scikit-learn is imported.
"""

from __future__ import annotations

import warnings
from decimal import Decimal, localcontext

import numpy as np
import pytest
import scipy.special as sps
import scipy.stats as stats

import losslib
from losslib.gradcheck import numerical_grad

REDUCTIONS = ("mean", "sum", "none")


def _fd(fn, y_true, y_pred, reduction, **options):
    """Central differences of the reduced loss (the sum of the items for "none") in y_pred."""
    return numerical_grad(lambda x: float(np.sum(fn(y_true, x, reduction=reduction, **options))), y_pred)


def _assert_fd(name, y_true, y_pred, reduction, **options):
    fn, grad = getattr(losslib, name), getattr(losslib, name + "_grad")
    g = grad(y_true, y_pred, reduction=reduction, **options)
    assert g.shape == np.shape(y_pred) and g.dtype == np.float64
    numeric = _fd(fn, y_true, y_pred, reduction, **options)
    np.testing.assert_allclose(
        g,
        numeric,
        rtol=1e-6,
        atol=1e-8 * max(1.0, np.abs(numeric).max()),
        err_msg=f"{name} {options} ({reduction}): analytic vs central differences",
    )


def _simplex(rng, shape, floor=0.02):
    """Rows (last axis) of probabilities summing to 1, each entry at least ``floor``."""
    c = shape[-1]
    return (1 - c * floor) * rng.dirichlet(np.ones(c), size=shape[:-1]) + floor


def _mean_over_examples(per_item):
    return per_item.sum() / per_item.size


def _reduced(per_item, reduction):
    return {"none": per_item, "sum": per_item.sum(), "mean": _mean_over_examples(per_item)}[reduction]


def _raises(exc, fn, *args, fragments=(), **kwargs):
    with pytest.raises(exc) as err:
        fn(*args, **kwargs)
    for fragment in fragments:
        assert fragment in str(err.value), f"{fragment!r} is not in the message {str(err.value)!r}"


# ==========================================================================
# Categorical cross-entropy on probabilities
# ==========================================================================


@pytest.mark.parametrize("shape", [(6, 5), (2, 3, 4), (4,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cce_of_one_hot_and_softmax_is_cross_entropy_with_labels(shape, reduction):
    rng = np.random.default_rng(1)
    z = 2.0 * rng.normal(size=shape)
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    p = losslib.softmax(z)
    onehot = np.eye(shape[-1])[labels]
    np.testing.assert_allclose(
        losslib.categorical_cross_entropy(onehot, p, reduction=reduction),
        losslib.cross_entropy(labels, z, reduction=reduction),
        rtol=1e-12,
    )
    # chain rule through the softmax: dL/dz = p * g - p * (g . p)
    g = losslib.categorical_cross_entropy_grad(onehot, p, reduction=reduction)
    g_z = p * g - p * np.sum(g * p, axis=-1, keepdims=True)
    np.testing.assert_allclose(g_z, losslib.cross_entropy_grad(labels, z, reduction=reduction), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4), (6,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cce_is_the_closed_form_with_soft_targets_and_zeros(shape, reduction):
    rng = np.random.default_rng(2)
    y = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    y[..., 0] = 0.0  # a class the target rules out: it contributes nothing
    y = y / y.sum(axis=-1, keepdims=True)
    p = _simplex(rng, shape)
    per_item = -sps.xlogy(y, p).sum(axis=-1)
    np.testing.assert_allclose(
        losslib.categorical_cross_entropy(y, p, reduction=reduction), _reduced(per_item, reduction), rtol=1e-13
    )
    scale = 1.0 / per_item.size if reduction == "mean" else 1.0
    np.testing.assert_allclose(
        losslib.categorical_cross_entropy_grad(y, p, reduction=reduction), -y / p * scale, rtol=1e-14
    )


@pytest.mark.parametrize(
    ("y", "p", "value", "grad"),
    [
        # the log is clamped at -100: p = 0 costs 100 y, and the gradient is 0 there (flat)
        ([1.0, 0.0], [0.0, 1.0], 100.0, [0.0, 0.0]),
        ([0.5, 0.5], [0.0, 1.0], 50.0, [0.0, -0.5]),
        ([0.5, 0.5], [1e-300, 1.0], 50.0, [0.0, -0.5]),  # log(1e-300) = -690.8 < -100
        # y = 0 where p = 0: 0, not 0 * log 0 = NaN
        ([0.0, 1.0], [0.0, 1.0], 0.0, [0.0, -1.0]),
        # above the clamp: the exact -log p
        ([1.0, 0.0], [1e-20, 1.0 - 1e-20], 20 * np.log(10.0), [-1e20, 0.0]),
        ([1.0, 0.0], [1e-43, 1.0], 43 * np.log(10.0), [-1e43, 0.0]),  # e^-100 = 3.7e-44 < 1e-43
        ([0.0, 1.0], [1e-43, 1.0], 0.0, [0.0, -1.0]),
    ],
)
def test_cce_at_zero_probabilities(y, p, value, grad):
    y, p = np.array([y]), np.array([p])
    np.testing.assert_allclose(losslib.categorical_cross_entropy(y, p, reduction="sum"), value, rtol=1e-14)
    np.testing.assert_allclose(losslib.categorical_cross_entropy_grad(y, p, reduction="sum"), [grad], rtol=1e-14)


def test_cce_of_a_perfect_prediction_is_plus_zero():
    y = np.eye(3)[[0, 2, 1]]
    for reduction in REDUCTIONS:
        v = np.asarray(losslib.categorical_cross_entropy(y, y.copy(), reduction=reduction))
        assert np.all(v == 0) and not np.any(np.signbit(v))
    np.testing.assert_array_equal(losslib.categorical_cross_entropy_grad(y, y.copy(), reduction="sum"), -y)


@pytest.mark.parametrize("name", ["categorical_cross_entropy", "kl_divergence"])
@pytest.mark.parametrize("shape", [(4,), (3, 5), (2, 2, 3)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_distribution_losses_match_finite_differences(name, shape, reduction):
    rng = np.random.default_rng([3, len(shape), len(name)])
    y = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    _assert_fd(name, y, _simplex(rng, shape, floor=0.05), reduction)


@pytest.mark.parametrize("name", ["categorical_cross_entropy", "kl_divergence"])
def test_distribution_losses_in_float32(name):
    rng = np.random.default_rng(4)
    y, p = rng.dirichlet(np.ones(6), size=5), _simplex(rng, (5, 6))
    fn, grad = getattr(losslib, name), getattr(losslib, name + "_grad")
    for reduction in REDUCTIONS:
        v32 = fn(y.astype(np.float32), p.astype(np.float32), reduction=reduction)
        g32 = grad(y, p.astype(np.float32), reduction=reduction)  # y_true follows y_pred's dtype
        assert np.asarray(v32).dtype == np.float32 and g32.dtype == np.float32
        np.testing.assert_allclose(v32, fn(y, p, reduction=reduction), rtol=1e-5)
        np.testing.assert_allclose(g32, grad(y, p, reduction=reduction), rtol=1e-5)
    # a float32 softmax of many classes sums to 1 only to float32 precision: accepted
    z = np.random.default_rng(5).normal(size=(3, 2000)).astype(np.float32)
    p32 = losslib.softmax(z)
    onehot = np.eye(2000, dtype=np.float32)[[0, 5, 7]]
    assert np.isfinite(fn(onehot, p32))


def test_rows_must_sum_to_one_within_1e_5():
    y = np.array([[0.2, 0.3, 0.5]])
    for name in ("categorical_cross_entropy", "kl_divergence"):
        fn = getattr(losslib, name)
        fn(y, np.array([[0.2, 0.3, 0.5 + 5e-6]]))  # the step of a finite difference: accepted
        _raises(
            ValueError,
            fn,
            y,
            np.array([[0.2, 0.3, 0.5001]]),
            fragments=("y_pred[0, :]", "sums to 1.0001", "must sum to 1", "class axis", "cross_entropy", "renormalise"),
        )


GOOD_Y = np.array([[1.0, 0.0, 0.0], [0.2, 0.3, 0.5]])
GOOD_P = np.array([[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]])

DISTRIBUTION_ERRORS = [
    # (y_true, y_pred, exception, fragments of the message)
    (GOOD_Y, np.array([[0.5, 0.25, 0.25], [0.1, 0.1, 1.1]]), ValueError, ("y_pred[1, 2]", "1.1", "probabilities")),
    (GOOD_Y, np.array([[0.5, 0.25, 0.25], [0.1, 0.4, 0.3]]), ValueError, ("y_pred[1, :]", "sums to 0.8")),
    (
        GOOD_Y,
        np.array([[2.0, -1.0, 0.5], [0.1, 0.1, 0.8]]),
        ValueError,
        ("y_pred[0, 0]", "2.0", "logits", "cross_entropy"),
    ),
    (np.array([0, 2]), GOOD_P, ValueError, ("integer class labels", "np.eye(3)[y_true]", "cross_entropy")),
    (np.array([[0.5, 0.0, 0.0], [0.2, 0.3, 0.5]]), GOOD_P, ValueError, ("y_true[0, :]", "sums to 0.5")),
    (np.array([[1.5, -0.5, 0.0], [0.2, 0.3, 0.5]]), GOOD_P, ValueError, ("y_true[0, 0]", "1.5")),
    (GOOD_Y[:1], GOOD_P, ValueError, ("shape (2, 3)", "shape (1, 3)")),
    (GOOD_Y.T, GOOD_P, ValueError, ("shape (2, 3)", "shape (3, 2)")),
    (1.0, 1.0, ValueError, ("class axis", "scalar")),
    (GOOD_Y, np.array([[0.5, np.nan, 0.25], [0.1, 0.1, 0.8]]), ValueError, ("y_pred", "NaN", "y_pred[0, 1]")),
    (np.array([[1.0, np.nan, 0.0], [0.2, 0.3, 0.5]]), GOOD_P, ValueError, ("y_true", "NaN")),
    (np.empty((0, 3)), np.empty((0, 3)), ValueError, ("empty",)),
    (GOOD_Y, np.full((2, 3), "a"), TypeError, ("y_pred", "real numbers")),
]


@pytest.mark.parametrize(
    "name", ["categorical_cross_entropy", "categorical_cross_entropy_grad", "kl_divergence", "kl_divergence_grad"]
)
@pytest.mark.parametrize(("y", "p", "exc", "fragments"), DISTRIBUTION_ERRORS)
def test_distribution_losses_refuse_bad_input(name, y, p, exc, fragments):
    _raises(exc, getattr(losslib, name), y, p, fragments=fragments)


@pytest.mark.parametrize("name", ["categorical_cross_entropy", "kl_divergence"])
def test_distribution_losses_refuse_bad_reductions(name):
    for bad in ("avg", None):
        _raises(
            ValueError,
            getattr(losslib, name),
            GOOD_Y,
            GOOD_P,
            reduction=bad,
            fragments=("reduction", repr(bad), "'mean'"),
        )
    if name == "kl_divergence":
        _raises(
            ValueError,
            losslib.kl_divergence,
            GOOD_Y,
            GOOD_P,
            reduction="batchmean",
            fragments=("'batchmean'", "PyTorch", "'mean' already averages over the examples"),
        )


# ==========================================================================
# KL divergence
# ==========================================================================


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_kl_of_a_distribution_from_itself_is_exactly_zero(reduction):
    rng = np.random.default_rng(6)
    p = rng.dirichlet(np.ones(5), size=(2, 3))
    p[0, 0] = [0.0, 0.5, 0.5, 0.0, 0.0]  # zeros in both: 0 log(0 / 0) = 0
    np.testing.assert_array_equal(
        losslib.kl_divergence(p, p.copy(), reduction=reduction), np.zeros((2, 3)) if reduction == "none" else 0.0
    )
    scale = 1 / 6 if reduction == "mean" else 1.0
    np.testing.assert_allclose(
        losslib.kl_divergence_grad(p, p.copy(), reduction=reduction), np.where(p > 0, -scale, 0.0), rtol=1e-15
    )


@pytest.mark.parametrize("shape", [(7,), (4, 5), (2, 3, 4)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_kl_is_scipy_rel_entr_summed_over_the_last_axis(shape, reduction):
    rng = np.random.default_rng([7, len(shape)])
    y = rng.dirichlet(np.full(shape[-1], 0.3), size=shape[:-1])
    y.reshape(-1, shape[-1])[0] = np.eye(shape[-1])[0]  # a one-hot row: 0 log 0 = 0
    p = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    per_item = sps.rel_entr(y, p).sum(axis=-1)
    # "mean" divides by the number of examples (for 3-D input, not by the first axis as batchmean)
    np.testing.assert_allclose(
        losslib.kl_divergence(y, p, reduction=reduction), _reduced(per_item, reduction), rtol=1e-12
    )


def test_kl_is_cross_entropy_minus_the_entropy_of_the_target():
    rng = np.random.default_rng(8)
    y, p = rng.dirichlet(np.ones(6), size=10), rng.dirichlet(np.ones(6), size=10)
    np.testing.assert_allclose(
        losslib.kl_divergence(y, p, reduction="none"),
        losslib.categorical_cross_entropy(y, p, reduction="none") - stats.entropy(y, axis=-1),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        losslib.kl_divergence_grad(y, p), losslib.categorical_cross_entropy_grad(y, p), rtol=1e-15
    )


def test_kl_with_zero_predicted_probabilities():
    y = np.array([[0.5, 0.5, 0.0], [0.0, 1.0, 0.0], [0.2, 0.3, 0.5]])
    p = np.array([[0.0, 0.5, 0.5], [0.0, 1.0, 0.0], [1e-300, 0.5, 0.5 - 1e-300]])
    expected = sps.rel_entr(y, p).sum(axis=-1)  # inf where p = 0 < y; 0 where y = 0 = p
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = losslib.kl_divergence(y, p, reduction="none")
        grad = losslib.kl_divergence_grad(y, p, reduction="sum")
    assert value[0] == np.inf and value[1] == 0.0
    np.testing.assert_allclose(value, expected, rtol=1e-14)
    np.testing.assert_array_equal(grad[:2], [[-np.inf, -1.0, 0.0], [0.0, -1.0, 0.0]])
    np.testing.assert_allclose(grad[2], [-0.2e300, -0.6, -1.0], rtol=1e-14)


def _kl_decimal(y: np.ndarray, p: np.ndarray) -> float:
    """KL of the given floats (exactly as stored), to 60 digits."""
    with localcontext() as ctx:
        ctx.prec = 60
        return float(sum(Decimal(a) * (Decimal(a) / Decimal(b)).ln() for a, b in zip(y, p) if a > 0))


@pytest.mark.parametrize("delta", [1e-2, 1e-4, 1e-6])
def test_kl_between_close_distributions_keeps_its_digits(delta):
    # KL ~ delta^2: a difference of logs (PyTorch's formula) has a relative error ~ 1e-16 / delta^2
    rng = np.random.default_rng([9, int(-np.log10(delta))])
    for _ in range(5):
        p = rng.dirichlet(np.ones(5))
        y = p * (1 + delta * rng.normal(size=5))
        y /= y.sum()
        exact = _kl_decimal(y, p)
        np.testing.assert_allclose(losslib.kl_divergence(y[None], p[None]), exact, rtol=50 * 1e-16 / delta)


# ==========================================================================
# Focal loss
# ==========================================================================


def _focal_decimal(y: float, x: float, alpha: float, gamma: float) -> tuple[float, float]:
    """Value and derivative of the focal loss at one (target, logit), to 80 digits."""
    with localcontext() as ctx:
        ctx.prec = 80
        X, Y, G = Decimal(x), Decimal(y), Decimal(gamma)

        def log1p(t):  # ln(1 + t), also for t far below the precision
            return t - t * t / 2 + t * t * t / 3 if t < Decimal("1e-25") else (1 + t).ln()

        ex, emx = X.exp(), (-X).exp()
        p, q = 1 / (1 + emx), 1 / (1 + ex)  # sigma(x), sigma(-x) = 1 - p, without cancellation
        log_p, log_q = -log1p(emx), -log1p(ex)
        m = Y * q + (1 - Y) * p  # 1 - p_t
        ce = -(Y * log_p + (1 - Y) * log_q)
        a_t = Decimal(1) if alpha < 0 else Decimal(alpha) * Y + (1 - Decimal(alpha)) * (1 - Y)
        mg = (G * m.ln()).exp() if m > 0 else Decimal(0)
        value = a_t * mg * ce
        grad = a_t * mg * (G * (1 - 2 * Y) * (p * q / m) * ce + (p - Y))
        return float(value), float(grad)


FOCAL_OPTIONS = [
    {},
    {"alpha": -1.0},
    {"alpha": 0.0, "gamma": 0.5},
    {"alpha": 1.0, "gamma": 1.0},
    {"alpha": 0.6, "gamma": 3.7},
    {"alpha": -0.5, "gamma": 0.0},
]


@pytest.mark.parametrize("soft", [False, True])
@pytest.mark.parametrize("shape", [(7,), (3, 4)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_focal_at_gamma_zero_without_weights_is_bce_with_logits(soft, shape, reduction):
    rng = np.random.default_rng([10, len(shape), soft])
    y = rng.uniform(size=shape) if soft else rng.integers(0, 2, size=shape).astype(float)
    x = np.concatenate([[-1e4, -745.5, -50.0, 0.0, 50.0, 1e4], 3.0 * rng.normal(size=max(1, np.prod(shape) - 6))])
    x = x[: np.prod(shape)].reshape(shape)
    for alpha in (-1.0, -0.25):
        np.testing.assert_allclose(
            losslib.focal(y, x, alpha=alpha, gamma=0.0, reduction=reduction),
            losslib.binary_cross_entropy_with_logits(y, x, reduction=reduction),
            rtol=1e-14,
            atol=1e-300,
        )
        np.testing.assert_allclose(
            losslib.focal_grad(y, x, alpha=alpha, gamma=0.0, reduction=reduction),
            losslib.binary_cross_entropy_with_logits_grad(y, x, reduction=reduction),
            rtol=1e-14,
            atol=1e-300,
        )


@pytest.mark.parametrize("alpha", [0.0, 0.25, 0.9, 1.0])
def test_focal_at_gamma_zero_is_bce_with_logits_weighted_by_alpha_t(alpha):
    rng = np.random.default_rng(11)
    y, x = rng.uniform(size=8), 4.0 * rng.normal(size=8)
    alpha_t = alpha * y + (1 - alpha) * (1 - y)
    for reduction in REDUCTIONS:
        np.testing.assert_allclose(
            losslib.focal(y, x, alpha=alpha, gamma=0.0, reduction=reduction),
            losslib.binary_cross_entropy_with_logits(y, x, weight=alpha_t, reduction=reduction),
            rtol=1e-14,
        )
        np.testing.assert_allclose(
            losslib.focal_grad(y, x, alpha=alpha, gamma=0.0, reduction=reduction),
            losslib.binary_cross_entropy_with_logits_grad(y, x, weight=alpha_t, reduction=reduction),
            rtol=1e-14,
            atol=1e-300,
        )


FOCAL_LOGITS = [
    -1e4,
    -745.0,
    -100.0,
    -50.0,
    -37.0,
    -20.0,
    -10.0,
    -1.5,
    0.0,
    0.3,
    4.0,
    10.0,
    20.0,
    37.0,
    50.0,
    100.0,
    745.0,
    1e4,
]


@pytest.mark.parametrize(("alpha", "gamma"), [(0.25, 2.0), (-1.0, 0.5), (0.7, 3.7), (-1.0, 1.0)])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_focal_equals_the_60_digit_closed_form_at_every_logit(alpha, gamma, y):
    # where torchvision rounds 1 - p_t to 0 (|x| > 37) or loses digits (|x| > 10), and where its
    # gradient is NaN (gamma < 1)
    x = np.array(FOCAL_LOGITS)
    yy = np.full_like(x, y)
    exact = np.array([_focal_decimal(y, xi, alpha, gamma) for xi in x])
    value = losslib.focal(yy, x, alpha=alpha, gamma=gamma, reduction="none")
    grad = losslib.focal_grad(yy, x, alpha=alpha, gamma=gamma, reduction="sum")
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(value, exact[:, 0], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(grad, exact[:, 1], rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize(("dtype", "big"), [(np.float64, 1e4), (np.float32, 80.0)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_focal_closed_forms_at_extreme_logits(dtype, big, reduction):
    # alpha = 0.25, gamma = 2. y = 1, x = -big: alpha * big, slope -alpha; y = 0, x = big: 0.75 big,
    # slope 0.75; y = 1, x = big: e^(-3 big) ~ 0; y = 1/2: alpha_t = 1/2, 1 - p_t = 1/2, so
    # (1/2)(1/4)(big/2) = big / 16 with slope (1/2)(1/4)(p - 1/2) = +-1/16.
    x = np.array([-big, big, big, -big, big], dtype=dtype)
    y = np.array([1.0, 0.0, 1.0, 0.5, 0.5], dtype=dtype)
    per_item = np.array([0.25 * big, 0.75 * big, 0.0, big / 16, big / 16])
    slope = np.array([-0.25, 0.75, 0.0, -1 / 16, 1 / 16])
    value = losslib.focal(y, x, reduction=reduction)
    grad = losslib.focal_grad(y, x, reduction=reduction)
    assert np.asarray(value).dtype == dtype and grad.dtype == dtype
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    expected = {"none": per_item, "sum": per_item.sum(), "mean": per_item.mean()}[reduction]
    np.testing.assert_allclose(value, expected, rtol=rtol, atol=0)
    np.testing.assert_allclose(grad, slope / (x.size if reduction == "mean" else 1), rtol=rtol, atol=0)


@pytest.mark.parametrize("options", FOCAL_OPTIONS, ids=lambda o: "-".join(f"{k}{v}" for k, v in o.items()) or "default")
@pytest.mark.parametrize("soft", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_focal_matches_finite_differences(options, soft, reduction):
    rng = np.random.default_rng([12, soft, len(options)])
    shape = (3, 4)
    y = rng.uniform(size=shape) if soft else rng.integers(0, 2, size=shape).astype(float)
    _assert_fd("focal", y, 3.0 * rng.normal(size=shape), reduction, **options)


@pytest.mark.parametrize("options", FOCAL_OPTIONS, ids=lambda o: "-".join(f"{k}{v}" for k, v in o.items()) or "default")
def test_focal_in_float32(options):
    rng = np.random.default_rng(13)
    y, x = rng.uniform(size=(4, 5)), 3.0 * rng.normal(size=(4, 5))
    for reduction in REDUCTIONS:
        v32 = losslib.focal(y, x.astype(np.float32), reduction=reduction, **options)
        g32 = losslib.focal_grad(y, x.astype(np.float32), reduction=reduction, **options)
        assert np.asarray(v32).dtype == np.float32 and g32.dtype == np.float32
        np.testing.assert_allclose(v32, losslib.focal(y, x, reduction=reduction, **options), rtol=2e-5, atol=1e-7)
        np.testing.assert_allclose(g32, losslib.focal_grad(y, x, reduction=reduction, **options), rtol=2e-5, atol=1e-7)


def _expected_focal(q, x, alpha):
    """E_{y ~ Bernoulli(q)} focal(y, x), for many logits x."""
    ones, zeros = np.ones_like(x), np.zeros_like(x)
    return q * losslib.focal(ones, x, alpha=alpha, reduction="none") + (1 - q) * losslib.focal(
        zeros, x, alpha=alpha, reduction="none"
    )


def test_focal_is_neither_convex_nor_proper():
    # concave on the wrong side: y = 0, around x = 3.85 (gamma = 2)
    f = lambda x: float(losslib.focal([0.0], [x], reduction="sum"))  # noqa: E731
    assert f(3.85) > (f(3.35) + f(4.35)) / 2
    # the expected loss under q is minimised elsewhere than at q (see the docstring's numbers)
    x = np.linspace(-6, 6, 120001)
    for q, alpha, best in ((0.9, -1.0, 0.6942), (0.7, 0.25, 0.4765)):
        p_best = sps.expit(x[np.argmin(_expected_focal(q, x, alpha))])
        assert abs(p_best - best) < 1e-3


FOCAL_ERRORS = [
    ({"alpha": 1.5}, ValueError, ("alpha", "1.5", "[0, 1]", "negative")),
    ({"alpha": np.nan}, ValueError, ("alpha", "nan")),
    ({"alpha": "0.25"}, TypeError, ("alpha", "'0.25'")),
    ({"alpha": True}, TypeError, ("alpha", "True")),
    ({"gamma": -1.0}, ValueError, ("gamma", "-1.0", ">= 0")),
    ({"gamma": np.inf}, ValueError, ("gamma", "inf")),
    ({"gamma": [2.0]}, TypeError, ("gamma", "[2.0]")),
    ({"reduction": "batchmean"}, ValueError, ("reduction", "'batchmean'")),
]


@pytest.mark.parametrize("name", ["focal", "focal_grad"])
@pytest.mark.parametrize(("options", "exc", "fragments"), FOCAL_ERRORS)
def test_focal_refuses_bad_options(name, options, exc, fragments):
    _raises(exc, getattr(losslib, name), [1.0, 0.0], [0.5, -0.5], fragments=fragments, **options)


@pytest.mark.parametrize("name", ["focal", "focal_grad"])
@pytest.mark.parametrize(
    ("y", "x", "exc", "fragments"),
    [
        ([1.0, 0.0], [0.5, np.inf], ValueError, ("y_pred[1]", "inf", "finite")),
        ([1.0, 0.0], [0.5, np.nan], ValueError, ("y_pred", "NaN")),
        ([1.0, 2.0], [0.5, 0.5], ValueError, ("y_true[1]", "2.0", "[0, 1]")),
        ([1.0, 0.0], [[0.5, 0.5]], ValueError, ("shape (1, 2)", "shape (2,)", "reshape")),
        ([], [], ValueError, ("empty",)),
    ],
)
def test_focal_refuses_bad_input(name, y, x, exc, fragments):
    _raises(exc, getattr(losslib, name), np.array(y), np.array(x), fragments=fragments)


# ==========================================================================
# Hinge, squared hinge, exponential: labels -1/+1 and scores
# ==========================================================================


def _signs_and_scores(rng, shape):
    y = rng.choice([-1.0, 1.0], size=shape)
    return y, 2.0 * rng.normal(size=shape)


SIGN_CLOSED_FORMS = {
    # name -> (loss per element, gradient per element) of the margin, numpy written out
    "hinge": (lambda y, s: np.maximum(0.0, 1.0 - y * s), lambda y, s: np.where(y * s < 1, -y, 0.0)),
    "squared_hinge": (lambda y, s: np.maximum(0.0, 1.0 - y * s) ** 2, lambda y, s: -2 * y * np.maximum(0.0, 1 - y * s)),
    "exponential": (lambda y, s: np.exp(-y * s), lambda y, s: -y * np.exp(-y * s)),
}


@pytest.mark.parametrize("name", sorted(SIGN_CLOSED_FORMS))
@pytest.mark.parametrize("shape", [(9,), (3, 4), (2, 3, 2)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_losses_are_their_closed_forms(name, shape, reduction):
    y, s = _signs_and_scores(np.random.default_rng([14, len(shape)]), shape)
    s.flat[0] = y.flat[0]  # one example exactly at the hinge, y s = 1
    loss, grad = SIGN_CLOSED_FORMS[name]
    per_item = loss(y, s)
    np.testing.assert_allclose(
        getattr(losslib, name)(y, s, reduction=reduction), _reduced(per_item, reduction), rtol=1e-15
    )
    scale = 1 / y.size if reduction == "mean" else 1.0
    np.testing.assert_allclose(
        getattr(losslib, name + "_grad")(y, s, reduction=reduction), grad(y, s) * scale, rtol=1e-15
    )


@pytest.mark.parametrize("name", sorted(SIGN_CLOSED_FORMS))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_losses_match_finite_differences_away_from_the_hinge(name, reduction):
    inputs = losslib.LOSSES[name].example(np.random.default_rng([15, len(name)]), n=12)
    y, s = inputs["y_true"], inputs["y_pred"]
    assert np.all(np.abs(y * s - 1) >= 0.1)
    _assert_fd(name, y, s, reduction)


def test_hinge_subgradient_at_the_kink_is_zero_and_in_the_subdifferential():
    y = np.array([1.0, -1.0])
    s = y.copy()  # margins exactly 1
    g = losslib.hinge_grad(y, s, reduction="sum")
    np.testing.assert_array_equal(g, [0.0, 0.0])
    for i in range(2):
        e = np.eye(2)[i]
        left = (losslib.hinge(y, s, reduction="sum") - losslib.hinge(y, s - 1e-7 * e, reduction="sum")) / 1e-7
        right = (losslib.hinge(y, s + 1e-7 * e, reduction="sum") - losslib.hinge(y, s, reduction="sum")) / 1e-7
        assert min(left, right) - 1e-9 <= g[i] <= max(left, right) + 1e-9 and abs(right - left) > 0.9


def test_squared_hinge_is_differentiable_at_the_hinge_and_the_square_of_hinge():
    rng = np.random.default_rng(16)
    y, s = _signs_and_scores(rng, (20,))
    np.testing.assert_allclose(
        losslib.squared_hinge(y, s, reduction="none"), losslib.hinge(y, s, reduction="none") ** 2, rtol=1e-15
    )
    np.testing.assert_allclose(
        losslib.squared_hinge_grad(y, s, reduction="none"),
        2 * losslib.hinge(y, s, reduction="none") * losslib.hinge_grad(y, s, reduction="none"),
        rtol=1e-15,
    )
    # exactly at the hinge: the gradient is 0 and both one-sided slopes shrink to 0 with the step
    y = np.array([1.0, -1.0])
    np.testing.assert_array_equal(losslib.squared_hinge_grad(y, y.copy(), reduction="sum"), [0.0, 0.0])
    for h in (1e-3, 1e-5):
        for i in range(2):
            for step in (h, -h):
                s = y.copy()
                s[i] += step
                slope = float(losslib.squared_hinge(y, s, reduction="sum")) / step
                assert abs(slope) <= 1.01 * h


def test_exponential_overflows_only_where_the_true_value_exceeds_the_largest_float():
    y = np.array([1.0, -1.0, 1.0, -1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v64 = losslib.exponential(y, np.array([-709.0, 709.0, -710.0, 710.0]), reduction="none")
        g64 = losslib.exponential_grad(y, np.array([-709.0, 709.0, -710.0, 710.0]), reduction="none")
        v32 = losslib.exponential(
            y.astype(np.float32), np.array([-88.0, 88.0, -89.0, 89.0], np.float32), reduction="none"
        )
        v80 = losslib.exponential(
            y.astype(np.float32), np.array([-80.0, 80.0, 80.0, -80.0], np.float32), reduction="none"
        )
    np.testing.assert_allclose(v64[:2], np.exp(709.0), rtol=1e-15)
    np.testing.assert_array_equal(v64[2:], np.inf)
    np.testing.assert_array_equal(g64, [-np.exp(709.0), np.exp(709.0), -np.inf, np.inf])
    assert v32.dtype == np.float32 and np.all(np.isfinite(v32[:2])) and np.all(np.isinf(v32[2:]))
    np.testing.assert_allclose(v80, [np.exp(80.0), np.exp(80.0), np.exp(-80.0), np.exp(-80.0)], rtol=1e-6)


@pytest.mark.parametrize("name", sorted(SIGN_CLOSED_FORMS))
def test_margin_losses_in_float32_and_with_integer_labels(name):
    y, s = _signs_and_scores(np.random.default_rng(17), (3, 4))
    fn, grad = getattr(losslib, name), getattr(losslib, name + "_grad")
    for reduction in REDUCTIONS:
        v32, g32 = fn(y, s.astype(np.float32), reduction=reduction), grad(y, s.astype(np.float32), reduction=reduction)
        assert np.asarray(v32).dtype == np.float32 and g32.dtype == np.float32
        np.testing.assert_allclose(v32, fn(y, s, reduction=reduction), rtol=1e-6)
        np.testing.assert_allclose(g32, grad(y, s, reduction=reduction), rtol=1e-6, atol=1e-7)
        np.testing.assert_array_equal(fn(y.astype(int), s, reduction=reduction), fn(y, s, reduction=reduction))


SIGN_ERRORS = [
    ([0.0, 1.0, 1.0], [0.5, 0.5, 0.5], ValueError, ("0/1 labels", "y_true[0]", "2 * y_true - 1")),
    ([True, False, True], [0.5, 0.5, 0.5], ValueError, ("0/1 labels", "2 * y_true - 1")),
    ([1.0, 2.0, -1.0], [0.5, 0.5, 0.5], ValueError, ("-1 and +1", "y_true[1] = 2.0")),
    ([1.0, 0.5, -1.0], [0.5, 0.5, 0.5], ValueError, ("-1 and +1", "y_true[1] = 0.5")),
    ([1.0, -1.0, 1.0], [0.5, -np.inf, 0.5], ValueError, ("y_pred[1]", "-inf", "finite")),
    ([1.0, -1.0, 1.0], [0.5, np.nan, 0.5], ValueError, ("y_pred", "NaN")),
    ([1.0, -1.0], [0.5, 0.5, 0.5], ValueError, ("shape (3,)", "shape (2,)")),
    ([], [], ValueError, ("empty",)),
    (["a", "b", "c"], [0.5, 0.5, 0.5], TypeError, ("y_true",)),
]


@pytest.mark.parametrize("name", [n + g for n in SIGN_CLOSED_FORMS for g in ("", "_grad")])
@pytest.mark.parametrize(("y", "s", "exc", "fragments"), SIGN_ERRORS)
def test_margin_losses_refuse_bad_input(name, y, s, exc, fragments):
    _raises(exc, getattr(losslib, name), np.array(y), np.array(s), fragments=fragments)


# ==========================================================================
# Multiclass hinge (Crammer-Singer)
# ==========================================================================


def _crammer_singer(labels, s):
    """Per-example loss, with the best wrong score found by a Python loop."""
    flat_s, flat_y = s.reshape(-1, s.shape[-1]), labels.reshape(-1)
    out = [max(0.0, 1 + max(v for j, v in enumerate(row) if j != k) - row[k]) for row, k in zip(flat_s, flat_y)]
    return np.array(out).reshape(labels.shape)


@pytest.mark.parametrize("shape", [(8, 2), (6, 5), (2, 3, 4), (3,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multiclass_hinge_is_crammer_singer(shape, reduction):
    rng = np.random.default_rng([18, len(shape), shape[-1]])
    s, labels = 1.5 * rng.normal(size=shape), rng.integers(0, shape[-1], size=shape[:-1])
    np.testing.assert_allclose(
        losslib.multiclass_hinge(labels, s, reduction=reduction),
        _reduced(_crammer_singer(labels, s), reduction),
        rtol=1e-15,
    )


def test_two_class_multiclass_hinge_is_hinge_of_the_score_difference():
    rng = np.random.default_rng(19)
    s, labels = 2.0 * rng.normal(size=(10, 2)), rng.integers(0, 2, size=10)
    sign, diff = 2.0 * labels - 1, s[:, 1] - s[:, 0]
    for reduction in REDUCTIONS:
        np.testing.assert_allclose(
            losslib.multiclass_hinge(labels, s, reduction=reduction),
            losslib.hinge(sign, diff, reduction=reduction),
            rtol=1e-15,
        )
        g = losslib.multiclass_hinge_grad(labels, s, reduction=reduction)
        h = losslib.hinge_grad(sign, diff, reduction=reduction)
        np.testing.assert_allclose(g, np.stack([-h, h], axis=-1), rtol=1e-15)


def test_multiclass_hinge_subgradients_at_ties_and_kinks():
    s = np.array(
        [
            [2.0, 1.0, 1.0, 0.0],  # label 0, margin exactly 1: loss 0, gradient 0
            [3.0, 3.0, -1.0, 0.0],  # label 2, two best wrong classes tie: 1/2 each
            [0.5, 0.5, 0.5, 0.5],  # label 1, three tie: 1/3 each
            [0.2, 0.9, 0.8, 0.7],  # label 0: only the best wrong class, not all violators
        ]
    )
    labels = np.array([0, 2, 1, 0])
    np.testing.assert_allclose(losslib.multiclass_hinge(labels, s, reduction="none"), [0.0, 5.0, 1.0, 1.7], rtol=1e-15)
    third = 1 / 3
    np.testing.assert_allclose(
        losslib.multiclass_hinge_grad(labels, s, reduction="sum"),
        [[0, 0, 0, 0], [0.5, 0.5, -1, 0], [third, -1, third, third], [-1, 1, 0, 0]],
        rtol=1e-15,
    )
    # each is a subgradient of the convex loss: f(s + h d) >= f(s) + h g.d in every direction
    g = losslib.multiclass_hinge_grad(labels, s, reduction="sum")
    f0 = losslib.multiclass_hinge(labels, s, reduction="sum")
    for d in np.random.default_rng(20).normal(size=(200, *s.shape)):
        assert losslib.multiclass_hinge(labels, s + 1e-6 * d, reduction="sum") >= f0 + 1e-6 * np.sum(g * d) - 1e-15


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multiclass_hinge_matches_finite_differences_away_from_kinks(reduction):
    inputs = losslib.LOSSES["multiclass_hinge"].example(np.random.default_rng(21), n=8)
    _assert_fd("multiclass_hinge", inputs["y_true"], inputs["y_pred"], reduction)


def test_multiclass_hinge_in_float32_and_at_extreme_scores():
    s = np.array([[1e4, -1e4, 0.0, 5e3], [1e4, -1e4, 0.0, 5e3], [-1e4, -1e4 + 0.5, -1e4, -1e4 + 2.0]])
    labels = np.array([1, 0, 3])
    np.testing.assert_allclose(losslib.multiclass_hinge(labels, s, reduction="none"), [20001.0, 0.0, 0.0], rtol=1e-15)
    v32 = losslib.multiclass_hinge(labels, s.astype(np.float32), reduction="none")
    g32 = losslib.multiclass_hinge_grad(labels, s.astype(np.float32))
    assert v32.dtype == np.float32 and g32.dtype == np.float32
    np.testing.assert_allclose(v32, [20001.0, 0.0, 0.0])
    np.testing.assert_allclose(g32, [[1 / 3, -1 / 3, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], rtol=1e-7)


MULTICLASS_ERRORS = [
    (np.array([[1.0, 0.0, 0.0]]), np.zeros((1, 3)), TypeError, ("integer class labels", "y_true.argmax(-1)")),
    (np.array([1.0, 2.0]), np.zeros((2, 3)), TypeError, ("integer class labels", ".astype(int)")),
    (np.array([0, 3]), np.zeros((2, 3)), ValueError, ("label 3", "y_true[1]", "[0, 2]")),
    (np.array([0, -1]), np.zeros((2, 3)), ValueError, ("label -1", "[0, 2]")),
    (np.array([0, 1, 2]), np.zeros((2, 3)), ValueError, ("shape (3,)", "shape (2, 3)", "(2,)")),
    (np.array([0, 0]), np.zeros((2, 1)), ValueError, ("at least 2 classes",)),
    (np.array(0), np.array(1.5), ValueError, ("class axis", "scalar", "hinge")),
    (np.array([0, 1]), np.array([[0.0, np.inf, 1.0], [0.0, 1.0, 2.0]]), ValueError, ("y_pred[0, 1]", "finite")),
    (np.array([0, 1]), np.array([[0.0, np.nan, 1.0], [0.0, 1.0, 2.0]]), ValueError, ("y_pred", "NaN")),
    (np.array([], dtype=int), np.empty((0, 3)), ValueError, ("empty",)),
]


@pytest.mark.parametrize("name", ["multiclass_hinge", "multiclass_hinge_grad"])
@pytest.mark.parametrize(("y", "s", "exc", "fragments"), MULTICLASS_ERRORS)
def test_multiclass_hinge_refuses_bad_input(name, y, s, exc, fragments):
    _raises(exc, getattr(losslib, name), y, s, fragments=fragments)


# ==========================================================================
# Registry entries
# ==========================================================================

CLAIMS = {
    # name: (prediction, target, distribution, convex, differentiable, robust, proper, oracle, reference)
    "categorical_cross_entropy": (
        "probability",
        "distribution",
        "Categorical",
        True,
        True,
        None,
        True,
        "torch",
        "good1952rational",
    ),
    "kl_divergence": ("probability", "distribution", None, True, True, None, True, "torch", "kullback1951information"),
    "focal": ("logit", "binary", None, False, True, None, False, "torch", "lin2017focal"),
    "hinge": ("score", "sign", None, True, False, None, None, "sklearn", "cortes1995support"),
    "squared_hinge": ("score", "sign", None, True, True, None, None, "closed form", "cortes1995support"),
    "multiclass_hinge": ("score", "class", None, True, False, None, None, "sklearn", "crammer2001algorithmic"),
    "exponential": ("score", "sign", None, True, True, None, None, "closed form", "freund1997decision"),
}


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_registry_entries_say_what_the_tests_show(name):
    info = losslib.LOSSES[name]
    got = (
        info.prediction,
        info.target,
        info.distribution,
        info.convex,
        info.differentiable,
        info.robust,
        info.proper,
        info.oracle,
        info.reference,
    )
    assert got == CLAIMS[name]
    assert info.family == "classification" and info.args == ("y_true", "y_pred") and info.grad_wrt == ("y_pred",)
    assert getattr(losslib, name) is info.loss and getattr(losslib, name + "_grad") is info.grad


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_example_inputs_are_valid_and_away_from_kinks(name):
    info = losslib.LOSSES[name]
    for n in (1, 5):
        inputs = info.example(np.random.default_rng(22), n=n)
        y, p = inputs["y_true"], inputs["y_pred"]
        assert p.dtype == np.float64 and p.shape[0] == n
        assert np.all(np.isfinite(info.loss(y_true=y, y_pred=p, reduction="none")))
        if info.target == "sign":
            assert np.all(np.abs(y * p - 1) >= 0.1)
        if info.target == "distribution":
            assert p.min() >= 0.02 and np.allclose(p.sum(-1), 1, atol=1e-12) and np.allclose(y.sum(-1), 1, atol=1e-12)
        if name == "multiclass_hinge":
            slack = 1 + np.where(np.eye(p.shape[-1])[y] > 0, -np.inf, p).max(-1) - p[np.arange(n), y]
            assert np.all(np.abs(slack) >= 0.1) and np.all(np.diff(np.sort(p, axis=-1), axis=-1) > 0.1)
