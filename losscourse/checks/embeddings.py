"""Visible tests of ``04-embeddings`` (embedding and metric-learning losses)."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

import losslib

from ..testing import CheckFailed, answers_among, check_close
from . import Tasks

tasks = Tasks("04-embeddings")
check = tasks.check

# Small, non-symmetric inputs on which every term of each formula matters.
_X = np.array([[0.0, 1.0, 2.0], [3.0, -1.0, 0.5], [1.5, 2.0, -2.0], [-1.0, 0.0, 4.0]])
_X_TEXT = "x = [[0, 1, 2], [3, -1, 0.5], [1.5, 2, -2], [-1, 0, 4]]"

_ANCHOR = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, -1.0]])
_POSITIVE = np.array([[1.0, 0.0], [1.0, 3.0], [2.5, -1.0]])
_NEGATIVE = np.array([[0.0, 1.5], [4.0, 5.0], [2.0, -0.7]])
_TRIPLET_TEXT = (
    "anchor = [[0, 0], [1, 1], [2, -1]], positive = [[1, 0], [1, 3], [2.5, -1]], "
    "negative = [[0, 1.5], [4, 5], [2, -0.7]], margin = 1"
)


def _cos_reference(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """Row-wise cosines from losslib: 1 - the cosine embedding loss of similar pairs."""
    return 1.0 - losslib.cosine_embedding(np.ones(len(x1)), x1, x2, reduction="none")


@tasks.visible("pairwise_sq_distances", float32=True)
def _(pairwise_sq_distances):
    """Four points in 3-D; the reference is SciPy's cdist."""
    check_close(
        pairwise_sq_distances(_X),
        cdist(_X, _X, "sqeuclidean"),
        what="pairwise_sq_distances(x)",
        given=_X_TEXT,
        atol=1e-9,
        hints=[
            (
                lambda g, e: np.allclose(g, np.sqrt(e)),
                "those are the distances; the task asks for their squares (no square root)",
            ),
            (
                lambda g, e: np.allclose(g, (_X**2).sum(1)[:, None] + (_X**2).sum(1)[None, :] - _X @ _X.T),
                "the cross term is -2 x_i . x_j, not -x_i . x_j",
            ),
            (
                lambda g, e: g.shape == e.shape and not np.allclose(np.diag(g), 0, atol=1e-9),
                "the distance of a point to itself must be 0: check the signs of the three terms",
            ),
        ],
    )


@tasks.visible("cosine_similarity", float32=True)
def _(cosine_similarity):
    """Three pairs of vectors of different lengths, one of them the zero vector."""
    x1 = np.array([[1.0, 0.0, 0.0], [2.0, 2.0, 1.0], [0.0, 0.0, 0.0]])
    x2 = np.array([[3.0, 4.0, 0.0], [-1.0, 0.5, 2.0], [1.0, 2.0, 3.0]])
    given = "x1 = [[1, 0, 0], [2, 2, 1], [0, 0, 0]], x2 = [[3, 4, 0], [-1, 0.5, 2], [1, 2, 3]]"
    with np.errstate(all="ignore"):
        got = cosine_similarity(x1, x2)
    check_close(
        got,
        _cos_reference(x1, x2),
        what="cosine_similarity(x1, x2)",
        given=given,
        atol=1e-9,
        overflow_hint="the third pair has a zero vector, whose cosine with anything must be 0 (not nan): "
        "0 / 0 is nan, so guard the division (np.maximum of the norms' product and a tiny eps)",
        hints=[
            (
                lambda g, e: np.allclose(g[:2], (x1 * x2).sum(1)[:2]),
                "that is the dot product; divide it by the two norms",
            ),
            (
                lambda g, e: np.allclose(g[:2], ((x1 * x2).sum(1)[:2] / ((x1**2).sum(1) * (x2**2).sum(1))[:2])),
                "you divided by the product of the squared norms; divide by the norms themselves",
            ),
        ],
    )


@tasks.visible("triplet_loss", float32=True)
def _(triplet_loss):
    """Three triplets: semi-hard, easy and hard; the reference is losslib.triplet."""
    a, p, n = _ANCHOR, _POSITIVE, _NEGATIVE
    d_ap, d_an = np.linalg.norm(a - p, axis=1), np.linalg.norm(a - n, axis=1)
    check_close(
        triplet_loss(a, p, n, margin=1.0),
        losslib.triplet(a, p, n, margin=1.0, eps=0.0),
        what="triplet_loss(anchor, positive, negative, margin=1.0)",
        given=_TRIPLET_TEXT,
        n=3,
        hints=[
            (
                lambda g, e: np.isclose(g, np.mean(np.maximum(0, 1 + d_ap**2 - d_an**2))),
                "you used squared distances; this loss uses the Euclidean distances themselves",
            ),
            (
                lambda g, e: np.isclose(g, np.mean(1 + d_ap - d_an)),
                "the easy triplet must cost 0, not a negative amount: take max(0, ...) per triplet",
            ),
            (
                lambda g, e: np.isclose(g, max(0.0, np.mean(1 + d_ap - d_an))),
                "clip each triplet's value at 0 before averaging, not the average",
            ),
            (
                lambda g, e: np.isclose(g, np.mean(np.maximum(0, 1 - d_ap + d_an))),
                "the anchor must be closer to the positive: the loss is margin + d(a, p) - d(a, n)",
            ),
        ],
    )


@tasks.visible("triplet_loss_grad_anchor", float32=True)
def _(triplet_loss_grad_anchor):
    """The same three triplets; the reference is losslib.triplet_grad."""
    a, p, n = _ANCHOR, _POSITIVE, _NEGATIVE
    expected = losslib.triplet_grad(a, p, n, margin=1.0, eps=0.0)
    active = (1 + np.linalg.norm(a - p, axis=1) - np.linalg.norm(a - n, axis=1) > 0)[:, None]
    u_ap = (a - p) / np.linalg.norm(a - p, axis=1, keepdims=True)
    check_close(
        triplet_loss_grad_anchor(a, p, n, margin=1.0),
        expected.anchor,
        what="triplet_loss_grad_anchor(anchor, positive, negative, margin=1.0)",
        gradient=True,
        given=_TRIPLET_TEXT,
        n=3,
        hints=[
            (
                lambda g, e: not np.allclose(g[~active[:, 0]], 0),
                "the easy triplet (the second: its hinge is 0) must have a zero gradient",
            ),
            (
                lambda g, e: np.allclose(g, expected.positive),
                "that is the gradient with respect to the positive; the anchor appears in both distances",
            ),
            (
                lambda g, e: np.allclose(g, active * u_ap / 3),
                "d(a, n) depends on the anchor too: subtract its unit vector (a - n) / d(a, n)",
            ),
            (
                lambda g, e: np.allclose(g, 2 * active * ((a - p) - (a - n)) / 3),
                "that is the gradient of the squared distances; the derivative of ||v|| is v / ||v||",
            ),
        ],
    )


@tasks.visible("semi_hard_negatives")
def _(semi_hard_negatives):
    """Six examples of three classes; the reference is losslib.mine_negatives."""
    points = np.array([[0.0, 0.0], [1.0, 0.2], [0.6, 0.0], [2.2, 0.0], [-0.3, 1.1], [3.0, 1.0]])
    labels = np.array([0, 0, 1, 1, 2, 2])
    positives = np.array([1, 0, 3, 2, 5, 4])
    dist = losslib.pairwise_distances(points)
    given = "the distances of six points of classes [0, 0, 1, 1, 2, 2], positives = [1, 0, 3, 2, 5, 4]"
    expected = losslib.mine_negatives(dist, labels, np.arange(6), positives, strategy="semi-hard")
    hard = losslib.mine_negatives(dist, labels, np.arange(6), positives, strategy="hard")
    d_ap = dist[np.arange(6), positives][:, None]
    fallback = ~np.any((labels[:, None] != labels[None, :]) & (dist > d_ap), axis=1)
    got = semi_hard_negatives(dist, labels, positives)
    check_close(
        got,
        expected,
        what="semi_hard_negatives(dist, labels, positives)",
        given=given,
        hints=[
            (
                lambda g, e: np.array_equal(g, hard),
                "those are the hardest negatives (the closest of another class); a semi-hard negative must "
                "also be farther from the anchor than the positive",
            ),
            (
                lambda g, e: np.array_equal(g[~fallback], e[~fallback]),
                f"right where a farther negative exists, wrong for anchor(s) {np.flatnonzero(fallback).tolist()}, whose "
                "positive is farther than every negative: there, take the farthest negative",
            ),
            (
                lambda g, e: np.any(labels[g.astype(int) % 6] == labels),
                "some of your negatives have the anchor's own class: a negative is an example of another class",
            ),
        ],
    )
    if np.asarray(got).dtype.kind not in "iu":
        raise CheckFailed(
            f"semi_hard_negatives returned an array of dtype {np.asarray(got).dtype}; indices must be integers "
            "(np.argmin returns them)"
        )


@tasks.visible("info_nce_loss", float32=True)
def _(info_nce_loss):
    """Three queries and keys of different lengths, temperature 0.5; the reference is losslib.info_nce."""
    q = np.array([[1.0, 0.0, 0.5], [0.0, 2.0, 1.0], [1.0, 1.0, -3.0]])
    k = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 1.0], [0.0, 1.0, -1.0]])
    given = "queries = [[1, 0, 0.5], [0, 2, 1], [1, 1, -3]], keys = [[2, 0.5, 0], [0.5, 1, 1], [0, 1, -1]]"
    s = (q / np.linalg.norm(q, axis=1, keepdims=True)) @ (k / np.linalg.norm(k, axis=1, keepdims=True)).T
    ls_rows = s / 0.5 - np.log(np.exp(s / 0.5).sum(axis=1, keepdims=True))
    ls_cols = s / 0.5 - np.log(np.exp(s / 0.5).sum(axis=0, keepdims=True))
    raw = q @ k.T / 0.5
    check_close(
        info_nce_loss(q, k, temperature=0.5),
        losslib.info_nce(q, k, temperature=0.5),
        what="info_nce_loss(queries, keys, temperature=0.5)",
        given=given,
        n=3,
        hints=[
            (
                lambda g, e: np.isclose(g, -np.mean(np.diag(raw - np.log(np.exp(raw).sum(1, keepdims=True))))),
                "you used dot products; InfoNCE compares cosine similarities: normalise the rows first",
            ),
            (
                lambda g, e: np.isclose(g, -np.mean(np.diag(ls_cols))),
                "you normalised the softmax over the queries (axis 0); each query's candidates are the keys, "
                "a row of the similarity matrix",
            ),
            (
                lambda g, e: np.isclose(g, -np.mean(np.diag(s - np.log(np.exp(s).sum(1, keepdims=True))))),
                "the temperature is missing: divide the similarities by it",
            ),
            (lambda g, e: np.isclose(g, np.mean(np.diag(ls_rows))), "it has the wrong sign: the loss is -log p"),
            (
                lambda g, e: np.isclose(g, -np.mean(np.diag(s * 0.5 - np.log(np.exp(s * 0.5).sum(1, keepdims=True))))),
                "you multiplied the similarities by the temperature; divide them by it",
            ),
        ],
    )


_SITUATIONS = (
    "signature_pairs",
    "unlabelled_photos",
    "product_search",
    "sentence_paraphrases",
    "digits",
    "query_document",
)


@tasks.visible("choose_loss")
def _(choose_loss):
    """Every answer is a name from the list; the choice for "digits"."""
    allowed = [info.name for info in losslib.select(family="embedding")] + ["cross_entropy"]
    answers = answers_among(choose_loss, "choose_loss", _SITUATIONS, allowed)
    if len(set(answers.values())) == 1:
        raise CheckFailed(
            f"choose_loss returned {answers['digits']!r} for every situation: the six situations call for "
            "different losses; read each description again"
        )
    if answers["digits"] != "cross_entropy":
        raise CheckFailed(
            f"choose_loss('digits') returned {answers['digits']!r}: ten fixed classes with thousands of examples "
            "each, and a class to predict, is a classification problem; no pairs, triplets or mining are needed"
        )
