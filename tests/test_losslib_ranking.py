"""Plackett-Luce and ListNet against closed forms: brute force over positions, the two-item case,
shift invariance, extreme scores and the errors."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import scipy.special as sps

import losslib

rng = np.random.default_rng(17)


def brute_plackett_luce(ranking: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """-sum_j log softmax(remaining scores)[first], one position at a time (scipy's log-sum-exp)."""
    out = np.zeros(len(ranking))
    for i, (order, s) in enumerate(zip(ranking, scores)):
        ranked = s[order]
        out[i] = -sum(ranked[j] - sps.logsumexp(ranked[j:]) for j in range(len(ranked)))
    return out


def test_plackett_luce_is_the_probability_of_the_ranking():
    scores = rng.normal(size=(30, 6)) * 3
    ranking = np.argsort(rng.normal(size=(30, 6)), axis=-1)
    expected = brute_plackett_luce(ranking, scores)
    np.testing.assert_allclose(losslib.plackett_luce_nll(ranking, scores, reduction="none"), expected, rtol=1e-13)
    np.testing.assert_allclose(losslib.plackett_luce_nll(ranking, scores), expected.mean(), rtol=1e-13)
    out32 = losslib.plackett_luce_nll(ranking, scores.astype(np.float32), reduction="none")
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, expected, rtol=1e-5)


def test_plackett_luce_probabilities_of_all_rankings_sum_to_one():
    scores = np.array([0.3, -1.0, 2.0, 0.5])
    rankings = np.array(list(itertools.permutations(range(4))))
    nll = losslib.plackett_luce_nll(rankings, np.tile(scores, (len(rankings), 1)), reduction="none")
    assert abs(np.exp(-nll).sum() - 1) < 1e-14


def test_plackett_luce_of_two_items_is_binary_cross_entropy_with_logits():
    scores = rng.normal(size=(20, 2)) * 4
    ranking = np.argsort(rng.normal(size=(20, 2)), axis=-1)
    first_is_best = (ranking[:, 0] == 0).astype(float)
    np.testing.assert_allclose(
        losslib.plackett_luce_nll(ranking, scores, reduction="none"),
        losslib.binary_cross_entropy_with_logits(first_is_best, scores[:, 0] - scores[:, 1], reduction="none"),
        rtol=1e-13,
    )


def test_plackett_luce_is_invariant_to_shifting_a_row_and_its_gradient_sums_to_zero():
    scores = rng.normal(size=(5, 7))
    ranking = np.argsort(rng.normal(size=(5, 7)), axis=-1)
    shifted = scores + np.array([[0.0], [1e3], [-50.0], [7.0], [1e4]])
    np.testing.assert_allclose(
        losslib.plackett_luce_nll(ranking, shifted, reduction="none"),
        losslib.plackett_luce_nll(ranking, scores, reduction="none"),
        rtol=1e-9,
    )
    g = losslib.plackett_luce_nll_grad(ranking, scores, reduction="sum")
    np.testing.assert_allclose(g.sum(axis=-1), 0.0, atol=1e-14)


def test_plackett_luce_stays_finite_at_extreme_scores():
    scores = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3]])
    ranking = np.array([[1, 2, 0], [0, 2, 1]])  # the worst possible orders
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = losslib.plackett_luce_nll(ranking, scores, reduction="none")
        grad = losslib.plackett_luce_nll_grad(ranking, scores, reduction="none")
    np.testing.assert_allclose(value, [2e4 + 1e4, 2e4 + 5e3], rtol=1e-15)
    np.testing.assert_allclose(grad, [[2.0, -1.0, -1.0], [-1.0, 2.0, -1.0]], atol=1e-15)


def test_plackett_luce_refuses_a_row_that_is_not_a_permutation():
    with pytest.raises(ValueError, match=r"row \(1,\) is \[0, 0, 2\]; np\.argsort"):
        losslib.plackett_luce_nll([[0, 1, 2], [0, 0, 2]], np.zeros((2, 3)))
    with pytest.raises(TypeError, match="ranking must hold integer class labels"):
        losslib.plackett_luce_nll([[0.0, 1.0]], np.zeros((1, 2)))
    with pytest.raises(ValueError, match=r"scores must hold finite numbers"):
        losslib.plackett_luce_nll([[0, 1]], [[0.0, np.inf]])


def test_listnet_is_the_soft_target_cross_entropy_of_the_softmaxes():
    relevance, scores = rng.integers(0, 5, (25, 6)).astype(float), rng.normal(size=(25, 6)) * 2
    target = sps.softmax(relevance, axis=-1)
    expected = -np.sum(target * sps.log_softmax(scores, axis=-1), axis=-1)
    np.testing.assert_allclose(losslib.listnet(relevance, scores, reduction="none"), expected, rtol=1e-13)
    np.testing.assert_allclose(losslib.listnet(relevance, scores), expected.mean(), rtol=1e-13)
    np.testing.assert_allclose(
        losslib.listnet_grad(relevance, scores, reduction="sum"), sps.softmax(scores, axis=-1) - target, atol=1e-16
    )
    np.testing.assert_allclose(
        losslib.listnet(relevance, scores, reduction="none"),
        losslib.cross_entropy(target, scores, reduction="none"),
        rtol=1e-13,
    )


def test_listnet_is_smallest_at_the_relevances_themselves_where_it_is_their_entropy():
    relevance = rng.integers(0, 5, (4, 6)).astype(float)
    best = losslib.listnet(relevance, relevance + 3.0, reduction="none")
    p = sps.softmax(relevance, axis=-1)
    np.testing.assert_allclose(best, -np.sum(p * np.log(p), axis=-1), rtol=1e-13)
    for _ in range(20):
        other = relevance + rng.normal(size=relevance.shape)
        assert np.all(losslib.listnet(relevance, other, reduction="none") > best)


def test_listnet_stays_finite_at_extreme_scores():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = losslib.listnet([[0.0, 0.0]], [[1e4, -1e4]])
    assert value == 1e4  # half the mass on an item 2e4 below the best: 0.5 * 2e4
