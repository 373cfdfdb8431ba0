"""Visible tests of ``02-regression`` (regression losses)."""

from __future__ import annotations

import numpy as np

import losslib

from ..testing import CheckFailed, answers_among, check_close, otherwise, values
from . import Tasks

tasks = Tasks("02-regression")
check = tasks.check

# The residuals of the visible tests of tasks 1 and 2.
_Y_TRUE = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
_Y_PRED = np.array([0.5, -1.0, 2.2, 6.0, 3.0])
_GIVEN = "y_true = [0, 1, 2, 3, 4], y_pred = [0.5, -1, 2.2, 6, 3] (residuals [0.5, -2, 0.2, 3, -1])"


@tasks.visible("huber", float32=True)
def _(huber):
    """Five residuals, some inside and some beyond delta, for delta = 1 and delta = 2."""
    y_true, y_pred = _Y_TRUE, _Y_PRED
    r = y_pred - y_true
    a = np.abs(r)
    for delta in (1.0, 2.0):
        check_close(
            huber(y_true, y_pred, delta=delta),
            losslib.huber(y_true, y_pred, delta=delta),
            what=f"huber(y_true, y_pred, delta={delta:g})",
            given=_GIVEN,
            n=5,
            hints=[
                (
                    lambda g, e, d=delta: np.isclose(g, np.mean(np.where(a <= d, r**2, d * (a - d / 2)))),
                    "the quadratic piece is r^2 / 2, not r^2: with the 1/2 both pieces meet at |r| = delta",
                ),
                (
                    lambda g, e, d=delta: np.isclose(g, np.mean(np.where(a <= d, r**2 / 2, d * a))),
                    "the linear piece is delta (|r| - delta/2): without the - delta/2 the loss jumps at |r| = delta",
                ),
                (
                    lambda g, e, d=delta: np.isclose(g, np.mean(np.where(a > d, r**2 / 2, d * (a - d / 2)))),
                    "the pieces are swapped: the loss is quadratic for small residuals (|r| <= delta), "
                    "linear for large ones",
                ),
                (
                    lambda g, e, d=delta: (
                        np.isclose(g, np.mean(np.where(a <= 1, r**2 / 2, d * (a - d / 2))))
                        or np.isclose(g, np.mean(np.where(a <= d, r**2 / 2, a - 0.5)))
                    ),
                    "one piece uses 1 where delta belongs: compare |r| with delta, and write the linear piece "
                    "as delta (|r| - delta/2)",
                ),
                otherwise(
                    f"the loss of each residual should be {values(losslib.huber(y_true, y_pred, delta=delta, reduction='none'))}"
                    " (r^2 / 2 where |r| <= delta, delta (|r| - delta/2) beyond), and the result their mean: "
                    "compare yours element by element",
                    n=5,
                ),
            ],
        )


@tasks.visible("huber_grad", float32=True)
def _(huber_grad):
    """The residuals of task 1, for delta = 1 and delta = 2."""
    y_true, y_pred = _Y_TRUE, _Y_PRED
    r = y_pred - y_true
    for delta in (1.0, 2.0):
        check_close(
            huber_grad(y_true, y_pred, delta=delta),
            losslib.huber_grad(y_true, y_pred, delta=delta),
            what=f"huber_grad(y_true, y_pred, delta={delta:g})",
            gradient=True,
            given=_GIVEN,
            n=5,
            hints=[
                (
                    lambda g, e: np.allclose(g, r / 5),
                    "that is the gradient of r^2 / 2 everywhere: beyond delta the Huber loss is linear, "
                    "so its gradient stays at +-delta",
                ),
                (
                    lambda g, e, d=delta: np.allclose(g, d * np.sign(r) / 5),
                    "that is delta * sign(r) everywhere: inside |r| <= delta the loss is r^2 / 2, whose derivative is r",
                ),
                (
                    lambda g, e: np.allclose(g, np.clip(r, -1, 1) / 5),
                    "you clip at +-1: the gradient is clipped at +-delta",
                ),
                (
                    lambda g, e: np.allclose(g, -e),
                    "it has the wrong sign: the residual is r = y_pred - y_true, and the derivative of the "
                    "loss with respect to y_pred has the sign of r",
                ),
                otherwise(
                    "the derivative of the mean Huber loss is r / N where |r| <= delta and delta sign(r) / N "
                    "beyond (N = 5): compare yours element by element",
                    n=5,
                ),
            ],
        )


@tasks.visible("log_cosh", float32=True)
def _(log_cosh):
    """Moderate residuals, then residuals of 800 and -1000, where cosh overflows."""
    r = np.array([0.5, -1.0, 2.0, -3.0])
    a = np.abs(r)
    check_close(
        log_cosh(np.zeros(4), r),
        losslib.log_cosh(np.zeros(4), r),
        what="log_cosh(y_true, y_pred)",
        given="y_true = 0 and y_pred = [0.5, -1, 2, -3] (the residuals)",
        n=4,
        hints=[
            (
                lambda g, e: np.isclose(g, np.mean(a - np.log(2))),
                "that is |r| - log 2, the approximation for large |r| only: keep the term log(1 + exp(-2|r|))",
            ),
            (
                lambda g, e: np.isclose(g, np.mean(a + np.log1p(np.exp(-a)) - np.log(2))),
                "check the exponent: cosh r = (exp(|r|) / 2) (1 + exp(-2|r|)), so the term is log(1 + exp(-2|r|))",
            ),
            (
                lambda g, e: np.isclose(g, np.mean(a + np.log1p(np.exp(-2 * a)))),
                "the - log 2 is missing: cosh r = (exp(r) + exp(-r)) / 2, and the 1/2 becomes - log 2",
            ),
            (
                lambda g, e: np.isclose(g, np.mean(r**2 / 2)),
                "that is r^2 / 2, the approximation near 0 only",
            ),
            otherwise(
                f"the loss of each residual should be {values(losslib.log_cosh(np.zeros(4), r, reduction='none'))}, "
                "and the result their mean: compare yours element by element (log is the natural logarithm)",
                n=4,
            ),
        ],
    )
    big = np.array([0.5, 800.0, -1000.0])
    check_close(
        log_cosh(np.zeros(3), big),
        losslib.log_cosh(np.zeros(3), big),
        what="log_cosh(y_true, y_pred)",
        given="y_true = 0 and y_pred = [0.5, 800, -1000] (the residuals)",
        n=3,
        overflow_hint="cosh(r) (and exp(|r|)) overflows to inf beyond |r| = 710: rewrite log cosh r with |r| taken "
        "out of the logarithm, so that only exp(-|r|), a number below 1, is ever computed",
        hints=[
            otherwise(
                "for large |r|, log cosh r = |r| - log 2 + log(1 + exp(-2|r|)), so the losses should be "
                f"{values(losslib.log_cosh(np.zeros(3), big, reduction='none'))}: does your formula lose the "
                "large residuals (a clip, a cap, a float32 conversion)?",
                n=3,
            )
        ],
    )


def _robust_line_data(seed, n, slope, intercept, noise, n_bad, shift):
    """n points on y = slope x + intercept (x in [0, 10]) with Gaussian noise; n_bad of them, among the
    points with x > 5, moved by ``shift`` (low, high) units (negative: too low)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 10.0, size=n)
    y = slope * x + intercept + rng.normal(0.0, noise, size=n)
    bad = rng.choice(np.flatnonzero(x > 5), size=n_bad, replace=False)
    y[bad] += np.sign(shift[0]) * rng.uniform(abs(shift[0]), abs(shift[1]), size=n_bad)
    return x, y


@tasks.visible("fit_robust_line")
def _(fit_robust_line):
    """80 points on y = 1.5 x - 2 (noise 1), 10 of them 15 to 25 units too low; then 80 points on
    y = 4 - 0.5 x (noise 1), 8 of them 20 to 30 units too high."""
    cases = [
        (
            _robust_line_data(40, 80, 1.5, -2.0, 1.0, 10, (-15.0, -25.0)),
            (1.5, -2.0),
            (0.3, 1.0),
            "80 points on y = 1.5 x - 2 with noise 1, 10 of them 15 to 25 units too low",
        ),
        (
            _robust_line_data(48, 80, -0.5, 4.0, 1.0, 8, (20.0, 30.0)),
            (-0.5, 4.0),
            (0.3, 1.0),
            "80 points on y = 4 - 0.5 x with noise 1, 8 of them 20 to 30 units too high",
        ),
    ]
    for (x, y), (true_slope, true_intercept), (tol_slope, tol_intercept), given in cases:
        _check_robust_line(fit_robust_line, x, y, true_slope, true_intercept, tol_slope, tol_intercept, given)


def _check_robust_line(fit_robust_line, x, y, true_slope, true_intercept, tol_slope, tol_intercept, given):
    ls_slope, ls_intercept = np.polyfit(x, y, 1)  # least squares, for the messages
    near = f"({true_slope:g}, {true_intercept:g})"
    result = fit_robust_line(x, y)
    if not (isinstance(result, tuple) and len(result) == 2 and all(np.ndim(v) == 0 for v in result)):
        raise CheckFailed(
            f"fit_robust_line(x, y) with {given} returned {result!r}, expected a pair of two numbers "
            "(slope, intercept): end with `return float(slope), float(intercept)` (not an array of the two, "
            "nor arrays of shape (1,))"
        )
    slope, intercept = (float(v) for v in result)
    if not (np.isfinite(slope) and np.isfinite(intercept)):
        raise CheckFailed(
            f"fit_robust_line(x, y) with {given} returned ({slope}, {intercept}), expected finite numbers near "
            f"{near}: the fit diverged (a step too large in gradient descent, or a division by a zero residual "
            "or a zero scale in the weights?)"
        )
    if abs(slope - ls_slope) < 0.05 and abs(intercept - ls_intercept) < 0.25:
        raise CheckFailed(
            f"fit_robust_line(x, y) with {given} returned slope {slope:.3f} and intercept {intercept:.3f}, expected "
            f"a line near slope {true_slope:g} and intercept {true_intercept:g}: that is the least-squares line "
            f"({ls_slope:.3f}, {ls_intercept:.3f}), which the gross errors pull away. Minimise a robust loss, such as "
            "the Huber loss with delta about the noise level, instead of the squared error"
        )
    if abs(slope - true_intercept) < 0.5 * abs(true_intercept) and abs(intercept - true_slope) < 0.2 * abs(true_slope):
        raise CheckFailed(
            f"fit_robust_line(x, y) with {given} returned ({slope:.3f}, {intercept:.3f}), expected about {near}: "
            "that looks like (intercept, slope); return (slope, intercept)"
        )
    if not (abs(slope - true_slope) <= tol_slope and abs(intercept - true_intercept) <= tol_intercept):
        raise CheckFailed(
            f"fit_robust_line(x, y) with {given} returned slope {slope:.3f} and intercept {intercept:.3f}; expected "
            f"a line within {tol_slope:g} of the slope {true_slope:g} and {tol_intercept:g} of the intercept "
            f"{true_intercept:g} (least squares gives {ls_slope:.3f}, {ls_intercept:.3f}). Is your delta in units of "
            "the noise, estimated from the residuals of a robust fit rather than of least squares? If you use "
            "gradient descent, has it converged (centre x, take more steps)?"
        )


@tasks.visible("pinball_loss", float32=True)
def _(pinball_loss):
    """Five targets, one prediction of 2 for all, tau = 0.9 and tau = 0.3."""
    y_true = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    y_pred = np.full(5, 2.0)
    e = y_true - y_pred  # [-1, 0, 1, 2, 8]
    for tau in (0.9, 0.3):
        check_close(
            pinball_loss(y_true, y_pred, tau),
            losslib.quantile(y_true, y_pred, tau=tau),
            what=f"pinball_loss(y_true, y_pred, tau={tau})",
            given="y_true = [1, 2, 3, 4, 10], y_pred = 2 everywhere",
            n=5,
            hints=[
                (
                    lambda g, e_, t=tau: np.isclose(g, losslib.quantile(y_true, y_pred, tau=1 - t)),
                    "you charge under-predictions 1 - tau and over-predictions tau: it is the other way round "
                    "(check the sign of e = y_true - y_pred): for tau = 0.9, predicting too LOW must be expensive",
                ),
                (
                    lambda g, e_: np.isclose(g, np.mean(0.5 * np.abs(e))),
                    "that is half the absolute error, the pinball loss of tau = 0.5 only: the loss must depend on tau",
                ),
                (
                    lambda g, e_, t=tau: np.isclose(g, np.mean(t * e)),
                    "that is the mean of tau * e, which is negative for over-predictions: take the larger of "
                    "tau * e and (tau - 1) * e for each element",
                ),
                (
                    lambda g, e_, t=tau: np.isclose(g, np.mean(np.minimum(t * e, (t - 1) * e))),
                    "you took the smaller of tau * e and (tau - 1) * e, which is never positive: the loss is the "
                    "larger of the two",
                ),
                (
                    lambda g, e_, t=tau: np.isclose(g, np.mean(t * np.abs(e))),
                    "every error costs tau per unit: over-predictions (e < 0) cost 1 - tau per unit, "
                    "under-predictions tau",
                ),
                (
                    lambda g, e_, t=tau: np.isclose(g, np.mean(np.where(e >= 0, t * e, (1 - t) * e))),
                    "an over-prediction (e < 0) costs (tau - 1) e = (1 - tau) |e|, a positive number: (1 - tau) e "
                    "is negative there",
                ),
                otherwise(
                    f"the loss of each target should be {values(losslib.quantile(y_true, y_pred, tau=tau, reduction='none'))}"
                    " (tau e for e = y_true - y_pred >= 0, (tau - 1) e for e < 0), and the result their mean",
                    n=5,
                ),
            ],
        )


@tasks.visible("upper_bound")
def _(upper_bound):
    """Seven delivery times, tau = 0.8: the data point with the smallest mean pinball loss."""
    y = np.array([12.0, 15.0, 14.0, 30.0, 18.0, 16.0, 45.0])
    tau = 0.8
    given = "y = [12, 15, 14, 30, 18, 16, 45]"
    # The reference: the data point with the smallest mean pinball loss (here it is unique).
    losses = [losslib.quantile(y, np.full_like(y, c), tau=tau) for c in y]
    best = y[int(np.argmin(losses))]
    c = upper_bound(y, tau)
    if np.ndim(c) != 0:
        raise CheckFailed(
            f"upper_bound(y, tau=0.8) with {given} returned {c!r}, expected one number (the bound {best:g}): "
            "return a single value, not an array of candidates or of losses"
        )
    check_close(
        c,
        best,
        what="upper_bound(y, tau=0.8)",
        given=given,
        hints=[
            (
                lambda g, e: np.isclose(g, np.mean(y)),
                "that is the mean, the minimiser of the squared error; the pinball loss is minimised by a quantile",
            ),
            (
                lambda g, e: np.isclose(g, np.quantile(y, tau)),
                "np.quantile interpolates between two data points by default, and that point does not minimise "
                "the pinball loss: compare the loss at each data point (or look at np.quantile's "
                "method='inverted_cdf')",
            ),
            (
                lambda g, e: any(np.isclose(g, np.quantile(y, 1 - tau, method=m)) for m in ("linear", "inverted_cdf")),
                "that is a LOWER bound, the (1 - tau)-quantile: tau and 1 - tau are swapped",
            ),
            (
                lambda g, e: np.isclose(g, np.sort(y)[int(np.ceil(tau * len(y))) - 2]),
                "that is the data point just below the bound: with the values sorted, y_(1) <= ... <= y_(N), the "
                "minimiser is y_(k) with k = ceil(tau N) counted from 1, i.e. index ceil(tau N) - 1 from 0; is your "
                "index one too low?",
            ),
            (
                lambda g, e: np.isclose(g, np.median(y)),
                "that is the median, the answer for tau = 0.5 only: the bound must depend on tau",
            ),
            (
                lambda g, e: np.isclose(g, np.max(y)),
                "that is the largest value: always met, but too pessimistic; the pinball loss with tau = 0.8 is "
                "minimised where 80 % of the values are at or below the bound",
            ),
            (
                lambda g, e: np.isclose(g, y[int(np.argmax(losses))]),
                "that data point has the LARGEST mean pinball loss: take the argmin, not the argmax",
            ),
            (
                lambda g, e: np.isclose(g, np.min(losses)),
                "that is the smallest mean pinball loss itself: return the data point c where it is reached",
            ),
            (
                lambda g, e: (
                    float(g).is_integer()
                    and 0 <= g < len(y)
                    and (np.isclose(y[int(g)], e) or np.isclose(np.sort(y)[int(g)], e))
                ),
                "that is the position of the bound in y (or in the sorted y), not the bound: return the value",
            ),
            (
                lambda g, e: True,
                f"the mean pinball loss of your bound is {losslib.quantile(y, np.full_like(y, float(c)), tau=tau):.4g}, "
                f"and the best data point's is {min(losses):.4g}: the bound is the data point whose mean pinball loss "
                "as a constant prediction is the smallest",
            ),
        ],
    )


# The datasets of task 7, in the order of the table.
_DATASETS = [
    "clean_gaussian",
    "sensor_glitches",
    "delivery_promise",
    "house_prices",
    "bike_rentals",
    "wind_direction",
    "lab_uncertainty",
]


@tasks.visible("choose_loss")
def _(choose_loss):
    """Every answer is a regression loss of losslib; the answers for clean_gaussian and bike_rentals."""
    names = [info.name for info in losslib.select(family="regression")]
    answers_among(choose_loss, "choose_loss", _DATASETS, names)

    # Gaussian noise of constant spread, the conditional mean: the Gaussian NLL of a point prediction.
    expected = {info.name for info in losslib.select(family="regression", distribution="Gaussian", prediction="real")}
    answer = choose_loss("clean_gaussian")
    if answer not in expected:
        raise CheckFailed(
            f"choose_loss('clean_gaussian') returned {answer!r}, expected the loss whose minimiser is the "
            "conditional mean under Gaussian noise of constant spread: with no outliers and the mean wanted, "
            "maximum likelihood gives the loss of chapter 1; a robust or distributional loss would only lose "
            "precision here"
        )
    # Counts with a predicted log-rate: the NLL of the distribution of counts.
    expected = {info.name for info in losslib.select(family="regression", distribution="Poisson")}
    answer = choose_loss("bike_rentals")
    if answer not in expected:
        raise CheckFailed(
            f"choose_loss('bike_rentals') returned {answer!r}, expected the negative log-likelihood of a "
            "distribution of counts: these are counts of events, and the model outputs a log-rate; which "
            "distribution describes counts of events, and which loss is its negative log-likelihood?"
        )
