"""losslib against its oracles (PyTorch, scikit-learn or mpmath, float64): every case in the committed data.

The reference values come from ``tests/make_reference_data.py`` (run with a Python that has the
oracles) and live in ``tests/data/reference_<family>.json``; this file needs neither library.
Each (case, reduction) is its own test, e.g. ``cross_entropy-labels-weight-3d-mean``. Losses
whose registry entry names SciPy or a closed form as oracle are checked in their family's test
file instead.
"""

from __future__ import annotations

import numpy as np
import pytest

import losslib
from reference import FAMILIES
from reference.common import EQUIVALENTS, REDUCTIONS, compare, data_file, load_all, load_reference, losslib_result

_, CASES = load_all()
CASES_BY_ID = {case["id"]: case for case in CASES}
DATA_ORACLES = ("torch", "sklearn", "mpmath")  # oracles whose results are committed as data


@pytest.mark.parametrize(
    ("case_id", "reduction"),
    [(case["id"], r) for case in CASES for r in REDUCTIONS],
    ids=[f"{case['id']}-{r}" for case in CASES for r in REDUCTIONS],
)
def test_losslib_matches_torch(case_id, reduction):
    case = CASES_BY_ID[case_id]
    compare(case, reduction, losslib_result(case, reduction), case["results"][reduction])


@pytest.mark.parametrize("family", [f for f in FAMILIES if f != EQUIVALENTS])  # tests/test_equivalents.py
def test_reference_files_are_small_and_say_where_they_come_from(family):
    path = data_file(family)
    assert path.is_file(), f"{path.name} is missing: run tests/make_reference_data.py --family {family}"
    assert path.stat().st_size < 2_000_000
    meta, cases = load_reference(path)
    assert meta["oracle"] in DATA_ORACLES and meta[f"{meta['oracle']}_version"]
    assert meta["dtype"] == "float64"
    assert meta["n_cases"] == len(cases)


def test_case_ids_are_unique_across_families():
    assert len(CASES) == len(CASES_BY_ID)


@pytest.mark.parametrize("name", sorted(n for n, info in losslib.LOSSES.items() if info.oracle in DATA_ORACLES))
def test_every_loss_with_a_data_oracle_has_reference_cases(name):
    cases = [c for c in CASES if c["loss"] == name]
    assert len(cases) >= 3, f"{name} has {len(cases)} reference case(s); add some to tests/reference/"
    for case in cases:
        assert set(case["results"]) == set(REDUCTIONS)


def _cases_with(loss: str, **required) -> list[str]:
    """Ids of the cases of ``loss`` that use every option in ``required`` (True = any value)."""
    out = []
    for c in CASES:
        if c["loss"] != loss:
            continue
        if all(k in c["options"] and (v is True or c["options"][k] == v) for k, v in required.items()):
            out.append(c["id"])
    return out


@pytest.mark.parametrize(
    ("loss", "options", "what"),
    [
        ("huber", {"delta": True}, "a non-default delta"),
        ("binary_cross_entropy", {"weight": True}, "weights"),
        ("binary_cross_entropy_with_logits", {"weight": True, "pos_weight": True}, "weight and pos_weight"),
        ("cross_entropy", {"weight": True}, "class weights"),
        ("cross_entropy", {"label_smoothing": True}, "label smoothing"),
        ("cross_entropy", {"ignore_index": True}, "a non-default ignore_index"),
        ("cross_entropy", {"weight": True, "label_smoothing": True}, "weights with smoothing"),
    ],
)
def test_reference_data_covers_the_options(loss, options, what):
    assert _cases_with(loss, **options), f"no reference case of {loss} with {what}"


def test_reference_data_covers_the_layouts_of_cross_entropy():
    shapes = {
        (c["inputs"]["y_pred"].ndim, c["inputs"]["y_true"].dtype.kind) for c in CASES if c["loss"] == "cross_entropy"
    }
    # (C,), (N, C), (N, d, C), (N, d1, d2, C) logits, with integer labels and with probabilities
    for ndim in (1, 2, 3, 4):
        for kind in ("i", "f"):
            if ndim == 4 and kind == "f":
                continue
            assert (ndim, kind) in shapes, f"no cross_entropy case with {ndim}-D logits and y_true kind {kind!r}"


def test_reference_data_has_extreme_inputs():
    logits = np.concatenate(
        [
            np.abs(c["inputs"]["y_pred"]).ravel()
            for c in CASES
            if c["loss"] in ("binary_cross_entropy_with_logits", "cross_entropy")
        ]
    )
    assert logits.max() >= 1e4
    probs = np.concatenate([c["inputs"]["y_pred"].ravel() for c in CASES if c["loss"] == "binary_cross_entropy"])
    assert probs.min() == 0.0 and probs.max() == 1.0 and ((probs > 0) & (probs < 1e-12)).any()
