"""Reference cases of the core losses (MSE, MAE, Huber, BCE, BCE with logits, cross-entropy).

Oracle: PyTorch in float64. Layout: losslib's cross-entropy has the classes on the **last**
axis, PyTorch on axis 1, so the logits (and class-probability targets) are moved with
``movedim(-1, 1)`` before calling PyTorch; the gradient is taken with respect to the unmoved
tensor, so it comes back in losslib's layout. For ``reduction="none"`` the gradient is that of
the sum of the per-item losses.

Documented difference kept out of the comparison: PyTorch's ``binary_cross_entropy`` gradient
is ``(p - y) / max(p (1 - p), 1e-12)``, losslib's the exact derivative of the (clamped) value,
so ``grad_compare`` is ``p (1 - p) >= 1e-12``: the gradients are compared wherever both are
defined to be the same number, and ``tests/test_losslib_gradients.py`` checks the rest.

Near-zero entries: PyTorch's ``binary_cross_entropy_with_logits`` computes its value as
``(1 - y) x + log1p(exp(-|x|)) + max(-x, 0)`` and its gradient as ``sigmoid(x) - y``, which
cancel to an absolute error of ~1e-16 where the true numbers are below 1e-13 (the loss 1.9e-22
at x = -50, y = 0 comes out as 0). losslib keeps those digits, so reference entries below
``common.ZERO`` are compared with ``common.ATOL``; the gradient tests check them against
closed forms.
"""

from __future__ import annotations

import numpy as np

from .common import SHAPES, check_unique_ids, pair_case, per_shape, rng_for

ORACLE = "torch"


def _regression_cases() -> list[dict]:
    cases = []
    for loss, variants in (
        ("mse", [{}]),
        ("mae", [{}]),
        ("huber", [{}, {"delta": 0.5}, {"delta": 2.5}]),
    ):
        for opts in variants:
            tag = "".join(f"-delta{v}" for v in opts.values())
            for cid, rng, shape in per_shape(f"{loss}{tag}"):
                y = rng.normal(size=shape)
                cases.append(pair_case(cid, loss, y, y + 2.0 * rng.normal(size=shape), **opts))
            # extreme residuals, tiny and huge
            cid = f"{loss}{tag}-extreme"
            r = np.array([1e-8, -1e-8, 1e-3, -7.5, 1e3, -1e3, 1e6, -1e6, 3e7])
            y = rng_for(cid).normal(size=r.shape)
            cases.append(pair_case(cid, loss, y, y + r, **opts))
        # Kinks: both libraries return 0 at r = 0 (sign(0)) and delta at |r| = delta.
        delta = 1.0
        r = np.array([0.0, 0.0, delta, -delta, 0.25, -3.0])
        y = np.array([0.0, 1.5, 0.0, 2.0, -1.0, 0.5])
        cases.append(pair_case(f"{loss}-kinks", loss, y, y + r))
    return cases


def _bce_cases() -> list[dict]:
    cases = []
    for sname, shape in SHAPES.items():
        rng = rng_for(cid := f"binary_cross_entropy-labels-{sname}")
        labels = rng.integers(0, 2, size=shape).astype(float)
        cases.append(pair_case(cid, "binary_cross_entropy", labels, rng.uniform(0.02, 0.98, size=shape)))
        rng = rng_for(cid := f"binary_cross_entropy-soft-weight-{sname}")
        cases.append(
            pair_case(
                cid,
                "binary_cross_entropy",
                rng.uniform(size=shape),
                rng.uniform(0.02, 0.98, size=shape),
                weight=rng.uniform(0.1, 3.0, size=shape),
            )
        )
    rng = rng_for(cid := "binary_cross_entropy-weight-per-column-2d")
    cases.append(
        pair_case(
            cid,
            "binary_cross_entropy",
            rng.integers(0, 2, size=(4, 3)).astype(float),
            rng.uniform(0.01, 0.99, size=(4, 3)),
            weight=np.array([0.5, 1.0, 4.0]),
        )
    )
    # Probabilities at and near 0 and 1: values compared everywhere, gradients where both
    # libraries define the same number (p (1 - p) >= 1e-12, see the module docstring).
    p = np.array([0.0, 1e-300, 1e-50, 1e-13, 1e-12, 1e-9, 1e-6, 0.5, 1 - 1e-6, 1 - 1e-9, 1 - 1e-13, 1.0])
    for y_name, y in (("y0", np.zeros_like(p)), ("y1", np.ones_like(p)), ("ysoft", np.linspace(0.0, 1.0, p.size))):
        for wname, opts in (("", {}), ("-weight", {"weight": np.linspace(0.5, 2.0, p.size)})):
            cases.append(
                pair_case(
                    f"binary_cross_entropy-extreme-{y_name}{wname}",
                    "binary_cross_entropy",
                    y,
                    p,
                    grad_compare=p * (1 - p) >= 1e-12,
                    **opts,
                )
            )
    return cases


def _bce_logits_cases() -> list[dict]:
    loss = "binary_cross_entropy_with_logits"
    cases = []
    for sname, shape in SHAPES.items():
        rng = rng_for(cid := f"{loss}-labels-{sname}")
        cases.append(pair_case(cid, loss, rng.integers(0, 2, size=shape).astype(float), 3.0 * rng.normal(size=shape)))
        rng = rng_for(cid := f"{loss}-soft-weight-pos_weight-{sname}")
        cases.append(
            pair_case(
                cid,
                loss,
                rng.uniform(size=shape),
                3.0 * rng.normal(size=shape),
                weight=rng.uniform(0.1, 3.0, size=shape),
                pos_weight=rng.uniform(0.2, 5.0, size=shape[-1:]),
            )
        )
        rng = rng_for(cid := f"{loss}-pos_weight-{sname}")
        cases.append(
            pair_case(
                cid,
                loss,
                rng.integers(0, 2, size=shape).astype(float),
                3.0 * rng.normal(size=shape),
                pos_weight=rng.uniform(0.2, 5.0, size=shape[-1:]),
            )
        )
    rng = rng_for(cid := f"{loss}-weight-per-column-2d")
    cases.append(
        pair_case(
            cid,
            loss,
            rng.integers(0, 2, size=(4, 3)).astype(float),
            rng.normal(size=(4, 3)),
            weight=np.array([0.5, 1.0, 4.0]),
        )
    )
    # Extreme logits up to |x| = 1e4.
    x = np.array([-1e4, -1e3, -745.5, -50.0, -36.0, -1e-9, 0.0, 1e-9, 36.0, 50.0, 745.5, 1e3, 1e4])
    for y_name, y in (("y0", np.zeros_like(x)), ("y1", np.ones_like(x)), ("ysoft", np.linspace(0, 1, x.size))):
        cases.append(pair_case(f"{loss}-extreme-{y_name}", loss, y, x))
        cases.append(
            pair_case(
                f"{loss}-extreme-{y_name}-weight-pos_weight",
                loss,
                y,
                x,
                weight=np.linspace(0.5, 2.0, x.size),
                pos_weight=np.array([3.0]),
            )
        )
    return cases


def _dirichlet(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    g = rng.gamma(1.0, size=shape)
    return g / g.sum(axis=-1, keepdims=True)


def _ce_cases() -> list[dict]:
    loss = "cross_entropy"
    n_classes = 5
    shapes = {"2d": (6,), "3d": (2, 3), "4d": (2, 2, 3)}  # shape of the labels
    option_sets = {
        "": {},
        "-weight": {"weight": np.array([0.2, 1.0, 2.5, 0.7, 1.3])},
        "-smooth0.1": {"label_smoothing": 0.1},
        "-smooth1": {"label_smoothing": 1.0},
        "-weight-smooth0.25": {"weight": np.array([0.2, 1.0, 2.5, 0.7, 1.3]), "label_smoothing": 0.25},
    }
    cases = []
    for sname, lshape in shapes.items():
        zshape = (*lshape, n_classes)
        for oname, opts in option_sets.items():
            if sname == "4d" and oname not in ("", "-weight-smooth0.25"):
                continue
            rng = rng_for(cid := f"{loss}-labels{oname}-{sname}")
            cases.append(
                pair_case(cid, loss, rng.integers(0, n_classes, size=lshape), 2.0 * rng.normal(size=zshape), **opts)
            )
            rng = rng_for(cid := f"{loss}-probs{oname}-{sname}")
            cases.append(pair_case(cid, loss, _dirichlet(rng, zshape), 2.0 * rng.normal(size=zshape), **opts))
        # ignore_index: the default -100, and a real class (2) whose rows are then ignored.
        for ignore, iname in ((-100, "ignore-default"), (2, "ignore2")):
            for oname, opts in (
                ("", {}),
                ("-weight-smooth0.2", {"weight": option_sets["-weight"]["weight"], "label_smoothing": 0.2}),
            ):
                rng = rng_for(cid := f"{loss}-{iname}{oname}-{sname}")
                labels = rng.integers(0, n_classes, size=lshape)
                labels.flat[::3] = ignore
                extra = {} if ignore == -100 else {"ignore_index": ignore}
                cases.append(pair_case(cid, loss, labels, 2.0 * rng.normal(size=zshape), **extra, **opts))
    # Unbatched: logits (C,), one label of shape ().
    rng = rng_for(cid := f"{loss}-labels-unbatched")
    cases.append(pair_case(cid, loss, np.array(3), rng.normal(size=n_classes), label_smoothing=0.1))
    rng = rng_for(cid := f"{loss}-probs-unbatched")
    cases.append(pair_case(cid, loss, _dirichlet(rng, (n_classes,)), rng.normal(size=n_classes)))
    # Two classes.
    rng = rng_for(cid := f"{loss}-labels-binary")
    cases.append(pair_case(cid, loss, rng.integers(0, 2, size=8), 3.0 * rng.normal(size=(8, 2))))
    # Extreme logits: random in [-1e4, 1e4], confident right and wrong, near ties at |z| ~ 1e4.
    for oname, opts in (
        ("", {}),
        ("-weight-smooth0.1", {"weight": option_sets["-weight"]["weight"], "label_smoothing": 0.1}),
    ):
        rng = rng_for(cid := f"{loss}-extreme-random{oname}")
        cases.append(
            pair_case(cid, loss, rng.integers(0, n_classes, size=6), rng.uniform(-1e4, 1e4, (6, n_classes)), **opts)
        )
        z = np.array(
            [
                [1e4, -1e4, 0.0, 5e3, -5e3],  # label 0: right, loss ~ 0
                [1e4, -1e4, 0.0, 5e3, -5e3],  # label 1: wrong by 2e4
                [1e4, 1e4 - 5.0, 1e4 - 1.0, 0.0, -1e4],  # near ties at 1e4
                [-1e4, -1e4 + 3.0, -1e4 + 0.5, -1e4, -1e4],
                [1e4, 1e4, 1e4, 1e4, 1e4],  # all equal
                [745.0, 0.0, -745.0, 50.0, -50.0],
                [1e4, 1e4 - 10.0, 1e4 - 12.0, 0.0, -1e4],  # label 0: loss 5.2e-5, needs z - max before the log
            ]
        )
        cases.append(pair_case(f"{loss}-extreme-crafted{oname}", loss, np.array([0, 1, 1, 2, 4, 3, 0]), z, **opts))
        rng = rng_for(cid := f"{loss}-extreme-probs{oname}")
        cases.append(pair_case(cid, loss, _dirichlet(rng, z.shape), z, **opts))
    # Every label ignored: the mean is 0/0 = NaN in both libraries (the gradient is 0).
    rng = rng_for(cid := f"{loss}-all-ignored")
    for oname, opts in (("", {}), ("-smooth0.1", {"label_smoothing": 0.1})):
        cases.append(pair_case(cid + oname, loss, np.full(4, -100), rng.normal(size=(4, n_classes)), **opts))
    return cases


def build_cases() -> list[dict]:
    """Every case, without results."""
    return check_unique_ids(_regression_cases() + _bce_cases() + _bce_logits_cases() + _ce_cases())


def reference(case: dict, reduction: str) -> dict:
    """Value and gradient (w.r.t. y_pred) of one case under one reduction, with PyTorch in float64."""
    import torch
    import torch.nn.functional as F

    def t(a):
        a = np.asarray(a)
        return torch.tensor(a, dtype=torch.int64 if a.dtype.kind in "iu" else torch.float64)

    y = t(case["inputs"]["y_true"])
    x = t(case["inputs"]["y_pred"]).requires_grad_(True)
    opts = {k: (t(v) if isinstance(v, np.ndarray) else v) for k, v in case["options"].items()}
    loss = case["loss"]
    if loss == "mse":
        out = F.mse_loss(x, y, reduction=reduction)
    elif loss == "mae":
        out = F.l1_loss(x, y, reduction=reduction)
    elif loss == "huber":
        out = F.huber_loss(x, y, reduction=reduction, delta=opts.get("delta", 1.0))
    elif loss == "binary_cross_entropy":
        out = F.binary_cross_entropy(x, y, weight=opts.get("weight"), reduction=reduction)
    elif loss == "binary_cross_entropy_with_logits":
        out = F.binary_cross_entropy_with_logits(
            x, y, weight=opts.get("weight"), pos_weight=opts.get("pos_weight"), reduction=reduction
        )
    elif loss == "cross_entropy":
        # classes: last axis in losslib, axis 1 in PyTorch (for 1-D and 2-D logits the two agree)
        z = x.movedim(-1, 1) if x.ndim >= 3 else x
        target = y.movedim(-1, 1) if (y.dtype == torch.float64 and y.ndim >= 3) else y
        out = F.cross_entropy(
            z,
            target,
            weight=opts.get("weight"),
            ignore_index=opts.get("ignore_index", -100),
            label_smoothing=opts.get("label_smoothing", 0.0),
            reduction=reduction,
        )
    else:
        raise KeyError(f"no PyTorch reference for loss {loss!r}: add it to reference()")
    (out if reduction != "none" else out.sum()).backward()
    return {"value": out.detach().numpy().copy(), "grad": x.grad.numpy().copy()}
