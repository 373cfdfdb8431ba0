"""Alternative correct solutions and realistic wrong ones for 04-embeddings (see tests/test_mutation.py)."""

import numpy as np

# --------------------------------------------------------------------------
# pairwise_sq_distances
# --------------------------------------------------------------------------


def pairwise_sq_distances__alt_broadcast(z):  # the (N, N, D) array of differences: exact, never negative
    z = np.asarray(z)
    diff = z[:, None, :] - z[None, :, :]
    return np.sum(diff * diff, axis=-1)


def pairwise_sq_distances__alt_einsum_clip(z):
    z = np.asarray(z)
    sq = np.einsum("ij,ij->i", z, z)
    return np.clip(sq[:, None] - 2 * np.einsum("id,jd->ij", z, z) + sq[None, :], 0, None)


def pairwise_sq_distances__bug_no_clip(z):  # rounding leaves tiny negative entries
    z = np.asarray(z)
    sq = np.sum(z * z, axis=1)
    return sq[:, None] + sq[None, :] - 2 * (z @ z.T)


def pairwise_sq_distances__bug_sqrt(z):  # distances, not squared distances
    z = np.asarray(z)
    sq = np.sum(z * z, axis=1)
    return np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * (z @ z.T), 0))


def pairwise_sq_distances__bug_cross_term_once(z):  # forgot the 2 of the cross term
    z = np.asarray(z)
    sq = np.sum(z * z, axis=1)
    return np.maximum(sq[:, None] + sq[None, :] - z @ z.T, 0)


def pairwise_sq_distances__bug_float64(z):  # converts float32 input to float64
    z = np.asarray(z, dtype=float)
    sq = np.sum(z * z, axis=1)
    return np.maximum(sq[:, None] + sq[None, :] - 2 * (z @ z.T), 0)


# --------------------------------------------------------------------------
# cosine_similarity
# --------------------------------------------------------------------------


def cosine_similarity__alt_normalise_rows(x1, x2, eps=1e-12):
    x1, x2 = np.asarray(x1), np.asarray(x2)
    u1 = x1 / np.maximum(np.sqrt(np.sum(x1 * x1, axis=1, keepdims=True)), eps)
    u2 = x2 / np.maximum(np.sqrt(np.sum(x2 * x2, axis=1, keepdims=True)), eps)
    return np.sum(u1 * u2, axis=1)


def cosine_similarity__alt_where(x1, x2, eps=1e-12):
    x1, x2 = np.asarray(x1), np.asarray(x2)
    denom = np.linalg.norm(x1, axis=1) * np.linalg.norm(x2, axis=1)
    safe = np.where(denom > 0, denom, 1)
    return np.where(denom > 0, np.einsum("ij,ij->i", x1, x2) / safe, 0).astype(np.result_type(x1, x2))


def cosine_similarity__bug_no_guard(x1, x2, eps=1e-12):  # 0 / 0 = nan for a zero vector
    x1, x2 = np.asarray(x1), np.asarray(x2)
    return np.sum(x1 * x2, axis=1) / (np.linalg.norm(x1, axis=1) * np.linalg.norm(x2, axis=1))


def cosine_similarity__bug_guard_one_norm(x1, x2, eps=1e-12):  # guards only the first norm
    x1, x2 = np.asarray(x1), np.asarray(x2)
    return np.sum(x1 * x2, axis=1) / (np.maximum(np.linalg.norm(x1, axis=1), eps) * np.linalg.norm(x2, axis=1))


def info_nce_loss__bug_global_max(queries, keys, temperature=0.1):  # one shift for the whole matrix
    q, k = np.asarray(queries), np.asarray(keys)
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    k = k / np.linalg.norm(k, axis=1, keepdims=True)
    logits = (q @ k.T) / temperature
    m = logits.max()
    return np.mean(m + np.log(np.sum(np.exp(logits - m), axis=1)) - np.diagonal(logits))


def cosine_similarity__bug_squared_norms(x1, x2, eps=1e-12):  # divides by the squared norms
    x1, x2 = np.asarray(x1), np.asarray(x2)
    return np.sum(x1 * x2, axis=1) / np.maximum(np.sum(x1 * x1, axis=1) * np.sum(x2 * x2, axis=1), eps)


def cosine_similarity__bug_float64(x1, x2, eps=1e-12):  # loses the float32 dtype
    x1, x2 = np.asarray(x1, dtype=float), np.asarray(x2, dtype=float)
    return np.sum(x1 * x2, axis=1) / np.maximum(np.linalg.norm(x1, axis=1) * np.linalg.norm(x2, axis=1), eps)


# --------------------------------------------------------------------------
# triplet_loss
# --------------------------------------------------------------------------


def triplet_loss__alt_sqrt_clip(anchor, positive, negative, margin=1.0):
    a, p, n = (np.asarray(x) for x in (anchor, positive, negative))
    d_ap = np.sqrt(np.sum((a - p) ** 2, axis=-1))
    d_an = np.sqrt(np.sum((a - n) ** 2, axis=-1))
    return np.clip(d_ap - d_an + margin, 0, None).sum() / len(a)


def triplet_loss__bug_squared(anchor, positive, negative, margin=1.0):  # FaceNet's squared distances
    a, p, n = (np.asarray(x) for x in (anchor, positive, negative))
    return np.mean(np.maximum(margin + np.sum((a - p) ** 2, axis=1) - np.sum((a - n) ** 2, axis=1), 0))


def triplet_loss__bug_no_hinge(anchor, positive, negative, margin=1.0):  # easy triplets count as negative loss
    a, p, n = (np.asarray(x) for x in (anchor, positive, negative))
    return np.mean(margin + np.linalg.norm(a - p, axis=1) - np.linalg.norm(a - n, axis=1))


def triplet_loss__bug_hinge_of_mean(anchor, positive, negative, margin=1.0):
    a, p, n = (np.asarray(x) for x in (anchor, positive, negative))
    return np.maximum(np.mean(margin + np.linalg.norm(a - p, axis=1) - np.linalg.norm(a - n, axis=1)), 0)


def triplet_loss__bug_sum(anchor, positive, negative, margin=1.0):
    a, p, n = (np.asarray(x) for x in (anchor, positive, negative))
    return np.sum(np.maximum(margin + np.linalg.norm(a - p, axis=1) - np.linalg.norm(a - n, axis=1), 0))


# --------------------------------------------------------------------------
# triplet_loss_grad_anchor
# --------------------------------------------------------------------------


def triplet_loss_grad_anchor__alt_where(anchor, positive, negative, margin=1.0):
    a, p, n = (np.asarray(x) for x in (anchor, positive, negative))
    d_ap = np.sqrt(np.sum((a - p) ** 2, axis=1))
    d_an = np.sqrt(np.sum((a - n) ** 2, axis=1))
    g = (a - p) / d_ap[:, None] - (a - n) / d_an[:, None]
    return np.where((margin + d_ap - d_an > 0)[:, None], g / a.shape[0], np.zeros_like(g))


def triplet_loss_grad_anchor__bug_no_mask(anchor, positive, negative, margin=1.0):  # easy triplets get a gradient
    a, p, n = (np.asarray(x) for x in (anchor, positive, negative))
    u_ap = (a - p) / np.linalg.norm(a - p, axis=1, keepdims=True)
    u_an = (a - n) / np.linalg.norm(a - n, axis=1, keepdims=True)
    return (u_ap - u_an) / len(a)


def triplet_loss_grad_anchor__bug_no_mean(anchor, positive, negative, margin=1.0):  # gradient of the sum
    a, p, n = (np.asarray(x) for x in (anchor, positive, negative))
    d_ap = np.linalg.norm(a - p, axis=1, keepdims=True)
    d_an = np.linalg.norm(a - n, axis=1, keepdims=True)
    return (margin + d_ap - d_an > 0) * ((a - p) / d_ap - (a - n) / d_an)


def triplet_loss_grad_anchor__bug_only_positive(anchor, positive, negative, margin=1.0):  # forgets d(a, n)
    a, p, n = (np.asarray(x) for x in (anchor, positive, negative))
    d_ap = np.linalg.norm(a - p, axis=1, keepdims=True)
    d_an = np.linalg.norm(a - n, axis=1, keepdims=True)
    return (margin + d_ap - d_an > 0) * (a - p) / d_ap / len(a)


def triplet_loss_grad_anchor__bug_squared(anchor, positive, negative, margin=1.0):  # derivative of squared norms
    a, p, n = (np.asarray(x) for x in (anchor, positive, negative))
    d_ap = np.linalg.norm(a - p, axis=1, keepdims=True)
    d_an = np.linalg.norm(a - n, axis=1, keepdims=True)
    return (margin + d_ap - d_an > 0) * 2 * ((a - p) - (a - n)) / len(a)


def triplet_loss_grad_anchor__bug_sign(anchor, positive, negative, margin=1.0):  # p - a instead of a - p
    a, p, n = (np.asarray(x) for x in (anchor, positive, negative))
    d_ap = np.linalg.norm(a - p, axis=1, keepdims=True)
    d_an = np.linalg.norm(a - n, axis=1, keepdims=True)
    return (margin + d_ap - d_an > 0) * ((p - a) / d_ap - (n - a) / d_an) / len(a)


# --------------------------------------------------------------------------
# semi_hard_negatives
# --------------------------------------------------------------------------


def semi_hard_negatives__alt_loop(dist, labels, positives):
    dist, labels = np.asarray(dist), np.asarray(labels)
    out = []
    for i, p in enumerate(positives):
        negs = [j for j in range(len(labels)) if labels[j] != labels[i]]
        farther = [j for j in negs if dist[i, j] > dist[i, p]]
        if farther:
            out.append(min(farther, key=lambda j: (dist[i, j], j)))
        else:
            out.append(min(negs, key=lambda j: (-dist[i, j], j)))
    return np.array(out, dtype=int)


def semi_hard_negatives__bug_hardest(dist, labels, positives):  # the closest negative, ignoring the positive
    dist, labels = np.asarray(dist), np.asarray(labels)
    return np.argmin(np.where(labels[:, None] != labels[None, :], dist, np.inf), axis=1)


def semi_hard_negatives__bug_not_strict(dist, labels, positives):  # >= : a tie with the positive counts
    dist, labels, positives = np.asarray(dist), np.asarray(labels), np.asarray(positives)
    is_neg = labels[:, None] != labels[None, :]
    farther = is_neg & (dist >= dist[np.arange(len(labels)), positives][:, None])
    best = np.argmin(np.where(farther, dist, np.inf), axis=1)
    return np.where(farther.any(axis=1), best, np.argmax(np.where(is_neg, dist, -np.inf), axis=1))


def semi_hard_negatives__bug_no_fallback(dist, labels, positives):  # argmin of all-inf rows is 0
    dist, labels, positives = np.asarray(dist), np.asarray(labels), np.asarray(positives)
    is_neg = labels[:, None] != labels[None, :]
    farther = is_neg & (dist > dist[np.arange(len(labels)), positives][:, None])
    return np.argmin(np.where(farther, dist, np.inf), axis=1)


def semi_hard_negatives__bug_any_class(dist, labels, positives):  # forgets that a negative has another class
    dist, labels, positives = np.asarray(dist), np.asarray(labels), np.asarray(positives)
    farther = dist > dist[np.arange(len(labels)), positives][:, None]
    best = np.argmin(np.where(farther, dist, np.inf), axis=1)
    return np.where(farther.any(axis=1), best, np.argmax(dist, axis=1))


# --------------------------------------------------------------------------
# info_nce_loss
# --------------------------------------------------------------------------


def info_nce_loss__alt_log_softmax(queries, keys, temperature=0.1):
    q, k = np.asarray(queries), np.asarray(keys)
    qn = q / np.sqrt(np.sum(q * q, axis=1, keepdims=True))
    kn = k / np.sqrt(np.sum(k * k, axis=1, keepdims=True))
    logits = np.einsum("id,jd->ij", qn, kn) / temperature
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return (-np.trace(log_p) / len(q)).astype(q.dtype)


def info_nce_loss__bug_no_shift(queries, keys, temperature=0.1):  # overflows for small temperatures
    q, k = np.asarray(queries), np.asarray(keys)
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    k = k / np.linalg.norm(k, axis=1, keepdims=True)
    logits = (q @ k.T) / temperature
    return np.mean(np.log(np.sum(np.exp(logits), axis=1)) - np.diagonal(logits))


def info_nce_loss__bug_dot_products(queries, keys, temperature=0.1):  # no normalisation
    q, k = np.asarray(queries), np.asarray(keys)
    logits = (q @ k.T) / temperature
    m = logits.max(axis=1, keepdims=True)
    return np.mean(m[:, 0] + np.log(np.sum(np.exp(logits - m), axis=1)) - np.diagonal(logits))


def info_nce_loss__bug_axis0(queries, keys, temperature=0.1):  # softmax over the queries
    q, k = np.asarray(queries), np.asarray(keys)
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    k = k / np.linalg.norm(k, axis=1, keepdims=True)
    logits = (q @ k.T) / temperature
    m = logits.max(axis=0, keepdims=True)
    return np.mean(m[0] + np.log(np.sum(np.exp(logits - m), axis=0)) - np.diagonal(logits))


def info_nce_loss__bug_times_temperature(queries, keys, temperature=0.1):  # multiplies by tau
    q, k = np.asarray(queries), np.asarray(keys)
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    k = k / np.linalg.norm(k, axis=1, keepdims=True)
    logits = (q @ k.T) * temperature
    m = logits.max(axis=1, keepdims=True)
    return np.mean(m[:, 0] + np.log(np.sum(np.exp(logits - m), axis=1)) - np.diagonal(logits))


def info_nce_loss__bug_float64_temperature(queries, keys, temperature=0.1):  # float32 in, float64 out
    q, k = np.asarray(queries, dtype=np.float64), np.asarray(keys, dtype=np.float64)
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    k = k / np.linalg.norm(k, axis=1, keepdims=True)
    logits = (q @ k.T) / temperature
    m = logits.max(axis=1, keepdims=True)
    return np.mean(m[:, 0] + np.log(np.sum(np.exp(logits - m), axis=1)) - np.diagonal(logits))


# --------------------------------------------------------------------------
# choose_loss
# --------------------------------------------------------------------------


def choose_loss__alt_if_chain(situation):
    if situation in ("signature_pairs",):
        return "contrastive"
    if situation == "sentence_paraphrases":
        return "cosine_embedding"
    if situation == "unlabelled_photos":
        return "nt_xent"
    if situation == "query_document":
        return "info_nce"
    if situation == "digits":
        return "cross_entropy"
    return "triplet"


def choose_loss__bug_pairs_swapped(situation):  # distance threshold vs angle mixed up
    return {
        "signature_pairs": "cosine_embedding",
        "unlabelled_photos": "nt_xent",
        "product_search": "triplet",
        "sentence_paraphrases": "contrastive",
        "digits": "cross_entropy",
        "query_document": "info_nce",
    }[situation]


def choose_loss__bug_views_info_nce(situation):  # two views of one image: NT-Xent, not InfoNCE
    return {
        "signature_pairs": "contrastive",
        "unlabelled_photos": "info_nce",
        "product_search": "triplet",
        "sentence_paraphrases": "cosine_embedding",
        "digits": "cross_entropy",
        "query_document": "nt_xent",
    }[situation]


def choose_loss__bug_digits_triplet(situation):  # metric learning where a classifier is enough
    return {
        "signature_pairs": "contrastive",
        "unlabelled_photos": "nt_xent",
        "product_search": "cross_entropy",
        "sentence_paraphrases": "cosine_embedding",
        "digits": "triplet",
        "query_document": "info_nce",
    }[situation]


def choose_loss__bug_misspelt(situation):  # not a name from the list
    return {"digits": "cross-entropy"}.get(situation, "triplet loss")


# --- Trivial answers that only these tasks can phrase (each must score 0 on its task) -----------------


def semi_hard_negatives__trivial_positives(dist, labels, positives):  # the positive as its own negative
    return np.asarray(positives)


def semi_hard_negatives__trivial_farthest(dist, labels, positives):  # the farthest point, whatever its label
    return np.argmax(np.asarray(dist), axis=1)


EQUIVALENT: dict[str, dict[str, str]] = {
    "semi_hard_negatives": {
        "`np.argmax(np.where(is_neg, dist, -np.inf), axis=1)` -> `np.argmax(np.where(is_neg, dist, -np.inf), axis=0)`": (
            "a distance matrix is symmetric and so is the negatives mask (labels differ), so the farthest "
            "negative of anchor i is the same along row i and column i"
        ),
    },
}
