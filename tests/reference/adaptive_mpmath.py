"""Reference cases of Barron's general robust loss, evaluated by mpmath with 300 significant digits.

No library has the loss (Barron's own PyTorch code replaces alpha near 0 and 2 by alpha +- eps),
so the oracle is the definition itself in arbitrary precision:

    rho = |a - 2| / a * ((x^2 / |a - 2| + 1)^(a / 2) - 1),   x = (y_pred - y_true) / scale,

its derivative in y_pred, x / scale * (x^2 / |a - 2| + 1)^(a / 2 - 1), and in alpha,
2 s (E - 1) / a^2 + E (|a - 2| log(1 + u) / (2 a) - s u / (2 (1 + u))) with u = x^2 / |a - 2|,
E = (1 + u)^(a / 2), s = sign(a - 2). At 300 digits the cancellations of these formulas near
a = 0 and a = 2 (up to ~60 digits for the cases below) leave far more than double precision;
every value is computed again at 400 digits and must agree to 1e-30. The limits a = 0, 2 and
+-inf are the closed forms (at a = 2 the derivative in alpha is +inf for x != 0).
"""

from __future__ import annotations

import numpy as np

from .common import check_unique_ids, make_case, rng_for

ORACLE = "mpmath"

NEAR = np.concatenate([-np.logspace(-1, -15, 8), [0.0], np.logspace(-15, -1, 8)])
RESIDUALS = np.array([0.0, 1e-6, -0.05, 0.4, -1.0, 2.5, -7.0, 30.0, -1e3])


def _case(case_id: str, y_true, y_pred, alpha, scale) -> dict:
    inputs = {"y_true": y_true, "y_pred": y_pred, "alpha": alpha, "scale": scale}
    return make_case(case_id, "barron_loss", inputs)


def _grid(case_id: str, alphas: np.ndarray, residuals: np.ndarray = RESIDUALS, scale: float = 1.0) -> dict:
    """Every alpha with every residual: arrays of shape (len(alphas), len(residuals))."""
    a, r = np.meshgrid(alphas, residuals, indexing="ij")
    y_true = rng_for(case_id).normal(size=a.shape)
    return _case(case_id, y_true, y_true + r * scale, a, np.full(a.shape, scale))


def build_cases() -> list[dict]:
    """Every case, without results."""
    cases = [
        _grid("barron_loss-near-0", NEAR),
        _grid("barron_loss-near-2", 2 + NEAR[NEAR != 0]),
        _grid("barron_loss-at-2", np.array([2.0])),
        _grid("barron_loss-limits", np.array([-np.inf, np.inf])),
        _grid("barron_loss-shapes", np.array([-1e6, -50.0, -2.0, -1.0, 0.5, 1.0, 1.5, 3.0, 10.0, 1e6]), scale=0.3),
        _grid(
            "barron_loss-huge-residuals",
            np.array([-3.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.5]),
            np.array([1e8, -1e30, 1e100, -1e150]),
        ),
    ]
    rng = rng_for("barron_loss-broadcast")
    y, p = 3.0 * rng.normal(size=(4, 3)), 3.0 * rng.normal(size=(4, 3))
    cases.append(_case("barron_loss-scalar-alpha", y, p, np.array(0.7), np.array(1.5)))
    cases.append(_case("barron_loss-alpha-per-column", y, p, np.array([[-2.0, 0.0, 1.2]]), rng.uniform(0.5, 2, (4, 3))))
    cases.append(
        _case(
            "barron_loss-scale-per-row",
            y,
            p,
            rng.uniform(-3, 4, size=(4, 3)),
            np.array([[0.1], [1.0], [3.0], [np.inf]]),
        )
    )
    return check_unique_ids(cases)


# --------------------------------------------------------------------------
# The oracle
# --------------------------------------------------------------------------


def _element(x, a, mp):
    """(rho, d rho / d x, d rho / d alpha) at one residual x = r / c (mpf) and alpha (float)."""
    if a == 2:
        return x * x / 2, x, (mp.inf if x != 0 else mp.mpf(0))
    if a == -np.inf:
        return -mp.expm1(-x * x / 2), x * mp.exp(-x * x / 2), mp.mpf(0)
    if a == np.inf:
        return mp.expm1(x * x / 2), x * mp.exp(x * x / 2), mp.mpf(0)
    a = mp.mpf(a)
    if a == 0:
        u = x * x / 2
        log = mp.log1p(u)
        return log, x / (1 + u), log * log / 4 - (log - u / (1 + u)) / 2
    b, s = abs(a - 2), mp.sign(a - 2)
    u = x * x / b
    e = (1 + u) ** (a / 2)
    rho = b / a * (e - 1)
    return (
        rho,
        x * (1 + u) ** (a / 2 - 1),
        2 * s * (e - 1) / a**2 + e * (b * mp.log1p(u) / (2 * a) - s * u / (2 * (1 + u))),
    )


def _evaluate(case: dict, reduction: str, dps: int) -> tuple:
    import mpmath as mp

    mp.mp.dps = dps
    inputs = case["inputs"]
    y, p = inputs["y_true"], inputs["y_pred"]
    alpha, scale = np.broadcast_to(inputs["alpha"], p.shape), np.broadcast_to(inputs["scale"], p.shape)
    values, g_pred, g_alpha = (np.empty(p.shape, dtype=object) for _ in range(3))
    for i in np.ndindex(p.shape):
        c = mp.mpf(float(scale[i]))
        x = (mp.mpf(float(p[i])) - mp.mpf(float(y[i]))) / c if c != mp.inf else mp.mpf(0)
        rho, psi, da = _element(x, float(alpha[i]), mp)
        values[i], g_pred[i], g_alpha[i] = rho, (psi / c if c != mp.inf else mp.mpf(0)), da
    factor = mp.mpf(1) / p.size if reduction == "mean" else mp.mpf(1)
    if reduction == "none":
        value = values
    else:
        value = mp.fsum(values.ravel()) * factor
    g_pred = g_pred * factor
    g_alpha = g_alpha * factor
    shape = np.shape(inputs["alpha"])
    lead = p.ndim - len(shape)
    summed = np.empty(shape, dtype=object)
    for j in np.ndindex(shape):
        index = tuple(slice(None) if n == 1 and p.shape[lead + k] != 1 else j[k] for k, n in enumerate(shape))
        summed[j] = mp.fsum(np.asarray(g_alpha[(slice(None),) * lead + index]).ravel())
    return value, g_pred, summed


def _to_float(v) -> np.ndarray:
    return np.vectorize(float, otypes=[np.float64])(v) if isinstance(v, np.ndarray) else np.float64(float(v))


def reference(case: dict, reduction: str) -> dict:
    """Value and gradients of one case under one reduction, with mpmath, checked at a higher precision."""
    import mpmath as mp

    low, high = _evaluate(case, reduction, 300), _evaluate(case, reduction, 400)
    mp.mp.dps = 400
    for a, b in zip(low, high):
        for u, v in zip(np.ravel(a), np.ravel(b)):
            if mp.isinf(v) or v == 0:
                assert u == v, (case["id"], u, v)
            else:
                assert abs(u - v) <= mp.mpf("1e-30") * abs(v), (case["id"], u, v)
    value, g_pred, g_alpha = (_to_float(x) for x in high)
    return {"value": value, "grad": {"y_pred": g_pred, "alpha": g_alpha}}
