"""Reference cases of the regression losses that scikit-learn has: quantile and msle.

Oracle: scikit-learn (float64), ``mean_pinball_loss(y_true, y_pred, alpha=tau)`` and
``mean_squared_log_error(y_true, y_pred)``. scikit-learn computes means only, so:

- ``"mean"``: the metric on the inputs as they are (3-D inputs reshaped to ``(n, -1)``: the
  uniform average over outputs of equally long columns is the mean of every element);
- ``"none"``: the metric on the inputs reshaped to one row, with ``multioutput="raw_values"``,
  which gives one loss per element;
- ``"sum"``: the exactly rounded sum (``math.fsum``) of those per-element losses.

scikit-learn has no gradients: ``"grad"`` is ``None`` and tests/test_losslib_regression.py
checks the gradients by finite differences and against their closed forms.
"""

from __future__ import annotations

import math

import numpy as np

from .common import check_unique_ids, pair_case, per_shape, rng_for

ORACLE = "sklearn"


def _quantile_cases() -> list[dict]:
    cases = []
    for opts in ({}, {"tau": 0.1}, {"tau": 0.9}, {"tau": 0.0}, {"tau": 1.0}, {"tau": 0.37}):
        tag = "".join(f"-tau{v}" for v in opts.values())
        for cid, rng, shape in per_shape(f"quantile{tag}"):
            y = rng.normal(size=shape)
            cases.append(pair_case(cid, "quantile", y, y + 2.0 * rng.normal(size=shape), **opts))
    r = np.array([0.0, 1e-12, -1e-8, 1e-3, -7.5, 1e3, -1e3, 1e6, -1e8, 1e200])
    for opts in ({}, {"tau": 0.05}, {"tau": 0.99}):
        cid = "quantile-extreme" + "".join(f"-tau{v}" for v in opts.values())
        y = rng_for(cid).normal(size=r.shape)
        cases.append(pair_case(cid, "quantile", y, y + r, **opts))
    return cases


def _msle_cases() -> list[dict]:
    cases = []
    for cid, rng, shape in per_shape("msle"):
        cases.append(
            pair_case(
                cid, "msle", np.expm1(rng.uniform(-2.0, 4.0, size=shape)), np.expm1(rng.uniform(-2.0, 4.0, size=shape))
            )
        )
    rng = rng_for(cid := "msle-counts-2d")
    cases.append(
        pair_case(cid, "msle", rng.poisson(5.0, size=(5, 4)).astype(float), rng.uniform(0.0, 12.0, size=(5, 4)))
    )
    # Just above -1 (log1p near -37), zero, equal values, and up to 1e300.
    y = np.array([-1 + 2**-52, -0.999999, -0.5, 0.0, 0.0, 1e-12, 3.0, 1e6, 1e150, 1e300])
    p = np.array([0.0, -1 + 1e-12, -0.5, 1e-300, 5.0, 0.0, 3.0 + 1e-9, 1.0, 1e-3, 1e250])
    cases.append(pair_case("msle-extreme", "msle", y, p))
    cases.append(pair_case("msle-extreme-swapped", "msle", p, y))
    return cases


def build_cases() -> list[dict]:
    return check_unique_ids(_quantile_cases() + _msle_cases())


def reference(case: dict, reduction: str) -> dict:
    """Value of one case under one reduction from scikit-learn (which has no gradients)."""
    from sklearn.metrics import mean_pinball_loss, mean_squared_log_error

    y, p = case["inputs"]["y_true"], case["inputs"]["y_pred"]
    if case["loss"] == "quantile":
        tau = case["options"].get("tau", 0.5)

        def metric(a, b, **kw):
            return mean_pinball_loss(a, b, alpha=tau, **kw)
    elif case["loss"] == "msle":
        metric = mean_squared_log_error
    else:
        raise KeyError(f"no scikit-learn reference for loss {case['loss']!r}: add it to reference()")
    if reduction == "mean":
        shape = y.shape if y.ndim <= 2 else (y.shape[0], -1)
        value = np.float64(metric(y.reshape(shape), p.reshape(shape)))
    else:
        per_item = np.asarray(
            metric(y.reshape(1, -1), p.reshape(1, -1), multioutput="raw_values"), dtype=np.float64
        ).reshape(y.shape)
        value = per_item if reduction == "none" else np.float64(math.fsum(per_item.ravel()))
    return {"value": value, "grad": None}
