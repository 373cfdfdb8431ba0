"""Visible tests of ``01-likelihood`` (from likelihood to loss)."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

import losslib

from ..testing import CheckFailed, check_close
from . import Tasks

tasks = Tasks("01-likelihood")
check = tasks.check


@tasks.visible("gaussian_nll")
def _(gaussian_nll):
    """A small dataset; the reference is SciPy's Gaussian log-density."""
    y = np.array([1.0, 2.0, 4.0, 7.0])
    mu, sigma = 3.0, 2.0
    expected = -np.mean(norm.logpdf(y, loc=mu, scale=sigma))
    check_close(
        gaussian_nll(y, mu, sigma),
        expected,
        what="gaussian_nll(y, mu, sigma)",
        given="y = [1, 2, 4, 7], mu = 3, sigma = 2",
        n=len(y),
        hints=[
            (
                lambda g, e: np.isclose(g, e - 0.5 * np.log(2 * np.pi * sigma**2)),
                "it is missing the normalising term 1/2 log(2 pi sigma^2): a likelihood needs the density's constant",
            ),
            (
                lambda g, e: np.isclose(g, np.mean((y - mu) ** 2) / (2 * sigma**2)),
                "that is only the squared-error term: add 1/2 log(2 pi sigma^2)",
            ),
            (
                lambda g, e: np.isclose(g, e - 0.5 * np.log(sigma)),
                "check the log-variance term: it is log(sigma^2)/2 = log(sigma), not log(sigma)/2",
            ),
            (
                lambda g, e: np.isclose(g, e - 0.5 * np.log(2 * np.pi)),
                "it is missing the 1/2 log(2 pi) of the density's normalising constant: a constant to the "
                "optimiser, but part of the negative log-likelihood's value",
            ),
            (
                lambda g, e: np.isclose(g, np.mean(0.5 * np.log(2 * np.pi * sigma) + (y - mu) ** 2 / (2 * sigma))),
                "you used sigma where the variance sigma^2 belongs (sigma is the standard deviation)",
            ),
        ],
    )


@tasks.visible("gaussian_nll_grad")
def _(gaussian_nll_grad):
    """Five observations; the reference is losslib's MSE gradient divided by 2 sigma^2.

    The NLL is 1/(2 sigma^2) times the MSE plus a constant, so their gradients differ by that factor."""
    y = np.array([1.0, 2.0, 4.0, 7.0, 6.0])
    mu = np.array([2.0, 2.0, 2.0, 2.0, 2.0])
    sigma = 3.0
    check_close(
        gaussian_nll_grad(y, mu, sigma),
        losslib.mse_grad(y, mu) / (2 * sigma**2),
        what="gaussian_nll_grad(y, mu, sigma)",
        gradient=True,
        given="y = [1, 2, 4, 7, 6], mu = [2, 2, 2, 2, 2], sigma = 3",
        n=len(y),
        hints=[
            (
                lambda g, e: np.allclose(g, e * sigma**2),
                "it is sigma^2 times too large: the squared residual is divided by 2 sigma^2, so is its derivative",
            ),
            (
                lambda g, e: np.allclose(g, e * sigma),
                "it is sigma times too large: divide by the variance sigma^2, not by sigma",
            ),
        ],
    )


@tasks.visible("fit_gaussian")
def _(fit_gaussian):
    """The estimates on a small sample."""
    y = np.array([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])
    result = fit_gaussian(y)
    if not (isinstance(result, tuple | list) and len(result) == 2):
        raise CheckFailed(f"fit_gaussian(y) should return a pair (mu_hat, sigma_hat), got {result!r}")
    mu_hat, sigma_hat = result
    given = "y = [2, 4, 4, 4, 5, 5, 7, 9]"
    check_close(mu_hat, 5.0, what="mu_hat of fit_gaussian(y)", given=given)
    check_close(
        sigma_hat,
        2.0,
        what="sigma_hat of fit_gaussian(y)",
        given=given,
        hints=[
            (
                lambda g, e: np.isclose(g, np.std(y, ddof=1)),
                "that is the unbiased estimate, which divides by N - 1; maximum likelihood divides by N",
            ),
            (lambda g, e: np.isclose(g, e**2), "that is the variance; sigma_hat is its square root"),
            (
                lambda g, e: np.isclose(g, np.mean(np.abs(y - np.mean(y)))),
                "that is the mean absolute deviation (the Laplace scale); the Gaussian sigma_hat is the square "
                "root of the mean squared deviation",
            ),
        ],
    )


@tasks.visible("log_softmax", float32=True)
def _(log_softmax):
    """A small batch, then large logits."""
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    check_close(
        log_softmax(z),
        losslib.log_softmax(z),
        what="log_softmax(z)",
        given="z = [[1, 2, 3], [0, 0, 0]]",
        hints=[
            (lambda g, e: np.allclose(g, np.exp(e)), "that is the softmax itself; return its log"),
            (
                lambda g, e: np.allclose(g, z - np.log(np.sum(np.exp(z), axis=0, keepdims=True))),
                "you normalised over axis 0 (the examples); the classes are on the last axis",
            ),
        ],
    )
    big = np.array([[1000.0, 1001.0, 999.0]])
    check_close(
        log_softmax(big),
        losslib.log_softmax(big),
        what="log_softmax(z)",
        given="z = [[1000, 1001, 999]]",
        overflow_hint="exp(1000) overflows; subtract each row's maximum before exponentiating",
    )


@tasks.visible("softmax_cross_entropy", float32=True)
def _(softmax_cross_entropy):
    """Four examples, three classes."""
    labels = np.array([0, 2, 1, 1])
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 0.5, 3.0], [1.0, 1.0, 1.0], [-1.0, 0.3, 1.2]])
    shuffled = -np.mean(losslib.log_softmax(logits)[np.arange(4), labels[::-1]])
    block = -np.mean(losslib.log_softmax(logits)[:, labels])  # logp[:, labels]: an N x N block
    check_close(
        softmax_cross_entropy(labels, logits),
        losslib.cross_entropy(labels, logits),
        what="softmax_cross_entropy(labels, logits)",
        given="labels = [0, 2, 1, 1], logits = [[2, 1, 0.1], [0.5, 0.5, 3], [1, 1, 1], [-1, 0.3, 1.2]]",
        n=4,
        hints=[
            (
                lambda g, e: np.isclose(g, e / 3),
                "it is 3 times too small (C = 3 classes): you averaged over all N x C entries (a one-hot "
                "matrix times log-probabilities?); each example contributes one log-probability, averaged over "
                "the N examples",
            ),
            (
                lambda g, e: np.isclose(g, shuffled),
                "the labels and the rows do not line up: pick row i's log-probability of class labels[i]",
            ),
            (
                lambda g, e: np.isclose(g, block),
                "logp[:, labels] averages a whole N x N block; index rows and columns together, "
                "logp[np.arange(N), labels], for one entry per row",
            ),
        ],
    )
