"""Every loss's readable form (its definition, as the book writes it) against its fast path.

``LossInfo.readable`` is a few lines of plain numpy with the loss's own arguments and results;
``LossInfo.core`` is the optimised path behind ``loss``, ``grad`` and ``value_and_grad``. Here
the readable form is the oracle: on inputs drawn for every entry, with every reduction and
with soft targets where the loss takes them, both agree to ~1e-12 in float64.
"""

from __future__ import annotations

import inspect
from collections.abc import Hashable

import numpy as np
import pytest

import losslib
from conftest import ENTRIES, REDUCTIONS, as_grads, draw, named, rng_for, soften

READABLE = ENTRIES  # every loss has one: LossInfo.readable is a required field
RTOL = ATOL = 1e-12


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


def _draws(info, purpose, case=None):
    """``(where, {arg: input}, options)`` for each input the tests draw: n = 1 and 7, soft targets or not.

    ``case`` (see OPTIONS) gives the options, and may change the inputs; None: the defaults.
    """
    rng = rng_for(info, purpose)
    for n in (1, 7):
        for soft in (False, True):
            inputs = draw(info, rng, n)
            if soft:
                inputs = soften(info, inputs, rng)
            inputs, options = case(inputs, rng) if callable(case) else (inputs, case or {})
            yield f"n={n}, soft={soft}, {options or 'default options'}", named(info, inputs), options


@pytest.mark.parametrize("info", READABLE, ids=[e.name for e in READABLE])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_fast_path_agrees_with_the_readable_form(info, reduction):
    for where, args, _ in _draws(info, "readable"):
        _agree(info, args, reduction, where)


def _agree(info, args, reduction, where, **options):
    """Check that the fast path and the readable form agree on one call; return the fast path's
    ``(value, {arg: gradient})``."""
    value, grad = info.core(**args, reduction=reduction, **options)
    r_value, r_grad = info.readable(**args, reduction=reduction, **options)
    _close(info.name, f"value ({where})", value, r_value)
    fast, slow = as_grads(info, grad), as_grads(info, r_grad)
    for arg in info.grad_wrt:
        _close(info.name, f"gradient wrt {arg} ({where})", fast[arg], slow[arg])
    return value, fast


# --------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------
#
# Each option away from its default, alone and combined, for every reduction: a readable form that
# ignores an option fails here, and each case must change the fast path's result on the drawn
# inputs (else it could not catch that). A case is a dict of options, or a function
# (inputs, rng) -> (inputs, options) where the options need matching inputs (rates for a Poisson
# loss told log_input=False) or the inputs themselves are the case.


def _rates(**options):
    """``options`` (with log_input=False) for the rates of the drawn log-rates."""
    return lambda x, rng: ({**x, "y_pred": np.exp(x["y_pred"])}, options)


def _per_element(name, low=0.25, high=2.0):
    """Weights ``name`` of ``y_pred``'s shape, drawn in [low, high]."""
    return lambda x, rng: (x, {name: rng.uniform(low, high, size=x["y_pred"].shape)})


def _soft_targets(**options):
    return lambda x, rng: ({**x, "y_true": rng.uniform(size=x["y_pred"].shape)}, options)


def _positive_targets(**options):
    """Targets moved off 0 (for a Tweedie power >= 2, which needs y > 0)."""
    return lambda x, rng: ({**x, "y_true": x["y_true"] + 0.1}, options)


def _some_censored(x, rng):
    """Every third time right-censored, the first one included."""
    return x, {"censored": (np.arange(x["y_true"].size) % 3 == 0).reshape(x["y_true"].shape)}


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


# Losses with options that OPTIONS has no cases for yet (to be emptied).
OPTIONS_PENDING: set[str] = set()

CLASS_WEIGHTS = [0.5, 2.0, 1.0, 0.25]  # the samplers of class losses draw 4 classes

OPTIONS = {
    # regression: the options of the point losses
    "huber": [{"delta": 0.3}, {"delta": 4.0}],
    "pseudo_huber": [{"delta": 0.3}, {"delta": 4.0}],
    "quantile": [{"tau": 0.1}, {"tau": 0.9}, {"tau": 0.0}, {"tau": 1.0}],
    "tukey_biweight": [{"c": 1.5}, {"c": 20.0}],
    "charbonnier": [{"eps": 0.7}, {"eps": 5.0}],
    # likelihoods: eps = 0.5 clamps the variances and scales drawn in [0.2, 0.5)
    "gaussian_nll": [{"full": True}, {"eps": 0.5}, {"full": True, "eps": 0.5}],
    "laplace_nll": [{"full": True}, {"eps": 0.5}, {"full": True, "eps": 0.5}],
    "poisson_nll": [{"full": True}, _rates(log_input=False), _rates(log_input=False, full=True, eps=0.5)],
    "von_mises_nll": [{"full": True}],
    "tweedie_deviance": [
        {"power": 0.0},
        {"power": -1.0},
        {"power": 1.0},
        {"power": 1.2},
        _positive_targets(power=2.0),
        _positive_targets(power=3.0),
    ],
    "weibull_nll": [_some_censored],
    # penalties and generative models
    "elastic_net": [{"alpha": 0.3}, {"l1_ratio": 0.0}, {"l1_ratio": 1.0}, {"alpha": 2.5, "l1_ratio": 0.2}],
    "vae_elbo": [{"likelihood": "gaussian"}],
    "gan_discriminator": [
        {"kind": "non_saturating"},
        {"kind": "wasserstein"},
        {"kind": "hinge"},
        {"kind": "least_squares"},
    ],
    "gan_generator": [{"kind": "minimax"}, {"kind": "wasserstein"}, {"kind": "hinge"}, {"kind": "least_squares"}],
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
    "clip_loss": [{"temperature": 1.0}, {"temperature": 0.02}],
    "cosface": [{"scale": 5.0}, {"margin": 0.0}, {"scale": 30.0, "margin": 0.6}],
    "arcface": [{"scale": 5.0}, {"margin": 0.0}, {"scale": 30.0, "margin": 1.2}],
    "generalized_cross_entropy": [{"q": 0.3}, {"q": 1.0}, {"q": 1e-3}],
    "symmetric_cross_entropy": [
        {"alpha": 0.5},
        {"beta": 0.0},
        {"log_zero": -1.5},
        {"alpha": 1.0, "beta": 0.3, "log_zero": -6.0},
    ],
    "dice": [{"smooth": 0.0}, {"smooth": 5.0}, {"squared": True}, {"squared": True, "smooth": 0.0}],
    "soft_jaccard": [{"smooth": 0.0}, {"smooth": 5.0}],
    "ctc": [_ctc_blank_last, _ctc_impossible(zero_infinity=False), _ctc_impossible(zero_infinity=True), _ctc_no_frames],
}

# Option values that give the default's results by definition: compared all the same, but they
# must not change the result.
SAME_AS_DEFAULT = {("gan_discriminator", "kind", "non_saturating")}  # those GANs differ in the generator only

OPTION_CASES = [
    pytest.param(name, case, id=f"{name}-{i}") for name, cases in OPTIONS.items() for i, case in enumerate(cases)
]


def _changes(info, args, reduction, options, baseline):
    """Whether the fast path's value or gradient with ``options`` differs from that with ``baseline``."""
    value, grads = info.core(**args, reduction=reduction, **options)
    base_value, base_grads = info.core(**args, reduction=reduction, **baseline)
    fast, base = as_grads(info, grads), as_grads(info, base_grads)
    return not np.array_equal(value, base_value, equal_nan=True) or any(
        not np.array_equal(fast[a], base[a], equal_nan=True) for a in info.grad_wrt
    )


def _means_the_default(name, key, value):
    return isinstance(value, Hashable) and (name, key, value) in SAME_AS_DEFAULT


def _same_as_default(name, options):
    return bool(options) and all(_means_the_default(name, key, value) for key, value in options.items())


def test_every_loss_with_options_has_option_cases():
    with_options = {e.name for e in ENTRIES if len(inspect.signature(e.loss).parameters) > len(e.args) + 1}
    pending_cases = with_options - set(OPTIONS)
    assert pending_cases <= OPTIONS_PENDING, f"losses with options but no cases in OPTIONS: {sorted(pending_cases)}"


@pytest.mark.parametrize(("name", "case"), OPTION_CASES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_the_readable_form_honours_every_option(name, case, reduction):
    info = losslib.LOSSES[name]
    changed = False
    for where, args, options in _draws(info, "readable options", case):
        _agree(info, args, reduction, where, **options)
        if callable(case) and not options:
            changed = True  # the inputs are the case
        else:
            changed |= _changes(info, args, reduction, options, {})
    if _same_as_default(name, options):
        assert not changed, f"{name} with {options} changes the results, but SAME_AS_DEFAULT lists it"
    else:
        assert changed, f"{name} with {options} gives the default results on every drawn input: a useless case"


def _options_of(info):
    """The keyword options of a loss, besides ``reduction``."""
    params = inspect.signature(info.loss).parameters.values()
    return {p.name for p in params if p.kind is p.KEYWORD_ONLY and p.name not in ("reduction", *info.args)}


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_every_option_of_a_case_matters(name):
    """Every option of the loss is in one of its cases, and each option of a case changes its results.

    Each option of a case is set back to its default in turn: the fast path's value or gradient
    must then change on the drawn inputs (unless SAME_AS_DEFAULT says the value means the
    default), so that a readable form that ignored that option, while honouring the others of
    the case, would fail the comparison above.
    """
    info = losslib.LOSSES[name]
    drawn = set()
    for case in OPTIONS[name]:
        draws = list(_draws(info, "readable options", case))
        options = draws[0][2]
        drawn |= set(options)
        for key, value in options.items():
            # each draw with its own options: a per-element option has the shape of its draw
            changed = any(
                _changes(info, args, "sum", own, {k: v for k, v in own.items() if k != key}) for _, args, own in draws
            )
            if _means_the_default(name, key, value):
                assert not changed, (
                    f"{name}: {key}={value!r} in {options} changes the result, but SAME_AS_DEFAULT lists it"
                )
            else:
                assert changed, f"{name}: {key}={value!r} in {options} changes nothing on the drawn inputs"
    assert drawn == _options_of(info), (
        f"{name}: the cases set {sorted(drawn)}, the loss has {sorted(_options_of(info))}"
    )


# The spread of these likelihoods may be shared by several elements (PyTorch's shapes for var).
SHARED_SPREAD = {"gaussian_nll": "var", "laplace_nll": "scale", "von_mises_nll": "concentration"}


@pytest.mark.parametrize("name", sorted(SHARED_SPREAD))
@pytest.mark.parametrize("shape", [(3,), (1, 4), (3, 1), ()], ids=str)
def test_readable_form_shares_a_spread_as_the_fast_path(name, shape):
    """A spread of shape (N,) (one per row), with a 1 in one axis, or a scalar, for (3, 4) locations."""
    info, spread = losslib.LOSSES[name], SHARED_SPREAD[name]
    rng = rng_for(info, f"readable shared {shape}")
    inputs = {a: v.reshape(3, 4) for a, v in draw(info, rng, 12).items()}
    inputs[spread] = draw(info, rng, max(1, int(np.prod(shape))))[spread].reshape(shape)
    for reduction in REDUCTIONS:
        for options in [{}, *OPTIONS[name]]:
            _agree(
                info,
                named(info, inputs),
                reduction,
                f"{spread} of shape {shape}, {reduction}, {options}",
                **options,
            )
