r"""The von Mises negative log-likelihood of angles, with a predicted mean direction and
concentration; its normaliser is the Bessel function of :mod:`losslib.special`.
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
    _first_index,
    _where,
    check_finite,
    check_flag,
)
from .._wrappers import gradient
from ..special import i0e, i1e, one_minus_bessel_ratio
from ._inputs import _LOG_2PI, _expand, _point_inputs, _spread_input, _sum_to

__all__ = [
    "von_mises_nll",
    "von_mises_nll_grad",
]


class VonMisesNLLGrad(NamedTuple):
    """Gradient of :func:`von_mises_nll`: with respect to ``loc`` and to ``concentration``."""

    loc: FloatArray
    concentration: FloatArray


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
    :math:`e^{-\kappa}I_0` (``i1e``, ``i0e``: the factors cancel). A shared ``concentration`` is
    broadcast as ``var`` in :func:`gaussian_nll_readable`. The fast path ``_von_mises_nll`` is
    tested against it.
    """
    y, mu = np.asarray(y_true), np.asarray(loc)
    k = _expand(np.asarray(concentration, dtype=float), "concentration", "loc", mu.shape)  # broadcastable
    loss = -k * np.cos(y - mu) + np.log(np.i0(k)) + (_LOG_2PI if full else 0.0)
    g_loc = -k * np.sin(y - mu)
    g_k = i1e(k) / i0e(k) - np.cos(y - mu)
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
        values = k * one_minus_cos + np.log(i0e(k)).astype(mu.dtype)
        if full:
            values = values + mu.dtype.type(_LOG_2PI)
        out_v = reduce(values.astype(mu.dtype, copy=False), reduction)
    if grad:
        factor = mu.dtype.type(grad_scale(reduction, mu.size))
        # d/dk = I1/I0 - cos d = (1 - cos d) - (1 - I1/I0)
        g_k = (one_minus_cos - one_minus_bessel_ratio(k).astype(mu.dtype)) * factor
        out_g = VonMisesNLLGrad(
            (-k * np.sin(d) * factor).astype(mu.dtype, copy=False),
            _sum_to(g_k, k_shape, k_orig).astype(mu.dtype, copy=False),
        )
    return out_v, out_g


@shared_doc
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
    {reduction}

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


von_mises_nll_grad = gradient(
    von_mises_nll,
    _von_mises_nll,
    doc=r"""Gradient of :func:`von_mises_nll` with respect to ``loc`` and ``concentration``.

    .. math::

        \frac{\partial \ell}{\partial \mu} = -\kappa \sin(y - \mu), \qquad
        \frac{\partial \ell}{\partial \kappa} = \frac{I_1(\kappa)}{I_0(\kappa)} - \cos(y - \mu)

    Returns ``VonMisesNLLGrad(loc, concentration)``, each in its argument's shape.

    Examples
    --------
    >>> g = von_mises_nll_grad([np.pi / 2], [0.0], [2.0], reduction="sum")
    >>> g.loc, round(float(g.concentration[0]), 12)
    (array([-2.]), 0.697774657964)
    """,
)


def _sample_von_mises(rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {
        "y_true": rng.uniform(-np.pi, np.pi, size=n),
        "loc": rng.uniform(-np.pi, np.pi, size=n),
        "concentration": rng.uniform(0.2, 10.0, size=n),
    }


register(
    von_mises_nll,
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
    equivalents=Equivalents(
        torch="(-torch.distributions.VonMises(loc, concentration).log_prob(y_true) - (0.0 if full else math.log(2 * math.pi))).mean()",
        note=(
            "PyTorch has the distribution, not a loss: the negative `log_prob` keeps the constant log 2π (losslib "
            "adds it with `full=True`). Keras and optax have no von Mises NLL."
        ),
    ),
)
