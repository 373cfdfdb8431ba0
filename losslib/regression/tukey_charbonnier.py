r"""Tukey's biweight, a redescending loss that ignores gross outliers, and the Charbonnier loss, the
smooth L1 of image restoration.
"""

from __future__ import annotations

import contextlib
from typing import cast

import numpy as np
import numpy.typing as npt

from .._docstrings import shared_doc
from .._info import Equivalents, register
from .._reduction import grad_scale, reduce, reduce_readable
from .._typing import FloatArray, Reduced
from .._validation import (
    check_positive_scalar,
    option_in_dtype,
)
from .._wrappers import gradient
from ._residuals import _residual

__all__ = [
    "charbonnier",
    "charbonnier_grad",
    "tukey_biweight",
    "tukey_biweight_grad",
]


def tukey_biweight_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, c: float = 4.685, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`tukey_biweight` and :func:`tukey_biweight_grad`, as chapter 2 writes them.

    .. math::

        \rho_c(r) = \begin{cases}
            \tfrac{c^2}{6}\Big(1 - \big(1 - (r/c)^2\big)^3\Big) & |r| \le c \\
            \tfrac{c^2}{6} & |r| > c \end{cases}, \qquad
        \psi_c(r) = \begin{cases} r\,\big(1 - (r/c)^2\big)^2 & |r| \le c \\ 0 & |r| > c \end{cases}

    with :math:`r = \hat y - y`. The textbook value cancels for :math:`|r| \ll c` (an absolute
    error of about :math:`c^2` times the machine epsilon); the fast path ``_tukey_biweight``,
    tested against this form, computes :math:`\frac{r^2}{6}(3 - 3u + u^2)`, :math:`u = (r/c)^2`.
    """
    r = np.asarray(y_pred) - np.asarray(y_true)
    inside = np.abs(r) <= c
    w = 1 - (r / c) ** 2
    loss = np.where(inside, c**2 / 6 * (1 - w**3), c**2 / 6)
    grad = np.where(inside, r * w**2, 0.0)
    return reduce_readable(loss, grad, reduction)


def _tukey_biweight(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    c: float = 4.685,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`tukey_biweight_readable` (value and/or gradient, sharing :math:`u = (r/c)^2`)."""
    c = check_positive_scalar(c, "c")
    r = _residual(y_true, y_pred, reduction)
    cc = option_in_dtype(c, "c", r.dtype)
    a = np.abs(r)
    inside = a <= cc
    m = np.minimum(a, cc)  # |r| clipped to c: no overflow in the squares below
    u = (m / cc) ** 2
    v = g = None
    if value:
        # c^2/6 (1 - (1 - u)^3) = r^2/6 (3 - 3u + u^2): no cancellation for small r
        v = reduce(
            np.where(inside, m * m * ((3 - 3 * u + u * u) / 6), cc * cc / 6).astype(r.dtype, copy=False), reduction
        )
    if grad:
        w = 1 - u
        # copysign(m, r) is r inside and finite outside (where w = 0): an infinite r gives 0, not inf * 0
        g = np.where(inside, np.copysign(m, r) * (w * w), 0).astype(r.dtype, copy=False) * r.dtype.type(
            grad_scale(reduction, r.size)
        )
    return v, g


@shared_doc
def tukey_biweight(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, c: float = 4.685, reduction: str = "mean"
) -> Reduced:
    r"""Tukey's biweight (bisquare) loss: quadratic near zero, constant beyond :math:`c`.

    .. math::

        \rho_c(r) = \begin{cases}
            \dfrac{c^2}{6}\Big(1 - \big(1 - (r/c)^2\big)^3\Big) & |r| \le c \\[1ex]
            \dfrac{c^2}{6} & |r| > c
        \end{cases}, \qquad r = \hat y - y

    Its gradient :math:`\psi(r) = r\,(1 - (r/c)^2)^2` *redescends* to 0 at :math:`|r| = c`:
    residuals beyond :math:`c` have no influence at all, so gross outliers are ignored
    rather than merely down-weighted. The price is a non-convex loss (flat beyond
    :math:`c`): a fit can get stuck, so start it from a robust convex fit (Huber, L1).

    Parameters
    ----------
    y_true : array_like, any shape
    y_pred : array_like, same shape as ``y_true``
    c : float > 0
        The rejection point. The default 4.685 gives 95% efficiency at the Gaussian with
        unit scale; scale the residuals (e.g. by a robust estimate of their spread) first.
    {reduction}

    Notes
    -----
    Computed as :math:`\frac{r^2}{6}\,(3 - 3u + u^2)` with :math:`u = (r/c)^2`, which
    keeps full precision for small residuals (the textbook form cancels). It is twice
    continuously differentiable: :math:`\psi` and :math:`\psi'` both vanish at
    :math:`|r| = c`. Neither PyTorch, Keras nor scikit-learn has it (statsmodels'
    ``TukeyBiweight`` norm is the same :math:`\rho`).

    References
    ----------
    .. [1] Beaton, A. E. and Tukey, J. W. (1974). The fitting of power series, meaning
       polynomials, illustrated on band-spectroscopic data. *Technometrics* 16(2), 147-185.
       (beaton1974fitting)

    Examples
    --------
    >>> tukey_biweight([0.0, 0.0], [1.0, 10.0], c=2.0, reduction="none")
    array([0.38541667, 0.66666667])
    """
    return cast(Reduced, _tukey_biweight(y_true, y_pred, c=c, reduction=reduction, grad=False)[0])


tukey_biweight_grad = gradient(
    tukey_biweight,
    _tukey_biweight,
    doc=r"""Gradient of :func:`tukey_biweight`: :math:`r\,(1 - (r/c)^2)^2` for :math:`|r| \le c`, else 0.

    Examples
    --------
    >>> tukey_biweight_grad([0.0, 0.0], [1.0, 10.0], c=2.0, reduction="sum")
    array([0.5625, 0.    ])
    """,
)


register(
    tukey_biweight,
    family="regression",
    prediction="real",
    target="real",
    distribution=None,
    convex=False,
    differentiable=True,
    robust=True,
    proper=None,
    reference="beaton1974fitting",
    oracle="closed form",
    summary="Redescending: residuals beyond c have no influence; not convex.",
    equivalents=Equivalents(
        note="None of PyTorch, Keras and optax has Tukey's biweight.",
    ),
)


# --------------------------------------------------------------------------
# Charbonnier loss: the smooth L1 of image restoration
# --------------------------------------------------------------------------


def charbonnier_readable(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, eps: float = 1e-3, reduction: str = "mean"
) -> tuple[Reduced, FloatArray]:
    r"""Readable form of :func:`charbonnier` and :func:`charbonnier_grad`: the definition.

    .. math::

        \ell_\varepsilon = \sqrt{r^2 + \varepsilon^2} - \varepsilon, \qquad
        \frac{\partial \ell_\varepsilon}{\partial \hat y} = \frac{r}{\sqrt{r^2 + \varepsilon^2}},
        \qquad r = \hat y - y

    The textbook value cancels for :math:`|r| \ll \varepsilon` (an absolute error of about
    :math:`\varepsilon` times the machine epsilon) and :math:`r^2` overflows beyond
    :math:`|r| \approx 10^{154}`; the fast path ``_charbonnier``, tested against this form,
    computes :math:`r^2 / (\sqrt{r^2 + \varepsilon^2} + \varepsilon)` with ``np.hypot``.
    """
    r = np.asarray(y_pred) - np.asarray(y_true)
    root = np.sqrt(r**2 + eps**2)
    return reduce_readable(root - eps, r / root, reduction)


def _charbonnier(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    eps: float = 1e-3,
    reduction: str = "mean",
    value: bool = True,
    grad: bool = True,
) -> tuple[Reduced | None, FloatArray | None]:
    """Fast path of :func:`charbonnier_readable` (value and/or gradient, sharing ``hypot(eps, r)``)."""
    eps = check_positive_scalar(eps, "eps")
    r = _residual(y_true, y_pred, reduction)
    e = option_in_dtype(eps, "eps", r.dtype)  # 0 would leave the loss undefined at r = 0
    a = np.abs(r)
    h = np.hypot(e, a)  # sqrt(r^2 + eps^2), without overflow of r^2
    infinite = np.isinf(h.max())  # an infinite residual: the limits below, not inf / inf
    v = g = None
    with np.errstate(invalid="ignore") if infinite else contextlib.nullcontext():
        if value:
            # sqrt(r^2 + eps^2) - eps = r^2 / (h + eps): no cancellation for small r, no overflow for large r
            terms = a * (a / (h + e))
            v = reduce(np.where(np.isinf(a), a, terms) if infinite else terms, reduction)
        if grad:
            # clipped: |r| / h <= 1 also after rounding (bounded influence, exactly); +-1 at r = +-inf
            ratio = r / h
            if infinite:
                ratio = np.where(np.isinf(r), np.sign(r), ratio)
            g = np.clip(ratio, -1, 1).astype(r.dtype, copy=False) * r.dtype.type(grad_scale(reduction, r.size))
    return v, g


def charbonnier(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, eps: float = 1e-3, reduction: str = "mean") -> Reduced:
    r"""Charbonnier loss: a smooth absolute error, :math:`\sqrt{r^2 + \varepsilon^2}` shifted to vanish at 0.

    .. math::

        \ell_\varepsilon(r) = \sqrt{r^2 + \varepsilon^2} - \varepsilon, \qquad r = \hat y - y

    It behaves like :math:`r^2/(2\varepsilon)` for :math:`|r| \ll \varepsilon` and like
    :math:`|r| - \varepsilon` for :math:`|r| \gg \varepsilon`: with the small default
    :math:`\varepsilon` it is the absolute error (the conditional median) made differentiable at 0.
    It is convex, has derivatives of every order, and its gradient
    :math:`r / \sqrt{r^2 + \varepsilon^2}` is bounded by 1, so one outlier has bounded influence.

    Parameters
    ----------
    y_true : array_like, any shape
        Targets.
    y_pred : array_like, same shape as ``y_true``
        Predictions. Its floating dtype is the dtype of the result.
    eps : float > 0
        The smoothing scale, in units of the target: the width of the quadratic bowl around 0.
        The default 1e-3 is LapSRN's. Refused if it rounds to 0 or overflows in ``y_pred``'s dtype.
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per element. An infinite residual gives the limits: loss
        inf, gradient :math:`\pm 1` (divided by the mean's count).

    Returns
    -------
    float or ndarray
        A scalar for ``"mean"`` and ``"sum"``, an array of ``y_pred``'s shape for ``"none"``.

    Raises
    ------
    ValueError
        If ``eps`` is not a finite number > 0, or rounds to 0 in ``y_pred``'s dtype.
    TypeError
        If ``eps`` is not a real number.

    Notes
    -----
    **The constant.** Image-restoration code (LapSRN and its successors) computes
    :math:`\sqrt{r^2 + \varepsilon^2}` without subtracting :math:`\varepsilon`; losslib subtracts
    it so that a perfect prediction costs 0, as for every other loss here, and so that
    ``reduction="sum"`` does not carry an offset of :math:`N\varepsilon`. The gradient is the same,
    so training is unaffected; to reproduce LapSRN's number add ``eps`` to the mean
    (``N * eps`` to the sum). Up to that constant, the loss is the negative log-likelihood of the
    symmetric hyperbolic distribution, with density proportional to
    :math:`\exp\big(-\sqrt{r^2 + \varepsilon^2}\big)`.

    **Relation to** :func:`pseudo_huber`. The two are the same function up to a scale:
    ``charbonnier(y, p, eps=e) == pseudo_huber(y, p, delta=e) / e`` (and so
    :math:`\sqrt{r^2 + \varepsilon^2} = \ell^{\text{pseudo-Huber}}_\varepsilon(r)/\varepsilon +
    \varepsilon`). The scale matters: pseudo-Huber fixes the curvature at 0 (it is :math:`r^2/2`
    near 0, and its gradient grows to :math:`\delta`), Charbonnier fixes the slope in the tails (1,
    as the absolute error, whatever :math:`\varepsilon`).

    **Stability.** Computed as :math:`r^2 / (\sqrt{r^2 + \varepsilon^2} + \varepsilon)` with
    ``np.hypot``: the textbook :math:`\sqrt{r^2 + \varepsilon^2} - \varepsilon` cancels
    catastrophically for :math:`|r| \ll \varepsilon` (it keeps 3 of 16 digits at
    :math:`r = 10^{-9}`, :math:`\varepsilon = 10^{-3}`) and :math:`r^2` overflows beyond
    :math:`|r| \approx 10^{154}` (float64) and :math:`10^{19}` (float32); this form keeps full
    relative precision for every finite :math:`r`. PyTorch and Keras have no Charbonnier loss.

    References
    ----------
    .. [1] Charbonnier, P., Blanc-Féraud, L., Aubert, G. and Barlaud, M. (1994). Two deterministic
       half-quadratic regularization algorithms for computed imaging. *Proc. ICIP* 2, 168-172.
       (charbonnier1994two)
    .. [2] Lai, W.-S., Huang, J.-B., Ahuja, N. and Yang, M.-H. (2017). Deep Laplacian pyramid
       networks for fast and accurate super-resolution. *CVPR*, 5835-5843. (lai2017deep)

    Examples
    --------
    With :math:`\varepsilon = 0.9` the residuals 1.2 and -4 make the right triangles 0.9-1.2-1.5 and
    0.9-4-4.1:

    >>> charbonnier([0.0, 0.0, 1.0], [0.0, 1.2, -3.0], eps=0.9, reduction="none")
    array([0. , 0.6, 3.2])
    >>> float(charbonnier([0.0, 0.0], [0.0, 1e200]))  # (0 + (1e200 - 0.001)) / 2
    5e+199
    """
    return cast(Reduced, _charbonnier(y_true, y_pred, eps=eps, reduction=reduction, grad=False)[0])


charbonnier_grad = gradient(
    charbonnier,
    _charbonnier,
    doc=r"""Gradient of :func:`charbonnier`: :math:`r / \sqrt{r^2 + \varepsilon^2}`, over N for the mean.

    Examples
    --------
    >>> charbonnier_grad([0.0, 0.0, 1.0], [0.0, 1.2, -3.0], eps=0.9, reduction="sum")  # 1.2/1.5, -4/4.1
    array([ 0.        ,  0.8       , -0.97560976])
    """,
)


register(
    charbonnier,
    family="regression",
    prediction="real",
    target="real",
    distribution="hyperbolic",
    convex=True,
    differentiable=True,
    robust=True,
    proper=None,
    reference="charbonnier1994two",
    oracle="closed form",
    summary="Charbonnier, sqrt(r^2 + eps^2) - eps: a smooth absolute error (not SmoothL1Loss, a scaled Huber).",
    equivalents=Equivalents(
        note="None of PyTorch, Keras and optax has a Charbonnier loss (it is `pseudo_huber(delta=eps) / eps`).",
    ),
)
