r"""Penalties on parameters: L1 (lasso), L2 (ridge) and the elastic net.

A penalty is a function of the parameters alone, added to a data loss:
:math:`\min_w \; L(w) + R(w)`. Each one is the negative log-density of a prior on the
parameters (up to a constant), so adding it turns maximum likelihood into maximum a
posteriori estimation: L1 is a Laplace prior, L2 a Gaussian prior.

Unlike the losses on data, the default reduction is ``"sum"`` (a penalty is a sum over
the parameters); ``"mean"`` averages over the parameters and ``"none"`` returns one
penalty per parameter.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from ._docstrings import shared_doc
from ._info import Equivalents, register
from ._reduction import grad_scale, reduce, reduce_readable
from ._typing import Float, FloatArray, Reduced
from ._validation import (
    as_float_array,
    check_positive_scalar,
    check_reduction,
    check_scalar,
    option_in_dtype,
)
from ._wrappers import gradient

__all__ = [
    "elastic_net",
    "elastic_net_grad",
    "l1_penalty",
    "l1_penalty_grad",
    "l2_penalty",
    "l2_penalty_grad",
]


def _params(params: npt.ArrayLike, reduction: str) -> FloatArray:
    check_reduction(reduction)
    return as_float_array(params, "params")


def _scale(w: FloatArray, reduction: str) -> Float:
    scale: Float = w.dtype.type(grad_scale(reduction, w.size))
    return scale


def _sample_params(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    """``n`` parameters of either sign, at least 0.05 away from the kink at 0."""
    return {"params": rng.uniform(0.05, 3.0, size=n) * rng.choice([-1.0, 1.0], size=n)}


def l1_penalty_readable(params: npt.ArrayLike, *, reduction: str = "sum") -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`l1_penalty` and :func:`l1_penalty_grad`, as chapter 5 writes them.

    .. math:: R(w) = \sum_i |w_i|, \qquad \frac{\partial R}{\partial w_i} = \operatorname{sign}(w_i)

    (the subgradient 0 at :math:`w_i = 0`), one term per parameter before the reduction. The fast
    path ``_l1_penalty`` is tested against it.
    """
    w = np.asarray(params)
    return reduce_readable(np.abs(w), np.sign(w), reduction)


def _l1_penalty(
    params: npt.ArrayLike, *, reduction: str = "sum", value: bool = True, grad: bool = True
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`l1_penalty_readable` (with validation, in ``params``' dtype)."""
    w = _params(params, reduction)
    return (
        reduce(np.abs(w), reduction) if value else None,
        np.sign(w) * _scale(w, reduction) if grad else None,
    )


@shared_doc
def l1_penalty(params: npt.ArrayLike, *, reduction: str = "sum") -> Reduced:
    r"""L1 penalty (lasso): the sum of the absolute values of the parameters.

    .. math:: R(w) = \lVert w \rVert_1 = \sum_i |w_i|

    It is :math:`-\log` of a Laplace(0, 1) prior density on each parameter, up to the
    constant :math:`\log 2`. Its kink at 0 sets small parameters exactly to zero
    (sparse solutions), which the smooth L2 penalty never does.

    Parameters
    ----------
    params : array_like, any shape
        The parameters :math:`w`. Their floating dtype is the dtype of the result.
    reduction : {"sum", "mean", "none"}
        ``"sum"`` (default) is the penalty; ``"mean"`` divides it by the number of
        parameters; ``"none"`` returns :math:`|w_i|` for each parameter.

    {returns}

    Notes
    -----
    Multiply by the regularisation strength yourself (``lam * l1_penalty(w)``).
    scikit-learn's ``Lasso`` minimises :math:`\frac{1}{2n}\lVert y - Xw\rVert_2^2 + \alpha \lVert w\rVert_1`,
    i.e. ``alpha * l1_penalty(w)``; PyTorch has no penalty functions (``torch.norm(w, 1)``
    is the same number).

    References
    ----------
    .. [1] Tibshirani, R. (1996). Regression shrinkage and selection via the lasso.
       *JRSS B* 58(1), 267-288. (tibshirani1996regression)

    Examples
    --------
    >>> float(l1_penalty([1.5, -2.0, 0.0]))
    3.5
    """
    return cast(Reduced, _l1_penalty(params, reduction=reduction, grad=False)[0])


l1_penalty_grad = gradient(
    l1_penalty,
    _l1_penalty,
    doc=r"""(Sub)gradient of :func:`l1_penalty`: :math:`\operatorname{sign}(w)`, with 0 at :math:`w = 0`.

    At :math:`w_i = 0` the penalty has a kink; the subgradient 0 (the one of minimal norm,
    as ``np.sign`` and PyTorch's ``abs`` give) is returned there.

    Examples
    --------
    >>> l1_penalty_grad([1.5, -2.0, 0.0])
    array([ 1., -1.,  0.])
    """,
)


register(
    l1_penalty,
    family="penalty",
    prediction="real",
    target="none",
    distribution="Laplace",
    convex=True,
    differentiable=False,
    robust=None,
    proper=None,
    reference="tibshirani1996regression",
    summary="Sum of absolute parameters (lasso); a Laplace prior, gives sparse solutions.",
    args=("params",),
    grad_wrt=("params",),
    oracle="closed form",
    sampler=_sample_params,
    equivalents=Equivalents(
        keras="keras.regularizers.L1(l1=1.0)(params)",
        note=(
            "Keras' regularizer multiplies by its strength `l1`. PyTorch and optax have no penalty functions "
            "(weight decay is an optimiser option)."
        ),
    ),
)


def l2_penalty_readable(params: npt.ArrayLike, *, reduction: str = "sum") -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`l2_penalty` and :func:`l2_penalty_grad`, as chapter 5 writes them.

    .. math:: R(w) = \tfrac12 \sum_i w_i^2, \qquad \frac{\partial R}{\partial w_i} = w_i

    one term per parameter before the reduction. The fast path ``_l2_penalty`` is tested against it.
    """
    w = np.asarray(params)
    return reduce_readable(0.5 * w**2, w, reduction)


def _l2_penalty(
    params: npt.ArrayLike, *, reduction: str = "sum", value: bool = True, grad: bool = True
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`l2_penalty_readable` (with validation, in ``params``' dtype)."""
    w = _params(params, reduction)
    return (
        reduce(0.5 * w * w, reduction) if value else None,
        w * _scale(w, reduction) if grad else None,
    )


@shared_doc
def l2_penalty(params: npt.ArrayLike, *, reduction: str = "sum") -> Reduced:
    r"""L2 penalty (ridge, weight decay): half the squared Euclidean norm of the parameters.

    .. math:: R(w) = \tfrac12 \lVert w \rVert_2^2 = \tfrac12 \sum_i w_i^2

    The factor :math:`\tfrac12` makes the gradient exactly :math:`w`, so
    ``lam * l2_penalty(w)`` is weight decay with rate ``lam``. It is :math:`-\log` of a
    standard normal prior density on each parameter, up to the constant
    :math:`\tfrac12\log 2\pi`.

    Parameters
    ----------
    params : array_like, any shape
    reduction : {"sum", "mean", "none"}
        ``"sum"`` (default) is the penalty; ``"mean"`` divides it by the number of
        parameters; ``"none"`` returns :math:`w_i^2 / 2` for each parameter.

    {returns}

    Notes
    -----
    Mind the :math:`\tfrac12`: scikit-learn's ``Ridge`` penalises
    :math:`\alpha\lVert w\rVert_2^2` (without it, so ``Ridge(alpha)`` is ``2 * alpha * l2_penalty``),
    while its ``ElasticNet`` and PyTorch's ``weight_decay=lam`` (gradient ``lam * w``) use
    :math:`\tfrac{\alpha}{2}\lVert w\rVert_2^2`, as here.

    References
    ----------
    .. [1] Hoerl, A. E. and Kennard, R. W. (1970). Ridge regression: biased estimation for
       nonorthogonal problems. *Technometrics* 12(1), 55-67. (hoerl1970ridge)

    Examples
    --------
    >>> float(l2_penalty([3.0, -4.0]))
    12.5
    """
    return cast(Reduced, _l2_penalty(params, reduction=reduction, grad=False)[0])


l2_penalty_grad = gradient(
    l2_penalty,
    _l2_penalty,
    doc=r"""Gradient of :func:`l2_penalty`: :math:`w` (divided by the number of parameters for ``"mean"``).

    Examples
    --------
    >>> l2_penalty_grad([3.0, -4.0])
    array([ 3., -4.])
    """,
)


register(
    l2_penalty,
    family="penalty",
    prediction="real",
    target="none",
    distribution="Gaussian",
    convex=True,
    differentiable=True,
    robust=None,
    proper=None,
    reference="hoerl1970ridge",
    summary="Half the squared norm of the parameters (ridge, weight decay); a Gaussian prior.",
    args=("params",),
    grad_wrt=("params",),
    oracle="closed form",
    sampler=_sample_params,
    equivalents=Equivalents(
        keras="keras.regularizers.L2(l2=0.5)(params)",
        note=(
            "Keras' `L2(l2)` is `l2 * sum(w**2)`, without the ½: `l2=0.5` is losslib's penalty. PyTorch and optax "
            "have no penalty functions (weight decay is an optimiser option)."
        ),
    ),
)


def elastic_net_readable(
    params: npt.ArrayLike, *, alpha: float = 1.0, l1_ratio: float = 0.5, reduction: str = "sum"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`elastic_net` and :func:`elastic_net_grad`, as chapter 5 writes them.

    .. math::

        R(w) = \alpha \sum_i \Big(\rho\, |w_i| + \frac{1 - \rho}{2} w_i^2\Big), \qquad
        \frac{\partial R}{\partial w_i} = \alpha \big(\rho \operatorname{sign}(w_i) + (1 - \rho)\, w_i\big),
        \qquad \rho = \texttt{l1\_ratio}

    one term per parameter before the reduction. The fast path ``_elastic_net`` is tested against it.
    """
    w, rho = np.asarray(params), l1_ratio
    loss = alpha * (rho * np.abs(w) + (1 - rho) / 2 * w**2)
    grad = alpha * (rho * np.sign(w) + (1 - rho) * w)
    return reduce_readable(loss, grad, reduction)


def _elastic_net(
    params: npt.ArrayLike,
    *,
    alpha: float = 1.0,
    l1_ratio: float = 0.5,
    reduction: str = "sum",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`elastic_net_readable` (with validation, in ``params``' dtype)."""
    a = check_positive_scalar(alpha, "alpha", allow_zero=True)
    r = check_scalar(l1_ratio, "l1_ratio", low=0, high=1, about="0: pure L2, 1: pure L1")
    w = _params(params, reduction)
    option_in_dtype(a, "alpha", w.dtype, "params", zero_ok=True)
    t = w.dtype.type
    v = g = None
    if value:
        v = reduce((t(a * r) * np.abs(w) + t(0.5 * a * (1 - r)) * (w * w)).astype(w.dtype, copy=False), reduction)
    if grad:
        g = (t(a * r) * np.sign(w) + t(a * (1 - r)) * w) * _scale(w, reduction)
    return v, g


@shared_doc
def elastic_net(params: npt.ArrayLike, *, alpha: float = 1.0, l1_ratio: float = 0.5, reduction: str = "sum") -> Reduced:
    r"""Elastic-net penalty: a mix of the L1 and L2 penalties, as in scikit-learn.

    .. math:: R(w) = \alpha \Big( \rho \lVert w\rVert_1 + \frac{1 - \rho}{2} \lVert w\rVert_2^2 \Big),
        \qquad \rho = \texttt{l1\_ratio}

    so ``elastic_net(w, alpha=a, l1_ratio=1)`` is ``a * l1_penalty(w)`` and
    ``l1_ratio=0`` gives ``a * l2_penalty(w)``. The L1 part selects variables; the L2 part
    keeps groups of correlated variables together and makes the problem strongly convex.

    Parameters
    ----------
    params : array_like, any shape
    alpha : float >= 0
        Overall strength.
    l1_ratio : float in [0, 1]
        Share of the L1 part.
    reduction : {"sum", "mean", "none"}
        ``"sum"`` (default) is the penalty; ``"mean"`` divides it by the number of
        parameters; ``"none"`` returns one term per parameter.

    {returns}

    Notes
    -----
    This is exactly the penalty of ``sklearn.linear_model.ElasticNet``, whose objective is
    ``1 / (2 * n_samples) * ||y - Xw||^2_2 + alpha * l1_ratio * ||w||_1
    + 0.5 * alpha * (1 - l1_ratio) * ||w||^2_2``, with the same parameter names and
    defaults. Zou and Hastie (2005) write it as :math:`\lambda_1\lVert w\rVert_1 + \lambda_2\lVert w\rVert_2^2`
    (no :math:`\tfrac12`) and rescale the solution by :math:`1 + \lambda_2` ("naive" vs
    elastic net); only the penalty is implemented here.

    References
    ----------
    .. [1] Zou, H. and Hastie, T. (2005). Regularization and variable selection via the
       elastic net. *JRSS B* 67(2), 301-320. (zou2005regularization)

    Examples
    --------
    >>> float(elastic_net([1.0, -2.0], alpha=0.5, l1_ratio=0.2))
    1.3
    """
    return cast(Reduced, _elastic_net(params, alpha=alpha, l1_ratio=l1_ratio, reduction=reduction, grad=False)[0])


elastic_net_grad = gradient(
    elastic_net,
    _elastic_net,
    doc=r"""(Sub)gradient of :func:`elastic_net`: :math:`\alpha(\rho\operatorname{sign}(w) + (1-\rho) w)`.

    The subgradient of :math:`|w_i|` at :math:`w_i = 0` is taken to be 0, as in :func:`l1_penalty_grad`.

    Examples
    --------
    >>> elastic_net_grad([1.0, -2.0, 0.0], alpha=0.5, l1_ratio=0.2)
    array([ 0.5, -0.9,  0. ])
    """,
)


register(
    elastic_net,
    family="penalty",
    prediction="real",
    target="none",
    distribution=None,
    convex=True,
    differentiable=False,
    robust=None,
    proper=None,
    reference="zou2005regularization",
    summary="scikit-learn's mix of L1 and L2 penalties: sparse and stable.",
    args=("params",),
    grad_wrt=("params",),
    oracle="closed form",
    sampler=_sample_params,
    equivalents=Equivalents(
        keras="keras.regularizers.L1L2(l1=alpha * l1_ratio, l2=alpha * (1 - l1_ratio) / 2)(params)",
        note="Keras' `L1L2(l1, l2)` is `l1 * sum|w| + l2 * sum(w**2)`. PyTorch and optax have no penalty functions.",
    ),
)
