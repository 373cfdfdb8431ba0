"""Visible tests of ``08-practice`` (losses in practice: clipping, early stopping, robust and noisy-label
losses, angular margins, CLIP, reading training curves)."""

from __future__ import annotations

import numpy as np

import losslib

from ..testing import CheckFailed, answers_among, check_close
from . import Tasks

tasks = Tasks("08-practice")
check = tasks.check

# Task 1: two gradients whose global norm is sqrt(9 + 16 + 0 + 144 + 7056) = 85.
_GRADS = (np.array([[3.0, -4.0], [0.0, 12.0]]), np.array([-84.0]))
_GRADS_GIVEN = "grads = [[[3, -4], [0, 12]], [-84]] (global norm 85)"


def _flat(arrays) -> np.ndarray:
    return np.concatenate([np.ravel(a) for a in arrays])


def _list_of_arrays(got, like, what: str, given: str) -> list[np.ndarray]:
    """``got`` as a list of arrays with the shapes of ``like``, or a failure saying what is off."""
    if not isinstance(got, list | tuple) or len(got) != len(like):
        raise CheckFailed(
            f"{what} with {given} returned {type(got).__name__} "
            f"{'of length ' + str(len(got)) if isinstance(got, list | tuple) else ''}, expected a list of "
            f"{len(like)} arrays, one per gradient (a list comprehension over grads)"
        )
    shapes = [np.shape(a) for a in got]
    if shapes != [g.shape for g in like]:
        raise CheckFailed(
            f"{what} with {given} returned arrays of shapes {shapes}, expected {[g.shape for g in like]}: each "
            "gradient keeps its shape"
        )
    return [np.asarray(a) for a in got]


@tasks.visible("clip_by_global_norm", float32=True)
def _(clip_by_global_norm):
    """Two arrays whose global norm is 85, clipped to 5 (a factor 1/17) and to 100 (unchanged)."""
    norms = [float(np.linalg.norm(g)) for g in _GRADS]
    for max_norm in (5.0, 100.0):
        what = f"clip_by_global_norm(grads, max_norm={max_norm:g})"
        got = _list_of_arrays(clip_by_global_norm([g.copy() for g in _GRADS], max_norm), _GRADS, what, _GRADS_GIVEN)
        expected = [g * min(1.0, max_norm / 85.0) for g in _GRADS]
        check_close(
            _flat(got),
            _flat(expected),
            what=what + " (all entries, flattened)",
            given=_GRADS_GIVEN,
            hints=[
                (
                    lambda g, e, m=max_norm: np.allclose(
                        g, _flat([a * min(1.0, m / n) for a, n in zip(_GRADS, norms, strict=True)])
                    ),
                    "each array was clipped by its own norm (13 and 84): the global norm is the norm of all "
                    "the gradients together, sqrt of the sum of the squares of every entry of every array",
                ),
                (
                    lambda g, e, m=max_norm: np.allclose(g, np.clip(_flat(_GRADS), -m, m)),
                    "that clips each entry to [-max_norm, max_norm] (clipping by value), which changes the "
                    "direction; scale every array by the one factor min(1, max_norm / global norm)",
                ),
                (
                    lambda g, e, m=max_norm: np.allclose(g, _flat(_GRADS) * m / 85.0),
                    "gradients whose global norm is under max_norm were scaled up to it: the factor is "
                    "min(1, max_norm / norm), and gradients under max_norm stay as they are",
                ),
                (
                    lambda g, e, m=max_norm: np.allclose(g, _flat(_GRADS) * 85.0 / m),
                    "the factor is upside down: it is max_norm / norm (smaller than 1 when clipping)",
                ),
                (
                    lambda g, e, m=max_norm: np.allclose(g, _flat(_GRADS) * min(1.0, m / sum(norms))),
                    "the global norm is not the sum of the arrays' norms (13 + 84 = 97 here) but the square "
                    "root of the sum of all the squares (85)",
                ),
                (
                    lambda g, e, m=max_norm: np.allclose(g, _flat(_GRADS) * min(1.0, m / 85.0**2)),
                    "the factor divides by the squared norm (85^2): take the square root of the sum of squares",
                ),
            ],
        )


# Curves of their own that recognise two slips without hinting at the visible curves' answers: each slip's answer
# on two curves (a constant answer cannot match both).
_STOP_PROBES = [(np.array([1.0, 2.0, 3.0, 4.0]), 2, 2), (np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 3, 3)]
_STOP_PROBE_GIVEN = "val_losses = [1, 2, 3, 4] and patience = 2 (no improvement after epoch 0, the stop at epoch 2)"
_ONE_BASED_PROBES = [(np.array([3.0, 2.0, 1.0]), 1, 3), (np.array([2.0, 1.0]), 1, 2)]
_ONE_BASED_PROBE_GIVEN = "val_losses = [3, 2, 1] and patience = 1"


def _gives(function, probes) -> bool:
    """Whether ``function(losses.copy(), patience)`` returns the slip's answer on every probe (False if it raises)."""
    try:
        return all(function(losses.copy(), patience) == answer for losses, patience, answer in probes)
    except Exception:  # noqa: BLE001 - a probe that fails says nothing about the slip
        return False


@tasks.visible("early_stopping_epoch")
def _(early_stopping_epoch):
    """A curve whose lowest value comes after the stop (patience 3), then a curve with ties (patience 5)."""
    cases = [
        (
            np.array([1.0, 0.8, 0.65, 0.6, 0.55, 0.58, 0.57, 0.6, 0.5, 0.45, 0.5]),
            3,
            4,
            "val_losses = [1, 0.8, 0.65, 0.6, 0.55, 0.58, 0.57, 0.6, 0.5, 0.45, 0.5], patience = 3",
        ),
        (
            np.array([0.9, 0.7, 0.6, 0.5, 0.5, 0.55, 0.5, 0.6, 0.62, 0.65]),
            5,
            3,
            "val_losses = [0.9, 0.7, 0.6, 0.5, 0.5, 0.55, 0.5, 0.6, 0.62, 0.65], patience = 5",
        ),
    ]
    for losses, patience, expected, given in cases:
        got = early_stopping_epoch(losses.copy(), patience)
        where = f"early_stopping_epoch(val_losses, patience) with {given} returned {got!r}"
        if isinstance(got, bool | np.bool_) or not isinstance(got, int | np.integer):
            raise CheckFailed(f"{where}, expected an int, the epoch (counted from 0)")
        if got == expected:
            continue
        # The messages say what is off without naming the epoch expected, nor anything it follows from by
        # arithmetic: the slips "the epoch of the stop" and "epochs from 1" are recognised on curves of their own.
        stop = expected + patience
        if _gives(early_stopping_epoch, _STOP_PROBES):
            why = (
                f"it returns the epoch at which training stops, not the best one: with {_STOP_PROBE_GIVEN}, "
                "early_stopping_epoch returned 2; the weights kept are those of the last improvement before the stop"
            )
        elif _gives(early_stopping_epoch, _ONE_BASED_PROBES):
            why = (
                f"epochs count from 0: with {_ONE_BASED_PROBE_GIVEN} (3 epochs, numbered 0, 1 and 2), "
                "early_stopping_epoch returned 3; val_losses[e] is the loss after epoch e"
            )
        elif got == np.argmin(losses) or got > stop:
            why = (
                f"epoch {got} comes after the stop: training stops as soon as {patience} epochs in a row bring no "
                "improvement, and the epochs after that are never seen (is the counter reset only on a strict "
                "improvement, and do you stop as soon as it reaches patience?)"
            )
        elif 0 <= got < len(losses) and got > expected and losses[got] == losses[expected]:
            why = (
                f"epoch {got} only equals the loss of an earlier epoch: an equal value is no improvement (the loss "
                "improves only when it is strictly lower than the best so far), so the earlier epoch is kept"
            )
        else:
            why = (
                "the epoch kept is the last strict improvement before the counter of epochs without improvement "
                "reaches patience"
            )
        raise CheckFailed(f"{where}: {why}")


# Tasks 3 and 4: six residuals of scale 0.5.
_Y = np.array([0.0, 1.0, -2.0, 0.5, 3.0, -1.0])
_P = np.array([0.3, -1.5, -1.0, 0.5, 7.0, 1.5])
_C = 0.5
_BARRON_GIVEN = "y_true = [0, 1, -2, 0.5, 3, -1], y_pred = [0.3, -1.5, -1, 0.5, 7, 1.5], scale = 0.5"


def _barron_call(function, alpha: float):
    """``function(_Y, _P, alpha=alpha, scale=_C)``, a division by zero told in words."""
    try:
        with np.errstate(all="ignore"):
            return function(_Y.copy(), _P.copy(), alpha=alpha, scale=_C)
    except ZeroDivisionError:
        raise CheckFailed(
            f"{function.__name__}(y_true, y_pred, alpha={alpha:g}, scale=0.5) with {_BARRON_GIVEN} divided by zero: "
            "the general formula divides by alpha and by |alpha - 2|, so alpha = 0 and alpha = 2 need their limits"
        ) from None


def _barron_hints(alpha: float) -> list:
    """The slips of Barron's loss, recognised on the visible residuals."""
    x = (_P - _Y) / _C
    hints = []
    hints.append(
        (
            lambda g, e: (
                np.isclose(g, losslib.barron_loss(_Y / _C, _P / _C, alpha=alpha, scale=1.0) * _C**2)
                or np.isclose(g, losslib.barron_loss(_Y, _P, alpha=alpha, scale=1.0))
            ),
            "the residual is divided by the scale: x = (y_pred - y_true) / scale",
        )
    )
    if alpha not in (2.0, 0.0, -np.inf):
        b = abs(alpha - 2)
        hints.append(
            (
                lambda g, e: np.isclose(g, np.mean(b / alpha * ((x * x / b + 1) ** alpha - 1))),
                "the power is alpha / 2, not alpha",
            )
        )
        hints.append(
            (
                lambda g, e: np.isclose(g, np.mean(b / alpha * ((x * x + 1) ** (alpha / 2) - 1))),
                "x^2 is divided by |alpha - 2| inside the bracket",
            )
        )
    return hints


@tasks.visible("barron_loss", float32=True)
def _(barron_loss):
    """Six residuals with alpha = 1, 0 and -2, then alpha = 2 and -inf."""
    x = (_P - _Y) / _C
    for alpha in (1.0, 0.0, -2.0, 2.0, -np.inf):
        hints = _barron_hints(alpha)
        if alpha == 0.0:
            hints.append(
                (
                    lambda g, e: np.isclose(g, np.mean(np.log1p(x * x))),
                    "the Cauchy limit at alpha = 0 is log(x^2 / 2 + 1): the 1/2 is inside the log",
                )
            )
        if alpha == -np.inf:
            hints.append(
                (
                    lambda g, e: np.isclose(g, np.mean(np.exp(-0.5 * x * x))),
                    "the Welsch limit at alpha = -inf is 1 - exp(-x^2 / 2), 0 for a zero residual",
                )
            )
        got = _barron_call(barron_loss, alpha)
        check_close(
            got,
            losslib.barron_loss(_Y, _P, alpha=alpha, scale=_C),
            what=f"barron_loss(y_true, y_pred, alpha={alpha:g}, scale=0.5)",
            given=_BARRON_GIVEN,
            n=_Y.size,
            hints=hints,
            overflow_hint="the formula is 0/0 at alpha = 2 and 0 and undefined at -inf: use the limits there "
            "(1/2 x^2, log(x^2 / 2 + 1), 1 - exp(-x^2 / 2))",
        )


@tasks.visible("barron_loss_grad", float32=True)
def _(barron_loss_grad):
    """The six residuals of task 3 with alpha = 1, 0 and -2, then alpha = 2 and -inf."""
    x = (_P - _Y) / _C
    n = _Y.size
    for alpha in (1.0, 0.0, -2.0, 2.0, -np.inf):
        expected = losslib.barron_loss_grad(_Y, _P, alpha=alpha, scale=_C).y_pred
        got = _barron_call(barron_loss_grad, alpha)
        check_close(
            got,
            expected,
            what=f"barron_loss_grad(y_true, y_pred, alpha={alpha:g}, scale=0.5)",
            given=_BARRON_GIVEN,
            n=n,
            gradient=True,
            hints=[
                (
                    lambda g, e: np.allclose(g, e * _C) or np.allclose(g, e * _C * n),
                    "the chain rule through x = (y_pred - y_true) / scale brings a factor 1 / scale",
                ),
                (
                    lambda g, e: np.allclose(g, e * _C * _C),
                    "that is (y_pred - y_true) / N times the weight, x * scale rather than x / scale: the residual is "
                    "divided by the scale, x = (y_pred - y_true) / scale, and the chain rule divides by it once more",
                ),
                (
                    lambda g, e: np.allclose(g, e / (_C * _C)),
                    "the factor of the chain rule is 1 / scale once: x / scale, not x / scale^3",
                ),
                (
                    lambda g, e, a=alpha: (
                        a not in (2.0, -np.inf) and np.allclose(g, x / _C * (1 + x * x / abs(a - 2)) ** (a / 2) / n)
                    ),
                    "the power of the derivative is alpha / 2 - 1: the derivative of u^(alpha/2) is "
                    "(alpha / 2) u^(alpha/2 - 1) u'",
                ),
            ],
            overflow_hint="0/0 or inf * 0: at alpha = 2, 0 and -inf use the limits (x / scale, "
            "x / (scale (1 + x^2 / 2)), x exp(-x^2 / 2) / scale, each divided by N)",
        )


_LABELS = np.array([0, 2, 1, 2])
_LOGITS = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0], [1.5, -0.5, 0.2], [-2.0, 2.0, 0.0]])
_GCE_GIVEN = "labels = [0, 2, 1, 2] and logits of shape (4, 3)"


@tasks.visible("generalized_cross_entropy", float32=True)
def _(generalized_cross_entropy):
    """Four examples of three classes with q = 0.7, then q = 1."""
    p_y = losslib.softmax(_LOGITS)[np.arange(4), _LABELS]
    for q in (0.7, 1.0):
        check_close(
            generalized_cross_entropy(_LABELS.copy(), _LOGITS.copy(), q),
            losslib.generalized_cross_entropy(_LABELS, _LOGITS, q=q),
            what=f"generalized_cross_entropy(labels, logits, q={q:g})",
            given=_GCE_GIVEN,
            n=len(_LABELS),
            hints=[
                (
                    lambda g, e, q=q: np.isclose(g, np.mean(1 - p_y**q)),
                    "it is missing the division by q: (1 - p_y^q) / q",
                ),
                (
                    lambda g, e, q=q: np.isclose(g, np.mean((1 - np.exp(q * _LOGITS[np.arange(4), _LABELS])) / q)),
                    "p_y is the softmax probability of the true class, not its logit",
                ),
                (
                    lambda g, e: np.isclose(g, losslib.cross_entropy(_LABELS, _LOGITS)),
                    "that is the cross-entropy -log p_y, the limit q -> 0; here q is not small",
                ),
                (
                    lambda g, e, q=q: np.isclose(g, np.mean(p_y**q / q)) or np.isclose(g, np.mean((p_y**q - 1) / q)),
                    "the loss is (1 - p_y^q) / q: 0 when p_y = 1, and larger the smaller p_y",
                ),
            ],
        )


def arcface_reference(labels, cosines, scale: float, margin: float) -> np.ndarray:
    """ArcFace's logits: ``scale * cosines``, with the true class's logit the one whose softmax
    cross-entropy is ``losslib.arcface`` (from ``l = log(e^{z_y} + R) - z_y``, R the others' sum)."""
    labels, z = np.asarray(labels), scale * np.asarray(cosines, dtype=float)
    rows = np.arange(len(labels))
    loss = losslib.arcface(labels, cosines, scale=scale, margin=margin, reduction="none")
    others = np.where(np.arange(z.shape[1]) == labels[:, None], -np.inf, z)
    z[rows, labels] = np.logaddexp.reduce(others, axis=1) - loss - np.log(-np.expm1(-loss))
    return z


_COS = np.array([[0.8, 0.1, -0.3], [0.2, 0.6, 0.5], [-0.4, 0.3, 0.9]])
_COS_LABELS = np.array([0, 1, 2])


@tasks.visible("arcface_logits", float32=True)
def _(arcface_logits):
    """Three examples of three classes, s = 4 and m = 0.5, then a true-class cosine of 1."""
    s, m = 4.0, 0.5
    rows = np.arange(3)
    c_y = _COS[rows, _COS_LABELS]

    def with_true(values):
        z = s * _COS
        z[rows, _COS_LABELS] = values
        return z

    expected = arcface_reference(_COS_LABELS, _COS, s, m)
    check_close(
        arcface_logits(_COS_LABELS.copy(), _COS.copy(), s, m),
        expected,
        what="arcface_logits(labels, cosines, scale=4, margin=0.5)",
        given="labels = [0, 1, 2], cosines = [[0.8, 0.1, -0.3], [0.2, 0.6, 0.5], [-0.4, 0.3, 0.9]]",
        hints=[
            (
                lambda g, e: np.allclose(g, with_true(s * (c_y - m))),
                "that subtracts the margin from the cosine (CosFace): ArcFace adds it to the angle, "
                "cos(arccos(cos theta_y) + m)",
            ),
            (
                lambda g, e: np.allclose(g, with_true(s * np.cos(np.arccos(c_y) - m))),
                "the margin is added to the true class's angle, theta_y + m (a larger angle, a smaller logit)",
            ),
            (
                lambda g, e: np.allclose(g, s * np.cos(np.arccos(_COS) + m)),
                "the margin goes on the true class only; the other classes keep s cos(theta_j)",
            ),
            (
                lambda g, e: np.allclose(g, with_true(np.cos(np.arccos(c_y) + m))),
                "the true class's logit is scaled by s too",
            ),
            (
                lambda g, e: np.allclose(g, with_true(s * (c_y + m))),
                "the margin is added to the angle theta_y = arccos(cos theta_y), not to the cosine",
            ),
            (
                lambda g, e: np.allclose(g, arcface_reference(_COS_LABELS[::-1], _COS, s, m)),
                "labels[i] is the true class of row i: the margin goes at [i, labels[i]]",
            ),
        ],
    )
    edge = np.array([[1.0, 0.3], [0.2, -1.0]])
    expected = arcface_reference(np.array([0, 1]), edge, s, m)
    check_close(
        arcface_logits(np.array([0, 1]), edge.copy(), s, m),
        expected,
        what="arcface_logits(labels, cosines, scale=4, margin=0.5)",
        given="labels = [0, 1], cosines = [[1, 0.3], [0.2, -1]] (true-class cosines 1 and -1)",
        hints=[
            (
                lambda g, e: np.isclose(g[1, 1], s * (-1 - m * np.sin(m))),
                "theta_y + m = pi + 0.5 is past pi; keep the paper's s cos(theta_y + m) there (the replacement "
                "s (cos theta_y - m sin m) is a variant of some implementations, not the formula asked for)",
            ),
            (
                lambda g, e: np.allclose(g, e, rtol=1e-2),
                "close, but not exact at cosines of 1 and -1: arccos is defined on [-1, 1] included, so no clip of the "
                "cosines (such as to [-1 + 1e-7, 1 - 1e-7]) is needed",
            ),
        ],
        overflow_hint="arccos is defined on [-1, 1]: did a cosine leave it (a clip, or 1 + a rounding error)?",
    )


_U = np.array([[1.0, 0.0], [0.6, 0.8], [-1.0, 2.0]])
_V = np.array([[2.0, 0.5], [0.0, 1.0], [-0.5, 0.5]])
_CLIP_GIVEN = "image_embeddings = [[1, 0], [0.6, 0.8], [-1, 2]], text_embeddings = [[2, 0.5], [0, 1], [-0.5, 0.5]]"


@tasks.visible("clip_loss", float32=True)
def _(clip_loss):
    """Three pairs of 2-d embeddings with temperature 0.5, then temperature 0.01."""
    for tau in (0.5, 0.01):
        one_way = losslib.info_nce(_U, _V, temperature=tau)
        other_way = losslib.info_nce(_V, _U, temperature=tau)
        raw = _U @ _V.T / tau
        rows = np.arange(3)
        raw_loss = np.mean(
            0.5 * (np.logaddexp.reduce(raw, axis=1) + np.logaddexp.reduce(raw, axis=0)) - raw[rows, rows]
        )
        with np.errstate(all="ignore"):
            got = clip_loss(_U.copy(), _V.copy(), tau)
        check_close(
            got,
            losslib.clip_loss(_U, _V, temperature=tau),
            what=f"clip_loss(image_embeddings, text_embeddings, temperature={tau:g})",
            given=_CLIP_GIVEN,
            n=3,
            hints=[
                (
                    lambda g, e, a=one_way: np.isclose(g, a),
                    "that is the image-to-text direction only (each row of the similarity matrix); CLIP averages "
                    "it with the text-to-image direction (each column)",
                ),
                (
                    lambda g, e, b=other_way: np.isclose(g, b),
                    "that is the text-to-image direction only (each column of the similarity matrix); CLIP "
                    "averages it with the image-to-text direction (each row)",
                ),
                (
                    lambda g, e, a=one_way, b=other_way: np.isclose(g, a + b),
                    "the two directions are averaged, (image-to-text + text-to-image) / 2, not added",
                ),
                (
                    lambda g, e, r=raw_loss: np.isclose(g, r),
                    "the rows are not normalised: the similarities are cosines, u_i . v_j / (|u_i| |v_j|), "
                    "divided by the temperature",
                ),
                (
                    lambda g, e, t=tau: (
                        np.isclose(g, losslib.clip_loss(_U, _V, temperature=1.0))
                        or np.isclose(g, losslib.clip_loss(_U, _V, temperature=1 / t))
                    ),
                    "the cosine similarities are divided by the temperature (a small temperature sharpens the "
                    "softmax), not multiplied by it",
                ),
            ],
            overflow_hint="exp(cosine / temperature) overflows for small temperatures: take log-sum-exps with the "
            "maximum subtracted",
        )


# Task 8: the curves, in the order of the table, and the names to choose from.
_CURVES = ["turns_up", "zigzag", "slow_line", "flat_deep", "spike_nan", "memorise_late", "both_high", "too_good"]
DIAGNOSES = [
    "overfitting",
    "underfitting",
    "learning_rate_too_high",
    "learning_rate_too_low",
    "vanishing_gradients",
    "exploding_gradients",
    "label_noise",
    "data_leakage",
    "distribution_shift",
    "batch_too_small",
]


@tasks.visible("diagnose_curve")
def _(diagnose_curve):
    """Every answer is one of the names; the answers for turns_up and zigzag."""
    answers = answers_among(diagnose_curve, "diagnose_curve", _CURVES, DIAGNOSES)
    why = {
        "turns_up": (
            "overfitting",
            "the model keeps getting better on the examples it trains on and worse on new ones: it fits what is "
            "particular to the training set",
        ),
        "zigzag": (
            "learning_rate_too_high",
            "each step overshoots the minimum along some direction, and a smaller step size fixes it; with 512 "
            "examples per batch the noise of the batches is small",
        ),
    }
    for curve, (expected, reason) in why.items():
        if answers[curve] != expected:
            raise CheckFailed(f"diagnose_curve({curve!r}) returned {answers[curve]!r}, but {reason}")
