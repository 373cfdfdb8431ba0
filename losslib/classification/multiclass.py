r"""Softmax cross-entropy: the categorical negative log-likelihood of logits, with class labels or
class probabilities as targets, PyTorch's ``weight``, ``ignore_index`` and ``label_smoothing``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias, cast

import numpy as np
import numpy.typing as npt

from .. import _kernels
from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import divisor, reduce, reduce_readable
from .._typing import FloatArray, Reduced
from .._validation import (
    _first_index,
    _where,
    as_any_array,
    as_float_array,
    check_finite,
    check_in_unit_interval,
    check_not_empty,
    check_reduction,
    check_scalar,
    fast_then_full,
)
from .._wrappers import gradient
from ..special import log_softmax, softmax
from .binary import _INF_LOGIT

__all__ = [
    "cross_entropy",
    "cross_entropy_grad",
]

IntArray: TypeAlias = npt.NDArray[np.integer[Any]]


# --------------------------------------------------------------------------
# Softmax cross-entropy
# --------------------------------------------------------------------------


def _cross_entropy_inputs(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    weight: npt.ArrayLike | None,
    ignore_index: int,
    label_smoothing: float,
    reduction: str,
    nan: bool | None = True,
) -> tuple[FloatArray, IntArray | None, FloatArray | None, FloatArray | None, float]:
    """Validate a cross-entropy call.

    Returns ``(z, labels, probs, w, eps)`` where exactly one of ``labels``
    (integers, shape ``z.shape[:-1]``) and ``probs`` (shape ``z.shape``) is set.
    ``nan=False`` does not scan the logits for NaNs (the caller finds them in the row maxima);
    if another check fails, the full validation runs, so that the first error in the order of
    the checks is the one raised.
    """
    if nan is False:
        with fast_then_full(
            lambda: _cross_entropy_inputs(y_true, y_pred, weight, ignore_index, label_smoothing, reduction)
        ):
            return _cross_entropy_inputs(y_true, y_pred, weight, ignore_index, label_smoothing, reduction, nan=None)
    check_reduction(reduction)
    z = as_float_array(y_pred, "y_pred", nan=nan is not None)
    if z.ndim == 0:
        raise ValueError(
            "y_pred must have a class axis (the last one) holding one logit per class; "
            "got a scalar. For a single binary logit use binary_cross_entropy_with_logits"
        )
    if nan is not None:
        check_finite(z, "y_pred", "logits", _INF_LOGIT + "; to mask a class, give it a large negative finite logit")
    n_classes = z.shape[-1]
    eps = check_scalar(label_smoothing, "label_smoothing", low=0, high=1)
    w = None
    if weight is not None:
        w = as_float_array(weight, "weight", dtype=z.dtype)
        if w.shape != (n_classes,):
            raise ValueError(
                f"weight has shape {w.shape} but y_pred has {n_classes} classes on its last "
                f"axis; weight needs one entry per class, shape ({n_classes},)"
            )
        check_finite(w, "weight", "class weights", "give every class a finite weight >= 0")
        if (w < 0).any():
            index = _first_index(w < 0)
            raise ValueError(
                f"weight must hold class weights >= 0, but {_where('weight', index)} = {w[index].item()!r}; "
                "a negative weight can cancel the mean's denominator (NaN or an infinite gradient)"
            )

    target = as_any_array(y_true, "y_true")
    check_not_empty(target, "y_true")
    labels = probs = None
    if target.dtype.kind in "iu":
        if target.shape != z.shape[:-1]:
            hint = ""
            if target.shape == z.shape:
                hint = (
                    " (it has y_pred's shape: if its rows are one-hot, pass "
                    "y_true.argmax(-1) as labels or y_true.astype(float) as probabilities)"
                )
            elif z.shape[-1] == 1 and z.ndim >= 2 and target.shape == z.shape[:-2]:
                hint = (
                    f" (y_pred has a trailing axis of length 1: if its last axis but one holds the "
                    f"classes, pass y_pred.squeeze(-1), of shape {z.shape[:-1]})"
                )
            raise ValueError(
                f"y_true holds integer class labels of shape {target.shape}, but y_pred has "
                f"shape {z.shape}; labels need shape {z.shape[:-1]}, one per row of y_pred{hint}"
            )
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
            raise TypeError(f"ignore_index must be an integer, got {ignore_index!r}")
        bad = (target != ignore_index) & ((target < 0) | (target >= n_classes))
        if bad.any():
            index = _first_index(bad)
            raise ValueError(
                f"y_true contains label {target[index].item()!r} at {_where('y_true', index)}, but y_pred "
                f"has {n_classes} classes on its last axis; labels must be in [0, {n_classes - 1}]"
                f" (or equal ignore_index={ignore_index})"
            )
        labels = target
    elif target.dtype.kind == "f":
        if target.shape != z.shape:
            hint = ""
            if target.shape == z.shape[:-1]:
                hint = " (if these are class labels, pass them as integers: y_true.astype(int))"
            raise ValueError(
                f"y_true holds class probabilities of shape {target.shape}, but y_pred has shape "
                f"{z.shape}; probabilities need y_pred's shape{hint}"
            )
        probs = as_float_array(target, "y_true", dtype=z.dtype)
        check_in_unit_interval(probs, "y_true", "; class probabilities lie in [0, 1]")
    else:
        raise TypeError(f"y_true must hold integer class labels or float class probabilities, got dtype {target.dtype}")
    return z, labels, probs, w, eps


def _ce_forward(
    z: FloatArray,
    labels: IntArray | None,
    probs: FloatArray | None,
    w: FloatArray | None,
    eps: float,
    ignore_index: int,
) -> tuple[FloatArray, FloatArray, float, FloatArray]:
    """Shared part of value and gradient.

    Returns ``(logp, per_item, count, coef)`` where ``per_item`` are the losses
    per example, ``count`` the mean's denominator and ``coef`` the effective
    target weights ``t`` such that the per-example gradient is
    ``t.sum(-1) * softmax(z) - t``.
    """
    n_classes = z.shape[-1]
    logp = log_softmax(z)
    if labels is not None:
        valid = labels != ignore_index
        safe = np.where(valid, labels, 0)
        onehot = np.zeros_like(logp)
        np.put_along_axis(onehot, safe[..., None], 1.0, axis=-1)
        w_y = (w[safe] if w is not None else np.ones(labels.shape, z.dtype)) * valid
        # effective target: (1 - eps) * w_y * onehot + eps / C * w * valid
        coef = (1 - eps) * w_y[..., None] * onehot
        if eps > 0:
            wc = w if w is not None else np.ones(n_classes, z.dtype)
            coef = coef + (eps / n_classes) * valid[..., None] * wc
        count = w_y.sum()
    elif probs is not None:  # exactly one of labels and probs is set
        q = probs if eps == 0 else (1 - eps) * probs + eps / n_classes
        coef = q if w is None else q * w
        count = logp.size // n_classes
    coef = coef.astype(z.dtype, copy=False)
    # 0 - s, not -s: a perfect prediction gives 0.0, not -0.0
    per_item = 0.0 - (coef * logp).sum(axis=-1)
    return logp, per_item, count, coef


def cross_entropy_readable(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    weight: npt.ArrayLike | None = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`cross_entropy` and :func:`cross_entropy_grad`: the definition, as chapter 3
    writes it.

    The target of a row is the smoothed one-hot vector :math:`q^\varepsilon = (1 - \varepsilon)\,
    e_y + \varepsilon / C` (for class probabilities :math:`q`: :math:`(1 - \varepsilon)\, q +
    \varepsilon / C`), all zeros where the label equals ``ignore_index``; with the class weights
    :math:`w` the effective target is :math:`t = w \odot q^\varepsilon`, and

    .. math::

        \ell = -\sum_{c=1}^{C} t_c \log \operatorname{softmax}(z)_c, \qquad
        \nabla_z\, \ell = \Big(\sum_c t_c\Big) \operatorname{softmax}(z) - t

    The log-softmax is :func:`losslib.special.log_softmax`, :math:`z_c - m - \log\sum_j e^{z_j - m}`
    with the row maximum :math:`m`, which cannot overflow. ``"mean"`` divides by the summed
    weights :math:`\sum_i w_{y_i}` of the labels that are not ignored (by the number of rows for
    class probabilities), as PyTorch does; if every label is ignored that is 0/0: NaN, and the
    gradient is 0.

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path
    ``_cross_entropy`` is tested against it.
    """
    y, z = np.asarray(y_true), np.asarray(y_pred)
    n_classes = z.shape[-1]
    w = np.ones(n_classes) if weight is None else np.asarray(weight)
    eps = label_smoothing
    count = None  # the mean's denominator; None: the number of rows
    if y.dtype.kind in "iu":  # class labels
        kept = (y != ignore_index)[..., None]
        onehot = np.arange(n_classes) == y[..., None]
        target = kept * ((1 - eps) * onehot + eps / n_classes)
        count = np.sum(kept * onehot * w)  # the weights of the labels that are not ignored
    else:  # class probabilities
        target = (1 - eps) * y + eps / n_classes
    t = w * target
    loss = -np.sum(t * log_softmax(z), axis=-1)
    grad = np.sum(t, axis=-1, keepdims=True) * softmax(z) - t
    if reduction == "mean" and count == 0:  # every label ignored
        return z.dtype.type(np.nan), np.zeros_like(grad)
    return reduce_readable(loss, grad, reduction, count)


def _cross_entropy(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    weight: npt.ArrayLike | None = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`cross_entropy_readable` (value and/or gradient by blocks of rows, sharing the
    softmax: see :func:`_ce_blocks`)."""
    args = (y_true, y_pred, weight, ignore_index, label_smoothing, reduction)
    z, labels, probs, w, eps = _cross_entropy_inputs(*args, nan=False)
    if z.ndim >= 1 and z.shape[-1] >= 1:
        out = _ce_blocks(
            z, labels, probs, w, eps, ignore_index, reduction, value, grad, lambda: _cross_entropy_inputs(*args)
        )
        if out is not None:
            return out
    _cross_entropy_inputs(*args)  # the NaN scan skipped above
    return _cross_entropy_general(z, labels, probs, w, eps, ignore_index, reduction, value, grad)


def _ce_blocks(
    z: FloatArray,
    labels: IntArray | None,
    probs: FloatArray | None,
    w: FloatArray | None,
    eps: float,
    ignore_index: int,
    reduction: str,
    value: bool,
    grad: bool,
    recheck: Callable[[], object],
) -> tuple[Reduced | None, FloatArray | None] | None:
    r"""Cross-entropy by blocks of rows, in one pass over the logits; None if a logit is +-inf.

    Per row, with the maximum :math:`m` at :math:`j^*` and :math:`e = \exp(z - m)`: the sum of the
    exponentials is :math:`1 + \rho`, :math:`\rho` the sum without :math:`e_{j^*} = 1`, so that
    :math:`\log\sum e = \operatorname{log1p}(\rho)` keeps every digit of a loss near 0. The
    softmax is :math:`e / (1 + \rho)`, computed in place in the gradient's memory, and the
    gradient at the label, :math:`p_y - 1 = -\sum_{j \ne y} p_j`, is computed as that sum
    (:math:`\rho` when :math:`y = j^*`), without cancellation. The loss of a row is
    :math:`\sum_c t_c (\log\sum e - (z_c - m))`, a sum of non-negative terms, with the
    effective target weights :math:`t` of :func:`_ce_forward`; its gradient
    :math:`(\sum_c t_c)\,\operatorname{softmax}(z) - t`. NaN logits call ``recheck`` (which raises).
    """
    n_classes = z.shape[-1]
    batch_shape = z.shape[:-1]
    dt = z.dtype.type
    z2 = z.reshape(-1, n_classes)
    n_rows = z2.shape[0]
    smoothing = eps > 0
    if labels is not None:
        lab = labels.reshape(-1)
        valid = lab != ignore_index
        safe = np.where(valid, lab, 0)
        w_y = (w[safe] if w is not None else np.ones(n_rows, z.dtype)) * valid
        count = divisor(reduction, float(w_y.sum(dtype=np.float64)))
        if reduction == "mean" and count == 0:
            return None  # every label ignored: NaN mean, zero gradient (the general path)
        wc = w if w is not None else np.ones(n_classes, z.dtype)
        w_sum = wc.sum()
    elif probs is not None:  # exactly one of labels and probs is set
        q = probs.reshape(-1, n_classes)
        count = divisor(reduction, n_rows)
    scale = dt(1.0 / count)
    g_all = np.empty((n_rows, n_classes), z.dtype) if grad else None
    v_all = np.empty(n_rows, z.dtype) if value else None
    size = min(_kernels.block_len(z.dtype, n_classes), n_rows)

    def task(first: int, stop: int) -> None:
        # scratch blocks, empty where not used: the softmax without a gradient to hold it, the targets
        work = np.empty((size if g_all is None else 0, n_classes), z.dtype)
        coef_buf = np.empty((size if labels is None or smoothing else 0, n_classes), z.dtype)
        for b in range(first, stop):
            sl = slice(b * size, min((b + 1) * size, n_rows))
            _ce_block(sl, work, coef_buf)

    def _ce_block(sl: slice, work: FloatArray, coef_buf: FloatArray) -> None:
        zb = z2[sl]
        rows = np.arange(zb.shape[0])
        e = g_all[sl] if g_all is not None else work[: zb.shape[0]]
        top = np.argmax(zb, axis=1)
        m = zb[rows, top]
        if not (np.isfinite(m).all() and np.isfinite(zb.min())):
            if np.isnan(m).any():
                recheck()  # raises for a NaN logit
            raise _kernels.Fallback  # +-inf logits: refused by the full validation
        np.subtract(zb, m[:, None], out=e)  # shifted logits, <= 0
        if labels is None:
            t = coef_buf[: zb.shape[0]]  # effective targets: (1 - eps) q + eps / C, times w
            if smoothing:
                np.multiply(q[sl], dt(1 - eps), out=t)
                np.add(t, dt(eps / n_classes), out=t)
            else:
                t[...] = q[sl]
            if w is not None:
                np.multiply(t, w, out=t)
            t_sum = t.sum(axis=1)
            t_dot = _kernels.rowdot(t, e)  # sum_c t_c (z_c - m) <= 0
        elif smoothing:
            w_dot = np.matmul(e[:, None, :], wc[:, None])[:, 0, 0]  # sum_c w_c (z_c - m) <= 0
        np.exp(e, out=e)
        e[rows, top] = 0
        rest = e.sum(axis=1)
        e[rows, top] = 1
        log_sum = np.log1p(rest)  # log sum_c exp(z_c - m)
        total = 1 + rest
        if labels is not None:
            valid_b, safe_b, w_b = valid[sl], safe[sl], w_y[sl]
            nll = log_sum - (zb[rows, safe_b] - m)  # -log softmax(z)_y >= 0
            if v_all is not None:
                per = (1 - eps) * w_b * nll if smoothing else w_b * nll
                if smoothing:
                    per = per + dt(eps / n_classes) * valid_b * (w_sum * log_sum - w_dot)
                v_all[sl] = np.where(valid_b, per, 0)  # 0 - s: 0.0, not -0.0, for a perfect prediction
            if g_all is not None:
                e_y = e[rows, safe_b]
                coef_sum = (1 - eps) * w_b + (dt(eps / n_classes) * w_sum) * valid_b if smoothing else w_b
                np.multiply(e, (coef_sum * scale / total)[:, None], out=e)
                if smoothing:
                    np.multiply((dt(eps / n_classes) * scale) * valid_b[:, None], wc, out=coef_buf[: zb.shape[0]])
                    np.subtract(e, coef_buf[: zb.shape[0]], out=e)
                    e[rows, safe_b] -= (1 - eps) * w_b * scale
                else:
                    # p_y - 1 = -(sum of the other probabilities), rest when y is the maximum
                    others = np.where(safe_b == top, rest, 1 + (rest - e_y))
                    e[rows, safe_b] = np.where(valid_b, -(w_b * scale) * (others / total), 0)
                if not valid_b.all():
                    e[~valid_b] = 0
        else:
            if v_all is not None:
                v_all[sl] = t_sum * log_sum - t_dot
            if g_all is not None:
                np.multiply(e, (t_sum * scale / total)[:, None], out=e)
                np.multiply(t, scale, out=t)
                np.subtract(e, t, out=e)

    try:
        _kernels.run_chunks(-(-n_rows // size), task, z.size)
    except _kernels.Fallback:
        return None
    v: Reduced | None = None
    g: FloatArray | None = None
    if v_all is not None:
        if reduction == "none":
            v = v_all.reshape(batch_shape)
            v = v[()] if v.ndim == 0 else v
        else:
            total_loss = _kernels.exact_sum(_partial_sums(v_all, size))
            v = dt(total_loss / count)
    if g_all is not None:
        g = g_all.reshape(z.shape)
    return v, g


def _partial_sums(values: FloatArray, size: int) -> list[float]:
    return [float(values[sl].sum()) for sl in _kernels.blocks(values.size, max(size, 1))]


def _cross_entropy_general(
    z: FloatArray,
    labels: IntArray | None,
    probs: FloatArray | None,
    w: FloatArray | None,
    eps: float,
    ignore_index: int,
    reduction: str,
    value: bool,
    grad: bool,
) -> tuple[Reduced | None, FloatArray | None]:
    """The straightforward cross-entropy on whole arrays: for a batch whose every label is ignored."""
    logp, per_item, count, coef = _ce_forward(z, labels, probs, w, eps, ignore_index)
    v: Reduced | None = None
    g: FloatArray | None = None
    if value:
        if reduction == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                v = z.dtype.type(per_item.sum() / count)
        else:
            v = reduce(per_item, reduction)
    if grad:
        g = coef.sum(axis=-1, keepdims=True) * np.exp(logp) - coef
        if reduction == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                g = g / z.dtype.type(count)
            if labels is not None:
                # Ignored labels contribute nothing, so their gradient is exactly 0, also when
                # every label is ignored and the mean is NaN (0/0), as in PyTorch.
                g = np.where((labels != ignore_index)[..., None], g, 0)
        g = g.astype(z.dtype, copy=False)
    return v, g


@shared_doc
def cross_entropy(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    weight: npt.ArrayLike | None = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
) -> Reduced:
    r"""Softmax cross-entropy between targets and logits.

    With integer labels :math:`y` and per-class weights :math:`w`,

    .. math::

        \ell(y, z) = -(1-\varepsilon)\, w_y \log \operatorname{softmax}(z)_y
                     - \frac{\varepsilon}{C} \sum_{c=1}^{C} w_c \log \operatorname{softmax}(z)_c

    and with class probabilities :math:`q`,
    :math:`\ell(q, z) = -\sum_c w_c\, q'_c \log \operatorname{softmax}(z)_c` where
    :math:`q' = (1-\varepsilon)\,q + \varepsilon/C`. The log-softmax is computed as
    :math:`z_c - \operatorname{logsumexp}(z)`, which cannot overflow.

    Parameters
    ----------
    y_true : array_like of int, shape ``(...)``, or of float, shape ``(..., C)``
        Integer class labels in ``[0, C)``, or class probabilities.
    y_pred : array_like, shape ``(..., C)``
        Finite logits, with the classes on the **last** axis (±inf is refused; to mask a
        class, give it a large negative finite logit).
    weight : array_like, shape ``(C,)``, optional
        Per-class weights, finite and ``>= 0`` (negative or infinite weights are refused:
        they can make the weighted mean 0/0 or inf/inf).
    ignore_index : int
        Labels equal to it contribute nothing, to the value or to the mean's
        denominator. Only used with integer labels.
    label_smoothing : float in [0, 1]
        Mixes the target with the uniform distribution (Szegedy et al. 2016).
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per example (shape ``(...)``). ``"mean"``
        divides by the sum of the weights of the non-ignored labels (integer
        labels) or by the number of examples (probabilities), as PyTorch does;
        if every label is ignored the mean is NaN (and its gradient 0), as in PyTorch.

    {returns}

    Notes
    -----
    Matches ``torch.nn.functional.cross_entropy`` in every option, with one
    difference of layout: PyTorch puts the classes on axis 1, losslib on the
    last axis (as Keras and optax do). For ``(N, C)`` logits the two agree.

    References
    ----------
    .. [1] Good, I. J. (1952). Rational decisions. *JRSS B* 14(1), 107-114. (good1952rational)
    .. [2] Szegedy, C. et al. (2016). Rethinking the Inception architecture for
       computer vision. *CVPR*. (szegedy2016rethinking)

    Examples
    --------
    >>> round(float(cross_entropy([0, 2], [[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]])), 6)
    0.284519
    >>> float(cross_entropy([1], [[1000.0, -1000.0]]))
    2000.0
    """
    return cast(
        Reduced,
        _cross_entropy(
            y_true,
            y_pred,
            weight=weight,
            ignore_index=ignore_index,
            label_smoothing=label_smoothing,
            reduction=reduction,
            grad=False,
        )[0],
    )


cross_entropy_grad = gradient(
    cross_entropy,
    _cross_entropy,
    doc=r"""Gradient of :func:`cross_entropy` with respect to the logits.

    For each example, with effective target weights :math:`t` (the coefficients
    of :math:`-\log\operatorname{softmax}(z)_c` in the loss),

    .. math:: \frac{\partial \ell}{\partial z} = \Big(\sum_c t_c\Big)\, \operatorname{softmax}(z) - t

    which is the familiar :math:`\operatorname{softmax}(z) - \operatorname{onehot}(y)`
    without weights or smoothing.

    Examples
    --------
    >>> cross_entropy_grad([0], [[0.0, 0.0]], reduction="sum")
    array([[-0.5,  0.5]])
    """,
)


register(
    cross_entropy,
    family="classification",
    prediction="logit",
    target="class",
    distribution="Categorical",
    convex=True,
    differentiable=True,
    robust=None,
    proper=True,
    reference="good1952rational",
    summary="Log loss of softmax logits over C classes.",
    equivalents=Equivalents(
        torch="torch.nn.functional.cross_entropy(y_pred, y_true, weight=weight, ignore_index=ignore_index, label_smoothing=label_smoothing)",
        keras="keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=ignore_index)(y_true, y_pred)",
        optax="optax.losses.softmax_cross_entropy_with_integer_labels(y_pred, y_true).mean()",
        note=(
            "PyTorch puts the classes on axis 1, losslib, Keras and optax on the last axis. Keras' sparse loss "
            "has no class weights and no label smoothing, and ignores no class unless given `ignore_class`; "
            "optax's loss is per example and has none of these options."
        ),
    ),
)
