"""Reference cases of the losses beyond the core that PyTorch can check: CTC, the VAE's negative
ELBO and the GAN losses. (Dice, soft Jaccard and the penalties have closed-form oracles in
``tests/test_losslib_beyond.py``.)

Oracle: PyTorch in float64, with autograd for every gradient.

- ``ctc``: ``F.ctc_loss(F.log_softmax(z, -1).transpose(0, 1), ...)``, differentiated with respect
  to the **logits** ``z`` (losslib's ``(N, T, C)`` layout). PyTorch's CTC backward with respect
  to its ``log_probs`` argument is not the partial derivative (it returns the gradient with
  respect to the logits, assuming a log-softmax before it), so only the gradient through the
  log-softmax is comparable.
- ``vae_elbo``: ``F.binary_cross_entropy_with_logits(x_recon, x, reduction="none")`` (or
  ``0.5 * (x - x_recon) ** 2``) summed over the features, plus
  ``-0.5 * (1 + logvar - mu**2 - logvar.exp())`` summed over the latent dimensions.
- ``gan_discriminator`` / ``gan_generator``: the formulas with ``F.softplus(., threshold=40)`` and
  ``F.relu`` (and the squares of the least-squares kind). The default ``threshold=20`` returns ``x`` itself above 20, off by
  ``log1p(e^-x)`` (1e-10 relative at x = 20, and the gradient by ``e^-x``, 2e-9 at x = 20);
  above 40 that error is below 4e-18 relative, and below 40 ``log1p(exp(x))`` is exact to rounding.

CTC gradients, ``grad_compare``: an entry of the gradient is ``softmax - occupation``, a
difference of two probabilities that both libraries compute through exponentials of sums of
~T log-probabilities, in different orders; each is accurate to ~1e-14 *absolute*, so entries of
size below 1e-3 would fail a relative 1e-10 comparison for either library against exact
arithmetic. They are compared where the ``"sum"`` gradient is at least 1e-3 in magnitude, exactly
0 (frames past ``input_lengths``) or NaN (impossible targets); ``tests/test_losslib_beyond.py``
checks every entry against brute-force sums over all alignments and a long-double run.
"""

from __future__ import annotations

import numpy as np

from .common import check_unique_ids, make_case, per_shape, reduce_items, rng_for

ORACLE = "torch"

# Extreme GAN scores, up to 1e4 (F.softplus with threshold 40 and its backward z / (z + 1) are
# exact to rounding at all of them, 20.5 included).
EXTREME_SCORES = np.array(
    [-1e4, -1e3, -745.5, -50.0, -36.0, -20.5, -1e-9, 0.0, 1e-9, 20.5, 36.0, 50.0, 745.5, 1e3, 1e4]
)


# --------------------------------------------------------------------------
# CTC
# --------------------------------------------------------------------------


def _ctc_mask(inputs: dict, options: dict) -> np.ndarray:
    """Where the CTC gradient is compared (see the module docstring)."""
    import losslib

    g = losslib.ctc_grad(
        inputs["y_true"],
        inputs["y_pred"],
        inputs["input_lengths"],
        inputs["target_lengths"],
        reduction="sum",
        **options,
    )
    return (np.abs(g) >= 1e-3) | (g == 0) | np.isnan(g)


def _ctc_case(case_id: str, y_true, y_pred, input_lengths, target_lengths, **options) -> dict:
    inputs = {
        "y_true": np.asarray(y_true, dtype=np.int64),
        "y_pred": np.asarray(y_pred, dtype=np.float64),
        "input_lengths": np.asarray(input_lengths, dtype=np.int64),
        "target_lengths": np.asarray(target_lengths, dtype=np.int64),
    }
    return make_case(case_id, "ctc", inputs, _ctc_mask(inputs, options), **options)


def _random_targets(rng, n, s, n_classes, blank):
    labels = np.array([c for c in range(n_classes) if c != blank])
    return rng.choice(labels, size=(n, s))


def _ctc_cases() -> list[dict]:
    cases = []
    # Random batches: every combination of lengths, blank 0 or another class.
    for (n, t, c, s), blank in (((4, 10, 5, 4), 0), ((3, 7, 3, 3), 0), ((5, 12, 6, 5), 3), ((2, 6, 4, 2), 1)):
        rng = rng_for(cid := f"ctc-random-N{n}T{t}C{c}S{s}-blank{blank}")
        y = _random_targets(rng, n, s, c, blank)
        target_lengths = rng.integers(1, s + 1, size=n)
        target_lengths[0] = s
        input_lengths = rng.integers(2 * s + 1, t + 1, size=n)  # always long enough
        input_lengths[0] = t
        y[1, target_lengths[1] :] = blank  # padding: blanks in one row, random labels in the others
        cases.append(_ctc_case(cid, y, 2.0 * rng.normal(size=(n, t, c)), input_lengths, target_lengths, blank=blank))
    # Repeated labels need a blank between them: "aab" needs 4 frames, "aaa" 5.
    rng = rng_for(cid := "ctc-repeats")
    y = np.array([[1, 1, 2], [1, 1, 1], [2, 1, 2], [1, 2, 2]])
    cases.append(_ctc_case(cid, y, 1.5 * rng.normal(size=(4, 6, 3)), [4, 5, 3, 6], [3, 3, 3, 3]))
    # Empty targets, no frames, one frame, and lengths at the limits.
    rng = rng_for(cid := "ctc-edge-lengths")
    y = np.array([[2, 1], [1, 2], [2, 2], [1, 1], [2, 1]])
    cases.append(_ctc_case(cid, y, rng.normal(size=(5, 4, 3)), [4, 1, 0, 4, 1], [0, 1, 0, 2, 0]))
    # Impossible targets (too long for their input, or too many repeats): inf and NaN gradients,
    # or 0 with zero_infinity.
    for zero_infinity in (False, True):
        rng = rng_for(cid := f"ctc-impossible-zero_infinity{zero_infinity}")
        y = np.array([[1, 2, 1, 2], [1, 1, 0, 0], [2, 1, 0, 0], [1, 1, 1, 1]])
        cases.append(
            _ctc_case(cid, y, rng.normal(size=(4, 5, 3)), [3, 2, 5, 5], [4, 2, 2, 3], zero_infinity=zero_infinity)
        )
    # zero_infinity with every target possible changes nothing.
    rng = rng_for(cid := "ctc-possible-zero_infinity")
    cases.append(
        _ctc_case(
            cid, _random_targets(rng, 3, 3, 4, 0), rng.normal(size=(3, 8, 4)), [8, 7, 8], [3, 2, 1], zero_infinity=True
        )
    )
    # Extreme logits: random in [-1e4, 1e4], and a confident path (loss ~ 0) next to a wrong one.
    rng = rng_for(cid := "ctc-extreme-random")
    cases.append(
        _ctc_case(cid, _random_targets(rng, 3, 3, 4, 0), rng.uniform(-1e4, 1e4, size=(3, 7, 4)), [7, 7, 6], [3, 2, 3])
    )
    cid = "ctc-extreme-crafted"
    big = 1e4
    path = [1, 0, 2, 2, 0, 1]  # emits "1 2 1"
    z = np.full((2, 6, 3), -big)
    z[0, np.arange(6), path] = big
    z[1] = z[0]
    z[1, 2] = [big, big - 3.0, -big]  # a near tie at frame 2
    cases.append(_ctc_case(cid, np.array([[1, 2, 1], [2, 1, 2]]), z, [6, 6], [3, 3]))
    return cases


# --------------------------------------------------------------------------
# VAE
# --------------------------------------------------------------------------


def _vae_case(case_id, x, x_recon, mu, logvar, **options) -> dict:
    return make_case(case_id, "vae_elbo", {"x": x, "x_recon": x_recon, "mu": mu, "logvar": logvar}, **options)


def _vae_cases() -> list[dict]:
    cases = []
    shapes = {"2d": ((4, 6), (4, 3)), "3d": ((2, 3, 4), (2, 5)), "1d": ((5,), (2,))}
    for likelihood in ("bernoulli", "gaussian"):
        for cid, rng, (xshape, zshape) in per_shape(f"vae_elbo-{likelihood}", shapes):
            x = rng.integers(0, 2, size=xshape).astype(float) if likelihood == "bernoulli" else rng.normal(size=xshape)
            cases.append(
                _vae_case(
                    cid,
                    x,
                    3.0 * rng.normal(size=xshape),
                    rng.normal(size=zshape),
                    rng.normal(size=zshape),
                    likelihood=likelihood,
                )
            )
    rng = rng_for(cid := "vae_elbo-bernoulli-soft-data")
    cases.append(
        _vae_case(
            cid,
            rng.uniform(size=(3, 5)),
            2.0 * rng.normal(size=(3, 5)),
            rng.normal(size=(3, 2)),
            rng.normal(size=(3, 2)),
        )
    )
    # Extreme decoder logits (as in reference/core.py, none near 20 where PyTorch's sigmoid(x) - y
    # loses digits) and encoder outputs.
    x_recon = np.array(
        [-1e4, -1e3, -745.5, -50.0, -36.0, -4.0, -1e-9, 0.0, 1e-9, 2.5, 36.0, 50.0, 745.5, 1e3, 1e4]
    ).reshape(3, 5)
    rng = rng_for("vae_elbo-extreme")
    mu = np.array([[-30.0, 1e-8, 5.0], [0.0, 2.0, -1e3], [1e-3, -0.5, 0.25]])
    logvar = np.array([[-30.0, 20.0, 1e-3], [-5.0, 0.0, 3.0], [10.0, -0.5, -1e-2]])
    for y_name, x in (("x0", np.zeros((3, 5))), ("x1", np.ones((3, 5))), ("xsoft", rng.uniform(size=(3, 5)))):
        cases.append(_vae_case(f"vae_elbo-extreme-{y_name}", x, x_recon, mu, logvar))
    cases.append(
        _vae_case(
            "vae_elbo-extreme-gaussian", 3.0 * rng.normal(size=(3, 5)), x_recon, mu, logvar, likelihood="gaussian"
        )
    )
    return cases


# --------------------------------------------------------------------------
# GAN
# --------------------------------------------------------------------------

KINDS = ("minimax", "non_saturating", "wasserstein", "hinge", "least_squares")


def _gan_cases() -> list[dict]:
    cases = []
    shapes = {"1d": (8,), "2d": (4, 1), "3d": (2, 3, 2)}
    for kind in KINDS:
        for sname, shape in shapes.items():
            rng = rng_for(cid := f"gan_discriminator-{kind}-{sname}")
            cases.append(
                make_case(
                    cid,
                    "gan_discriminator",
                    {"real_scores": 3.0 * rng.normal(size=shape), "fake_scores": 3.0 * rng.normal(size=shape)},
                    kind=kind,
                )
            )
            rng = rng_for(cid := f"gan_generator-{kind}-{sname}")
            cases.append(make_case(cid, "gan_generator", {"fake_scores": 3.0 * rng.normal(size=shape)}, kind=kind))
        # Extreme scores, real and fake in opposite orders so that large and small ones meet. The
        # scores are symmetric about 0, so the linear kinds' sums would be exactly 0 and PyTorch's
        # and numpy's summation orders would leave different rounding residues (~1e-13): one
        # more pair of scores keeps every sum away from 0.
        real = np.append(EXTREME_SCORES, -2e4)
        fake = np.append(EXTREME_SCORES[::-1], 2e4)
        cases.append(
            make_case(
                f"gan_discriminator-{kind}-extreme",
                "gan_discriminator",
                {"real_scores": real, "fake_scores": fake},
                kind=kind,
            )
        )
        cases.append(make_case(f"gan_generator-{kind}-extreme", "gan_generator", {"fake_scores": fake}, kind=kind))
    # The hinge's kinks: r = 1 and f = -1 (both libraries take the subgradient 0 there).
    kinks = {"real_scores": np.array([1.0, 1.0, 0.5, 2.0]), "fake_scores": np.array([-1.0, 0.0, -1.0, -2.0])}
    cases.append(make_case("gan_discriminator-hinge-kinks", "gan_discriminator", kinks, kind="hinge"))
    return cases


def build_cases() -> list[dict]:
    """Every case, without results."""
    return check_unique_ids(_ctc_cases() + _vae_cases() + _gan_cases())


# --------------------------------------------------------------------------
# The oracle
# --------------------------------------------------------------------------


def reference(case: dict, reduction: str) -> dict:
    """Value and gradient(s) of one case under one reduction, with PyTorch in float64."""
    import torch
    import torch.nn.functional as F

    def t(a, grad=False):
        a = np.asarray(a)
        if a.dtype.kind in "iu":
            return torch.tensor(a, dtype=torch.int64)
        return torch.tensor(a, dtype=torch.float64, requires_grad=grad)

    def softplus(x):
        return F.softplus(x, beta=1.0, threshold=40.0)

    inputs, opts, loss = case["inputs"], case["options"], case["loss"]
    if loss == "ctc":
        z = t(inputs["y_pred"], grad=True)
        out = F.ctc_loss(
            F.log_softmax(z, dim=-1).transpose(0, 1),
            t(inputs["y_true"]),
            t(inputs["input_lengths"]),
            t(inputs["target_lengths"]),
            blank=opts.get("blank", 0),
            reduction=reduction,
            zero_infinity=opts.get("zero_infinity", False),
        )
        wrt = {"y_pred": z}
    elif loss == "vae_elbo":
        x = t(inputs["x"])
        x_recon, mu, logvar = (t(inputs[k], grad=True) for k in ("x_recon", "mu", "logvar"))
        if opts.get("likelihood", "bernoulli") == "bernoulli":
            recon = F.binary_cross_entropy_with_logits(x_recon, x, reduction="none")
        else:
            recon = 0.5 * (x - x_recon) ** 2
        kl = -0.5 * (1 + logvar - mu**2 - logvar.exp())
        if x.ndim == 1:
            per_example = recon.sum() + kl.sum()
        else:
            per_example = recon.flatten(1).sum(1) + kl.flatten(1).sum(1)
        out = reduce_items(per_example, reduction)
        wrt = {"x_recon": x_recon, "mu": mu, "logvar": logvar}
    elif loss == "gan_discriminator":
        r, f = t(inputs["real_scores"], grad=True), t(inputs["fake_scores"], grad=True)
        kind = opts.get("kind", "minimax")
        if kind in ("minimax", "non_saturating"):
            per_item = softplus(-r) + softplus(f)
        elif kind == "wasserstein":
            per_item = f - r
        elif kind == "least_squares":
            per_item = 0.5 * (r - 1) ** 2 + 0.5 * f**2
        else:
            per_item = F.relu(1 - r) + F.relu(1 + f)
        out = reduce_items(per_item, reduction)
        wrt = {"real_scores": r, "fake_scores": f}
    elif loss == "gan_generator":
        f = t(inputs["fake_scores"], grad=True)
        kind = opts.get("kind", "non_saturating")
        if kind == "minimax":
            per_item = -softplus(f)
        elif kind == "non_saturating":
            per_item = softplus(-f)
        elif kind == "least_squares":
            per_item = 0.5 * (f - 1) ** 2
        else:
            per_item = -f
        out = reduce_items(per_item, reduction)
        wrt = {"fake_scores": f}
    else:
        raise KeyError(f"no PyTorch reference for loss {loss!r}: add it to reference()")
    (out if reduction != "none" else out.sum()).backward()
    grads = {k: v.grad.numpy().copy() for k, v in wrt.items()}
    return {"value": out.detach().numpy().copy(), "grad": grads if len(grads) > 1 else next(iter(grads.values()))}
