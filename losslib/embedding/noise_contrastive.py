r"""InfoNCE and NT-Xent (SimCLR): noise-contrastive losses, a cross-entropy over the similarities
of each query to every key of the batch, with a temperature.
"""

from __future__ import annotations

from typing import NamedTuple, cast

import numpy as np
import numpy.typing as npt

from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import grad_scale, reduce, reduce_readable
from .._typing import Reduced
from .._validation import (
    check_positive_scalar,
    check_reduction,
    option_in_dtype,
)
from .._wrappers import gradient
from ..special import log_softmax, softmax
from ._rows import (
    _embeddings,
    _normalize,
    _normalize_backward,
    _normalize_backward_inplace,
    _row_cross_entropy,
    _similarity_cross_entropy,
    _two_views,
)

__all__ = [
    "info_nce",
    "info_nce_grad",
    "nt_xent",
    "nt_xent_grad",
]


class NTXentGrad(NamedTuple):
    """Gradients of :func:`nt_xent` with respect to the two views."""

    z1: np.ndarray
    z2: np.ndarray


class InfoNCEGrad(NamedTuple):
    """Gradients of :func:`info_nce` with respect to the queries and the keys."""

    queries: np.ndarray
    keys: np.ndarray


# --------------------------------------------------------------------------
# InfoNCE
# --------------------------------------------------------------------------


def info_nce_readable(
    queries: npt.ArrayLike, keys: npt.ArrayLike, *, temperature: float = 0.1, reduction: str = "mean"
) -> tuple[Reduced, InfoNCEGrad]:
    r"""Readable form of :func:`info_nce` and :func:`info_nce_grad`: the definition, as chapter 4 writes it.

    With the normalised rows :math:`\hat q_i = q_i / \|q_i\|`, :math:`\hat k_j = k_j / \|k_j\|` and
    the similarities :math:`s_{ij} = \hat q_i \cdot \hat k_j / \tau`,

    .. math::

        \ell_i = -\log \operatorname{softmax}(s_{i\cdot})_i, \qquad
        \frac{\partial \sum_i \ell_i}{\partial s} = \operatorname{softmax}(s) - I

    row by row; then :math:`\partial / \partial \hat Q = G \hat K` and :math:`\partial / \partial
    \hat K = G^\top \hat Q` with :math:`G = (\operatorname{softmax}(s) - I) / \tau`, and through the
    normalisation a row's gradient :math:`g` becomes :math:`(g - \hat q\,(\hat q \cdot g)) / \|q\|`
    (its radial part drops out). The log-softmax is :func:`losslib.special.log_softmax`, shifted by
    the row maximum, so small temperatures cannot overflow. A zero vector has no direction and no
    cosine: the fast path divides it by :math:`10^{-12}`, as ``F.normalize`` does (similarities 0).

    Returns ``(value, gradients)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_info_nce`` is tested against it.
    """
    q, k = np.asarray(queries), np.asarray(keys)
    q_len, k_len = np.linalg.norm(q, axis=-1, keepdims=True), np.linalg.norm(k, axis=-1, keepdims=True)
    q_hat, k_hat = q / q_len, k / k_len
    s = q_hat @ k_hat.T / temperature
    rows = np.arange(len(s))
    loss = -log_softmax(s)[rows, rows]  # key i is the positive of query i
    g_s = (softmax(s) - np.eye(len(s))) / temperature
    g_q, g_k = g_s @ k_hat, g_s.T @ q_hat  # with respect to q_hat and k_hat
    g_q = (g_q - q_hat * np.sum(g_q * q_hat, axis=-1, keepdims=True)) / q_len
    g_k = (g_k - k_hat * np.sum(g_k * k_hat, axis=-1, keepdims=True)) / k_len
    return reduce_readable(loss, InfoNCEGrad(g_q, g_k), reduction)


def _info_nce(
    queries: npt.ArrayLike,
    keys: npt.ArrayLike,
    *,
    temperature: float = 0.1,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, InfoNCEGrad | None]:
    """Fast path of :func:`info_nce_readable`: value and/or gradient by blocks of queries, sharing the
    similarities and their softmax."""
    check_reduction(reduction)
    tau = check_positive_scalar(temperature, "temperature")
    (q, k), dtypes = _embeddings({"queries": queries, "keys": keys}, single=False)
    option_in_dtype(tau, "temperature", q.dtype, "queries", reciprocal=True)
    q_hat, q_norm, q_div = _normalize(q)
    k_hat, k_norm, k_div = _normalize(k)
    scale = grad_scale(reduction, q.shape[0]) / tau
    with np.errstate(over="ignore"):
        per_query, grads = _similarity_cross_entropy(q_hat, k_hat, np.arange(q.shape[0]), tau, scale, grad)
    v: Reduced | None = None
    g: InfoNCEGrad | None = None
    if value:
        v = reduce(per_query, reduction)
    if grads is not None:
        g_q, g_k, tmp = grads
        g_q = _normalize_backward_inplace(g_q, q_hat, q_norm, q_div, tmp)
        g_k = _normalize_backward_inplace(g_k, k_hat, k_norm, k_div, tmp)
        g = InfoNCEGrad(g_q.astype(dtypes[0], copy=False), g_k.astype(dtypes[1], copy=False))
    return v, g


@shared_doc
def info_nce(
    queries: npt.ArrayLike, keys: npt.ArrayLike, *, temperature: float = 0.1, reduction: str = "mean"
) -> Reduced:
    r"""InfoNCE: each query should pick out its own key among all the keys of the batch.

    With L2-normalised rows :math:`\hat q_i = q_i / \|q_i\|` and :math:`\hat k_j = k_j / \|k_j\|`
    and the temperature :math:`\tau`,

    .. math::

        \ell_i = -\log \frac{\exp(\hat q_i \cdot \hat k_i / \tau)}{\sum_{j=1}^{N} \exp(\hat q_i \cdot \hat k_j / \tau)}

    the cross-entropy of row :math:`i` of the cosine-similarity matrix with label :math:`i`:
    key :math:`i` is the positive of query :math:`i`, the other keys of the batch its negatives.

    Parameters
    ----------
    queries : array_like, shape ``(N, D)``
        One query embedding per row (finite: ±inf is refused, as in ``keys``).
    keys : array_like, shape ``(N, D)``
        Row :math:`i` is the positive key of query :math:`i`.
    temperature : float > 0
        Divides the cosine similarities; small values sharpen the softmax.
    {reduction_per_query}

    Notes
    -----
    Equals ``F.cross_entropy(F.normalize(q) @ F.normalize(k).T / temperature, torch.arange(N))``
    (PyTorch has no InfoNCE of its own). Rows are divided by :math:`\max(\|x\|, 10^{-12})` as in
    ``F.normalize``, so zero vectors give similarities 0 instead of NaN. The log-softmax is
    shifted by the row maximum and the loss near 0 is computed with ``log1p``, so temperatures
    down to 1e-3 give finite values and gradients in float32, and a loss of 1e-30 keeps its
    digits where PyTorch returns 0.

    The loss is invariant to rescaling any row, bounded, not convex, and differentiable wherever
    no embedding is zero (the domain of the cosine). The bound :math:`\log N - \ell` on the
    mutual information is the motivation of van den Oord et al. (2018), who score pairs with a
    log-bilinear model; cosine similarities with a temperature are the form of later work
    (e.g. SimCLR, :func:`nt_xent`). It is a categorical negative log-likelihood over the keys,
    not of a distribution of a target, so ``distribution`` is None in the registry.

    References
    ----------
    .. [1] van den Oord, A., Li, Y. and Vinyals, O. (2018). Representation learning with
       contrastive predictive coding. arXiv:1807.03748. (oord2018representation)

    Examples
    --------
    >>> round(float(info_nce([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 2.0]], temperature=1.0)), 6)
    0.313262
    """
    return cast(Reduced, _info_nce(queries, keys, temperature=temperature, reduction=reduction, grad=False)[0])


info_nce_grad = gradient(
    info_nce,
    _info_nce,
    doc=r"""Gradients of :func:`info_nce` with respect to the queries and the keys.

    With :math:`P` the row-wise softmax of the similarities and :math:`G = (P - I)/\tau`,
    :math:`\partial\ell/\partial\hat Q = G\hat K` and :math:`\partial\ell/\partial\hat K = G^\top\hat Q`;
    each row then goes through the normalisation,
    :math:`\partial\ell/\partial q = (g - \hat q(\hat q\cdot g))/\|q\|`: the gradient is
    orthogonal to its embedding.

    Examples
    --------
    >>> g = info_nce_grad([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], temperature=1.0, reduction="sum")
    >>> g.queries.round(6)
    array([[0.      , 0.268941],
           [0.268941, 0.      ]])
    """,
)


register(
    info_nce,
    family="embedding",
    prediction="embedding",
    target="none",
    distribution=None,
    convex=False,
    differentiable=True,
    robust=None,
    proper=None,
    reference="oord2018representation",
    summary="Softmax over cosine similarities: each query picks its own key.",
    args=("queries", "keys"),
    grad_wrt=("queries", "keys"),
    oracle="torch",
    sampler=_two_views("queries", "keys"),
    equivalents=Equivalents(
        note=(
            "None of PyTorch, Keras and optax has InfoNCE; in PyTorch it is `F.cross_entropy(F.normalize(q) @ "
            "F.normalize(k).T / temperature, torch.arange(N))`."
        ),
    ),
)


# --------------------------------------------------------------------------
# NT-Xent (SimCLR)
# --------------------------------------------------------------------------


def nt_xent_readable(
    z1: npt.ArrayLike, z2: npt.ArrayLike, *, temperature: float = 0.5, reduction: str = "mean"
) -> tuple[Reduced, NTXentGrad]:
    r"""Readable form of :func:`nt_xent` and :func:`nt_xent_grad`: the definition, as chapter 4 writes it.

    The :math:`2N` views :math:`\hat z_a` (``z1`` then ``z2``, normalised), their similarities
    :math:`s_{ab} = \hat z_a \cdot \hat z_b / \tau` with :math:`s_{aa} = -\infty` (a view is not its
    own negative), and :math:`\pi(a)` the other view of the same example:

    .. math::

        \ell_a = -\log \operatorname{softmax}(s_{a\cdot})_{\pi(a)}, \qquad
        \frac{\partial \sum_a \ell_a}{\partial \hat Z} = (G + G^\top) \hat Z, \quad
        G = \big(\operatorname{softmax}(s) - P_\pi\big) / \tau

    (:math:`P_\pi` the permutation matrix of :math:`\pi`, :math:`s` symmetric), then through the
    normalisation, as in :func:`info_nce_readable`. :func:`losslib.special.log_softmax` shifts by the
    row maximum and takes :math:`e^{-\infty} = 0`. A zero vector has no cosine: the fast path
    divides it by :math:`10^{-12}`, as ``F.normalize`` does.

    Returns ``(value, gradients)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_nt_xent`` is tested against it.
    """
    z = np.concatenate([np.asarray(z1), np.asarray(z2)])
    n = len(z) // 2
    z_len = np.linalg.norm(z, axis=-1, keepdims=True)
    z_hat = z / z_len
    s = z_hat @ z_hat.T / temperature
    np.fill_diagonal(s, -np.inf)
    other = (np.arange(2 * n) + n) % (2 * n)  # view i of z1 and view i of z2 are each other's positive
    loss = -log_softmax(s)[np.arange(2 * n), other]
    g_s = (softmax(s) - np.eye(2 * n)[other]) / temperature
    g = (g_s + g_s.T) @ z_hat  # with respect to z_hat
    g = (g - z_hat * np.sum(g * z_hat, axis=-1, keepdims=True)) / z_len
    return reduce_readable(loss, NTXentGrad(g[:n], g[n:]), reduction)


def _nt_xent(
    z1: npt.ArrayLike,
    z2: npt.ArrayLike,
    *,
    temperature: float = 0.5,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, NTXentGrad | None]:
    """Fast path of :func:`nt_xent_readable`: value and/or gradient, sharing the similarities and their
    softmax."""
    check_reduction(reduction)
    tau = check_positive_scalar(temperature, "temperature")
    (a, b), dtypes = _embeddings({"z1": z1, "z2": z2}, single=False)
    option_in_dtype(tau, "temperature", a.dtype, "z1", reciprocal=True)
    t = a.dtype.type
    n = a.shape[0]
    z_hat, z_norm, z_div = _normalize(np.concatenate([a, b]))
    logits = (z_hat @ z_hat.T) / t(tau)
    np.fill_diagonal(logits, -np.inf)  # a view is not its own negative
    per_view, g_logits = _row_cross_entropy(logits, (np.arange(2 * n) + n) % (2 * n), grad)
    v: Reduced | None = None
    g: NTXentGrad | None = None
    if value:
        v = reduce(per_view, reduction)
    if g_logits is not None:
        g_logits = g_logits * t(grad_scale(reduction, 2 * n) / tau)
        g_z = _normalize_backward((g_logits + g_logits.T) @ z_hat, z_hat, z_norm, z_div)
        g = NTXentGrad(g_z[:n].astype(dtypes[0], copy=False), g_z[n:].astype(dtypes[1], copy=False))
    return v, g


def nt_xent(z1: npt.ArrayLike, z2: npt.ArrayLike, *, temperature: float = 0.5, reduction: str = "mean") -> Reduced:
    r"""NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR.

    The :math:`2N` rows of :math:`z_1` and :math:`z_2` are two views of :math:`N` examples. With
    :math:`\hat z_a` the L2-normalised views and :math:`s_{ab} = \hat z_a \cdot \hat z_b / \tau`,

    .. math::

        \ell_a = -\log \frac{\exp(s_{a,\pi(a)})}{\sum_{b \ne a} \exp(s_{ab})}

    where :math:`\pi(a)` is the other view of the same example (view :math:`i` of ``z1`` and
    view :math:`i` of ``z2``): every other view of the batch is a negative, and a view is never
    compared with itself.

    Parameters
    ----------
    z1, z2 : array_like, shape ``(N, D)``
        The embeddings of the two views; row :math:`i` of each comes from example :math:`i`
        (finite: ±inf is refused).
    temperature : float > 0
        Divides the cosine similarities.
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns the :math:`2N` losses, those of the rows of ``z1`` first, then of
        ``z2``; ``"mean"`` averages over the :math:`2N` views.

    Returns
    -------
    float or ndarray
        A scalar, or shape ``(2N,)`` for ``"none"``.

    Notes
    -----
    Equals ``F.cross_entropy(s, labels)`` with ``s`` the similarity matrix of
    ``F.normalize(torch.cat([z1, z2]))`` divided by the temperature, its diagonal filled with
    ``-inf``, and ``labels = (arange(2N) + N) % 2N`` (PyTorch has no NT-Xent of its own). As in
    :func:`info_nce`, zero vectors are divided by :math:`10^{-12}` (no NaN) and the softmax is
    stable for temperatures down to 1e-3 in float32. With :math:`N = 1` each view has no
    negative and the loss is 0.

    The loss is invariant to rescaling any row, not convex, and differentiable wherever no
    embedding is zero.

    References
    ----------
    .. [1] Chen, T., Kornblith, S., Norouzi, M. and Hinton, G. (2020). A simple framework for
       contrastive learning of visual representations. *ICML*, PMLR 119, 1597-1607. (chen2020simple)

    Examples
    --------
    >>> round(float(nt_xent([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]])), 6)
    0.239545
    """
    return cast(Reduced, _nt_xent(z1, z2, temperature=temperature, reduction=reduction, grad=False)[0])


nt_xent_grad = gradient(
    nt_xent,
    _nt_xent,
    doc=r"""Gradients of :func:`nt_xent` with respect to the two views ``z1`` and ``z2``.

    With :math:`G` the derivative of the losses with respect to the similarity matrix (the
    masked softmax minus the positives, over :math:`\tau`), :math:`\partial\ell/\partial\hat Z = (G + G^\top)\hat Z`,
    then each row goes through the normalisation.

    Examples
    --------
    >>> g = nt_xent_grad([[1.0, 0.0]], [[0.0, 1.0]])  # one example: no negatives, loss 0
    >>> g.z1, g.z2
    (array([[0., 0.]]), array([[0., 0.]]))
    """,
)


register(
    nt_xent,
    family="embedding",
    prediction="embedding",
    target="none",
    distribution=None,
    convex=False,
    differentiable=True,
    robust=None,
    proper=None,
    reference="chen2020simple",
    summary="SimCLR: each of 2N views picks its other view among all views.",
    args=("z1", "z2"),
    grad_wrt=("z1", "z2"),
    oracle="torch",
    sampler=_two_views("z1", "z2"),
    equivalents=Equivalents(
        optax="optax.losses.ntxent(jnp.concatenate([z1, z2]), jnp.concatenate([jnp.arange(len(z1))] * 2), temperature)",
        note=(
            "optax takes the 2N views stacked with a label per view (the two views of an example share it). "
            "PyTorch and Keras have no NT-Xent."
        ),
    ),
)
