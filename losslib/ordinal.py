r"""Ordered classes (ratings, grades, severities): the proportional-odds (cumulative logit) NLL.

The model predicts one score per example and shares :math:`K - 1` increasing cutpoints;
the probability of class :math:`k` is the mass of a logistic variable between two cutpoints.
"""

from __future__ import annotations

from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from ._distributions import finish, float_inputs
from ._docstrings import shared_doc
from ._info import Equivalents, register
from ._reduction import reduce_readable
from ._typing import FloatArray, Reduced
from ._validation import _first_index, _where, as_label_array, check_same_shape
from ._wrappers import gradient
from .special import log_sigmoid, sigmoid

__all__ = ["ordinal_logistic_nll", "ordinal_logistic_nll_grad"]


class OrdinalLogisticNLLGrad(NamedTuple):
    """Gradient of :func:`ordinal_logistic_nll` with respect to ``score`` and ``cutpoints``."""

    score: FloatArray
    cutpoints: FloatArray


def ordinal_logistic_nll_readable(
    y_true: npt.ArrayLike, score: npt.ArrayLike, cutpoints: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, OrdinalLogisticNLLGrad]:
    r"""Readable form of :func:`ordinal_logistic_nll` and its gradient: a difference of two sigmoids.

    .. math::

        \ell = -\log\big(\sigma(\theta_y - s) - \sigma(\theta_{y-1} - s)\big),
        \qquad \theta_{-1} = -\infty,\ \theta_{K-1} = +\infty
    """
    y = np.asarray(y_true)
    s, theta = np.asarray(score, dtype=float), np.asarray(cutpoints, dtype=float)
    padded = np.concatenate([[-np.inf], theta, [np.inf]])
    upper, lower = sigmoid(padded[y + 1] - s), sigmoid(padded[y] - s)
    prob = upper - lower
    d_upper, d_lower = upper * (1 - upper), lower * (1 - lower)  # sigma' at the two cutpoints
    g_theta = np.zeros((y.size, theta.size + 2))
    g_theta[np.arange(y.size), y.ravel() + 1] = -(d_upper / prob).ravel()
    g_theta[np.arange(y.size), y.ravel()] += (d_lower / prob).ravel()
    grads = OrdinalLogisticNLLGrad((d_upper - d_lower) / prob, g_theta[:, 1:-1].sum(axis=0))
    return reduce_readable(-np.log(prob), grads, reduction)


def _ordinal_logistic_nll(
    y_true: npt.ArrayLike,
    score: npt.ArrayLike,
    cutpoints: npt.ArrayLike,
    *,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, OrdinalLogisticNLLGrad | None]:
    r"""Fast path of the readable form, in the log domain:
    :math:`\sigma(a) - \sigma(b) = \sigma(a)\,\sigma(-b)\,(1 - e^{-(a - b)})` for :math:`a > b`, so
    :math:`\log P = \log\sigma(a) + \log\sigma(-b) + \log(-\operatorname{expm1}(b - a))`: no difference
    of probabilities near 0 or 1 is formed."""
    dtype, (s,) = float_inputs(reduction, ("score", score), dtype_from=0)
    _, (theta,) = float_inputs(reduction, ("cutpoints", cutpoints), dtype_from=0)
    y = as_label_array(y_true, "y_true")
    check_same_shape(y, "y_true", s, "score")
    if theta.ndim != 1:
        raise ValueError(f"cutpoints must be 1-D (K - 1 thresholds shared by every example), got shape {theta.shape}")
    steps = np.diff(theta)
    if theta.size > 1 and not steps.min() > 0:
        i = int(np.argmax(~(steps > 0)))
        raise ValueError(
            f"cutpoints must be strictly increasing but cutpoints[{i}] = {theta[i].item()!r} >= cutpoints[{i + 1}] = "
            f"{theta[i + 1].item()!r}; parametrise them as a first cutpoint plus cumulative softplus steps"
        )
    n_classes = theta.size + 1
    if y.min() < 0 or y.max() >= n_classes:
        index = _first_index((y < 0) | (y >= n_classes))
        raise ValueError(
            f"y_true must hold classes 0 to {n_classes - 1} (len(cutpoints) + 1 classes) but "
            f"{_where('y_true', index)} = {y[index].item()!r}"
        )
    top, bottom = y == n_classes - 1, y == 0
    upper = theta[np.minimum(y, n_classes - 2)]  # theta_y, used unless y is the top class
    lower = theta[np.maximum(y - 1, 0)]  # theta_{y-1}, used unless y is the bottom class
    a, b = upper - s, lower - s
    gap = np.where(top | bottom, 1.0, upper - lower)
    log_prob = (
        np.where(top, 0.0, log_sigmoid(a))
        + np.where(bottom, 0.0, log_sigmoid(-b))
        + np.where(top | bottom, 0.0, np.log(-np.expm1(-gap)))
    )
    with np.errstate(over="ignore"):
        inv = np.where(top | bottom, 0.0, 1 / np.expm1(gap))
    g_a = np.where(top, 0.0, -sigmoid(-a) - inv)
    g_b = np.where(bottom, 0.0, sigmoid(b) + inv)
    # a weighted bincount sums in float64 (numpy's stubs type every bincount as integers)
    g_theta = cast(FloatArray, np.bincount(np.minimum(y, n_classes - 2).ravel(), g_a.ravel(), minlength=n_classes - 1))
    g_theta = g_theta + cast(
        FloatArray, np.bincount(np.maximum(y - 1, 0).ravel(), g_b.ravel(), minlength=n_classes - 1)
    )
    return finish(
        -log_prob,
        [-(g_a + g_b), g_theta[: n_classes - 1]],
        dtype,
        reduction,
        y.size,
        OrdinalLogisticNLLGrad,
        value,
        grad,
    )


@shared_doc
def ordinal_logistic_nll(
    y_true: npt.ArrayLike, score: npt.ArrayLike, cutpoints: npt.ArrayLike, *, reduction: str = "mean"
) -> Reduced:
    r"""Negative log-likelihood of ordered classes under the proportional-odds (cumulative logit) model.

    .. math::

        P(y \le k) = \sigma(\theta_k - s), \qquad
        \ell(y; s, \theta) = -\log\big(\sigma(\theta_y - s) - \sigma(\theta_{y-1} - s)\big)

    with :math:`\theta_{-1} = -\infty` and :math:`\theta_{K-1} = +\infty` (McCullagh, 1980). One
    score per example orders the classes: a higher score moves mass to higher classes, with the
    same odds ratio at every cutpoint. Unlike the cross-entropy of :math:`K` free classes, it
    knows that predicting 4 stars for a 5-star item is better than predicting 1.

    Parameters
    ----------
    y_true : array_like of int, any shape
        Classes :math:`0, \dots, K - 1`.
    score : array_like, same shape as ``y_true``
        Predicted scores :math:`s` (any finite reals). Its floating dtype is the dtype of the result.
    cutpoints : array_like, shape (K - 1,)
        Strictly increasing thresholds :math:`\theta_0 < \dots < \theta_{K-2}`, shared by all
        examples (learned with the model).
    {reduction}

    Raises
    ------
    ValueError
        For classes outside 0..K-1, cutpoints that do not increase, NaN or ±inf, shapes that differ.
    TypeError
        For labels that are not integers.

    Notes
    -----
    For a middle class :math:`\sigma(a) - \sigma(b) = \sigma(a)\sigma(-b)(1 - e^{-(a-b)})`, so the
    log-probability is a sum of log-sigmoids and :math:`\log(-\operatorname{expm1}(-(a - b)))`: a
    class of probability :math:`10^{-300}`, or :math:`1 - 10^{-17}`, keeps every digit. The
    gradient with respect to the score is :math:`\sigma(-a) - \sigma(b)`, in :math:`(-1, 1)`.
    The loss is jointly convex in the score and the cutpoints. Equals the negative of
    ``statsmodels``' ``OrderedModel(distr="logit")`` log-likelihood of one example.

    References
    ----------
    .. [1] McCullagh, P. (1980). Regression models for ordinal data. *JRSS B* 42(2), 109-142.
       (mccullagh1980regression)

    Examples
    --------
    >>> round(float(ordinal_logistic_nll([1], [0.0], [-1.0, 1.0])), 12)  # -log(sigmoid(1) - sigmoid(-1))
    0.771936832905
    """
    return cast(Reduced, _ordinal_logistic_nll(y_true, score, cutpoints, reduction=reduction, grad=False)[0])


ordinal_logistic_nll_grad = gradient(
    ordinal_logistic_nll,
    _ordinal_logistic_nll,
    doc=r"""Gradient of :func:`ordinal_logistic_nll` with respect to ``score`` and ``cutpoints``.

    With :math:`a = \theta_y - s`, :math:`b = \theta_{y-1} - s` and :math:`P = \sigma(a) - \sigma(b)`:

    .. math::

        \frac{\partial\ell}{\partial s} = \sigma(-a) - \sigma(b), \qquad
        \frac{\partial\ell}{\partial\theta_y} = -\frac{\sigma'(a)}{P}, \qquad
        \frac{\partial\ell}{\partial\theta_{y-1}} = \frac{\sigma'(b)}{P}

    summed over the examples for the shared cutpoints.

    Examples
    --------
    >>> ordinal_logistic_nll_grad([0], [0.0], [-1.0, 1.0], reduction="sum").score  # sigmoid(1)
    array([0.73105858])
    """,
)


def _sample_ordinal(rng: np.random.Generator, n: int) -> dict[str, npt.NDArray[Any]]:
    cutpoints = np.cumsum(rng.uniform(0.3, 2.0, size=3)) - 2.0
    return {"y_true": rng.integers(0, 4, size=n), "score": rng.normal(size=n), "cutpoints": cutpoints}


register(
    ordinal_logistic_nll,
    family="likelihood",
    prediction="score and cutpoints",
    target="ordered class",
    distribution="cumulative logit",
    convex=True,
    differentiable=True,
    robust=None,
    proper=True,
    reference="mccullagh1980regression",
    args=("y_true", "score", "cutpoints"),
    grad_wrt=("score", "cutpoints"),
    oracle="closed form",
    sampler=_sample_ordinal,
    summary="Proportional-odds NLL of ordered classes: one score, shared increasing cutpoints.",
    equivalents=Equivalents(
        note="None of PyTorch, Keras and optax has the cumulative-logit (proportional-odds) loss.",
    ),
)
