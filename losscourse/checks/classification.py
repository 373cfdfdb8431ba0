"""Visible tests of ``03-classification`` (classification losses)."""

from __future__ import annotations

import numpy as np
from scipy import optimize

import losslib

from ..testing import CheckFailed, answers_among, check_close, otherwise, values
from . import Tasks

tasks = Tasks("03-classification")
check = tasks.check


@tasks.visible("bce_with_logits", float32=True)
def _(bce_with_logits):
    """Ordinary logits, a confident mistake (logit 40, target 0), then confident correct predictions."""
    y = np.array([1.0, 0.0, 1.0, 0.0])
    z = np.array([2.0, -1.0, -0.5, 1.5])
    expected = losslib.binary_cross_entropy_with_logits(y, z)
    as_probabilities = [  # the BCE of z read as probabilities, clipped into (0, 1) as people do
        losslib.binary_cross_entropy(y, np.clip(z, c, 1 - c)) for c in (1e-15, 1e-12, 1e-10, 1e-8, 1e-7, 1e-6, 1e-5)
    ]
    check_close(
        bce_with_logits(y, z),
        expected,
        what="bce_with_logits(y, z)",
        given="y = [1, 0, 1, 0], z = [2, -1, -0.5, 1.5]",
        n=len(y),
        overflow_hint="z are logits (any real number), not probabilities: log(z) of a negative logit is nan and "
        "log(1 - z) of a logit above 1 too; take the log-sigmoid of z, log sigma(z) = min(z, 0) - log1p(exp(-|z|))",
        hints=[
            (
                lambda g, e: any(np.isclose(g, v) for v in as_probabilities),
                "you used z as probabilities (clipped into (0, 1)): z are logits (any real number), not probabilities; the "
                "probability is sigma(z), and the loss is -log sigma(z) for y = 1, -log sigma(-z) for y = 0",
            ),
            (
                lambda g, e: np.isclose(g, losslib.binary_cross_entropy_with_logits(1 - y, z)),
                "the two classes are swapped: log sigma(z) goes with y = 1, log(1 - sigma(z)) with y = 0",
            ),
            (
                lambda g, e: np.isclose(g, losslib.binary_cross_entropy_with_logits(y, z, weight=y)),
                "only the y = 1 term is there: add (1 - y) log(1 - sigma(z))",
            ),
            (
                lambda g, e: np.isclose(g, e / np.log(2)) or np.isclose(g, e / np.log(10)),
                "use the natural logarithm (np.log), not log2 or log10",
            ),
            (
                lambda g, e: np.isclose(
                    g, np.mean(-y * np.log(losslib.sigmoid(z)) - (1 - y) * np.log(losslib.sigmoid(z)))
                ),
                "the y = 0 term takes log(1 - sigma(z)) = log sigma(-z), not log sigma(z)",
            ),
            otherwise(
                "the loss of each element should be "
                f"{values(losslib.binary_cross_entropy_with_logits(y, z, reduction='none'))} (-log sigma(z) for "
                "y = 1, -log(1 - sigma(z)) for y = 0), and the result their mean: compare yours element by element",
                n=4,
            ),
        ],
    )
    y_big, z_big = np.array([0.0, 1.0]), np.array([40.0, 3.0])
    check_close(
        bce_with_logits(y_big, z_big),
        losslib.binary_cross_entropy_with_logits(y_big, z_big),
        what="bce_with_logits(y, z)",
        given="y = [0, 1], z = [40, 3] (a confident mistake)",
        n=2,
        overflow_hint=(
            "sigma(40) rounds to exactly 1 in float64, so log(1 - sigma(40)) = log(0) = -inf: "
            "never compute the probability first; use log(1 - sigma(z)) = log sigma(-z) and the "
            "stable log-sigmoid of the hint"
        ),
        hints=[
            (
                lambda g, e: g < e - 1,
                "the confident mistake costs less than it should (the loss of z = 40 for y = 0 is about 40): did "
                "you clip the probability (say to [1e-7, 1 - 1e-7]) before the log? The loss must keep growing "
                "with the logit: work with the logit, -log(1 - sigma(z)) = max(z, 0) + log1p(exp(-|z|))",
            ),
            otherwise(
                "the losses of the two elements should be "
                f"{values(losslib.binary_cross_entropy_with_logits(y_big, z_big, reduction='none'))}: for a large "
                "logit, -log(1 - sigma(z)) is about z; compute it from the logit with the stable log-sigmoid",
                n=2,
            ),
        ],
    )
    y_sure, z_sure = np.array([1.0, 0.0, 1.0]), np.array([40.0, -40.0, 35.0])
    check_close(
        bce_with_logits(y_sure, z_sure),
        losslib.binary_cross_entropy_with_logits(y_sure, z_sure),
        what="bce_with_logits(y, z)",
        given="y = [1, 0, 1], z = [40, -40, 35] (confident, correct predictions)",
        n=3,
        rtol=1e-9,
        atol=0.0,
        hints=[
            (
                lambda g, e: g < 0.5 * e,
                "most of the tiny true loss (about 2e-16) is gone: a form like softplus(z) - y z cancels "
                "(40.000...004 - 40 = 0), and so does log(1 + exp(-z)) computed with np.log instead of np.log1p; "
                "compute -log sigma(z) = max(-z, 0) + log1p(exp(-|z|)) for y = 1 and -log sigma(-z) for y = 0, "
                "so that nothing large is subtracted",
            ),
            (
                lambda g, e: True,
                "the tiny loss of confident, correct predictions lost its digits: somewhere a large number is "
                "subtracted from a nearly equal one (as in z + softplus(-z) or softplus(z) - y z for |z| = 40), or "
                "log(1 + t) of a tiny t is taken with np.log instead of np.log1p; compute -log sigma(z) = "
                "max(-z, 0) + log1p(exp(-|z|)) for y = 1 and -log sigma(-z) for y = 0, so that nothing large is "
                "subtracted",
            ),
        ],
    )


@tasks.visible("bce_with_logits_grad", float32=True)
def _(bce_with_logits_grad):
    """Five examples, then two confident correct predictions whose tiny gradients must keep their digits."""
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    z = np.array([2.0, -1.0, 0.5, 3.0, -4.0])
    p = losslib.sigmoid(z)
    check_close(
        bce_with_logits_grad(y, z),
        losslib.binary_cross_entropy_with_logits_grad(y, z),
        what="bce_with_logits_grad(y, z)",
        gradient=True,
        given="y = [1, 0, 1, 0, 1], z = [2, -1, 0.5, 3, -4]",
        n=len(y),
        hints=[
            (
                lambda g, e: np.allclose(g, (p - y) / (p * (1 - p)) / len(y)),
                "that is the derivative with respect to the probability p = sigma(z); the chain rule multiplies "
                "it by sigma'(z) = p (1 - p), which cancels the denominator",
            ),
            (
                lambda g, e: np.allclose(g, (losslib.sigmoid(-z) - y) / len(y)),
                "you used sigma(-z) where sigma(z) belongs: the derivative of the mean BCE is (sigma(z) - y) / N",
            ),
            (
                lambda g, e: np.allclose(g, p - y),
                "that is sigma(z) - y without the 1/N of the mean: divide by N, the number of elements",
            ),
            otherwise(
                "the derivative of the mean BCE with respect to z_i is (sigma(z_i) - y_i) / N, N = 5 here: "
                "compare yours element by element",
                n=5,
            ),
        ],
    )
    y_sure, z_sure = np.array([1.0, 0.0]), np.array([30.0, -30.0])
    check_close(
        bce_with_logits_grad(y_sure, z_sure),
        losslib.binary_cross_entropy_with_logits_grad(y_sure, z_sure),
        what="bce_with_logits_grad(y, z)",
        gradient=True,
        given="y = [1, 0], z = [30, -30] (two confident, correct predictions)",
        n=2,
        rtol=1e-9,
        atol=0.0,
        hints=[
            (
                lambda g, e: np.allclose(g, e, rtol=1e-2, atol=0.0) or np.all(g == 0),
                "the tiny gradients lost their digits: sigma(30) - 1 subtracts two numbers close to 1; "
                "compute (1 - y) sigma(z) - y sigma(-z) instead",
            ),
            otherwise(
                "for y = 1 the gradient is -sigma(-z) / N and for y = 0 it is sigma(z) / N, about -4.7e-14 and "
                "4.7e-14 here: compute them without subtracting numbers close to 1",
                n=2,
            ),
        ],
    )


@tasks.visible("smoothed_cross_entropy", float32=True)
def _(smoothed_cross_entropy):
    """Four examples of three classes with eps = 0.1, then logits of +-1000."""
    labels = np.array([0, 2, 1, 1])
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 0.5, 3.0], [1.0, 2.0, -1.0], [-1.0, 0.3, 1.2]])
    eps, C = 0.1, 3
    per_example = losslib.cross_entropy(labels, logits, label_smoothing=eps, reduction="none")
    # log softmax over the examples (axis 0) instead of the classes
    log_p0 = logits - np.log(np.sum(np.exp(logits - logits.max(0)), axis=0)) - logits.max(0)
    axis0 = np.mean((1 - eps) * -log_p0[np.arange(4), labels] + eps * -log_p0.mean(axis=1))
    plain = losslib.cross_entropy(labels, logits)
    uniform = losslib.cross_entropy(np.full(logits.shape, 1 / C), logits)  # (1/C) sum_c -log softmax_c
    check_close(
        smoothed_cross_entropy(labels, logits, eps),
        losslib.cross_entropy(labels, logits, label_smoothing=eps),
        what="smoothed_cross_entropy(labels, logits, 0.1)",
        given="labels = [0, 2, 1, 1], logits = [[2, 1, 0.1], [0.5, 0.5, 3], [1, 2, -1], [-1, 0.3, 1.2]]",
        n=4,
        hints=[
            (
                lambda g, e: np.isclose(g, axis0),
                "you normalised the softmax over the examples (axis 0): softmax and log-sum-exp run over the "
                "classes of each example, axis=-1 (with keepdims=True to subtract row by row)",
            ),
            (
                lambda g, e: np.isclose(g, e / C),
                "it is 3 times too small (C = 3 classes): you averaged over all N x C entries; sum over the classes "
                "(each class's share of the target is already in q), then average over the N examples",
            ),
            (
                lambda g, e: np.isclose(g, plain),
                "that is the cross-entropy without smoothing: mix the one-hot target with the uniform distribution",
            ),
            (
                lambda g, e: np.isclose(g, losslib.cross_entropy(labels, logits, label_smoothing=eps * C / (C - 1))),
                "you gave eps/(C-1) to each wrong class and 1 - eps to the correct one; here every class, the "
                "correct one included, receives eps/C, so the correct class gets 1 - eps + eps/C",
            ),
            (
                lambda g, e: np.isclose(
                    g,
                    np.mean(
                        -np.log((1 - eps) * np.exp(-losslib.cross_entropy(labels, logits, reduction="none")) + eps / C)
                    ),
                ),
                "you smoothed the predicted probability, -log((1 - eps) p_y + eps/C); label smoothing smooths the "
                "TARGET: the loss is (1 - eps) (-log p_y) + eps times the mean over the classes of -log p_c",
            ),
            (
                lambda g, e: np.isclose(g, plain + eps * uniform),
                "the correct class's term must be multiplied by (1 - eps)",
            ),
            (
                lambda g, e: np.isclose(g, (1 - eps) * plain + eps * C * uniform),
                "eps is shared among the C classes: each receives eps/C, so the uniform part is eps times the "
                "*mean* over the classes of -log softmax, not the sum",
            ),
            otherwise(
                f"the loss of each example should be {values(per_example)}, i.e. "
                "(1 - eps) (-log softmax(z)_y) + eps times the mean over the classes of -log softmax(z)_c, and the "
                "result their mean over the examples",
                n=4,
            ),
        ],
    )
    big = np.array([[1000.0, -1000.0, 999.0], [-800.0, -805.0, -790.0]])
    check_close(
        smoothed_cross_entropy(np.array([1, 0]), big, 0.2),
        losslib.cross_entropy(np.array([1, 0]), big, label_smoothing=0.2),
        what="smoothed_cross_entropy(labels, logits, 0.2)",
        given="labels = [1, 0], logits = [[1000, -1000, 999], [-800, -805, -790]]",
        n=2,
        overflow_hint=(
            "exp(1000) overflows, and exp(-800) and the probabilities far below a row's maximum (e^-2000) "
            "underflow to 0, whose log is -inf: subtract each row's maximum before exponentiating, and compute "
            "log softmax directly as (z - max) - log(sum(exp(z - max))), never as the log of the softmax"
        ),
        hints=[
            otherwise(
                "the losses of the two examples should be "
                f"{values(losslib.cross_entropy(np.array([1, 0]), big, label_smoothing=0.2, reduction='none'))}: "
                "-log softmax(z)_c = logsumexp(z) - z_c, with logsumexp(z) = max(z) + log(sum(exp(z - max(z)))), "
                "is large for the classes far below the maximum; do not clip or cap it",
                n=2,
            )
        ],
    )


@tasks.visible("focal_loss", float32=True)
def _(focal_loss):
    """Five examples with the default gamma = 2 and alpha = 0.25, then a confident mistake."""
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    z = np.array([2.0, -1.0, -0.5, 1.5, 0.0])
    p_t = np.where(y == 1, losslib.sigmoid(z), losslib.sigmoid(-z))
    alpha_t = np.where(y == 1, 0.25, 0.75)
    ce = losslib.binary_cross_entropy_with_logits(y, z, reduction="none")
    check_close(
        focal_loss(y, z, 2.0, 0.25),
        losslib.focal(y, z, gamma=2.0, alpha=0.25),
        what="focal_loss(y, z, gamma=2, alpha=0.25)",
        given="y = [1, 0, 1, 0, 1], z = [2, -1, -0.5, 1.5, 0]",
        n=len(y),
        hints=[
            (
                lambda g, e: np.isclose(g, losslib.focal(y, z, gamma=2.0, alpha=0.75)),
                "alpha and 1 - alpha are swapped: alpha weights the positives (y = 1), 1 - alpha the negatives",
            ),
            (
                lambda g, e: np.isclose(g, losslib.focal(y, z, gamma=2.0, alpha=-1)),
                "the class weight alpha_t is missing",
            ),
            (
                lambda g, e: np.isclose(g, np.mean(0.25 * (1 - p_t) ** 2 * ce)),
                "every example is weighted by alpha: the weight is alpha for y = 1 and 1 - alpha for y = 0",
            ),
            (
                lambda g, e: np.isclose(g, np.mean(alpha_t * p_t**2 * ce)),
                "the modulating factor is (1 - p_t)^gamma, which is small for well-classified examples, not p_t^gamma",
            ),
            (
                lambda g, e: np.isclose(g, np.mean(alpha_t * losslib.sigmoid(-z) ** 2 * ce)),
                "the modulating factor is (1 - p_t)^gamma with p_t the probability of the TRUE class: 1 - p_t is "
                "1 - sigma(z) for y = 1 but sigma(z) for y = 0",
            ),
            (
                lambda g, e: np.isclose(g, losslib.focal(y, z, gamma=0.0, alpha=0.25)),
                "that is the weighted cross-entropy: the factor (1 - p_t)^gamma is missing",
            ),
            otherwise(
                "the loss of each element should be "
                f"{values(losslib.focal(y, z, gamma=2.0, alpha=0.25, reduction='none'))}, i.e. "
                "-alpha_t (1 - p_t)^gamma log p_t, and the result their mean: compare yours element by element",
                n=5,
            ),
        ],
    )
    y_big, z_big = np.array([0.0, 1.0]), np.array([40.0, 1.0])
    check_close(
        focal_loss(y_big, z_big, 2.0, 0.25),
        losslib.focal(y_big, z_big, gamma=2.0, alpha=0.25),
        what="focal_loss(y, z, gamma=2, alpha=0.25)",
        given="y = [0, 1], z = [40, 1] (a confident mistake)",
        n=2,
        overflow_hint=(
            "1 - sigma(40) rounds to 0 in float64, so log p_t = log(0) = -inf: compute -log p_t as the "
            "stable binary cross-entropy on the logit of the true class, not from the probability"
        ),
        hints=[
            otherwise(
                "the losses of the two elements should be "
                f"{values(losslib.focal(y_big, z_big, gamma=2.0, alpha=0.25, reduction='none'))}: for the "
                "confident mistake p_t = sigma(-40), so (1 - p_t)^gamma is about 1 and -log p_t about 40; did you "
                "clip the probability?",
                n=2,
            )
        ],
    )


def _reference_fit(X, y, pos_weight):
    """The minimiser of the weighted mean BCE of a linear model, by SciPy's L-BFGS."""
    A = np.column_stack([X, np.ones(len(X))])

    def cost(theta):
        value, g = losslib.value_and_grad("binary_cross_entropy_with_logits", y, A @ theta, pos_weight=pos_weight)
        return value, A.T @ g

    theta = optimize.minimize(
        cost,
        np.zeros(A.shape[1]),
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10_000},
    ).x
    return theta[:-1], theta[-1]


@tasks.visible("fit_logistic_regression")
def _(fit_logistic_regression):
    """200 points of two overlapping classes, pos_weight = 1: J at the fit equals SciPy's minimum."""
    rng = np.random.default_rng(305)
    y = (rng.uniform(size=200) < 0.5).astype(float)
    X = rng.normal(size=(200, 2)) + np.where(y[:, None] == 1, 0.7, -0.7)
    given = "200 points of two overlapping classes in the plane, pos_weight = 1"
    result = fit_logistic_regression(X, y)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed(
            f"fit_logistic_regression(X, y) with {given} returned {type(result).__name__}, expected a pair (w, b): "
            "end with `return w, b`"
        )
    w, b = result
    if np.shape(w) != (2,) or np.ndim(b) != 0:
        raise CheckFailed(
            f"fit_logistic_regression(X, y) with {given} returned w of shape {np.shape(w)} and b of shape "
            f"{np.shape(b)}, expected w of shape (d,) = (2,) and a number b: keep the intercept apart from the "
            "weights (no column of ones in w, and b not an array)"
        )
    w_ref, b_ref = _reference_fit(X, y, 1.0)
    best = losslib.binary_cross_entropy_with_logits(y, X @ w_ref + b_ref)
    w = np.asarray(w, dtype=float)
    b = float(b)
    yours = losslib.binary_cross_entropy_with_logits(y, X @ w + b)
    check_close(
        yours,
        best,
        what="the mean binary cross-entropy J(w, b) of your fitted (w, b)",
        given=given,
        rtol=1e-6,
        overflow_hint="your parameters are nan or inf: gradient descent diverged (is the step too large, or the "
        "gradient not divided by N?)",
        hints=[
            (
                lambda g, e: np.isclose(g, np.log(2)),
                "that is the loss of w = 0, b = 0 (log 2): the parameters never moved; did you update them in the loop?",
            ),
            (
                lambda g, e: g > np.log(2),
                "it is worse than predicting 1/2 everywhere, so gradient descent went uphill or diverged: step "
                "downhill (w - step * gradient), and divide the gradient by N (a gradient N times too large makes "
                "every step N times too long, and the descent oscillates)",
            ),
            (
                lambda g, e: True,
                f"not at the minimum yet: J is {yours - best:.2g} above its minimum, and the gradient of J at your "
                f"(w, b) has norm {_gradient_norm(X, y, w, b):.2g} (0 at the minimum): check the gradient, including "
                "the intercept's, and run more steps (stop on the norm of the gradient, not after a fixed small "
                "number of steps)",
            ),
        ],
    )


def _gradient_norm(X, y, w, b):
    """The norm of the gradient of the mean BCE J(w, b) (no pos_weight) with respect to (w, b)."""
    g = losslib.binary_cross_entropy_with_logits_grad(y, X @ w + b)
    return float(np.sqrt(np.sum((X.T @ g) ** 2) + np.sum(g) ** 2))


_SITUATIONS = ["sepsis_risk", "digits", "dense_detection", "max_margin", "distillation_monitor"]

_WHY_NOT_SEPSIS = {
    "binary_cross_entropy": "it is proper, but it takes probabilities, and this model outputs logits "
    "(computing the probability first loses digits)",
    "focal": "the focal loss is not a proper scoring rule: its probabilities are pulled towards 1/2",
    "hinge": "a margin loss gives scores, not probabilities",
    "squared_hinge": "a margin loss gives scores, not probabilities",
    "exponential": "it is harsh on mislabelled examples, and its scores are half log-odds, not probabilities",
}


@tasks.visible("choose_loss")
def _(choose_loss):
    """Every answer is a name from the list; the choices for "sepsis_risk" and "digits"."""
    allowed = [info.name for info in losslib.select(family="classification")]
    answers = answers_among(choose_loss, "choose_loss", _SITUATIONS, allowed)
    a = answers["sepsis_risk"]
    if a != "binary_cross_entropy_with_logits":
        raise CheckFailed(
            f"choose_loss('sepsis_risk') returned {a!r}, expected a strictly proper scoring rule for a binary "
            "target that takes one logit: "
            + _WHY_NOT_SEPSIS.get(
                a, "honest probabilities of a yes/no outcome need a strictly proper scoring rule for a binary target"
            )
            + ". Which strictly proper loss takes one logit?"
        )
    a = answers["digits"]
    if a != "cross_entropy":
        raise CheckFailed(
            f"choose_loss('digits') returned {a!r}, expected the categorical likelihood of one class among ten "
            "given logits: the classes are mutually exclusive, and the network outputs logits (not probabilities, "
            "not one independent yes/no per class). Which loss takes labels and a vector of logits?"
        )
