"""Alternative correct solutions and realistic wrong ones for 01-likelihood (see tests/test_mutation.py)."""

import numpy as np

# --- 1. gaussian_nll ------------------------------------------------------------------------------


def gaussian_nll__alt_loop(y, mu, sigma):
    # an explicit loop over the observations, log(sigma^2) / 2 instead of log(sigma)
    y = np.asarray(y, dtype=float)
    mu = np.broadcast_to(np.asarray(mu, dtype=float), y.shape)
    total = 0.0
    for yi, mi in zip(y, mu):
        total += 0.5 * np.log(2 * np.pi) + 0.5 * np.log(sigma**2) + (yi - mi) ** 2 / (2 * sigma**2)
    return total / len(y)


def gaussian_nll__alt_constant_outside(y, mu, sigma):
    # the constant taken out of the mean
    y = np.asarray(y, dtype=float)
    return 0.5 * np.log(2 * np.pi * sigma**2) + np.mean((y - mu) ** 2) / (2 * sigma**2)


def gaussian_nll__bug_sum(y, mu, sigma):
    # the sum of the per-observation NLLs, not their mean
    y = np.asarray(y, dtype=float)
    return np.sum(0.5 * np.log(2 * np.pi * sigma**2) + (y - mu) ** 2 / (2 * sigma**2))


def gaussian_nll__bug_no_2pi(y, mu, sigma):
    # the 1/2 log(2 pi) dropped as "a constant"
    y = np.asarray(y, dtype=float)
    return np.mean(np.log(sigma) + (y - mu) ** 2 / (2 * sigma**2))


def gaussian_nll__bug_sigma_as_variance(y, mu, sigma):
    # sigma used where sigma^2 belongs
    y = np.asarray(y, dtype=float)
    return np.mean(0.5 * np.log(2 * np.pi * sigma) + (y - mu) ** 2 / (2 * sigma))


def gaussian_nll__bug_log_likelihood(y, mu, sigma):
    # the log-likelihood, without the minus
    y = np.asarray(y, dtype=float)
    return -np.mean(0.5 * np.log(2 * np.pi * sigma**2) + (y - mu) ** 2 / (2 * sigma**2))


def gaussian_nll__bug_half_log_sigma(y, mu, sigma):
    # log(sigma) / 2 where log(sigma^2) / 2 = log(sigma) belongs
    y = np.asarray(y, dtype=float)
    return np.mean(0.5 * np.log(2 * np.pi) + 0.5 * np.log(sigma) + (y - mu) ** 2 / (2 * sigma**2))


# --- 2. gaussian_nll_grad -------------------------------------------------------------------------


def gaussian_nll_grad__alt_loop(y, mu, sigma):
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    grad = np.empty_like(mu)
    for i in range(len(mu)):
        grad[i] = -(y[i] - mu[i]) / sigma**2 / len(y)
    return grad


def gaussian_nll_grad__alt_chain_rule(y, mu, sigma):
    # d/dmu of (y - mu)^2 / (2 sigma^2), times 1/N, written as in the chain rule
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    n = y.size
    return (1 / n) * (2 * (y - mu) * (-1)) / (2 * sigma**2)


def gaussian_nll_grad__bug_sign(y, mu, sigma):
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    return (y - mu) / (sigma**2 * y.size)


def gaussian_nll_grad__bug_not_divided_by_n(y, mu, sigma):
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    return (mu - y) / sigma**2


def gaussian_nll_grad__bug_sigma_not_squared(y, mu, sigma):
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    return (mu - y) / (sigma * y.size)


def gaussian_nll_grad__bug_kept_the_two(y, mu, sigma):
    # the 2 of the square's derivative forgotten: (mu - y) / (2 sigma^2 N)
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    return (mu - y) / (2 * sigma**2 * y.size)


# --- 3. fit_gaussian ------------------------------------------------------------------------------


def fit_gaussian__alt_np_std(y):
    # np.std divides by N (ddof=0) and subtracts the mean first
    y = np.asarray(y, dtype=float)
    return float(np.mean(y)), float(np.std(y))


def fit_gaussian__alt_loops(y):
    # two passes by hand: the mean, then the squared deviations from it
    total = 0.0
    for v in y:
        total += v
    mu = total / len(y)
    sq = 0.0
    for v in y:
        sq += (v - mu) ** 2
    return mu, (sq / len(y)) ** 0.5


def fit_gaussian__bug_unbiased(y):
    # the unbiased estimate divides by N - 1; maximum likelihood by N
    y = np.asarray(y, dtype=float)
    return np.mean(y), np.std(y, ddof=1)


def fit_gaussian__bug_one_pass_variance(y):
    # E[y^2] - E[y]^2: cancels catastrophically for data far from zero
    y = np.asarray(y, dtype=float)
    m = np.mean(y)
    return m, np.sqrt(np.mean(y**2) - m**2)


def fit_gaussian__bug_variance(y):
    # returns the variance as sigma_hat
    y = np.asarray(y, dtype=float)
    m = np.mean(y)
    return m, np.mean((y - m) ** 2)


def fit_gaussian__bug_mean_absolute_deviation(y):
    # the Laplace scale, not the Gaussian one
    y = np.asarray(y, dtype=float)
    m = np.mean(y)
    return m, np.mean(np.abs(y - m))


# --- 4. log_softmax -------------------------------------------------------------------------------


def log_softmax__alt_logaddexp(z):
    z = np.asarray(z)
    return z - np.logaddexp.reduce(z, axis=-1, keepdims=True)


def log_softmax__alt_logsumexp_plus_max(z):
    # log-sum-exp = m + log(sum(exp(z - m))), subtracted from z
    z = np.asarray(z)
    m = z.max(axis=-1, keepdims=True)
    lse = m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))
    return z - lse


def log_softmax__bug_naive(z):
    z = np.asarray(z)
    return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))


def log_softmax__bug_softmax(z):
    # the softmax itself, not its log
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax__bug_axis0(z):
    z = np.asarray(z)
    shifted = z - np.max(z, axis=0, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))


def log_softmax__bug_global_max(z):
    # one maximum for the whole batch: the rows far below it underflow to log(0)
    z = np.asarray(z)
    shifted = z - np.max(z)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def log_softmax__bug_float64(z):
    # converts float32 to float64
    z = np.asarray(z, dtype=float)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


# --- 5. softmax_cross_entropy ---------------------------------------------------------------------


def softmax_cross_entropy__alt_loop(labels, logits):
    logp = log_softmax(logits)  # noqa: F821
    total = 0.0
    for i, label in enumerate(labels):
        total -= logp[i, label]
    return total / len(labels)


def softmax_cross_entropy__alt_one_hot(labels, logits):
    logp = log_softmax(logits)  # noqa: F821
    one_hot = np.eye(logp.shape[-1], dtype=logp.dtype)[np.asarray(labels)]
    return -np.mean(np.sum(one_hot * logp, axis=-1))


def softmax_cross_entropy__alt_take_along_axis(labels, logits):
    logp = log_softmax(logits)  # noqa: F821
    picked = np.take_along_axis(logp, np.asarray(labels)[:, None], axis=-1)
    return -np.mean(picked)


def softmax_cross_entropy__bug_sum(labels, logits):
    logp = log_softmax(logits)  # noqa: F821
    return -np.sum(logp[np.arange(len(labels)), labels])


def softmax_cross_entropy__bug_sign(labels, logits):
    logp = log_softmax(logits)  # noqa: F821
    return np.mean(logp[np.arange(len(labels)), labels])


def softmax_cross_entropy__bug_naive_probabilities(labels, logits):
    # the softmax first, then its log: exp overflows for large logits
    logits = np.asarray(logits)
    p = np.exp(logits) / np.sum(np.exp(logits), axis=-1, keepdims=True)
    return -np.mean(np.log(p[np.arange(len(labels)), labels]))


def softmax_cross_entropy__bug_column_indexing(labels, logits):
    # logp[:, labels] picks a whole (N, N) block, not one entry per row
    logp = log_softmax(logits)  # noqa: F821
    return -np.mean(logp[:, labels])


# --- Trivial answers that only these tasks can phrase (each must score 0 on its task) -----------------


def fit_gaussian__trivial_mean_and_one(y):  # the sample mean with a unit spread
    return float(np.mean(y)), 1.0


def fit_gaussian__trivial_standard_normal(y):
    return 0.0, 1.0


EQUIVALENT: dict[str, dict[str, str]] = {}
