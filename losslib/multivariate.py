r"""The multivariate Gaussian negative log-likelihood, with a predicted Cholesky factor of the covariance.

A model that predicts correlated outputs (a position in the plane, several prices) predicts a
mean vector and a lower-triangular matrix :math:`L` with a positive diagonal, so that
:math:`\Sigma = LL^\top` is a valid covariance whatever the network outputs. One loss per
example (row): ``reduction="mean"`` averages over examples.
"""

from __future__ import annotations

from typing import NamedTuple, cast

import numpy as np
import numpy.typing as npt

from ._distributions import finish, float_inputs
from ._docstrings import shared_doc
from ._info import Equivalents, register
from ._reduction import reduce_readable
from ._typing import FloatArray, Reduced
from ._validation import _first_index, as_float_array, check_finite
from ._wrappers import gradient

__all__ = ["multivariate_gaussian_nll", "multivariate_gaussian_nll_grad"]

_LOG_2PI = float(np.log(2 * np.pi))


class MultivariateGaussianNLLGrad(NamedTuple):
    """Gradient of :func:`multivariate_gaussian_nll` with respect to ``mean`` and ``scale_tril``."""

    mean: FloatArray
    scale_tril: FloatArray


def multivariate_gaussian_nll_readable(
    y_true: npt.ArrayLike, mean: npt.ArrayLike, scale_tril: npt.ArrayLike, *, reduction: str = "mean"
) -> tuple[Reduced, MultivariateGaussianNLLGrad]:
    r"""Readable form of :func:`multivariate_gaussian_nll` and its gradient, through :math:`\Sigma = LL^\top`.

    .. math::

        \ell = \tfrac12\big(D\log 2\pi + \log\det\Sigma + r^\top\Sigma^{-1} r\big), \quad
        \frac{\partial\ell}{\partial\mu} = -\Sigma^{-1} r, \quad
        \frac{\partial\ell}{\partial L} = \operatorname{tril}\big((\Sigma^{-1} - \Sigma^{-1} r r^\top \Sigma^{-1}) L\big)
    """
    y, mu, scale = (np.asarray(v, dtype=float) for v in (y_true, mean, scale_tril))
    lower = np.tril(scale)
    cov = lower @ np.swapaxes(lower, -1, -2)
    r = y - mu
    precision = np.linalg.inv(cov)
    pr = (precision @ r[..., None])[..., 0]
    loss = 0.5 * (y.shape[-1] * _LOG_2PI + np.linalg.slogdet(cov)[1] + np.sum(r * pr, axis=-1))
    g_scale = np.tril((precision - pr[..., :, None] * pr[..., None, :]) @ lower)
    return reduce_readable(loss, MultivariateGaussianNLLGrad(-pr, g_scale), reduction)


def _multivariate_gaussian_nll(
    y_true: npt.ArrayLike,
    mean: npt.ArrayLike,
    scale_tril: npt.ArrayLike,
    *,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, MultivariateGaussianNLLGrad | None]:
    r"""Fast path of the readable form: two triangular solves with :math:`L`, never :math:`\Sigma` or its inverse
    (whose condition number is the square of :math:`L`'s), and :math:`\log\det\Sigma = 2\sum_i \log L_{ii}`."""
    dtype, (y, mu) = float_inputs(reduction, ("y_true", y_true), ("mean", mean))
    scale = as_float_array(scale_tril, "scale_tril").astype(np.float64)
    check_finite(scale, "scale_tril", "numbers", "an infinite parameter has no likelihood")
    if y.ndim != 2:
        raise ValueError(f"y_true must have shape (N, D) (one D-vector per example), got shape {y.shape}")
    n, d = y.shape
    if scale.shape != (n, d, d):
        raise ValueError(
            f"scale_tril has shape {scale.shape} but y_true has shape {y.shape}; it must have shape {(n, d, d)}: "
            "one lower-triangular D x D Cholesky factor per example"
        )
    diag = np.diagonal(scale, axis1=-2, axis2=-1)
    if not diag.min() > 0:
        index = _first_index(~(diag > 0))
        raise ValueError(
            f"scale_tril must have a positive diagonal but scale_tril[{index[0]}, {index[1]}, {index[1]}] = "
            f"{diag[index].item()!r}; pass e.g. exp or softplus of the network's diagonal outputs"
        )
    lower = np.tril(scale)
    u = np.linalg.solve(lower, (y - mu)[..., None])  # L^{-1} r
    values = 0.5 * d * _LOG_2PI + np.sum(np.log(diag), axis=-1) + 0.5 * np.sum(u[..., 0] ** 2, axis=-1)
    v = np.linalg.solve(np.swapaxes(lower, -1, -2), u)  # L^{-T} L^{-1} r = Sigma^{-1} r
    g_scale = -v * np.swapaxes(u, -1, -2)
    idx = np.arange(d)
    g_scale[:, idx, idx] += 1 / diag
    return finish(values, [-v[..., 0], np.tril(g_scale)], dtype, reduction, n, MultivariateGaussianNLLGrad, value, grad)


@shared_doc
def multivariate_gaussian_nll(
    y_true: npt.ArrayLike, mean: npt.ArrayLike, scale_tril: npt.ArrayLike, *, reduction: str = "mean"
) -> Reduced:
    r"""Multivariate Gaussian negative log-likelihood with a predicted mean and Cholesky factor.

    .. math::

        \ell(y; \mu, L) = \frac D2\log 2\pi + \sum_{i=1}^D \log L_{ii} + \frac12\big\|L^{-1}(y - \mu)\big\|^2,
        \qquad \Sigma = LL^\top

    the complete negative log-density, ``-scipy.stats.multivariate_normal.logpdf(y, mean, L @
    L.T)``. Predicting :math:`L` rather than :math:`\Sigma` keeps the covariance positive
    definite by construction (the diagonal through ``exp`` or softplus) and makes the
    determinant and the solve cheap.

    Parameters
    ----------
    y_true : array_like, shape (N, D)
        Observed vectors.
    mean : array_like, shape (N, D)
        Predicted means. Its floating dtype is the dtype of the result.
    scale_tril : array_like, shape (N, D, D)
        Lower-triangular factors with a positive diagonal; the entries above the diagonal are
        ignored (as ``torch.distributions.MultivariateNormal(mean, scale_tril=...)`` does), and
        their gradient is 0.
    {reduction_per_example}

    Raises
    ------
    ValueError
        For wrong shapes, a diagonal entry <= 0, NaN or ±inf anywhere.

    Notes
    -----
    Computed with two triangular solves by :math:`L` (:math:`u = L^{-1}r`,
    :math:`v = L^{-\top}u = \Sigma^{-1}r`) and :math:`\log\det\Sigma = 2\sum\log L_{ii}`;
    :math:`\Sigma` itself, whose condition number is the square of :math:`L`'s, is never formed.
    The gradient with respect to :math:`L` is :math:`\operatorname{tril}(\operatorname{diag}(1/L_{ii}) - v u^\top)`.
    Equals ``-torch.distributions.MultivariateNormal(mean, scale_tril=L).log_prob(y)``.

    References
    ----------
    .. [1] Prince, S. J. D. (2023). *Understanding Deep Learning*, chapter 5. MIT Press.
       (prince2023understanding)

    Examples
    --------
    >>> round(float(multivariate_gaussian_nll([[0.0, 0.0]], [[0.0, 0.0]], [[[1.0, 0.0], [0.0, 1.0]]])), 12)  # log 2pi
    1.837877066409
    """
    return cast(Reduced, _multivariate_gaussian_nll(y_true, mean, scale_tril, reduction=reduction, grad=False)[0])


multivariate_gaussian_nll_grad = gradient(
    multivariate_gaussian_nll,
    _multivariate_gaussian_nll,
    doc=r"""Gradient of :func:`multivariate_gaussian_nll` with respect to ``mean`` and ``scale_tril``.

    .. math::

        \frac{\partial\ell}{\partial\mu} = -\Sigma^{-1}(y - \mu), \qquad
        \frac{\partial\ell}{\partial L} = \operatorname{tril}\big(\operatorname{diag}(1/L_{ii}) - v u^\top\big),
        \quad u = L^{-1}(y - \mu),\ v = L^{-\top} u

    Examples
    --------
    >>> multivariate_gaussian_nll_grad([[1.0, 0.0]], [[0.0, 0.0]], [[[1.0, 0.0], [0.0, 1.0]]], reduction="sum").mean
    array([[-1., -0.]])
    """,
)


def _sample_multivariate_gaussian(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    d = 3
    scale = np.tril(0.4 * rng.normal(size=(n, d, d)), k=-1)
    scale[:, np.arange(d), np.arange(d)] = rng.uniform(0.5, 2.0, size=(n, d))
    return {"y_true": 2.0 * rng.normal(size=(n, d)), "mean": 2.0 * rng.normal(size=(n, d)), "scale_tril": scale}


register(
    multivariate_gaussian_nll,
    family="likelihood",
    prediction="mean vector and Cholesky factor",
    target="real vector",
    distribution="multivariate Gaussian",
    convex=False,
    differentiable=True,
    robust=None,
    proper=True,
    reference="prince2023understanding",
    args=("y_true", "mean", "scale_tril"),
    grad_wrt=("mean", "scale_tril"),
    oracle="scipy",
    sampler=_sample_multivariate_gaussian,
    summary="Multivariate Gaussian NLL with a predicted mean and Cholesky factor of the covariance.",
    equivalents=Equivalents(
        torch="(-torch.distributions.MultivariateNormal(mean, scale_tril=scale_tril).log_prob(y_true)).mean()",
        note="PyTorch has the distribution, not a loss. Keras and optax have none.",
    ),
)
