"""Alternative correct solutions and realistic wrong ones for 02-regression (see tests/test_mutation.py)."""

import numpy as np

# --- 1. huber -------------------------------------------------------------------------------------


def huber__alt_clipped_residual(y_true, y_pred, delta=1.0):
    # with q = min(|r|, delta): rho = q^2 / 2 + delta (|r| - q), one formula for both pieces
    a = np.abs(np.asarray(y_pred) - np.asarray(y_true))
    q = np.minimum(a, delta)
    return np.mean(0.5 * q**2 + delta * (a - q))


def huber__alt_masks(y_true, y_pred, delta=1.0):
    # boolean masks instead of np.where, the sum divided by the number of elements
    r = np.asarray(y_pred) - np.asarray(y_true)
    a = np.abs(r)
    small = a <= delta
    out = np.empty_like(r)
    out[small] = 0.5 * r[small] ** 2
    out[~small] = delta * a[~small] - 0.5 * delta**2
    return out.sum() / out.size


def huber__bug_no_half(y_true, y_pred, delta=1.0):
    r = np.asarray(y_pred) - np.asarray(y_true)
    a = np.abs(r)
    return np.mean(np.where(a <= delta, r**2, delta * (a - 0.5 * delta)))


def huber__bug_linear_piece_without_offset(y_true, y_pred, delta=1.0):
    r = np.asarray(y_pred) - np.asarray(y_true)
    a = np.abs(r)
    return np.mean(np.where(a <= delta, 0.5 * r**2, delta * a))


def huber__bug_swapped_pieces(y_true, y_pred, delta=1.0):
    r = np.asarray(y_pred) - np.asarray(y_true)
    a = np.abs(r)
    return np.mean(np.where(a > delta, 0.5 * r**2, delta * (a - 0.5 * delta)))


def huber__bug_threshold_one(y_true, y_pred, delta=1.0):
    # compares |r| with 1 instead of delta
    r = np.asarray(y_pred) - np.asarray(y_true)
    a = np.abs(r)
    return np.mean(np.where(a <= 1, 0.5 * r**2, delta * (a - 0.5 * delta)))


def huber__bug_sum(y_true, y_pred, delta=1.0):
    r = np.asarray(y_pred) - np.asarray(y_true)
    a = np.abs(r)
    return np.sum(np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta)))


def huber__bug_float64(y_true, y_pred, delta=1.0):
    # np.asarray(..., dtype=float) turns float32 into float64
    r = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    a = np.abs(r)
    return np.mean(np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta)))


def huber__bug_mean_over_rows(y_true, y_pred, delta=1.0):
    # the mean over axis 0 only: one value per column for 2-D input
    r = np.asarray(y_pred) - np.asarray(y_true)
    a = np.abs(r)
    return np.mean(np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta)), axis=0)


# --- 2. huber_grad --------------------------------------------------------------------------------


def huber_grad__alt_where(y_true, y_pred, delta=1.0):
    r = np.asarray(y_pred) - np.asarray(y_true)
    return np.where(np.abs(r) <= delta, r, delta * np.sign(r)) / np.size(r)


def huber_grad__alt_min_max(y_true, y_pred, delta=1.0):
    r = np.asarray(y_pred) - np.asarray(y_true)
    n = 1
    for d in r.shape:
        n *= d
    return np.maximum(np.minimum(r, delta), -delta) / n


def huber_grad__bug_not_divided_by_n(y_true, y_pred, delta=1.0):
    r = np.asarray(y_pred) - np.asarray(y_true)
    return np.clip(r, -delta, delta)


def huber_grad__bug_sign(y_true, y_pred, delta=1.0):
    # the residual taken as y_true - y_pred
    r = np.asarray(y_true) - np.asarray(y_pred)
    return np.clip(r, -delta, delta) / r.size


def huber_grad__bug_clip_at_one(y_true, y_pred, delta=1.0):
    r = np.asarray(y_pred) - np.asarray(y_true)
    return np.clip(r, -1, 1) / r.size


def huber_grad__bug_divided_by_rows(y_true, y_pred, delta=1.0):
    # len(r) is the number of rows of a 2-D array, not the number of elements
    r = np.asarray(y_pred) - np.asarray(y_true)
    return np.clip(r, -delta, delta) / len(r)


def huber_grad__bug_quadratic_everywhere(y_true, y_pred, delta=1.0):
    r = np.asarray(y_pred) - np.asarray(y_true)
    return r / r.size


def huber_grad__bug_float64(y_true, y_pred, delta=1.0):
    r = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return np.clip(r, -delta, delta) / r.size


# --- 3. log_cosh ----------------------------------------------------------------------------------


def log_cosh__alt_logaddexp(y_true, y_pred):
    # log cosh r = log(e^r + e^-r) - log 2, and np.logaddexp never overflows
    r = np.asarray(y_pred) - np.asarray(y_true)
    r = r if r.dtype.kind == "f" else r.astype(float)
    return np.mean(np.logaddexp(r, -r) - r.dtype.type(np.log(2.0)))


def log_cosh__alt_log_of_ratio(y_true, y_pred):
    # |r| + log((1 + e^{-2|r|}) / 2), with a float32-friendly log 2 (a Python float keeps float32)
    a = np.abs(np.asarray(y_pred) - np.asarray(y_true))
    return np.mean(a + np.log((1 + np.exp(-2 * a)) / 2))


def log_cosh__alt_softplus(y_true, y_pred):
    # log cosh r = r + softplus(-2r) - log 2, softplus(x) = max(x, 0) + log1p(exp(-|x|))
    r = np.asarray(y_pred) - np.asarray(y_true)
    x = -2 * r
    softplus = np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
    return np.mean(r + softplus - float(np.log(2)))


def log_cosh__bug_naive(y_true, y_pred):
    r = np.asarray(y_pred) - np.asarray(y_true)
    return np.mean(np.log(np.cosh(r)))


def log_cosh__bug_large_residual_approximation(y_true, y_pred):
    a = np.abs(np.asarray(y_pred) - np.asarray(y_true))
    return np.mean(a - np.log(2.0))


def log_cosh__bug_exponent_not_doubled(y_true, y_pred):
    a = np.abs(np.asarray(y_pred) - np.asarray(y_true))
    return np.mean(a + np.log1p(np.exp(-a)) - np.log(2.0))


def log_cosh__bug_float64_log2(y_true, y_pred):
    # np.log(2) is a float64 number and turns a float32 array into float64
    a = np.abs(np.asarray(y_pred) - np.asarray(y_true))
    return np.mean(a + np.log1p(np.exp(-2 * a)) - np.log(2))


def log_cosh__bug_float32_log2_constant(y_true, y_pred):
    # log 2 rounded to float32 for every input: float64 results lose digits
    a = np.abs(np.asarray(y_pred) - np.asarray(y_true))
    return np.mean(a + np.log1p(np.exp(-2 * a)) - np.float32(np.log(2)))


def log_cosh__bug_integer_log2(y_true, y_pred):
    # for integer input r.dtype.type(np.log(2)) is int64(0): log 2 is never subtracted
    r = np.asarray(y_pred) - np.asarray(y_true)
    a = np.abs(r)
    return np.mean(a + np.log1p(np.exp(-2 * a)) - a.dtype.type(np.log(2.0)))


def log_cosh__bug_missing_log2(y_true, y_pred):
    a = np.abs(np.asarray(y_pred) - np.asarray(y_true))
    return np.mean(a + np.log1p(np.exp(-2 * a)))


def log_cosh__bug_exp_overflow(y_true, y_pred):
    # log((e^r + e^-r) / 2) with the exponentials computed first
    r = np.asarray(y_pred) - np.asarray(y_true)
    return np.mean(np.log((np.exp(r) + np.exp(-r)) / 2))


# --- 4. fit_robust_line ---------------------------------------------------------------------------


def fit_robust_line__alt_gradient_descent(x, y):
    # gradient descent on the Huber loss, x centred, delta re-estimated from the MAD of the residuals
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    xm = x.mean()
    xc = x - xm
    w, c = 0.0, float(np.median(y))
    step_w = 1.0 / np.mean(xc**2)  # 1 / the curvature of the mean Huber loss in w, at most
    for _ in range(20):
        r = w * xc + c - y
        delta = 1.345 * 1.4826 * np.median(np.abs(r - np.median(r))) + 1e-12
        for _ in range(500):
            g = np.clip(w * xc + c - y, -delta, delta) / len(x)  # d(mean huber)/d(y_pred)
            w -= step_w * np.sum(g * xc)
            c -= np.sum(g)
    return float(w), float(c - w * xm)


def fit_robust_line__alt_least_absolute_deviations(x, y):
    # the absolute error (the most robust convex loss) by iteratively reweighted least squares
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    A = np.column_stack([x, np.ones_like(x)])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    for _ in range(200):
        r = A @ theta - y
        weights = 1.0 / np.maximum(np.abs(r), 1e-8)
        sw = np.sqrt(weights)
        theta = np.linalg.lstsq(A * sw[:, None], y * sw, rcond=None)[0]
    return float(theta[0]), float(theta[1])


def fit_robust_line__alt_tukey_irls(x, y):
    # Tukey's biweight by IRLS, started from the least-absolute-deviations line
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    A = np.column_stack([x, np.ones_like(x)])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    for _ in range(50):
        r = A @ theta - y
        sw = np.sqrt(1.0 / np.maximum(np.abs(r), 1e-8))
        theta = np.linalg.lstsq(A * sw[:, None], y * sw, rcond=None)[0]
    for _ in range(50):
        r = A @ theta - y
        c = 4.685 * 1.4826 * np.median(np.abs(r - np.median(r))) + 1e-12
        u = r / c
        weights = np.where(np.abs(u) < 1, (1 - u**2) ** 2, 0.0)
        sw = np.sqrt(weights)
        theta = np.linalg.lstsq(A * sw[:, None], y * sw, rcond=None)[0]
    return float(theta[0]), float(theta[1])


def fit_robust_line__bug_least_squares(x, y):
    slope, intercept = np.polyfit(x, y, 1)
    return float(slope), float(intercept)


def fit_robust_line__bug_swapped_return(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    A = np.column_stack([x, np.ones_like(x)])
    slope, intercept = np.linalg.lstsq(A, y, rcond=None)[0]
    for _ in range(100):
        r = slope * x + intercept - y
        delta = 1.345 * 1.4826 * np.median(np.abs(r - np.median(r))) + 1e-12
        sw = np.sqrt(np.minimum(1.0, delta / np.maximum(np.abs(r), 1e-300)))
        slope, intercept = np.linalg.lstsq(A * sw[:, None], y * sw, rcond=None)[0]
    return float(intercept), float(slope)


def fit_robust_line__bug_scale_from_least_squares_std(x, y):
    # delta from the standard deviation of the least-squares residuals, never re-estimated:
    # the gross errors inflate it, and the Huber fit stays close to least squares
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    A = np.column_stack([x, np.ones_like(x)])
    slope, intercept = np.linalg.lstsq(A, y, rcond=None)[0]
    delta = 1.345 * np.std(slope * x + intercept - y)
    for _ in range(100):
        r = slope * x + intercept - y
        sw = np.sqrt(np.minimum(1.0, delta / np.maximum(np.abs(r), 1e-300)))
        slope, intercept = np.linalg.lstsq(A * sw[:, None], y * sw, rcond=None)[0]
    return float(slope), float(intercept)


def fit_robust_line__bug_fixed_delta(x, y):
    # Huber IRLS with delta = 1.345 whatever the scale of the data: on data whose residuals are all
    # smaller than 1.345 it is least squares
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    A = np.column_stack([x, np.ones_like(x)])
    slope, intercept = np.linalg.lstsq(A, y, rcond=None)[0]
    for _ in range(100):
        r = slope * x + intercept - y
        sw = np.sqrt(np.minimum(1.0, 1.345 / np.maximum(np.abs(r), 1e-300)))
        slope, intercept = np.linalg.lstsq(A * sw[:, None], y * sw, rcond=None)[0]
    return float(slope), float(intercept)


def fit_robust_line__bug_few_steps_uncentred(x, y):
    # gradient descent on the Huber loss (delta = 1) from zero, x not centred, 200 steps: not converged
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    w, b = 0.0, 0.0
    for _ in range(200):
        r = w * x + b - y
        g = np.clip(r, -1.0, 1.0) / len(x)
        w -= 0.01 * np.sum(g * x)
        b -= 0.01 * np.sum(g)
    return float(w), float(b)


def fit_robust_line__bug_single_reweighting(x, y):
    # one Huber reweighting of the least-squares line, then stop: far from converged
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    A = np.column_stack([x, np.ones_like(x)])
    slope, intercept = np.linalg.lstsq(A, y, rcond=None)[0]
    r = slope * x + intercept - y
    delta = 1.345 * 1.4826 * np.median(np.abs(r - np.median(r)))
    sw = np.sqrt(np.minimum(1.0, delta / np.maximum(np.abs(r), 1e-300)))
    slope, intercept = np.linalg.lstsq(A * sw[:, None], y * sw, rcond=None)[0]
    return float(slope), float(intercept)


def fit_robust_line__bug_inverted_weights(x, y):
    # IRLS weights |r| / delta instead of delta / |r|: the outliers get MORE weight
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    A = np.column_stack([x, np.ones_like(x)])
    slope, intercept = np.linalg.lstsq(A, y, rcond=None)[0]
    for _ in range(20):
        r = slope * x + intercept - y
        delta = 1.345 * 1.4826 * np.median(np.abs(r - np.median(r))) + 1e-12
        sw = np.sqrt(np.maximum(1.0, np.abs(r) / delta))
        slope, intercept = np.linalg.lstsq(A * sw[:, None], y * sw, rcond=None)[0]
    return float(slope), float(intercept)


# --- 5. pinball_loss ------------------------------------------------------------------------------


def pinball_loss__alt_where(y_true, y_pred, tau):
    e = np.asarray(y_true) - np.asarray(y_pred)
    return np.mean(np.where(e >= 0, tau * e, (tau - 1) * e))


def pinball_loss__alt_positive_parts(y_true, y_pred, tau):
    # tau (y - yhat)_+ + (1 - tau) (yhat - y)_+
    e = np.asarray(y_true) - np.asarray(y_pred)
    return np.mean(tau * np.maximum(e, 0) + (1 - tau) * np.maximum(-e, 0))


def pinball_loss__alt_abs(y_true, y_pred, tau):
    # (|e| + (2 tau - 1) e) / 2
    e = np.asarray(y_true) - np.asarray(y_pred)
    return np.mean(np.abs(e) + (2 * tau - 1) * e) / 2


def pinball_loss__bug_residual_sign(y_true, y_pred, tau):
    # e = y_pred - y_true: tau and 1 - tau swapped
    e = np.asarray(y_pred) - np.asarray(y_true)
    return np.mean(np.maximum(tau * e, (tau - 1) * e))


def pinball_loss__bug_minimum(y_true, y_pred, tau):
    e = np.asarray(y_true) - np.asarray(y_pred)
    return np.mean(np.minimum(tau * e, (tau - 1) * e))


def pinball_loss__bug_negative_branch(y_true, y_pred, tau):
    # (1 - tau) e for over-predictions, where e < 0: a negative loss
    e = np.asarray(y_true) - np.asarray(y_pred)
    return np.mean(np.where(e >= 0, tau * e, (1 - tau) * e))


def pinball_loss__bug_sum(y_true, y_pred, tau):
    e = np.asarray(y_true) - np.asarray(y_pred)
    return np.sum(np.maximum(tau * e, (tau - 1) * e))


def pinball_loss__bug_float64(y_true, y_pred, tau):
    e = np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)
    return np.mean(np.maximum(tau * e, (tau - 1) * e))


def pinball_loss__bug_strict_branch_weights(y_true, y_pred, tau):
    # tau for under-predictions, but tau (not 1 - tau) also for over-predictions
    e = np.asarray(y_true) - np.asarray(y_pred)
    return np.mean(tau * np.abs(e))


# --- 6. upper_bound -------------------------------------------------------------------------------


def upper_bound__alt_search(y, tau):
    # the data point with the smallest mean pinball loss, by trying each one (the loss written inline:
    # a call to pinball_loss would also be right, but the mutation test may be mutating pinball_loss
    # in the same submission)
    y = np.asarray(y, dtype=float)
    losses = [np.mean(np.maximum(tau * (y - c), (tau - 1) * (y - c))) for c in y]
    return float(y[int(np.argmin(losses))])


def upper_bound__alt_inverted_cdf(y, tau):
    return float(np.quantile(np.asarray(y, dtype=float), tau, method="inverted_cdf"))


def upper_bound__alt_floor_index(y, tau):
    # the floor(tau N)-th order statistic (0-based) also minimises the loss
    y = np.sort(np.asarray(y, dtype=float))
    return float(y[min(int(np.floor(tau * len(y))), len(y) - 1)])


def upper_bound__bug_interpolated_quantile(y, tau):
    return float(np.quantile(y, tau))


def upper_bound__bug_lower_quantile(y, tau):
    y = np.sort(np.asarray(y, dtype=float))
    return float(y[int(np.ceil((1 - tau) * len(y))) - 1])


def upper_bound__bug_off_by_one(y, tau):
    # int(tau N) - 1: one order statistic too low
    y = np.sort(np.asarray(y, dtype=float))
    return float(y[max(int(tau * len(y)) - 1, 0)])


def upper_bound__bug_percentile_higher(y, tau):
    # np.quantile(..., method="higher") rounds tau (N - 1) up: not the minimiser for small tau
    return float(np.quantile(np.asarray(y, dtype=float), tau, method="higher"))


def upper_bound__bug_percentile_nearest(y, tau):
    # np.quantile(..., method="nearest") rounds tau (N - 1): not always the minimiser
    return float(np.quantile(np.asarray(y, dtype=float), tau, method="nearest"))


def upper_bound__bug_mean(y, tau):
    return float(np.mean(y))


def upper_bound__bug_argmax(y, tau):
    y = np.asarray(y, dtype=float)
    losses = [np.mean(np.maximum(tau * (y - c), (tau - 1) * (y - c))) for c in y]
    return float(y[int(np.argmax(losses))])


# --- 7. choose_loss -------------------------------------------------------------------------------


def choose_loss__alt_if_chain(dataset):
    if dataset == "clean_gaussian":
        return "mse"
    if dataset == "sensor_glitches":
        return "pseudo_huber"
    if dataset == "delivery_promise":
        return "quantile"
    if dataset == "house_prices":
        return "msle"
    if dataset == "bike_rentals":
        return "poisson_nll"
    if dataset == "wind_direction":
        return "von_mises_nll"
    return "gaussian_nll"


def choose_loss__alt_log_cosh_for_glitches(dataset):
    answers = dict(
        clean_gaussian="mse",
        sensor_glitches="log_cosh",
        delivery_promise="quantile",
        house_prices="msle",
        bike_rentals="poisson_nll",
        wind_direction="von_mises_nll",
        lab_uncertainty="gaussian_nll",
    )
    return answers[dataset]


def choose_loss__bug_robust_everywhere(dataset):
    # Huber for the clean data too
    return {
        "clean_gaussian": "huber",
        "sensor_glitches": "huber",
        "delivery_promise": "quantile",
        "house_prices": "msle",
        "bike_rentals": "poisson_nll",
        "wind_direction": "von_mises_nll",
        "lab_uncertainty": "gaussian_nll",
    }[dataset]


def choose_loss__bug_mae_for_glitches(dataset):
    # the absolute error is robust and convex, but not differentiable at 0
    return {
        "clean_gaussian": "mse",
        "sensor_glitches": "mae",
        "delivery_promise": "quantile",
        "house_prices": "msle",
        "bike_rentals": "poisson_nll",
        "wind_direction": "von_mises_nll",
        "lab_uncertainty": "gaussian_nll",
    }[dataset]


def choose_loss__bug_mse_for_counts_and_prices(dataset):
    return {
        "clean_gaussian": "mse",
        "sensor_glitches": "huber",
        "delivery_promise": "quantile",
        "house_prices": "mse",
        "bike_rentals": "mse",
        "wind_direction": "von_mises_nll",
        "lab_uncertainty": "gaussian_nll",
    }[dataset]


def choose_loss__bug_tukey_and_mse_variance(dataset):
    # Tukey's biweight is robust but not convex; the MSE cannot learn a variance
    return {
        "clean_gaussian": "mse",
        "sensor_glitches": "tukey_biweight",
        "delivery_promise": "quantile",
        "house_prices": "msle",
        "bike_rentals": "poisson_nll",
        "wind_direction": "von_mises_nll",
        "lab_uncertainty": "mse",
    }[dataset]


def choose_loss__bug_mae_for_promise_and_angles(dataset):
    # the absolute error gives the median, not the 95 % quantile; angles wrap around
    return {
        "clean_gaussian": "mse",
        "sensor_glitches": "huber",
        "delivery_promise": "mae",
        "house_prices": "msle",
        "bike_rentals": "poisson_nll",
        "wind_direction": "mse",
        "lab_uncertainty": "gaussian_nll",
    }[dataset]


# --- Trivial answers that only these tasks can phrase (each must score 0 on its task) -----------------


def fit_robust_line__trivial_constant_median(x, y):  # a flat line through the median
    return 0.0, float(np.median(y))


def fit_robust_line__trivial_visible_line(x, y):  # the line the visible test's data were drawn around
    return 1.5, -2.0


def upper_bound__trivial_max(y, tau):  # a bound every order meets
    return float(np.max(y))


def upper_bound__trivial_median(y, tau):
    return float(np.median(y))


EQUIVALENT: dict[str, dict[str, str]] = {
    "upper_bound": {
        "`y.size - 1` -> `y.size + 1`": "ceil(tau N) - 1 <= N - 1 for tau <= 1, so the upper clamp never acts",
        "`y.size - 1` -> `y.size`": "ceil(tau N) - 1 <= N - 1 for tau <= 1, so the upper clamp never acts",
    },
}
