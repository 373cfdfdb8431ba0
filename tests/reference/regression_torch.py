"""Reference cases of the likelihood losses that PyTorch has: gaussian_nll and poisson_nll.

Oracle: PyTorch in float64, ``F.gaussian_nll_loss(mean, y_true, var, full, eps, reduction)`` and
``F.poisson_nll_loss(y_pred, y_true, log_input, full, eps=eps, reduction=reduction)``. Gradients
are those of autograd: with respect to ``mean`` and ``var`` (in ``var``'s own shape, summed over
the elements it is shared by) for the Gaussian, with respect to ``y_pred`` for the Poisson. For
``reduction="none"`` the gradient is that of the sum of the per-item losses.

Every case is compared in full, gradients included: losslib follows PyTorch's clamp of ``var`` at
``eps`` (the gradient with respect to a variance below ``eps`` is the derivative at ``eps``), so
the ``*-clamped`` cases check that too. The cases avoid *ill-conditioned* points, where a gradient
is the difference of two nearly equal terms (``exp(x) - y`` at ``y = e^x``, ``1/var - (r/var)^2``
at ``r^2 = var``, ``1 - y/(rate + eps)`` at ``y = rate + eps``): there any two correct (backward
stable) implementations differ by about the condition number times 1e-16, however the terms are
ordered (PyTorch's autograd scales by 1/N before subtracting, losslib after), so a comparison at
RTOL says nothing about either; tests/test_losslib_regression.py checks losslib at such points
against exact arithmetic instead. Left out (PyTorch refuses or returns NaN, losslib defines
them; tests/test_losslib_regression.py checks them): a 0-d ``var`` with a mean of 2 or more
dimensions, ``eps=0`` with a zero rate and a zero count, exp overflow at log-rates beyond 709.
"""

from __future__ import annotations

import numpy as np

from .common import check_unique_ids, make_case, per_shape, rng_for

ORACLE = "torch"


def _gaussian(case_id, y, mean, var, **options) -> dict:
    return make_case(case_id, "gaussian_nll", {"y_true": y, "mean": mean, "var": var}, **options)


def _gaussian_cases() -> list[dict]:
    cases = []
    for opts in ({}, {"full": True}, {"eps": 0.1}, {"full": True, "eps": 1e-3}):
        tag = "".join(f"-{k}{v}" for k, v in opts.items())
        for cid, rng, shape in per_shape(f"gaussian_nll{tag}"):
            cases.append(
                _gaussian(
                    cid,
                    rng.normal(size=shape),
                    2.0 * rng.normal(size=shape),
                    rng.uniform(0.05, 3.0, size=shape),
                    **opts,
                )
            )
    # var shapes: one per row (mean's shape without the last axis), a 1 in one axis, a 0-d var for 1-D means
    var_shapes = {
        "row-2d": ((4, 3), (4,)),
        "row-3d": ((2, 3, 4), (2, 3)),
        "lastdim1-2d": ((4, 3), (4, 1)),
        "lastdim1-3d": ((2, 3, 4), (2, 3, 1)),
        "middim1-3d": ((2, 3, 4), (2, 1, 4)),
        "firstdim1-2d": ((4, 3), (1, 3)),
        "scalar-1d": ((7,), ()),
        "one-1d": ((7,), (1,)),
    }
    for name, (shape, vshape) in var_shapes.items():
        for opts in ({}, {"full": True}):
            cid = f"gaussian_nll-var-{name}" + "-full" * bool(opts)
            rng = rng_for(cid)
            cases.append(
                _gaussian(
                    cid, rng.normal(size=shape), rng.normal(size=shape), rng.uniform(0.1, 2.0, size=vshape), **opts
                )
            )
    # Variances at, below and far above eps (clamped: value and gradient at eps), and zero.
    var = np.array([0.0, 1e-12, 5e-7, 1e-6, 2e-6, 1e-3, 1.0, 1e3, 1e8, 1e12])
    r = np.array([0.0, 1e-4, -2e-3, 3e-3, 0.5, -1.0, 3.0, -1e2, 1e4, 1e6])
    for opts in ({}, {"eps": 1e-3}, {"full": True, "eps": 1e-9}):
        tag = "".join(f"-{k}{v}" for k, v in opts.items())
        cid = f"gaussian_nll-clamped{tag}"
        y = rng_for(cid).normal(size=var.shape)
        cases.append(_gaussian(cid, y, y + r, var, **opts))
    # Extreme residuals and means.
    cid = "gaussian_nll-extreme"
    r = np.array([1e-12, -1e-8, 1e-3, -7.5, 1e3, -1e4, 1e6, -1e8, 1e100])
    var = np.array([1e-4, 1e-2, 1.0, 1e2, 1e-5, 1e4, 1e8, 1.0, 1e150])
    y = 1e4 * rng_for(cid).normal(size=r.shape)
    cases.append(_gaussian(cid, y, y + r, var))
    return cases


def _poisson(case_id, y, x, **options) -> dict:
    return make_case(case_id, "poisson_nll", {"y_true": y, "y_pred": x}, **options)


def _poisson_cases() -> list[dict]:
    cases = []
    variants = [
        {},
        {"full": True},
        {"log_input": False},
        {"log_input": False, "full": True},
        {"log_input": False, "eps": 0.5},
        {"log_input": False, "full": True, "eps": 1e-3},
    ]
    for opts in variants:
        tag = "".join(f"-{k}{v}" for k, v in opts.items())
        for cid, rng, shape in per_shape(f"poisson_nll{tag}"):
            log_rate = rng.normal(1.0, 1.5, size=shape)
            y = rng.poisson(np.exp(log_rate)).astype(float)
            x = rng.normal(1.0, 1.5, size=shape)
            cases.append(_poisson(cid, y, x if opts.get("log_input", True) else np.exp(x), **opts))
    # Non-integer counts (quasi-likelihood) and counts around the Stirling threshold y = 1.
    y = np.array([0.0, 0.5, 1.0, 1.0 + 1e-12, 1.5, 2.0, 2.5, 3.0, 10.0, 1e4])
    for opts in ({"full": True}, {"log_input": False, "full": True}):
        tag = "".join(f"-{k}{v}" for k, v in opts.items())
        cid = f"poisson_nll-real-counts{tag}"
        x = rng_for(cid).normal(size=y.shape)
        cases.append(_poisson(cid, y, x if opts.get("log_input", True) else np.exp(x), **opts))
    # Extreme log-rates: e^x from 0 to 1e307, counts from 0 to 1e6.
    x = np.array([-1e4, -745.0, -50.0, -1e-9, 0.0, 1e-9, 20.0, 88.0, 300.0, 700.0])
    y = np.array([0.0, 3.0, 1e6, 2.0, 0.0, 2.0, 5e8, 0.0, 1e130, 7.0])
    for opts in ({}, {"full": True}):
        cases.append(_poisson("poisson_nll-extreme" + "-full" * bool(opts), y, x, **opts))
    # Extreme rates, with zero rates (log(eps)) and zero counts.
    lam = np.array([0.0, 0.0, 1e-300, 1e-8, 0.5, 1.0, 3.0, 1e4, 1e150, 1e300])
    y = np.array([0.0, 4.0, 1.0, 0.0, 2.0, 3.0, 0.0, 3e4, 1e2, 1e300])
    for opts in ({"log_input": False}, {"log_input": False, "full": True}, {"log_input": False, "eps": 1e-300}):
        tag = "".join(f"-{k}{v}" for k, v in opts.items())
        cases.append(_poisson(f"poisson_nll-extreme-rates{tag}", y, lam, **opts))
    return cases


def build_cases() -> list[dict]:
    return check_unique_ids(_gaussian_cases() + _poisson_cases())


def reference(case: dict, reduction: str) -> dict:
    """Value and gradient(s) of one case under one reduction, with PyTorch in float64."""
    import torch
    import torch.nn.functional as F

    def t(a, grad=False):
        return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)

    inputs, opts = case["inputs"], case["options"]
    if case["loss"] == "gaussian_nll":
        y, mean, var = t(inputs["y_true"]), t(inputs["mean"], True), t(inputs["var"], True)
        out = F.gaussian_nll_loss(
            mean, y, var, full=opts.get("full", False), eps=opts.get("eps", 1e-6), reduction=reduction
        )
        (out if reduction != "none" else out.sum()).backward()
        grad = {"mean": mean.grad.numpy().copy(), "var": var.grad.numpy().copy()}
    elif case["loss"] == "poisson_nll":
        y, x = t(inputs["y_true"]), t(inputs["y_pred"], True)
        out = F.poisson_nll_loss(
            x,
            y,
            log_input=opts.get("log_input", True),
            full=opts.get("full", False),
            eps=opts.get("eps", 1e-8),
            reduction=reduction,
        )
        (out if reduction != "none" else out.sum()).backward()
        grad = x.grad.numpy().copy()
    else:
        raise KeyError(f"no PyTorch reference for loss {case['loss']!r}: add it to reference()")
    return {"value": out.detach().numpy().copy(), "grad": grad}
