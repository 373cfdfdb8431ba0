"""losslib: loss functions and their gradients in numpy, exact and numerically stable.

Every loss is ``name(y_true, y_pred, *, reduction="mean", **options)`` and its
gradient with respect to ``y_pred`` is ``name_grad(...)`` with the same arguments
(losses of several inputs, such as ``triplet(anchor, positive, negative)``, name
theirs). :data:`LOSSES` lists them all with their properties and sources, and
:func:`value_and_grad` computes a loss and its gradient in one pass.
"""

from . import (
    classification,
    counts,
    densities,
    embedding,
    generative,
    gradcheck,
    likelihoods,
    margin,
    mixtures,
    multivariate,
    ordinal,
    penalties,
    ranking,
    regression,
    segmentation,
    sequence,
    special,
    survival,
)

# isort: split
# Chapter 8's modules after the others, so that their losses follow the earlier ones of their
# families in the registry (which lists the losses in the order the modules record them).
from . import adaptive, angular_margin, multimodal, noisy_labels
from ._kernels import get_num_threads, set_num_threads
from .adaptive import *  # noqa: F403
from .angular_margin import *  # noqa: F403
from .classification import *  # noqa: F403
from .counts import *  # noqa: F403
from .densities import *  # noqa: F403
from .embedding import *  # noqa: F403
from .generative import *  # noqa: F403
from .gradcheck import *  # noqa: F403
from .likelihoods import *  # noqa: F403
from .margin import *  # noqa: F403
from .mixtures import *  # noqa: F403
from .multimodal import *  # noqa: F403
from .multivariate import *  # noqa: F403
from .noisy_labels import *  # noqa: F403
from .ordinal import *  # noqa: F403
from .penalties import *  # noqa: F403
from .ranking import *  # noqa: F403
from .registry import FAMILIES, LOSSES, ORACLES, Equivalents, LossInfo, markdown_table, select, value_and_grad
from .regression import *  # noqa: F403
from .segmentation import *  # noqa: F403
from .sequence import *  # noqa: F403
from .special import *  # noqa: F403
from .survival import *  # noqa: F403

__version__ = "0.1.0"

__all__ = [
    "FAMILIES",
    "LOSSES",
    "ORACLES",
    "Equivalents",
    "LossInfo",
    "__version__",
    "get_num_threads",
    "markdown_table",
    "select",
    "set_num_threads",
    "value_and_grad",
]
__all__ += adaptive.__all__
__all__ += angular_margin.__all__
__all__ += classification.__all__
__all__ += counts.__all__
__all__ += densities.__all__
__all__ += embedding.__all__
__all__ += generative.__all__
__all__ += gradcheck.__all__
__all__ += likelihoods.__all__
__all__ += margin.__all__
__all__ += mixtures.__all__
__all__ += multimodal.__all__
__all__ += multivariate.__all__
__all__ += noisy_labels.__all__
__all__ += ordinal.__all__
__all__ += penalties.__all__
__all__ += ranking.__all__
__all__ += regression.__all__
__all__ += segmentation.__all__
__all__ += sequence.__all__
__all__ += survival.__all__
__all__ += special.__all__
