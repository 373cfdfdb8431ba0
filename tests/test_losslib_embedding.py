"""Embedding losses: identities, closed forms, finite differences, dtypes, shapes, kinks and bad input.

Values and gradients against PyTorch are in ``tests/data/reference_embedding_torch.json``
(``test_losslib_oracle.py``). Here, without PyTorch:

* identities and closed forms: triplet distances by hand (numpy norms), InfoNCE / NT-Xent as a
  SciPy log-sum-exp, the tiny losses of well-separated batches (``log1p``), scale invariance,
  contrastive and cosine limits;
* finite differences of every gradient, for every option and reduction, away from the kinks;
* float32 in gives float32 out (and mixed dtypes), extreme inputs and temperatures stay finite;
* each registry claim shown on an explicit example: not convex, kinks where claimed (and none
  at the contrastive margin, where the squared hinge is smooth);
* bad input: every message names the argument, what came and the fix.
"""

from __future__ import annotations

import re
import warnings
import zlib

import numpy as np
import pytest
from scipy.special import expit, logsumexp

import losslib
from losslib.gradcheck import numerical_grad

REDUCTIONS = ("mean", "sum", "none")
EMBEDDING_LOSSES = ("contrastive", "triplet", "cosine_embedding", "info_nce", "nt_xent")


def info(name):
    return losslib.LOSSES[name]


def call(name, inputs, fn="loss", **options):
    """Call the loss (or its gradient, ``fn="grad"``) with ``inputs`` given as ``{arg: array}``."""
    entry = info(name)
    return getattr(entry, fn)(**{a: inputs[a] for a in entry.args}, **options)


def raises(exc, *fragments):
    """pytest.raises whose message must contain every fragment (literal text, in order)."""
    return pytest.raises(exc, match=".*".join(re.escape(f) for f in fragments))


def unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


# --------------------------------------------------------------------------
# Inputs away from the kinks, for finite differences
# --------------------------------------------------------------------------


def _pnorm(v, p):
    return np.linalg.norm(v, ord=p, axis=-1)


def kink_distance(name, x, opts):
    """How far the inputs are from the loss's kinks (in the units of the quantity that has the kink)."""
    if name == "contrastive":
        d = _pnorm(x["x1"] - x["x2"] + opts.get("eps", 1e-6), 2)
        return d.min()  # the cone of the norm at d = 0 (the margin is no kink)
    if name == "triplet":
        p, eps = opts.get("p", 2), opts.get("eps", 1e-6)
        diffs = [x["anchor"] - x["positive"] + eps, x["anchor"] - x["negative"] + eps]
        d_pos, d_neg = _pnorm(diffs[0], p), _pnorm(diffs[1], p)
        gaps = [np.abs(opts.get("margin", 1.0) + d_pos - d_neg).min()]
        if opts.get("swap"):
            diffs.append(x["positive"] - x["negative"] + eps)
            d_swap = _pnorm(diffs[2], p)
            gaps += [
                np.abs(d_neg - d_swap).min(),
                np.abs(opts.get("margin", 1.0) + d_pos - np.minimum(d_neg, d_swap)).min(),
            ]
        if p == 1:  # |v_i| has a kink at each zero coordinate
            gaps.append(min(np.abs(v).min() for v in diffs))
        return min(gaps)
    if name == "cosine_embedding":
        cos = (unit(x["x1"]) * unit(x["x2"])).sum(-1)
        return np.abs(cos - opts.get("margin", 0.0))[x["y_true"] == -1].min(initial=np.inf)
    return np.inf  # info_nce, nt_xent: smooth away from zero vectors


def fd_inputs(name, opts, seed, n=4, single=False):
    """Registry-sampler inputs, redrawn until they are at least 0.05 away from every kink."""
    rng = np.random.default_rng(seed)
    while True:
        x = info(name).example(rng, n)
        if single:
            x = {k: v[0] for k, v in x.items()}
        if kink_distance(name, x, opts) > 0.05:
            return x


FD_CONFIGS = [
    ("contrastive", {}),
    ("contrastive", {"margin": 0.5}),
    ("contrastive", {"margin": 2.5, "eps": 1e-3}),
    ("contrastive", {"eps": 0.0}),
    ("triplet", {}),
    ("triplet", {"p": 1}),
    ("triplet", {"p": 3}),
    ("triplet", {"p": 1.5}),
    ("triplet", {"swap": True}),
    ("triplet", {"swap": True, "p": 1}),
    ("triplet", {"margin": 0.3}),
    ("triplet", {"margin": 2.5, "eps": 1e-3}),
    ("cosine_embedding", {}),
    ("cosine_embedding", {"margin": 0.5}),
    ("cosine_embedding", {"margin": -0.3}),
    ("cosine_embedding", {"eps": 1e-3}),
    ("info_nce", {}),
    ("info_nce", {"temperature": 0.05}),
    ("info_nce", {"temperature": 1.0}),
    ("nt_xent", {}),
    ("nt_xent", {"temperature": 0.1}),
    ("nt_xent", {"temperature": 2.0}),
]
FD_IDS = [name + "".join(f"-{k}{v}" for k, v in opts.items()) for name, opts in FD_CONFIGS]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "opts"), FD_CONFIGS, ids=FD_IDS)
def test_gradients_match_finite_differences(name, opts, reduction):
    entry = info(name)
    x = fd_inputs(name, opts, seed=zlib.crc32(f"{name}{opts}{reduction}".encode()))
    grads = call(name, x, "grad", reduction=reduction, **opts)
    assert isinstance(grads, tuple) and grads._fields == entry.grad_wrt
    for arg, g in zip(entry.grad_wrt, grads):

        def f(v, arg=arg):
            return float(np.sum(call(name, dict(x, **{arg: v}), reduction=reduction, **opts)))

        numeric = numerical_grad(f, x[arg])
        assert g.shape == x[arg].shape
        np.testing.assert_allclose(
            g,
            numeric,
            rtol=1e-6,
            atol=1e-8 * np.abs(numeric).max(),
            err_msg=f"{name} {opts} {reduction}: gradient wrt {arg}",
        )


@pytest.mark.parametrize(
    ("name", "opts"), [("contrastive", {}), ("triplet", {"swap": True, "p": 3}), ("cosine_embedding", {"margin": 0.4})]
)
def test_a_single_pair_or_triplet_of_shape_d(name, opts):
    x = fd_inputs(name, opts, seed=7, single=True)
    value = call(name, x, reduction="none", **opts)
    assert np.shape(value) == ()
    batched = {k: v[None] for k, v in x.items()}
    np.testing.assert_allclose(value, call(name, batched, reduction="none", **opts)[0], rtol=1e-15)
    grads = call(name, x, "grad", **opts)
    for arg, g in zip(info(name).grad_wrt, grads):
        assert g.shape == x[arg].shape
        numeric = numerical_grad(lambda v, arg=arg: float(call(name, dict(x, **{arg: v}), **opts)), x[arg])
        np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------
# Identities and closed forms
# --------------------------------------------------------------------------


@pytest.mark.parametrize("p", [1, 1.5, 2, 3])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_is_the_hinge_of_the_distances(p, swap):
    rng = np.random.default_rng(3)
    a, noise_pos, noise_neg = rng.normal(size=(3, 7, 5))
    pos, neg = a + 0.5 * noise_pos, a + 1.5 * noise_neg
    eps = 1e-6
    d_pos = np.linalg.norm(a - pos + eps, ord=p, axis=1)
    d_neg = np.linalg.norm(a - neg + eps, ord=p, axis=1)
    if swap:
        d_neg = np.minimum(d_neg, np.linalg.norm(pos - neg + eps, ord=p, axis=1))
    # about half the triplets inside the margin, none on its edge (where a rounding decides 0 or 1e-16)
    gaps = np.sort(d_neg - d_pos)
    margin = float((gaps[3] + gaps[4]) / 2)
    expected = np.maximum(margin + d_pos - d_neg, 0)
    assert margin > 0 and (expected > 0).any() and (expected == 0).any()
    got = losslib.triplet(a, pos, neg, margin=margin, p=p, swap=swap, reduction="none")
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)
    np.testing.assert_allclose(losslib.triplet(a, pos, neg, margin=margin, p=p, swap=swap), expected.mean(), rtol=1e-13)


def test_triplet_gradient_is_the_difference_of_unit_vectors():
    a, pos, neg = np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]]), np.array([[0.0, 1.0]])
    g = losslib.triplet_grad(a, pos, neg, eps=0.0, reduction="sum")
    np.testing.assert_allclose(g.anchor, [[-0.6, 0.2]], rtol=1e-15)
    np.testing.assert_allclose(g.positive, [[0.6, 0.8]], rtol=1e-15)
    np.testing.assert_allclose(g.negative, [[0.0, -1.0]], rtol=1e-15)
    # translation invariance: the three gradients sum to zero
    rng = np.random.default_rng(0)
    g = losslib.triplet_grad(*rng.normal(size=(3, 6, 4)), margin=3.0, swap=True, p=3)
    np.testing.assert_allclose(g.anchor + g.positive + g.negative, 0.0, atol=1e-15)


def test_contrastive_is_zero_for_coincident_similar_and_far_dissimilar_pairs():
    rng = np.random.default_rng(1)
    x1 = rng.normal(size=(6, 3))
    x2 = x1.copy()
    y = np.array([1, 1, 1, 0, 0, 0])
    x2[3:] += 2.0 * unit(rng.normal(size=(3, 3)))  # dissimilar pairs 2 apart, margin 1.5
    opts = {"margin": 1.5, "eps": 0.0}
    for reduction in REDUCTIONS:
        assert np.all(losslib.contrastive(y, x1, x2, reduction=reduction, **opts) == 0)
        g = losslib.contrastive_grad(y, x1, x2, reduction=reduction, **opts)
        assert np.all(g.x1 == 0) and np.all(g.x2 == 0)
    # and the closed form otherwise: y d^2/2 + (1 - y) max(0, m - d)^2 / 2
    x2 = x1 + np.array([0.5, 3.0, 1.0, 0.5, 3.0, 1.0])[:, None] * unit(rng.normal(size=(6, 3)))
    d = np.linalg.norm(x1 - x2, axis=1)
    expected = np.where(y == 1, d**2 / 2, np.maximum(1.5 - d, 0) ** 2 / 2)
    np.testing.assert_allclose(losslib.contrastive(y, x1, x2, reduction="none", **opts), expected, rtol=1e-14)


def test_contrastive_eps_is_added_before_the_norm():
    x = np.array([[1.0, 2.0, 3.0, 4.0]])
    np.testing.assert_allclose(losslib.contrastive([1], x, x, eps=1e-3), 0.5 * 4 * 1e-6, rtol=1e-14)
    np.testing.assert_allclose(losslib.contrastive([0], x, x, eps=1e-3), 0.5 * (1 - 2e-3) ** 2, rtol=1e-14)


def test_cosine_embedding_closed_form_and_invariance_to_scale():
    rng = np.random.default_rng(2)
    x1, x2 = rng.normal(size=(2, 8, 4))
    y = np.array([1, -1] * 4)
    eps = float(np.float32(1e-12))  # PyTorch's constant, the default
    cos = (x1 * x2).sum(-1) / np.sqrt(((x1 * x1).sum(-1) + eps) * ((x2 * x2).sum(-1) + eps))
    for margin in (0.0, 0.3, -0.4):
        expected = np.where(y == 1, 1 - cos, np.maximum(cos - margin, 0))
        got = losslib.cosine_embedding(y, x1, x2, margin=margin, reduction="none")
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)
        # invariant to the scale of either embedding, up to eps (here negligible)
        tiny_eps = {"margin": margin, "eps": 1e-30, "reduction": "none"}
        np.testing.assert_allclose(
            losslib.cosine_embedding(y, 7.5 * x1, 0.02 * x2, **tiny_eps),
            losslib.cosine_embedding(y, x1, x2, **tiny_eps),
            rtol=1e-13,
            atol=1e-15,
        )
    # similar identical vectors cost (almost) nothing; opposite ones 2
    np.testing.assert_allclose(losslib.cosine_embedding([1, 1], x1[:2], x1[:2], reduction="none"), 0, atol=1e-12)
    np.testing.assert_allclose(losslib.cosine_embedding([1, 1], x1[:2], -x1[:2], reduction="none"), 2, rtol=1e-12)


@pytest.mark.parametrize(
    "dtype, scale", [(np.float32, 1e10), (np.float32, 1e25), (np.float64, 1e77), (np.float64, 1e200)]
)
def test_cosine_embedding_of_huge_embeddings_is_their_cosine(dtype, scale):
    """Embeddings whose squared norms (or their product) pass the dtype's range: the loss is still the
    cosine's, and the gradient that of the unscaled pair divided by the scale (the fuzz found 1.0 for
    0.2857 in float32 at 1e10, from sqrt(m1 * m2) overflowing)."""
    rng = np.random.default_rng(5)
    x1, x2 = rng.normal(size=(2, 6, 5))
    y = np.array([1, -1] * 3)
    options = {"margin": 0.1, "eps": 1e-300, "reduction": "none"}
    a, b = (x1 * scale).astype(dtype), (x2 * scale).astype(dtype)
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-13, "atol": 1e-15}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        got = losslib.cosine_embedding(y, a, b, **options)
        grads = losslib.cosine_embedding_grad(y, a, b, **options)
    assert got.dtype == dtype and grads.x1.dtype == dtype
    np.testing.assert_allclose(got, losslib.cosine_embedding(y, x1, x2, **options), **tol)
    for g, ref in zip(grads, losslib.cosine_embedding_grad(y, x1, x2, **options)):
        np.testing.assert_allclose(g.astype(float) * scale, ref, **tol)
    one_huge = x1.copy()
    one_huge[0, 0] = 1e300  # the first vector is then e_0: the cosine is x2[0, 0] / |x2[0]|
    expected = 1 - x2[0, 0] / np.linalg.norm(x2[0])
    np.testing.assert_allclose(losslib.cosine_embedding(y, one_huge, x2, **options)[0], expected, rtol=1e-13)


def _log_softmax_loss(s, positive):
    """-log softmax(s)[i, positive[i]] with SciPy, shifted by the positive first so that SciPy's
    logsumexp (which keeps a dominant term out of a log1p) keeps the digits of a loss near 0."""
    return logsumexp(s - s[np.arange(len(s)), positive][:, None], axis=1)


def scipy_info_nce(q, k, tau):
    return _log_softmax_loss(unit(q) @ unit(k).T / tau, np.arange(len(q)))


def scipy_nt_xent(z1, z2, tau):
    n = len(z1)
    z = unit(np.concatenate([z1, z2]))
    s = z @ z.T / tau
    np.fill_diagonal(s, -np.inf)
    return _log_softmax_loss(s, (np.arange(2 * n) + n) % (2 * n))


@pytest.mark.parametrize("tau", [0.05, 0.1, 0.5, 2.0])
def test_info_nce_and_nt_xent_are_log_softmax_of_cosine_similarities(tau):
    rng = np.random.default_rng(4)
    a = rng.normal(size=(6, 5))
    b = a + rng.normal(size=(6, 5))
    np.testing.assert_allclose(
        losslib.info_nce(a, b, temperature=tau, reduction="none"), scipy_info_nce(a, b, tau), rtol=1e-12
    )
    np.testing.assert_allclose(
        losslib.nt_xent(a, b, temperature=tau, reduction="none"), scipy_nt_xent(a, b, tau), rtol=1e-12
    )
    # the mean is over the N queries, and over the 2N views
    np.testing.assert_allclose(losslib.info_nce(a, b, temperature=tau), scipy_info_nce(a, b, tau).mean(), rtol=1e-12)
    np.testing.assert_allclose(losslib.nt_xent(a, b, temperature=tau), scipy_nt_xent(a, b, tau).mean(), rtol=1e-12)


@pytest.mark.parametrize("tau", [1.0, 0.1, 0.0724, 0.02, 0.01])
def test_aligned_orthogonal_embeddings_have_a_tiny_loss_with_every_digit(tau):
    # Queries = keys = the basis vectors (scaled): the positive similarity is 1/tau, the N - 1
    # negatives 0, so each loss is log(1 + (N - 1) e^(-1/tau)), down to 1e-43 at tau = 0.01
    # (PyTorch's log-softmax returns 0 below 1e-16 and only 6 digits at 1e-10).
    n = 4
    basis = np.diag([1.0, 3.0, 0.5, 2.0])
    expected = np.log1p((n - 1) * np.exp(-1 / tau))
    np.testing.assert_allclose(losslib.info_nce(basis, basis, temperature=tau, reduction="none"), expected, rtol=1e-14)
    # NT-Xent: each view has its positive at 1/tau and 2N - 2 negatives at 0
    np.testing.assert_allclose(
        losslib.nt_xent(basis, 2 * basis, temperature=tau, reduction="none"),
        np.log1p((2 * n - 2) * np.exp(-1 / tau)),
        rtol=1e-14,
    )
    # the gradient: row i of dL/dq is sum_j p_ij k_j / tau projected off q_i, with p_ij = e^(-1/tau) / Z
    g = losslib.info_nce_grad(basis, basis, temperature=tau, reduction="sum")
    p_neg = np.exp(-1 / tau) / (1 + (n - 1) * np.exp(-1 / tau))
    expected_q = (p_neg / tau) * (1 - np.eye(n)) / np.diag(basis)[:, None]
    np.testing.assert_allclose(g.queries, expected_q, rtol=1e-13, atol=0)


def test_info_nce_of_two_keys_is_a_logistic_loss():
    # q = e1 against k = (e1, rotated e1): loss = log(1 + e^{-(1 - cos)/tau}) = softplus, gradient via expit
    theta = 0.7
    q = np.array([[1.0, 0.0], [np.cos(theta), np.sin(theta)]])
    for tau in (0.01, 0.1, 1.0):
        gap = (1 - np.cos(theta)) / tau
        np.testing.assert_allclose(
            losslib.info_nce(q, q, temperature=tau, reduction="none"), np.log1p(np.exp(-gap)) * np.ones(2), rtol=1e-13
        )
        g = losslib.info_nce_grad(q, q, temperature=tau, reduction="sum")
        # d loss_0 / d q_0 = expit(-gap) (k_1 - k_0) / tau, projected off q_0 = e1: (0, expit(-gap) sin / tau)
        assert abs(g.queries[0, 0]) < 1e-15
        np.testing.assert_allclose(g.queries[0, 1], expit(-gap) * np.sin(theta) / tau, rtol=1e-12)


@pytest.mark.parametrize("name", ["info_nce", "nt_xent"])
def test_info_nce_and_nt_xent_are_invariant_to_scaling_each_row(name):
    rng = np.random.default_rng(5)
    a = rng.normal(size=(5, 3))
    b = a + rng.normal(size=(5, 3))
    ca, cb = rng.uniform(1e-3, 1e3, size=(2, 5, 1))
    f, g = getattr(losslib, name), getattr(losslib, name + "_grad")
    for reduction in REDUCTIONS:
        np.testing.assert_allclose(f(ca * a, cb * b, reduction=reduction), f(a, b, reduction=reduction), rtol=1e-12)
        # the loss is constant along each row's ray, so its gradient is orthogonal to the row
        # and scales like 1 / c
        g0, g1 = g(a, b, reduction=reduction), g(ca * a, cb * b, reduction=reduction)
        np.testing.assert_allclose(g1[0] * ca, g0[0], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(g1[1] * cb, g0[1], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose((g0[0] * a).sum(-1), 0, atol=1e-14)


def test_nt_xent_with_one_example_is_zero_and_is_symmetric_in_the_views():
    assert losslib.nt_xent([[1.0, 2.0]], [[-3.0, 0.5]]) == 0
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(2, 4, 3))
    np.testing.assert_allclose(
        losslib.nt_xent(b, a, reduction="none"), np.roll(losslib.nt_xent(a, b, reduction="none"), 4), rtol=1e-14
    )
    g_ab, g_ba = losslib.nt_xent_grad(a, b), losslib.nt_xent_grad(b, a)
    np.testing.assert_allclose(g_ba.z1, g_ab.z2, rtol=1e-13)
    np.testing.assert_allclose(g_ba.z2, g_ab.z1, rtol=1e-13)


@pytest.mark.parametrize("name", EMBEDDING_LOSSES)
def test_reductions_are_related(name):
    x = info(name).example(np.random.default_rng(8), 5)
    value = {r: call(name, x, reduction=r) for r in REDUCTIONS}
    grad = {r: call(name, x, "grad", reduction=r) for r in REDUCTIONS}
    n_items = 10 if name == "nt_xent" else 5
    assert value["none"].shape == (n_items,)
    np.testing.assert_allclose(value["sum"], value["none"].sum(), rtol=1e-14)
    np.testing.assert_allclose(value["mean"], value["sum"] / n_items, rtol=1e-14)
    for g_mean, g_sum, g_none in zip(grad["mean"], grad["sum"], grad["none"]):
        np.testing.assert_allclose(g_sum, g_none, rtol=1e-14)
        np.testing.assert_allclose(g_mean * n_items, g_sum, rtol=1e-13, atol=1e-16)


# --------------------------------------------------------------------------
# dtypes, extreme inputs, zero vectors
# --------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", EMBEDDING_LOSSES)
def test_float32_in_gives_float32_out(name, reduction):
    x = info(name).example(np.random.default_rng(9), 4)
    x32 = {k: (v.astype(np.float32) if k in info(name).grad_wrt else v) for k, v in x.items()}
    value = call(name, x32, reduction=reduction)
    grads = call(name, x32, "grad", reduction=reduction)
    assert np.asarray(value).dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads)
    np.testing.assert_allclose(value, call(name, x, reduction=reduction), rtol=1e-5, atol=1e-6)
    for g32, g64 in zip(grads, call(name, x, "grad", reduction=reduction)):
        np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-5 * np.abs(g64).max())


@pytest.mark.parametrize("name", EMBEDDING_LOSSES)
def test_mixed_dtypes_compute_in_the_common_dtype_and_give_each_gradient_its_arguments_dtype(name):
    x = info(name).example(np.random.default_rng(10), 3)
    first = info(name).grad_wrt[0]
    mixed = dict(x, **{first: x[first].astype(np.float32)})
    assert np.asarray(call(name, mixed)).dtype == np.float64
    grads = call(name, mixed, "grad")
    assert [g.dtype for g in grads] == [np.float32] + [np.float64] * (len(grads) - 1)
    # integer embeddings are numbers too
    ints = {k: (np.rint(3 * v).astype(int) if k in info(name).grad_wrt else v) for k, v in x.items()}
    assert np.isfinite(call(name, ints))


def _extreme(name, big, dtype, rng):
    x = info(name).example(rng, 5)
    return {
        k: ((big * np.clip(v / np.abs(v).max(), -1, 1)).astype(dtype) if k in info(name).grad_wrt else v)
        for k, v in x.items()
    }


@pytest.mark.parametrize(("dtype", "big"), [(np.float64, 1e4), (np.float32, 80.0)])
@pytest.mark.parametrize("name", EMBEDDING_LOSSES)
def test_extreme_embeddings_give_finite_values_and_gradients(name, dtype, big):
    x = _extreme(name, big, dtype, np.random.default_rng(11))
    x64 = {k: v.astype(np.float64) for k, v in x.items()}
    for reduction in REDUCTIONS:
        value = call(name, x, reduction=reduction)
        grads = call(name, x, "grad", reduction=reduction)
        assert np.all(np.isfinite(value)) and np.asarray(value).dtype == dtype
        assert all(np.all(np.isfinite(g)) and g.dtype == dtype for g in grads)
        rtol = 1e-5 if dtype == np.float32 else 1e-14
        np.testing.assert_allclose(value, call(name, x64, reduction=reduction), rtol=rtol)


@pytest.mark.parametrize(("dtype", "big"), [(np.float64, 1e150), (np.float32, 1e30)])
@pytest.mark.parametrize("name", ["info_nce", "nt_xent"])
def test_normalisation_does_not_overflow(name, dtype, big):
    # the norms are computed as max|x| * ||x / max|x|||, so rows of 1e150 (whose squares
    # overflow) are normalised exactly like rows of 1
    x = info(name).example(np.random.default_rng(15), 4)
    scaled = {k: (big * v).astype(dtype) for k, v in x.items()}
    rtol = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(call(name, scaled, reduction="none"), call(name, x, reduction="none"), rtol=rtol)
    for g_big, g in zip(call(name, scaled, "grad"), call(name, x, "grad")):
        np.testing.assert_allclose(g_big * dtype(big), g, rtol=rtol * 10, atol=rtol * np.abs(g).max())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["info_nce", "nt_xent"])
def test_temperature_down_to_1e_3_is_stable(name, dtype):
    rng = np.random.default_rng(12)
    a = rng.normal(size=(6, 4))
    b = a + 0.8 * rng.normal(size=(6, 4))
    f = getattr(losslib, name)
    for tau in (1e-2, 1e-3):
        value = f(a.astype(dtype), b.astype(dtype), temperature=tau, reduction="none")
        grads = getattr(losslib, name + "_grad")(a.astype(dtype), b.astype(dtype), temperature=tau)
        assert value.dtype == dtype and np.all(np.isfinite(value)) and np.all(value >= 0)
        assert all(g.dtype == dtype and np.all(np.isfinite(g)) for g in grads)
        # the float64 losses are SciPy's; float32 rounds the cosines (1e-7) before dividing by tau
        reference = (scipy_info_nce if name == "info_nce" else scipy_nt_xent)(a, b, tau)
        rtol, atol = (1e-12, 1e-300) if dtype == np.float64 else (1e-3, 2e-7 / tau)
        np.testing.assert_allclose(value, reference, rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zero_vectors_give_no_nan(dtype):
    zero, v = np.zeros((2, 3), dtype), np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]], dtype)
    # cosine: the similarity of a zero vector is 0, the gradient large (|v| / sqrt(eps)) but finite
    np.testing.assert_allclose(losslib.cosine_embedding([1, -1], zero, v, reduction="none"), [1.0, 0.0])
    g = losslib.cosine_embedding_grad([1, 1], zero, v, reduction="sum")
    eps = float(np.float32(1e-12))
    n2 = (v.astype(np.float64) ** 2).sum(1, keepdims=True)
    np.testing.assert_allclose(g.x1, -v / np.sqrt(eps * (n2 + eps)), rtol=1e-6 if dtype == np.float32 else 1e-14)
    assert np.all(g.x2 == 0)
    # InfoNCE / NT-Xent: a zero row is divided by 1e-12 (F.normalize), so its similarities are 0
    q = np.concatenate([zero[:1], v]).astype(dtype)
    k = np.concatenate([v, zero[:1]]).astype(dtype)
    for name in ("info_nce", "nt_xent"):
        value = getattr(losslib, name)(q, k, reduction="none")
        grads = getattr(losslib, name + "_grad")(q, k)
        assert np.all(np.isfinite(value)) and all(np.all(np.isfinite(gr)) for gr in grads)
    np.testing.assert_allclose(losslib.info_nce(q, k, reduction="none")[0], np.log(3), rtol=1e-6)
    # contrastive and triplet at coincident points, with and without eps
    for eps_ in (0.0, 1e-6):
        for y in (0, 1):
            assert np.all(np.isfinite(losslib.contrastive_grad([y, y], v, v, eps=eps_).x1))
        assert all(np.all(np.isfinite(gr)) for gr in losslib.triplet_grad(v, v, v, eps=eps_, swap=True))


def test_coincident_points_take_pytorchs_zero_subgradient():
    v = np.array([[1.0, 2.0, 3.0]])
    # eps = 0: d = 0 has gradient 0 (PyTorch's norm backward masks it)
    g = losslib.contrastive_grad([0], v, v, eps=0.0)
    assert np.all(g.x1 == 0) and np.all(g.x2 == 0)
    assert losslib.contrastive([0], v, v, eps=0.0) == 0.5
    # eps > 0: d = eps sqrt(D), the gradient points along the ones vector
    g = losslib.contrastive_grad([0], v, v, eps=1e-6, reduction="sum")
    np.testing.assert_allclose(g.x1, -(1 - np.sqrt(3) * 1e-6) / np.sqrt(3) * np.ones((1, 3)), rtol=1e-14)


# --------------------------------------------------------------------------
# Registry claims, shown on explicit examples
# --------------------------------------------------------------------------


def midpoint_excess(name, a, b, **opts):
    """f(midpoint) - mean(f(a), f(b)) along the segment [a, b] of the inputs (dicts): > 0 means not convex."""
    mid = {k: (a[k] + b[k]) / 2 for k in a}
    f = [float(call(name, x, reduction="sum", **opts)) for x in (a, b, mid)]
    return f[2] - (f[0] + f[1]) / 2


NON_CONVEX = {
    # name: (a, b) with a convex combination of them doing worse than the chord
    "contrastive": (
        {"y_true": np.array([0.0]), "x1": np.zeros((1, 2)), "x2": np.array([[0.5, 0.0]])},
        {"y_true": np.array([0.0]), "x1": np.zeros((1, 2)), "x2": np.array([[-0.5, 0.0]])},
    ),
    "triplet": (
        {"anchor": np.zeros((1, 2)), "positive": np.array([[0.5, 0.0]]), "negative": np.array([[1.0, 0.0]])},
        {"anchor": np.zeros((1, 2)), "positive": np.array([[0.5, 0.0]]), "negative": np.array([[-1.0, 0.0]])},
    ),
    "cosine_embedding": (
        {"y_true": np.array([1.0]), "x1": np.array([[1.0, 0.0]]), "x2": np.array([[1.0, 0.0]])},
        {"y_true": np.array([1.0]), "x1": np.array([[1.0, 0.0]]), "x2": np.array([[-3.0, 0.0]])},
    ),
    "info_nce": (
        {"queries": np.array([[-3.0, 1.0], [0.0, 1.0]]), "keys": np.array([[1.0, 0.0], [0.0, 1.0]])},
        {"queries": np.array([[-0.3, 1.0], [0.0, 1.0]]), "keys": np.array([[1.0, 0.0], [0.0, 1.0]])},
    ),
    "nt_xent": (
        {"z1": np.array([[-3.0, 1.0], [0.0, 1.0]]), "z2": np.array([[1.0, 0.0], [0.0, 1.0]])},
        {"z1": np.array([[-0.3, 1.0], [0.0, 1.0]]), "z2": np.array([[1.0, 0.0], [0.0, 1.0]])},
    ),
}


@pytest.mark.parametrize("name", EMBEDDING_LOSSES)
def test_not_convex_as_registered(name):
    assert info(name).convex is False
    a, b = NON_CONVEX[name]
    assert midpoint_excess(name, a, b) > 0.05


def one_sided(name, x, arg, index, h=1e-7, **opts):
    """Left and right difference quotients of the summed loss along ``x[arg][index]``."""

    def f(t):
        v = x[arg].copy()
        v[index] += t
        return float(call(name, dict(x, **{arg: v}), reduction="sum", **opts))

    return (f(0) - f(-h)) / h, (f(h) - f(0)) / h


KINKS = {
    # name: (inputs on the kink, argument and index to move, options, what the kink is)
    "contrastive": (
        {"y_true": np.array([0.0]), "x1": np.array([[1.0, 2.0]]), "x2": np.array([[1.0, 2.0]])},
        "x1",
        (0, 0),
        {"eps": 0.0},
        "the cone of the distance at d = 0 in a dissimilar pair",
    ),
    "triplet": (
        {"anchor": np.zeros((1, 2)), "positive": np.array([[1.0, 0.0]]), "negative": np.array([[2.0, 0.0]])},
        "positive",
        (0, 0),
        {"eps": 0.0},
        "the hinge at margin + d(a, p) = d(a, n)",
    ),
    "cosine_embedding": (
        {"y_true": np.array([-1.0]), "x1": np.array([[1.0, 0.0]]), "x2": np.array([[0.0, 1.0]])},
        "x1",
        (0, 1),
        {},
        "the hinge at cos = margin (0) for a dissimilar pair",
    ),
}


@pytest.mark.parametrize("name", sorted(KINKS))
def test_kinks_where_registered_not_differentiable(name):
    assert info(name).differentiable is False
    x, arg, index, opts, _ = KINKS[name]
    left, right = one_sided(name, x, arg, index, **opts)
    assert abs(right - left) > 0.5


def test_the_contrastive_margin_is_not_a_kink():
    # the squared hinge max(0, m - d)^2 / 2 has slope -(m - d) -> 0 on both sides of d = m
    x = {"y_true": np.array([0.0]), "x1": np.zeros((1, 2)), "x2": np.array([[0.6, 0.8]])}
    left, right = one_sided("contrastive", x, "x2", (0, 0), h=1e-6, eps=0.0)
    assert abs(right - left) < 1e-5


@pytest.mark.parametrize("name", ["info_nce", "nt_xent"])
def test_smooth_losses_have_no_kinks_at_ties_and_right_angles(name):
    assert info(name).differentiable is True
    a = {"info_nce": {"queries": np.eye(3), "keys": np.eye(3)}, "nt_xent": {"z1": np.eye(3), "z2": np.eye(3)}}[name]
    for arg in info(name).grad_wrt:
        for index in [(0, 0), (1, 2), (2, 1)]:
            left, right = one_sided(name, a, arg, index, h=1e-6)
            assert abs(right - left) < 1e-4


@pytest.mark.parametrize("name", EMBEDDING_LOSSES)
def test_registry_entry(name):
    entry = info(name)
    assert entry.family == "embedding" and entry.oracle == "torch"
    assert entry.robust is None and entry.proper is None and entry.distribution is None
    assert entry.grad_wrt == tuple(a for a in entry.args if a != "y_true")
    x = entry.example(np.random.default_rng(13), 5)
    assert list(x) == list(entry.args) and all(v.dtype == np.float64 for v in x.values())
    assert np.all(np.isfinite(call(name, x, reduction="none")))
    # the sampler keeps away from the kinks at default options
    assert kink_distance(name, x, {}) > 0.05


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


def both(name):
    """The loss and its gradient, as parameters."""
    return [pytest.param(getattr(losslib, name + s), id=name + s) for s in ("", "_grad")]


def fns(*names):
    return pytest.mark.parametrize("fn", [p for n in names for p in both(n)])


E = np.ones((3, 4))


@fns("contrastive", "cosine_embedding")
def test_pair_shape_mismatch(fn):
    y = np.ones(3)
    with raises(
        ValueError, "x2 has shape (3, 5) but x1 has shape (3, 4)", "must have the same shape", "does not broadcast"
    ):
        fn(y, E, np.ones((3, 5)))
    with raises(ValueError, "x2 has shape (1, 4) but x1 has shape (3, 4)"):
        fn(y, E, np.ones((1, 4)))
    with raises(ValueError, "x1 has shape (2, 3, 4)", "(N, D) or (D,)", "reshape(-1, 4)"):
        fn(np.ones((2, 3)), np.ones((2, 3, 4)), np.ones((2, 3, 4)))
    with raises(ValueError, "y_true has shape (3, 1) but x1 has shape (3, 4)", "needs shape (3,)"):
        fn(np.ones((3, 1)), E, E)


@fns("triplet")
def test_triplet_shape_mismatch(fn):
    with raises(ValueError, "negative has shape (2, 4) but anchor has shape (3, 4)"):
        fn(E, E, np.ones((2, 4)))
    with raises(ValueError, "positive has shape (4,) but anchor has shape (3, 4)"):
        fn(E, np.ones(4), E)
    with raises(ValueError, "anchor has shape ()", "1-D array"):
        fn(1.0, 1.0, 1.0)


@fns("info_nce", "nt_xent")
def test_batch_shape_mismatch(fn):
    first, second = {"info_nce": ("queries", "keys"), "nt_xent": ("z1", "z2")}[fn.__name__.removesuffix("_grad")]
    with raises(ValueError, f"{second} has shape (4, 4) but {first} has shape (3, 4)"):
        fn(E, np.ones((4, 4)))
    with raises(ValueError, f"{first} has shape (4,)", "(N, D)", f"{first}[None, :]"):
        fn(np.ones(4), np.ones(4))


@fns("contrastive")
@pytest.mark.parametrize("label", [-1, 2, 0.5, np.nan])
def test_contrastive_labels_are_0_or_1(fn, label):
    y = np.array([1.0, 0.0, label])
    with raises(ValueError, "y_true must hold only 0 and 1", "y_true[2] =", "(y_true + 1) / 2"):
        fn(y, E, E)


@fns("cosine_embedding")
@pytest.mark.parametrize("label", [0, 2, 0.5, np.nan])
def test_cosine_labels_are_1_or_minus_1(fn, label):
    y = np.array([1.0, label, -1.0])
    with raises(ValueError, "y_true must hold only -1 and 1", "y_true[1] =", "2 * y_true - 1"):
        fn(y, E, E)


@fns("contrastive", "cosine_embedding")
def test_labels_must_be_numbers(fn):
    with raises(TypeError, "y_true must hold numeric labels", "dtype <U"):
        fn(np.array(["a", "b", "c"]), E, E)


@fns("info_nce", "nt_xent")
@pytest.mark.parametrize("tau", [0.0, -0.1, np.inf, np.nan])
def test_temperature_must_be_positive(fn, tau):
    with raises(ValueError, "temperature must be a finite number > 0", repr(tau)):
        fn(E, E, temperature=tau)
    with raises(TypeError, "temperature must be a real number"):
        fn(E, E, temperature="0.1")


@fns("contrastive")
def test_contrastive_margin_and_eps_must_be_non_negative(fn):
    with raises(ValueError, "margin must be a finite number >= 0, got -0.5"):
        fn(np.ones(3), E, E, margin=-0.5)
    with raises(ValueError, "eps must be a finite number >= 0, got -1e-06"):
        fn(np.ones(3), E, E, eps=-1e-6)


@fns("triplet")
def test_triplet_options(fn):
    with raises(ValueError, "margin must be a finite number > 0, got -1.0"):
        fn(E, E, E, margin=-1.0)
    with raises(ValueError, "margin must be a finite number > 0, got 0.0"):  # as in PyTorch
        fn(E, E, E, margin=0.0)
    with raises(ValueError, "p must be a finite number >= 1", "got 0.5"):
        fn(E, E, E, p=0.5)
    with raises(ValueError, "p must be a finite number >= 1", "got inf"):
        fn(E, E, E, p=np.inf)
    with raises(TypeError, "p must be a real number", "got True", "pass a number >= 1"):
        fn(E, E, E, p=True)
    with raises(TypeError, "swap must be True or False, got 'yes'"):
        fn(E, E, E, swap="yes")
    with raises(ValueError, "eps must be a finite number >= 0"):
        fn(E, E, E, eps=-1.0)


@fns("cosine_embedding")
def test_cosine_options(fn):
    with raises(ValueError, "margin must be a finite number in [-1, 1]", "got 1.5"):
        fn(np.ones(3), E, E, margin=1.5)
    with raises(ValueError, "margin must be a finite number in [-1, 1]", "got -2"):
        fn(np.ones(3), E, E, margin=-2)
    with raises(ValueError, "eps must be a finite number > 0, got 0.0"):
        fn(np.ones(3), E, E, eps=0.0)


@pytest.mark.parametrize("name", EMBEDDING_LOSSES)
def test_nan_empty_and_reduction_are_refused_by_loss_and_gradient(name):
    x = info(name).example(np.random.default_rng(14), 3)
    arg = info(name).grad_wrt[-1]
    for fn in ("loss", "grad"):
        bad = x[arg].copy()
        bad[1, 2] = np.nan
        with raises(ValueError, f"{arg} contains NaN at {arg}[1, 2]"):
            call(name, dict(x, **{arg: bad}), fn)
        empty = {k: v[:0] for k, v in x.items()}
        with raises(ValueError, f"{info(name).grad_wrt[0]} is empty (shape (0, 3))"):
            call(name, empty, fn)
        with raises(ValueError, "reduction must be 'mean', 'sum' or 'none', got 'avg'"):
            call(name, x, fn, reduction="avg")


# --------------------------------------------------------------------------
# Selection procedures: pairwise_distances, mine_negatives, mine_triplets
# --------------------------------------------------------------------------


def test_pairwise_distances_match_scipy_and_are_exact_zero_on_the_diagonal():
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(40)
    x, y = rng.normal(size=(7, 4)), rng.normal(size=(5, 4))
    np.testing.assert_allclose(losslib.pairwise_distances(x, y), cdist(x, y), rtol=1e-12)
    np.testing.assert_allclose(losslib.pairwise_distances(x, y, squared=True), cdist(x, y, "sqeuclidean"), rtol=1e-12)
    d = losslib.pairwise_distances(x)
    np.testing.assert_allclose(d, cdist(x, x), rtol=1e-12, atol=1e-12)
    assert np.all(np.diag(d) == 0)
    # nearly equal rows far from the origin: the expansion rounds below 0, the result does not
    far = 1e4 + 1e-9 * rng.normal(size=(6, 3))
    assert np.all(losslib.pairwise_distances(far, squared=True) >= 0)
    assert np.all(losslib.pairwise_distances(far, far[::-1]) >= 0)


def test_pairwise_distances_dtypes_and_bad_input():
    x32 = np.ones((3, 2), dtype=np.float32)
    assert losslib.pairwise_distances(x32).dtype == np.float32
    assert losslib.pairwise_distances(x32, np.ones((2, 2))).dtype == np.float64
    with raises(ValueError, "x has shape (3, 2) and y has shape (2, 3)"):
        losslib.pairwise_distances(np.ones((3, 2)), np.ones((2, 3)))
    with raises(ValueError, "x has shape (3,)"):
        losslib.pairwise_distances(np.ones(3))
    with raises(TypeError, "squared must be True or False"):
        losslib.pairwise_distances(x32, squared=1)


def _brute_negatives(d, labels, anchors, positives, strategy):
    out = []
    for a, p in zip(anchors, positives):
        negs = [j for j in range(len(labels)) if labels[j] != labels[a]]
        if strategy == "hard":
            out.append(min(negs, key=lambda j: (d[a, j], j)))
            continue
        farther = [j for j in negs if d[a, j] > d[a, p]]
        if farther:
            out.append(min(farther, key=lambda j: (d[a, j], j)))
        else:
            out.append(min(negs, key=lambda j: (-d[a, j], j)))
    return np.array(out)


@pytest.mark.parametrize("strategy", ["hard", "semi-hard"])
def test_mine_negatives_agrees_with_a_loop(strategy):
    rng = np.random.default_rng(41)
    for _ in range(20):
        n = int(rng.integers(3, 12))
        labels = rng.integers(0, 3, size=n)
        labels[:2] = [0, 1]  # at least two classes
        z = rng.normal(size=(n, 2))
        d = losslib.pairwise_distances(z)
        anchors = rng.integers(0, n, size=8)
        positives = rng.integers(0, n, size=8)
        got = losslib.mine_negatives(d, labels, anchors, positives, strategy=strategy)
        np.testing.assert_array_equal(got, _brute_negatives(d, labels, anchors, positives, strategy))


def test_mine_negatives_random_is_seeded_and_draws_only_negatives():
    labels = np.array([0, 0, 1, 1, 2, 2])
    d = losslib.pairwise_distances(np.arange(12.0).reshape(6, 2))
    a = np.zeros(2000, dtype=int)
    n1 = losslib.mine_negatives(d, labels, a, a + 1, strategy="random", rng=3)
    n2 = losslib.mine_negatives(d, labels, a, a + 1, strategy="random", rng=np.random.default_rng(3))
    np.testing.assert_array_equal(n1, n2)
    counts = np.bincount(n1, minlength=6)
    assert counts[0] == counts[1] == 0 and np.all(counts[2:] > 400)  # uniform over the 4 negatives


def test_mine_negatives_bad_input():
    d = np.zeros((3, 3))
    with raises(ValueError, "anchor 0 (class 1) has no negative"):
        losslib.mine_negatives(d, [1, 1, 1], [0], [1])
    with raises(ValueError, "dist has shape (3, 2)"):
        losslib.mine_negatives(np.zeros((3, 2)), [0, 1, 1], [0], [1])
    with raises(ValueError, "labels has shape (2,)"):
        losslib.mine_negatives(d, [0, 1], [0], [1])
    with raises(ValueError, "strategy must be 'random', 'semi-hard' or 'hard', got 'easy'"):
        losslib.mine_negatives(d, [0, 1, 1], [1], [2], strategy="easy")
    with raises(ValueError, "anchors holds indices outside 0..2"):
        losslib.mine_negatives(d, [0, 1, 1], [3], [2])
    with raises(TypeError, "positives must hold integer indices"):
        losslib.mine_negatives(d, [0, 1, 1], [1], [2.0])


def test_mine_triplets_enumerates_pairs_and_batch_hard_picks_extremes():
    rng = np.random.default_rng(42)
    z = rng.normal(size=(9, 2))
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2, 3])  # example 8 is alone in its class: never an anchor
    a, p, n = losslib.mine_triplets(z, labels, strategy="hard")
    assert len(a) == 3 * 2 + 2 * 1 + 3 * 2
    assert np.all(labels[a] == labels[p]) and np.all(a != p) and np.all(labels[a] != labels[n])
    d = losslib.pairwise_distances(z)
    a, p, n = losslib.mine_triplets(z, labels, strategy="batch-hard")
    np.testing.assert_array_equal(a, np.arange(8))
    for i, j, k in zip(a, p, n):
        same = (labels == labels[i]) & (np.arange(9) != i)
        assert d[i, j] == d[i, same].max()
        assert d[i, k] == d[i, labels != labels[i]].min()
    with raises(ValueError, "every example of the batch has the same label"):
        losslib.mine_triplets(z[:3], labels[:3])
