"""Reference cases of the embedding losses (contrastive, triplet, cosine embedding, InfoNCE, NT-Xent).

Oracle: PyTorch in float64, gradients by autograd with respect to every embedding argument
(``{"x1": ..., "x2": ...}`` and so on); for ``reduction="none"`` the gradient of the sum of the
per-example losses.

- ``triplet`` and ``cosine_embedding`` are ``F.triplet_margin_loss`` and
  ``F.cosine_embedding_loss``. PyTorch's cosine loss has no ``eps`` argument (it adds the float32
  constant 1e-12f to both squared norms); cases with another ``eps`` use the same formula written
  out in PyTorch, which is checked against ``F.cosine_embedding_loss`` at PyTorch's constant
  on the same inputs every time the data are made.
- PyTorch has no contrastive, InfoNCE or NT-Xent loss: they are written with its primitives,
  ``F.pairwise_distance``, ``F.normalize``, ``masked_fill`` and ``F.cross_entropy``, as the
  docstrings of losslib say.

Crafted cases sit on the kinks where PyTorch picks a subgradient (hinge exactly 0, swap ties,
coincident points with ``eps=0``, cosine equal to the margin) and at extreme inputs (coordinates
of 1e4, zero vectors, temperature 1e-3). Random InfoNCE / NT-Xent batches avoid losses between
1e-12 and 1e-4, where PyTorch's log-softmax is itself not accurate to ``common.RTOL`` (see
``_INACCURATE_BAND``).
"""

from __future__ import annotations

import numpy as np

from .common import check_unique_ids, make_case, reduce_items, rng_for

ORACLE = "torch"

ARGS = {
    "contrastive": ("y_true", "x1", "x2"),
    "triplet": ("anchor", "positive", "negative"),
    "cosine_embedding": ("y_true", "x1", "x2"),
    "info_nce": ("queries", "keys"),
    "nt_xent": ("z1", "z2"),
}
GRAD_WRT = {
    "contrastive": ("x1", "x2"),
    "triplet": ("anchor", "positive", "negative"),
    "cosine_embedding": ("x1", "x2"),
    "info_nce": ("queries", "keys"),
    "nt_xent": ("z1", "z2"),
}
DEFAULTS = {
    "contrastive": {"margin": 1.0, "eps": 1e-6},
    "triplet": {"margin": 1.0, "p": 2, "eps": 1e-6, "swap": False},
    "cosine_embedding": {"margin": 0.0},
    "info_nce": {"temperature": 0.1},
    "nt_xent": {"temperature": 0.5},
}
TORCH_COSINE_EPS = float(np.float32(1e-12))


def _tag(opts: dict) -> str:
    return "".join(f"-{k}{v}" for k, v in opts.items())


def _case(case_id: str, loss: str, *arrays, **options) -> dict:
    return make_case(case_id, loss, dict(zip(ARGS[loss], arrays)), **options)


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------


def _pair_cases(loss: str, labels: tuple[float, float], option_sets: list[dict]) -> list[dict]:
    """Random pairs of several shapes (and a single pair) for every option set, labels of both kinds."""
    cases = []
    for opts in option_sets:
        for sname, (n, d) in {"6x3": (6, 3), "9x8": (9, 8)}.items():
            rng = rng_for(cid := f"{loss}{_tag(opts)}-{sname}")
            x1 = rng.normal(size=(n, d))
            x2 = x1 + rng.uniform(0.2, 2.5, size=(n, 1)) * rng.normal(size=(n, d)) / np.sqrt(d)
            cases.append(_case(cid, loss, rng.choice(labels, size=n), x1, x2, **opts))
    rng = rng_for(cid := f"{loss}-single-pair")
    cases.append(_case(cid, loss, np.array(labels[1]), rng.normal(size=4), rng.normal(size=4)))
    rng = rng_for(cid := f"{loss}-integer-labels")
    cases.append(
        _case(
            cid, loss, rng.choice(np.array(labels, dtype=int), size=5), rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
        )
    )
    rng = rng_for(cid := f"{loss}-extreme-1e4")
    x1 = rng.uniform(-1e4, 1e4, size=(6, 3))
    cases.append(
        _case(
            cid, loss, np.resize(np.array(labels), 6), x1, x1 + rng.uniform(-1e4, 1e4, size=(6, 3)), **option_sets[-1]
        )
    )
    return cases


def _contrastive_cases() -> list[dict]:
    loss = "contrastive"
    cases = _pair_cases(
        loss, (0.0, 1.0), [{}, {"margin": 0.5}, {"margin": 2.5, "eps": 1e-3}, {"margin": 0.0}, {"eps": 0.0}]
    )
    # Coincident pairs: d = eps sqrt(D) (eps > 0), or 0 (eps = 0: PyTorch's gradient is 0 there).
    x = np.array([[0.5, -1.0, 2.0], [0.5, -1.0, 2.0], [3.0, 0.0, -1.0], [3.0, 0.0, -1.0]])
    y = np.array([1.0, 0.0, 1.0, 0.0])
    for opts in ({}, {"eps": 0.0}, {"eps": 0.1, "margin": 0.3}):
        cases.append(_case(f"{loss}-coincident{_tag(opts)}", loss, y, x, x.copy(), **opts))
    # Dissimilar pairs at, just inside and just beyond the margin (eps = 0, d = 1, 0.999, 1.001).
    x2 = np.array([[0.6, 0.8], [0.0, 0.999], [1.001, 0.0], [0.0, -0.5]])
    cases.append(_case(f"{loss}-at-the-margin", loss, np.zeros(4), np.zeros((4, 2)), x2, eps=0.0))
    return cases


def _triplet_cases() -> list[dict]:
    loss = "triplet"
    option_sets = [
        {},
        {"p": 1},
        {"p": 3},
        {"p": 1.5},
        {"swap": True},
        {"p": 1, "swap": True},
        {"margin": 0.3},
        {"margin": 2.5, "eps": 1e-3},
        {"eps": 0.0, "swap": True, "p": 3},
    ]
    cases = []
    for opts in option_sets:
        for sname, (n, d) in {"6x4": (6, 4), "10x8": (10, 8)}.items():
            rng = rng_for(cid := f"{loss}{_tag(opts)}-{sname}")
            a = rng.normal(size=(n, d))
            cases.append(
                _case(cid, loss, a, a + 0.8 * rng.normal(size=(n, d)), a + 1.2 * rng.normal(size=(n, d)), **opts)
            )
    for opts in ({}, {"swap": True, "p": 1}):
        rng = rng_for(cid := f"{loss}-single-triplet{_tag(opts)}")
        cases.append(_case(cid, loss, rng.normal(size=5), rng.normal(size=5), rng.normal(size=5), **opts))
        rng = rng_for(cid := f"{loss}-extreme-1e4{_tag(opts)}")
        a = rng.uniform(-1e4, 1e4, size=(6, 3))
        cases.append(
            _case(
                cid, loss, a, a + rng.uniform(-1e4, 1e4, size=(6, 3)), a + rng.uniform(-1e4, 1e4, size=(6, 3)), **opts
            )
        )
    # Identical points: d = eps sqrt(D) everywhere, the hinge is active with value margin;
    # with swap the two negative distances tie.
    a = np.array([[1.0, 2.0, 3.0], [-0.5, 0.0, 4.0]])
    for opts in ({}, {"swap": True}, {"swap": True, "p": 1}, {"eps": 0.0}, {"eps": 0.0, "swap": True, "p": 3}):
        cases.append(_case(f"{loss}-identical{_tag(opts)}", loss, a, a.copy(), a.copy(), **opts))
    # Hinge exactly at 0 (PyTorch's clamp_min passes the gradient there) and a swap tie.
    cases.append(
        _case(
            f"{loss}-hinge-at-zero",
            loss,
            np.zeros((2, 2)),
            np.array([[1.0, 0.0], [0.0, 2.0]]),
            np.array([[2.0, 0.0], [0.0, 3.0]]),
            eps=0.0,
        )
    )
    cases.append(
        _case(
            f"{loss}-swap-tie",
            loss,
            np.zeros((1, 2)),
            np.array([[2.0, 0.0]]),
            np.array([[1.0, 1.0]]),
            eps=0.0,
            swap=True,
            margin=3.0,
        )
    )
    return cases


def _cosine_cases() -> list[dict]:
    loss = "cosine_embedding"
    cases = _pair_cases(
        loss, (-1.0, 1.0), [{}, {"margin": 0.5}, {"margin": -0.3}, {"margin": 0.2, "eps": 1e-3}, {"eps": 1e-8}]
    )
    # Zero vectors: cosine 0 instead of NaN, large but finite gradients.
    x1 = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])
    x2 = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    y = np.array([1.0, -1.0, 1.0, 1.0, -1.0])
    for opts in ({}, {"margin": -0.5}, {"eps": 1e-6}):
        cases.append(_case(f"{loss}-zero-vectors{_tag(opts)}", loss, y, x1, x2, **opts))
    # Cosine exactly equal to the margin (0 for orthogonal vectors): the hinge passes the gradient.
    cases.append(
        _case(
            f"{loss}-at-the-margin",
            loss,
            np.array([-1.0, -1.0]),
            np.array([[1.0, 0.0], [0.0, 3.0]]),
            np.array([[0.0, 1.0], [-2.0, 0.0]]),
        )
    )
    return cases


# PyTorch computes a log-softmax entry as (s - max) - log(sum exp(s - max)): a loss l of the order
# of 1e-6 comes out as log(1 + l), rounded to an absolute 1e-16, i.e. with a relative error of
# ~1e-10. losslib computes it with log1p and keeps every digit (tests/test_losslib_embedding.py
# checks that against closed forms), so random batches are drawn again until no loss lies in
# that band, where the oracle itself is not accurate to RTOL.
_INACCURATE_BAND = (1e-12, 1e-4)


def _numpy_losses(loss: str, a: np.ndarray, b: np.ndarray, tau: float) -> np.ndarray:
    """Rough per-item losses of a batch (only to keep cases out of the band above)."""

    def unit(x):
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    n = a.shape[0]
    if loss == "info_nce":
        s, pos = unit(a) @ unit(b).T / tau, np.arange(n)
    else:
        z = unit(np.concatenate([a, b]))
        s, pos = z @ z.T / tau, (np.arange(2 * n) + n) % (2 * n)
        np.fill_diagonal(s, -np.inf)
    m = s.max(axis=1)
    return m + np.log(np.exp(s - m[:, None]).sum(axis=1)) - s[np.arange(len(pos)), pos]


def _batch(loss: str, cid: str, shape: tuple[int, int], noise: float | None, tau: float, scale: float = 1.0):
    """A random batch ``(a, b)``, b a noisy copy of a, drawn until no loss is in the inaccurate band."""
    rng = rng_for(cid)
    while True:
        a = rng.normal(size=shape)
        b = a + (rng.uniform(0.3, 1.5) if noise is None else noise) * rng.normal(size=shape)
        losses = _numpy_losses(loss, a, b, tau)
        if not np.any((losses > _INACCURATE_BAND[0]) & (losses < _INACCURATE_BAND[1])):
            return scale * a, scale * b


def _contrastive_batch_cases(loss: str, temperatures: list[float | None]) -> list[dict]:
    """InfoNCE / NT-Xent: random batches, one example, zero vectors, extreme scales and temperatures."""
    default = DEFAULTS[loss]["temperature"]
    cases = []
    for tau in temperatures:
        opts = {} if tau is None else {"temperature": tau}
        for sname, shape in {"5x3": (5, 3), "8x16": (8, 16)}.items():
            cid = f"{loss}{_tag(opts)}-{sname}"
            cases.append(_case(cid, loss, *_batch(loss, cid, shape, None, tau or default), **opts))
    rng = rng_for(cid := f"{loss}-one-example")
    cases.append(_case(cid, loss, rng.normal(size=(1, 3)), rng.normal(size=(1, 3))))
    cid = f"{loss}-zero-vectors"
    a, b = _batch(loss, cid, (4, 3), 1.0, 0.3)
    a[1] = 0.0
    b[2] = 0.0
    cases.append(_case(cid, loss, a, b, temperature=0.3))
    for scale in (1e4, 1e-8):
        cid = f"{loss}-scale{scale:g}"
        cases.append(_case(cid, loss, *_batch(loss, cid, (4, 3), 1.0, default, scale)))
    # Temperature 1e-3: logits up to 1e3, so every loss is either large or below 1e-12.
    cid = f"{loss}-temperature0.001"
    cases.append(_case(cid, loss, *_batch(loss, cid, (5, 4), 0.8, 1e-3), temperature=1e-3))
    return cases


def build_cases() -> list[dict]:
    """Every case, without results."""
    return check_unique_ids(
        _contrastive_cases()
        + _triplet_cases()
        + _cosine_cases()
        + _contrastive_batch_cases("info_nce", [None, 0.07, 0.5, 1.0])
        + _contrastive_batch_cases("nt_xent", [None, 0.1, 1.0, 2.0])
    )


# --------------------------------------------------------------------------
# The oracle
# --------------------------------------------------------------------------


def _cosine_formula(x1, x2, y, margin: float, eps: float, reduction: str):
    """PyTorch's cosine_embedding_loss written out, with ``eps`` in place of its constant."""
    import torch

    prod = (x1 * x2).sum(-1)
    m1 = (x1 * x1).sum(-1) + eps
    m2 = (x2 * x2).sum(-1) + eps
    cos = prod / torch.sqrt(m1 * m2)
    zeros = torch.zeros_like(cos)
    per = torch.where(y == 1, 1 - cos, zeros) + torch.where(y == -1, (cos - margin).clamp_min(0), zeros)
    return reduce_items(per, reduction)


def reference(case: dict, reduction: str) -> dict:
    """Value and gradients (w.r.t. every embedding argument) of one case, with PyTorch in float64."""
    import torch
    import torch.nn.functional as F

    loss = case["loss"]
    if loss not in ARGS:
        raise KeyError(f"no PyTorch reference for loss {loss!r}: add it to reference()")
    x = {name: torch.tensor(np.asarray(v), dtype=torch.float64) for name, v in case["inputs"].items()}
    for name in GRAD_WRT[loss]:
        x[name].requires_grad_(True)
    opts = dict(DEFAULTS[loss], **case["options"])

    if loss == "contrastive":
        d = F.pairwise_distance(x["x1"], x["x2"], p=2.0, eps=opts["eps"])
        y = x["y_true"]
        out = reduce_items(0.5 * (y * d**2 + (1 - y) * torch.clamp_min(opts["margin"] - d, 0) ** 2), reduction)
    elif loss == "triplet":
        out = F.triplet_margin_loss(
            x["anchor"],
            x["positive"],
            x["negative"],
            margin=opts["margin"],
            p=opts["p"],
            eps=opts["eps"],
            swap=opts["swap"],
            reduction=reduction,
        )
    elif loss == "cosine_embedding":
        x1, x2, y = x["x1"], x["x2"], x["y_true"]
        if "eps" in opts:
            # validate the written-out formula against PyTorch's own at PyTorch's constant
            with torch.no_grad():
                own = F.cosine_embedding_loss(x1, x2, y, margin=opts["margin"], reduction=reduction)
                formula = _cosine_formula(x1, x2, y, opts["margin"], TORCH_COSINE_EPS, reduction)
            if not torch.allclose(own, formula, rtol=1e-14, atol=0):
                raise AssertionError(f"{case['id']}: the written-out cosine loss differs from PyTorch's")
            out = _cosine_formula(x1, x2, y, opts["margin"], opts["eps"], reduction)
        else:
            out = F.cosine_embedding_loss(x1, x2, y, margin=opts["margin"], reduction=reduction)
    elif loss == "info_nce":
        q, k = F.normalize(x["queries"], dim=1), F.normalize(x["keys"], dim=1)
        out = F.cross_entropy(q @ k.T / opts["temperature"], torch.arange(q.shape[0]), reduction=reduction)
    else:  # nt_xent
        n = x["z1"].shape[0]
        z = F.normalize(torch.cat([x["z1"], x["z2"]]), dim=1)
        sim = (z @ z.T / opts["temperature"]).masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
        out = F.cross_entropy(sim, (torch.arange(2 * n) + n) % (2 * n), reduction=reduction)

    (out if reduction != "none" else out.sum()).backward()
    return {
        "value": out.detach().numpy().copy(),
        "grad": {name: x[name].grad.numpy().copy() for name in GRAD_WRT[loss]},
    }
