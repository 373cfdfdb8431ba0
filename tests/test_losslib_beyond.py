"""The losses beyond the core: soft Dice and Jaccard, CTC, the VAE's negative ELBO, the GAN losses
and the parameter penalties.

Oracles, all independent of losslib's code: loops over the pixels and closed forms (Dice, Jaccard,
penalties), a brute-force sum over every alignment (CTC), SciPy's distributions (VAE, GAN,
penalties), identities (J = D / (2 - D), CTC with one alignment = cross-entropy, the CTC
probabilities of all label sequences sum to 1), central finite differences for every gradient
and option, and long-double runs for the rounding error. PyTorch's values for CTC, the VAE and the
GAN losses are in ``tests/data/reference_beyond_torch.json`` (checked by ``test_losslib_oracle.py``).
The registry claims of these entries are checked here too, with their samplers.
"""

from __future__ import annotations

import itertools
import zlib

import numpy as np
import pytest
import scipy.special as sps
import scipy.stats as stats

import losslib

REDUCTIONS = ("mean", "sum", "none")
NAMES = (
    "dice",
    "soft_jaccard",
    "ctc",
    "vae_elbo",
    "gan_discriminator",
    "gan_generator",
    "l1_penalty",
    "l2_penalty",
    "elastic_net",
)
KINDS = ("minimax", "non_saturating", "wasserstein", "hinge", "least_squares")
ENTRIES = [losslib.LOSSES[name] for name in NAMES]
BY_ENTRY = pytest.mark.parametrize("info", ENTRIES, ids=NAMES)


def _rng(*parts) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(repr(parts).encode()))


def _grads(info, grad) -> dict:
    """A gradient as ``{argument: array}``, whether the loss returns an array or a NamedTuple."""
    return dict(zip(info.grad_wrt, grad)) if len(info.grad_wrt) > 1 else {info.grad_wrt[0]: grad}


def _assert_fd(name: str, inputs: dict, **options) -> None:
    """Every gradient of ``name`` at ``inputs`` matches central finite differences."""
    info = losslib.LOSSES[name]
    args = [inputs[a] for a in info.args]
    for wrt in info.grad_wrt:
        result = losslib.check_grad(name, *args, wrt=wrt, rtol=1e-6, atol=1e-9, **options)
        assert result.ok, (
            f"{name} {options}: gradient wrt {wrt} vs finite differences: max abs error "
            f"{result.max_abs_error:.3g}\nanalytic {result.analytic}\nnumeric {result.numeric}"
        )


def _reduce(per_item: np.ndarray, reduction: str, weights=None):
    if reduction == "none":
        return per_item
    if reduction == "sum":
        return per_item.sum()
    return per_item.mean() if weights is None else (per_item * weights).sum()


# ==========================================================================
# Segmentation: soft Dice and soft Jaccard
# ==========================================================================


def _examples(a: np.ndarray) -> list[np.ndarray]:
    """The examples of a mask array: its rows (flattened), or the whole of a 1-D array."""
    return [a] if a.ndim == 1 else [row.ravel() for row in a]


def dice_loop(y, p, smooth=1.0, squared=False) -> np.ndarray:
    out = []
    for ye, pe in zip(_examples(y), _examples(p)):
        inter = sum(float(a) * float(b) for a, b in zip(ye, pe))
        if squared:
            den = sum(float(a) ** 2 for a in ye) + sum(float(b) ** 2 for b in pe)
        else:
            den = sum(float(a) for a in ye) + sum(float(b) for b in pe)
        out.append(1.0 - (2.0 * inter + smooth) / (den + smooth))
    return np.array(out).reshape(() if y.ndim == 1 else (len(out),))


def jaccard_loop(y, p, smooth=1.0) -> np.ndarray:
    out = []
    for ye, pe in zip(_examples(y), _examples(p)):
        inter = sum(float(a) * float(b) for a, b in zip(ye, pe))
        union = sum(float(a) for a in ye) + sum(float(b) for b in pe) - inter
        out.append(1.0 - (inter + smooth) / (union + smooth))
    return np.array(out).reshape(() if y.ndim == 1 else (len(out),))


MASK_SHAPES = [(7,), (4, 6), (2, 3, 4, 2)]
MASK_OPTIONS = [
    ("dice", {}),
    ("dice", {"smooth": 0.0}),
    ("dice", {"smooth": 0.5, "squared": True}),
    ("dice", {"smooth": 0.0, "squared": True}),
    ("soft_jaccard", {}),
    ("soft_jaccard", {"smooth": 0.0}),
    ("soft_jaccard", {"smooth": 2.5}),
]


def _masks(shape, soft=False, tag=""):
    rng = _rng("masks", shape, soft, tag)
    y = rng.uniform(size=shape) if soft else rng.integers(0, 2, size=shape).astype(float)
    return y, rng.uniform(0.02, 0.98, size=shape)


def _mask_oracle(name, y, p, options):
    if name == "dice":
        return dice_loop(y, p, options.get("smooth", 1.0), options.get("squared", False))
    return jaccard_loop(y, p, options.get("smooth", 1.0))


@pytest.mark.parametrize(("name", "options"), MASK_OPTIONS)
@pytest.mark.parametrize("shape", MASK_SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("soft", [False, True], ids=["hard", "soft"])
def test_masks_match_loops_and_finite_differences(name, options, shape, soft):
    y, p = _masks(shape, soft)
    per_example = _mask_oracle(name, y, p, options)
    fn = getattr(losslib, name)
    for reduction in REDUCTIONS:
        np.testing.assert_allclose(
            fn(y, p, reduction=reduction, **options), _reduce(per_example, reduction), rtol=1e-12, atol=0
        )
        _assert_fd(name, {"y_true": y, "y_pred": p}, reduction=reduction, **options)
    assert np.shape(fn(y, p, reduction="none", **options)) == (() if len(shape) == 1 else (shape[0],))


@pytest.mark.parametrize("name", ["dice", "soft_jaccard"])
def test_a_perfect_mask_costs_zero_and_empty_masks_need_smoothing(name):
    fn, grad = getattr(losslib, name), getattr(losslib, name + "_grad")
    y = np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 0.0]])
    assert np.all(fn(y, y.copy(), smooth=0.0, reduction="none") == 0.0)
    assert np.all(fn(y, y.copy(), smooth=3.0, reduction="none") == 0.0)
    # both masks empty: 0 with smoothing (s / s), undefined without
    zeros = np.zeros((2, 3))
    assert np.all(fn(zeros, zeros, reduction="none") == 0.0)
    with pytest.raises(ValueError, match=r"undefined \(0/0\) for example 1.*smooth > 0"):
        fn(np.array([[1.0, 0, 0], [0, 0, 0]]), np.array([[0.5, 0, 0], [0, 0, 0]]), smooth=0.0)
    # the gradient at a perfect 0/1 mask, smooth = 0: (1 - 2y) / (2 |Y|) for Dice, (1 - 2y + y) ... for J
    g = grad(y[:1], y[:1].copy(), smooth=0.0, reduction="sum")
    expected = (1 - 2 * y[:1]) / 6.0 if name == "dice" else ((1 - 2 * y[:1]) * 3 - 0) / 9.0
    np.testing.assert_allclose(g, expected, rtol=1e-15)


def test_jaccard_is_dice_over_two_minus_dice_without_smoothing():
    for shape in MASK_SHAPES:
        for soft in (False, True):
            y, p = _masks(shape, soft, "jd")
            d = 1.0 - losslib.dice(y, p, smooth=0.0, reduction="none")  # Dice coefficient
            j = 1.0 - losslib.soft_jaccard(y, p, smooth=0.0, reduction="none")
            np.testing.assert_allclose(j, d / (2.0 - d), rtol=1e-13)
            # as losses: l_J = 2 l_D / (1 + l_D), so their gradients are proportional
            l_d = losslib.dice(y, p, smooth=0.0, reduction="none")
            gd = losslib.dice_grad(y, p, smooth=0.0, reduction="none")
            gj = losslib.soft_jaccard_grad(y, p, smooth=0.0, reduction="none")
            factor = np.reshape(2.0 / (1.0 + l_d) ** 2, np.shape(l_d) + (1,) * (len(shape) - 1))
            np.testing.assert_allclose(gj, factor * gd, rtol=1e-12, atol=1e-15)


def test_squared_dice_equals_linear_dice_for_binary_predictions():
    y = np.array([[1.0, 0.0, 1.0, 0.0, 1.0]])
    p = np.array([[1.0, 1.0, 0.0, 0.0, 1.0]])
    np.testing.assert_allclose(losslib.dice(y, p, squared=True), losslib.dice(y, p), rtol=1e-15)
    # 2 * 2 + 1 over 3 + 3 + 1
    np.testing.assert_allclose(losslib.dice(y, p), 1 - 5 / 7, rtol=1e-15)


def test_dice_example_by_hand():
    # intersection 0.9 + 0.6 = 1.5, sums 2 and 1.7: 1 - (3 + 1) / (3.7 + 1) = 0.7 / 4.7
    y, p = [1.0, 1.0, 0.0, 0.0], [0.9, 0.6, 0.2, 0.0]
    np.testing.assert_allclose(losslib.dice(y, p), 0.7 / 4.7, rtol=1e-15)
    # union 2 + 1.7 - 1.5 = 2.2: 1 - 1.5 / 2.2
    np.testing.assert_allclose(losslib.soft_jaccard(y, p, smooth=0.0), 0.7 / 2.2, rtol=1e-15)


@pytest.mark.parametrize("name", ["dice", "soft_jaccard"])
def test_masks_are_not_proper_scoring_rules(name):
    """Pixels drawn independently with probabilities q: predicting q is not optimal."""
    fn, grad = getattr(losslib, name), getattr(losslib, name + "_grad")
    # one pixel, smooth = 1: the expected loss is minimised away from q
    grid = np.linspace(0.001, 0.999, 999)[:, None]  # 999 one-pixel examples
    ones, zeros = np.ones_like(grid), np.zeros_like(grid)
    for q in (0.3, 0.5, 0.7):
        expected = q * fn(ones, grid, reduction="none") + (1 - q) * fn(zeros, grid, reduction="none")
        assert abs(grid[int(np.argmin(expected)), 0] - q) > 0.05
    grid = grid[:, 0]
    if name == "dice":
        # q = 1/2: E(p) = (1 - p) / (2 (p + 2)) + p / (2 (p + 1)) has its only stationary point,
        # (p + 2)^2 = 3 (p + 1)^2, at a maximum: the best predictions are 0 and 1 (over-confident)
        expected = 0.5 * (1 - grid) / (grid + 2) + 0.5 * grid / (grid + 1)
        np.testing.assert_allclose(
            0.5 * fn(ones, grid[:, None], reduction="none") + 0.5 * fn(zeros, grid[:, None], reduction="none"),
            expected,
            rtol=1e-13,
        )
        assert abs(grid[int(np.argmax(expected))] - (2 - np.sqrt(3)) / (np.sqrt(3) - 1)) < 1e-3
        assert np.argmin(expected) in (0, len(grid) - 1)
    # three pixels: exact expectation over the 8 masks; its gradient at p = q is not 0
    q = np.array([0.2, 0.5, 0.9])
    masks = np.array(list(itertools.product([0.0, 1.0], repeat=3)))
    prob = np.prod(np.where(masks == 1, q, 1 - q), axis=1)
    expected = float(prob @ fn(masks, np.tile(q, (8, 1)), reduction="none"))
    slope = prob @ grad(masks, np.tile(q, (8, 1)), reduction="none")
    better = q - 1e-2 * np.sign(slope)
    assert float(prob @ fn(masks, np.tile(better, (8, 1)), reduction="none")) < expected


# ==========================================================================
# Penalties
# ==========================================================================

PARAM_SHAPES = [(), (5,), (3, 4)]


def _params(shape, tag=""):
    rng = _rng("params", shape, tag)
    return rng.uniform(0.05, 3.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def penalty_terms(name, w, alpha=1.0, l1_ratio=0.5):
    """Per-parameter penalty by the textbook formulas (scikit-learn's for the elastic net)."""
    flat = [float(v) for v in np.ravel(w)]
    if name == "l1_penalty":
        terms = [abs(v) for v in flat]
    elif name == "l2_penalty":
        terms = [0.5 * v * v for v in flat]
    else:  # sklearn.linear_model.ElasticNet: alpha * l1_ratio * ||w||_1 + 0.5 * alpha * (1 - l1_ratio) * ||w||_2^2
        terms = [alpha * l1_ratio * abs(v) + 0.5 * alpha * (1 - l1_ratio) * v * v for v in flat]
    return np.array(terms).reshape(np.shape(w))


PENALTY_OPTIONS = [
    ("l1_penalty", {}),
    ("l2_penalty", {}),
    ("elastic_net", {}),
    ("elastic_net", {"alpha": 0.3, "l1_ratio": 0.8}),
    ("elastic_net", {"alpha": 2.0, "l1_ratio": 0.0}),
    ("elastic_net", {"alpha": 1.5, "l1_ratio": 1.0}),
]


@pytest.mark.parametrize(("name", "options"), PENALTY_OPTIONS)
@pytest.mark.parametrize("shape", PARAM_SHAPES, ids=lambda s: "x".join(map(str, s)) or "scalar")
def test_penalties_match_closed_forms_and_finite_differences(name, options, shape):
    w = _params(shape)
    terms = penalty_terms(name, w, **options)
    fn = getattr(losslib, name)
    np.testing.assert_allclose(fn(w, **options), terms.sum(), rtol=1e-14)  # default: "sum"
    for reduction in REDUCTIONS:
        np.testing.assert_allclose(fn(w, reduction=reduction, **options), _reduce(terms, reduction), rtol=1e-14)
        if shape:
            _assert_fd(name, {"params": w}, reduction=reduction, **options)


def test_elastic_net_interpolates_l1_and_l2():
    w = _params((6,), "enet")
    np.testing.assert_allclose(losslib.elastic_net(w, alpha=0.7, l1_ratio=1.0), 0.7 * losslib.l1_penalty(w), rtol=1e-15)
    np.testing.assert_allclose(losslib.elastic_net(w, alpha=0.7, l1_ratio=0.0), 0.7 * losslib.l2_penalty(w), rtol=1e-15)
    mix = 0.25 * losslib.l1_penalty(w) + 0.75 * losslib.l2_penalty(w)
    np.testing.assert_allclose(losslib.elastic_net(w, alpha=1.0, l1_ratio=0.25), mix, rtol=1e-14)
    assert losslib.elastic_net(w, alpha=0.0) == 0.0


def test_penalty_subgradient_is_zero_at_zero():
    w = np.array([0.0, -0.0, 2.0, -3.0])
    np.testing.assert_array_equal(losslib.l1_penalty_grad(w), [0.0, 0.0, 1.0, -1.0])
    np.testing.assert_array_equal(losslib.l2_penalty_grad(w), w)
    np.testing.assert_allclose(
        losslib.elastic_net_grad(w, alpha=2.0, l1_ratio=0.25), [0.0, 0.0, 0.5 + 3.0, -0.5 - 4.5], rtol=1e-15
    )
    np.testing.assert_array_equal(losslib.l1_penalty_grad(w, reduction="mean"), [0.0, 0.0, 0.25, -0.25])


def test_penalties_are_negative_log_priors():
    """|w| = -log Laplace(w; 0, 1) - log 2 and w^2 / 2 = -log N(w; 0, 1) - log(2 pi) / 2."""
    w = _params((50,), "prior")
    np.testing.assert_allclose(
        losslib.l1_penalty(w, reduction="none"), -stats.laplace.logpdf(w) - np.log(2.0), rtol=1e-13
    )
    np.testing.assert_allclose(
        losslib.l2_penalty(w, reduction="none"), -stats.norm.logpdf(w) - 0.5 * np.log(2 * np.pi), rtol=1e-12
    )


# ==========================================================================
# CTC
# ==========================================================================


def collapse(path, blank: int) -> tuple:
    """Graves' map B: merge repeats, then drop blanks."""
    out, prev = [], None
    for k in path:
        if k != prev and k != blank:
            out.append(int(k))
        prev = k
    return tuple(out)


def ctc_brute_one(target, z, blank):
    """-log p(target | z) and its gradient wrt the logits z (T, C), by summing over every path."""
    t_len, n_classes = z.shape
    logp = sps.log_softmax(z, axis=-1)
    paths = [
        np.array(p, dtype=int)
        for p in itertools.product(range(n_classes), repeat=t_len)
        if collapse(p, blank) == tuple(target)
    ]
    if not paths:
        return np.inf, np.full_like(z, np.nan)
    log_path = np.array([logp[np.arange(t_len), p].sum() for p in paths])
    loglik = sps.logsumexp(log_path)
    occupancy = np.zeros_like(z)
    for weight, p in zip(np.exp(log_path - loglik), paths):
        occupancy[np.arange(t_len), p] += weight
    return -loglik, np.exp(logp) - occupancy


def ctc_brute(y, z, input_lengths, target_lengths, blank=0, zero_infinity=False, reduction="mean"):
    n = z.shape[0]
    losses, grads = np.zeros(n), np.zeros_like(z)
    for i in range(n):
        t_len, l_len = input_lengths[i], target_lengths[i]
        losses[i], grads[i, :t_len] = ctc_brute_one(y[i, :l_len], z[i, :t_len], blank)
        if zero_infinity and np.isinf(losses[i]):
            losses[i], grads[i] = 0.0, 0.0
    weights = 1.0 / (n * np.maximum(target_lengths, 1)) if reduction == "mean" else np.ones(n)
    return _reduce(losses, reduction, weights if reduction == "mean" else None), grads * weights[:, None, None]


CTC_CASES = {
    # id: (targets (N, S), input_lengths, target_lengths, options)
    "basic": (np.array([[1, 2], [2, 2], [1, 1]]), [4, 4, 3], [2, 2, 1], {}),
    "blank2": (np.array([[0, 1], [1, 1], [0, 0]]), [4, 3, 4], [2, 2, 1], {"blank": 2}),
    "repeats-tight": (np.array([[1, 1], [2, 2], [1, 2]]), [3, 4, 2], [2, 2, 2], {}),
    "empty-and-no-frames": (np.array([[1, 2], [2, 1], [1, 1]]), [4, 0, 1], [0, 0, 1], {}),
    # too long for the input, too many repeats, labels but no frames; and one possible target
    "impossible": (np.array([[1, 2, 1], [1, 1, 0], [2, 0, 0], [1, 2, 0]]), [2, 2, 0, 4], [3, 2, 1, 2], {}),
    "impossible-zero_infinity": (
        np.array([[1, 2, 1], [1, 1, 0], [2, 0, 0], [1, 2, 0]]),
        [2, 2, 0, 4],
        [3, 2, 1, 2],
        {"zero_infinity": True},
    ),
}


def _ctc_logits(case_id, n, scale=1.5):
    return scale * _rng("ctc", case_id).normal(size=(n, 4, 3))


@pytest.mark.parametrize("case_id", CTC_CASES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_matches_the_sum_over_all_alignments(case_id, reduction):
    y, input_lengths, target_lengths, options = CTC_CASES[case_id]
    z = _ctc_logits(case_id, y.shape[0])
    value = losslib.ctc(y, z, input_lengths, target_lengths, reduction=reduction, **options)
    grad = losslib.ctc_grad(y, z, input_lengths, target_lengths, reduction=reduction, **options)
    ref_value, ref_grad = ctc_brute(
        y, z, np.array(input_lengths), np.array(target_lengths), reduction=reduction, **options
    )
    np.testing.assert_allclose(value, ref_value, rtol=1e-12, atol=0)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-9, atol=1e-15)  # NaN where the brute force has NaN
    assert grad.shape == z.shape and grad.dtype == np.float64


@pytest.mark.parametrize(
    "case_id", [c for c in CTC_CASES if not c.startswith("impossible")] + ["impossible-zero_infinity"]
)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_gradient_matches_finite_differences(case_id, reduction):
    y, input_lengths, target_lengths, options = CTC_CASES[case_id]
    inputs = {
        "y_true": y,
        "y_pred": _ctc_logits(case_id, y.shape[0]),
        "input_lengths": np.array(input_lengths),
        "target_lengths": np.array(target_lengths),
    }
    _assert_fd("ctc", inputs, reduction=reduction, **options)


def _all_sequences(n_labels_from: list[int], max_len: int):
    return [seq for length in range(max_len + 1) for seq in itertools.product(n_labels_from, repeat=length)]


def _ctc_of_sequences(z, sequences, blank=0):
    """-log p(l | z) for each label sequence l, in one batch."""
    width = max(1, max(map(len, sequences)))
    y = np.array([list(s) + [0] * (width - len(s)) for s in sequences])  # padding: ignored
    batch = np.broadcast_to(z, (len(sequences), *z.shape))
    lengths = np.array([len(s) for s in sequences])
    return losslib.ctc(y, batch, np.full(len(sequences), z.shape[0]), lengths, blank=blank, reduction="none")


@pytest.mark.parametrize("blank", [0, 2])
def test_ctc_probabilities_of_all_label_sequences_sum_to_one(blank):
    z = 2.0 * _rng("ctc-normalised", blank).normal(size=(4, 3))
    labels = [c for c in range(3) if c != blank]
    sequences = _all_sequences(labels, 4)  # every sequence that 4 frames can emit
    np.testing.assert_allclose(np.exp(-_ctc_of_sequences(z, sequences, blank)).sum(), 1.0, rtol=1e-13)


def test_ctc_is_a_strictly_proper_scoring_rule_of_label_sequences():
    """E_{l ~ p(.|z*)} [-log p(l | z)] is smallest at z = z* (Gibbs' inequality)."""
    rng = _rng("ctc-proper")
    z_star = 1.5 * rng.normal(size=(3, 3))
    sequences = _all_sequences([1, 2], 3)
    # the sequences that 3 frames can emit ("111" cannot: it needs 5)
    sequences = [seq for seq, loss in zip(sequences, _ctc_of_sequences(z_star, sequences)) if np.isfinite(loss)]
    q = np.exp(-_ctc_of_sequences(z_star, sequences))
    np.testing.assert_allclose(q.sum(), 1.0, rtol=1e-14)
    best = q @ _ctc_of_sequences(z_star, sequences)
    for scale in (1e-3, 1e-2, 0.3, 2.0):
        for _ in range(5):
            z = z_star + scale * rng.normal(size=z_star.shape)
            assert q @ _ctc_of_sequences(z, sequences) > best
    # shifting a frame's logits changes no probability, so it changes nothing
    np.testing.assert_allclose(q @ _ctc_of_sequences(z_star + 7.0, sequences), best, rtol=1e-13)


@pytest.mark.parametrize(("dtype", "big"), [(np.float64, 1e4), (np.float32, 80.0)])
def test_ctc_with_one_alignment_is_cross_entropy_even_at_extreme_logits(dtype, big):
    """T = L and no repeats: the only alignment is the target itself, so CTC = sum of cross-entropies."""
    rng = _rng("ctc-ce", big)
    z = rng.uniform(-big, big, size=(2, 5, 4)).astype(dtype)
    y = np.array([[1, 3, 2, 1, 3], [2, 1, 2, 3, 1]])
    for reduction in REDUCTIONS:
        value = losslib.ctc(y, z, [5, 5], [5, 5], reduction=reduction)
        per_example = losslib.cross_entropy(y, z, reduction="none").sum(axis=1)
        assert value.dtype == dtype and np.all(np.isfinite(value))
        rtol = 1e-12 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(value, _reduce(per_example, reduction, 1 / (2 * 5) * np.ones(2)), rtol=rtol)
        grad = losslib.ctc_grad(y, z, [5, 5], [5, 5], reduction="sum")
        assert grad.dtype == dtype
        # the occupation probabilities are exponentials of sums of log-probabilities of size ~big,
        # so they carry an absolute error of a few ulps of big (the inputs' own resolution)
        np.testing.assert_allclose(
            grad, losslib.cross_entropy_grad(y, z, reduction="sum"), rtol=rtol, atol=50 * big * np.finfo(dtype).eps
        )


@pytest.mark.parametrize(("dtype", "big"), [(np.float64, 1e4), (np.float32, 80.0)])
def test_ctc_is_finite_at_extreme_logits(dtype, big):
    rng = _rng("ctc-extreme", big)
    z = rng.uniform(-big, big, size=(3, 7, 4)).astype(dtype)
    y = np.array([[1, 2, 3], [1, 1, 2], [3, 3, 3]])
    for reduction in REDUCTIONS:
        value = losslib.ctc(y, z, [7, 6, 7], [3, 3, 3], reduction=reduction)
        grad = losslib.ctc_grad(y, z, [7, 6, 7], [3, 3, 3], reduction=reduction)
        assert value.dtype == dtype and grad.dtype == dtype
        assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad))
    # a confident right path costs 0; a wrong target costs 2 big per frame that must change (3 here,
    # minus the log of the number of such alignments), as the sum over all 3^6 paths says
    path = [1, 0, 2, 2, 0, 1]
    z = np.full((1, 6, 3), -big, dtype=dtype)
    z[0, np.arange(6), path] = big
    assert losslib.ctc([[1, 2, 1]], z, [6], [3], reduction="sum") == 0.0
    for target in ([2, 1, 2], [1, 1], [2]):
        value = losslib.ctc([target], z, [6], [len(target)], reduction="sum")
        grad = losslib.ctc_grad([target], z, [6], [len(target)], reduction="sum")
        ref_value, ref_grad = ctc_brute_one(target, z[0].astype(np.float64), blank=0)
        np.testing.assert_allclose(value, ref_value, rtol=1e-6 if dtype == np.float32 else 1e-13)
        np.testing.assert_allclose(grad[0], ref_grad, atol=50 * big * np.finfo(dtype).eps)
    assert 6 * big - 10 < losslib.ctc([[2, 1, 2]], z, [6], [3], reduction="sum") < 6 * big


def test_ctc_float32_agrees_with_float64():
    info = losslib.LOSSES["ctc"]
    inputs = info.sampler(_rng("ctc-f32"), 4)
    z32 = inputs["y_pred"].astype(np.float32)
    args64 = [inputs[a] for a in info.args]
    args32 = [z32 if a == "y_pred" else inputs[a] for a in info.args]
    for reduction in REDUCTIONS:
        v32, g32 = losslib.ctc(*args32, reduction=reduction), losslib.ctc_grad(*args32, reduction=reduction)
        assert v32.dtype == np.float32 and g32.dtype == np.float32
        np.testing.assert_allclose(v32, losslib.ctc(*args64, reduction=reduction), rtol=1e-5)
        np.testing.assert_allclose(g32, losslib.ctc_grad(*args64, reduction=reduction), atol=1e-6)


@pytest.mark.skipif(np.finfo(np.longdouble).eps >= np.finfo(np.float64).eps, reason="no extended precision")
@pytest.mark.parametrize("scale", [1.0, 3.0, 30.0])
def test_ctc_gradient_is_accurate_to_rounding(scale):
    """Every entry (also those below 1e-3 that the PyTorch comparison leaves out) is within a few
    ulps of the logits' magnitude of a run in extended precision (as PyTorch's are: an entry is a
    difference of probabilities that are exponentials of sums of log-probabilities of that size)."""
    rng = _rng("ctc-ld", scale)
    y = rng.integers(1, 5, size=(4, 4))
    z = scale * rng.normal(size=(4, 12, 5))
    lengths = ([12, 11, 10, 12], [4, 3, 2, 4])
    g = losslib.ctc_grad(y, z, *lengths, reduction="sum")
    g_ld = losslib.ctc_grad(y, z.astype(np.longdouble), *lengths, reduction="sum")
    np.testing.assert_allclose(g, g_ld.astype(np.float64), rtol=0, atol=20 * np.finfo(float).eps * np.abs(z).max())
    v_ld = losslib.ctc(y, z.astype(np.longdouble), *lengths, reduction="none")
    np.testing.assert_allclose(losslib.ctc(y, z, *lengths, reduction="none"), v_ld.astype(np.float64), rtol=1e-14)


def test_ctc_impossible_targets_give_inf_as_in_pytorch():
    """A target longer than its input (or with too many repeats) is no error: its loss is inf (NaN
    gradient on its frames) unless zero_infinity, as in PyTorch."""
    z = _ctc_logits("inf", 2)
    y = np.array([[1, 2, 1], [1, 1, 0]])
    value = losslib.ctc(y, z, [2, 2], [3, 2], reduction="none")
    assert np.all(np.isinf(value))
    grad = losslib.ctc_grad(y, z, [2, 2], [3, 2], reduction="none")
    assert np.all(np.isnan(grad[:, :2])) and np.all(grad[:, 2:] == 0)
    assert np.isinf(losslib.ctc(y, z, [2, 2], [3, 2]))
    assert losslib.ctc(y, z, [2, 2], [3, 2], zero_infinity=True) == 0.0
    assert np.all(losslib.ctc_grad(y, z, [2, 2], [3, 2], zero_infinity=True) == 0.0)


def test_ctc_mean_divides_by_target_lengths():
    y, input_lengths, target_lengths, _ = CTC_CASES["empty-and-no-frames"]
    z = _ctc_logits("mean", 3)
    per = losslib.ctc(y, z, input_lengths, target_lengths, reduction="none")
    np.testing.assert_allclose(
        losslib.ctc(y, z, input_lengths, target_lengths), np.mean(per / np.maximum(target_lengths, 1)), rtol=1e-15
    )


def test_ctc_accepts_log_probabilities():
    z = _ctc_logits("logp", 3)
    y, input_lengths, target_lengths, _ = CTC_CASES["basic"]
    log_probs = sps.log_softmax(z, axis=-1)
    np.testing.assert_allclose(
        losslib.ctc(y, log_probs, input_lengths, target_lengths),
        losslib.ctc(y, z, input_lengths, target_lengths),
        rtol=1e-14,
    )


# ==========================================================================
# VAE
# ==========================================================================


def vae_oracle(x, x_recon, mu, logvar, likelihood="bernoulli"):
    """Per-example negative ELBO from SciPy: the decoder's log-likelihood and the KL through entropies.

    KL(q || N(0, 1)) = -H(q) + E_q[-log N(z; 0, 1)] = -H(q) + log(2 pi) / 2 + (mu^2 + sigma^2) / 2.
    """
    if likelihood == "bernoulli":
        # for soft data x: x log sigma + (1 - x) log(1 - sigma), the Bernoulli log-pmf interpolated
        recon = -(x * sps.log_expit(x_recon) + (1 - x) * sps.log_expit(-x_recon))
    else:
        recon = -stats.norm.logpdf(x, loc=x_recon, scale=1.0) - 0.5 * np.log(2 * np.pi)
    sigma2 = np.exp(logvar)
    kl = -stats.norm(mu, np.sqrt(sigma2)).entropy() + 0.5 * np.log(2 * np.pi) + 0.5 * (mu**2 + sigma2)
    if x.ndim == 1:
        return np.array(recon.sum() + kl.sum())
    return recon.reshape(len(x), -1).sum(1) + kl.reshape(len(mu), -1).sum(1)


VAE_SHAPES = {"2d": ((4, 6), (4, 3)), "3d": ((2, 3, 2), (2, 4)), "1d": ((5,), (2,))}


def _vae_inputs(sname, likelihood, tag=""):
    xshape, zshape = VAE_SHAPES[sname]
    rng = _rng("vae", sname, likelihood, tag)
    x = rng.integers(0, 2, size=xshape).astype(float) if likelihood == "bernoulli" else rng.normal(size=xshape)
    return {
        "x": x,
        "x_recon": 2.0 * rng.normal(size=xshape),
        "mu": rng.normal(size=zshape),
        "logvar": rng.normal(size=zshape),
    }


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("sname", VAE_SHAPES)
def test_vae_matches_scipy_and_finite_differences(likelihood, sname):
    inputs = _vae_inputs(sname, likelihood)
    per_example = vae_oracle(**inputs, likelihood=likelihood)
    for reduction in REDUCTIONS:
        value = losslib.vae_elbo(**inputs, likelihood=likelihood, reduction=reduction)
        np.testing.assert_allclose(value, _reduce(per_example, reduction), rtol=1e-12)
        _assert_fd("vae_elbo", inputs, likelihood=likelihood, reduction=reduction)
    assert np.shape(losslib.vae_elbo(**inputs, likelihood=likelihood, reduction="none")) == np.shape(per_example)


def test_vae_with_soft_data_and_its_gradients_in_closed_form():
    inputs = _vae_inputs("2d", "bernoulli", "soft")
    inputs["x"] = _rng("vae-soft").uniform(size=inputs["x"].shape)
    np.testing.assert_allclose(losslib.vae_elbo(**inputs, reduction="none"), vae_oracle(**inputs), rtol=1e-12)
    g = losslib.vae_elbo_grad(**inputs, reduction="sum")
    assert isinstance(g, losslib.generative.VaeElboGrad)
    np.testing.assert_allclose(g.x_recon, sps.expit(inputs["x_recon"]) - inputs["x"], rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(g.mu, inputs["mu"], rtol=1e-15)
    np.testing.assert_allclose(g.logvar, 0.5 * (np.exp(inputs["logvar"]) - 1), rtol=1e-13)
    g_mean = losslib.vae_elbo_grad(**inputs)
    for a, b in zip(g_mean, g):
        np.testing.assert_allclose(a, b / 4, rtol=1e-15)


@pytest.mark.parametrize(("dtype", "big"), [(np.float64, 1e4), (np.float32, 80.0)])
def test_vae_at_extreme_logits(dtype, big):
    x_recon = np.array([[-big, big, -big, big, 0.0]], dtype=dtype)
    x = np.array([[0.0, 1.0, 1.0, 0.0, 1.0]], dtype=dtype)
    mu, logvar = np.zeros((1, 2), dtype), np.zeros((1, 2), dtype)
    # two confident right answers (e^-big each), two wrong ones (big each), one coin flip; KL = 0
    value = losslib.vae_elbo(x, x_recon, mu, logvar, reduction="sum")
    assert value.dtype == dtype
    np.testing.assert_allclose(
        value, 2 * big + np.log(2) + 2 * np.exp(-np.float64(big)), rtol=1e-15 if dtype == np.float64 else 1e-6
    )
    g = losslib.vae_elbo_grad(x, x_recon, mu, logvar, reduction="sum")
    assert all(part.dtype == dtype for part in g)
    tiny = np.exp(-np.float64(big))
    np.testing.assert_allclose(g.x_recon, [[tiny, -tiny, -1.0, 1.0, -0.5]], rtol=1e-6, atol=0)
    assert np.all(g.mu == 0) and np.all(g.logvar == 0)


def test_vae_kl_keeps_its_digits_near_the_prior():
    # KL of N(0, e^l) from N(0, 1) = (e^l - 1 - l) / 2 ~ l^2 / 4: 2.5e-17 at l = 1e-8, not 0
    value = losslib.vae_elbo(np.zeros(1), np.full(1, -1e4), np.zeros(1), np.full(1, 1e-8), reduction="sum")
    np.testing.assert_allclose(value, 0.25e-16, rtol=1e-7)


def test_vae_bernoulli_is_strictly_proper_in_its_reconstruction():
    """x ~ Bernoulli(q) (two independent features): the expected loss is smallest at logit(q)."""
    rng = _rng("vae-proper")
    q = np.array([0.3, 0.8])
    xs = np.array(list(itertools.product([0.0, 1.0], repeat=2)))
    prob = np.prod(np.where(xs == 1, q, 1 - q), axis=1)
    mu, logvar = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))

    def expected(z):
        return prob @ losslib.vae_elbo(
            xs, np.tile(z, (4, 1)), mu[:1].repeat(4, 0), logvar[:1].repeat(4, 0), reduction="none"
        )

    best = expected(sps.logit(q))
    for scale in (1e-3, 1e-2, 0.5, 3.0):
        for _ in range(5):
            assert expected(sps.logit(q) + scale * rng.normal(size=2)) > best


# ==========================================================================
# GAN
# ==========================================================================


def gan_discriminator_oracle(r, f, kind):
    if kind in ("minimax", "non_saturating"):
        value = -sps.log_expit(r) - sps.log_expit(-f)  # -log D(x) - log(1 - D(G(z)))
        return value, -sps.expit(-r), sps.expit(f)
    if kind == "wasserstein":
        return f - r, -np.ones_like(r), np.ones_like(f)
    if kind == "least_squares":  # Mao et al.'s (2) with a = 0, b = 1
        return ((r - 1) ** 2 + f**2) / 2, r - 1, f
    return np.maximum(1 - r, 0) + np.maximum(1 + f, 0), -(r < 1).astype(float), (f > -1).astype(float)


def gan_generator_oracle(f, kind):
    if kind == "minimax":
        return sps.log_expit(-f), -sps.expit(f)  # log(1 - D(G(z)))
    if kind == "non_saturating":
        return -sps.log_expit(f), -sps.expit(-f)  # -log D(G(z))
    if kind == "least_squares":  # Mao et al.'s (2) with c = 1
        return (f - 1) ** 2 / 2, f - 1
    return -f, -np.ones_like(f)


GAN_SHAPES = [(9,), (4, 1), (2, 3, 2)]


def _scores(shape, tag):
    rng = _rng("gan", shape, tag)
    s = 3.0 * rng.normal(size=shape)
    return np.where(np.abs(np.abs(s) - 1) < 0.05, s + 0.2, s)  # away from the hinge at +-1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", GAN_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_gan_losses_match_closed_forms_and_finite_differences(kind, shape):
    r, f = _scores(shape, "real"), _scores(shape, "fake")
    d_value, d_real, d_fake = gan_discriminator_oracle(r, f, kind)
    g_value, g_fake = gan_generator_oracle(f, kind)
    for reduction in REDUCTIONS:
        scale = 1.0 / r.size if reduction == "mean" else 1.0
        np.testing.assert_allclose(
            losslib.gan_discriminator(r, f, kind=kind, reduction=reduction), _reduce(d_value, reduction), rtol=1e-13
        )
        grad = losslib.gan_discriminator_grad(r, f, kind=kind, reduction=reduction)
        np.testing.assert_allclose(grad.real_scores, d_real * scale, rtol=1e-14)
        np.testing.assert_allclose(grad.fake_scores, d_fake * scale, rtol=1e-14)
        np.testing.assert_allclose(
            losslib.gan_generator(f, kind=kind, reduction=reduction), _reduce(g_value, reduction), rtol=1e-13
        )
        np.testing.assert_allclose(
            losslib.gan_generator_grad(f, kind=kind, reduction=reduction), g_fake * scale, rtol=1e-14
        )
        _assert_fd("gan_discriminator", {"real_scores": r, "fake_scores": f}, kind=kind, reduction=reduction)
        _assert_fd("gan_generator", {"fake_scores": f}, kind=kind, reduction=reduction)


def test_minimax_and_non_saturating_generators_share_the_fixed_point_not_the_gradient():
    f = np.array([0.0])
    # at D(G(z)) = 1/2 both pull the same way with the same force
    np.testing.assert_allclose(
        losslib.gan_generator_grad(f, kind="minimax"), losslib.gan_generator_grad(f, kind="non_saturating"), rtol=0
    )
    np.testing.assert_allclose(losslib.gan_generator_grad(f), [-0.5], rtol=0)
    # both decrease in f everywhere: they push the fakes the same way
    f = np.linspace(-40, 40, 81)
    assert np.all(losslib.gan_generator_grad(f, kind="minimax", reduction="none") < 0)
    assert np.all(losslib.gan_generator_grad(f, kind="non_saturating", reduction="none") < 0)
    # when D rejects the fakes (D(G(z)) = sigmoid(f) -> 0) the minimax gradient vanishes, the other does not
    f = np.array([-10.0, -30.0, -1e4])
    np.testing.assert_allclose(
        losslib.gan_generator_grad(f, kind="minimax", reduction="sum"), -sps.expit(f), rtol=1e-15
    )
    assert np.all(np.abs(losslib.gan_generator_grad(f, kind="minimax", reduction="sum")) < 5e-5)
    np.testing.assert_allclose(losslib.gan_generator_grad(f, kind="non_saturating", reduction="sum"), -1.0, rtol=5e-5)


def test_minimax_and_non_saturating_discriminators_are_the_same():
    r, f = _scores((6,), "same-r"), _scores((6,), "same-f")
    for reduction in REDUCTIONS:
        np.testing.assert_array_equal(
            losslib.gan_discriminator(r, f, reduction=reduction),
            losslib.gan_discriminator(r, f, kind="non_saturating", reduction=reduction),
        )


def test_the_optimal_discriminator_is_the_density_ratio():
    """Expected minimax loss q softplus(-s) + (1 - q) softplus(s) is minimised at sigmoid(s) = q."""
    big = 1e4  # softplus(-1e4) is 0 to the last digit: isolates one of the two terms
    s = np.linspace(-6, 6, 12001)
    for q in (0.1, 0.5, 0.85):
        expected = q * losslib.gan_discriminator(s, np.full_like(s, -big), reduction="none") + (
            1 - q
        ) * losslib.gan_discriminator(np.full_like(s, big), s, reduction="none")
        assert abs(sps.expit(s[np.argmin(expected)]) - q) < 1e-3


@pytest.mark.parametrize(("dtype", "big"), [(np.float64, 1e4), (np.float32, 80.0)])
def test_gan_losses_at_extreme_scores(dtype, big):
    s = np.array([-big, big], dtype=dtype)
    tiny = np.exp(-np.float64(big))
    rtol = 1e-15 if dtype == np.float64 else 1e-6
    # item 0: wrong on both (real scored -big, fake +big); item 1: right on both
    value = losslib.gan_discriminator(s, -s, reduction="none")  # softplus(-r) + softplus(f)
    assert value.dtype == dtype
    np.testing.assert_allclose(value, [2 * big, 2 * tiny], rtol=rtol, atol=0)
    grad = losslib.gan_discriminator_grad(s, -s, reduction="none")
    np.testing.assert_allclose(grad.real_scores, [-1.0, -tiny], rtol=rtol, atol=0)
    np.testing.assert_allclose(grad.fake_scores, [1.0, tiny], rtol=rtol, atol=0)
    for kind, expected_value, expected_grad in (
        ("minimax", [-tiny, -big], [-tiny, -1.0]),
        ("non_saturating", [big, tiny], [-1.0, -tiny]),
    ):
        value = losslib.gan_generator(s, kind=kind, reduction="none")
        grad = losslib.gan_generator_grad(s, kind=kind, reduction="none")
        assert value.dtype == dtype and grad.dtype == dtype
        np.testing.assert_allclose(value, expected_value, rtol=rtol, atol=0)
        np.testing.assert_allclose(grad, expected_grad, rtol=rtol, atol=0)
    assert not np.signbit(losslib.gan_generator(np.array([-1e4]), kind="minimax"))  # 0.0, not -0.0


def test_gan_losses_are_bernoulli_negative_log_likelihoods():
    r, f = np.clip(_scores((40,), "nll-r"), -10, 10), np.clip(_scores((40,), "nll-f"), -10, 10)
    # the discriminator labels real data 1 and generated data 0
    nll = -stats.bernoulli.logpmf(1, sps.expit(r)) - stats.bernoulli.logpmf(0, sps.expit(f))
    np.testing.assert_allclose(losslib.gan_discriminator(r, f, reduction="none"), nll, rtol=1e-9)
    # the non-saturating generator labels generated data 1
    np.testing.assert_allclose(
        losslib.gan_generator(f, reduction="none"), -stats.bernoulli.logpmf(1, sps.expit(f)), rtol=1e-9
    )


# ==========================================================================
# Registry claims of these entries, with their samplers
# ==========================================================================


def _call(info, inputs, reduction, **options):
    return info.loss(**{a: inputs[a] for a in info.args}, reduction=reduction, **options)


@BY_ENTRY
def test_sampler_gives_valid_inputs_and_every_reduction_works(info):
    inputs = info.example(_rng("valid", info.name), n=5)
    assert tuple(inputs) == info.args
    for reduction in REDUCTIONS:
        assert np.all(np.isfinite(_call(info, inputs, reduction)))
    none = _call(info, inputs, "none")
    if info.name in ("dice", "soft_jaccard", "ctc", "vae_elbo"):
        assert none.shape == (5,)  # one loss per example
        np.testing.assert_allclose(_call(info, inputs, "sum"), none.sum(), rtol=1e-14)
    value, grad = losslib.value_and_grad(info.name, *inputs.values())  # by position, in the order of args
    np.testing.assert_array_equal(value, info.loss(**inputs))  # default reduction
    for name, g in _grads(info, grad).items():
        assert g.shape == inputs[name].shape and g.dtype == np.float64


@BY_ENTRY
def test_float32_in_float32_out(info):
    inputs = info.example(_rng("f32", info.name), n=4)
    inputs32 = {k: v.astype(np.float32) if v.dtype.kind == "f" else v for k, v in inputs.items()}
    for reduction in REDUCTIONS:
        value = _call(info, inputs32, reduction)
        assert value.dtype == np.float32
        np.testing.assert_allclose(value, _call(info, inputs, reduction), rtol=1e-5)
        grad = info.grad(**inputs32, reduction=reduction)
        for g in _grads(info, grad).values():
            assert g.dtype == np.float32


def convexity_violations(info, n_lines=100) -> int:
    """Points of random segments (jointly in every grad_wrt argument) where the loss is above its chord."""
    rng = _rng("convex", info.name)
    found = 0
    for _ in range(n_lines):
        a, b = info.sampler(rng, 3), info.sampler(rng, 3)

        def total(t):
            args = {k: t * a[k] + (1 - t) * b[k] if k in info.grad_wrt else a[k] for k in info.args}
            return float(np.sum(info.loss(**args, reduction="sum")))

        fa, fb = total(1.0), total(0.0)
        for t in np.linspace(0.05, 0.95, 7):
            chord = t * fa + (1 - t) * fb
            found += total(t) > chord + 1e-10 * max(1.0, abs(chord))
    return found


@BY_ENTRY
def test_convexity_claim(info):
    violations = convexity_violations(info)
    assert (violations == 0) == info.convex, f"{info.name}: convex={info.convex} but {violations} violations"


def test_minimax_generator_is_concave_not_convex():
    f = np.linspace(-5, 5, 11)
    second = np.diff(losslib.gan_generator(f, kind="minimax", reduction="none"), 2)
    assert np.all(second < 0)


@BY_ENTRY
def test_differentiability_claim(info):
    inputs = info.sampler(_rng("fd", info.name), 3)
    _assert_fd(info.name, inputs)  # away from kinks, every entry's gradient is right
    if not info.differentiable:  # the penalties with an L1 part: a kink at 0
        h = 1e-7
        at_zero = {"params": np.zeros(1)}
        right = info.loss(params=at_zero["params"] + h) / h
        left = -info.loss(params=at_zero["params"] - h) / h
        assert right - left > 0.1


# ==========================================================================
# Bad input
# ==========================================================================

M = np.array([[1.0, 0.0], [0.0, 1.0]])
Z = np.zeros((2, 4, 3))
Y = np.array([[1, 2], [2, 1]])
L4, L2 = np.array([4, 4]), np.array([2, 2])
X, XR, MU, LV = np.array([[1.0, 0.0]]), np.zeros((1, 2)), np.zeros((1, 3)), np.zeros((1, 3))

BAD_INPUTS = [
    # (call, exception, message)
    (
        lambda: losslib.dice(M, M + 0.5),
        ValueError,
        r"y_pred must hold probabilities in \[0, 1\] but y_pred\[0, 0\] = 1.5",
    ),
    (
        lambda: losslib.dice(M - 1, M),
        ValueError,
        r"y_true must hold probabilities in \[0, 1\] but y_true\[0, 1\] = -1.0",
    ),
    (lambda: losslib.soft_jaccard(M, -M), ValueError, r"y_pred\[0, 0\] = -1.0"),
    (lambda: losslib.dice(M, M[0]), ValueError, r"y_pred has shape \(2,\) but y_true has shape \(2, 2\)"),
    (lambda: losslib.dice(M, M, smooth=-1.0), ValueError, r"smooth must be a finite number >= 0, got -1.0"),
    (lambda: losslib.dice(M, M, squared="yes"), TypeError, r"squared must be True or False"),
    (lambda: losslib.dice(M, np.full((2, 2), np.nan)), ValueError, r"y_pred contains NaN at y_pred\[0, 0\]"),
    (lambda: losslib.dice(np.zeros((0, 3)), np.zeros((0, 3))), ValueError, r"y_pred is empty"),
    (lambda: losslib.dice(1.0, 1.0), ValueError, r"y_pred is a scalar; a mask needs at least one axis"),
    (
        lambda: losslib.soft_jaccard(M, M, reduction="avg"),
        ValueError,
        r"reduction must be 'mean', 'sum' or 'none', got 'avg'",
    ),
    (lambda: losslib.l1_penalty([]), ValueError, r"params is empty"),
    (lambda: losslib.l2_penalty([1.0, np.nan]), ValueError, r"params contains NaN at params\[1\]"),
    (lambda: losslib.l2_penalty(["a"]), TypeError, r"params must hold real numbers"),
    (lambda: losslib.elastic_net([1.0], alpha=-1.0), ValueError, r"alpha must be a finite number >= 0, got -1.0"),
    (
        lambda: losslib.elastic_net([1.0], l1_ratio=1.5),
        ValueError,
        r"l1_ratio must be a finite number in \[0, 1\] \(0: pure L2, 1: pure L1\), got 1.5",
    ),
    (lambda: losslib.elastic_net([1.0], l1_ratio="l1"), TypeError, r"l1_ratio must be a real number"),
    (lambda: losslib.l1_penalty([1.0], reduction=None), ValueError, r"reduction must be"),
    (
        lambda: losslib.ctc(np.array([[1, 0], [2, 1]]), Z, L4, L2),
        ValueError,
        r"y_true\[0, 1\] equals the blank label 0; targets must not contain the blank",
    ),
    (
        lambda: losslib.ctc(np.array([[1, 3], [2, 1]]), Z, L4, L2),
        ValueError,
        r"y_true\[0, 1\] = 3 is not a class of y_pred, which has 3 classes; labels must be in \[0, 2\]",
    ),
    (
        lambda: losslib.ctc(Y, Z, [5, 4], L2),
        ValueError,
        r"input_lengths\[0\] = 5 is out of range: lengths must be in \[0, 4\], at most the 4 frames of y_pred",
    ),
    (lambda: losslib.ctc(Y, Z, L4, [2, -1]), ValueError, r"target_lengths\[1\] = -1 is out of range"),
    (
        lambda: losslib.ctc(Y, Z, L4, [3, 2]),
        ValueError,
        r"target_lengths\[0\] = 3 is out of range: lengths must be in \[0, 2\], at most the 2 columns of the padded",
    ),
    (
        lambda: losslib.ctc(Y, Z, [4.0, 4.0], L2),
        TypeError,
        r"input_lengths must hold integer lengths, got dtype float64",
    ),
    (
        lambda: losslib.ctc(Y, Z, [4, 4, 4], L2),
        ValueError,
        r"input_lengths has shape \(3,\) but y_pred holds 2 sequence",
    ),
    (lambda: losslib.ctc(Y.astype(float), Z, L4, L2), TypeError, r"y_true must hold integer labels, got dtype float64"),
    (lambda: losslib.ctc(Y[0], Z, L4, L2), ValueError, r"y_true has shape \(2,\) but y_pred has shape \(2, 4, 3\)"),
    (
        lambda: losslib.ctc(Y, Z[0], L4, L2),
        ValueError,
        r"y_pred must hold logits of shape \(N, T, C\).*got shape \(4, 3\)",
    ),
    (lambda: losslib.ctc(Y, Z, L4, L2, blank=3), ValueError, r"blank=3 is not a class of y_pred"),
    (lambda: losslib.ctc(Y, Z, L4, L2, blank=True), TypeError, r"blank must be an integer class index"),
    (lambda: losslib.ctc(Y, Z, L4, L2, zero_infinity=1), TypeError, r"zero_infinity must be True or False"),
    (
        lambda: losslib.ctc(Y, Z + np.inf, L4, L2),
        ValueError,
        r"y_pred must hold finite logits, but y_pred\[0, 0, 0\] = inf",
    ),
    (lambda: losslib.ctc(Y, Z, L4, L2, reduction="batchmean"), ValueError, r"reduction must be"),
    (
        lambda: losslib.vae_elbo(X, XR, MU, LV, likelihood="poisson"),
        ValueError,
        r"likelihood must be 'bernoulli' or 'gaussian', got 'poisson'",
    ),
    (
        lambda: losslib.vae_elbo(X + 1, XR, MU, LV),
        ValueError,
        r"x must hold probabilities in \[0, 1\] but x\[0, 0\] = 2.0.*likelihood='gaussian'",
    ),
    (
        lambda: losslib.vae_elbo(X, XR[:, :1], MU, LV),
        ValueError,
        r"x_recon has shape \(1, 1\) but x has shape \(1, 2\)",
    ),
    (
        lambda: losslib.vae_elbo(X, XR, MU, LV[:, :2]),
        ValueError,
        r"logvar has shape \(1, 2\) but mu has shape \(1, 3\)",
    ),
    (
        lambda: losslib.vae_elbo(X, XR, np.zeros((2, 3)), np.zeros((2, 3))),
        ValueError,
        r"x_recon has shape \(1, 2\) but mu has shape \(2, 3\); they must hold the same examples",
    ),
    (lambda: losslib.vae_elbo(X, XR, MU[0], LV[0]), ValueError, r"they must hold the same examples"),
    (lambda: losslib.vae_elbo(X, XR, MU, LV + np.nan), ValueError, r"logvar contains NaN"),
    (
        lambda: losslib.gan_discriminator([0.0], [0.0], kind="wgan"),
        ValueError,
        r"kind must be 'minimax', 'non_saturating', 'wasserstein', 'hinge' or 'least_squares', got 'wgan'",
    ),
    (
        lambda: losslib.gan_generator([0.0], kind=None),
        ValueError,
        r"kind must be 'minimax', 'non_saturating', 'wasserstein', 'hinge' or 'least_squares', got None",
    ),
    (
        lambda: losslib.gan_discriminator([0.0, 1.0], [0.0]),
        ValueError,
        r"fake_scores has shape \(1,\) but real_scores has shape \(2,\)",
    ),
    (lambda: losslib.gan_discriminator([0.0], [np.nan]), ValueError, r"fake_scores contains NaN"),
    (lambda: losslib.gan_generator([]), ValueError, r"fake_scores is empty"),
    (lambda: losslib.gan_generator([0.0], reduction="max"), ValueError, r"reduction must be"),
]


@pytest.mark.parametrize(("call", "exc", "message"), BAD_INPUTS, ids=[f"bad{i}" for i in range(len(BAD_INPUTS))])
def test_bad_input_is_refused_with_a_helpful_message(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_ctc_ignores_the_padding_of_the_targets():
    """Past target_lengths anything goes (the blank, labels out of range), as in PyTorch."""
    z = _ctc_logits("padding", 2)
    values = [losslib.ctc(np.array([[1, pad], [2, 1]]), z, L4, [1, 2], reduction="none") for pad in (2, 0, 99, -1)]
    for v in values[1:]:
        np.testing.assert_array_equal(v, values[0])
