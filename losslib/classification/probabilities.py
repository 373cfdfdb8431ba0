r"""Losses between probability vectors (a target distribution and predicted probabilities), row by row: categorical
cross-entropy and the Kullback-Leibler divergence.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeAlias, cast

import numpy as np
import numpy.typing as npt

from .. import _kernels
from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import divisor, grad_scale, reduce, reduce_readable
from .._typing import FloatArray, Reduced
from .._wrappers import gradient
from ._probability_rows import (
    _distribution_inputs,
    _distribution_inputs_fast,
    _rows_min,
    _sum_tolerance,
)
from .binary import _LOG_CLAMP
from .multiclass import _partial_sums

__all__ = [
    "categorical_cross_entropy",
    "categorical_cross_entropy_grad",
    "kl_divergence",
    "kl_divergence_grad",
]

_P_UNCLAMPED = math.exp(_LOG_CLAMP + 1e-9)  # above this, log(p) > -100 also after rounding
_RATIO_FINITE = 1e-300  # for p above this, y / p <= 1e300 (y <= 1): finite


Rows: TypeAlias = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]
"""``rows(y, p) -> (per-row losses, gradient of their sum)``: a loss between distributions on whole arrays."""
RowsKernel: TypeAlias = Callable[
    [FloatArray, FloatArray, FloatArray | None, FloatArray | None, float, list[FloatArray], float], bool
]
"""A block of a loss between distributions: see :func:`_distribution_loss`."""


# --------------------------------------------------------------------------
# Categorical cross-entropy and KL divergence on probabilities
# --------------------------------------------------------------------------


def _distribution_loss(
    kernel: RowsKernel,
    rows: Rows,
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    reduction: str,
    loss: str,
    value: bool,
    grad: bool,
) -> tuple[Reduced | None, FloatArray | None]:
    """Value and/or gradient of a loss between distributions over the last axis, by blocks of rows.

    ``kernel(y, p, v, g, count, tmp, p_min)`` computes a block of rows (``p_min`` is the smallest
    entry of the block of ``p``): the per-row losses into ``v``,
    the gradient divided by ``count`` (the mean's denominator, else 1) into ``g`` (either may be
    None), and returns False if the block needs ``rows(y, p) -> (per-row losses, gradient of their
    sum)``, the straightforward formulas on whole arrays, which then overwrite the block's outputs. The inputs are checked
    block by block; on any doubt the full validation runs (and raises).
    """
    fast = _distribution_inputs_fast(y_true, y_pred, reduction)
    if fast is None:
        y, p = _distribution_inputs(y_true, y_pred, reduction, loss)
        return _distribution_general(rows, y, p, reduction, value, grad)
    y, p = fast
    n_classes = p.shape[-1]
    y2, p2 = y.reshape(-1, n_classes), p.reshape(-1, n_classes)
    n_rows = p2.shape[0]
    tol = _sum_tolerance(n_classes, p.dtype)
    count = divisor(reduction, n_rows)
    size = min(_kernels.block_len(p.dtype, n_classes), n_rows)
    v_all = np.empty(n_rows, p.dtype) if value else None
    g_all = np.empty((n_rows, n_classes), p.dtype) if grad else None

    def task(first: int, stop: int) -> None:
        tmp = [np.empty((size, n_classes), p.dtype) for _ in range(4)]
        for b in range(first, stop):
            sl = slice(b * size, min((b + 1) * size, n_rows))
            yb, pb = y2[sl], p2[sl]
            p_min = _rows_min(pb, tol)
            if p_min is None or _rows_min(yb, tol) is None:
                raise _kernels.Fallback  # the full validation decides (and raises)
            vb = v_all[sl] if v_all is not None else None
            gb = g_all[sl] if g_all is not None else None
            if not kernel(yb, pb, vb, gb, count, [t[: yb.shape[0]] for t in tmp], p_min):
                per, g = rows(yb, pb)
                if vb is not None:
                    vb[...] = per
                if gb is not None:
                    np.divide(g, count, out=gb)

    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        try:
            _kernels.run_chunks(-(-n_rows // size), task, p.size)
        except _kernels.Fallback:
            y, p = _distribution_inputs(y_true, y_pred, reduction, loss)  # raises the error
            return _distribution_general(rows, y, p, reduction, value, grad)
    v: Reduced | None = None
    if v_all is not None:
        if reduction == "none":
            v = v_all.reshape(p.shape[:-1])
            v = v[()] if v.ndim == 0 else v
        else:
            total = _kernels.exact_sum(_partial_sums(v_all, size))
            v = p.dtype.type(total / count)
    return v, (g_all.reshape(p.shape) if g_all is not None else None)


def _distribution_general(
    rows: Rows, y: FloatArray, p: FloatArray, reduction: str, value: bool, grad: bool
) -> tuple[Reduced | None, FloatArray | None]:
    """The loss of :func:`_distribution_loss` on whole arrays, with ``rows`` only."""
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        per_item, g = rows(y, p)
    v = reduce(per_item.astype(p.dtype, copy=False), reduction) if value else None
    if grad:
        g = g * p.dtype.type(grad_scale(reduction, p.size // p.shape[-1]))
    return v, (g if grad else None)


def _cce_rows(y: FloatArray, p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per-row categorical cross-entropy (logs clamped at -100) and the gradient of its sum."""
    log_p = np.log(p)
    # 0 - s, not -s: a perfect prediction gives 0.0, not -0.0
    per_item = 0.0 - (y * np.maximum(log_p, _LOG_CLAMP)).sum(axis=-1)
    # zero where the log is clamped (the value does not depend on p there) or y = 0
    live = (log_p > _LOG_CLAMP) & (y != 0)
    return per_item, np.where(live, -y / p, 0).astype(p.dtype, copy=False)


def _cce_kernel(
    y: FloatArray,
    p: FloatArray,
    v: FloatArray | None,
    g: FloatArray | None,
    count: float,
    tmp: list[FloatArray],
    p_min: float,
) -> bool:
    if not p_min > _P_UNCLAMPED:  # a clamped log (p <= e^-100), or p = 0: _cce_rows
        return False
    log_p = np.log(p, out=tmp[0])
    if v is not None:
        np.subtract(0.0, _kernels.rowdot(y, log_p), out=v)
    if g is not None:
        np.subtract(0.0, y, out=g)  # 0 - y: 0.0, not -0.0, where y = 0
        np.divide(g, p, out=g)
        if count != 1:
            np.divide(g, count, out=g)  # -y / p / N, rounded twice
    return True


def categorical_cross_entropy_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`categorical_cross_entropy` and its gradient: the definition, as chapter 3
    writes it.

    .. math::

        \ell = -\sum_{c=1}^{C} y_c \log p_c, \qquad \frac{\partial \ell}{\partial p_c} = -\frac{y_c}{p_c}

    over the last axis, with each log clamped at :math:`-100` (as :func:`binary_cross_entropy`):
    where it is clamped the term does not depend on :math:`p_c`, and its gradient is 0.

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_categorical_cross_entropy`` is tested against it.
    """
    y, p = np.asarray(y_true), np.asarray(y_pred)
    log_p = np.log(p)
    loss = -np.sum(y * np.maximum(log_p, -100), axis=-1)
    grad = np.where(log_p > -100, -y / p, 0)
    return reduce_readable(loss, grad, reduction)


def _categorical_cross_entropy(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean", value: bool = True, grad: bool = True
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`categorical_cross_entropy_readable` (value and/or gradient by blocks of rows,
    sharing the logs)."""
    return _distribution_loss(
        _cce_kernel, _cce_rows, y_true, y_pred, reduction, "categorical_cross_entropy", value, grad
    )


@shared_doc
def categorical_cross_entropy(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> Reduced:
    r"""Cross-entropy between target and predicted class probabilities.

    .. math:: \ell(y, p) = -\sum_{c=1}^{C} y_c \log p_c

    With one-hot targets this is :math:`-\log p_k` for the observed class :math:`k`: the
    negative log-likelihood of a categorical distribution with probabilities :math:`p`
    (the logarithmic score, a strictly proper scoring rule).

    Parameters
    ----------
    y_true : array_like, shape ``(..., C)``
        Target class probabilities or one-hot rows (integers are fine), each row summing to 1.
    y_pred : array_like, shape ``(..., C)``
        Predicted class probabilities, classes on the **last** axis, each row summing to 1
        (within :math:`10^{-5}`, or :math:`4 C` ulps of the dtype if that is more). For logits
        use :func:`cross_entropy`, which is also more accurate (it never forms a probability
        that rounds to 0).
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per example (shape ``(...)``); ``"mean"`` averages over
        the examples, not over the :math:`N C` entries.

    {returns}

    Notes
    -----
    Like ``torch.nn.functional.binary_cross_entropy`` (and :func:`binary_cross_entropy`),
    each log is clamped at :math:`-100`: :math:`p_c = 0` with :math:`y_c > 0` costs
    :math:`100\, y_c` nats instead of infinity, and its gradient is 0 there (the clamped
    value does not depend on :math:`p_c`). A class with :math:`y_c = 0` contributes
    nothing, also where :math:`p_c = 0`.

    The gradient, :math:`-y_c / p_c`, treats every probability as a free variable (as
    autograd does for ``-(y * log(p)).sum(-1)``); its component along the simplex is the
    gradient minus its mean over the classes.

    Differences from Keras' ``categorical_crossentropy(from_logits=False)``: Keras divides
    ``y_pred`` by its row sums and clips it to :math:`[10^{-7}, 1 - 10^{-7}]`, silently. losslib
    refuses a row of ``y_pred`` or ``y_true`` whose sum is off from 1 by more than
    :math:`10^{-5}` (a sign of logits, unnormalised scores or the wrong class axis) and
    clamps only the log. PyTorch has no loss on probabilities over classes; this is
    ``-(y * log(p).clamp(min=-100)).sum(-1)``. Integer class labels are refused with a hint:
    pass one-hot rows, or logits and labels to :func:`cross_entropy`.

    References
    ----------
    .. [1] Good, I. J. (1952). Rational decisions. *JRSS B* 14(1), 107-114. (good1952rational)

    Examples
    --------
    >>> y = [[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]
    >>> p = [[0.5, 0.25, 0.25], [0.25, 0.25, 0.5]]
    >>> categorical_cross_entropy(y, p, reduction="none")  # log 2, (log 4 + log 2) / 2
    array([0.69314718, 1.03972077])
    """
    return cast(Reduced, _categorical_cross_entropy(y_true, y_pred, reduction=reduction, grad=False)[0])


categorical_cross_entropy_grad = gradient(
    categorical_cross_entropy,
    _categorical_cross_entropy,
    doc=r"""Gradient of :func:`categorical_cross_entropy` with respect to the probabilities ``y_pred``.

    .. math:: \frac{\partial \ell}{\partial p_c} = -\frac{y_c}{p_c}

    and 0 where :math:`y_c = 0` or the log is clamped (:math:`\log p_c < -100`).

    Examples
    --------
    >>> categorical_cross_entropy_grad([[0.0, 1.0]], [[0.75, 0.25]], reduction="sum")
    array([[ 0., -4.]])
    """,
)


def _distribution_sampler(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Target and predicted distributions over 4 classes, predictions at least 0.025 from 0."""
    y_true = rng.dirichlet(np.ones(4), size=n)
    y_pred = 0.9 * rng.dirichlet(np.ones(4), size=n) + 0.1 / 4
    return {"y_true": y_true, "y_pred": y_pred / y_pred.sum(axis=-1, keepdims=True)}


register(
    categorical_cross_entropy,
    family="classification",
    prediction="probability",
    target="distribution",
    distribution="Categorical",
    convex=True,
    differentiable=True,
    robust=None,
    proper=True,
    reference="good1952rational",
    summary="Log loss of predicted class probabilities (log clamped at -100).",
    sampler=_distribution_sampler,
    equivalents=Equivalents(
        torch="torch.nn.functional.cross_entropy(torch.log(y_pred), y_true)",
        keras="keras.losses.CategoricalCrossentropy()(y_true, y_pred)",
        optax="optax.losses.softmax_cross_entropy(jnp.log(y_pred), y_true).mean()",
        note=(
            "PyTorch and optax take logits: log-probabilities are logits of the same distribution (a probability "
            "of 0 gives inf or NaN there, 100 per unit of target here). Keras divides the rows by their sums and "
            "clips to [1e-7, 1 - 1e-7]."
        ),
    ),
)


def _log_ratio(y: FloatArray, p: FloatArray) -> FloatArray:
    """``log(y / p)`` for ``y > 0``, keeping the digits of a log near 0.

    Where ``p / 2 <= y <= 2 p`` it is ``log1p((y - p) / p)``: the difference is exact there
    (Sterbenz), so a ratio close to 1 keeps every digit (``log(y / p)`` would lose those of
    ``1 + delta`` when ``y / p`` is rounded). Elsewhere ``log(y / p)``, and ``log y - log p``
    where ``y / p`` overflows or underflows (``p = 0`` gives ``+inf``).
    """
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        ratio = y / p
        near = (ratio >= 0.5) & (ratio <= 2)
        normal = (ratio >= np.finfo(p.dtype).tiny) & (ratio <= np.finfo(p.dtype).max)
        safe_p = np.where(near, p, 1)
        return np.where(
            near,
            np.log1p((np.where(near, y, 1) - safe_p) / safe_p),
            np.where(normal, np.log(np.where(normal, ratio, 1)), np.log(y) - np.log(p)),
        )


def kl_divergence_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`kl_divergence` and :func:`kl_divergence_grad`: the definition, as chapter 1
    writes it.

    .. math::

        \operatorname{KL}(y \,\|\, p) = \sum_{c=1}^{C} y_c \log\frac{y_c}{p_c}, \qquad
        \frac{\partial \operatorname{KL}}{\partial p_c} = -\frac{y_c}{p_c}

    over the last axis, with :math:`0 \log(0 / p) = 0` (also for :math:`p = 0`) and a gradient of 0
    there.

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_kl_divergence`` is tested against it.
    """
    y, p = np.asarray(y_true), np.asarray(y_pred)
    present = y > 0
    loss = np.sum(y * np.log(np.where(present, y / p, 1)), axis=-1)
    grad = np.where(present, -y / p, 0)
    return reduce_readable(loss, grad, reduction)


def _kl_divergence(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean", value: bool = True, grad: bool = True
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`kl_divergence_readable` (value and/or gradient by blocks of rows, with the
    logs of ratios near 1 to full precision: see :func:`_kl_kernel`)."""
    if isinstance(reduction, str) and reduction == "batchmean":
        raise ValueError(
            "reduction must be 'mean', 'sum' or 'none', got 'batchmean' (PyTorch's name): losslib's "
            "'mean' already averages over the examples, as PyTorch's 'batchmean' does"
        )
    return _distribution_loss(_kl_kernel, _kl_rows, y_true, y_pred, reduction, "kl_divergence", value, grad)


def _kl_rows(y: FloatArray, p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per-row KL divergence and the gradient of its sum, on whole arrays (any p, also 0)."""
    present = y > 0
    y_safe = np.where(present, y, 1)  # keeps 0 * log(0 / 0) = NaN out of the discarded branch
    terms = np.where(present, y_safe * _log_ratio(y_safe, p), 0)  # 0 log(0 / p) = 0, also for p = 0
    return terms.sum(axis=-1), np.where(present, -y_safe / p, 0).astype(p.dtype, copy=False)


def _kl_kernel(
    y: FloatArray,
    p: FloatArray,
    v: FloatArray | None,
    g: FloatArray | None,
    count: float,
    tmp: list[FloatArray],
    p_min: float,
) -> bool:
    r"""A block of KL divergences, with :math:`\log(y/p)` to full relative precision.

    :math:`q = y/p` is rounded, :math:`q = (y/p)(1 + \epsilon)`, so :math:`\log q` is off by
    :math:`\epsilon`, which is all of the log's digits where :math:`y pprox p`. With
    :math:`d = (y - p)/p` (exact difference there, one rounding), :math:`(d - (q - 1))/q pprox
    -\epsilon` corrects it: :math:`\log(y/p) = \log q + (d - (q - 1))/q` to a few ulps, the
    precision of :func:`_log_ratio` in one log and no selection. :math:`q` is clamped at the
    smallest normal number: where :math:`y = 0` any finite log gives the term :math:`0`, and a
    positive :math:`y/p` below it (a subnormal :math:`y`) changes a term by less than
    :math:`10^{-305}`, far below the rounding of the row's sum. ``p = 0`` goes to :func:`_kl_rows`.
    """
    u, log_u, d, t = tmp
    if not p_min > _RATIO_FINITE:  # p = 0 (infinite or NaN ratios) or so small that y / p may overflow
        return False
    q = np.divide(y, p, out=g if g is not None else t)
    if v is not None:
        np.maximum(q, _kernels.finfo(q.dtype).tiny, out=u)
    if g is not None:
        np.subtract(0.0, g, out=g)  # 0 - y / p: 0.0, not -0.0, where y = 0
        if count != 1:
            np.divide(g, count, out=g)
    if v is not None:
        np.log(u, out=log_u)
        np.subtract(y, p, out=d)
        np.divide(d, p, out=d)
        np.subtract(u, 1, out=t)
        np.subtract(d, t, out=d)
        np.divide(d, u, out=d)
        np.add(log_u, d, out=log_u)
        v[...] = _kernels.rowdot(y, log_u)
    return True


@shared_doc
def kl_divergence(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, reduction: str = "mean") -> Reduced:
    r"""Kullback-Leibler divergence of the predicted from the target distribution, KL(y_true || y_pred).

    .. math::

        \operatorname{KL}(y \,\|\, p) = \sum_{c=1}^{C} y_c \log\frac{y_c}{p_c}
        = \underbrace{-\sum_c y_c \log p_c}_{\text{cross-entropy}}
          - \underbrace{\Big(-\sum_c y_c \log y_c\Big)}_{\text{entropy of } y}

    over the last axis, with :math:`0 \log(0/p) = 0`. It is at least 0, with equality only
    for :math:`p = y`, and it differs from :func:`categorical_cross_entropy` by the entropy
    of the target, which does not depend on the prediction: the two have the same gradient.

    Parameters
    ----------
    y_true : array_like, shape ``(..., C)``
        The target distribution :math:`y` (class probabilities, each row summing to 1).
    y_pred : array_like, shape ``(..., C)``
        The predicted distribution :math:`p`, classes on the last axis, rows summing to 1
        (within :math:`10^{-5}`, or :math:`4 C` ulps of the dtype if that is more).
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one divergence per example (shape ``(...)``); ``"mean"`` averages
        over the examples: PyTorch's ``reduction="batchmean"``.

    {returns}

    Notes
    -----
    **Argument order.** ``torch.nn.functional.kl_div(input, target)`` takes the *log* of the
    prediction first: ``kl_divergence(y, p)`` is ``kl_div(log(p), y, reduction="batchmean")``
    (for ``"none"``, ``kl_div(..., reduction="none").sum(-1)``). PyTorch's ``"mean"`` divides by
    the number of entries :math:`N C` rather than by :math:`N` (a frequent mistake);
    losslib's ``"mean"`` is the ``"batchmean"`` that equals the mathematical KL divergence.
    Keras' ``kl_divergence(y_true, y_pred)`` has losslib's order but clips both arguments to
    :math:`[10^{-7}, 1]`; scipy's ``rel_entr(y, p).sum(-1)`` is the same number.

    **Zeros.** A class with :math:`y_c = 0` contributes 0, also where :math:`p_c = 0` (PyTorch
    gives NaN there, from :math:`0 \cdot \log 0`). :math:`p_c = 0 < y_c` gives
    :math:`+\infty`, the true value (unlike :func:`categorical_cross_entropy`, which clamps
    the log at -100), and the gradient :math:`-\infty` there, as in PyTorch.

    **Accuracy.** Each term is computed as :math:`y_c \log(y_c / p_c)`, with the log of the
    rounded ratio :math:`q_c` corrected by :math:`(d_c - (q_c - 1))/q_c`, where
    :math:`d_c = (y_c - p_c)/p_c` (an exact difference where :math:`p_c/2 \le y_c \le 2p_c`),
    which restores the digits that rounding the ratio took from a log near 0, and not as a
    difference of two logs: a divergence between close
    distributions keeps its digits (relative error about :math:`10^{-16}/\delta` for
    :math:`y = p(1 + O(\delta))`, where PyTorch's ``xlogy(y, y) - y * log(p)`` has
    :math:`10^{-16}/\delta^2`), and ``kl_divergence(y, y)`` is exactly 0. The gradient treats
    every probability as a free variable.

    References
    ----------
    .. [1] Kullback, S. and Leibler, R. A. (1951). On information and sufficiency.
       *Annals of Mathematical Statistics* 22(1), 79-86. (kullback1951information)

    Examples
    --------
    >>> round(float(kl_divergence([[0.5, 0.5]], [[0.25, 0.75]])), 12)  # (log 2 + log(2/3)) / 2 = log(4/3) / 2
    0.143841036226
    >>> float(kl_divergence([[1.0, 0.0]], [[0.5, 0.5]]))  # 0 log 0 = 0
    0.6931471805599453
    """
    return cast(Reduced, _kl_divergence(y_true, y_pred, reduction=reduction, grad=False)[0])


kl_divergence_grad = gradient(
    kl_divergence,
    _kl_divergence,
    doc=r"""Gradient of :func:`kl_divergence` with respect to the predicted distribution ``y_pred``.

    .. math:: \frac{\partial \operatorname{KL}}{\partial p_c} = -\frac{y_c}{p_c}

    (0 where :math:`y_c = 0`), the same as that of :func:`categorical_cross_entropy` away
    from its clamp: the entropy of the target does not depend on the prediction.

    Examples
    --------
    >>> kl_divergence_grad([[0.5, 0.5], [1.0, 0.0]], [[0.25, 0.75], [0.5, 0.5]])
    array([[-1.        , -0.33333333],
           [-1.        ,  0.        ]])
    """,
)


register(
    kl_divergence,
    family="classification",
    prediction="probability",
    target="distribution",
    distribution=None,
    convex=True,
    differentiable=True,
    robust=None,
    proper=True,
    reference="kullback1951information",
    summary="KL divergence of y_pred from y_true: cross-entropy minus the target's entropy.",
    sampler=_distribution_sampler,
    equivalents=Equivalents(
        torch='torch.nn.functional.kl_div(torch.log(y_pred), y_true, reduction="batchmean")',
        keras="keras.losses.KLDivergence()(y_true, y_pred)",
        optax="optax.losses.kl_divergence(jnp.log(y_pred), y_true).mean()",
        note=(
            'PyTorch\'s `kl_div` takes the log of the prediction first, and its default `"mean"` divides by N·C: '
            '`"batchmean"` is losslib\'s mean for (N, C) inputs. Keras clips both arguments to [1e-7, 1]. optax '
            "takes log-predictions first and returns one value per example."
        ),
    ),
)
