r"""Listwise ranking losses: the Plackett-Luce negative log-likelihood of a ranking, and ListNet.

Each row is one list (a query's documents, a user's items) of :math:`M` items with one
predicted score each; both losses return one value per row and average over rows.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import numpy.typing as npt

from ._distributions import finish, float_inputs
from ._docstrings import shared_doc
from ._info import Equivalents, register
from ._reduction import reduce_readable
from ._typing import FloatArray, Reduced
from ._validation import as_label_array, check_same_shape
from ._wrappers import gradient
from .special import log_softmax, softmax, softplus

__all__ = ["listnet", "listnet_grad", "plackett_luce_nll", "plackett_luce_nll_grad"]


# --------------------------------------------------------------------------
# Plackett-Luce
# --------------------------------------------------------------------------


def plackett_luce_nll_readable(
    ranking: npt.ArrayLike, scores: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`plackett_luce_nll` and its gradient: one softmax per position.

    .. math::

        \ell = -\sum_{j=1}^{M} \log\frac{e^{s_{\pi_j}}}{\sum_{l \ge j} e^{s_{\pi_l}}}, \qquad
        \frac{\partial\ell}{\partial s_{\pi_m}} = -1 + \sum_{j \le m} \frac{e^{s_{\pi_m}}}{\sum_{l \ge j} e^{s_{\pi_l}}}
    """
    pi, s = np.asarray(ranking), np.asarray(scores, dtype=float)
    ordered = np.exp(np.take_along_axis(s, pi, axis=-1))  # e^{s_pi_j}
    remaining = np.cumsum(ordered[..., ::-1], axis=-1)[..., ::-1]  # sum over l >= j
    loss = -np.sum(np.log(ordered / remaining), axis=-1)
    g_ordered = -1 + ordered * np.cumsum(1 / remaining, axis=-1)
    grad = np.empty_like(s)
    np.put_along_axis(grad, pi, g_ordered, axis=-1)
    return reduce_readable(loss, grad, reduction)


def _check_ranking(ranking: npt.ArrayLike, scores: FloatArray) -> npt.NDArray[np.integer[Any]]:
    pi = as_label_array(ranking, "ranking")
    check_same_shape(scores, "scores", pi, "ranking")
    if pi.ndim == 0:
        raise ValueError("ranking must have shape (N, M): one permutation of 0..M-1 per row, got a scalar")
    m = pi.shape[-1]
    valid = np.all(np.sort(pi, axis=-1) == np.arange(m), axis=-1)
    if not valid.all():
        row = tuple(int(i) for i in np.argwhere(~valid)[0])
        raise ValueError(
            f"each row of ranking must be a permutation of 0..{m - 1} (the items, best first), but row {row} is "
            f"{pi[row].tolist()}; np.argsort(-relevance, axis=-1) gives one"
        )
    return pi


def _plackett_luce_nll(
    ranking: npt.ArrayLike, scores: npt.ArrayLike, *, reduction: str = "mean", value: bool = True, grad: bool = True
) -> tuple[Reduced | None, FloatArray | None]:
    r"""Fast path of the readable form, in the log domain: suffix log-sum-exps by ``np.logaddexp.accumulate``.

    Each position costs :math:`\log(1 + \sum_{l > j} e^{t_l - t_j}) = \operatorname{softplus}(L_{j+1} - t_j)`
    (:math:`L_j = \log\sum_{l \ge j} e^{t_l}`), which keeps the digits of a small loss; the gradient
    :math:`-1 + e^{t_m - L_m} c_m` with :math:`c_m = \sum_{j \le m} e^{L_m - L_j} = 1 + c_{m-1} e^{L_m - L_{m-1}}`
    only takes exponentials of non-positive differences.
    """
    dtype, (s,) = float_inputs(reduction, ("scores", scores), dtype_from=0)
    pi = _check_ranking(ranking, s)
    t = np.take_along_axis(s, pi, axis=-1)  # scores in ranked order
    lse = np.logaddexp.accumulate(t[..., ::-1], axis=-1)[..., ::-1]  # L_j = log sum_{l >= j} e^{t_l}
    values = np.sum(softplus(lse[..., 1:] - t[..., :-1]), axis=-1)
    c = np.ones_like(t)
    for m in range(1, t.shape[-1]):
        c[..., m] += c[..., m - 1] * np.exp(lse[..., m] - lse[..., m - 1])
    g_t = np.exp(t - lse) * c - 1
    g = np.empty_like(s)
    np.put_along_axis(g, pi, g_t, axis=-1)
    return finish(values, [g], dtype, reduction, values.size, None, value, grad)


@shared_doc
def plackett_luce_nll(ranking: npt.ArrayLike, scores: npt.ArrayLike, *, reduction: str = "mean") -> Reduced:
    r"""Plackett-Luce negative log-likelihood of an observed ranking, given one score per item.

    .. math::

        \ell(\pi; s) = -\sum_{j=1}^{M} \Big(s_{\pi_j} - \log\sum_{l=j}^{M} e^{s_{\pi_l}}\Big)

    The Plackett-Luce model (Luce, 1959; Plackett, 1975) draws a ranking by picking the best
    item with probability :math:`\operatorname{softmax}(s)`, then the best of the rest, and so
    on; the loss is the negative log-probability of the observed order (ListMLE). Adding the
    same constant to every score of a row changes nothing.

    Parameters
    ----------
    ranking : array_like of int, shape (N, M)
        Each row a permutation of :math:`0, \dots, M - 1`: the items from best to worst.
    scores : array_like, shape (N, M)
        Predicted scores :math:`s` of the items (any finite reals), in item order. Its floating
        dtype is the dtype of the result.
    {reduction_per_row}

    Raises
    ------
    ValueError
        For a row that is not a permutation, shapes that differ, NaN or ±inf in the scores.
    TypeError
        For a ranking that is not integer.

    Notes
    -----
    The suffix sums are log-sum-exps accumulated from the end (``np.logaddexp.accumulate``), so
    scores of :math:`\pm 10^4` stay finite; the gradient
    :math:`-1 + \sum_{j \le m} \operatorname{softmax}_j(s)_{\pi_m}` is computed in the log domain.
    The loss is convex in the scores. PyTorch has no such loss.

    References
    ----------
    .. [1] Plackett, R. L. (1975). The analysis of permutations. *JRSS C* 24(2), 193-202.
       (plackett1975analysis)
    .. [2] Luce, R. D. (1959). *Individual Choice Behavior*. Wiley. (luce1959individual)

    Examples
    --------
    >>> round(float(plackett_luce_nll([[0, 1, 2]], [[0.0, 0.0, 0.0]])), 12)  # one order of 3! equally likely
    1.791759469228
    """
    return cast(Reduced, _plackett_luce_nll(ranking, scores, reduction=reduction, grad=False)[0])


plackett_luce_nll_grad = gradient(
    plackett_luce_nll,
    _plackett_luce_nll,
    doc=r"""Gradient of :func:`plackett_luce_nll` with respect to ``scores``.

    .. math::

        \frac{\partial\ell}{\partial s_{\pi_m}} = -1 + \sum_{j \le m} \frac{e^{s_{\pi_m}}}{\sum_{l \ge j} e^{s_{\pi_l}}}

    Examples
    --------
    >>> plackett_luce_nll_grad([[1, 0]], [[0.0, 0.0]], reduction="sum")
    array([[ 0.5, -0.5]])
    """,
)


_M = 5


def _sample_plackett_luce(rng: np.random.Generator, n: int) -> dict[str, npt.NDArray[Any]]:
    scores = rng.normal(size=(n, _M))
    return {"ranking": np.argsort(-(scores + rng.gumbel(size=(n, _M))), axis=-1), "scores": scores}


register(
    plackett_luce_nll,
    family="ranking",
    prediction="score",
    target="ranking",
    distribution="Plackett-Luce",
    convex=True,
    differentiable=True,
    robust=None,
    proper=True,
    reference="plackett1975analysis",
    args=("ranking", "scores"),
    grad_wrt=("scores",),
    oracle="closed form",
    sampler=_sample_plackett_luce,
    summary="Plackett-Luce NLL of an observed ranking (ListMLE).",
    equivalents=Equivalents(
        note="None of PyTorch, Keras and optax has the Plackett-Luce (ListMLE) loss.",
    ),
)


# --------------------------------------------------------------------------
# ListNet
# --------------------------------------------------------------------------


def listnet_readable(
    relevance: npt.ArrayLike, scores: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`listnet` and its gradient: a cross-entropy between two softmaxes.

    .. math::

        \ell = -\sum_i \operatorname{softmax}(r)_i \log\operatorname{softmax}(s)_i, \qquad
        \frac{\partial\ell}{\partial s} = \operatorname{softmax}(s) - \operatorname{softmax}(r)
    """
    r, s = np.asarray(relevance, dtype=float), np.asarray(scores, dtype=float)
    target = np.exp(r) / np.sum(np.exp(r), axis=-1, keepdims=True)
    predicted = np.exp(s) / np.sum(np.exp(s), axis=-1, keepdims=True)
    return reduce_readable(-np.sum(target * np.log(predicted), axis=-1), predicted - target, reduction)


def _listnet(
    relevance: npt.ArrayLike, scores: npt.ArrayLike, *, reduction: str = "mean", value: bool = True, grad: bool = True
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of the readable form, with ``log_softmax`` (stable for scores of any size)."""
    dtype, (r, s) = float_inputs(reduction, ("relevance", relevance), ("scores", scores))
    if s.ndim == 0:
        raise ValueError("scores must have shape (N, M): one row of M item scores per list, got a scalar")
    target = softmax(r, axis=-1)
    values = -np.sum(target * log_softmax(s, axis=-1), axis=-1)
    return finish(values, [softmax(s, axis=-1) - target], dtype, reduction, values.size, None, value, grad)


@shared_doc
def listnet(relevance: npt.ArrayLike, scores: npt.ArrayLike, *, reduction: str = "mean") -> Reduced:
    r"""ListNet: the cross-entropy between the top-one probabilities of the relevances and of the scores.

    .. math::

        \ell(r, s) = -\sum_{i=1}^{M} \frac{e^{r_i}}{\sum_j e^{r_j}} \log\frac{e^{s_i}}{\sum_j e^{s_j}}

    Cao et al. (2007) turn each list into a distribution over which item comes first (the
    softmax, the top-one marginal of a Plackett-Luce model) and fit the predicted one to the one
    of the graded relevances. Unlike pairwise RankNet (Burges et al., 2005) it looks at the whole
    list at once.

    Parameters
    ----------
    relevance : array_like, shape (N, M)
        Graded relevance of each item (e.g. 0 to 4), finite.
    scores : array_like, shape (N, M)
        Predicted scores (any finite reals). Its floating dtype is the dtype of the result.
    {reduction_per_row}

    Raises
    ------
    ValueError
        For shapes that differ, NaN or ±inf.

    Notes
    -----
    With every option at its default it is the cross-entropy, not the KL divergence: its
    minimum over the scores, reached at :math:`s = r + c`, is the entropy of
    :math:`\operatorname{softmax}(r)`, not 0. Computed with ``log_softmax``, finite for scores of
    any size; convex in the scores.

    References
    ----------
    .. [1] Cao, Z., Qin, T., Liu, T.-Y., Tsai, M.-F. and Li, H. (2007). Learning to rank: from
       pairwise approach to listwise approach. *ICML*, 129-136. (cao2007learning)
    .. [2] Burges, C. et al. (2005). Learning to rank using gradient descent. *ICML*, 89-96.
       (burges2005learning)

    Examples
    --------
    >>> round(float(listnet([[0.0, 0.0]], [[0.0, 0.0]])), 12)  # the entropy of (1/2, 1/2)
    0.69314718056
    """
    return cast(Reduced, _listnet(relevance, scores, reduction=reduction, grad=False)[0])


listnet_grad = gradient(
    listnet,
    _listnet,
    doc=r"""Gradient of :func:`listnet` with respect to ``scores``: :math:`\operatorname{softmax}(s) - \operatorname{softmax}(r)`.

    Examples
    --------
    >>> listnet_grad([[0.0, 0.0]], [[0.0, 0.0]], reduction="sum")
    array([[0., 0.]])
    """,
)


def _sample_listnet(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {"relevance": rng.integers(0, 5, size=(n, _M)).astype(np.float64), "scores": rng.normal(size=(n, _M))}


register(
    listnet,
    family="ranking",
    prediction="score",
    target="relevance grades",
    distribution=None,
    convex=True,
    differentiable=True,
    robust=None,
    proper=None,
    reference="cao2007learning",
    args=("relevance", "scores"),
    grad_wrt=("scores",),
    oracle="closed form",
    sampler=_sample_listnet,
    summary="ListNet: cross-entropy between softmax(relevance) and softmax(scores).",
    equivalents=Equivalents(
        optax="optax.losses.ranking_softmax_loss(scores, jax.nn.softmax(relevance))",
        note=(
            "optax's `ranking_softmax_loss` takes the target distribution itself as labels: pass the softmax of "
            "the relevances. PyTorch and Keras have no ListNet loss."
        ),
    ),
)
