"""Reference cases of hinge and multiclass_hinge (losslib.margin), with scikit-learn.

Oracle: ``sklearn.metrics.hinge_loss``, which returns the mean only and no gradient
(``"grad": None``; the gradients are checked against closed forms and finite differences in
``tests/test_losslib_classification.py``). The other reductions come from the same function:
``"none"`` is ``hinge_loss`` with the one-hot sample weight of each example in turn
(``np.average`` of the per-example losses with weight 1 on example ``i`` is exactly its
loss) and ``"sum"`` is the mean times the number of examples. Inputs of any shape are
flattened to scikit-learn's ``(n_samples,)`` / ``(n_samples, n_classes)`` and the per-example
losses reshaped back.

scikit-learn's binary ``hinge_loss`` maps the two label values it *sees* to -1/+1, so a batch
whose labels are all +1 is scored as if they were all -1 (``hinge_loss([1, 1], [2, 2])`` is
3, not 0): every binary case here holds both labels, and ``reference`` refuses one that does
not. Its multiclass branch, taken for three or more classes (``labels=range(C)``), computes
``max(0, 1 + max_{j != y} s_j - s_y)``, the Crammer-Singer loss; with two classes it would
take the binary branch, so the multiclass cases have ``C >= 3``.
"""

from __future__ import annotations

import numpy as np

from .common import check_unique_ids, pair_case, rng_for

ORACLE = "sklearn"


def _signs(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    y = rng.choice([-1.0, 1.0], size=shape)
    y.flat[0], y.flat[-1] = -1.0, 1.0  # both labels, always (see the module docstring)
    return y


def _hinge_cases() -> list[dict]:
    loss = "hinge"
    cases = []
    for sname, shape in (("1d", (9,)), ("2d", (4, 3)), ("3d", (2, 3, 4))):
        rng = rng_for(cid := f"{loss}-{sname}")
        cases.append(pair_case(cid, loss, _signs(rng, shape), 2.0 * rng.normal(size=shape)))
    # Margins at the hinge (y s = 1: loss 0), just around it, and extreme scores.
    y = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    s = np.array([1.0, -1.0, 1.0 - 1e-12, -1.0 + 1e-12, 1.0 + 1e-12, 0.0, 1e4, 1e4, -1e4, -1e4, 1e300, -3e7])
    cases.append(pair_case(f"{loss}-kinks-extreme", loss, y, s))
    rng = rng_for(cid := f"{loss}-integer-labels")
    cases.append(pair_case(cid, loss, _signs(rng, (8,)).astype(np.int64), 1.5 * rng.normal(size=8)))
    return cases


def _multiclass_cases() -> list[dict]:
    loss = "multiclass_hinge"
    cases = []
    for n_classes in (3, 4, 7):
        rng = rng_for(cid := f"{loss}-C{n_classes}")
        cases.append(pair_case(cid, loss, rng.integers(0, n_classes, size=10), 1.5 * rng.normal(size=(10, n_classes))))
    rng = rng_for(cid := f"{loss}-3d")
    cases.append(pair_case(cid, loss, rng.integers(0, 5, size=(2, 3)), 1.5 * rng.normal(size=(2, 3, 5))))
    rng = rng_for(cid := f"{loss}-1d")
    cases.append(pair_case(cid, loss, np.array(2), 1.5 * rng.normal(size=4)))
    # Ties, the kink (margin exactly 1: loss 0), several violating classes, extreme scores.
    s = np.array(
        [
            [2.0, 1.0, 1.0, 0.0],  # label 0: margin exactly 1 -> 0
            [0.5, 0.5, 0.5, 0.5],  # all tied -> 1
            [3.0, 3.0, -1.0, 0.0],  # label 2, two best wrong classes tied -> 5
            [0.2, 0.9, 0.8, 0.7],  # label 0, three violators (Weston-Watkins would sum them)
            [1e4, -1e4, 0.0, 5e3],  # label 1 -> 1 + 2e4
            [1e4, -1e4, 0.0, 5e3],  # label 0 -> 0
            [-1e4, -1e4 + 0.5, -1e4, -1e4 + 2.0],
        ]
    )
    cases.append(pair_case(f"{loss}-ties-kinks-extreme", loss, np.array([0, 2, 2, 0, 1, 0, 3]), s))
    return cases


def build_cases() -> list[dict]:
    """Every case, without results."""
    return check_unique_ids(_hinge_cases() + _multiclass_cases())


def reference(case: dict, reduction: str) -> dict:
    """Value of one case under one reduction, with scikit-learn (which has no gradients)."""
    from sklearn.metrics import hinge_loss

    y = np.asarray(case["inputs"]["y_true"])
    s = np.asarray(case["inputs"]["y_pred"], dtype=np.float64)
    if case["loss"] == "hinge":
        item_shape, y_flat, s_flat, labels = y.shape, y.ravel(), s.ravel(), None
        if set(np.unique(y_flat)) != {-1, 1}:
            raise ValueError(f"{case['id']}: a binary case needs both labels -1 and +1 (see the module docstring)")
    elif case["loss"] == "multiclass_hinge":
        n_classes = s.shape[-1]
        if n_classes < 3:
            raise ValueError(f"{case['id']}: scikit-learn's multiclass hinge needs at least 3 classes")
        item_shape, y_flat, s_flat = y.shape, y.reshape(-1), s.reshape(-1, n_classes)
        labels = np.arange(n_classes)
    else:
        raise KeyError(f"no scikit-learn reference for loss {case['loss']!r}: add it to reference()")
    n = y_flat.size
    if reduction == "none":
        weights = np.eye(n)
        value = np.array([hinge_loss(y_flat, s_flat, labels=labels, sample_weight=w) for w in weights])
        value = value.reshape(item_shape)
    else:
        value = np.float64(hinge_loss(y_flat, s_flat, labels=labels))
        if reduction == "sum":
            value = value * n
    return {"value": value, "grad": None}
