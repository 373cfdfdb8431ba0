r"""Negative log-likelihoods of distributional regression: the model predicts a distribution's
parameters (a mean and a variance, a rate, a concentration), not just a point.

Each loss is the negative log-likelihood of one observation, elementwise: ``reduction="mean"``
averages over every element and ``"none"`` returns one loss per element, as in PyTorch. The
constant terms of the likelihood are dropped unless ``full=True``. Losses of several
differentiable inputs return their gradients as a ``NamedTuple`` with one field per input.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from . import _kernels
from ._info import register
from ._reduction import divisor, grad_scale, reduce, reduce_readable
from ._typing import Float, FloatArray, Reduced
from ._validation import (
    _first_index,
    _where,
    as_float_array,
    check_finite,
    check_flag,
    check_positive_scalar,
    check_reduction,
    check_same_shape,
    fast_then_full,
    option_in_dtype,
)

__all__ = [
    "gaussian_nll",
    "gaussian_nll_grad",
    "laplace_nll",
    "laplace_nll_grad",
    "poisson_nll",
    "poisson_nll_grad",
    "von_mises_nll",
    "von_mises_nll_grad",
]

_LOG_2PI = float(np.log(2 * np.pi))


class GaussianNLLGrad(NamedTuple):
    """Gradient of :func:`gaussian_nll`: with respect to ``mean`` and to ``var`` (each in its shape)."""

    mean: FloatArray
    var: FloatArray


class LaplaceNLLGrad(NamedTuple):
    """Gradient of :func:`laplace_nll`: with respect to ``loc`` and to ``scale`` (each in its shape)."""

    loc: FloatArray
    scale: FloatArray


class VonMisesNLLGrad(NamedTuple):
    """Gradient of :func:`von_mises_nll`: with respect to ``loc`` and to ``concentration``."""

    loc: FloatArray
    concentration: FloatArray


# --------------------------------------------------------------------------
# Shared validation
# --------------------------------------------------------------------------


def _check_not_below(arr: FloatArray, name: str, bound: float, what: str, hint: str = "") -> None:
    """Refuse entries below ``bound``, naming the first offender."""
    if arr.size == 0 or arr.min() >= bound:  # one reduction in the common case (a NaN: the slow path)
        return
    bad = arr < bound
    if bad.any():
        index = _first_index(bad)
        raise ValueError(
            f"{name} must hold {what} (>= {bound:g}) but {_where(name, index)} = {arr[index].item()!r}{hint}"
        )


def _point_inputs(
    y_true: npt.ArrayLike, point: npt.ArrayLike, point_name: str, reduction: str, nan: bool = True
) -> tuple[FloatArray, FloatArray]:
    """Validate the target and the location-like prediction; the prediction's dtype wins.

    ``nan=False`` skips the scans for NaNs (for a caller that finds them in its results).
    """
    check_reduction(reduction)
    point = as_float_array(point, point_name, nan=nan)
    y_true = as_float_array(y_true, "y_true", dtype=point.dtype, nan=nan)
    check_same_shape(point, point_name, y_true, "y_true")
    return y_true, point


def _spread_input(value: npt.ArrayLike, name: str, what: str, dtype: np.dtype[np.floating[Any]]) -> FloatArray:
    """A variance, scale or concentration: a float array of ``dtype`` with no entry below 0."""
    arr = as_float_array(value, name, dtype=dtype)
    _check_not_below(arr, name, 0.0, what)
    return arr


def _expand(arr: FloatArray, name: str, point_name: str, shape: tuple[int, ...]) -> FloatArray:
    """``arr`` made broadcastable to ``shape`` by PyTorch's ``gaussian_nll_loss`` rules for ``var``.

    Accepted: ``shape`` itself (one per element); ``shape`` without its last axis (one per row, as
    PyTorch unsqueezes it); ``shape`` with a 1 in exactly one axis (shared along that axis); a
    scalar (shared by every element).
    """
    if arr.shape == shape or arr.ndim == 0:
        return arr
    if arr.shape == shape[:-1]:
        return arr[..., None]
    mismatched = [i for i, (s, t) in enumerate(zip(arr.shape, shape)) if s != t]
    if arr.ndim == len(shape) and len(mismatched) == 1 and arr.shape[mismatched[0]] == 1:
        return arr
    raise ValueError(
        f"{name} has shape {arr.shape}, which does not fit {point_name}'s shape {shape}; give it the same shape "
        f"(one {name} per element), the shape {shape[:-1]} (one per row), {shape} with a 1 in one axis "
        "(shared along that axis), or a scalar, as torch.nn.functional.gaussian_nll_loss accepts"
    )


def _sum_to(grad: FloatArray, expanded_shape: tuple[int, ...], shape: tuple[int, ...]) -> FloatArray:
    """Sum a gradient of the broadcast shape back to a parameter's (expanded, then original) shape."""
    lead = grad.ndim - len(expanded_shape)
    if lead:
        grad = grad.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(expanded_shape) if s == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _clamped_spread(
    value: npt.ArrayLike,
    name: str,
    point_name: str,
    shape: tuple[int, ...],
    dtype: np.dtype[np.floating[Any]],
    eps: float,
    what: str,
) -> tuple[FloatArray, tuple[int, ...], tuple[int, ...]]:
    """A variance or scale: validated, clamped at ``eps`` as PyTorch does, made broadcastable to ``shape``.

    Returns ``(clamped expanded array, its shape, the argument's own shape)``.
    """
    arr = _spread_input(value, name, what, dtype)
    if eps == 0 and not (arr > 0).all():
        index = _first_index(~(arr > 0))
        raise ValueError(
            f"{_where(name, index)} is 0 and eps=0, so the likelihood is degenerate; "
            f"pass eps > 0 (default 1e-6) or a positive {name}"
        )
    expanded = _expand(
        np.maximum(arr, option_in_dtype(eps, "eps", dtype, point_name, zero_ok=True)), name, point_name, shape
    )
    return expanded, expanded.shape, arr.shape


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

    Returns
    -------
    float or ndarray

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


def gaussian_nll_grad(
    y_true: npt.ArrayLike,
    mean: npt.ArrayLike,
    var: npt.ArrayLike,
    *,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> GaussianNLLGrad:
    r"""Gradient of :func:`gaussian_nll` with respect to ``mean`` and ``var``.

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
    """
    return cast(
        GaussianNLLGrad, _gaussian_nll(y_true, mean, var, full=full, eps=eps, reduction=reduction, value=False)[1]
    )


def _sample_gaussian(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {"y_true": 3.0 * rng.normal(size=n), "mean": 3.0 * rng.normal(size=n), "var": rng.uniform(0.2, 4.0, size=n)}


register(
    loss=gaussian_nll,
    grad=gaussian_nll_grad,
    core=_gaussian_nll,
    readable=gaussian_nll_readable,
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
)


# --------------------------------------------------------------------------
# Laplace
# --------------------------------------------------------------------------


def laplace_nll_readable(
    y_true: npt.ArrayLike,
    loc: npt.ArrayLike,
    scale: npt.ArrayLike,
    *,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> tuple[Reduced, LaplaceNLLGrad]:
    r"""Readable form of :func:`laplace_nll` and :func:`laplace_nll_grad`: the definition.

    .. math::

        \ell = \log b + \frac{|y - \mu|}{b} \ \Big[+ \log 2 \text{ if full}\Big], \qquad
        \frac{\partial \ell}{\partial \mu} = \frac{\operatorname{sign}(\mu - y)}{b}, \qquad
        \frac{\partial \ell}{\partial b} = \frac1b - \frac{|y - \mu|}{b^2}

    with :math:`b = \max(\text{scale}, \varepsilon)` and the conventions of
    :func:`gaussian_nll_readable` for the clamp and a shared ``scale``. The fast path
    ``_laplace_nll`` is tested against it.
    """
    y, mu = np.asarray(y_true), np.asarray(loc)
    b = _expand(np.maximum(np.asarray(scale), eps), "scale", "loc", mu.shape)  # clamped, broadcastable
    loss = np.log(b) + np.abs(y - mu) / b + (np.log(2.0) if full else 0.0)
    g_loc = np.sign(mu - y) / b
    g_scale = 1 / b - np.abs(y - mu) / b**2
    return reduce_readable(loss, LaplaceNLLGrad(g_loc, _sum_to(g_scale, b.shape, np.shape(scale))), reduction)


def _laplace_nll(
    y_true: npt.ArrayLike,
    loc: npt.ArrayLike,
    scale: npt.ArrayLike,
    *,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, LaplaceNLLGrad | None]:
    """Fast path of :func:`laplace_nll_readable` (value and/or gradient, sharing the scaled residual)."""
    full = check_flag(full, "full")
    eps = check_positive_scalar(eps, "eps", allow_zero=True)
    y, mu = _point_inputs(y_true, loc, "loc", reduction)
    b, b_shape, b_orig = _clamped_spread(scale, "scale", "loc", mu.shape, mu.dtype, eps, "scales")
    r = mu - y
    z = np.abs(r) / b
    out_v = out_g = None
    if value:
        values = np.log(b) + z
        if full:
            values = values + mu.dtype.type(np.log(2.0))
        out_v = reduce(values.astype(mu.dtype, copy=False), reduction)
    if grad:
        factor = mu.dtype.type(grad_scale(reduction, mu.size))
        g_scale = (1 - z) / b * factor
        out_g = LaplaceNLLGrad(
            (np.sign(r) / b * factor).astype(mu.dtype, copy=False),
            _sum_to(g_scale, b_shape, b_orig).astype(mu.dtype, copy=False),
        )
    return out_v, out_g


def laplace_nll(
    y_true: npt.ArrayLike,
    loc: npt.ArrayLike,
    scale: npt.ArrayLike,
    *,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Reduced:
    r"""Laplace negative log-likelihood with a predicted location and scale.

    .. math::

        \ell(y; \mu, b) = \log b + \frac{|y - \mu|}{b} \ \Big[+ \log 2 \text{ if full}\Big],
        \qquad b \leftarrow \max(b, \varepsilon)

    The heavy-tailed counterpart of :func:`gaussian_nll`: with a fixed scale it reduces to
    the absolute error, and the location estimate is a (conditional) median.

    Parameters
    ----------
    y_true : array_like, any shape
        Targets.
    loc : array_like, same shape as ``y_true``
        Predicted locations (medians). Its floating dtype is the dtype of the result.
    scale : array_like
        Predicted scales :math:`b \ge 0` (the variance is :math:`2b^2`), with the shapes
        :func:`gaussian_nll` accepts for ``var``.
    full : bool
        Add the constant :math:`\log 2`, making the loss the exact negative log-density
        (``-scipy.stats.laplace.logpdf(y_true, loc, scale)``). Like :func:`gaussian_nll`,
        which drops :math:`\frac12\log 2\pi`, it is dropped by default.
    eps : float >= 0
        Scales below ``eps`` are replaced by ``eps``.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    float or ndarray

    Notes
    -----
    Neither PyTorch nor Keras has this loss. It follows :func:`gaussian_nll` (and so PyTorch's
    ``gaussian_nll_loss``) in every convention: argument shapes, the clamp at ``eps``, and the
    gradient with respect to ``scale`` below ``eps``, which is the derivative at ``eps``. At
    :math:`\mu = y` the loss has a kink in :math:`\mu`; the gradient there is the subgradient 0.
    The gradient with respect to :math:`\mu`, :math:`\operatorname{sign}(\mu - y)/b`, is
    bounded, but the one with respect to :math:`b`, :math:`(1 - |y - \mu|/b)/b`, grows with the
    residual, so the joint fit is not robust; nor is the loss convex (:math:`\log b` is concave).

    References
    ----------
    .. [1] Kotz, S., Kozubowski, T. J. and Podgórski, K. (2001). *The Laplace Distribution and
       Generalizations*. Birkhäuser. (kotz2001laplace)

    Examples
    --------
    >>> laplace_nll([1.0, 3.0], [1.0, 0.0], [1.0, 2.0], reduction="none")
    array([0.        , 2.19314718])
    """
    return cast(Reduced, _laplace_nll(y_true, loc, scale, full=full, eps=eps, reduction=reduction, grad=False)[0])


def laplace_nll_grad(
    y_true: npt.ArrayLike,
    loc: npt.ArrayLike,
    scale: npt.ArrayLike,
    *,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> LaplaceNLLGrad:
    r"""Gradient of :func:`laplace_nll` with respect to ``loc`` and ``scale``.

    .. math::

        \frac{\partial \ell}{\partial \mu} = \frac{\operatorname{sign}(\mu - y)}{b}, \qquad
        \frac{\partial \ell}{\partial b} = \frac1b - \frac{|y - \mu|}{b^2}

    Returns ``LaplaceNLLGrad(loc, scale)``, each in its argument's shape.

    Examples
    --------
    >>> g = laplace_nll_grad([1.0, 3.0], [1.0, 0.0], [1.0, 2.0], reduction="sum")
    >>> g.loc, g.scale
    (array([ 0. , -0.5]), array([ 1.  , -0.25]))
    """
    return cast(
        LaplaceNLLGrad, _laplace_nll(y_true, loc, scale, full=full, eps=eps, reduction=reduction, value=False)[1]
    )


def _sample_laplace(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {"y_true": 3.0 * rng.normal(size=n), "loc": 3.0 * rng.normal(size=n), "scale": rng.uniform(0.2, 3.0, size=n)}


register(
    loss=laplace_nll,
    grad=laplace_nll_grad,
    core=_laplace_nll,
    readable=laplace_nll_readable,
    family="regression",
    prediction="location and scale",
    target="real",
    distribution="Laplace",
    convex=False,
    differentiable=False,
    robust=False,
    proper=True,
    reference="kotz2001laplace",
    args=("y_true", "loc", "scale"),
    grad_wrt=("loc", "scale"),
    oracle="scipy",
    sampler=_sample_laplace,
    summary="Laplace NLL with a predicted location and scale.",
)


# --------------------------------------------------------------------------
# Poisson
# --------------------------------------------------------------------------


def poisson_nll_readable(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`poisson_nll` and :func:`poisson_nll_grad`, as chapter 2 writes them.

    .. math::

        \ell = e^{x} - y\,x, \quad \frac{\partial \ell}{\partial x} = e^{x} - y
        \quad \text{(log-rates } x\text{)}; \qquad
        \ell = \lambda - y \log(\lambda + \varepsilon), \quad
        \frac{\partial \ell}{\partial \lambda} = 1 - \frac{y}{\lambda + \varepsilon}
        \quad \text{(rates, } 0 \log 0 = 0\text{)}

    ``full=True`` adds PyTorch's Stirling term :math:`y\log y - y + \frac12\log(2\pi y)` for
    :math:`y > 1`. The fast path ``_poisson_nll`` is tested against it.
    """
    y, x = np.asarray(y_true), np.asarray(y_pred)
    if log_input:
        loss, grad = np.exp(x) - y * x, np.exp(x) - y
    else:  # where y = 0 the term y log(rate + eps) is 0, whatever the rate
        loss = x - np.where(y > 0, y * np.log(x + eps), 0.0)
        grad = 1 - np.where(y > 0, y / (x + eps), 0.0)
    if full:
        y_big = np.where(y > 1, y, 2.0)  # the term is 0 for y <= 1 (and log 0 is not taken)
        loss = loss + np.where(y > 1, y_big * np.log(y_big) - y_big + 0.5 * np.log(2 * np.pi * y_big), 0.0)
    return reduce_readable(loss, grad, reduction)


def _poisson_nll(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`poisson_nll_readable` (blocks of one exp each for log-rates without ``full``)."""
    log_input = check_flag(log_input, "log_input")
    full = check_flag(full, "full")
    eps = check_positive_scalar(eps, "eps", allow_zero=True)
    if log_input and not full:
        return _poisson_log_input(y_true, y_pred, reduction, value, grad)
    y, x = _point_inputs(y_true, y_pred, "y_pred", reduction)
    _check_not_below(y, "y_true", 0.0, "counts", "; Poisson targets are counts (or other non-negative numbers)")
    if not log_input:
        _check_not_below(x, "y_pred", 0.0, "rates", "; if these are log-rates, pass log_input=True")
    _check_poisson_finite(y, x, log_input)
    out_v = out_g = None
    positive = y > 0
    values: FloatArray
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if log_input:
            e = np.exp(x)
        else:
            shifted = x + x.dtype.type(eps)
        if value:
            if log_input:
                values = e - y * x
            else:
                # y log(rate + eps), with 0 log 0 = 0 (PyTorch gives NaN for a zero rate with eps=0 and y=0)
                values = x - np.where(positive, y * np.log(shifted), 0)
            if full:
                big = y > 1
                ys = np.where(big, y, 2)
                stirling = ys * np.log(ys) - ys + 0.5 * np.log(2 * np.pi * ys)
                values = values + np.where(big, stirling, 0)
            out_v = reduce(values.astype(x.dtype, copy=False), reduction)
        if grad:
            g = e - y if log_input else 1 - np.where(positive, y / shifted, 0)
            out_g = (g * x.dtype.type(grad_scale(reduction, x.size))).astype(x.dtype, copy=False)
    return out_v, out_g


def _check_poisson_finite(y: FloatArray, x: FloatArray, log_input: bool) -> None:
    """Refuse infinite counts and (log-)rates: ``e^x - y x`` would be inf - inf (see CONTRIBUTING)."""
    check_finite(y, "y_true", "counts", "an infinite count has no Poisson likelihood")
    what = "log-rates" if log_input else "rates"
    check_finite(x, "y_pred", what, f"an infinite {what[:-1]} has no Poisson likelihood; clip y_pred")


def _poisson_log_input(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, reduction: str, value: bool, grad: bool
) -> tuple[Reduced | None, FloatArray | None]:
    """:func:`poisson_nll` with log-rates and without Stirling's term, by blocks: one exp per element."""

    def checked() -> None:
        y, x = _point_inputs(y_true, y_pred, "y_pred", reduction)
        _check_not_below(y, "y_true", 0.0, "counts", "; Poisson targets are counts (or other non-negative numbers)")
        _check_poisson_finite(y, x, True)

    # without the scans for NaNs: a NaN makes the block's results NaN, and then checked() raises
    with fast_then_full(checked):
        y, x = _point_inputs(y_true, y_pred, "y_pred", reduction, nan=False)
        if not y.min() >= 0:
            raise ValueError

    def kernel(
        ins: Sequence[FloatArray],
        v: FloatArray | None,
        gs: Sequence[FloatArray] | None,
        count: float,
        tmp: Sequence[FloatArray],
    ) -> None:
        y, x = ins
        e, t = tmp
        np.exp(x, out=e)
        if v is not None:
            np.multiply(y, x, out=t)
            np.subtract(e, t, out=v)  # e^x - y x
        if gs is not None:
            np.subtract(e, y, out=gs[0])
            if count != 1:
                np.divide(gs[0], count, out=gs[0])

    with np.errstate(over="ignore", invalid="ignore"):
        v, g = _kernels.elementwise(
            kernel, (y, x), value=value, grad=grad, reduction=reduction, recheck=checked, finite=1
        )
    return v, (g[0] if g is not None else None)


def poisson_nll(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> Reduced:
    r"""Poisson negative log-likelihood of counts, given a predicted log-rate (or rate).

    With ``log_input=True`` (the default) ``y_pred`` is the log-rate :math:`x = \log\lambda`:

    .. math:: \ell(y, x) = e^{x} - y\,x

    and with ``log_input=False`` it is the rate :math:`\lambda` itself:
    :math:`\ell(y, \lambda) = \lambda - y \log(\lambda + \varepsilon)`. Both drop
    :math:`\log y!`; ``full=True`` adds its Stirling approximation
    :math:`y\log y - y + \frac12\log(2\pi y)` for :math:`y > 1` (0 for :math:`y \le 1`).

    Parameters
    ----------
    y_true : array_like, any shape
        Counts, >= 0 (non-integers are accepted: the quasi-likelihood of GLMs).
    y_pred : array_like, same shape as ``y_true``
        Log-rates (any finite real number), or finite rates >= 0 with ``log_input=False``;
        ±inf is refused, in ``y_pred`` and in the counts ``y_true``.
    log_input : bool
        Whether ``y_pred`` is a log-rate (the canonical link: the loss is convex and needs
        no positivity constraint).
    full : bool
        Add the Stirling approximation of :math:`\log y!`.
    eps : float >= 0
        Added to the rate inside the log when ``log_input=False``.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    float or ndarray

    Notes
    -----
    Same as ``torch.nn.functional.poisson_nll_loss(y_pred, y_true, log_input, full, eps=eps,
    reduction=reduction)`` in every option, including PyTorch's Stirling term (which is
    only an approximation of :math:`\log y!`: 0.651 instead of 0.693 at :math:`y = 2`),
    except that losslib refuses negative counts and negative rates, and takes
    :math:`0 \log 0 = 0`, so a zero rate with ``eps=0`` and a zero count costs 0 (PyTorch: NaN).
    With ``log_input=True``, :math:`e^{x}` overflows for :math:`x > 709` (float64) and
    :math:`x > 88` (float32), where the loss itself is that large. Keras's ``poisson``
    takes the rate and uses :math:`\log(\lambda + 10^{-7})`.

    References
    ----------
    .. [1] Nelder, J. A. and Wedderburn, R. W. M. (1972). Generalized linear models.
       *JRSS A* 135(3), 370-384. (nelder1972generalized)

    Examples
    --------
    >>> poisson_nll([0.0, 2.0], [0.0, np.log(2.0)], reduction="none")
    array([1.        , 0.61370564])
    """
    return cast(
        Reduced,
        _poisson_nll(y_true, y_pred, log_input=log_input, full=full, eps=eps, reduction=reduction, grad=False)[0],
    )


def poisson_nll_grad(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> FloatArray:
    r"""Gradient of :func:`poisson_nll` with respect to ``y_pred``.

    :math:`e^{x} - y` for log-rates, :math:`1 - y/(\lambda + \varepsilon)` for rates (0 where
    :math:`y = 0`); over N for the mean.

    Examples
    --------
    >>> poisson_nll_grad([0.0, 2.0], [0.0, np.log(2.0)], reduction="sum")
    array([1., 0.])
    """
    return cast(
        FloatArray,
        _poisson_nll(y_true, y_pred, log_input=log_input, full=full, eps=eps, reduction=reduction, value=False)[1],
    )


def _sample_poisson(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    log_rate = rng.normal(1.0, 1.0, size=n)
    return {"y_true": rng.poisson(np.exp(log_rate)).astype(np.float64), "y_pred": rng.normal(1.0, 1.0, size=n)}


register(
    loss=poisson_nll,
    grad=poisson_nll_grad,
    core=_poisson_nll,
    readable=poisson_nll_readable,
    family="regression",
    prediction="log-rate",
    target="count",
    distribution="Poisson",
    convex=True,
    differentiable=True,
    robust=False,
    proper=True,
    reference="nelder1972generalized",
    oracle="torch",
    sampler=_sample_poisson,
    summary="Poisson NLL of counts given a log-rate (the GLM with log link).",
)


# --------------------------------------------------------------------------
# von Mises, and the exponentially scaled Bessel functions it needs
# --------------------------------------------------------------------------

# Chebyshev coefficients of the Cephes Math Library (S. L. Moshier; i0.c and i1.c), as used by
# numpy.i0, scipy.special.i0e/i1e and torch.special.i0e/i1e. A: exp(-x) I(x) on [0, 8] (for I1,
# divided by x), in the variable x/2 - 2; B: exp(-x) sqrt(x) I(x) on [8, inf), in 32/x - 2.
_I0E_A = (
    -4.41534164647933937950e-18,
    3.33079451882223809783e-17,
    -2.43127984654795469359e-16,
    1.71539128555513303061e-15,
    -1.16853328779934516808e-14,
    7.67618549860493561688e-14,
    -4.85644678311192946090e-13,
    2.95505266312963983461e-12,
    -1.72682629144155570723e-11,
    9.67580903537323691224e-11,
    -5.18979560163526290666e-10,
    2.65982372468238665035e-09,
    -1.30002500998624804212e-08,
    6.04699502254191894932e-08,
    -2.67079385394061173391e-07,
    1.11738753912010371815e-06,
    -4.41673835845875056359e-06,
    1.64484480707288970893e-05,
    -5.75419501008210370398e-05,
    1.88502885095841655729e-04,
    -5.76375574538582365885e-04,
    1.63947561694133579842e-03,
    -4.32430999505057594430e-03,
    1.05464603945949983183e-02,
    -2.37374148058994688156e-02,
    4.93052842396707084878e-02,
    -9.49010970480476444210e-02,
    1.71620901522208775349e-01,
    -3.04682672343198398683e-01,
    6.76795274409476084995e-01,
)
_I0E_B = (
    -7.23318048787475395456e-18,
    -4.83050448594418207126e-18,
    4.46562142029675999901e-17,
    3.46122286769746109310e-17,
    -2.82762398051658348494e-16,
    -3.42548561967721913462e-16,
    1.77256013305652638360e-15,
    3.81168066935262242075e-15,
    -9.55484669882830764870e-15,
    -4.15056934728722208663e-14,
    1.54008621752140982691e-14,
    3.85277838274214270114e-13,
    7.18012445138366623367e-13,
    -1.79417853150680611778e-12,
    -1.32158118404477131188e-11,
    -3.14991652796324136454e-11,
    1.18891471078464383424e-11,
    4.94060238822496958910e-10,
    3.39623202570838634515e-09,
    2.26666899049817806459e-08,
    2.04891858946906374183e-07,
    2.89137052083475648297e-06,
    6.88975834691682398426e-05,
    3.36911647825569408990e-03,
    8.04490411014108831608e-01,
)
_I1E_A = (
    2.77791411276104639959e-18,
    -2.11142121435816608115e-17,
    1.55363195773620046921e-16,
    -1.10559694773538630805e-15,
    7.60068429473540693410e-15,
    -5.04218550472791168711e-14,
    3.22379336594557470981e-13,
    -1.98397439776494371520e-12,
    1.17361862988909016308e-11,
    -6.66348972350202774223e-11,
    3.62559028155211703701e-10,
    -1.88724975172282928790e-09,
    9.38153738649577178388e-09,
    -4.44505912879632808065e-08,
    2.00329475355213526229e-07,
    -8.56872026469545474066e-07,
    3.47025130813767847674e-06,
    -1.32731636560394358279e-05,
    4.78156510755005422638e-05,
    -1.61760815825896745588e-04,
    5.12285956168575772895e-04,
    -1.51357245063125314899e-03,
    4.15642294431288815669e-03,
    -1.05640848946261981558e-02,
    2.47264490306265168283e-02,
    -5.29459812080949914269e-02,
    1.02643658689847095384e-01,
    -1.76416518357834055153e-01,
    2.52587186443633654823e-01,
)
_I1E_B = (
    7.51729631084210481353e-18,
    4.41434832307170791151e-18,
    -4.65030536848935832153e-17,
    -3.20952592199342395980e-17,
    2.96262899764595013876e-16,
    3.30820231092092828324e-16,
    -1.88035477551078244854e-15,
    -3.81440307243700780478e-15,
    1.04202769841288027642e-14,
    4.27244001671195135429e-14,
    -2.10154184277266431302e-14,
    -4.08355111109219731823e-13,
    -7.19855177624590851209e-13,
    2.03562854414708950722e-12,
    1.41258074366137813316e-11,
    3.25260358301548823856e-11,
    -1.89749581235054123450e-11,
    -5.58974346219658380687e-10,
    -3.83538038596423702205e-09,
    -2.63146884688951950684e-08,
    -2.51223623787020892529e-07,
    -3.88256480887769039346e-06,
    -1.10588938762623716291e-04,
    -9.76109749136146840777e-03,
    7.78576235018280120474e-01,
)


def _chbevl(x: FloatArray, coef: tuple[float, ...]) -> FloatArray:
    """Clenshaw sum of a Chebyshev series at ``x`` (Cephes' ``chbevl``; highest order first)."""
    b0, b1, b2 = np.full_like(x, coef[0]), np.zeros_like(x), np.zeros_like(x)
    for c in coef[1:]:
        b2, b1 = b1, b0
        b0 = x * b1 - b2 + c
    return 0.5 * (b0 - b2)


def _bessel_e(x: npt.ArrayLike, a: tuple[float, ...], b: tuple[float, ...], times_x: bool) -> FloatArray:
    """exp(-|x|) I(|x|) from the Cephes expansions A (|x| <= 8) and B (|x| > 8), in float64."""
    ax = np.abs(np.asarray(x, dtype=np.float64))
    lo, hi = np.minimum(ax, 8.0), np.maximum(ax, 8.0)
    near = _chbevl(lo / 2 - 2, a) * (lo if times_x else 1.0)
    far = _chbevl(32 / hi - 2, b) / np.sqrt(hi)
    return np.where(ax <= 8, near, far)


def _i0e(x: npt.ArrayLike) -> FloatArray:
    r"""Exponentially scaled modified Bessel function of order 0, :math:`e^{-|x|} I_0(x)` (float64).

    Same algorithm and coefficients as ``scipy.special.i0e`` (Cephes), to about 1e-15
    relative accuracy; finite for every finite ``x``, where ``np.i0`` overflows beyond 713.
    """
    return _bessel_e(x, _I0E_A, _I0E_B, times_x=False)


def _i1e(x: npt.ArrayLike) -> FloatArray:
    r"""Exponentially scaled modified Bessel function of order 1, :math:`e^{-|x|} I_1(x)` (float64), odd in x."""
    x = np.asarray(x, dtype=np.float64)
    odd: FloatArray = np.copysign(_bessel_e(x, _I1E_A, _I1E_B, times_x=True), x)
    return odd


def _asymptotic_series(n_terms: int) -> tuple[FloatArray, FloatArray]:
    r"""Coefficients (in :math:`t = 1/\kappa`) of :math:`S_0` and of :math:`S_0 - S_1`, where
    :math:`I_\nu(\kappa) \sim e^\kappa (2\pi\kappa)^{-1/2} S_\nu(1/\kappa)`,
    :math:`S_\nu(t) = \sum_k (-1)^k a_k(\nu) t^k`, :math:`a_k(\nu) = \prod_{j \le k} (4\nu^2 - (2j-1)^2) / (k!\, 8^k)`
    (Abramowitz & Stegun 9.7.1), computed exactly with fractions and rounded once."""
    s0, s1, a0, a1 = [Fraction(1)], [Fraction(1)], Fraction(1), Fraction(1)
    for k in range(1, n_terms):
        a0 *= Fraction(-((2 * k - 1) ** 2), 8 * k)
        a1 *= Fraction(4 - (2 * k - 1) ** 2, 8 * k)
        s0.append((-1) ** k * a0)
        s1.append((-1) ** k * a1)
    return np.array([float(c) for c in s0]), np.array([float(p - q) for p, q in zip(s0, s1)])


# For kappa >= 30, 30 terms of the asymptotic series give 1 - I1/I0 to full precision (the terms
# shrink like k / (2 kappa), and the neglected exponentially small part is ~exp(-2 kappa)).
_ASYMPTOTIC_FROM = 30.0
_S0, _S0_MINUS_S1 = _asymptotic_series(30)


def _horner(coef: FloatArray, t: FloatArray) -> FloatArray:
    out = np.zeros_like(t)
    for c in coef[::-1]:
        out = out * t + c
    return out


def _one_minus_bessel_ratio(kappa: npt.ArrayLike) -> FloatArray:
    r""":math:`1 - I_1(\kappa)/I_0(\kappa)` for :math:`\kappa \ge 0`, to full relative precision (float64).

    :math:`(i_0^e - i_1^e)/i_0^e` loses :math:`\log_{10}(2\kappa)` digits to cancellation
    (all of them at :math:`\kappa \sim 10^{16}`), so for :math:`\kappa \ge 30` the ratio of
    the asymptotic series, :math:`(S_0 - S_1)/S_0` with :math:`S_0 - S_1 = \frac{1}{2\kappa} + \dots`
    summed term by term, is used instead.
    """
    k = np.asarray(kappa, dtype=np.float64)
    t = 1 / np.maximum(k, _ASYMPTOTIC_FROM)
    far = _horner(_S0_MINUS_S1, t) / _horner(_S0, t)
    i0 = _i0e(k)
    near = (i0 - _i1e(k)) / i0
    return np.where(k >= _ASYMPTOTIC_FROM, far, near)


def von_mises_nll_readable(
    y_true: npt.ArrayLike,
    loc: npt.ArrayLike,
    concentration: npt.ArrayLike,
    *,
    full: bool = False,
    reduction: str = "mean",
) -> tuple[Reduced, VonMisesNLLGrad]:
    r"""Readable form of :func:`von_mises_nll` and :func:`von_mises_nll_grad`, as chapter 2 writes them.

    .. math::

        \ell = -\kappa \cos(y - \mu) + \log I_0(\kappa) \ \Big[+ \log 2\pi \text{ if full}\Big],
        \qquad \frac{\partial \ell}{\partial \mu} = -\kappa \sin(y - \mu),
        \qquad \frac{\partial \ell}{\partial \kappa} = \frac{I_1(\kappa)}{I_0(\kappa)} - \cos(y - \mu)

    :math:`I_0` is ``np.i0`` (it overflows beyond :math:`\kappa \approx 713`); numpy has no
    :math:`I_1`, so the ratio is that of the exponentially scaled :math:`e^{-\kappa}I_1` and
    :math:`e^{-\kappa}I_0` (``_i1e``, ``_i0e``: the factors cancel). A shared ``concentration`` is
    broadcast as ``var`` in :func:`gaussian_nll_readable`. The fast path ``_von_mises_nll`` is
    tested against it.
    """
    y, mu = np.asarray(y_true), np.asarray(loc)
    k = _expand(np.asarray(concentration, dtype=float), "concentration", "loc", mu.shape)  # broadcastable
    loss = -k * np.cos(y - mu) + np.log(np.i0(k)) + (_LOG_2PI if full else 0.0)
    g_loc = -k * np.sin(y - mu)
    g_k = _i1e(k) / _i0e(k) - np.cos(y - mu)
    return reduce_readable(loss, VonMisesNLLGrad(g_loc, _sum_to(g_k, k.shape, np.shape(concentration))), reduction)


def _von_mises_nll(
    y_true: npt.ArrayLike,
    loc: npt.ArrayLike,
    concentration: npt.ArrayLike,
    *,
    full: bool = False,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, VonMisesNLLGrad | None]:
    """Fast path of :func:`von_mises_nll_readable` (value and/or gradient, sharing sin((y - loc)/2))."""
    full = check_flag(full, "full")
    y, mu = _point_inputs(y_true, loc, "loc", reduction)
    check_finite(y, "y_true", "angles (in radians)", "an infinite angle has no direction")
    check_finite(mu, "loc", "angles (in radians)", "an infinite angle has no direction")
    k = _spread_input(concentration, "concentration", "concentrations", mu.dtype)
    if not np.isfinite(k).all():
        index = _first_index(~np.isfinite(k))
        raise ValueError(
            f"concentration must be finite but {_where('concentration', index)} = "
            f"{k[index].item()!r}; a point mass has no density"
        )
    k_orig = k.shape
    k = _expand(k, "concentration", "loc", mu.shape)
    k_shape = k.shape
    d = y - mu
    s = np.sin(d / 2)
    one_minus_cos = 2 * s * s  # 1 - cos(y - loc), without cancellation near 0
    out_v = out_g = None
    if value:
        # -k cos d + log I0(k) = k (1 - cos d) + log(exp(-k) I0(k)): no k - k cancellation
        values = k * one_minus_cos + np.log(_i0e(k)).astype(mu.dtype)
        if full:
            values = values + mu.dtype.type(_LOG_2PI)
        out_v = reduce(values.astype(mu.dtype, copy=False), reduction)
    if grad:
        factor = mu.dtype.type(grad_scale(reduction, mu.size))
        # d/dk = I1/I0 - cos d = (1 - cos d) - (1 - I1/I0)
        g_k = (one_minus_cos - _one_minus_bessel_ratio(k).astype(mu.dtype)) * factor
        out_g = VonMisesNLLGrad(
            (-k * np.sin(d) * factor).astype(mu.dtype, copy=False),
            _sum_to(g_k, k_shape, k_orig).astype(mu.dtype, copy=False),
        )
    return out_v, out_g


def von_mises_nll(
    y_true: npt.ArrayLike,
    loc: npt.ArrayLike,
    concentration: npt.ArrayLike,
    *,
    full: bool = False,
    reduction: str = "mean",
) -> Reduced:
    r"""von Mises negative log-likelihood of angles, with a predicted mean angle and concentration.

    .. math::

        \ell(y; \mu, \kappa) = -\kappa \cos(y - \mu) + \log I_0(\kappa)
            \ \Big[+ \log 2\pi \text{ if full}\Big]

    The "Gaussian of the circle", for angles in radians (wind directions, phases, times of
    day). It is periodic in :math:`y - \mu`, so a prediction of :math:`-\pi + 0.1` for a
    target :math:`\pi - 0.1` is off by 0.2, not :math:`2\pi - 0.2`. For large
    :math:`\kappa` it approaches a Gaussian with variance :math:`1/\kappa`; at
    :math:`\kappa = 0` it is uniform.

    Parameters
    ----------
    y_true : array_like, any shape
        Observed angles in radians (any finite real numbers; only their value modulo :math:`2\pi`
        matters; ±inf is refused, as in ``loc``).
    loc : array_like, same shape as ``y_true``
        Predicted mean angles in radians. Its floating dtype is the dtype of the result.
    concentration : array_like
        Predicted concentrations :math:`\kappa \ge 0`, finite, with the shapes
        :func:`gaussian_nll` accepts for ``var``.
    full : bool
        Add the constant :math:`\log 2\pi`, making the loss the exact negative log-density
        (``-scipy.stats.vonmises.logpdf``).
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    float or ndarray

    Notes
    -----
    Computed as :math:`2\kappa\sin^2\frac{y-\mu}{2} + \log\big(e^{-\kappa} I_0(\kappa)\big)`:
    :math:`I_0(\kappa)` overflows beyond :math:`\kappa \approx 713` and
    :math:`-\kappa\cos + \kappa` cancels, while this form stays finite and accurate for
    :math:`\kappa` up to :math:`10^{300}`. :math:`e^{-\kappa} I_0` and :math:`e^{-\kappa} I_1`
    are the Cephes Chebyshev expansions (those of ``scipy.special.i0e``/``i1e``), in numpy;
    the gradient's :math:`1 - I_1/I_0` uses an asymptotic series for :math:`\kappa \ge 30` to
    keep full precision. PyTorch has the distribution (``torch.distributions.VonMises``)
    but no loss; ``log_prob`` there equals ``-von_mises_nll(..., full=True, reduction="none")``.

    The loss is not convex (it is periodic in :math:`\mu`); its gradients are bounded for
    every residual (:math:`|\partial_\mu \ell| \le \kappa`, :math:`|\partial_\kappa \ell| \le 2`),
    so an outlying angle has bounded influence.

    References
    ----------
    .. [1] Mardia, K. V. and Jupp, P. E. (2000). *Directional Statistics*. Wiley. (mardia2000directional)

    Examples
    --------
    >>> von_mises_nll([0.0, np.pi], [0.0, 0.0], [0.0, 2.0], reduction="none")
    array([0.        , 2.82399354])
    """
    return cast(Reduced, _von_mises_nll(y_true, loc, concentration, full=full, reduction=reduction, grad=False)[0])


def von_mises_nll_grad(
    y_true: npt.ArrayLike,
    loc: npt.ArrayLike,
    concentration: npt.ArrayLike,
    *,
    full: bool = False,
    reduction: str = "mean",
) -> VonMisesNLLGrad:
    r"""Gradient of :func:`von_mises_nll` with respect to ``loc`` and ``concentration``.

    .. math::

        \frac{\partial \ell}{\partial \mu} = -\kappa \sin(y - \mu), \qquad
        \frac{\partial \ell}{\partial \kappa} = \frac{I_1(\kappa)}{I_0(\kappa)} - \cos(y - \mu)

    Returns ``VonMisesNLLGrad(loc, concentration)``, each in its argument's shape.

    Examples
    --------
    >>> g = von_mises_nll_grad([np.pi / 2], [0.0], [2.0], reduction="sum")
    >>> g.loc, round(float(g.concentration[0]), 12)
    (array([-2.]), 0.697774657964)
    """
    return cast(
        VonMisesNLLGrad, _von_mises_nll(y_true, loc, concentration, full=full, reduction=reduction, value=False)[1]
    )


def _sample_von_mises(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {
        "y_true": rng.uniform(-np.pi, np.pi, size=n),
        "loc": rng.uniform(-np.pi, np.pi, size=n),
        "concentration": rng.uniform(0.2, 10.0, size=n),
    }


register(
    loss=von_mises_nll,
    grad=von_mises_nll_grad,
    core=_von_mises_nll,
    readable=von_mises_nll_readable,
    family="regression",
    prediction="mean angle and concentration",
    target="angle",
    distribution="von Mises",
    convex=False,
    differentiable=True,
    robust=True,
    proper=True,
    reference="mardia2000directional",
    args=("y_true", "loc", "concentration"),
    grad_wrt=("loc", "concentration"),
    oracle="scipy",
    sampler=_sample_von_mises,
    summary="von Mises NLL of angles with a predicted mean direction and concentration.",
)
