"""Chapter 8's losses: Barron's general loss, GCE and SCE, CosFace and ArcFace, CLIP's loss, LSGAN.

Oracles independent of losslib's code: closed forms at the special shapes of Barron's loss, the
naive formula in long double away from its 0/0 points, identities with the losses they
generalise (cross-entropy, MAE on probabilities, pseudo-Huber, InfoNCE), ``arccos`` in long
double. PyTorch's values (and mpmath's for Barron's loss) are in ``tests/data/reference_practice_torch.json``
and ``reference_adaptive_mpmath.json``, checked by ``test_losslib_oracle.py``; finite differences,
float32, the fuzz and the registry claims come from the registry-wide tests.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sps

import losslib
from losslib import _kernels

EPS = np.finfo(np.float64).eps
X = np.array([0.0, 1e-5, -0.3, 1.0, -2.5, 7.0, -40.0, 1e3])


def barron(x, alpha, **kw):
    """Barron's loss of the residuals x (scale 1), elementwise."""
    return losslib.barron_loss(np.zeros_like(x), x, alpha=alpha, scale=1.0, reduction="none", **kw)


def barron_grad(x, alpha):
    return losslib.barron_loss_grad(np.zeros_like(x), x, alpha=np.full_like(x, alpha), scale=1.0, reduction="none")


# ==========================================================================
# Barron's general robust loss
# ==========================================================================


@pytest.mark.parametrize(
    ("alpha", "rho", "psi"),
    [
        (2.0, lambda x: x**2 / 2, lambda x: x),
        (0.0, lambda x: np.log1p(x**2 / 2), lambda x: x / (1 + x**2 / 2)),
        (-np.inf, lambda x: -np.expm1(-(x**2) / 2), lambda x: x * np.exp(-(x**2) / 2)),
        (1.0, lambda x: x**2 / (np.hypot(x, 1) + 1), lambda x: x / np.hypot(x, 1)),
        (-2.0, lambda x: 2 * x**2 / (x**2 + 4), lambda x: 16 * x / (x**2 + 4) ** 2),
    ],
    ids=["L2", "Cauchy", "Welsch", "pseudo-Huber", "Geman-McClure"],
)
def test_barron_special_shapes_are_the_robust_losses_of_chapter_2(alpha, rho, psi):
    x = X[np.abs(X) < 100] if alpha == -np.inf else X
    # a few ulps, and eps times the exponent |(alpha/2 - 1) log(1 + x^2/b)| that the gradient exponentiates
    np.testing.assert_allclose(barron(x, alpha), rho(x), rtol=4 * EPS, atol=1e-300)
    np.testing.assert_allclose(barron_grad(x, alpha).y_pred, psi(x), rtol=16 * EPS, atol=1e-300)


def test_barron_infinite_alpha_and_pseudo_huber_with_a_scale():
    x = np.array([0.0, 0.5, -3.0, 10.0])
    np.testing.assert_allclose(barron(x, np.inf), np.expm1(x**2 / 2), rtol=4 * EPS)
    np.testing.assert_allclose(barron_grad(x, np.inf).alpha, 0.0, atol=0)
    np.testing.assert_allclose(barron_grad(x, -np.inf).alpha, 0.0, atol=0)
    y, p, delta = np.array([0.0, 1.0, -2.0]), np.array([0.3, -4.0, 5.0]), 0.7
    np.testing.assert_allclose(
        delta**2 * losslib.barron_loss(y, p, alpha=1.0, scale=delta, reduction="none"),
        losslib.pseudo_huber(y, p, delta=delta, reduction="none"),
        rtol=1e-14,
    )


def _naive_long_double(x, alpha):
    """The definition in long double: exact enough away from alpha = 0 and 2 (|alpha|, |alpha - 2| > 0.05)."""
    x, a = np.longdouble(x), np.longdouble(alpha)
    b, s = abs(a - 2), np.sign(a - 2)
    u = x * x / b
    e = (1 + u) ** (a / 2)
    rho = b / a * (e - 1)
    g_alpha = 2 * s * (e - 1) / a**2 + e * (b * np.log1p(u) / (2 * a) - s * u / (2 * (1 + u)))
    return rho, x * (1 + u) ** (a / 2 - 1), g_alpha


@pytest.mark.parametrize("alpha", [-30.0, -2.5, -0.7, 0.3, 0.9, 1.4, 1.9, 2.1, 2.8, 6.0])
def test_barron_matches_the_definition_in_long_double(alpha):
    x = np.array([0.2, -0.9, 1.7, 4.0, -15.0, 120.0])  # residuals where the closed forms do not cancel
    rho, psi, g_alpha = _naive_long_double(x, alpha)
    grads = barron_grad(x, alpha)
    np.testing.assert_allclose(barron(x, alpha), rho.astype(float), rtol=1e-14)
    np.testing.assert_allclose(grads.y_pred, psi.astype(float), rtol=1e-14)
    np.testing.assert_allclose(grads.alpha, g_alpha.astype(float), rtol=1e-11)


NEAR = np.logspace(-16, -1, 121)


@pytest.mark.parametrize("centre", [0.0, 2.0])
def test_barron_is_continuous_and_monotone_in_alpha_through_0_and_2(centre):
    """No cliff: on a dense grid of alphas around 0 and 2 (and at them), rho is non-decreasing in alpha
    (Barron's loss is monotone in its shape), and each step is bounded by the derivative in alpha
    that the gradient returns at its ends (the derivative is monotone on each side of the step)."""
    alphas = np.unique(np.concatenate([centre - NEAR, [centre], centre + NEAR]))
    for x in (1e-4, 0.3, 1.0, 3.0, 50.0):
        xs = np.full_like(alphas, x)
        rho = losslib.barron_loss(np.zeros_like(xs), xs, alpha=alphas, scale=1.0, reduction="none")
        g = losslib.barron_loss_grad(np.zeros_like(xs), xs, alpha=alphas, scale=1.0, reduction="none").alpha
        assert np.all(np.isfinite(rho))
        assert np.all(g[alphas != 2] >= 0) and np.all(np.isfinite(g[alphas != 2]))
        step = np.diff(rho)
        slack = 4 * EPS * np.abs(rho[1:])
        assert np.all(step >= -slack), f"x={x}: rho decreases in alpha by {step.min()}"
        bound = np.maximum(g[:-1], g[1:]) * np.diff(alphas)
        finite = np.isfinite(bound)
        assert np.all(step[finite] <= 1.001 * bound[finite] + slack[finite]), f"x={x}: a jump in rho near {centre}"


def test_barron_alpha_gradient_has_a_vertical_tangent_at_2():
    """Near 2, rho moves like -x^2/4 (alpha - 2) log|alpha - 2|: the one-sided slopes grow without bound."""
    x = np.array([3.0])
    assert barron_grad(x, 2.0).alpha[0] == np.inf and barron_grad(np.zeros(1), 2.0).alpha[0] == 0.0
    slopes = []
    for h in (1e-2, 1e-4, 1e-6, 1e-8):
        left = (barron(x, 2.0) - barron(x, 2.0 - h))[0] / h
        right = (barron(x, 2.0 + h) - barron(x, 2.0))[0] / h
        assert abs(left - right) < 0.05 * abs(left)  # no kink: the same slope on both sides
        slopes.append(right)
    assert np.all(np.diff(slopes) > 0.95 * 9 / 4 * np.log(100))  # each step adds (x^2 / 4) log 100
    a0, h = 2 - 1e-4, 1e-7  # the returned derivative near 2 is the slope there
    np.testing.assert_allclose(barron_grad(x, a0).alpha, (barron(x, a0 + h) - barron(x, a0 - h)) / (2 * h), rtol=1e-6)


def test_barron_huge_residuals_and_the_bound_for_negative_alpha():
    x = np.array([1e8, -1e150, 1e300])
    np.testing.assert_allclose(barron(x, -2.0), 2.0, rtol=1e-15)  # the bound |alpha - 2| / |alpha|
    np.testing.assert_allclose(barron(x, -np.inf), 1.0, rtol=0)
    np.testing.assert_allclose(barron(x, 0.0), np.log(0.5) + 2 * np.log(np.abs(x)), rtol=1e-15)
    g = barron_grad(x, -2.0)
    assert np.all(np.isfinite(g.y_pred)) and np.all(np.abs(g.y_pred) < 1e-7)
    np.testing.assert_allclose(g.alpha[1:], 2 / 4.0, rtol=1e-15)  # the limit 2 / alpha^2
    psi = barron_grad(x, 1.0).y_pred  # pseudo-Huber: |psi| -> 1
    # to eps times the exponent ~ log(1 + x^2) < 1400 that the gradient exponentiates
    np.testing.assert_allclose(np.abs(psi), 1.0, rtol=1400 * EPS)


def test_barron_broadcasts_alpha_and_scale_and_sums_the_alpha_gradient():
    rng = np.random.default_rng(3)
    y, p = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    alpha = np.array([[-1.0, 0.5, 1.5]])
    full = losslib.barron_loss_grad(y, p, alpha=np.broadcast_to(alpha, (4, 3)).copy(), scale=2.0, reduction="sum")
    g = losslib.barron_loss_grad(y, p, alpha=alpha, scale=2.0, reduction="sum")
    assert g.alpha.shape == (1, 3) and g.y_pred.shape == (4, 3)
    np.testing.assert_allclose(g.alpha, full.alpha.sum(axis=0, keepdims=True), rtol=1e-15)
    scalar = losslib.barron_loss_grad(y, p, alpha=0.5, scale=np.full((4, 1), 2.0))
    assert scalar.alpha.shape == ()
    np.testing.assert_allclose(
        scalar.alpha, losslib.barron_loss_grad(y, p, alpha=np.full((4, 3), 0.5), scale=2.0).alpha.sum(), rtol=1e-14
    )
    inf_scale = losslib.barron_loss_grad(y, p, alpha=alpha, scale=np.inf, reduction="none")
    assert np.all(inf_scale.y_pred == 0) and np.all(inf_scale.alpha == 0)


def test_barron_float32_in_float32_out():
    y, p = np.zeros(4, np.float32), np.array([0.5, -3.0, 40.0, 1e30], np.float32)
    value = losslib.barron_loss(y, p, alpha=np.float32(0.5), scale=np.float32(1.0))
    g = losslib.barron_loss_grad(y, p, alpha=np.full(4, 0.5, np.float32), scale=np.float32(1.0))
    assert value.dtype == np.float32 and g.y_pred.dtype == np.float32 and g.alpha.dtype == np.float32
    assert np.isfinite(value) and np.all(np.isfinite(g.y_pred)) and np.all(np.isfinite(g.alpha))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"scale": 0.0}, ValueError, r"scale must hold positive numbers .* scale = 0.0"),
        ({"scale": [1.0, -1.0]}, ValueError, r"scale\[1\] = -1.0"),
        ({"alpha": [np.nan, 1.0]}, ValueError, r"alpha contains NaN at alpha\[0\]"),
        (
            {"alpha": [1.0, 1.0, 1.0]},
            ValueError,
            r"alpha has shape \(3,\), which does not broadcast to the shape \(2,\)",
        ),
        ({"y_pred": [np.inf, 0.0]}, ValueError, r"y_pred must hold finite numbers, but y_pred\[0\] = inf"),
        ({"alpha": "1"}, TypeError, r"alpha must hold real numbers"),
    ],
)
def test_barron_bad_input(kwargs, error, message):
    args = {"y_true": [0.0, 1.0], "y_pred": [1.0, 0.0], "alpha": 1.0, "scale": 1.0, **kwargs}
    with pytest.raises(error, match=message):
        losslib.barron_loss(**args)
    with pytest.raises(error, match=message):
        losslib.barron_loss_grad(**args)


def test_barron_alpha_and_scale_are_keyword_only_and_the_registry_binds_them_by_name():
    """The contract of #18: ``barron_loss(y_true, y_pred, *, alpha, scale)``; the registry's callers pass them on."""
    y, p, alpha, scale = [0.0, 1.0], [1.0, -2.0], np.array([0.5, -1.0]), 2.0
    for fn in (losslib.barron_loss, losslib.barron_loss_grad):
        with pytest.raises(TypeError, match="positional argument"):
            fn(y, p, alpha, scale)
    value, grad = (
        losslib.barron_loss(y, p, alpha=alpha, scale=scale),
        losslib.barron_loss_grad(y, p, alpha=alpha, scale=scale),
    )
    for how, (v, g) in {
        "by position": losslib.value_and_grad("barron_loss", y, p, alpha, scale),
        "by keyword": losslib.value_and_grad("barron_loss", y, p, alpha=alpha, scale=scale),
    }.items():
        assert v == value, how
        np.testing.assert_array_equal(g.y_pred, grad.y_pred, err_msg=how)
        np.testing.assert_array_equal(g.alpha, grad.alpha, err_msg=how)
    assert losslib.check_grad("barron_loss", y, p, alpha, scale, wrt="alpha").ok
    with pytest.raises(TypeError, match=r"barron_loss takes 4 arguments .* but 5 were given by position"):
        losslib.value_and_grad("barron_loss", y, p, alpha, scale, "sum")


# ==========================================================================
# Noisy labels: GCE and SCE
# ==========================================================================


def _batch(n=6, c=4, scale=3.0, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, c, size=n), scale * rng.normal(size=(n, c))


def test_gce_tends_to_cross_entropy_as_q_goes_to_0_and_is_mae_on_probabilities_at_1():
    y, z = _batch()
    ce = losslib.cross_entropy(y, z, reduction="none")
    for q in (1e-4, 1e-8, 1e-12):
        np.testing.assert_allclose(
            losslib.generalized_cross_entropy(y, z, q=q, reduction="none"), ce, rtol=3 * q * ce.max()
        )
        np.testing.assert_allclose(
            losslib.generalized_cross_entropy_grad(y, z, q=q, reduction="none"),
            losslib.cross_entropy_grad(y, z, reduction="none"),
            rtol=3 * q * ce.max(),
            atol=1e-300,
        )
    p = sps.softmax(z, axis=-1)
    one_hot = np.eye(4)[y]
    mae = losslib.generalized_cross_entropy(y, z, q=1.0, reduction="none")
    np.testing.assert_allclose(mae, 1 - p[np.arange(6), y], rtol=1e-14)
    np.testing.assert_allclose(mae, 0.5 * np.abs(p - one_hot).sum(axis=-1), rtol=1e-14)


def test_gce_is_bounded_by_one_over_q_and_its_gradient_is_the_weighted_cross_entropy_gradient():
    y, z = _batch(seed=1)
    for q in (0.2, 0.7, 1.0):
        worst = losslib.generalized_cross_entropy([0], [[-1e4, 0.0, 0.0]], q=q)
        assert worst == pytest.approx(1 / q, rel=1e-15)
        p_y = sps.softmax(z, axis=-1)[np.arange(6), y]
        np.testing.assert_allclose(
            losslib.generalized_cross_entropy_grad(y, z, q=q, reduction="none"),
            p_y[:, None] ** q * losslib.cross_entropy_grad(y, z, reduction="none"),
            rtol=1e-13,
            atol=1e-300,
        )


def test_sce_is_a_weighted_sum_of_cross_entropy_and_reverse_cross_entropy():
    y, z = _batch(seed=2)
    ce = losslib.cross_entropy(y, z, reduction="none")
    np.testing.assert_allclose(
        losslib.symmetric_cross_entropy(y, z, alpha=2.0, beta=0.0, reduction="none"), 2 * ce, rtol=1e-14
    )
    rce = losslib.symmetric_cross_entropy(y, z, alpha=0.0, beta=1.0, log_zero=-4.0, reduction="none")
    np.testing.assert_allclose(rce, 4 * losslib.generalized_cross_entropy(y, z, q=1.0, reduction="none"), rtol=1e-14)
    # -sum_k p_k log q_k with the one-hot q and log 0 := A
    p = sps.softmax(z, axis=-1)
    log_q = np.where(np.eye(4)[y] == 1, 0.0, -4.0)
    np.testing.assert_allclose(rce, -(p * log_q).sum(axis=-1), rtol=1e-14)


@pytest.mark.parametrize(("dtype", "big"), [(np.float64, 1e4), (np.float32, 80.0)])
@pytest.mark.parametrize("name", ["generalized_cross_entropy", "symmetric_cross_entropy"])
def test_noisy_label_losses_at_extreme_logits(name, dtype, big):
    z = np.array([[big, -big, 0.0], [-big, big, big], [0.0, 0.0, 0.0]], dtype=dtype)
    y = np.array([0, 0, 2])
    loss, grad = getattr(losslib, name), getattr(losslib, name + "_grad")
    value, g = loss(y, z, reduction="none"), grad(y, z, reduction="none")
    assert value.dtype == dtype and g.dtype == dtype
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(g))
    assert value[0] == 0 or value[0] < 1e-30  # right and confident: no loss
    np.testing.assert_allclose(g.sum(axis=-1), 0.0, atol=1e-6 if dtype == np.float32 else 1e-15)


# ==========================================================================
# Angular margins: CosFace and ArcFace
# ==========================================================================


def _cosines(n=6, c=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, c, size=n), rng.uniform(-0.95, 0.95, size=(n, c))


@pytest.mark.parametrize("name", ["cosface", "arcface"])
def test_no_margin_is_the_cross_entropy_of_scaled_cosines(name):
    y, c = _cosines()
    loss, grad = getattr(losslib, name), getattr(losslib, name + "_grad")
    np.testing.assert_allclose(
        loss(y, c, scale=10.0, margin=0.0, reduction="none"),
        losslib.cross_entropy(y, 10.0 * c, reduction="none"),
        rtol=1e-13,
    )
    np.testing.assert_allclose(
        grad(y, c, scale=10.0, margin=0.0), 10.0 * losslib.cross_entropy_grad(y, 10.0 * c), rtol=1e-13
    )


def test_cosface_and_arcface_are_cross_entropies_of_their_margin_logits():
    y, c = _cosines(seed=1)
    rows = np.arange(6)
    z = 64.0 * c.copy()
    z[rows, y] = 64.0 * (c[rows, y] - 0.35)
    np.testing.assert_allclose(
        losslib.cosface(y, c, reduction="none"), losslib.cross_entropy(y, z, reduction="none"), rtol=1e-13
    )
    theta = np.arccos(c[rows, y].astype(np.longdouble))
    z = 64.0 * c.copy()
    z[rows, y] = (64.0 * np.cos(theta + np.longdouble(0.5))).astype(float)
    np.testing.assert_allclose(
        losslib.arcface(y, c, reduction="none"), losslib.cross_entropy(y, z, reduction="none"), rtol=1e-13
    )


def test_arcface_at_cosines_of_plus_and_minus_one():
    """Finite values and gradients at c_y = +-1; there the true class's entry is s (p_y - 1) cos m (the
    documented convention), and the values are continuous as c_y reaches +-1."""
    m, s = 0.5, 64.0
    c = np.array([[1.0, 0.2, -0.4], [-1.0, 0.3, 0.1], [0.5, 1.0, -1.0]])
    y = np.array([0, 0, 2])
    value = losslib.arcface(y, c, reduction="none")
    g = losslib.arcface_grad(y, c, reduction="sum")
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(g))
    z = s * c.copy()
    z[[0, 1, 2], y] = s * np.array([np.cos(m), -np.cos(m), -np.cos(m)])  # cos(0 + m), cos(pi + m)
    np.testing.assert_allclose(value, losslib.cross_entropy(y, z, reduction="none"), rtol=1e-14)
    expected = s * losslib.cross_entropy_grad(y, z, reduction="sum")
    expected[[0, 1, 2], y] *= np.cos(m)
    np.testing.assert_allclose(g, expected, rtol=1e-14)
    for sign, label in ((1.0, 0), (-1.0, 1)):
        near = c[label].copy()
        near[0] = sign * (1 - 1e-14)
        at = losslib.arcface([0], c[label][None])
        assert losslib.arcface([0], near[None]) == pytest.approx(at, rel=1e-5)
    # the derivative grows like 1 / sqrt(1 - c) towards the edge: large, but finite, inside
    g_near = losslib.arcface_grad([0], [[1 - 1e-12, 0.0]], scale=1.0, reduction="sum")[0, 0]
    g_mid = losslib.arcface_grad([0], [[0.5, 0.0]], scale=1.0, reduction="sum")[0, 0]
    assert np.isfinite(g_near) and abs(g_near) > 1e5 * abs(g_mid)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: losslib.cosface([0], [[1.5, 0.0]]),
            ValueError,
            r"cosines must lie in \[-1, 1\], but cosines\[0, 0\] = 1.5",
        ),
        (
            lambda: losslib.arcface([2], [[0.5, 0.0]]),
            ValueError,
            r"labels\[0\] = 2 is not a class of cosines, which has 2",
        ),
        (
            lambda: losslib.arcface([0], [[0.5, 0.0]], margin=4.0),
            ValueError,
            r"margin must be a finite number in \[0, 3.14",
        ),
        (lambda: losslib.cosface([0], [[0.5, 0.0]], scale=0.0), ValueError, r"scale must be a finite number > 0"),
        (lambda: losslib.cosface([0.0], [[0.5, 0.0]]), TypeError, r"labels must hold integer class labels"),
        (
            lambda: losslib.generalized_cross_entropy([0], [[0.5, 0.0]], q=0.0),
            ValueError,
            r"q must be a finite number in \(0, 1\]",
        ),
        (
            lambda: losslib.symmetric_cross_entropy([0], [[0.5, 0.0]], log_zero=0.0),
            ValueError,
            r"log_zero must be a finite number < 0",
        ),
        (
            lambda: losslib.generalized_cross_entropy([0, 1], [[0.5, 0.0]]),
            ValueError,
            r"labels has shape \(2,\) but logits has shape \(1, 2\); labels needs shape \(1,\)",
        ),
        (lambda: losslib.symmetric_cross_entropy([0], [[np.inf, 0.0]]), ValueError, r"logits must hold finite logits"),
    ],
)
def test_class_score_losses_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ==========================================================================
# CLIP
# ==========================================================================


def test_clip_loss_is_the_mean_of_info_nce_both_ways():
    rng = np.random.default_rng(5)
    u, v = rng.normal(size=(7, 5)), rng.normal(size=(7, 5))
    both = (
        losslib.info_nce(u, v, temperature=0.07, reduction="none")
        + losslib.info_nce(v, u, temperature=0.07, reduction="none")
    ) / 2
    np.testing.assert_allclose(losslib.clip_loss(u, v, reduction="none"), both, rtol=1e-14)
    g = losslib.clip_loss_grad(u, v, reduction="sum")
    g1, g2 = (
        losslib.info_nce_grad(u, v, temperature=0.07, reduction="sum"),
        losslib.info_nce_grad(v, u, temperature=0.07, reduction="sum"),
    )
    np.testing.assert_allclose(g.image_embeddings, (g1.queries + g2.keys) / 2, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(g.text_embeddings, (g1.keys + g2.queries) / 2, rtol=1e-13, atol=1e-15)
    swapped = losslib.clip_loss_grad(v, u, reduction="sum")
    np.testing.assert_allclose(swapped.image_embeddings, g.text_embeddings, rtol=1e-13, atol=1e-15)


def test_clip_loss_by_blocks_of_rows_is_the_same(monkeypatch):
    """The similarity matrix is computed by blocks of rows (of a few MiB): the result does not depend on them."""
    rng = np.random.default_rng(6)
    u, v = rng.normal(size=(9, 4)), rng.normal(size=(9, 4))
    whole = losslib.value_and_grad("clip_loss", u, v, reduction="none")
    monkeypatch.setattr(_kernels, "BLOCK_BYTES", 24)
    monkeypatch.setattr(_kernels, "ROW_BLOCK_BYTES", 24)
    blocked = losslib.value_and_grad("clip_loss", u, v, reduction="none")
    np.testing.assert_allclose(blocked[0], whole[0], rtol=1e-15)
    for a, b in zip(blocked[1], whole[1]):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-16)


def test_clip_loss_keeps_float32_and_survives_small_temperatures():
    rng = np.random.default_rng(7)
    u, v = rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(5, 3)).astype(np.float32)
    value, g = losslib.value_and_grad("clip_loss", u, v, temperature=1e-3)
    assert (
        value.dtype == np.float32 and g.image_embeddings.dtype == np.float32 and g.text_embeddings.dtype == np.float32
    )
    assert np.isfinite(value) and np.all(np.isfinite(g.image_embeddings)) and np.all(np.isfinite(g.text_embeddings))


# ==========================================================================
# LSGAN
# ==========================================================================


def test_least_squares_gan_is_mao_et_al_with_the_0_1_coding():
    r, f = np.array([1.0, 0.0, 2.5]), np.array([0.0, 1.0, -0.5])
    np.testing.assert_allclose(
        losslib.gan_discriminator(r, f, kind="least_squares", reduction="none"), [0.0, 1.0, 0.5 * 1.5**2 + 0.5 * 0.25]
    )
    np.testing.assert_allclose(losslib.gan_generator(f, kind="least_squares", reduction="none"), [0.5, 0.0, 1.125])
    # the optimal discriminator for fixed densities: D* = p_data / (p_data + p_g) (their Proposition 1, a = 0, b = 1)
    s = np.linspace(-1, 2, 30001)
    for q in (0.2, 0.5, 0.9):  # q = p_data / (p_data + p_g) at a point
        expected = q * losslib.gan_discriminator(s, np.zeros_like(s), kind="least_squares", reduction="none")
        expected += (1 - q) * losslib.gan_discriminator(np.ones_like(s), s, kind="least_squares", reduction="none")
        assert abs(s[np.argmin(expected)] - q) < 1e-4
    g = losslib.gan_generator_grad(np.array([-1e4, 0.0]), kind="least_squares", reduction="sum")
    np.testing.assert_array_equal(g, [-10001.0, -1.0])  # does not vanish for confidently rejected fakes
