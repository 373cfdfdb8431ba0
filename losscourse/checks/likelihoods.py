"""Visible tests of ``07-likelihoods`` (richer likelihoods: mixtures, censoring, order, rankings)."""

from __future__ import annotations

import numpy as np
from scipy import optimize

import losslib

from ..testing import CheckFailed, answers_among, check_close
from . import Tasks

tasks = Tasks("07-likelihoods")
check = tasks.check

# Three examples, two components each (tasks 1 and 2).
_Y = np.array([0.5, -1.0, 3.0])
_LOGITS = np.array([[0.0, 1.0], [2.0, -1.0], [0.5, 0.5]])
_LOC = np.array([[0.0, 2.0], [-1.5, 1.0], [3.2, -2.0]])
_LOG_SCALE = np.array([[0.0, -0.5], [0.3, 0.0], [-0.2, 0.4]])
_MIXTURE = "y = [0.5, -1, 3] and two components per example (logits, loc, log_scale of shape (3, 2))"


def _log_densities(y, loc, log_scale, *, variance_from_log_scale=False):
    """log N(y; loc_k, sigma_k^2) of each component, shape (N, K); with ``variance_from_log_scale`` the
    slip that takes exp(log_scale) for the variance."""
    s = 0.5 * log_scale if variance_from_log_scale else log_scale
    z = (y[:, None] - loc) * np.exp(-s)
    return -0.5 * z**2 - s - 0.5 * np.log(2 * np.pi)


def _neg_log_mixture(log_weights, log_dens):
    return -np.mean(np.logaddexp.reduce(log_weights + log_dens, axis=1))


@tasks.visible("mixture_nll", float32=True)
def _(mixture_nll):
    """Three examples with two components each; then targets 40 standard deviations from every component."""
    log_w = losslib.log_softmax(_LOGITS)
    log_dens = _log_densities(_Y, _LOC, _LOG_SCALE)
    weights = np.exp(log_w)
    check_close(
        mixture_nll(_Y, _LOGITS, _LOC, _LOG_SCALE),
        losslib.mixture_gaussian_nll(_Y, _LOGITS, _LOC, _LOG_SCALE),
        what="mixture_nll(y, logits, loc, log_scale)",
        given=_MIXTURE,
        n=len(_Y),
        hints=[
            (
                lambda g, e: np.isclose(g, _neg_log_mixture(_LOGITS, log_dens)),
                "the logits are not the mixing weights: pi = softmax(logits) over the K components (log pi = "
                "logits - logsumexp(logits) in each row)",
            ),
            (
                lambda g, e: np.isclose(g, -np.mean(np.sum(weights * log_dens, axis=1))),
                "that is the weighted sum of the components' log-densities, sum_k pi_k log N_k; the mixture's "
                "density is the weighted sum of the densities, so the loss is -log sum_k pi_k N_k",
            ),
            (
                lambda g, e: np.isclose(g, e - 0.5 * np.log(2 * np.pi)),
                "it is missing the 1/2 log(2 pi) of each Gaussian's normalising constant",
            ),
            (
                lambda g, e: np.isclose(g, _neg_log_mixture(log_w, log_dens + _LOG_SCALE)),
                "it is missing the -log sigma_k of each Gaussian's normalising constant (sigma_k = exp(log_scale))",
            ),
            (
                lambda g, e: np.isclose(
                    g, _neg_log_mixture(log_w, _log_densities(_Y, _LOC, _LOG_SCALE, variance_from_log_scale=True))
                ),
                "log_scale is the log of the standard deviation sigma_k, not of the variance",
            ),
            (
                lambda g, e: np.isclose(g, _neg_log_mixture(log_w, _log_densities(_Y, _LOC.T[::-1].T, _LOG_SCALE))),
                "the components do not line up: logits[:, k], loc[:, k] and log_scale[:, k] describe component k",
            ),
        ],
    )
    y = np.array([40.0, -2.0])
    far = dict(logits=np.array([[0.0, 0.5], [1.0, 0.0]]), loc=np.array([[0.0, -1.0], [38.0, 42.0]]))
    check_close(
        mixture_nll(y, far["logits"], far["loc"], np.zeros((2, 2))),
        losslib.mixture_gaussian_nll(y, far["logits"], far["loc"], np.zeros((2, 2))),
        what="mixture_nll(y, logits, loc, log_scale)",
        given="y = [40, -2], every component 40 or more standard deviations away (loc = [[0, -1], [38, 42]], "
        "log_scale = 0)",
        n=2,
        overflow_hint="every component's density underflows to 0 this far away, and log(0) = -inf: add the log "
        "weights and the log-densities, then take a log-sum-exp over the components (subtract each row's "
        "maximum before exponentiating)",
    )


@tasks.visible("mixture_nll_grad_logits", float32=True)
def _(mixture_nll_grad_logits):
    """The three examples of task 1; the reference is losslib's gradient with respect to the logits."""
    weights = losslib.softmax(_LOGITS)
    joint = losslib.log_softmax(_LOGITS) + _log_densities(_Y, _LOC, _LOG_SCALE)
    resp = losslib.softmax(joint)
    n = len(_Y)
    unweighted = losslib.softmax(_log_densities(_Y, _LOC, _LOG_SCALE))
    check_close(
        mixture_nll_grad_logits(_Y, _LOGITS, _LOC, _LOG_SCALE),
        losslib.mixture_gaussian_nll_grad(_Y, _LOGITS, _LOC, _LOG_SCALE).logits,
        what="mixture_nll_grad_logits(y, logits, loc, log_scale)",
        given=_MIXTURE,
        n=n,
        gradient=True,
        sign_hint="it has the wrong sign: responsibilities minus weights is the gradient of the log-likelihood; "
        "the negative log-likelihood's gradient is weights minus responsibilities",
        hints=[
            (
                lambda g, e: np.allclose(g, -resp / n),
                "only the responsibilities are there: the logits also enter the normalisation of "
                "pi = softmax(logits), which adds + pi_k",
            ),
            (
                lambda g, e: np.allclose(g, weights / n) or np.allclose(g, weights),
                "only the weights pi_k are there: subtract the responsibilities gamma_k = pi_k N_k / sum_j pi_j N_j",
            ),
            (
                lambda g, e: np.allclose(g, (weights - unweighted) / n),
                "your responsibilities leave out the mixing weights: gamma_k is proportional to pi_k N_k, not N_k",
            ),
        ],
    )


# Five times of which two are right-censored (task 3).
_T = np.array([0.5, 2.0, 1.2, 3.0, 0.8])
_SCALE = np.array([1.0, 1.5, 2.0, 1.0, 0.7])
_CONC = np.array([1.5, 0.8, 2.0, 1.2, 3.0])
_CENSORED = np.array([False, True, False, True, False])


@tasks.visible("censored_weibull_nll", float32=True)
def _(censored_weibull_nll):
    """Five times, the second and fourth right-censored."""
    event = losslib.weibull_nll(_T, _SCALE, _CONC, reduction="none")  # -log f(t)
    hazard = (_T / _SCALE) ** _CONC  # -log S(t)
    given = (
        "t = [0.5, 2, 1.2, 3, 0.8], scale = [1, 1.5, 2, 1, 0.7], concentration = [1.5, 0.8, 2, 1.2, 3], "
        "censored = [False, True, False, True, False]"
    )
    check_close(
        censored_weibull_nll(_T, _SCALE, _CONC, _CENSORED),
        losslib.weibull_nll(_T, _SCALE, _CONC, censored=_CENSORED),
        what="censored_weibull_nll(t, scale, concentration, censored)",
        given=given,
        n=len(_T),
        hints=[
            (
                lambda g, e: np.isclose(g, np.mean(event)),
                "every time is treated as an event: a censored time only says that the event comes later, so it "
                "contributes -log S(t) = (t / scale)^k, not -log f(t)",
            ),
            (
                lambda g, e: np.isclose(g, np.mean(np.where(_CENSORED, event, hazard))),
                "the two cases are swapped: -log f(t) where censored is False (an observed event), -log S(t) where "
                "it is True",
            ),
            (
                lambda g, e: np.isclose(g, np.mean(event[~_CENSORED])) or np.isclose(g, np.sum(event[~_CENSORED]) / 5),
                "the censored times are left out: they carry information (the event had not happened by t), and "
                "contribute -log S(t) = (t / scale)^k; average over all N times",
            ),
            (
                lambda g, e: np.isclose(g, np.mean(np.where(_CENSORED, -np.log(-np.expm1(-hazard)), event))),
                "for a censored time you used the probability that the event happened BEFORE t, F(t) = 1 - S(t); "
                "a right-censored time contributes -log S(t) = (t / scale)^k",
            ),
            (
                lambda g, e: np.isclose(g, np.mean(np.where(_CENSORED, hazard, event - hazard))),
                "the censored times are right, but an observed failure contributes -log f(t), and the density is "
                "the hazard times S: -log f(t) = -log h(t) + (t / scale)^k, with h(t) = (k / scale) (t / scale)^(k - 1)",
            ),
        ],
    )


@tasks.visible("ordinal_nll", float32=True)
def _(ordinal_nll):
    """Five ratings of four ordered classes, then two classes (a single cutpoint)."""
    y = np.array([0, 1, 2, 3, 1])
    score = np.array([-0.5, 0.3, 1.0, 2.5, -1.2])
    cutpoints = np.array([-1.0, 0.5, 2.0])
    cdf = losslib.sigmoid(np.concatenate([cutpoints, [np.inf]])[:, None] - score)  # P(y <= k), (K, N)
    check_close(
        ordinal_nll(y, score, cutpoints),
        losslib.ordinal_logistic_nll(y, score, cutpoints),
        what="ordinal_nll(y, score, cutpoints)",
        given="y = [0, 1, 2, 3, 1], score = [-0.5, 0.3, 1, 2.5, -1.2], cutpoints = [-1, 0.5, 2]",
        n=len(y),
        overflow_hint="a class probability came out 0 or negative: P(y <= k) = sigma(cutpoints[k] - score) grows "
        "with k, and P(y = k) = P(y <= k) - P(y <= k - 1), with P(y <= -1) = 0 and P(y <= K - 1) = 1",
        hints=[
            (
                lambda g, e: np.isclose(g, -np.mean(np.log(cdf[y, np.arange(5)]))),
                "that is -log P(y <= k), the cumulative probability: the probability of class k is the difference "
                "P(y <= k) - P(y <= k - 1)",
            ),
            (
                lambda g, e: np.isclose(g, losslib.ordinal_logistic_nll(y, -score, cutpoints)),
                "the score enters with the wrong sign: P(y <= k) = sigma(cutpoints[k] - score), so a higher score "
                "moves mass to higher classes",
            ),
        ],
    )
    y2, score2 = np.array([0, 1, 1]), np.array([0.2, 1.5, -0.4])
    check_close(
        ordinal_nll(y2, score2, np.array([0.3])),
        losslib.ordinal_logistic_nll(y2, score2, np.array([0.3])),
        what="ordinal_nll(y, score, cutpoints)",
        given="two classes, y = [0, 1, 1], score = [0.2, 1.5, -0.4], cutpoints = [0.3]",
        n=3,
        overflow_hint="a class probability came out 0 or negative: with K = 2 classes, P(y = 0) = "
        "sigma(cutpoints[0] - score) and P(y = 1) = 1 - P(y = 0)",
    )


_RANKING = np.array([[2, 0, 1, 3], [3, 1, 0, 2]])
_SCORES = np.array([[0.5, -1.0, 2.0, 0.1], [0.3, 1.2, -0.4, 0.8]])


@tasks.visible("plackett_luce_nll", float32=True)
def _(plackett_luce_nll):
    """Two rankings of four items; then scores of +-1000."""
    n, m = _SCORES.shape
    all_items = -np.mean(np.sum(np.take_along_axis(losslib.log_softmax(_SCORES), _RANKING, axis=1), axis=1))
    check_close(
        plackett_luce_nll(_RANKING, _SCORES),
        losslib.plackett_luce_nll(_RANKING, _SCORES),
        what="plackett_luce_nll(ranking, scores)",
        given="ranking = [[2, 0, 1, 3], [3, 1, 0, 2]], scores = [[0.5, -1, 2, 0.1], [0.3, 1.2, -0.4, 0.8]]",
        n=n,
        hints=[
            (
                lambda g, e: np.isclose(g, losslib.plackett_luce_nll(_RANKING[:, ::-1], _SCORES)),
                "the ranking is read backwards: ranking[i, 0] is the BEST item, picked first among all M",
            ),
            (
                lambda g, e: np.isclose(g, losslib.plackett_luce_nll(np.tile(np.arange(m), (n, 1)), _SCORES)),
                "the scores are taken in item order: the item at position j is ranking[i, j], so its score is "
                "scores[i, ranking[i, j]] (np.take_along_axis)",
            ),
            (
                lambda g, e: np.isclose(g, losslib.plackett_luce_nll(np.argsort(_RANKING, axis=1), _SCORES)),
                "you read ranking[i, j] as the position of item j; it is the item at position j (best first)",
            ),
            (
                lambda g, e: np.isclose(g, all_items),
                "each position's softmax runs over ALL items: once an item is placed it leaves the pool, so "
                "position j's denominator sums over the items still unplaced (positions j, j + 1, ..., M - 1)",
            ),
            (
                lambda g, e: np.isclose(g, e / m),
                f"it is {m} times too small (M = {m} items): sum over the positions of a ranking, then average "
                "over the rankings",
            ),
        ],
    )
    big = np.array([[1000.0, 0.0, -1000.0]])
    check_close(
        plackett_luce_nll(np.array([[1, 0, 2]]), big),
        losslib.plackett_luce_nll(np.array([[1, 0, 2]]), big),
        what="plackett_luce_nll(ranking, scores)",
        given="ranking = [[1, 0, 2]], scores = [[1000, 0, -1000]]",
        overflow_hint="exp(1000) overflows, or a sum of exponentials underflows to 0 (log 0 = -inf): each log sum "
        "exp over the remaining items needs its own maximum subtracted, one maximum for the whole row is not "
        "enough (np.logaddexp.accumulate on the scores in ranked order, from the end, does all of them)",
    )


# The situations of task 6, in the order of the table.
_SITUATIONS = [
    "claim_amounts",
    "conversion_rates",
    "shop_visits",
    "stock_returns",
    "pump_lifetimes",
    "star_ratings",
    "robot_arm",
    "search_results",
]


def _likelihood_names() -> list[str]:
    """The names task 6 chooses from: every loss of the likelihood, ranking and regression families."""
    return [info.name for family in ("likelihood", "ranking", "regression") for info in losslib.select(family=family)]


@tasks.visible("choose_likelihood")
def _(choose_likelihood):
    """Every answer is a loss of losslib; the answers for claim_amounts and star_ratings."""
    answers_among(choose_likelihood, "choose_likelihood", _SITUATIONS, _likelihood_names())
    cases = [
        (
            "claim_amounts",
            "Gamma",
            "the negative log-likelihood of a distribution of positive, right-skewed amounts whose standard "
            "deviation grows in proportion to the mean, with a shape and a rate as parameters",
        ),
        (
            "star_ratings",
            "cumulative logit",
            "a likelihood that knows the classes are ordered: the cross-entropy treats 1 and 4 stars as equally "
            "wrong for a 5-star film, and a regression loss treats the stars as equally spaced numbers",
        ),
    ]
    for situation, distribution, wanted in cases:
        answer = choose_likelihood(situation)
        if answer not in {info.name for info in losslib.select(distribution=distribution)}:
            raise CheckFailed(f"choose_likelihood({situation!r}) returned {answer!r}, expected {wanted}")


def student_t_fit(y: np.ndarray, df: float) -> tuple[float, float]:
    """The maximum-likelihood (loc, scale) of a Student-t with ``df`` degrees of freedom: where the
    gradient of losslib's summed NLL with respect to (loc, log scale) vanishes, from the median and
    the median absolute deviation."""
    y = np.asarray(y, dtype=float)
    n = y.size

    def gradient(p: np.ndarray) -> list[float]:
        scale = np.exp(p[1])
        g = losslib.student_t_nll_grad(y, np.full(n, p[0]), np.full(n, scale), np.full(n, df), reduction="sum")
        return [float(np.sum(g.loc)), float(np.sum(g.scale)) * scale]

    median = np.median(y)
    start = [median, np.log(np.median(np.abs(y - median)))]
    solution = optimize.root(gradient, start, tol=1e-13)
    return float(solution.x[0]), float(np.exp(solution.x[1]))


def _outliers(seed: int, n: int, loc: float, spread: float, n_out: int, low: float, high: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(loc, spread, n), rng.uniform(low, high, n_out)])


@tasks.visible("fit_student_t")
def _(fit_student_t):
    """40 values near 2 with 10 gross errors (df = 3), then 30 near -5 with 6 gross errors (df = 2); the
    reference is the zero of losslib's Student-t gradient. The messages never print the reference fit."""
    cases = [
        (_outliers(701, 40, 2.0, 0.5, 10, 15.0, 60.0), 3.0, "40 values near 2 (spread 0.5) and 10 between 15 and 60"),
        (_outliers(702, 30, -5.0, 2.0, 6, -80.0, -30.0), 2.0, "30 values near -5 (spread 2) and 6 between -80 and -30"),
    ]
    for y, df, data in cases:
        given = f"{data}, df = {df:g}"
        result = fit_student_t(y, df)
        if not (isinstance(result, tuple | list) and len(result) == 2 and all(np.ndim(v) == 0 for v in result)):
            raise CheckFailed(
                f"fit_student_t(y, df) with {given} returned {result!r}, expected a pair of two numbers (loc, scale)"
            )
        loc, scale = (float(v) for v in result)
        ref_loc, ref_scale = student_t_fit(y, df)
        if np.isclose(loc, ref_loc, rtol=1e-6, atol=1e-9) and np.isclose(scale, ref_scale, rtol=1e-6):
            continue
        raise CheckFailed(
            f"fit_student_t(y, df) with {given} returned ({loc:.6g}, {scale:.6g}): " + _fit_diagnosis(y, df, loc, scale)
        )


def _fit_diagnosis(y: np.ndarray, df: float, loc: float, scale: float) -> str:
    """What is wrong with a Student-t fit (loc, scale) of ``y`` that is not the maximum likelihood one."""
    ref_loc, ref_scale = student_t_fit(y, df)
    median = np.median(y)
    if not (np.isfinite(loc) and np.isfinite(scale) and scale > 0):
        return "expected finite numbers and a positive scale: did a scale of 0 (or a division by it) creep in?"
    if np.isclose(loc, np.mean(y)) and np.isclose(scale, np.std(y), rtol=0.05):
        return (
            "that is the Gaussian fit (the mean and the standard deviation), which the gross errors pull away; "
            "maximise the Student-t likelihood, in which each value's weight (df + 1) / (df + z^2) shrinks as it "
            "lies farther out"
        )
    if np.isclose(loc, ref_scale) and np.isclose(scale, ref_loc):
        return "loc and scale are swapped: return (loc, scale)"
    if np.isclose(loc, median) and np.isclose(scale, np.median(np.abs(y - median))):
        return (
            "the median and the median absolute deviation: a good start, but not the maximum-likelihood estimate; "
            "iterate from there"
        )
    if np.isclose(loc, ref_loc, rtol=1e-6) and np.isclose(np.sqrt(scale), ref_scale, rtol=1e-6):
        return "the loc is right, but the scale is squared (a variance-like number): return its square root"
    n = y.size
    excess = losslib.student_t_nll(y, np.full(n, loc), np.full(n, scale), np.full(n, df)) - losslib.student_t_nll(
        y, np.full(n, ref_loc), np.full(n, ref_scale), np.full(n, df)
    )
    g = losslib.student_t_nll_grad(y, np.full(n, loc), np.full(n, scale), np.full(n, df))
    where = (
        f"the mean negative log-likelihood is {excess:.2g} above its minimum, and its derivatives at your "
        f"estimates are {np.sum(g.loc):.2g} (loc) and {np.sum(g.scale):.2g} (scale), not 0"
    )
    if np.isclose(loc, ref_loc, rtol=1e-3) and np.isclose(scale, ref_scale, rtol=1e-3):
        return (
            f"close, but not at the maximum yet ({where}): iterate until the estimates stop changing (several "
            "hundred reweighting steps, or gradient steps on (loc, log scale)); the tests ask for six digits"
        )
    return (
        f"not the maximum of the Student-t likelihood ({where}): check the weights w_i = (df + 1) / (df + z_i^2) "
        "with z_i = (y_i - loc) / scale, the two update formulas (the scale's uses the new loc and divides by N), "
        "and iterate until the estimates stop changing"
    )
