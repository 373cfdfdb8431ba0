"""Shared machinery of the reference data: encoding, case building, comparison.

A *case* is one call of a loss: ``{"id", "loss", "inputs": {arg: array}, "options": {...},
"grad_compare": bool array or None, "results": {reduction: {"value": V, "grad": G}}}``. The
inputs are keyed by the loss's arguments (``LOSSES[loss].args``), in order, and passed by name; ``G``
is an array for a loss with one ``grad_wrt`` argument and ``{arg: array}`` for several.
Arrays are stored as ``{"dtype", "shape", "data"}`` with floats written by ``repr``, so every
float64 survives the round trip exactly.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import numpy as np

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
REDUCTIONS = ("mean", "sum", "none")
SEED = 20240601

# Tolerances of the comparison losslib vs the oracle (float64). Both compute the same formulas
# in a different order, so they agree to a few ulps: RTOL everywhere, with no absolute slack,
# except for reference entries that are ~0 (|ref| < ZERO), which need only agree to ATOL (see
# reference/core.py for why PyTorch's BCE-with-logits needs that).
RTOL = 1e-10
ZERO = 1e-12
ATOL = 1e-14


def data_file(family: str) -> Path:
    return DATA_DIR / f"reference_{family}.json"


# --------------------------------------------------------------------------
# Encoding of arrays in JSON
# --------------------------------------------------------------------------


def encode(a: Any) -> dict:
    a = np.asarray(a)
    return {"dtype": str(a.dtype), "shape": list(a.shape), "data": a.ravel().tolist()}


def decode(obj: Any) -> Any:
    """Inverse of :func:`encode`; anything that is not an encoded array is returned as is."""
    if isinstance(obj, dict) and set(obj) == {"dtype", "shape", "data"}:
        return np.array(obj["data"], dtype=obj["dtype"]).reshape(obj["shape"])
    return obj


def decode_case(case: dict) -> dict:
    """A case from the JSON file with every encoded array turned into a numpy array."""
    out = dict(case)
    out["inputs"] = {k: decode(v) for k, v in case["inputs"].items()}
    out["options"] = {k: decode(v) for k, v in case["options"].items()}
    out["grad_compare"] = decode(case["grad_compare"]) if case.get("grad_compare") is not None else None
    out["results"] = {
        r: {"value": np.asarray(decode(res["value"]), dtype=np.float64), "grad": _decode_grad(res["grad"])}
        for r, res in case["results"].items()
    }
    return out


def _decode_grad(g: Any) -> Any:
    if g is None:
        return None
    if isinstance(g, dict) and set(g) != {"dtype", "shape", "data"}:
        return {k: decode(v) for k, v in g.items()}
    return decode(g)


def _encode_grad(g: Any) -> Any:
    if g is None:
        return None
    if isinstance(g, dict):
        return {k: encode(v) for k, v in g.items()}
    return encode(g)


def load_reference(path: Path) -> tuple[dict, list[dict]]:
    """``(meta, cases)`` of a committed reference file, arrays decoded."""
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    return raw["meta"], [decode_case(c) for c in raw["cases"]]


# The family whose cases hold frameworks' values at one reduction, without gradients, checked by
# tests/test_equivalents.py rather than with the oracles' cases.
EQUIVALENTS = "equivalents_frameworks"


def load_all() -> tuple[dict[str, dict], list[dict]]:
    """Metadata by family and every case of every committed oracle file (all but :data:`EQUIVALENTS`)."""
    metas, cases = {}, []
    for path in sorted(DATA_DIR.glob("reference_*.json")):
        if path == data_file(EQUIVALENTS):
            continue
        meta, family_cases = load_reference(path)
        metas[path.stem.removeprefix("reference_")] = meta
        cases += family_cases
    return metas, cases


def write_reference(path: Path, cases: list[dict], meta: dict) -> None:
    """Write ``cases`` (with results) to ``path``, one case per line.

    A case's keys besides those of :func:`make_case` and ``results`` (such as the framework and
    call of an equivalence) are written as they are.
    """

    def enc_case(c: dict) -> dict:
        known = ("id", "loss", "inputs", "options", "grad_compare", "results")
        return {
            "id": c["id"],
            "loss": c["loss"],
            **{k: v for k, v in c.items() if k not in known},
            "inputs": {k: encode(v) for k, v in c["inputs"].items()},
            "options": {k: (encode(v) if isinstance(v, np.ndarray) else v) for k, v in c["options"].items()},
            "grad_compare": None if c.get("grad_compare") is None else encode(c["grad_compare"]),
            "results": {
                r: {
                    "value": (float(res["value"]) if np.ndim(res["value"]) == 0 else encode(res["value"])),
                    "grad": _encode_grad(res["grad"]),
                }
                for r, res in c["results"].items()
            },
        }

    meta = dict(meta, n_cases=len(cases), dtype="float64", seed=SEED)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"meta": ' + json.dumps(meta) + ',\n "cases": [\n')
        f.write(",\n".join(json.dumps(enc_case(c), separators=(",", ":")) for c in cases))
        f.write("\n]}\n")


# --------------------------------------------------------------------------
# Building cases
# --------------------------------------------------------------------------


def rng_for(case_id: str) -> np.random.Generator:
    """A generator seeded by the case's id, so adding a case leaves the others unchanged."""
    return np.random.default_rng([SEED, zlib.crc32(case_id.encode())])


def make_case(case_id: str, loss: str, inputs: dict[str, Any], grad_compare: Any = None, **options: Any) -> dict:
    """A case of ``loss`` called with ``inputs`` (its ``args``, by name) and keyword ``options``."""
    return {
        "id": case_id,
        "loss": loss,
        "inputs": {
            k: (np.asarray(v) if np.asarray(v).dtype.kind in "iub" else np.asarray(v, dtype=np.float64))
            for k, v in inputs.items()
        },
        "options": options,
        "grad_compare": None if grad_compare is None else np.asarray(grad_compare, dtype=bool),
    }


def check_unique_ids(cases: list[dict]) -> list[dict]:
    ids = [c["id"] for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RuntimeError(f"duplicate case ids: {sorted(duplicates)}")
    return cases


# --------------------------------------------------------------------------
# Comparison (used by tests/test_losslib_oracle.py and by --check)
# --------------------------------------------------------------------------


def losslib_result(case: dict, reduction: str) -> dict:
    """Value and gradient of one case under one reduction, computed by losslib."""
    import losslib

    info = losslib.LOSSES[case["loss"]]
    args = {name: case["inputs"][name] for name in info.args}
    grad = info.grad(**args, reduction=reduction, **case["options"])
    if len(info.grad_wrt) > 1:
        grad = dict(zip(info.grad_wrt, grad))
    return {"value": info.loss(**args, reduction=reduction, **case["options"]), "grad": grad}


def compare(case: dict, reduction: str, got: dict, expected: dict) -> None:
    """Raise AssertionError unless losslib's ``got`` matches the reference ``expected``.

    Values and gradients must agree to RTOL (ATOL for entries below ZERO), have the reference's
    shape and be float64. Gradients are compared where ``grad_compare`` allows (all by default).
    """
    name = f"{case['id']} [reduction={reduction}]"
    pairs = [("value", got["value"], expected["value"])]
    if expected["grad"] is None:  # an oracle without gradients (the tests check them by finite differences)
        pass
    elif isinstance(expected["grad"], dict):
        pairs += [(f"gradient wrt {k}", got["grad"][k], v) for k, v in expected["grad"].items()]
    else:
        pairs.append(("gradient", got["grad"], expected["grad"]))
    for what, arr, ref in pairs:
        arr = np.asarray(arr)
        if arr.dtype != np.float64:
            raise AssertionError(f"{name}: losslib's {what} has dtype {arr.dtype}, expected float64")
        if arr.shape != np.shape(ref):
            raise AssertionError(f"{name}: losslib's {what} has shape {arr.shape}, the reference {np.shape(ref)}")
    mask = case.get("grad_compare")
    for what, arr, ref in pairs:
        if mask is not None and what.startswith("gradient"):
            arr, ref = np.asarray(arr)[mask], np.asarray(ref)[mask]
        assert_close(arr, ref, f"{name}: {what}")


def assert_close(actual, desired, err_msg: str) -> None:
    """``actual`` equals ``desired`` to RTOL, or to ATOL where ``|desired| < ZERO``."""
    actual, desired = np.asarray(actual), np.asarray(desired)
    near_zero = np.abs(desired) < ZERO
    np.testing.assert_allclose(actual[~near_zero], desired[~near_zero], rtol=RTOL, atol=0, err_msg=err_msg)
    np.testing.assert_allclose(
        actual[near_zero], desired[near_zero], rtol=0, atol=ATOL, err_msg=err_msg + f" (entries below {ZERO:g})"
    )
