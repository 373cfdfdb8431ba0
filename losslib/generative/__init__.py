r"""Losses of generative models: the VAE's negative evidence lower bound and the GAN losses.

These losses take several model outputs at once, so they are not ``(y_true, y_pred)``
functions: ``vae_elbo(x, x_recon, mu, logvar)``, ``gan_discriminator(real_scores,
fake_scores)`` and ``gan_generator(fake_scores)``. Each returns its gradient with respect to
every model output it takes (a NamedTuple when there are several).
"""

from __future__ import annotations

# The registry lists the losses in the order their modules are imported: keep this order.
# isort: off
from .vae import *  # noqa: F403
from .gan import *  # noqa: F403

# isort: on
# the gradients' NamedTuples, as losslib.generative.VaeElboGrad before the split
from .gan import GanDiscriminatorGrad as GanDiscriminatorGrad
from .vae import VaeElboGrad as VaeElboGrad

# The names of the modules' __all__, listed here too so that type checkers see them (mypy does not
# add up __all__ of submodules); tests/test_api_docs.py checks that the two agree.
__all__ = [
    "gan_discriminator",
    "gan_discriminator_grad",
    "gan_generator",
    "gan_generator_grad",
    "vae_elbo",
    "vae_elbo_grad",
]
