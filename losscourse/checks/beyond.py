"""Visible tests of ``05-beyond`` (segmentation, generative and sequence losses, penalties)."""

from __future__ import annotations

import numpy as np

import losslib

from ..testing import CheckFailed, check_close
from . import Tasks

tasks = Tasks("05-beyond")
check = tasks.check


def _kl_reference(mu, logvar):
    """Per-example KL(N(mu, exp(logvar)) || N(0, I)): vae_elbo's KL term, with a perfect reconstruction."""
    mu = np.asarray(mu)
    zero = np.zeros((mu.shape[0], 1), dtype=mu.dtype)
    return losslib.vae_elbo(zero, zero, mu, logvar, likelihood="gaussian", reduction="none")


def _ctc_reference(log_probs, target, blank=0):
    """-log p(target | frames) for one sequence, from losslib.ctc."""
    log_probs = np.asarray(log_probs)
    target = np.asarray(target, dtype=int).reshape(1, -1)
    return losslib.ctc(target, log_probs[None], [log_probs.shape[0]], [target.shape[1]], blank=blank, reduction="sum")


@tasks.visible("soft_dice_loss", float32=True)
def _(soft_dice_loss):
    """Three masks of six pixels with objects of different sizes, smooth = 1 and smooth = 0."""
    y = np.array([[1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 0, 0], [0, 0, 0, 0, 0, 1]], dtype=float)
    p = np.array([[0.9, 0.6, 0.2, 0.0, 0.1, 0.0], [0.8, 0.7, 0.4, 0.9, 0.3, 0.1], [0.2, 0.1, 0.0, 0.3, 0.0, 0.4]])
    given = "three masks of 6 pixels (objects of 2, 4 and 1 pixels)"
    for smooth in (1.0, 0.0):
        check_close(
            soft_dice_loss(y, p, smooth=smooth),
            losslib.dice(y, p, smooth=smooth, reduction="none"),
            what=f"soft_dice_loss(y_true, y_pred, smooth={smooth:g})",
            given=given,
            hints=_dice_hints(y, p, smooth),
        )


def _dice_hints(y, p, smooth):
    """The slips of the soft Dice loss, recognised on the visible test's masks."""
    inter, total = np.sum(y * p, axis=1), np.sum(y, axis=1) + np.sum(p, axis=1)
    squared = np.sum(y**2 + p**2, axis=1)
    return [
        (
            lambda g, e: np.allclose(g, 1 - e),
            "that is the Dice coefficient; the loss is one minus it (0 for a perfect mask)",
        ),
        (
            lambda g, e: np.allclose(g, 1 - (inter + smooth) / (total + smooth)),
            "the intersection counts twice in the Dice coefficient: 2 * sum(y * p) in the numerator",
        ),
        (
            lambda g, e: np.allclose(g, 1 - (2 * inter + smooth) / (squared + smooth)),
            "that is the squared (V-Net) denominator; use sum(y) + sum(p)",
        ),
        (
            lambda g, e: smooth > 0 and np.allclose(g, 1 - 2 * inter / (total + smooth)),
            "add smooth to the numerator too, or an empty mask predicted empty does not get the loss 0",
        ),
    ]


@tasks.visible("gaussian_kl", float32=True)
def _(gaussian_kl):
    """Three examples with two latent dimensions, then an encoder very close to the prior."""
    mu = np.array([[0.8, -1.5], [0.0, 0.3], [2.0, 0.1]])
    logvar = np.array([[-1.0, 0.7], [0.0, -3.0], [1.5, -0.2]])
    expected = _kl_reference(mu, logvar)
    check_close(
        gaussian_kl(mu, logvar),
        expected,
        what="gaussian_kl(mu, logvar)",
        given="mu = [[0.8, -1.5], [0, 0.3], [2, 0.1]], logvar = [[-1, 0.7], [0, -3], [1.5, -0.2]]",
        hints=[
            (
                lambda g, e: np.allclose(g, 0.5 * np.sum(mu**2 + np.exp(0.5 * logvar) - 1 - 0.5 * logvar, axis=1)),
                "logvar is the log of the variance sigma^2, not of sigma: sigma^2 = exp(logvar)",
            ),
            (
                lambda g, e: np.allclose(g, 0.5 * np.sum(mu**2 + np.exp(2 * logvar) - 1 - 2 * logvar, axis=1)),
                "you squared exp(logvar) as if logvar were log sigma; it is already the log of the variance: "
                "sigma^2 = exp(logvar), log sigma^2 = logvar",
            ),
            (
                lambda g, e: np.allclose(g, 0.5 * np.sum(mu**2 + np.exp(logvar) - 1 + logvar, axis=1)),
                "check the sign of the logvar term: KL = 1/2 sum(mu^2 + exp(logvar) - 1 - logvar)",
            ),
            (
                lambda g, e: np.ndim(g) == 1 and np.allclose(g, 0.5 * np.sum(mu**2 + np.exp(logvar) - logvar, axis=1)),
                "the -1 of each latent dimension is missing: the KL is 0 when mu = 0 and logvar = 0",
            ),
        ],
    )
    mu0 = np.zeros((2, 3))
    lv0 = np.array([[1e-6, -2e-6, 3e-7], [-1e-7, 0.0, 5e-6]])
    check_close(
        gaussian_kl(mu0, lv0),
        _kl_reference(mu0, lv0),
        what="gaussian_kl(mu, logvar)",
        given="mu = 0 and logvars of about 1e-6 (an encoder close to the prior; the KL is about 1e-12)",
        rtol=1e-6,
        atol=0.0,
        hints=[
            (
                lambda g, e: np.allclose(g, e, rtol=1e-2, atol=0.0),
                "close, but digits are lost: exp(logvar) - 1 - logvar subtracts nearly equal numbers when "
                "logvar is near 0; compute exp(logvar) - 1 with np.expm1",
            )
        ],
    )


@tasks.visible("gaussian_kl_grad", float32=True)
def _(gaussian_kl_grad):
    """Four examples with two latent dimensions; the gradient of the mean KL over the examples."""
    mu = np.array([[0.8, -1.5], [0.0, 0.3], [2.0, 0.1], [-0.4, 1.2]])
    logvar = np.array([[-1.0, 0.7], [0.5, -3.0], [1.5, -0.2], [0.3, 0.9]])
    result = gaussian_kl_grad(mu, logvar)
    if not (isinstance(result, tuple | list) and len(result) == 2):
        raise CheckFailed(f"gaussian_kl_grad(mu, logvar) should return a pair (grad_mu, grad_logvar), got {result!r}")
    zero = np.zeros((4, 1))
    ref = losslib.vae_elbo_grad(zero, zero, mu, logvar, likelihood="gaussian")
    given = "4 examples, 2 latent dimensions"
    check_close(result[0], ref.mu, what="grad_mu of gaussian_kl_grad(mu, logvar)", given=given, n=4, gradient=True)
    check_close(
        result[1],
        ref.logvar,
        what="grad_logvar of gaussian_kl_grad(mu, logvar)",
        gradient=True,
        given=given,
        n=4,
        hints=[
            (
                lambda g, e: np.allclose(g, 0.5 * np.exp(logvar) / 4),
                "the derivative of -logvar is -1: d KL / d logvar = (exp(logvar) - 1) / 2",
            ),
        ],
    )


@tasks.visible("generator_loss", float32=True)
def _(generator_loss):
    """Five moderate discriminator logits, then a fake that the discriminator rejects with logit -800."""
    f = np.array([-3.0, -0.5, 0.0, 2.0, 5.0])
    check_close(
        generator_loss(f),
        losslib.gan_generator(f, kind="non_saturating"),
        what="generator_loss(fake_logits)",
        given="fake_logits = [-3, -0.5, 0, 2, 5]",
        n=5,
        hints=[
            (
                lambda g, e: np.isclose(g, losslib.gan_generator(f, kind="minimax")),
                "that is the minimax loss log(1 - D(G(z))), which saturates; the non-saturating loss is "
                "-log D(G(z)) with D = sigmoid(logit)",
            ),
            (
                lambda g, e: np.isclose(g, -losslib.gan_generator(f, kind="minimax")),
                "that is -log(1 - D(G(z))), the discriminator's term for fakes; the generator wants its fakes "
                "called real: -log D(G(z))",
            ),
        ],
    )
    f2 = np.array([-800.0, 1.0])
    check_close(
        generator_loss(f2),
        losslib.gan_generator(f2, kind="non_saturating"),
        what="generator_loss(fake_logits)",
        given="fake_logits = [-800, 1]",
        n=2,
        overflow_hint="exp(800) overflows (or sigmoid(-800) rounds to 0 and its log is -inf); write "
        "-log sigmoid(f) = softplus(-f) = max(-f, 0) + log1p(exp(-|f|))",
    )


@tasks.visible("ctc_nll")
def _(ctc_nll):
    """Six frames, three classes (blank = 0): the target "ab", then "abb" with a repeated label."""
    logits = np.random.default_rng(3).normal(0.0, 1.5, size=(6, 3))
    log_probs = losslib.log_softmax(logits)
    for target, note in [([1, 2], "no repeated label"), ([1, 2, 2], "a repeated label")]:
        # the alignments that end with the final blank only: p(target in T - 1 frames) * y_T(blank)
        end_blank = _ctc_reference(log_probs[:-1], target) - log_probs[-1, 0]
        # the alignments that start with a blank only: y_1(blank) * p(target in frames 2..T)
        start_blank = _ctc_reference(log_probs[1:], target) - log_probs[0, 0]
        hints = [
            (
                lambda g, e, start_blank=start_blank: np.isclose(g, start_blank),
                "you only counted the alignments that start with a blank; an alignment may also start on the "
                "first label: alpha_1(2) = y_1(l_1)",
            ),
            (
                lambda g, e, end_blank=end_blank: np.isclose(g, end_blank),
                "you only counted the alignments that end with the final blank; those that end on the last "
                "label count too: p = alpha_T(last blank) + alpha_T(last label)",
            ),
            (lambda g, e: np.isclose(g, -e), "it has the wrong sign: return -log p(target | frames)"),
            (lambda g, e: np.isclose(g, np.exp(-e)), "that is the probability p; return -log p"),
        ]
        if len(target) == 3:
            hints.append(
                (
                    lambda g, e: True,
                    'the target "ab" passed, so your recursion is nearly right; with a repeated label the skip '
                    "over the blank is not allowed (l'_s must differ from l'_{s-2}), since bb would merge into b",
                )
            )
        check_close(
            ctc_nll(log_probs, np.array(target)),
            _ctc_reference(log_probs, target),
            what="ctc_nll(log_probs, target)",
            given=f"6 frames, 3 classes, target {''.join('-ab'[k] for k in target)!r} ({note})",
            rtol=1e-9,
            hints=hints,
        )


@tasks.visible("fit_lasso")
def _(fit_lasso):
    """A small sparse regression (40 examples, 5 features); the optimality conditions of the lasso."""
    rng = np.random.default_rng(50)
    X = rng.normal(size=(40, 5))
    y = X @ np.array([2.0, 0.0, -1.0, 0.0, 0.05]) + 0.3 * rng.normal(size=40)
    alpha = 0.2
    w = np.asarray(fit_lasso(X, y, alpha), dtype=float)
    if w.shape != (5,):
        raise CheckFailed(
            f"fit_lasso(X, y, alpha) returned shape {w.shape}; expected one coefficient per feature, (5,)"
        )
    if not np.all(np.isfinite(w)):
        raise CheckFailed(f"fit_lasso(X, y, alpha) returned {w}: the iteration diverged; is the step 1 / L?")
    # gradient of the data term 1/(2n) |y - X w|^2 = MSE / 2
    g = X.T @ (0.5 * losslib.mse_grad(y, X @ w))
    given = "40 examples, 5 features, alpha = 0.2"
    for j in range(5):
        if w[j] != 0:
            residual = g[j] + alpha * losslib.l1_penalty_grad(w[j : j + 1])[0]
            if abs(residual) > 1e-6:
                more = (
                    " A coefficient that should be 0 ended up small but not exactly 0: use soft-thresholding, "
                    "which sets it to exactly 0."
                    if abs(w[j]) < 1e-2
                    else " Check the gradient of the data term (X^T (X w - y) / n) and the threshold (step * alpha)."
                )
                raise CheckFailed(
                    f"fit_lasso(X, y, alpha) with {given}: coefficient {j} is {w[j]:.6g}, but at the minimum a nonzero "
                    f"coefficient has gradient of the data term = -alpha * sign(w_j) = {-alpha * np.sign(w[j]):g}, "
                    f"and yours is {g[j]:.6g}.{more}"
                )
        elif abs(g[j]) > alpha + 1e-6:
            raise CheckFailed(
                f"fit_lasso(X, y, alpha) with {given}: coefficient {j} is 0, but the gradient of the data term there "
                f"is {g[j]:.6g}, larger than alpha = {alpha:g} in size, so moving it away from 0 would lower the cost. "
                "Is the threshold step * alpha (not alpha), and has the iteration converged?"
            )


ALLOWED = (
    "dice",
    "soft_jaccard",
    "binary_cross_entropy_with_logits",
    "vae_elbo",
    "gan_discriminator",
    "gan_generator",
    "ctc",
    "l1_penalty",
    "l2_penalty",
    "elastic_net",
    "mse",
    "gaussian_nll",
)
SITUATIONS = ("tumour_masks", "rain_probability", "handwriting", "gene_selection", "encode_and_generate")


@tasks.visible("choose_loss")
def _(choose_loss):
    """Every answer is a name from the list, and the choices for "handwriting" and "rain_probability"."""
    answers = {s: choose_loss(s) for s in SITUATIONS}
    for s, a in answers.items():
        if not isinstance(a, str) or a not in ALLOWED:
            raise CheckFailed(
                f"choose_loss({s!r}) returned {a!r}, which is not one of the allowed names: {', '.join(ALLOWED)}"
            )
    a = answers["handwriting"]
    if a != "ctc":
        raise CheckFailed(
            f"choose_loss('handwriting') returned {a!r}: the transcript gives the characters but not which "
            "image columns (frames) they occupy. Which loss sums over every alignment of a transcript to the frames?"
        )
    a = answers["rain_probability"]
    if a != "binary_cross_entropy_with_logits":
        why = {
            "dice": "the Dice loss is not a proper scoring rule: Dice-trained probabilities are over-confident",
            "soft_jaccard": "the Jaccard loss is not a proper scoring rule: its probabilities cannot be read as such",
        }.get(a, "honest per-pixel probabilities of a yes/no outcome need a strictly proper scoring rule")
        raise CheckFailed(
            f"choose_loss('rain_probability') returned {a!r}: {why}. Rain is common here (30 % of pixels), "
            "so the background does not swamp the loss. Which proper loss takes one logit per pixel?"
        )
