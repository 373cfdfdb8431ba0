"""Reference cases of categorical_cross_entropy, kl_divergence and focal (losslib.classification).

Oracle: PyTorch in float64. The classes are on the last axis in both libraries here (these
losses are written as sums over ``dim=-1``), so no axes are moved.

* ``categorical_cross_entropy``: PyTorch has no cross-entropy on probabilities over classes;
  the reference is ``-(y * log(p).clamp(min=-100)).sum(-1)``, the clamp of
  ``F.binary_cross_entropy``, which losslib documents. Where ``p = 0`` PyTorch's gradient is
  NaN (``clamp``'s zero times ``log``'s infinite derivative), so ``grad_compare`` is ``p > 0``;
  the tests check the gradient 0 there against the closed form.
* ``kl_divergence``: ``F.kl_div(log(p), y)``, reduction ``"none"`` summed over the last axis,
  ``"sum"``, and ``"batchmean"`` for 2-D inputs. ``batchmean`` divides by the size of the
  first axis, which is the number of examples only for ``(N, C)``; for other shapes the mean
  is ``"sum"`` divided by the number of examples (losslib's documented ``"mean"``). Cases with
  ``y = p = 0`` in the same entry are left out (PyTorch gives NaN, losslib 0: the tests check
  it against scipy's ``rel_entr``); ``p = 0 < y`` gives ``inf`` in both.
* ``focal``: torchvision is not a dependency, so its ``sigmoid_focal_loss`` is written out in
  ``_torchvision_sigmoid_focal_loss`` below, line by line as in torchvision's
  ``torchvision/ops/focal_loss.py`` (BSD-3-Clause; only its API-usage logging is left out), and
  autograd gives the gradient. Its
  ``1 - p_t`` is formed by subtraction, which loses digits where ``1 - p_t`` is small, so the
  random cases keep ``|x| <= 8`` (there the loss of digits is below 1e-12 relative);
  extreme logits are limited to ``gamma >= 1`` (torchvision's gradient is NaN at ``gamma < 1``
  where ``1 - p_t`` rounds to 0), and losslib's extreme values are checked against closed
  forms in ``tests/test_losslib_classification.py``.
"""

from __future__ import annotations

import numpy as np

from .common import check_unique_ids, pair_case, rng_for

ORACLE = "torch"

SHAPES = {"1d": (5,), "2d": (6, 4), "3d": (2, 3, 5), "4d": (2, 2, 2, 3)}  # (..., C)


def _dirichlet(rng: np.random.Generator, shape: tuple[int, ...], concentration: float = 1.0) -> np.ndarray:
    g = rng.gamma(concentration, size=shape)
    return g / g.sum(axis=-1, keepdims=True)


def _one_hot(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[:-1])]


def _extreme_rows() -> tuple[np.ndarray, np.ndarray]:
    """Predicted rows with entries at and near 0 and 1 (each summing to 1) and soft targets."""
    tiny = [0.0, 1e-300, 1e-60, 1e-43, 1e-20, 1e-12, 1e-6]  # e^-100 = 3.7e-44 lies between 1e-43 and 1e-60
    rows = []
    for t in tiny:
        rows.append([t, 0.25 - t / 2, 0.25 - t / 2, 0.5])
        rows.append([1.0 - t, t, 0.0, 0.0] if t > 0 else [1.0, 0.0, 0.0, 0.0])
    p = np.array(rows)
    p = p / p.sum(axis=-1, keepdims=True)
    return p, np.array([0.25, 0.25, 0.25, 0.25])


def _cce_cases() -> list[dict]:
    loss = "categorical_cross_entropy"
    cases = []
    for sname, shape in SHAPES.items():
        for target, draw in (("onehot", _one_hot), ("soft", _dirichlet)):
            rng = rng_for(cid := f"{loss}-{target}-{sname}")
            cases.append(pair_case(cid, loss, draw(rng, shape), _dirichlet(rng, shape)))
    # Predictions at and near 0 and 1, with one-hot targets on every class and soft targets.
    p, _ = _extreme_rows()
    for k in range(4):
        y = np.zeros_like(p)
        y[:, k] = 1.0
        cases.append(pair_case(f"{loss}-extreme-onehot{k}", loss, y, p, grad_compare=p > 0))
    cid = f"{loss}-extreme-soft"
    y = _dirichlet(rng_for(cid), p.shape)
    cases.append(pair_case(cid, loss, y, p, grad_compare=p > 0))
    # A perfect prediction, and concentrated Dirichlet draws (tiny probabilities everywhere).
    cid = f"{loss}-perfect"
    y = _one_hot(rng_for(cid), (5, 3))
    cases.append(pair_case(cid, loss, y, y.copy(), grad_compare=y > 0))
    rng = rng_for(cid := f"{loss}-concentrated")
    cases.append(pair_case(cid, loss, _dirichlet(rng, (6, 7)), _dirichlet(rng, (6, 7), concentration=0.05)))
    return cases


def _kl_cases() -> list[dict]:
    loss = "kl_divergence"
    cases = []
    for sname, shape in SHAPES.items():
        for target, draw in (("soft", _dirichlet), ("onehot", _one_hot)):  # one-hot: 0 log 0 = 0 in y_true
            rng = rng_for(cid := f"{loss}-{target}-{sname}")
            cases.append(pair_case(cid, loss, draw(rng, shape), _dirichlet(rng, shape)))
    cid = f"{loss}-equal"  # KL(p || p) = 0 exactly, gradient -1 wherever p > 0
    y = _dirichlet(rng_for(cid), (4, 5))
    cases.append(pair_case(cid, loss, y, y.copy()))
    rng = rng_for(cid := f"{loss}-concentrated")
    cases.append(pair_case(cid, loss, _dirichlet(rng, (6, 7), concentration=0.05), _dirichlet(rng, (6, 7))))
    cases.append(
        pair_case(
            f"{loss}-concentrated-prediction",
            loss,
            _dirichlet(rng, (6, 7)),
            _dirichlet(rng, (6, 7), concentration=0.05),
        )
    )
    # Tiny predicted probabilities where y > 0 (large but finite), without p = 0.
    p, y = _extreme_rows()
    keep = p.min(axis=-1) > 0
    cases.append(pair_case(f"{loss}-extreme-soft", loss, np.broadcast_to(y, p[keep].shape), p[keep]))
    # p = 0 < y: +inf in both libraries (value and gradient), in its own case.
    p = np.array([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5]])
    y = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    cases.append(pair_case(f"{loss}-infinite", loss, y, p))
    return cases


FOCAL_OPTIONS = {
    "": {},
    "-alpha0.5-gamma0": {"alpha": 0.5, "gamma": 0.0},
    "-alpha-1-gamma0": {"alpha": -1.0, "gamma": 0.0},
    "-alpha-1": {"alpha": -1.0},
    "-alpha0": {"alpha": 0.0},
    "-alpha1-gamma1": {"alpha": 1.0, "gamma": 1.0},
    "-alpha0.8-gamma0.5": {"alpha": 0.8, "gamma": 0.5},
    "-alpha-0.5-gamma3.7": {"alpha": -0.5, "gamma": 3.7},
}


def _focal_cases() -> list[dict]:
    loss = "focal"
    cases = []
    for oname, opts in FOCAL_OPTIONS.items():
        for sname, shape in (("1d", (7,)), ("2d", (4, 3)), ("3d", (2, 3, 4))):
            rng = rng_for(cid := f"{loss}{oname}-labels-{sname}")
            x = np.clip(2.5 * rng.normal(size=shape), -8, 8)
            cases.append(pair_case(cid, loss, rng.integers(0, 2, size=shape).astype(float), x, **opts))
        rng = rng_for(cid := f"{loss}{oname}-soft")
        x = np.clip(2.5 * rng.normal(size=(3, 5)), -8, 8)
        cases.append(pair_case(cid, loss, rng.uniform(size=(3, 5)), x, **opts))
    # Extreme logits, where torchvision is finite (gamma >= 1): exact or below common.ZERO.
    x = np.array([-1e4, -1e3, -50.0, -20.0, -1e-9, 0.0, 1e-9, 20.0, 50.0, 1e3, 1e4])
    for oname, opts in (("", {}), ("-alpha-1-gamma1", {"alpha": -1.0, "gamma": 1.0})):
        for yname, y in (("y0", np.zeros_like(x)), ("y1", np.ones_like(x)), ("yhalf", np.full_like(x, 0.5))):
            cases.append(pair_case(f"{loss}{oname}-extreme-{yname}", loss, y, x, **opts))
    return cases


def build_cases() -> list[dict]:
    """Every case, without results."""
    return check_unique_ids(_cce_cases() + _kl_cases() + _focal_cases())


def _torchvision_sigmoid_focal_loss(inputs, targets, alpha: float = 0.25, gamma: float = 2.0, reduction: str = "none"):
    """``torchvision.ops.sigmoid_focal_loss`` (torchvision/ops/focal_loss.py), as there but for its logging."""
    import torch.nn.functional as F

    p = inputs.sigmoid()
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "none":
        pass
    elif reduction == "mean":
        loss = loss.mean()
    elif reduction == "sum":
        loss = loss.sum()
    else:
        raise ValueError(f"Invalid Value for arg 'reduction': '{reduction}")
    return loss


def reference(case: dict, reduction: str) -> dict:
    """Value and gradient (w.r.t. y_pred) of one case under one reduction, with PyTorch in float64."""
    import torch
    import torch.nn.functional as F

    y = torch.tensor(case["inputs"]["y_true"], dtype=torch.float64)
    x = torch.tensor(case["inputs"]["y_pred"], dtype=torch.float64).requires_grad_(True)
    opts = case["options"]
    loss = case["loss"]
    if loss == "categorical_cross_entropy":
        per_item = -(y * torch.log(x).clamp(min=-100.0)).sum(dim=-1)
        out = {"none": per_item, "sum": per_item.sum(), "mean": per_item.mean()}[reduction]
    elif loss == "kl_divergence":
        log_q = torch.log(x)
        if reduction == "none":
            out = F.kl_div(log_q, y, reduction="none").sum(dim=-1)
        elif reduction == "sum":
            out = F.kl_div(log_q, y, reduction="sum")
        elif x.ndim == 2:
            out = F.kl_div(log_q, y, reduction="batchmean")
        else:  # batchmean divides by x.shape[0], the number of examples only for (N, C)
            out = F.kl_div(log_q, y, reduction="sum") / (x.numel() // x.shape[-1])
    elif loss == "focal":
        out = _torchvision_sigmoid_focal_loss(
            x, y, alpha=opts.get("alpha", 0.25), gamma=opts.get("gamma", 2.0), reduction=reduction
        )
    else:
        raise KeyError(f"no PyTorch reference for loss {loss!r}: add it to reference()")
    (out if reduction != "none" else out.sum()).backward()
    return {"value": out.detach().numpy().copy(), "grad": x.grad.numpy().copy()}
