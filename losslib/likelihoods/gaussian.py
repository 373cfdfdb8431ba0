r"""The Gaussian negative log-likelihood with a predicted mean and variance (heteroscedastic
regression), as PyTorch's ``gaussian_nll_loss``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, cast

import numpy as np
import numpy.typing as npt

from .. import _kernels
from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import divisor, reduce_readable
from .._typing import Float, FloatArray, Reduced
from .._validation import (
    as_float_array,
    check_flag,
    check_positive_scalar,
    fast_then_full,
    option_in_dtype,
)
from .._wrappers import gradient
from ._inputs import _LOG_2PI, _clamped_spread, _expand, _point_inputs, _sum_to

__all__ = [
    "gaussian_nll",
    "gaussian_nll_grad",
]


class GaussianNLLGrad(NamedTuple):
    """Gradient of :func:`gaussian_nll`: with respect to ``mean`` and to ``var`` (each in its shape)."""

    mean: FloatArray
    var: FloatArray


# --------------------------------------------------------------------------
# Gaussian
# --------------------------------------------------------------------------


def gaussian_nll_readable(
    y_true: npt.ArrayLike,
    mean: npt.ArrayLike,
    var: npt.ArrayLike,
    *,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> tuple[Reduced, GaussianNLLGrad]:
    r"""Readable form of :func:`gaussian_nll` and :func:`gaussian_nll_grad`, as chapter 2 writes them.

    .. math::

        \ell = \frac12\left(\log\sigma^2 + \frac{(y - \mu)^2}{\sigma^2}\right)
            \ \Big[+ \tfrac12 \log 2\pi \text{ if full}\Big], \qquad
        \frac{\partial \ell}{\partial \mu} = \frac{\mu - y}{\sigma^2}, \qquad
        \frac{\partial \ell}{\partial \sigma^2} = \frac12\left(\frac1{\sigma^2} - \frac{(y - \mu)^2}{\sigma^4}\right)

    with :math:`\sigma^2 = \max(\text{var}, \varepsilon)`: where ``var`` is clamped, its
    gradient is the derivative at ``eps``, as in PyTorch. A shared ``var`` (one per row, or with a
    1 in one axis, or a scalar: PyTorch's shapes) is broadcast over ``mean``, and its gradient
    summed back over the elements it serves. The fast path ``_gaussian_nll`` is tested against it.
    """
    y, mu = np.asarray(y_true), np.asarray(mean)
    sigma2 = _expand(np.maximum(np.asarray(var), eps), "var", "mean", mu.shape)  # clamped, broadcastable
    loss = 0.5 * (np.log(sigma2) + (y - mu) ** 2 / sigma2) + (0.5 * _LOG_2PI if full else 0.0)
    g_mean = (mu - y) / sigma2
    g_var = 0.5 * (1 / sigma2 - (y - mu) ** 2 / sigma2**2)
    return reduce_readable(loss, GaussianNLLGrad(g_mean, _sum_to(g_var, sigma2.shape, np.shape(var))), reduction)


def _gaussian_nll(
    y_true: npt.ArrayLike,
    mean: npt.ArrayLike,
    var: npt.ArrayLike,
    *,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, GaussianNLLGrad | None]:
    """Fast path of :func:`gaussian_nll_readable` (one blocked pass, sharing the standardised residual)."""
    full = check_flag(full, "full")
    eps = check_positive_scalar(eps, "eps", allow_zero=True)

    def checked() -> None:
        y, mu = _point_inputs(y_true, mean, "mean", reduction)
        _clamped_spread(var, "var", "mean", mu.shape, mu.dtype, eps, "variances")

    # the checks without the scans for NaNs (the blocks find them) nor the clamped copy of var
    with fast_then_full(checked):
        y, mu = _point_inputs(y_true, mean, "mean", reduction, nan=False)
        v = as_float_array(var, "var", dtype=mu.dtype, nan=False)
        option_in_dtype(eps, "eps", mu.dtype, "mean", zero_ok=True)
        low = v.min()
        if not (low > 0 or (low >= 0 and eps > 0)):
            raise ValueError  # a negative, zero (with eps = 0) or NaN variance: the full checks say which
        expanded = _expand(v, "var", "mean", mu.shape)
    # The gradient with respect to var as (var - r^2) / (2 var^2) unless var^2 could over- or
    # underflow (decided for the whole call, so that the result does not depend on the blocks).
    info = _kernels.finfo(mu.dtype)
    count = divisor(reduction, mu.size)
    precise = bool(
        max(low, eps) > np.sqrt(info.tiny) / info.eps and max(v.max(), eps) < np.sqrt(info.max / (4 * count))
    )
    # a shared variance is broadcast (copied) and its gradient summed back, as in the general path
    full_var = expanded if expanded.shape == mu.shape else np.broadcast_to(expanded, mu.shape)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        out_v, out_g = _kernels.elementwise(
            _gaussian_kernel,
            (y, mu, full_var),
            value=value,
            grad=grad,
            reduction=reduction,
            n_grads=2,
            n_tmp=4,
            recheck=checked,
            options={
                "eps": option_in_dtype(eps, "eps", mu.dtype, "mean", zero_ok=True),
                "full": full,
                "precise": precise,
            },
        )
    if out_g is None:
        return out_v, None
    g_var = out_g[1] if v.shape == mu.shape else _sum_to(out_g[1], expanded.shape, v.shape).astype(mu.dtype, copy=False)
    return out_v, GaussianNLLGrad(out_g[0], g_var)


def _gaussian_kernel(
    ins: Sequence[FloatArray],
    v_out: FloatArray | None,
    gs: Sequence[FloatArray] | None,
    count: float,
    tmp: Sequence[FloatArray],
    *,
    eps: Float,
    full: bool,
    precise: bool,
) -> None:
    r"""The Gaussian NLL of a block (the variance broadcast to the mean's shape), for :func:`_gaussian_nll`.

    The gradient with respect to the variance is computed as :math:`(\sigma^2 - r^2) /
    (2\sigma^4)` if ``precise``: :math:`r^2` is rounded once, so where it nearly equals
    :math:`\sigma^2` the difference keeps more digits than :math:`(1/\sigma^2 - z^2)/2`, the form
    used where :math:`\sigma^4` could over- or underflow.
    """
    y, mu, var = ins
    v, r, z, t = tmp
    np.maximum(var, eps, out=v)  # clamped, as PyTorch
    np.subtract(mu, y, out=r)
    np.divide(r, v, out=z)  # (mean - y) / var
    if v_out is not None:
        np.log(v, out=v_out)
        np.multiply(z, r, out=t)
        np.add(v_out, t, out=v_out)
        np.multiply(v_out, 0.5, out=v_out)
        if full:
            np.add(v_out, 0.5 * _LOG_2PI, out=v_out)
    if gs is not None:
        g_mu, g_var = gs
        np.divide(z, count, out=g_mu)
        if precise:
            np.multiply(r, r, out=t)
            np.subtract(v, t, out=g_var)  # var - r^2
            np.multiply(v, v, out=t)
            np.multiply(t, 2 * count, out=t)
            np.divide(g_var, t, out=g_var)
        else:
            np.divide(1, v, out=g_var)
            np.multiply(z, z, out=t)
            np.subtract(g_var, t, out=g_var)
            np.multiply(g_var, 0.5 / count, out=g_var)


@shared_doc
def gaussian_nll(
    y_true: npt.ArrayLike,
    mean: npt.ArrayLike,
    var: npt.ArrayLike,
    *,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Reduced:
    r"""Gaussian negative log-likelihood with a predicted mean and variance.

    .. math::

        \ell(y; \mu, \sigma^2) = \frac12\left(\log \max(\sigma^2, \varepsilon)
            + \frac{(y - \mu)^2}{\max(\sigma^2, \varepsilon)}\right)
            \ \Big[+ \tfrac12 \log 2\pi \text{ if full}\Big]

    A network with two outputs, a mean and a variance, trained with this loss learns how
    uncertain each prediction is (heteroscedastic regression). With a fixed variance it
    reduces to the squared error.

    Parameters
    ----------
    y_true : array_like, any shape
        Targets.
    mean : array_like, same shape as ``y_true``
        Predicted means. Its floating dtype is the dtype of the result.
    var : array_like
        Predicted variances, >= 0: the shape of ``mean`` (one per element), ``mean``'s shape
        without its last axis (one per row: ``(N,)`` for ``(N, D)`` means), ``mean``'s shape
        with a 1 in one axis (shared along it), or a scalar.
    full : bool
        Add the constant :math:`\frac12\log 2\pi`, making the loss the exact negative
        log-density.
    eps : float >= 0
        Variances below ``eps`` are replaced by ``eps`` (clamped), for stability.
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per element of ``mean``.

    {returns}

    Notes
    -----
    Same as ``torch.nn.functional.gaussian_nll_loss(mean, y_true, var, full, eps, reduction)``
    (note PyTorch's order: input, target, var), including its shape rules for ``var``, with
    two differences: ``y_true`` must have ``mean``'s shape (PyTorch broadcasts them silently),
    and a scalar ``var`` is accepted with any ``mean`` (PyTorch accepts a 0-d tensor only with
    1-D input). **Clamping**: like PyTorch, the gradient with respect to ``var`` where
    ``var < eps`` is the derivative at ``eps``, :math:`\frac12(1/\varepsilon - (y-\mu)^2/\varepsilon^2)`,
    not 0 (PyTorch clamps in place outside autograd). The value is flat there, so that
    gradient is not the derivative of the value, but it keeps pushing a collapsed variance
    back up instead of leaving it stuck. :math:`(y-\mu)^2/\sigma^2` is computed as
    :math:`(y-\mu)\cdot((y-\mu)/\sigma^2)`, finite wherever the result is.

    The loss is not convex in :math:`(\mu, \sigma^2)` (:math:`\log\sigma^2` is concave), and
    the gradient with respect to :math:`\mu` grows without bound with the residual.
    As a scoring rule for the predicted Gaussian it is the logarithmic score, strictly proper.

    References
    ----------
    .. [1] Nix, D. A. and Weigend, A. S. (1994). Estimating the mean and variance of the target
       probability distribution. *Proc. IEEE ICNN* 1, 55-60. (nix1994estimating)

    Examples
    --------
    >>> float(gaussian_nll([1.0, 2.0], [1.0, 0.0], [1.0, 4.0]))
    0.5965735902799727
    """
    return cast(Reduced, _gaussian_nll(y_true, mean, var, full=full, eps=eps, reduction=reduction, grad=False)[0])


gaussian_nll_grad = gradient(
    gaussian_nll,
    _gaussian_nll,
    doc=r"""Gradient of :func:`gaussian_nll` with respect to ``mean`` and ``var``.

    .. math::

        \frac{\partial \ell}{\partial \mu} = \frac{\mu - y}{\sigma^2}, \qquad
        \frac{\partial \ell}{\partial \sigma^2} = \frac12\left(\frac1{\sigma^2} - \frac{(y - \mu)^2}{\sigma^4}\right)

    with :math:`\sigma^2` clamped at ``eps``. Returns ``GaussianNLLGrad(mean, var)``, each
    in its argument's shape (a shared ``var`` collects the gradients of the elements it serves).

    Examples
    --------
    >>> g = gaussian_nll_grad([1.0, 2.0], [1.0, 0.0], [1.0, 4.0], reduction="sum")
    >>> g.mean, g.var
    (array([ 0. , -0.5]), array([0.5, 0. ]))
    """,
)


def _sample_gaussian(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {"y_true": 3.0 * rng.normal(size=n), "mean": 3.0 * rng.normal(size=n), "var": rng.uniform(0.2, 4.0, size=n)}


register(
    gaussian_nll,
    family="regression",
    prediction="mean and variance",
    target="real",
    distribution="Gaussian",
    convex=False,
    differentiable=True,
    robust=False,
    proper=True,
    reference="nix1994estimating",
    args=("y_true", "mean", "var"),
    grad_wrt=("mean", "var"),
    oracle="torch",
    sampler=_sample_gaussian,
    summary="Gaussian NLL with a predicted mean and variance (heteroscedastic).",
    equivalents=Equivalents(
        torch="torch.nn.functional.gaussian_nll_loss(mean, y_true, var, full=full, eps=eps)",
        note=(
            "PyTorch's order is (mean, y_true, var); like losslib it drops the constant ½ log 2π unless "
            "`full=True`. Keras and optax have no Gaussian NLL."
        ),
    ),
)
