"""Alternative correct solutions and realistic wrong ones for 03-classification (see tests/test_mutation.py)."""

import numpy as np

# --- 1. bce_with_logits ---------------------------------------------------------------------------


def bce_with_logits__alt_logaddexp(y, z):
    # -log sigma(z) = log(1 + e^-z) = logaddexp(0, -z), and -log sigma(-z) = logaddexp(0, z)
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    return np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))


def bce_with_logits__alt_max_minus_yz(y, z):
    # the formula of TensorFlow: max(z, 0) - z y + log1p(exp(-|z|)); max(z, 0) - z y is exact
    # for 0/1 labels, so nothing large is subtracted from a tiny loss
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def bce_with_logits__alt_where_branches(y, z):
    # the stable log-sigmoid of the hint, as a helper, applied to z and -z
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)

    def log_sigmoid(u):
        return np.minimum(u, 0) - np.log1p(np.exp(-np.abs(u)))

    return -np.mean(y * log_sigmoid(z) + (1 - y) * log_sigmoid(-z))


def bce_with_logits__bug_naive_probability(y, z):
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    p = 1 / (1 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def bce_with_logits__bug_softplus_minus_yz(y, z):
    # softplus(z) - y z: right in exact arithmetic, but for y = 1, z = 40 it subtracts 40 from 40 + 4e-18
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    softplus = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
    return np.mean(softplus - y * z)


def bce_with_logits__bug_log_not_log1p(y, z):
    # np.log(1 + t) rounds 1 + 4e-18 to 1: the tiny loss of a confident correct prediction is lost
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    tail = np.log(1 + np.exp(-np.abs(z)))
    return np.mean(y * (np.maximum(-z, 0) + tail) + (1 - y) * (np.maximum(z, 0) + tail))


def bce_with_logits__bug_classes_swapped(y, z):
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    tail = np.log1p(np.exp(-np.abs(z)))
    return np.mean((1 - y) * (np.maximum(-z, 0) + tail) + y * (np.maximum(z, 0) + tail))


def bce_with_logits__bug_float64(y, z):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    tail = np.log1p(np.exp(-np.abs(z)))
    return np.mean(y * (np.maximum(-z, 0) + tail) + (1 - y) * (np.maximum(z, 0) + tail))


def bce_with_logits__bug_clipped_probability(y, z):
    # the probability clipped to [1e-7, 1 - 1e-7] (as Keras does) before the log
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    e = np.exp(-np.abs(z))
    p = np.clip(np.where(z >= 0, 1 / (1 + e), e / (1 + e)), 1e-7, 1 - 1e-7)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def bce_with_logits__bug_mean_over_first_axis(y, z):
    # np.mean(..., axis=0): one value per column for a 2-D array
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    tail = np.log1p(np.exp(-np.abs(z)))
    return np.mean(y * (np.maximum(-z, 0) + tail) + (1 - y) * (np.maximum(z, 0) + tail), axis=0)


# --- 2. bce_with_logits_grad ----------------------------------------------------------------------


def bce_with_logits_grad__alt_logaddexp(y, z):
    # sigma(z) = exp(-log(1 + e^-z)) = exp(-logaddexp(0, -z)); never overflows, keeps relative digits
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    sig = np.exp(-np.logaddexp(0, -z))
    sig_neg = np.exp(-np.logaddexp(0, z))
    return ((1 - y) * sig - y * sig_neg) / z.size


def bce_with_logits_grad__alt_two_plain_sigmoids(y, z):
    # 1 / (1 + e^-z) and 1 / (1 + e^z): exp overflows to inf for |z| = 1e4, but 1 / inf = 0 is right
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    with np.errstate(over="ignore"):
        sig = 1 / (1 + np.exp(-z))
        sig_neg = 1 / (1 + np.exp(z))
    return ((1 - y) * sig - y * sig_neg) / z.size


def bce_with_logits_grad__alt_per_label_branches(y, z):
    # one branch per label: -sigma(-z) for y = 1, sigma(z) for y = 0, sigma(z) - y for soft targets
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    e = np.exp(-np.abs(z))
    sig = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    sig_neg = np.where(z >= 0, e / (1 + e), 1 / (1 + e))
    grad = np.where(y == 1, -sig_neg, np.where(y == 0, sig, sig - y))
    return grad / grad.size


def bce_with_logits_grad__bug_cancellation(y, z):
    # sigma(z) - y: for y = 1, z = 30 it is 1 - 9.4e-14 - 1, a difference of two numbers close to 1
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    e = np.exp(-np.abs(z))
    sig = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return (sig - y) / z.size


def bce_with_logits_grad__bug_not_divided_by_n(y, z):
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    e = np.exp(-np.abs(z))
    sig = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    sig_neg = np.where(z >= 0, e / (1 + e), 1 / (1 + e))
    return (1 - y) * sig - y * sig_neg


def bce_with_logits_grad__bug_divided_by_rows(y, z):
    # len(z) is the number of rows of a 2-D array, not the number of elements
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    e = np.exp(-np.abs(z))
    sig = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    sig_neg = np.where(z >= 0, e / (1 + e), 1 / (1 + e))
    return ((1 - y) * sig - y * sig_neg) / len(z)


def bce_with_logits_grad__bug_sign(y, z):
    # y - sigma(z): the gradient of the log-likelihood, not of the loss
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    e = np.exp(-np.abs(z))
    sig = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    sig_neg = np.where(z >= 0, e / (1 + e), 1 / (1 + e))
    return (y * sig_neg - (1 - y) * sig) / z.size


def bce_with_logits_grad__bug_derivative_in_p(y, z):
    # the derivative with respect to p = sigma(z), without the chain rule's sigma'(z)
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    p = 1 / (1 + np.exp(-z))
    return (p - y) / (p * (1 - p)) / z.size


def bce_with_logits_grad__bug_float64(y, z):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    e = np.exp(-np.abs(z))
    sig = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    sig_neg = np.where(z >= 0, e / (1 + e), 1 / (1 + e))
    return ((1 - y) * sig - y * sig_neg) / z.size


# --- 3. smoothed_cross_entropy --------------------------------------------------------------------


def smoothed_cross_entropy__alt_target_matrix(labels, logits, eps):
    # the smoothed target q as a matrix, and -sum_c q log softmax
    z = np.asarray(logits)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    n, c = z.shape
    log_p = z - np.logaddexp.reduce(z, axis=-1, keepdims=True)
    q = np.full((n, c), eps / c, dtype=z.dtype)
    q[np.arange(n), np.asarray(labels)] += 1 - eps
    return np.mean(-np.sum(q * log_p, axis=-1))


def smoothed_cross_entropy__alt_loop(labels, logits, eps):
    # one example at a time, the log-sum-exp with the row's maximum
    z = np.asarray(logits)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    c = z.shape[1]
    total = z.dtype.type(0)
    for row, label in zip(z, labels):
        m = row.max()
        lse = m + np.log(np.sum(np.exp(row - m)))
        log_p = row - lse
        total += -(1 - eps) * log_p[label] - eps / c * np.sum(log_p)
    return total / len(z)


def smoothed_cross_entropy__bug_eps_over_c_minus_1(labels, logits, eps):
    # the other convention: 1 - eps for the correct class, eps / (C - 1) for each wrong one
    z = np.asarray(logits)
    n, c = z.shape
    shifted = z - np.max(z, axis=-1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    q = np.full((n, c), eps / (c - 1), dtype=z.dtype)
    q[np.arange(n), np.asarray(labels)] = 1 - eps
    return np.mean(-np.sum(q * log_p, axis=-1))


def smoothed_cross_entropy__bug_no_one_minus_eps(labels, logits, eps):
    z = np.asarray(logits)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    nll_true = -log_p[np.arange(len(labels)), labels]
    return np.mean(nll_true + eps * -np.mean(log_p, axis=-1))


def smoothed_cross_entropy__bug_uniform_sum(labels, logits, eps):
    # eps times the SUM over the classes: each class gets eps, not eps / C
    z = np.asarray(logits)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    nll_true = -log_p[np.arange(len(labels)), labels]
    return np.mean((1 - eps) * nll_true + eps * -np.sum(log_p, axis=-1))


def smoothed_cross_entropy__bug_no_max_shift(labels, logits, eps):
    z = np.asarray(logits)
    log_p = z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))
    nll_true = -log_p[np.arange(len(labels)), labels]
    return np.mean((1 - eps) * nll_true + eps * -np.mean(log_p, axis=-1))


def smoothed_cross_entropy__bug_float64(labels, logits, eps):
    z = np.asarray(logits, dtype=float)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    nll_true = -log_p[np.arange(len(labels)), labels]
    return np.mean((1 - eps) * nll_true + eps * -np.mean(log_p, axis=-1))


def smoothed_cross_entropy__bug_smoothing_probabilities(labels, logits, eps):
    # smooths the predicted probabilities instead of the target: -log((1 - eps) p_y + eps / C)
    z = np.asarray(logits)
    c = z.shape[1]
    shifted = z - np.max(z, axis=-1, keepdims=True)
    p = np.exp(shifted) / np.sum(np.exp(shifted), axis=-1, keepdims=True)
    return np.mean(-np.log((1 - eps) * p[np.arange(len(labels)), labels] + eps / c))


# --- 4. focal_loss --------------------------------------------------------------------------------


def focal_loss__alt_logaddexp(y, z, gamma=2.0, alpha=0.25):
    # s = the logit of the true class; -log p_t = logaddexp(0, -s), 1 - p_t = exp(-logaddexp(0, s))
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    s = np.where(y == 1, z, -z)
    minus_log_pt = np.logaddexp(0, -s)
    one_minus_pt = np.exp(-np.logaddexp(0, s))
    alpha_t = np.where(y == 1, alpha, 1 - alpha).astype(z.dtype)
    return np.mean(alpha_t * one_minus_pt**gamma * minus_log_pt)


def focal_loss__alt_two_terms(y, z, gamma=2.0, alpha=0.25):
    # the positive and the negative terms written out, with p = sigma(z) and 1 - p = sigma(-z)
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    e = np.exp(-np.abs(z))
    p = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    q = np.where(z >= 0, e / (1 + e), 1 / (1 + e))
    minus_log_p = np.maximum(-z, 0) + np.log1p(e)
    minus_log_q = np.maximum(z, 0) + np.log1p(e)
    pos = alpha * q**gamma * minus_log_p
    neg = (1 - alpha) * p**gamma * minus_log_q
    return np.mean(y * pos + (1 - y) * neg)


def focal_loss__bug_alpha_swapped(y, z, gamma=2.0, alpha=0.25):
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    s = np.where(y == 1, z, -z)
    e = np.exp(-np.abs(s))
    minus_log_pt = np.maximum(-s, 0) + np.log1p(e)
    one_minus_pt = np.where(s >= 0, e / (1 + e), 1 / (1 + e))
    alpha_t = np.where(y == 1, 1 - alpha, alpha).astype(z.dtype)
    return np.mean(alpha_t * one_minus_pt**gamma * minus_log_pt)


def focal_loss__bug_pt_to_the_gamma(y, z, gamma=2.0, alpha=0.25):
    # p_t^gamma where (1 - p_t)^gamma belongs
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    s = np.where(y == 1, z, -z)
    e = np.exp(-np.abs(s))
    minus_log_pt = np.maximum(-s, 0) + np.log1p(e)
    pt = np.where(s >= 0, 1 / (1 + e), e / (1 + e))
    alpha_t = np.where(y == 1, alpha, 1 - alpha).astype(z.dtype)
    return np.mean(alpha_t * pt**gamma * minus_log_pt)


def focal_loss__bug_log_of_probability(y, z, gamma=2.0, alpha=0.25):
    # log p_t from the probability: log(0) = -inf for a confident mistake
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    p = 1 / (1 + np.exp(-z))
    pt = np.where(y == 1, p, 1 - p)
    alpha_t = np.where(y == 1, alpha, 1 - alpha).astype(z.dtype)
    return np.mean(-alpha_t * (1 - pt) ** gamma * np.log(pt))


def focal_loss__bug_alpha_for_all(y, z, gamma=2.0, alpha=0.25):
    # alpha multiplies every example, positives and negatives alike
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    s = np.where(y == 1, z, -z)
    e = np.exp(-np.abs(s))
    minus_log_pt = np.maximum(-s, 0) + np.log1p(e)
    one_minus_pt = np.where(s >= 0, e / (1 + e), 1 / (1 + e))
    return np.mean(alpha * one_minus_pt**gamma * minus_log_pt)


def focal_loss__bug_float64_alpha(y, z, gamma=2.0, alpha=0.25):
    # np.where(y == 1, alpha, 1 - alpha) is float64: it turns a float32 loss into float64
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    s = np.where(y == 1, z, -z)
    e = np.exp(-np.abs(s))
    minus_log_pt = np.maximum(-s, 0) + np.log1p(e)
    one_minus_pt = np.where(s >= 0, e / (1 + e), 1 / (1 + e))
    alpha_t = np.where(y == 1, alpha, 1 - alpha)
    return np.mean(alpha_t * one_minus_pt**gamma * minus_log_pt)


def focal_loss__bug_modulating_factor_of_z(y, z, gamma=2.0, alpha=0.25):
    # (1 - sigma(z))^gamma for every example, instead of (1 - p_t)^gamma
    z = np.asarray(z)
    y = np.asarray(y).astype(z.dtype)
    s = np.where(y == 1, z, -z)
    e = np.exp(-np.abs(s))
    minus_log_pt = np.maximum(-s, 0) + np.log1p(e)
    ez = np.exp(-np.abs(z))
    one_minus_p = np.where(z >= 0, ez / (1 + ez), 1 / (1 + ez))
    alpha_t = np.where(y == 1, alpha, 1 - alpha).astype(z.dtype)
    return np.mean(alpha_t * one_minus_p**gamma * minus_log_pt)


# --- 5. fit_logistic_regression -------------------------------------------------------------------


def fit_logistic_regression__alt_augmented(X, y, pos_weight=1.0):
    # a column of ones for the intercept, one parameter vector, logaddexp for the sigmoids
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.zeros(A.shape[1])
    step = 1.0 / max(1.0, pos_weight)
    for _ in range(50_000):
        z = A @ theta
        dz = ((1 - y) * np.exp(-np.logaddexp(0, -z)) - pos_weight * y * np.exp(-np.logaddexp(0, z))) / len(y)
        g = A.T @ dz
        if np.linalg.norm(g) < 1e-8:
            break
        theta -= step * g
    return theta[:-1], float(theta[-1])


def fit_logistic_regression__alt_momentum(X, y, pos_weight=1.0):
    # gradient descent with Nesterov momentum (fewer steps to the same minimum)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    vw, vb = np.zeros(d), 0.0
    step = 1.0 / max(1.0, pos_weight)

    def grad(w, b):
        z = X @ w + b
        sig = 0.5 * (1 + np.tanh(0.5 * z))
        sig_neg = 0.5 * (1 - np.tanh(0.5 * z))
        g = ((1 - y) * sig - pos_weight * y * sig_neg) / n
        return X.T @ g, g.sum()

    for _ in range(20_000):
        gw, gb = grad(w + 0.9 * vw, b + 0.9 * vb)
        if np.sqrt(gw @ gw + gb**2) < 1e-10:
            break
        vw, vb = 0.9 * vw - step * gw, 0.9 * vb - step * gb
        w, b = w + vw, b + vb
    return w, float(b)


def fit_logistic_regression__bug_not_divided_by_n(X, y, pos_weight=1.0):
    # the gradient of the sum, with the step meant for the mean: the descent oscillates or diverges
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w, b = np.zeros(X.shape[1]), 0.0
    step = 1.0 / max(1.0, pos_weight)
    with np.errstate(all="ignore"):
        for _ in range(2_000):
            z = X @ w + b
            sig = 1 / (1 + np.exp(-z))
            g = (1 - y) * sig - pos_weight * y * (1 - sig)
            w, b = w - step * (X.T @ g), b - step * g.sum()
    return w, b


def fit_logistic_regression__bug_uphill(X, y, pos_weight=1.0):
    # w + step * gradient
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    step = 1.0 / max(1.0, pos_weight)
    with np.errstate(all="ignore"):
        for _ in range(2_000):
            z = X @ w + b
            sig = 1 / (1 + np.exp(-z))
            g = ((1 - y) * sig - pos_weight * y * (1 - sig)) / n
            w, b = w + step * (X.T @ g), b + step * g.sum()
    return w, b


def fit_logistic_regression__bug_pos_weight_ignored(X, y, pos_weight=1.0):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    for _ in range(50_000):
        z = X @ w + b
        sig = 0.5 * (1 + np.tanh(0.5 * z))
        g = (sig - y) / n
        gw, gb = X.T @ g, g.sum()
        if np.sqrt(gw @ gw + gb**2) < 1e-8:
            break
        w, b = w - gw, b - gb
    return w, b


def fit_logistic_regression__bug_pos_weight_on_negatives(X, y, pos_weight=1.0):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    step = 1.0 / max(1.0, pos_weight)
    for _ in range(50_000):
        z = X @ w + b
        sig = 0.5 * (1 + np.tanh(0.5 * z))
        g = (pos_weight * (1 - y) * sig - y * (1 - sig)) / n
        gw, gb = X.T @ g, g.sum()
        if np.sqrt(gw @ gw + gb**2) < 1e-8:
            break
        w, b = w - step * gw, b - step * gb
    return w, b


def fit_logistic_regression__bug_intercept_frozen(X, y, pos_weight=1.0):
    # b never updated: the line is forced through the origin
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    step = 1.0 / max(1.0, pos_weight)
    for _ in range(50_000):
        z = X @ w + b
        sig = 0.5 * (1 + np.tanh(0.5 * z))
        g = ((1 - y) * sig - pos_weight * y * (1 - sig)) / n
        gw = X.T @ g
        if np.sqrt(gw @ gw) < 1e-8:
            break
        w = w - step * gw
    return w, b


def fit_logistic_regression__bug_few_steps(X, y, pos_weight=1.0):
    # a fixed 100 steps, whatever the gradient: not at the minimum
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    step = 1.0 / max(1.0, pos_weight)
    for _ in range(100):
        z = X @ w + b
        sig = 0.5 * (1 + np.tanh(0.5 * z))
        g = ((1 - y) * sig - pos_weight * y * (1 - sig)) / n
        w, b = w - step * (X.T @ g), b - step * g.sum()
    return w, b


def fit_logistic_regression__bug_intercept_gradient_mean(X, y, pos_weight=1.0):
    # the intercept's gradient is the mean of dJ/dz (divided by N twice): b barely moves
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    step = 1.0 / max(1.0, pos_weight)
    for _ in range(5_000):
        z = X @ w + b
        sig = 0.5 * (1 + np.tanh(0.5 * z))
        g = ((1 - y) * sig - pos_weight * y * (1 - sig)) / n
        w, b = w - step * (X.T @ g), b - step * g.mean()
    return w, b


# --- 6. choose_loss -------------------------------------------------------------------------------


def choose_loss__alt_if_chain(situation):
    if situation == "sepsis_risk":
        return "binary_cross_entropy_with_logits"
    elif situation == "digits":
        return "cross_entropy"
    elif situation == "dense_detection":
        return "focal"
    elif situation == "max_margin":
        return "hinge"
    else:
        return "kl_divergence"


def choose_loss__bug_probabilities_for_sepsis(situation):
    # a proper loss, but on probabilities, while the model outputs a logit
    return {
        "sepsis_risk": "binary_cross_entropy",
        "digits": "cross_entropy",
        "dense_detection": "focal",
        "max_margin": "hinge",
        "distillation_monitor": "kl_divergence",
    }[situation]


def choose_loss__bug_categorical_for_digits(situation):
    # categorical_cross_entropy takes probabilities, the network outputs logits
    return {
        "sepsis_risk": "binary_cross_entropy_with_logits",
        "digits": "categorical_cross_entropy",
        "dense_detection": "focal",
        "max_margin": "hinge",
        "distillation_monitor": "kl_divergence",
    }[situation]


def choose_loss__bug_cross_entropy_for_distillation(situation):
    # the cross-entropy is the teacher's entropy, not 0, when the distributions match
    return {
        "sepsis_risk": "binary_cross_entropy_with_logits",
        "digits": "cross_entropy",
        "dense_detection": "focal",
        "max_margin": "hinge",
        "distillation_monitor": "cross_entropy",
    }[situation]


def choose_loss__bug_squared_hinge(situation):
    # the squared hinge grows quadratically for badly misclassified points
    return {
        "sepsis_risk": "binary_cross_entropy_with_logits",
        "digits": "cross_entropy",
        "dense_detection": "focal",
        "max_margin": "squared_hinge",
        "distillation_monitor": "kl_divergence",
    }[situation]


def choose_loss__bug_bce_for_detection(situation):
    # the plain binary cross-entropy: the easy negatives dominate the sum
    return {
        "sepsis_risk": "binary_cross_entropy_with_logits",
        "digits": "cross_entropy",
        "dense_detection": "binary_cross_entropy_with_logits",
        "max_margin": "hinge",
        "distillation_monitor": "kl_divergence",
    }[situation]


# --- Trivial answers that only these tasks can phrase (each must score 0 on its task) -----------------


def fit_logistic_regression__trivial_majority_class(X, y, pos_weight=1.0):  # every input gets class 0
    return np.zeros(np.shape(X)[1]), -10.0


def fit_logistic_regression__trivial_intercept_only(X, y, pos_weight=1.0):  # the base rate, no features
    p = np.mean(y)
    return np.zeros(np.shape(X)[1]), float(np.log(pos_weight * p / (1 - p)))


EQUIVALENT: dict[str, dict[str, str]] = {
    "smoothed_cross_entropy": {
        "`np.mean(log_p, axis=-1)` -> `np.mean(log_p)`": (
            "the per-row means are averaged over the rows afterwards, and the mean of equal-length row "
            "means is the mean of all entries"
        ),
    },
}
