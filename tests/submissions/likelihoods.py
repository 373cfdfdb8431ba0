"""Alternative correct solutions and realistic wrong ones for 07-likelihoods (see tests/test_mutation.py)."""

import numpy as np

# --- 1. mixture_nll -------------------------------------------------------------------------------


def mixture_nll__alt_logaddexp(y, logits, loc, log_scale):
    # log-sum-exps by np.logaddexp.reduce, the constant as a Python float (which keeps float32)
    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    log_weights = logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True)
    r = (y[:, None] - loc) / np.exp(log_scale)
    log_dens = -0.5 * r * r - log_scale - float(0.5 * np.log(2 * np.pi))
    return -np.logaddexp.reduce(log_weights + log_dens, axis=-1).sum() / len(y)


def mixture_nll__alt_loop(y, logits, loc, log_scale):
    # one component at a time, a running log-sum-exp of the joint and of the logits
    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    half_log_2pi = logits.dtype.type(0.5 * np.log(2 * np.pi))
    total = np.full(len(y), -np.inf, dtype=logits.dtype)
    norm = np.full(len(y), -np.inf, dtype=logits.dtype)
    for k in range(logits.shape[1]):
        z = (y - loc[:, k]) / np.exp(log_scale[:, k])
        total = np.logaddexp(total, logits[:, k] - z**2 / 2 - log_scale[:, k] - half_log_2pi)
        norm = np.logaddexp(norm, logits[:, k])
    return np.mean(norm - total)


def mixture_nll__bug_naive(y, logits, loc, log_scale):
    # the densities themselves, summed and logged: every far component underflows to 0, log(0) = -inf
    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    weights = weights / weights.sum(axis=1, keepdims=True)
    sigma = np.exp(log_scale)
    dens = np.exp(-((y[:, None] - loc) ** 2) / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))
    return -np.mean(np.log(np.sum(weights * dens, axis=1)))


def mixture_nll__bug_logits_as_log_weights(y, logits, loc, log_scale):
    # forgets the softmax: the weights e^a do not sum to 1
    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    z = (y[:, None] - loc) * np.exp(-log_scale)
    joint = logits - 0.5 * z**2 - log_scale - 0.5 * np.log(2 * np.pi, dtype=logits.dtype)
    return -np.mean(np.logaddexp.reduce(joint, axis=1))


def mixture_nll__bug_sum_of_logs(y, logits, loc, log_scale):
    # sum_k pi_k log N_k (Jensen's bound) instead of log sum_k pi_k N_k
    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    weights = np.exp(logits - np.logaddexp.reduce(logits, axis=1, keepdims=True))
    z = (y[:, None] - loc) * np.exp(-log_scale)
    log_dens = -0.5 * z**2 - log_scale - 0.5 * np.log(2 * np.pi, dtype=logits.dtype)
    return -np.mean(np.sum(weights * log_dens, axis=1))


def mixture_nll__bug_no_2pi(y, logits, loc, log_scale):
    # leaves out the 1/2 log(2 pi) of the Gaussian's normalising constant
    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    log_weights = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
    z = (y[:, None] - loc) * np.exp(-log_scale)
    return -np.mean(np.logaddexp.reduce(log_weights - 0.5 * z**2 - log_scale, axis=1))


def mixture_nll__bug_log_variance(y, logits, loc, log_scale):
    # reads log_scale as the log of the variance
    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    log_weights = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
    z = (y[:, None] - loc) * np.exp(-log_scale / 2)
    joint = log_weights - 0.5 * z**2 - log_scale / 2 - 0.5 * np.log(2 * np.pi, dtype=logits.dtype)
    return -np.mean(np.logaddexp.reduce(joint, axis=1))


def mixture_nll__bug_naive_softmax(y, logits, loc, log_scale):
    # stable over the components, but the weights from exp(logits) / sum: overflows for logits of 1e4
    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    weights = np.exp(logits) / np.sum(np.exp(logits), axis=1, keepdims=True)
    z = (y[:, None] - loc) * np.exp(-log_scale)
    joint = np.log(weights) - 0.5 * z**2 - log_scale - 0.5 * np.log(2 * np.pi, dtype=logits.dtype)
    return -np.mean(np.logaddexp.reduce(joint, axis=1))


def mixture_nll__bug_float64(y, logits, loc, log_scale):
    # the constant np.log(2 * np.pi) is a float64 scalar: float32 in gives float64 out
    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    log_weights = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
    z = (y[:, None] - loc) * np.exp(-log_scale)
    joint = log_weights - 0.5 * z**2 - log_scale - 0.5 * np.log(2 * np.pi)
    return -np.mean(np.logaddexp.reduce(joint, axis=1))


def mixture_nll__bug_sum(y, logits, loc, log_scale):
    # the sum over the examples, not the mean
    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    log_weights = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
    z = (y[:, None] - loc) * np.exp(-log_scale)
    joint = log_weights - 0.5 * z**2 - log_scale - 0.5 * np.log(2 * np.pi, dtype=logits.dtype)
    return -np.sum(np.logaddexp.reduce(joint, axis=1))


# --- 2. mixture_nll_grad_logits -------------------------------------------------------------------


def mixture_nll_grad_logits__alt_log_softmax(y, logits, loc, log_scale):
    # the complete log-joint (normalised weights, every constant), softmaxed by log-sum-exp
    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    log_weights = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
    z = (y[:, None] - loc) / np.exp(log_scale)
    joint = log_weights - z**2 / 2 - log_scale - float(0.5 * np.log(2 * np.pi))
    resp = np.exp(joint - np.logaddexp.reduce(joint, axis=1, keepdims=True))
    return (np.exp(log_weights) - resp) / y.size


def mixture_nll_grad_logits__alt_helper(y, logits, loc, log_scale):
    # a helper for the row softmax, used twice
    def _softmax_rows(a):
        return np.exp(a - np.logaddexp.reduce(a, axis=1, keepdims=True))

    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    resp = _softmax_rows(logits - ((y[:, None] - loc) * np.exp(-log_scale)) ** 2 / 2 - log_scale)
    return -(resp - _softmax_rows(logits)) / len(y)


def mixture_nll_grad_logits__bug_sign(y, logits, loc, log_scale):
    # responsibilities minus weights: the gradient of the log-likelihood, not of its negative
    def _softmax_rows(a):
        return np.exp(a - np.logaddexp.reduce(a, axis=1, keepdims=True))

    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    resp = _softmax_rows(logits - 0.5 * ((y[:, None] - loc) * np.exp(-log_scale)) ** 2 - log_scale)
    return (resp - _softmax_rows(logits)) / len(y)


def mixture_nll_grad_logits__bug_no_weights(y, logits, loc, log_scale):
    # forgets that the logits also enter the softmax's normalisation (+ pi_k)
    def _softmax_rows(a):
        return np.exp(a - np.logaddexp.reduce(a, axis=1, keepdims=True))

    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    resp = _softmax_rows(logits - 0.5 * ((y[:, None] - loc) * np.exp(-log_scale)) ** 2 - log_scale)
    return -resp / len(y)


def mixture_nll_grad_logits__bug_unweighted_responsibilities(y, logits, loc, log_scale):
    # responsibilities from the densities alone, without the mixing weights
    def _softmax_rows(a):
        return np.exp(a - np.logaddexp.reduce(a, axis=1, keepdims=True))

    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    resp = _softmax_rows(-0.5 * ((y[:, None] - loc) * np.exp(-log_scale)) ** 2 - log_scale)
    return (_softmax_rows(logits) - resp) / len(y)


def mixture_nll_grad_logits__bug_not_divided(y, logits, loc, log_scale):
    # the gradient of the sum over examples, not of the mean
    def _softmax_rows(a):
        return np.exp(a - np.logaddexp.reduce(a, axis=1, keepdims=True))

    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    resp = _softmax_rows(logits - 0.5 * ((y[:, None] - loc) * np.exp(-log_scale)) ** 2 - log_scale)
    return _softmax_rows(logits) - resp


def mixture_nll_grad_logits__bug_naive_densities(y, logits, loc, log_scale):
    # responsibilities from the densities themselves: 0 / 0 = nan when every component is far away
    def _softmax_rows(a):
        return np.exp(a - np.logaddexp.reduce(a, axis=1, keepdims=True))

    y, logits, loc, log_scale = (np.asarray(v) for v in (y, logits, loc, log_scale))
    weights = _softmax_rows(logits)
    sigma = np.exp(log_scale)
    joint = weights * np.exp(-((y[:, None] - loc) ** 2) / (2 * sigma**2)) / sigma
    return (weights - joint / joint.sum(axis=1, keepdims=True)) / len(y)


def mixture_nll_grad_logits__bug_float64(y, logits, loc, log_scale):
    # everything converted to float64 first: right values, float64 out for float32 in
    def _softmax_rows(a):
        return np.exp(a - np.logaddexp.reduce(a, axis=1, keepdims=True))

    y, logits, loc, log_scale = (np.asarray(v, dtype=float) for v in (y, logits, loc, log_scale))
    resp = _softmax_rows(logits - 0.5 * ((y[:, None] - loc) * np.exp(-log_scale)) ** 2 - log_scale)
    return (_softmax_rows(logits) - resp) / len(y)


# --- 3. censored_weibull_nll ----------------------------------------------------------------------


def censored_weibull_nll__alt_two_sums(t, scale, concentration, censored):
    # every time contributes (t / scale)^k; the events also -log h(t); one sum over the events
    t, scale, k = np.asarray(t), np.asarray(scale), np.asarray(concentration)
    event = ~np.asarray(censored, dtype=bool)
    log_ratio = np.log(t / scale)
    log_h = np.log(k[event] / scale[event]) + (k[event] - 1) * log_ratio[event]
    return (np.sum(np.exp(k * log_ratio)) - np.sum(log_h)) / t.size


def censored_weibull_nll__alt_logs_of_t(t, scale, concentration, censored):
    # log f = log k - k log scale + (k - 1) log t - (t / scale)^k, and the 0/1 indicator of an event
    t, scale, k = np.asarray(t), np.asarray(scale), np.asarray(concentration)
    delta = 1 - np.asarray(censored, dtype=t.dtype)
    log_f_without_s = np.log(k) - k * np.log(scale) + (k - 1) * np.log(t)
    return np.mean((t / scale) ** k - delta * log_f_without_s)


def censored_weibull_nll__bug_ignores_censoring(t, scale, concentration, censored):
    # every time treated as an observed failure
    t, scale, k = np.asarray(t), np.asarray(scale), np.asarray(concentration)
    log_ratio = np.log(t) - np.log(scale)
    return np.mean(np.exp(k * log_ratio) - (np.log(k) - np.log(scale) + (k - 1) * log_ratio))


def censored_weibull_nll__bug_swapped(t, scale, concentration, censored):
    # -log f where censored is True, -log S where it is False
    t, scale, k = np.asarray(t), np.asarray(scale), np.asarray(concentration)
    log_ratio = np.log(t) - np.log(scale)
    log_h = np.log(k) - np.log(scale) + (k - 1) * log_ratio
    return np.mean(np.exp(k * log_ratio) - np.where(censored, log_h, 0))


def censored_weibull_nll__bug_drops_censored(t, scale, concentration, censored):
    # the censored rows left out, as if they carried no information
    event = ~np.asarray(censored, dtype=bool)
    t, scale, k = np.asarray(t)[event], np.asarray(scale)[event], np.asarray(concentration)[event]
    log_ratio = np.log(t) - np.log(scale)
    return np.mean(np.exp(k * log_ratio) - (np.log(k) - np.log(scale) + (k - 1) * log_ratio))


def censored_weibull_nll__bug_cdf_for_censored(t, scale, concentration, censored):
    # -log F(t) = -log(1 - S(t)) for a censored time: the probability of failing before t
    t, scale, k = np.asarray(t), np.asarray(scale), np.asarray(concentration)
    log_ratio = np.log(t) - np.log(scale)
    hazard = np.exp(k * log_ratio)
    event = hazard - (np.log(k) - np.log(scale) + (k - 1) * log_ratio)
    return np.mean(np.where(censored, -np.log(-np.expm1(-hazard)), event))


def censored_weibull_nll__bug_events_without_survival(t, scale, concentration, censored):
    # -log h(t) for an event (the density without its S(t) factor), -log S(t) for a censored time
    t, scale, k = np.asarray(t), np.asarray(scale), np.asarray(concentration)
    log_ratio = np.log(t) - np.log(scale)
    log_h = np.log(k) - np.log(scale) + (k - 1) * log_ratio
    return np.mean(np.where(censored, np.exp(k * log_ratio), -log_h))


def censored_weibull_nll__bug_log_of_density(t, scale, concentration, censored):
    # the log of the density as a product: (t / scale)^(k - 1) underflows for tiny times
    t, scale, k = np.asarray(t), np.asarray(scale), np.asarray(concentration)
    survival = np.exp(-((t / scale) ** k))
    density = k / scale * (t / scale) ** (k - 1) * survival
    return np.mean(np.where(censored, -np.log(survival), -np.log(density)))


def censored_weibull_nll__bug_float64(t, scale, concentration, censored):
    # inputs converted with dtype=float: right values, float64 out for float32 in
    t, scale, k = (np.asarray(v, dtype=float) for v in (t, scale, concentration))
    log_ratio = np.log(t) - np.log(scale)
    log_h = np.log(k) - np.log(scale) + (k - 1) * log_ratio
    return np.mean(np.exp(k * log_ratio) - np.where(censored, 0, log_h))


def censored_weibull_nll__bug_sum(t, scale, concentration, censored):
    # the sum over the times, not the mean
    t, scale, k = np.asarray(t), np.asarray(scale), np.asarray(concentration)
    log_ratio = np.log(t) - np.log(scale)
    log_h = np.log(k) - np.log(scale) + (k - 1) * log_ratio
    return np.sum(np.exp(k * log_ratio) - np.where(censored, 0, log_h))


# --- 4. ordinal_nll -------------------------------------------------------------------------------


def ordinal_nll__alt_softplus(y, score, cutpoints):
    # the same identity, the log-sigmoid written as min(x, 0) - log1p(e^-|x|)
    def _log_sigmoid(x):
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    y, score, cutpoints = np.asarray(y), np.asarray(score), np.asarray(cutpoints)
    inf = score.dtype.type(np.inf)
    theta = np.concatenate([np.array([-inf]), cutpoints.astype(score.dtype), np.array([inf])])
    a, b = theta[y + 1] - score, theta[y] - score
    with np.errstate(invalid="ignore"):
        log_p = _log_sigmoid(a) + _log_sigmoid(-b) + np.log(-np.expm1(b - a))
    return -np.mean(log_p)


def ordinal_nll__alt_cases(y, score, cutpoints):
    # no infinite cutpoints: the lowest and the highest class handled by masks
    y, score, cutpoints = np.asarray(y), np.asarray(score), np.asarray(cutpoints)
    k = len(cutpoints)
    top, bottom = y == k, y == 0
    a = cutpoints[np.minimum(y, k - 1)] - score
    b = cutpoints[np.maximum(y - 1, 0)] - score
    gap = np.where(top | bottom, 1, a - b)
    log_p = (
        np.where(top, 0, -np.logaddexp(0, -a))
        + np.where(bottom, 0, -np.logaddexp(0, b))
        + np.where(top | bottom, 0, np.log(-np.expm1(-gap)))
    )
    return -np.mean(log_p)


def ordinal_nll__bug_difference_of_sigmoids(y, score, cutpoints):
    # subtracts two probabilities: both round to 1 (or 0) for scores of -1000 (1000)
    def _sigmoid(x):
        return 1 / (1 + np.exp(-x))

    def _padded(cutpoints):
        return np.concatenate([[-np.inf], cutpoints, [np.inf]]).astype(np.asarray(cutpoints).dtype)

    theta = _padded(cutpoints)
    y, score = np.asarray(y), np.asarray(score)
    return -np.mean(np.log(_sigmoid(theta[y + 1] - score) - _sigmoid(theta[y] - score)))


def ordinal_nll__bug_cumulative(y, score, cutpoints):
    # -log P(y <= k) instead of -log P(y = k)
    def _padded(cutpoints):
        return np.concatenate([[-np.inf], cutpoints, [np.inf]]).astype(np.asarray(cutpoints).dtype)

    theta = _padded(cutpoints)
    y, score = np.asarray(y), np.asarray(score)
    return np.mean(np.logaddexp(0, -(theta[y + 1] - score)))


def ordinal_nll__bug_score_sign(y, score, cutpoints):
    # P(y <= k) = sigma(s - theta_k): a higher score moves mass to lower classes
    def _padded(cutpoints):
        return np.concatenate([[-np.inf], cutpoints, [np.inf]]).astype(np.asarray(cutpoints).dtype)

    theta = _padded(cutpoints)
    y, score = np.asarray(y), -np.asarray(score)
    a, b = theta[y + 1] - score, theta[y] - score
    return -np.mean(-np.logaddexp(0, -a) - np.logaddexp(0, b) + np.log(-np.expm1(b - a)))


def ordinal_nll__bug_naive_log_sigmoid(y, score, cutpoints):
    # the identity, but log(1 / (1 + exp(-x))): exp(1000) overflows, and log(0) = -inf
    def _log_sigmoid(x):
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    def _sigmoid(x):
        return 1 / (1 + np.exp(-x))

    def _padded(cutpoints):
        return np.concatenate([[-np.inf], cutpoints, [np.inf]]).astype(np.asarray(cutpoints).dtype)

    theta = _padded(cutpoints)
    y, score = np.asarray(y), np.asarray(score)
    a, b = theta[y + 1] - score, theta[y] - score
    return -np.mean(np.log(_sigmoid(a)) + np.log(_sigmoid(-b)) + np.log(-np.expm1(b - a)))


def ordinal_nll__bug_float64(y, score, cutpoints):
    # np.concatenate with the Python list [-inf] makes the cutpoints float64
    y, score = np.asarray(y), np.asarray(score)
    theta = np.concatenate([[-np.inf], cutpoints, [np.inf]])
    a, b = theta[y + 1] - score, theta[y] - score
    return -np.mean(-np.logaddexp(0, -a) - np.logaddexp(0, b) + np.log(-np.expm1(b - a)))


def ordinal_nll__bug_sum(y, score, cutpoints):
    # the sum over the examples, not the mean
    def _padded(cutpoints):
        return np.concatenate([[-np.inf], cutpoints, [np.inf]]).astype(np.asarray(cutpoints).dtype)

    theta = _padded(cutpoints)
    y, score = np.asarray(y), np.asarray(score)
    a, b = theta[y + 1] - score, theta[y] - score
    return -np.sum(-np.logaddexp(0, -a) - np.logaddexp(0, b) + np.log(-np.expm1(b - a)))


# --- 5. plackett_luce_nll -------------------------------------------------------------------------


def plackett_luce_nll__alt_loop(ranking, scores):
    # one position at a time: a log-sum-exp over the items not placed yet, with their maximum subtracted
    ranking, scores = np.asarray(ranking), np.asarray(scores)
    ordered = np.take_along_axis(scores, ranking, axis=-1)
    total = np.zeros(len(ordered), dtype=scores.dtype)
    for j in range(ordered.shape[1]):
        rest = ordered[:, j:]
        top = rest.max(axis=1)
        total += top + np.log(np.exp(rest - top[:, None]).sum(axis=1)) - ordered[:, j]
    return total.mean()


def plackett_luce_nll__alt_masked_log_softmax(ranking, scores):
    # the log-softmax over the items left, the placed ones masked with -inf
    ranking, scores = np.asarray(ranking), np.asarray(scores)
    rows = np.arange(len(scores))
    left = scores.copy()
    total = 0
    for j in range(scores.shape[1]):
        item = ranking[:, j]
        total = total + np.logaddexp.reduce(left, axis=1) - left[rows, item]
        left[rows, item] = -np.inf
    return np.mean(total)


def plackett_luce_nll__bug_reversed(ranking, scores):
    # reads the ranking from worst to best
    ordered = np.take_along_axis(np.asarray(scores), np.asarray(ranking)[:, ::-1], axis=1)
    remaining = np.logaddexp.accumulate(ordered[:, ::-1], axis=1)[:, ::-1]
    return np.mean(np.sum(remaining - ordered, axis=1))


def plackett_luce_nll__bug_item_order(ranking, scores):
    # the scores in item order, as if every ranking were 0, 1, ..., M - 1
    ordered = np.asarray(scores)
    remaining = np.logaddexp.accumulate(ordered[:, ::-1], axis=1)[:, ::-1]
    return np.mean(np.sum(remaining - ordered, axis=1))


def plackett_luce_nll__bug_ranks(ranking, scores):
    # reads ranking[i, j] as the position of item j (its inverse permutation)
    ordered = np.take_along_axis(np.asarray(scores), np.argsort(ranking, axis=1), axis=1)
    remaining = np.logaddexp.accumulate(ordered[:, ::-1], axis=1)[:, ::-1]
    return np.mean(np.sum(remaining - ordered, axis=1))


def plackett_luce_nll__bug_all_items(ranking, scores):
    # every position's softmax over all M items, not over those still left
    scores = np.asarray(scores)
    log_p = scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)
    return -np.mean(np.sum(np.take_along_axis(log_p, np.asarray(ranking), axis=1), axis=1))


def plackett_luce_nll__bug_mean_over_positions(ranking, scores):
    # averages over the positions too
    ordered = np.take_along_axis(np.asarray(scores), np.asarray(ranking), axis=1)
    remaining = np.logaddexp.accumulate(ordered[:, ::-1], axis=1)[:, ::-1]
    return np.mean(remaining - ordered)


def plackett_luce_nll__bug_naive_exp(ranking, scores):
    # sums of exponentials: exp(1e4) overflows
    ordered = np.exp(np.take_along_axis(np.asarray(scores), np.asarray(ranking), axis=1))
    remaining = np.cumsum(ordered[:, ::-1], axis=1)[:, ::-1]
    return -np.mean(np.sum(np.log(ordered / remaining), axis=1))


def plackett_luce_nll__bug_float64(ranking, scores):
    # scores converted with dtype=float: right values, float64 out for float32 in
    ordered = np.take_along_axis(np.asarray(scores, dtype=float), np.asarray(ranking), axis=1)
    remaining = np.logaddexp.accumulate(ordered[:, ::-1], axis=1)[:, ::-1]
    return np.mean(np.sum(remaining - ordered, axis=1))


# --- 6. choose_likelihood -------------------------------------------------------------------------


def choose_likelihood__alt_if_chain(situation):
    if situation == "claim_amounts":
        return "gamma_nll"
    if situation == "conversion_rates":
        return "beta_nll"
    if situation == "shop_visits":
        return "negative_binomial_nll"
    if situation == "stock_returns":
        return "student_t_nll"
    if situation == "pump_lifetimes":
        return "weibull_nll"
    if situation == "star_ratings":
        return "ordinal_logistic_nll"
    if situation == "robot_arm":
        return "mixture_gaussian_nll"
    return "plackett_luce_nll"


def choose_likelihood__alt_von_mises_arm(situation):
    # the elbow's position is an angle: a mixture of von Mises is as right as a Gaussian mixture
    names = "gamma_nll beta_nll negative_binomial_nll student_t_nll weibull_nll ordinal_logistic_nll mixture_von_mises_nll plackett_luce_nll"
    situations = (
        "claim_amounts conversion_rates shop_visits stock_returns pump_lifetimes star_ratings robot_arm search_results"
    )
    return dict(zip(situations.split(), names.split()))[situation]


def choose_likelihood__bug_regression_losses(situation):
    # the losses of chapter 2 for the amounts, the counts and the stars
    names = "msle beta_nll poisson_nll student_t_nll weibull_nll mse mixture_gaussian_nll plackett_luce_nll"
    situations = (
        "claim_amounts conversion_rates shop_visits stock_returns pump_lifetimes star_ratings robot_arm search_results"
    )
    return dict(zip(situations.split(), names.split()))[situation]


def choose_likelihood__bug_poisson_for_visits(situation):
    # counts, but overdispersed: the Poisson's variance equals its mean
    names = "gamma_nll beta_nll poisson_nll student_t_nll weibull_nll ordinal_logistic_nll mixture_gaussian_nll plackett_luce_nll"
    situations = (
        "claim_amounts conversion_rates shop_visits stock_returns pump_lifetimes star_ratings robot_arm search_results"
    )
    return dict(zip(situations.split(), names.split()))[situation]


def choose_likelihood__bug_gaussian_for_the_arm(situation):
    # one Gaussian averages the two solutions of the robot arm
    names = "gamma_nll beta_nll negative_binomial_nll student_t_nll weibull_nll ordinal_logistic_nll gaussian_nll plackett_luce_nll"
    situations = (
        "claim_amounts conversion_rates shop_visits stock_returns pump_lifetimes star_ratings robot_arm search_results"
    )
    return dict(zip(situations.split(), names.split()))[situation]


def choose_likelihood__bug_gamma_for_lifetimes(situation):
    # positive times, but the still-running pumps need a likelihood with censoring
    names = "gamma_nll beta_nll negative_binomial_nll student_t_nll gamma_nll ordinal_logistic_nll mixture_gaussian_nll plackett_luce_nll"
    situations = (
        "claim_amounts conversion_rates shop_visits stock_returns pump_lifetimes star_ratings robot_arm search_results"
    )
    return dict(zip(situations.split(), names.split()))[situation]


def choose_likelihood__bug_listnet_and_huber(situation):
    # ListNet fits relevance grades, not an observed order; Huber has no learned tails
    names = (
        "gamma_nll beta_nll negative_binomial_nll huber weibull_nll ordinal_logistic_nll mixture_gaussian_nll listnet"
    )
    situations = (
        "claim_amounts conversion_rates shop_visits stock_returns pump_lifetimes star_ratings robot_arm search_results"
    )
    return dict(zip(situations.split(), names.split()))[situation]


# --- 7. fit_student_t -----------------------------------------------------------------------------


def fit_student_t__alt_gradient_descent(y, df):
    # gradient descent on (loc, log scale), the loc's step scaled by scale^2, from the median
    y = np.asarray(y, dtype=float)
    loc = np.median(y)
    log_scale = np.log(np.median(np.abs(y - loc)))
    for _ in range(3000):
        scale = np.exp(log_scale)
        z = (y - loc) / scale
        w = (df + 1) / (df + z * z)
        loc = loc + 0.5 * scale * np.mean(w * z)
        log_scale = log_scale - 0.5 * (1 - np.mean(w * z * z))
    return float(loc), float(np.exp(log_scale))


def fit_student_t__alt_until_converged(y, df):
    # the reweighting iterated until nothing changes, from the median and the MAD
    y = np.asarray(y, dtype=float)
    loc = np.median(y)
    scale = np.median(np.abs(y - loc))
    for _ in range(10_000):
        w = (df + 1) / (df + ((y - loc) / scale) ** 2)
        new_loc = w @ y / w.sum()
        new_scale = np.sqrt(w @ (y - new_loc) ** 2 / len(y))
        done = abs(new_loc - loc) <= 1e-14 * scale and abs(new_scale - scale) <= 1e-14 * scale
        loc, scale = new_loc, new_scale
        if done:
            break
    return loc, scale


def fit_student_t__bug_gaussian(y, df):
    # the Gaussian fit: mean and standard deviation, pulled by the gross errors
    return float(np.mean(y)), float(np.std(y))


def fit_student_t__bug_median_mad(y, df):
    # a robust start, never iterated
    loc = np.median(y)
    return float(loc), float(np.median(np.abs(y - loc)))


def fit_student_t__bug_few_steps(y, df):
    # ten reweighting steps: not converged
    y = np.asarray(y, dtype=float)
    loc, scale = np.median(y), np.std(y)
    for _ in range(10):
        w = (df + 1) / (df + ((y - loc) / scale) ** 2)
        loc = np.sum(w * y) / np.sum(w)
        scale = np.sqrt(np.mean(w * (y - loc) ** 2))
    return float(loc), float(scale)


def fit_student_t__bug_returns_variance(y, df):
    # returns sigma^2 for the scale
    y = np.asarray(y, dtype=float)
    loc, scale = np.median(y), np.std(y)
    for _ in range(500):
        w = (df + 1) / (df + ((y - loc) / scale) ** 2)
        loc = np.sum(w * y) / np.sum(w)
        scale = np.sqrt(np.mean(w * (y - loc) ** 2))
    return float(loc), float(scale**2)


def fit_student_t__bug_weights_without_df(y, df):
    # weights 1 / (1 + z^2): the Cauchy's whatever df is
    y = np.asarray(y, dtype=float)
    loc, scale = np.median(y), np.std(y)
    for _ in range(500):
        w = 2 / (1 + ((y - loc) / scale) ** 2)
        loc = np.sum(w * y) / np.sum(w)
        scale = np.sqrt(np.mean(w * (y - loc) ** 2))
    return float(loc), float(scale)


def fit_student_t__bug_unweighted_scale(y, df):
    # the robust loc, but the scale as the plain standard deviation around it
    y = np.asarray(y, dtype=float)
    loc, scale = np.median(y), np.std(y)
    for _ in range(500):
        w = (df + 1) / (df + ((y - loc) / scale) ** 2)
        loc = np.sum(w * y) / np.sum(w)
        scale = np.sqrt(np.mean((y - loc) ** 2))
    return float(loc), float(scale)


def fit_student_t__bug_swapped(y, df):
    y = np.asarray(y, dtype=float)
    loc, scale = np.median(y), np.std(y)
    for _ in range(500):
        w = (df + 1) / (df + ((y - loc) / scale) ** 2)
        loc = np.sum(w * y) / np.sum(w)
        scale = np.sqrt(np.mean(w * (y - loc) ** 2))
    return float(scale), float(loc)


# --- Trivial answers only these tasks can phrase --------------------------------------------------


def ordinal_nll__trivial_uniform(y, score, cutpoints):  # every class equally likely: log K
    return np.log(len(cutpoints) + 1.0)


def plackett_luce_nll__trivial_uniform(ranking, scores):  # every order equally likely: log M!
    return float(np.sum(np.log(np.arange(1, np.shape(ranking)[1] + 1))))


def mixture_nll__trivial_standard_normal(y, logits, loc, log_scale):  # the NLL of N(0, 1), ignoring the model
    return float(np.mean(0.5 * np.asarray(y) ** 2 + 0.5 * np.log(2 * np.pi)))


def fit_student_t__trivial_median_std(y, df):  # a robust location, a non-robust scale
    return float(np.median(y)), float(np.std(y))


EQUIVALENT: dict[str, dict[str, str]] = {
    "fit_student_t": {
        "`500` -> `1000`": "more steps of a fixed point that the tests' data reach to the last digit in under 300 steps"
    },
    "plackett_luce_nll": {
        "`np.take_along_axis(scores, ranking, axis=1)` -> `np.take_along_axis(scores, ranking)`": (
            "axis=-1 is take_along_axis's default since numpy 2.3 (the lock's numpy), and the last axis of (N, M) "
            "is axis 1"
        )
    },
}
