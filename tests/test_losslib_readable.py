"""Every loss's readable form (its definition, as the book writes it) against its fast path.

``LossInfo.readable`` is a few lines of plain numpy with the loss's own arguments and results;
``LossInfo.core`` is the optimised path behind ``loss``, ``grad`` and ``value_and_grad``. Here
the readable form is the oracle: on inputs drawn for every entry, with every reduction and
with soft targets where the loss takes them, both agree to ~1e-12 in float64.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import losslib
from conftest import ENTRIES, REDUCTIONS, as_grads, draw, positional, rng_for, soften

# Losses whose readable form is still to be written (#22). The test below keeps this list true;
# it empties as each family moves to the new pattern, and then goes away.
PENDING = {
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "focal",
    "categorical_cross_entropy", "kl_divergence", "hinge", "squared_hinge", "exponential", "multiclass_hinge",
    "contrastive", "triplet", "cosine_embedding", "info_nce", "nt_xent", "dice", "soft_jaccard",
    "ctc",
}  # fmt: skip

READABLE = [e for e in ENTRIES if e.name not in PENDING]
RTOL = ATOL = 1e-12

# Non-default options, each compared like the defaults (every reduction, n = 1 and 7, soft targets).
# Every keyword option of a readable loss appears here, with values that change the result on the
# drawn inputs (both checked below): a readable form that ignored an option would fail.
OPTIONS: dict[str, list[dict[str, Any]]] = {
    "mse": [],
    "mae": [],
    "huber": [{"delta": 0.3}, {"delta": 4.0}],
    "pseudo_huber": [{"delta": 0.3}, {"delta": 4.0}],
    "log_cosh": [],
    "quantile": [{"tau": 0.1}, {"tau": 0.9}, {"tau": 0.0}, {"tau": 1.0}],
    "tukey_biweight": [{"c": 1.5}, {"c": 20.0}],
    "charbonnier": [{"eps": 0.7}, {"eps": 5.0}],
    "msle": [],
    # eps = 0.5 clamps the variances and scales drawn in [0.2, 0.5)
    "gaussian_nll": [{"full": True}, {"eps": 0.5}, {"full": True, "eps": 0.5}],
    "laplace_nll": [{"full": True}, {"eps": 0.5}, {"full": True, "eps": 0.5}],
    "poisson_nll": [{"full": True}, {"log_input": False}, {"log_input": False, "full": True, "eps": 0.5}],
    "von_mises_nll": [{"full": True}],
    "l1_penalty": [],
    "l2_penalty": [],
    "vae_elbo": [{"likelihood": "gaussian"}],
    "gan_discriminator": [{"kind": "non_saturating"}, {"kind": "wasserstein"}, {"kind": "hinge"}],
    "gan_generator": [{"kind": "minimax"}, {"kind": "wasserstein"}, {"kind": "hinge"}],
    "elastic_net": [{"alpha": 0.3}, {"l1_ratio": 0.0}, {"l1_ratio": 1.0}, {"alpha": 2.5, "l1_ratio": 0.2}],
}

# Option values that give the default's results by definition, compared all the same.
SAME_AS_DEFAULT = {("gan_discriminator", "kind", "non_saturating")}  # its GAN differs only in the generator

# Options whose inputs differ from the entry's sampler: name -> (options, inputs) -> inputs.
ADAPT: dict[str, Callable[[dict[str, Any], dict[str, np.ndarray]], dict[str, np.ndarray]]] = {
    # log_input=False takes rates: those of the drawn log-rates
    "poisson_nll": lambda options, inputs: (
        inputs if options.get("log_input", True) else {**inputs, "y_pred": np.exp(inputs["y_pred"])}
    ),
}


def _draws(info, options: dict[str, Any]) -> list[tuple[str, list[np.ndarray]]]:
    """The positional inputs compared with ``options``: n = 1 and 7, hard and soft targets.

    The same draws for every option set of an entry (then adapted to the options, see ADAPT).
    """
    rng = rng_for(info, "readable")
    adapt = ADAPT.get(info.name, lambda options, inputs: inputs)
    out = []
    for n in (1, 7):
        for soft in (False, True):
            inputs = draw(info, rng, n)
            if soft:
                inputs = soften(info, inputs, rng)
            out.append((f"n={n}, soft={soft}", positional(info, adapt(options, inputs))))
    return out


def _options_of(info) -> set[str]:
    """The keyword options of a loss, besides ``reduction``."""
    params = inspect.signature(info.loss).parameters.values()
    return {p.name for p in params if p.kind is p.KEYWORD_ONLY and p.name != "reduction"}


def test_pending_is_true():
    assert {e.name for e in ENTRIES if e.readable is None} == PENDING


@pytest.mark.parametrize("info", READABLE, ids=[e.name for e in READABLE])
def test_readable_form_has_the_loss_signature_and_says_what_it_is(info):
    assert inspect.signature(info.readable) == inspect.signature(info.loss)
    doc = inspect.getdoc(info.readable) or ""
    assert doc.startswith(f"Readable form of :func:`{info.name}`"), doc[:80]


@pytest.mark.parametrize("info", READABLE, ids=[e.name for e in READABLE])
def test_every_option_is_drawn_and_changes_the_result(info):
    """OPTIONS names every option of the loss, and each option in each set matters on the drawn inputs.

    Each option is set back to its default in turn: the fast path's value or gradient must then
    change on the inputs the comparison below draws, or the comparison could not tell a readable
    form that ignores the option from one that does not (except where SAME_AS_DEFAULT says that
    the value means the default).
    """
    assert info.name in OPTIONS, f"{info.name}: give its non-default options in OPTIONS (or [] if it has none)"
    drawn, own = {key for options in OPTIONS[info.name] for key in options}, _options_of(info)
    assert drawn == own, f"{info.name}: OPTIONS draws {sorted(drawn)}, the loss has {sorted(own)}"
    for options in OPTIONS[info.name]:
        for key in options:
            without = {k: v for k, v in options.items() if k != key}
            changed = False
            for _, args in _draws(info, options):
                with_key = info.core(*args, reduction="sum", **options)
                without_key = info.core(*args, reduction="sum", **without)
                fast, slow = as_grads(info, with_key[1]), as_grads(info, without_key[1])
                changed |= not np.array_equal(with_key[0], without_key[0])
                changed |= any(not np.array_equal(fast[a], slow[a]) for a in info.grad_wrt)
            what = f"{info.name}: {key}={options[key]!r} in {options}"
            if (info.name, key, options[key]) in SAME_AS_DEFAULT:
                assert not changed, f"{what} changes the result, but SAME_AS_DEFAULT lists it"
            else:
                assert changed, f"{what} changes nothing on the drawn inputs"


def _close(name, what, fast, readable):
    fast, readable = np.asarray(fast), np.asarray(readable)
    assert fast.shape == readable.shape, f"{name} {what}: shape {fast.shape} against {readable.shape}"
    scale = max(1.0, float(np.max(np.abs(readable), initial=0.0)))
    np.testing.assert_allclose(fast, readable, rtol=RTOL, atol=ATOL * scale, err_msg=f"{name} {what}")


@pytest.mark.parametrize("info", READABLE, ids=[e.name for e in READABLE])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_fast_path_agrees_with_the_readable_form(info, reduction):
    for options in [{}, *OPTIONS.get(info.name, [])]:
        for drawn, args in _draws(info, options):
            value, grad = info.core(*args, reduction=reduction, **options)
            r_value, r_grad = info.readable(*args, reduction=reduction, **options)
            where = f"({drawn}, {options or 'default options'})"
            _close(info.name, f"value {where}", value, r_value)
            fast, slow = as_grads(info, grad), as_grads(info, r_grad)
            for arg in info.grad_wrt:
                _close(info.name, f"gradient wrt {arg} {where}", fast[arg], slow[arg])


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
    args = positional(info, inputs)
    for reduction in REDUCTIONS:
        for options in [{}, *OPTIONS[name]]:
            value, grad = info.core(*args, reduction=reduction, **options)
            r_value, r_grad = info.readable(*args, reduction=reduction, **options)
            where = f"({spread} of shape {shape}, {reduction}, {options})"
            _close(name, f"value {where}", value, r_value)
            for arg, fast, slow in zip(info.grad_wrt, grad, r_grad):
                _close(name, f"gradient wrt {arg} {where}", fast, slow)
