"""Alternative correct solutions and realistic wrong ones for 06-optimisation (see tests/test_mutation.py)."""

import numpy as np

# --- 1. logistic_cost_grad ------------------------------------------------------------------------


def logistic_cost_grad__alt_branches(w, X, y):
    # softplus by cases, sigmoid from exp(-|z|): the textbook stable forms
    X, w = np.asarray(X), np.asarray(w)
    y = np.asarray(y, dtype=X.dtype)
    z = X @ w
    e = np.exp(-np.abs(z))
    softplus = np.maximum(z, 0) + np.log1p(e)
    p = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return np.mean(softplus - y * z), X.T @ (p - y) / y.size


def logistic_cost_grad__alt_two_terms(w, X, y):
    # y softplus(-z) + (1 - y) softplus(z), the per-class form, with the mean as sum / N
    X, w = np.asarray(X), np.asarray(w)
    y = np.asarray(y, dtype=X.dtype)
    z = X @ w
    cost = np.sum(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)) / len(y)
    p = np.exp(-np.logaddexp(0, -z))
    return cost, (p - y) @ X / len(y)


def logistic_cost_grad__bug_naive_softplus(w, X, y):
    # log(1 + exp(z)) literally: overflows to inf for large logits
    X, w, y = np.asarray(X), np.asarray(w), np.asarray(y, dtype=float)
    z = X @ w
    p = 1 / (1 + np.exp(-z))
    return np.mean(np.log(1 + np.exp(z)) - y * z), X.T @ (p - y) / len(y)


def logistic_cost_grad__bug_grad_wrt_logits(w, X, y):
    # stops the chain rule at the logits: one entry per example
    X, w, y = np.asarray(X), np.asarray(w), np.asarray(y, dtype=float)
    z = X @ w
    p = 0.5 * (1 + np.tanh(z / 2))
    return np.mean(np.logaddexp(0, z) - y * z), (p - y) / len(y)


def logistic_cost_grad__bug_grad_sum(w, X, y):
    # the gradient of the sum, not of the mean
    X, w, y = np.asarray(X), np.asarray(w), np.asarray(y, dtype=float)
    z = X @ w
    p = 0.5 * (1 + np.tanh(z / 2))
    return np.mean(np.logaddexp(0, z) - y * z), X.T @ (p - y)


def logistic_cost_grad__bug_float64(w, X, y):
    # everything forced to float64: correct values, but float32 in gives float64 out
    X, w, y = np.asarray(X, dtype=float), np.asarray(w, dtype=float), np.asarray(y, dtype=float)
    z = X @ w
    p = 0.5 * (1 + np.tanh(z / 2))
    return np.mean(np.logaddexp(0, z) - y * z), X.T @ (p - y) / len(y)


def logistic_cost_grad__bug_swapped_labels(w, X, y):
    # the loss of y = 1 attached to z instead of -z
    X, w, y = np.asarray(X), np.asarray(w), np.asarray(y, dtype=float)
    z = X @ w
    p = 0.5 * (1 + np.tanh(z / 2))
    return np.mean(np.logaddexp(0, z) - (1 - y) * z), X.T @ (p - y) / len(y)


# --- 2. armijo_step -------------------------------------------------------------------------------


def armijo_step__alt_while(w, X, y, direction, t0=1.0, shrink=0.5, c=1e-4, max_halvings=50):
    # a while loop with a counter, the slope computed once
    w, direction = np.asarray(w, dtype=float), np.asarray(direction, dtype=float)
    cost, grad = logistic_cost_grad(w, X, y)  # noqa: F821 - the student's task-1 function
    slope = float(np.dot(grad, direction))
    t, tries = float(t0), 0
    while tries <= max_halvings:
        if logistic_cost_grad(w + t * direction, X, y)[0] <= cost + c * t * slope:  # noqa: F821
            return t
        t *= shrink
        tries += 1
    return 0.0


def armijo_step__alt_powers(w, X, y, direction, t0=1.0, shrink=0.5, c=1e-4, max_halvings=50):
    # the candidate steps as explicit powers of the shrink factor
    cost, grad = logistic_cost_grad(w, X, y)  # noqa: F821
    slope = grad @ direction
    for k in range(max_halvings + 1):
        t = t0 * shrink**k
        if logistic_cost_grad(w + t * direction, X, y)[0] <= cost + c * t * slope:  # noqa: F821
            return t
    return 0.0


def armijo_step__bug_plain_decrease(w, X, y, direction, t0=1.0, shrink=0.5, c=1e-4, max_halvings=50):
    # any decrease is accepted: the sufficient-decrease term c t g.d is missing
    cost, _ = logistic_cost_grad(w, X, y)  # noqa: F821
    t = t0
    for _ in range(max_halvings + 1):
        if logistic_cost_grad(w + t * direction, X, y)[0] < cost:  # noqa: F821
            return t
        t *= shrink
    return 0.0


def armijo_step__bug_abs_slope(w, X, y, direction, t0=1.0, shrink=0.5, c=1e-4, max_halvings=50):
    # the slope's magnitude: the condition then allows the cost to rise
    cost, grad = logistic_cost_grad(w, X, y)  # noqa: F821
    slope = abs(grad @ direction)
    t = t0
    for _ in range(max_halvings + 1):
        if logistic_cost_grad(w + t * direction, X, y)[0] <= cost + c * t * slope:  # noqa: F821
            return t
        t *= shrink
    return 0.0


def armijo_step__bug_shrinks_first(w, X, y, direction, t0=1.0, shrink=0.5, c=1e-4, max_halvings=50):
    # shrinks before the first trial, so t0 itself is never tried
    cost, grad = logistic_cost_grad(w, X, y)  # noqa: F821
    slope = grad @ direction
    t = t0
    for _ in range(max_halvings + 1):
        t *= shrink
        if logistic_cost_grad(w + t * direction, X, y)[0] <= cost + c * t * slope:  # noqa: F821
            return t
    return 0.0


def armijo_step__bug_last_tried(w, X, y, direction, t0=1.0, shrink=0.5, c=1e-4, max_halvings=50):
    # never gives up: returns the smallest step tried instead of 0.0 for an uphill direction
    cost, grad = logistic_cost_grad(w, X, y)  # noqa: F821
    slope = grad @ direction
    t = t0
    for _ in range(max_halvings):
        if logistic_cost_grad(w + t * direction, X, y)[0] <= cost + c * t * slope:  # noqa: F821
            return t
        t *= shrink
    return t


# --- 3. newton_logistic ---------------------------------------------------------------------------


def newton_logistic__alt_fixed_steps(X, y, ridge, n_steps=30):
    # every step taken, no stopping rule; the Hessian weights from exp(-|z|)
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    n, d = X.shape
    w = np.zeros(d)
    for _ in range(n_steps):
        z = X @ w
        e = np.exp(-np.abs(z))
        p = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
        s = e / (1 + e) ** 2  # p (1 - p), without cancellation
        g = X.T @ (p - y) / n + ridge * w
        H = (X * s[:, None]).T @ X / n + ridge * np.eye(d)
        w = w - np.linalg.solve(H, g)
    return w


def newton_logistic__alt_cholesky(X, y, ridge, n_steps=30):
    # the system solved by a Cholesky factorisation, the curvature from the sigmoid of +-z
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    n, d = X.shape
    w = np.zeros(d)
    for _ in range(n_steps):
        z = X @ w
        p, q = 1 / (1 + np.exp(-z)), 1 / (1 + np.exp(z))
        g = X.T @ (p - y) / n + ridge * w
        L = np.linalg.cholesky(X.T @ (X * (p * q)[:, None]) / n + ridge * np.eye(d))
        w = w - np.linalg.solve(L.T, np.linalg.solve(L, g))
    return w


def newton_logistic__bug_no_ridge_in_hessian(X, y, ridge, n_steps=30):
    # the ridge in the gradient only: a wrong Hessian, still converges, but slowly
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    n, d = X.shape
    w = np.zeros(d)
    for _ in range(n_steps):
        p = 0.5 * (1 + np.tanh(X @ w / 2))
        g = X.T @ (p - y) / n + ridge * w
        H = X.T @ ((p * (1 - p))[:, None] * X) / n + 1e-12 * np.eye(d)
        w = w - np.linalg.solve(H, g)
    return w


def newton_logistic__bug_full_ridge(X, y, ridge, n_steps=30):
    # penalises ridge ||w||^2 (gradient 2 ridge w): a different minimum
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    n, d = X.shape
    w = np.zeros(d)
    for _ in range(n_steps):
        p = 0.5 * (1 + np.tanh(X @ w / 2))
        g = X.T @ (p - y) / n + 2 * ridge * w
        H = X.T @ ((p * (1 - p))[:, None] * X) / n + 2 * ridge * np.eye(d)
        w = w - np.linalg.solve(H, g)
    return w


def newton_logistic__bug_gradient_descent(X, y, ridge, n_steps=30):
    # gradient descent with a fixed step instead of Newton: far from converged after 30 steps
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    n, d = X.shape
    w = np.zeros(d)
    for _ in range(n_steps):
        p = 0.5 * (1 + np.tanh(X @ w / 2))
        w = w - 1.0 * (X.T @ (p - y) / n + ridge * w)
    return w


def newton_logistic__bug_hessian_not_averaged(X, y, ridge, n_steps=30):
    # the Hessian of the sum with the gradient of the mean: N times too short steps
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    n, d = X.shape
    w = np.zeros(d)
    for _ in range(n_steps):
        p = 0.5 * (1 + np.tanh(X @ w / 2))
        g = X.T @ (p - y) / n + ridge * w
        H = X.T @ ((p * (1 - p))[:, None] * X) + ridge * np.eye(d)
        w = w - np.linalg.solve(H, g)
    return w


# --- 4. hessian_condition_number -----------------------------------------------------------------


def hessian_condition_number__alt_qr(X):
    # X = QR: X^T X = R^T R, and R has the singular values of X (never forms X^T X)
    X = np.asarray(X, dtype=float)
    if X.shape[0] < X.shape[1]:
        return np.inf
    s = np.linalg.svd(np.linalg.qr(X, mode="r"), compute_uv=False)
    return float((s[0] / s[-1]) ** 2) if s[-1] > 0 else np.inf


def hessian_condition_number__bug_eigvalsh_of_gram(X):
    # eigenvalues of the Hessian itself: forming X^T X squares cond(X), and for nearly collinear
    # columns (kappa ~ 4e13) its smallest eigenvalue keeps only two or three digits
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    if n < d:
        return np.inf
    eig = np.linalg.eigvalsh(2 * X.T @ X / n)
    if eig[0] <= eig[-1] * 1e-15:
        return np.inf
    return float(eig[-1] / eig[0])


def hessian_condition_number__alt_cond(X):
    # numpy's cond of X, squared, with an explicit rank check
    X = np.asarray(X, dtype=float)
    if X.shape[0] < X.shape[1] or np.linalg.matrix_rank(X) < X.shape[1]:
        return np.inf
    return float(np.linalg.cond(X) ** 2)


def hessian_condition_number__bug_cond_of_X(X):
    # the condition number of X, not of X^T X
    X = np.asarray(X, dtype=float)
    if X.shape[0] < X.shape[1]:
        return np.inf
    return float(np.linalg.cond(X))


def hessian_condition_number__bug_gram_rows(X):
    # X X^T (N x N) instead of X^T X (D x D)
    X = np.asarray(X, dtype=float)
    eig = np.linalg.eigvalsh(2 * X @ X.T / len(X))
    return float(eig[-1] / eig[0])


def hessian_condition_number__bug_inverted(X):
    # smallest over largest
    s = np.linalg.svd(np.asarray(X, dtype=float), compute_uv=False)
    return float((s[-1] / s[0]) ** 2)


def hessian_condition_number__bug_short_svd(X):
    # the SVD of a wide X has only N singular values: the zero ones are missed
    s = np.linalg.svd(np.asarray(X, dtype=float), compute_uv=False)
    return float((s[0] / s[-1]) ** 2)


# --- 5. filter_normalize --------------------------------------------------------------------------


def filter_normalize__alt_loop(direction, weights):
    # column by column, with an explicit loop
    out = []
    for d, w in zip(direction, weights):
        d, w = np.asarray(d), np.asarray(w)
        if w.ndim == 1:
            out.append(np.zeros(d.shape, dtype=d.dtype))
            continue
        r = np.zeros_like(d)
        for j in range(d.shape[1]):
            nd = np.sqrt(np.sum(d[:, j] ** 2))
            if nd > 0:
                r[:, j] = d[:, j] / nd * np.sqrt(np.sum(w[:, j] ** 2))
        out.append(r)
    return out


def filter_normalize__alt_divide(direction, weights):
    # np.divide with where=, returning a tuple
    out = []
    for d, w in zip(direction, weights):
        d, w = np.asarray(d), np.asarray(w)
        if d.ndim < 2:
            out.append(0 * d)
            continue
        nd = np.linalg.norm(d, axis=0)
        scale = np.divide(np.linalg.norm(w, axis=0), nd, out=np.zeros_like(nd), where=nd > 0)
        out.append(d * scale)
    return tuple(out)


def filter_normalize__bug_rows(direction, weights):
    # normalises the rows (axis 1) instead of the columns
    out = []
    for d, w in zip(direction, weights):
        d, w = np.asarray(d), np.asarray(w)
        if w.ndim < 2:
            out.append(np.zeros_like(d))
            continue
        out.append(d * np.linalg.norm(w, axis=1, keepdims=True) / np.linalg.norm(d, axis=1, keepdims=True))
    return out


def filter_normalize__bug_layerwise(direction, weights):
    # one norm per layer instead of one per filter
    out = []
    for d, w in zip(direction, weights):
        d, w = np.asarray(d), np.asarray(w)
        out.append(np.zeros_like(d) if w.ndim < 2 else d * np.linalg.norm(w) / np.linalg.norm(d))
    return out


def filter_normalize__bug_keeps_bias(direction, weights):
    # biases normalised like the weights instead of set to zero
    out = []
    for d, w in zip(direction, weights):
        d, w = np.asarray(d), np.asarray(w)
        if w.ndim < 2:
            out.append(d * np.linalg.norm(w) / np.linalg.norm(d))
            continue
        out.append(d * np.linalg.norm(w, axis=0) / np.linalg.norm(d, axis=0))
    return out


def filter_normalize__bug_nan_columns(direction, weights):
    # 0 / 0 for a zero column of the direction
    out = []
    for d, w in zip(direction, weights):
        d, w = np.asarray(d), np.asarray(w)
        if w.ndim < 2:
            out.append(np.zeros_like(d))
            continue
        out.append(d * (np.linalg.norm(w, axis=0) / np.linalg.norm(d, axis=0)))
    return out


# --- 6. interpolation_costs -----------------------------------------------------------------------


def interpolation_costs__alt_vectorised(w_a, w_b, alphas, X, y):
    # all the weight vectors at once, the stable softplus written out
    alphas = np.asarray(alphas, dtype=float)
    W = np.outer(1 - alphas, w_a) + np.outer(alphas, w_b)  # (K, D)
    Z = np.asarray(X, dtype=float) @ W.T  # (N, K)
    y = np.asarray(y, dtype=float)[:, None]
    return np.mean(np.maximum(Z, 0) + np.log1p(np.exp(-np.abs(Z))) - y * Z, axis=0)


def interpolation_costs__alt_offset(w_a, w_b, alphas, X, y):
    # w_a + alpha (w_b - w_a), with the task-1 function
    w_a, w_b = np.asarray(w_a, dtype=float), np.asarray(w_b, dtype=float)
    return np.array([logistic_cost_grad(w_a + a * (w_b - w_a), X, y)[0] for a in alphas])  # noqa: F821


def interpolation_costs__bug_swapped(w_a, w_b, alphas, X, y):
    # alpha weights w_a: the line runs backwards
    return np.array([logistic_cost_grad(a * np.asarray(w_a) + (1 - a) * np.asarray(w_b), X, y)[0] for a in alphas])  # noqa: F821


def interpolation_costs__bug_naive(w_a, w_b, alphas, X, y):
    # log(1 + exp(z)) literally: inf far out on the line
    out = []
    for a in alphas:
        z = np.asarray(X) @ ((1 - a) * np.asarray(w_a) + a * np.asarray(w_b))
        out.append(np.mean(np.log(1 + np.exp(z)) - np.asarray(y) * z))
    return np.array(out)


def interpolation_costs__bug_sum(w_a, w_b, alphas, X, y):
    # the summed loss instead of the mean
    return np.array(
        [len(y) * logistic_cost_grad((1 - a) * np.asarray(w_a) + a * np.asarray(w_b), X, y)[0] for a in alphas]  # noqa: F821
    )


def interpolation_costs__bug_clipped(w_a, w_b, alphas, X, y):
    # only alphas in [0, 1]: the extrapolated points are clipped to the ends
    return np.array(
        [
            logistic_cost_grad((1 - b) * np.asarray(w_a) + b * np.asarray(w_b), X, y)[0]  # noqa: F821
            for b in np.clip(alphas, 0, 1)
        ]
    )


# --- 7. choose_method -----------------------------------------------------------------------------


def choose_method__alt_if(problem):
    # the same answers through if statements
    if problem == "small_logistic":
        return "newton"
    if problem == "big_network":
        return "gradient_descent"
    if problem == "absolute_error":
        return "subgradient"
    if problem == "millimetres_and_kilometres":
        return "standardise_features"
    return "start_from_convex_fit"


def choose_method__bug_newton_everywhere(problem):
    # Newton's method is the fastest, so always Newton
    return "newton"


def choose_method__bug_newton_for_mae(problem):
    # Newton's method for the absolute error, whose curvature is zero almost everywhere
    return {
        "small_logistic": "newton",
        "big_network": "gradient_descent",
        "absolute_error": "newton",
        "millimetres_and_kilometres": "standardise_features",
        "tukey_line": "start_from_convex_fit",
    }[problem]


def choose_method__bug_gd_for_scaling(problem):
    # more gradient descent for the badly scaled features
    return {
        "small_logistic": "newton",
        "big_network": "gradient_descent",
        "absolute_error": "subgradient",
        "millimetres_and_kilometres": "gradient_descent",
        "tukey_line": "start_from_convex_fit",
    }[problem]


def choose_method__bug_tukey_newton(problem):
    # Newton's method for Tukey's biweight: fast, but to whichever minimum is nearest
    return {
        "small_logistic": "newton",
        "big_network": "gradient_descent",
        "absolute_error": "subgradient",
        "millimetres_and_kilometres": "standardise_features",
        "tukey_line": "newton",
    }[problem]


# --- Trivial answers that only these tasks can phrase (each must score 0 on its task) -----------------


def armijo_step__trivial_first_step(w, X, y, direction, t0=1.0, shrink=0.5, c=1e-4, max_halvings=50):
    return t0


def armijo_step__trivial_smallest_step(w, X, y, direction, t0=1.0, shrink=0.5, c=1e-4, max_halvings=50):
    return t0 * shrink**max_halvings


EQUIVALENT: dict[str, dict[str, str]] = {
    "armijo_step": {"`return 0.0` -> `return -(...)`": "-0.0 == 0.0: the step is the same number"},
}
