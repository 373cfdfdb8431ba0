"""Alternative correct solutions and realistic wrong ones for 08-practice (see tests/test_mutation.py)."""

import numpy as np

# --- 1. clip_by_global_norm -----------------------------------------------------------------------


def clip_by_global_norm__alt_hypot(grads, max_norm):
    # the norm accumulated array by array with np.hypot, which never squares a large number
    norm = 0.0
    for g in grads:
        for v in np.ravel(g):
            norm = np.hypot(norm, float(v))
    if norm <= max_norm:
        return [np.array(g) for g in grads]
    return [np.asarray(g) * float(max_norm / norm) for g in grads]


def clip_by_global_norm__alt_norms_of_norms(grads, max_norm):
    # the norm of the arrays' norms, each computed on the array divided by its largest entry
    def safe_norm(a):
        top = np.max(np.abs(a), initial=0)
        return float(top * np.linalg.norm(a / top)) if top else 0.0

    grads = [np.asarray(g) for g in grads]
    norm = safe_norm(np.array([safe_norm(g) for g in grads]))
    return [g * min(1.0, max_norm / norm) if norm else g.copy() for g in grads]


def clip_by_global_norm__alt_zero_norm_test(grads, max_norm):
    # the norm of all the entries divided by the largest, a zero norm tested for (no epsilon)
    grads = [np.asarray(g) for g in grads]
    flat = np.concatenate([g.ravel() for g in grads])
    top = float(np.max(np.abs(flat)))
    norm = top * float(np.linalg.norm(flat / top)) if top > 0 else 0.0
    if norm == 0 or norm <= max_norm:
        return [g.copy() for g in grads]
    return [g * (max_norm / norm) for g in grads]


def clip_by_global_norm__bug_per_array(grads, max_norm):
    # each array clipped by its own norm: the direction of the whole update changes
    out = []
    for g in grads:
        g = np.asarray(g)
        top = np.max(np.abs(g), initial=0)
        norm = float(top * np.linalg.norm(g / top)) if top else 0.0
        out.append(g * min(1.0, max_norm / norm) if norm else g.copy())
    return out


def clip_by_global_norm__bug_by_value(grads, max_norm):
    # clips every entry to [-max_norm, max_norm]
    return [np.clip(g, -max_norm, max_norm) for g in grads]


def clip_by_global_norm__bug_always_rescaled(grads, max_norm):
    # scales to max_norm even when the norm is smaller (normalises instead of clipping)
    grads = [np.asarray(g) for g in grads]
    top = max(float(np.max(np.abs(g), initial=0)) for g in grads)
    if top == 0:
        return [g.copy() for g in grads]
    norm = top * float(np.sqrt(sum(np.sum((g / top) ** 2) for g in grads)))
    return [g * (max_norm / norm) for g in grads]


def clip_by_global_norm__bug_sum_of_norms(grads, max_norm):
    # the global norm taken as the sum of the arrays' norms
    grads = [np.asarray(g) for g in grads]
    norm = sum(float(np.linalg.norm(g / np.max(np.abs(g)))) * float(np.max(np.abs(g))) for g in grads if g.any())
    return [g * min(1.0, max_norm / norm) if norm else g.copy() for g in grads]


def clip_by_global_norm__bug_overflow(grads, max_norm):
    # squares summed directly: inf for entries of 1e20 in float32 (and 1e200 in float64), so the factor is 0
    grads = [np.asarray(g) for g in grads]
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    if norm == 0:
        return [g.copy() for g in grads]
    return [g * min(1.0, max_norm / norm) for g in grads]


def clip_by_global_norm__bug_zero_norm(grads, max_norm):
    # the unit direction times the clipped length: all-zero gradients give 0 / 0 = nan
    grads = [np.asarray(g) for g in grads]
    top = max(float(np.max(np.abs(g), initial=0)) for g in grads)
    with np.errstate(all="ignore"):
        norm = top * np.sqrt(sum(np.sum((g / top) ** 2) for g in grads))
        return [g / norm * min(norm, max_norm) for g in grads]


def clip_by_global_norm__bug_epsilon(grads, max_norm):
    # PyTorch's factor max_norm / (norm + 1e-6) against the zero norm: the 7th digit changes, and norms of 1e-200
    # are not clipped at all
    grads = [np.asarray(g) for g in grads]
    top = max(float(np.max(np.abs(g), initial=0)) for g in grads)
    norm = top * float(np.sqrt(sum(np.sum((g / top) ** 2) for g in grads))) if top else 0.0
    return [g * min(1.0, max_norm / (norm + 1e-6)) for g in grads]


def clip_by_global_norm__bug_direction_times_length(grads, max_norm):
    # the unit direction times the clipped length, zero norm tested for: g / norm * norm is off by a rounding,
    # so gradients under max_norm do not come back bit for bit
    grads = [np.asarray(g) for g in grads]
    top = max(float(np.max(np.abs(g), initial=0)) for g in grads)
    if top == 0:
        return [g.copy() for g in grads]
    norm = top * float(np.sqrt(sum(np.sum((g / top) ** 2) for g in grads)))
    return [g / norm * min(norm, max_norm) for g in grads]


def clip_by_global_norm__bug_product_underflow(grads, max_norm):
    # g * max_norm / norm: the product g * max_norm underflows to 0 for g near 1e-200 and max_norm = 1e-201
    grads = [np.asarray(g) for g in grads]
    top = max(float(np.max(np.abs(g), initial=0)) for g in grads)
    if top == 0:
        return [g.copy() for g in grads]
    norm = top * float(np.sqrt(sum(np.sum((g / top) ** 2) for g in grads)))
    if norm <= max_norm:
        return [g.copy() for g in grads]
    return [g * max_norm / norm for g in grads]


def clip_by_global_norm__bug_float64(grads, max_norm):
    # the factor is a numpy float64 scalar: float32 gradients come back float64
    grads = [np.asarray(g) for g in grads]
    top = max(float(np.max(np.abs(g), initial=0)) for g in grads)
    if top == 0:
        return [g.copy() for g in grads]
    norm = top * np.sqrt(sum(np.sum((g.astype(float) / top) ** 2) for g in grads))
    return [g * np.minimum(1.0, max_norm / norm) for g in grads]


# --- 2. early_stopping_epoch ----------------------------------------------------------------------


def early_stopping_epoch__alt_window(val_losses, patience):
    # the first running best whose next `patience` losses are none lower (nan is never lower)
    losses = np.asarray(val_losses, dtype=float)
    best = np.inf
    for epoch, loss in enumerate(losses):
        if loss < best:
            best = loss
            if not np.any(losses[epoch + 1 : epoch + 1 + patience] < loss):
                return epoch
    return 0


def early_stopping_epoch__alt_last_improvement(val_losses, patience):
    # the epoch of the last improvement; stop before an epoch more than `patience` after it
    best, best_epoch, last = np.inf, 0, -1
    for epoch, loss in enumerate(val_losses):
        if epoch - last > patience:
            break
        if loss < best:
            best, best_epoch, last = loss, epoch, epoch
    return best_epoch


def early_stopping_epoch__bug_argmin(val_losses, patience):
    # the lowest loss of the whole curve, ignoring the stop (and np.argmin picks a nan)
    return int(np.argmin(val_losses))


def early_stopping_epoch__bug_stop_epoch(val_losses, patience):
    # the epoch at which training stops, not the best one
    best, best_epoch, waited = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited == patience:
                return epoch
    return best_epoch


def early_stopping_epoch__bug_ties_improve(val_losses, patience):
    # an equal value counts as an improvement: the later of two equal epochs
    best, best_epoch, waited = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss <= best:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited == patience:
                break
    return best_epoch


def early_stopping_epoch__bug_patience_plus_one(val_losses, patience):
    # stops once the counter exceeds patience: one epoch too late
    best, best_epoch, waited = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited > patience:
                break
    return best_epoch


def early_stopping_epoch__bug_compare_previous(val_losses, patience):
    # compares with the previous epoch, not with the best so far
    best_epoch, waited = 0, 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[epoch - 1]:
            best_epoch, waited = epoch, 0
        else:
            waited += 1
            if waited == patience:
                break
    return best_epoch


def early_stopping_epoch__bug_nan_improves(val_losses, patience):
    # `not loss >= best` is True for nan: a diverged epoch counts as an improvement
    best, best_epoch, waited = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        if not loss >= best:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited == patience:
                break
    return best_epoch


def early_stopping_epoch__bug_one_based(val_losses, patience):
    # epochs counted from 1
    best, best_epoch, waited = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited == patience:
                break
    return best_epoch


# --- 3. barron_loss -------------------------------------------------------------------------------


def barron_loss__alt_exprel(y_true, y_pred, *, alpha, scale):
    # rho = (b L / 2) (e^t - 1) / t with t = alpha L / 2, and the limits as a table
    x = (np.asarray(y_pred) - np.asarray(y_true)) / scale
    limits = {2.0: lambda: x * x / 2, 0.0: lambda: np.log1p(x * x / 2), -np.inf: lambda: -np.expm1(-(x * x) / 2)}
    if alpha in limits:
        return limits[alpha]().mean()
    b = abs(alpha - 2)
    big_l = np.log1p(x * x / b)
    t = alpha * big_l / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(t == 0, 1, np.expm1(t) / t)
    return np.mean(b * big_l / 2 * ratio)


def barron_loss__bug_naive_power(y_true, y_pred, *, alpha, scale):
    # the formula as printed, with limits: loses its digits next to alpha = 0 and at -1e8
    x = (np.asarray(y_pred) - np.asarray(y_true)) / scale
    if alpha == 2:
        return np.mean(0.5 * x * x)
    if alpha == 0:
        return np.mean(np.log1p(0.5 * x * x))
    if alpha == -np.inf:
        return np.mean(-np.expm1(-0.5 * x * x))
    b = abs(alpha - 2)
    return np.mean(b / alpha * ((x * x / b + 1) ** (alpha / 2) - 1))


def barron_loss__bug_no_limits(y_true, y_pred, *, alpha, scale):
    # the general formula everywhere: 0/0 at alpha = 0 and 2, nan at -inf
    x = (np.asarray(y_pred) - np.asarray(y_true)) / scale
    b = abs(alpha - 2)
    with np.errstate(all="ignore"):
        return np.mean(b / alpha * np.expm1(alpha / 2 * np.log1p(x * x / b)))


def barron_loss__bug_limits_nearby(y_true, y_pred, *, alpha, scale):
    # the limits used next to alpha = 0 and 2 as well: they differ from the formula in the 8th or 9th digit
    x = (np.asarray(y_pred) - np.asarray(y_true)) / scale
    if abs(alpha - 2) < 1e-6:
        return np.mean(0.5 * x * x)
    if abs(alpha) < 1e-6:
        return np.mean(np.log1p(0.5 * x * x))
    if alpha == -np.inf:
        return np.mean(-np.expm1(-0.5 * x * x))
    b = abs(alpha - 2)
    return np.mean(b / alpha * np.expm1(alpha / 2 * np.log1p(x * x / b)))


def barron_loss__bug_cauchy_without_half(y_true, y_pred, *, alpha, scale):
    # log(x^2 + 1) at alpha = 0
    x = (np.asarray(y_pred) - np.asarray(y_true)) / scale
    if alpha == 2:
        return np.mean(0.5 * x * x)
    if alpha == 0:
        return np.mean(np.log1p(x * x))
    if alpha == -np.inf:
        return np.mean(-np.expm1(-0.5 * x * x))
    b = abs(alpha - 2)
    return np.mean(b / alpha * np.expm1(alpha / 2 * np.log1p(x * x / b)))


def barron_loss__bug_unscaled(y_true, y_pred, *, alpha, scale):
    # forgets to divide the residual by the scale
    x = np.asarray(y_pred) - np.asarray(y_true)
    if alpha == 2:
        return np.mean(0.5 * x * x)
    if alpha == 0:
        return np.mean(np.log1p(0.5 * x * x))
    if alpha == -np.inf:
        return np.mean(-np.expm1(-0.5 * x * x))
    b = abs(alpha - 2)
    return np.mean(b / alpha * np.expm1(alpha / 2 * np.log1p(x * x / b)))


def barron_loss__bug_power_alpha(y_true, y_pred, *, alpha, scale):
    # the power alpha instead of alpha / 2
    x = (np.asarray(y_pred) - np.asarray(y_true)) / scale
    if alpha == 2:
        return np.mean(0.5 * x * x)
    if alpha == 0:
        return np.mean(np.log1p(0.5 * x * x))
    if alpha == -np.inf:
        return np.mean(-np.expm1(-0.5 * x * x))
    b = abs(alpha - 2)
    return np.mean(b / alpha * np.expm1(alpha * np.log1p(x * x / b)))


def barron_loss__bug_float64(y_true, y_pred, *, alpha, scale):
    # converts with dtype=float: right values, float64 out for float32 in
    x = (np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)) / scale
    if alpha == 2:
        return np.mean(0.5 * x * x)
    if alpha == 0:
        return np.mean(np.log1p(0.5 * x * x))
    if alpha == -np.inf:
        return np.mean(-np.expm1(-0.5 * x * x))
    b = abs(alpha - 2)
    return np.mean(b / alpha * np.expm1(alpha / 2 * np.log1p(x * x / b)))


# --- 4. barron_loss_grad --------------------------------------------------------------------------


def barron_loss_grad__alt_limits_table(y_true, y_pred, *, alpha, scale):
    # the weight W = (1 + x^2 / b)^(alpha/2 - 1) from a table of limits, then x W / (c N)
    x = (np.asarray(y_pred) - np.asarray(y_true)) / scale
    xx = x * x
    if alpha == 2:
        w = 1
    elif alpha == 0:
        w = 2 / (xx + 2)
    elif alpha == -np.inf:
        w = np.exp(-xx / 2)
    else:
        b = abs(alpha - 2)
        w = np.exp(np.log1p(xx / b) * (alpha - 2) / 2)
    return w * x / scale / np.size(x)


def barron_loss_grad__bug_naive_power(y_true, y_pred, *, alpha, scale):
    # (1 + u)^(alpha/2 - 1) by **: 1 + u rounds, and alpha = -1e8 multiplies the error by 5e7
    x = (np.asarray(y_pred) - np.asarray(y_true)) / scale
    if alpha == 2:
        w = np.ones_like(x)
    elif alpha == 0:
        w = 1 / (1 + 0.5 * x * x)
    elif alpha == -np.inf:
        w = np.exp(-0.5 * x * x)
    else:
        w = (1 + x * x / abs(alpha - 2)) ** (alpha / 2 - 1)
    return x * w / (scale * x.size)


def barron_loss_grad__bug_no_chain_rule(y_true, y_pred, *, alpha, scale):
    # the derivative in x, without the factor 1 / scale
    x = (np.asarray(y_pred) - np.asarray(y_true)) / scale
    if alpha == 2:
        w = np.ones_like(x)
    elif alpha == 0:
        w = 1 / (1 + 0.5 * x * x)
    elif alpha == -np.inf:
        w = np.exp(-0.5 * x * x)
    else:
        w = np.exp((alpha / 2 - 1) * np.log1p(x * x / abs(alpha - 2)))
    return x * w / x.size


def barron_loss_grad__bug_scale_cubed(y_true, y_pred, *, alpha, scale):
    # the chain rule's 1 / scale applied three times: x / scale^3
    x = (np.asarray(y_pred) - np.asarray(y_true)) / scale
    if alpha == 2:
        w = np.ones_like(x)
    elif alpha == -np.inf:
        w = np.exp(-0.5 * x * x)
    else:
        w = np.exp((alpha / 2 - 1) * np.log1p(x * x / abs(alpha - 2)))
    return x * w / (scale**3 * x.size)


def barron_loss_grad__bug_raw_residual(y_true, y_pred, *, alpha, scale):
    # the raw residual y_pred - y_true in front of the weight, neither divided by the scale nor by it again
    r = np.asarray(y_pred) - np.asarray(y_true)
    x = r / scale
    if alpha == 2:
        w = np.ones_like(x)
    elif alpha == -np.inf:
        w = np.exp(-0.5 * x * x)
    else:
        w = np.exp((alpha / 2 - 1) * np.log1p(x * x / abs(alpha - 2)))
    return r * w / x.size


def barron_loss_grad__bug_np_abs(y_true, y_pred, *, alpha, scale):
    # np.abs(alpha - 2) is a numpy float64 scalar: float32 inputs come back float64
    x = (np.asarray(y_pred) - np.asarray(y_true)) / scale
    if alpha == 2:
        return x / (scale * x.size)
    if alpha == -np.inf:
        return x * np.exp(-0.5 * x * x) / (scale * x.size)
    w = np.exp((alpha / 2 - 1) * np.log1p(x * x / np.abs(alpha - 2)))
    return x * w / (scale * x.size)


def barron_loss_grad__bug_power_alpha_half(y_true, y_pred, *, alpha, scale):
    # the power alpha / 2 (the loss's), not alpha / 2 - 1
    x = (np.asarray(y_pred) - np.asarray(y_true)) / scale
    if alpha == 2:
        w = np.ones_like(x)
    elif alpha == 0:
        w = 1 / (1 + 0.5 * x * x)
    elif alpha == -np.inf:
        w = np.exp(-0.5 * x * x)
    else:
        w = np.exp(alpha / 2 * np.log1p(x * x / abs(alpha - 2)))
    return x * w / (scale * x.size)


def barron_loss_grad__bug_no_limits(y_true, y_pred, *, alpha, scale):
    # the general formula everywhere: nan at alpha = 2 and -inf
    x = (np.asarray(y_pred) - np.asarray(y_true)) / scale
    with np.errstate(all="ignore"):
        w = np.exp((alpha / 2 - 1) * np.log1p(x * x / abs(alpha - 2)))
    return x * w / (scale * x.size)


def barron_loss_grad__bug_not_divided(y_true, y_pred, *, alpha, scale):
    # the gradient of the sum, not of the mean
    x = (np.asarray(y_pred) - np.asarray(y_true)) / scale
    if alpha == 2:
        w = np.ones_like(x)
    elif alpha == 0:
        w = 1 / (1 + 0.5 * x * x)
    elif alpha == -np.inf:
        w = np.exp(-0.5 * x * x)
    else:
        w = np.exp((alpha / 2 - 1) * np.log1p(x * x / abs(alpha - 2)))
    return x * w / scale


# --- 5. generalized_cross_entropy -----------------------------------------------------------------


def generalized_cross_entropy__alt_logaddexp(labels, logits, q):
    # log p_y by np.logaddexp.reduce, then -expm1(q log p_y) / q
    logits = np.asarray(logits)
    log_p_y = np.take_along_axis(logits, np.asarray(labels)[:, None], axis=1)[:, 0] - np.logaddexp.reduce(
        logits, axis=1
    )
    return -np.expm1(q * log_p_y).sum() / (q * len(log_p_y))


def generalized_cross_entropy__bug_naive_power(labels, logits, q):
    # (1 - p_y^q) / q: stable softmax, but the difference cancels for q = 1e-8
    logits = np.asarray(logits)
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return np.mean((1 - p[np.arange(len(labels)), labels] ** q) / q)


def generalized_cross_entropy__bug_cross_entropy_for_small_q(labels, logits, q):
    # the cross-entropy substituted for q < 1e-6: it differs from the loss in the 8th digit at q = 1e-8
    logits = np.asarray(logits)
    log_p_y = logits[np.arange(len(labels)), labels] - np.logaddexp.reduce(logits, axis=1)
    if q < 1e-6:
        return np.mean(-log_p_y)
    return np.mean(-np.expm1(q * log_p_y) / q)


def generalized_cross_entropy__bug_naive_softmax(labels, logits, q):
    # exp(logits) without the row maximum: overflows for logits of 1e4
    logits = np.asarray(logits)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return np.mean(-np.expm1(q * np.log(p[np.arange(len(labels)), labels])) / q)


def generalized_cross_entropy__bug_no_division(labels, logits, q):
    # forgets the 1 / q
    logits = np.asarray(logits)
    log_p_y = logits[np.arange(len(labels)), labels] - np.logaddexp.reduce(logits, axis=1)
    return np.mean(-np.expm1(q * log_p_y))


def generalized_cross_entropy__bug_cross_entropy(labels, logits, q):
    # the cross-entropy, the q -> 0 limit, whatever q
    logits = np.asarray(logits)
    return np.mean(np.logaddexp.reduce(logits, axis=1) - logits[np.arange(len(labels)), labels])


def generalized_cross_entropy__bug_float64(labels, logits, q):
    # np.float64(q): float32 logits come back float64
    logits = np.asarray(logits)
    log_p_y = logits[np.arange(len(labels)), labels] - np.logaddexp.reduce(logits, axis=1)
    q = np.float64(q)
    return np.mean(-np.expm1(q * log_p_y) / q)


# --- 6. arcface_logits ----------------------------------------------------------------------------


def arcface_logits__alt_no_arccos(labels, cosines, scale, margin):
    # cos(theta + m) = cos theta cos m - sin theta sin m, sin theta = sqrt((1 - c)(1 + c)) >= 0
    cosines = np.array(cosines)
    rows, labels = np.arange(len(cosines)), np.asarray(labels)
    c = cosines[rows, labels]
    sin = np.sqrt((1 - c) * (1 + c))
    cosines[rows, labels] = c * float(np.cos(margin)) - sin * float(np.sin(margin))
    return scale * cosines


def arcface_logits__alt_one_hot(labels, cosines, scale, margin):
    # the margin on every angle, masked by a one-hot
    cosines = np.asarray(cosines)
    one_hot = np.arange(cosines.shape[1]) == np.asarray(labels)[:, None]
    return scale * np.where(one_hot, np.cos(np.arccos(cosines) + margin), cosines)


def arcface_logits__alt_in_place(labels, cosines, scale, margin):
    # the true classes' cosines replaced in the array passed in, then everything scaled
    c = np.asarray(cosines)
    rows = np.arange(len(c))
    c[rows, labels] = np.cos(np.arccos(c[rows, labels]) + margin)
    return scale * c


def arcface_logits__bug_cosface(labels, cosines, scale, margin):
    # subtracts the margin from the cosine (CosFace)
    logits = np.array(cosines)
    rows = np.arange(len(logits))
    logits[rows, labels] -= margin
    return scale * logits


def arcface_logits__bug_every_class(labels, cosines, scale, margin):
    # the margin on every class's angle
    return scale * np.cos(np.arccos(np.asarray(cosines)) + margin)


def arcface_logits__bug_minus_margin(labels, cosines, scale, margin):
    # theta - m: the true class made easier, not harder
    logits = scale * np.asarray(cosines)
    rows = np.arange(len(logits))
    logits[rows, labels] = scale * np.cos(np.arccos(np.asarray(cosines)[rows, labels]) - margin)
    return logits


def arcface_logits__bug_unscaled_true(labels, cosines, scale, margin):
    # the true class's logit without the scale
    logits = scale * np.asarray(cosines)
    rows = np.arange(len(logits))
    logits[rows, labels] = np.cos(np.arccos(np.asarray(cosines)[rows, labels]) + margin)
    return logits


def arcface_logits__bug_easy_margin(labels, cosines, scale, margin):
    # InsightFace's replacement past theta + m > pi: s (cos theta - m sin m) there
    cosines = np.asarray(cosines)
    logits = scale * cosines
    rows = np.arange(len(logits))
    theta = np.arccos(cosines[rows, labels])
    logits[rows, labels] = scale * np.where(
        theta + margin <= np.pi, np.cos(theta + margin), cosines[rows, labels] - margin * np.sin(margin)
    )
    return logits


def arcface_logits__bug_clamped(labels, cosines, scale, margin):
    # clamps the cosines to [-1 + 1e-7, 1 - 1e-7] before arccos, as some code does
    cosines = np.asarray(cosines)
    logits = scale * cosines
    rows = np.arange(len(logits))
    theta = np.arccos(np.clip(cosines[rows, labels], -1 + 1e-7, 1 - 1e-7))
    logits[rows, labels] = scale * np.cos(theta + margin)
    return logits


def arcface_logits__bug_float64(labels, cosines, scale, margin):
    # np.cos(margin) is a float64 scalar: float32 cosines come back float64
    cosines = np.asarray(cosines)
    rows, labels = np.arange(len(cosines)), np.asarray(labels)
    c = cosines[rows, labels]
    logits = scale * cosines
    true = scale * (c * np.cos(margin) - np.sqrt((1 - c) * (1 + c)) * np.sin(margin))
    logits = logits.astype(true.dtype)
    logits[rows, labels] = true
    return logits


# --- 7. clip_loss ---------------------------------------------------------------------------------


def clip_loss__alt_two_cross_entropies(image_embeddings, text_embeddings, temperature):
    # a helper cross-entropy with the diagonal as the labels, on s and on its transpose
    def ce_diagonal(s):
        m = s.max(axis=1, keepdims=True)
        log_p = s - m - np.log(np.exp(s - m).sum(axis=1, keepdims=True))
        return -np.mean(np.diagonal(log_p))

    u = np.asarray(image_embeddings)
    v = np.asarray(text_embeddings)
    u = u / np.sqrt((u * u).sum(axis=1, keepdims=True))
    v = v / np.sqrt((v * v).sum(axis=1, keepdims=True))
    s = (u @ v.T) / temperature
    return (ce_diagonal(s) + ce_diagonal(s.T)) / 2


def clip_loss__bug_one_direction(image_embeddings, text_embeddings, temperature):
    # image-to-text only
    u = np.asarray(image_embeddings)
    v = np.asarray(text_embeddings)
    s = (u / np.linalg.norm(u, axis=1, keepdims=True)) @ (v / np.linalg.norm(v, axis=1, keepdims=True)).T
    s = s / temperature
    return np.mean(np.logaddexp.reduce(s, axis=1) - np.diagonal(s))


def clip_loss__bug_not_normalised(image_embeddings, text_embeddings, temperature):
    # dot products of the raw rows, not cosines
    s = np.asarray(image_embeddings) @ np.asarray(text_embeddings).T / temperature
    d = np.diagonal(s)
    return np.mean((np.logaddexp.reduce(s, axis=1) + np.logaddexp.reduce(s, axis=0)) / 2 - d)


def clip_loss__bug_summed_directions(image_embeddings, text_embeddings, temperature):
    # adds the two directions instead of averaging them
    u = np.asarray(image_embeddings)
    v = np.asarray(text_embeddings)
    s = (u / np.linalg.norm(u, axis=1, keepdims=True)) @ (v / np.linalg.norm(v, axis=1, keepdims=True)).T
    s = s / temperature
    d = np.diagonal(s)
    return np.mean(np.logaddexp.reduce(s, axis=1) + np.logaddexp.reduce(s, axis=0) - 2 * d)


def clip_loss__bug_naive_exp(image_embeddings, text_embeddings, temperature):
    # sums of exponentials: exp(1000) overflows at temperature 1e-3
    u = np.asarray(image_embeddings)
    v = np.asarray(text_embeddings)
    s = (u / np.linalg.norm(u, axis=1, keepdims=True)) @ (v / np.linalg.norm(v, axis=1, keepdims=True)).T
    e = np.exp(s / temperature)
    d = np.diagonal(e)
    return np.mean(-(np.log(d / e.sum(axis=1)) + np.log(d / e.sum(axis=0))) / 2)


def clip_loss__bug_times_temperature(image_embeddings, text_embeddings, temperature):
    # multiplies the similarities by the temperature
    u = np.asarray(image_embeddings)
    v = np.asarray(text_embeddings)
    s = (u / np.linalg.norm(u, axis=1, keepdims=True)) @ (v / np.linalg.norm(v, axis=1, keepdims=True)).T
    s = s * temperature
    d = np.diagonal(s)
    return np.mean((np.logaddexp.reduce(s, axis=1) + np.logaddexp.reduce(s, axis=0)) / 2 - d)


def clip_loss__bug_float64(image_embeddings, text_embeddings, temperature):
    # converts with dtype=float: right values, float64 out for float32 in
    u = np.asarray(image_embeddings, dtype=float)
    v = np.asarray(text_embeddings, dtype=float)
    s = (u / np.linalg.norm(u, axis=1, keepdims=True)) @ (v / np.linalg.norm(v, axis=1, keepdims=True)).T
    s = s / temperature
    d = np.diagonal(s)
    return np.mean((np.logaddexp.reduce(s, axis=1) + np.logaddexp.reduce(s, axis=0)) / 2 - d)


# --- 8. diagnose_curve ----------------------------------------------------------------------------


def diagnose_curve__alt_if_chain(curve):
    if curve == "turns_up":
        return "overfitting"
    if curve == "zigzag":
        return "learning_rate_too_high"
    if curve == "slow_line":
        return "learning_rate_too_low"
    if curve == "flat_deep":
        return "vanishing_gradients"
    if curve == "spike_nan":
        return "exploding_gradients"
    if curve == "memorise_late":
        return "label_noise"
    if curve == "both_high":
        return "underfitting"
    return "data_leakage"


# Each bug changes one or two answers (a submission is one function's source: no helpers outside it).


def diagnose_curve__bug_noise_for_zigzag(curve):
    # a noisy curve blamed on small batches, though the batch has 512 examples and a smaller step fixes it
    curves = "turns_up zigzag slow_line flat_deep spike_nan memorise_late both_high too_good"
    names = "overfitting batch_too_small learning_rate_too_low vanishing_gradients exploding_gradients label_noise underfitting data_leakage"
    return dict(zip(curves.split(), names.split()))[curve]


def diagnose_curve__bug_overfitting_for_noise(curve):
    # the late memorisation read as plain overfitting, ignoring the wrong labels found by hand
    curves = "turns_up zigzag slow_line flat_deep spike_nan memorise_late both_high too_good"
    names = "overfitting learning_rate_too_high learning_rate_too_low vanishing_gradients exploding_gradients overfitting underfitting data_leakage"
    return dict(zip(curves.split(), names.split()))[curve]


def diagnose_curve__bug_swapped_gradients(curve):
    # vanishing and exploding swapped
    curves = "turns_up zigzag slow_line flat_deep spike_nan memorise_late both_high too_good"
    names = "overfitting learning_rate_too_high learning_rate_too_low exploding_gradients vanishing_gradients label_noise underfitting data_leakage"
    return dict(zip(curves.split(), names.split()))[curve]


def diagnose_curve__bug_slow_as_underfitting(curve):
    # slow progress read as a model too small (a larger step size gets further); leakage as a shift
    curves = "turns_up zigzag slow_line flat_deep spike_nan memorise_late both_high too_good"
    names = "overfitting learning_rate_too_high underfitting vanishing_gradients exploding_gradients label_noise underfitting distribution_shift"
    return dict(zip(curves.split(), names.split()))[curve]


def diagnose_curve__bug_underfitting_for_overfitting(curve):
    # the rising validation loss read as a model too small
    curves = "turns_up zigzag slow_line flat_deep spike_nan memorise_late both_high too_good"
    names = "underfitting learning_rate_too_high learning_rate_too_low vanishing_gradients exploding_gradients label_noise underfitting data_leakage"
    return dict(zip(curves.split(), names.split()))[curve]


def diagnose_curve__bug_capitalised(curve):
    # "Overfitting" is not a name from the list
    curves = "turns_up zigzag slow_line flat_deep spike_nan memorise_late both_high too_good"
    names = "Overfitting learning_rate_too_high learning_rate_too_low vanishing_gradients exploding_gradients label_noise underfitting data_leakage"
    return dict(zip(curves.split(), names.split()))[curve]


# --- Trivial answers only these tasks can phrase --------------------------------------------------


def early_stopping_epoch__trivial_last(val_losses, patience):  # the last epoch trained
    return len(val_losses) - 1


def early_stopping_epoch__trivial_patience_back(val_losses, patience):  # patience epochs before the end
    return max(len(val_losses) - 1 - patience, 0)


def clip_by_global_norm__trivial_unit_norm(grads, max_norm):  # every array scaled to norm max_norm on its own
    return [np.asarray(g) * (max_norm / (np.linalg.norm(g) or 1.0)) for g in grads]


def barron_loss__trivial_half_squares(y_true, y_pred, *, alpha, scale):  # least squares whatever alpha
    x = (np.asarray(y_pred) - np.asarray(y_true)) / scale
    return np.mean(0.5 * x * x)


def arcface_logits__trivial_scaled_cosines(labels, cosines, scale, margin):  # no margin at all
    return scale * np.asarray(cosines)


def clip_loss__trivial_log_n(image_embeddings, text_embeddings, temperature):  # chance: every pair alike
    return np.log(len(image_embeddings))


EQUIVALENT: dict[str, dict[str, str]] = {
    "early_stopping_epoch": {
        "`0` -> `1`": (
            "best_epoch's first value: epoch 0 always improves on inf (the statement promises a finite first loss) "
            "and sets it"
        ),
        "`0` -> `1` #2": "the counter's first value: epoch 0 always improves on inf and resets it to 0",
    },
    "clip_loss": {
        "`np.logaddexp.reduce(s, axis=0)` -> `np.logaddexp.reduce(s)`": "axis=0 is the default of ufunc.reduce",
    },
}
