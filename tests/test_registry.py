"""Every property that ``losslib.LOSSES`` claims is checked here, so the book's tables cannot lie.

The checks are generic: inputs come from ``info.example(rng, n)`` (the entry's sampler or its
prediction/target kinds), and an entry is called through ``info.args`` and ``info.grad_wrt``, so a
new registry entry is tested automatically, whatever its arguments. Where a check needs to know
more than the entry says (how a distribution ``q`` is stated as a prediction, which likelihood a
``distribution`` names for given arguments), an entry the test does not know fails loudly and
says what to add, instead of being skipped.

* convex: midpoint convexity along random segments in the joint space of the ``grad_wrt``
  arguments (the others fixed); a False claim must be backed by an exhibited violation;
* differentiable: True means finite differences agree and no kink is found; False must be backed
  by an exhibited kink (one-sided derivatives that differ, and keep differing as the step shrinks);
* robust (regression only): as the residual in the first ``grad_wrt`` argument grows to 1e6, the
  gradient (every ``grad_wrt`` argument's) stays bounded in both directions (True), or grows
  without bound in at least one (False);
* proper (where not None): the expected loss under ``q`` is minimised by the prediction stating
  ``q``; a kind of prediction or target the test cannot map fails loudly;
* distribution: the loss is an affine function, with positive slope, of the NLL that
  ``(distribution, args)`` names (``NLLS``); an unknown pair fails loudly;
* family, oracle, names, references, tables; and the checks themselves catch false claims.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import sys
import types
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import scipy.special as sps
import scipy.stats as stats

import losslib
from conftest import (
    ENTRIES,
    along,
    by_entry,
    central_difference,
    draw,
    gradient,
    replace,
    rng_for,
    segment,
    soften,
    total,
    value,
)
from losslib import _info
from losslib.registry import FAMILIES, ORACLES

BIB = Path(__file__).resolve().parent.parent / "book" / "references.bib"


# --------------------------------------------------------------------------
# The inputs: an entry without a way to draw them fails loudly
# --------------------------------------------------------------------------


def test_an_entry_whose_inputs_cannot_be_drawn_fails_loudly():
    mse = losslib.LOSSES["mse"]
    for fake, match in [
        (dataclasses.replace(mse, name="fake", prediction="quantile"), "prediction='quantile'"),
        (dataclasses.replace(mse, name="fake", target="ranking"), "target='ranking'"),
        (dataclasses.replace(mse, name="fake", args=("y_true", "y_pred", "w"), grad_wrt=("y_pred", "w")), "sampler"),
        (dataclasses.replace(mse, name="fake", sampler=lambda rng, n: {"y_true": np.zeros(n)}), "missing"),
        (
            dataclasses.replace(
                mse,
                name="fake",
                sampler=lambda rng, n: {"y_true": np.zeros(n), "y_pred": np.zeros(n), "w": np.zeros(n)},
            ),
            "unexpected",
        ),
        (dataclasses.replace(mse, name="fake", grad_wrt=("y_true", "scale")), "grad_wrt"),
    ]:
        with pytest.raises(ValueError, match=re.escape(match)):
            draw(fake, np.random.default_rng(0))
    fake = dataclasses.replace(
        mse, name="fake", sampler=lambda rng, n: {"y_true": np.zeros(n, np.float32), "y_pred": np.zeros(n)}
    )
    with pytest.raises(TypeError, match="float64"):
        draw(fake, np.random.default_rng(0))


@by_entry()
def test_family_and_oracle_are_known(info):
    assert info.family in FAMILIES, f"{info.name}: family {info.family!r} is not one of {FAMILIES}"
    assert info.oracle in ORACLES, f"{info.name}: oracle {info.oracle!r} is not one of {ORACLES}"


# --------------------------------------------------------------------------
# Convexity: along random segments in the joint space of the grad_wrt arguments
# --------------------------------------------------------------------------

T_GRID = (0.1, 0.25, 0.5, 0.75, 0.9)
N_LINES = 60


def convexity_violations(info, n_lines: int = N_LINES, first_only: bool = False) -> list[str]:
    """Points where f((1-t) a + t b) > (1-t) f(a) + t f(b) on random segments [a, b].

    ``a`` and ``b`` differ in every ``grad_wrt`` argument jointly (the others are fixed), and every
    point of the segment is valid. Each segment is also tried shortened to a tenth (from ``a``),
    which finds non-convexity that is local. Every other line has soft targets (log losses only).
    """
    rng = rng_for(info, "convex")
    found = []
    for i in range(n_lines):
        a, far = segment(info, rng, soft=bool(i % 2))
        for shrink in (1.0, 0.1):
            b = along(info, a, far, shrink)
            fa, fb = total(info, a), total(info, b)
            for t in T_GRID:
                chord = (1 - t) * fa + t * fb
                f = total(info, along(info, a, b, t))
                if f > chord + 1e-10 * max(1.0, abs(fa), abs(fb)):
                    found.append(
                        f"f={f!r} > chord={chord!r} at t={t} between "
                        + "; ".join(f"{w}: {a[w].tolist()} and {b[w].tolist()}" for w in info.grad_wrt)
                    )
                    if first_only:
                        return found
    return found


@by_entry()
def test_convexity_claim(info):
    if info.convex:
        violations = convexity_violations(info)
        assert not violations, f"{info.name} is registered as convex in {info.grad_wrt}, but: {violations[:3]}"
    else:
        violations = convexity_violations(info, first_only=True)
        assert violations, (
            f"{info.name} is registered as not convex, but no random segment in "
            f"{info.grad_wrt} shows it; exhibit a violation"
        )


# --------------------------------------------------------------------------
# Differentiability: finite differences, and a search for kinks along lines
# --------------------------------------------------------------------------


def one_sided(phi: Callable[[float], float], left: float, right: float, h: float) -> tuple[float, float]:
    """Slopes of ``phi`` just left of ``left`` and just right of ``right`` (over a step ``h``)."""
    return (phi(left) - phi(left - h)) / h, (phi(right + h) - phi(right)) / h


def kink_on(phi: Callable[[float], float], grid: int = 48, iterations: int = 26, h: float = 1e-5):
    """The largest kink of ``phi`` on [0, 1], as ``(jump, t, left slope, right slope)``, or None.

    The largest change of slope on a grid is narrowed down by repeated halving (keeping the
    half where the slope changes most) to an interval of width ~1e-9. One-sided slopes just
    outside it, over ``h`` and ``h / 10``, differ by the jump at a kink whatever the step; at a
    smooth point by ``phi'' * h``, which shrinks with the step. A kink is a jump above roundoff
    that does not shrink.
    """
    t = np.linspace(0.0, 1.0, grid + 1)
    f = np.array([phi(x) for x in t])
    slopes = np.diff(f) / np.diff(t)
    k = int(np.argmax(np.abs(np.diff(slopes))))
    pts, vals = [t[k], t[k + 1], t[k + 2]], [f[k], f[k + 1], f[k + 2]]
    for _ in range(iterations):
        (l, m, r), (fl, fm, fr) = pts, vals
        q1, q3 = (l + m) / 2, (m + r) / 2
        p5, v5 = [l, q1, m, q3, r], [fl, phi(q1), fm, phi(q3), fr]
        s = np.diff(v5) / np.diff(p5)
        j = int(np.argmax(np.abs(np.diff(s))))  # 0: [l, m], 1: [q1, q3], 2: [m, r]
        pts, vals = p5[j : j + 3], v5[j : j + 3]
    l, r = pts[0], pts[2]
    if l - h < 0 or r + h > 1:
        return None
    left, right = one_sided(phi, l, r, h)
    left10, right10 = one_sided(phi, l, r, h / 10)
    jump, jump10 = abs(right - left), abs(right10 - left10)
    tol = 1e-6 * max(1.0, abs(left), abs(right), abs(vals[1]))
    if jump > tol and jump10 > 0.5 * jump:
        return jump10, (l + r) / 2, left10, right10
    return None


def kinks_along_lines(info, n_lines: int, first_only: bool) -> list[str]:
    """Kinks of the summed loss along random segments in the joint space of the grad_wrt arguments."""
    rng = rng_for(info, "kinks")
    found = []
    for _ in range(n_lines):
        a, b = segment(info, rng)
        kink = kink_on(lambda t: total(info, along(info, a, b, t)))
        if kink is not None:
            jump, t, left, right = kink
            found.append(
                f"slopes {left:.6g} | {right:.6g} (jump {jump:.3g}) at t={t:.9f} on the segment "
                + "; ".join(f"{w}: {a[w].tolist()} -> {b[w].tolist()}" for w in info.grad_wrt)
                + f" (other arguments: {', '.join(f'{k}={v.tolist()}' for k, v in a.items() if k not in info.grad_wrt)})"
            )
            if first_only:
                break
    return found


COINCIDENCES = [(1.0, r) for r in (0.0, 1.0, -1.0, 0.5, -0.5, 2.0)] + [(c, 0.0) for c in (-1.0, 0.5, 2.0)]


def candidate_kinks(info, rng, n: int) -> list[tuple[dict[str, np.ndarray], str]]:
    """Points where kinks typically are, as ``(inputs, grad_wrt argument to move)``.

    A kink on a set of measure zero (|x1 - x2| at x1 = x2) is missed by random lines, so: every
    ``grad_wrt`` argument set to ``c * other + r`` for every other float argument of its shape
    (residual 0 or +-1, margin y s = 1 or 0, coinciding embeddings), and for two-argument losses
    of known kinds the constants where their kinks would be (p = 1/2, logit or score 0 or 1).
    """
    inputs = draw(info, rng, n=n)
    out = []
    for w in info.grad_wrt:
        for a in info.args:
            if a != w and inputs[a].dtype.kind == "f" and inputs[a].shape == inputs[w].shape:
                out += [(replace(inputs, **{w: c * inputs[a] + r}), w) for c, r in COINCIDENCES]
    if info.args == ("y_true", "y_pred"):
        p = inputs["y_pred"]
        if info.prediction == "probability":
            out += [(replace(inputs, y_pred=np.full_like(p, q)), "y_pred") for q in (0.5, 0.25, 0.75)]
        if info.prediction in ("logit", "score"):
            out += [(replace(inputs, y_pred=np.full_like(p, c)), "y_pred") for c in (0.0, 1.0)]
    return out


def kinks_at_candidates(info, first_only: bool, steps=((1e-5, 1e-6),), n: int = 1) -> list[str]:
    """Coordinates along which the one-sided derivatives at a candidate point differ, and keep
    differing as the step shrinks tenfold. Candidates outside the domain are skipped.

    To exhibit a kink, steps of 1e-3 then 1e-4 are tried too: a loss that adds ``eps`` inside a
    norm (contrastive's ``|x1 - x2 + eps|``) has its kink ``eps`` away from the candidate.
    """
    found = []
    for inputs, w in candidate_kinks(info, rng_for(info, "candidates"), n):
        x0 = inputs[w]
        for index in np.ndindex(x0.shape):

            def phi(t, index=index):
                x = x0.copy()
                x[index] += t
                return total(info, replace(inputs, **{w: x}))

            for h in steps:
                try:
                    (l1, r1), (l2, r2) = one_sided(phi, 0.0, 0.0, h[0]), one_sided(phi, 0.0, 0.0, h[1])
                    f0 = phi(0.0)
                except ValueError:  # the point or its neighbours are outside the domain
                    break
                jump, jump10 = abs(r1 - l1), abs(r2 - l2)
                if jump > 1e-6 * max(1.0, abs(l1), abs(r1), abs(f0)) and jump10 > 0.5 * jump:
                    found.append(
                        f"slopes {l2:.6g} | {r2:.6g} (steps {h[1]:g}; {l1:.6g} | {r1:.6g} with {h[0]:g}) "
                        f"along {w}[{index}] at " + ", ".join(f"{k}={v.tolist()}" for k, v in inputs.items())
                    )
                    if first_only:
                        return found
                    break
    return found


@by_entry()
def test_differentiability_claim(info):
    if not info.differentiable:
        kinks = kinks_at_candidates(
            info, first_only=True, steps=((1e-5, 1e-6), (1e-3, 1e-4)), n=3
        ) or kinks_along_lines(info, n_lines=30, first_only=True)
        assert kinks, f"{info.name} is registered as not differentiable, but no kink was found; exhibit one"
        return
    kinks = kinks_at_candidates(info, first_only=False) + kinks_along_lines(info, n_lines=4, first_only=False)
    assert not kinks, f"{info.name} is registered as differentiable, but has kinks: {kinks[:3]}"
    rng = rng_for(info, "differentiable")
    for i in range(3):
        inputs = draw(info, rng)
        if i % 2:
            inputs = soften(info, inputs, rng)
        grads = gradient(info, inputs, "sum")
        for w in info.grad_wrt:
            numeric = central_difference(lambda x: total(info, replace(inputs, **{w: x})), inputs[w])
            np.testing.assert_allclose(
                grads[w],
                numeric,
                rtol=1e-6,
                atol=1e-8 * np.abs(numeric).max() + 1e-9 * max(1.0, float(np.abs(value(info, inputs, "none")).sum())),
                err_msg=f"{info.name}: gradient wrt {w} vs finite differences",
            )


# --------------------------------------------------------------------------
# Robustness: does the gradient stay bounded as the residual grows to 1e6?
# --------------------------------------------------------------------------

RESIDUALS = np.logspace(0, 6, 13)


def gradient_along_residuals(info, sign: float) -> tuple[np.ndarray, str]:
    """The largest |gradient| (over every grad_wrt argument) as the residual grows to 1e6.

    The residual is in the first grad_wrt argument, ``location - target`` (the target being the
    first argument): the location moves away from the target; where that leaves its domain
    (MSLE's y_pred > -1), the target moves instead. The other arguments (a variance, a scale)
    stay at a valid example, and their gradients count too: an outlier whose pull on the scale
    grows without bound has unbounded influence.
    """
    target, where = info.args[0], info.grad_wrt[0]
    inputs = draw(info, rng_for(info, "robust"), n=1)
    if target == where or inputs[target].dtype.kind != "f" or inputs[target].shape != inputs[where].shape:
        raise ValueError(
            f"{info.name}: robustness needs a residual {where} - {target} of two float arrays of one "
            f"shape; args={info.args}, grad_wrt={info.grad_wrt}"
        )
    y, mu = inputs[target], inputs[where]

    def largest(trial):
        return max(float(np.abs(g).max()) for g in gradient(info, trial, "sum").values())

    with np.errstate(over="ignore", invalid="ignore"):
        try:
            return (
                np.array([largest(replace(inputs, **{where: y + sign * r})) for r in RESIDUALS]),
                f"{where} = {target} {'+' if sign > 0 else '-'} r",
            )
        except ValueError:
            return (
                np.array([largest(replace(inputs, **{target: mu - sign * r})) for r in RESIDUALS]),
                f"{target} = {where} {'-' if sign > 0 else '+'} r",
            )


def bounded(g: np.ndarray) -> bool:
    """Finite, and no larger over the last two decades (r from 1e4 to 1e6) than 1.1 times its
    largest value before: it has reached its bound (or oscillates under it, as for angles)."""
    return bool(np.all(np.isfinite(g)) and g[-5:].max() <= 1.1 * g[:-4].max() + 1e-300)


def unbounded(g: np.ndarray) -> bool:
    """Still growing over the last two decades (by more than 10%), or infinite."""
    tail = g[-5:]
    return bool(np.all(tail[1:] >= tail[:-1]) and (np.isinf(tail[-1]) or tail[-1] > 1.1 * tail[0]))


@by_entry()
def test_robustness_claim(info):
    assert (info.robust is None) == (info.family != "regression"), (
        f"{info.name}: robust must be True/False for regression losses and None otherwise"
    )
    if info.robust is None:
        return
    curves = {sign: gradient_along_residuals(info, sign) for sign in (1.0, -1.0)}
    shown = {f"{how}": g.tolist() for g, how in curves.values()}
    if info.robust:
        assert all(bounded(g) for g, _ in curves.values()), (
            f"{info.name} is registered as robust, but |gradient| keeps growing with the residual: {shown}"
        )
    else:
        assert any(unbounded(g) for g, _ in curves.values()), (
            f"{info.name} is registered as not robust, but |gradient| stays bounded: {shown}"
        )


# --------------------------------------------------------------------------
# Proper scoring rules: the expected loss is minimised by the true distribution
# --------------------------------------------------------------------------


def _require_pair(info) -> None:
    if info.args != ("y_true", "y_pred"):
        raise ValueError(
            f"{info.name}: proper={info.proper} is claimed for a loss of args {info.args} (prediction "
            f"{info.prediction!r}), but no mapping from a distribution q to such inputs is known: the "
            "propriety test knows (y_true, y_pred) only; add the mapping and the expectation to "
            "tests/test_registry.py (or set proper=None)"
        )


def to_prediction(info, q: np.ndarray) -> np.ndarray:
    """The prediction that states the distribution ``q`` (last axis: the classes, or P(y = 1))."""
    if info.prediction in ("probability", "distribution"):
        return q
    if info.prediction == "logit":
        return np.log(q) if info.target in ("class", "distribution") else np.log(q) - np.log1p(-q)
    raise ValueError(
        f"{info.name}: proper={info.proper} is claimed for predictions of kind {info.prediction!r}, "
        "but no mapping from a distribution q to such a prediction is known; add one to "
        "to_prediction in tests/test_registry.py (or set proper=None)"
    )


def perturbed(info, best: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Other predictions near ``best`` (rows): logits plus noise, or probabilities through the softmax."""
    if info.prediction == "logit":
        return best + noise
    return sps.softmax(np.log(best) + noise, axis=-1)


def binary_shape(info, m: int) -> tuple[int, ...]:
    """``m`` examples of one binary outcome each: (m,) for elementwise inputs, (m, 1) for masks."""
    example = draw(info, rng_for(info, "shape"), n=2)["y_pred"]
    return (m,) + (1,) * (example.ndim - 1)


def expected_loss(info, q, y_pred: np.ndarray) -> np.ndarray:
    """E_{y ~ q} loss(y, y_pred), for many predictions at once (leading axis of y_pred)."""
    m = y_pred.shape[0]

    def per_example(y_true):
        return np.reshape(info.loss(y_true=y_true, y_pred=y_pred, reduction="none"), (m, -1)).sum(axis=-1)

    if info.target == "binary":
        return q * per_example(np.ones_like(y_pred)) + (1 - q) * per_example(np.zeros_like(y_pred))
    if info.target == "class":
        return sum(q[k] * per_example(np.full(m, k)) for k in range(len(q)))
    if info.target == "distribution":
        onehot = np.eye(len(q))
        return sum(q[k] * per_example(np.broadcast_to(onehot[k], y_pred.shape).copy()) for k in range(len(q)))
    raise ValueError(
        f"{info.name}: proper={info.proper} is claimed, but the test has no expectation over "
        f"targets of kind {info.target!r}; add one to expected_loss in tests/test_registry.py"
    )


def propriety_failures(info) -> list[str]:
    """Distributions q for which some other prediction has a lower or equal expected loss."""
    _require_pair(info)
    to_prediction(info, np.array([0.5, 0.5]))  # raises for a kind of prediction without a mapping
    rng = rng_for(info, "proper")
    failures = []
    if info.target == "binary":
        grid = np.linspace(0.001, 0.999, 999)
        shape = binary_shape(info, grid.size)
        for q in np.round(np.linspace(0.05, 0.95, 19), 3):
            e = expected_loss(info, q, to_prediction(info, grid).reshape(shape))
            best = grid[np.argmin(e)]
            if abs(best - q) > 1.5e-3:
                failures.append(f"q={q}: expected loss minimised at {best}")
            near = np.array([q, q + 1e-3, q - 1e-3, q + 0.02, q - 0.02, q + 0.04, q - 0.04])
            e = expected_loss(info, q, to_prediction(info, near).reshape(binary_shape(info, near.size)))
            for d, other in zip(near[1:] - q, e[1:]):
                if not e[0] < other:
                    failures.append(f"q={q}: predicting {q + d:.3f} is as good as predicting q")
    elif info.target in ("class", "distribution"):
        n_classes = draw(info, rng_for(info, "shape"), n=2)["y_pred"].shape[-1]
        for _ in range(20):
            q = rng.dirichlet(np.ones(n_classes))
            best = to_prediction(info, q)
            at_q = expected_loss(info, q, best[None])[0]
            noise = np.concatenate([s * rng.normal(size=(30, n_classes)) for s in (1e-3, 1e-2, 0.3, 2.0)])
            worse = expected_loss(info, q, perturbed(info, best, noise))
            if not np.all(worse > at_q):
                failures.append(f"q={q.tolist()}: a perturbed prediction has expected loss {worse.min()} <= {at_q}")
    else:
        expected_loss(info, None, np.zeros(1))  # raises: no expectation over such targets
    return failures


KINDS_WITH_A_DISTRIBUTION = ("probability", "logit", "distribution")
RANDOM_TARGETS = ("binary", "class", "distribution")


# --------------------------------------------------------------------------
# Propriety of losses that are not (y_true, y_pred) pairs: each parameter of the predicted
# distribution is perturbed, and the expected loss under the true distribution q (computed
# by quadrature, by summing over counts or by enumerating outcomes) must grow every time.
# --------------------------------------------------------------------------


def _strictly_minimised(expected: Callable[[list[float]], float], best: list[float], what: str) -> list[str]:
    failures = []
    at_best = expected(best)
    for i in range(len(best)):
        for rel in (1e-2, -1e-2, 0.2, -0.2):
            other = list(best)
            other[i] = best[i] + rel * max(abs(best[i]), 0.5)
            value = expected(other)
            if not value > at_best:
                failures.append(f"{what}: moving parameter {i} to {other[i]:.4g} gives {value!r} <= {at_best!r}")
    return failures


def _loss_at(info, **inputs) -> Callable[..., np.ndarray]:
    return lambda **kw: info.loss(
        **{a: np.asarray(kw.get(a, inputs.get(a)), dtype=float) for a in info.args}, reduction="none"
    )


def _gaussian_proper(info) -> list[str]:
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)  # exact for the quadratic NLL
    weights = weights / weights.sum()
    failures = []
    for m, v in ((0.0, 1.0), (2.5, 0.3), (-1.0, 4.0)):
        y = m + np.sqrt(v) * nodes

        def expected(p):
            return float(
                weights @ info.loss(**info.named([y, np.full_like(y, p[0]), np.full_like(y, p[1])]), reduction="none")
            )

        failures += _strictly_minimised(expected, [m, v], f"q = N({m}, {v})")
    return failures


def _quad_proper(info, dist, params_list, support) -> list[str]:
    from scipy.integrate import quad

    failures = []
    for params in params_list:
        q = dist(*params)
        lo, hi = support(params)

        def expected(p, q=q, lo=lo, hi=hi, params=params):
            def f(y):
                return q.pdf(y) * float(
                    info.loss(**info.named([np.array([y]), *(np.array([v]) for v in p)]), reduction="sum")
                )

            return quad(
                f,
                lo,
                hi,
                points=sorted({params[0], p[0]} & {x for x in (params[0], p[0]) if lo < x < hi}),
                limit=200,
                epsabs=1e-13,
                epsrel=1e-12,
            )[0]

        failures += _strictly_minimised(expected, list(params), f"{info.name}, q with parameters {params}")
    return failures


def _laplace_proper(info) -> list[str]:
    return _quad_proper(
        info,
        lambda loc, scale: stats.laplace(loc=loc, scale=scale),
        [(0.0, 1.0), (1.5, 0.4)],
        lambda p: (p[0] - 60 * p[1], p[0] + 60 * p[1]),
    )


def _von_mises_proper(info) -> list[str]:
    return _quad_proper(
        info,
        lambda loc, kappa: stats.vonmises(kappa, loc=loc),
        [(0.3, 2.0), (-1.0, 8.0)],
        lambda p: (p[0] - np.pi, p[0] + np.pi),
    )


def _poisson_proper(info) -> list[str]:
    failures = []
    for rate in (0.7, 4.0, 25.0):
        k = np.arange(0, int(rate + 30 * np.sqrt(rate) + 30), dtype=float)
        pmf = stats.poisson.pmf(k, rate)

        def expected(p):
            return float(pmf @ info.loss(**info.named([k, np.full_like(k, p[0])]), reduction="none"))

        failures += _strictly_minimised(expected, [float(np.log(rate))], f"q = Poisson({rate}), log-rate prediction")
    return failures


def _vae_proper(info) -> list[str]:
    """Proper in its reconstruction: with mu, logvar fixed, x ~ Bernoulli(q) per feature."""
    failures = []
    outcomes = np.array([[a, b] for a in (0.0, 1.0) for b in (0.0, 1.0)])
    mu, logvar = np.array([[0.3, -0.2]]), np.array([[0.1, -0.4]])
    for q in ([0.2, 0.7], [0.5, 0.9]):
        q = np.array(q)
        probs = np.prod(np.where(outcomes == 1, q, 1 - q), axis=1)

        def expected(p):
            recon = np.repeat(np.array([p]), 4, axis=0)
            return float(
                probs
                @ info.loss(
                    **info.named([outcomes, recon, np.repeat(mu, 4, 0), np.repeat(logvar, 4, 0)]), reduction="none"
                )
            )

        failures += _strictly_minimised(expected, list(sps.logit(q)), f"x ~ Bernoulli({q.tolist()})")
    return failures


def _gan_discriminator_proper(info) -> list[str]:
    """A sample is real with probability q: the discriminator's best score is logit(q)."""
    failures = []
    for q in (0.1, 0.5, 0.8):

        def expected(p, q=q):
            s = np.array([p[0]])
            return float(
                q * info.loss(**info.named([s, np.array([-1e4])]), reduction="sum")
                + (1 - q) * info.loss(**info.named([np.array([1e4]), s]), reduction="sum")
            )

        failures += _strictly_minimised(expected, [float(sps.logit(q))], f"real with probability {q}")
    return failures


def _panel_expectation(pdf: Callable, breaks: np.ndarray, nodes: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Points and weights that integrate ``pdf(y) g(y)`` over ``breaks[0]..breaks[-1]`` for smooth g:
    Gauss-Legendre on each panel between consecutive breaks (panels shrink towards the ends and the
    mode, where the integrands of log-densities are least smooth), so that one vectorised loss call
    gives the expected loss to ~1e-13."""
    x, w = np.polynomial.legendre.leggauss(nodes)
    lo, hi = breaks[:-1, None], breaks[1:, None]
    y = ((hi - lo) / 2 * x + (hi + lo) / 2).ravel()
    weights = ((hi - lo) / 2 * w).ravel()
    return y, weights * pdf(y)


def _panel_proper(info, dist, params_list, breaks) -> list[str]:
    """Like _quad_proper, with the expectation by _panel_expectation (fast: one loss call per trial)."""
    failures = []
    for params in params_list:
        y, w = _panel_expectation(dist(*params).pdf, np.asarray(breaks(params), dtype=float))

        def expected(p, y=y, w=w):
            return float(w @ info.loss(**info.named([y, *(np.full_like(y, v) for v in p)]), reduction="none"))

        failures += _strictly_minimised(expected, list(params), f"{info.name}, q with parameters {params}")
    return failures


def _geometric(lo: float, hi: float, n: int = 12) -> np.ndarray:
    return lo + (hi - lo) * np.concatenate([[0.0], np.geomspace(1e-10, 1.0, n)])


def _student_t_proper(info) -> list[str]:
    def breaks(p):
        side = np.geomspace(1e-3, 1e5, 33) * p[1]
        return np.concatenate([p[0] - side[::-1], [p[0]], p[0] + side])

    return _panel_proper(
        info, lambda loc, scale, df: stats.t(df, loc=loc, scale=scale), [(0.0, 1.0, 3.0), (1.5, 0.5, 10.0)], breaks
    )


def _gamma_proper(info) -> list[str]:
    return _panel_proper(
        info,
        lambda a, rate: stats.gamma(a, scale=1 / rate),
        [(2.0, 1.5), (1.5, 3.0)],
        lambda p: _geometric(0.0, 100 * p[0] / p[1], 30),
    )


def _beta_proper(info) -> list[str]:
    def breaks(p):
        half = _geometric(0.0, 0.5, 30)
        return np.concatenate([half, 1 - half[::-1][1:]])

    return _panel_proper(info, stats.beta, [(2.0, 3.0), (5.0, 1.5)], breaks)


def _weibull_proper(info) -> list[str]:
    return _panel_proper(
        info,
        lambda scale, k: stats.weibull_min(k, scale=scale),
        [(1.0, 1.5), (2.5, 3.0)],
        lambda p: _geometric(0.0, 40 * p[0], 30),
    )


def _negative_binomial_proper(info) -> list[str]:
    failures = []
    for mean, dispersion in ((3.0, 0.5), (10.0, 0.8)):
        q = stats.nbinom(1 / dispersion, 1 / (1 + dispersion * mean))
        k = np.arange(0.0, q.ppf(1 - 1e-16) + 1)
        pmf = q.pmf(k)

        def expected(p, k=k, pmf=pmf):
            return float(
                pmf @ info.loss(**info.named([k, np.full_like(k, p[0]), np.full_like(k, p[1])]), reduction="none")
            )

        failures += _strictly_minimised(expected, [mean, dispersion], f"q = NB({mean}, {dispersion})")
    return failures


def _multivariate_gaussian_proper(info) -> list[str]:
    """q = N(m, L L^T) in 2-D; the expectation by a product Gauss-Hermite rule (exact: the loss is quadratic in y)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(8)
    z = np.stack(np.meshgrid(nodes, nodes, indexing="ij"), axis=-1).reshape(-1, 2)
    w = np.outer(weights, weights).ravel() / weights.sum() ** 2
    failures = []
    for m, lower in (([0.0, 1.0], [[1.0, 0.0], [0.5, 0.8]]), ([-2.0, 0.5], [[0.6, 0.0], [-0.3, 1.5]])):
        m, lower = np.array(m), np.array(lower)
        y = m + z @ lower.T

        def expected(p, y=y):
            mean = np.broadcast_to(np.array(p[:2]), y.shape)
            scale = np.broadcast_to(np.array([[p[2], 0.0], [p[3], p[4]]]), (len(y), 2, 2))
            return float(w @ info.loss(**info.named([y, mean, scale]), reduction="none"))

        best = [*m, lower[0, 0], lower[1, 0], lower[1, 1]]
        failures += _strictly_minimised(expected, best, f"q = N({m.tolist()}, L = {lower.tolist()})")
    return failures


def _mixture_proper(info, component, support) -> list[str]:
    """q = a two-component mixture; each of its six parameters is perturbed in turn."""
    failures = []
    for logits, loc, spread in (([0.5, -0.3], [-1.0, 1.5], [0.0, -0.5]), ([1.0, 0.0], [0.5, 2.5], [0.3, 0.2])):
        best = [*logits, *loc, *spread]

        def pdf(y, logits=logits, loc=loc, spread=spread):
            w = sps.softmax(logits)
            return sum(w[k] * component(loc[k], spread[k]).pdf(y) for k in range(2))

        y, w = _panel_expectation(pdf, support(best))

        def expected(p, y=y, w=w):
            args = [np.broadcast_to(np.array(p[i : i + 2]), (len(y), 2)) for i in (0, 2, 4)]
            return float(w @ info.loss(**info.named([y, *args]), reduction="none"))

        failures += _strictly_minimised(expected, best, f"{info.name}, q = the mixture {best}")
    return failures


def _mixture_gaussian_proper(info) -> list[str]:
    return _mixture_proper(
        info, lambda loc, log_scale: stats.norm(loc, np.exp(log_scale)), lambda p: np.linspace(-40.0, 40.0, 161)
    )


def _mixture_von_mises_proper(info) -> list[str]:
    return _mixture_proper(
        info,
        lambda loc, log_kappa: stats.vonmises(np.exp(log_kappa), loc=loc),
        lambda p: np.linspace(-np.pi, np.pi, 41),
    )


def _ordinal_proper(info) -> list[str]:
    failures = []
    for score, cutpoints in ((0.3, [-1.0, 0.5, 2.0]), (-1.2, [-2.0, -1.5, 1.0])):
        classes = np.arange(len(cutpoints) + 1)
        cdf = np.concatenate([[0.0], sps.expit(np.array(cutpoints) - score), [1.0]])
        q = np.diff(cdf)

        def expected(p, classes=classes, q=q):
            return float(
                q @ info.loss(**info.named([classes, np.full(len(classes), p[0]), np.array(p[1:])]), reduction="none")
            )

        failures += _strictly_minimised(expected, [score, *cutpoints], f"q = cumulative logit at {score}, {cutpoints}")
    return failures


def _plackett_luce_proper(info) -> list[str]:
    import itertools

    rankings = np.array(list(itertools.permutations(range(3))))
    failures = []
    for scores in ([0.4, -0.2, 1.1], [2.0, 0.0, -1.0]):

        def expected(p, scores=scores):
            probs = np.exp(-_plackett_luce(rankings, np.tile(scores, (len(rankings), 1))))  # q, from scipy
            return float(probs @ info.loss(**info.named([rankings, np.tile(p, (len(rankings), 1))]), reduction="none"))

        failures += _strictly_minimised(expected, list(scores), f"q = Plackett-Luce({scores})")
    return failures


def _class_logits_proper(info) -> list[str]:
    """Losses of (labels, logits): the expected loss over the classes, at the logits log q and perturbed."""
    failures = []
    for q in ([0.5, 0.3, 0.2], [0.7, 0.1, 0.1, 0.1]):
        q = np.array(q)
        classes = np.arange(len(q))

        def expected(logits, classes=classes, q=q):
            return float(q @ info.loss(**info.named([classes, np.tile(logits, (len(q), 1))]), reduction="none"))

        failures += _strictly_minimised(expected, list(np.log(q)), f"q = {q.tolist()}")
    return failures


PROPRIETY_RECIPES: dict[str, Callable] = {
    "generalized_cross_entropy": _class_logits_proper,
    "symmetric_cross_entropy": _class_logits_proper,
    "student_t_nll": _student_t_proper,
    "gamma_nll": _gamma_proper,
    "beta_nll": _beta_proper,
    "weibull_nll": _weibull_proper,
    "negative_binomial_nll": _negative_binomial_proper,
    "multivariate_gaussian_nll": _multivariate_gaussian_proper,
    "mixture_gaussian_nll": _mixture_gaussian_proper,
    "mixture_von_mises_nll": _mixture_von_mises_proper,
    "ordinal_logistic_nll": _ordinal_proper,
    "plackett_luce_nll": _plackett_luce_proper,
    "gaussian_nll": _gaussian_proper,
    "laplace_nll": _laplace_proper,
    "von_mises_nll": _von_mises_proper,
    "poisson_nll": _poisson_proper,
    "vae_elbo": _vae_proper,
    "gan_discriminator": _gan_discriminator_proper,
}
# Claims checked by a dedicated test of the family's file (enumeration over label sequences).
PROPRIETY_TESTED_ELSEWHERE = {
    "ctc": ("test_losslib_beyond.py", "test_ctc_is_a_strictly_proper_scoring_rule_of_label_sequences"),
}


@by_entry()
def test_propriety_claim(info):
    if info.name in PROPRIETY_TESTED_ELSEWHERE:
        filename, test_name = PROPRIETY_TESTED_ELSEWHERE[info.name]
        assert info.proper is True
        assert f"def {test_name}(" in (Path(__file__).parent / filename).read_text()
        return
    if info.name in PROPRIETY_RECIPES:
        failures = PROPRIETY_RECIPES[info.name](info)
        if info.proper:
            assert not failures, f"{info.name} is registered as strictly proper, but: {failures[:3]}"
        else:
            assert failures, f"{info.name} is registered as not proper, but the true parameters are best"
        return
    if info.proper is None:
        assert not (
            info.args == ("y_true", "y_pred")
            and info.prediction in KINDS_WITH_A_DISTRIBUTION
            and info.target in RANDOM_TARGETS
        ), (
            f"{info.name} scores a predicted distribution ({info.prediction}) of a {info.target} target: "
            "say whether it is a proper scoring rule"
        )
        return
    failures = propriety_failures(info)
    if info.proper:
        assert not failures, f"{info.name} is registered as a strictly proper scoring rule, but: {failures[:3]}"
    else:
        assert failures, f"{info.name} is registered as not proper, but every q is its own best prediction"


def test_a_propriety_claim_without_a_mapping_fails_loudly():
    hinge_like = dataclasses.replace(losslib.LOSSES["mse"], name="fake", prediction="score", target="sign", proper=True)
    with pytest.raises(ValueError, match="no mapping from a distribution q"):
        to_prediction(hinge_like, np.array([0.5]))
    three = dataclasses.replace(losslib.LOSSES["mse"], name="fake", args=("y_true", "mean", "var"), proper=True)
    with pytest.raises(ValueError, match="knows \\(y_true, y_pred\\) only"):
        propriety_failures(three)


# --------------------------------------------------------------------------
# Distributions: the loss is the negative log-likelihood up to a + b * NLL, b > 0
# --------------------------------------------------------------------------


def _norm(name: str) -> str:
    """'von Mises', 'VonMises' and 'von_mises' are one distribution."""
    return re.sub(r"[^a-z]", "", name.lower())


def _labels(y: np.ndarray) -> np.ndarray:
    """Class labels from integer labels or one-hot rows."""
    return y if y.dtype.kind in "iu" else y.argmax(axis=-1)


def _categorical(d, info):
    z = d["y_pred"]
    p = sps.softmax(z, axis=-1) if info.prediction == "logit" else z
    return -stats.multinomial.logpmf(np.eye(z.shape[-1])[_labels(d["y_true"])], n=1, p=p)


def _default(info, option: str):
    return inspect.signature(info.loss).parameters[option].default


def _asymmetric_laplace(d, info):
    # pinball loss tau e (e >= 0), (1 - tau) |e| (e < 0), e = y - y_pred: kappa^2 = tau / (1 - tau)
    tau = _default(info, "tau")
    return -stats.laplace_asymmetric.logpdf(d["y_true"], np.sqrt(tau / (1 - tau)), loc=d["y_pred"])


def _hyperbolic(d, info):
    # the hyperbolic distribution (generalised hyperbolic, p = 1, b = 0): -log p = a sqrt(1 + (r/delta)^2) + c
    # the scale is pseudo-Huber's delta or Charbonnier's eps
    scale = _default(info, "delta" if "delta" in inspect.signature(info.loss).parameters else "eps")
    return -stats.genhyperbolic.logpdf(d["y_true"], 1.0, 1.0, 0.0, loc=d["y_pred"], scale=scale)


def _poisson(d, info):
    log_input = _default(info, "log_input")
    rate = np.exp(d["y_pred"]) if log_input else d["y_pred"]
    return -stats.poisson.logpmf(d["y_true"], rate)


@dataclasses.dataclass(frozen=True)
class NLL:
    """A scipy negative log-likelihood per item, for the given prediction kinds ("*": any)."""

    kinds: dict[str, Callable]
    # arguments the offset a may depend on (terms of the likelihood that do not involve the
    # prediction, which a loss may drop), with the reason; empty: a is one constant
    observed: tuple[str, ...] = ()
    why: str = ""


NLLS = {
    # (distribution, args) -> NLL
    ("gaussian", ("y_true", "y_pred")): NLL({"real": lambda d, i: -stats.norm.logpdf(d["y_true"], loc=d["y_pred"])}),
    ("gaussian", ("y_true", "mean", "var")): NLL(
        {"*": lambda d, i: -stats.norm.logpdf(d["y_true"], loc=d["mean"], scale=np.sqrt(d["var"]))}
    ),
    ("gaussian", ("params",)): NLL({"*": lambda d, i: -stats.norm.logpdf(d["params"])}),  # a Gaussian prior
    ("laplace", ("y_true", "y_pred")): NLL({"real": lambda d, i: -stats.laplace.logpdf(d["y_true"], loc=d["y_pred"])}),
    ("laplace", ("y_true", "loc", "scale")): NLL(
        {"*": lambda d, i: -stats.laplace.logpdf(d["y_true"], loc=d["loc"], scale=d["scale"])}
    ),
    ("laplace", ("params",)): NLL({"*": lambda d, i: -stats.laplace.logpdf(d["params"])}),  # a Laplace prior
    ("bernoulli", ("y_true", "y_pred")): NLL(
        {
            "probability": lambda d, i: -stats.bernoulli.logpmf(d["y_true"].astype(int), d["y_pred"]),
            "logit": lambda d, i: -stats.bernoulli.logpmf(d["y_true"].astype(int), sps.expit(d["y_pred"])),
        }
    ),
    ("categorical", ("y_true", "y_pred")): NLL({"logit": _categorical, "probability": _categorical}),
    ("hyperbolic", ("y_true", "y_pred")): NLL({"real": _hyperbolic}),
    ("hyperbolicsecant", ("y_true", "y_pred")): NLL(
        {"real": lambda d, i: -stats.hypsecant.logpdf(d["y_true"], loc=d["y_pred"])}
    ),
    ("asymmetriclaplace", ("y_true", "y_pred")): NLL({"real": _asymmetric_laplace}),
    # a GAN's discriminator labels real data 1 and generated data 0: one Bernoulli NLL per pair
    ("bernoulli", ("real_scores", "fake_scores")): NLL(
        {
            "logit": lambda d, i: (
                -stats.bernoulli.logpmf(1, sps.expit(d["real_scores"]))
                - stats.bernoulli.logpmf(0, sps.expit(d["fake_scores"]))
            )
        }
    ),
    # ... and its generator wants generated data labelled 1 (the non-saturating loss)
    ("bernoulli", ("fake_scores",)): NLL(
        {"logit": lambda d, i: -stats.bernoulli.logpmf(1, sps.expit(d["fake_scores"]))}
    ),
    ("poisson", ("y_true", "y_pred")): NLL(
        {"*": _poisson}, observed=("y_true",), why="log(y!) does not involve the rate; PyTorch drops it (full=False)"
    ),
    ("vonmises", ("y_true", "loc", "concentration")): NLL(
        {"*": lambda d, i: -stats.vonmises.logpdf(d["y_true"], d["concentration"], loc=d["loc"])}
    ),
    ("studentt", ("y_true", "loc", "scale", "df")): NLL(
        {"*": lambda d, i: -stats.t.logpdf(d["y_true"], d["df"], loc=d["loc"], scale=d["scale"])}
    ),
    ("gamma", ("y_true", "concentration", "rate")): NLL(
        {"*": lambda d, i: -stats.gamma.logpdf(d["y_true"], d["concentration"], scale=1 / d["rate"])}
    ),
    ("beta", ("y_true", "alpha", "beta")): NLL(
        {"*": lambda d, i: -stats.beta.logpdf(d["y_true"], d["alpha"], d["beta"])}
    ),
    ("negativebinomial", ("y_true", "mean", "dispersion")): NLL(
        {
            "*": lambda d, i: (
                -stats.nbinom.logpmf(d["y_true"], 1 / d["dispersion"], 1 / (1 + d["dispersion"] * d["mean"]))
            )
        }
    ),
    ("weibull", ("y_true", "scale", "concentration")): NLL(
        {"*": lambda d, i: -stats.weibull_min.logpdf(d["y_true"], d["concentration"], scale=d["scale"])}
    ),
    ("multivariategaussian", ("y_true", "mean", "scale_tril")): NLL(
        {
            "*": lambda d, i: np.array(
                [
                    -stats.multivariate_normal.logpdf(y, m, np.tril(s) @ np.tril(s).T)
                    for y, m, s in zip(d["y_true"], d["mean"], d["scale_tril"])
                ]
            )
        }
    ),
    ("gaussianmixture", ("y_true", "logits", "loc", "log_scale")): NLL(
        {
            "*": lambda d, i: (
                -sps.logsumexp(
                    sps.log_softmax(d["logits"], axis=-1)
                    + stats.norm.logpdf(d["y_true"][:, None], d["loc"], np.exp(d["log_scale"])),
                    axis=-1,
                )
            )
        }
    ),
    ("vonmisesmixture", ("y_true", "logits", "loc", "log_concentration")): NLL(
        {
            "*": lambda d, i: (
                -sps.logsumexp(
                    sps.log_softmax(d["logits"], axis=-1)
                    + stats.vonmises.logpdf(d["y_true"][:, None], np.exp(d["log_concentration"]), loc=d["loc"]),
                    axis=-1,
                )
            )
        }
    ),
    # proportional odds: P(y = k) = F(theta_k - s) - F(theta_{k-1} - s), F the logistic CDF
    ("cumulativelogit", ("y_true", "score", "cutpoints")): NLL(
        {
            "*": lambda d, i: (
                -np.log(
                    stats.logistic.cdf(np.append(d["cutpoints"], np.inf)[d["y_true"]] - d["score"])
                    - stats.logistic.cdf(np.insert(d["cutpoints"], 0, -np.inf)[d["y_true"]] - d["score"])
                )
            )
        }
    ),
    ("plackettluce", ("ranking", "scores")): NLL({"*": lambda d, i: _plackett_luce(d["ranking"], d["scores"])}),
}


def _plackett_luce(ranking: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """-log P(ranking) under Plackett-Luce: the best item of the rest, by softmax, position by position."""
    ordered = np.take_along_axis(scores, ranking, axis=-1)
    m = ordered.shape[-1]
    return -sum(ordered[:, j] - sps.logsumexp(ordered[:, j:], axis=-1) for j in range(m))


def nll_of(info) -> tuple[NLL, Callable]:
    key = (_norm(info.distribution), info.args)
    if key not in NLLS:
        raise ValueError(
            f"{info.name}: no scipy likelihood for distribution {info.distribution!r} with args "
            f"{info.args}; add it to NLLS in tests/test_registry.py (known: {sorted(NLLS)})"
        )
    spec = NLLS[key]
    fn = spec.kinds.get(info.prediction, spec.kinds.get("*"))
    if fn is None:
        raise ValueError(
            f"{info.name}: the {info.distribution} NLL of {info.args} is not defined for predictions "
            f"of kind {info.prediction!r} (known: {sorted(spec.kinds)})"
        )
    return spec, fn


def observed(info, inputs, rng) -> dict[str, np.ndarray]:
    """Inputs with observed outcomes: a likelihood needs hard labels, not class probabilities."""
    y = inputs.get("y_true")
    if info.target == "distribution" and y is not None and y.dtype.kind == "f" and y.ndim >= 1:
        labels = rng.integers(0, y.shape[-1], size=y.shape[:-1])
        return replace(inputs, y_true=np.eye(y.shape[-1])[labels])
    if info.prediction == "logit":  # scipy's Bernoulli of expit(x) is accurate for |x| <= 10
        return replace(inputs, **{w: np.clip(inputs[w], -10, 10) for w in info.grad_wrt})
    return dict(inputs)


@by_entry()
def test_distribution_claim(info):
    if info.distribution is None:
        return
    spec, nll = nll_of(info)
    rng = rng_for(info, "nll")
    if not spec.observed:
        inputs = observed(info, draw(info, rng, n=60), rng)
        loss = np.ravel(value(info, inputs, "none"))
        ref = np.ravel(nll(inputs, info))
        design = np.stack([np.ones_like(ref), ref], axis=1)
        (a, b), *_ = np.linalg.lstsq(design, loss, rcond=None)
        fit = a + b * ref
    else:
        # the offset may depend on the observed arguments: hold them fixed over K draws of the others,
        # and compare the differences across draws
        first = observed(info, draw(info, rng, n=12), rng)
        trials = [
            replace(observed(info, draw(info, rng, n=12), rng), **{o: first[o] for o in spec.observed})
            for _ in range(6)
        ]
        loss = np.array([np.ravel(value(info, d, "none")) for d in trials])
        ref = np.array([np.ravel(nll(d, info)) for d in trials])
        loss, ref = loss - loss.mean(axis=0), ref - ref.mean(axis=0)
        b = float(np.sum(loss * ref) / np.sum(ref * ref))
        fit = b * ref
    assert b > 0, f"{info.name}: the loss decreases with the {info.distribution} NLL (slope {b})"
    np.testing.assert_allclose(
        loss,
        fit,
        rtol=1e-9,
        atol=1e-9 * max(1.0, float(np.abs(loss).max())),
        err_msg=f"{info.name} is not an affine function of the {info.distribution} NLL "
        f"of {info.args}" + (f" (offset a function of {spec.observed}: {spec.why})" if spec.observed else ""),
    )


def test_an_unknown_distribution_fails_loudly():
    mse = losslib.LOSSES["mse"]
    with pytest.raises(ValueError, match="no scipy likelihood for distribution 'Cauchy'"):
        nll_of(dataclasses.replace(mse, name="fake", distribution="Cauchy"))
    with pytest.raises(ValueError, match="no scipy likelihood for distribution 'Gaussian' with args"):
        nll_of(dataclasses.replace(mse, name="fake", args=("x", "x_recon", "mu", "logvar")))
    with pytest.raises(ValueError, match="not defined for predictions of kind 'score'"):
        nll_of(dataclasses.replace(mse, name="fake", prediction="score"))


# --------------------------------------------------------------------------
# Names, references, tables
# --------------------------------------------------------------------------


def bib_keys() -> set[str]:
    return set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", BIB.read_text(encoding="utf-8")))


@by_entry()
def test_reference_is_in_the_bibliography(info):
    assert info.reference in bib_keys(), f"{info.name}: {info.reference!r} is not a key of {BIB.name}"


@by_entry()
def test_names_match_the_functions(info):
    assert info.loss.__name__ == info.name
    assert info.grad.__name__ == info.name + "_grad"
    assert getattr(losslib, info.name) is info.loss
    assert getattr(losslib, info.name + "_grad") is info.grad
    assert info.name in losslib.__all__ and info.name + "_grad" in losslib.__all__

    module = sys.modules[info.loss.__module__]
    assert info.core is getattr(module, "_" + info.name), "register found the fast path by its name, _<name>"
    assert info.readable is getattr(module, info.name + "_readable")


def test_register_finds_the_functions_by_name_or_says_which_is_missing(monkeypatch):
    monkeypatch.setattr(_info, "REGISTERED", [])  # records made here stay out of the registry
    fields = {
        k: v for k, v in vars(losslib.LOSSES["huber"]).items() if k not in ("name", "loss", "grad", "core", "readable")
    }

    module = types.ModuleType("losslib_example")
    monkeypatch.setitem(sys.modules, module.__name__, module)

    def huber_copy(y_true, y_pred):
        return 0.0

    huber_copy.__module__ = module.__name__
    module.huber_copy_grad, module._huber_copy = losslib.huber_grad, losslib.huber
    with pytest.raises(NameError, match=r"'huber_copy_readable' in losslib_example.*or pass readable="):
        _info.register(huber_copy, **fields)
    module.huber_copy_readable = losslib.LOSSES["huber"].readable
    info = _info.register(huber_copy, **fields)
    assert (info.grad, info.core, info.readable) == (losslib.huber_grad, losslib.huber, module.huber_copy_readable)
    other = _info.register(huber_copy, name="huber_other", grad=abs, core=min, readable=max, **fields)
    assert (other.name, other.grad, other.core, other.readable) == ("huber_other", abs, min, max)
    assert [i.name for i in _info.REGISTERED] == ["huber_copy", "huber_other"]


def test_every_public_loss_is_registered():
    public = set(losslib.__all__)
    losses = {n for n in public if n + "_grad" in public}  # a loss is a function with a *_grad twin
    assert losses == set(losslib.LOSSES), "every public loss (one with a *_grad) needs a registry entry"
    assert all(name == info.name for name, info in losslib.LOSSES.items())


COLUMNS = (
    "name",
    "family",
    "prediction",
    "distribution",
    "convex",
    "differentiable",
    "robust",
    "proper",
    "reference",
    "summary",
)


def expected_cell(info, column: str) -> str:
    """What a table cell must say: the registry's value, nothing else."""
    value = getattr(info, column)
    if column == "name":
        return f"`{value}`"
    if column == "reference":
        return f"{{cite:t}}`{value}`"
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "–"}[value]
    return str(value)


def _rows(table: str) -> list[list[str]]:
    lines = table.splitlines()
    assert re.fullmatch(r"\|(---\|)+", lines[1]), f"second line is not a separator: {lines[1]!r}"
    return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in [lines[0], *lines[2:]]]


def test_markdown_table_has_one_row_per_entry_saying_what_the_registry_says():
    rows = _rows(losslib.markdown_table(columns=COLUMNS))
    header, body = rows[0], rows[1:]
    assert len(header) == len(COLUMNS)
    assert len(body) == len(ENTRIES)
    for info, row in zip(ENTRIES, body):
        assert row == [expected_cell(info, c) for c in COLUMNS]


def test_markdown_table_default_and_selected_entries():
    default = _rows(losslib.markdown_table())
    assert len(default) == 1 + len(ENTRIES) and {len(r) for r in default} == {len(default[0])}
    chosen = list(losslib.select(family="classification"))
    rows = _rows(losslib.markdown_table(chosen, columns=("name", "proper")))
    assert [r[0] for r in rows[1:]] == [f"`{i.name}`" for i in chosen]
    assert all(i.family == "classification" for i in chosen) and chosen


@pytest.mark.parametrize("bad", [("name", "price"), ("Convex",), ("loss",)])
def test_markdown_table_refuses_unknown_columns(bad):
    with pytest.raises(ValueError, match="unknown column"):
        losslib.markdown_table(columns=bad)


@by_entry()
def test_table_text_cannot_break_the_table(info):
    assert "|" not in info.summary and "\n" not in info.summary


# --------------------------------------------------------------------------
# The property checks catch false claims (on altered copies of the first losses)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("test", "name", "changes"),
    [
        (test_convexity_claim, "huber", {"convex": False}),
        (test_differentiability_claim, "mae", {"differentiable": True}),
        (test_differentiability_claim, "huber", {"differentiable": False}),
        (test_robustness_claim, "mse", {"robust": True}),
        (test_robustness_claim, "huber", {"robust": False}),
        (test_propriety_claim, "binary_cross_entropy", {"proper": False}),
        (test_propriety_claim, "cross_entropy", {"proper": False}),
        (test_distribution_claim, "mse", {"distribution": "Laplace"}),
        (test_distribution_claim, "binary_cross_entropy_with_logits", {"prediction": "probability"}),
    ],
    ids=[
        "convex",
        "not-differentiable",
        "differentiable",
        "not-robust",
        "robust",
        "proper-binary",
        "proper-class",
        "distribution",
        "distribution-kind",
    ],
)
def test_a_false_claim_fails(test, name, changes):
    with pytest.raises(AssertionError):
        test(dataclasses.replace(losslib.LOSSES[name], **changes))


def test_a_false_non_convexity_claim_on_a_loss_of_several_inputs_fails():
    """Joint convexity in several arguments: a separable sum of convex terms is convex."""

    def loss(y_true, a, b, *, reduction="mean"):
        return losslib.mse(y_true, a, reduction=reduction) + losslib.mse(y_true, b, reduction=reduction)

    fake = dataclasses.replace(
        losslib.LOSSES["mse"],
        name="fake",
        loss=loss,
        convex=False,
        args=("y_true", "a", "b"),
        grad_wrt=("a", "b"),
        sampler=lambda rng, n: {"y_true": rng.normal(size=n), "a": rng.normal(size=n), "b": rng.normal(size=n)},
    )
    with pytest.raises(AssertionError, match="no random segment"):
        test_convexity_claim(fake)
    # and a product of two arguments is not convex jointly, though it is in each one alone
    product = dataclasses.replace(fake, convex=True, loss=lambda y_true, a, b, *, reduction="mean": np.sum(a * b))
    with pytest.raises(AssertionError, match="registered as convex"):
        test_convexity_claim(product)


@pytest.mark.parametrize("name", sorted(PROPRIETY_RECIPES))
def test_propriety_recipes_catch_a_miscalibrated_loss(name):
    """Scaling the prediction's first parameter moves the minimiser: the recipe must notice."""
    info = losslib.LOSSES[name]
    first = info.grad_wrt[0]

    def shifted(*args, **kw):  # called as the recipe calls the loss: by position or by name
        kw = {**info.named(args), **kw}
        kw[first] = np.asarray(kw[first]) * 1.3 + 0.2
        return info.loss(**kw)

    assert PROPRIETY_RECIPES[name](dataclasses.replace(info, loss=shifted))


def test_value_and_grad_refuses_a_core_that_leaves_out_what_it_was_asked_for(monkeypatch):
    """A core asked for both returns both; one that does not is a bug in losslib, said as such (not a None)."""
    info = losslib.LOSSES["mse"]
    broken = dataclasses.replace(info, core=lambda *args, **options: (None, info.grad(*args, **options)))
    monkeypatch.setitem(losslib.LOSSES, "mse", broken)
    with pytest.raises(RuntimeError, match=r"the core of mse returned None, array\(.*\) when asked for its value"):
        losslib.value_and_grad("mse", [0.0, 1.0], [1.0, 1.0])
