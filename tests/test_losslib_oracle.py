"""losslib against PyTorch (float64): values and gradients of every case in the committed data.

The reference values come from ``tests/make_reference_data.py`` (run with a Python that has
torch); this file needs no PyTorch. Each (case, reduction) is its own test, e.g.
``cross_entropy-labels-weight-3d-mean``.
"""

from __future__ import annotations

import numpy as np
import pytest

import losslib
from make_reference_data import DATA_FILE, REDUCTIONS, compare, load_reference, losslib_result

META, CASES = load_reference()
CASES_BY_ID = {case["id"]: case for case in CASES}

# Losses whose oracle is not PyTorch (none so far): name -> the test file that checks them instead.
OTHER_ORACLE: dict[str, str] = {}


@pytest.mark.parametrize(
    ("case_id", "reduction"),
    [(case["id"], r) for case in CASES for r in REDUCTIONS],
    ids=[f"{case['id']}-{r}" for case in CASES for r in REDUCTIONS],
)
def test_losslib_matches_torch(case_id, reduction):
    case = CASES_BY_ID[case_id]
    compare(case, reduction, losslib_result(case, reduction), case["results"][reduction])


def test_reference_file_is_small_and_says_where_it_comes_from():
    assert DATA_FILE.stat().st_size < 2_000_000
    assert META["torch_version"]
    assert META["dtype"] == "float64"
    assert META["n_cases"] == len(CASES) == len(CASES_BY_ID)


@pytest.mark.parametrize("name", sorted(set(losslib.LOSSES) - set(OTHER_ORACLE)))
def test_every_registered_loss_has_torch_reference_cases(name):
    cases = [c for c in CASES if c["loss"] == name]
    assert len(cases) >= 3, f"{name} has {len(cases)} reference case(s); add some to make_reference_data.py"
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
    shapes = {(c["inputs"]["y_pred"].ndim, c["inputs"]["y_true"].dtype.kind) for c in CASES
              if c["loss"] == "cross_entropy"}
    # (C,), (N, C), (N, d, C), (N, d1, d2, C) logits, with integer labels and with probabilities
    for ndim in (1, 2, 3, 4):
        for kind in ("i", "f"):
            if ndim == 4 and kind == "f":
                continue
            assert (ndim, kind) in shapes, f"no cross_entropy case with {ndim}-D logits and y_true kind {kind!r}"


def test_reference_data_has_extreme_inputs():
    logits = np.concatenate([np.abs(c["inputs"]["y_pred"]).ravel() for c in CASES
                             if c["loss"] in ("binary_cross_entropy_with_logits", "cross_entropy")])
    assert logits.max() >= 1e4
    probs = np.concatenate([c["inputs"]["y_pred"].ravel() for c in CASES if c["loss"] == "binary_cross_entropy"])
    assert probs.min() == 0.0 and probs.max() == 1.0 and ((probs > 0) & (probs < 1e-12)).any()
