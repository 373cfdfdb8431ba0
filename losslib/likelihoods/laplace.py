r"""The Laplace negative log-likelihood with a predicted location and scale: the absolute error of
a model that also predicts its own uncertainty.
"""

from __future__ import annotations

from typing import NamedTuple, cast

import numpy as np
import numpy.typing as npt

from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import grad_scale, reduce, reduce_readable
from .._typing import FloatArray, Reduced
from .._validation import (
    check_flag,
    check_positive_scalar,
)
from .._wrappers import gradient
from ._inputs import _clamped_spread, _expand, _point_inputs, _sum_to

__all__ = [
    "laplace_nll",
    "laplace_nll_grad",
]


class LaplaceNLLGrad(NamedTuple):
    """Gradient of :func:`laplace_nll`: with respect to ``loc`` and to ``scale`` (each in its shape)."""

    loc: FloatArray
    scale: FloatArray


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


@shared_doc
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
    {reduction}

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


laplace_nll_grad = gradient(
    laplace_nll,
    _laplace_nll,
    doc=r"""Gradient of :func:`laplace_nll` with respect to ``loc`` and ``scale``.

    .. math::

        \frac{\partial \ell}{\partial \mu} = \frac{\operatorname{sign}(\mu - y)}{b}, \qquad
        \frac{\partial \ell}{\partial b} = \frac1b - \frac{|y - \mu|}{b^2}

    Returns ``LaplaceNLLGrad(loc, scale)``, each in its argument's shape.

    Examples
    --------
    >>> g = laplace_nll_grad([1.0, 3.0], [1.0, 0.0], [1.0, 2.0], reduction="sum")
    >>> g.loc, g.scale
    (array([ 0. , -0.5]), array([ 1.  , -0.25]))
    """,
)


def _sample_laplace(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {"y_true": 3.0 * rng.normal(size=n), "loc": 3.0 * rng.normal(size=n), "scale": rng.uniform(0.2, 3.0, size=n)}


register(
    laplace_nll,
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
    equivalents=Equivalents(
        torch="(-torch.distributions.Laplace(loc, scale).log_prob(y_true) - (0.0 if full else math.log(2.0))).mean()",
        note=(
            "PyTorch has the distribution, not a loss: the negative `log_prob` keeps the constant log 2 (losslib "
            "adds it with `full=True`) and does not clamp the scale at `eps`. Keras and optax have no Laplace "
            "NLL."
        ),
    ),
)
