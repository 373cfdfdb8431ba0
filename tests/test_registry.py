"""Every property that ``losslib.LOSSES`` claims is checked here, so the book's tables cannot lie.

Inputs come from a sampler keyed on each entry's ``prediction`` and ``target`` kinds, so a new
registry entry is tested automatically, and an entry of a kind the sampler does not know fails
loudly instead of being skipped.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
import scipy.special as sps
import scipy.stats as stats

import losslib
from conftest import central_difference, one_sided_derivatives
from losslib.registry import FAMILIES

BIB = Path(__file__).resolve().parent.parent / "book" / "references.bib"
ENTRIES = list(losslib.LOSSES.values())
BY_ENTRY = pytest.mark.parametrize("info", ENTRIES, ids=[e.name for e in ENTRIES])
N_CLASSES = 4


# --------------------------------------------------------------------------
# The sampler: valid inputs for an entry, from its prediction and target kinds
# --------------------------------------------------------------------------

PREDICTIONS = {
    # kind -> (rng, shape) -> predictions
    "real": lambda rng, shape: 3.0 * rng.normal(size=shape),
    "probability": lambda rng, shape: rng.uniform(1e-4, 1 - 1e-4, size=shape),
    "logit": lambda rng, shape: 4.0 * rng.normal(size=shape),
}

TARGETS = {
    # kind -> (rng, prediction shape, soft) -> targets; soft: probabilities rather than labels
    "real": lambda rng, shape, soft: 3.0 * rng.normal(size=shape),
    "binary": lambda rng, shape, soft: (rng.uniform(size=shape) if soft
                                        else rng.integers(0, 2, size=shape).astype(float)),
    "class": lambda rng, shape, soft: (rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]) if soft
                                       else rng.integers(0, shape[-1], size=shape[:-1])),
}


def _kinds(info) -> None:
    if info.prediction not in PREDICTIONS:
        raise ValueError(f"{info.name}: the registry test has no sampler for prediction={info.prediction!r}; "
                         f"add one to PREDICTIONS in tests/test_registry.py (known: {sorted(PREDICTIONS)})")
    if info.target not in TARGETS:
        raise ValueError(f"{info.name}: the registry test has no sampler for target={info.target!r}; "
                         f"add one to TARGETS in tests/test_registry.py (known: {sorted(TARGETS)})")


def prediction_shape(info, n: int) -> tuple[int, ...]:
    _kinds(info)
    return (n, N_CLASSES) if info.target == "class" else (n,)


def sample(info, rng: np.random.Generator, n: int = 6, soft: bool = False):
    """``(y_true, y_pred)``: ``n`` valid examples for the entry."""
    shape = prediction_shape(info, n)
    return TARGETS[info.target](rng, shape, soft), PREDICTIONS[info.prediction](rng, shape)


def total(info, y_true, y_pred) -> float:
    return float(info.loss(y_true, y_pred, reduction="sum"))


def _rng(info, purpose: str) -> np.random.Generator:
    return np.random.default_rng([sum(map(ord, info.name)), sum(map(ord, purpose))])


@BY_ENTRY
def test_the_sampler_knows_the_entry_and_its_inputs_are_valid(info):
    assert info.family in FAMILIES
    for soft in (False, True):
        y_true, y_pred = sample(info, _rng(info, "valid"), soft=soft)
        value = info.loss(y_true, y_pred, reduction="none")
        assert np.all(np.isfinite(value))


def test_an_unknown_kind_fails_loudly():
    fake = dataclasses.replace(ENTRIES[0], name="fake", prediction="quantile")
    with pytest.raises(ValueError, match="no sampler for prediction='quantile'"):
        sample(fake, np.random.default_rng(0))
    fake = dataclasses.replace(ENTRIES[0], name="fake", target="ranking")
    with pytest.raises(ValueError, match="no sampler for target='ranking'"):
        sample(fake, np.random.default_rng(0))


# --------------------------------------------------------------------------
# Convexity: along many random lines in y_pred
# --------------------------------------------------------------------------

T_GRID = np.linspace(0.05, 0.95, 7)


def convexity_violations(info, n_lines: int = 150) -> list[str]:
    """Points where f(t a + (1-t) b) > t f(a) + (1-t) f(b) on random segments [a, b] in y_pred.

    Segments between two valid predictions stay valid (probabilities stay in [0, 1]).
    """
    rng = _rng(info, "convex")
    found = []
    for i in range(n_lines):
        y_true, a = sample(info, rng, n=3, soft=bool(i % 2))
        b = PREDICTIONS[info.prediction](rng, a.shape)
        fa, fb = total(info, y_true, a), total(info, y_true, b)
        for t in T_GRID:
            chord = t * fa + (1 - t) * fb
            f = total(info, y_true, t * a + (1 - t) * b)
            if f > chord + 1e-10 * max(1.0, abs(chord)):
                found.append(f"f={f!r} > chord={chord!r} at t={t:.2f} between {a.tolist()} and {b.tolist()}")
    return found


@BY_ENTRY
def test_convexity_claim(info):
    violations = convexity_violations(info)
    if info.convex:
        assert not violations, f"{info.name} is registered as convex, but: {violations[:3]}"
    else:
        assert violations, f"{info.name} is registered as not convex, but no random segment shows it"


# --------------------------------------------------------------------------
# Differentiability: finite differences, and one-sided derivatives at candidate kinks
# --------------------------------------------------------------------------

def candidate_kinks(info, rng) -> list[tuple[np.ndarray, np.ndarray]]:
    """Points where losses of this kind typically have kinks (residual 0 or +-1, p = 1/2, x = 0)."""
    y_true, y_pred = sample(info, rng, n=1)
    if info.prediction == "real":
        return [(y_true, y_true + r) for r in (0.0, 1.0, -1.0, 0.5, -0.5, 2.0)]
    if info.prediction == "probability":
        return [(y_true, np.full_like(y_pred, p)) for p in (0.5, 0.25, 0.75)]
    return [(y_true, np.zeros_like(y_pred)), (y_true, np.ones_like(y_pred))]


def largest_jump(info) -> tuple[float, str]:
    """The largest |right - left| derivative along any coordinate at the candidate kinks."""
    worst, where = 0.0, ""
    for y_true, y_pred in candidate_kinks(info, _rng(info, "kinks")):
        for index in np.ndindex(y_pred.shape):
            left, right = one_sided_derivatives(lambda p: total(info, y_true, p), y_pred, index)
            if abs(right - left) > worst:
                worst, where = abs(right - left), f"y_true={y_true.tolist()}, y_pred={y_pred.tolist()}[{index}]"
    return worst, where


@BY_ENTRY
def test_differentiability_claim(info):
    jump, where = largest_jump(info)
    if not info.differentiable:
        assert jump > 1e-2, f"{info.name} is registered as not differentiable, but no kink was found ({jump:g})"
        return
    assert jump < 1e-5, f"{info.name} is registered as differentiable, but has a kink at {where} (jump {jump:g})"
    rng = _rng(info, "fd")
    for i in range(10):
        y_true, y_pred = sample(info, rng, n=4, soft=bool(i % 2))
        numeric = central_difference(lambda p: total(info, y_true, p), y_pred)
        analytic = info.grad(y_true, y_pred, reduction="sum")
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8 * np.abs(numeric).max(),
                                   err_msg=f"{info.name}: gradient vs finite differences")


# --------------------------------------------------------------------------
# Robustness: does the gradient stay bounded as the residual grows to 1e6?
# --------------------------------------------------------------------------

RESIDUALS = np.logspace(0, 6, 13)


def gradient_along_residuals(info, sign: float) -> np.ndarray:
    y_true = np.array([0.5])
    return np.array([abs(float(info.grad(y_true, y_true + sign * r, reduction="sum")[0])) for r in RESIDUALS])


@BY_ENTRY
def test_robustness_claim(info):
    assert (info.robust is None) == (info.family != "regression"), \
        f"{info.name}: robust must be True/False for regression losses and None otherwise"
    if info.robust is None:
        return
    for sign in (1.0, -1.0):
        g = gradient_along_residuals(info, sign)
        if info.robust:
            # bounded: no growth over the last four decades of residuals
            assert g[-1] <= g[4] * (1 + 1e-12), f"{info.name}: |gradient| grows from {g[4]} to {g[-1]}"
            assert np.all(np.isfinite(g))
        else:
            # unbounded: the gradient keeps growing with the residual (at least 100x over 4 decades)
            assert np.all(np.diff(g) > 0) and g[-1] > 100 * g[4], f"{info.name}: |gradient| stays bounded: {g}"


# --------------------------------------------------------------------------
# Proper scoring rules: the expected loss is minimised by the true distribution
# --------------------------------------------------------------------------

def to_prediction(info, q: np.ndarray) -> np.ndarray:
    """The prediction that states the distribution ``q`` (last axis: the classes, or P(y = 1))."""
    if info.prediction == "probability":
        return q
    if info.prediction == "logit":
        return np.log(q) if info.target == "class" else np.log(q) - np.log1p(-q)
    raise ValueError(f"{info.name}: no distribution-valued prediction of kind {info.prediction!r}")


def expected_loss(info, q: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """E_{y ~ q} loss(y, y_pred), for many predictions at once (leading axis of y_pred)."""
    if info.target == "binary":
        ones, zeros = np.ones_like(y_pred), np.zeros_like(y_pred)
        return (q * info.loss(ones, y_pred, reduction="none")
                + (1 - q) * info.loss(zeros, y_pred, reduction="none"))
    if info.target == "class":
        c = q.shape[-1]
        per_label = [info.loss(np.full(y_pred.shape[:-1], k), y_pred, reduction="none") for k in range(c)]
        return sum(q[k] * per_label[k] for k in range(c))
    raise ValueError(f"{info.name}: no expectation over targets of kind {info.target!r}")


def propriety_failures(info) -> list[str]:
    """Distributions q for which some other prediction has a lower or equal expected loss."""
    rng = _rng(info, "proper")
    failures = []
    if info.target == "binary":
        grid = np.linspace(0.001, 0.999, 999)
        for q in np.round(np.linspace(0.05, 0.95, 19), 3):
            e = expected_loss(info, q, to_prediction(info, grid))
            best = grid[np.argmin(e)]
            if abs(best - q) > 1.5e-3:
                failures.append(f"q={q}: expected loss minimised at {best}")
            at_q = expected_loss(info, q, to_prediction(info, np.array([q])))[0]
            for d in (1e-3, -1e-3, 0.02, -0.02, 0.04, -0.04):
                if not at_q < expected_loss(info, q, to_prediction(info, np.array([q + d])))[0]:
                    failures.append(f"q={q}: predicting {q + d} is as good as predicting q")
    elif info.target == "class":
        for _ in range(20):
            q = rng.dirichlet(np.ones(N_CLASSES))
            best = to_prediction(info, q)
            at_q = expected_loss(info, q, best[None])[0]
            others = best + np.concatenate([s * rng.normal(size=(30, N_CLASSES)) for s in (1e-3, 1e-2, 0.3, 2.0)])
            worse = expected_loss(info, q, others)
            if not np.all(worse > at_q):
                failures.append(f"q={q.tolist()}: a perturbed prediction has expected loss {worse.min()} <= {at_q}")
    else:
        raise ValueError(f"{info.name}: propriety is not defined for targets of kind {info.target!r}")
    return failures


@BY_ENTRY
def test_propriety_claim(info):
    assert (info.proper is None) == (info.prediction == "real"), \
        f"{info.name}: proper must be None exactly for point (real-valued) predictions"
    if info.proper is None:
        return
    failures = propriety_failures(info)
    if info.proper:
        assert not failures, f"{info.name} is registered as a strictly proper scoring rule, but: {failures[:3]}"
    else:
        assert failures, f"{info.name} is registered as not proper, but every q is its own best prediction"


# --------------------------------------------------------------------------
# Distributions: the loss is the negative log-likelihood up to a + b * NLL, b > 0
# --------------------------------------------------------------------------

def _labels(y):
    return np.asarray(y).astype(int)


NLL = {
    # distribution -> (prediction kind -> function (y_true, y_pred) -> NLL per example), from scipy
    "Gaussian": {"real": lambda y, mu: -stats.norm.logpdf(y, loc=mu, scale=1.0)},
    "Laplace": {"real": lambda y, mu: -stats.laplace.logpdf(y, loc=mu, scale=1.0)},
    "Bernoulli": {
        "probability": lambda y, p: -stats.bernoulli.logpmf(_labels(y), p),
        "logit": lambda y, x: -stats.bernoulli.logpmf(_labels(y), sps.expit(x)),
    },
    "Categorical": {
        "logit": lambda y, z: -stats.multinomial.logpmf(np.eye(z.shape[-1])[y], n=1, p=sps.softmax(z, axis=-1)),
    },
}


@BY_ENTRY
def test_distribution_claim(info):
    if info.distribution is None:
        return
    assert info.distribution in NLL, \
        f"{info.name}: no scipy likelihood for distribution {info.distribution!r}; add it to NLL"
    assert info.prediction in NLL[info.distribution], \
        f"{info.name}: {info.distribution} NLL is not defined for predictions of kind {info.prediction!r}"
    nll = NLL[info.distribution][info.prediction]
    rng = _rng(info, "nll")
    y_true, y_pred = sample(info, rng, n=60)  # hard labels: a likelihood needs observed outcomes
    if info.prediction == "logit":
        y_pred = np.clip(y_pred, -10, 10)  # scipy's Bernoulli of expit(x) is accurate there
    loss = info.loss(y_true, y_pred, reduction="none")
    ref = nll(y_true, y_pred)
    # least squares fit loss = a + b * ref
    design = np.stack([np.ones_like(ref), ref], axis=1)
    (a, b), *_ = np.linalg.lstsq(design, loss, rcond=None)
    assert b > 0, f"{info.name}: the loss decreases with the {info.distribution} NLL (slope {b})"
    np.testing.assert_allclose(loss, a + b * ref, rtol=1e-9, atol=1e-9 * np.abs(loss).max(),
                               err_msg=f"{info.name} is not an affine function of the {info.distribution} NLL")


# --------------------------------------------------------------------------
# Names, references, tables
# --------------------------------------------------------------------------

def bib_keys() -> set[str]:
    return set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", BIB.read_text(encoding="utf-8")))


@BY_ENTRY
def test_reference_is_in_the_bibliography(info):
    assert info.reference in bib_keys(), f"{info.name}: {info.reference!r} is not a key of {BIB.name}"


@BY_ENTRY
def test_names_match_the_functions(info):
    assert info.loss.__name__ == info.name
    assert info.grad.__name__ == info.name + "_grad"
    assert getattr(losslib, info.name) is info.loss
    assert getattr(losslib, info.name + "_grad") is info.grad
    assert info.name in losslib.__all__ and info.name + "_grad" in losslib.__all__


def test_every_public_loss_is_registered():
    public = set(losslib.__all__)
    losses = {n for n in public if n + "_grad" in public}  # a loss is a function with a *_grad twin
    assert losses == set(losslib.LOSSES), "every public loss (one with a *_grad) needs a registry entry"
    assert all(name == info.name for name, info in losslib.LOSSES.items())


COLUMNS = ("name", "family", "prediction", "distribution", "convex", "differentiable", "robust", "proper",
           "reference", "summary")


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


@BY_ENTRY
def test_table_text_cannot_break_the_table(info):
    assert "|" not in info.summary and "\n" not in info.summary
