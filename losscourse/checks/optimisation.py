"""Visible tests of ``06-optimisation`` (optimisation and loss landscapes)."""

from __future__ import annotations

import numpy as np

import losslib

from ..testing import CheckFailed, answers_among, check_close
from . import Tasks

tasks = Tasks("06-optimisation")
check = tasks.check

# A small logistic-regression problem shared by the tests: 6 examples, an intercept and 2 features.
_X = np.array(
    [[1.0, 0.5, -1.2], [1.0, -0.3, 0.8], [1.0, 2.0, 0.1], [1.0, -1.5, -0.4], [1.0, 0.9, 1.7], [1.0, 0.0, -2.0]]
)
_Y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
_W = np.array([0.2, -0.5, 0.3])
_GIVEN = "the 6 examples of the test (intercept + 2 features), w = [0.2, -0.5, 0.3]"


def _cost(w, X=_X, y=_Y):
    """The reference logistic cost, from losslib."""
    return losslib.binary_cross_entropy_with_logits(y, X @ w)


def _grad(w, X=_X, y=_Y):
    """The reference gradient with respect to w: X^T times losslib's gradient w.r.t. the logits."""
    return X.T @ losslib.binary_cross_entropy_with_logits_grad(y, X @ w)


def _armijo(w, X, y, d, t0, shrink, c, max_halvings=50):
    """The reference step: the first t0 * shrink**k that satisfies the Armijo condition."""
    cost0, slope = _cost(w, X, y), _grad(w, X, y) @ d
    t = t0
    for _ in range(max_halvings + 1):
        if _cost(w + t * d, X, y) <= cost0 + c * t * slope:
            return t
        t *= shrink
    return 0.0


def _pair(result, name):
    if not (isinstance(result, tuple | list) and len(result) == 2):
        raise CheckFailed(f"{name} should return a pair (cost, grad), got {type(result).__name__} {result!r}")
    return result


@tasks.visible("logistic_cost_grad", float32=True)
def _(logistic_cost_grad):
    """The cost and its gradient on 6 examples; the reference is losslib's binary cross-entropy on logits."""
    cost, grad = _pair(logistic_cost_grad(_W, _X, _Y), "logistic_cost_grad(w, X, y)")
    z = _X @ _W
    check_close(
        cost,
        _cost(_W),
        what="the cost of logistic_cost_grad(w, X, y)",
        given=_GIVEN,
        n=len(_Y),
        hints=[
            (
                lambda g, e: np.isclose(g, losslib.binary_cross_entropy_with_logits(1 - _Y, z)),
                "the labels look swapped: the loss of y = 1 is softplus(-z), of y = 0 softplus(z)",
            ),
        ],
    )
    g_logits = losslib.binary_cross_entropy_with_logits_grad(_Y, z)
    if np.shape(grad) == np.shape(z):
        raise CheckFailed(
            f"the gradient of logistic_cost_grad(w, X, y) has shape {np.shape(grad)}, one entry per example: that is "
            "the derivative with respect to the logits; apply the chain rule through z = X @ w (multiply by X^T) "
            "to get one entry per weight"
        )
    check_close(
        grad,
        _grad(_W),
        what="the gradient of logistic_cost_grad(w, X, y)",
        gradient=True,
        given=_GIVEN,
        n=len(_Y),
        hints=[
            (
                lambda g, e: np.allclose(g, _X.T @ (g_logits * len(_Y)) / len(_Y) ** 2),
                "it is N times too small: divide by N once (the mean), not twice",
            ),
        ],
    )


@tasks.visible("armijo_step")
def _(armijo_step):
    """Two line searches on the test's 6 examples, the reference steps computed with losslib's cost."""
    d = -_grad(_W)
    given = f"{_GIVEN}, direction = -gradient"
    t = armijo_step(_W, _X, _Y, d, t0=64.0)
    expected = _armijo(_W, _X, _Y, d, 64.0, 0.5, 1e-4)
    check_close(
        t,
        expected,
        what="armijo_step(w, X, y, direction, t0=64)",
        given=given,
        hints=[
            (lambda g, e: np.isclose(g, 64.0), "t0 = 64 overshoots: the cost rises, so the step must be shrunk"),
            (
                lambda g, e: np.isclose(g, e / 0.5),
                "that step does not satisfy the Armijo condition: shrink once more (or check the sign of the slope term)",
            ),
            (
                lambda g, e: np.isclose(g, e * 0.5),
                "that step is smaller than needed: return the FIRST step that satisfies the condition",
            ),
            (
                lambda g, e: float(g).is_integer() and 0 < g < 20,
                "that looks like a number of halvings: return the step t itself",
            ),
        ],
    )
    # A demanding c (0.45) tells the Armijo condition apart from a plain decrease of the cost.
    t = armijo_step(_W, _X, _Y, d, t0=16.0, shrink=0.5, c=0.45)
    plain = _armijo(_W, _X, _Y, d, 16.0, 0.5, 0.0)
    check_close(
        t,
        _armijo(_W, _X, _Y, d, 16.0, 0.5, 0.45),
        what="armijo_step(w, X, y, direction, t0=16, c=0.45)",
        given=given,
        hints=[
            (
                lambda g, e: np.isclose(g, plain),
                "that step decreases the cost, but not by c * t * (gradient . direction): the Armijo condition asks "
                "for a sufficient decrease, J(w + t d) <= J(w) + c t grad(w) . d",
            ),
        ],
    )


def _separable(rng, n, scale=3.0, flip=0):
    X = np.column_stack([np.ones(n), scale * rng.normal(size=(n, 2))])
    y = (X[:, 1] + 0.5 * X[:, 2] > 0.3).astype(float)
    y[:flip] = 1 - y[:flip]
    return X, y


def _ridge_grad(w, X, y, ridge):
    """Gradient of mean BCE(y, X @ w) + ridge * l2_penalty(w), from losslib."""
    return _grad(w, X, y) + ridge * losslib.l2_penalty_grad(w)


@tasks.visible("newton_logistic")
def _(newton_logistic):
    """Overlapping classes, ridge 1e-2: the gradient of the penalised cost (from losslib) must vanish."""
    rng = np.random.default_rng(61)
    X, y = _separable(rng, 60, flip=8)
    ridge = 1e-2
    w = newton_logistic(X, y, ridge)
    if np.shape(w) != (3,):
        raise CheckFailed(
            f"newton_logistic(X, y, ridge) returned shape {np.shape(w)}, expected (3,): one weight per column of X"
        )
    grad = _ridge_grad(np.asarray(w, dtype=float), X, y, ridge)
    without_ridge = _grad(np.asarray(w, dtype=float), X, y)
    norm = float(np.linalg.norm(grad))
    if not norm < 1e-9:
        hint = ""
        if np.linalg.norm(without_ridge) < 1e-6:
            hint = ": the unpenalised gradient vanishes, so the ridge is missing (add ridge * w to the gradient and ridge * I to the Hessian)"
        elif np.linalg.norm(_grad(np.asarray(w), X, y) + 2 * ridge * np.asarray(w)) < 1e-6:
            hint = ": you minimised ridge * ||w||^2; the penalty is ridge / 2 * ||w||^2, whose gradient is ridge * w"
        elif norm < 1e-3:
            hint = ": close, but not converged; take more Newton steps (or check the Hessian: X^T diag(p (1 - p)) X / N + ridge I)"
        else:
            hint = ": check the Newton step w <- w - H^{-1} g, with H = X^T diag(p (1 - p)) X / N + ridge I"
        raise CheckFailed(
            f"at newton_logistic's weights {np.round(w, 6)} (60 examples, 8 of them on the wrong side, ridge = 0.01) "
            f"the gradient of the penalised cost has norm {norm:.3g}, not ~0{hint}"
        )


@tasks.visible("hessian_condition_number")
def _(hessian_condition_number):
    """Two features on different scales; the reference is the ratio of the Hessian's eigenvalues."""
    X = np.array([[1.0, 10.0], [2.0, -30.0], [-1.0, 20.0], [0.5, 0.0], [-2.0, -10.0]])
    eig = np.linalg.eigvalsh(2 * X.T @ X / len(X))  # the Hessian of the MSE of X @ w is 2 X^T X / N
    expected = eig[-1] / eig[0]
    check_close(
        hessian_condition_number(X),
        expected,
        what="hessian_condition_number(X)",
        given="X = [[1, 10], [2, -30], [-1, 20], [0.5, 0], [-2, -10]]",
        rtol=1e-8,
        hints=[
            (
                lambda g, e: np.isclose(g, np.sqrt(e)),
                "that is the condition number of X itself; the Hessian is proportional to X^T X, whose "
                "condition number is the square of X's",
            ),
            (lambda g, e: np.isclose(g, 1 / e), "that is the inverse: the largest eigenvalue goes on top"),
            (
                lambda g, e: abs(g) > 1e10 or g < 0,
                "huge, or negative: did you use X X^T (N x N, singular here) instead of X^T X (D x D)?",
            ),
        ],
    )
    check_close(
        hessian_condition_number(np.array([[1.0], [2.0], [3.0]])),
        1.0,
        what="hessian_condition_number(X)",
        given="a single feature, X = [[1], [2], [3]]",
    )


@tasks.visible("filter_normalize", float32=True)
def _(filter_normalize):
    """A 3 x 2 weight matrix and a bias vector."""
    W = np.array([[1.0, 0.0], [2.0, 3.0], [2.0, -4.0]])  # column norms 3 and 5
    b = np.array([0.5, -0.5])
    D = np.array([[0.3, -1.0], [0.4, 2.0], [1.2, 2.0]])  # column norms 1.3 and 3
    result = filter_normalize([D, np.array([0.7, 0.1])], [W, b])
    if not (isinstance(result, list | tuple) and len(result) == 2):
        raise CheckFailed(
            f"filter_normalize(direction, weights) should return a list of 2 arrays (one per weight array), got {result!r}"
        )
    d_W, d_b = result
    expected = D * (np.linalg.norm(W, axis=0) / np.linalg.norm(D, axis=0))
    given = "W = [[1, 0], [2, 3], [2, -4]] (column norms 3 and 5), D = [[0.3, -1], [0.4, 2], [1.2, 2]]"
    row_wise = D * (np.linalg.norm(W, axis=1) / np.linalg.norm(D, axis=1))[:, None]
    layer_wise = D * np.linalg.norm(W) / np.linalg.norm(D)
    check_close(
        d_W,
        expected,
        what="the weight matrix's direction from filter_normalize",
        given=given,
        hints=[
            (
                lambda g, e: np.allclose(g, row_wise),
                "you normalised the rows; a filter is one unit's weights, a COLUMN of W (norms over axis 0)",
            ),
            (
                lambda g, e: np.allclose(g, layer_wise),
                "you normalised the whole matrix at once (layer-wise); normalise each column (filter) separately",
            ),
            (
                lambda g, e: np.allclose(g, D / np.linalg.norm(D, axis=0)),
                "each column has norm 1: multiply by the norm of the same column of the weights",
            ),
        ],
    )
    check_close(
        d_b,
        np.zeros(2),
        what="the bias's direction from filter_normalize",
        given="a bias vector b = [0.5, -0.5]",
        hints=[(lambda g, e: True, "biases (1-D arrays) get a zero direction")],
    )


@tasks.visible("interpolation_costs")
def _(interpolation_costs):
    """Five points on the line between two weight vectors; the reference is losslib's cost."""
    w_a, w_b = np.array([0.0, 1.0, -1.0]), np.array([1.0, -2.0, 0.5])
    alphas = np.array([-0.5, 0.0, 0.25, 1.0, 1.5])
    expected = np.array([_cost((1 - a) * w_a + a * w_b) for a in alphas])
    swapped = np.array([_cost(a * w_a + (1 - a) * w_b) for a in alphas])
    clipped = np.array([_cost((1 - a) * w_a + a * w_b) for a in np.clip(alphas, 0, 1)])
    check_close(
        interpolation_costs(w_a, w_b, alphas, _X, _Y),
        expected,
        what="interpolation_costs(w_a, w_b, alphas, X, y)",
        given="the test's 6 examples, w_a = [0, 1, -1], w_b = [1, -2, 0.5], alphas = [-0.5, 0, 0.25, 1, 1.5]",
        n=len(_Y),
        hints=[
            (
                lambda g, e: np.allclose(g, swapped),
                "the ends are swapped: alpha = 0 must give w_a and alpha = 1 must give w_b",
            ),
            (
                lambda g, e: np.allclose(g, clipped),
                "right inside [0, 1], but alpha < 0 and alpha > 1 must go on along the line, beyond w_a and "
                "w_b: do not clip alpha",
            ),
        ],
    )


_METHODS = ("newton", "gradient_descent", "subgradient", "standardise_features", "start_from_convex_fit")
_PROBLEMS = ("small_logistic", "big_network", "absolute_error", "millimetres_and_kilometres", "tukey_line")


@tasks.visible("choose_method")
def _(choose_method):
    """Every answer is one of the five names, and two of the five are checked."""
    answers_among(choose_method, "choose_method", _PROBLEMS, _METHODS)
    answer = choose_method("small_logistic")
    if answer != "newton":
        raise CheckFailed(
            f"choose_method('small_logistic') returned {answer!r}: the cost is convex and smooth, and with 20 weights "
            "the Hessian is a 20 x 20 matrix; which method converges in a handful of steps to full precision?"
        )
    answer = choose_method("big_network")
    if answer != "gradient_descent":
        raise CheckFailed(
            f"choose_method('big_network') returned {answer!r}: with ten million parameters the Hessian has 10^14 "
            "entries and cannot even be stored; only a first-order method is practical"
        )
