r"""Embedding and metric-learning losses: contrastive, triplet, cosine embedding, InfoNCE / NT-Xent.

These losses compare embeddings with each other instead of a prediction with a target: a pair
should be close or far apart (:func:`contrastive`, :func:`cosine_embedding`), an anchor closer
to its positive than to its negative (:func:`triplet`), a query more similar to its own key than
to every other key of the batch (:func:`info_nce`, :func:`nt_xent`).

Conventions of the module:

- Embeddings are arrays of shape ``(N, D)``, one row of ``D`` numbers per example (the pair
  and triplet losses also take a single example of shape ``(D,)``). The embedding arguments of
  one call must have the same shape: PyTorch broadcasts them, losslib refuses.
- ``reduction="none"`` returns one loss per example (pair, triplet, query or view), ``"mean"``
  averages over the examples.
- Every embedding argument is differentiable, so ``name_grad`` returns a NamedTuple with one
  gradient per embedding argument, each of its argument's shape and dtype. Embeddings of
  different float dtypes are combined in their common dtype.
"""

from __future__ import annotations

# The registry lists the losses in the order their modules are imported: keep this order.
# isort: off
from .contrastive_pairs import *  # noqa: F403
from .triplet_margin import *  # noqa: F403
from .cosine import *  # noqa: F403
from .noise_contrastive import *  # noqa: F403
from .mining import *  # noqa: F403

# isort: on

# The names of the modules' __all__, listed here too so that type checkers see them (mypy does not
# add up __all__ of submodules); tests/test_api_docs.py checks that the two agree.
__all__ = [
    "contrastive",
    "contrastive_grad",
    "cosine_embedding",
    "cosine_embedding_grad",
    "info_nce",
    "info_nce_grad",
    "nt_xent",
    "nt_xent_grad",
    "triplet",
    "triplet_grad",
]
__all__ += ["mine_negatives", "mine_triplets", "pairwise_distances"]  # not losses: after them
