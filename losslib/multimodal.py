r"""Multimodal contrastive loss: CLIP's symmetric InfoNCE between image and text embeddings.

Row :math:`i` of ``image_embeddings`` and row :math:`i` of ``text_embeddings`` describe the same
pair; every other row of the batch is a negative, in both directions. The blocked similarity
cross-entropy of :func:`losslib.info_nce` is reused, so the :math:`N \times N` similarity matrix
is never held in memory, only blocks of its rows.
"""

from __future__ import annotations

from typing import NamedTuple, cast

import numpy as np
import numpy.typing as npt

from ._docstrings import shared_doc
from ._info import Equivalents, register
from ._reduction import grad_scale, reduce, reduce_readable
from ._typing import FloatArray, Reduced
from ._validation import check_positive_scalar, check_reduction, option_in_dtype
from ._wrappers import gradient
from .embedding._rows import _embeddings, _normalize, _normalize_backward_inplace, _similarity_cross_entropy
from .special import log_softmax, softmax

__all__ = ["clip_loss", "clip_loss_grad"]

_D = 3  # embedding dimension of the sampler


class ClipLossGrad(NamedTuple):
    """Gradients of :func:`clip_loss` with respect to the image and the text embeddings."""

    image_embeddings: FloatArray
    text_embeddings: FloatArray


def clip_loss_readable(
    image_embeddings: npt.ArrayLike,
    text_embeddings: npt.ArrayLike,
    *,
    temperature: float = 0.07,
    reduction: str = "mean",
) -> tuple[Reduced, ClipLossGrad]:
    r"""Readable form of :func:`clip_loss` and :func:`clip_loss_grad`, as the book writes them.

    With the normalised rows :math:`\hat u_i`, :math:`\hat v_j` and :math:`s = \hat U \hat V^\top / \tau`,

    .. math::

        \ell_i = \tfrac12\big(-\log\operatorname{softmax}(s_{i\cdot})_i - \log\operatorname{softmax}(s_{\cdot i})_i\big),
        \qquad \frac{\partial\sum_i \ell_i}{\partial s} = \tfrac12\big(\operatorname{softmax}_{\text{rows}}(s)
            + \operatorname{softmax}_{\text{columns}}(s) - 2I\big)

    then :math:`\partial/\partial\hat U = G\hat V`, :math:`\partial/\partial\hat V = G^\top\hat U` with
    :math:`G` the above over :math:`\tau`, and through the normalisation
    :math:`(g - \hat u(\hat u \cdot g))/\|u\|` as in :func:`losslib.info_nce`.
    """
    u, v = np.asarray(image_embeddings), np.asarray(text_embeddings)
    u_len, v_len = np.linalg.norm(u, axis=-1, keepdims=True), np.linalg.norm(v, axis=-1, keepdims=True)
    u_hat, v_hat = u / u_len, v / v_len
    s = u_hat @ v_hat.T / temperature
    rows = np.arange(len(s))
    loss = -0.5 * (log_softmax(s, axis=1)[rows, rows] + log_softmax(s, axis=0)[rows, rows])
    g_s = 0.5 * (softmax(s, axis=1) + softmax(s, axis=0) - 2 * np.eye(len(s))) / temperature
    g_u, g_v = g_s @ v_hat, g_s.T @ u_hat
    g_u = (g_u - u_hat * np.sum(g_u * u_hat, axis=-1, keepdims=True)) / u_len
    g_v = (g_v - v_hat * np.sum(g_v * v_hat, axis=-1, keepdims=True)) / v_len
    return reduce_readable(loss, ClipLossGrad(g_u, g_v), reduction)


def _clip_loss(
    image_embeddings: npt.ArrayLike,
    text_embeddings: npt.ArrayLike,
    *,
    temperature: float = 0.07,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, ClipLossGrad | None]:
    """Fast path of the readable form: image->text by blocks of image rows, text->image by blocks of
    text rows (each a pass of InfoNCE's blocked cross-entropy), never the whole similarity matrix."""
    check_reduction(reduction)
    tau = check_positive_scalar(temperature, "temperature")
    (u, v), dtypes = _embeddings(
        {"image_embeddings": image_embeddings, "text_embeddings": text_embeddings}, single=False
    )
    option_in_dtype(tau, "temperature", u.dtype, "image_embeddings", reciprocal=True)
    u_hat, u_norm, u_div = _normalize(u)
    v_hat, v_norm, v_div = _normalize(v)
    n = u.shape[0]
    scale = 0.5 * grad_scale(reduction, n) / tau
    pairs = np.arange(n)
    with np.errstate(over="ignore"):
        to_text, g1 = _similarity_cross_entropy(u_hat, v_hat, pairs, tau, scale, grad)
        to_image, g2 = _similarity_cross_entropy(v_hat, u_hat, pairs, tau, scale, grad)
    out_v: Reduced | None = None
    out_g: ClipLossGrad | None = None
    if value:
        half = u.dtype.type(0.5)
        out_v = reduce(half * (to_text + to_image), reduction)
    if g1 is not None and g2 is not None:
        # each input is the left side of one pass and the right side of the other
        g_u = _normalize_backward_inplace(g1[0] + g2[1], u_hat, u_norm, u_div, g1[2])
        g_v = _normalize_backward_inplace(g1[1] + g2[0], v_hat, v_norm, v_div, g2[2])
        out_g = ClipLossGrad(g_u.astype(dtypes[0], copy=False), g_v.astype(dtypes[1], copy=False))
    return out_v, out_g


@shared_doc
def clip_loss(
    image_embeddings: npt.ArrayLike,
    text_embeddings: npt.ArrayLike,
    *,
    temperature: float = 0.07,
    reduction: str = "mean",
) -> Reduced:
    r"""CLIP's contrastive loss: InfoNCE from images to texts and from texts to images, averaged.

    With L2-normalised rows :math:`\hat u_i = u_i/\|u_i\|` (images) and :math:`\hat v_j = v_j/\|v_j\|`
    (texts), and the similarities :math:`s_{ij} = \hat u_i \cdot \hat v_j / \tau`,

    .. math::

        \ell_i = \frac12\Big(-\log\frac{e^{s_{ii}}}{\sum_j e^{s_{ij}}}
                             -\log\frac{e^{s_{ii}}}{\sum_j e^{s_{ji}}}\Big)

    so the mean over :math:`i` is the mean of the image→text and text→image cross-entropies of
    the similarity matrix with the labels :math:`0, \dots, N-1` (Radford et al., 2021).

    Parameters
    ----------
    image_embeddings : array_like, shape ``(N, D)``
        One image embedding per row (finite: ±inf is refused, as in ``text_embeddings``).
    text_embeddings : array_like, shape ``(N, D)``
        Row :math:`i` is the caption of image :math:`i`.
    temperature : float > 0
        :math:`\tau`, which divides the cosine similarities (default 0.07, CLIP's initial value;
        CLIP learns :math:`\log(1/\tau)`).
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns :math:`\ell_i`, one per pair, shape ``(N,)``; ``"mean"`` averages them.

    {returns}

    Raises
    ------
    ValueError
        For shapes that are not ``(N, D)`` or differ, NaN or ±inf, a temperature that is not > 0.

    Notes
    -----
    Each direction is the blocked, stable cross-entropy of :func:`losslib.info_nce` (log-sum-exp
    shifted by the row maximum, a loss near 0 by ``log1p``), so its memory is a few blocks of
    rows, not :math:`N^2` numbers, and temperatures down to 1e-3 stay finite in float32. Rows are
    divided by :math:`\max(\|x\|, 10^{-12})` as in ``F.normalize``: a zero vector has
    similarities 0, not NaN. With :math:`\tau` the same, ``clip_loss(u, v)`` equals
    ``(info_nce(u, v, reduction="none") + info_nce(v, u, reduction="none")) / 2`` pair by pair.
    The equivalent PyTorch code is ``(F.cross_entropy(s, arange(N)) + F.cross_entropy(s.T,
    arange(N))) / 2`` with ``s = F.normalize(u) @ F.normalize(v).T / temperature``. Not convex;
    differentiable wherever no embedding is zero.

    References
    ----------
    .. [1] Radford, A. et al. (2021). Learning transferable visual models from natural language
       supervision. *ICML*, PMLR 139, 8748-8763. (radford2021learning)

    Examples
    --------
    >>> round(float(clip_loss([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 2.0]], temperature=1.0)), 6)
    0.313262
    """
    return cast(
        Reduced,
        _clip_loss(image_embeddings, text_embeddings, temperature=temperature, reduction=reduction, grad=False)[0],
    )


clip_loss_grad = gradient(
    clip_loss,
    _clip_loss,
    doc=r"""Gradients of :func:`clip_loss` with respect to the image and the text embeddings.

    With :math:`P_r` and :math:`P_c` the row-wise and column-wise softmax of the similarities and
    :math:`G = (P_r + P_c - 2I)/(2\tau)`, :math:`\partial\ell/\partial\hat U = G\hat V` and
    :math:`\partial\ell/\partial\hat V = G^\top\hat U`; each row then goes through the normalisation
    (the gradient is orthogonal to its embedding).

    Examples
    --------
    >>> g = clip_loss_grad([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], temperature=1.0, reduction="sum")
    >>> g.image_embeddings.round(6)
    array([[0.      , 0.268941],
           [0.268941, 0.      ]])
    """,
)


def _sample(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    images = rng.normal(size=(n, _D))
    return {"image_embeddings": images, "text_embeddings": images + 0.7 * rng.normal(size=(n, _D))}


register(
    clip_loss,
    family="embedding",
    prediction="embedding",
    target="none",
    distribution=None,
    convex=False,
    differentiable=True,
    robust=None,
    proper=None,
    reference="radford2021learning",
    summary="CLIP: InfoNCE image->text and text->image over cosine similarities, averaged.",
    args=("image_embeddings", "text_embeddings"),
    grad_wrt=("image_embeddings", "text_embeddings"),
    oracle="torch",
    sampler=_sample,
    equivalents=Equivalents(
        note=(
            "None of PyTorch, Keras and optax has CLIP's loss; in PyTorch it is the mean of `F.cross_entropy` of "
            "the similarity matrix and of its transpose."
        ),
    ),
)
