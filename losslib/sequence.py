r"""Sequence losses: connectionist temporal classification (CTC).

CTC scores an unsegmented label sequence (a transcript) against per-frame class scores,
summing the probability of every frame-level alignment that collapses to the transcript.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from ._docstrings import shared_doc
from ._info import Equivalents, register
from ._reduction import reduce_readable
from ._typing import FloatArray, Reduced
from ._validation import (
    _first_index,
    _where,
    as_any_array,
    as_float_array,
    check_flag,
    check_reduction,
)
from ._wrappers import gradient
from .special import log_softmax, softmax

__all__ = ["ctc", "ctc_grad"]


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def _int_vector(x: npt.ArrayLike, name: str, n: int, hi: int, hi_what: str) -> npt.NDArray[np.int64]:
    """An integer array of shape (n,) with values in [0, hi]."""
    arr = as_any_array(x, name)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer lengths, got dtype {arr.dtype}; convert with .astype(int)")
    if arr.shape != (n,):
        raise ValueError(
            f"{name} has shape {arr.shape} but y_pred holds {n} sequence(s); {name} needs shape ({n},), "
            "one length per sequence"
        )
    bad = (arr < 0) | (arr > hi)
    if bad.any():
        index = _first_index(bad)
        raise ValueError(
            f"{_where(name, index)} = {arr[index].item()!r} is out of range: lengths must be in [0, {hi}], {hi_what}"
        )
    return arr.astype(np.int64)


def _ctc_inputs(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    input_lengths: npt.ArrayLike,
    target_lengths: npt.ArrayLike,
    blank: int,
    zero_infinity: bool,
    reduction: str,
) -> tuple[FloatArray, npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    check_reduction(reduction)
    check_flag(zero_infinity, "zero_infinity")
    z = as_float_array(y_pred, "y_pred")
    if z.ndim != 3:
        raise ValueError(
            f"y_pred must hold logits of shape (N, T, C) (batch, time, classes), got shape {z.shape}; "
            "for one sequence use y_pred[None]; PyTorch's (T, N, C) layout is y_pred.transpose(1, 0, 2)"
        )
    if not np.all(np.isfinite(z)):
        index = _first_index(~np.isfinite(z))
        raise ValueError(f"y_pred must hold finite logits, but {_where('y_pred', index)} = {z[index].item()!r}")
    n, t_max, n_classes = z.shape
    if isinstance(blank, (bool, np.bool_)) or not isinstance(blank, (int, np.integer)):
        raise TypeError(f"blank must be an integer class index, got {blank!r}")
    if not 0 <= blank < n_classes:
        raise ValueError(
            f"blank={blank} is not a class of y_pred, which has {n_classes} classes on its last axis; "
            f"blank must be in [0, {n_classes - 1}]"
        )
    targets = as_any_array(y_true, "y_true")
    if targets.dtype.kind not in "iu":
        raise TypeError(f"y_true must hold integer labels, got dtype {targets.dtype}; convert with .astype(int)")
    if targets.ndim != 2 or targets.shape[0] != n:
        raise ValueError(
            f"y_true has shape {targets.shape} but y_pred has shape {z.shape}; y_true needs shape (N, S) = "
            f"({n}, S): one row of labels per sequence, padded to a common length S"
        )
    s_max = targets.shape[1]
    t_len = _int_vector(input_lengths, "input_lengths", n, t_max, f"at most the {t_max} frames of y_pred (its axis 1)")
    l_len = _int_vector(
        target_lengths, "target_lengths", n, s_max, f"at most the {s_max} columns of the padded targets y_true"
    )
    used = np.arange(s_max) < l_len[:, None]  # the labels that are part of the targets
    bad = used & ((targets < 0) | (targets >= n_classes))
    if bad.any():
        index = _first_index(bad)
        raise ValueError(
            f"{_where('y_true', index)} = {targets[index].item()!r} is not a class of y_pred, which has "
            f"{n_classes} classes; labels must be in [0, {n_classes - 1}] (and differ from blank={blank})"
        )
    bad = used & (targets == blank)
    if bad.any():
        index = _first_index(bad)
        raise ValueError(
            f"{_where('y_true', index)} equals the blank label {blank}; targets must not contain the blank "
            f"(entries past target_lengths[{index[0]}] = {l_len[index[0]]} are padding and are ignored)"
        )
    return z, np.where(used, targets, blank).astype(np.int64), t_len, l_len


# --------------------------------------------------------------------------
# Forward-backward in log space
# --------------------------------------------------------------------------


def _lae3(a: FloatArray, b: FloatArray, c: FloatArray) -> FloatArray:
    """log(e^a + e^b + e^c), elementwise; -inf where all three are -inf."""
    return np.logaddexp(np.logaddexp(a, b), c)


def ctc_readable(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    input_lengths: npt.ArrayLike,
    target_lengths: npt.ArrayLike,
    *,
    blank: int = 0,
    zero_infinity: bool = False,
    reduction: str = "mean",
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`ctc` and :func:`ctc_grad`: the forward-backward recursions of Graves et
    al. (2006), as chapter 5 writes them, one sequence at a time and in log space.

    Over the extended target :math:`l' = (\varnothing, l_1, \varnothing, \dots, l_L, \varnothing)`
    and the log-probabilities :math:`y_t(k) = \log\operatorname{softmax}(z_t)_k`, the forward
    variable :math:`\alpha_t(s)` (the first :math:`t + 1` frames emit :math:`l'_{1..s}`) and the
    backward variable :math:`\beta_t(s)` (frames :math:`t..T-1` emit :math:`l'_{s..}`, frame
    :math:`t` emitting :math:`l'_s`) are

    .. math::

        \alpha_t(s) = y_t(l'_s) + \log\big(e^{\alpha_{t-1}(s)} + e^{\alpha_{t-1}(s-1)}
            + [\text{skip}_s]\, e^{\alpha_{t-1}(s-2)}\big), \qquad
        \beta_t(s) = y_t(l'_s) + \log\big(e^{\beta_{t+1}(s)} + e^{\beta_{t+1}(s+1)}
            + [\text{skip}_{s+2}]\, e^{\beta_{t+1}(s+2)}\big)

    where :math:`\text{skip}_s` (a jump from :math:`s - 2` over a blank) holds for a label
    :math:`l'_s` unlike :math:`l'_{s-2}`. Then :math:`\log p(l \mid z) = \log(e^{\alpha_{T-1}(S-1)} +
    e^{\alpha_{T-1}(S-2)})`, the posterior of state :math:`s` at frame :math:`t` is
    :math:`\gamma_t(s) = \exp(\alpha_t(s) + \beta_t(s) - y_t(l'_s) - \log p(l \mid z))`, and

    .. math::

        \ell = -\log p(l \mid z), \qquad
        \frac{\partial \ell}{\partial z_{t,k}} = \operatorname{softmax}(z_t)_k - \sum_{s:\, l'_s = k} \gamma_t(s)

    Sums of probabilities are ``logaddexp`` of their logs, so no product of :math:`T` probabilities
    underflows. ``"mean"`` divides each loss by its target length (at least 1), then averages over
    the batch, as PyTorch does; ``zero_infinity`` replaces an infinite loss (no alignment) and its
    gradient by 0.

    Returns ``(value, gradient)`` as :func:`losslib.value_and_grad` does; the fast path ``_ctc``
    (all sequences at once) is tested against it.
    """
    targets, z = np.asarray(y_true), np.asarray(y_pred)
    t_lens, l_lens = np.asarray(input_lengths), np.asarray(target_lengths)
    logp, probs = log_softmax(z), softmax(z)
    loss, grad = np.zeros(len(z)), np.zeros_like(z)
    for i in range(len(z)):
        t_len, l_len = int(t_lens[i]), int(l_lens[i])
        ext = np.full(2 * l_len + 1, blank)
        ext[1::2] = targets[i, :l_len]
        skip = (ext != blank) & (ext != np.r_[blank, blank, ext][: len(ext)])  # a label unlike l'_{s-2}
        if t_len == 0:  # no frames: the empty target has probability 1, any other 0
            loglik = 0.0 if l_len == 0 else -np.inf
        else:
            y = logp[i, :t_len][:, ext]  # y[t, s] = log-probability of l'_s at frame t
            alpha, beta = np.full_like(y, -np.inf), np.full_like(y, -np.inf)
            alpha[0, :2], beta[-1, -2:] = y[0, :2], y[-1, -2:]  # start in the first blank or label
            for t in range(1, t_len):
                prev = np.r_[-np.inf, -np.inf, alpha[t - 1]]  # from s, s - 1 or s - 2
                alpha[t] = y[t] + np.logaddexp.reduce([prev[2:], prev[1:-1], np.where(skip, prev[:-2], -np.inf)])
            for t in range(t_len - 2, -1, -1):
                nxt = np.r_[beta[t + 1], -np.inf, -np.inf]  # to s, s + 1 or s + 2
                jump = np.where(np.r_[skip, False, False][2:], nxt[2:], -np.inf)
                beta[t] = y[t] + np.logaddexp.reduce([nxt[:-2], nxt[1:-1], jump])
            loglik = np.logaddexp.reduce(alpha[-1, -2:])  # end in the last label or the final blank
            with np.errstate(invalid="ignore"):  # no alignment (log p = -inf): NaN, as PyTorch's gradient
                gamma = np.exp(alpha + beta - y - loglik)  # (T, S): P(frame t is in state s | l, z)
            grad[i, :t_len] = probs[i, :t_len] - gamma @ np.eye(z.shape[-1])[ext]
        loss[i] = -loglik
        if zero_infinity and np.isinf(loss[i]):
            loss[i], grad[i] = 0.0, 0.0
    if reduction == "mean":
        lengths = np.maximum(l_lens, 1)
        loss, grad = loss / lengths, grad / lengths[:, None, None]
    return reduce_readable(loss, grad, reduction)


def _ctc(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    input_lengths: npt.ArrayLike,
    target_lengths: npt.ArrayLike,
    *,
    blank: int = 0,
    zero_infinity: bool = False,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`ctc_readable`: value and/or gradient of all sequences at once, sharing the
    log-softmax and the forward variables."""
    z, targets, t_len, l_len = _ctc_inputs(
        y_true, y_pred, input_lengths, target_lengths, blank, zero_infinity, reduction
    )
    n, t_max, n_classes = z.shape
    dt = z.dtype
    neg_inf = dt.type(-np.inf)
    logp = log_softmax(z)  # (N, T, C)

    # Extended labels l' = (blank, l1, blank, l2, ..., lL, blank): shape (N, 2 Lmax + 1)
    l_max = int(l_len.max())
    width = 2 * l_max + 1
    ext = np.full((n, width), blank, dtype=np.int64)
    ext[:, 1::2] = targets[:, :l_max]
    s = np.arange(width)
    valid = s < 2 * l_len[:, None] + 1  # positions of each sequence's own l'
    skip = np.zeros((n, width), dtype=bool)  # may jump from s - 2 to s
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    lpe = np.take_along_axis(logp, np.broadcast_to(ext[:, None, :], (n, t_max, width)), axis=2)  # (N, T, S')

    # alpha[t, n, s] = log P(the first t + 1 frames emit l'_{1..s}), the last one emitting l'_s
    alpha = np.full((t_max, n, width), neg_inf, dtype=dt)
    alpha[0] = np.where(valid & (s < 2), lpe[:, 0, :], neg_inf)
    shift1 = np.full((n, width), neg_inf, dtype=dt)
    shift2 = np.full((n, width), neg_inf, dtype=dt)
    for t in range(1, t_max):
        prev = alpha[t - 1]
        shift1[:, 1:] = prev[:, :-1]
        shift2[:, 2:] = prev[:, :-2]
        alpha[t] = np.where(valid, _lae3(prev, shift1, np.where(skip, shift2, neg_inf)) + lpe[:, t, :], neg_inf)

    # log p(l | x): the paths ending in the last label or the final blank at frame T_n - 1
    rows = np.arange(n)
    last = np.maximum(t_len - 1, 0)
    end_blank = alpha[last, rows, 2 * l_len]
    end_label = np.where(l_len > 0, alpha[last, rows, np.maximum(2 * l_len - 1, 0)], neg_inf)
    loglik = np.logaddexp(end_blank, end_label)
    # no frames at all: the empty target has probability 1, any other 0
    loglik = np.where(t_len > 0, loglik, np.where(l_len == 0, dt.type(0), neg_inf)).astype(dt, copy=False)
    loss = 0.0 - loglik  # 0.0 - x: an empty target with no frames costs 0.0, not -0.0
    infinite = np.isinf(loss)
    if zero_infinity:
        loss = np.where(infinite, dt.type(0), loss)
    # reduction weights: "mean" divides each loss by its target length (at least 1), then by N
    weight = np.ones(n, dtype=dt) if reduction != "mean" else (1.0 / (n * np.maximum(l_len, 1))).astype(dt)

    v: Reduced | None = None
    g: FloatArray | None = None
    if value:
        if reduction == "none":
            v = loss
        elif reduction == "sum":
            v = loss.sum(dtype=dt)
        else:
            v = dt.type((loss * weight).sum(dtype=dt))
    if grad:
        # beta[t, n, s] = log P(frames t..T_n - 1 emit l'_{s..end}), frame t emitting l'_s
        beta = np.full((t_max, n, width), neg_inf, dtype=dt)
        is_end = valid & ((s == 2 * l_len[:, None]) | (s == 2 * l_len[:, None] - 1))
        nxt = np.full((n, width), neg_inf, dtype=dt)
        shift1[:] = neg_inf
        shift2[:] = neg_inf
        for t in range(t_max - 1, -1, -1):
            if t + 1 < t_max:
                nxt = beta[t + 1]
                shift1[:, :-1] = nxt[:, 1:]
                shift2[:, :-2] = np.where(skip[:, 2:], nxt[:, 2:], neg_inf)
            rec = _lae3(nxt, shift1, shift2) + lpe[:, t, :]
            start = (t_len - 1 == t)[:, None]
            inside = (t < t_len - 1)[:, None]
            beta[t] = np.where(valid & start & is_end, lpe[:, t, :], np.where(valid & inside, rec, neg_inf))
        # occupation probability of each l' position, then summed per class:
        # occ[n, t, k] = sum_{s: l'_s = k} exp(alpha + beta - lpe - log p)
        with np.errstate(invalid="ignore", over="ignore"):
            gamma = np.exp(alpha.transpose(1, 0, 2) + beta.transpose(1, 0, 2) - lpe - loglik[:, None, None])
        onehot = (ext[:, :, None] == np.arange(n_classes)).astype(dt)  # (N, S', C)
        occ = gamma @ onehot  # (N, T, C)
        probs = np.exp(logp)
        # d(-log p)/d(log-softmax) = -occ, then through the log-softmax: with d = softmax - occ,
        # d - softmax * sum_k d_k (= softmax - occ, as sum_k occ_k = 1 = sum_k softmax_k). This form
        # gets a dominant class's gradient from the small entries of the others (as PyTorch does):
        # softmax_k - occ_k alone would lose every digit below 1e-16 when both are ~1.
        d = probs - occ
        g = d - probs * d.sum(axis=-1, keepdims=True)
        frames = np.arange(t_max)[None, :, None] < t_len[:, None, None]
        g = np.where(frames, g, dt.type(0))
        if zero_infinity:
            g = np.where(infinite[:, None, None], dt.type(0), g)
        g = (g * weight[:, None, None]).astype(dt, copy=False)
    return v, g


@shared_doc
def ctc(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    input_lengths: npt.ArrayLike,
    target_lengths: npt.ArrayLike,
    *,
    blank: int = 0,
    zero_infinity: bool = False,
    reduction: str = "mean",
) -> Reduced:
    r"""Connectionist temporal classification loss: the negative log-probability of a transcript.

    A network emits, at each of :math:`T` frames, a distribution over :math:`C` classes, one
    of which is the *blank*. An alignment :math:`\pi \in \{1..C\}^T` is mapped to a label
    sequence by :math:`\mathcal B`: merge repeated classes, then remove the blanks
    (``aa-b-`` becomes ``ab``; ``a-a`` stays ``aa``). The loss of a target :math:`l` is

    .. math:: \ell(l, z) = -\log \sum_{\pi \in \mathcal B^{-1}(l)} \prod_{t=1}^{T}
        \operatorname{softmax}(z_t)_{\pi_t}

    computed by the forward-backward recursions of Graves et al. (2006) over the extended
    sequence :math:`l' = (\varnothing, l_1, \varnothing, \dots, l_L, \varnothing)`, in log
    space, in :math:`O(T L)` per sequence.

    Parameters
    ----------
    y_true : array_like of int, shape ``(N, S)``
        Target label sequences, padded to a common length :math:`S`. Row :math:`n` holds
        its ``target_lengths[n]`` labels first; the rest is padding and is ignored. Labels
        are classes in ``[0, C)`` other than ``blank``.
    y_pred : array_like, shape ``(N, T, C)``
        **Logits**, batch first and classes last (losslib's layout); the log-softmax over the
        classes is applied inside. Log-probabilities are accepted too (the log-softmax leaves
        them unchanged).
    input_lengths : array_like of int, shape ``(N,)``
        Number of valid frames of each sequence, in ``[0, T]``; later frames are ignored
        (their gradient is 0).
    target_lengths : array_like of int, shape ``(N,)``
        Number of labels of each target, in ``[0, S]``.
    blank : int
        Index of the blank class.
    zero_infinity : bool
        Replace infinite losses (targets that no alignment can produce, e.g. a target longer
        than its input) and their gradients by 0.
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns the loss of each sequence, shape ``(N,)``; ``"sum"`` their sum;
        ``"mean"`` divides each loss by its target length (at least 1) and averages over
        the batch, as PyTorch does.

    {returns}

    Notes
    -----
    Same numbers as ``torch.nn.functional.ctc_loss(log_softmax(z).transpose(0, 1), y_true,
    input_lengths, target_lengths, blank, reduction, zero_infinity)``, with these
    differences: the layout is ``(N, T, C)`` logits instead of ``(T, N, C)`` log-probabilities;
    targets are padded ``(N, S)`` only (not concatenated 1-D); and out-of-range labels or
    labels equal to ``blank`` raise ``ValueError`` (PyTorch's CPU kernel returns a meaningless
    number). As in PyTorch, a target that no alignment of its frames can produce (it needs
    :math:`L + \#\{\text{repeats}\}` frames) has loss ``inf`` and a NaN gradient on its frames,
    unless ``zero_infinity=True``. The gradient is with respect to the logits:
    :math:`\operatorname{softmax}(z_t) - \gamma_t`, with :math:`\gamma_t(k)` the posterior
    probability that frame :math:`t` emits class :math:`k`. (PyTorch's own backward with respect
    to its ``log_probs`` argument returns this same expression, which is the gradient with
    respect to the logits rather than the partial derivative with respect to the log-probabilities.)

    Stability: all recursions run on log-probabilities with ``logaddexp``, so logits up to
    1e4 give finite losses and gradients. The loss is not convex in the logits.

    References
    ----------
    .. [1] Graves, A., Fernandez, S., Gomez, F. and Schmidhuber, J. (2006). Connectionist
       temporal classification: labelling unsegmented sequence data with recurrent neural
       networks. *ICML 2006*, 369-376. (graves2006connectionist)

    Examples
    --------
    Two frames, uniform over {blank, a}: the alignments of "a" are ``a-``, ``-a`` and ``aa``,
    3 of the 4 equally likely ones.

    >>> z = np.zeros((1, 2, 2))
    >>> round(float(ctc([[1]], z, [2], [1], reduction="sum")), 6)  # -log(3/4)
    0.287682
    """
    return cast(
        Reduced,
        _ctc(
            y_true,
            y_pred,
            input_lengths,
            target_lengths,
            blank=blank,
            zero_infinity=zero_infinity,
            reduction=reduction,
            grad=False,
        )[0],
    )


ctc_grad = gradient(
    ctc,
    _ctc,
    doc=r"""Gradient of :func:`ctc` with respect to the logits ``y_pred``.

    .. math:: \frac{\partial \ell}{\partial z_{t,k}} = \operatorname{softmax}(z_t)_k
        - \frac{1}{p(l \mid z)} \sum_{s:\, l'_s = k} \alpha_t(s)\, \beta_t(s) / y_t(l'_s)

    for the frames :math:`t` < ``input_lengths[n]`` (0 after), scaled like the value by the
    reduction.

    Examples
    --------
    >>> np.round(ctc_grad([[1]], np.zeros((1, 2, 2)), [2], [1], reduction="sum"), 6)
    array([[[ 0.166667, -0.166667],
            [ 0.166667, -0.166667]]])
    """,
)


def _sample_ctc(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """``n`` sequences of 5 frames over 3 classes (blank 0) with feasible targets of 1 or 2 labels.

    Short sequences with few classes: there the competing alignments make the loss visibly
    non-convex along random segments of logits.
    """
    return {
        "y_true": rng.integers(1, 3, size=(n, 2)),
        "y_pred": 2.0 * rng.normal(size=(n, 5, 3)),
        "input_lengths": rng.integers(4, 6, size=n),  # >= 2 labels + 1 repeat: always feasible
        "target_lengths": rng.integers(1, 3, size=n),
    }


register(
    ctc,
    family="sequence",
    prediction="logit",
    target="sequence",
    distribution=None,
    convex=False,
    differentiable=True,
    robust=None,
    proper=True,
    reference="graves2006connectionist",
    summary="Negative log-probability of a transcript, summed over all frame alignments.",
    args=("y_true", "y_pred", "input_lengths", "target_lengths"),
    grad_wrt=("y_pred",),
    oracle="torch",
    sampler=_sample_ctc,
    equivalents=Equivalents(
        torch="torch.nn.functional.ctc_loss(torch.log_softmax(y_pred, -1).transpose(0, 1), y_true, input_lengths, target_lengths, blank=blank, zero_infinity=zero_infinity)",
        optax="(optax.losses.ctc_loss(y_pred, 1.0 * (jnp.arange(y_pred.shape[1]) >= input_lengths[:, None]), y_true, 1.0 * (jnp.arange(y_true.shape[1]) >= target_lengths[:, None]), blank_id=blank) / target_lengths).mean()",
        note=(
            "PyTorch takes (T, N, C) log-probabilities; optax takes paddings instead of lengths and returns one "
            "loss per sequence, not divided by its target length. Keras' `CTC` takes every input at full length "
            "with blank 0."
        ),
    ),
)
