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
from conftest import ENTRIES, REDUCTIONS, as_grads, draw, positional, rng_for, soften

# Losses whose readable form is still to be written (#22). The test below keeps this list true;
# it empties as each family moves to the new pattern, and then goes away.
PENDING = {
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "focal",
    "categorical_cross_entropy", "kl_divergence", "hinge", "squared_hinge", "exponential", "multiclass_hinge",
    "contrastive", "triplet", "cosine_embedding", "info_nce", "nt_xent", "dice", "soft_jaccard", "ctc",
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


def _draws(info, purpose, case=None):
    """``(where, args, options)`` for each input the tests draw: n = 1 and 7, soft targets or not.

    ``case`` (see OPTIONS) gives the options, and may change the inputs; None: the defaults.
    """
    rng = rng_for(info, purpose)
    for n in (1, 7):
        for soft in (False, True):
            inputs = draw(info, rng, n)
            if soft:
                inputs = soften(info, inputs, rng)
            inputs, options = case(inputs, rng) if callable(case) else (inputs, case or {})
            yield f"n={n}, soft={soft}, {options or 'default options'}", positional(info, inputs), options


@pytest.mark.parametrize("info", READABLE, ids=[e.name for e in READABLE])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_fast_path_agrees_with_the_readable_form(info, reduction):
    for where, args, _ in _draws(info, "readable"):
        _agree(info, args, reduction, where)


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


# Losses with options that OPTIONS has no cases for yet (to be emptied, as PENDING).
OPTIONS_PENDING: set[str] = set()

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
    # penalties and generative models
    "elastic_net": [{"alpha": 0.3}, {"l1_ratio": 0.0}, {"l1_ratio": 1.0}, {"alpha": 2.5, "l1_ratio": 0.2}],
    "vae_elbo": [{"likelihood": "gaussian"}],
    "gan_discriminator": [{"kind": "non_saturating"}, {"kind": "wasserstein"}, {"kind": "hinge"}],
    "gan_generator": [{"kind": "minimax"}, {"kind": "wasserstein"}, {"kind": "hinge"}],
}

# Option values that give the default's results by definition: compared all the same, but they
# must not change the result.
SAME_AS_DEFAULT = {("gan_discriminator", "kind", "non_saturating")}  # those GANs differ in the generator only

OPTION_CASES = [
    pytest.param(name, case, id=f"{name}-{i}") for name, cases in OPTIONS.items() for i, case in enumerate(cases)
]


def _changes(info, args, reduction, options, baseline):
    """Whether the fast path's value or gradient with ``options`` differs from that with ``baseline``."""
    value, grads = info.core(*args, reduction=reduction, **options)
    base_value, base_grads = info.core(*args, reduction=reduction, **baseline)
    fast, base = as_grads(info, grads), as_grads(info, base_grads)
    return not np.array_equal(value, base_value, equal_nan=True) or any(
        not np.array_equal(fast[a], base[a], equal_nan=True) for a in info.grad_wrt
    )


def _means_the_default(name, key, value):
    return isinstance(value, Hashable) and (name, key, value) in SAME_AS_DEFAULT


def _same_as_default(name, options):
    return bool(options) and all(_means_the_default(name, key, value) for key, value in options.items())


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
    return {p.name for p in params if p.kind is p.KEYWORD_ONLY and p.name != "reduction"}


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
            without = {k: v for k, v in options.items() if k != key}
            changed = any(_changes(info, args, "sum", options, without) for _, args, _ in draws)
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
                positional(info, inputs),
                reduction,
                f"{spread} of shape {shape}, {reduction}, {options}",
                **options,
            )
