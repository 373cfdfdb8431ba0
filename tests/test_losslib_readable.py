"""Every loss's readable form (its definition, as the book writes it) against its fast path.

``LossInfo.readable`` is a few lines of plain numpy with the loss's own arguments and results;
``LossInfo.core`` is the optimised path behind ``loss``, ``grad`` and ``value_and_grad``. Here
the readable form is the oracle: on inputs drawn for every entry, with every reduction and
with soft targets where the loss takes them, both agree to ~1e-12 in float64.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import losslib
from conftest import ENTRIES, REDUCTIONS, as_grads, draw, positional, rng_for, soften

# Losses whose readable form is still to be written (#22). The test below keeps this list true;
# it empties as each family moves to the new pattern, and then goes away.
PENDING = {
    "gaussian_nll", "laplace_nll", "poisson_nll", "von_mises_nll",
    "mse", "mae", "pseudo_huber", "log_cosh", "quantile", "tukey_biweight", "charbonnier", "msle",
    "vae_elbo", "gan_discriminator", "gan_generator", "l1_penalty", "l2_penalty", "elastic_net",
}  # fmt: skip

READABLE = [e for e in ENTRIES if e.name not in PENDING]
RTOL = ATOL = 1e-12


def test_pending_is_true():
    assert {e.name for e in ENTRIES if e.readable is None} == PENDING


@pytest.mark.parametrize("info", READABLE, ids=[e.name for e in READABLE])
def test_readable_form_has_the_loss_signature_and_says_what_it_is(info):
    # the parameters only: the loss returns its value, the readable form (value, gradient)
    assert inspect.signature(info.readable).parameters == inspect.signature(info.loss).parameters
    doc = inspect.getdoc(info.readable) or ""
    assert doc.startswith(f"Readable form of :func:`{info.name}`"), doc[:80]


def _close(name, what, fast, readable):
    fast, readable = np.asarray(fast), np.asarray(readable)
    assert fast.shape == readable.shape, f"{name} {what}: shape {fast.shape} against {readable.shape}"
    finite = readable[np.isfinite(readable)]  # an infinite value must not make the tolerance infinite
    scale = max(1.0, float(np.max(np.abs(finite), initial=0.0)))
    np.testing.assert_allclose(fast, readable, rtol=RTOL, atol=ATOL * scale, err_msg=f"{name} {what}")


@pytest.mark.parametrize("info", READABLE, ids=[e.name for e in READABLE])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_fast_path_agrees_with_the_readable_form(info, reduction):
    rng = rng_for(info, "readable")
    for n in (1, 7):
        for soft in (False, True):
            inputs = draw(info, rng, n)
            if soft:
                inputs = soften(info, inputs, rng)
            _agree(info, positional(info, inputs), reduction, f"n={n}, soft={soft}")


def _agree(info, args, reduction, where, **options):
    """Check that the fast path and the readable form agree on one call; return the fast path's
    ``(value, {arg: gradient})``."""
    value, grad = info.core(*args, reduction=reduction, **options)
    r_value, r_grad = info.readable(*args, reduction=reduction, **options)
    _close(info.name, f"value ({where})", value, r_value)
    fast, slow = as_grads(info, grad), as_grads(info, r_grad)
    for arg in info.grad_wrt:
        _close(info.name, f"gradient wrt {arg} ({where})", fast[arg], slow[arg])
    return value, fast


# --------------------------------------------------------------------------
# Options of the classification, margin, embedding, segmentation and sequence losses
# --------------------------------------------------------------------------
#
# Each option away from its default, alone and combined, for every reduction: a readable form that
# ignores an option fails here, and each case must change the fast path's result on the drawn
# inputs (else it could not catch that). A case is a dict of options, or a function
# (inputs, rng) -> (inputs, options) where the options need matching inputs (weights of the
# inputs' shape, targets without the blank label) or the inputs themselves are the case (soft
# targets of the focal loss, a transcript too long for its frames).


def _per_element(name, low=0.25, high=2.0):
    """Weights ``name`` of ``y_pred``'s shape, drawn in [low, high]."""
    return lambda x, rng: (x, {name: rng.uniform(low, high, size=x["y_pred"].shape)})


def _soft_targets(**options):
    return lambda x, rng: ({**x, "y_true": rng.uniform(size=x["y_pred"].shape)}, options)


def _ctc_blank_last(x, rng):
    """Blank 2 of the 3 classes, with labels 1 only (valid also with the default blank, 0)."""
    return {**x, "y_true": np.ones_like(x["y_true"])}, {"blank": 2}


def _ctc_impossible(zero_infinity):
    """The first transcript has 2 labels but 1 frame: no alignment, an infinite loss."""

    def case(x, rng):
        lengths = {"input_lengths": x["input_lengths"].copy(), "target_lengths": x["target_lengths"].copy()}
        lengths["input_lengths"][0], lengths["target_lengths"][0] = 1, 2
        return {**x, **lengths}, ({"zero_infinity": True} if zero_infinity else {})

    return case


def _ctc_no_frames(x, rng):
    """The first sequence has no frames and an empty transcript (probability 1)."""
    lengths = {"input_lengths": x["input_lengths"].copy(), "target_lengths": x["target_lengths"].copy()}
    lengths["input_lengths"][0], lengths["target_lengths"][0] = 0, 0
    return {**x, **lengths}, {}


# Losses with options that OPTIONS has no cases for yet (to be emptied, as PENDING).
OPTIONS_PENDING = {"huber"}
CLASS_WEIGHTS = [0.5, 2.0, 1.0, 0.25]  # the samplers of class losses draw 4 classes

OPTIONS = {
    "binary_cross_entropy": [_per_element("weight"), {"weight": 2.5}],
    "binary_cross_entropy_with_logits": [
        _per_element("weight"),
        _per_element("pos_weight", 0.5, 4.0),
        {"pos_weight": 3.0, "weight": 0.5},
    ],
    "cross_entropy": [
        {"weight": CLASS_WEIGHTS},
        {"ignore_index": 2},
        {"label_smoothing": 0.1},
        {"weight": CLASS_WEIGHTS, "ignore_index": 1, "label_smoothing": 0.3},
    ],
    "focal": [
        {"alpha": 0.7},
        {"alpha": -1.0},  # no weighting
        {"gamma": 0.0},
        {"gamma": 1.5},  # half-integer: a square root in the blocks
        {"gamma": 0.7, "alpha": 0.5},  # the log-domain path
        {"gamma": 9.0},
        _soft_targets(),
        _soft_targets(gamma=0.7),
    ],
    "contrastive": [{"margin": 2.0}, {"eps": 0.0}, {"margin": 0.5, "eps": 1e-2}],
    "triplet": [
        {"margin": 0.5},
        {"p": 1},
        {"p": 3.0},
        {"eps": 1e-2},
        {"swap": True},
        {"swap": True, "p": 1.5, "eps": 0.0, "margin": 2.0},
    ],
    "cosine_embedding": [{"margin": 0.3}, {"margin": -0.5}, {"eps": 0.5}],
    "info_nce": [{"temperature": 1.0}, {"temperature": 0.02}],
    "nt_xent": [{"temperature": 0.1}, {"temperature": 2.0}],
    "dice": [{"smooth": 0.0}, {"smooth": 5.0}, {"squared": True}, {"squared": True, "smooth": 0.0}],
    "soft_jaccard": [{"smooth": 0.0}, {"smooth": 5.0}],
    "ctc": [_ctc_blank_last, _ctc_impossible(zero_infinity=False), _ctc_impossible(zero_infinity=True), _ctc_no_frames],
}

OPTION_CASES = [
    pytest.param(name, case, id=f"{name}-{i}") for name, cases in OPTIONS.items() for i, case in enumerate(cases)
]


def test_every_loss_with_options_has_option_cases():
    with_options = {
        e.name for e in ENTRIES if e.name not in PENDING and len(inspect.signature(e.loss).parameters) > len(e.args) + 1
    }
    pending_cases = with_options - set(OPTIONS)
    assert pending_cases <= OPTIONS_PENDING, f"losses with options but no cases in OPTIONS: {sorted(pending_cases)}"


@pytest.mark.parametrize(("name", "case"), OPTION_CASES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_the_readable_form_honours_every_option(name, case, reduction):
    info = losslib.LOSSES[name]
    rng = rng_for(info, "readable options")
    changed = False
    for n in (1, 7):
        for soft in (False, True):
            inputs = draw(info, rng, n)
            if soft:
                inputs = soften(info, inputs, rng)
            inputs, options = case(inputs, rng) if callable(case) else (inputs, case)
            args = positional(info, inputs)
            value, grads = _agree(info, args, reduction, f"n={n}, soft={soft}, {options}", **options)
            if callable(case) and not options:
                changed = True  # the inputs are the case
            else:
                default_value, default_grads = info.core(*args, reduction=reduction)
                changed |= not np.array_equal(value, default_value, equal_nan=True) or any(
                    not np.array_equal(grads[a], as_grads(info, default_grads)[a], equal_nan=True)
                    for a in info.grad_wrt
                )
    assert changed, f"{name} with {options} gives the default results on every drawn input: a useless case"
