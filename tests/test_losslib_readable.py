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

from conftest import ENTRIES, REDUCTIONS, as_grads, draw, positional, rng_for, soften

# Losses whose readable form is still to be written (#22). The test below keeps this list true;
# it empties as each family moves to the new pattern, and then goes away.
PENDING = {
    "gaussian_nll", "laplace_nll", "poisson_nll", "von_mises_nll",
    "mse", "mae", "pseudo_huber", "log_cosh", "quantile", "tukey_biweight", "charbonnier", "msle",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "focal",
    "categorical_cross_entropy", "kl_divergence", "hinge", "squared_hinge", "exponential", "multiclass_hinge",
    "contrastive", "triplet", "cosine_embedding", "info_nce", "nt_xent", "dice", "soft_jaccard",
    "vae_elbo", "gan_discriminator", "gan_generator", "ctc", "l1_penalty", "l2_penalty", "elastic_net",
}  # fmt: skip

READABLE = [e for e in ENTRIES if e.name not in PENDING]
RTOL = ATOL = 1e-12


def test_pending_is_true():
    assert {e.name for e in ENTRIES if e.readable is None} == PENDING


@pytest.mark.parametrize("info", READABLE, ids=[e.name for e in READABLE])
def test_readable_form_has_the_loss_signature_and_says_what_it_is(info):
    assert inspect.signature(info.readable) == inspect.signature(info.loss)
    doc = inspect.getdoc(info.readable) or ""
    assert doc.startswith(f"Readable form of :func:`{info.name}`"), doc[:80]


def _close(name, what, fast, readable):
    fast, readable = np.asarray(fast), np.asarray(readable)
    assert fast.shape == readable.shape, f"{name} {what}: shape {fast.shape} against {readable.shape}"
    scale = max(1.0, float(np.max(np.abs(readable), initial=0.0)))
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
            args = positional(info, inputs)
            value, grad = info.core(*args, reduction=reduction)
            r_value, r_grad = info.readable(*args, reduction=reduction)
            _close(info.name, f"value (n={n}, soft={soft})", value, r_value)
            fast, slow = as_grads(info, grad), as_grads(info, r_grad)
            for arg in info.grad_wrt:
                _close(info.name, f"gradient wrt {arg} (n={n}, soft={soft})", fast[arg], slow[arg])
