"""Reference values and gradients of every losslib loss, computed with PyTorch in float64.

The test suite needs no PyTorch: it reads the committed file ``tests/data/torch_reference.json``
written by this script. Regenerate it (after adding a case, or for a new PyTorch) with::

    /tmp/torchenv/bin/python tests/make_reference_data.py            # writes the JSON file
    /tmp/torchenv/bin/python tests/make_reference_data.py --check    # live PyTorch vs losslib

``--check`` rebuilds every case, computes it with the installed PyTorch and compares losslib
against that directly (and says whether the committed file is still what this PyTorch gives).

Layout of the JSON file: ``{"meta": {...}, "cases": [case, ...]}``, one case per line. A case is::

    {"id": "cross_entropy-labels-weight-3d", "loss": "cross_entropy",
     "inputs": {"y_true": ARRAY, "y_pred": ARRAY},
     "options": {"weight": ARRAY, "label_smoothing": 0.1},   # keyword options, arrays encoded
     "grad_compare": ARRAY of bool or absent,                 # where gradients may be compared
     "results": {"mean": {"value": V, "grad": ARRAY}, "sum": ..., "none": ...}}

with ``ARRAY = {"dtype": "float64", "shape": [2, 3], "data": [flat list]}``. Floats are written
with ``repr``, so every float64 survives the round trip exactly (NaN as ``NaN``).

Layout of the inputs: losslib's cross-entropy has the classes on the **last** axis, PyTorch on
axis 1, so the logits (and class-probability targets) are moved with ``movedim(-1, 1)`` before
calling PyTorch; the gradient is taken with respect to the unmoved tensor, so it comes back in
losslib's layout. For ``reduction="none"`` the gradient is that of the sum of the per-item losses.

Documented difference kept out of the comparison: PyTorch's ``binary_cross_entropy`` gradient
is ``(p - y) / max(p (1 - p), 1e-12)``, losslib's the exact derivative of the (clamped) value,
so ``grad_compare`` is ``p (1 - p) >= 1e-12``: the gradients are compared wherever both are
defined to be the same number, and ``tests/test_losslib_gradients.py`` checks the rest.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np

DATA_FILE = Path(__file__).resolve().parent / "data" / "torch_reference.json"
REDUCTIONS = ("mean", "sum", "none")
SEED = 20240601

# Tolerances of the comparison losslib vs PyTorch (float64). Both compute the same formulas in a
# different order, so they agree to a few ulps: RTOL everywhere, with no absolute slack, except
# for reference entries that are ~0 (|ref| < ZERO), which need only agree to ATOL. Those exist
# because PyTorch's binary_cross_entropy_with_logits computes its value as
# (1 - y) x + log1p(exp(-|x|)) + max(-x, 0) and its gradient as sigmoid(x) - y, which cancel to
# an absolute error of ~1e-16 where the true numbers are below 1e-13 (the loss 1.9e-22 at
# x = -50, y = 0 comes out as 0, the gradient -2.3e-16 at x = 36, y = 1 as -2.2e-16). losslib
# keeps those digits; tests/test_losslib_gradients.py checks them against closed forms.
RTOL = 1e-10
ZERO = 1e-12
ATOL = 1e-14


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
        r: {"value": np.asarray(decode(res["value"]), dtype=np.float64), "grad": decode(res["grad"])}
        for r, res in case["results"].items()
    }
    return out


def load_reference(path: Path = DATA_FILE) -> tuple[dict, list[dict]]:
    """``(meta, cases)`` of the committed reference file, arrays decoded."""
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    return raw["meta"], [decode_case(c) for c in raw["cases"]]


# --------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------

SHAPES = {"1d": (7,), "2d": (4, 3), "3d": (2, 3, 4)}


def _rng(case_id: str) -> np.random.Generator:
    """A generator seeded by the case's id, so adding a case leaves the others unchanged."""
    return np.random.default_rng([SEED, zlib.crc32(case_id.encode())])


def _case(case_id: str, loss: str, y_true, y_pred, grad_compare=None, **options) -> dict:
    return {
        "id": case_id,
        "loss": loss,
        "inputs": {"y_true": np.asarray(y_true), "y_pred": np.asarray(y_pred, dtype=np.float64)},
        "options": options,
        "grad_compare": None if grad_compare is None else np.asarray(grad_compare, dtype=bool),
    }


def _regression_cases() -> list[dict]:
    cases = []
    for loss, variants in (
        ("mse", [{}]),
        ("mae", [{}]),
        ("huber", [{}, {"delta": 0.5}, {"delta": 2.5}]),
    ):
        for opts in variants:
            tag = "".join(f"-delta{v}" for v in opts.values())
            for sname, shape in SHAPES.items():
                cid = f"{loss}{tag}-{sname}"
                rng = _rng(cid)
                y = rng.normal(size=shape)
                cases.append(_case(cid, loss, y, y + 2.0 * rng.normal(size=shape), **opts))
            # extreme residuals, tiny and huge
            cid = f"{loss}{tag}-extreme"
            r = np.array([1e-8, -1e-8, 1e-3, -7.5, 1e3, -1e3, 1e6, -1e6, 3e7])
            y = _rng(cid).normal(size=r.shape)
            cases.append(_case(cid, loss, y, y + r, **opts))
        # Kinks: both libraries return 0 at r = 0 (sign(0)) and delta at |r| = delta.
        delta = 1.0
        r = np.array([0.0, 0.0, delta, -delta, 0.25, -3.0])
        y = np.array([0.0, 1.5, 0.0, 2.0, -1.0, 0.5])
        cases.append(_case(f"{loss}-kinks", loss, y, y + r))
    return cases


def _bce_cases() -> list[dict]:
    cases = []
    for sname, shape in SHAPES.items():
        cid = f"binary_cross_entropy-labels-{sname}"
        rng = _rng(cid)
        cases.append(_case(cid, "binary_cross_entropy",
                           rng.integers(0, 2, size=shape).astype(float), rng.uniform(0.02, 0.98, size=shape)))
        cid = f"binary_cross_entropy-soft-weight-{sname}"
        rng = _rng(cid)
        cases.append(_case(cid, "binary_cross_entropy", rng.uniform(size=shape), rng.uniform(0.02, 0.98, size=shape),
                           weight=rng.uniform(0.1, 3.0, size=shape)))
    cid = "binary_cross_entropy-weight-per-column-2d"
    rng = _rng(cid)
    cases.append(_case(cid, "binary_cross_entropy", rng.integers(0, 2, size=(4, 3)).astype(float),
                       rng.uniform(0.01, 0.99, size=(4, 3)), weight=np.array([0.5, 1.0, 4.0])))
    # Probabilities at and near 0 and 1: values compared everywhere, gradients where both
    # libraries define the same number (p (1 - p) >= 1e-12, see the module docstring).
    p = np.array([0.0, 1e-300, 1e-50, 1e-13, 1e-12, 1e-9, 1e-6, 0.5, 1 - 1e-6, 1 - 1e-9, 1 - 1e-13, 1.0])
    for y_name, y in (("y0", np.zeros_like(p)), ("y1", np.ones_like(p)),
                      ("ysoft", np.linspace(0.0, 1.0, p.size))):
        for wname, opts in (("", {}), ("-weight", {"weight": np.linspace(0.5, 2.0, p.size)})):
            cases.append(_case(f"binary_cross_entropy-extreme-{y_name}{wname}", "binary_cross_entropy",
                               y, p, grad_compare=p * (1 - p) >= 1e-12, **opts))
    return cases


def _bce_logits_cases() -> list[dict]:
    loss = "binary_cross_entropy_with_logits"
    cases = []
    for sname, shape in SHAPES.items():
        cid = f"{loss}-labels-{sname}"
        rng = _rng(cid)
        cases.append(_case(cid, loss, rng.integers(0, 2, size=shape).astype(float), 3.0 * rng.normal(size=shape)))
        cid = f"{loss}-soft-weight-pos_weight-{sname}"
        rng = _rng(cid)
        cases.append(_case(cid, loss, rng.uniform(size=shape), 3.0 * rng.normal(size=shape),
                           weight=rng.uniform(0.1, 3.0, size=shape),
                           pos_weight=rng.uniform(0.2, 5.0, size=shape[-1:])))
        cid = f"{loss}-pos_weight-{sname}"
        rng = _rng(cid)
        cases.append(_case(cid, loss, rng.integers(0, 2, size=shape).astype(float), 3.0 * rng.normal(size=shape),
                           pos_weight=rng.uniform(0.2, 5.0, size=shape[-1:])))
    cid = f"{loss}-weight-per-column-2d"
    rng = _rng(cid)
    cases.append(_case(cid, loss, rng.integers(0, 2, size=(4, 3)).astype(float), rng.normal(size=(4, 3)),
                       weight=np.array([0.5, 1.0, 4.0])))
    # Extreme logits up to |x| = 1e4.
    x = np.array([-1e4, -1e3, -745.5, -50.0, -36.0, -1e-9, 0.0, 1e-9, 36.0, 50.0, 745.5, 1e3, 1e4])
    for y_name, y in (("y0", np.zeros_like(x)), ("y1", np.ones_like(x)), ("ysoft", np.linspace(0, 1, x.size))):
        cases.append(_case(f"{loss}-extreme-{y_name}", loss, y, x))
        cases.append(_case(f"{loss}-extreme-{y_name}-weight-pos_weight", loss, y, x,
                           weight=np.linspace(0.5, 2.0, x.size), pos_weight=np.array([3.0])))
    return cases


def _dirichlet(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    g = rng.gamma(1.0, size=shape)
    return g / g.sum(axis=-1, keepdims=True)


def _ce_cases() -> list[dict]:
    loss = "cross_entropy"
    n_classes = 5
    shapes = {"2d": (6,), "3d": (2, 3), "4d": (2, 2, 3)}  # shape of the labels
    option_sets = {
        "": {},
        "-weight": {"weight": np.array([0.2, 1.0, 2.5, 0.7, 1.3])},
        "-smooth0.1": {"label_smoothing": 0.1},
        "-smooth1": {"label_smoothing": 1.0},
        "-weight-smooth0.25": {"weight": np.array([0.2, 1.0, 2.5, 0.7, 1.3]), "label_smoothing": 0.25},
    }
    cases = []
    for sname, lshape in shapes.items():
        zshape = (*lshape, n_classes)
        for oname, opts in option_sets.items():
            if sname == "4d" and oname not in ("", "-weight-smooth0.25"):
                continue
            cid = f"{loss}-labels{oname}-{sname}"
            rng = _rng(cid)
            cases.append(_case(cid, loss, rng.integers(0, n_classes, size=lshape), 2.0 * rng.normal(size=zshape),
                               **opts))
            cid = f"{loss}-probs{oname}-{sname}"
            rng = _rng(cid)
            cases.append(_case(cid, loss, _dirichlet(rng, zshape), 2.0 * rng.normal(size=zshape), **opts))
        # ignore_index: the default -100, and a real class (2) whose rows are then ignored.
        for ignore, iname in ((-100, "ignore-default"), (2, "ignore2")):
            for oname, opts in (("", {}), ("-weight-smooth0.2", {"weight": option_sets["-weight"]["weight"],
                                                                  "label_smoothing": 0.2})):
                cid = f"{loss}-{iname}{oname}-{sname}"
                rng = _rng(cid)
                labels = rng.integers(0, n_classes, size=lshape)
                labels.flat[::3] = ignore
                extra = {} if ignore == -100 else {"ignore_index": ignore}
                cases.append(_case(cid, loss, labels, 2.0 * rng.normal(size=zshape), **extra, **opts))
    # Unbatched: logits (C,), one label of shape ().
    cid = f"{loss}-labels-unbatched"
    rng = _rng(cid)
    cases.append(_case(cid, loss, np.array(3), rng.normal(size=n_classes), label_smoothing=0.1))
    cid = f"{loss}-probs-unbatched"
    rng = _rng(cid)
    cases.append(_case(cid, loss, _dirichlet(rng, (n_classes,)), rng.normal(size=n_classes)))
    # Two classes.
    cid = f"{loss}-labels-binary"
    rng = _rng(cid)
    cases.append(_case(cid, loss, rng.integers(0, 2, size=8), 3.0 * rng.normal(size=(8, 2))))
    # Extreme logits: random in [-1e4, 1e4], confident right and wrong, near ties at |z| ~ 1e4.
    for oname, opts in (("", {}), ("-weight-smooth0.1", {"weight": option_sets["-weight"]["weight"],
                                                          "label_smoothing": 0.1})):
        cid = f"{loss}-extreme-random{oname}"
        rng = _rng(cid)
        cases.append(_case(cid, loss, rng.integers(0, n_classes, size=6), rng.uniform(-1e4, 1e4, (6, n_classes)),
                           **opts))
        z = np.array([
            [1e4, -1e4, 0.0, 5e3, -5e3],               # label 0: right, loss ~ 0
            [1e4, -1e4, 0.0, 5e3, -5e3],               # label 1: wrong by 2e4
            [1e4, 1e4 - 5.0, 1e4 - 1.0, 0.0, -1e4],    # near ties at 1e4
            [-1e4, -1e4 + 3.0, -1e4 + 0.5, -1e4, -1e4],
            [1e4, 1e4, 1e4, 1e4, 1e4],                 # all equal
            [745.0, 0.0, -745.0, 50.0, -50.0],
            [1e4, 1e4 - 10.0, 1e4 - 12.0, 0.0, -1e4],  # label 0: loss 5.2e-5, needs z - max before the log
        ])
        cases.append(_case(f"{loss}-extreme-crafted{oname}", loss, np.array([0, 1, 1, 2, 4, 3, 0]), z, **opts))
        cid = f"{loss}-extreme-probs{oname}"
        rng = _rng(cid)
        cases.append(_case(cid, loss, _dirichlet(rng, z.shape), z, **opts))
    # Every label ignored: the mean is 0/0 = NaN in both libraries (the gradient is 0).
    cid = f"{loss}-all-ignored"
    rng = _rng(cid)
    for oname, opts in (("", {}), ("-smooth0.1", {"label_smoothing": 0.1})):
        cases.append(_case(cid + oname, loss, np.full(4, -100), rng.normal(size=(4, n_classes)), **opts))
    return cases


def build_cases() -> list[dict]:
    """Every case, without results (those come from PyTorch)."""
    cases = _regression_cases() + _bce_cases() + _bce_logits_cases() + _ce_cases()
    ids = [c["id"] for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RuntimeError(f"duplicate case ids: {sorted(duplicates)}")
    return cases


# --------------------------------------------------------------------------
# PyTorch (imported lazily: the test suite imports this module without it)
# --------------------------------------------------------------------------

def torch_result(case: dict, reduction: str) -> dict:
    """Value and gradient (w.r.t. y_pred) of one case under one reduction, with PyTorch in float64."""
    import torch
    import torch.nn.functional as F

    def t(a):
        a = np.asarray(a)
        return torch.tensor(a, dtype=torch.int64 if a.dtype.kind in "iu" else torch.float64)

    y = t(case["inputs"]["y_true"])
    x = t(case["inputs"]["y_pred"]).requires_grad_(True)
    opts = {k: (t(v) if isinstance(v, np.ndarray) else v) for k, v in case["options"].items()}
    loss = case["loss"]
    if loss == "mse":
        out = F.mse_loss(x, y, reduction=reduction)
    elif loss == "mae":
        out = F.l1_loss(x, y, reduction=reduction)
    elif loss == "huber":
        out = F.huber_loss(x, y, reduction=reduction, delta=opts.get("delta", 1.0))
    elif loss == "binary_cross_entropy":
        out = F.binary_cross_entropy(x, y, weight=opts.get("weight"), reduction=reduction)
    elif loss == "binary_cross_entropy_with_logits":
        out = F.binary_cross_entropy_with_logits(x, y, weight=opts.get("weight"), pos_weight=opts.get("pos_weight"),
                                                 reduction=reduction)
    elif loss == "cross_entropy":
        # classes: last axis in losslib, axis 1 in PyTorch (for 1-D and 2-D logits the two agree)
        z = x.movedim(-1, 1) if x.ndim >= 3 else x
        target = y.movedim(-1, 1) if (y.dtype == torch.float64 and y.ndim >= 3) else y
        out = F.cross_entropy(z, target, weight=opts.get("weight"), ignore_index=opts.get("ignore_index", -100),
                              label_smoothing=opts.get("label_smoothing", 0.0), reduction=reduction)
    else:
        raise KeyError(f"no PyTorch reference for loss {loss!r}: add it to torch_result")
    (out if reduction != "none" else out.sum()).backward()
    return {"value": out.detach().numpy().copy(), "grad": x.grad.numpy().copy()}


def with_torch_results(cases: list[dict]) -> list[dict]:
    return [dict(c, results={r: torch_result(c, r) for r in REDUCTIONS}) for c in cases]


def write_reference(path: Path = DATA_FILE) -> None:
    import torch

    cases = with_torch_results(build_cases())

    def enc_case(c):
        return {
            "id": c["id"],
            "loss": c["loss"],
            "inputs": {k: encode(v) for k, v in c["inputs"].items()},
            "options": {k: (encode(v) if isinstance(v, np.ndarray) else v) for k, v in c["options"].items()},
            "grad_compare": None if c["grad_compare"] is None else encode(c["grad_compare"]),
            "results": {r: {"value": (float(res["value"]) if res["value"].ndim == 0 else encode(res["value"])),
                            "grad": encode(res["grad"])} for r, res in c["results"].items()},
        }

    meta = {
        "generated_by": "tests/make_reference_data.py",
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "dtype": "float64",
        "seed": SEED,
        "n_cases": len(cases),
        "note": "PyTorch puts the classes on axis 1; the inputs here use losslib's layout (classes last).",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"meta": ' + json.dumps(meta) + ',\n "cases": [\n')
        f.write(",\n".join(json.dumps(enc_case(c), separators=(",", ":")) for c in cases))
        f.write("\n]}\n")
    print(f"wrote {len(cases)} cases x {len(REDUCTIONS)} reductions to {path} "
          f"({path.stat().st_size / 1e6:.2f} MB, torch {torch.__version__})")


# --------------------------------------------------------------------------
# Comparison (shared with tests/test_losslib_oracle.py)
# --------------------------------------------------------------------------

def losslib_result(case: dict, reduction: str) -> dict:
    """Value and gradient of one case under one reduction, computed by losslib."""
    import losslib

    loss = getattr(losslib, case["loss"])
    grad = getattr(losslib, case["loss"] + "_grad")
    y_true, y_pred = case["inputs"]["y_true"], case["inputs"]["y_pred"]
    return {"value": loss(y_true, y_pred, reduction=reduction, **case["options"]),
            "grad": grad(y_true, y_pred, reduction=reduction, **case["options"])}


def compare(case: dict, reduction: str, got: dict, expected: dict) -> None:
    """Raise AssertionError unless losslib's ``got`` matches the reference ``expected``.

    Values and gradients must agree to RTOL (ATOL for entries below ZERO), have the reference's
    shape and be float64. Gradients are compared where ``grad_compare`` allows (all by default).
    """
    value, grad = got["value"], got["grad"]
    ref_value, ref_grad = expected["value"], expected["grad"]
    name = f"{case['id']} [reduction={reduction}]"
    for what, arr, ref in (("value", value, ref_value), ("gradient", grad, ref_grad)):
        arr = np.asarray(arr)
        if arr.dtype != np.float64:
            raise AssertionError(f"{name}: losslib's {what} has dtype {arr.dtype}, expected float64")
        if arr.shape != np.shape(ref):
            raise AssertionError(f"{name}: losslib's {what} has shape {arr.shape}, the reference {np.shape(ref)}")
    mask = case.get("grad_compare")
    if mask is not None:
        grad, ref_grad = np.asarray(grad)[mask], np.asarray(ref_grad)[mask]
    assert_close(value, ref_value, f"{name}: value")
    assert_close(grad, ref_grad, f"{name}: gradient")


def assert_close(actual, desired, err_msg: str) -> None:
    """``actual`` equals ``desired`` to RTOL, or to ATOL where ``|desired| < ZERO``."""
    actual, desired = np.asarray(actual), np.asarray(desired)
    near_zero = np.abs(desired) < ZERO
    np.testing.assert_allclose(actual[~near_zero], desired[~near_zero], rtol=RTOL, atol=0, err_msg=err_msg)
    np.testing.assert_allclose(actual[near_zero], desired[near_zero], rtol=0, atol=ATOL,
                               err_msg=err_msg + f" (entries below {ZERO:g})")


def check_live() -> int:
    """Compare losslib with the installed PyTorch on every case; return the number of failures."""
    import torch

    cases = with_torch_results(build_cases())
    failures = 0
    for case in cases:
        for reduction in REDUCTIONS:
            try:
                compare(case, reduction, losslib_result(case, reduction), case["results"][reduction])
            except AssertionError as exc:
                failures += 1
                print(f"FAIL {exc}\n")
    n = len(cases) * len(REDUCTIONS)
    print(f"losslib vs live torch {torch.__version__}: {n - failures}/{n} agree")

    if DATA_FILE.exists():
        meta, committed = load_reference()
        live = {c["id"]: c for c in cases}
        stale = []
        for c in committed:
            fresh = live.get(c["id"])
            if fresh is None:
                stale.append(f"{c['id']} (no longer built)")
                continue
            for r in REDUCTIONS:
                a, b = c["results"][r], fresh["results"][r]
                if not (np.array_equal(a["value"], b["value"], equal_nan=True)
                        and np.array_equal(a["grad"], b["grad"], equal_nan=True)):
                    stale.append(f"{c['id']} [{r}]")
        stale += [f"{i} (not in the file)" for i in sorted(set(live) - {c["id"] for c in committed})]
        if stale:
            print(f"the committed {DATA_FILE.name} (torch {meta['torch_version']}) differs from live torch in "
                  f"{len(stale)} place(s), e.g. {stale[:5]}; regenerate it if that is expected")
        else:
            print(f"the committed {DATA_FILE.name} (torch {meta['torch_version']}) is exactly what live torch gives")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare losslib with live PyTorch, write nothing")
    parser.add_argument("--output", type=Path, default=DATA_FILE, help="where to write the reference file")
    args = parser.parse_args(argv)
    if args.check:
        return 1 if check_live() else 0
    write_reference(args.output)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # losslib from this checkout
    sys.exit(main())
