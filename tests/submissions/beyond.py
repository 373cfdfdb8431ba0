"""Alternative correct solutions and realistic wrong ones for 05-beyond (see tests/test_mutation.py)."""

import numpy as np

# --------------------------------------------------------------------------
# 1. soft_dice_loss
# --------------------------------------------------------------------------


def soft_dice_loss__alt_reshape(y_true, y_pred, smooth=1.0):
    # flatten each example's pixels, then work on rows
    p = np.asarray(y_pred)
    y = np.asarray(y_true).reshape(p.shape[0], -1)
    p = p.reshape(p.shape[0], -1)
    numerator = 2 * np.einsum("ij,ij->i", y, p) + smooth
    denominator = y.sum(axis=1) + p.sum(axis=1) + smooth
    return (denominator - numerator) / denominator


def soft_dice_loss__bug_whole_batch(y_true, y_pred, smooth=1.0):
    # one overlap for the whole batch, returned as a single number
    y, p = np.asarray(y_true), np.asarray(y_pred)
    return 1 - (2 * np.sum(y * p) + smooth) / (np.sum(y) + np.sum(p) + smooth)


def soft_dice_loss__bug_no_factor_two(y_true, y_pred, smooth=1.0):
    y, p = np.asarray(y_true), np.asarray(y_pred)
    axes = tuple(range(1, p.ndim))
    return 1 - (np.sum(y * p, axis=axes) + smooth) / (np.sum(y, axis=axes) + np.sum(p, axis=axes) + smooth)


def soft_dice_loss__bug_smooth_denominator_only(y_true, y_pred, smooth=1.0):
    y, p = np.asarray(y_true), np.asarray(y_pred)
    axes = tuple(range(1, p.ndim))
    return 1 - 2 * np.sum(y * p, axis=axes) / (np.sum(y, axis=axes) + np.sum(p, axis=axes) + smooth)


def soft_dice_loss__bug_last_axis_only(y_true, y_pred, smooth=1.0):
    # fine for (N, d), wrong for images (N, H, W)
    y, p = np.asarray(y_true), np.asarray(y_pred)
    return 1 - (2 * np.sum(y * p, axis=-1) + smooth) / (np.sum(y, axis=-1) + np.sum(p, axis=-1) + smooth)


def soft_dice_loss__bug_float64(y_true, y_pred, smooth=1.0):
    y, p = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    axes = tuple(range(1, p.ndim))
    return 1 - (2 * np.sum(y * p, axis=axes) + smooth) / (np.sum(y, axis=axes) + np.sum(p, axis=axes) + smooth)


# --------------------------------------------------------------------------
# 2. gaussian_kl
# --------------------------------------------------------------------------


def gaussian_kl__alt_sigma(mu, logvar):
    # through sigma^2, with expm1 for the part that cancels
    mu, logvar = np.asarray(mu), np.asarray(logvar)
    excess_var = np.expm1(logvar) - logvar  # sigma^2 - 1 - log sigma^2 >= 0
    return (np.sum(mu * mu, axis=1) + np.sum(excess_var, axis=1)) / 2


def gaussian_kl__bug_naive_exp(mu, logvar):
    mu, logvar = np.asarray(mu), np.asarray(logvar)
    return 0.5 * np.sum(mu**2 + np.exp(logvar) - 1 - logvar, axis=-1)


def gaussian_kl__bug_logvar_is_log_sigma(mu, logvar):
    mu, logvar = np.asarray(mu), np.asarray(logvar)
    return 0.5 * np.sum(mu**2 + np.expm1(2 * logvar) - 2 * logvar, axis=-1)


def gaussian_kl__bug_batch_mean(mu, logvar):
    mu, logvar = np.asarray(mu), np.asarray(logvar)
    return np.mean(0.5 * np.sum(mu**2 + np.expm1(logvar) - logvar, axis=-1))


def gaussian_kl__bug_no_half(mu, logvar):
    mu, logvar = np.asarray(mu), np.asarray(logvar)
    return np.sum(mu**2 + np.expm1(logvar) - logvar, axis=-1)


# --------------------------------------------------------------------------
# 3. gaussian_kl_grad
# --------------------------------------------------------------------------


def gaussian_kl_grad__alt_broadcast(mu, logvar):
    mu, logvar = np.asarray(mu), np.asarray(logvar)
    scale = 1.0 / len(mu)
    return mu * mu.dtype.type(scale), np.expm1(logvar) * logvar.dtype.type(0.5 * scale)


def gaussian_kl_grad__bug_not_divided_by_n(mu, logvar):
    mu, logvar = np.asarray(mu), np.asarray(logvar)
    return mu, 0.5 * np.expm1(logvar)


def gaussian_kl_grad__bug_no_minus_one(mu, logvar):
    mu, logvar = np.asarray(mu), np.asarray(logvar)
    n = mu.shape[0]
    return mu / n, 0.5 * np.exp(logvar) / n


def gaussian_kl_grad__bug_naive_exp(mu, logvar):
    mu, logvar = np.asarray(mu), np.asarray(logvar)
    n = mu.shape[0]
    return mu / n, 0.5 * (np.exp(logvar) - 1) / n


def gaussian_kl_grad__bug_no_half(mu, logvar):
    mu, logvar = np.asarray(mu), np.asarray(logvar)
    n = mu.shape[0]
    return mu / n, np.expm1(logvar) / n


# --------------------------------------------------------------------------
# 4. generator_loss
# --------------------------------------------------------------------------


def generator_loss__alt_logaddexp(fake_logits):
    f = np.asarray(fake_logits)
    return np.mean(np.logaddexp(np.zeros_like(f), -f))


def generator_loss__bug_naive_sigmoid(fake_logits):
    f = np.asarray(fake_logits)
    return np.mean(-np.log(1 / (1 + np.exp(-f))))


def generator_loss__bug_minimax(fake_logits):
    f = np.asarray(fake_logits)
    return np.mean(-(np.maximum(f, 0) + np.log1p(np.exp(-np.abs(f)))))


def generator_loss__bug_log_not_log1p(fake_logits):
    f = np.asarray(fake_logits)
    return np.mean(np.maximum(-f, 0) + np.log(1 + np.exp(-np.abs(f))))


def generator_loss__bug_sum(fake_logits):
    f = np.asarray(fake_logits)
    return np.sum(np.maximum(-f, 0) + np.log1p(np.exp(-np.abs(f))))


# --------------------------------------------------------------------------
# 5. ctc_nll
# --------------------------------------------------------------------------


def ctc_nll__alt_vectorised(log_probs, target, blank=0):
    lp = np.asarray(log_probs, dtype=float)
    labels = np.asarray(target, dtype=int).ravel()
    ext = np.full(2 * len(labels) + 1, blank)
    ext[1::2] = labels
    S = len(ext)
    can_skip = np.zeros(S, dtype=bool)
    can_skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    alpha = np.full(S, -np.inf)
    alpha[: min(2, S)] = lp[0, ext[: min(2, S)]]
    for t in range(1, len(lp)):
        one = np.r_[-np.inf, alpha[:-1]]
        two = np.where(can_skip, np.r_[-np.inf, -np.inf, alpha[:-2]][:S], -np.inf)
        alpha = np.logaddexp(np.logaddexp(alpha, one), two) + lp[t, ext]
    return -np.logaddexp(alpha[-1], alpha[-2] if S > 1 else -np.inf)


def ctc_nll__bug_probability_space(log_probs, target, blank=0):
    y = np.exp(np.asarray(log_probs, dtype=float))
    ext = [blank]
    for k in np.asarray(target, dtype=int).ravel():
        ext += [int(k), blank]
    S = len(ext)
    alpha = np.zeros(S)
    alpha[0] = y[0, blank]
    if S > 1:
        alpha[1] = y[0, ext[1]]
    for t in range(1, len(y)):
        prev = alpha.copy()
        for s in range(S):
            a = prev[s] + (prev[s - 1] if s >= 1 else 0.0)
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                a += prev[s - 2]
            alpha[s] = a * y[t, ext[s]]
    p = alpha[-1] + (alpha[-2] if S > 1 else 0.0)
    with np.errstate(divide="ignore"):
        return -np.log(p)


def ctc_nll__bug_skip_repeats(log_probs, target, blank=0):
    # allows the skip between two equal labels
    lp = np.asarray(log_probs, dtype=float)
    ext = [blank]
    for k in np.asarray(target, dtype=int).ravel():
        ext += [int(k), blank]
    S = len(ext)
    alpha = np.full(S, -np.inf)
    alpha[0] = lp[0, blank]
    if S > 1:
        alpha[1] = lp[0, ext[1]]
    for t in range(1, len(lp)):
        prev = alpha.copy()
        for s in range(S):
            a = prev[s]
            if s >= 1:
                a = np.logaddexp(a, prev[s - 1])
            if s >= 2 and ext[s] != blank:
                a = np.logaddexp(a, prev[s - 2])
            alpha[s] = a + lp[t, ext[s]]
    return -float(alpha[-1] if S == 1 else np.logaddexp(alpha[-1], alpha[-2]))


def ctc_nll__bug_end_blank_only(log_probs, target, blank=0):
    lp = np.asarray(log_probs, dtype=float)
    ext = [blank]
    for k in np.asarray(target, dtype=int).ravel():
        ext += [int(k), blank]
    S = len(ext)
    alpha = np.full(S, -np.inf)
    alpha[0] = lp[0, blank]
    if S > 1:
        alpha[1] = lp[0, ext[1]]
    for t in range(1, len(lp)):
        prev = alpha.copy()
        for s in range(S):
            a = prev[s]
            if s >= 1:
                a = np.logaddexp(a, prev[s - 1])
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                a = np.logaddexp(a, prev[s - 2])
            alpha[s] = a + lp[t, ext[s]]
    return -float(alpha[-1])


def ctc_nll__bug_start_blank_only(log_probs, target, blank=0):
    # forgets that an alignment may start directly with the first label
    lp = np.asarray(log_probs, dtype=float)
    ext = [blank]
    for k in np.asarray(target, dtype=int).ravel():
        ext += [int(k), blank]
    S = len(ext)
    alpha = np.full(S, -np.inf)
    alpha[0] = lp[0, blank]
    for t in range(1, len(lp)):
        prev = alpha.copy()
        for s in range(S):
            a = prev[s]
            if s >= 1:
                a = np.logaddexp(a, prev[s - 1])
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                a = np.logaddexp(a, prev[s - 2])
            alpha[s] = a + lp[t, ext[s]]
    return -float(alpha[-1] if S == 1 else np.logaddexp(alpha[-1], alpha[-2]))


# --------------------------------------------------------------------------
# 6. fit_lasso
# --------------------------------------------------------------------------


def fit_lasso__alt_fista(X, y, alpha, n_steps=1000):
    # accelerated proximal gradient (FISTA)
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    n = len(y)
    step = 1.0 / np.linalg.norm(X, 2) ** 2 * n
    w = z = np.zeros(X.shape[1])
    t = 1.0
    for _ in range(n_steps):
        v = z - step * X.T @ (X @ z - y) / n
        w_new = np.sign(v) * np.clip(np.abs(v) - step * alpha, 0.0, None)
        t_new = (1 + np.sqrt(1 + 4 * t * t)) / 2
        z = w_new + (t - 1) / t_new * (w_new - w)
        w, t = w_new, t_new
    return w


def fit_lasso__bug_threshold_alpha(X, y, alpha, n_steps=1000):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    n = len(y)
    eta = 1.0 / np.linalg.eigvalsh(X.T @ X / n)[-1]
    w = np.zeros(X.shape[1])
    for _ in range(n_steps):
        v = w - eta * X.T @ (X @ w - y) / n
        w = np.sign(v) * np.maximum(np.abs(v) - alpha, 0.0)
    return w


def fit_lasso__bug_subgradient(X, y, alpha, n_steps=1000):
    # plain (sub)gradient descent: no exact zeros
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    n = len(y)
    eta = 1.0 / np.linalg.eigvalsh(X.T @ X / n)[-1]
    w = np.zeros(X.shape[1])
    for _ in range(n_steps):
        w = w - eta * (X.T @ (X @ w - y) / n + alpha * np.sign(w))
    return w


def fit_lasso__bug_gradient_not_divided(X, y, alpha, n_steps=1000):
    # forgets the 1/n of the mean in the gradient (and so in the step)
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    eta = 1.0 / np.linalg.eigvalsh(X.T @ X)[-1]
    w = np.zeros(X.shape[1])
    for _ in range(n_steps):
        v = w - eta * X.T @ (X @ w - y)
        w = np.sign(v) * np.maximum(np.abs(v) - eta * alpha, 0.0)
    return w


def fit_lasso__bug_hard_threshold(X, y, alpha, n_steps=1000):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    n = len(y)
    eta = 1.0 / np.linalg.eigvalsh(X.T @ X / n)[-1]
    w = np.zeros(X.shape[1])
    for _ in range(n_steps):
        v = w - eta * X.T @ (X @ w - y) / n
        w = np.where(np.abs(v) > eta * alpha, v, 0.0)
    return w


# --------------------------------------------------------------------------
# 7. choose_loss
# --------------------------------------------------------------------------


def choose_loss__alt_jaccard(situation):
    if situation == "tumour_masks":
        return "soft_jaccard"
    if situation == "rain_probability":
        return "binary_cross_entropy_with_logits"
    if situation == "handwriting":
        return "ctc"
    if situation == "gene_selection":
        return "elastic_net"
    return "vae_elbo"


def choose_loss__bug_dice_for_rain(situation):
    return {
        "tumour_masks": "dice",
        "rain_probability": "dice",
        "handwriting": "ctc",
        "gene_selection": "elastic_net",
        "encode_and_generate": "vae_elbo",
    }[situation]


def choose_loss__bug_lasso_for_genes(situation):
    return {
        "tumour_masks": "dice",
        "rain_probability": "binary_cross_entropy_with_logits",
        "handwriting": "ctc",
        "gene_selection": "l1_penalty",
        "encode_and_generate": "vae_elbo",
    }[situation]


def choose_loss__bug_bce_for_tumours(situation):
    return {
        "tumour_masks": "binary_cross_entropy_with_logits",
        "rain_probability": "binary_cross_entropy_with_logits",
        "handwriting": "ctc",
        "gene_selection": "elastic_net",
        "encode_and_generate": "gan_generator",
    }[situation]


def choose_loss__bug_cross_entropy_name(situation):
    return {
        "tumour_masks": "dice",
        "rain_probability": "binary_cross_entropy_with_logits",
        "handwriting": "cross_entropy",
        "gene_selection": "elastic_net",
        "encode_and_generate": "vae_elbo",
    }[situation]


EQUIVALENT: dict[str, dict[str, str]] = {}
