"""Reference cases of chapter 8's losses that PyTorch can check: GCE, SCE, CosFace, ArcFace, CLIP.

Oracle: PyTorch in float64, with autograd for every gradient. PyTorch has none of these losses;
each is written from its paper with PyTorch's primitives. The per-row cross-entropy ``ce`` is
``F.softplus(torch.logsumexp(other logits) - true logit)``, the same function as
``F.cross_entropy`` but without its cancellation where a loss is below ~1e-4 (see
``_cross_entropy``; the one-class case is ``F.cross_entropy``, exactly 0):

- ``generalized_cross_entropy``: ``-torch.expm1(-q * ce) / q`` (:math:`(1 - p_y^q)/q`, since
  :math:`p_y = e^{-ce}`);
- ``symmetric_cross_entropy``: ``alpha * ce - beta * log_zero * (-torch.expm1(-ce))``;
- ``cosface``: ``ce`` of ``s * cosines`` with the true entry ``s * (c_y - m)``;
- ``arcface``: ``ce`` of ``s * cosines`` with the true entry ``s * torch.cos(torch.acos(c_y) + m)``.
  Near :math:`c_y = \\pm 1` the backward of ``torch.acos``, :math:`-1/\\sqrt{1 - c^2}`, loses digits
  (:math:`1 - c^2` cancels), so the cases with cosines within 1e-3 of ±1 use the identity
  :math:`\\cos(\\theta + m) = c\\cos m - \\sin m\\sqrt{(1 - c)(1 + c)}` instead, and at exactly ±1
  (where the derivative is infinite and losslib returns a documented convention, tested in
  ``tests/test_losslib_practice.py``) the true class's gradient entry is not compared;
- ``clip_loss``: per pair, the mean of ``ce`` of row :math:`i` of ``s`` and of row :math:`i` of
  ``s.T`` with the label :math:`i` (``(F.cross_entropy(s, arange(N)) + F.cross_entropy(s.T,
  arange(N))) / 2`` for the mean), ``s = F.normalize(u) @ F.normalize(v).T / temperature``.
"""

from __future__ import annotations

import numpy as np

from .common import check_unique_ids, make_case, per_shape, reduce_items, rng_for

ORACLE = "torch"

CLASS_SHAPES = {"1x3": (1, 3), "6x4": (6, 4), "2x3x5": (2, 3, 5)}
EXTREME_LOGITS = np.array(
    [[1e4, -1e4, 0.0, 5.0], [-1e4, 1e4, -1e4, 1e4], [30.0, -30.0, 745.5, -745.5], [1e-9, 0.0, -1e-9, 1e3]]
)


def _labels_and(rng, shape, draw):
    return rng.integers(0, shape[-1], size=shape[:-1]), draw(shape)


def _logit_cases() -> list[dict]:
    cases = []
    options = {
        "generalized_cross_entropy": [{}, {"q": 0.3}, {"q": 1.0}, {"q": 1e-3}],
        "symmetric_cross_entropy": [{}, {"alpha": 1.0, "beta": 0.5, "log_zero": -6.0}, {"beta": 0.0}, {"alpha": 0.0}],
    }
    for loss, opts in options.items():
        for i, opt in enumerate(opts):
            for cid, rng, shape in per_shape(f"{loss}-{i}", CLASS_SHAPES):
                y, z = _labels_and(rng, shape, lambda s, rng=rng: 3.0 * rng.normal(size=s))
                cases.append(make_case(cid, loss, {"labels": y, "logits": z}, **opt))
            cid = f"{loss}-{i}-extreme"
            cases.append(make_case(cid, loss, {"labels": np.array([0, 1, 3, 2]), "logits": EXTREME_LOGITS}, **opt))
    return cases


EDGE_COSINES = np.array(
    [
        [1.0, 0.2, -0.3, 0.0],
        [-1.0, 0.5, 0.1, -0.2],
        [0.3, 1.0, -1.0, 0.9],
        [1 - 1e-12, -0.5, 0.25, 0.0],
        [-1 + 1e-9, 0.75, 0.0, -0.1],
        [0.9999, -0.9999, 0.5, 0.4],
    ]
)
EDGE_LABELS = np.array([0, 0, 1, 0, 0, 1])


def _true_at_edge(y, c) -> np.ndarray:
    """Compare every gradient entry but the true class's where its cosine is exactly +-1."""
    mask = np.ones(c.shape, dtype=bool)
    rows = np.arange(len(y))
    mask[rows, y] = np.abs(c[rows, y]) != 1
    return mask


def _margin_cases() -> list[dict]:
    cases = []
    options = {
        "cosface": [{}, {"scale": 5.0, "margin": 0.0}, {"scale": 30.0, "margin": 0.6}],
        "arcface": [{}, {"scale": 5.0, "margin": 0.0}, {"scale": 30.0, "margin": 1.2}, {"margin": 2.8}],
    }
    for loss, opts in options.items():
        for i, opt in enumerate(opts):
            for cid, rng, shape in per_shape(f"{loss}-{i}", CLASS_SHAPES):
                y, c = _labels_and(rng, shape, lambda s, rng=rng: rng.uniform(-0.9, 0.9, size=s))
                cases.append(make_case(cid, loss, {"labels": y, "cosines": c}, **opt))
            mask = _true_at_edge(EDGE_LABELS, EDGE_COSINES) if loss == "arcface" else None
            cases.append(
                make_case(f"{loss}-{i}-edge", loss, {"labels": EDGE_LABELS, "cosines": EDGE_COSINES}, mask, **opt)
            )
    return cases


def _clip_cases() -> list[dict]:
    cases = []
    shapes = {"5x3": (5, 3), "1x4": (1, 4), "9x16": (9, 16)}
    for i, opt in enumerate([{}, {"temperature": 1.0}, {"temperature": 0.02}]):
        for cid, rng, shape in per_shape(f"clip_loss-{i}", shapes):
            u = rng.normal(size=shape)
            cases.append(
                make_case(
                    cid, "clip_loss", {"image_embeddings": u, "text_embeddings": u + rng.normal(size=shape)}, **opt
                )
            )
    rng = rng_for("clip_loss-extreme")
    u, v = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    u[1] *= 1e150  # huge and tiny norms: normalisation without overflow
    v[2] *= 1e-150
    cases.append(make_case("clip_loss-extreme", "clip_loss", {"image_embeddings": u, "text_embeddings": v}))
    cases.append(
        make_case("clip_loss-cold", "clip_loss", {"image_embeddings": u, "text_embeddings": v}, temperature=1e-3)
    )
    return cases


def build_cases() -> list[dict]:
    """Every case, without results."""
    return check_unique_ids(_logit_cases() + _margin_cases() + _clip_cases())


# --------------------------------------------------------------------------
# The oracle
# --------------------------------------------------------------------------


def _cross_entropy(logits, labels):
    """Per-row cross-entropy, as ``softplus(logsumexp of the other logits - the true logit)``.

    ``F.cross_entropy`` computes ``logsumexp(z) - z_y`` and its backward ``p_y - 1``: both cancel
    where ``p_y`` is near 1 (a loss of 1e-13 has ~1e-3 relative error). This form is the same
    function, keeps those digits (``softplus`` of a very negative number is ``log1p(exp(.))``) and
    its backward at the true class is ``-sigmoid(.) = -(1 - p_y)``, summed over the other classes.
    """
    import torch
    import torch.nn.functional as F

    if logits.shape[-1] == 1:
        return F.cross_entropy(logits, labels, reduction="none")  # one class: 0, exactly
    true = logits.gather(-1, labels[:, None])[:, 0]
    others = logits.masked_fill(F.one_hot(labels, logits.shape[-1]).bool(), float("-inf"))
    return F.softplus(torch.logsumexp(others, dim=-1) - true, beta=1.0, threshold=40.0)


def reference(case: dict, reduction: str) -> dict:
    """Value and gradient of one case under one reduction, with PyTorch in float64."""
    import torch
    import torch.nn.functional as F

    inputs, opts, loss = case["inputs"], case["options"], case["loss"]
    if loss == "clip_loss":
        u = torch.tensor(inputs["image_embeddings"], dtype=torch.float64, requires_grad=True)
        v = torch.tensor(inputs["text_embeddings"], dtype=torch.float64, requires_grad=True)
        s = F.normalize(u, dim=-1) @ F.normalize(v, dim=-1).T / opts.get("temperature", 0.07)
        target = torch.arange(s.shape[0])
        per_pair = 0.5 * (_cross_entropy(s, target) + _cross_entropy(s.T, target))
        out = reduce_items(per_pair, reduction)
        (out if reduction != "none" else out.sum()).backward()
        grads = {"image_embeddings": u.grad.numpy().copy(), "text_embeddings": v.grad.numpy().copy()}
        return {"value": out.detach().numpy().copy(), "grad": grads}

    name = "logits" if "logits" in inputs else "cosines"
    x = torch.tensor(inputs[name], dtype=torch.float64, requires_grad=True)
    y = torch.tensor(inputs["labels"], dtype=torch.int64)
    n_classes = x.shape[-1]
    flat, labels = x.reshape(-1, n_classes), y.reshape(-1)
    one_hot = F.one_hot(labels, n_classes).bool()
    if loss in ("generalized_cross_entropy", "symmetric_cross_entropy"):
        ce = _cross_entropy(flat, labels)
        if loss == "generalized_cross_entropy":
            q = opts.get("q", 0.7)
            per_row = -torch.expm1(-q * ce) / q
        else:
            alpha, beta, log_zero = opts.get("alpha", 0.1), opts.get("beta", 1.0), opts.get("log_zero", -4.0)
            per_row = alpha * ce - beta * log_zero * -torch.expm1(-ce)  # 1 - p_y = 1 - e^-ce
    else:
        s = opts.get("scale", 64.0)
        c_y = flat.gather(-1, labels[:, None])[:, 0]  # its backward reaches the true entry only
        if loss == "cosface":
            true = c_y - opts.get("margin", 0.35)
        else:
            m = opts.get("margin", 0.5)
            if np.abs(np.abs(inputs[name]) - 1).min() < 1e-3:
                true = c_y * np.cos(m) - np.sin(m) * torch.sqrt((1 - c_y) * (1 + c_y))
            else:
                true = torch.cos(torch.acos(c_y) + m)
        per_row = _cross_entropy(torch.where(one_hot, s * true[:, None], s * flat), labels)
    out = reduce_items(per_row.reshape(y.shape), reduction)
    (out if reduction != "none" else out.sum()).backward()
    grad = x.grad.numpy().copy()
    if not np.isfinite(grad).all():  # autograd's inf/NaN at cos = +-1, not compared (grad_compare)
        grad = np.where(np.isfinite(grad), grad, 0.0)
    return {"value": out.detach().numpy().copy(), "grad": grad}
